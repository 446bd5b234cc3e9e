"""What a member does with a storyboard of stills, each one write transaction before any reply: re-roll a
shot's still (new seed), retry a still that failed, remove a shot, pick a take, cancel, and Animate; and
auto mode's Animate once its grace is over. Editing a shot's text is in `studio.storyboards.editing`.

Only the clip's author (or a moderator) acts on its storyboard. A change that needs new stills queues
them on the clip's stills job (the running one takes them too), and the storyboard waits for them again.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from common.errors import N_
from generation.recipe import ShotRender, linked
from generation.still_recipes import replanned, still_recipe
from renderqueue import jobs as job_store
from renderqueue.scheduler import job_cost
from storage.clips import move_clip, set_clip_plan
from storage.db import timestamp
from storage.records import PRIORITY_STILLS, GuildSettings, RenderJob
from storage.renders import cached_hashes
from storage.stills import (
    due_storyboards, get_storyboard, next_queued_still, pick_take, queue_still, remove_shot_stills, set_storyboard,
)  # fmt: skip
from studio.config import Config
from studio.errors import StudioError
from studio.members import Member
from studio.quality import drafts, finals
from studio.requests import StoryboardPlan
from studio.service import Studio
from studio.shots import random_seed, take_seeds
from studio.storyboards.plan import animate_recipes
from studio.storyboards.views import StoryboardView, read_storyboard


async def storyboard(studio: Studio, member: Member, clip_id: int) -> StoryboardView:
    """The clip's storyboard, for a member who sees the clip. Raises NotFound, StudioError."""
    return await studio.adb.read(read_storyboard, member, clip_id)


def queue_stills(db: Any, view: StoryboardView) -> RenderJob:
    """Queue the clip's stills job for its queued stills (the live one takes them if it runs) and put the
    storyboard back to waiting for them."""
    queued = [ShotRender.from_dict(still.recipe) for still in view.stills if still.status == "queued"]
    cached = cached_hashes(db, [recipe.content_hash() for recipe in queued])
    job = job_store.enqueue_clip_job(
        db, view.clip.id, user_id=view.clip.author_id, guild_id=view.clip.guild_id, model=view.clip.model,
        priority=PRIORITY_STILLS, cost_estimate=job_cost(queued, cached), kind="stills",
    )  # fmt: skip
    set_storyboard(db, view.clip.id, "stills")
    return job


def open_for_changes(view: StoryboardView) -> None:
    """Raises StudioError unless the storyboard's shots can still change: codes "already_animating" (its
    video renders), "already_animated" (the video is done), "video_failed", "storyboard_cancelled"."""
    stage, clip_id = view.stage, view.clip.id
    if stage == "animating":
        raise StudioError("Clip #{clip_id} is being animated already; remix it once it is posted.",
                          code="already_animating", clip_id=clip_id)  # fmt: skip
    if stage == "animated":
        raise StudioError("Clip #{clip_id} is already animated: remix it to change a shot.", code="already_animated",
                          clip_id=clip_id)  # fmt: skip
    if stage == "failed":
        raise StudioError("The video of clip #{clip_id} failed: remix it to try again.", code="video_failed",
                          clip_id=clip_id)  # fmt: skip
    if stage == "cancelled":
        raise StudioError("The storyboard of clip #{clip_id} was cancelled.", code="storyboard_cancelled",
                          clip_id=clip_id)  # fmt: skip


def shot_index(view: StoryboardView, shot: int) -> int:
    """The 0-based index of 1-based `shot`. Raises StudioError (code "no_such_shot") naming the shots there are."""
    if not 1 <= shot <= view.shots:
        if view.shots == 1:
            raise StudioError("Clip #{clip_id} has 1 shot: use shot 1.", code="no_such_shot", clip_id=view.clip.id)
        raise StudioError("Clip #{clip_id} has {count} shots: pick one from 1 to {count}.", code="no_such_shot",
                          clip_id=view.clip.id, count=view.shots)  # fmt: skip
    return shot - 1


