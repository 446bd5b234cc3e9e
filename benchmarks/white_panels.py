"""White-panel check: `reelbot generate` on every tiny preset, each storyboard panel against its shot.

For each tiny preset this runs the real command line (`reelbot generate REQUEST --model NAME`, a shot
length that makes trimmed and segmented shots), reads the storyboard it printed and compares each panel,
pixel by pixel, with the middle frame decoded from its shot's file (`generation.storyboard_check`): a
panel that is one flat colour or nearer another frame than its own counts. One line per preset with
each panel's mean absolute difference to its frame and its spread, then `white_panels=<count>` (0 is
right: before the frame-form fix every trimmed or segmented shot's panel was blank white).

    python benchmarks/white_panels.py                  # every tiny preset, ~1 minute on 2 cores
    python benchmarks/white_panels.py --presets tiny-ltx --duration 5
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import sqlite_utils

from generation.recipe import ShotRender
from generation.registry import PRESETS, clip_models
from generation.storyboard_check import check_panels
from storage.renders import cached_paths

REQUEST = "a lighthouse keeper climbs the stairs on a stormy night"


def generate(preset: str, home: Path, args: argparse.Namespace) -> tuple[Path, Path]:
    """Run `reelbot generate` as a member would; (video, storyboard) from what it printed."""
    command = [sys.executable, "-m", "bot.cli", "generate", REQUEST, "--model", preset, "--home", str(home),
               "--shots", str(args.shots), "--duration", str(args.duration), "--seed", str(args.seed)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"reelbot generate failed on {preset}:\n{done.stderr[-2000:]}")
    video, storyboard = done.stdout.strip().splitlines()[-2:]
    return Path(video), Path(storyboard)


def shot_files(home: Path, video: Path) -> list[Path]:
    """The clip's shot files, in order, from its recipes and the render cache."""
    db = sqlite_utils.Database(home / "reelbot.sqlite3")
    try:
        [row] = db.execute("SELECT recipes FROM clips WHERE video_path = ?", (str(video),)).fetchall()
        hashes = [ShotRender.from_dict(recipe).content_hash() for recipe in json.loads(row[0])]
        paths = cached_paths(db, hashes)
        return [paths[recipe_hash] for recipe_hash in hashes]
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tiny = sorted(name for name in clip_models() if PRESETS[name].local)
    parser.add_argument("--presets", nargs="+", default=tiny, choices=tiny)
    parser.add_argument("--shots", type=int, default=3)
    # 3 shots of 1.33 s: trimmed to their planned frames on every tiny preset, segmented on some.
    parser.add_argument("--duration", type=float, default=4.0, help="clip seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", type=Path, help="data folder to keep (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelbot-white-panels-") as scratch:
        home = args.home or Path(scratch)
        white = 0
        for preset in args.presets:
            video, storyboard = generate(preset, home, args)
            reports = check_panels(storyboard, shot_files(home, video))
            faults = [report.fault for report in reports if report.fault]
            white += len(faults)
            figures = "  ".join(f"panel {r.index + 1}: diff {r.difference:.1f} spread {r.spread:.1f}" for r in reports)
            print(f"{preset:<15} {storyboard}\n{'':<15} {figures}")
            for fault in faults:
                print(f"{'':<15} FAULT {fault}")
    print(f"white_panels={white}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
