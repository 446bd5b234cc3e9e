"""The rules of play: what a challenge accepts, which challenge a member means, and who may add a turn.

Functions taking a `sqlite_utils.Database` run on the database thread (inside `AsyncDatabase.read` or
`write`); every refusal is a `common.errors.ReelbotError` with a template that names its values.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from common.text import N_, Nn_, Text
from common.errors import NotAllowed, NotFound
from generation.registry import MAX_SEED, get_preset
from prompts.schema import MAX_SHOT_SECONDS, MAX_SHOTS, MIN_SHOT_SECONDS
from storage import challenges as store
from storage.records import Challenge, ChallengeKind, Clip, GuildSettings, RelayTurn
from studio.errors import StudioError
from studio.members import Member

# A challenge's running time, seconds.
MIN_DURATION_S = 5 * 60
MAX_DURATION_S = 30 * 86400
# Characters of a theme and of one relay turn's text.
MAX_THEME_CHARS = 200
MAX_TURN_CHARS = 300
MAX_RELAY_TURNS = 100


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
        """The rules as stored in `challenges.rules` (JSON): field name -> value."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChallengeRules":
        """Rules from a stored `challenges.rules` dict; keys that are not rules (a relay's model, bible, seed) are
        ignored."""
        return cls(**{field.name: data[field.name] for field in dataclasses.fields(cls) if field.name in data})

    def describe(self) -> list[Text]:
        """The rules that are set, one short Text each (for a front-end to translate), for listings."""
        lines = []
        if self.max_shots is not None:
            lines.append(Text.count(Nn_("at most {n} shot", "at most {n} shots"), self.max_shots))
        if self.model is not None:
            lines.append(Text.of(N_("model: {model}"), model=self.model))
        if not self.allow_remixes:
            lines.append(Text.of(N_("no remixes of other people's clips")))
        if self.max_turns is not None:
            lines.append(Text.count(Nn_("at most {n} shot in the film", "at most {n} shots in the film"), self.max_turns))
        if self.shot_seconds is not None:
            lines.append(Text.of(N_("{seconds:g} s per shot"), seconds=self.shot_seconds))
        return lines


def may_run_challenges(member: Member, settings: GuildSettings) -> bool:
    """Whether the member may start and end challenges: server moderators and the guild's moderator roles."""
    return member.can_moderate or bool(set(member.role_ids) & set(settings.moderator_roles))



def checked_rules(kind: ChallengeKind, rules: ChallengeRules) -> ChallengeRules:
    """The rules, if they fit a challenge of `kind`: vote challenges take shot and remix rules, relays turn limits
    and shot lengths, each within the planner's bounds. Raises StudioError naming the bound, or the registry's
    error for an unknown model."""
    if rules.model is not None:
        get_preset(rules.model)
    if kind == "vote":
        if rules.max_turns is not None or rules.shot_seconds is not None:
            raise StudioError("Turn limits and shot lengths are for relay challenges.", code="rules_for_relay")
        if rules.max_shots is not None and not 1 <= rules.max_shots <= MAX_SHOTS:
            raise StudioError(
                "The shot limit must be between 1 and {max_shots}.",
                max_shots=MAX_SHOTS, code="rule_out_of_range",
            )
        return rules
    if rules.max_shots is not None or not rules.allow_remixes:
        raise StudioError(
            "Relay shots are made in the relay itself, so shot limits and remix rules don't apply.",
            code="rules_for_vote",
        )
    if rules.max_turns is not None and not 2 <= rules.max_turns <= MAX_RELAY_TURNS:
        raise StudioError(
            "A relay can have from 2 to {max_relay_turns} shots.",
            max_relay_turns=MAX_RELAY_TURNS, code="rule_out_of_range",
        )
    if rules.shot_seconds is not None and not MIN_SHOT_SECONDS <= rules.shot_seconds <= MAX_SHOT_SECONDS:
        raise StudioError(
            "Relay shots can last from {min_shot_seconds:g} to {max_shot_seconds:g} seconds.",
            min_shot_seconds=MIN_SHOT_SECONDS, max_shot_seconds=MAX_SHOT_SECONDS, code="rule_out_of_range",
        )
    return rules


# Whole sentences per kind, so that each translates as a sentence.
_NONE_OPEN = {"vote": N_("There is no open challenge right now."), "relay": N_("There is no open relay right now.")}
_SEVERAL_OPEN = {
    "vote": N_("Several challenges are open ({ids}); say which one."),
    "relay": N_("Several relays are open ({ids}); say which one."),
}


