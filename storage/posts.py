"""The bot's messages and who each one shows: so forgetting a member finds every message that still names,
quotes or shows them (a status message, a clip's post, challenge results, a relay's film, a notice).

A front-end records a message when it posts it (`record_post`, again whenever it edits what the message
shows) and drops the record when it deletes the message. The kinds are the front-end's words; storage only
keeps them. Forgetting (`storage.forget`) returns the member's posts and removes the member from them: the
front-end then edits each one from what the database says now, or takes it down.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlite_utils

from storage.db import timestamp


@dataclass(frozen=True)
class Post:
    """A message the bot keeps up: where it is (`channel_id`, `guild_id`: None for a direct message), what it
    is (`kind`, e.g. "clip", and the clip or challenge id it is about, `subject_id`), what the front-end needs
    to draw it again (`detail`, JSON-shaped) and the members it names, quotes or shows (`members`)."""

    message_id: int
    channel_id: int
    guild_id: int | None
    kind: str
    subject_id: int
    detail: dict = field(default_factory=dict)
    members: frozenset[int] = frozenset()


def record_post(db: sqlite_utils.Database, post: Post, *, now: float | None = None) -> None:
    """Record the message, or what it shows now (its kind, detail and members are replaced)."""
    db.execute(
        "INSERT INTO posts (message_id, channel_id, guild_id, kind, subject_id, detail, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO UPDATE SET kind = excluded.kind, "
        "subject_id = excluded.subject_id, detail = excluded.detail",
        (post.message_id, post.channel_id, post.guild_id, post.kind, post.subject_id,
         json.dumps(post.detail, ensure_ascii=False), timestamp(now)),
    )  # fmt: skip
    db.execute("DELETE FROM post_members WHERE message_id = ?", (post.message_id,))
    db.conn.executemany("INSERT INTO post_members (message_id, user_id) VALUES (?, ?)",
                   [(post.message_id, user_id) for user_id in sorted(post.members)])  # fmt: skip


def drop_post(db: sqlite_utils.Database, message_id: int) -> None:
    """Forget the message (it was deleted); nothing happens for one never recorded."""
    db.execute("DELETE FROM posts WHERE message_id = ?", (message_id,))


def find_post(db: sqlite_utils.Database, message_id: int) -> Post | None:
    """The recorded message with this id, or None."""
    return next(iter(_posts(db, "p.message_id = ?", (message_id,))), None)


def posts_about(db: sqlite_utils.Database, kind: str, subject_id: int) -> list[Post]:
    """The messages of `kind` about one clip or challenge, oldest first."""
    return _posts(db, "p.kind = ? AND p.subject_id = ?", (kind, subject_id))


def posts_showing(db: sqlite_utils.Database, user_id: int, guild_id: int | None = None) -> list[Post]:
    """The messages that show the member, oldest first: everywhere (direct messages included) when `guild_id`
    is None, else in that server only."""
    scope = "" if guild_id is None else " AND p.guild_id = ?"
    values = (user_id,) if guild_id is None else (user_id, guild_id)
    return _posts(db, f"p.message_id IN (SELECT message_id FROM post_members WHERE user_id = ?){scope}", values)


def unshow_member(db: sqlite_utils.Database, user_id: int, guild_id: int | None = None) -> int:
    """Take the member off the records of the messages that showed them (`guild_id` scopes it like
    `posts_showing`); returns how many records changed."""
    scope = "" if guild_id is None else " AND message_id IN (SELECT message_id FROM posts WHERE guild_id = ?)"
    values = (user_id,) if guild_id is None else (user_id, guild_id)
    return db.execute(f"DELETE FROM post_members WHERE user_id = ?{scope}", values).rowcount


def _posts(db: sqlite_utils.Database, where: str, values: Iterable[object]) -> list[Post]:
    rows = db.execute(
        "SELECT p.message_id, p.channel_id, p.guild_id, p.kind, p.subject_id, p.detail, "
        "(SELECT group_concat(user_id) FROM post_members m WHERE m.message_id = p.message_id) "
        f"FROM posts p WHERE {where} ORDER BY p.created_at, p.message_id",
        tuple(values),
    ).fetchall()
    return [
        Post(message_id, channel_id, guild_id, kind, subject_id, json.loads(detail),
             frozenset(int(user) for user in members.split(",")) if members else frozenset())
        for message_id, channel_id, guild_id, kind, subject_id, detail, members in rows
    ]  # fmt: skip
