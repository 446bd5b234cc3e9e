"""Finalize keeps the look: a draft is refined into its final, not re-rolled from its seed.

Diffusion at other steps or another size lands elsewhere, so re-rendering a draft's recipe at full steps
gives another film than the one picked. Instead, on a preset with a video-to-video pipeline (Wan 2.1
1.3B, CogVideoX) each drafted shot is refined: its decoded frames (upscaled first where the draft was
smaller) are noised to `REFINE_STRENGTH` of the schedule and denoised at the preset's full steps, of
which diffusers runs int(steps x strength) (Wan 1.3B: 25 of 50). Presets without one (LTX-Video, Wan 2.2,
Wan VACE) re-animate the shot from its approved still at full steps, so it still opens on what was
approved; a shot with neither renders again in full, as before.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from common.errors import N_
from common.text import Text
from generation.recipe import ShotRender
from generation.registry import get_preset

# How far a refine moves from its draft: half the schedule keeps composition and motion (the draft's
# layout is set in the first, noisiest steps) while the full-step tail redraws texture and detail.
REFINE_STRENGTH = 0.4


def refined_recipe(draft: ShotRender, final: ShotRender, draft_video: Path | None) -> ShotRender:
    """The recipe that turns shot `draft` into its `final` (the same preset at full steps and native size):
    a refine of `draft_video` (the draft's rendered file) where the preset can, else `final` as it is (a
    shot that started from its approved still keeps starting from it)."""
    preset = get_preset(final.model)
    same = get_preset(draft.model).name == preset.name
    if not same or draft_video is None or preset.v2v_pipeline_class is None or final == draft:
        return final
    return dataclasses.replace(final, init_image=None, continues_from=None, init_video=str(draft_video),
                               strength=REFINE_STRENGTH)  # fmt: skip


def refined_recipes(
    drafts: Sequence[ShotRender], finals: Sequence[ShotRender], videos: Mapping[str, Path]
) -> list[ShotRender]:
    """`refined_recipe` of every shot; `videos`: the drafts' rendered files by recipe hash (the render
    cache's), a shot without one rendering again."""
    return [refined_recipe(draft, final, videos.get(draft.content_hash()))
            for draft, final in zip(drafts, finals, strict=True)]  # fmt: skip


def finalize_note(recipes: Sequence[ShotRender], model: str, changed_model: bool) -> Text:
    """What Finalize did, for the lineage and the post: refined (with the steps diffusers runs), re-animated
    from the approved stills, or re-rendered in full quality."""
    refine = next((recipe for recipe in recipes if recipe.init_video is not None), None)
    if refine is not None:
        return Text.of(N_("finalized: refined from the draft in {steps} of {total} steps (strength {strength})"),
                       steps=refine.refine_steps, total=refine.steps, strength=refine.strength)  # fmt: skip
    if any(recipe.init_image is not None for recipe in recipes) and not changed_model:
        return Text.of(N_("finalized: re-animated from the approved stills at full steps"))
    if changed_model:
        return Text.of(N_("finalized in full quality on {model}"), model=get_preset(model).name)
    return Text.of(N_("finalized in full quality"))
