"""Who a render worker is and how it behaves: `WorkerConfig`, shared by the local worker loop, the GPU actors
and the dispatcher that renders on them."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from renderqueue.settings import WorkerSettings


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
