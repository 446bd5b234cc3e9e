"""The expander front door: pick a backend from config, and never let an LLM failure reach the user."""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path

from common.text import N_, Text
from prompts.base import Expander, ExpanderConfig, ExpandOptions
from prompts.llm import LLMExpander
from prompts.local_llm import TransformersExpander
from prompts.remote_llm import OpenAIExpander
from prompts.rules import RuleBasedExpander
from prompts.schema import ShotList

__all__ = [
    "ExpandOptions", "Expander", "ExpanderConfig", "FallbackExpander", "LLMExpander", "OpenAIExpander",
    "RuleBasedExpander", "TransformersExpander", "build_expander", "model_on_disk", "resolve_backend",
]

log = logging.getLogger(__name__)
BACKENDS = ("auto", "rules", "transformers", "openai")


class FallbackExpander:
    """Runs `primary`; on any error, an empty or invalid reply, or after `timeout` seconds (the request's
    whole budget), answers with `fallback` (rules) instead, with a note saying so. The ShotList's `backend`
    says which one produced it."""

    def __init__(self, primary: Expander, fallback: Expander | None = None, *, timeout: float | None = None
                 ) -> None:
        self.primary = primary
        self.fallback = fallback or RuleBasedExpander()
        self.timeout = timeout

    async def expand(self, request: str, options: ExpandOptions | None = None) -> ShotList:
        try:
            return await asyncio.wait_for(self.primary.expand(request, options), self.timeout)
        except Exception as error:  # every failure of the primary has the same remedy
            name = getattr(self.primary, "backend", type(self.primary).__name__)
            late = isinstance(error, TimeoutError) or "budget" in str(error)
            reason = "timed out" if isinstance(error, TimeoutError) else f"{type(error).__name__}: {error}"
            log.warning("%s expander failed (%s); using the rule-based expander", name, reason)
            plan = await self.fallback.expand(request, options)
            note = Text.of(N_("The writer model took longer than {seconds} s, so the rules wrote this plan."),
                           seconds=f"{self.timeout:g}") if late and self.timeout else \
                Text.of(N_("The writer model could not plan this request, so the rules wrote this plan."))
            return plan.model_copy(update={"notes": [*plan.notes, note]})


def resolve_backend(config: ExpanderConfig) -> str:
    """The backend 'auto' stands for on this machine; any other backend as configured."""
    if config.backend != "auto":
        return config.backend
    if config.base_url:
        return "openai"
    # The cheap check first: torch is imported only where a local model could run at all.
    if model_on_disk(config.model_id) and _gpu_present():
        return "transformers"
    return "rules"


def _gpu_present() -> bool:
    import torch

    return torch.cuda.is_available()


def model_on_disk(model_id: str) -> bool:
    """True when `model_id` is a local directory or a hub id already in the Hugging Face cache, so using it
    downloads nothing."""
    if Path(model_id).is_dir():
        return True
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(model_id, "config.json"), str)
    except ValueError:  # not a valid hub id either
        return False


def build_expander(config: ExpanderConfig) -> Expander:
    """The expander `config` asks for (`auto` resolved here), LLM backends behind FallbackExpander."""
    backend = resolve_backend(config)
    if backend != config.backend:
        log.info("expander backend auto: using %s", backend)
        config = dataclasses.replace(config, backend=backend)
    if config.backend == "rules":
        return RuleBasedExpander()
    if config.backend == "transformers":
        # Generation stops itself at `timeout` (max_time) within the budget; a first call that is still
        # loading weights falls back and the load carries on for the next one.
        return FallbackExpander(TransformersExpander(config), timeout=config.budget)
    if config.backend == "openai":
        # The client spends the budget across attempts and Retry-After waits; the outer bound is the same.
        return FallbackExpander(OpenAIExpander(config), timeout=config.budget)
    raise ValueError(f"unknown expander backend {config.backend!r}; choose one of {', '.join(BACKENDS)}")
