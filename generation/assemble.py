"""Turn a list of shot recipes into one clip: render (or reuse) each shot, stitch, make the storyboard."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from generation.encoding import encode_mp4, probe, read_frame, stitch
from generation.errors import RenderCancelled
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.registry import validate_recipe
from generation.render import CancelCheck, render_shot
from generation.storyboard import make_storyboard

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str], None]
# Share of the progress bar spent rendering shots; stitching and the storyboard share the rest.
_RENDER_SHARE = 0.9


@dataclass(frozen=True)
class ClipOutput:
    video_path: Path
    storyboard_path: Path
    shot_paths: list[Path]
    rendered: int
    reused: int
    gpu_seconds: float


def render_clip(
    recipes: list[ShotRender],
    captions: list[str],
    *,
    pipelines: PipelineCache,
    out_dir: Path,
    lookup: Callable[[str], Path | None],
    record: Callable[[str, Path, float], None],
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    title: str | None = None,
) -> ClipOutput:
    """Render every shot not already in the render cache, then stitch them into out_dir/clip.mp4.

    `lookup(recipe_hash)` returns a cached shot video (used without rendering when the file exists);
    `record(recipe_hash, path, gpu_seconds)` is called after each fresh render so later clips can reuse it.
    """
    if not recipes or len(recipes) != len(captions):
        raise ValueError("need one caption per recipe, and at least one recipe")
    for recipe in recipes:  # fail before spending GPU time on shot 1 if shot 4 is impossible
        validate_recipe(recipe)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def report(fraction: float, stage: str) -> None:
        if on_progress is not None:
            on_progress(min(1.0, fraction), stage)

    total = len(recipes)
    shot_paths: list[Path] = []
    rendered = reused = 0
    gpu_seconds = 0.0
    for index, recipe in enumerate(recipes):
        if should_cancel is not None and should_cancel():
            raise RenderCancelled("The render was cancelled.")
        base = _RENDER_SHARE * index / total
        label = f"shot {index + 1}/{total}"
        recipe_hash = recipe.content_hash()
        cached = lookup(recipe_hash)
        if cached is not None and Path(cached).is_file():
            log.info("%s: reusing %s", label, cached)
            shot_paths.append(Path(cached))
            reused += 1
            report(_RENDER_SHARE * (index + 1) / total, f"Reused {label}")
            continue

        def on_step(done: int, steps: int, base: float = base, label: str = label) -> None:
            report(base + _RENDER_SHARE * done / steps / total, f"Rendering {label} (step {done}/{steps})")

        report(base, f"Rendering {label}")
        pipelines.get(recipe.model, i2v=recipe.init_image is not None)  # keep model loading out of gpu_seconds
        started = time.monotonic()
        frames = render_shot(recipe, pipelines, on_step=on_step, should_cancel=should_cancel)
        seconds = time.monotonic() - started
        path = encode_mp4(frames, recipe.fps, out_dir / f"shot-{index + 1:02d}-{recipe_hash[:12]}.mp4")
        record(recipe_hash, path, seconds)
        shot_paths.append(path)
        rendered += 1
        gpu_seconds += seconds

    report(_RENDER_SHARE, "Stitching shots")
    video_path = stitch(shot_paths, out_dir / "clip.mp4")
    report(0.95, "Drawing the storyboard")
    # Keyframes come from the shot files, so reused and fresh shots are treated alike.
    keyframes = [read_frame(path, probe(path).frame_count // 2) for path in shot_paths]
    storyboard_path = make_storyboard(keyframes, captions, out_dir / "storyboard.png", title=title)
    report(1.0, "Done")
    return ClipOutput(video_path, storyboard_path, shot_paths, rendered, reused, gpu_seconds)