async def reroll_still(studio: Studio, member: Member, clip_id: int, shot: int) -> StoryboardView:
    """A new seed for shot `shot` (1-based): its recipe takes it and its stills (every take) render again."""

    def write(db: Any) -> StoryboardView:
        view = read_storyboard(db, member, clip_id, acting=True)
        open_for_changes(view)
        index = shot_index(view, shot)
        recipes = [ShotRender.from_dict(recipe) for recipe in view.clip.recipes]
        recipes[index] = replanned(recipes[index], seed=random_seed())
        _replan(db, view, recipes)
        for take, seed in enumerate(take_seeds(recipes[index].seed, view.storyboard.takes)):
            queue_still(db, clip_id, index, take, still_recipe(recipes[index], seed=seed).to_dict())
        queue_stills(db, read_storyboard(db, member, clip_id))
        return read_storyboard(db, member, clip_id)

    return await studio.adb.write(write)


async def retry_stills(studio: Studio, member: Member, clip_id: int) -> StoryboardView:
    """Render every still that failed once more, as it was (same seed and text). Raises StudioError (code
    "nothing_failed") when none did."""

    def write(db: Any) -> StoryboardView:
        view = read_storyboard(db, member, clip_id, acting=True)
        open_for_changes(view)
        failed = [still for still in view.stills if still.status == "failed"]
        if not failed:
            raise StudioError("No still of clip #{clip_id} failed.", code="nothing_failed", clip_id=clip_id)
        for still in failed:
            queue_still(db, clip_id, still.shot, still.take, still.recipe)
        queue_stills(db, read_storyboard(db, member, clip_id))
        return read_storyboard(db, member, clip_id)

    return await studio.adb.write(write)


async def remove_shot(studio: Studio, member: Member, clip_id: int, shot: int) -> StoryboardView:
    """Take shot `shot` (1-based) out of the clip; the board is drawn again without it. Raises StudioError
    (code "last_shot") for the only shot."""

    def write(db: Any) -> StoryboardView:
        view = read_storyboard(db, member, clip_id, acting=True)
        open_for_changes(view)
        index = shot_index(view, shot)
        if view.shots == 1:
            raise StudioError("Shot 1 is the only shot of clip #{clip_id}: cancel the clip instead.",
                              code="last_shot", clip_id=clip_id)  # fmt: skip
        recipes = [ShotRender.from_dict(recipe) for n, recipe in enumerate(view.clip.recipes) if n != index]
        shot_list = dict(view.clip.shot_list)
        shot_list["shots"] = [s for n, s in enumerate(shot_list["shots"]) if n != index]
        captions = [c for n, c in enumerate(view.clip.captions) if n != index]
        set_clip_plan(db, clip_id, shot_list, [r.to_dict() for r in linked(recipes)], captions)
        remove_shot_stills(db, clip_id, index)
        # The stills job draws the board again (nothing to render unless stills were queued anyway).
        queue_stills(db, read_storyboard(db, member, clip_id))
        return read_storyboard(db, member, clip_id)

    return await studio.adb.write(write)


async def pick_still(studio: Studio, member: Member, clip_id: int, take: int, shot: int | None = None) -> StoryboardView:
    """Pick take `take` (1-based) of shot `shot`, or of every shot (a whole take): no render, Animate then
    uses it. In auto mode the grace starts again. Raises StudioError (code "no_such_take")."""

    def write(db: Any) -> StoryboardView:
        view = read_storyboard(db, member, clip_id, acting=True)
        open_for_changes(view)
        if not 1 <= take <= view.storyboard.takes:
            raise StudioError("Clip #{clip_id} has takes 1 to {count}.", code="no_such_take", clip_id=clip_id,
                              count=view.storyboard.takes)  # fmt: skip
        for index in range(view.shots) if shot is None else [shot_index(view, shot)]:
            pick_take(db, clip_id, index, take - 1)
        _restart_grace(db, view)
        return read_storyboard(db, member, clip_id)

    return await studio.adb.write(write)


async def cancel_storyboard(studio: Studio, member: Member, clip_id: int) -> StoryboardView:
    """Cancel the clip before its video: its stills job (queued or running) and the storyboard."""

    def write(db: Any) -> StoryboardView:
        view = read_storyboard(db, member, clip_id, acting=True)
        open_for_changes(view)
        job_store.cancel_clip_jobs(db, clip_id)
        set_storyboard(db, clip_id, "cancelled")
        move_clip(db, clip_id, "cancelled")
        return read_storyboard(db, member, clip_id)

    return await studio.adb.write(write)


