"""The render worker: a separate process that claims jobs from the database, renders them with
`generation.assemble.render_clip`, and records progress and outcome there.

Everything it knows lives in the database, so it can be killed at any moment: its job's heartbeat
stops, and the next worker to start (or any worker, once the heartbeat is `stale_after_s` old) puts the
job back in the queue. Shots rendered before the crash sit in the render cache, so the retry resumes.

Run: `reelbot worker` (or `python -m studio.worker_process --home DIR [--config FILE]`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import shutil
import socket
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import sqlite_utils
import tenacity

from common.errors import N_
from common.text import Text
from generation.errors import (
    EncodeError,
    OutOfMemoryRenderError,
    PipelineError,
    RenderCancelled,
    RenderError,
    RenderTimeout,
)
from generation.encoding import probe
from generation.recipe import ShotRender
from generation.registry import get_preset
from generation.segments import with_segment_frames
from renderqueue.jobs import (
    claim_next,
    complete_job,
    fail_job,
    heartbeat,
    release_job,
    requeue_stale,
    set_cost_estimate,
    update_progress,
)
from renderqueue.orphans import pid_alive
from renderqueue.scheduler import render_work
from renderqueue.settings import WorkerSettings
from storage.clips import find_clip, set_clip_recipes
from storage.db import DatabaseBusy, is_locked, open_db, while_locked
from storage.transactions import transaction
from storage.model_stats import record_model_stats
from storage.records import Clip, RenderJob
from storage.renders import drop_render, lookup_render, record_render
from storage.workers import live_workers, register_worker, unregister_worker, worker_heartbeat

if TYPE_CHECKING:
    # torch and diffusers come with these: a front-end that only configures and starts worker processes
    # imports this module without them, and the render functions import them when they run.
    from generation import assemble
    from generation.pipelines import PipelineCache

log = logging.getLogger(__name__)
T = TypeVar("T")

# Exit status of a worker that killed itself because a render ignored its timeout (a hung kernel or
# driver cannot be interrupted from Python); a supervisor restarts it.
EXIT_HUNG = 70


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class WorkerConfig:
    """One worker: where its data lives, who it is, and how it behaves.

    `db_path`, `media_dir`, `models_dir`: the database, rendered media, local model folders.
    `settings`: every tunable (durations in seconds), from the installation's one settings source.
    `log_level`: the front-end that starts a worker decides how chatty it is.
    `process_command`: the command line that starts a worker process reading these same settings (built by
    the wiring that knows where they come from); the supervisor runs it, adding a fresh worker id.
    """

    db_path: Path
    media_dir: Path
    models_dir: Path
    settings: WorkerSettings = WorkerSettings()
    worker_id: str = field(default_factory=default_worker_id)
    log_level: str = "INFO"
    process_command: tuple[str, ...] = ()


class JobWatch:
    """Everything that runs beside one render on a background thread: heartbeats (which also reveal
    cancellation or loss of the job), progress writes, the per-job timeout, and the last-resort hang
    watchdog. Database writes happen on this thread only, so a slow disk never stalls the render loop."""

    def __init__(
        self,
        config: WorkerConfig,
        job: RenderJob,
        stop: threading.Event,
        loaded_model: Callable[[], str | None],
        *,
        on_stop: Callable[[], None] | None = None,
        on_hung: Callable[[sqlite_utils.Database], None] | None = None,
    ) -> None:
        """`on_stop()` runs once, on the watch thread, when the render should stop (job lost, worker
        stopping, or past its timeout): a render that can't poll `should_cancel` (one on a remote GPU)
        is stopped from there. `on_hung(db)` runs when the render outlives its timeout plus
        `hang_grace_s`; by default the job fails and the worker process exits for its supervisor."""
        self.config = config
        self.job = job
        self.stop = stop
        self.loaded_model = loaded_model
        self.deadline = time.monotonic() + config.settings.job_timeout_s
        # Set when the job stopped being ours: cancelled by a user, or re-queued by another worker.
        self.lost = threading.Event()
        self._on_stop = on_stop
        self._on_hung = on_hung or self._give_up_on_hung_render
        self._stop_sent = False
        self._hung = False
        self._done = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._progress: tuple[float, str] | None = None  # the latest report not yet written
        self._reported_at = -math.inf
        self._reported_stage = ""
        self._thread = threading.Thread(target=self._run, name=f"job-{job.id}-watch", daemon=True)

    def __enter__(self) -> "JobWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop watching, after writing the last progress reported."""
        self._done.set()
        self._wake.set()
        self._thread.join()

    @property
    def timed_out(self) -> bool:
        return time.monotonic() > self.deadline

    def timeout_error(self) -> RenderTimeout:
        return _timeout_error(self.job, self.config.settings.job_timeout_s)

    def should_cancel(self) -> bool:
        """Polled by the render between steps: True stops it; past the deadline it raises RenderTimeout."""
        if self.timed_out:
            raise self.timeout_error()
        return self.lost.is_set() or self.stop.is_set()

    def report(self, fraction: float, stage: str) -> None:
        """The render's progress callback: keeps the latest, written within `progress_interval` (a new
        stage or the end at once). Never blocks on the database."""
        now = time.monotonic()
        with self._lock:
            if stage == self._reported_stage and now - self._reported_at < self.config.settings.progress_interval_s and fraction < 1:
                return
            self._reported_at, self._reported_stage = now, stage
            self._progress = (fraction, stage)
        self._wake.set()

    def _run(self) -> None:
        db = open_db(self.config.db_path)
        next_beat = time.monotonic() + self.config.settings.heartbeat_interval_s
        try:
            while True:
                self._wake.wait(max(0.0, next_beat - time.monotonic()))
                self._wake.clear()
                # Read before writing: all that was reported before `done` is then in this write.
                done = self._done.is_set()
                with _skipped_while_locked(f"job {self.job.id}: progress write"):
                    self._write_progress(db)
                if done:
                    return
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.config.settings.heartbeat_interval_s
                    with _skipped_while_locked(f"job {self.job.id}: heartbeat"):
                        self._beat(db)
        finally:
            db.close()

    def _write_progress(self, db: sqlite_utils.Database) -> None:
        with self._lock:
            progress, self._progress = self._progress, None
        if progress is not None:
            update_progress(db, self.job.id, *progress, worker_id=self.config.worker_id)

    def _beat(self, db: sqlite_utils.Database) -> None:
        if not heartbeat(db, self.job.id, self.config.worker_id):
            self.lost.set()
        worker_heartbeat(db, self.config.worker_id, loaded_model=self.loaded_model(), job_id=self.job.id)
        stopping = self.lost.is_set() or self.stop.is_set() or self.timed_out
        if stopping and self._on_stop is not None and not self._stop_sent:
            self._stop_sent = True
            self._on_stop()
        if not self._hung and time.monotonic() > self.deadline + self.config.settings.hang_grace_s:
            self._hung = True
            self._on_hung(db)

    def _give_up_on_hung_render(self, db: sqlite_utils.Database) -> None:
        log.error("job %s ignored its timeout for %.0f s; exiting the worker", self.job.id, self.config.settings.hang_grace_s)
        fail_hung(db, self.job, self.config, "render did not stop after its timeout; worker process exited")
        unregister_worker(db, self.config.worker_id)
        os._exit(EXIT_HUNG)


