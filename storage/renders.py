"""The render cache: recipe hash -> rendered shot file. A hit costs no GPU time.

Each entry keeps its file's sha256, taken when the shot was rendered: a file truncated or overwritten
since (a full disk, a crash mid-copy, an operator's mistake) fails the check on reuse, and is dropped so
the shot is rendered again instead of breaking every later clip that uses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import sqlite_utils

from storage.db import timestamp
from storage.records import Render


log = logging.getLogger(__name__)


def file_sha256(path: Path | str) -> str:
    """The file's sha256 as 64 hex digits; raises OSError if it can't be read."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def drop_render(db: sqlite_utils.Database, recipe_hash: str, path: Path | str | None = None) -> None:
    """Forget a cached render and delete its file (if `path` is given), so the shot is rendered again."""
    db.execute("DELETE FROM renders WHERE recipe_hash = ?", (recipe_hash,))
    if path is not None:
        with contextlib.suppress(OSError):
            os.remove(path)


def lookup_render(
    db: sqlite_utils.Database, recipe_hash: str, *, count_hit: bool = True, verify: bool = False
) -> Render | None:
    """The cached render for this hash, if its file still exists; a row whose file is gone is dropped.
    With `verify` (a worker about to reuse the file), a file whose sha256 no longer matches is dropped
    too; a render cached before checksums (`sha256` None) is returned for the caller to probe."""
    row = next(db.query("SELECT * FROM renders WHERE recipe_hash = ?", (recipe_hash,)), None)
    if row is None:
        return None
    if not Path(row["path"]).is_file():
        drop_render(db, recipe_hash)
        return None
    if verify and row.get("sha256") is not None:
        try:
            intact = file_sha256(row["path"]) == row["sha256"]
        except OSError:
            intact = False
        if not intact:
            log.warning("cached render %s (%s) fails its checksum: dropped, it will be rendered again",
                        recipe_hash, row["path"])
            drop_render(db, recipe_hash, row["path"])
            return None
    if count_hit:
        db.execute("UPDATE renders SET hits = hits + 1 WHERE recipe_hash = ?", (recipe_hash,))
    return Render.from_row(row)


def record_render(
    db: sqlite_utils.Database,
    recipe_hash: str,
    path: Path | str,
    *,
    model: str,
    gpu_seconds: float,
    now: float | None = None,
) -> Render:
    """Store (or replace) the cache entry of a rendered shot: its file, model, GPU seconds and the file's
    sha256, taken now (call it once the file is complete). Raises OSError if the file can't be read."""
    db.execute(
        "INSERT INTO renders (recipe_hash, path, model, gpu_seconds, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(recipe_hash) DO UPDATE SET path = excluded.path, gpu_seconds = excluded.gpu_seconds, "
        "sha256 = excluded.sha256",
        (recipe_hash, str(path), model, gpu_seconds, file_sha256(path), timestamp(now)),
    )
    return Render.from_row(next(db.query("SELECT * FROM renders WHERE recipe_hash = ?", (recipe_hash,))))


def cached_hashes(db: sqlite_utils.Database, recipe_hashes: Iterable[str]) -> set[str]:
    """Which of these hashes have a cached file; used to price a request before it is queued."""
    return {h for h in set(recipe_hashes) if lookup_render(db, h, count_hit=False) is not None}


def cached_paths(db: sqlite_utils.Database, recipe_hashes: Iterable[str]) -> dict[str, Path]:
    """The cached file of each of these hashes that has one on disk, by hash. Read only: a row whose file
    is gone is left for `lookup_render` to drop."""
    found: dict[str, Path] = {}
    for recipe_hash in set(recipe_hashes):
        row = next(db.query("SELECT path FROM renders WHERE recipe_hash = ?", (recipe_hash,)), None)
        if row is not None and Path(row["path"]).is_file():
            found[recipe_hash] = Path(row["path"])
    return found
