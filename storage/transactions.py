"""Immediate (write-locking) transactions: beneath the schema's migrations and every store that writes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlite_utils


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
