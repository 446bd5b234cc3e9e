"""First look: how much of a clip's denoising work its stills cost, and how soon a member sees them.

1. For a 4-shot request on every real preset (its native size and schedule), the studio plans and queues
   the request as it does for a member (stills first), the stills are marked rendered (pictures written
   where a worker would), and Animate queues the clip: both sets of recipes are read back from the
   database, exactly as the workers would render them. Work is counted as latent tokens x transformer
   calls: latent frames ((frames - 1) / temporal compression + 1) x (height / size_multiple) x (width /
   size_multiple) tokens, times steps (a refine: int(steps x strength)) x 2 with classifier-free guidance,
   per generation. `first_look_ratio` is the largest stills/clip ratio over the presets (target <= 0.06).
2. On the tiny twins, the wall-clock time from a request to its stills and to its whole clip, rendered
   by the worker's own code in this process (no target: CPU noise, for the shape of the wait).

    python benchmarks/first_look.py            # ~1 minute on 2 cores
    python benchmarks/first_look.py --no-wall  # the ratios only, a few seconds
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from generation.recipe import ShotRender
from generation.registry import PRESETS, get_preset
from renderqueue.jobs import claim_next
from renderqueue.rendering import process_job
from renderqueue.settings import WorkerSettings
from renderqueue.worker_config import WorkerConfig
from storage.db import open_db
from storage.stills import clip_stills, set_storyboard, still_rendered
from studio.config import Config
from studio.members import Member
from studio.requests import VideoOptions
from studio.runtime import open_studio
from studio.service import Studio
from studio.storyboards.actions import animate

REQUEST = "a giant monster walking through New York at sunset, the crowd runs, the army arrives, it roars"
MEMBER = Member(id=1, name="bench", guild_id=1, channel_id=1)


def work(recipe: ShotRender) -> float:
    """Latent tokens x transformer calls of one recipe, over its generations."""
    preset = get_preset(recipe.model)
    latent_frames = (recipe.num_frames - 1) // preset.frame_step + 1
    tokens = latent_frames * (recipe.height // preset.size_multiple) * (recipe.width // preset.size_multiple)
    calls = recipe.refine_steps * (2 if recipe.guidance > 1 else 1)
    return tokens * calls * recipe.segments


async def queued_recipes(home: Path, model: str) -> tuple[list[ShotRender], list[ShotRender]]:
    """(stills, clip): the recipes the stills job and then Animate queue for a 4-shot request on `model`."""
    config = Config(home=home, default_model=model, stills={"first": "ask"})
    studio = open_studio(config)
    try:
        accepted = await studio.create(MEMBER, REQUEST, VideoOptions(shots=4, model=model))

        def rendered(db) -> list[ShotRender]:  # noqa: ANN001 - what a worker records, without the GPU
            stills = clip_stills(db, accepted.clip.id)
            for still in stills:
                recipe = ShotRender.from_dict(still.recipe)
                picture = home / f"still-{accepted.clip.id}-{still.shot}.png"
                Image.new("RGB", (recipe.width, recipe.height), (90, 90, 90)).save(picture)
                still_rendered(db, still, str(picture))
            set_storyboard(db, accepted.clip.id, "ready")
            return [ShotRender.from_dict(still.recipe) for still in stills]

        stills = await studio.adb.write(rendered)
        await animate(studio, MEMBER, accepted.clip.id)
        return stills, Studio.recipes(await studio.clip(accepted.clip.id))
    finally:
        await studio.aclose()


async def ratios(scratch: Path) -> float:
    print(f"{'preset':<16} {'shots':>5} {'frames':>14} {'size':>9} {'steps':>11} {'stills':>10} {'clip':>12} {'ratio':>7}")
    worst = 0.0
    for name, preset in PRESETS.items():
        if preset.local:
            continue
        stills, clip = await queued_recipes(scratch / name, name)
        ratio = sum(map(work, stills)) / sum(map(work, clip))
        worst = max(worst, ratio)
        frames = "+".join(str(r.frames) for r in clip)
        print(f"{name:<16} {len(clip):>5} {frames:>14} {clip[0].width}x{clip[0].height:<4} "
              f"{stills[0].steps:>4} / {clip[0].steps:<4} {sum(map(work, stills)):>10.3g} {sum(map(work, clip)):>12.3g} "
              f"{ratio:>7.4f}")  # fmt: skip
    return worst


def wall_clock(scratch: Path, models: Path) -> tuple[float, float]:
    """Seconds from request to stills, and to the whole clip, on tiny-wan with the worker's code."""
    from generation.pipelines import PipelineCache

    home = scratch / "tiny"
    config = Config(home=home, default_model="tiny", stills={"first": "ask"})
    pipelines = PipelineCache(models, device="cpu")
    pipelines.get("tiny-wan")  # loaded beforehand, as in a warm worker
    worker = WorkerConfig(db_path=config.db_path, media_dir=config.media_dir, models_dir=models,
                          worker_id="bench", settings=WorkerSettings(device="cpu"))  # fmt: skip

    async def run() -> tuple[float, float]:
        studio = open_studio(config)
        db = open_db(config.db_path)
        try:
            started = time.perf_counter()
            accepted = await studio.create(MEMBER, REQUEST, VideoOptions(shots=4, seed=3))
            process_job(db, claim_next(db, "bench", loaded_model="tiny-wan"), pipelines, worker, threading.Event())
            to_stills = time.perf_counter() - started
            await animate(studio, MEMBER, accepted.clip.id)
            process_job(db, claim_next(db, "bench", loaded_model="tiny-wan"), pipelines, worker, threading.Event())
            return to_stills, time.perf_counter() - started
        finally:
            db.close()
            await studio.aclose()

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-wall", action="store_true", help="skip the tiny-twin wall-clock run")
    parser.add_argument("--models", type=Path, help="tiny models folder (default: built in a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelbot-first-look-") as scratch:
        worst = asyncio.run(ratios(Path(scratch)))
        if not args.no_wall:
            models = args.models or Path(scratch) / "tiny" / "models"
            to_stills, to_clip = wall_clock(Path(scratch), models)
            print(f"tiny-wan, 4 shots on this CPU: stills after {to_stills:.1f} s, whole clip after {to_clip:.1f} s "
                  f"({to_stills / to_clip:.2f} of the wait)")  # fmt: skip
    print(f"first_look_ratio={worst:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
