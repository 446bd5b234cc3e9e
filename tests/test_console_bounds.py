"""Take and shot numbers are bounded by the clip itself (its takes, its shots), never by a constant."""
from __future__ import annotations

import io

from bot.console import ConsoleSession, console_member
from challenge_fixtures import ready_clip
from stills_fixtures import ALICE


async def test_take_and_shot_numbers_are_checked_against_the_clip(stills_studio, stills_worker):
    session = ConsoleSession(stills_studio, ALICE, io.StringIO())
    assert "#1" in await session.handle("/takes 3 a red fox trots across a frozen lake, 2 shots, 2 seconds")
    stills_worker.run()
    answers = {line: await session.handle(line) for line in (
        "/pick 1 9", "/pick 1 4", "/pick 1 2 9", "/pick 1 x", "/reroll 1 9", "/edit 1 3 at night", "/remove 1 9",
        "/reroll 1 0")}
    assert answers == {
        "/pick 1 9": "error: Clip #1 has takes 1 to 3.",
        "/pick 1 4": "error: Clip #1 has takes 1 to 3.",
        "/pick 1 2 9": "error: Clip #1 has 2 shots: pick one from 1 to 2.",
        "/pick 1 x": "error: The take number should be a number like 2, not `x`.",
        "/reroll 1 9": "error: Clip #1 has 2 shots: pick one from 1 to 2.",
        "/edit 1 3 at night": "error: Clip #1 has 2 shots: pick one from 1 to 2.",
        "/remove 1 9": "error: Clip #1 has 2 shots: pick one from 1 to 2.",
        "/reroll 1 0": "error: The shot number should be a number like 2, not `0`.",
    }


async def test_a_rendered_clips_shot_numbers_are_checked_against_its_shots(studio):
    clip = await ready_clip(studio, console_member("ken"), shots=2)
    session = ConsoleSession(studio, console_member("ken"), io.StringIO())
    for line in (f"/reroll {clip.id} 9", f"/remix {clip.id} shot 9 make it noir"):
        assert await session.handle(line) == f"error: Clip #{clip.id} has 2 shots: pick one from 1 to 2."
