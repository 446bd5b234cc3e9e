"""Live render workers: who is up, what model each has loaded. Feeds queue ETAs and status commands."""

from __future__ import annotations

import sqlite_utils

from storage.db import DB_NOW, db_time, timestamp
from storage.records import WorkerInfo


def register_worker(
    db: sqlite_utils.Database, worker_id: str, *, host: str, pid: int, now: float | None = None
) -> None:
    """Announce a worker process (`host`, `pid`) as alive now."""
    started, now = timestamp(now), now
    db.execute(
        f"INSERT INTO workers (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, COALESCE(?, {DB_NOW})) "
        "ON CONFLICT(id) DO UPDATE SET host = excluded.host, pid = excluded.pid, loaded_model = NULL, "
        "job_id = NULL, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at",
        (worker_id, host, pid, started, now),
    )


def worker_heartbeat(
    db: sqlite_utils.Database,
    worker_id: str,
    *,
    loaded_model: str | None,
    job_id: int | None,
    now: float | None = None,
) -> None:
    """Note that the worker is alive, which model it has loaded and which job it renders."""
    db.execute(
        f"UPDATE workers SET loaded_model = ?, job_id = ?, heartbeat_at = COALESCE(?, {DB_NOW}) WHERE id = ?",
        (loaded_model, job_id, now, worker_id),
    )


def unregister_worker(db: sqlite_utils.Database, worker_id: str) -> None:
    """Forget a worker that stopped."""
    db.execute("DELETE FROM workers WHERE id = ?", (worker_id,))


def live_workers(
    db: sqlite_utils.Database, *, within_s: float | None = None, now: float | None = None
) -> list[WorkerInfo]:
    """Registered workers that heartbeated within `within_s` seconds (all of them if None)."""
    since = -1.0 if within_s is None else (db_time(db) if now is None else now) - within_s
    rows = db.query("SELECT * FROM workers WHERE heartbeat_at >= ? ORDER BY started_at", (since,))
    return [WorkerInfo.from_row(row) for row in rows]