@contextlib.contextmanager
def _skipped_while_locked(what: str) -> Iterator[None]:
    """Skip `what` (a heartbeat, a progress write) while another program holds the database past the busy
    timeout: the next one tries again, and the watch thread lives on."""
    try:
        yield
    except (sqlite3.OperationalError, DatabaseBusy) as error:
        if not isinstance(error, DatabaseBusy) and not is_locked(error):
            raise
        log.warning("%s skipped: the database is locked by another program", what)


def _log_lock_wait(state: tenacity.RetryCallState) -> None:
    log.warning("database locked by another program; retrying (waited %.1fs so far)", state.seconds_since_start)


def written(write: Callable[[], T]) -> T:
    """`write()`, retried with backoff while another program holds the database (`storage.db.while_locked`):
    what a worker records about its job must not be lost to a lock. Raises DatabaseBusy past LOCK_WAIT_S."""
    for attempt in while_locked(on_retry=_log_lock_wait):
        with attempt:
            return write()
    raise AssertionError("unreachable: while_locked returns or raises")


class Backoff:
    """How long a worker waits before claiming again after a transient fault outside the render (the media
    folder can't be written, another program holds the database): `first_s`, doubling with each fault in
    a row up to `max_s` seconds; a job that completes resets it. Faults may be reported from any thread."""

    def __init__(self, first_s: float, max_s: float) -> None:
        self.first_s, self.max_s = first_s, max_s
        self._faults = 0
        self._unwaited = False
        self._lock = threading.Lock()

    def fault(self) -> None:
        with self._lock:
            self._faults += 1
            self._unwaited = True

    def reset(self) -> None:
        with self._lock:
            self._faults, self._unwaited = 0, False

    def delay_s(self) -> float:
        """The wait due now: 0 unless a fault was reported since the last `wait`."""
        with self._lock:
            if not self._unwaited:
                return 0.0
            return min(self.max_s, self.first_s * 2 ** (self._faults - 1))

    def wait(self, stop: threading.Event) -> None:
        """Wait the delay due (returning early if `stop` is set)."""
        delay = self.delay_s()
        if delay:
            log.info("backing off %.1fs after %d transient fault(s) in a row", delay, self._faults)
            with self._lock:
                self._unwaited = False
            stop.wait(delay)


