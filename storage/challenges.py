"""Community challenges: themed vote contests and relay stories, their entries, votes and turns.
Basic CRUD only; the rules of play live in the studio layer."""

from __future__ import annotations

import json
import sqlite3

import sqlite_utils

from storage.db import timestamp
from storage.transactions import transaction
from common.errors import Conflict, NotFound
from storage.records import Challenge, ChallengeEntry, ChallengeKind, ChallengeStatus, RelayTurn


def create_challenge(
    db: sqlite_utils.Database,
    *,
    guild_id: int,
    channel_id: int,
    theme: str,
    kind: ChallengeKind,
    created_by: int,
    starts_at: float,
    ends_at: float | None = None,
    rules: dict | None = None,
    now: float | None = None,
) -> Challenge:
    """Insert a challenge (`kind` 'vote' or 'relay') open from `starts_at` to `ends_at` (Unix seconds; None: no
    deadline); `rules` is stored as JSON."""
    cursor = db.execute(
        "INSERT INTO challenges (guild_id, channel_id, theme, kind, rules, starts_at, ends_at, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, channel_id, theme, kind, json.dumps(rules or {}), starts_at, ends_at, created_by, timestamp(now)),
    )
    return get_challenge(db, cursor.lastrowid)  # type: ignore[arg-type]


def get_challenge(db: sqlite_utils.Database, challenge_id: int) -> Challenge:
    """The challenge with this id. Raises NotFound."""
    row = next(db.query("SELECT * FROM challenges WHERE id = ?", (challenge_id,)), None)
    if row is None:
        raise NotFound("There is no challenge #{challenge_id}.", challenge_id=challenge_id)
    return Challenge.from_row(row)


def list_challenges(
    db: sqlite_utils.Database, guild_id: int, *, status: ChallengeStatus | None = None
) -> list[Challenge]:
    """A guild's challenges, newest first, optionally only those with `status`."""
    sql, params = "SELECT * FROM challenges WHERE guild_id = ?", [guild_id]
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    return [Challenge.from_row(row) for row in db.query(sql + " ORDER BY id DESC", params)]


def update_challenge(
    db: sqlite_utils.Database,
    challenge_id: int,
    *,
    status: ChallengeStatus | None = None,
    ends_at: float | None = None,
    announcement_message_id: int | None = None,
) -> Challenge:
    """Change the given fields (None leaves a field as it is)."""
    changes = {
        name: value
        for name, value in (
            ("status", status),
            ("ends_at", ends_at),
            ("announcement_message_id", announcement_message_id),
        )
        if value is not None
    }
    if changes:
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        db.execute(f"UPDATE challenges SET {assignments} WHERE id = :id", {**changes, "id": challenge_id})
    return get_challenge(db, challenge_id)


def add_entry(
    db: sqlite_utils.Database, challenge_id: int, *, user_id: int, clip_id: int, now: float | None = None
) -> ChallengeEntry:
    """Enter `clip_id` for `user_id`. Raises Conflict when the member already has an entry (use replace_entry)."""
    try:
        db.execute(
            "INSERT INTO challenge_entries (challenge_id, user_id, clip_id, submitted_at) VALUES (?, ?, ?, ?)",
            (challenge_id, user_id, clip_id, timestamp(now)),
        )
    except sqlite3.IntegrityError as error:
        if "UNIQUE" not in str(error):
            raise NotFound(
                "Challenge #{challenge_id} or clip #{clip_id} does not exist.",
                challenge_id=challenge_id, clip_id=clip_id,
            ) from error
        raise Conflict(
            "You already entered challenge #{challenge_id}; one entry per person.",
            challenge_id=challenge_id,
        ) from error
    return ChallengeEntry(challenge_id, user_id, clip_id, timestamp(now))


def get_entry(db: sqlite_utils.Database, challenge_id: int, user_id: int) -> ChallengeEntry | None:
    """The member's entry in the challenge, or None."""
    row = next(
        db.query("SELECT * FROM challenge_entries WHERE challenge_id = ? AND user_id = ?", (challenge_id, user_id)),
        None,
    )
    return None if row is None else ChallengeEntry.from_row(row)


