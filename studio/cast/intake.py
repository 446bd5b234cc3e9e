"""The cast's part of request intake (`studio.intake.RequestIntake` takes it in): a request's cast resolved
and its descriptions screened where it is made, and, when an owner must approve it first, the request
stored as waiting together with the approvals it waits for (one per owner), all in one transaction.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from common.errors import ReelbotError
from common.text import Text
from prompts.safety import ensure_screened
from storage.cast_uses import Ask, ask_owners, clip_cast
from storage.db import timestamp
from storage.records import GuildSettings
from studio.cast.casting import Casting, resolve_cast
from studio.cast.rules import CastError
from studio.members import Member
from studio.server_settings import ServerSettings


class AwaitingApproval(ReelbotError):
    """Not a refusal: the request is stored and waits for the owners of characters it features to approve
    it (`request_id`); the member is told so. Front-ends show the message where they show a refusal, and
    keep the status message it names (Discord), where the clip's progress appears once approved."""

    code = "cast_waiting"


def awaiting(request_id: int, casting: Casting, timeout_s: float) -> AwaitingApproval:
    """What the requester reads while request `request_id` waits for the owners its cast asks."""
    names = {c.id: c.name for c in casting.characters}
    characters = ", ".join(names[i] for ask in casting.asks for i in ask.character_ids)
    owners = ", ".join(ask.owner_name for ask in casting.asks)
    return AwaitingApproval(
        "Your request #{request_id} is saved. {characters}: their owner ({owners}) approves each use, so I've asked "
        "privately. You'll hear here as soon as they answer (they have {hours} h).", request_id=request_id,
        characters=Text.raw(characters), owners=Text.raw(owners), hours=max(1, round(timeout_s / 3600)),
    )  # fmt: skip


class CastIntake(ServerSettings):
    """Resolving and waiting for a request's cast, over the studio's database, configuration and the
    server's settings."""

    async def casting(
        self,
        member: Member,
        text: str,
        names: Sequence[str] = (),
        *,
        settings: GuildSettings,
        parent_id: int | None = None,
        request_id: int | None = None,
    ) -> Casting:
        """The cast of a request (`studio.cast.casting.resolve_cast`; `parent_id`: the clip a remix, pick or
        finalize starts from, whose cast it keeps), each description screened by the server's safety policy.
        Given the stored request's `request_id` (planning it), every approval its cast needs must have been
        given: CastError (code "cast_not_approved") otherwise. Raises what `resolve_cast` raises, and
        UnsafeRequest."""

        def read(db: sqlite_utils.Database) -> Casting:
            inherited = clip_cast(db, parent_id) if parent_id is not None else []
            return resolve_cast(db, member, text, names, inherited=inherited, request_id=request_id)

        casting = await self.adb.read(read)
        if request_id is not None and casting.asks:
            # The owner changed the character's consent to "ask me" after this request was stored.
            names = ", ".join(c.name for c in casting.characters if any(c.id in a.character_ids for a in casting.asks))
            raise CastError("{names} now need their owner's approval for each use; ask again to have them asked.",
                            code="cast_not_approved", names=names)  # fmt: skip
        policy = self.safety_policy(settings)
        for character in casting.characters:
            await ensure_screened(character.description, policy)
        return casting

    def ask_for(self, db: sqlite_utils.Database, request_id: int, asks: Sequence[Ask]) -> None:
        """The approvals a just stored request waits for (in its transaction), due after the configured wait."""
        ask_owners(db, request_id, asks, due_at=timestamp() + self.config.cast.approval_timeout_s)
