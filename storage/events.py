"""Scheduled events: deadlines (challenge end, voting close) kept in the database so they fire after a
restart. The bot polls `due_events` and marks each fired once handled; handlers must be idempotent,
since a crash between handling and marking fires the event again."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlite_utils

from storage.db import timestamp
from storage.records import ScheduledEvent


def schedule_event(db: sqlite_utils.Database, kind: str, due_at: float, payload: dict | None = None) -> ScheduledEvent:
    """Store an event of `kind` due at `due_at` (Unix seconds) with a JSON `payload`; it survives restarts until
    marked fired."""
    cursor = db.execute(
        "INSERT INTO scheduled_events (kind, due_at, payload) VALUES (?, ?, ?)",
        (kind, due_at, json.dumps(payload or {})),
    )
    return ScheduledEvent(cursor.lastrowid, kind, due_at, payload or {}, None)  # type: ignore[arg-type]


def _kind_filter(kinds: Sequence[str] | None) -> tuple[str, list[str]]:
    """SQL and parameters keeping only the given kinds (None: every kind), so each handler polls its own."""
    if kinds is None:
        return "", []
    return f" AND kind IN ({', '.join('?' for _ in kinds)})", list(kinds)


def due_events(
    db: sqlite_utils.Database, *, now: float | None = None, limit: int = 50, kinds: Sequence[str] | None = None
) -> list[ScheduledEvent]:
    """Unfired events due at `now` or earlier, oldest first, at most `limit`, optionally only of `kinds`."""
    where, params = _kind_filter(kinds)
    rows = db.query(
        f"SELECT * FROM scheduled_events WHERE fired_at IS NULL AND due_at <= ?{where} ORDER BY due_at, id LIMIT ?",
        (timestamp(now), *params, limit),
    )
    return [ScheduledEvent.from_row(row) for row in rows]


def next_due_at(db: sqlite_utils.Database, *, kinds: Sequence[str] | None = None) -> float | None:
    """When the earliest unfired event is due, so a poller can sleep until then."""
    where, params = _kind_filter(kinds)
    return db.execute(f"SELECT MIN(due_at) FROM scheduled_events WHERE fired_at IS NULL{where}", params).fetchone()[0]


def mark_fired(db: sqlite_utils.Database, event_id: int, *, now: float | None = None) -> bool:
    """Mark the event fired; False if another process fired it first (so each fires once)."""
    cursor = db.execute(
        "UPDATE scheduled_events SET fired_at = ? WHERE id = ? AND fired_at IS NULL", (timestamp(now), event_id)
    )
    return cursor.rowcount == 1


def cancel_events(db: sqlite_utils.Database, kind: str, **payload_match: object) -> int:
    """Drop unfired events of `kind` whose payload has these values (e.g. challenge_id=3)."""
    events = [e for e in due_events(db, now=float("inf"), limit=10_000) if e.kind == kind]
    doomed = [e.id for e in events if all(e.payload.get(k) == v for k, v in payload_match.items())]
    for event_id in doomed:
        db.execute("DELETE FROM scheduled_events WHERE id = ?", (event_id,))
    return len(doomed)
