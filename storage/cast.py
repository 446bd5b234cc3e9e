"""Characters: a member's own recurring subjects, with their names, aliases and reference pictures.

A character belongs to the server it was made in (`guild_id`; 0 is the console). Its name and aliases
share one key space per server (`character_names`, keyed by the normalised key the studio computes), so a
name or an alias means exactly one character there; a deleted character's names are freed at once. The
rules (who may use a character where, consent) live in `studio.cast`; these are plain reads and writes.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlite_utils

from common.errors import Conflict, NotFound
from storage.cast_uses import anonymise_owner
from storage.db import timestamp
from storage.forget import DELETED_MEMBER_ID, forgets, in_guild, params
from storage.transactions import transaction

# this server | ask me | only me
Consent = Literal["server", "ask", "owner"]
CONSENTS: tuple[Consent, ...] = ("server", "ask", "owner")


@dataclass(frozen=True)
class CharacterPicture:
    """One reference picture: `sha256` (hex) of the stored PNG at `path` (`<media>/pictures/<sha256>.png`),
    its size in pixels."""

    sha256: str
    path: str
    width: int
    height: int


@dataclass(frozen=True)
class NamedKey:
    """A name or alias as typed (`name`) and its normalised `key`."""

    name: str
    key: str


@dataclass(frozen=True)
class Character:
    """A character: where it belongs (`guild_id`), its owner (id and last seen name), its name, aliases
    (as typed), description, consent, whether the owner is told of each use (`notify`), its 1-3 pictures,
    status and times (Unix s)."""

    id: int
    guild_id: int
    owner_id: int
    owner_name: str
    name: str
    aliases: tuple[str, ...]
    description: str
    consent: Consent
    notify: bool
    pictures: tuple[CharacterPicture, ...]
    status: Literal["active", "deleted"]
    created_at: float
    updated_at: float

    @property
    def names(self) -> tuple[str, ...]:
        """The name, then the aliases."""
        return (self.name, *self.aliases)


def _character(db: sqlite_utils.Database, row: dict) -> Character:
    names = [r[0] for r in db.execute(
        "SELECT name FROM character_names WHERE character_id = ? AND position > 0 ORDER BY position", (row["id"],))]
    pictures = [CharacterPicture(*r) for r in db.execute(
        "SELECT sha256, path, width, height FROM character_pictures WHERE character_id = ? ORDER BY position",
        (row["id"],))]
    return Character(row["id"], row["guild_id"], row["owner_id"], row["owner_name"], row["name"], tuple(names),
                     row["description"], row["consent"], bool(row["notify"]), tuple(pictures), row["status"],
                     row["created_at"], row["updated_at"])  # fmt: skip


def find_character(db: sqlite_utils.Database, character_id: int) -> Character | None:
    """The character with this id (deleted ones included), or None."""
    row = next(db.query("SELECT * FROM characters WHERE id = ?", (character_id,)), None)
    return None if row is None else _character(db, row)


def character_by_key(db: sqlite_utils.Database, guild_id: int, key: str) -> Character | None:
    """The active character of server `guild_id` whose name or alias has normalised `key`, or None."""
    row = next(db.query("SELECT characters.* FROM character_names JOIN characters ON characters.id = "
                        "character_names.character_id WHERE character_names.guild_id = ? AND key = ?",
                        (guild_id, key)), None)  # fmt: skip
    return None if row is None else _character(db, row)


def characters(
    db: sqlite_utils.Database, *, guild_id: int | None = None, owner_id: int | None = None
) -> list[Character]:
    """Active characters of a server and/or an owner, by name. Raises ValueError when given neither."""
    if guild_id is None and owner_id is None:
        raise ValueError("characters of a server or an owner")
    where = ["status = 'active'"]
    values: list[int] = []
    for column, value in (("guild_id", guild_id), ("owner_id", owner_id)):
        if value is not None:
            where.append(f"{column} = ?")
            values.append(value)
    rows = db.query(f"SELECT * FROM characters WHERE {' AND '.join(where)} ORDER BY name COLLATE NOCASE, id", values)
    return [_character(db, row) for row in rows]


def name_keys(db: sqlite_utils.Database, guild_id: int) -> dict[str, int]:
    """Every name and alias key of the server's active characters -> its character's id."""
    return dict(db.execute("SELECT key, character_id FROM character_names WHERE guild_id = ?", (guild_id,)).fetchall())


def _set_names(db: sqlite_utils.Database, character_id: int, guild_id: int, names: Sequence[NamedKey]) -> None:
    db.execute("DELETE FROM character_names WHERE character_id = ?", (character_id,))
    for position, named in enumerate(names):
        taken = db.execute("SELECT c.name FROM character_names n JOIN characters c ON c.id = n.character_id "
                           "WHERE n.guild_id = ? AND n.key = ?", (guild_id, named.key)).fetchone()  # fmt: skip
        if taken is not None:
            raise Conflict("“{name}” is already taken in this server (by the character {other}). Pick another "
                           "name or alias.", code="cast_name_taken", name=named.name, other=taken[0])
        db.execute("INSERT INTO character_names (guild_id, key, character_id, name, position) VALUES (?, ?, ?, ?, ?)",
                   (guild_id, named.key, character_id, named.name, position))  # fmt: skip


def _set_pictures(db: sqlite_utils.Database, character_id: int, pictures: Sequence[CharacterPicture]) -> None:
    db.execute("DELETE FROM character_pictures WHERE character_id = ?", (character_id,))
    for position, picture in enumerate(pictures):
        db.execute("INSERT INTO character_pictures (character_id, position, sha256, path, width, height) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (character_id, position, picture.sha256, picture.path,
                                                 picture.width, picture.height))  # fmt: skip


def create_character(
    db: sqlite_utils.Database,
    *,
    guild_id: int,
    owner_id: int,
    owner_name: str,
    names: Sequence[NamedKey],
    description: str,
    consent: Consent,
    notify: bool,
    pictures: Sequence[CharacterPicture],
    now: float | None = None,
) -> Character:
    """Store a character with its `names` (the name first, then aliases) and pictures, all or nothing.
    Raises Conflict (code "cast_name_taken") when a name or alias is taken in the server."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO characters (guild_id, owner_id, owner_name, name, description, consent, notify, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (guild_id, owner_id, owner_name, names[0].name, description, consent, int(notify), timestamp(now),
             timestamp(now)),
        )
        character_id = int(cursor.lastrowid)  # type: ignore[arg-type]
        _set_names(db, character_id, guild_id, names)
        _set_pictures(db, character_id, pictures)
        return find_character(db, character_id)  # type: ignore[return-value]


