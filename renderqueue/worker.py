"""The render worker: a separate process that claims jobs from the database, renders them
(`renderqueue.rendering`, then `renderqueue.finishing`), and records progress and outcome there.

Everything it knows lives in the database, so it can be killed at any moment: its job's heartbeat
stops, and the next worker to start (or any worker, once the heartbeat is `stale_after_s` old) puts the
job back in the queue. Shots rendered before the crash sit in the render cache, so the retry resumes.

Run: `reelbot worker` (or `python -m studio.worker_process --home DIR [--config FILE]`).
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
from typing import TYPE_CHECKING

import sqlite_utils

from renderqueue.finishing import Finisher
from renderqueue.jobs import claim_next, requeue_stale
from renderqueue.orphans import pid_alive
from renderqueue.claims import loaded_model
from renderqueue.rendering import start_job
from renderqueue.stills_job import run_stills_job
from renderqueue.transient import Backoff
from renderqueue.worker_config import WorkerConfig
from storage.db import DatabaseBusy, is_locked, open_db
from storage.transactions import transaction
from storage.workers import live_workers, register_worker, unregister_worker, worker_heartbeat

if TYPE_CHECKING:
    # torch and diffusers come with these: a front-end that only configures and starts worker processes
    # imports this module without them, and the render functions import them when they run.
    from generation import assemble
    from generation.pipelines import PipelineCache

log = logging.getLogger(__name__)


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
    job = claim_next(db, config.worker_id, loaded_model=loaded_model(pipelines), policy=config.settings.policy)
    if job is None:
        finisher.wait()  # nothing to overlap with: record the last job now
        worker_heartbeat(db, config.worker_id, loaded_model=loaded_model(pipelines), job_id=None)
        stop.wait(config.settings.poll_interval_s)
        return
    if job.kind == "stills":
        run_stills_job(db, job, pipelines, config, stop, loaded=lambda: loaded_model(pipelines), backoff=backoff)
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

        pipelines = PipelineCache(config.models_dir, device=config.settings.device,
                                  accel=config.settings.accel.acceleration())  # fmt: skip
        if pipelines.device == "cpu":
            use_available_cores()
    register_worker(db, config.worker_id, host=socket.gethostname(), pid=os.getpid())
    log.info("worker %s started on %s", config.worker_id, pipelines.device)
    # Before the first claim: no member's request waits for a load or a compile the operator asked for.
    if config.settings.accel.warm_up:
        pipelines.warm_up(config.settings.accel.warm_up)
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
