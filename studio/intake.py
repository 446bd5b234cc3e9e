"""Request intake: a member's new clip request validated, stored before any slow work, planned and queued;
and `queue_plan`, where every kind of request (create, remix, relay turn, takes) ends."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.errors import ReelbotError
from common.text import Nn_, Text
from generation.placement import i2v_fallback
from generation.recipe import linked
from generation.registry import ASPECTS, get_preset, i2v_models
from prompts.expand import ExpandOptions, Expander
from prompts.pipeline import expand_request
from prompts.safety import ensure_screened, sanitize_request
from prompts.schema import ShotList
from renderqueue.estimates import queue_position
from renderqueue import jobs as job_store
from renderqueue.scheduler import job_cost
from storage import clips as clip_store
from storage import requests as request_store
from storage.cast_uses import CastCredit, record_cast
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL, PRIORITY_STILLS, Clip, GuildSettings, RenderJob
from storage.stills import create_storyboard
from storage.renders import cached_hashes
from storage.requests import StoredRequest
from studio.busy import refuse_or_keep
from studio.cast.casting import NO_CAST, Casting
from studio.cast.intake import CastIntake, awaiting
from studio.cast.names import name_list
from studio.cast.planning import cast_into
from studio.errors import StudioError
from studio.members import Member
from studio.plan_checks import check_renderable
from studio.pictures import PictureError, start_from_picture
from studio.quality import drafts, finals
from studio.request_kinds import finishes
from studio.requests import Accepted, ClipPlan, StoryboardPlan, VideoOptions
from studio.shots import (
    MAX_TAKES, caption, random_seed, recipes_for, shot_seeds, with_render_notes, with_rendered_durations,
)  # fmt: skip
from studio.storyboards.plan import storyboard_plan, storyboard_stills


class RequestIntake(CastIntake):
    """The request part of `studio.service.Studio`: it plans with `expander`, casts members' characters
    (studio.cast) and keeps requests that met a busy database in `finishing_later` (studio.busy)."""

    expander: Expander
    finishing_later: dict[int, asyncio.Task]

    async def create(
        self, member: Member, text: str, options: VideoOptions = VideoOptions(), *, origin: dict | None = None
    ) -> Accepted:
        """Validate, persist the raw request, expand it and queue the clip. Raises ReelbotError."""
        settings = await self.check_member_may_request(member)
        text = sanitize_request(text)
        self._check_options(options, settings)
        await ensure_screened(text, self.safety_policy(settings))
        casting = await self.casting(member, text, name_list(options.cast), settings=settings)
        stored = await self.record_request(member, "create", text, dataclasses.asdict(options), origin, casting)
        return await self.fulfil_create(stored.id, member, text, options, settings, origin)

    async def record_request(
        self, member: Member, kind: str, text: str, options: dict, origin: dict | None, casting: Casting = NO_CAST
    ) -> StoredRequest:
        """Store a request as received, before any slow work, so `studio.resume` can finish it after a crash.
        When owners must approve its `casting` first, it is stored as waiting with the approvals it waits for
        (in the same transaction) and AwaitingApproval is raised."""

        def write(db: Any) -> StoredRequest:
            stored = request_store.record_request(
                db, kind=kind, guild_id=member.guild_id, channel_id=member.channel_id, user_id=member.id,
                user_name=member.name, text=text, options=options, origin=origin, transport=member.transport,
                language=member.language,
                status="waiting" if casting.asks else "received",
            )  # fmt: skip
            self.ask_for(db, stored.id, casting.asks)
            return stored

        stored = await self.adb.write(write)
        if casting.asks:
            raise awaiting(stored.id, casting, self.config.cast.approval_timeout_s)
        return stored

    def model_for(self, options: VideoOptions, settings: GuildSettings) -> str:
        """The preset a request renders on: the member's choice, else the server's or the bot's default;
        with a picture and no choice, an image-to-video preset in place of a default that can't take one.
        Raises PictureError (code "model_no_i2v") naming the presets that can take a picture."""
        model = get_preset(options.model or settings.default_model or self.config.default_model).name
        if options.image is None or get_preset(model).supports_i2v:
            return model
        fallback = None if options.model else i2v_fallback(model, self.config.models_dir,
                                                            frozenset(self.config.models.accept_licences))
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
            casting = await self.casting(member, text, name_list(options.cast), settings=settings,
                                         request_id=request_id)
            shot_list = await self.expand(
                text,
                ExpandOptions(
                    shots=options.shots,
                    style=options.style,
                    duration=options.duration,
                    negative=options.negative,
                    bible=None,
                    aspect=options.aspect,
                    most_shots=settings.max_shots,
                ),
                settings,
            )
            model = self.model_for(options, settings)
            shot_list = with_render_notes(shot_list, model)
            seed = options.seed if options.seed is not None else random_seed()
            takes = options.takes or settings.takes
            storyboard = storyboard_plan(options.stills, settings, self.config.stills, takes=takes,
                                         draft=options.draft)  # fmt: skip
            # With stills first the storyboard says what the video renders at; otherwise a draft is asked for.
            draft = storyboard.quality == "draft" if storyboard.stills_first else options.draft
            recipes = recipes_for(shot_list, model, shot_seeds(seed, len(shot_list.shots)), aspect=shot_list.aspect)
            recipes = drafts(recipes, settings, self.config) if draft else finals(recipes, self.config)
            notes: tuple[Text, ...] = ()
            if options.image is not None:
                recipes, notes = await asyncio.to_thread(start_from_picture, recipes, Path(options.image))
            plan = ClipPlan(
                shot_list=shot_list,
                model=model,
                seeds=[recipe.seed for recipe in recipes],
                aspect=shot_list.aspect,
                steps=recipes[0].steps,
                priority=PRIORITY_DRAFT if draft else PRIORITY_FINAL,
                recipes=tuple(recipes),
                storyboard=storyboard,
                casting=casting,
            )
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
            recipes = list(plan.recipes)
        else:
            raise ValueError("one recipe per shot")
        cast = cast_into(plan.shot_list, recipes, plan.casting.characters, dropped=plan.casting.dropped,
                         one_shot=plan.captions is not None)
        plan, recipes = dataclasses.replace(plan, shot_list=cast.shot_list), linked(cast.recipes)
        check_renderable(plan.shot_list.shots, recipes)  # before anything is stored
        if plan.captions is None:
            plan = dataclasses.replace(plan, shot_list=with_rendered_durations(plan.shot_list, recipes))
        captions = list(plan.captions or [caption(shot, recipe) for shot, recipe in
                                          zip(plan.shot_list.shots, recipes, strict=True)])  # fmt: skip
        storyboard = plan.storyboard if plan.storyboard is not None else self._storyboard_for(plan, settings)
        if storyboard is not None and not storyboard.stills_first:
            storyboard = None
        stills = storyboard_stills(storyboard, recipes) if storyboard is not None else []

        def persist(db: Any) -> tuple[Clip, RenderJob, int, list[CastCredit]]:
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
            work, priority = recipes, plan.priority
            if storyboard is not None:
                create_storyboard(
                    db, clip.id, [(shot, take, still.to_dict()) for shot, take, still in stills], user_id=member.id,
                    guild_id=member.guild_id, mode=storyboard.mode, quality=storyboard.quality, takes=storyboard.takes,
                    grace_s=storyboard.grace_s,
                )  # fmt: skip
                work, priority = [still for _shot, _take, still in stills], PRIORITY_STILLS
            job = job_store.enqueue_clip_job(
                db,
                clip.id,
                user_id=member.id,
                guild_id=member.guild_id,
                model=plan.model,
                priority=priority,
                cost_estimate=job_cost(work, cached_hashes(db, [r.content_hash() for r in work])),
                limits=job_store.QueueLimits.from_settings(settings),
                kind="clip" if storyboard is None else "stills",
            )
            credits = [dataclasses.replace(credit, clip_id=clip.id) for credit in cast.credits]
            record_cast(db, credits)
            request_store.accept_request(db, request_id, clip.id)
            if link is not None:
                link(db, clip)
            return clip, job, sum(1 for h in hashes if h in cached), credits

        clip, job, reused, credits = await self.adb.write(persist)
        estimate = await self.adb.read(queue_position, job.id)
        return Accepted(request_id, clip, job, plan.shot_list, estimate, reused, cast=tuple(credits))

    def _storyboard_for(self, plan: ClipPlan, settings: GuildSettings) -> StoryboardPlan | None:
        """The storyboard of a plan that asked for none itself (a remix, a relay turn), by the server's
        setting; never for a pick, a finalize or a variation of a clip whose look was already approved."""
        if plan.remix_kind in ("pick", "finalize", "takes", "vary"):
            return None
        return storyboard_plan(None, settings, self.config.stills, takes=1, draft=plan.priority == PRIORITY_DRAFT)


@finishes("create")
async def _resume_create(studio: RequestIntake, stored: StoredRequest) -> Accepted:
    settings = await studio.settings(stored.guild_id)
    options = VideoOptions(**stored.options)
    return await studio.fulfil_create(stored.id, Member.of_request(stored), stored.text, options, settings, stored.origin)
