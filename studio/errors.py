"""One error type for front-ends: anything the core refuses for a reason the member can act on."""
from __future__ import annotations

from generation.errors import RenderError
from prompts.errors import PromptError
from storage.errors import StorageError


class StudioError(Exception):
    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message


# Front-ends catch this tuple and show `user_message`; everything else is a bug and gets logged.
USER_ERRORS: tuple[type[Exception], ...] = (StudioError, PromptError, RenderError, StorageError)
