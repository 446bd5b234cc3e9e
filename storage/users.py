"""Users (transport ids) and their preferences."""

from __future__ import annotations

import sqlite_utils

from storage.db import timestamp
from storage.records import User


def upsert_user(
    db: sqlite_utils.Database, user_id: int, name: str, *, language: str | None = None, now: float | None = None
) -> User:
    """Create the user or refresh their display name and, when given, the `language` they spoke in (a catalog
    tag); preferences are kept."""
    db.execute(
        "INSERT INTO users (id, name, language, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "name = excluded.name, language = COALESCE(excluded.language, users.language)",
        (user_id, name, language, timestamp(now)),
    )
    return get_user(db, user_id)  # type: ignore[return-value]


def get_user(db: sqlite_utils.Database, user_id: int) -> User | None:
    """The user with this id, or None."""
    row = next(db.query("SELECT * FROM users WHERE id = ?", (user_id,)), None)
    return None if row is None else User.from_row(row)


def set_remix_opt_out(db: sqlite_utils.Database, user_id: int, opt_out: bool, *, name: str = "") -> User:
    """Opting out stops others remixing this user's clips; it creates the user row if needed."""
    db.execute(
        "INSERT INTO users (id, name, remix_opt_out, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET remix_opt_out = excluded.remix_opt_out",
        (user_id, name, int(opt_out), timestamp()),
    )
    return get_user(db, user_id)  # type: ignore[return-value]


def remix_opted_out(db: sqlite_utils.Database, user_id: int) -> bool:
    """True if the user stopped others remixing their clips."""
    user = get_user(db, user_id)
    return user is not None and user.remix_opt_out


def set_remix_notices(db: sqlite_utils.Database, user_id: int, wanted: bool, *, name: str = "") -> User:
    """Whether the user is told (privately) when someone remixes one of their clips; creates the user row
    if needed."""
    db.execute(
        "INSERT INTO users (id, name, remix_notices, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET remix_notices = excluded.remix_notices",
        (user_id, name, int(wanted), timestamp()),
    )
    return get_user(db, user_id)  # type: ignore[return-value]
