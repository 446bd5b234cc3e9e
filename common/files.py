"""Writing files that other processes read while they are written: atomically, and named by content."""
from __future__ import annotations

import glob
import hashlib
import os
import threading
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to `path` so that readers see the old file or the whole new one, never a part
    (a staging file in the same folder, then `os.replace`). Creates the folder. Returns `path`.
    Raises OSError (full disk, no permission)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        staging.write_bytes(data)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    return path


def store_by_content(data: bytes, directory: Path, *, suffix: str = ".png") -> Path:
    """Keep `data` once under `directory`, named by its SHA-256 (`<64 hex digits><suffix>`): equal
    contents share one file, and a path names its content for good. Returns the path. Raises OSError."""
    path = directory / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    return path if path.is_file() else write_atomically(path, data)


def derived_path(path: Path, what: str) -> Path:
    """Where a file made from `path` is kept: beside it, named `<name>.<what>` (`clip.mp4.poster.jpg`), so
    `remove_with_derived` finds it."""
    return path.with_name(f"{path.name}.{what}")


def remove_with_derived(path: Path) -> None:
    """Remove `path` and every file derived from it (`derived_path`); missing files are fine."""
    path = Path(path)
    for found in [path, *path.parent.glob(f"{glob.escape(path.name)}.*")]:
        found.unlink(missing_ok=True)
