"""How a claimed job's attempt ends when it does not complete: cancelled, handed back for a transient fault,
retried smaller after running out of GPU memory, retried after a pipeline error, or failed with a reason
the member reads. Shared by the local worker and the dispatcher of remote GPUs."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import sqlite_utils

from common.errors import N_
from common.text import Text
from generation.errors import OutOfMemoryRenderError, PipelineError, RenderCancelled, RenderError, RenderTimeout
from generation.recipe import ShotRender
from generation.registry import get_preset
from generation.segments import with_segment_frames
from renderqueue.job_watch import JobWatch
from renderqueue.jobs import fail_job, release_job, set_cost_estimate
from renderqueue.scheduler import render_work
from renderqueue.transient import Backoff, media_io_error, written
from renderqueue.worker_config import WorkerConfig
from storage.clips import set_clip_recipes
from storage.db import DatabaseBusy, is_locked
from storage.records import Clip, RenderJob
from storage.transactions import transaction

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Attempt:
    """One claim of a job, and how its failures are recorded."""

    job: RenderJob
    clip: Clip
    recipes: list[ShotRender]
    config: WorkerConfig
    watch: JobWatch
    # Told of transient faults, so the worker waits before claiming again.
    backoff: Backoff | None = None

    def run(self, db: sqlite_utils.Database, work: Callable[[], T]) -> T | None:
        """`work()`'s result, or None after recording why it failed (retry, smaller size, failure, or back to
        the queue for a transient fault); the record is retried while another program holds the database."""
        job, clip, config = self.job, self.clip, self.config
        try:
            return work()
        except RenderCancelled as error:
            lost, stopping = self.watch.lost.is_set(), self.watch.stop.is_set()
            written(lambda: record_cancelled(db, job, config, error, lost=lost, stopping=stopping))
        except Exception as error:
            if written(lambda: record_failure(db, job, clip, self.recipes, config, error)) and self.backoff:
                self.backoff.fault()
        return None


def record_failure(
    db: sqlite_utils.Database,
    job: RenderJob,
    clip: Clip,
    recipes: list[ShotRender],
    config: WorkerConfig,
    error: Exception,
) -> bool:
    """Record a render that ended in `error` (anything but a cancellation), on whichever worker or GPU
    actor ran it. Returns True for a transient fault outside the render, after which the caller backs off
    before claiming again: a media I/O error (`media_io_error`: full disk, lost permissions) or a database
    held by another program re-queues the job without using an attempt, its reason kept as the job's error
    for `/queue` to show. Otherwise returns False: timeouts and recipe errors fail the job, out-of-memory
    retries smaller, pipeline errors get a bounded retry, anything unexpected fails with its traceback as
    detail."""
    io_error = media_io_error(error)
    if io_error is not None:
        log.error("job %s: media I/O error on %s: %s; re-queued, the worker backs off and retries",
                  job.id, io_error.filename or config.media_dir, io_error.strerror or io_error)
        release_job(db, job.id, worker_id=config.worker_id, detail=repr(io_error),
                    waiting_for=Text.of(N_("Reelbot can't write its media files right now ({reason}); your clip "
                                           "is kept and will be tried again."),
                                        reason=io_error.strerror or "I/O error"))
        return True
    if isinstance(error, DatabaseBusy) or is_locked(error):
        log.error("job %s: the database stayed locked by another program; re-queued, the worker backs off", job.id)
        release_job(db, job.id, worker_id=config.worker_id, detail=repr(error),
                    waiting_for=Text.of(N_("Reelbot's database was busy (another program held it); your clip is "
                                           "kept and will be tried again.")))
        return True
    if isinstance(error, RenderTimeout):
        fail_job(db, job.id, Text.of_error(error), retry=False, worker_id=config.worker_id, detail="job timeout")
    elif isinstance(error, OutOfMemoryRenderError):
        _out_of_memory(db, job, clip, recipes, config, error)
    elif isinstance(error, PipelineError):
        # Often transient (a driver hiccup, a half-written download finished meanwhile): bounded retry.
        log.warning("job %s: pipeline error: %s", job.id, error.detail or error)
        fail_job(db, job.id, Text.of_error(error), retry=True, worker_id=config.worker_id, detail=error.detail)
    elif isinstance(error, RenderError):
        log.warning("job %s failed: %s", job.id, error.detail or error.user_message)
        fail_job(db, job.id, Text.of_error(error), retry=False, worker_id=config.worker_id, detail=error.detail)
    else:
        log.error("job %s: unexpected error", job.id, exc_info=error)
        fail_job(
            db,
            job.id,
            Text.of(N_("Something went wrong while rendering clip #{clip_id}. The bot's operator can find details "
                       "in the worker log."), clip_id=clip.id),
            retry=False,
            worker_id=config.worker_id,
            detail="".join(traceback.format_exception(error, limit=20)),
        )
    return False


def record_cancelled(
    db: sqlite_utils.Database,
    job: RenderJob,
    config: WorkerConfig,
    error: RenderCancelled,
    *,
    lost: bool,
    stopping: bool,
) -> None:
    """Record a render stopped between steps: `lost` (cancelled by a user or taken over) needs no
    write, `stopping` (the worker or dispatcher shutting down) hands the job back without using an
    attempt, anything else fails it with the render's own message."""
    if lost:
        log.info("job %s was cancelled or taken over; stopped rendering it", job.id)
    elif stopping:
        log.info("job %s handed back to the queue: worker shutting down", job.id)
        release_job(db, job.id, worker_id=config.worker_id)
    else:
        fail_job(db, job.id, Text.of_error(error), retry=False, worker_id=config.worker_id, detail=error.detail)


