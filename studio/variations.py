"""Vary (subtle): the same film, a little different, as Midjourney members know the button.

Re-roll is the strong variation (new seeds: another composition); Restyle is another look. A subtle
variation keeps each shot's composition and motion and redraws its detail: on a preset with a
video-to-video pipeline (Wan 2.1 1.3B, CogVideoX) each shot is its own rendered video, noised to
`VARY_STRENGTH` of the schedule with a new seed and denoised again (diffusers runs int(steps x strength)
of the steps: 17 of 50); on a preset that starts from a picture instead (LTX-Video, Wan 2.2, Wan VACE)
each shot is re-animated from its own first frame with a new seed, so it opens on what the member saw.
"""
from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from common.errors import ReelbotError
from common.text import N_, Text
from generation.recipe import ShotRender
from generation.registry import get_preset
from generation.still_recipes import animated_recipe, opens_on_still
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL
from storage.renders import cached_paths
from storage.requests import StoredRequest
from studio.busy import refuse_or_keep
from studio.members import Member
from studio.remix import RemixError, save_frame
from studio.remix.planning import check_may_remix, load_source
from studio.request_kinds import finishes
from studio.requests import Accepted
from studio.service import Studio
from studio.shots import random_seed
from studio.takes import child_plan, is_draft, source_cast

# Less of the schedule than Finalize's refine (0.4): a variation should stay nearer its clip than a final
# does to its draft, yet a new seed's noise over a third of the steps visibly redraws texture and detail.
VARY_STRENGTH = 0.35


def subtle_recipe(recipe: ShotRender, video: Path | None, frames_dir: Path, seed: int) -> ShotRender | None:
    """Shot `recipe` varied with `seed`: a video-to-video pass over `video` (the shot's rendered file) at
    `VARY_STRENGTH` where the preset has one, else the shot animated from its first frame (saved as a picture
    in `frames_dir`, decoded only then) where the preset starts from pictures; None for a shot with neither
    (its render is no longer kept, or the preset can do neither)."""
    preset = get_preset(recipe.model)
    if video is not None and preset.v2v_pipeline_class is not None:
        return dataclasses.replace(recipe, seed=seed, init_image=None, continues_from=None, init_video=str(video),
                                   strength=VARY_STRENGTH)  # fmt: skip
    if video is not None and opens_on_still(recipe.model):
        return dataclasses.replace(animated_recipe(recipe, save_frame(video, frames_dir, 0)), seed=seed)
    return None


async def vary(studio: Studio, member: Member, clip_id: int, *, origin: dict | None = None) -> Accepted:
    """Queue a subtle variation of clip `clip_id` (remix kind "vary"), credited like any remix: every shot
    keeps its composition and gets new detail (module docstring). Raises RemixError (code "cannot_vary",
    "nothing_rendered") and the refusals of any remix (opt-outs, other servers)."""
    settings = await studio.check_member_may_request(member)
    casting = await source_cast(studio, member, clip_id, settings)
    stored = await studio.record_request(member, "vary", f"vary clip #{clip_id} (subtle)", {"clip_id": clip_id},
                                         origin, casting)  # fmt: skip
    return await _fulfil(studio, stored.id, member, clip_id, origin)


async def _fulfil(studio: Studio, request_id: int, member: Member, clip_id: int, origin: dict | None) -> Accepted:
    settings = await studio.settings(member.guild_id)
    try:
        source = await studio.adb.read(load_source, clip_id)
        check_may_remix(member, source, settings)
        clip = source.clip
        if clip.status != "ready":
            raise RemixError("Clip #{clip_id} isn't rendered yet: vary it once it is posted.",
                             code="nothing_rendered", clip_id=clip.id)  # fmt: skip
        recipes = Studio.recipes(clip)
        videos = await studio.adb.read(cached_paths, [recipe.content_hash() for recipe in recipes])
        frames_dir = studio.config.media_dir / "frames"

        subtle = await asyncio.to_thread(lambda: [subtle_recipe(recipe, videos.get(recipe.content_hash()), frames_dir,
                                                                random_seed()) for recipe in recipes])
        if None in subtle:
            raise RemixError("Clip #{clip_id} can't be varied subtly: its shots are no longer kept. Re-roll it "
                             "instead.", code="cannot_vary", clip_id=clip.id)  # fmt: skip
        recipes = [recipe for recipe in subtle if recipe is not None]
        refine = next((recipe for recipe in recipes if recipe.init_video is not None), None)
        note = (Text.of(N_("varied subtly: redrawn from the clip in {steps} of {total} steps (strength {strength})"),
                        steps=refine.refine_steps, total=refine.steps, strength=refine.strength)
                if refine is not None else Text.of(N_("varied subtly: re-animated from each shot's first frame")))
        casting = await studio.casting(member, "", settings=settings, parent_id=clip.id, request_id=request_id)
        priority = PRIORITY_DRAFT if is_draft(clip) else PRIORITY_FINAL
        plan = child_plan(clip, recipes, priority=priority, kind="vary", note=note, casting=casting)
        return await studio.queue_plan(request_id, member, clip.request, plan, settings, origin)
    except ReelbotError as error:
        await refuse_or_keep(studio, request_id, error)


@finishes("vary")
async def _resume_vary(studio: Studio, stored: StoredRequest) -> Accepted:
    return await _fulfil(studio, stored.id, Member.of_request(stored), stored.options["clip_id"], stored.origin)
