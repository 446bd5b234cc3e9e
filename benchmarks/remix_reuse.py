"""Remix reuse benchmark: a one-shot remix against the 3-shot clip it remixes (target <= 0.34x).

Runs the production path end to end in this process: `Studio.create` queues a 3-shot clip, the worker's
`process_job` renders it, `studio.remix.remix` queues "shot 2: ..." and the worker renders that. Two
figures per pair: the whole job (`process_job`'s wall time: render, encodes, stitch, storyboard,
completion; the model is loaded beforehand) and GPU time alone (`ClipOutput.gpu_seconds`, wall time
inside render calls). The two unchanged shots of the remix come from the render cache, so only one shot
is rendered. Each repeat uses a fresh seed (nothing cached across repeats); a first, uncounted round
warms up. Last line: `remix_job_ratio=<median whole-job ratio>`.

    python benchmarks/remix_reuse.py                       # tiny preset on CPU, a few seconds
    python benchmarks/remix_reuse.py --model wan-1.3b --device cuda --models /path/to/models --repeats 2
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from generation.pipelines import PipelineCache
from generation.registry import PRESETS
from renderqueue.settings import WorkerSettings
from renderqueue.rendering import process_job
from renderqueue.worker_config import WorkerConfig
from storage.aio import AsyncDatabase
from storage.db import open_db
from renderqueue.jobs import claim_next
from studio.config import Config
from studio.remix import parse_change, remix
from studio.members import Member
from studio.requests import VideoOptions
from studio.service import Studio

REQUEST = "a giant monster walking through New York at sunset"
CHANGE = "shot 2: the monster stops and roars at the sky"


@dataclass(frozen=True)
class Run:
    job_seconds: float
    gpu_seconds: float
    rendered: int
    reused: int


class InProcessWorker:
    def __init__(self, config: WorkerConfig, pipelines: PipelineCache) -> None:
        self.config, self.pipelines = config, pipelines
        self.db = open_db(config.db_path)

    def run_next(self) -> Run:
        job = claim_next(self.db, self.config.worker_id, loaded_model=None)
        if job is None:
            raise RuntimeError("nothing queued")
        started = time.perf_counter()
        out = process_job(self.db, job, self.pipelines, self.config, threading.Event())
        seconds = time.perf_counter() - started
        status, error = self.db.execute("SELECT status, error FROM jobs WHERE id = ?", (job.id,)).fetchone()
        if status != "done" or out is None:
            raise RuntimeError(f"job {job.id} {status}: {error}")
        return Run(seconds, out.gpu_seconds, out.rendered, out.reused)


async def bench(args: argparse.Namespace, home: Path) -> int:
    models_dir = args.models or home / "models"
    config = Config(home=home, default_model=args.model)
    studio = Studio(config, AsyncDatabase(config.db_path))
    pipelines = PipelineCache(models_dir, device=args.device)
    if pipelines.device == "cpu" and args.threads:
        # Render threads fighting other programs for a few shared cores make timings swing tenfold.
        torch.set_num_threads(args.threads)
    worker = InProcessWorker(
        WorkerConfig(db_path=config.db_path, media_dir=config.media_dir, models_dir=models_dir,
                     settings=WorkerSettings(device=args.device, job_timeout_s=3600.0)),
        pipelines,
    )
    alice, bob = Member(1, "alice", 1, 1), Member(2, "bob", 1, 1)
    print(f"model {args.model} on {pipelines.device}; {args.repeats} repeat(s); remix: {CHANGE!r}")
    print(f"{'seed':>6} {'job s':>7} {'remix':>7} {'ratio':>6} {'gpu s':>7} {'remix':>7} {'ratio':>6}  "
          "shots rendered/reused (reused when queued)")
    pipelines.get(args.model)  # loaded before the clock starts, as in a warm worker
    ratios, gpu_ratios = [], []
    try:
        # The first round loads the model and warms up kernels and allocators; it is shown, not counted.
        for seed in range(args.seed - 1, args.seed + args.repeats):
            options = VideoOptions(shots=3, seed=seed, duration=args.duration)
            accepted = await studio.create(alice, REQUEST, options)
            original = worker.run_next()
            remixed_at = await remix(studio, bob, accepted.clip.id, parse_change(CHANGE))
            remixed = worker.run_next()
            ratio = remixed.job_seconds / original.job_seconds
            gpu_ratio = remixed.gpu_seconds / original.gpu_seconds
            warm_up = seed < args.seed
            if not warm_up:
                ratios.append(ratio)
                gpu_ratios.append(gpu_ratio)
            print(f"{seed:>6} {original.job_seconds:>7.3f} {remixed.job_seconds:>7.3f} {ratio:>6.3f} "
                  f"{original.gpu_seconds:>7.3f} {remixed.gpu_seconds:>7.3f} {gpu_ratio:>6.3f}  "
                  f"{original.rendered}/{original.reused} then {remixed.rendered}/{remixed.reused} "
                  f"({remixed_at.reused}){'  warm-up, not counted' if warm_up else ''}")
    finally:
        await studio.aclose()
        worker.db.close()
    frames = [recipe["num_frames"] for recipe in remixed_at.clip.recipes]
    print(f"shot frames {frames}; expected ratio from frame counts {frames[1] / sum(frames):.3f}")
    print(f"median remix/original GPU time: {statistics.median(gpu_ratios):.3f} (one shot of three: 0.333)")
    print(f"median remix/original whole job: {statistics.median(ratios):.3f} "
          f"(range {min(ratios):.3f}-{max(ratios):.3f}; target <= 0.34)")
    print(f"remix_job_ratio={statistics.median(ratios):.3f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="tiny", choices=sorted(PRESETS))
    parser.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    parser.add_argument("--models", type=Path, help="model folder (default: a temporary one, fine for tiny)")
    parser.add_argument("--home", type=Path, help="data folder to keep (default: a temporary one)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="torch threads on CPU (0: torch's default)")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=None, help="clip seconds (default: the expander's)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if args.home:
        return asyncio.run(bench(args, args.home))
    with tempfile.TemporaryDirectory(prefix="reelbot-remix-bench-") as home:
        return asyncio.run(bench(args, Path(home)))


if __name__ == "__main__":
    raise SystemExit(main())
