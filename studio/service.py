"""The transport-agnostic core: take a member's request, make it durable, expand it, queue it.

Discord cogs and the console call these coroutines and show `user_message` of the errors in
`common.errors.ReelbotError`; nothing here knows how a reply reaches the member.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.text import Nn_, Text
from generation.recipe import ShotRender, linked
from generation.placement import i2v_fallback
from generation.registry import ASPECTS, get_preset, i2v_models
from renderqueue.scheduler import job_cost
from prompts.expand import ExpandOptions, Expander, build_expander
from prompts.pipeline import expand_request
from prompts.safety import SafetyPolicy, ensure_screened, sanitize_request
from prompts.schema import ShotList
from storage import clips as clip_store
from renderqueue import jobs as job_store
from storage import requests as request_store
from storage.aio import AsyncDatabase
from common.errors import NotAllowed, NotFound
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL, Clip, ClipStatus, GuildSettings, QueueEstimate, RenderJob
from storage.forget import DELETED_MEMBER_ID, DELETED_MEMBER_NAME, Forgotten, forget_user
from storage.renders import cached_hashes
from storage.requests import StoredRequest
from storage.settings import SETTING_NAMES, get_settings, set_setting
from studio.config import Config, with_auto_model
from common.errors import ReelbotError
from studio.busy import refuse_or_keep
from studio.errors import StudioError
from studio.request_kinds import finishes
from studio.pictures import PictureError, start_from_picture
from studio.shots import (
    MAX_TAKES, caption, random_seed, recipes_for, shot_seeds, take_seeds, takes_plan, with_render_notes,
    with_rendered_durations,
)  # fmt: skip

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Member:
    """Who is asking, and where. Ids are the transport's (Discord snowflakes; 0 on the console)."""

    id: int
    name: str
    guild_id: int | None = None
    channel_id: int | None = None
    # A server manager or one of the guild's moderator roles: may cancel and delete others' work and run
    # challenges.
    can_moderate: bool = False
    # The member's role ids in the guild, for features a guild opens to configured roles (challenges).
    role_ids: tuple[int, ...] = ()
    # The front-end the member reached us through ("discord", "console", ...): it delivers their clips.
    transport: str = "console"

    def sees(self, guild_id: int | None, author_id: int) -> bool:
        """Whether work made in `guild_id` by `author_id` is visible to this member where they are: a
        server's clips, jobs and challenges stay within it, and direct-message work with its author."""
        return guild_id == self.guild_id and (guild_id is not None or author_id == self.id)

    @classmethod
    def of_request(cls, stored: StoredRequest) -> "Member":
        """Who made a stored request (without roles or admin rights, which requests don't record)."""
        return cls(stored.user_id, stored.user_name, stored.guild_id, stored.channel_id, transport=stored.transport)


@dataclass(frozen=True)
class VideoOptions:
    """What a member may set on a new clip; None means the server's or the planner's default."""

    shots: int | None = None
    model: str | None = None
    seed: int | None = None
    aspect: str | None = None
    duration: float | None = None
    style: str | None = None
    negative: str | None = None
    # Drafts render with fewer steps and jump ahead of final renders in the queue.
    draft: bool = False
    # A stored picture (studio.pictures.read_picture's path) that the first shot starts from.
    image: str | None = None
    # Draft takes of the first shot to pick from (2-4; None: the server's `takes` setting).
    takes: int | None = None


@dataclass(frozen=True)
class Accepted:
    """A request accepted and queued: the stored request, its clip and job, the plan, the queue estimate, and how
    many shots come from the render cache."""

    request_id: int
    clip: Clip
    job: RenderJob
    shot_list: ShotList
    estimate: QueueEstimate | None
    # Shots whose recipe was rendered before: they cost no GPU time.
    reused: int
    # Things the member should know about how the request was taken (a cropped picture), for a front-end
    # to translate (common.text).
    notes: tuple[Text, ...] = ()


