"""What a worker knows of a claimed job before rendering it: the job's clip and recipes (or the job failed
when the clip is gone), and which model the worker has loaded (for the scheduler's affinity)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlite_utils

from common.errors import N_
from common.text import Text
from generation.recipe import ShotRender
from renderqueue.jobs import fail_job
from renderqueue.worker_config import WorkerConfig
from storage.clips import find_clip
from storage.records import Clip, RenderJob

if TYPE_CHECKING:
    from generation.pipelines import PipelineCache


def loaded_model(pipelines: PipelineCache) -> str | None:
    loaded = pipelines.loaded()
    return loaded[-1].split(":")[0] if loaded else None


def renderable_clip(
    db: sqlite_utils.Database, job: RenderJob, config: WorkerConfig
) -> tuple[Clip, list[ShotRender]] | None:
    """The claimed job's clip and its shot recipes; None (and the job failed) if the clip is gone."""
    clip = find_clip(db, job.clip_id)
    if clip is None or clip.status == "deleted":
        fail_job(db, job.id, Text.of(N_("Clip #{clip_id} no longer exists."), clip_id=job.clip_id), retry=False,
                 worker_id=config.worker_id)
        return None
    return clip, [ShotRender.from_dict(recipe) for recipe in clip.recipes]
