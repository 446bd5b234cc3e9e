"""A plan is refused before it is stored unless every shot can be rendered as planned.

Each shot's recipe must be one its model renders (`generation.registry.validate_recipe`) and must last what
the plan says within one frame, on that model's frame grid, and at least a shot's shortest length
(`prompts.schema.MIN_SHOT_SECONDS`). A one-frame still is a picture, not a shot, and has no length to keep.

Found by the round's probes: finalizing onto a preset whose one generation is shorter than the shot (17
frames at 24 fps is 0.71 s) stored a sub-second shot that then failed validation on every later read of
the clip, in every command that showed it.
"""
from __future__ import annotations

from collections.abc import Sequence

from generation.recipe import ShotRender
from generation.registry import validate_recipe
from prompts.schema import MIN_SHOT_SECONDS, Shot
from studio.errors import StudioError


def check_renderable(shots: Sequence[Shot], recipes: Sequence[ShotRender]) -> None:
    """Raise RecipeError (what the model can't render) or StudioError (code "unrenderable_plan": a shot
    that would not last what the plan says) for the first such shot. `shots` and `recipes` pair up by
    position; with a different count (a clip of takes renders its first shot once per take), each recipe
    is held to the first shot."""
    for number, recipe in enumerate(recipes, start=1):
        shot = shots[number - 1] if len(shots) == len(recipes) else shots[0]
        if recipe.frames == 1:
            continue  # a one-frame still: a picture, checked where stills are made
        validate_recipe(recipe)
        one_frame = 1 / recipe.fps
        if recipe.duration < MIN_SHOT_SECONDS - 1e-9 or abs(recipe.duration - shot.duration) > one_frame + 1e-9:
            raise StudioError(
                "Shot {shot} can't be rendered as planned on {model}: it would last {seconds:.2f} s instead of "
                "{planned:.1f} s. Try another model.",
                code="unrenderable_plan", shot=number, model=recipe.model, seconds=recipe.duration,
                planned=shot.duration,
            )
