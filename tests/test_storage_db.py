"""Opening the database: several processes and threads create it at the same moment on first start."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from storage.db import open_db
from storage.schema import SCHEMA_VERSION, schema_version


def _open_and_report(path: str) -> tuple[str, int]:
    db = open_db(path)
    try:
        return db.execute("PRAGMA journal_mode").fetchone()[0], schema_version(db)
    finally:
        db.close()


def test_concurrent_first_opens_all_succeed_in_wal_mode(tmp_path: Path) -> None:
    for attempt in range(5):
        path = str(tmp_path / f"fresh-{attempt}.sqlite3")
        context = multiprocessing.get_context("spawn" if attempt == 0 else "fork")
        with context.Pool(3) as processes, ThreadPoolExecutor(3) as threads:
            from_processes = processes.map_async(_open_and_report, [path] * 3)
            from_threads = list(threads.map(_open_and_report, [path] * 3))
            results = from_threads + from_processes.get(timeout=60)
        assert results == [("wal", SCHEMA_VERSION)] * 6