def fail_hung(db: sqlite_utils.Database, job: RenderJob, config: WorkerConfig, detail: str) -> None:
    """Fail a job whose render ignored its timeout (the caller then ends whatever runs it)."""
    reason = Text.of_error(_timeout_error(job, config.settings.job_timeout_s))
    fail_job(db, job.id, reason, retry=False, worker_id=config.worker_id, detail=detail)


class ProgressWriter:
    """Turns render_clip's frequent callbacks into a few database writes per second."""

    def __init__(self, db: sqlite_utils.Database, job: RenderJob, config: WorkerConfig):
        self.db, self.job, self.config = db, job, config
        self._last_write = 0.0
        self._last_stage = ""

    def __call__(self, fraction: float, stage: str) -> None:
        now = time.monotonic()
        if stage == self._last_stage and now - self._last_write < self.config.settings.progress_interval_s and fraction < 1:
            return
        self._last_write, self._last_stage = now, stage
        update_progress(self.db, self.job.id, fraction, stage, worker_id=self.config.worker_id)


class RenderCacheAccess:
    """The render cache as render_shots sees it: lookup by recipe hash, record each fresh shot.

    Shots are linked into media/renders/<hash>.mp4 so the cache outlives the clip folder they were
    rendered in. Fresh work and GPU seconds are summed for the model's speed statistics. `lookup` uses
    `db` (the calling thread's connection); `record` runs on the encoder thread, so it opens its own.
    """

    def __init__(self, db: sqlite_utils.Database, db_path: Path, media_dir: Path, recipes: list[ShotRender]):
        self.db = db
        self.db_path = db_path
        self.dir = media_dir / "renders"
        self.by_hash = {recipe.content_hash(): recipe for recipe in recipes}
        self.work = 0.0
        self.gpu_seconds = 0.0
        self._lock = threading.Lock()

    def lookup(self, recipe_hash: str) -> Path | None:
        """The cached file for this shot, checked before reuse: by its checksum, or (cached before
        checksums were kept) by decoding it for the recipe's frame count, then recording its checksum.
        A bad file is dropped (None), so the shot is rendered again."""
        render = lookup_render(self.db, recipe_hash, verify=True)
        if render is None or render.sha256 is not None:
            return None if render is None else Path(render.path)
        recipe = self.by_hash.get(recipe_hash)
        try:
            intact = recipe is None or probe(Path(render.path)).frame_count == recipe.num_frames
        except EncodeError:
            intact = False
        if not intact:
            log.warning("cached render %s (%s) doesn't decode to its shot: dropped", recipe_hash, render.path)
            drop_render(self.db, recipe_hash, render.path)
            return None
        record_render(self.db, recipe_hash, render.path, model=render.model, gpu_seconds=render.gpu_seconds)
        return Path(render.path)

    def has(self, recipe: ShotRender) -> bool:
        return lookup_render(self.db, recipe.content_hash(), count_hit=False) is not None

    def record(self, recipe_hash: str, shot_path: Path, gpu_seconds: float) -> None:
        recipe = self.by_hash[recipe_hash]
        self.dir.mkdir(parents=True, exist_ok=True)
        cached = self.dir / f"{recipe_hash}.mp4"
        staging = cached.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        staging.unlink(missing_ok=True)
        try:
            os.link(shot_path, staging)
        except OSError:
            shutil.copyfile(shot_path, staging)
        os.replace(staging, cached)
        db = open_db(self.db_path)  # once per shot rendered: cheap beside the render
        try:
            record_render(db, recipe_hash, cached, model=recipe.model, gpu_seconds=gpu_seconds)
        finally:
            db.close()
        with self._lock:
            self.work += render_work(recipe)
            self.gpu_seconds += gpu_seconds


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


