"""Opening the database and running immediate (write-locking) transactions."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

# How long a writer waits for another process's lock before giving up; renders write progress while the
# bot inserts requests, so short waits are normal and must not surface as errors.
BUSY_TIMEOUT_S = 30.0


def open_db(path: Path | str, *, any_thread: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the Reelbot database: WAL, foreign keys, busy timeout, migrated.

    `any_thread` lets another thread than the opener use (and close) the connection; it must still be
    used by one thread at a time."""
    from storage.schema import migrate

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


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    Read-then-write sequences (claiming a job, checking a queue limit) must not interleave with another
    process's writes; a deferred BEGIN would only lock at the first write and could act on stale reads.
    Nested use becomes a savepoint of the outer transaction, so callers can compose storage functions
    (create a clip and enqueue its job) into one atomic unit.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    try:
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def timestamp(now: float | None = None) -> float:
    """Storage timestamps are Unix seconds; functions take `now` so tests and simulations control time."""
    return time.time() if now is None else now
