"""Shared helpers for the storage, queue and worker tests (imported explicitly; conftest belongs to
the engine tests)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from common.text import Text
from storage.clips import create_clip
from storage.db import open_db
from storage.transactions import transaction
from renderqueue.jobs import QueueLimits, claim_next, complete_job, enqueue_clip_job, fail_job
from storage.records import Clip, RenderJob

SHOT_LIST = {"title": "Cat at sea", "logline": "A cat sails.", "shots": [{"prompt": "a cat on a boat"}]}


def tiny_recipe(index: int = 0, *, frames: int = 5, seed: int = 1) -> dict:
    return {
        "model": "tiny",
        "prompt": f"shot {index}: a cat on a boat",
        "negative_prompt": "",
        "seed": seed + index,
        "width": 64,
        "height": 64,
        "num_frames": frames,
        "fps": 8,
        "steps": 2,
        "guidance": 5.0,
        "init_image": None,
    }


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "reelbot.sqlite3"


@pytest.fixture
def db(db_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_db(db_path)
    yield database
    database.close()


def make_clip(
    db: sqlite_utils.Database,
    *,
    author_id: int = 1,
    guild_id: int | None = 10,
    model: str = "tiny",
    recipes: list[dict] | None = None,
    parent_id: int | None = None,
    remix_kind: str | None = None,
    now: float | None = None,
) -> Clip:
    recipes = [tiny_recipe()] if recipes is None else recipes
    return create_clip(
        db,
        guild_id=guild_id,
        channel_id=20,
        author_id=author_id,
        author_name=f"user{author_id}",
        request="a cat sails the sea",
        shot_list=SHOT_LIST,
        recipes=recipes,
        captions=[f"{i + 1}. shot" for i in range(len(recipes))],
        model=model,
        parent_id=parent_id,
        remix_kind=remix_kind,
        now=now,
    )


def submit(
    db: sqlite_utils.Database,
    *,
    user_id: int = 1,
    guild_id: int | None = 10,
    model: str = "tiny",
    priority: int = 0,
    cost: float = 10.0,
    limits: QueueLimits | None = None,
    recipes: list[dict] | None = None,
    now: float | None = None,
) -> RenderJob:
    """What the studio does for an accepted request: clip and job in one transaction."""
    with transaction(db):
        clip = make_clip(db, author_id=user_id, guild_id=guild_id, model=model, recipes=recipes, now=now)
        return enqueue_clip_job(
            db,
            clip.id,
            user_id=user_id,
            guild_id=guild_id,
            model=model,
            priority=priority,
            cost_estimate=cost,
            limits=limits,
            now=now,
        )


def claim_all(db_path: Path, worker_id: str, out: list[int], start: Any = None) -> None:
    """Claim jobs until the queue is empty; `start` (a barrier) lines up concurrent claimers."""
    database = open_db(db_path)
    if start is not None:
        start.wait()
    try:
        while (job := claim_next(database, worker_id, loaded_model=None)) is not None:
            out.append(job.id)
            # A real worker renders between claims; without a pause one claimer can hog the write lock
            # while the others back off in SQLite's busy handler, and the claims would not interleave.
            time.sleep(0.002)
    finally:
        database.close()


def claim_all_in_process(db_path: str, worker_id: str, result_path: str, start: Any) -> None:
    claimed: list[int] = []
    claim_all(Path(db_path), worker_id, claimed, start)
    Path(result_path).write_text(",".join(map(str, claimed)))


def advance_without_rendering(
    db: sqlite_utils.Database,
    clip: Clip,
    status: str = "ready",
    *,
    video_path: str | None = None,
    storyboard_path: str | None = None,
) -> None:
    """Take a new clip through the render queue as production does, up to `status`: 'queued' (enqueued),
    'rendering' (claimed), 'ready' (completed with `video_path`, a video the test made instead of a
    render) or 'failed' (its one attempt failed). Run it right after `create_clip`: the claim must get this
    clip's job, so nothing else may be waiting in the queue."""
    job = enqueue_clip_job(db, clip.id, user_id=clip.author_id, guild_id=clip.guild_id, model=clip.model,
                           cost_estimate=1.0, max_attempts=1)  # fmt: skip
    if status == "queued":
        return
    claimed = claim_next(db, "test-fixture", loaded_model=None)
    assert claimed is not None and claimed.id == job.id, "another job was waiting in the queue"
    if status == "ready":
        assert video_path is not None, "a ready clip has a video"
        assert complete_job(db, job.id, worker_id="test-fixture", video_path=video_path,
                            storyboard_path=storyboard_path)  # fmt: skip
    elif status == "failed":
        fail_job(db, job.id, Text.raw("The render failed."), retry=False, worker_id="test-fixture")
    else:
        assert status == "rendering", status
