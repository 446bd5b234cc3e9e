"""What the challenge service returns for front-ends to render: entries, turns, rankings, results, films.

Plain frozen dataclasses over storage records; nothing here touches the database except the two readers at
the end, which run on the database thread.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from common.text import Text
from storage import challenges as store
from storage.clips import find_clip
from storage.forget import DELETED_MEMBER_ID, DELETED_MEMBER_NAME
from storage.records import Challenge, ChallengeEntry, Clip, RelayTurn
from storage.stills import get_storyboard
from storage.users import get_user
from studio.challenges.rules import ChallengeRules
from studio.members import author_named
from studio.requests import Accepted


@dataclass(frozen=True)
class EntryView:
    """An entry of a vote challenge with its clip (deleted clips' entries are left out)."""

    entry: ChallengeEntry
    clip: Clip

    @property
    def title(self) -> str:
        """The clip's title, or its request when the plan had none."""
        return _title(self.clip)


@dataclass(frozen=True)
class TurnView:
    """A relay turn: its place in the story, who added it (as members read them: "a deleted member" once
    forgotten), and the clip rendering it."""

    turn: RelayTurn
    author: Text
    # None while the turn's clip is being queued, or if it was removed.
    clip: Clip | None
    # Its clip's storyboard status ("stills", "ready": waiting for the author's Animate, ...), None without one.
    storyboard: str | None = None

    @property
    def kept(self) -> bool:
        """A rendered shot whose author was forgotten: kept in the film, anonymised (storage.forget)."""
        return self.turn.user_id == DELETED_MEMBER_ID and self.clip is not None and self.clip.status == "deleted"

    @property
    def status(self) -> str:
        """The turn's clip status ("queued", "rendering", "ready", "failed", ...; "ready" for a kept shot), or
        "missing" without a clip."""
        return "missing" if self.clip is None else "ready" if self.kept else self.clip.status

    @property
    def waiting_for(self) -> str | None:
        """What a turn not yet in the film waits for: "animate" (its stills are ready, for its author's
        Animate), "stills" (its stills are rendering), "render" (its video is queued or rendering); None once
        rendered, failed or missing."""
        if self.status not in ("queued", "rendering"):
            return None
        return {"ready": "animate", "stills": "stills"}.get(self.storyboard or "", "render")

    @property
    def playable(self) -> bool:
        """Whether the shot is in the film: rendered, with its video recorded (kept shots too)."""
        return self.status == "ready" and self.clip is not None and self.clip.video_path is not None


@dataclass(frozen=True)
class Ranked:
    """An entry's place in the results: `rank` by standard competition ranking (ties share a rank), its clip and
    votes, and when it was submitted (seconds since the epoch)."""

    rank: int
    clip: Clip
    votes: int
    submitted_at: float

    @property
    def title(self) -> str:
        """The clip's title, or its request when the plan had none."""
        return _title(self.clip)


@dataclass(frozen=True)
class Credit:
    """A remix ancestor of a winning clip and who made it."""

    user_id: int
    name: str
    clip_id: int

    @property
    def author(self) -> Text:
        """Who made the ancestor, as members read them ("a deleted member" once forgotten)."""
        return author_named(self.user_id, self.name)


@dataclass(frozen=True)
class ChallengeResults:
    """The outcome of a closed vote challenge; `leaderboard_path` is the leaderboard PNG once drawn."""

    challenge: Challenge
    # Every entry, most votes first; ties go to the earlier submission.
    ranking: list[Ranked]
    # The podium: up to PODIUM entries that got at least one vote.
    winners: list[Ranked]
    # Winning clip id -> its remix ancestors, nearest first.
    credits: dict[int, list[Credit]]
    leaderboard_path: Path | None
    # Who voted (the counts show their votes): a forgotten voter changes the results.
    voter_ids: frozenset[int] = frozenset()

    @property
    def total_votes(self) -> int:
        """Votes cast for entries still in the ranking."""
        return sum(ranked.votes for ranked in self.ranking)


@dataclass(frozen=True)
class RelayFilm:
    """The relay's film so far: every rendered turn in story order."""

    path: Path | None
    shots: list[TurnView]
    # Turns still rendering, left out of this cut.
    pending: list[TurnView]

    @property
    def contributors(self) -> list[Text]:
        """Everyone with a shot in the film, in order of their first shot (forgotten members as one "a
        deleted member")."""
        return list({shot.turn.user_id: shot.author for shot in self.shots}.values())

    @property
    def contributor_ids(self) -> frozenset[int]:
        """The ids of everyone with a shot in the film (forgotten members' 0 left out)."""
        return frozenset(shot.turn.user_id for shot in self.shots) - {DELETED_MEMBER_ID}

    def of_clips(self, clip_ids: Sequence[int], pending_ids: Sequence[int] = ()) -> "RelayFilm":
        """The film as an earlier post showed it: the shots of these clips, those of `pending_ids` still
        rendering then (no file: the post carries its own)."""
        turns = [*self.shots, *self.pending]
        return RelayFilm(None, [turn for turn in self.shots if turn.turn.clip_id in clip_ids],
                         [turn for turn in turns if turn.turn.clip_id in pending_ids])


@dataclass(frozen=True)
class RelayResults:
    """The outcome of a closed relay: its film."""

    challenge: Challenge
    film: RelayFilm


Results = ChallengeResults | RelayResults


@dataclass(frozen=True)
class ChallengeView:
    """A challenge as front-ends show it, with its rules, entries or turns, time left (seconds) and, once closed,
    its results."""

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
        """Whether entries, votes and turns are still taken."""
        return self.challenge.status == "open" and self.time_left > 0


@dataclass(frozen=True)
class SubmitResult:
    """An accepted entry, and the entry it replaced, if any."""

    challenge: Challenge
    entry: ChallengeEntry
    # The member's earlier entry, which this one replaced (votes for it were dropped).
    replaced: ChallengeEntry | None


@dataclass(frozen=True)
class VoteResult:
    """A vote as cast: the challenge, the clip voted for, and the member's previous choice."""

    challenge: Challenge
    clip_id: int
    # The clip the member's vote was on before, if they had voted.
    previous_clip_id: int | None

    @property
    def changed(self) -> bool:
        """Whether the vote moved from another clip."""
        return self.previous_clip_id is not None and self.previous_clip_id != self.clip_id


@dataclass(frozen=True)
class RelayTurnAccepted:
    """A relay turn taken: its place in the story and the queued clip that renders it."""

    challenge: Challenge
    turn: RelayTurn
    accepted: Accepted



def entry_views(db: sqlite_utils.Database, challenge_id: int) -> list[EntryView]:
    """The challenge's entries whose clips still exist, in submission order."""
    views = []
    for entry in store.list_entries(db, challenge_id):
        clip = find_clip(db, entry.clip_id)
        if clip is not None and clip.status != "deleted":
            views.append(EntryView(entry, clip))
    return views


def turn_views(db: sqlite_utils.Database, challenge_id: int) -> list[TurnView]:
    """The relay's turns in story order; a deleted clip shows as missing (unless its shot was kept in the
    film when its author was forgotten), its author by name."""
    views = []
    for turn in store.relay_turns(db, challenge_id):
        clip = None if turn.clip_id is None else find_clip(db, turn.clip_id)
        kept = turn.user_id == DELETED_MEMBER_ID and clip is not None and clip.video_path is not None
        if clip is not None and clip.status == "deleted" and not kept:
            clip = None
        board = None if clip is None else get_storyboard(db, clip.id)
        views.append(TurnView(turn, _turn_author(db, turn, clip), clip, None if board is None else board.status))
    return views



def _turn_author(db: sqlite_utils.Database, turn: RelayTurn, clip: Clip | None) -> Text:
    """Who added the turn, as members read them; a forgotten one (or one no longer known) is "a deleted
    member", never a bare id."""
    user = get_user(db, turn.user_id)
    if turn.user_id == DELETED_MEMBER_ID or (clip is None and user is None):
        return Text.of(DELETED_MEMBER_NAME)
    return Text.raw(clip.author_name if clip is not None else user.name)  # type: ignore[union-attr]


def _title(clip: Clip) -> str:
    return clip.shot_list.get("title") or clip.request
