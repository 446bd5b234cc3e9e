"""Honest shot lengths: a shot longer than one generation of its model is rendered as several.

A preset generates at most `max_frames` frames at once (Wan 2.1 1.3B: 81 frames, 5.1 s at 16 fps). A longer
shot becomes consecutive segments: with an image-to-video pipeline each segment continues from the previous
one's last frame (`continued`); without one, consecutive generations of the same prompt are joined. Every
shot is then cut to exactly round(seconds * fps) frames, so the file lasts what the plan says, also on
models with a fixed length (CogVideoX renders 49 frames whatever is asked).
"""
from __future__ import annotations

import dataclasses
import math

from generation.errors import RecipeError
from generation.recipe import ShotRender
from generation.registry import ModelPreset, get_preset, validate_recipe


def frames_for_seconds(preset: ModelPreset, seconds: float) -> int:
    """Frames a shot of `seconds` lasts at the preset's frame rate (at least one)."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise RecipeError("A shot's duration must be a positive number of seconds.")
    return max(1, round(seconds * preset.fps))


def segment_layout(preset: ModelPreset, seconds: float) -> tuple[int, int, bool]:
    """(segments, frames per segment, continued) that cover a shot of `seconds` with the fewest generations,
    each as short as the model allows. Frame counts follow the preset's k*frame_step+1 rule."""
    target = frames_for_seconds(preset, seconds)
    continued = preset.supports_i2v and preset.i2v_pipeline_class is not None
    overlap = 1 if continued else 0
    longest = (preset.max_frames - 1) // preset.frame_step * preset.frame_step + 1
    segments = 1
    while longest + (segments - 1) * (longest - overlap) < target:
        segments += 1
    # The shortest valid segment length whose join still covers the target.
    per_segment = math.ceil((target + (segments - 1) * overlap) / segments)
    frames = max(preset.shortest_frames, math.ceil((per_segment - 1) / preset.frame_step) * preset.frame_step + 1)
    return segments, min(frames, longest), continued and segments > 1


def segmented_recipe(
    model: str,
    prompt: str,
    negative_prompt: str,
    seed: int,
    *,
    seconds: float,
    aspect: str | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    init_image: str | None = None,
) -> ShotRender:
    """The preset's recipe for a shot that lasts `seconds` when rendered (within one frame). Raises
    RecipeError for an unknown model, aspect or a non-positive duration."""
    preset = get_preset(model)
    segments, frames, continued = segment_layout(preset, seconds)
    recipe = preset.recipe(prompt, negative_prompt, seed, aspect=aspect, steps=steps, guidance=guidance,
                           init_image=init_image)
    return resized(recipe, seconds, layout=(segments, frames, continued))


def resized(recipe: ShotRender, seconds: float, *, layout: tuple[int, int, bool] | None = None) -> ShotRender:
    """`recipe` made to last `seconds`: its segments, frames per segment and kept frames set accordingly."""
    preset = get_preset(recipe.model)
    segments, frames, continued = layout or segment_layout(preset, seconds)
    target = frames_for_seconds(preset, seconds)
    shot = dataclasses.replace(recipe, num_frames=frames, segments=segments, continued=continued)
    shot = dataclasses.replace(shot, keep_frames=None if shot.joined_frames == target else target)
    validate_recipe(shot)
    return shot


def with_segment_frames(recipe: ShotRender, frames: int) -> ShotRender:
    """`recipe` generating `frames` frames at a time (a valid count for its preset) and as many segments as
    its length then needs: less memory per generation, same shot length."""
    preset = get_preset(recipe.model)
    target = recipe.frames
    continued = preset.supports_i2v and preset.i2v_pipeline_class is not None
    overlap = 1 if continued else 0
    segments = 1
    while frames + (segments - 1) * (frames - overlap) < target:
        segments += 1
    shot = dataclasses.replace(recipe, num_frames=frames, segments=segments, continued=continued and segments > 1)
    shot = dataclasses.replace(shot, keep_frames=None if shot.joined_frames == target else target)
    validate_recipe(shot)
    return shot
