"""The render worker as a process of its own:
`python -m studio.worker_process --home DIR [--config FILE] [--parent-pid PID]`.

It reads the same settings source as the front-end that started it (`studio.config.load_config`), so a
worker process never runs with settings of its own. `reelbot worker` runs the same code.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from common.logs import configure_logging, log_file, terminal_level
from common.redact import install_redaction
from renderqueue.orphans import die_with_parent
from renderqueue.worker import run_worker
from renderqueue.worker_config import WorkerConfig
from studio.config import Config, load_config

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def worker_process_command(config: Config, log_level: str, log_to: Path | None = None) -> tuple[str, ...]:
    """The command line of a worker process for `config`, showing records at `log_level` on the terminal,
    and with `log_to` logging to that file as its front-end does (`common.logs`). Its home is made absolute,
    since the process may start elsewhere; the environment (with any REELBOT_* settings) is inherited."""
    command = [sys.executable, "-m", "studio.worker_process", "--home", str(config.home.resolve()),
               "--parent-pid", str(os.getpid())]
    if config.config_file is not None:
        command += ["--config", str(config.config_file)]
    if log_to is not None:
        command += ["--log-file", str(log_to)]
    return (*command, "--log-level", log_level)


def worker_config(config: Config) -> WorkerConfig:
    """The worker settings of `config`, with the command line that starts a worker process reading the
    same settings (`python -m studio.worker_process`)."""
    log_level = terminal_level()
    return WorkerConfig(
        db_path=config.db_path,
        media_dir=config.media_dir,
        models_dir=config.models_dir,
        settings=config.worker,
        log_level=log_level,
        process_command=worker_process_command(config, log_level, log_file()),
    )


def local_worker_refusal(config: Config) -> str | None:
    """Why `config` must not run a local render worker, or None when it may: with `[cluster] backend =
    "ray"` the bot's dispatcher drives the cluster's GPUs, and a worker beside it would render on this
    machine outside the cluster (its GPUs join with `reelbot gpu-node` instead)."""
    if config.cluster.backend != "ray":
        return None
    return ('this installation renders on a Ray cluster ([cluster] backend = "ray"), so it runs no local '
            "render workers: the bot's dispatcher sends jobs to the cluster's GPUs. To add this machine's "
            "GPUs, run `reelbot gpu-node --address HEAD:PORT` here; to render here without Ray, set "
            '[cluster] backend = "local".')


def serve(
    config: Config,
    *,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
    parent_pid: int | None = None,
) -> None:
    """Run one render worker for `config` until `stop` is set (or SIGTERM/SIGINT when `stop` is None), or
    until process `parent_pid` (the front-end that started it) dies."""
    worker = worker_config(config)
    if worker_id:
        worker = replace(worker, worker_id=worker_id)
    if stop is None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    if parent_pid is not None:
        die_with_parent(parent_pid, stop.set)
    run_worker(worker, stop)


@dataclass(frozen=True)
class WorkerArgs:
    """A worker process's command line, read: the settings it loaded, its id, its log level."""

    config: Config
    worker_id: str | None
    log_level: str
    # The front-end that started the worker: the worker stops when it dies.
    parent_pid: int | None = None
    # The front-end's log file, which the worker writes to as well (`common.logs`).
    log_file: Path | None = None


def parse_worker_args(argv: list[str]) -> WorkerArgs:
    """Read `--home DIR [--config FILE] [--worker-id ID] [--log-level LEVEL] [--device DEV] [--parent-pid PID]
    [--log-file FILE]`
    and load the settings (`--device` overrides `[worker] device` and nothing else of that section).

    Raises SystemExit on bad arguments and ConfigError on a bad settings file."""
    parser = argparse.ArgumentParser(prog="python -m studio.worker_process", description=__doc__)
    parser.add_argument("--home", type=Path, required=True, help="the Reelbot data folder")
    parser.add_argument("--config", type=Path, help="the TOML settings file the front-end read")
    parser.add_argument("--worker-id", help="default: host:pid")
    parser.add_argument("--log-level", default="INFO", choices=LOG_LEVELS)
    parser.add_argument("--device", help="pin this worker to a torch device (workers = \"auto\": its own GPU)")
    parser.add_argument("--parent-pid", type=int, help="stop when this process (the front-end) dies")
    parser.add_argument("--log-file", type=Path, help="log every record here, and only Reelbot's at --log-level "
                        "to the terminal (the console's log, common.logs)")
    args = parser.parse_args(argv)
    pinned = {"worker": {"device": args.device}} if args.device else {}
    config = load_config(args.config, home=args.home, **pinned)
    return WorkerArgs(config, args.worker_id, args.log_level, args.parent_pid, args.log_file)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m studio.worker_process --home H --config C`: serve render jobs until told to stop,
    or until the parent (`--parent-pid`) dies. Returns the exit code."""
    args = parse_worker_args(sys.argv[1:] if argv is None else argv)
    refusal = local_worker_refusal(args.config)
    if refusal is not None:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    configure_logging(args.log_level, args.log_file)
    install_redaction(args.config.secrets)
    serve(args.config, worker_id=args.worker_id, parent_pid=args.parent_pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
