"""Community challenges: themed vote contests and relay films, their deadlines, results and profiles.

Front-ends (the Discord cog, the console) call `ChallengeService` and render the dataclasses it returns;
every refusal is one of `common.errors.ReelbotError` (a code and a `user_message`). Deadlines are rows in the
database (storage/events.py), so a challenge still closes when its deadline passed while the bot was down:
`run_due_events` catches up, and `DeadlineLoop` keeps doing it for a running front-end.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from generation.encoding import stitch
from generation.registry import MAX_SEED, get_preset
from prompts.compose import clip as clip_text
from prompts.expand import ExpandOptions
from prompts.safety import ensure_screened, sanitize_request
from prompts.schema import MAX_SHOT_SECONDS, MAX_SHOTS, MIN_SHOT_SECONDS, StyleBible
from storage import challenges as store
from storage import requests as request_store
from storage.aio import AsyncDatabase
from storage.clips import ancestors, find_clip
from storage.db import timestamp
from common.errors import N_, NotAllowed, NotFound
from storage.events import cancel_events, due_events, mark_fired, next_due_at, schedule_event
from storage.profiles import clip_stats
from storage.records import (
    PRIORITY_DRAFT,
    Challenge,
    ChallengeEntry,
    ChallengeKind,
    Clip,
    GuildSettings,
    RelayTurn,
)
from storage.requests import StoredRequest
from storage.users import get_user
from common.errors import ReelbotError
from studio.errors import StudioError
from studio.request_kinds import finishes
from studio.leaderboard import Row, render_leaderboard
from studio.service import Accepted, ClipPlan, Member, Studio, visible_clip
from studio.converters import check_duration_s, format_duration, to_duration_s
from studio.shots import random_seed

log = logging.getLogger(__name__)

DEADLINE_EVENT = "challenge_deadline"
MIN_DURATION_S = 5 * 60
MAX_DURATION_S = 30 * 86400
MAX_THEME_CHARS = 200
MAX_TURN_CHARS = 300
MAX_RELAY_TURNS = 100
# Entries shown as winners (and credited with their remix ancestry) in the results.
PODIUM = 3

# --- records the front-ends render --------------------------------------------------------------------


@dataclass(frozen=True)
class ChallengeRules:
    """What a challenge accepts. `max_shots`, `model` and `allow_remixes` (may an entry remix someone
    else's clip) judge vote entries; a relay renders every turn with `model`, ends after `max_turns`,
    and `shot_seconds` sets each turn's length."""

    max_shots: int | None = None
    model: str | None = None
    allow_remixes: bool = True
    max_turns: int | None = None
    shot_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChallengeRules":
        return cls(**{field.name: data[field.name] for field in dataclasses.fields(cls) if field.name in data})

    def describe(self) -> list[str]:
        lines = []
        if self.max_shots is not None:
            lines.append(f"at most {self.max_shots} shot{'s' if self.max_shots != 1 else ''}")
        if self.model is not None:
            lines.append(f"model: {self.model}")
        if not self.allow_remixes:
            lines.append("no remixes of other people's clips")
        if self.max_turns is not None:
            lines.append(f"at most {self.max_turns} shots in the film")
        if self.shot_seconds is not None:
            lines.append(f"{self.shot_seconds:g} s per shot")
        return lines


@dataclass(frozen=True)
class EntryView:
    entry: ChallengeEntry
    clip: Clip

    @property
    def title(self) -> str:
        return _title(self.clip)


@dataclass(frozen=True)
class TurnView:
    turn: RelayTurn
    author_name: str
    # None while the turn's clip is being queued, or if it was removed.
    clip: Clip | None

    @property
    def status(self) -> str:
        return "missing" if self.clip is None else self.clip.status


@dataclass(frozen=True)
class Ranked:
    rank: int
    clip: Clip
    votes: int
    submitted_at: float

    @property
    def title(self) -> str:
        return _title(self.clip)


@dataclass(frozen=True)
class Credit:
    """A remix ancestor of a winning clip and who made it."""

    user_id: int
    name: str
    clip_id: int


@dataclass(frozen=True)
class ChallengeResults:
    challenge: Challenge
    # Every entry, most votes first; ties go to the earlier submission.
    ranking: list[Ranked]
    # The podium: up to PODIUM entries that got at least one vote.
    winners: list[Ranked]
    # Winning clip id -> its remix ancestors, nearest first.
    credits: dict[int, list[Credit]]
    leaderboard_path: Path | None

    @property
    def total_votes(self) -> int:
        return sum(ranked.votes for ranked in self.ranking)


@dataclass(frozen=True)
class RelayFilm:
    """The relay's film so far: every rendered turn in story order."""

    path: Path | None
    shots: list[TurnView]
    # Turns still rendering, left out of this cut.
    pending: list[TurnView]

    @property
    def contributors(self) -> list[str]:
        """Everyone with a shot in the film, in order of their first shot."""
        return list(dict.fromkeys(shot.author_name for shot in self.shots))


@dataclass(frozen=True)
class RelayResults:
    challenge: Challenge
    film: RelayFilm


Results = ChallengeResults | RelayResults


@dataclass(frozen=True)
class ChallengeView:
    challenge: Challenge
    rules: ChallengeRules
    # Vote challenges: the entries, never their votes while the challenge is open.
    entries: list[EntryView]
    # Relays: the turns so far.
    turns: list[TurnView]
    # Seconds until the deadline; 0 once it has passed.
    time_left: float
    # Only once the challenge is closed.
    results: Results | None

    @property
    def is_open(self) -> bool:
        return self.challenge.status == "open" and self.time_left > 0


@dataclass(frozen=True)
class SubmitResult:
    challenge: Challenge
    entry: ChallengeEntry
    # The member's earlier entry, which this one replaced (votes for it were dropped).
    replaced: ChallengeEntry | None


@dataclass(frozen=True)
class VoteResult:
    challenge: Challenge
    clip_id: int
    # The clip the member's vote was on before, if they had voted.
    previous_clip_id: int | None

    @property
    def changed(self) -> bool:
        return self.previous_clip_id is not None and self.previous_clip_id != self.clip_id


@dataclass(frozen=True)
class RelayTurnAccepted:
    challenge: Challenge
    turn: RelayTurn
    accepted: Accepted


@dataclass(frozen=True)
class Profile:
    user_id: int
    name: str
    clips: int
    remixes_received: int
    challenge_wins: int
    entries: int
    relay_turns: int


def may_run_challenges(member: Member, settings: GuildSettings) -> bool:
    return member.can_moderate or bool(set(member.role_ids) & set(settings.moderator_roles))


# --- the service --------------------------------------------------------------------------------------


class ChallengeService:
    """Challenges over a Studio. Keep one per front-end: `scheduled` is set whenever a deadline is added,
    which wakes that front-end's DeadlineLoop."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.scheduled = asyncio.Event()

    @property
    def adb(self) -> AsyncDatabase:
        return self.studio.adb

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
            raise StudioError("Challenges run in a server channel, not in direct messages.")
        settings = await self.studio.settings(member.guild_id)
        if not may_run_challenges(member, settings):
            raise NotAllowed("Only server admins and moderators can start challenges.")
        if isinstance(duration, str):
            seconds = to_duration_s(duration, MIN_DURATION_S, MAX_DURATION_S)
        else:
            seconds = check_duration_s(duration, MIN_DURATION_S, MAX_DURATION_S)
        theme = sanitize_request(theme, max_chars=MAX_THEME_CHARS)
        await ensure_screened(theme, self.studio.safety_policy(settings))
        stored = _checked_rules(kind, rules).to_dict()
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

    async def _relay_setup(self, theme: str, rules: ChallengeRules, settings: GuildSettings) -> dict[str, Any]:
        """Fix what every turn shares: the model, a style bible drawn from the theme, a base seed."""
        model = rules.model or settings.default_model or self.studio.config.default_model
        get_preset(model)
        shot_list = await self.studio.expand(theme, ExpandOptions(shots=1), settings)
        return {"model": model, "bible": shot_list.bible.model_dump(), "seed": random_seed()}

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

    async def show(self, member: Member, challenge_id: int, *, now: float | None = None) -> ChallengeView:
        challenge = await self.adb.read(_pick_challenge, member, challenge_id, None)
        return await self._view(challenge, now)

    async def _view(self, challenge: Challenge, now: float | None) -> ChallengeView:
        def read(db: sqlite_utils.Database) -> tuple[list[EntryView], list[TurnView]]:
            return _entry_views(db, challenge.id), _turn_views(db, challenge.id)

        entries, turns = await self.adb.read(read)
        left = max(0.0, (challenge.ends_at or 0) - timestamp(now)) if challenge.status == "open" else 0.0
        results = await self._results(challenge, make_media=False) if challenge.status == "closed" else None
        return ChallengeView(challenge, ChallengeRules.from_dict(challenge.rules), entries, turns, left, results)

    # --- vote challenges --------------------------------------------------------------------------

    async def submit(
        self, member: Member, clip_id: int, challenge_id: int | None = None, *, now: float | None = None
    ) -> SubmitResult:
        """Enter one of the member's ready clips; entering again replaces the earlier entry. Without a
        challenge id, the guild's one open vote challenge (the Submit button under a clip)."""
        now = timestamp(now)

        def write(db: sqlite_utils.Database) -> SubmitResult:
            challenge = _pick_challenge(db, member, challenge_id, "vote")
            _check_open(challenge, now, N_("Challenge #{challenge_id} has ended, so entries are closed."))
            clip = visible_clip(db, member, clip_id)  # the challenge is in the member's server too
            _check_entry(challenge, ChallengeRules.from_dict(challenge.rules), clip, member, ancestors(db, clip.id))
            current = store.get_entry(db, challenge.id, member.id)
            if current is not None and current.clip_id == clip.id:
                return SubmitResult(challenge, current, None)
            entry, replaced = store.replace_entry(db, challenge.id, user_id=member.id, clip_id=clip.id, now=now)
            return SubmitResult(challenge, entry, replaced)

        return await self.adb.write(write)

    async def vote(
        self, member: Member, challenge_id: int, clip_id: int, *, now: float | None = None
    ) -> VoteResult:
        """One vote per member per challenge; voting again moves it. Not for your own entry."""
        now = timestamp(now)

        def write(db: sqlite_utils.Database) -> VoteResult:
            challenge = _pick_challenge(db, member, challenge_id, "vote")
            _check_open(challenge, now, N_("Challenge #{challenge_id} has ended, so votes are closed."))
            entry = next((e for e in store.list_entries(db, challenge.id) if e.clip_id == clip_id), None)
            clip = find_clip(db, clip_id)
            if entry is None or clip is None or clip.status == "deleted":
                raise NotFound(
                    "Clip #{clip_id} is not an entry in challenge #{challenge_id}.",
                    clip_id=clip_id, challenge_id=challenge.id,
                )
            if entry.user_id == member.id:
                raise StudioError("You can't vote for your own entry; pick someone else's favourite.")
            previous = store.get_vote(db, challenge.id, member.id)
            store.cast_vote(db, challenge.id, voter_id=member.id, clip_id=clip_id, now=now)
            return VoteResult(challenge, clip_id, previous)

        return await self.adb.write(write)

    async def my_vote(self, member: Member, challenge_id: int) -> int | None:
        """The clip the member voted for: votes are hidden from everyone else until the end."""
        challenge = await self.adb.read(_pick_challenge, member, challenge_id, "vote")
        return await self.adb.read(store.get_vote, challenge.id, member.id)

    # --- relays -----------------------------------------------------------------------------------

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
        challenge = await self.adb.read(_pick_challenge, member, challenge_id, "relay")
        # Checked before expanding so a refusal is quick; checked again when the turn is reserved.
        await self.adb.read(_check_turn, challenge, member, now)
        settings = await self.studio.check_member_may_request(member)
        text = sanitize_request(text, max_chars=MAX_TURN_CHARS)
        await ensure_screened(text, self.studio.safety_policy(settings))
        stored = await self.studio.record_request(member, "relay", text, {"challenge_id": challenge.id}, origin)
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
            bible = StyleBible.model_validate(challenge.rules["bible"])
            shot_list = await self.studio.expand(
                text, ExpandOptions(shots=1, duration=rules.shot_seconds, bible=bible), settings
            )
            turn = await self.adb.write(_reserve_turn, challenge, member, text, now)
            shot_list = shot_list.model_copy(
                update={"title": clip_text(f"{challenge.theme} · shot {turn.position}", 100)}
            )
            plan = ClipPlan(
                shot_list=shot_list,
                model=challenge.rules["model"],
                seeds=[_turn_seed(challenge.rules["seed"], turn.position)],
                aspect=None,
                steps=None,
                priority=PRIORITY_DRAFT,
            )
            try:
                accepted = await self.studio.queue_plan(
                    request_id, member, text, plan, settings, origin,
                    link=lambda db, clip: store.set_relay_clip(db, challenge.id, turn.position, clip.id),
                )  # fmt: skip
            except ReelbotError:
                await self.adb.write(store.remove_relay_turn, challenge.id, turn.position)
                raise
        except ReelbotError as error:
            await self.adb.write(request_store.reject_request, request_id, error.user_message)
            raise
        return RelayTurnAccepted(challenge, dataclasses.replace(turn, clip_id=accepted.clip.id), accepted)

    async def relay_film(self, member: Member, challenge_id: int | None = None) -> RelayFilm:
        """Stitch the relay's rendered shots, in story order, into the film so far."""
        challenge = await self.adb.read(_pick_challenge, member, challenge_id, "relay")
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
        turns = await self.adb.read(_turn_views, challenge.id)
        shots = [
            turn
            for turn in turns
            if turn.clip is not None and turn.clip.status == "ready" and _is_file(turn.clip.video_path)
        ]
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

    # --- closing ----------------------------------------------------------------------------------

    async def close(self, member: Member, challenge_id: int, *, now: float | None = None) -> Results:
        """End a challenge before its deadline (admins and moderators), with the results as they stand."""
        settings = await self.studio.settings(member.guild_id)
        if not may_run_challenges(member, settings):
            raise NotAllowed("Only server admins and moderators can end a challenge early.")
        challenge = await self.adb.read(_pick_challenge, member, challenge_id, None)
        if challenge.status != "open":
            raise StudioError("Challenge #{challenge_id} has already ended.", challenge_id=challenge.id)
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

    async def results(self, member: Member, challenge_id: int) -> Results:
        challenge = await self.adb.read(_pick_challenge, member, challenge_id, None)
        if challenge.status != "closed":
            raise StudioError(
                "Challenge #{challenge_id} is still running; results come at the deadline.",
                challenge_id=challenge.id,
            )
        return await self._results(challenge, make_media=False)

    async def _results(self, challenge: Challenge, *, make_media: bool) -> Results:
        """The outcome of a closed challenge; `make_media` draws the leaderboard or stitches the final cut
        (otherwise only media already made is pointed to)."""
        if challenge.kind == "relay":
            return RelayResults(challenge, await self._film(challenge, make=make_media))

        def read(db: sqlite_utils.Database) -> tuple[list[Ranked], dict[int, list[Credit]]]:
            ranking = _ranking(db, challenge)
            credits = {
                ranked.clip.id: [Credit(a.author_id, a.author_name, a.id) for a in ancestors(db, ranked.clip.id)]
                for ranked in _podium(ranking)
            }
            return ranking, credits

        ranking, credits = await self.adb.read(read)
        path = self._media_dir(challenge) / "leaderboard.png"
        if ranking and make_media:
            rows = [_leaderboard_row(ranked, credits.get(ranked.clip.id, [])) for ranked in ranking]
            votes = sum(ranked.votes for ranked in ranking)
            heading = f"Challenge #{challenge.id}: {challenge.theme}"
            entries = f"{len(ranking)} entr{'y' if len(ranking) == 1 else 'ies'}"
            subheading = f"{entries} · {votes} vote{'' if votes == 1 else 's'}"
            await asyncio.to_thread(render_leaderboard, heading, subheading, rows, path)
        leaderboard = path if path.is_file() else None
        return ChallengeResults(challenge, ranking, _podium(ranking), credits, leaderboard)

    def _media_dir(self, challenge: Challenge) -> Path:
        return self.studio.config.media_dir / "challenges" / str(challenge.id)

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
        return await self.adb.read(next_due_at, kinds=(DEADLINE_EVENT,))

    # --- profiles ---------------------------------------------------------------------------------

    async def profile(self, member: Member) -> Profile:
        """The member's clips, remixes others made of them, challenge wins and entries in this guild."""

        def read(db: sqlite_utils.Database) -> Profile:
            clips, remixes = clip_stats(db, member.id, member.guild_id)
            if member.guild_id is None:
                return Profile(member.id, member.name, clips, remixes, 0, 0, 0)
            entered = store.entered_challenges(db, member.guild_id, member.id)
            wins = sum(1 for challenge, entry in entered if _won(db, challenge, entry))
            turns = store.relay_turn_count(db, member.guild_id, member.id)
            return Profile(member.id, member.name, clips, remixes, wins, len(entered), turns)

        return await self.adb.read(read)

    async def wins(self, guild_id: int, user_id: int) -> list[tuple[Challenge, Clip]]:
        """The vote challenges of the guild the member won, newest first, with the winning clip."""

        def read(db: sqlite_utils.Database) -> list[tuple[Challenge, Clip]]:
            won = []
            for challenge, entry in store.entered_challenges(db, guild_id, user_id):
                clip = find_clip(db, entry.clip_id)
                if clip is not None and _won(db, challenge, entry):
                    won.append((challenge, clip))
            return won

        return await self.adb.read(read)


@finishes("relay")
async def _resume_relay(studio: Studio, stored: StoredRequest) -> Accepted:
    return (await ChallengeService(studio).resume_relay(stored)).accepted


async def run_due_events(
    studio: Studio, now: float | None = None, deliver: Callable[[Results], Awaitable[None]] | None = None
) -> list[Results]:
    """`ChallengeService.run_due_events` for callers without a service of their own (e.g. at startup)."""
    return await ChallengeService(studio).run_due_events(now, deliver)


class DeadlineLoop:
    """Fires challenge deadlines while a front-end runs: catches up on start, then sleeps until the next
    deadline or until the service schedules a new one. Run `run()` as a task; cancel it to stop."""

    def __init__(
        self,
        service: ChallengeService,
        deliver: Callable[[Results], Awaitable[None]],
        *,
        max_sleep: float = 60.0,
        retry_delay: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.deliver = deliver
        # Bounded sleeps notice deadlines another process scheduled and survive wall-clock jumps.
        self.max_sleep = max_sleep
        self.retry_delay = retry_delay
        self.clock = clock

    async def run(self) -> None:
        while True:
            await self.run_once()

    async def run_once(self) -> None:
        """One pass: fire what is due, then sleep until the next deadline (or a wake-up)."""
        self.service.scheduled.clear()
        ran_at = self.clock()
        try:
            await self.service.run_due_events(ran_at, self.deliver)
            next_at = await self.service.next_deadline()
        except Exception:  # noqa: BLE001 - the loop outlives a database hiccup
            log.exception("deadline pass failed")
            next_at = ran_at
        if next_at is None:
            delay = self.max_sleep
        elif next_at <= ran_at:
            # Still due after a pass: its delivery failed; don't spin on it.
            delay = self.retry_delay
        else:
            delay = max(0.0, next_at - self.clock())
        # Not asyncio.wait_for: on Python 3.11 it swallows a cancel that lands just as the wake-up does,
        # and the loop would then outlive the front-end that cancelled it.
        try:
            async with asyncio.timeout(min(delay, self.max_sleep)):
                await self.service.scheduled.wait()
        except TimeoutError:
            pass


# --- rules of play (run on the database thread) -------------------------------------------------------


def _checked_rules(kind: ChallengeKind, rules: ChallengeRules) -> ChallengeRules:
    if rules.model is not None:
        get_preset(rules.model)
    if kind == "vote":
        if rules.max_turns is not None or rules.shot_seconds is not None:
            raise StudioError("Turn limits and shot lengths are for relay challenges.")
        if rules.max_shots is not None and not 1 <= rules.max_shots <= MAX_SHOTS:
            raise StudioError("The shot limit must be between 1 and {max_shots}.", max_shots=MAX_SHOTS)
        return rules
    if rules.max_shots is not None or not rules.allow_remixes:
        raise StudioError("Relay shots are made in the relay itself, so shot limits and remix rules don't apply.")
    if rules.max_turns is not None and not 2 <= rules.max_turns <= MAX_RELAY_TURNS:
        raise StudioError("A relay can have from 2 to {max_relay_turns} shots.", max_relay_turns=MAX_RELAY_TURNS)
    if rules.shot_seconds is not None and not MIN_SHOT_SECONDS <= rules.shot_seconds <= MAX_SHOT_SECONDS:
        raise StudioError(
            "Relay shots can last from {min_shot_seconds:g} to {max_shot_seconds:g} seconds.",
            min_shot_seconds=MIN_SHOT_SECONDS, max_shot_seconds=MAX_SHOT_SECONDS,
        )
    return rules


# Whole sentences per kind, so that each translates as a sentence.
_NONE_OPEN = {"vote": N_("There is no open challenge right now."), "relay": N_("There is no open relay right now.")}
_SEVERAL_OPEN = {
    "vote": N_("Several challenges are open ({ids}); say which one."),
    "relay": N_("Several relays are open ({ids}); say which one."),
}


def _pick_challenge(
    db: sqlite_utils.Database, member: Member, challenge_id: int | None, kind: ChallengeKind | None
) -> Challenge:
    """The member's guild's challenge by id, or its one open challenge of `kind` when no id is given."""
    if member.guild_id is None:
        raise StudioError("Challenges run in a server channel, not in direct messages.")
    if challenge_id is None:
        assert kind is not None
        running = [c for c in store.list_challenges(db, member.guild_id, status="open") if c.kind == kind]
        if not running:
            raise StudioError(_NONE_OPEN[kind])
        if len(running) > 1:
            ids = ", ".join(f"#{c.id}" for c in running)
            raise StudioError(_SEVERAL_OPEN[kind], ids=ids)
        return running[0]
    try:
        challenge = store.get_challenge(db, challenge_id)
    except NotFound:
        challenge = None
    if challenge is None or challenge.guild_id != member.guild_id:
        raise NotFound("There is no challenge #{challenge_id} in this server.", challenge_id=challenge_id)
    if kind == "vote" and challenge.kind != "vote":
        raise StudioError(
            "Challenge #{challenge_id} is a relay: add a shot with /relay add instead.",
            challenge_id=challenge.id,
        )
    if kind == "relay" and challenge.kind != "relay":
        raise StudioError(
            "Challenge #{challenge_id} is not a relay: enter a clip with /challenge submit.",
            challenge_id=challenge.id,
        )
    return challenge


def _check_open(challenge: Challenge, now: float, closed: str) -> None:
    """Refuse with the template `closed` (a whole sentence naming `{challenge_id}`, so it translates) once
    the challenge has ended."""
    if challenge.status != "open" or (challenge.ends_at is not None and now >= challenge.ends_at):
        raise StudioError(closed, challenge_id=challenge.id)


def _check_entry(
    challenge: Challenge, rules: ChallengeRules, clip: Clip, member: Member, lineage: list[Clip]
) -> None:
    if clip.author_id != member.id:
        raise NotAllowed("Clip #{clip_id} isn't yours; you can only enter your own clips.", clip_id=clip.id)
    if clip.status in ("queued", "rendering"):
        raise StudioError("Clip #{clip_id} is still rendering; submit it once it's ready.", clip_id=clip.id)
    if clip.status != "ready":
        raise StudioError("Clip #{clip_id} didn't finish rendering, so it can't be entered.", clip_id=clip.id)
    if rules.max_shots is not None and len(clip.recipes) > rules.max_shots:
        raise StudioError(
            "Challenge #{challenge_id} allows at most {max_shots} shot(s); clip #{clip_id} has {shots}.",
            challenge_id=challenge.id, max_shots=rules.max_shots, clip_id=clip.id, shots=len(clip.recipes)
        )
    if rules.model is not None and get_preset(clip.model).name != get_preset(rules.model).name:
        raise StudioError(
            "Challenge #{challenge_id} is for clips made with {challenge_model}; clip #{clip_id} used {clip_model}.",
            challenge_id=challenge.id, challenge_model=rules.model, clip_id=clip.id, clip_model=clip.model
        )
    borrowed = next((ancestor for ancestor in lineage if ancestor.author_id != member.id), None)
    if not rules.allow_remixes and borrowed is not None:
        raise StudioError(
            "Challenge #{challenge_id} takes original work only, and clip #{clip_id} remixes {author_name}'s clip "
            "#{original_id}.",
            challenge_id=challenge.id, clip_id=clip.id, author_name=borrowed.author_name, original_id=borrowed.id
        )


def _check_turn(db: sqlite_utils.Database, challenge: Challenge, member: Member, now: float) -> list[RelayTurn]:
    challenge = store.get_challenge(db, challenge.id)
    _check_open(challenge, now, N_("Relay #{challenge_id} has ended, so new shots are closed."))
    turns = store.relay_turns(db, challenge.id)
    max_turns = ChallengeRules.from_dict(challenge.rules).max_turns
    if max_turns is not None and len(turns) >= max_turns:
        raise StudioError(
            "Relay #{challenge_id} already has all {max_turns} shots; the film is complete.",
            challenge_id=challenge.id, max_turns=max_turns,
        )
    if turns and turns[-1].user_id == member.id:
        raise StudioError("You added the last shot; let someone else take the next turn.")
    return turns


def _reserve_turn(
    db: sqlite_utils.Database, challenge: Challenge, member: Member, text: str, now: float
) -> RelayTurn:
    """Check the turn rules and take the next position; run it in one write transaction
    (`AsyncDatabase.write`), so two members adding at once can't both pass."""
    _check_turn(db, challenge, member, now)
    return store.add_relay_turn(db, challenge.id, user_id=member.id, text=text, now=now)


def _turn_seed(base: int, position: int) -> int:
    """Each shot its own seed, reproducible from the relay's base seed."""
    return (base + 7919 * position) % MAX_SEED


def _ranking(db: sqlite_utils.Database, challenge: Challenge) -> list[Ranked]:
    """Entries by votes; equal votes share a rank (listed earlier submission first); entries whose clip
    was deleted drop out."""
    submitted = {entry.clip_id: entry.submitted_at for entry in store.list_entries(db, challenge.id)}
    ranking: list[Ranked] = []
    for clip_id, votes in store.tally(db, challenge.id):
        clip = find_clip(db, clip_id)
        if clip is not None and clip.status != "deleted":
            # Standard competition ranking ("1224"): equal votes share a rank, the next rank skips.
            rank = ranking[-1].rank if ranking and ranking[-1].votes == votes else len(ranking) + 1
            ranking.append(Ranked(rank, clip, votes, submitted[clip_id]))
    return ranking


def _podium(ranking: list[Ranked]) -> list[Ranked]:
    """The entries ranked 1 to PODIUM with at least one vote: every entry tied for a podium rank is on it."""
    return [ranked for ranked in ranking if ranked.rank <= PODIUM and ranked.votes > 0]


def _won(db: sqlite_utils.Database, challenge: Challenge, entry: ChallengeEntry) -> bool:
    if challenge.status != "closed" or challenge.kind != "vote":
        return False
    return any(ranked.rank == 1 and ranked.clip.id == entry.clip_id for ranked in _podium(_ranking(db, challenge)))


def _entry_views(db: sqlite_utils.Database, challenge_id: int) -> list[EntryView]:
    views = []
    for entry in store.list_entries(db, challenge_id):
        clip = find_clip(db, entry.clip_id)
        if clip is not None and clip.status != "deleted":
            views.append(EntryView(entry, clip))
    return views


def _turn_views(db: sqlite_utils.Database, challenge_id: int) -> list[TurnView]:
    views = []
    for turn in store.relay_turns(db, challenge_id):
        clip = None if turn.clip_id is None else find_clip(db, turn.clip_id)
        if clip is not None and clip.status == "deleted":
            clip = None
        user = get_user(db, turn.user_id)
        name = clip.author_name if clip is not None else (user.name if user is not None else f"member {turn.user_id}")
        views.append(TurnView(turn, name, clip))
    return views


def _leaderboard_row(ranked: Ranked, credits: list[Credit]) -> Row:
    note = f"remix of #{credits[0].clip_id} by {credits[0].name}" if credits else ""
    return Row(
        rank=ranked.rank,
        title=ranked.title,
        author=ranked.clip.author_name,
        votes=ranked.votes,
        video_path=ranked.clip.video_path,
        storyboard_path=ranked.clip.storyboard_path,
        note=note,
    )


def _title(clip: Clip) -> str:
    return clip.shot_list.get("title") or clip.request


def _is_file(path: str | None) -> bool:
    return path is not None and Path(path).is_file()