@dataclass(frozen=True)
class JobView:
    """A job with its clip and, while it waits, where it stands in the queue."""

    job: RenderJob
    clip: Clip
    estimate: QueueEstimate | None


@dataclass(frozen=True)
class ClipPlan:
    """Everything needed to queue a clip; creation, remixes and relays all end in one of these."""

    shot_list: ShotList
    model: str
    seeds: list[int]
    aspect: str | None
    steps: int | None
    priority: int
    parent_id: int | None = None
    remix_kind: str | None = None
    # What the remix changed (stored as Text JSON in clips.remix_note; common.text).
    remix_note: Text | None = None
    # Exact recipes, one per shot, instead of deriving them from the shot list: a remix carries its
    # parent's unchanged shots over bit for bit (so they hit the render cache even when the parent was
    # shrunk after running out of memory) and can give a shot an init image.
    recipes: tuple[ShotRender, ...] | None = None
    # Storyboard captions, one per recipe, when they aren't the shots' (takes are one shot, N seeds).
    captions: tuple[str, ...] | None = None


class Studio:
    """The application core every front-end calls: requests, remixes, jobs, settings and forgetting, over one
    database (`adb`) and a planner (`expander`). Every refusal is a `common.errors.ReelbotError`."""

    def __init__(self, config: Config, adb: AsyncDatabase, expander: Expander | None = None) -> None:
        self.config = with_auto_model(config)
        self.adb = adb
        self.expander = expander or build_expander(config.expander)
        # Stored requests being finished in the background after the database was busy (studio.busy).
        self.finishing_later: dict[int, asyncio.Task] = {}

    async def aclose(self) -> None:
        """Close the database's reader pool and writer, after cancelling the requests being finished in the
        background (still stored as received: the next start finishes them)."""
        for task in self.finishing_later.values():
            task.cancel()
        await asyncio.gather(*self.finishing_later.values(), return_exceptions=True)
        await self.adb.__aexit__()

    async def settings(self, guild_id: int | None) -> GuildSettings:
        """The server's settings (its overrides over the defaults; the defaults for None)."""
        return await self.adb.read(get_settings, guild_id)

    @staticmethod
    def setting_names() -> tuple[str, ...]:
        """Every per-server setting's name, in the order `/settings show` lists them."""
        return SETTING_NAMES

    async def change_setting(self, guild_id: int, key: str, value: str, *, by_user_id: int) -> GuildSettings:
        """Set one server setting from the text a member typed (`default` restores the default) and return
        the settings after the change. Who may do this is the front-end's decision (Discord: Manage Server;
        the console: its operator). Raises InvalidValue naming an unknown key or a bad value."""
        return await self.adb.write(set_setting, guild_id, key.strip(), value, by_user_id=by_user_id)

    async def member_clips(
        self, member: Member, *, status: ClipStatus | None = "ready", limit: int = 25
    ) -> list[Clip]:
        """The member's own clips in their server, newest first, at most `limit`."""
        return await self.adb.read(
            clip_store.list_clips, guild_id=member.guild_id, author_id=member.id, status=status, limit=limit
        )

    def safety_policy(self, settings: GuildSettings) -> SafetyPolicy:
        """The configured safety policy with the server's level and its extra blocked words."""
        return dataclasses.replace(
            self.config.safety,
            level=settings.safety_level,
            blocklist=[*self.config.safety.blocklist, *settings.blocklist],
        )

    async def check_member_may_request(self, member: Member) -> GuildSettings:
        """The member's server settings, if videos may be requested where the member is. Raises StudioError (code
        "wrong_channel", with `channel_ids`) in a channel the server did not allow."""
        settings = await self.settings(member.guild_id)
        if settings.allowed_channels and member.channel_id not in settings.allowed_channels:
            # `channel_ids` lets a front-end show the channels its own way (Discord: mentions).
            raise StudioError(
                "Videos can't be requested in this channel. Try one of: {channels}.",
                code="wrong_channel",
                channel_ids=tuple(settings.allowed_channels),
                channels=", ".join(f"#{channel}" for channel in settings.allowed_channels),
            )
        return settings

    # --- creating ------------------------------------------------------------------------------------

    async def create(
        self, member: Member, text: str, options: VideoOptions = VideoOptions(), *, origin: dict | None = None
    ) -> Accepted:
        """Validate, persist the raw request, expand it and queue the clip. Raises ReelbotError."""
        settings = await self.check_member_may_request(member)
        text = sanitize_request(text)
        self._check_options(options, settings)
        await ensure_screened(text, self.safety_policy(settings))
        stored = await self.record_request(member, "create", text, dataclasses.asdict(options), origin)
        return await self.fulfil_create(stored.id, member, text, options, settings, origin)

    async def record_request(
        self, member: Member, kind: str, text: str, options: dict, origin: dict | None
    ) -> StoredRequest:
        """Store a request as received, before any slow work, so `studio.resume` can finish it after a crash."""
        return await self.adb.write(
            request_store.record_request,
            kind=kind,
            guild_id=member.guild_id,
            channel_id=member.channel_id,
            user_id=member.id,
            user_name=member.name,
            text=text,
            options=options,
            origin=origin,
            transport=member.transport,
        )

    def model_for(self, options: VideoOptions, settings: GuildSettings) -> str:
        """The preset a request renders on: the member's choice, else the server's or the bot's default;
        with a picture and no choice, an image-to-video preset in place of a default that can't take one.
        Raises PictureError (code "model_no_i2v") naming the presets that can take a picture."""
        model = get_preset(options.model or settings.default_model or self.config.default_model).name
        if options.image is None or get_preset(model).supports_i2v:
            return model
        fallback = None if options.model else i2v_fallback(model, self.config.models_dir)
        if fallback is None:
            raise PictureError(
                "{model} can't start from a picture. Models that can: {models}.",
                code="model_no_i2v", model=model, models=", ".join(i2v_models()),
            )
        return fallback

    def _check_options(self, options: VideoOptions, settings: GuildSettings) -> None:
        self.model_for(options, settings)
        if options.takes is not None and not 1 <= options.takes <= MAX_TAKES:
            raise StudioError("Pick between 2 and {most} takes.", code="invalid_takes", most=MAX_TAKES)
        if options.shots is not None and not 1 <= options.shots <= settings.max_shots:
            raise StudioError("Pick between 1 and {max_shots} shots.", max_shots=settings.max_shots)
        if options.aspect is not None and options.aspect not in ASPECTS:
            raise StudioError("Aspect must be one of {aspects}.", aspects=', '.join(ASPECTS))
        if options.duration is not None and not 1 <= options.duration <= 60:
            raise StudioError("Duration must be between 1 and 60 seconds.")
        if options.seed is not None and options.seed < 0:
            raise StudioError("The seed must be a positive whole number.")

    async def fulfil_create(
        self,
        request_id: int,
        member: Member,
        text: str,
        options: VideoOptions,
        settings: GuildSettings,
        origin: dict | None,
    ) -> Accepted:
        """Plan and queue a stored request (new, or resumed after a restart): expand it, apply the server's limits,
        and queue the clip. A refusal marks the request rejected and is raised (ReelbotError)."""
        try:
            shot_list = await self.expand(
                text,
                ExpandOptions(
                    shots=options.shots,
                    style=options.style,
                    duration=options.duration,
                    negative=options.negative,
                    bible=None,
                    aspect=options.aspect,
                ),
                settings,
            )
            model = self.model_for(options, settings)
            shot_list = with_render_notes(shot_list, model)
            seed = options.seed if options.seed is not None else random_seed()
            takes = options.takes or settings.takes
            # Takes are drafts by definition: the chosen one is made final with Finalize.
            steps = self.draft_steps(model) if options.draft or takes > 1 else None
            recipes = recipes_for(shot_list, model, shot_seeds(seed, len(shot_list.shots)), aspect=shot_list.aspect,
                                  steps=steps)  # fmt: skip
            notes: tuple[Text, ...] = ()
            if options.image is not None:
                recipes, notes = await asyncio.to_thread(start_from_picture, recipes, Path(options.image))
            plan = ClipPlan(
                shot_list=shot_list,
                model=model,
                seeds=[recipe.seed for recipe in recipes],
                aspect=shot_list.aspect,
                steps=steps,
                priority=PRIORITY_DRAFT if steps is not None else PRIORITY_FINAL,
                recipes=tuple(recipes),
            )
            if takes > 1:
                plan = takes_plan(plan, take_seeds(seed, takes))
            accepted = await self.queue_plan(request_id, member, text, plan, settings, origin)
            return dataclasses.replace(accepted, notes=notes)
        except ReelbotError as error:
            await refuse_or_keep(self, request_id, error)

    async def expand(self, text: str, options: ExpandOptions, settings: GuildSettings) -> ShotList:
        """Expand and screen the generated prompts too: a model can add what the member did not ask for."""
        shot_list = await expand_request(text, self.expander, self.safety_policy(settings), options)
        if len(shot_list.shots) <= settings.max_shots:
            return shot_list
        note = Text.count(Nn_("This server allows at most {n} shot a clip, so this one has {n}.",
                              "This server allows at most {n} shots a clip, so this one has {n}."), settings.max_shots)
        return shot_list.model_copy(update={"shots": shot_list.shots[: settings.max_shots],
                                            "notes": [*shot_list.notes, note]})

    @staticmethod
    def draft_steps(model: str) -> int:
        """Denoising steps of a draft of `model`: half the preset's, never below its minimum."""
        preset = get_preset(model)
        return max(preset.min_steps, preset.steps // 2)

    async def queue_plan(
        self,
        request_id: int,
        member: Member,
        text: str,
        plan: ClipPlan,
        settings: GuildSettings,
        origin: dict | None,
        *,
        link: Callable[[Any, Clip], None] | None = None,
    ) -> Accepted:
        """Store the clip and its job, and mark the request accepted, in one transaction. `link(db, clip)`
        runs inside it too, for records that must point at the clip (a relay turn) or not exist at all."""
        # Jobs and clips carry the preset's own name (tiny -> tiny-wan), as workers report loaded models.
        plan = dataclasses.replace(plan, model=get_preset(plan.model).name)
        if plan.recipes is None:
            recipes = recipes_for(plan.shot_list, plan.model, plan.seeds, aspect=plan.aspect, steps=plan.steps)
        elif len(plan.recipes) == len(plan.captions or plan.shot_list.shots):
            recipes = linked(list(plan.recipes))
        else:
            raise ValueError("one recipe per shot")
        if plan.captions is None:
            plan = dataclasses.replace(plan, shot_list=with_rendered_durations(plan.shot_list, recipes))
        captions = list(plan.captions or [caption(shot, recipe) for shot, recipe in
                                          zip(plan.shot_list.shots, recipes, strict=True)])  # fmt: skip

        def persist(db: Any) -> tuple[Clip, RenderJob, int]:
            hashes = [recipe.content_hash() for recipe in recipes]
            cached = cached_hashes(db, hashes)
            clip = clip_store.create_clip(
                db,
                guild_id=member.guild_id,
                channel_id=member.channel_id,
                author_id=member.id,
                author_name=member.name,
                request=text,
                shot_list=plan.shot_list.model_dump(),
                recipes=[recipe.to_dict() for recipe in recipes],
                captions=captions,
                model=plan.model,
                parent_id=plan.parent_id,
                remix_kind=plan.remix_kind,
                remix_note=plan.remix_note.dumps() if plan.remix_note is not None else None,
                origin=origin,
                transport=member.transport,
            )
            job = job_store.enqueue_clip_job(
                db,
                clip.id,
                user_id=member.id,
                guild_id=member.guild_id,
                model=plan.model,
                priority=plan.priority,
                cost_estimate=job_cost(recipes, cached),
                limits=job_store.QueueLimits.from_settings(settings),
            )
            request_store.accept_request(db, request_id, clip.id)
            if link is not None:
                link(db, clip)
            return clip, job, sum(1 for h in hashes if h in cached)

        clip, job, reused = await self.adb.write(persist)
        estimate = await self.adb.read(job_store.queue_position, job.id)
        return Accepted(request_id, clip, job, plan.shot_list, estimate, reused)

    # --- following and managing work -----------------------------------------------------------------

    async def job_view(self, job_id: int) -> JobView:
        """A job with its clip and queue estimate. Raises NotFound."""
        def read(db: Any) -> JobView:
            job = job_store.get_job(db, job_id)
            return JobView(job, _clip_of(db, job), job_store.queue_position(db, job_id))

        return await self.adb.read(read)

    async def my_jobs(self, member: Member) -> list[JobView]:
        """The member's queued and running jobs in their server, oldest first, with estimates."""
        return await self.adb.read(
            lambda db: _job_views(db, job_store.user_jobs(db, member.id, member.guild_id), estimate=True)
        )

    async def active_jobs(self, guild_id: int | None = None) -> list[JobView]:
        """Queued and running jobs (of one guild, or all), oldest first: for progress displays and admins."""
        return await self.adb.read(lambda db: _job_views(db, job_store.active_jobs(db, guild_id), estimate=True))

    async def cancel(self, member: Member, job_id: int) -> RenderJob:
        """Cancel a queued or running job of the member's server. Raises NotFound for a job elsewhere
        (the same answer as for no such job), NotAllowed for someone else's job without moderator rights."""

        def write(db: Any) -> RenderJob:
            job = job_store.get_job(db, job_id)
            if not member.sees(job.guild_id, job.user_id):
                raise NotFound("There is no render job {job_id}.", job_id=job_id)
            return job_store.cancel_job(db, job_id, by_user_id=member.id, can_moderate=member.can_moderate)

        return await self.adb.write(write)

    async def clip(self, clip_id: int) -> Clip:
        """Any server's clip, for the core and the delivery loops; a member's request uses `visible_clip`."""
        return await self.adb.read(clip_store.get_clip, clip_id)

    async def clip_posted_as(self, message_id: int) -> Clip | None:
        """The clip a chat message posted (`Clip.posted_message_id`), deleted ones included; None when the
        message is not a clip post."""
        return await self.adb.read(clip_store.find_clip_by_message, message_id)

    async def visible_clip(self, member: Member, clip_id: int) -> Clip:
        """The clip, if the member can see it where they are (`Member.sees`). Others get NotFound, the
        same answer as for a clip that doesn't exist."""
        return await self.adb.read(visible_clip, member, clip_id)

    async def delete_clip(self, member: Member, clip_id: int) -> Clip:
        """Delete a clip of the member's server (their own, or any with moderator rights). A clip still
        queued or rendering has its job cancelled in the same transaction, so it stops counting against
        queue limits and its worker, at its next heartbeat, stops and cannot mark it ready.
        Raises NotFound, NotAllowed."""

        def write(db: Any) -> Clip:
            clip = visible_clip(db, member, clip_id)
            if clip.author_id != member.id and not member.can_moderate:
                raise NotAllowed("Only the clip's author or a server admin can delete it.", code="not_author")
            job_store.cancel_clip_jobs(db, clip_id)
            clip_store.delete_clip(db, clip_id)
            return clip

        return await self.adb.write(write)

    async def forget(self, member: Member, user_id: int | None = None) -> Forgotten:
        """Forget a member's data (`storage.forget`): without `user_id`, everything about `member` in every
        server (`/forget me`); with it, that member's data in `member`'s server, for moderators only
        (`/forget member`). Idempotent. Raises NotAllowed."""
        if user_id is None or user_id == member.id:
            return await self.adb.write(forget_user, member.id, None)
        if not member.can_moderate or member.guild_id is None:
            raise NotAllowed(
                "Only a server admin or moderator can make Reelbot forget another member.", code="not_moderator"
            )
        return await self.adb.write(forget_user, user_id, member.guild_id)

    async def finished_jobs(self, transport: str) -> list[JobView]:
        """Jobs of clips that `transport` ("discord", "console") delivers that ended (done, failed,
        cancelled) and whose outcome it has not delivered yet, oldest first."""
        return await self.adb.read(
            lambda db: _job_views(db, job_store.pending_notifications(db, transport=transport), estimate=False)
        )

    async def mark_delivered(self, job: RenderJob, posted_message_id: int | None = None) -> None:
        """Record that the job's outcome was posted (so delivery loops don't post it again) and, if it was posted as
        a message, which one."""
        def write(db: Any) -> None:
            job_store.mark_notified(db, job.id)
            if posted_message_id is not None:
                clip_store.set_posted_message(db, job.clip_id, posted_message_id)

        await self.adb.write(write)

    @staticmethod
    def recipes(clip: Clip) -> list[ShotRender]:
        """The clip's shot recipes, one per rendered shot."""
        return [ShotRender.from_dict(recipe) for recipe in clip.recipes]

    @staticmethod
    def shot_seconds(clip: Clip) -> list[float]:
        """Each shot's rendered length in seconds; a clip of takes has rendered only its first shot (once
        per take), so the others show their planned length."""
        recipes = Studio.recipes(clip)
        shots = Studio.shot_list(clip).shots
        if clip.remix_kind == "takes":
            return [recipes[0].duration, *(shot.duration for shot in shots[1:])]
        return [recipe.duration for recipe in recipes]

    @staticmethod
    def shot_list(clip: Clip) -> ShotList:
        """The clip's plan as the planner's ShotList."""
        return ShotList.model_validate(clip.shot_list)


def author_named(author_id: int, author_name: str) -> Text:
    """An author as members read them: their name as stored, or "a deleted member" in the reader's
    language for a forgotten member (storage.forget)."""
    if author_id == DELETED_MEMBER_ID and author_name == DELETED_MEMBER_NAME:
        return Text.of(DELETED_MEMBER_NAME)
    return Text.raw(author_name)


def author_text(clip: Clip) -> Text:
    """The clip's author as members read them (`author_named`)."""
    return author_named(clip.author_id, clip.author_name)


def visible_clip(db: Any, member: Member, clip_id: int) -> Clip:
    """`clip_store.get_clip`, scoped to what `member` sees; raises NotFound alike for both."""
    clip = clip_store.get_clip(db, clip_id)
    if not member.sees(clip.guild_id, clip.author_id):
        raise NotFound("There is no clip #{clip_id}.", clip_id=clip_id)
    return clip


def _job_views(db: Any, jobs: list[RenderJob], *, estimate: bool) -> list[JobView]:
    """Views of many jobs in one database call, predicting the queue once rather than once per job."""
    estimates = job_store.queue_estimates(db) if estimate and jobs else {}
    return [JobView(job, _clip_of(db, job), estimates.get(job.id)) for job in jobs]


def _clip_of(db: Any, job: RenderJob) -> Clip:
    clip = clip_store.find_clip(db, job.clip_id)
    if clip is None:
        raise StudioError("Clip #{clip_id} no longer exists.", clip_id=job.clip_id)
    return clip


@finishes("create")
async def _resume_create(studio: Studio, stored: StoredRequest) -> Accepted:
    settings = await studio.settings(stored.guild_id)
    options = VideoOptions(**stored.options)
    return await studio.fulfil_create(stored.id, Member.of_request(stored), stored.text, options, settings, stored.origin)
