"""Wiring shared by every front-end: the Studio, its render workers, and following a job to its end."""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import replace

from generation.worker import WorkerConfig, run_worker, supervise
from storage.aio import AsyncDatabase
from studio.config import Config
from studio.service import JobView, Studio

log = logging.getLogger(__name__)

FINISHED = ("done", "failed", "cancelled")


def worker_config(config: Config) -> WorkerConfig:
    return WorkerConfig(
        db_path=config.db_path,
        media_dir=config.media_dir,
        models_dir=config.models_dir,
        device=config.device,
        job_timeout=config.job_timeout_s,
        poll_interval=config.worker_poll_s,
        log_level=logging.getLevelName(logging.getLogger().getEffectiveLevel()),
    )


def open_studio(config: Config) -> Studio:
    return Studio(config, AsyncDatabase(config.db_path))


def run_worker_restarting(config: WorkerConfig, stop: threading.Event, *, restart_delay: float = 2.0) -> None:
    """In-process counterpart of `supervise`: a worker thread that dies on an error is started again,
    so a request never waits on a worker that is gone."""
    while not stop.is_set():
        try:
            run_worker(config, stop)
        except Exception:
            log.exception("render worker %s crashed; restarting it", config.worker_id)
            stop.wait(restart_delay)


class Workers:
    """Render workers for the life of a front-end.

    `separate_processes=True` (the bot) gives each worker its own supervised process, so a crash or a
    GPU fault never takes the bot down and a dead worker is restarted; the one-shot `generate` command
    renders in a thread of its own process instead, sparing a second copy of torch in memory.
    """

    def __init__(self, config: Config, *, count: int = 1, separate_processes: bool = True) -> None:
        self._stop = threading.Event()
        base = worker_config(config)
        target = supervise if separate_processes else run_worker_restarting
        self._threads = [
            threading.Thread(
                target=target,
                args=(replace(base, worker_id=f"{base.worker_id}-{index}"), self._stop),
                name=f"reelbot-worker-{index}",
                daemon=True,
            )
            for index in range(count)
        ]

    def start(self) -> "Workers":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)


async def follow_job(
    studio: Studio,
    job_id: int,
    on_update: Callable[[JobView], Awaitable[None]] | None = None,
    *,
    interval: float = 1.0,
) -> JobView:
    """Poll the job until it ends, reporting each change of status, progress or position."""
    last: tuple | None = None
    while True:
        view = await studio.job_view(job_id)
        key = (view.job.status, view.job.stage, round(view.job.progress, 2), view.estimate and view.estimate.position)
        if key != last and on_update is not None:
            await on_update(view)
        last = key
        if view.job.status in FINISHED:
            return view
        await asyncio.sleep(interval)
