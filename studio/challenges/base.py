"""The state every part of the challenge service shares: the studio it runs over and its wake-up event."""
from __future__ import annotations

from collections.abc import Callable

from common.text import Text

import asyncio
from pathlib import Path

from storage.aio import AsyncDatabase
from storage.records import Challenge
from studio.service import Studio


class ServiceBase:
    """Holds the `Studio`; `scheduled` is set whenever a deadline is added, which wakes the front-end's
    `DeadlineLoop`. Keep one service per front-end session so that loop hears every new deadline."""

    def __init__(self, studio: Studio, *, say: Callable[[Text], str] = Text.english) -> None:
        self.studio = studio
        self.scheduled = asyncio.Event()
        # How the front-end words the core's texts drawn into images (the leaderboard): bot.i18n.say, in
        # the language current where results are made; English by default.
        self.say = say

    @property
    def adb(self) -> AsyncDatabase:
        """The studio's database: reads on the reader pool, writes through the one writer."""
        return self.studio.adb

    def _media_dir(self, challenge: Challenge) -> Path:
        """Where a challenge's leaderboard and relay cuts are written: `<media>/challenges/<id>/`."""
        return self.studio.config.media_dir / "challenges" / str(challenge.id)
