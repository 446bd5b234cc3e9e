"""Orphaned render workers: a worker exits when its front-end dies, and a new front-end reaps workers of
its home that a dead one left behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from renderqueue.orphans import WORKER_MODULE, reap_stale_workers, stale_workers

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reaping reads /proc")

# A front-end stand-in: starts a child that dies with it, prints the child's pid, then waits to be killed.
FRONT_END = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
time.sleep(120)
"""
CHILD = """
import os, time
from renderqueue.orphans import die_with_parent
die_with_parent(os.getppid(), lambda: os._exit(0), interval_s=0.2)
time.sleep(120)
"""


def gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_a_worker_exits_when_its_front_end_is_killed():
    front_end = subprocess.Popen([sys.executable, "-c", FRONT_END, CHILD], stdout=subprocess.PIPE, text=True)
    child = int(front_end.stdout.readline())
    time.sleep(0.5)  # the child is watching
    front_end.send_signal(signal.SIGKILL)
    front_end.wait()
    assert gone(child, 5), "the worker outlived its front-end"


def fake_worker(home: Path, parent_pid: int, *, ignore_term: bool = False) -> subprocess.Popen:
    """A process whose command line is a worker process's (sys.argv after `-c` code is kept)."""
    code = "import signal, time\n" + ("signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" if ignore_term else "")
    code += "print('ready', flush=True)\ntime.sleep(120)"
    process = subprocess.Popen([sys.executable, "-c", code, WORKER_MODULE, "--home", str(home),
                                "--parent-pid", str(parent_pid)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


def test_a_new_front_end_reaps_only_stale_workers_of_its_home(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    home, other = tmp_path / "home", tmp_path / "other"
    stale = fake_worker(home, dead.pid)
    stubborn = fake_worker(home, dead.pid, ignore_term=True)
    live = fake_worker(home, os.getpid())  # its front-end (this test) is alive and its parent
    elsewhere = fake_worker(other, dead.pid)
    try:
        assert sorted(stale_workers(home)) == sorted([stale.pid, stubborn.pid])
        assert sorted(reap_stale_workers(home, grace_s=1.0)) == sorted([stale.pid, stubborn.pid])
        assert stale.wait(5) == -signal.SIGTERM and stubborn.wait(5) == -signal.SIGKILL
        assert live.poll() is None and elsewhere.poll() is None
        assert stale_workers(home) == []
    finally:
        for process in (stale, stubborn, live, elsewhere):
            process.kill()
            process.wait()
