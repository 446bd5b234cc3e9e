"""Typed, user-facing errors of the prompts package, under the one root `common.errors.ReelbotError`."""
from __future__ import annotations

from common.errors import ReelbotError


class PromptError(ReelbotError):
    """A request that cannot be turned into a shot list."""

    code = "request_invalid"


class UnsafeRequest(PromptError):
    """The request (or what a model wrote for it) is outside the server's content policy."""

    code = "unsafe_request"


class ExpansionError(PromptError):
    """An LLM backend failed or produced nothing usable; callers fall back to the rule-based expander."""

    code = "expansion_failed"

    def __init__(self, detail: str) -> None:
        super().__init__("The prompt writer had trouble with that request.", detail=detail)
