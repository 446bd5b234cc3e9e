"""Turning a ShotList into render recipes: the one place where shot text meets model settings."""
from __future__ import annotations

import random

from common.text import N_, Text
from generation.recipe import ShotRender
from generation.registry import ASPECTS, MAX_SEED, get_preset
from generation.segments import segmented_recipe
from prompts.compose import shot_core
from prompts.schema import Shot, ShotList

# Takes of a first shot a member can ask for at once (each costs a draft render).
MAX_TAKES = 4
# A fixed frame this close to the asked ratio honours it (720x480 is 3:2, not 16:9: said in a note).
ASPECT_TOLERANCE = 0.02


def random_seed() -> int:
    """A fresh seed from 0 to MAX_SEED - 1 (the OS's random source, so two processes never share a sequence)."""
    return random.SystemRandom().randrange(MAX_SEED)


def shot_seeds(base_seed: int, count: int) -> list[int]:
    """Distinct, reproducible per-shot seeds; shot i of a clip with seed s is always the same."""
    return [(base_seed + 7919 * index) % MAX_SEED for index in range(count)]


def shot_recipe(shot: Shot, model: str, seed: int, *, aspect: str | None, steps: int | None = None) -> ShotRender:
    """The recipe that renders `shot` for its whole planned duration (in segments where the model's one
    generation is shorter; see generation.segments)."""
    return segmented_recipe(model, shot.prompt, shot.negative_prompt, seed, seconds=shot.duration, aspect=aspect,
                            steps=steps)


def recipes_for(
    shot_list: ShotList, model: str, seeds: list[int], *, aspect: str | None, steps: int | None = None
) -> list[ShotRender]:
    """One recipe per shot of `shot_list` (each shot's `seeds` entry). Raises ValueError unless there is exactly one
    seed per shot."""
    if len(seeds) != len(shot_list.shots):
        raise ValueError("one seed per shot")
    return [
        shot_recipe(shot, model, seed, aspect=aspect, steps=steps)
        for shot, seed in zip(shot_list.shots, seeds, strict=True)
    ]


def caption(shot: Shot, recipe: ShotRender | None = None) -> str:
    """Storyboard caption with the shot's rendered length (the recipe's, when given); the storyboard numbers
    the panels itself."""
    seconds = recipe.duration if recipe is not None else shot.duration
    return f"{what_happens(shot)} ({shot.camera}, {seconds:.1f} s)"


def what_happens(shot: Shot) -> str:
    """What the shot shows, its subject said once ("the red fox's face", not "the red fox, the red fox's
    face"): what storyboards, posts and the gallery print for a shot."""
    return shot_core(shot.subject, shot.action)


def shot_rows(shot_list: ShotList, recipes: list[ShotRender]) -> list[dict]:
    """Per shot, what will be rendered: index (1-based), prompt, negative_prompt, camera, duration_s (the
    recipe's real length) and segments (generations joined to make it)."""
    return [
        {"index": index, "prompt": shot.prompt, "negative_prompt": shot.negative_prompt, "camera": shot.camera,
         "duration_s": round(recipe.duration, 3), "segments": recipe.segments}
        for index, (shot, recipe) in enumerate(zip(shot_list.shots, recipes, strict=True), 1)
    ]


def with_render_notes(shot_list: ShotList, model: str) -> ShotList:
    """The shot list with a note for each thing it asked that `model` cannot do: a frame rate it does not
    render at, an aspect a fixed-size preset cannot take (generation.registry: `fixed_size`)."""
    preset = get_preset(model)
    notes = []
    if shot_list.fps is not None and shot_list.fps != preset.fps:
        notes.append(Text.of(N_("{model} renders at {fps} fps, so the clip is {fps} fps rather than {asked}."),
                             model=model, fps=preset.fps, asked=shot_list.fps))
    if shot_list.aspect is not None and preset.fixed_size and \
            abs(ASPECTS[shot_list.aspect] - preset.width / preset.height) > ASPECT_TOLERANCE:
        notes.append(Text.of(N_("{model} renders only at {width}x{height}, so the clip is {width}x{height} rather "
                                "than {aspect}."),
                             model=model, width=preset.width, height=preset.height, aspect=shot_list.aspect))
    return shot_list.model_copy(update={"notes": [*shot_list.notes, *notes]}) if notes else shot_list


def with_rendered_durations(shot_list: ShotList, recipes: list[ShotRender]) -> ShotList:
    """The shot list with each shot's duration set to what its recipe renders (whole frames at the model's
    rate), so the plan stored and shown is the decoded file's length."""
    shots = [shot.model_copy(update={"duration": round(recipe.duration, 3)})
             for shot, recipe in zip(shot_list.shots, recipes, strict=True)]
    return shot_list.model_copy(update={"shots": shots})


def take_seeds(base_seed: int, count: int) -> list[int]:
    """Seeds of `count` takes: the first is `base_seed` (so `seed:` plus `takes:` repeats), the others far
    from it and from the per-shot seeds of shot_seeds."""
    return [(base_seed + 104729 * index) % MAX_SEED for index in range(count)]
