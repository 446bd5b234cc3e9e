"""Where characters are used: the cast a clip features (its credit, kept after the character is gone), and
the owners' approvals a request waits for when a character's consent is "ask me".

A waiting request (`requests.status = 'waiting'`) is planned only once every approval it waits for is
given: the last approval moves it back to 'received' in the same transaction, so a restart finishes it
like any stored request (`studio.resume`). A decline or a timeout rejects it; `told_at` records that the
requester was told, once.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import sqlite_utils

from storage.db import timestamp
from storage.forget import DELETED_MEMBER_ID, DELETED_MEMBER_NAME, in_guild, params
from storage.records import Clip
from storage.requests import StoredRequest
from storage.transactions import transaction

ApprovalStatus = Literal["pending", "approved", "declined", "expired"]


@dataclass(frozen=True)
class CastCredit:
    """A character as clip `clip_id` features it: its id, place in the cast, name and description as used
    (wiped when its owner is forgotten), owner, home server, the 0-based shots it is in, and whether those
    shots were rendered from its reference pictures (`conditioned`) or from its description alone."""

    clip_id: int
    character_id: int
    position: int
    name: str
    description: str
    owner_id: int
    owner_name: str
    home_guild_id: int
    shots: tuple[int, ...]
    conditioned: bool
    owner_told_at: float | None = None

    @property
    def forgotten(self) -> bool:
        """The owner was forgotten (storage.forget): name and description are gone."""
        return self.owner_id == DELETED_MEMBER_ID and self.owner_name == DELETED_MEMBER_NAME

    @classmethod
    def from_row(cls, row: dict) -> "CastCredit":
        """From a `clip_cast` row."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["shots"] = tuple(json.loads(row["shots"]))
        values["conditioned"] = bool(row["conditioned"])
        return cls(**values)


def record_cast(db: sqlite_utils.Database, credits: Sequence[CastCredit]) -> None:
    """Store the cast of a clip (run it in the transaction that creates the clip)."""
    for credit in credits:
        db.execute(
            "INSERT INTO clip_cast (clip_id, character_id, position, name, description, owner_id, owner_name, "
            "home_guild_id, shots, conditioned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (credit.clip_id, credit.character_id, credit.position, credit.name, credit.description, credit.owner_id,
             credit.owner_name, credit.home_guild_id, json.dumps(list(credit.shots)), int(credit.conditioned)),
        )


def clip_cast(db: sqlite_utils.Database, clip_id: int) -> list[CastCredit]:
    """The cast of a clip, in cast order ([] for a clip without characters)."""
    return casts_of(db, [clip_id]).get(clip_id, [])


def casts_of(db: sqlite_utils.Database, clip_ids: Iterable[int]) -> dict[int, list[CastCredit]]:
    """The casts of several clips by clip id (clips without characters are left out)."""
    ids = list(dict.fromkeys(clip_ids))
    found: dict[int, list[CastCredit]] = {}
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        chunk = ids[start:start + 500]
        rows = db.query(f"SELECT * FROM clip_cast WHERE clip_id IN ({','.join('?' * len(chunk))}) "
                        "ORDER BY clip_id, position", chunk)  # fmt: skip
        for row in rows:
            found.setdefault(row["clip_id"], []).append(CastCredit.from_row(row))
    return found


def clips_featuring(
    db: sqlite_utils.Database, character_id: int, guild_id: int, *, limit: int = 48
) -> list[Clip]:
    """Rendered clips of server `guild_id` featuring the character, newest first."""
    rows = db.query("SELECT clips.* FROM clip_cast JOIN clips ON clips.id = clip_cast.clip_id "
                    "WHERE clip_cast.character_id = ? AND clips.guild_id = ? AND clips.status = 'ready' "
                    "ORDER BY clips.id DESC LIMIT ?", (character_id, guild_id, limit))  # fmt: skip
    return [Clip.from_row(row) for row in rows]


