"""What a storyboard-first request queues, and what Animate renders: pure functions over recipes.

A request planned as usual (its shot recipes) is queued with a `StoryboardPlan`: its stills (one per shot,
or `takes` per shot with their own seeds) render first, as a job of their own ahead of video work. On
Animate each shot keeps its picked still's seed and, with an image-to-video preset, starts from that
still (`generation.still_recipes.animated_recipe`), so the clip opens on what was approved. A shot whose recipe
is already in the render cache (a remix's unchanged shot) keeps it: it is served, not rendered again.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from generation.recipe import ShotRender, linked
from generation.still_recipes import animated_recipe, replanned, still_recipe
from storage.records import GuildSettings, Still
from studio.config import StillsConfig
from studio.requests import StoryboardPlan
from studio.shots import take_seeds

def storyboard_stills(plan: StoryboardPlan, recipes: Sequence[ShotRender]) -> list[tuple[int, int, ShotRender]]:
    """(shot, take, still recipe) of every still of `plan` for the shots `recipes`: the shot's own seed for
    its first take, further takes with seeds far from it (`take_seeds`)."""
    return [(shot, take, still_recipe(recipe, seed=seed))
            for shot, recipe in enumerate(recipes)
            for take, seed in enumerate(take_seeds(recipe.seed, plan.takes))]  # fmt: skip


def storyboard_plan(
    asked: str | None, settings: GuildSettings, defaults: StillsConfig, *, takes: int, draft: bool
) -> StoryboardPlan:
    """The storyboard a request gets (mode "off": none, the video at once): the mode `asked` by the
    front-end, else the server's `stills_first`, else the bot's. Takes are stills, so a request for takes
    always gets a storyboard (asked as a member would: "ask"). `draft`: the member asked for a draft."""
    mode = asked or settings.stills_first or defaults.first
    if mode == "off" and takes > 1:
        mode = "ask"
    quality = "draft" if draft else settings.animate_quality or defaults.animate_quality
    grace = settings.stills_grace_s if settings.stills_grace_s is not None else defaults.grace_s
    return StoryboardPlan(mode, quality, max(1, takes), float(grace))


def animate_recipes(
    recipes: Sequence[ShotRender],
    picked: Sequence[Still],
    cached: Collection[str],
    at_quality: Callable[[ShotRender], ShotRender],
) -> list[ShotRender]:
    """The recipes Animate renders, one per shot: each with its picked still's seed. A shot whose recipe
    with that seed is in the render cache (`cached` recipe hashes: a remix's unchanged shot) is served as
    it is; any other renders `at_quality` (the storyboard's: studio.quality's drafts or finals), starting
    from its still where the preset can. `picked`: the shot's picked still, one per shot, in shot order."""
    out: list[ShotRender] = []
    for recipe, still in zip(recipes, picked, strict=True):
        shot = replanned(recipe, seed=int(still.recipe["seed"]))  # another take's seed: not the old still
        if shot.content_hash() not in cached:
            shot = animated_recipe(at_quality(shot), still.path)
        out.append(shot)
    return linked(out)
