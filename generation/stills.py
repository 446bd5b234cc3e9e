"""Stills rendered: every shot's first frame as a picture, in seconds, and the storyboard of them.

What a still is, and the shot animated from it, is in generation.still_recipes.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from PIL import Image, ImageDraw

from generation.conditioning import load_picture
from generation.drawing import save_png
from generation.errors import RenderCancelled
from generation.frames import Frames
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.registry import validate_recipe
from generation.render import CancelCheck, StepCallback, render_shot
from generation.storyboard import make_storyboard

log = logging.getLogger(__name__)

# record(recipe_hash, still_path, gpu_seconds): called once per freshly rendered still.
RecordCallback = Callable[[str, Path, float], None]
ProgressCallback = Callable[[float, str], None]


def render_still(
    recipe: ShotRender,
    pipelines: PipelineCache,
    *,
    on_step: StepCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> Frames:
    """The still's one frame, (1, height, width, 3). A still that starts from a member's picture is that
    picture fitted to the shot's size, not rendered: the nearest cheap path, and exact, since the animation
    opens on the picture itself. Raises ValueError for a recipe that is not a still, and render_shot's
    errors."""
    if not recipe.still:
        raise ValueError("not a still recipe")
    if recipe.init_image is not None:
        validate_recipe(recipe)
        if should_cancel is not None and should_cancel():
            raise RenderCancelled("The render was cancelled.")
        return Frames.of_images([load_picture(recipe.init_image, recipe.width, recipe.height)])
    return render_shot(recipe, pipelines, on_step=on_step, should_cancel=should_cancel)


@dataclass(frozen=True)
class StillsOutput:
    """What `render_stills` made: one PNG per still (in the order asked), the board, and the work done."""

    storyboard_path: Path
    still_paths: list[Path]
    rendered: int
    reused: int
    gpu_seconds: float


def render_stills(
    recipes: Sequence[ShotRender],
    captions: Sequence[str],
    *,
    pipelines: PipelineCache,
    out_dir: Path,
    lookup: Callable[[str], Path | None],
    record: RecordCallback,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    headings: Sequence[str] | None = None,
    columns: int | None = None,
) -> StillsOutput:
    """Render every still not in the render cache (`lookup(recipe_hash)` gives a cached picture), save each
    as a PNG in `out_dir` (`record`ed for reuse) and draw the storyboard of stills (`columns` per row: a
    grid of takes has one row per shot). Raises ValueError (caption count, a recipe that is not a still),
    RecipeError before anything renders, RenderCancelled, and render_shot's errors."""
    if not recipes or len(recipes) != len(captions):
        raise ValueError("need one caption per still, and at least one still")
    for recipe in recipes:
        if not recipe.still:
            raise ValueError("not a still recipe")
        validate_recipe(recipe)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    rendered, seconds = 0, 0.0
    for index, recipe in enumerate(recipes):
        if should_cancel is not None and should_cancel():
            raise RenderCancelled("The render was cancelled.")
        recipe_hash = recipe.content_hash()
        cached = lookup(recipe_hash)
        if cached is not None and Path(cached).is_file():
            paths.append(Path(cached))
            _report(on_progress, (index + 1) / len(recipes), f"Reused still {index + 1}/{len(recipes)}")
            continue

        def step(done: int, total: int, index: int = index) -> None:
            _report(on_progress, (index + done / total) / len(recipes),
                    f"Still {index + 1}/{len(recipes)} (step {done}/{total})")  # fmt: skip

        started = time.monotonic()
        frames = render_still(recipe, pipelines, on_step=step, should_cancel=should_cancel)
        spent = time.monotonic() - started
        path = save_png(frames.picture(0), out_dir / f"still-{index + 1:02d}-{recipe_hash[:12]}.png")
        record(recipe_hash, path, spent)
        paths.append(path)
        rendered += 1
        seconds += spent
    board = stills_board(paths, captions, out_dir / "stills.png", title=title, subtitle=subtitle, headings=headings,
                         columns=columns)  # fmt: skip
    return StillsOutput(board, paths, rendered, len(recipes) - rendered, seconds)


def stills_board(
    stills: Sequence[Path | None],
    captions: Sequence[str],
    out_path: Path,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    headings: Sequence[str] | None = None,
    columns: int | None = None,
) -> Path:
    """The storyboard of stills: each still picture (PNG path) as its panel; a still that failed (None)
    as a crossed-out panel of the same size, so the board keeps every shot in its place. Returns `out_path`."""
    pictures = [_open(path) if path is not None else None for path in stills]
    size = next((picture.size for picture in pictures if picture is not None), (16, 9))
    panels = [picture if picture is not None else _crossed_out(size) for picture in pictures]
    return make_storyboard(panels, list(captions), out_path, title=title, subtitle=subtitle, headings=headings,
                           columns=columns)  # fmt: skip


def _open(path: Path) -> Image.Image:
    with Image.open(path) as picture:
        return picture.convert("RGB")


def _crossed_out(size: tuple[int, int]) -> Image.Image:
    panel = Image.new("RGB", size, (40, 40, 48))
    draw = ImageDraw.Draw(panel)
    width = max(1, min(size) // 24)
    draw.line([(0, 0), size], fill=(150, 60, 60), width=width)
    draw.line([(0, size[1]), (size[0], 0)], fill=(150, 60, 60), width=width)
    return panel


def _report(on_progress: ProgressCallback | None, fraction: float, stage: str) -> None:
    if on_progress is not None:
        on_progress(min(1.0, fraction), stage)
