"""Chaos, quick variants (the long one: benchmarks/chaos.py, 50 rounds of each): worker processes killed with
kill -9 at random points while clips are queued, every clip finishing exactly once and decoding whole; and the
front-ends (`reelbot chat`, the Discord bot) killed while requests arrive and clips are delivered, nothing lost
and nothing posted twice."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def chaos(home: Path, models: Path, *options: str) -> list[str]:
    """benchmarks/chaos.py's output lines, after checking it ended with nothing lost and nothing twice."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "chaos.py"), "--models", str(models), "--home", str(home),
         *options], capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "chaos_lost=0 chaos_duplicates=0", result.stdout[-3000:]
    return lines


def test_workers_killed_at_random_points_lose_nothing(tmp_path, tiny_models_dir):
    lines = chaos(tmp_path / "home", tiny_models_dir, "--rounds", "2", "--clips", "2", "--seed", "3",
                  "--drain-timeout", "120", "--frontend-rounds", "0")
    assert sum(line.startswith("round") and "killed" in line for line in lines) == 2
    clips = [line for line in lines if line.startswith("clip #")]
    assert len(clips) == 2 and all(": ok (" in line for line in clips)


def test_front_ends_killed_while_requests_arrive_lose_nothing_and_post_nothing_twice(tmp_path, tiny_models_dir):
    lines = chaos(tmp_path / "home", tiny_models_dir, "--rounds", "0", "--clips", "0", "--seed", "11",
                  "--drain-timeout", "180", "--frontend-rounds", "2")
    assert [line.split()[0] for line in lines if "round" in line and "killed" in line] == ["console", "discord"]
