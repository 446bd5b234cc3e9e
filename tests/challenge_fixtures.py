"""Shared helpers for the challenge tests (imported explicitly, like storage_fixtures)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from generation.encoding import encode_mp4
from generation.storyboard import make_storyboard
from prompts.schema import Shot, ShotList, StyleBible
from storage.aio import AsyncDatabase
from storage.clips import create_clip
from storage.records import Clip
from storage_fixtures import advance_without_rendering, tiny_recipe
from studio.config import Config
from studio.members import Member
from studio.service import Studio

GUILD, CHANNEL = 10, 20
# A fixed clock far from now: tests pass `now` explicitly, so real time never decides an outcome.
T0 = 1_000_000.0
HOUR = 3600.0


def member(user_id: int, name: str, *, admin: bool = False, roles: tuple[int, ...] = ()) -> Member:
    return Member(user_id, name, GUILD, CHANNEL, can_moderate=admin, role_ids=roles)


ALICE = member(1, "alice", admin=True)
BOB, CAROL, DAVE, ERIN, FRANK = (member(i, n) for i, n in enumerate(("bob", "carol", "dave", "erin", "frank"), 2))


def open_studio(home: Path) -> Studio:
    config = Config(home=home, stills={"first": "off"})
    return Studio(config, AsyncDatabase(config.db_path))


@pytest.fixture
async def studio(tmp_path: Path) -> AsyncIterator[Studio]:
    opened = open_studio(tmp_path / "home")
    yield opened
    await opened.aclose()


def shot_list(title: str, shots: int) -> dict:
    """A valid shot list, so the clip also shows in a front-end (Discord renders it as the clip's card)."""
    shot = Shot(subject="a cat", action="sails", camera="wide shot", lighting="daylight", style="test", duration=1,
                prompt=f"{title}: a cat sails")
    return ShotList(title=title, logline=title, bible=StyleBible(style="test"), shots=[shot] * shots).model_dump()


async def ready_clip(
    studio: Studio,
    author: Member,
    *,
    shots: int = 1,
    model: str = "tiny",
    parent: Clip | None = None,
    title: str = "Cats at sea",
    request: str | None = None,
    colour: tuple[int, int, int] | None = None,
    video: np.ndarray | None = None,
    storyboard: bool = False,
    remix: tuple[str, str | None] = ("tweak", None),
    status: str = "ready",
) -> Clip:
    """A clip made without rendering, taken through the queue to `status`. A ready one gets a real video:
    `video` frames (N, H, W, 3 uint8 at 8 fps), else 5 solid `colour` frames; `storyboard` draws its
    storyboard from the first frame. A clip with a `parent` is a remix of kind and note `remix`."""

    def write(db) -> int:
        clip = create_clip(
            db,
            guild_id=author.guild_id,
            channel_id=author.channel_id,
            author_id=author.id,
            author_name=author.name,
            request=request or f"{title} by {author.name}",
            shot_list=shot_list(title, shots),
            recipes=[tiny_recipe(index) for index in range(shots)],
            model=model,
            parent_id=None if parent is None else parent.id,
            remix_kind=None if parent is None else remix[0],
            remix_note=None if parent is None else remix[1],
        )
        video_path = storyboard_path = None
        if status == "ready":
            out_dir = studio.config.media_dir / "clips" / str(clip.id)
            frames = np.full((5, 64, 64, 3), colour or (40, 40, 40), dtype=np.uint8) if video is None else video
            video_path = str(encode_mp4(frames, 8, out_dir / "clip.mp4"))
            if storyboard:
                storyboard_path = str(make_storyboard([frames[0]], ["a cat sails"], out_dir / "storyboard.png",
                                                      title=title))  # fmt: skip
        advance_without_rendering(db, clip, status, video_path=video_path, storyboard_path=storyboard_path)
        return clip.id

    return await studio.clip(await studio.adb.write(write))