def replace_entry(
    db: sqlite_utils.Database, challenge_id: int, *, user_id: int, clip_id: int, now: float | None = None
) -> tuple[ChallengeEntry, ChallengeEntry | None]:
    """Make the clip the user's one entry: (new entry, the entry it replaced). Votes cast for a replaced
    clip are dropped, since voters chose that video and not whatever took its place."""
    with transaction(db):
        previous = get_entry(db, challenge_id, user_id)
        if previous is not None:
            withdraw_entry(db, challenge_id, user_id)
            db.execute("DELETE FROM votes WHERE challenge_id = ? AND clip_id = ?", (challenge_id, previous.clip_id))
        return add_entry(db, challenge_id, user_id=user_id, clip_id=clip_id, now=now), previous


def withdraw_entry(db: sqlite_utils.Database, challenge_id: int, user_id: int) -> bool:
    """Remove the member's entry; True if there was one."""
    cursor = db.execute("DELETE FROM challenge_entries WHERE challenge_id = ? AND user_id = ?", (challenge_id, user_id))
    return cursor.rowcount == 1


def list_entries(db: sqlite_utils.Database, challenge_id: int) -> list[ChallengeEntry]:
    """The challenge's entries in submission order (ties: by user id)."""
    rows = db.query(
        "SELECT * FROM challenge_entries WHERE challenge_id = ? ORDER BY submitted_at, user_id", (challenge_id,)
    )
    return [ChallengeEntry.from_row(row) for row in rows]


def cast_vote(
    db: sqlite_utils.Database, challenge_id: int, *, voter_id: int, clip_id: int, now: float | None = None
) -> bool:
    """Record the voter's one vote; voting again moves it. True if it replaced an earlier vote.
    Only entries of this challenge can be voted for."""
    with transaction(db):
        entered = db.execute(
            "SELECT 1 FROM challenge_entries WHERE challenge_id = ? AND clip_id = ?", (challenge_id, clip_id)
        ).fetchone()
        if entered is None:
            raise NotFound(
                "Clip #{clip_id} is not an entry in challenge #{challenge_id}.",
                clip_id=clip_id, challenge_id=challenge_id,
            )
        replaced = db.execute(
            "SELECT 1 FROM votes WHERE challenge_id = ? AND voter_id = ?", (challenge_id, voter_id)
        ).fetchone()
        db.execute(
            "INSERT INTO votes (challenge_id, voter_id, clip_id, voted_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(challenge_id, voter_id) DO UPDATE SET "
            "clip_id = excluded.clip_id, voted_at = excluded.voted_at",
            (challenge_id, voter_id, clip_id, timestamp(now)),
        )
        return replaced is not None


def get_vote(db: sqlite_utils.Database, challenge_id: int, voter_id: int) -> int | None:
    """The clip the voter's vote is on, if they voted."""
    row = db.execute(
        "SELECT clip_id FROM votes WHERE challenge_id = ? AND voter_id = ?", (challenge_id, voter_id)
    ).fetchone()
    return None if row is None else row[0]


def close_challenge(db: sqlite_utils.Database, challenge_id: int, *, ends_at: float | None = None) -> bool:
    """Move an open challenge to closed; False if it was already closed or cancelled, so
    concurrent closers can tell which of them did it."""
    cursor = db.execute(
        "UPDATE challenges SET status = 'closed', ends_at = COALESCE(?, ends_at) "
        "WHERE id = ? AND status = 'open'",
        (ends_at, challenge_id),
    )
    return cursor.rowcount == 1


