"""Keeping render workers alive: a worker process restarted whenever it exits, or an in-process worker
thread restarted whenever it crashes, for the life of a front-end."""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
from dataclasses import replace
from pathlib import Path

from renderqueue.orphans import reap_stale_workers
from renderqueue.worker import run_worker
from renderqueue.worker_config import WorkerConfig

log = logging.getLogger(__name__)


def worker_devices(workers: int | str, device: str | None, gpu_count: int) -> list[str | None]:
    """The device of each worker to start: `workers` is a count or "auto" (one worker per GPU, or one
    worker without a GPU). A configured `device` pins every worker to it; otherwise workers are spread
    over the GPUs in turn (cuda:0, cuda:1, ...), so two workers on a two-GPU host never share one.
    None lets the worker pick (CPU). Raises ValueError for a negative count or another string."""
    if workers == "auto":
        count = max(1, gpu_count) if device is None else 1
    elif isinstance(workers, int) and workers >= 0:
        count = workers
    else:
        raise ValueError(f'workers must be a number of workers or "auto", not {workers!r}')
    if device is not None or gpu_count == 0:
        return [device] * count
    return [f"cuda:{index % gpu_count}" for index in range(count)]


def supervise(config: WorkerConfig, stop: threading.Event, *, restart_delay: float = 2.0) -> None:
    """Keep one worker process (`config.process_command`) running until `stop` is set, restarting it
    whenever it exits (a crash, an out-of-memory kill, or a deliberate exit after a hung render)."""
    while not stop.is_set():
        process = subprocess.Popen(config.process_command)
        while process.poll() is None and not stop.wait(0.5):
            pass
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            return
        log.warning("worker process exited with status %s; restarting", process.returncode)
        stop.wait(restart_delay)


def run_worker_restarting(config: WorkerConfig, stop: threading.Event, *, restart_delay: float = 2.0) -> None:
    """In-process counterpart of `supervise`: a worker thread that dies on an error is started again,
    so a request never waits on a worker that is gone."""
    while not stop.is_set():
        try:
            run_worker(config, stop)
        except Exception:
            log.exception("render worker %s crashed; restarting it", config.worker_id)
            stop.wait(restart_delay)


def _pinned(base: WorkerConfig, index: int, device: str | None) -> WorkerConfig:
    """Worker `index` of `base`, rendering on `device`; its process command says so too."""
    command = base.process_command
    if device is not None and command and device != base.settings.device:
        command = (*command, "--device", device)
    return replace(
        base,
        worker_id=f"{base.worker_id}-{index}",
        settings=base.settings.model_copy(update={"device": device}),
        process_command=command,
    )


def _home_of(command: tuple[str, ...]) -> Path | None:
    """The `--home` of a worker process command line, if it has one."""
    return Path(command[command.index("--home") + 1]) if "--home" in command[:-1] else None


class Workers:
    """Render workers for the life of a front-end.

    `separate_processes=True` (the bot) gives each worker its own supervised process, so a crash or a
    GPU fault never takes the bot down and a dead worker is restarted; the one-shot `generate` command
    renders in a thread of its own process instead, sparing a second copy of torch in memory.
    """

    def __init__(
        self,
        base: WorkerConfig,
        *,
        count: int = 1,
        separate_processes: bool = True,
        devices: list[str | None] | None = None,
    ) -> None:
        """`devices`, when given, starts one worker per entry pinned to that device (see worker_devices)
        instead of `count` workers on base.settings.device."""
        self._stop = threading.Event()
        self._separate = separate_processes
        self._home = _home_of(base.process_command)
        target = supervise if separate_processes else run_worker_restarting
        devices = [base.settings.device] * count if devices is None else devices
        self.configs = [_pinned(base, index, device) for index, device in enumerate(devices)]
        self._threads = [
            threading.Thread(target=target, args=(config, self._stop), name=f"reelbot-worker-{index}", daemon=True)
            for index, config in enumerate(self.configs)
        ]

    def start(self) -> "Workers":
        if self._separate and self._home is not None:
            # Workers a killed front-end of this home left behind would double GPU memory with each restart.
            reap_stale_workers(self._home)
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
