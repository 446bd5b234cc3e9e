"""A stills job: a clip's queued stills rendered one by one, each kept in SQLite as it lands, then the board.

Stills queued while the job runs (a member re-rolling another shot) are rendered by the same job: it only
completes, in one transaction, once no still of its clip is queued. A still that fails is marked failed
with its reason (the member retries that shot); the others still render. Completing moves the storyboard
to ready (auto mode: due to animate `grace_s` later) and leaves the clip queued for its video: the job is
done, the clip is not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from common.text import Text
from generation.errors import RenderCancelled, RenderError, RenderTimeout
from generation.recipe import ShotRender
from generation.storyboard import BoardWords
from renderqueue.claims import renderable_clip
from renderqueue.job_watch import JobWatch, MonotonicProgress
from renderqueue.jobs import claim_next
from renderqueue.outcomes import Attempt
from renderqueue.render_cache import RenderCacheAccess
from renderqueue.transient import Backoff, written
from renderqueue.worker_config import WorkerConfig
from storage.clips import move_clip
from storage.db import timestamp
from storage.records import Clip, RenderJob, Still
from storage.stills import (
    clip_stills, get_storyboard, next_queued_still, set_storyboard, still_failed, still_rendered,
)  # fmt: skip
from storage.transactions import transaction

if TYPE_CHECKING:
    from generation.frames import Frames
    from generation.pipelines import PipelineCache

log = logging.getLogger(__name__)


# render(still recipe, on_step=..., should_cancel=...) -> its one frame: here, or on a GPU host.
StillRenderer = Callable[..., "Frames"]


def run_stills_job(
    db: sqlite_utils.Database,
    job: RenderJob,
    pipelines: PipelineCache | None,
    config: WorkerConfig,
    stop: threading.Event,
    *,
    loaded: Callable[[], str | None],
    backoff: Backoff | None = None,
    render: StillRenderer | None = None,
    watch: JobWatch | None = None,
) -> Path | None:
    """Render the claimed stills job to the end and record how it ended; the stills board's path, or None
    when the job did not complete (cancelled, lost, or handed back; already recorded). Never raises for
    render failures: a still that fails is marked failed and the job goes on. `render`: how one still
    renders (default: `generation.stills.render_still` on `pipelines`); `watch`: the job's watch when the
    caller keeps one (a GPU slot's, which stops its remote render)."""
    from generation.stills import render_still

    found = renderable_clip(db, job, config)
    if found is None:
        return None
    clip, _recipes = found
    log.info("job %s: stills of clip #%s on %s", job.id, clip.id, job.model)
    own = watch is None
    watch = JobWatch(config, job, stop, loaded).__enter__() if watch is None else watch
    render = render or (lambda recipe, **kwargs: render_still(recipe, pipelines, **kwargs))
    try:
        attempt = Attempt(job, clip, [], config, watch, backoff)
        return attempt.run(db, lambda: _render(db, job, clip, render, config, watch))
    finally:
        if own:
            watch.__exit__(None, None, None)


def _render(
    db: sqlite_utils.Database,
    job: RenderJob,
    clip: Clip,
    render: StillRenderer,
    config: WorkerConfig,
    watch: JobWatch,
) -> Path | None:
    from generation.stills import stills_board

    out_dir = config.media_dir / "clips" / str(clip.id) / "stills"
    out_dir.mkdir(parents=True, exist_ok=True)
    storyboard = get_storyboard(db, clip.id)
    takes = storyboard.takes if storyboard is not None else 1
    # In the language the clip's front-end stored with it (renderqueue.rendering.board_words).
    words = BoardWords.of((clip.origin or {}).get("board_words"))
    done = processed = 0  # stills rendered; stills rendered or failed (what progress counts)
    report = MonotonicProgress(watch.report)
    while True:
        if watch.should_cancel():
            raise RenderCancelled("The render was cancelled.")
        still = next_queued_still(db, clip.id)
        if still is None:
            stills = clip_stills(db, clip.id)
            board = stills_board(
                [Path(s.path) if s.status == "ready" and s.path else None for s in stills],
                [_caption(clip, s, takes, words) for s in stills], out_dir / "stills.png",
                title=clip.shot_list.get("title"), subtitle=(clip.shot_list.get("bible") or {}).get("style"),
                headings=[_heading(s, takes, words) for s in stills], columns=takes if takes > 1 else None,
            )  # fmt: skip
            if written(lambda: _complete(db, job, config, clip, board)):
                log.info("job %s: %d stills rendered for clip #%s", job.id, done, clip.id)
                return board
            continue  # a still was queued meanwhile: render it too, then draw the board again
        recipe = ShotRender.from_dict(still.recipe)
        recipe_hash = recipe.content_hash()
        cache = RenderCacheAccess(db, config.db_path, config.media_dir, [recipe])
        on_step = _board_progress(report, processed, processed + _queued(db, clip.id))
        on_step(0, 1)
        try:
            cached = cache.lookup(recipe_hash)
            if cached is None:
                started = time.monotonic()
                frames = render(recipe, should_cancel=watch.should_cancel, on_step=on_step)
                picture = out_dir / f"still-{still.shot + 1:02d}-{still.take + 1}-{recipe_hash[:12]}.png"
                frames.picture(0).save(picture)
                cache.record(recipe_hash, picture, time.monotonic() - started)
                cached = cache.lookup(recipe_hash)
            kept = str(cached) if cached is not None else str(picture)
            if written(lambda: still_rendered(db, still, kept)):
                done += 1
        except (RenderCancelled, RenderTimeout):
            raise
        except RenderError as error:
            log.warning("job %s: the still of shot %d failed: %s", job.id, still.shot + 1, error)
            reason = Text.of_error(error).dumps()
            written(lambda: still_failed(db, still, reason))
        processed += 1


def _queued(db: sqlite_utils.Database, clip_id: int) -> int:
    """How many stills of the clip wait to render (the one about to render among them)."""
    return sum(still.status == "queued" for still in clip_stills(db, clip_id))


def _board_progress(report: Callable[[float, str], None], before: int, count: int) -> Callable[[int, int], None]:
    """The step callback of still `before + 1` of `count` this job renders: progress over the whole board
    (the stills before it done, plus this one's steps), staged as `Rendering still 2/3 (step 1/2)`
    (bot.stages reads it in the member's language). `report` never goes back (stills queued meanwhile
    grow `count`)."""
    label = f"Rendering still {before + 1}/{count}"

    def on_step(step: int, steps: int) -> None:
        report((before + step / max(1, steps)) / max(1, count), f"{label} (step {step}/{steps})" if step else label)

    return on_step


def _complete(db: sqlite_utils.Database, job: RenderJob, config: WorkerConfig, clip: Clip, board: Path) -> bool:
    """In one transaction: unless a still was queued meanwhile (False), the job done, the storyboard ready
    with its board (and, in auto mode, due to animate), the clip queued for its video. True also when the
    job stopped being ours (cancelled): nothing more to render for it."""
    with transaction(db):
        if next_queued_still(db, clip.id) is not None:
            return False
        now = timestamp()
        cursor = db.execute(
            "UPDATE jobs SET status = 'done', progress = 1, stage = 'done', finished_at = ? "
            "WHERE id = ? AND status = 'running' AND worker_id = ?",
            (now, job.id, config.worker_id),
        )
        if cursor.rowcount != 1:
            return True
        storyboard = get_storyboard(db, clip.id)
        if storyboard is not None and storyboard.status in ("stills", "ready"):
            animate_at = now + storyboard.grace_s if storyboard.mode == "auto" else None
            set_storyboard(db, clip.id, "ready", board_path=str(board), animate_at=animate_at, now=now)
        move_clip(db, clip.id, "queued")
        return True


def _heading(still: Still, takes: int, words: BoardWords) -> str:
    """A panel's heading: its shot, and its take in a grid of takes, in the readers' words."""
    if takes == 1:
        return words.say("shot", shot=still.shot + 1)
    return words.say("shot_take", shot=still.shot + 1, take=still.take + 1)


def _caption(clip: Clip, still: Still, takes: int, words: BoardWords) -> str:
    """A panel's caption: the shot's own, or the take's seed in a grid of takes (one row per shot)."""
    if takes > 1 or len(clip.captions) <= still.shot:
        return words.say("seed", seed=still.recipe.get("seed"))
    return clip.captions[still.shot]


def stills_between_shots(
    db: sqlite_utils.Database,
    pipelines: PipelineCache,
    config: WorkerConfig,
    stop: threading.Event,
    loaded: Callable[[], str | None],
) -> int:
    """Render the queued stills jobs this worker can take without loading another model, between two
    shots of the clip it renders: a member's first look never waits behind another member's long clip.
    Returns how many it ran."""
    ran = 0
    while not stop.is_set() and (model := loaded()) is not None:
        job = claim_next(db, config.worker_id, loaded_model=model, policy=config.settings.policy, models=[model],
                         stills_only=True)  # fmt: skip
        if job is None:
            break
        log.info("job %s: stills taken between two shots of another clip", job.id)
        run_stills_job(db, job, pipelines, config, stop, loaded=loaded)
        ran += 1
    return ran
