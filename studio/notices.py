"""Remix notices: an author is told, privately and once, when someone remixes one of their clips, unless
they turned it off (`set_remix_notices`; on by default). What decides who is told lives here; how it
reaches them (a direct message in Discord, a line in the console) is the front-end's."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from storage import clips as clip_store
from storage.forget import DELETED_MEMBER_ID
from storage.records import Clip
from storage.users import get_user, set_remix_notices
from studio.members import Member
from studio.service import Studio


@dataclass(frozen=True)
class RemixNotice:
    """Who to tell that `remix` remixed their clip `parent`: `author_id`, in `language` (the catalog tag they
    last spoke to the bot in; None when never heard: the front-end falls back to the server's)."""

    author_id: int
    language: str | None
    parent: Clip
    remix: Clip


def remix_notice_of(db: sqlite_utils.Database, remix: Clip) -> RemixNotice | None:
    """The notice `remix` owes its parent's author, or None: not a remix, the remixer's own clip, a deleted
    parent or forgotten author, a parent delivered elsewhere (another server or front-end), or an author
    who turned notices off."""
    parent = None if remix.parent_id is None else clip_store.find_clip(db, remix.parent_id)
    if parent is None or parent.status == "deleted" or parent.author_id in (remix.author_id, DELETED_MEMBER_ID):
        return None
    if (parent.guild_id, parent.transport) != (remix.guild_id, remix.transport):
        return None
    author = get_user(db, parent.author_id)
    if author is not None and not author.remix_notices:
        return None
    return RemixNotice(parent.author_id, author.language if author is not None else None, parent, remix)


async def remix_notice(studio: Studio, remix: Clip) -> RemixNotice | None:
    """`remix_notice_of`, on the database's reader."""
    return await studio.adb.read(remix_notice_of, remix)


async def set_notices(studio: Studio, member: Member, wanted: bool) -> bool:
    """Whether the member is told when someone remixes their clips; returns the new setting."""
    user = await studio.adb.write(set_remix_notices, member.id, wanted, name=member.name)
    return user.remix_notices


async def wants_notices(studio: Studio, member: Member) -> bool:
    """The member's setting (on until they turn it off)."""
    user = await studio.adb.read(get_user, member.id)
    return user is None or user.remix_notices
