"""Forgetting a member: `/forget me`, an admin's `/forget member`, in the spirit of Red-DiscordBot's
`red_delete_data_for_user` — every feature can forget what it stored about a member. The front-ends
reach it through `Studio.forget`.

Features register what they keep with `@forgets("name")`: a function `(db, user_id, guild_id) -> int`
that deletes or anonymizes the member's rows (all servers when `guild_id` is None, else that server's
only) and returns how many rows it changed. All of them run in one write transaction, so a member is
forgotten everywhere or not at all, and running it again changes nothing (it is idempotent).

What the core forgets: requests (deleted); clips (text, shot lists, recipes, files and author wiped,
status deleted; remixes others made of them stay viewable, crediting "a deleted member", and no longer
quote the member's request); jobs (live ones cancelled, all anonymized; renderqueue.jobs registers it);
challenge entries and votes (deleted); relay turns (text wiped, author anonymized: the policy is "kept,
anonymised", so a rendered relay shot keeps its video for the film others built on, while its storyboard,
words and author go); the member's place on the bot's messages (`storage.posts`), which `Forgotten.shown`
hands to the front-end to edit or take down; and, when forgetting everywhere, the member's profile.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from common.errors import N_
from common.files import remove_with_derived
from common.registry import register_once
from storage.posts import Post, posts_showing, unshow_member

# Who a forgotten member's clips are credited to; id 0 is no Discord user (and no console name's id).
DELETED_MEMBER_ID = 0
DELETED_MEMBER_NAME = N_("a deleted member")

Forgetter = Callable[[sqlite_utils.Database, int, "int | None"], int]
_FORGETTERS: dict[str, Forgetter] = {}


def forgets(name: str) -> Callable[[Forgetter], Forgetter]:
    """Register the decorated function as how feature `name` forgets a member (one per name; another
    function under a taken name raises ValueError)."""
    return register_once(_FORGETTERS, name, "forgetter")


@dataclass(frozen=True)
class Forgotten:
    """What forgetting changed: rows per feature, and the bot's messages that showed the member (as they
    were recorded before), for the front-end to edit from what the database says now, or take down."""

    changed: dict[str, int]
    shown: list[Post] = field(default_factory=list)
    # The forgotten clips (their ids), for the front-end's core to delete their folders of files
    # (`studio.forget_files`), and the files of theirs that stay (rendered relay shots, kept anonymised).
    clip_ids: tuple[int, ...] = ()
    kept_files: frozenset[str] = frozenset()

    @property
    def total(self) -> int:
        """Rows changed, over every feature."""
        return sum(self.changed.values())


def forget_user(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> Forgotten:
    """Run every registered forgetter for `user_id` (everywhere when `guild_id` is None). Run it in one
    write transaction (`AsyncDatabase.write`)."""
    shown = posts_showing(db, user_id, guild_id)
    clip_ids = tuple(clip_id for (clip_id,) in db.execute(
        f"SELECT id FROM clips WHERE author_id = ?{in_guild(guild_id)}", params(user_id, guild_id)).fetchall())
    changed = {name: forget(db, user_id, guild_id) for name, forget in _FORGETTERS.items()}
    kept = frozenset(path for (path,) in db.execute(
        f"SELECT video_path FROM clips WHERE video_path IS NOT NULL AND id IN ({', '.join('?' * len(clip_ids))})",
        clip_ids).fetchall()) if clip_ids else frozenset()
    return Forgotten(changed, shown, clip_ids, kept)


def in_guild(guild_id: int | None, column: str = "guild_id") -> str:
    """The SQL that scopes a forgetter's `WHERE user = ?` to one server; "" for everywhere."""
    return "" if guild_id is None else f" AND {column} = ?"


def params(user_id: int, guild_id: int | None) -> tuple[int, ...]:
    """The values for `WHERE user = ?` + `in_guild(guild_id)`."""
    return (user_id,) if guild_id is None else (user_id, guild_id)


@forgets("requests")
def _requests(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    where = f"user_id = ?{in_guild(guild_id)}"
    return db.execute(f"DELETE FROM requests WHERE {where}", params(user_id, guild_id)).rowcount


@forgets("clips")
def _clips(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    rows = db.execute(
        "SELECT id, video_path, storyboard_path, request, status, "
        "id IN (SELECT clip_id FROM relay_turns WHERE clip_id IS NOT NULL) "
        f"FROM clips WHERE author_id = ?{in_guild(guild_id)}",
        params(user_id, guild_id),
    ).fetchall()
    for clip_id, video, storyboard, request, status, relay_shot in rows:
        # A rendered relay shot is kept, anonymised: the film others built on keeps its frames.
        kept = video if relay_shot and status == "ready" else None
        for path in (storyboard, None if kept else video):
            if path:
                # With the poster frame and preview the gallery made of it (generation.previews).
                remove_with_derived(Path(path))
        # The row stays (as a deleted placeholder) so remixes of it keep their lineage and credit.
        db.execute(
            "UPDATE clips SET status = 'deleted', author_id = ?, author_name = ?, request = '', shot_list = '{}', "
            "recipes = '[]', captions = '[]', remix_note = NULL, origin = NULL, video_path = ?, "
            "storyboard_path = NULL WHERE id = ?",
            (DELETED_MEMBER_ID, DELETED_MEMBER_NAME, kept, clip_id),
        )
        if request:
            _unquote(db, clip_id, request)
    return len(rows)


def _unquote(db: sqlite_utils.Database, clip_id: int, request: str) -> None:
    """Remixes carry their original's request as theirs: where one still quotes the forgotten member's
    words, they go (the remix's own shots, its work, stay)."""
    db.execute(
        "WITH RECURSIVE family(id) AS (SELECT id FROM clips WHERE parent_id = ? UNION "
        "SELECT clips.id FROM clips JOIN family ON clips.parent_id = family.id) "
        "UPDATE clips SET request = '' WHERE id IN (SELECT id FROM family) AND request = ?",
        (clip_id, request),
    )


@forgets("posts")
def _posts(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    # The messages themselves are the front-end's to edit or take down (`Forgotten.shown`).
    return unshow_member(db, user_id, guild_id)


@forgets("challenges")
def _challenges(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    scope = "" if guild_id is None else " AND challenge_id IN (SELECT id FROM challenges WHERE guild_id = ?)"
    values = params(user_id, guild_id)
    changed = db.execute(f"DELETE FROM votes WHERE voter_id = ?{scope}", values).rowcount
    changed += db.execute(f"DELETE FROM challenge_entries WHERE user_id = ?{scope}", values).rowcount
    changed += db.execute(
        f"UPDATE relay_turns SET user_id = ?, text = '' WHERE user_id = ?{scope}", (DELETED_MEMBER_ID, *values)
    ).rowcount
    changed += db.execute(
        f"UPDATE challenges SET created_by = ? WHERE created_by = ?{in_guild(guild_id)}",
        (DELETED_MEMBER_ID, *values),
    ).rowcount
    changed += db.execute(
        f"UPDATE guild_settings SET updated_by = NULL WHERE updated_by = ?{in_guild(guild_id)}", values
    ).rowcount
    return changed


@forgets("profile")
def _profile(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    # The profile (display name, remix opt-out) is not a server's: only the member forgets it.
    if guild_id is not None:
        return 0
    return db.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount
