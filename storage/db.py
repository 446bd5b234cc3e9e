"""Opening the database, waiting out other programs' locks, and storage timestamps.

Write transactions are `storage.transactions.transaction`, beneath both this module and the schema."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import sqlite_utils
import tenacity

from common.errors import ReelbotError
from storage.schema import migrate

# How long a writer waits for another process's lock before giving up; renders write progress while the
# bot inserts requests, so short waits are normal and must not surface as errors.
BUSY_TIMEOUT_S = 30.0
# How long a request or a worker keeps retrying (with backoff) while another program holds the database,
# in seconds, beyond each attempt's own BUSY_TIMEOUT_S: a backup or a long-running query must not lose
# requests or kill workers.
LOCK_WAIT_S = 300.0


class DatabaseBusy(ReelbotError):
    """The database stayed locked by another program for longer than LOCK_WAIT_S."""

    code = "busy"


class StorageFull(ReelbotError):
    """A write the database could not take: its disk (or its size limit) is full. Nothing of it was kept."""

    code = "disk_full"


def is_full(error: BaseException) -> bool:
    """Whether `error` is SQLite's SQLITE_FULL ("database or disk is full")."""
    return isinstance(error, sqlite3.OperationalError) and "is full" in str(error)


def is_locked(error: BaseException) -> bool:
    """Whether `error` is SQLite's "database is locked" / "database is busy" (another connection holds
    the lock past the busy timeout): worth waiting for, unlike any other OperationalError."""
    return isinstance(error, sqlite3.OperationalError) and ("locked" in str(error) or "busy" in str(error))


def while_locked(wait_s: float = LOCK_WAIT_S, *, on_retry=None) -> tenacity.Retrying:
    """A tenacity retry policy for code that touches the database: retries while `is_locked`, backing off
    exponentially (0.5 s doubling up to 10 s) for `wait_s` seconds in all, then raises DatabaseBusy.
    `on_retry(retry_state)` runs before each wait (to log it, or tell the member they're waiting)."""

    def give_up(state: tenacity.RetryCallState) -> None:
        raise DatabaseBusy(
            "Reelbot's database is busy (another program is holding it). Please try again in a few minutes.",
            detail=repr(state.outcome.exception() if state.outcome else None),
        )

    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_locked),
        wait=tenacity.wait_exponential(multiplier=0.5, max=10),
        stop=tenacity.stop_after_delay(wait_s),
        before_sleep=on_retry,
        retry_error_callback=give_up,
    )


def open_db(path: Path | str, *, any_thread: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the Reelbot database: WAL, foreign keys, busy timeout, migrated.

    `any_thread` lets another thread than the opener use (and close) the connection; it must still be
    used by one thread at a time."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=not any_thread)
    db = sqlite_utils.Database(conn)
    _use_wal(db)
    # FULL sync makes a reply-after-commit survive power loss.
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db)
    return db


def _use_wal(db: sqlite_utils.Database) -> None:
    """WAL lets the bot read while a worker writes.

    Switching needs a moment alone with the file and SQLite answers "locked" at once rather than waiting
    out the busy timeout, which two processes opening a new database together (the bot and its first
    worker) hit; so retry until the timeout, and skip the switch once another opener has made it.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def timestamp(now: float | None = None) -> float:
    """Storage timestamps are Unix seconds; functions take `now` so tests and simulations control time."""
    return time.time() if now is None else now


# The database's clock, in Unix seconds, as an SQL expression (julianday('now') is read once per statement).
# Liveness is written and judged on it alone: every heartbeat stamps it and staleness compares with it, so
# a worker whose own clock runs ahead or behind can neither make a healthy job look stale nor keep a dead
# one looking alive. Use as `COALESCE(?, DB_NOW)` with a `now` parameter, which tests may still set.
DB_NOW = "((julianday('now') - 2440587.5) * 86400.0)"


def db_time(db: sqlite_utils.Database) -> float:
    """The database's clock now (DB_NOW), Unix seconds."""
    return float(db.execute(f"SELECT {DB_NOW}").fetchone()[0])
