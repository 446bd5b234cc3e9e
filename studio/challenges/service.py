"""The challenge service front-ends call: start, look, close, results and deadlines, with votes
(`votes.py`) and relays (`relay.py`) mixed in."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import sqlite_utils

from common.text import N_, Nn_, Text
from common.errors import NotAllowed, NotFound
from prompts.safety import ensure_screened, sanitize_request
from storage import challenges as store
from storage.db import timestamp
from storage.events import cancel_events, due_events, mark_fired, next_due_at, schedule_event
from storage.records import Challenge, ChallengeKind
from storage.requests import StoredRequest
from studio.challenges.ranking import leaderboard_row, podium, ranking_of
from studio.challenges.relay import RelayMethods
from studio.challenges.rules import (
    MAX_DURATION_S,
    MAX_THEME_CHARS,
    MIN_DURATION_S,
    ChallengeRules,
    checked_rules,
    may_run_challenges,
    pick_challenge,
)
from studio.challenges.views import (
    ChallengeResults,
    ChallengeView,
    Credit,
    EntryView,
    Ranked,
    RelayResults,
    Results,
    TurnView,
    entry_views,
    turn_views,
)
from studio.challenges.votes import VoteMethods
from studio.converters import check_duration_s, to_duration_s
from studio.errors import StudioError
from studio.leaderboard import render_leaderboard
from studio.request_kinds import finishes
from studio.members import Member, ancestry
from studio.requests import Accepted
from studio.service import Studio

log = logging.getLogger(__name__)

DEADLINE_EVENT = "challenge_deadline"


class ChallengeService(VoteMethods, RelayMethods):
    """Challenges over a Studio. Keep one per front-end session: `scheduled` is set whenever a deadline is
    added, which wakes that session's `DeadlineLoop`. Every refusal is a `common.errors.ReelbotError`."""

    # --- starting and looking ---------------------------------------------------------------------

    async def start(
        self,
        member: Member,
        theme: str,
        duration: str | float,
        *,
        kind: ChallengeKind = "vote",
        rules: ChallengeRules = ChallengeRules(),
        now: float | None = None,
    ) -> ChallengeView:
        """Open a challenge in the member's channel and schedule its deadline. Admins and members with
        one of the guild's moderator roles only."""
        if member.guild_id is None or member.channel_id is None:
            raise StudioError("Challenges run in a server channel, not in direct messages.", code="server_only")
        settings = await self.studio.settings(member.guild_id)
        if not may_run_challenges(member, settings):
            raise NotAllowed("Only server admins and moderators can start challenges.", code="not_moderator")
        if isinstance(duration, str):
            seconds = to_duration_s(duration, MIN_DURATION_S, MAX_DURATION_S)
        else:
            seconds = check_duration_s(duration, MIN_DURATION_S, MAX_DURATION_S)
        theme = sanitize_request(theme, max_chars=MAX_THEME_CHARS)
        await ensure_screened(theme, self.studio.safety_policy(settings))
        stored = checked_rules(kind, rules).to_dict()
        if kind == "relay":
            stored.update(await self._relay_setup(theme, rules, settings))
        now = timestamp(now)

        def persist(db: sqlite_utils.Database) -> Challenge:
            challenge = store.create_challenge(
                db,
                guild_id=member.guild_id,
                channel_id=member.channel_id,
                theme=theme,
                kind=kind,
                created_by=member.id,
                starts_at=now,
                ends_at=now + seconds,
                rules=stored,
                now=now,
            )
            schedule_event(db, DEADLINE_EVENT, now + seconds, {"challenge_id": challenge.id})
            return challenge

        challenge = await self.adb.write(persist)
        self.scheduled.set()
        log.info("challenge #%s (%s) started by %s: %s", challenge.id, kind, member.id, theme)
        return await self._view(challenge, now)


    async def set_announcement(self, challenge_id: int, message_id: int) -> Challenge:
        """Remember the announcement message, so the front-end can update its buttons later."""
        return await self.adb.write(store.update_challenge, challenge_id, announcement_message_id=message_id)

    async def list_challenges(
        self, member: Member, *, include_closed: bool = True, limit: int = 10, now: float | None = None
    ) -> list[ChallengeView]:
        """The guild's challenges, newest first."""
        if member.guild_id is None:
            return []
        challenges = await self.adb.read(
            store.list_challenges, member.guild_id, status=None if include_closed else "open"
        )
        return [await self._view(challenge, now) for challenge in challenges[:limit]]

    async def challenge(self, challenge_id: int) -> Challenge:
        """A challenge as stored now, whatever its server (for the front-end's own posts; members' reads go
        through `show`). Raises NotFound."""
        return await self.adb.read(store.get_challenge, challenge_id)

    async def takes_entries(self, guild_id: int | None) -> bool:
        """Whether a vote challenge of the server is open for entries (so a clip post offers Enter)."""
        if guild_id is None:
            return False
        challenges = await self.adb.read(store.list_challenges, guild_id, status="open")
        return any(challenge.kind == "vote" for challenge in challenges)

    async def show(self, member: Member, challenge_id: int, *, now: float | None = None) -> ChallengeView:
        """One challenge of the member's server as a view (entries, or turns; results once closed). Raises NotFound
        for a challenge of another server."""
        challenge = await self.adb.read(pick_challenge, member, challenge_id, None)
        return await self._view(challenge, now)

    async def _view(self, challenge: Challenge, now: float | None) -> ChallengeView:
        def read(db: sqlite_utils.Database) -> tuple[list[EntryView], list[TurnView]]:
            return entry_views(db, challenge.id), turn_views(db, challenge.id)

        entries, turns = await self.adb.read(read)
        left = max(0.0, (challenge.ends_at or 0) - timestamp(now)) if challenge.status == "open" else 0.0
        # A vote's leaderboard is drawn here when the ranking changed since it was (made once per ranking);
        # a relay's film is only stitched by its posts.
        results = (await self._results(challenge, make_media=challenge.kind == "vote")
                   if challenge.status == "closed" else None)  # fmt: skip
        return ChallengeView(challenge, ChallengeRules.from_dict(challenge.rules), entries, turns, left, results)

    # --- closing ----------------------------------------------------------------------------------

    async def close(self, member: Member, challenge_id: int, *, now: float | None = None) -> Results:
        """End a challenge before its deadline (admins and moderators), with the results as they stand."""
        settings = await self.studio.settings(member.guild_id)
        if not may_run_challenges(member, settings):
            raise NotAllowed("Only server admins and moderators can end a challenge early.", code="not_moderator")
        challenge = await self.adb.read(pick_challenge, member, challenge_id, None)
        if challenge.status != "open":
            raise StudioError(
                "Challenge #{challenge_id} has already ended.",
                challenge_id=challenge.id, code="already_ended",
            )
        return await self._close(challenge.id, now, early=True)

    async def _close(self, challenge_id: int, now: float | None, *, early: bool) -> Results:
        now = timestamp(now)

        def transition(db: sqlite_utils.Database) -> Challenge:
            challenge = store.get_challenge(db, challenge_id)
            if early:
                store.close_challenge(db, challenge_id, ends_at=min(now, challenge.ends_at or now))
                # The deadline must not close it a second time.
                cancel_events(db, DEADLINE_EVENT, challenge_id=challenge_id)
            else:
                store.close_challenge(db, challenge_id)
            return store.get_challenge(db, challenge_id)

        challenge = await self.adb.write(transition)
        log.info("challenge #%s closed", challenge.id)
        return await self._results(challenge, make_media=True)

    async def finish_if_complete(self, challenge_id: int, *, now: float | None = None) -> Results | None:
        """Close a relay the moment its film is complete, instead of at its deadline: all `max_turns` shots
        are in and none is still queued or rendering. Returns its results (the final cut stitched) to the one
        caller that closed it, None to every other caller and for any other challenge."""
        now = timestamp(now)

        def transition(db: sqlite_utils.Database) -> Challenge | None:
            challenge = store.get_challenge(db, challenge_id)
            max_turns = ChallengeRules.from_dict(challenge.rules).max_turns
            if challenge.kind != "relay" or challenge.status != "open" or max_turns is None:
                return None
            turns = turn_views(db, challenge_id)
            if len(turns) < max_turns or any(turn.status in ("missing", "queued", "rendering") for turn in turns):
                return None
            if not store.close_challenge(db, challenge_id, ends_at=min(now, challenge.ends_at or now)):
                return None
            cancel_events(db, DEADLINE_EVENT, challenge_id=challenge_id)
            return store.get_challenge(db, challenge_id)

        challenge = await self.adb.write(transition)
        if challenge is None:
            return None
        log.info("relay #%s is complete and closed", challenge.id)
        return await self._results(challenge, make_media=True)

    async def results(self, member: Member, challenge_id: int) -> Results:
        """The results of a closed challenge of the member's server: the ranking and podium of a vote, the film of a
        relay. Raises NotFound, or StudioError while it still runs."""
        challenge = await self.adb.read(pick_challenge, member, challenge_id, None)
        if challenge.status != "closed":
            raise StudioError(
                "Challenge #{challenge_id} is still running; results come at the deadline.",
                challenge_id=challenge.id, code="still_running",
            )
        return await self._results(challenge, make_media=False)

    async def _results(self, challenge: Challenge, *, make_media: bool) -> Results:
        """The outcome of a closed challenge; `make_media` stitches a relay's final cut (otherwise only a cut
        already made is pointed to). A leaderboard is always drawn when missing: it is cheap, and a forget
        removes the drawn ones (`studio.forget_files`)."""
        if challenge.kind == "relay":
            return RelayResults(challenge, await self._film(challenge, make=make_media))

        def read(db: sqlite_utils.Database) -> tuple[list[Ranked], dict[int, list[Credit]], frozenset[int]]:
            ranking = ranking_of(db, challenge)
            credits = {
                ranked.clip.id: [Credit(a.author_id, a.author_name, a.id) for a in ancestry(db, ranked.clip)[0]]
                for ranked in podium(ranking)
            }
            return ranking, credits, frozenset(store.voter_ids(db, challenge.id))

        ranking, credits, voters = await self.adb.read(read)
        leaderboard = None
        if ranking:
            leaderboard = await self._leaderboard(challenge, ranking, credits)
        return ChallengeResults(challenge, ranking, podium(ranking), credits, leaderboard, voters)

    async def _leaderboard(
        self, challenge: Challenge, ranking: list[Ranked], credits: dict[int, list[Credit]]
    ) -> Path:
        """The leaderboard image of the ranking as it stands (drawn unless drawn already):
        named by what it shows, so results that changed (a forgotten member's entry or vote gone) never point
        to an image of the old ranking, which is removed once a new one is drawn."""
        rows = [leaderboard_row(ranked, credits.get(ranked.clip.id, [])) for ranked in ranking]
        votes = sum(ranked.votes for ranked in ranking)
        heading = Text.of(N_("Challenge #{challenge_id}: {theme}"), challenge_id=challenge.id, theme=challenge.theme)
        subheading = Text.of(N_("{entries} · {votes}"),
                             entries=Text.count(Nn_("{n} entry", "{n} entries"), len(ranking)),
                             votes=Text.count(Nn_("{n} vote", "{n} votes"), votes))
        say = await self.say_for(challenge.guild_id)
        shown = [say(heading), say(subheading),
                 *[(row.rank, row.title, row.author, row.votes, row.video_path, row.note and say(row.note))
                   for row in rows]]  # fmt: skip
        key = hashlib.sha1(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:12]
        folder = self._media_dir(challenge)
        path = folder / f"leaderboard-{key}.png"
        if not path.is_file():
            await asyncio.to_thread(render_leaderboard, heading, subheading, rows, path, say=say)
            for old in folder.glob("leaderboard*.png"):
                if old != path:
                    old.unlink(missing_ok=True)
        return path

    # --- deadlines --------------------------------------------------------------------------------

    async def run_due_events(
        self, now: float | None = None, deliver: Callable[[Results], Awaitable[None]] | None = None
    ) -> list[Results]:
        """Close every challenge whose deadline is due and return their results, each exactly once.

        `deliver` (posting the results) runs before the event is marked fired, so a crash or a failed
        post leaves it due and it is retried; closing is idempotent, so a retry posts the same results.
        """
        done: list[Results] = []
        for event in await self.adb.read(due_events, now=now, kinds=(DEADLINE_EVENT,)):
            try:
                outcome = await self._on_deadline(event.payload["challenge_id"], now)
                if outcome is not None and deliver is not None:
                    await deliver(outcome)
            except Exception:  # noqa: BLE001 - one failing deadline must not hold up the others
                log.exception("deadline event %s failed; it stays due and is retried", event.id)
                continue
            if await self.adb.write(mark_fired, event.id) and outcome is not None:
                done.append(outcome)
        return done

    async def _on_deadline(self, challenge_id: int, now: float | None) -> Results | None:
        try:
            challenge = await self.adb.read(store.get_challenge, challenge_id)
        except NotFound:
            return None
        if challenge.status == "cancelled":
            return None
        return await self._close(challenge_id, now, early=False)

    async def next_deadline(self) -> float | None:
        """When the next challenge deadline falls due (seconds since the epoch), or None when none is scheduled."""
        return await self.adb.read(next_due_at, kinds=(DEADLINE_EVENT,))


@finishes("relay")
async def _resume_relay(studio: Studio, stored: StoredRequest) -> Accepted:
    return (await ChallengeService(studio).resume_relay(stored)).accepted