def pick_challenge(
    db: sqlite_utils.Database, member: Member, challenge_id: int | None, kind: ChallengeKind | None
) -> Challenge:
    """The member's guild's challenge by id, or its one open challenge of `kind` when no id is given."""
    if member.guild_id is None:
        raise StudioError("Challenges run in a server channel, not in direct messages.", code="server_only")
    if challenge_id is None:
        assert kind is not None
        running = [c for c in store.list_challenges(db, member.guild_id, status="open") if c.kind == kind]
        if not running:
            raise StudioError(_NONE_OPEN[kind], code="none_open")
        if len(running) > 1:
            ids = ", ".join(f"#{c.id}" for c in running)
            raise StudioError(_SEVERAL_OPEN[kind], ids=ids, code="several_open")
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
            challenge_id=challenge.id, code="wrong_kind",
        )
    if kind == "relay" and challenge.kind != "relay":
        raise StudioError(
            "Challenge #{challenge_id} is not a relay: enter a clip with /challenge submit.",
            challenge_id=challenge.id, code="wrong_kind",
        )
    return challenge


def check_open(challenge: Challenge, now: float, closed: str) -> None:
    """Refuse with the template `closed` (a whole sentence naming `{challenge_id}`, so it translates) once
    the challenge has ended."""
    if challenge.status != "open" or (challenge.ends_at is not None and now >= challenge.ends_at):
        raise StudioError(closed, challenge_id=challenge.id, code="challenge_closed")


def check_entry(
    challenge: Challenge, rules: ChallengeRules, clip: Clip, member: Member, lineage: list[Clip]
) -> None:
    """Refuse an entry that breaks a rule: someone else's clip, one not rendered, too many shots, another model, or
    (when remixes are not allowed) a remix of someone else's clip, seen in `lineage` (the clip's ancestors).
    Raises NotAllowed or StudioError naming the clip and the rule."""
    if clip.author_id != member.id:
        raise NotAllowed(
            "Clip #{clip_id} isn't yours; you can only enter your own clips.",
            clip_id=clip.id, code="not_yours",
        )
    if clip.status in ("queued", "rendering"):
        raise StudioError(
            "Clip #{clip_id} is still rendering; submit it once it's ready.",
            clip_id=clip.id, code="still_rendering",
        )
    if clip.status != "ready":
        raise StudioError(
            "Clip #{clip_id} didn't finish rendering, so it can't be entered.",
            clip_id=clip.id, code="not_rendered",
        )
    if rules.max_shots is not None and len(clip.recipes) > rules.max_shots:
        raise StudioError(
            "Challenge #{challenge_id} allows at most {max_shots} shot(s); clip #{clip_id} has {shots}.",
            challenge_id=challenge.id, max_shots=rules.max_shots, clip_id=clip.id, shots=len(clip.recipes),
            code="too_many_shots",
        )
    if rules.model is not None and get_preset(clip.model).name != get_preset(rules.model).name:
        raise StudioError(
            "Challenge #{challenge_id} is for clips made with {challenge_model}; clip #{clip_id} used {clip_model}.",
            challenge_id=challenge.id, challenge_model=rules.model, clip_id=clip.id, clip_model=clip.model,
            code="wrong_model",
        )
    borrowed = next((ancestor for ancestor in lineage if ancestor.author_id != member.id), None)
    if not rules.allow_remixes and borrowed is not None:
        raise StudioError(
            "Challenge #{challenge_id} takes original work only, and clip #{clip_id} remixes {author_name}'s clip "
            "#{original_id}.",
            challenge_id=challenge.id, clip_id=clip.id, author_name=borrowed.author_name, original_id=borrowed.id,
            code="remix_not_allowed",
        )


def check_turn(db: sqlite_utils.Database, challenge: Challenge, member: Member, now: float) -> list[RelayTurn]:
    """The relay's turns so far, if the member may add the next one: the relay is open, not full, and the member did
    not add the last shot. Raises StudioError otherwise. Reads the challenge again, so run it in the transaction
    that reserves the turn."""
    challenge = store.get_challenge(db, challenge.id)
    check_open(challenge, now, N_("Relay #{challenge_id} has ended, so new shots are closed."))
    turns = store.relay_turns(db, challenge.id)
    max_turns = ChallengeRules.from_dict(challenge.rules).max_turns
    if max_turns is not None and len(turns) >= max_turns:
        raise StudioError(
            "Relay #{challenge_id} already has all {max_turns} shots; the film is complete.",
            challenge_id=challenge.id, max_turns=max_turns, code="relay_full",
        )
    if turns and turns[-1].user_id == member.id:
        raise StudioError("You added the last shot; let someone else take the next turn.", code="turn_twice")
    return turns


def reserve_turn(
    db: sqlite_utils.Database, challenge: Challenge, member: Member, text: str, now: float
) -> RelayTurn:
    """Check the turn rules and take the next position; run it in one write transaction
    (`AsyncDatabase.write`), so two members adding at once can't both pass."""
    check_turn(db, challenge, member, now)
    return store.add_relay_turn(db, challenge.id, user_id=member.id, text=text, now=now)


def turn_seed(base: int, position: int) -> int:
    """Each shot its own seed, reproducible from the relay's base seed."""
    return (base + 7919 * position) % MAX_SEED

