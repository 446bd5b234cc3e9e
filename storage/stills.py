"""Storyboards of stills: what a request's shots look like before any video, kept so a restart loses nothing.

A storyboard belongs to one clip (its shot list and recipes stay in `clips`). It holds one still per shot,
or `takes` stills per shot, each with its own recipe (JSON), status and picture. The member edits,
re-rolls, removes and picks shots here; Animate then queues the clip's video. Plain functions over a
Database: the caller's transaction (`AsyncDatabase.write`) makes each change atomic.
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable

import sqlite_utils

from storage.db import timestamp
from storage.forget import forgets, in_guild, params
from storage.records import Still, Storyboard, StoryboardStatus


def create_storyboard(
    db: sqlite_utils.Database,
    clip_id: int,
    stills: Iterable[tuple[int, int, dict]],
    *,
    user_id: int,
    guild_id: int | None,
    mode: str,
    quality: str,
    takes: int,
    grace_s: float = 0.0,
    now: float | None = None,
) -> Storyboard:
    """The storyboard of clip `clip_id` by member `user_id` (of server `guild_id`) with its stills, each
    (shot, take, recipe), all queued; the first take of each shot is picked. `mode`: "ask" or "auto";
    `quality`: "final" or "draft"; `grace_s`: how long auto mode waits once the stills are ready."""
    db.execute(
        "INSERT INTO storyboards (clip_id, user_id, guild_id, mode, status, quality, takes, grace_s, updated_at) "
        "VALUES (?, ?, ?, ?, 'stills', ?, ?, ?, ?)",
        (clip_id, user_id, guild_id, mode, quality, takes, grace_s, timestamp(now)),
    )
    db.conn.executemany(
        "INSERT INTO stills (clip_id, shot, take, recipe, picked) VALUES (?, ?, ?, ?, ?)",
        [(clip_id, shot, take, json.dumps(recipe, ensure_ascii=False), int(take == 0)) for shot, take, recipe in stills],
    )
    return get_storyboard(db, clip_id)  # type: ignore[return-value]


def get_storyboard(db: sqlite_utils.Database, clip_id: int) -> Storyboard | None:
    """The clip's storyboard, or None for a clip made without stills."""
    row = next(db.query("SELECT * FROM storyboards WHERE clip_id = ?", (clip_id,)), None)
    return None if row is None else Storyboard.from_row(row)


def clip_stills(db: sqlite_utils.Database, clip_id: int) -> list[Still]:
    """Every still of the clip, by shot then take."""
    return [Still.from_row(row) for row in db.query(
        "SELECT * FROM stills WHERE clip_id = ? ORDER BY shot, take", (clip_id,))]  # fmt: skip


def next_queued_still(db: sqlite_utils.Database, clip_id: int) -> Still | None:
    """The first still of the clip still to render, by shot then take."""
    row = next(db.query("SELECT * FROM stills WHERE clip_id = ? AND status = 'queued' ORDER BY shot, take LIMIT 1",
                        (clip_id,)), None)  # fmt: skip
    return None if row is None else Still.from_row(row)


def still_rendered(db: sqlite_utils.Database, still: Still, path: str) -> bool:
    """Record the still's picture, unless the still changed meanwhile (an edit or re-roll queued another
    recipe, or the shot was removed): False then, and the picture is not recorded."""
    return db.execute(
        "UPDATE stills SET status = 'ready', path = ?, error = NULL "
        "WHERE clip_id = ? AND shot = ? AND take = ? AND status = 'queued' AND recipe = ?",
        (path, still.clip_id, still.shot, still.take, json.dumps(still.recipe, ensure_ascii=False)),
    ).rowcount == 1


def still_failed(db: sqlite_utils.Database, still: Still, reason: str) -> None:
    """Mark the still failed with `reason` (a `common.text.Text` as JSON), unless it changed meanwhile."""
    db.execute(
        "UPDATE stills SET status = 'failed', path = NULL, error = ? "
        "WHERE clip_id = ? AND shot = ? AND take = ? AND status = 'queued' AND recipe = ?",
        (reason, still.clip_id, still.shot, still.take, json.dumps(still.recipe, ensure_ascii=False)),
    )


def queue_still(db: sqlite_utils.Database, clip_id: int, shot: int, take: int, recipe: dict) -> None:
    """Render the still again with `recipe` (an edit, a re-roll, a retry after a failure)."""
    db.execute(
        "UPDATE stills SET recipe = ?, status = 'queued', path = NULL, error = NULL "
        "WHERE clip_id = ? AND shot = ? AND take = ?",
        (json.dumps(recipe, ensure_ascii=False), clip_id, shot, take),
    )


def pick_take(db: sqlite_utils.Database, clip_id: int, shot: int, take: int) -> None:
    """Make `take` the shot's picked still (and no other)."""
    db.execute("UPDATE stills SET picked = (take = ?) WHERE clip_id = ? AND shot = ?", (take, clip_id, shot))


def remove_shot_stills(db: sqlite_utils.Database, clip_id: int, shot: int) -> None:
    """Drop the shot's stills; the later shots move up one place."""
    db.execute("DELETE FROM stills WHERE clip_id = ? AND shot = ?", (clip_id, shot))
    # Two steps, so no row ever takes a key another still holds (the primary key is checked per row).
    db.execute("UPDATE stills SET shot = -shot WHERE clip_id = ? AND shot > ?", (clip_id, shot))
    db.execute("UPDATE stills SET shot = -shot - 1 WHERE clip_id = ? AND shot < 0", (clip_id,))


def set_storyboard(
    db: sqlite_utils.Database,
    clip_id: int,
    status: StoryboardStatus,
    *,
    board_path: str | None = None,
    animate_at: float | None = None,
    now: float | None = None,
) -> None:
    """Move the storyboard to `status`; `board_path` (the stills board) is kept unless a new one is given;
    `animate_at` is set as given (None: no automatic Animate)."""
    db.execute(
        "UPDATE storyboards SET status = ?, board_path = COALESCE(?, board_path), animate_at = ?, updated_at = ? "
        "WHERE clip_id = ?",
        (status, board_path, animate_at, timestamp(now), clip_id),
    )


def due_storyboards(db: sqlite_utils.Database, *, transport: str, now: float | None = None) -> list[int]:
    """Clips (of front-end `transport`) whose storyboard animates on its own now: auto mode, ready, due."""
    rows = db.execute(
        "SELECT storyboards.clip_id FROM storyboards JOIN clips ON clips.id = storyboards.clip_id "
        "WHERE storyboards.status = 'ready' AND storyboards.mode = 'auto' AND storyboards.animate_at <= ? "
        "AND clips.transport = ? ORDER BY storyboards.animate_at",
        (timestamp(now), transport),
    ).fetchall()
    return [clip_id for (clip_id,) in rows]


@forgets("stills")
def forget_stills(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    """Delete the member's storyboards, their stills (whose recipes hold the member's prompts) and boards.
    The still pictures themselves are render-cache entries, kept by recipe hash like rendered shots."""
    where, values = f"user_id = ?{in_guild(guild_id)}", params(user_id, guild_id)
    for (board,) in db.execute(f"SELECT board_path FROM storyboards WHERE {where} AND board_path IS NOT NULL",
                               values).fetchall():  # fmt: skip
        with contextlib.suppress(FileNotFoundError):
            os.remove(board)
    changed = db.execute(f"DELETE FROM stills WHERE clip_id IN (SELECT clip_id FROM storyboards WHERE {where})",
                         values).rowcount  # fmt: skip
    return changed + db.execute(f"DELETE FROM storyboards WHERE {where}", values).rowcount