def entered_challenges(
    db: sqlite_utils.Database, guild_id: int, user_id: int
) -> list[tuple[Challenge, ChallengeEntry]]:
    """Every challenge of the guild the user has an entry in, newest first."""
    rows = db.query(
        "SELECT c.*, e.user_id AS entry_user_id, e.clip_id AS entry_clip_id, e.submitted_at AS entry_submitted_at "
        "FROM challenges c JOIN challenge_entries e ON e.challenge_id = c.id "
        "WHERE c.guild_id = ? AND e.user_id = ? ORDER BY c.id DESC",
        (guild_id, user_id),
    )
    return [
        (
            Challenge.from_row(row),
            ChallengeEntry(row["id"], row["entry_user_id"], row["entry_clip_id"], row["entry_submitted_at"]),
        )
        for row in rows
    ]


def voter_ids(db: sqlite_utils.Database, challenge_id: int) -> list[int]:
    """Who voted in the challenge, by id."""
    return [row[0] for row in db.execute("SELECT voter_id FROM votes WHERE challenge_id = ? ORDER BY voter_id",
                                         (challenge_id,))]  # fmt: skip


def tally(db: sqlite_utils.Database, challenge_id: int) -> list[tuple[int, int]]:
    """(clip_id, votes) for every entry, most votes first; ties go to the earlier entry."""
    rows = db.execute(
        "SELECT e.clip_id, COUNT(v.voter_id) AS n FROM challenge_entries e "
        "LEFT JOIN votes v ON v.challenge_id = e.challenge_id AND v.clip_id = e.clip_id "
        "WHERE e.challenge_id = ? GROUP BY e.clip_id ORDER BY n DESC, MIN(e.submitted_at), e.clip_id",
        (challenge_id,),
    ).fetchall()
    return [(clip_id, votes) for clip_id, votes in rows]


def add_relay_turn(
    db: sqlite_utils.Database,
    challenge_id: int,
    *,
    user_id: int,
    text: str,
    clip_id: int | None = None,
    now: float | None = None,
) -> RelayTurn:
    """Append the next turn of a relay story (positions count from 1)."""
    with transaction(db):
        position = db.execute(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM relay_turns WHERE challenge_id = ?", (challenge_id,)
        ).fetchone()[0]
        db.execute(
            "INSERT INTO relay_turns (challenge_id, position, user_id, text, clip_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (challenge_id, position, user_id, text, clip_id, timestamp(now)),
        )
        return RelayTurn(challenge_id, position, user_id, text, clip_id, timestamp(now))


def set_relay_clip(db: sqlite_utils.Database, challenge_id: int, position: int, clip_id: int) -> None:
    """Link the clip rendered for a relay turn to its position."""
    db.execute(
        "UPDATE relay_turns SET clip_id = ? WHERE challenge_id = ? AND position = ?", (clip_id, challenge_id, position)
    )


def remove_relay_turn(db: sqlite_utils.Database, challenge_id: int, position: int) -> None:
    """Drop a reserved turn whose clip could not be queued."""
    db.execute("DELETE FROM relay_turns WHERE challenge_id = ? AND position = ?", (challenge_id, position))


def relay_turn_count(db: sqlite_utils.Database, guild_id: int, user_id: int) -> int:
    """How many relay shots the member has added in the guild (for profiles)."""
    return db.execute(
        "SELECT COUNT(*) FROM relay_turns t JOIN challenges c ON c.id = t.challenge_id "
        "WHERE c.guild_id = ? AND t.user_id = ?",
        (guild_id, user_id),
    ).fetchone()[0]


def relay_turn_for_clip(db: sqlite_utils.Database, clip_id: int) -> RelayTurn | None:
    """The relay turn a clip was rendered for, or None."""
    row = next(db.query("SELECT * FROM relay_turns WHERE clip_id = ?", (clip_id,)), None)
    return None if row is None else RelayTurn.from_row(row)


def relay_turns(db: sqlite_utils.Database, challenge_id: int) -> list[RelayTurn]:
    """The relay's turns in story order."""
    rows = db.query("SELECT * FROM relay_turns WHERE challenge_id = ? ORDER BY position", (challenge_id,))
    return [RelayTurn.from_row(row) for row in rows]
