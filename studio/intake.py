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
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL, Clip, GuildSettings, RenderJob
from storage.renders import cached_hashes
from storage.requests import StoredRequest
from studio.busy import refuse_or_keep
from studio.errors import StudioError
from studio.members import Member
from studio.pictures import PictureError, start_from_picture
from studio.request_kinds import finishes
from studio.requests import Accepted, ClipPlan, VideoOptions
from studio.server_settings import ServerSettings
from studio.shots import (
    MAX_TAKES, caption, random_seed, recipes_for, shot_seeds, take_seeds, takes_plan, with_render_notes,
    with_rendered_durations,
)  # fmt: skip


class RequestIntake(ServerSettings):
    """The request part of `studio.service.Studio`: it plans with `expander` and keeps requests that met a
    busy database in `finishing_later` (studio.busy)."""

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
            language=member.language,
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
        estimate = await self.adb.read(queue_position, job.id)
        return Accepted(request_id, clip, job, plan.shot_list, estimate, reused)


@finishes("create")
async def _resume_create(studio: RequestIntake, stored: StoredRequest) -> Accepted:
    settings = await studio.settings(stored.guild_id)
    options = VideoOptions(**stored.options)
    return await studio.fulfil_create(stored.id, Member.of_request(stored), stored.text, options, settings, stored.origin)