def _timeout_error(job: RenderJob, timeout: float) -> RenderTimeout:
    """The refusal of a render that ran past `timeout` seconds (said in minutes from two minutes on)."""
    if timeout < 120:
        return RenderTimeout(
            "Clip #{clip_id} took longer than {seconds:g} seconds to render, so it was stopped. Try fewer or "
            "shorter shots, or a lighter model.",
            clip_id=job.clip_id, seconds=timeout,
        )
    return RenderTimeout(
        "Clip #{clip_id} took longer than {minutes:.0f} minutes to render, so it was stopped. Try fewer or "
        "shorter shots, or a lighter model.",
        clip_id=job.clip_id, minutes=timeout / 60,
    )


def _loaded_model(pipelines: PipelineCache) -> str | None:
    loaded = pipelines.loaded()
    return loaded[-1].split(":")[0] if loaded else None


def _preload(pipelines: PipelineCache, recipes: list[ShotRender], cache: RenderCacheAccess) -> float | None:
    """Load the model before rendering, timing it for ETAs. Skipped when every shot is cached (a
    cache hit must cost no GPU time) or the model is already loaded (under any of its names; its
    image-to-video pipeline shares the loaded weights, so it is no load)."""
    fresh = [recipe for recipe in recipes if not cache.has(recipe)]
    if not fresh:
        return None
    if pipelines.has_loaded(fresh[0].model):
        return None
    started = time.monotonic()
    pipelines.get(fresh[0].model, i2v=fresh[0].i2v)
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
    watch = JobWatch(config, job, stop, lambda: _loaded_model(pipelines)).__enter__()
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


@dataclass
class FinishingJob:
    """A job whose GPU work is done: `finish` waits for its shot encodes, stitches, draws the storyboard
    and records the outcome, on any thread, with that thread's database connection."""

    attempt: Attempt
    cache: RenderCacheAccess
    rendered: assemble.RenderedClip
    load_seconds: float | None

    def finish(self, db: sqlite_utils.Database) -> assemble.ClipOutput | None:
        """The clip made, or None when the job did not complete (failure recorded); never raises for
        render failures."""
        job, config = self.attempt.job, self.attempt.config
        try:
            output = self.attempt.run(db, lambda: self.rendered.finish(self.attempt.watch.report))
        finally:
            self.attempt.watch.__exit__(None, None, None)
        if output is not None:
            written(lambda: record_success(db, job, config, output, self.cache, self.load_seconds))
            if self.attempt.backoff is not None:
                self.attempt.backoff.reset()
        return output


class Finisher:
    """Finishes jobs on a thread of its own, with its own database connection, while the worker renders
    the next one. At most one job finishes behind: `submit` first waits for the previous one, which
    bounds memory and keeps completions in claim order."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-finish")
        self._local = threading.local()
        self._last: Future[None] | None = None

    def submit(self, finishing: FinishingJob) -> None:
        self.wait()
        self._last = self._pool.submit(lambda: finishing.finish(self._db()) and None)

    def wait(self) -> None:
        """Block until the job being finished, if any, is recorded; re-raises what its finish raised."""
        if self._last is not None:
            last, self._last = self._last, None
            last.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.submit(self._close_db).result()
            self._pool.shutdown()

    def _db(self) -> sqlite_utils.Database:
        if getattr(self._local, "db", None) is None:
            self._local.db = open_db(self.config.db_path)
        return self._local.db

    def _close_db(self) -> None:
        if getattr(self._local, "db", None) is not None:
            self._local.db.close()
            self._local.db = None


# errno values of a media folder that can't be written now but may be later: full disk or quota, lost
# permissions, a read-only or failing mount. A missing file (ENOENT) is not among them.
MEDIA_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO})


def media_io_error(error: BaseException) -> OSError | None:
    """The transient OSError behind `error` (itself, or what it was raised from), if there is one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno in MEDIA_ERRNOS:
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
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


def record_success(
    db: sqlite_utils.Database,
    job: RenderJob,
    config: WorkerConfig,
    output: assemble.ClipOutput,
    cache: RenderCacheAccess,
    load_seconds: float | None,
) -> None:
    """Mark the job done with its clip and storyboard, and feed the model's speed statistics."""
    if complete_job(
        db,
        job.id,
        worker_id=config.worker_id,
        video_path=str(output.video_path),
        storyboard_path=str(output.storyboard_path),
    ):
        log.info("job %s done: %d shots rendered, %d reused", job.id, output.rendered, output.reused)
    else:
        log.info("job %s finished but was cancelled or reassigned meanwhile", job.id)
    if cache.work or load_seconds is not None:
        record_model_stats(
            db,
            job.model,
            seconds_per_unit=cache.gpu_seconds / cache.work if cache.work else None,
            load_seconds=load_seconds,
        )


