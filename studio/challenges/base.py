"""The state every part of the challenge service shares: the studio it runs over and its wake-up event."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from common.text import Text
from storage.aio import AsyncDatabase
from storage.records import Challenge
from studio.service import Studio

# A front-end's texts-to-words for a server's readers: guild id -> a function rendering a Text there.
Speaking = Callable[[int | None], Awaitable[Callable[[Text], str]]]


class ServiceBase:
    """Holds the `Studio`; `scheduled` is set whenever a deadline is added, which wakes the front-end's
    `DeadlineLoop`. Keep one service per front-end session so that loop hears every new deadline."""

    def __init__(self, studio: Studio, *, speaking: Speaking | None = None) -> None:
        self.studio = studio
        self.scheduled = asyncio.Event()
        # How the front-end words the core's texts drawn into images for a server's readers (the
        # leaderboard); English when None.
        self.speaking = speaking

    async def say_for(self, guild_id: int | None) -> Callable[[Text], str]:
        """The function that renders texts for everyone in `guild_id` (the front-end's `speaking`)."""
        return Text.english if self.speaking is None else await self.speaking(guild_id)

    @property
    def adb(self) -> AsyncDatabase:
        """The studio's database: reads on the reader pool, writes through the one writer."""
        return self.studio.adb

    def _media_dir(self, challenge: Challenge) -> Path:
        """Where a challenge's leaderboard and relay cuts are written: `<media>/challenges/<id>/`."""
        return self.studio.config.media_dir / "challenges" / str(challenge.id)
