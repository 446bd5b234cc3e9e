"""Who is asking and what they see: the member behind a request, authors as members read them, and the
one rule of which clips a member may see where they are."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from common.errors import NotFound
from common.intake import clean_line
from common.text import Text
from storage import clips as clip_store
from storage.forget import DELETED_MEMBER_ID, DELETED_MEMBER_NAME
from storage.records import Clip
from storage.requests import StoredRequest


@dataclass(frozen=True)
class Member:
    """Who is asking, and where. Ids are the transport's (Discord snowflakes; 0 on the console)."""

    id: int
    name: str
    guild_id: int | None = None
    channel_id: int | None = None
    # A server manager or one of the guild's moderator roles: may cancel and delete others' work and run
    # challenges.
    can_moderate: bool = False
    # The member's role ids in the guild, for features a guild opens to configured roles (challenges).
    role_ids: tuple[int, ...] = ()
    # The front-end the member reached us through ("discord", "console", ...): it delivers their clips.
    transport: str = "console"
    # The language the member speaks to us in (a catalog tag, "zh-CN"), when their front-end knows it: kept
    # with their profile for what is said to them later, unasked (a remix notice).
    language: str | None = None

    def __post_init__(self) -> None:
        # A name is member text like any other (a Discord display name, a console `/as` name): cleaned
        # once, here, before it is stored, shown or drawn (common.intake).
        object.__setattr__(self, "name", clean_line(self.name))

    def sees(self, guild_id: int | None, author_id: int) -> bool:
        """Whether work made in `guild_id` by `author_id` is visible to this member where they are: a
        server's clips, jobs and challenges stay within it, and direct-message work with its author."""
        return guild_id == self.guild_id and (guild_id is not None or author_id == self.id)

    @classmethod
    def of_request(cls, stored: StoredRequest) -> "Member":
        """Who made a stored request (without roles or admin rights, which requests don't record)."""
        return cls(stored.user_id, stored.user_name, stored.guild_id, stored.channel_id, transport=stored.transport)


def author_named(author_id: int, author_name: str) -> Text:
    """An author as members read them: their name as stored, or "a deleted member" in the reader's
    language for a forgotten member (storage.forget)."""
    if author_id == DELETED_MEMBER_ID and author_name == DELETED_MEMBER_NAME:
        return Text.of(DELETED_MEMBER_NAME)
    return Text.raw(author_name)


def author_text(clip: Clip) -> Text:
    """The clip's author as members read them (`author_named`)."""
    return author_named(clip.author_id, clip.author_name)


def may_bring(member: Member, clips: Sequence[Clip]) -> bool:
    """The one-server rule for content that moves: content made of `clips` (the clip being used first,
    then its ancestors, whose prompts and titles a remix inherits) may appear where `member` is only if
    every part made elsewhere was authored by `member`. A clip that is already here moves nowhere."""
    if not clips or member.sees(clips[0].guild_id, clips[0].author_id):
        return True
    return all(c.author_id == member.id or member.sees(c.guild_id, c.author_id) for c in clips)


def ancestry(db: Any, clip: Clip, viewer: Member | None = None) -> tuple[list[Clip], int]:
    """The clip's remix chain (parent first, original last) as `viewer` sees it where they are (default:
    from where the clip was made), and how many ancestors were made elsewhere: credits, recipe cards and
    pages name the first and only count the others."""
    chain = clip_store.ancestors(db, clip.id)
    viewer = viewer or Member(clip.author_id, clip.author_name, clip.guild_id)
    seen = [c for c in chain if viewer.sees(c.guild_id, c.author_id)]
    return seen, len(chain) - len(seen)


def visible_clip(db: Any, member: Member, clip_id: int) -> Clip:
    """`clip_store.get_clip`, scoped to what `member` sees; raises NotFound alike for both."""
    clip = clip_store.get_clip(db, clip_id)
    if not member.sees(clip.guild_id, clip.author_id):
        raise NotFound("There is no clip #{clip_id}.", clip_id=clip_id)
    return clip
