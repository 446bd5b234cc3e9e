"""What members do with their characters, for every front-end: make one, list, show, edit, delete.

A character is made in a server (not in direct messages) by its owner, with a name, aliases, a
description and 1-3 pictures that have passed the picture intake (`studio.pictures.read_picture`; the
front-end reads them). Only the owner edits it; the owner deletes it, and so may the moderators of its
server. Every refusal is a ReelbotError, raised before anything is stored.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

import sqlite_utils

from common.errors import NotAllowed
from prompts.safety import ensure_screened
from storage import cast as store
from storage.cast import Character, CharacterPicture, Consent, NamedKey
from studio.cast.casting import find_named
from studio.cast.names import name_key
from studio.cast.rules import CastError, check_picture_count, checked_description, checked_names
from studio.members import Member
from studio.pictures import Picture
from studio.service import Studio


def _pictures(pictures: Sequence[Picture]) -> list[CharacterPicture]:
    check_picture_count(len(pictures))
    return [CharacterPicture(p.sha256, str(p.path), p.width, p.height) for p in pictures]


def _named(names: Sequence[str]) -> list[NamedKey]:
    return [NamedKey(name, name_key(name)) for name in names]


class CastDesk:
    """Characters over a Studio: `create`, `characters`, `find`, `edit`, `delete`."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    async def _screened(self, member: Member, *texts: str) -> None:
        settings = await self.studio.settings(member.guild_id)
        policy = self.studio.safety_policy(settings)
        for text in texts:
            await ensure_screened(text, policy)

    async def create(
        self,
        member: Member,
        name: str,
        description: str,
        pictures: Sequence[Picture],
        *,
        aliases: Sequence[str] = (),
        consent: Consent = "server",
        notify: bool = True,
    ) -> Character:
        """Make a character owned by `member` in their server. Raises CastError (codes "cast_in_dm",
        "cast_name", "cast_aliases", "cast_description", "cast_pictures"), Conflict (code
        "cast_name_taken") and UnsafeRequest, all before anything is stored."""
        if member.guild_id is None:
            raise CastError("Characters belong to a server: make them in a server channel, then bring them along "
                            "with `cast:`.", code="cast_in_dm")  # fmt: skip
        names = checked_names(name, aliases)
        description = checked_description(description)
        stored = _pictures(pictures)
        await self._screened(member, description, *names)
        return await self.studio.adb.write(
            store.create_character, guild_id=member.guild_id, owner_id=member.id, owner_name=member.name,
            names=_named(names), description=description, consent=consent, notify=notify, pictures=stored,
        )  # fmt: skip

    async def characters(self, member: Member) -> tuple[list[Character], list[Character]]:
        """The characters of the member's server, and the member's own made elsewhere (which only they can
        bring here)."""

        def read(db: sqlite_utils.Database) -> tuple[list[Character], list[Character]]:
            here = store.characters(db, guild_id=member.guild_id) if member.guild_id is not None else []
            elsewhere = [c for c in store.characters(db, owner_id=member.id) if c.guild_id != member.guild_id]
            return here, elsewhere

        return await self.studio.adb.read(read)

    async def find(self, member: Member, name: str) -> Character:
        """The character `name` stands for where the member is (`find_named`). Raises NotFound."""
        return await self.studio.adb.read(find_named, member, name)

    async def edit(
        self,
        member: Member,
        name: str,
        *,
        new_name: str | None = None,
        aliases: Sequence[str] | None = None,
        description: str | None = None,
        consent: Consent | None = None,
        notify: bool | None = None,
        pictures: Sequence[Picture] | None = None,
    ) -> Character:
        """Change the member's own character `name` (what is given; None keeps it; `aliases` replaces them
        all). Raises NotFound, NotAllowed (code "cast_not_owner"), and `create`'s refusals."""
        character = await self.find(member, name)
        if character.owner_id != member.id:
            raise NotAllowed("Only {owner} can change {name}.", code="cast_not_owner", owner=character.owner_name,
                             name=character.name)  # fmt: skip
        names = None
        if new_name is not None or aliases is not None:
            names = checked_names(new_name or character.name, character.aliases if aliases is None else aliases)
        description = None if description is None else checked_description(description)
        stored = None if pictures is None else _pictures(pictures)
        await self._screened(member, *(text for text in (description, *(names or ())) if text))
        return await self.studio.adb.write(
            store.update_character, character.id, names=None if names is None else _named(names),
            description=description, consent=consent, notify=notify, pictures=stored,
        )  # fmt: skip

    async def delete(self, member: Member, name: str) -> Character:
        """Delete character `name`: its owner, or a moderator of its server. Future requests can't use it
        from this moment; clips made with it keep their credit. Raises NotFound, NotAllowed (code
        "cast_not_owner")."""
        character = await self.find(member, name)
        moderates = member.can_moderate and member.guild_id == character.guild_id
        if character.owner_id != member.id and not moderates:
            raise NotAllowed("Only {owner} or a moderator of this server can delete {name}.", code="cast_not_owner",
                             owner=character.owner_name, name=character.name)  # fmt: skip
        gone = await self.studio.adb.write(store.delete_character, character.id, by=member.id)
        await asyncio.to_thread(store.remove_files, gone)
        return character
