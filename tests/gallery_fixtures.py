"""Shared helpers for the gallery tests (imported explicitly): a studio with rendered-looking clips, and a
client for the gallery app. Clips get a real H.264 video (colour bars moving across, so seeking and
playing can be seen) and a real storyboard, without running a model."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.gallery.app import create_app
from bot.gallery.links import GalleryLinks
from bot.gallery.signing import Signer, load_secret
from challenge_fixtures import ready_clip
from storage.records import Clip
from storage.settings import set_setting
from studio.config import Config
from studio.members import Member
from studio.service import Studio
from studio.runtime import open_studio

GUILD, OTHER_GUILD, CHANNEL = 10, 20, 30
ALICE = Member(1, "alice", GUILD, CHANNEL)
BOB = Member(2, "bob", GUILD, CHANNEL)
MALLORY = Member(3, "mallory", OTHER_GUILD, CHANNEL)


def frames(seconds: float, fps: int = 8, size: tuple[int, int] = (160, 96)) -> np.ndarray:
    """A bright bar sweeping across a dark frame: `seconds * fps` frames of `size` (width, height)."""
    count = max(1, round(seconds * fps))
    width, height = size
    video = np.full((count, height, width, 3), (20, 24, 40), dtype=np.uint8)
    for index in range(count):
        x = index * (width - 16) // max(1, count - 1)
        video[index, :, x : x + 16] = (240, 180, 60)
    return video


async def make_clip(
    studio: Studio,
    author: Member,
    *,
    title: str = "Cats at sea",
    request: str | None = None,
    parent: Clip | None = None,
    seconds: float = 1.0,
    remix: tuple[str, str] = ("style", "make it noir"),
) -> Clip:
    """A ready clip of `author`'s server with a video and a storyboard in the media folder; a child of
    `parent` is of remix kind and note `remix`."""
    return await ready_clip(studio, author, title=title, request=request, parent=parent, video=frames(seconds),
                            storyboard=True, remix=remix)


async def set_gallery(studio: Studio, guild_id: int, value: str) -> None:
    await studio.adb.write(set_setting, guild_id, "gallery", value)


@pytest.fixture
async def studio(tmp_path: Path) -> AsyncIterator[Studio]:
    opened = open_studio(Config(home=tmp_path / "home"))
    yield opened
    await opened.aclose()


@pytest.fixture
def links(studio: Studio) -> GalleryLinks:
    """Links signed with the studio home's secret, relative to the gallery (as the pages carry them)."""
    return GalleryLinks(Signer(load_secret(studio.config.home)))


@pytest.fixture
async def client(studio: Studio, links: GalleryLinks) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(studio, links.signer))) as test_client:
        yield test_client
