"""Atomic writes and content-addressed files."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from common.files import store_by_content, write_atomically


def test_write_atomically_replaces_whole_files_and_leaves_no_staging(tmp_path: Path) -> None:
    path = write_atomically(tmp_path / "new" / "a.bin", b"first")
    write_atomically(path, b"second")
    assert path.read_bytes() == b"second"
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.bin"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = write_atomically(tmp_path / "a.bin", b"old")
    with pytest.raises(TypeError):
        write_atomically(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_equal_contents_share_one_file_named_by_their_hash(tmp_path: Path) -> None:
    first = store_by_content(b"frame", tmp_path)
    assert store_by_content(b"frame", tmp_path) == first
    assert first.name == hashlib.sha256(b"frame").hexdigest() + ".png"
    assert store_by_content(b"other", tmp_path) != first
