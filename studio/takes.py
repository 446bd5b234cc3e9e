"""Takes and finals: pick one of a clip's draft takes, or make a draft clip final.

A clip of takes (remix_kind "takes", made by `/video ... takes:N`) holds the whole planned shot list and
N draft renders of its first shot, one per seed. Picking take k queues the full clip with take k's seed
as its base seed, at the same draft steps, so its first shot is take k itself, served from the render
cache. Finalizing a draft makes a new clip in the lineage (remix_kind "finalize") at the preset's native
size and full steps: each shot refined from its draft where the preset can (studio.storyboards.refine),
so the final keeps the look that was picked; on another preset, re-rendered. Shots already final keep
their recipe and come from the cache. (Clips of takes, remix_kind "takes", were made before takes became
stills; their Pick still works.)
"""
from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from common.text import N_, Text
from generation.fast_paths import FINAL_CACHE, as_final
from generation.recipe import ShotRender
from generation.registry import get_preset
from generation.segments import resized
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL, Clip, GuildSettings
from storage.renders import cached_paths
from studio.storyboards.refine import finalize_note, refined_recipes
from storage.requests import StoredRequest
from common.errors import ReelbotError
from studio.busy import refuse_or_keep
from studio.cast.casting import Casting
from studio.pictures import fit_picture, original_picture
from studio.quality import like
from studio.remix import RemixError, aspect_of
from studio.remix.planning import check_may_remix, load_source
from studio.request_kinds import finishes
from studio.members import Member
from studio.requests import Accepted, ClipPlan
from studio.service import Studio
from studio.shots import recipes_for, shot_seeds


def is_draft(clip: Clip) -> bool:
    """True when finalizing would change the clip: a draft's quality level or fast path, fewer steps or a
    smaller size than its preset's own (a final's cache hook, when the operator turned those on, stays)."""
    return clip.remix_kind != "takes" and any(
        final_recipe(r, r.model, cache_finals=r.fast_path in FINAL_CACHE.values()) != r for r in Studio.recipes(clip)
    )


def final_recipe(recipe: ShotRender, model: str, *, cache_finals: bool = False) -> ShotRender:
    """The shot at `model`'s native size (for the recipe's aspect) and full quality (generation.fast_paths
    as_final: full steps, no draft path, the family's final cache hook with `cache_finals`); same prompt and
    seed. Another model also takes its own guidance and frame rate, and the segments and frames that keep
    the shot's length on its frame grid. A starting
    picture is fitted again, from the member's original, to the new size."""
    preset, same = get_preset(model), get_preset(recipe.model).name == get_preset(model).name
    width, height = preset.size_for(aspect_of(recipe))
    moved = recipe if same else dataclasses.replace(recipe, model=preset.name, steps=preset.steps,
                                                    guidance=preset.guidance, fast_path=None)  # fmt: skip
    final = dataclasses.replace(
        as_final(moved, cache_finals=cache_finals),
        width=width,
        height=height,
        fps=recipe.fps if same else preset.fps,
    )
    if not same:  # the shot keeps its length on the new model's frame grid (segments where one is too short)
        final = resized(dataclasses.replace(final, num_frames=preset.num_frames), recipe.duration)
    if recipe.init_image and (width, height) != (recipe.width, recipe.height):
        picture = original_picture(Path(recipe.init_image))
        final = dataclasses.replace(final, init_image=str(fit_picture(picture, width, height).path))
    return final


async def take_videos(studio: Studio, clip: Clip) -> list[Path | None]:
    """Each take's own short video (its render cache entry), in take order; None for a take whose file is
    no longer cached. For a clip of takes once rendered; [] for any other clip."""
    if clip.remix_kind != "takes":
        return []
    hashes = await asyncio.to_thread(lambda: [recipe.content_hash() for recipe in Studio.recipes(clip)])
    paths = await studio.adb.read(cached_paths, hashes)
    return [paths.get(recipe_hash) for recipe_hash in hashes]


async def finalize(
    studio: Studio, member: Member, clip_id: int, *, model: str | None = None, origin: dict | None = None
) -> Accepted:
    """Queue the HD version of draft clip `clip_id` (on `model`, default the clip's own). Raises
    RemixError (code "already_final" when nothing would change; "pick_a_take" for a clip of takes) and
    the refusals of any remix (opt-outs, other servers)."""
    settings = await studio.check_member_may_request(member)
    if model is not None:
        model = get_preset(model).name
    casting = await source_cast(studio, member, clip_id, settings)
    stored = await studio.record_request(member, "finalize", f"finalize clip #{clip_id}",
                                         {"clip_id": clip_id, "model": model}, origin, casting)  # fmt: skip
    return await _fulfil_finalize(studio, stored.id, member, clip_id, model, origin)