def untold_uses(db: sqlite_utils.Database, transport: str) -> list[tuple[CastCredit, Clip]]:
    """Uses to tell owners of: rendered clips of `transport` (posted, where the front-end posts) made by
    someone else with a character whose owner wants to hear of its uses, not told yet; oldest first."""
    posted = " AND clips.posted_message_id IS NOT NULL" if transport == "discord" else ""
    rows = db.execute(
        "SELECT clip_cast.clip_id, clip_cast.character_id FROM clip_cast JOIN clips ON clips.id = clip_cast.clip_id "
        "JOIN characters ON characters.id = clip_cast.character_id WHERE clip_cast.owner_told_at IS NULL "
        f"AND clips.status = 'ready' AND clips.transport = ?{posted} AND clips.author_id != clip_cast.owner_id "
        "AND characters.notify = 1 AND characters.status = 'active' ORDER BY clips.id LIMIT 50", (transport,)
    ).fetchall()
    uses = []
    for clip_id, character_id in rows:
        row = next(db.query("SELECT * FROM clip_cast WHERE clip_id = ? AND character_id = ?", (clip_id, character_id)))
        clip = Clip.from_row(next(db.query("SELECT * FROM clips WHERE id = ?", (clip_id,))))
        uses.append((CastCredit.from_row(row), clip))
    return uses


def mark_use_told(db: sqlite_utils.Database, clip_id: int, character_id: int, *, now: float | None = None) -> None:
    """Record that the owner was told of this use (or that there was nobody to tell)."""
    db.execute("UPDATE clip_cast SET owner_told_at = ? WHERE clip_id = ? AND character_id = ?",
               (timestamp(now), clip_id, character_id))


