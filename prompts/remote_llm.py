"""An OpenAI-compatible chat completions endpoint (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio...)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from common.intake import from_endpoint
from prompts.base import DEFAULT_BASE_URL
from prompts.errors import ExpansionError
from prompts.llm import LLMExpander

log = logging.getLogger(__name__)


class _Retryable(Exception):
    pass


def chat_completions_url(base_url: str) -> str:
    """Accepts "http://host:8000", ".../v1" or the full ".../v1/chat/completions"."""
    url = base_url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    return f"{url}/chat/completions" if url.endswith("/v1") else f"{url}/v1/chat/completions"


class OpenAIExpander(LLMExpander):
    backend = "openai"

    async def complete(self, messages: list[dict[str, str]]) -> str:
        body: dict[str, Any] = {
            "model": self.config.model_id,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_new_tokens,
        }
        if self.config.json_mode:
            body["response_format"] = {"type": "json_object"}
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        url = chat_completions_url(self.config.base_url or DEFAULT_BASE_URL)
        attempts = 1 + max(0, self.config.retries)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.config.timeout)) as session:
            for attempt in range(attempts):
                try:
                    return await self._post(session, url, body, headers)
                except (_Retryable, TimeoutError, aiohttp.ClientConnectionError) as error:
                    failure = error
                    if attempt + 1 < attempts:
                        delay = self.config.retry_backoff * 2**attempt
                        log.info("chat completion attempt %d failed (%r); retrying in %.2fs", attempt + 1, error,
                                 delay)
                        await asyncio.sleep(delay)
        raise ExpansionError(f"{url} failed {attempts} times, last: {failure!r}") from failure

    async def _post(self, session: aiohttp.ClientSession, url: str, body: dict[str, Any],
                    headers: dict[str, str]) -> str:
        async with session.post(url, json=body, headers=headers) as response:
            # 429 is a 4xx but means "later", not "never"; other 4xx will fail the same way every time.
            if response.status >= 500 or response.status == 429:
                raise _Retryable(f"HTTP {response.status}")
            if response.status >= 400:
                # Some endpoints echo the request, key included, in their error body.
                text = from_endpoint(await response.text(), self.config.api_key or "")
                raise ExpansionError(f"{url} answered HTTP {response.status}: {text[:300]}")
            try:
                data = await response.json(content_type=None)
                content = data["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError, aiohttp.ContentTypeError) as error:
                raise ExpansionError(f"{url} sent no chat completion: {error!r}") from error
            # Endpoint text, even a successful reply, can echo the key: redacted before it is parsed into a
            # title that is stored, posted and served.
            return from_endpoint(content, self.config.api_key or "") if isinstance(content, str) else ""
