"""Relay films: members take turns adding one shot each under the relay's shared style bible and seed."""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import sqlite_utils

from common.errors import ReelbotError
from generation.encoding import stitch
from generation.registry import get_preset
from prompts.compose import shorten
from prompts.expand import ExpandOptions
from prompts.safety import ensure_screened, sanitize_request
from prompts.schema import StyleBible
from storage import challenges as store
from storage.db import timestamp
from storage.records import PRIORITY_DRAFT, Challenge, GuildSettings, RelayTurn
from storage.requests import StoredRequest
from studio.busy import refuse_or_keep
from studio.challenges.base import ServiceBase
from studio.challenges.rules import (
    MAX_TURN_CHARS,
    ChallengeRules,
    check_turn,
    pick_challenge,
    reserve_turn,
    turn_seed,
)
from studio.challenges.views import RelayFilm, RelayTurnAccepted, turn_views
from studio.members import Member
from studio.quality import drafts
from studio.requests import ClipPlan
from studio.shots import random_seed, recipes_for


class RelayMethods(ServiceBase):
    """Turns and films of relay challenges; part of `ChallengeService`."""

    async def _relay_setup(self, theme: str, rules: ChallengeRules, settings: GuildSettings) -> dict[str, Any]:
        """Fix what every turn shares: the model, a style bible drawn from the theme, a base seed."""
        model = rules.model or settings.default_model or self.studio.config.default_model
        get_preset(model)
        shot_list = await self.studio.expand(theme, ExpandOptions(shots=1), settings)
        return {"model": model, "bible": shot_list.bible.model_dump(), "seed": random_seed()}

    async def relay_add(
        self,
        member: Member,
        text: str,
        challenge_id: int | None = None,
        *,
        origin: dict | None = None,
        now: float | None = None,
    ) -> RelayTurnAccepted:
        """Add the next shot to a relay film: the member's text, rendered as one shot under the relay's
        style bible. Nobody adds two shots in a row."""
        now = timestamp(now)
        challenge = await self.adb.read(pick_challenge, member, challenge_id, "relay")
        # Checked before expanding so a refusal is quick; checked again when the turn is reserved.
        await self.adb.read(check_turn, challenge, member, now)
        settings = await self.studio.check_member_may_request(member)
        text = sanitize_request(text, max_chars=MAX_TURN_CHARS)
        await ensure_screened(text, self.studio.safety_policy(settings))
        casting = await self.studio.casting(member, text, settings=settings)
        stored = await self.studio.record_request(member, "relay", text, {"challenge_id": challenge.id}, origin,
                                                  casting)  # fmt: skip
        return await self._fulfil_relay(stored.id, member, challenge, text, settings, origin, now)

    async def resume_relay(self, stored: StoredRequest) -> RelayTurnAccepted:
        """Finish a relay turn that a restart interrupted. A place it had reserved in the story (but not
        yet filled with a clip) is given up first, or it would block the member's own turn."""
        member = Member.of_request(stored)
        challenge = await self.adb.read(store.get_challenge, stored.options["challenge_id"])

        def drop_unfilled(db: sqlite_utils.Database) -> None:
            for turn in store.relay_turns(db, challenge.id):
                if turn.user_id == member.id and turn.clip_id is None:
                    store.remove_relay_turn(db, challenge.id, turn.position)

        await self.adb.write(drop_unfilled)
        settings = await self.studio.settings(stored.guild_id)
        return await self._fulfil_relay(stored.id, member, challenge, stored.text, settings, stored.origin, None)

    async def _fulfil_relay(
        self,
        request_id: int,
        member: Member,
        challenge: Challenge,
        text: str,
        settings: GuildSettings,
        origin: dict | None,
        now: float | None,
    ) -> RelayTurnAccepted:
        now = timestamp(now)
        rules = ChallengeRules.from_dict(challenge.rules)
        try:
            casting = await self.studio.casting(member, text, settings=settings, request_id=request_id)
            bible = StyleBible.model_validate(challenge.rules["bible"])
            shot_list = await self.studio.expand(
                text, ExpandOptions(shots=1, duration=rules.shot_seconds, bible=bible), settings
            )
            turn = await self.adb.write(reserve_turn, challenge, member, text, now)
            shot_list = shot_list.model_copy(
                update={"title": shorten(f"{challenge.theme} · shot {turn.position}", 100)}
            )
            model, seeds = challenge.rules["model"], [turn_seed(challenge.rules["seed"], turn.position)]
            # A turn is a draft: the next member's turn shouldn't wait minutes for this one.
            recipes = drafts(recipes_for(shot_list, model, seeds, aspect=None), settings, self.studio.config)
            plan = ClipPlan(shot_list=shot_list, model=model, seeds=seeds, aspect=None, steps=recipes[0].steps,
                            priority=PRIORITY_DRAFT, recipes=tuple(recipes), casting=casting)  # fmt: skip
            try:
                accepted = await self.studio.queue_plan(
                    request_id, member, text, plan, settings, origin,
                    link=lambda db, clip: store.set_relay_clip(db, challenge.id, turn.position, clip.id),
                )  # fmt: skip
            except ReelbotError:
                await self.adb.write(store.remove_relay_turn, challenge.id, turn.position)
                raise
        except ReelbotError as error:
            # A database held by another program keeps the turn's request and finishes it later
            # (`resume_relay` first gives up a reserved but unfilled place).
            await refuse_or_keep(self.studio, request_id, error)
        return RelayTurnAccepted(challenge, dataclasses.replace(turn, clip_id=accepted.clip.id), accepted)

    async def relay_film(self, member: Member, challenge_id: int | None = None) -> RelayFilm:
        """Stitch the relay's rendered shots, in story order, into the film so far."""
        challenge = await self.adb.read(pick_challenge, member, challenge_id, "relay")
        return await self._film(challenge, make=True)

    async def film_so_far(self, challenge: Challenge) -> RelayFilm:
        """The relay's film as last stitched (its `path` None until a cut was made), without stitching."""
        return await self._film(challenge, make=False)

    async def relay_turn_of(self, clip_id: int) -> tuple[Challenge, RelayTurn] | None:
        """The relay and turn a clip was made for, so a front-end can post the grown film when it's ready."""

        def read(db: sqlite_utils.Database) -> tuple[Challenge, RelayTurn] | None:
            turn = store.relay_turn_for_clip(db, clip_id)
            return None if turn is None else (store.get_challenge(db, turn.challenge_id), turn)

        return await self.adb.read(read)

    async def _film(self, challenge: Challenge, *, make: bool) -> RelayFilm:
        turns = await self.adb.read(turn_views, challenge.id)
        # A forgotten member's rendered shot stays in the film, anonymised (storage.forget's policy).
        shots = [turn for turn in turns if turn.playable and _is_file(turn.clip.video_path)]  # type: ignore[union-attr]
        pending = [turn for turn in turns if turn.status in ("queued", "rendering")]
        if not shots:
            return RelayFilm(None, [], pending)
        # Named by the shots it holds: the same cut is stitched once, a grown film gets a new file.
        key = hashlib.sha1(",".join(str(shot.clip.id) for shot in shots).encode()).hexdigest()[:12]
        path = self._media_dir(challenge) / f"film-{key}.mp4"
        if not path.is_file():
            if not make:
                return RelayFilm(None, shots, pending)
            await asyncio.to_thread(stitch, [Path(shot.clip.video_path) for shot in shots], path)
        return RelayFilm(path, shots, pending)


def _is_file(path: str | None) -> bool:
    return path is not None and Path(path).is_file()
