"""Writing files that other processes read while they are written: atomically, and named by content.

Every file is written under a staging name first (`staging_path`) and then renamed into place. A process
killed mid-write (kill -9, the OOM killer, a power cut) leaves its staging file behind; `sweep_staging`,
run when a front-end or worker starts, removes those whose process is gone.
"""
from __future__ import annotations

import errno
import glob
import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"
_STAGING = re.compile(rf"^{re.escape(STAGING_PREFIX)}(\d+)-[0-9a-f]+-")
# Names older versions staged under, without an owner we can check (tempfile.mkstemp's `tmpXXXXXXXX.mp4`,
# `.name.<pid>.<thread>.tmp`): removed once older than any write takes.
_LEGACY_STAGING = re.compile(r"^(?:tmp[a-z0-9_]{8}\.(?:mp4|png)|\..+\.\d+\.\d+\.tmp|.+\.\d+-\d+\.tmp)$")
LEGACY_STAGING_AGE_S = 3600.0


def staging_path(path: Path) -> Path:
    """A fresh hidden name beside `path` to write it under before `os.replace`:
    `.staging-<pid>-<random>-<name>`, keeping the suffix (libraries infer formats from it) and naming the
    owning process, so `sweep_staging` knows when it is left over. The file is not created."""
    path = Path(path)
    return path.with_name(f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{path.name}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno == errno.EPERM  # exists, owned by another user
    return True


def sweep_staging(folders: Iterable[Path], *, recursive: bool = True) -> int:
    """Remove staging files left in `folders` by processes that are gone (and older versions' staging
    files past LEGACY_STAGING_AGE_S). Safe while other processes write: a live owner's files are kept.
    Returns how many were removed; errors reading or removing are logged, never raised."""
    removed = 0
    now = time.time()
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        try:
            paths = list(folder.rglob("*") if recursive else folder.iterdir())
        except OSError as error:
            log.warning("could not look for left-over staging files in %s: %s", folder, error)
            continue
        for path in paths:
            owner = _STAGING.match(path.name)
            try:
                if owner is not None:
                    stale = not _alive(int(owner.group(1)))
                else:
                    stale = bool(_LEGACY_STAGING.match(path.name)) and now - path.stat().st_mtime > LEGACY_STAGING_AGE_S
                if stale and path.is_file():
                    path.unlink()
                    removed += 1
            except OSError as error:
                log.warning("could not remove the left-over staging file %s: %s", path, error)
    if removed:
        log.info("removed %d staging file(s) left by processes that were killed mid-write", removed)
    return removed


def write_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to `path` so that readers see the old file or the whole new one, never a part
    (a staging file in the same folder, then `os.replace`). Creates the folder. Returns `path`.
    Raises OSError (full disk, no permission)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(path)
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
