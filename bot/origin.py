"""Where a Discord request came from and where its clip goes, stored with the clip (`Clip.origin`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from studio.records import Clip, GuildSettings

TRANSPORT = "discord"


@dataclass(frozen=True)
class Origin:
    """Where a clip was asked for and where its result goes; stored as the clip's `origin` JSON."""

    guild_id: int | None
    channel_id: int
    requester_id: int
    # Bytes an attachment may have there, learned from the request (Discord sends it with interactions).
    upload_limit: int
    status_message_id: int | None = None
    # The requester's language (bot/i18n), for what the status message says while the clip renders.
    language: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, clip: Clip) -> "Origin | None":
        """The clip's Discord origin; None for clips another front-end (the console) delivers."""
        return cls.from_dict(clip.origin) if clip.transport == TRANSPORT else None

    @classmethod
    def from_dict(cls, data: dict | None) -> "Origin | None":
        """An origin as stored with a Discord clip or request; None when it holds none."""
        data = data or {}
        try:
            return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})
        except TypeError:  # written by a version that stored less
            return None


def upload_limit(discord_limit: int, settings: GuildSettings) -> int:
    return min(discord_limit, settings.upload_limit)
