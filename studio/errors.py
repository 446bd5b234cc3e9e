"""Refusals of the application core that no lower layer makes (remix and challenge rules, options)."""
from __future__ import annotations

from common.errors import ReelbotError


class StudioError(ReelbotError):
    """A request the core refuses for a reason the member can act on."""

    code = "refused"
