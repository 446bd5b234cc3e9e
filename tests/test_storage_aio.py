from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
from storage_fixtures import make_clip

from storage.aio import AsyncDatabase
from storage.clips import get_clip
from common.errors import NotFound


# A query that keeps SQLite busy for a while without sleeping in Python.
SLOW_SQL = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT COUNT(*) FROM n"


async def test_calls_run_functions_on_the_database(db_path):
    async with AsyncDatabase(db_path) as adb:
        clip = await adb.write(make_clip, author_id=7)
        assert (await adb.read(get_clip, clip.id)).author_id == 7
        with pytest.raises(NotFound) as raised:
            await adb.read(get_clip, 12345)
        assert "#12345" in raised.value.user_message


async def test_slow_query_does_not_block_the_event_loop(db_path):
    async with AsyncDatabase(db_path) as adb:
        await adb.read(lambda db: None)  # open the connection first
        gaps: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticking = asyncio.create_task(ticker())
        started = time.perf_counter()
        count = await adb.read(lambda db: db.execute(SLOW_SQL, (3_000_000,)).fetchone()[0])
        elapsed = time.perf_counter() - started
        done.set()
        await ticking
    assert count == 3_000_000
    assert elapsed > 0.3, "the query must be slow enough for the test to mean something"
    assert len(gaps) > 10
    assert max(gaps) < 0.15


async def test_writes_share_one_thread_in_submission_order(db_path):
    async with AsyncDatabase(db_path) as adb:
        seen: list[tuple[int, str]] = []

        def note(db, index: int) -> None:
            seen.append((index, threading.current_thread().name))

        await asyncio.gather(*(adb.write(note, i) for i in range(20)))
    assert [index for index, _ in seen] == list(range(20))
    assert len({name for _, name in seen}) == 1
    assert seen[0][1] != threading.current_thread().name


async def test_a_write_that_raises_keeps_nothing(db_path):
    async with AsyncDatabase(db_path) as adb:

        def half_done(db) -> None:
            make_clip(db, author_id=8)
            raise RuntimeError("crash after the insert")

        with pytest.raises(RuntimeError):
            await adb.write(half_done)
        assert await adb.read(lambda db: db["clips"].count) == 0


async def test_reads_cannot_write(db_path):
    async with AsyncDatabase(db_path) as adb:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await adb.read(make_clip, author_id=9)
        assert await adb.read(lambda db: db["clips"].count) == 0


async def test_a_read_runs_beside_a_slow_read(db_path):
    async with AsyncDatabase(db_path, readers=2) as adb:
        await adb.write(make_clip, author_id=10)
        slow = asyncio.create_task(adb.read(lambda db: db.execute(SLOW_SQL, (3_000_000,)).fetchone()[0]))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        assert await adb.read(lambda db: db["clips"].count) == 1
        quick = time.perf_counter() - started
        assert not slow.done(), "the quick read finished while the slow one was still running"
        await slow
    assert quick < 0.3
