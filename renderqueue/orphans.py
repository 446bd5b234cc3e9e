"""No orphaned render workers: a worker process exits when the front-end that started it dies, and a new
front-end reaps workers a dead one left behind for the same home (each would hold its own copy of a
model in GPU memory).

A worker process is started with `--parent-pid P --home H`. It asks Linux to SIGTERM it when its parent
dies (`prctl(PR_SET_PDEATHSIG)`, man 2 prctl) and, on every platform, watches its parent pid once a
second as a fallback. `reap_stale_workers(home)` finds worker processes of `home` whose parent pid is
gone (or that were re-parented) by their command lines in /proc, and ends them: SIGTERM, then SIGKILL
after a grace period.
"""
from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

# From <linux/prctl.h>.
PR_SET_PDEATHSIG = 1
# The module a worker process runs; its command line names it, and reaping looks for it.
WORKER_MODULE = "studio.worker_process"


def die_with_parent(parent_pid: int, on_parent_death: Callable[[], None], *, interval_s: float = 1.0) -> None:
    """Call `on_parent_death()` (once) when process `parent_pid` is no longer this process's parent: at
    once if it already died, through SIGTERM from the kernel on Linux, and from a daemon thread polling
    `os.getppid()` every `interval_s` seconds everywhere."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    fired = threading.Event()

    def fire() -> None:
        if not fired.is_set():
            fired.set()
            log.warning("the front-end (pid %d) that started this worker is gone; stopping", parent_pid)
            on_parent_death()

    def watch() -> None:
        while not fired.is_set():
            if os.getppid() != parent_pid:
                fire()
                return
            time.sleep(interval_s)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _option(argv: list[str], name: str) -> str | None:
    with contextlib.suppress(ValueError, IndexError):
        return argv[argv.index(name) + 1]
    return None


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) from /proc/<pid>/stat; None for no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: fields after its last ")" are plain.
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    return state, int(ppid)


def _ppid(pid: int) -> int | None:
    stat = _stat(pid)
    return None if stat is None else stat[1]


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited child its parent has not waited for yet)."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def stale_workers(home: Path) -> list[int]:
    """Pids of worker processes of `home` whose front-end is gone: the `--parent-pid` on their command
    line is dead or is no longer their parent. Linux only (/proc); [] elsewhere."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    home = Path(home).resolve()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if WORKER_MODULE not in argv or _option(argv, "--home") is None:
            continue
        if Path(_option(argv, "--home") or "").resolve() != home:
            continue
        parent = _option(argv, "--parent-pid")
        pid = int(entry.name)
        if parent is None or not parent.isdigit():
            continue  # started by hand (`reelbot worker`): not ours to end
        if not pid_alive(int(parent)) or _ppid(pid) != int(parent):
            found.append(pid)
    return found


def reap_stale_workers(home: Path, *, grace_s: float = 10.0) -> list[int]:
    """End the stale workers of `home` (`stale_workers`): SIGTERM, then SIGKILL those still running after
    `grace_s` seconds. Returns their pids. Their jobs go back to the queue (the workers release them, or
    `requeue_stale` does once their heartbeats stop)."""
    pids = stale_workers(home)
    for pid in pids:
        log.warning("ending render worker pid %d left behind by a front-end that is gone", pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if _running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return pids
