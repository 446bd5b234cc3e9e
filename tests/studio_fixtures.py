"""Fixtures for tests that drive the Studio core (console, remix, challenges, Discord)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from studio.config import Config
from studio.runtime import open_studio, workers_for
from studio.members import Member
from studio.service import Studio

ALICE = Member(id=101, name="alice", guild_id=1, channel_id=11)
BOB = Member(id=102, name="bob", guild_id=1, channel_id=11)
ADMIN = Member(id=100, name="admin", guild_id=1, channel_id=11, can_moderate=True)


def make_config(home: Path, tiny_models_dir: Path) -> Config:
    home.mkdir(parents=True, exist_ok=True)
    # Every test home shares the session's tiny model instead of building its own.
    (home / "models").symlink_to(tiny_models_dir, target_is_directory=True)
    # Storyboard first is tested on its own (test_stills_*); elsewhere a request renders its video at once.
    return Config(home=home, default_model="tiny", worker={"poll_interval_s": 0.1}, stills={"first": "off"})


@pytest.fixture
def config(tmp_path: Path, tiny_models_dir: Path) -> Config:
    return make_config(tmp_path / "home", tiny_models_dir)


@pytest.fixture
async def studio(config: Config) -> AsyncIterator[Studio]:
    studio = open_studio(config)
    yield studio
    await studio.aclose()


@pytest.fixture
def worker(config: Config):
    """One in-process render worker for the test's studio."""
    workers = workers_for(config, separate_processes=False).start()
    yield workers
    workers.stop()
