"""The rules of a cast: what a character may be (names, description, pictures), how many a clip may feature,
and who may use one where.

Consent is the owner's: `server` ("this server": anyone in the character's server), `ask` ("ask me": each
use by someone else waits for the owner's approval) or `owner` ("only me"). Whatever the consent, a
character belongs to the server it was made in: only its owner brings it anywhere else (the one-server
rule), so its name, description and pictures reach another server only through them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from common.errors import N_, NotAllowed, NotFound, ReelbotError
from common.intake import clean_line
from common.text import Text
from storage.cast import CONSENTS, Character, Consent
from studio.cast.names import name_key
from studio.members import Member

MAX_NAME_CHARS = 32
MAX_DESCRIPTION_CHARS = 200
MAX_ALIASES = 8
MAX_PICTURES = 3
# Characters one clip may feature. Each adds its description to the prompts of its shots and its pictures
# to their reference images, which a video model can only follow for a few subjects at once.
MAX_CAST = 3
# Reference pictures one shot is rendered with (each is one more latent frame for Wan VACE).
MAX_REFERENCES = 4

# How consent reads, for the front-ends to translate: this server | ask me | only me.
CONSENT_LABELS: dict[str, str] = {"server": N_("this server"), "ask": N_("ask me"), "owner": N_("only me")}
# What members may type for each consent (English and the values themselves).
_CONSENT_WORDS = {"server": "server", "this server": "server", "ask": "ask", "ask me": "ask", "owner": "owner",
                  "only me": "owner", "me": "owner"}


class CastError(ReelbotError):
    """A character (or a use of one) that the cast's rules refuse."""

    code = "cast_refused"


def consent_of(text: str) -> Consent:
    """'this server', 'ask me', 'only me' (or server, ask, owner). Raises CastError (code "cast_consent")."""
    consent = _CONSENT_WORDS.get(" ".join(text.lower().split()))
    if consent is None:
        raise CastError("Consent is one of: this server, ask me, only me.", code="cast_consent")
    return consent  # type: ignore[return-value]


def consent_text(consent: str) -> Text:
    """A consent as members read it (`this server`, `ask me`, `only me`)."""
    return Text.of(CONSENT_LABELS[consent if consent in CONSENTS else "server"])


def checked_names(name: str, aliases: Sequence[str]) -> list[str]:
    """The character's name then its aliases, each once (by key, the name's first), cleaned as typed text is
    (`common.intake.clean_line`: one line, no control or bidirectional-override characters). Raises
    CastError (codes "cast_name", "cast_aliases") for an empty or over-long name or alias, or too many."""
    names: dict[str, str] = {}
    for typed in (name, *aliases):
        clean = clean_line(typed)
        if not clean or not name_key(clean) or len(clean) > MAX_NAME_CHARS:
            raise CastError("A character's name and each alias need 1 to {limit} characters; “{name}” doesn't fit.",
                            code="cast_name", limit=MAX_NAME_CHARS, name=clean[:40])  # fmt: skip
        if any(char in clean for char in ",，、;；"):
            raise CastError("A name can't contain commas: “{name}”. Give aliases as a list instead.",
                            code="cast_name", name=clean[:40])  # fmt: skip
        names.setdefault(name_key(clean), clean)
    if len(names) - 1 > MAX_ALIASES:
        raise CastError("A character can have at most {limit} aliases.", code="cast_aliases", limit=MAX_ALIASES)
    return list(names.values())


def checked_description(text: str) -> str:
    """The description cleaned (`common.intake.clean_line`). Raises CastError (code "cast_description") when
    empty or too long."""
    clean = clean_line(text)
    if not clean or len(clean) > MAX_DESCRIPTION_CHARS:
        raise CastError("Describe the character in 1 to {limit} characters (you wrote {count}): how they look, "
                        "what they wear.", code="cast_description", limit=MAX_DESCRIPTION_CHARS,
                        count=len(clean))  # fmt: skip
    return clean


def check_picture_count(count: int) -> None:
    """Raises CastError (code "cast_pictures") unless there are 1 to MAX_PICTURES pictures."""
    if not 1 <= count <= MAX_PICTURES:
        raise CastError("A character needs 1 to {limit} pictures of them (you gave {count}).", code="cast_pictures",
                        limit=MAX_PICTURES, count=count)  # fmt: skip


def check_cast_size(count: int) -> None:
    """Raises CastError (code "cast_too_many") when one clip would feature more than MAX_CAST characters."""
    if count > MAX_CAST:
        raise CastError("That names {count} characters, but one clip can feature at most {limit}. Leave some "
                        "out, or make another clip for them.", code="cast_too_many", count=count,
                        limit=MAX_CAST)  # fmt: skip


def not_here(name: str) -> NotFound:
    """The answer for a name that is no character here (it may be one elsewhere: that is not said)."""
    return NotFound("There is no character called “{name}” here. Characters belong to the server they were made "
                    "in; only their owner can bring one to another server.", code="cast_unknown",
                    name=name[:40])  # fmt: skip


Use = Literal["free", "ask"]


@dataclass(frozen=True)
class Verdict:
    """Whether `member` may use a character where they are: freely, after the owner's approval, or not
    (`refusal`)."""

    use: Use | None
    refusal: ReelbotError | None = None


def may_use(member: Member, character: Character, *, approved: bool = False) -> Verdict:
    """Who may use `character` where `member` is: its owner anywhere; others only in its own server, as its
    consent says (`approved`: its owner approved this very request)."""
    if character.owner_id == member.id:
        return Verdict("free")
    if member.guild_id != character.guild_id:
        return Verdict(None, NotAllowed(
            "{name} is {owner}'s character from another server: only {owner} can bring them here.",
            code="cast_elsewhere", name=character.name, owner=character.owner_name))
    if character.consent == "server" or approved:
        return Verdict("free")
    if character.consent == "ask":
        return Verdict("ask")
    return Verdict(None, NotAllowed("{name} is {owner}'s character, and {owner} keeps them for their own clips. "
                                    "Leave {name} out of your request, or ask {owner}.", code="cast_owner_only",
                                    name=character.name, owner=character.owner_name))  # fmt: skip
