"""Typed storage errors; each carries a `user_message` that is safe to show in chat."""

from __future__ import annotations


class StorageError(Exception):
    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message
        self.detail = detail


class NotFound(StorageError):
    """A clip, job or challenge id that does not exist (or is not visible here)."""


class QueueFull(StorageError):
    """A per-user or per-guild queue limit would be exceeded."""


class NotAllowed(StorageError):
    """The caller may not do this (e.g. cancel someone else's job without being an admin)."""


class InvalidSetting(StorageError):
    """An unknown guild setting or a value of the wrong type/range."""


class DuplicateEntry(StorageError):
    """A uniqueness rule of the community features was hit (one entry per user, one vote per voter)."""
