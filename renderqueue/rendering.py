"""The GPU half of a claimed job: its clip's recipes, the model loaded (timed for ETAs), every shot not in
the render cache rendered and handed to the shot encoder, and the job handed on to be finished."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from generation.fast_paths import pipeline_preset
from generation.recipe import ShotRender
from generation.storyboard import BoardWords
from renderqueue.claims import loaded_model, renderable_clip
from renderqueue.finishing import FinishingJob
from renderqueue.job_watch import JobWatch
from renderqueue.outcomes import Attempt
from renderqueue.render_cache import RenderCacheAccess
from renderqueue.stills_job import run_stills_job, stills_between_shots
from renderqueue.transient import Backoff
from renderqueue.worker_config import WorkerConfig
from storage.stills import get_storyboard
from storage.records import Clip, RenderJob

if TYPE_CHECKING:
    # torch and diffusers come with these: a front-end that only configures and starts worker processes
    # imports this module without them, and the render functions import them when they run.
    from generation import assemble
    from generation.pipelines import PipelineCache

log = logging.getLogger(__name__)


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


def process_job(
    db: sqlite_utils.Database,
    job: RenderJob,
    pipelines: PipelineCache,
    config: WorkerConfig,
    stop: threading.Event,
    *,
    encoder: assemble.ShotEncoder | None = None,
) -> assemble.ClipOutput | Path | None:
    """Render one claimed job start to end and record how it ended; never raises for render failures.

    Returns what was made (for a stills job, its stills board), or None when the job did not complete.
    `run_worker` runs the two halves, `start_job` and `FinishingJob.finish`, on two threads instead, so the
    next job renders meanwhile.
    """
    if job.kind == "stills":
        return run_stills_job(db, job, pipelines, config, stop, loaded=lambda: loaded_model(pipelines))
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
        words = board_words(clip)
        rendered = assemble.render_shots(
            recipes,
            captions(clip, recipes, words),
            pipelines=pipelines,
            encoder=encoder,
            out_dir=clip_dir(config, clip),
            lookup=cache.lookup,
            record=cache.record,
            on_progress=watch.report,
            should_cancel=watch.should_cancel,
            title=clip.shot_list.get("title"),
            subtitle=(clip.shot_list.get("bible") or {}).get("style"),
            panel="take" if clip.remix_kind == "takes" else "shot",
            words=words,
            panels=cache.dir,
            between_shots=lambda: stills_between_shots(db, pipelines, config, stop, lambda: loaded_model(pipelines)),
            lead_picture=get_storyboard(db, clip.id) is None,
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


def board_words(clip: Clip) -> BoardWords:
    """The words the clip's storyboards draw, in the language its front-end stored with it (the clip's
    origin: a Discord server's, the console's); English when it stored none."""
    return BoardWords.of((clip.origin or {}).get("board_words"))


def captions(clip: Clip, recipes: list[ShotRender], words: BoardWords) -> list[str]:
    """One caption per shot: the clip's own (a clip of takes: each take's seed), then the shot's heading
    for any shot without one."""
    if clip.remix_kind == "takes":
        return [words.say("seed", seed=recipe.seed) for recipe in recipes]
    caption_list = list(clip.captions[: len(recipes)])
    return caption_list + [words.say("shot", shot=index + 1) for index in range(len(caption_list), len(recipes))]
