"""Quality levels: which renders are drafts, and how a draft renders on this installation.

A request kind decides the level (draft:true, takes and relay turns are drafts; finalize makes finals; a remix
or a picked take keeps its source's), the server decides how drafts render (`draft_quality`: "fast" through
the preset's fast path, "full" on its own sampler at half its steps), and the operator decides what may be
picked on its own (`[models] accept_licences`) and whether finals take a cache hook (`[models] cache_finals`).
The level and the path are fields of every recipe (generation.recipe), so the render cache keys on them.
"""
from __future__ import annotations

import dataclasses

from common.text import Nn_, Text
from generation.fast_paths import as_draft, as_final, draft_path
from generation.recipe import ShotRender
from generation.registry import get_preset
from storage.records import Clip, GuildSettings
from studio.config import Config


def drafts(recipes: list[ShotRender], settings: GuildSettings, config: Config) -> list[ShotRender]:
    """The recipes as drafts: through their preset's draft path here when the server wants fast drafts (and the
    preset has one), else on its own sampler at draft steps."""
    if not recipes:
        return []
    fast = settings.draft_quality == "fast"
    path = draft_path(recipes[0].model, config.models_dir, frozenset(config.models.accept_licences)) if fast else None
    return [as_draft(recipe, path) for recipe in recipes]


def finals(recipes: list[ShotRender], config: Config) -> list[ShotRender]:
    """The recipes at full quality: the preset's full schedule (with the conservative cache hook when the
    operator turned `cache_finals` on)."""
    return [as_final(recipe, cache_finals=config.models.cache_finals) for recipe in recipes]


def is_draft(recipe: ShotRender) -> bool:
    """A draft: marked so, or (recipes from before quality levels) fewer steps than its preset's own."""
    return recipe.quality == "draft" or recipe.steps < get_preset(recipe.model).steps


def like(recipe: ShotRender, template: ShotRender) -> ShotRender:
    """`recipe` rendered the way `template` is: its quality level, fast path, steps and guidance."""
    return dataclasses.replace(recipe, quality=template.quality, fast_path=template.fast_path, steps=template.steps,
                               guidance=template.guidance)  # fmt: skip


def clip_is_draft(clip: Clip) -> bool:
    """Whether any shot of the clip is a draft (is_draft)."""
    return any(is_draft(ShotRender.from_dict(recipe)) for recipe in clip.recipes)


def clip_quality(clip: Clip) -> Text:
    """What a post and the gallery say of a clip's quality: "draft · 3 steps" or "final · 50 steps" (the most
    steps its drafts, or else its shots, take)."""
    recipes = [ShotRender.from_dict(recipe) for recipe in clip.recipes]
    drafts_ = [recipe for recipe in recipes if is_draft(recipe)]
    steps = max((recipe.steps for recipe in drafts_ or recipes), default=0)
    if drafts_:
        return Text.count(Nn_("draft · {n} step", "draft · {n} steps"), steps)
    return Text.count(Nn_("final · {n} step", "final · {n} steps"), steps)
