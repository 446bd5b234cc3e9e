"""GPU idle benchmark: how much of the time the GPU waits on CPU work (encodes, stitch, storyboard).

A stand-in denoiser plays the GPU: each denoising step holds a "device busy" lock for `--step-s` seconds
(sleeping, so the GIL is free, as it is while CUDA kernels run) and the pipeline returns real-size float
frames (832x480, 81 per shot, Wan 2.1's native shot) like diffusers' `output_type="np"`. Three 3-shot
jobs are queued back to back and run through two workers side by side in one run:

- `serial`, the worker as it was before: render a shot, encode it (x264 "medium"), next shot, ...; then
  stitch by decoding and re-encoding every shot, count each shot's frames by decoding it, decode it
  again for the storyboard keyframe, save the PNG with `optimize`; only then claim the next job;
- `pipelined`, today's worker (`renderqueue.worker.run_worker`, unchanged): each shot encodes beside the
  next shot's denoise, shots are stitched by remuxing, keyframes come from memory, and a job is finished
  beside the next job's render.

Idle share = 1 - busy / span, where span runs from the first step's start to the last step's end (the
time the GPU had work queued for it). Targets: < 0.01 at 1.5 s/step x 50 steps (H100, Wan 1.3B) and
< 0.005 at 4.5 s/step (RTX 4090). Last line: `gpu_idle_share=<pipelined share>`.

    python benchmarks/gpu_idle.py --quick                  # < 1 min on 2 cores: 2 jobs x 2 shots x 17 frames
    python benchmarks/gpu_idle.py                          # 1.5 s/step x 50 steps: ~25 min
    python benchmarks/gpu_idle.py --step-s 4.5 --modes pipelined
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import av
import numpy as np
from PIL import Image

from generation.encoding import FIT_PRESET, encode_mp4, read_frame, stitch
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.registry import get_preset
from generation.render import render_shot
from generation.storyboard import make_storyboard
from renderqueue.jobs import enqueue_clip_job
from renderqueue.settings import WorkerSettings
from renderqueue.worker import run_worker
from renderqueue.worker_config import WorkerConfig
from storage.clips import create_clip
from storage.db import open_db

from storage.transactions import transaction

PRESET = "wan-1.3b"


class Device:
    """The stand-in GPU: a lock held while it works, the time it was held, and the gaps between."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.busy = 0.0
        self.first: float | None = None
        self.last = 0.0
        self.gaps: list[float] = []

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        with self._lock:
            started = time.perf_counter()
            if self.first is None:
                self.first = started
            else:
                self.gaps.append(started - self.last)
            try:
                yield
            finally:
                self.last = time.perf_counter()
                self.busy += self.last - started

    def idle_share(self) -> float:
        span = self.last - (self.first or self.last)
        return 1.0 - self.busy / span if span else 0.0


class StandInPipeline:
    """Called like a diffusers text-to-video pipeline; denoises on the stand-in device."""

    def __init__(self, device: Device, step_s: float, video: np.ndarray) -> None:
        self.device, self.step_s, self.video = device, step_s, video

    def __call__(self, *, num_inference_steps: int, num_frames: int, callback_on_step_end: Any, **_: Any) -> Any:
        for step in range(num_inference_steps):
            with self.device.working():
                time.sleep(self.step_s)  # sleeping frees the GIL, as waiting on CUDA kernels does
            callback_on_step_end(self, step, None, {})
        with self.device.working():  # the VAE decode and the copy to host memory: a fresh array per shot
            return SimpleNamespace(frames=[self.video[:num_frames].copy()])

    def maybe_free_model_hooks(self) -> None:
        pass


class StandInPipelines(PipelineCache):
    """A PipelineCache whose every model is the stand-in, already loaded."""

    def __init__(self, pipe: StandInPipeline) -> None:
        super().__init__(Path(tempfile.gettempdir()), device="standin")
        self.pipe = pipe

    def get(self, name: str, *, i2v: bool = False) -> Any:
        return self.pipe

    def loaded(self) -> list[str]:
        return [PRESET]


@dataclass(frozen=True)
class Workload:
    jobs: int
    shots: int
    frames: int
    steps: int
    step_s: float

    def recipes(self, job: int) -> list[ShotRender]:
        preset = get_preset(PRESET)
        base = preset.recipe("a giant monster walking through New York", "", seed=0)
        return [
            replace(base, prompt=f"job {job} shot {shot}", seed=1000 * job + shot, num_frames=self.frames,
                    steps=self.steps)
            for shot in range(self.shots)
        ]  # fmt: skip


