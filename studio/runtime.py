"""Wiring shared by every front-end: the Studio, its render workers, and following a job to its end."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from common.files import sweep_staging
from common.redact import hold_secrets
from renderqueue.supervisor import Workers, worker_devices
from storage.aio import AsyncDatabase
from studio.config import Config
from studio.job_views import JobView
from studio.service import Studio
from studio.worker_process import worker_config

if TYPE_CHECKING:  # the dispatcher imports the rendering code (torch); the bot builds it only for Ray
    from renderqueue.dispatcher import Dispatcher

log = logging.getLogger(__name__)

FINISHED = ("done", "failed", "cancelled")


def open_studio(config: Config) -> Studio:
    """A Studio over the configured home's database (migrated on first use); close it with `aclose()`.

    Every front-end starts here, so this is where the process learns its secrets (text from endpoints is
    redacted with them before it is stored, `common.intake.from_endpoint`) and where staging files that
    killed processes left in the data folder are removed (`common.files.sweep_staging`)."""
    hold_secrets(config.secrets)
    sweep_staging([config.home], recursive=False)
    sweep_staging([config.media_dir])
    return Studio(config, AsyncDatabase(config.db_path))


def workers_for(
    config: Config, *, count: int | None = 1, separate_processes: bool = True
) -> "Workers | Dispatcher":
    """Render workers for a front-end, configured from `config` (not started): `count` local workers, or
    with count=None as many as `config.workers` says ("auto": one per GPU), each pinned to its own GPU; with
    `[cluster] backend = "ray"` the dispatcher that renders on the cluster's GPUs instead."""
    if config.cluster.backend == "ray":
        from renderqueue.ray_executor import ray_dispatcher  # imports Ray, an optional extra

        return ray_dispatcher(worker_config(config), config.cluster)
    if count is None:
        from generation.placement import gpus  # probes in a child process: the bot never imports torch

        devices = worker_devices(config.workers, config.worker.device, len(gpus()))
        return Workers(worker_config(config), separate_processes=separate_processes, devices=devices)
    return Workers(worker_config(config), count=count, separate_processes=separate_processes)


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
