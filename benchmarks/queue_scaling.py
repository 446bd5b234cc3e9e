"""Queue scaling benchmark: what a deep queue costs the worker's claim, the progress display and a reply.

For 10, 100, 1,000 and 10,000 queued jobs (a mix of heavy and light users, two presets, a fifth of them
final renders, one job running) in a real database, it times, as the best of `--rounds` (the least
disturbed by other programs on a shared machine):

- `claim_next`: a worker's atomic claim (the claim is handed back untimed between rounds);
- `estimates`: `queue_estimates`, every job's position and ETA at once (one delivery tick, one console poll),
  while the queue is unchanged: what every reply, job view and poll after the first pays, as they share
  the prediction kept with the connection (`renderqueue.queue_state`);
- `after change`: the same right after another connection (a front-end in another process) queued one more
  job: the incremental refresh plus a new prediction, what the first view after any change pays;
- `first reply`: `Studio.create` for a new request, from the text to the stored clip, its job and its
  queue position: what a front-end awaits before it answers.

Targets: estimates < 5 ms at 1k and < 50 ms at 10k, claim_next < 10 ms at 10k, first reply < 50 ms at 1k.
Last line: `estimates_10k_ms=<float>`.

    python benchmarks/queue_scaling.py [--sizes 10,100,1000,10000] [--rounds 5]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from renderqueue.estimates import queue_estimates
from renderqueue.jobs import claim_next, enqueue_clip_job, release_job
from storage.aio import AsyncDatabase
from storage.clips import create_clip
from storage.db import open_db
from storage.transactions import transaction
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL
from studio.config import Config
from studio.members import Member
from studio.requests import VideoOptions
from studio.service import Studio

MODELS = ("wan-1.3b", "ltx-video")


def fill(db_path: Path, size: int, seed: int = 7) -> None:
    """`size` queued jobs: a few heavy users hold half the queue, many light users the rest; one running."""
    rng = random.Random(seed)
    db = open_db(db_path)
    db.execute("PRAGMA synchronous=OFF")  # setup only
    heavy = max(1, size // 200)
    with transaction(db):
        for index in range(size + 1):
            user = rng.randrange(heavy) if index % 2 else heavy + rng.randrange(max(1, size // 3))
            model = rng.choice(MODELS)
            clip = create_clip(db, guild_id=1 + user % 50, channel_id=1, author_id=1000 + user,
                               author_name=f"user{user}", request="bench", shot_list={"title": "bench"},
                               recipes=[], model=model, now=index)  # fmt: skip
            enqueue_clip_job(db, clip.id, user_id=1000 + user, guild_id=1 + user % 50, model=model,
                             priority=PRIORITY_FINAL if rng.random() < 0.2 else PRIORITY_DRAFT,
                             cost_estimate=rng.choice([0.0, 150.0, 300.0, 600.0]), now=index)  # fmt: skip
    claim_next(db, "running-worker", loaded_model=MODELS[0])
    db.close()


def enqueue_one(db: sqlite_utils.Database) -> None:
    """One more request queued, by a new member."""
    user = 5_000_000 + db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    with transaction(db):
        clip = create_clip(db, guild_id=1, channel_id=1, author_id=user, author_name="late", request="bench",
                           shot_list={"title": "bench"}, recipes=[], model=MODELS[0])  # fmt: skip
        enqueue_clip_job(db, clip.id, user_id=user, guild_id=1, model=MODELS[0], cost_estimate=150.0)


def best_ms(
    action: Callable[[], object], rounds: int, between: Callable[[], object] = lambda: None
) -> tuple[float, float]:
    """Best wall-clock and best CPU milliseconds of `rounds` runs (CPU time is what other programs on a
    shared machine don't inflate; wall time adds waiting for the disk and for the CPU)."""
    walls, cpus = [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        between()
    return min(walls), min(cpus)


async def first_reply_ms(home: Path, rounds: int) -> float:
    config = Config(home=home, default_model="tiny")
    studio = Studio(config, AsyncDatabase(config.db_path))
    times = []
    try:
        for index in range(rounds + 1):
            member = Member(900_000 + index, f"newcomer{index}", guild_id=999_999, channel_id=1)
            started = time.perf_counter()
            await studio.create(member, "a giant monster walking through New York", VideoOptions(shots=3))
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await studio.aclose()
    return min(times[1:])  # the first call warms caches (fonts, lexicon)


def measure(size: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="reelbot-queue-scaling-") as home:
        config = Config(home=Path(home), default_model="tiny")
        fill(config.db_path, size)
        db = open_db(config.db_path)
        claimed: list[int] = []
        try:
            claim, claim_cpu = best_ms(
                lambda: claimed.append(claim_next(db, "bench-worker", loaded_model=MODELS[1]).id),
                rounds,
                lambda: release_job(db, claimed.pop(), worker_id="bench-worker"),
            )
            queue_estimates(db)
            estimates, estimates_cpu = best_ms(lambda: queue_estimates(db), rounds)
            other = open_db(config.db_path)
            enqueue_one(other)
            changed, changed_cpu = best_ms(lambda: queue_estimates(db), rounds, lambda: enqueue_one(other))
            other.close()
        finally:
            db.close()
        reply = asyncio.run(first_reply_ms(Path(home), rounds))
    return {"claim_next": claim, "claim_cpu": claim_cpu, "estimates": estimates, "estimates_cpu": estimates_cpu,
            "changed": changed, "changed_cpu": changed_cpu, "first_reply": reply}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    print(f"{'queued':>7} {'claim_next ms':>14} {'(cpu)':>7} {'estimates ms':>13} {'(cpu)':>7} "
          f"{'after change ms':>16} {'(cpu)':>7} {'first reply ms':>15}")
    results = {}
    for size in map(int, args.sizes.split(",")):
        results[size] = measure(size, args.rounds)
        row = results[size]
        print(f"{size:>7} {row['claim_next']:>14.2f} {row['claim_cpu']:>7.2f} {row['estimates']:>13.2f} "
              f"{row['estimates_cpu']:>7.2f} {row['changed']:>16.2f} {row['changed_cpu']:>7.2f} "
              f"{row['first_reply']:>15.2f}", flush=True)
    largest = max(results)
    print(f"estimates_{largest // 1000}k_ms={results[largest]['estimates']:.2f}" if largest >= 1000
          else f"estimates_{largest}_ms={results[largest]['estimates']:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
