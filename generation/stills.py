"""Stills rendered: every shot's first frame as a picture, in seconds, and the storyboard of them.

What a still is, and the shot animated from it, is in generation.still_recipes.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw

from generation.conditioning import load_picture
from generation.errors import RenderCancelled
from generation.frames import Frames
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.registry import validate_recipe
from generation.render import CancelCheck, StepCallback, render_shot
from generation.storyboard import make_storyboard

log = logging.getLogger(__name__)


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
