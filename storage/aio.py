"""Async access to the database, with reads and writes split (datasette's execute_fn / execute_write_fn).

- `await adb.read(fn, *args)` runs `fn(db, *args)` on one of a few reader connections: WAL lets readers
  run beside each other and beside the writer. Reader connections are `query_only`, so a read that would
  write fails loudly instead of racing the writer.
- `await adb.write(fn, *args)` runs `fn(db, *args)` on the one writer thread, inside a transaction the
  writer owns (BEGIN IMMEDIATE ... COMMIT, rolled back if `fn` raises). Writes run one at a time, in the
  order they were submitted; `fn` never opens a transaction of its own (storage functions that do become
  savepoints of the writer's).
"""

from __future__ import annotations

import asyncio
import sqlite3
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlite_utils

from storage.db import LOCK_WAIT_S, StorageFull, is_full, open_db, while_locked

from storage.transactions import transaction

log = logging.getLogger(__name__)


def _log_wait(state: Any) -> None:
    log.warning("database locked by another program; retrying (waited %.1fs so far)", state.seconds_since_start)

P = ParamSpec("P")
T = TypeVar("T")

# Enough for the bot's reads (queue views, clip pages, settings) to not wait behind each other; SQLite
# readers scale with cores, and these machines have few.
DEFAULT_READERS = 2


class AsyncDatabase:
    """The database of one front-end process. `path`: the SQLite file; `readers`: reader connections;
    `lock_wait_s`: how long a call retries, with backoff, while another program holds the database,
    before it raises `storage.db.DatabaseBusy` (a ReelbotError the member sees)."""

    def __init__(
        self, path: Path | str, *, readers: int = DEFAULT_READERS, lock_wait_s: float = LOCK_WAIT_S
    ) -> None:
        self.path = Path(path)
        # How long a call keeps retrying while another program holds the database (then DatabaseBusy).
        self.lock_wait_s = lock_wait_s
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reelbot-db-write")
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="reelbot-db-read")
        self._local = threading.local()
        self._opened: list[sqlite_utils.Database] = []
        self._opened_lock = threading.Lock()

    def _connection(self, *, query_only: bool) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            # Opening migrates, so it happens before query_only is set; `close` runs on another thread.
            db = open_db(self.path, any_thread=True)
            if query_only:
                db.execute("PRAGMA query_only = ON")
            self._local.db = db
            with self._opened_lock:
                self._opened.append(db)
        return db

    def _read(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        for attempt in while_locked(self.lock_wait_s, on_retry=_log_wait):
            with attempt:
                return fn(self._connection(query_only=True), *args, **kwargs)
        raise AssertionError("unreachable: while_locked returns or raises")

    def _write(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        # A transaction that hit another program's lock was rolled back whole, so running it again is safe.
        try:
            for attempt in while_locked(self.lock_wait_s, on_retry=_log_wait):
                with attempt:
                    db = self._connection(query_only=False)
                    with transaction(db):
                        return fn(db, *args, **kwargs)
        except sqlite3.OperationalError as error:
            if not is_full(error):
                raise
            log.error("the database at %s is full (%s): free disk space", self.path, error)
            raise StorageFull(
                "Reelbot's disk is full, so that couldn't be saved. Nothing was lost; please try again once the "
                "operator has made room.", detail=str(error),
            ) from error
        raise AssertionError("unreachable: while_locked returns or raises")

    async def read(
        self, fn: Callable[Concatenate[sqlite_utils.Database, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `fn(db, *args, **kwargs)` on a reader connection; raises what `fn` raises (sqlite3's
        OperationalError "attempt to write a readonly database" if it writes)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, functools.partial(self._read, fn, args, kwargs))

    async def write(
        self, fn: Callable[Concatenate[sqlite_utils.Database, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run `fn(db, *args, **kwargs)` in one write transaction; nothing of it is kept if it raises."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, functools.partial(self._write, fn, args, kwargs))

    def close(self) -> None:
        """Finish queued calls, then close every connection."""
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        with self._opened_lock:
            for db in self._opened:
                db.close()
            self._opened.clear()

    async def __aenter__(self) -> "AsyncDatabase":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)
