"""Turn a list of shot recipes into one clip: render (or reuse) each shot, stitch, make the storyboard."""
from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from generation.encoding import encode_mp4, probe, read_frame, stitch
from generation.errors import RenderCancelled
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.registry import validate_recipe
from generation.render import CancelCheck, StepCallback, render_shot
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
    subtitle: str | None = None,
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
        # Keep model loading out of gpu_seconds.
        pipelines.get(recipe.model, i2v=recipe.init_image is not None)
        if recipe.continued:
            pipelines.get(recipe.model, i2v=True)
        started = time.monotonic()
        frames = render_segments(recipe, pipelines, out_dir, on_step=on_step, should_cancel=should_cancel)
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
    storyboard_path = make_storyboard(keyframes, captions, out_dir / "storyboard.png", title=title,
                                      subtitle=subtitle)
    report(1.0, "Done")
    return ClipOutput(video_path, storyboard_path, shot_paths, rendered, reused, gpu_seconds)


def render_segments(
    recipe: ShotRender,
    pipelines: PipelineCache,
    work_dir: Path,
    *,
    on_step: StepCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> np.ndarray:
    """Frames (recipe.frames, height, width, 3) uint8 of one shot: its segments rendered one after another
    (see generation.segments), each continued from the previous one's last frame when `recipe.continued`
    (saved as a PNG in `work_dir`), joined and cut to the shot's length. `on_step(done, total)` counts
    the steps of every segment."""
    if recipe.segments == 1 and recipe.keep_frames is None:
        return render_shot(recipe, pipelines, on_step=on_step, should_cancel=should_cancel)
    pieces: list[np.ndarray] = []
    init_image = recipe.init_image
    for index in range(recipe.segments):
        part = dataclasses.replace(recipe, segments=1, keep_frames=None, continued=False, init_image=init_image,
                                   seed=recipe.seed + index)

        def step(done: int, steps: int, index: int = index) -> None:
            if on_step is not None:
                on_step(index * steps + done, recipe.segments * steps)

        frames = render_shot(part, pipelines, on_step=step, should_cancel=should_cancel)
        # A continued segment opens on the frame it was given: that frame is already in the shot.
        pieces.append(frames[1:] if index and recipe.continued else frames)
        if recipe.continued and index + 1 < recipe.segments:
            init_image = str(_save_frame(frames[-1], work_dir / f"segment-{recipe.content_hash()[:12]}-{index + 1}.png"))
    return np.concatenate(pieces)[: recipe.frames]


def _save_frame(frame: np.ndarray, path: Path) -> Path:
    from PIL import Image

    Image.fromarray(frame).save(path)
    return path
