"""What every expander takes and returns; kept apart from the backends so they can all import it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from prompts.request import RequestFacts
from prompts.schema import MAX_SHOTS, ShotList, StyleBible


@dataclass(frozen=True)
class ExpandOptions:
    """Overrides from the command, which beat what the request's own words say: `shots` exact shot count,
    `style` look words or free text, `duration` target clip length in seconds, `shot_seconds` length of every
    shot, `aspect` "16:9", "9:16" or "1:1", `negative` extra things to avoid, `bible` a style bible to keep
    as is (remixes re-expand under the parent clip's bible), `most_shots` the most shots a clip may have
    where it is asked for (a server's `max_shots`; MAX_SHOTS at most)."""

    shots: int | None = None
    style: str | None = None
    duration: float | None = None
    negative: str | None = None
    bible: StyleBible | None = None
    shot_seconds: float | None = None
    aspect: str | None = None
    most_shots: int = MAX_SHOTS

    @property
    def shot_limit(self) -> int:
        """The most shots this plan may have: the server's limit within the planner's own (1..MAX_SHOTS)."""
        return max(1, min(MAX_SHOTS, self.most_shots))

    def asked_shots(self, facts: RequestFacts) -> int | None:
        """The count asked for, unclamped (by option first, then by the request's own words); None = free."""
        return self.shots if self.shots is not None else facts.asked.shots

    def shot_count(self, facts: RequestFacts) -> int | None:
        """The exact count to plan, within 1..shot_limit; None = free."""
        count = self.asked_shots(facts)
        return None if count is None else max(1, min(self.shot_limit, int(count)))

    def total_seconds(self, facts: RequestFacts) -> float | None:
        return self.duration if self.duration is not None else facts.asked.total_seconds

    def seconds_per_shot(self, facts: RequestFacts) -> float | None:
        return self.shot_seconds if self.shot_seconds is not None else facts.asked.shot_seconds

    def style_text(self, facts: RequestFacts) -> str | None:
        return self.style if self.style is not None else facts.asked.style

    def frame_shape(self, facts: RequestFacts) -> str | None:
        return self.aspect if self.aspect is not None else facts.asked.aspect


class Expander(Protocol):
    async def expand(self, request: str, options: ExpandOptions | None = None) -> ShotList: ...


# Where vLLM and `llama-server` listen by default; used by backend 'openai' when no base_url is configured.
DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"


@dataclass(frozen=True)
class ExpanderConfig:
    """Which expander to run. `backend`: 'auto' (the default: 'openai' when `base_url` is set, else
    'transformers' when a GPU is present and `model_id` is already on disk, else 'rules'), 'rules' (no
    model), 'transformers' (local chat model `model_id`, a hub id or a directory, on `device` or the GPU
    when there is one) or 'openai' (any OpenAI-compatible server at `base_url`, e.g. vLLM, llama.cpp,
    Ollama; DEFAULT_BASE_URL when unset). LLM backends fall back to rules on any failure.
    `budget` is the one time limit of a request, in seconds, across every attempt and wait (a `Retry-After`
    is honoured when it fits in what is left); past it the rules answer, with a note. `timeout` bounds one
    LLM call (one HTTP attempt; local generation time) within the budget; `retries` extra HTTP attempts after
    5xx/429/timeouts, `retry_backoff` seconds before the first retry (doubling); `json_mode` asks the server
    for response_format json_object (not every server supports it)."""

    backend: str = "auto"
    model_id: str = "Qwen/Qwen2.5-1.5B-Instruct"
    base_url: str = ""
    api_key: str = field(default="", repr=False)
    budget: float = 20.0
    timeout: float = 20.0
    retries: int = 2
    retry_backoff: float = 0.5
    max_new_tokens: int = 1536
    temperature: float = 0.3
    json_mode: bool = False
    device: str | None = None