def _out_of_memory(
    db: sqlite_utils.Database,
    job: RenderJob,
    clip: Clip,
    recipes: list[ShotRender],
    config: WorkerConfig,
    error: OutOfMemoryRenderError,
) -> None:
    # render_shot has already freed the failed attempt's memory.
    smaller = shrink_recipes(recipes) if job.attempts < job.max_attempts else None
    if smaller is None:
        largest = _largest(recipes)
        fail_job(
            db,
            job.id,
            Text.of(N_("Clip #{clip_id} ran out of GPU memory, even at {width}x{height} with {frames} frames per "
                       "shot. Try fewer or shorter shots, or a lighter model."),
                    clip_id=clip.id, width=largest.width, height=largest.height, frames=largest.num_frames),
            retry=False,
            worker_id=config.worker_id,
            detail=error.detail,
        )
        return
    largest = _largest(smaller)
    log.warning("job %s ran out of memory; retrying at %dx%d", job.id, largest.width, largest.height)
    # The smaller recipes and the re-queue commit together, so the retry always renders the smaller size.
    with transaction(db):
        set_clip_recipes(db, clip.id, [recipe.to_dict() for recipe in smaller])
        set_cost_estimate(db, job.id, sum(render_work(recipe) for recipe in smaller))
        fail_job(
            db,
            job.id,
            Text.of(N_("Clip #{clip_id} ran out of GPU memory; retrying at a smaller size ({width}x{height}, "
                       "{frames} frames)."),
                    clip_id=clip.id, width=largest.width, height=largest.height, frames=largest.num_frames),
            retry=True,
            worker_id=config.worker_id,
            detail=error.detail,
        )


def _largest(recipes: list[ShotRender]) -> ShotRender:
    return max(recipes, key=lambda r: r.width * r.height * r.num_frames)


def shrink_recipe(recipe: ShotRender) -> ShotRender | None:
    """Roughly half the memory: half the pixels (same aspect) down to half the preset's native size,
    then half the frames. Sizes snap to the preset's multiples. None if nothing can shrink."""
    preset = get_preset(recipe.model)
    multiple = preset.size_multiple
    smallest_side = max(2 * multiple, min(preset.width, preset.height) // 2 // multiple * multiple)

    def snap(side: int) -> int:
        return round(side / 2**0.5 / multiple) * multiple

    width, height = snap(recipe.width), snap(recipe.height)
    if not preset.fixed_size and min(width, height) >= smallest_side:
        return replace(recipe, width=width, height=height)
    frames = max(preset.shortest_frames, ((recipe.num_frames - 1) // 2) // preset.frame_step * preset.frame_step + 1)
    if frames < recipe.num_frames:
        return with_segment_frames(recipe, frames)  # more, shorter generations: the shot keeps its length
    return None


def shrink_recipes(recipes: list[ShotRender]) -> list[ShotRender] | None:
    smaller = [shrink_recipe(recipe) for recipe in recipes]
    if all(recipe is None for recipe in smaller):
        return None
    return [small or original for small, original in zip(smaller, recipes, strict=True)]
