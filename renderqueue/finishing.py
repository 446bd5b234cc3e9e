"""The CPU half of a job, after its last shot's denoise: wait for the shot encodes, stitch, draw the
storyboard and record the outcome, on a thread of its own while the worker renders the next job."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlite_utils

from renderqueue.jobs import complete_job
from renderqueue.outcomes import Attempt
from renderqueue.render_cache import RenderCacheAccess
from renderqueue.transient import written
from renderqueue.worker_config import WorkerConfig
from storage.db import open_db
from storage.model_stats import record_model_stats
from storage.records import RenderJob

if TYPE_CHECKING:
    # torch and diffusers come with it: the render functions import it when they run.
    from generation import assemble

log = logging.getLogger(__name__)


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
