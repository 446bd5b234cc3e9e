"""Fixtures for storyboard-first tests: a studio whose server asks for stills first, and a worker to step."""
from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from renderqueue.jobs import claim_next
from renderqueue.rendering import process_job
from renderqueue.settings import WorkerSettings
from renderqueue.worker_config import WorkerConfig
from storage.db import open_db
from storage.records import RenderJob
from storage.settings import set_setting
from studio.config import Config
from studio.members import Member
from studio.runtime import open_studio
from studio.service import Studio

GUILD = 30
ALICE = Member(id=301, name="alice", guild_id=GUILD, channel_id=31)
BOB = Member(id=302, name="bob", guild_id=GUILD, channel_id=31)
REQUEST = "a lighthouse keeper climbs the stairs on a stormy night"


def stills_config(home: Path, tiny_models_dir: Path, **stills: object) -> Config:
    home.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(tiny_models_dir, target_is_directory=True)
    return Config(home=home, default_model="tiny", worker={"poll_interval_s": 0.1}, stills={"first": "ask", **stills})


@pytest.fixture
async def stills_studio(tmp_path: Path, tiny_models_dir: Path) -> AsyncIterator[Studio]:
    studio = open_studio(stills_config(tmp_path / "home", tiny_models_dir))
    for key, value in (("max_queued_per_user", 50), ("max_queued_per_guild", 500)):
        await studio.adb.write(set_setting, GUILD, key, value)
    yield studio
    await studio.aclose()


class Worker:
    """Claims and renders jobs one at a time, as a render worker does (same code, this thread)."""

    def __init__(self, studio: Studio, pipelines) -> None:
        self.db = open_db(studio.config.db_path)
        self.pipelines = pipelines
        self.config = WorkerConfig(db_path=studio.config.db_path, media_dir=studio.config.media_dir,
                                   models_dir=studio.config.models_dir, worker_id="stills-test",
                                   settings=WorkerSettings(device="cpu"))  # fmt: skip
        self.claimed: list[RenderJob] = []

    def run(self, *, stills_only: bool = False):
        """Render the job the scheduler picks next; what process_job made of it."""
        job = claim_next(self.db, self.config.worker_id, loaded_model="tiny-wan", stills_only=stills_only)
        assert job is not None, "nothing queued"
        self.claimed.append(job)
        return process_job(self.db, job, self.pipelines, self.config, threading.Event())

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def stills_worker(stills_studio: Studio, pipelines):
    runner = Worker(stills_studio, pipelines)
    yield runner
    runner.close()
