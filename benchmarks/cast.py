"""Cast benchmark: do the shots that feature a character reach the pipeline with its pictures, and what does
conditioning on them cost?

Runs the production path in this process: Bob's Mira and Carol's Leo are made through `CastDesk` (pictures
through the picture intake), Alice's requests mention them (`Studio.create` resolves the cast, puts the
descriptions in the prompts and the pictures in the recipes), and the worker's `process_job` renders
every shot. Each call of the pipeline is recorded where `generation.render` makes it; a featured shot
counts when its call's `reference_images` hold exactly the pixels of its characters' stored pictures.

The renders run on `tiny-wan-vace`, the tiny twin of `wan-vace-1.3b` (WanVACEPipeline, which takes the
pictures as `reference_images`): built locally with random weights (noise, like every tiny preset) and
loaded by the real `PipelineCache`, as the worker loads it. Identity similarity on real weights is not
measured (no GPU here).

Figures: `share` = featured shots whose call got their references / featured shots (target 1.00); the
extra render time per shot from conditioning: the same featured recipe rendered with and without its
pictures, alternately, median of `--repeats` pairs (reported, no target). Last line:
`cast_reference_share=<share>`.

    python benchmarks/cast.py            # 6 clips, 12 shots, tiny-wan-vace on CPU (~1 minute)
    python benchmarks/cast.py --quick    # 2 clips (the suite runs this)
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from generation import render
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.tiny import ensure_tiny_model
from renderqueue.jobs import claim_next
from renderqueue.rendering import process_job
from renderqueue.settings import WorkerSettings
from renderqueue.worker_config import WorkerConfig
from storage.aio import AsyncDatabase
from storage.db import open_db
from studio.cast.desk import CastDesk
from studio.config import Config
from studio.members import Member
from studio.pictures import read_picture
from studio.requests import VideoOptions
from studio.service import Studio

MODEL = "tiny-wan-vace"
MIRA = "a girl with short red hair, a yellow raincoat and green rubber boots"
LEO = "a grey tabby cat with one white ear and a blue collar"
REQUESTS = (
    "Mira walks to school, then she waves",
    "Mira and Leo at the beach, then Leo swims",
    "Leo sleeps on a windowsill, then Mira wakes him",
    "Mira rides a bicycle in the rain, then she laughs",
    "Leo chases a butterfly, then Mira catches it",
    "Mira reads under a tree, then Leo climbs it",
)


class Calls:
    """Every pipeline call `generation.render` makes while installed: its prompt and reference pixels."""

    def __init__(self) -> None:
        self.made: list[tuple[str, list[np.ndarray]]] = []
        self._original = render._run

    def __enter__(self) -> "Calls":
        def recording(pipe: Any, kwargs: dict[str, Any], *how: Any) -> Any:
            pictures = [np.asarray(image.convert("RGB")) for image in kwargs.get("reference_images") or []]
            self.made.append((kwargs["prompt"], pictures))
            return self._original(pipe, kwargs, *how)

        render._run = recording
        return self

    def __exit__(self, *exc_info: object) -> None:
        render._run = self._original


def pixels(path: str) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def portrait(colour: tuple[int, int, int]) -> bytes:
    import io

    image = Image.new("RGB", (96, 128), colour)
    image.paste((255, 255, 255), (32, 42, 64, 86))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def bench(args: argparse.Namespace, home: Path) -> dict[str, float]:
    models_dir = home / "models"
    ensure_tiny_model(models_dir, MODEL)
    # The video path at once (a featured shot's still takes the same pictures: tests/test_cast_render.py).
    config = Config(home=home, default_model=MODEL, stills={"first": "off"})
    studio = Studio(config, AsyncDatabase(config.db_path))
    pipelines = PipelineCache(models_dir, device="cpu")
    torch.set_num_threads(args.threads)
    worker_config = WorkerConfig(db_path=config.db_path, media_dir=config.media_dir, models_dir=models_dir,
                                 settings=WorkerSettings(device="cpu", job_timeout_s=3600.0))  # fmt: skip
    db = open_db(config.db_path)
    alice, bob, carol = (Member(i, name, 1, 1) for i, name in enumerate(("alice", "bob", "carol"), start=1))
    desk, media = CastDesk(studio), config.media_dir
    try:
        characters = [
            await desk.create(bob, "Mira", MIRA, [read_picture(portrait((200, 40, 40)), media),
                                                  read_picture(portrait((40, 40, 200)), media)]),
            await desk.create(carol, "Leo", LEO, [read_picture(portrait((120, 120, 120)), media)]),
        ]
        own = {c.id: [p.path for p in c.pictures] for c in characters}
        featured = received = 0
        with Calls() as calls:
            for request in REQUESTS[: args.clips]:
                accepted = await studio.create(alice, request, VideoOptions(shots=2, duration=2, seed=7))
                job = claim_next(db, worker_config.worker_id, loaded_model=None)
                if job is None or process_job(db, job, pipelines, worker_config, threading.Event()) is None:
                    failed = db.execute("SELECT status, error FROM jobs ORDER BY id DESC LIMIT 1").fetchone()
                    raise RuntimeError(f"clip #{accepted.clip.id} did not render: {failed}")
                recipes = Studio.recipes(accepted.clip)
                for index, recipe in enumerate(recipes):
                    cast_here = [c for c in accepted.cast if index in c.shots]
                    if not cast_here:
                        continue
                    featured += 1
                    wanted = [pixels(p) for p in recipe.references]
                    theirs = {p for c in cast_here for p in own[c.character_id]}
                    got = [pics for prompt, pics in calls.made if prompt == recipe.prompt]
                    ok = bool(got) and set(recipe.references) <= theirs and len(got[-1]) == len(wanted) and all(
                        np.array_equal(a, b) for a, b in zip(got[-1], wanted))  # fmt: skip
                    received += ok
                    names = ", ".join(c.name for c in cast_here)
                    print(f"clip #{accepted.clip.id} shot {index + 1}: {names}; {len(wanted)} picture(s) "
                          f"{'reached the pipeline' if ok else 'MISSING'}")
        extra, ratio = conditioning_cost(pipelines, recipes[0], args.repeats)
    finally:
        db.close()
        await studio.aclose()
    share = received / featured if featured else 0.0
    print(f"featured shots {featured}; with their reference pictures at the pipeline call {received}")
    print(f"conditioning on the pictures: +{extra:.3f} s per shot (x{ratio:.2f} the render without them), "
          f"median of {args.repeats} pairs on {MODEL}, CPU")
    return {"share": share, "extra_s": extra, "ratio": ratio}


def conditioning_cost(pipelines: PipelineCache, recipe: ShotRender, repeats: int) -> tuple[float, float]:
    """Median seconds a shot takes more with its reference pictures than without, and the ratio."""
    without = dataclasses.replace(recipe, references=())
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeats + 1):
        for conditioned, shot in ((True, recipe), (False, without)):
            started = time.perf_counter()
            render.render_shot(shot, pipelines)
            times[conditioned].append(time.perf_counter() - started)
    with_s, without_s = statistics.median(times[True][1:]), statistics.median(times[False][1:])  # first: warm-up
    return with_s - without_s, with_s / without_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=len(REQUESTS), help=f"clips of two shots (at most {len(REQUESTS)})")
    parser.add_argument("--repeats", type=int, default=5, help="render pairs for the conditioning cost")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (timings swing less with one)")
    parser.add_argument("--quick", action="store_true", help="2 clips, 2 pairs: the suite's variant")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.clips, args.repeats = 2, 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="reelbot-cast-bench-") as home:
        result = asyncio.run(bench(args, Path(home)))
    print(f"cast_reference_share={result['share']:.2f}")
    return 0 if result["share"] == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
