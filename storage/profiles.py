"""Per-member clip statistics for profiles (challenge results come from storage/challenges.py)."""
from __future__ import annotations

import sqlite_utils

from storage.records import Clip


def clip_stats(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> tuple[int, int]:
    """(clips made, remixes others made of them) in the guild. Only finished clips count: one queued,
    rendering, failed, cancelled or deleted is no film to show (the gallery lists the same clips)."""
    made = db.execute(
        "SELECT COUNT(*) FROM clips WHERE author_id = ? AND guild_id IS ? AND status = 'ready'",
        (user_id, guild_id),
    ).fetchone()[0]
    remixed = db.execute(
        "SELECT COUNT(*) FROM clips child JOIN clips parent ON parent.id = child.parent_id "
        "WHERE parent.author_id = ? AND parent.guild_id IS ? AND child.author_id != parent.author_id "
        "AND child.status = 'ready'",
        (user_id, guild_id),
    ).fetchone()[0]
    return made, remixed


def remixes_received(db: sqlite_utils.Database, user_id: int, guild_id: int | None, *, limit: int = 50) -> list[Clip]:
    """Remixes others made of the user's clips in the guild, newest first (the ones `clip_stats` counts)."""
    rows = db.query(
        "SELECT child.* FROM clips child JOIN clips parent ON parent.id = child.parent_id "
        "WHERE parent.author_id = ? AND parent.guild_id IS ? AND child.author_id != parent.author_id "
        "AND child.status = 'ready' ORDER BY child.id DESC LIMIT ?",
        (user_id, guild_id, limit),
    )
    return [Clip.from_row(row) for row in rows]
