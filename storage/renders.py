"""The render cache: recipe hash -> rendered shot file. A hit costs no GPU time."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import sqlite_utils

from storage.db import timestamp
from storage.records import Render


def lookup_render(db: sqlite_utils.Database, recipe_hash: str, *, count_hit: bool = True) -> Render | None:
    """The cached render for this hash, if its file still exists; a row whose file is gone is dropped."""
    row = next(db.query("SELECT * FROM renders WHERE recipe_hash = ?", (recipe_hash,)), None)
    if row is None:
        return None
    if not Path(row["path"]).is_file():
        db.execute("DELETE FROM renders WHERE recipe_hash = ?", (recipe_hash,))
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
    """Store (or replace) the cache entry of a rendered shot: its file, model and GPU seconds."""
    db.execute(
        "INSERT INTO renders (recipe_hash, path, model, gpu_seconds, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(recipe_hash) DO UPDATE SET path = excluded.path, gpu_seconds = excluded.gpu_seconds",
        (recipe_hash, str(path), model, gpu_seconds, timestamp(now)),
    )
    return Render.from_row(next(db.query("SELECT * FROM renders WHERE recipe_hash = ?", (recipe_hash,))))


def cached_hashes(db: sqlite_utils.Database, recipe_hashes: Iterable[str]) -> set[str]:
    """Which of these hashes have a cached file; used to price a request before it is queued."""
    return {h for h in set(recipe_hashes) if lookup_render(db, h, count_hit=False) is not None}
