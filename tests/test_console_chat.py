"""`reelbot chat` end to end: typed lines in, progress and file paths out, rendered by a worker process."""
from __future__ import annotations

import io
import re

from bot.console import chat
from generation.encoding import probe
from studio.config import Config


async def test_chat_renders_a_request_and_a_remix_in_worker_processes(config: Config) -> None:
    typed = io.StringIO(
        "a lighthouse in a storm at night, 2 shots, 4 seconds\n"
        "/as bob\n"
        "/remix 1 reroll 2\n"
        "/lineage 2\n"
        "/nonsense\n"
        "/quit\n"
    )
    out = io.StringIO()

    assert await chat(config, stdin=typed, out=out) == 0

    text = out.getvalue()
    # Progress between the plan and the result: where each clip stands, shot by shot, each line news (a tiny
    # clip may render between two polls, so some clip, not necessarily the first, shows its shots).
    progress = re.findall(r"^\[[# ]{20}\] +\d+% (clip #\d+ · .+)$", text, flags=re.MULTILINE)
    assert any("Rendering shot" in line for line in progress), text
    for clip in ("#1", "#2"):
        mine = [line for line in progress if line.startswith(f"clip {clip} ")]
        assert mine and all(a != b for a, b in zip(mine, mine[1:])), progress
    assert "unknown command /nonsense" in text
    assert "you are now bob" in text
    assert "remix of alice" not in text  # the console user is not alice
    assert "remix of" in text and "#2" in text
    videos = re.findall(r"^video: (.+)$", text, flags=re.MULTILINE)
    assert len(videos) == 2
    for video in videos:
        assert probe(video).frame_count > 0
