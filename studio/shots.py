"""Turning a ShotList into render recipes: the one place where shot text meets model settings."""
from __future__ import annotations

import random

from generation.recipe import ShotRender
from generation.registry import MAX_SEED, get_preset
from prompts.schema import Shot, ShotList


def random_seed() -> int:
    return random.SystemRandom().randrange(MAX_SEED)


def shot_seeds(base_seed: int, count: int) -> list[int]:
    """Distinct, reproducible per-shot seeds; shot i of a clip with seed s is always the same."""
    return [(base_seed + 7919 * index) % MAX_SEED for index in range(count)]


def shot_recipe(shot: Shot, model: str, seed: int, *, aspect: str | None, steps: int | None = None) -> ShotRender:
    preset = get_preset(model)
    return preset.recipe(
        shot.prompt,
        shot.negative_prompt,
        seed,
        duration=shot.duration,
        aspect=aspect,
        steps=steps,
    )


def recipes_for(
    shot_list: ShotList, model: str, seeds: list[int], *, aspect: str | None, steps: int | None = None
) -> list[ShotRender]:
    if len(seeds) != len(shot_list.shots):
        raise ValueError("one seed per shot")
    return [
        shot_recipe(shot, model, seed, aspect=aspect, steps=steps)
        for shot, seed in zip(shot_list.shots, seeds, strict=True)
    ]


def caption(shot: Shot) -> str:
    """Storyboard caption; the storyboard numbers the panels itself."""
    return f"{shot.subject} — {shot.action} ({shot.camera})"
