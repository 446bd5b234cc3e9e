"""Chaos benchmark: render workers killed with SIGKILL at random points lose nothing and finish nothing twice.

Several clips are queued (2-3 shots each, tiny preset on CPU). Then, `--rounds` times, a real worker process
is started exactly as `reelbot run` starts one (`python -m studio.worker_process --home ...`) and killed with
`kill -9` at a random point: mostly while it renders a job (a random moment after its claim, so kills land
in the denoise, the encodes, the stitch, the storyboard or the completion), sometimes during its start-up.
After the last round one worker drains the queue and is stopped. Checks, per queued clip:

- its request finished exactly once: one job row, `done`, and the clip `ready` (a kill is no failure of
  the job: `renderqueue.jobs.requeue_vanished` gives the attempt back);
- its mp4 decodes (every frame, with PyAV) to the planned frame count, and its storyboard exists.

Then `--frontend-rounds` rounds kill the front-ends instead (benchmarks/chaos_frontends.py): half of them
`reelbot chat`, half the Discord bot against the loopback Discord, each killed at a random point while
requests arrive (in Discord a third of them just after a clip upload began), with one worker rendering
throughout; a last front-end of each kind finishes what is left.

Prints each round and each clip; last line `chaos_lost=<clips or requests that did not end well>
chaos_duplicates=<requests finished twice or clips posted twice>`.

    python benchmarks/chaos.py                      # 50 worker kills, 50 front-end kills: ~25 min on 2 cores
    python benchmarks/chaos.py --rounds 2 --clips 2 --frontend-rounds 2  # the quick variant of tests/test_chaos.py
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av

import chaos_frontends
from generation.registry import get_preset
from renderqueue.jobs import enqueue_clip_job
from renderqueue.scheduler import job_cost
from storage.clips import create_clip
from storage.db import open_db

from storage.transactions import transaction

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = ("a red kite over a green hill", "a paper boat on a rainy street", "a lighthouse at dusk",
           "a fox running through snow", "a bicycle leaning on a wall", "a kettle steaming on a stove")  # fmt: skip
SETTINGS = (
    '[worker]\ndevice = "cpu"\npoll_interval_s = 0.05\nheartbeat_interval_s = 0.2\nstale_after_s = 5\n'
    "retry_backoff_s = 0.2\nretry_backoff_max_s = 1.0\n"
)


@dataclass(frozen=True)
class Planned:
    clip_id: int
    frames: int


def queue_clips(db_path: Path, count: int, rng: random.Random) -> list[Planned]:
    """`count` clips of 2-3 tiny shots each, queued as the studio queues them (clip and job together)."""
    db = open_db(db_path)
    tiny = get_preset("tiny")
    planned = []
    try:
        for index in range(count):
            recipes = [
                tiny.recipe(rng.choice(PROMPTS), "", seed=rng.randrange(10**6), duration=rng.choice([0.6, 1.1]))
                for _ in range(rng.choice([2, 3]))
            ]
            with transaction(db):
                clip = create_clip(db, guild_id=1, channel_id=1, author_id=100 + index, author_name=f"m{index}",
                                   request="chaos", shot_list={"title": f"chaos {index}"},
                                   recipes=[recipe.to_dict() for recipe in recipes], model="tiny",
                                   transport="chaos")  # no front-end delivers these  # fmt: skip
                enqueue_clip_job(db, clip.id, user_id=100 + index, guild_id=1, model="tiny",
                                 cost_estimate=job_cost(recipes, set()))  # fmt: skip
            planned.append(Planned(clip.id, sum(recipe.num_frames for recipe in recipes)))
    finally:
        db.close()
    return planned


def start_worker(home: Path, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "studio.worker_process", "--home", str(home), "--config", str(home / "reelbot.toml"),
               "--log-level", "WARNING"]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def _running_job(db_path: Path, pid: int) -> bool:
    db = open_db(db_path)
    try:
        return db.execute("SELECT 1 FROM jobs WHERE status = 'running' AND worker_id LIKE ?",
                          (f"%:{pid}",)).fetchone() is not None  # fmt: skip
    finally:
        db.close()


def _unfinished(db_path: Path) -> int:
    db = open_db(db_path)
    try:
        return db.execute("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')").fetchone()[0]
    finally:
        db.close()


def kill_round(home: Path, log: Path, rng: random.Random, *, start_timeout_s: float = 120.0) -> str:
    """Start a worker and SIGKILL it at a random point; returns where the kill landed."""
    worker = start_worker(home, log)
    try:
        if rng.random() < 0.2:  # during start-up (imports, orphan re-queue, the model load)
            time.sleep(rng.uniform(0.0, 3.0))
            where = "start-up"
        else:
            deadline = time.monotonic() + start_timeout_s
            while not _running_job(home / "reelbot.sqlite3", worker.pid) and worker.poll() is None:
                if time.monotonic() > deadline or _unfinished(home / "reelbot.sqlite3") == 0:
                    break
                time.sleep(0.02)
            delay = rng.uniform(0.0, 2.5)
            time.sleep(delay)
            where = f"{delay:.2f}s into a job"
        if worker.poll() is not None:
            return f"worker exited by itself ({worker.returncode})"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        return where
    finally:
        if worker.poll() is None:
            worker.kill()


def drain(home: Path, log: Path, timeout_s: float) -> None:
    worker = start_worker(home, log)
    try:
        deadline = time.monotonic() + timeout_s
        while _unfinished(home / "reelbot.sqlite3") and time.monotonic() < deadline:
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()


def decoded_frames(path: str) -> int:
    """Every frame decoded (not the container's count), so a damaged file can't pass."""
    with av.open(path) as container:
        return sum(1 for _ in container.decode(video=0))


def check(db_path: Path, planned: list[Planned]) -> list[str]:
    """One line per clip: "ok ..." or what is wrong with it."""
    db = open_db(db_path)
    lines = []
    try:
        for plan in planned:
            jobs = db.execute("SELECT status, attempts, vanished FROM jobs WHERE clip_id = ?", (plan.clip_id,)).fetchall()
            clip = db.execute("SELECT status, video_path, storyboard_path FROM clips WHERE id = ?",
                              (plan.clip_id,)).fetchone()  # fmt: skip
            problem = ""
            if [job[0] for job in jobs] != ["done"] or clip[0] != "ready":
                problem = f"jobs {jobs}, clip {clip[0]}"
            else:
                try:
                    frames = decoded_frames(clip[1])
                except (OSError, av.error.FFmpegError) as error:
                    frames, problem = -1, f"video does not decode: {error}"
                if not problem and frames != plan.frames:
                    problem = f"{frames} frames decoded, {plan.frames} planned"
                if not problem and not Path(clip[2]).is_file():
                    problem = "no storyboard"
            status = f"LOST: {problem}" if problem else f"ok ({plan.frames} frames, attempts {jobs[0][1]}, " \
                f"workers lost {jobs[0][2]})"
            lines.append(f"clip #{plan.clip_id}: {status}")
    finally:
        db.close()
    return lines


def run(home: Path, *, rounds: int, clips: int, seed: int, models: Path | None, drain_timeout_s: float,
        frontend_rounds: int = 0) -> int:
    rng = random.Random(seed)
    (home / "reelbot.toml").write_text(SETTINGS)
    if models is not None:
        (home / "models").symlink_to(models.resolve(), target_is_directory=True)
    planned = queue_clips(home / "reelbot.sqlite3", clips, rng)
    log = home / "workers.log"
    print(f"{clips} clips queued; {rounds} rounds of kill -9", flush=True)
    for number in range(1, rounds + 1):
        where = kill_round(home, log, rng)
        print(f"round {number:>3}: killed {where}; {_unfinished(home / 'reelbot.sqlite3')} clip(s) unfinished", flush=True)
    drain(home, log, drain_timeout_s)
    lines = check(home / "reelbot.sqlite3", planned)
    print("\n".join(lines))
    lost = sum(line.split(": ", 1)[1].startswith("LOST") for line in lines)
    if lost:
        print(f"worker log tail:\n{log.read_text(errors='replace')[-3000:]}")
    duplicates = 0
    if frontend_rounds:
        found = front_end_kills(home, frontend_rounds, rng, drain_timeout_s)
        for line in [*found.lost, *found.duplicates]:
            print(f"front-ends: {line}")
        lost, duplicates = lost + len(found.lost), len(found.duplicates)
    print(f"chaos_lost={lost} chaos_duplicates={duplicates}")
    return 0


def front_end_kills(home: Path, rounds: int, rng: random.Random, drain_timeout_s: float) -> chaos_frontends.Tally:
    """`rounds` front-end kills, console first then Discord, with one worker rendering throughout."""
    # Front-ends start no workers of their own (the one started here renders) and serve no gallery.
    (home / "reelbot.toml").write_text(f'default_model = "tiny"\nworkers = 0\n{SETTINGS}\n[gallery]\nenabled = false\n'
                                       '\n[expander]\nbackend = "rules"\n')
    log = home / "front-ends.log"
    worker = start_worker(home, home / "workers.log")
    try:
        console = chaos_frontends.console_rounds(home, rounds // 2, rng, log, drain_timeout_s)
        chat = asyncio.run(chaos_frontends.discord_rounds(home, rounds - rounds // 2, rng, log, drain_timeout_s))
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
    found = chaos_frontends.Tally(console.lost + chat.lost, console.duplicates + chat.duplicates)
    if found.lost or found.duplicates:
        print(f"front-end log tail:\n{log.read_text(errors='replace')[-3000:]}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--models", type=Path, help="a folder of models to use (default: the tiny preset, built)")
    parser.add_argument("--home", type=Path, help="data folder to keep (default: a temporary one)")
    parser.add_argument("--drain-timeout", type=float, default=600.0, help="seconds for the last worker to finish")
    parser.add_argument("--frontend-rounds", type=int, default=50,
                        help="front-end kills after the worker kills: half console, half Discord")
    args = parser.parse_args(argv)
    options = dict(rounds=args.rounds, clips=args.clips, seed=args.seed, models=args.models,
                   drain_timeout_s=args.drain_timeout, frontend_rounds=args.frontend_rounds)  # fmt: skip
    if args.home:
        args.home.mkdir(parents=True, exist_ok=True)
        return run(args.home, **options)
    with tempfile.TemporaryDirectory(prefix="reelbot-chaos-") as home:
        return run(Path(home), **options)


if __name__ == "__main__":
    raise SystemExit(main())
