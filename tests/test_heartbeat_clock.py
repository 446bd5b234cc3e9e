"""Heartbeats are judged on one clock, the database's: a worker's own clock running ahead or behind changes
nothing (storage.db.DB_NOW).

Found by the round's probes: a worker whose clock ran ahead re-queued a healthy worker's job as stale, and
a dead worker whose clock had run ahead kept its job "running" until another worker started.
"""
from __future__ import annotations

import time

import pytest
from storage_fixtures import submit

from renderqueue.jobs import claim_next, get_job, heartbeat, requeue_stale
from storage.workers import live_workers, register_worker, worker_heartbeat

AHEAD_S = 3600.0
STALE_AFTER_S = 0.3


@pytest.fixture
def skewed(monkeypatch: pytest.MonkeyPatch):
    """Run the wrapped calls as a process whose wall clock is an hour ahead."""
    real = time.time

    class Skew:
        def __enter__(self) -> None:
            monkeypatch.setattr(time, "time", lambda: real() + AHEAD_S)

        def __exit__(self, *_exc: object) -> None:
            monkeypatch.setattr(time, "time", real)

    return Skew()


def test_a_worker_whose_clock_runs_ahead_leaves_a_healthy_job_alone(db, skewed) -> None:
    job = submit(db, user_id=1)
    claim_next(db, "healthy", loaded_model=None)
    assert heartbeat(db, job.id, "healthy")
    with skewed:
        assert requeue_stale(db, STALE_AFTER_S) == []
        register_worker(db, "ahead", host="h", pid=1)
        worker_heartbeat(db, "ahead", loaded_model=None, job_id=None)
    assert get_job(db, job.id).status == "running"
    assert {w.id for w in live_workers(db, within_s=5)} == {"ahead"}  # its heartbeat is on the same clock


def test_a_dead_worker_whose_clock_ran_ahead_loses_its_job_on_time(db, skewed) -> None:
    job = submit(db, user_id=1)
    with skewed:
        claim_next(db, "dead", loaded_model=None)
        heartbeat(db, job.id, "dead")
    # The worker dies here. Another worker, on a right clock, judges it once STALE_AFTER_S has passed.
    assert requeue_stale(db, STALE_AFTER_S) == []
    time.sleep(STALE_AFTER_S + 0.1)
    [requeued] = requeue_stale(db, STALE_AFTER_S)
    assert (requeued.id, requeued.status, requeued.attempts, requeued.vanished) == (job.id, "queued", 0, 1)
