"""Where a Discord request came from and where its clip goes, stored with the clip (`Clip.origin`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from bot.i18n import _, use
from generation.storyboard import BoardWords
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
        """As stored with the clip, with the storyboard's words in its language (the worker draws them)."""
        return {**asdict(self), "board_words": board_words(self.language)}

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


def board_words(language: str | None) -> dict[str, str]:
    """The words a storyboard draws around its pictures (generation.storyboard.BoardWords: "Shot 1", "Take 2",
    a take's seed) in `language`, for the clip's origin: the worker, which knows no languages, draws these."""
    with use(language):
        return {field.name: _(getattr(BoardWords(), field.name)) for field in fields(BoardWords)}
