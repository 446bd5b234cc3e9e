"""Which characters a request features, and whether it may: the cast is resolved from what the member typed
(names and aliases of the server's characters, in any language), the explicit `cast:` option, and, for a
remix, the clip it remixes; every character is then checked against its owner's consent."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from storage.cast import Character, character_by_key, characters, find_character, name_keys
from storage.cast_uses import Ask, CastCredit, approved_characters
from studio.cast.names import mentions, name_key
from studio.cast.rules import check_cast_size, may_use, not_here
from studio.members import Member


@dataclass(frozen=True)
class Casting:
    """A request's cast: the characters it features, in order; what it must ask their owners first (one
    `Ask` per owner); and, for a remix, the characters of its source that have since been deleted."""

    characters: tuple[Character, ...] = ()
    asks: tuple[Ask, ...] = ()
    dropped: tuple[CastCredit, ...] = ()


NO_CAST = Casting()


def find_named(db: sqlite_utils.Database, member: Member, name: str) -> Character:
    """The character `name` (or an alias) stands for where `member` is: the server's own, else one of the
    member's characters made elsewhere (an owner brings their character along by name), the newest of
    them. Raises NotFound (code "cast_unknown")."""
    key = name_key(name)
    if member.guild_id is not None:
        found = character_by_key(db, member.guild_id, key)
        if found is not None:
            return found
    own = [c for c in characters(db, owner_id=member.id) if key in {name_key(n) for n in c.names}]
    if not own:
        raise not_here(name)
    return max(own, key=lambda c: c.id)


def resolve_cast(
    db: sqlite_utils.Database,
    member: Member,
    text: str,
    names: Sequence[str] = (),
    *,
    inherited: Sequence[CastCredit] = (),
    request_id: int | None = None,
) -> Casting:
    """The cast of a request by `member`: the characters `names` (the `cast:` option) stand for, those whose
    names or aliases `text` mentions (the server's own only: a character crosses servers only by name, with
    its owner), and the still active characters of `inherited` (a remix's source cast). Owners' approvals
    already given to request `request_id` count. Raises NotFound (code "cast_unknown") for a name that is
    no character here, NotAllowed for a character the member may not use where they are (codes
    "cast_elsewhere", "cast_owner_only"), CastError (code "cast_too_many") past MAX_CAST characters."""
    check_cast_size(len(names))
    keys = name_keys(db, member.guild_id) if member.guild_id is not None else {}
    ids = [find_named(db, member, name).id for name in names]
    ids += mentions(text, keys) if text else []
    dropped = []
    for credit in inherited:
        character = find_character(db, credit.character_id)
        if character is not None and character.status == "active":
            ids.append(character.id)
        else:
            dropped.append(credit)
    ids = list(dict.fromkeys(ids))
    check_cast_size(len(ids))
    approved = approved_characters(db, request_id) if request_id is not None else set()
    cast: list[Character] = []
    asks: dict[int, Ask] = {}
    for ident in ids:
        character = find_character(db, ident)
        assert character is not None
        verdict = may_use(member, character, approved=ident in approved)
        if verdict.refusal is not None:
            raise verdict.refusal
        if verdict.use == "ask":
            earlier = asks.get(character.owner_id, Ask(character.owner_id, character.owner_name, ()))
            asks[character.owner_id] = Ask(earlier.owner_id, earlier.owner_name, (*earlier.character_ids, ident))
        cast.append(character)
    return Casting(tuple(cast), tuple(asks.values()), tuple(dropped))