def anonymise_owner(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    """Forgetting an owner (`storage.forget`): their characters' credits in clips become "a deleted
    member"'s, name and description wiped; their pending approvals fall due at once (`expire_due` rejects
    the requests and the requesters are told). Returns the rows changed."""
    changed = db.execute(
        f"UPDATE clip_cast SET owner_id = ?, owner_name = ?, name = '', description = '' "
        f"WHERE owner_id = ?{in_guild(guild_id, 'home_guild_id')}",
        (DELETED_MEMBER_ID, DELETED_MEMBER_NAME, *params(user_id, guild_id)),
    ).rowcount
    scope = "" if guild_id is None else " AND request_id IN (SELECT id FROM requests WHERE guild_id = ?)"
    return changed + db.execute(
        f"UPDATE cast_approvals SET due_at = ?, owner_id = ?, owner_name = ? WHERE status = 'pending' "
        f"AND owner_id = ?{scope}", (timestamp(), DELETED_MEMBER_ID, DELETED_MEMBER_NAME, *params(user_id, guild_id)),
    ).rowcount


# --- approvals ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """An owner's approval a request waits for: which characters (ids), its status, when it times out
    (`due_at`), when the owner was prompted and where (the prompt's channel and message), when it was
    decided and when the requester was told of a refusal. Times are Unix seconds."""

    id: int
    request_id: int
    owner_id: int
    owner_name: str
    character_ids: tuple[int, ...]
    status: ApprovalStatus
    created_at: float
    due_at: float
    prompted_at: float | None
    prompt_channel_id: int | None
    prompt_message_id: int | None
    decided_at: float | None
    told_at: float | None

    @classmethod
    def from_row(cls, row: dict) -> "Approval":
        """From a `cast_approvals` row."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["character_ids"] = tuple(json.loads(row["character_ids"]))
        return cls(**values)


@dataclass(frozen=True)
class Ask:
    """What a request needs of one owner: their approval for these characters."""

    owner_id: int
    owner_name: str
    character_ids: tuple[int, ...]


def ask_owners(
    db: sqlite_utils.Database, request_id: int, asks: Sequence[Ask], *, due_at: float, now: float | None = None
) -> list[Approval]:
    """One pending approval per owner for a waiting request (run it in the transaction that stores it)."""
    ids = [db.execute("INSERT INTO cast_approvals (request_id, owner_id, owner_name, character_ids, created_at, due_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)", (request_id, ask.owner_id, ask.owner_name,
                                                    json.dumps(list(ask.character_ids)), timestamp(now), due_at)
                      ).lastrowid for ask in asks]  # fmt: skip
    return [get_approval(db, approval_id) for approval_id in ids]  # type: ignore[arg-type]


def get_approval(db: sqlite_utils.Database, approval_id: int) -> Approval | None:
    """The approval with this id, or None."""
    row = next(db.query("SELECT * FROM cast_approvals WHERE id = ?", (approval_id,)), None)
    return None if row is None else Approval.from_row(row)


def approvals_for(db: sqlite_utils.Database, request_id: int) -> list[Approval]:
    """Every approval of a request, in the order they were asked."""
    return [Approval.from_row(row) for row in db.query("SELECT * FROM cast_approvals WHERE request_id = ? ORDER BY id",
                                                       (request_id,))]  # fmt: skip


def approved_characters(db: sqlite_utils.Database, request_id: int) -> set[int]:
    """The characters whose owners approved this request."""
    return {c for a in approvals_for(db, request_id) if a.status == "approved" for c in a.character_ids}


def _with_requests(db: sqlite_utils.Database, where: str, values: tuple) -> list[tuple[Approval, StoredRequest]]:
    rows = db.query(f"SELECT a.id AS approval, r.* FROM cast_approvals a JOIN requests r ON r.id = a.request_id "
                    f"WHERE {where} ORDER BY a.id LIMIT 50", values)  # fmt: skip
    pairs = []
    for row in rows:
        approval = get_approval(db, row.pop("approval"))
        pairs.append((approval, StoredRequest.from_row(row)))  # type: ignore[arg-type]
    return pairs


def unprompted(db: sqlite_utils.Database, transport: str) -> list[tuple[Approval, StoredRequest]]:
    """Pending approvals of `transport`'s waiting requests whose owner has not been prompted yet."""
    return _with_requests(db, "a.status = 'pending' AND a.prompted_at IS NULL AND r.status = 'waiting' "
                              "AND r.transport = ?", (transport,))  # fmt: skip


def mark_prompted(
    db: sqlite_utils.Database, approval_id: int, *, channel_id: int | None = None, message_id: int | None = None,
    now: float | None = None,
) -> None:
    """Record that the owner was prompted (once), and where the prompt is."""
    db.execute("UPDATE cast_approvals SET prompted_at = ?, prompt_channel_id = ?, prompt_message_id = ? WHERE id = ?",
               (timestamp(now), channel_id, message_id, approval_id))  # fmt: skip


def decide(
    db: sqlite_utils.Database, approval_id: int, approve: bool, *, reason: str = "", now: float | None = None
) -> Approval:
    """The owner's answer to a pending approval, in one transaction: approved, the request goes back to
    'received' (to be planned) once nothing else is pending for it; declined, the request is rejected with
    `reason` and its other pending approvals are closed (only this one is told). Returns the approval as it
    now is; one already decided is returned unchanged."""
    with transaction(db):
        approval = get_approval(db, approval_id)
        if approval is None or approval.status != "pending":
            return approval  # type: ignore[return-value]
        status = "approved" if approve else "declined"
        db.execute("UPDATE cast_approvals SET status = ?, decided_at = ? WHERE id = ?", (status, timestamp(now),
                                                                                          approval_id))  # fmt: skip
        if approve:
            if not any(a.status == "pending" for a in approvals_for(db, approval.request_id)):
                db.execute("UPDATE requests SET status = 'received' WHERE id = ? AND status = 'waiting'",
                           (approval.request_id,))
        else:
            _close_request(db, approval.request_id, reason, now)
        return get_approval(db, approval_id)  # type: ignore[return-value]


def _close_request(db: sqlite_utils.Database, request_id: int, reason: str, now: float | None) -> None:
    """Reject a waiting request; its approvals still pending close without a word of their own."""
    db.execute("UPDATE requests SET status = 'rejected', error = ? WHERE id = ? AND status = 'waiting'",
               (reason, request_id))
    db.execute("UPDATE cast_approvals SET status = 'expired', decided_at = ?, told_at = ? "
               "WHERE request_id = ? AND status = 'pending'", (timestamp(now), timestamp(now), request_id))


def expire_due(db: sqlite_utils.Database, reason: str, *, now: float | None = None) -> list[Approval]:
    """Time out every pending approval past its `due_at`: its request is rejected with `reason` (the
    requester is told through `untold_refusals`). Returns the approvals that expired."""
    with transaction(db):
        due = [Approval.from_row(row) for row in db.query(
            "SELECT * FROM cast_approvals WHERE status = 'pending' AND due_at <= ? ORDER BY id", (timestamp(now),))]
        for approval in due:
            db.execute("UPDATE cast_approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending'",
                       (timestamp(now), approval.id))  # fmt: skip
            _close_request(db, approval.request_id, reason, now)
        return [get_approval(db, a.id) for a in due]  # type: ignore[misc]


def untold_refusals(db: sqlite_utils.Database, transport: str) -> list[tuple[Approval, StoredRequest]]:
    """Declined or timed-out approvals of `transport`'s requests whose requester was not told yet."""
    return _with_requests(db, "a.status IN ('declined', 'expired') AND a.told_at IS NULL AND r.transport = ?",
                          (transport,))


def mark_told(db: sqlite_utils.Database, approval_id: int, *, now: float | None = None) -> None:
    """Record that the requester was told how the approval ended (once)."""
    db.execute("UPDATE cast_approvals SET told_at = ? WHERE id = ?", (timestamp(now), approval_id))
