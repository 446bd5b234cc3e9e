"""The GPU half of a claimed job: its clip's recipes, the model loaded (timed for ETAs), every shot not in
the render cache rendered and handed to the shot encoder, and the job handed on to be finished."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from common.errors import N_
from common.text import Text
from generation.fast_paths import pipeline_preset
from generation.recipe import ShotRender
from renderqueue.finishing import FinishingJob
from renderqueue.job_watch import JobWatch
from renderqueue.jobs import fail_job
from renderqueue.outcomes import Attempt
from renderqueue.render_cache import RenderCacheAccess
from renderqueue.transient import Backoff
from renderqueue.worker_config import WorkerConfig
from storage.clips import find_clip
from storage.records import Clip, RenderJob

if TYPE_CHECKING:
    # torch and diffusers come with these: a front-end that only configures and starts worker processes
    # imports this module without them, and the render functions import them when they run.
    from generation import assemble
    from generation.pipelines import PipelineCache

log = logging.getLogger(__name__)


def loaded_model(pipelines: PipelineCache) -> str | None:
    loaded = pipelines.loaded()
    return loaded[-1].split(":")[0] if loaded else None


def _preload(pipelines: PipelineCache, recipes: list[ShotRender], cache: RenderCacheAccess) -> float | None:
    """Load the model before rendering, timing it for ETAs. Skipped when every shot is cached (a
    cache hit must cost no GPU time) or the model is already loaded (under any of its names; its
    image-to-video pipeline shares the loaded weights, so it is no load)."""
    fresh = [recipe for recipe in recipes if not cache.has(recipe)]
    if not fresh:
        return None
    # A draft through a distilled preset loads that checkpoint's transformer beside its base.
    preset = pipeline_preset(fresh[0])
    if pipelines.has_loaded(preset):
        return None
    started = time.monotonic()
    pipelines.get(preset, i2v=fresh[0].i2v)
    return time.monotonic() - started


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


def process_job(
    db: sqlite_utils.Database,
    job: RenderJob,
    pipelines: PipelineCache,
    config: WorkerConfig,
    stop: threading.Event,
    *,
    encoder: assemble.ShotEncoder | None = None,
) -> assemble.ClipOutput | None:
    """Render one claimed job start to end and record how it ended; never raises for render failures.

    Returns what was made, or None when the job did not complete. `run_worker` runs the two halves,
    `start_job` and `FinishingJob.finish`, on two threads instead, so the next job renders meanwhile.
    """
    if encoder is None:
        from generation import assemble

        with assemble.ShotEncoder() as own:
            return process_job(db, job, pipelines, config, stop, encoder=own)
    finishing = start_job(db, job, pipelines, config, stop, encoder)
    return None if finishing is None else finishing.finish(db)


def start_job(
    db: sqlite_utils.Database,
    job: RenderJob,
    pipelines: PipelineCache,
    config: WorkerConfig,
    stop: threading.Event,
    encoder: assemble.ShotEncoder,
    backoff: Backoff | None = None,
) -> "FinishingJob | None":
    """The GPU half of a claimed job: load the model and render every shot not in the render cache,
    handing shots to `encoder`. Returns the job to finish, or None when it ended here (failed, cancelled,
    re-queued; already recorded). The job's heartbeat runs until the returned job is finished."""
    from generation import assemble

    found = renderable_clip(db, job, config)
    if found is None:
        return None
    clip, recipes = found
    cache = RenderCacheAccess(db, config.db_path, config.media_dir, recipes)
    log.info("job %s: clip #%s, %d shots on %s (attempt %d)", job.id, clip.id, len(recipes), job.model, job.attempts)
    watch = JobWatch(config, job, stop, lambda: loaded_model(pipelines)).__enter__()
    attempt = Attempt(job, clip, recipes, config, watch, backoff)

    def render() -> tuple[float | None, assemble.RenderedClip]:
        load_seconds = _preload(pipelines, recipes, cache)
        rendered = assemble.render_shots(
            recipes,
            captions(clip, len(recipes)),
            pipelines=pipelines,
            encoder=encoder,
            out_dir=clip_dir(config, clip),
            lookup=cache.lookup,
            record=cache.record,
            on_progress=watch.report,
            should_cancel=watch.should_cancel,
            title=clip.shot_list.get("title"),
            subtitle=(clip.shot_list.get("bible") or {}).get("style"),
            panel="Take" if clip.remix_kind == "takes" else "Shot",
            panels=cache.dir,
        )
        return load_seconds, rendered

    outcome = attempt.run(db, render)
    if outcome is None:
        watch.__exit__(None, None, None)
        return None
    load_seconds, rendered = outcome
    return FinishingJob(attempt, cache, rendered, load_seconds)


def clip_dir(config: WorkerConfig, clip: Clip) -> Path:
    """Where a clip's shots, video and storyboard are written on the bot host."""
    return config.media_dir / "clips" / str(clip.id)


def captions(clip: Clip, count: int) -> list[str]:
    """One caption per shot: the clip's own, then 'Shot N' for any shot without one."""
    caption_list = list(clip.captions[:count])
    return caption_list + [f"Shot {index + 1}" for index in range(len(caption_list), count)]