def update_character(
    db: sqlite_utils.Database,
    character_id: int,
    *,
    names: Sequence[NamedKey] | None = None,
    description: str | None = None,
    consent: Consent | None = None,
    notify: bool | None = None,
    pictures: Sequence[CharacterPicture] | None = None,
    now: float | None = None,
) -> Character:
    """Change what is given (None keeps it), all or nothing. Raises NotFound for no active character,
    Conflict (code "cast_name_taken") for a name or alias taken in its server."""
    with transaction(db):
        character = find_character(db, character_id)
        if character is None or character.status != "active":
            raise NotFound("There is no character #{character_id}.", character_id=character_id)
        if names is not None:
            _set_names(db, character_id, character.guild_id, names)
            db.execute("UPDATE characters SET name = ? WHERE id = ?", (names[0].name, character_id))
        if pictures is not None:
            _set_pictures(db, character_id, pictures)
        for column, value in (("description", description), ("consent", consent),
                              ("notify", None if notify is None else int(notify))):
            if value is not None:
                db.execute(f"UPDATE characters SET {column} = ? WHERE id = ?", (value, character_id))
        db.execute("UPDATE characters SET updated_at = ? WHERE id = ?", (timestamp(now), character_id))
        return find_character(db, character_id)  # type: ignore[return-value]


def delete_character(db: sqlite_utils.Database, character_id: int, *, by: int) -> list[str]:
    """Delete a character for good: its names are freed and its pictures forgotten at once, so no request
    can use it from now on; clips that featured it keep their credit (`clip_cast`). Returns the paths of
    pictures no other active character uses (the caller removes those files). Idempotent."""
    paths = [r[0] for r in db.execute("SELECT path FROM character_pictures WHERE character_id = ?", (character_id,))]
    db.execute("UPDATE characters SET status = 'deleted', deleted_by = ? WHERE id = ? AND status = 'active'",
               (by, character_id))
    db.execute("DELETE FROM character_names WHERE character_id = ?", (character_id,))
    db.execute("DELETE FROM character_pictures WHERE character_id = ?", (character_id,))
    return [path for path in dict.fromkeys(paths)
            if db.execute("SELECT 1 FROM character_pictures WHERE path = ?", (path,)).fetchone() is None]


def remove_files(paths: Sequence[str]) -> None:
    """Remove picture files (and the copies fitted to render sizes beside them, `<sha256>-WxH.png`)."""
    for path in map(Path, paths):
        for stored in (path, *path.parent.glob(f"{path.stem}-*x*{path.suffix}")):
            with contextlib.suppress(OSError):
                os.remove(stored)


@forgets("cast")
def _forget_cast(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    """The member's characters (in the server, or everywhere) are deleted with their pictures and their
    rows wiped; clips that featured them credit "a deleted member"'s character, its name and description
    wiped too (storage.cast_uses.anonymise_owner)."""
    ids = [r[0] for r in db.execute(
        f"SELECT id FROM characters WHERE owner_id = ? AND status = 'active'{in_guild(guild_id)}",
        params(user_id, guild_id))]
    gone: list[str] = []
    for character_id in ids:
        gone += delete_character(db, character_id, by=user_id)
    changed = db.execute(
        f"UPDATE characters SET owner_id = ?, owner_name = '', description = '', name = '' "
        f"WHERE owner_id = ?{in_guild(guild_id)}", (DELETED_MEMBER_ID, *params(user_id, guild_id))).rowcount
    changed += anonymise_owner(db, user_id, guild_id)
    remove_files(gone)
    return changed