async def animate(studio: Studio, member: Member, clip_id: int) -> RenderJob:
    """Render the clip's video as approved: each shot with its picked still's seed, starting from the still
    where the preset can (studio.storyboards.plan.animate_recipes), at the storyboard's quality. Raises
    StudioError (codes "stills_rendering", "still_failed", and open_for_changes's), QueueFull."""
    settings = await studio.settings(member.guild_id)

    def write(db: Any) -> RenderJob:
        view = read_storyboard(db, member, clip_id, acting=True)
        open_for_changes(view)
        return _animate(db, view, _at_quality(view, settings, studio.config),
                        job_store.QueueLimits.from_settings(settings))  # fmt: skip

    return await studio.adb.write(write)


def _at_quality(view: StoryboardView, settings: GuildSettings, config: Config) -> Callable[[ShotRender], ShotRender]:
    """How a shot of the storyboard renders when animated: a draft (the server's draft path) or a final."""
    if view.storyboard.quality == "draft":
        return lambda recipe: drafts([recipe], settings, config)[0]
    return lambda recipe: finals([recipe], config)[0]


def _animate(
    db: Any, view: StoryboardView, at_quality: Callable[[ShotRender], ShotRender], limits: job_store.QueueLimits | None
) -> RenderJob:
    if view.storyboard.status == "stills" or next_queued_still(db, view.clip.id) is not None:
        raise StudioError("The stills of clip #{clip_id} are still rendering: Animate once they are ready.",
                          code="stills_rendering", clip_id=view.clip.id)  # fmt: skip
    failed = [shot for shot, _reason in view.failed() if any(s.shot + 1 == shot and s.picked for s in view.stills)]
    if failed:
        raise StudioError(N_("The still of shot {shots} failed: retry it or remove the shot first.") if len(failed) == 1
                          else N_("The stills of shots {shots} failed: retry them or remove those shots first."),
                          code="still_failed", shots=", ".join(map(str, failed)))  # fmt: skip
    recipes = [ShotRender.from_dict(recipe) for recipe in view.clip.recipes]
    cached = cached_hashes(db, [replanned(r, seed=int(s.recipe["seed"])).content_hash()
                                for r, s in zip(recipes, view.picked(), strict=True)])  # fmt: skip
    animated = animate_recipes(recipes, view.picked(), cached, at_quality)
    set_clip_plan(db, view.clip.id, view.clip.shot_list, [r.to_dict() for r in animated], view.clip.captions)
    plan = StoryboardPlan(view.storyboard.mode, view.storyboard.quality)
    job = job_store.enqueue_clip_job(
        db, view.clip.id, user_id=view.clip.author_id, guild_id=view.clip.guild_id, model=view.clip.model,
        priority=plan.priority, cost_estimate=job_cost(animated, cached_hashes(db, [r.content_hash() for r in animated])),
        limits=limits,
    )  # fmt: skip
    set_storyboard(db, view.clip.id, "animating")
    return job


def _restart_grace(db: Any, view: StoryboardView) -> None:
    """The member acted: in auto mode, a ready storyboard waits its whole grace again."""
    if view.storyboard.mode == "auto" and view.storyboard.status == "ready":
        set_storyboard(db, view.clip.id, "ready", animate_at=timestamp() + view.storyboard.grace_s)


def _replan(db: Any, view: StoryboardView, recipes: list[ShotRender]) -> None:
    set_clip_plan(db, view.clip.id, view.clip.shot_list, [r.to_dict() for r in linked(recipes)], view.clip.captions)


async def animate_due(studio: Studio, transport: str) -> list[RenderJob]:
    """Animate every storyboard in auto mode whose grace is over (clips `transport` delivers), as their
    authors would; a storyboard that can't animate (a still failed) waits for its author. Returns the
    clip jobs queued."""
    queued: list[RenderJob] = []
    for clip_id in await studio.adb.read(due_storyboards, transport=transport):
        due = await studio.adb.read(get_storyboard, clip_id)
        if due is None:
            continue
        settings = await studio.settings(due.guild_id)

        def write(db: Any, clip_id: int = clip_id) -> RenderJob | None:
            storyboard = get_storyboard(db, clip_id)
            if storyboard is None or storyboard.status != "ready" or storyboard.mode != "auto":
                return None  # the author acted meanwhile
            author = Member(storyboard.user_id, "", storyboard.guild_id, can_moderate=True, transport=transport)
            view = read_storyboard(db, author, clip_id)
            try:
                return _animate(db, view, _at_quality(view, settings, studio.config), None)
            except StudioError:
                set_storyboard(db, clip_id, "ready")  # not due any more: the author decides
                return None

        job = await studio.adb.write(write)
        if job is not None:
            queued.append(job)
    return queued