def test_video(frames: int, height: int, width: int) -> np.ndarray:
    """Moving gradients with a little grain: compresses like footage, not like noise or a flat frame."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    video = np.empty((frames, height, width, 3), np.float32)
    for index in range(frames):
        video[index, ..., 0] = (np.sin((x + 6 * index) / 53) + 1) / 2
        video[index, ..., 1] = (np.cos((y - 4 * index) / 37) + 1) / 2
        video[index, ..., 2] = ((x + y + 9 * index) % 255) / 255
    video += rng.normal(0, 0.02, size=(1, height, width, 3)).astype(np.float32)
    return np.clip(video, 0, 1, out=video)


def run_pipelined(work: Workload, home: Path, pipelines: StandInPipelines) -> None:
    """Today's worker, unchanged, on `work.jobs` jobs queued up front."""
    config = WorkerConfig(db_path=home / "db.sqlite3", media_dir=home / "media", models_dir=home, worker_id="bench",
                          settings=WorkerSettings(poll_interval_s=0.05, job_timeout_s=24 * 3600.0))  # fmt: skip
    db = open_db(config.db_path)
    job_ids = []
    for job in range(work.jobs):
        recipes = work.recipes(job)
        with transaction(db):
            clip = create_clip(db, guild_id=1, channel_id=1, author_id=job + 1, author_name=f"user{job}",
                               request="bench", shot_list={"title": f"Job {job}"}, model=PRESET,
                               recipes=[r.to_dict() for r in recipes],
                               captions=[f"shot {i + 1}" for i in range(len(recipes))])  # fmt: skip
            job_ids.append(enqueue_clip_job(db, clip.id, user_id=job + 1, guild_id=1, model=PRESET, cost_estimate=1).id)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(config, stop), kwargs={"pipelines": pipelines})
    worker.start()
    marks = ",".join("?" * len(job_ids))
    try:
        while db.execute(f"SELECT COUNT(*) FROM jobs WHERE status = 'done' AND id IN ({marks})", job_ids).fetchone()[0] < len(job_ids):
            failed = db.execute(f"SELECT error FROM jobs WHERE status = 'failed' AND id IN ({marks})", job_ids).fetchone()
            if failed:
                raise RuntimeError(f"a job failed: {failed[0]}")
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join()
        db.close()


def run_serial(work: Workload, home: Path, pipelines: StandInPipelines) -> None:
    """The worker before the pipeline, step by step as it did it (same rendering and encoding code)."""
    for job in range(work.jobs):
        out_dir = home / "serial" / str(job)
        recipes = work.recipes(job)
        paths = []
        for index, recipe in enumerate(recipes):
            frames = render_shot(recipe, pipelines).to_bytes()
            paths.append(encode_mp4(frames, recipe.fps, out_dir / f"shot-{index}.mp4", preset=FIT_PRESET))
        stitch(paths, out_dir / "clip.mp4", reencode=True, preset=FIT_PRESET)
        keyframes = [read_frame(path, _decoded_frames(path) // 2) for path in paths]
        board = make_storyboard(keyframes, [f"shot {i + 1}" for i in range(len(paths))], out_dir / "storyboard.png")
        with Image.open(board) as image:
            image.load()
        image.save(board, format="PNG", optimize=True)


def _decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


MODES = {"serial": run_serial, "pipelined": run_pipelined}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step-s", type=float, default=1.5, help="seconds per denoising step (default 1.5)")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--shots", type=int, default=3)
    parser.add_argument("--frames", type=int, default=81)
    parser.add_argument("--modes", default="serial,pipelined", help="comma-separated: serial, pipelined")
    parser.add_argument("--quick", action="store_true", help="2 jobs x 2 shots x 17 frames, 6 steps of 0.25 s")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print each mode's longest waits")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.quick:
        args.step_s, args.steps, args.jobs, args.shots, args.frames = 0.25, 6, 2, 2, 17
    work = Workload(args.jobs, args.shots, args.frames, args.steps, args.step_s)
    preset = get_preset(PRESET)
    video = test_video(args.frames, preset.height, preset.width)
    print(f"{work.jobs} jobs x {work.shots} shots x {work.frames} frames at {preset.width}x{preset.height}, "
          f"{work.steps} steps x {work.step_s} s")  # fmt: skip
    print(f"{'mode':>10} {'wall s':>8} {'busy s':>8} {'idle s':>7} {'idle share':>11}")
    shares = {}
    for mode in args.modes.split(","):
        device = Device()
        pipelines = StandInPipelines(StandInPipeline(device, work.step_s, video))
        with tempfile.TemporaryDirectory(prefix=f"reelbot-gpu-idle-{mode}-") as home:
            started = time.perf_counter()
            MODES[mode](work, Path(home), pipelines)
            wall = time.perf_counter() - started
        shares[mode] = device.idle_share()
        span = device.last - (device.first or 0)
        print(f"{mode:>10} {wall:>8.1f} {device.busy:>8.1f} {span - device.busy:>7.2f} {shares[mode]:>11.4f}")
        if args.verbose:
            print(f"{'':>10} longest waits (s): {' '.join(f'{gap:.3f}' for gap in sorted(device.gaps)[-8:])}")
    if "serial" in shares and "pipelined" in shares and shares["pipelined"]:
        print(f"serial/pipelined idle: {shares['serial'] / shares['pipelined']:.1f}x")
    print(f"gpu_idle_share={shares.get('pipelined', shares.get('serial', 0.0)):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
