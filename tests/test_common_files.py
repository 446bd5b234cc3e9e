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


KILLED_MID_ENCODE = """
import sys, time, av, numpy as np
from pathlib import Path
from generation.encoding import _Writer
with _Writer(Path(sys.argv[1]), 8, 64, 64) as writer:
    print("writing", flush=True)
    while True:
        writer.write(av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24"))
        time.sleep(0.05)
"""


def test_start_up_removes_what_killed_writers_left_and_keeps_live_ones(tmp_path: Path, tiny_models_dir: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from common.files import LEGACY_STAGING_AGE_S, staging_path
    from studio.runtime import open_studio
    from studio_fixtures import make_config

    config = make_config(tmp_path / "home", tiny_models_dir)
    clips = config.media_dir / "clips"
    clips.mkdir(parents=True)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_MID_ENCODE, str(clips / "clip-1.mp4")],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    deadline = time.monotonic() + 30
    while not any(clips.iterdir()) and time.monotonic() < deadline:  # the muxer opens its file lazily
        time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    [left] = list(clips.iterdir())  # the encoder's staging file, named for its dead process
    live = staging_path(clips / "clip-2.mp4")  # this process is writing it right now
    live.write_bytes(b"partial")
    old, fresh = clips / "tmpabcd1234.mp4", clips / "tmpwxyz9876.mp4"  # older versions' mkstemp names
    for path in (old, fresh):
        path.write_bytes(b"")
    os.utime(old, (time.time() - LEGACY_STAGING_AGE_S - 60,) * 2)
    kept = clips / "clip-3.mp4"
    kept.write_bytes(b"a finished clip")

    studio = open_studio(config)
    try:
        assert sorted(p.name for p in clips.iterdir()) == sorted([live.name, fresh.name, kept.name])
        assert left.name.startswith(".staging-") and not left.exists()
    finally:
        import asyncio

        asyncio.run(studio.aclose())
