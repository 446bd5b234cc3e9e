"""What runs beside one render: heartbeats (which reveal cancellation or the loss of the job), progress
writes, the per-job timeout and the last-resort hang watchdog."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable

import sqlite_utils

from common.text import Text
from generation.errors import RenderTimeout
from renderqueue.jobs import fail_job, heartbeat, update_progress
from renderqueue.transient import skipped_while_locked
from renderqueue.worker_config import EXIT_HUNG, WorkerConfig
from storage.db import open_db
from storage.records import RenderJob
from storage.workers import unregister_worker, worker_heartbeat

log = logging.getLogger(__name__)


class MonotonicProgress:
    """Passes on only progress that moves forward (`write(fraction, stage)`, e.g. `JobWatch.report` or a
    `ProgressWriter`): a remote clip render reports 0..RENDER_SHARE, then `render_clip` on the bot host
    walks its cached shots from 0 again before stitching; a stills job's stills queued meanwhile add to
    its count."""

    def __init__(self, write: Callable[[float, str], None]) -> None:
        self.write = write
        self.fraction = 0.0

    def __call__(self, fraction: float, stage: str) -> None:
        if fraction < self.fraction:
            return
        self.fraction = fraction
        self.write(fraction, stage)


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
                with skipped_while_locked(f"job {self.job.id}: progress write"):
                    self._write_progress(db)
                if done:
                    return
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.config.settings.heartbeat_interval_s
                    with skipped_while_locked(f"job {self.job.id}: heartbeat"):
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