async def _fulfil_finalize(
    studio: Studio, request_id: int, member: Member, clip_id: int, model: str | None, origin: dict | None
) -> Accepted:
    settings = await studio.settings(member.guild_id)
    try:
        source = await studio.adb.read(load_source, clip_id)
        check_may_remix(member, source, settings)
        clip = source.clip
        if clip.remix_kind == "takes":
            raise RemixError("Clip #{clip_id} is a set of takes: pick one first, then finalize that clip.",
                             code="pick_a_take", clip_id=clip.id)  # fmt: skip
        target = model or clip.model
        recipes = Studio.recipes(clip)
        cache_finals = studio.config.models.cache_finals
        finals = await asyncio.to_thread(lambda: [final_recipe(r, target, cache_finals=cache_finals) for r in recipes])
        if finals == recipes:
            raise RemixError("Clip #{clip_id} is already final: nothing to re-render.", code="already_final",
                             clip_id=clip.id)  # fmt: skip
        videos = await studio.adb.read(cached_paths, [recipe.content_hash() for recipe in recipes])
        finals = await asyncio.to_thread(refined_recipes, recipes, finals, videos)
        note = finalize_note(finals, target, changed_model=get_preset(target).name != get_preset(clip.model).name)
        casting = await studio.casting(member, "", settings=settings, parent_id=clip.id, request_id=request_id)
        plan = child_plan(clip, finals, priority=PRIORITY_FINAL, kind="finalize", note=note, casting=casting)
        return await studio.queue_plan(request_id, member, clip.request, plan, settings, origin)
    except ReelbotError as error:
        await refuse_or_keep(studio, request_id, error)


def child_plan(
    clip: Clip, recipes: list[ShotRender], *, priority: int, kind: str, note: Text, casting: Casting
) -> ClipPlan:
    """The plan of a clip re-rendering `clip`'s shot list with `recipes` (a pick or a finalize), queued as
    its child in the lineage with its cast: seeds, aspect, steps and model are the recipes' own."""
    first = recipes[0]
    return ClipPlan(
        shot_list=Studio.shot_list(clip), model=first.model, seeds=[recipe.seed for recipe in recipes],
        aspect=aspect_of(first), steps=first.steps, priority=priority, parent_id=clip.id, remix_kind=kind,
        remix_note=note, recipes=tuple(recipes), casting=casting,
    )  # fmt: skip


async def source_cast(studio: Studio, member: Member, clip_id: int, settings: GuildSettings) -> Casting:
    """The cast a pick or finalize of clip `clip_id` keeps, once the member may make one of it (raises
    NotFound and the remix refusals otherwise, and the cast's own)."""
    check_may_remix(member, await studio.adb.read(load_source, clip_id), settings)
    return await studio.casting(member, "", settings=settings, parent_id=clip_id)


@finishes("finalize")
async def _resume_finalize(studio: Studio, stored: StoredRequest) -> Accepted:
    options = stored.options
    return await _fulfil_finalize(studio, stored.id, Member.of_request(stored), options["clip_id"],
                                  options.get("model"), stored.origin)  # fmt: skip


async def pick(studio: Studio, member: Member, clip_id: int, take: int, *, origin: dict | None = None) -> Accepted:
    """Queue the full clip of take `take` (1-based) of clip of takes `clip_id`, as its child (remix kind
    "pick"). Only the takes' author (or a moderator) picks. Raises RemixError (codes "not_takes",
    "no_such_take"), NotAllowed, and the refusals of any remix."""
    settings = await studio.check_member_may_request(member)
    casting = await source_cast(studio, member, clip_id, settings)
    stored = await studio.record_request(member, "pick", f"take {take} of clip #{clip_id}",
                                         {"clip_id": clip_id, "take": take}, origin, casting)  # fmt: skip
    return await _fulfil_pick(studio, stored.id, member, clip_id, take, origin)


async def _fulfil_pick(
    studio: Studio, request_id: int, member: Member, clip_id: int, take: int, origin: dict | None
) -> Accepted:
    settings = await studio.settings(member.guild_id)
    try:
        source = await studio.adb.read(load_source, clip_id)
        check_may_remix(member, source, settings)
        clip = source.clip
        if clip.remix_kind != "takes":
            raise RemixError("Clip #{clip_id} has no takes to pick from.", code="not_takes", clip_id=clip.id)
        if clip.author_id != member.id and not member.can_moderate:
            raise RemixError("Only {name} can pick a take of clip #{clip_id}.", code="not_your_takes",
                             name=clip.author_name, clip_id=clip.id)  # fmt: skip
        takes = Studio.recipes(clip)
        if not 1 <= take <= len(takes):
            raise RemixError("Clip #{clip_id} has takes 1 to {count}.", code="no_such_take", clip_id=clip.id,
                             count=len(takes))  # fmt: skip
        chosen = takes[take - 1]
        shot_list = Studio.shot_list(clip)
        # The same recipes the request would have made with this seed: shot 1 is the take itself, the others
        # drafts of the same quality and fast path.
        recipes = [like(recipe, chosen) for recipe in recipes_for(
            shot_list, chosen.model, shot_seeds(chosen.seed, len(shot_list.shots)), aspect=aspect_of(chosen))]
        recipes[0] = chosen
        if chosen.init_image is not None:
            recipes[1:] = [dataclasses.replace(r, continues_from="") for r in recipes[1:]]  # linked() fills them
        casting = await studio.casting(member, "", settings=settings, parent_id=clip.id, request_id=request_id)
        plan = child_plan(clip, recipes, priority=PRIORITY_DRAFT, kind="pick", casting=casting,
                           note=Text.of(N_("picked take {take} (seed {seed})"), take=take, seed=chosen.seed))
        return await studio.queue_plan(request_id, member, clip.request, plan, settings, origin)
    except ReelbotError as error:
        await refuse_or_keep(studio, request_id, error)


@finishes("pick")
async def _resume_pick(studio: Studio, stored: StoredRequest) -> Accepted:
    options = stored.options
    return await _fulfil_pick(studio, stored.id, Member.of_request(stored), options["clip_id"], options["take"],
                              stored.origin)  # fmt: skip
