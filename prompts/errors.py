"""Typed, user-facing errors of the prompts package."""
from __future__ import annotations


class PromptError(Exception):
    """A request that cannot be turned into a shot list; `user_message` is safe to show in chat."""

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message
        self.detail = detail


class UnsafeRequest(PromptError):
    """The request (or what a model wrote for it) is outside the server's content policy."""


class ExpansionError(PromptError):
    """An LLM backend failed or produced nothing usable; callers fall back to the rule-based expander."""

    def __init__(self, detail: str) -> None:
        super().__init__("The prompt writer had trouble with that request.", detail=detail)
