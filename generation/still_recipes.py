"""Still recipes: a shot's first frame as a one-frame generation, and the shot animated from its approved still.

A still is a one-frame generation (num_frames = 1) of the shot's own preset, prompt, seed and size. Its
denoising work is one latent frame of the shot's (Wan 2.1 at 81 frames: 1 of 21) at half the preset's
steps: a first look costs a few percent of the clip, and a member can re-roll it at once. With an
image-to-video preset the approved still becomes the shot's first frame (`animated_recipe`), so the
clip opens on what was approved; with any other preset the still is a preview of the prompt and seed.
Recipes only (no torch): the studio plans with these; generation.stills renders them.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from generation.recipe import ShotRender
from generation.registry import get_preset, validate_recipe


def still_steps(model: str) -> int:
    """Denoising steps of a still: half the preset's (rounded up), never below its minimum. A flow-matching
    model's picture at half its steps is close to the full one; the still is re-rolled in seconds."""
    preset = get_preset(model)
    return max(preset.min_steps, math.ceil(preset.steps / 2))


def still_recipe(shot: ShotRender, *, seed: int | None = None) -> ShotRender:
    """The still of `shot`: one frame of one generation with the shot's preset, prompt, negative prompt,
    seed (or `seed`, a re-roll or a take), size and guidance, at `still_steps`. A shot that starts from a
    member's picture keeps it: its still is that picture (see `render_still`). Raises RecipeError as
    validate_recipe does."""
    # On the preset's own sampler (no draft fast path: a distilled preset's schedule is not the shot's look).
    shot = replanned(shot, seed=shot.seed if seed is None else seed)  # another take: not the approved still
    still = dataclasses.replace(
        shot, num_frames=1, segments=1, keep_frames=None, continued=False, continues_from=None, init_video=None,
        strength=None, still=True, steps=still_steps(shot.model), quality="draft", fast_path=None, guidance=get_preset(shot.model).guidance,
    )  # fmt: skip
    validate_recipe(still)
    return still


def opens_on_still(model: str) -> bool:
    """Whether a shot of `model` is animated from its approved still (an image-to-video preset); otherwise
    the still is a preview and the video may differ."""
    return get_preset(model).supports_i2v


def animated_recipe(shot: ShotRender, still: Path | str | None) -> ShotRender:
    """The recipe that animates `shot` as approved: with an image-to-video preset, the shot starting from
    its still picture `still` (a shot that continued from the previous shot starts from its own still
    instead); with any other preset, or without a still, the shot as planned."""
    if still is None or not opens_on_still(shot.model):
        return shot
    # A shot that started from a picture of its own (the member's, a clip's last frame) keeps it as its
    # start when changed later; its still is that picture.
    from_still = shot.from_still or shot.init_image is None
    return dataclasses.replace(shot, init_image=str(still), continues_from=None, from_still=from_still)


def replanned(shot: ShotRender, **changes: object) -> ShotRender:
    """`shot` with `changes` (ShotRender fields: a new seed, prompt, size...). A shot animated from its
    approved still (`from_still`) no longer starts from it once anything changes: its new still renders from
    the new recipe, and Animate starts it from that one. A shot left exactly as it was keeps its still (and
    its render in the cache)."""
    changed = dataclasses.replace(shot, **changes)  # type: ignore[arg-type]
    if shot.from_still and changed != shot:
        changed = dataclasses.replace(changed, init_image=None, from_still=False)
    return changed
