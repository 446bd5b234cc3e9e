"""Per-member clip statistics for profiles (challenge results come from storage/challenges.py)."""
from __future__ import annotations

import sqlite_utils


def clip_stats(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> tuple[int, int]:
    """(clips made, remixes others made of them) in the guild; deleted clips count for neither."""
    made = db.execute(
        "SELECT COUNT(*) FROM clips WHERE author_id = ? AND guild_id IS ? AND status != 'deleted'",
        (user_id, guild_id),
    ).fetchone()[0]
    remixed = db.execute(
        "SELECT COUNT(*) FROM clips child JOIN clips parent ON parent.id = child.parent_id "
        "WHERE parent.author_id = ? AND parent.guild_id IS ? AND child.author_id != parent.author_id "
        "AND child.status != 'deleted'",
        (user_id, guild_id),
    ).fetchone()[0]
    return made, remixed
