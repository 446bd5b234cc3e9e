"""Async access to the database: every call runs on one dedicated thread that owns its connection."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlite_utils

from storage.db import open_db

P = ParamSpec("P")
T = TypeVar("T")


class AsyncDatabase:
    """`await adb.call(fn, *args, **kw)` runs `fn(db, *args, **kw)` off the event loop.

    One thread means calls run in submission order and never contend with each other for the
    connection; SQLite serialises writers anyway, so more threads would only add lock waits.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reelbot-db")
        self._db: sqlite_utils.Database | None = None

    def _run(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        if self._db is None:
            self._db = open_db(self.path)
        return fn(self._db, *args, **kwargs)

    async def call(
        self, fn: Callable[Concatenate[sqlite_utils.Database, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(self._run, fn, args, kwargs))

    def _close_db(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def close(self) -> None:
        """Finish queued calls, then close the connection on its own thread."""
        self._executor.submit(self._close_db).result()
        self._executor.shutdown(wait=True)

    async def __aenter__(self) -> "AsyncDatabase":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)