def clip_dir(config: WorkerConfig, clip: Clip) -> Path:
    """Where a clip's shots, video and storyboard are written on the bot host."""
    return config.media_dir / "clips" / str(clip.id)


def captions(clip: Clip, count: int) -> list[str]:
    """One caption per shot: the clip's own, then 'Shot N' for any shot without one."""
    caption_list = list(clip.captions[:count])
    return caption_list + [f"Shot {index + 1}" for index in range(len(caption_list), count)]


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


def _requeue_orphans(db: sqlite_utils.Database, config: WorkerConfig) -> None:
    """Workers on this host whose process is gone can't finish their jobs: re-queue those now rather
    than after `stale_after_s`, so a restarted worker resumes at once."""
    host = socket.gethostname()
    for worker in live_workers(db):
        if worker.host != host or worker.id == config.worker_id or pid_alive(worker.pid):
            continue
        log.info("worker %s (pid %d) is gone; re-queueing its job", worker.id, worker.pid)
        with transaction(db):
            db.execute("UPDATE jobs SET heartbeat_at = 0 WHERE status = 'running' AND worker_id = ?", (worker.id,))
            unregister_worker(db, worker.id)
    requeue_stale(db, config.settings.stale_after_s)


def _work_once(
    db: sqlite_utils.Database,
    pipelines: PipelineCache,
    config: WorkerConfig,
    stop: threading.Event,
    encoder: assemble.ShotEncoder,
    finisher: Finisher,
    backoff: Backoff,
) -> None:
    """One turn of the worker's loop: re-queue stale jobs, then start the next job (finished beside the
    one after) or, with nothing queued, record the last one and idle a poll."""
    requeue_stale(db, config.settings.stale_after_s)
    job = claim_next(db, config.worker_id, loaded_model=_loaded_model(pipelines), policy=config.settings.policy)
    if job is None:
        finisher.wait()  # nothing to overlap with: record the last job now
        worker_heartbeat(db, config.worker_id, loaded_model=_loaded_model(pipelines), job_id=None)
        stop.wait(config.settings.poll_interval_s)
        return
    finishing = start_job(db, job, pipelines, config, stop, encoder, backoff)
    if finishing is not None:
        finisher.submit(finishing)


def run_worker(
    config: WorkerConfig, stop: threading.Event | None = None, *, pipelines: PipelineCache | None = None
) -> None:
    """Claim and render jobs until `stop` is set, keeping the GPU busy: each shot encodes while the next
    one denoises, and each job is finished (stitch, storyboard, completion) while the next one renders.

    `pipelines` defaults to a cache over `config.models_dir` on `config.settings.device`, using every core this
    process may run on when that device is the CPU.
    """
    from generation import assemble

    stop = stop or threading.Event()
    db = open_db(config.db_path)
    if pipelines is None:
        from generation.pipelines import PipelineCache, use_available_cores

        pipelines = PipelineCache(config.models_dir, device=config.settings.device)
        if pipelines.device == "cpu":
            use_available_cores()
    register_worker(db, config.worker_id, host=socket.gethostname(), pid=os.getpid())
    log.info("worker %s started on %s", config.worker_id, pipelines.device)
    encoder = assemble.ShotEncoder()
    finisher = Finisher(config)
    backoff = Backoff(config.settings.retry_backoff_s, config.settings.retry_backoff_max_s)
    orphans_checked = False
    try:
        while not stop.is_set():
            try:
                if not orphans_checked:
                    _requeue_orphans(db, config)
                    orphans_checked = True
                _work_once(db, pipelines, config, stop, encoder, finisher, backoff)
            except (sqlite3.OperationalError, DatabaseBusy) as error:
                if not isinstance(error, DatabaseBusy) and not is_locked(error):
                    raise
                # Another program holds the database: wait and retry, never die. A job being rendered
                # stays ours; its heartbeats resume once the lock is gone.
                log.warning("worker %s: the database is locked by another program; retrying", config.worker_id)
                backoff.fault()
            backoff.wait(stop)
    finally:
        try:
            finisher.close()
            encoder.close()
        finally:
            unregister_worker(db, config.worker_id)
            db.close()
            log.info("worker %s stopped", config.worker_id)
