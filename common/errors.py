"""The one root of every error a member can act on, in the spirit of discord.py's exception tree.

Every refusal, from any layer, is a `ReelbotError` carrying:
- `code`: a stable, machine-readable name ("queue_full", "recipe_invalid") for tests, logs and front-ends;
- `template` and `params`: the user-facing message as a `str.format` template in English (the source
  language) with its named values, so a front-end can translate the template and fill in the values;
- `user_message`: the template filled in, in English;
- `detail`: for logs only, never shown to members.

Templates are whole sentences (no sentence assembled from pieces, no English word passed as a param), so each
translates as one; a template that is not written inside the raise (a table of them, an argument) is marked
with `N_` so that Babel extracts it (bot/i18n/extract.py finds the ones written in raises).

Anything else that escapes the core is a bug: front-ends log it and show a generic apology.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


def N_(template: str) -> str:
    """Marks an English template for extraction into the translation catalogs; returns it unchanged."""
    return template


class ReelbotError(Exception):
    """`ReelbotError("Clip #{clip_id} no longer exists.", clip_id=12, detail=...)`.

    `code` defaults to the class's; pass `code=` to name a narrower case. Templates without params are
    plain text (braces in them are only read as fields when params are given).
    """

    code: ClassVar[str] = "error"

    def __init__(self, template: str, *, code: str | None = None, detail: str = "", **params: Any) -> None:
        self.template = template
        self.params: Mapping[str, Any] = params
        self.user_message = template.format(**params) if params else template
        self.detail = detail
        if code is not None:
            self.code = code  # type: ignore[misc]  # an instance may name a narrower case than its class
        # str() carries both for logs; only user_message is ever shown to members.
        super().__init__(f"{self.user_message} [{detail}]" if detail else self.user_message)


class NotFound(ReelbotError):
    """A clip, job, challenge or member that does not exist, or is not visible from here."""

    code = "not_found"


class NotAllowed(ReelbotError):
    """The caller may not do this (e.g. cancel someone else's job without being an admin)."""

    code = "not_allowed"


class QueueFull(ReelbotError):
    """A per-member or per-server queue limit would be exceeded."""

    code = "queue_full"


class InvalidValue(ReelbotError):
    """A value the member typed (an id, a setting, a number) is not one we can use."""

    code = "invalid_value"


class Conflict(ReelbotError):
    """A uniqueness rule was hit (one entry per member, one vote per voter)."""

    code = "conflict"
