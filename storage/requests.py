"""Requests as members typed them, stored before any slow work so a crash mid-expansion loses nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import sqlite_utils

from storage.db import timestamp
from storage.users import upsert_user

# "waiting": stored, and waiting for the owners of characters it features to approve it (storage.cast_uses).
RequestStatus = Literal["received", "waiting", "accepted", "rejected"]


@dataclass(frozen=True)
class StoredRequest:
    """A member's request as accepted, before anything else happens to it: what was asked, by whom, where, and how
    it ended."""

    id: int
    kind: str
    guild_id: int | None
    channel_id: int | None
    user_id: int
    user_name: str
    text: str
    options: dict
    origin: dict | None
    status: RequestStatus
    clip_id: int | None
    error: str | None
    created_at: float
    # The front-end the request came through ("discord", "console", ...); it finishes the request.
    transport: str = "console"

    @classmethod
    def from_row(cls, row: dict) -> "StoredRequest":
        """From a `requests` row (options and origin decoded from JSON)."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["options"] = json.loads(row["options"])
        values["origin"] = None if row["origin"] is None else json.loads(row["origin"])
        return cls(**values)


def record_request(
    db: sqlite_utils.Database,
    *,
    kind: str,
    guild_id: int | None,
    channel_id: int | None,
    user_id: int,
    user_name: str,
    text: str,
    options: dict,
    origin: dict | None = None,
    transport: str = "console",
    status: RequestStatus = "received",
    language: str | None = None,
    now: float | None = None,
) -> StoredRequest:
    """Store a member's request as 'received' (or 'waiting' for owners' approvals) and the member as a user (with
    the `language` they spoke in, when known), before any slow work, so it can be finished after a crash.
    `options` and `origin` are stored as JSON."""
    upsert_user(db, user_id, user_name, language=language, now=now)
    cursor = db.execute(
        "INSERT INTO requests (kind, guild_id, channel_id, user_id, user_name, text, options, origin, transport, "
        "status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            kind,
            guild_id,
            channel_id,
            user_id,
            user_name,
            text,
            json.dumps(options, ensure_ascii=False),
            None if origin is None else json.dumps(origin),
            transport,
            status,
            timestamp(now),
        ),
    )
    return get_request(db, cursor.lastrowid)  # type: ignore[arg-type]


def get_request(db: sqlite_utils.Database, request_id: int) -> StoredRequest:
    """The stored request with this id. Raises NotFound."""
    return StoredRequest.from_row(next(db.query("SELECT * FROM requests WHERE id = ?", (request_id,))))


def accept_request(db: sqlite_utils.Database, request_id: int, clip_id: int) -> None:
    """Mark the request accepted: it became `clip_id`."""
    db.execute("UPDATE requests SET status = 'accepted', clip_id = ? WHERE id = ?", (clip_id, request_id))


def reject_request(db: sqlite_utils.Database, request_id: int, reason: str) -> None:
    """Mark the request refused, with the `reason` shown to the member."""
    db.execute("UPDATE requests SET status = 'rejected', error = ? WHERE id = ?", (reason, request_id))


def unfinished_requests(db: sqlite_utils.Database, transport: str) -> list[StoredRequest]:
    """Requests that came through `transport` and were received before a crash or restart but never
    became a clip nor were refused, oldest first."""
    rows = db.query("SELECT * FROM requests WHERE status = 'received' AND transport = ? ORDER BY id", (transport,))
    return [StoredRequest.from_row(row) for row in rows]
