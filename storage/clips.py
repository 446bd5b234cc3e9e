"""Clips: one request's shot list, recipes and result, plus lineage (parent, remix kind, author)."""

from __future__ import annotations

import json

import sqlite_utils

from storage.db import timestamp
from storage.transactions import transaction
from common.errors import NotFound
from storage.records import Clip, ClipStatus
from storage.users import upsert_user

# Lineage walks stop here so a corrupted parent cycle cannot loop forever.
MAX_LINEAGE_DEPTH = 100


def create_clip(
    db: sqlite_utils.Database,
    *,
    guild_id: int | None,
    channel_id: int | None,
    author_id: int,
    author_name: str,
    request: str,
    shot_list: dict,
    recipes: list[dict],
    model: str,
    captions: list[str] | None = None,
    parent_id: int | None = None,
    remix_kind: str | None = None,
    remix_note: str | None = None,
    origin: dict | None = None,
    transport: str = "console",
    now: float | None = None,
) -> Clip:
    """Insert a clip in status 'queued' (and its author as a user), in one transaction. `shot_list`, `recipes` (one
    ShotRender dict per shot) and `captions` are stored as JSON; `origin` holds what the front-end `transport`
    needs to deliver it. Raises sqlite3.IntegrityError for an unknown `parent_id`."""
    with transaction(db):
        upsert_user(db, author_id, author_name, now=now)
        cursor = db.execute(
            "INSERT INTO clips (guild_id, channel_id, author_id, author_name, request, shot_list, recipes, "
            "captions, model, parent_id, remix_kind, remix_note, origin, transport, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                channel_id,
                author_id,
                author_name,
                request,
                json.dumps(shot_list, ensure_ascii=False),
                json.dumps(recipes, ensure_ascii=False),
                json.dumps(captions or [], ensure_ascii=False),
                model,
                parent_id,
                remix_kind,
                remix_note,
                None if origin is None else json.dumps(origin),
                transport,
                timestamp(now),
            ),
        )
        return get_clip(db, cursor.lastrowid)  # type: ignore[arg-type]


def find_clip(db: sqlite_utils.Database, clip_id: int) -> Clip | None:
    """The clip with this id, or None (deleted clips included)."""
    row = next(db.query("SELECT * FROM clips WHERE id = ?", (clip_id,)), None)
    return None if row is None else Clip.from_row(row)


def get_clip(db: sqlite_utils.Database, clip_id: int) -> Clip:
    """The clip with this id (deleted clips included). Raises NotFound."""
    clip = find_clip(db, clip_id)
    if clip is None or clip.status == "deleted":
        raise NotFound("There is no clip #{clip_id}.", clip_id=clip_id)
    return clip


def move_clip(
    db: sqlite_utils.Database,
    clip_id: int,
    to: ClipStatus,
    *,
    video_path: str | None = None,
    storyboard_path: str | None = None,
) -> bool:
    """The one place a clip's status changes. 'deleted' is final: no later transition (a worker finishing
    late, a retry) brings a deleted clip back. Moving to 'ready' records the finished `video_path` and
    `storyboard_path` (an mp4 and a PNG under the media folder; the storyboard may be None). Returns whether
    the clip moved (False for a deleted or unknown clip). Raises ValueError for 'ready' without a video."""
    if to == "ready":
        if video_path is None:
            raise ValueError(f"clip #{clip_id} can't be ready without a video")
        cursor = db.execute(
            "UPDATE clips SET status = 'ready', video_path = ?, storyboard_path = ? "
            "WHERE id = ? AND status != 'deleted'",
            (video_path, storyboard_path, clip_id),
        )
    else:
        cursor = db.execute("UPDATE clips SET status = ? WHERE id = ? AND status != 'deleted'", (to, clip_id))
    return cursor.rowcount == 1


def set_clip_recipes(db: sqlite_utils.Database, clip_id: int, recipes: list[dict]) -> None:
    """Replace the recipes, e.g. with the smaller ones a retry after running out of memory renders."""
    db.execute("UPDATE clips SET recipes = ? WHERE id = ?", (json.dumps(recipes, ensure_ascii=False), clip_id))


def set_clip_plan(
    db: sqlite_utils.Database, clip_id: int, shot_list: dict, recipes: list[dict], captions: list[str]
) -> None:
    """Replace the clip's plan before it renders: its shot list, recipes and captions (a storyboard's shot
    edited, re-rolled or removed by its author)."""
    db.execute(
        "UPDATE clips SET shot_list = ?, recipes = ?, captions = ? WHERE id = ?",
        (json.dumps(shot_list, ensure_ascii=False), json.dumps(recipes, ensure_ascii=False),
         json.dumps(captions, ensure_ascii=False), clip_id),
    )  # fmt: skip


def set_posted_message(db: sqlite_utils.Database, clip_id: int, message_id: int) -> None:
    """Record the chat message the clip was posted as (so replies and links find it)."""
    db.execute("UPDATE clips SET posted_message_id = ? WHERE id = ?", (message_id, clip_id))


def delete_clip(db: sqlite_utils.Database, clip_id: int) -> None:
    """Soft delete: remixes keep their parent link, but the clip is no longer shown or remixable."""
    move_clip(db, clip_id, "deleted")


def ancestors(db: sqlite_utils.Database, clip_id: int) -> list[Clip]:
    """The remix chain from the clip's parent up to the original (nearest first)."""
    chain: list[Clip] = []
    seen = {clip_id}
    parent_id = get_clip(db, clip_id).parent_id
    while parent_id is not None and parent_id not in seen and len(chain) < MAX_LINEAGE_DEPTH:
        parent = find_clip(db, parent_id)
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent_id)
        parent_id = parent.parent_id
    return chain


def children(db: sqlite_utils.Database, clip_id: int, *, include_deleted: bool = False) -> list[Clip]:
    """Direct remixes of the clip, oldest first; deleted ones are left out unless asked for (a lineage
    tree shows them as placeholders so their own remixes stay reachable)."""
    deleted = "" if include_deleted else " AND status != 'deleted'"
    rows = db.query(f"SELECT * FROM clips WHERE parent_id = ?{deleted} ORDER BY id", (clip_id,))
    return [Clip.from_row(row) for row in rows]


def find_clip_by_message(db: sqlite_utils.Database, message_id: int) -> Clip | None:
    """The clip posted as this chat message: a link to that message, or a reply to it, names the clip."""
    row = next(db.query("SELECT * FROM clips WHERE posted_message_id = ?", (message_id,)), None)
    return None if row is None else Clip.from_row(row)


def list_clips(
    db: sqlite_utils.Database,
    *,
    guild_id: int | None = None,
    author_id: int | None = None,
    status: ClipStatus | None = None,
    limit: int = 20,
    before_id: int | None = None,
) -> list[Clip]:
    """Newest first; `before_id` pages backwards. Deleted clips are left out unless asked for."""
    where, params = ["1 = 1"], []
    for column, value in (("guild_id", guild_id), ("author_id", author_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if status is None:
        where.append("status != 'deleted'")
    else:
        where.append("status = ?")
        params.append(status)
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    rows = db.query(f"SELECT * FROM clips WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?", (*params, limit))
    return [Clip.from_row(row) for row in rows]
