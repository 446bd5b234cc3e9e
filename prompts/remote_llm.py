"""An OpenAI-compatible chat completions endpoint (OpenAI, vLLM, llama.cpp server, Ollama, LM Studio...)."""
from __future__ import annotations

import asyncio
import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from common.intake import from_endpoint
from prompts.base import DEFAULT_BASE_URL
from prompts.errors import ExpansionError
from prompts.llm import LLMExpander

log = logging.getLogger(__name__)


class _Retryable(Exception):
    """A failure worth another attempt; `retry_after` the seconds the server asked to wait (None: unsaid)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header in seconds: delta-seconds ("7") or an HTTP date (RFC 9110 section 10.2.3);
    None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


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
        # One budget for the whole request: attempts, backoffs and Retry-After waits all come out of it.
        deadline = time.monotonic() + self.config.budget
        async with aiohttp.ClientSession() as session:
            for attempt in range(attempts):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ExpansionError(f"{url} used up its {self.config.budget:g} s budget after {attempt} attempts")
                try:
                    timeout = aiohttp.ClientTimeout(total=min(self.config.timeout, left))
                    return await self._post(session, url, body, headers, timeout)
                except (_Retryable, TimeoutError, aiohttp.ClientConnectionError) as error:
                    failure = error
                    if attempt + 1 < attempts:
                        asked = getattr(error, "retry_after", None)
                        delay = max(self.config.retry_backoff * 2**attempt, asked or 0.0)
                        if time.monotonic() + delay >= deadline:
                            raise ExpansionError(f"{url} asked to wait {delay:g} s, past the {self.config.budget:g} s "
                                                 f"budget; last: {error!r}") from error
                        log.info("chat completion attempt %d failed (%r); retrying in %.2fs", attempt + 1, error,
                                 delay)
                        await asyncio.sleep(delay)
        raise ExpansionError(f"{url} failed {attempts} times, last: {failure!r}") from failure

    async def _post(self, session: aiohttp.ClientSession, url: str, body: dict[str, Any],
                    headers: dict[str, str], timeout: aiohttp.ClientTimeout) -> str:
        async with session.post(url, json=body, headers=headers, timeout=timeout) as response:
            # 429 is a 4xx but means "later", not "never"; other 4xx will fail the same way every time.
            if response.status >= 500 or response.status == 429:
                raise _Retryable(f"HTTP {response.status}", retry_after_seconds(response.headers.get("Retry-After")))
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
