"""The transport-agnostic core: take a member's request, make it durable, expand it, queue it.

Discord cogs and the console call these coroutines and show `user_message` of the errors in
`common.errors.ReelbotError`; nothing here knows how a reply reaches the member. `Studio` gathers the
core's parts: request intake (`studio.intake`, over the server's settings, `studio.server_settings`),
job views (`studio.job_views`) and, here, clips and forgetting.
"""
from __future__ import annotations

import asyncio
from typing import Any

from common.errors import NotAllowed
from generation.recipe import ShotRender
from prompts.expand import Expander, build_expander
from prompts.schema import ShotList
from renderqueue import jobs as job_store
from storage import clips as clip_store
from storage.aio import AsyncDatabase
from storage.cast_uses import CastCredit, clip_cast
from storage.forget import Forgotten, forget_user
from storage.records import Clip, ClipStatus
from studio.config import Config, expander_config, with_auto_model
from studio.forget_files import remove_forgotten_files
from studio.intake import RequestIntake
from studio.job_views import JobDesk
from studio.members import Member, visible_clip
from studio.posts import PostBook


class Studio(RequestIntake, JobDesk, PostBook):
    """The application core every front-end calls: requests, remixes, jobs, settings and forgetting, over one
    database (`adb`) and a planner (`expander`). Every refusal is a `common.errors.ReelbotError`."""

    def __init__(self, config: Config, adb: AsyncDatabase, expander: Expander | None = None) -> None:
        self.config = with_auto_model(config)
        self.adb = adb
        self.expander = expander or build_expander(expander_config(config))
        # Stored requests being finished in the background after the database was busy (studio.busy).
        self.finishing_later: dict[int, asyncio.Task] = {}

    async def aclose(self) -> None:
        """Close the database's reader pool and writer, after cancelling the requests being finished in the
        background (still stored as received: the next start finishes them)."""
        for task in self.finishing_later.values():
            task.cancel()
        await asyncio.gather(*self.finishing_later.values(), return_exceptions=True)
        await self.adb.__aexit__()

    async def member_clips(
        self, member: Member, *, status: ClipStatus | None = "ready", limit: int = 25
    ) -> list[Clip]:
        """The member's own clips in their server, newest first, at most `limit`."""
        return await self.adb.read(
            clip_store.list_clips, guild_id=member.guild_id, author_id=member.id, status=status, limit=limit
        )

    async def clip(self, clip_id: int) -> Clip:
        """Any server's clip, for the core and the delivery loops; a member's request uses `visible_clip`."""
        return await self.adb.read(clip_store.get_clip, clip_id)

    async def clip_posted_as(self, message_id: int) -> Clip | None:
        """The clip a chat message posted (`Clip.posted_message_id`), deleted ones included; None when the
        message is not a clip post."""
        return await self.adb.read(clip_store.find_clip_by_message, message_id)

    async def clip_cast(self, clip_id: int) -> list[CastCredit]:
        """The characters clip `clip_id` features, credited to their owners ([] for none)."""
        return await self.adb.read(clip_cast, clip_id)

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
        (`/forget member`); then their files (`studio.forget_files`). Idempotent. Raises NotAllowed."""
        if user_id is None or user_id == member.id:
            forgotten = await self.adb.write(forget_user, member.id, None)
        else:
            self.check_may_forget(member, user_id)
            forgotten = await self.adb.write(forget_user, user_id, member.guild_id)
        # Then the files that showed them: clips' folders, and the lineages and leaderboards drawn of them.
        await asyncio.to_thread(remove_forgotten_files, self.config.media_dir, forgotten)
        return forgotten

    @staticmethod
    def check_may_forget(member: Member, user_id: int) -> None:
        """Raises NotAllowed unless `member` may make Reelbot forget `user_id` (themselves, or anyone in their
        server as its admin or moderator): checked before a front-end asks them to confirm."""
        if user_id != member.id and (not member.can_moderate or member.guild_id is None):
            raise NotAllowed(
                "Only a server admin or moderator can make Reelbot forget another member.", code="not_moderator"
            )

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
