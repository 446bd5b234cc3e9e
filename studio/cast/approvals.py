"""Requests that wait for owners, and owners told of their characters' uses: the work a front-end's cast loop
picks up from the database, so none of it is lost to a restart.

Each front-end (Discord, the console) runs the same round for its own requests (`transport`):
1. `prompts_to_send`: approvals whose owner was not prompted yet -> the front-end asks the owner privately
   (one prompt, with approve / decline) and records it (`prompted`);
2. `expire_due`: approvals past their time are refused;
3. `refusals_to_tell`: declined or timed-out requests whose requester was not told yet -> told once (`told`);
4. `uses_to_tell`: clips made with someone else's character, for owners who want to hear (`use_told`).
The owner's answer is `decide`; an approval that completes a request is followed by `finish` (planning
and queueing it, as a restart would).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from common.errors import N_, NotAllowed, NotFound
from common.text import Text
from storage import cast_uses as uses
from storage.cast import find_character
from storage.cast_uses import Approval, CastCredit
from storage.records import Clip
from storage.requests import StoredRequest, get_request
from studio.members import Member, author_named
from studio.request_kinds import resumer_for
from studio.requests import Accepted
from studio.service import Studio


@dataclass(frozen=True)
class Waiting:
    """An approval with the request it is for and the names of the characters it asks about."""

    approval: Approval
    request: StoredRequest
    names: tuple[str, ...]

    @property
    def characters(self) -> str:
        """The characters' names, comma-separated."""
        return ", ".join(self.names)

    def prompt(self) -> Text:
        """What the owner reads: who asks, for which characters, what for, and until when to answer."""
        return Text.of(N_("{requester} would like to use {characters} in a clip (request #{request_id}): "
                          "“{request}”. Do you approve this one use?"), requester=self.request.user_name,
                       characters=self.characters, request_id=self.request.id, request=self.request.text[:300])

    def refusal(self) -> Text:
        """What the requester reads once the approval was declined or timed out."""
        owner = author_named(self.approval.owner_id, self.approval.owner_name)
        if self.approval.status == "declined":
            return Text.of(N_("{owner} declined the use of {characters}, so request #{request_id} won't be made. "
                              "You can ask again without them."), owner=owner, characters=self.characters,
                           request_id=self.request.id)  # fmt: skip
        return Text.of(N_("{owner} didn't answer about {characters} in time, so request #{request_id} won't be "
                          "made. You can ask again."), owner=owner, characters=self.characters,
                       request_id=self.request.id)  # fmt: skip


def _waiting(db: sqlite_utils.Database, pairs: list[tuple[Approval, StoredRequest]]) -> list[Waiting]:
    out = []
    for approval, request in pairs:
        found = [find_character(db, ident) for ident in approval.character_ids]
        out.append(Waiting(approval, request, tuple(c.name for c in found if c is not None and c.name)))
    return out


async def prompts_to_send(studio: Studio, transport: str) -> list[Waiting]:
    """Approvals of `transport`'s waiting requests whose owner has not been asked yet."""
    return await studio.adb.read(lambda db: _waiting(db, uses.unprompted(db, transport)))


async def prompted(studio: Studio, approval_id: int, *, channel_id: int | None = None,
                   message_id: int | None = None) -> None:  # fmt: skip
    """Record that the owner was asked (the prompt's channel and message, where the front-end has them)."""
    await studio.adb.write(uses.mark_prompted, approval_id, channel_id=channel_id, message_id=message_id)


async def waiting_for(studio: Studio, member: Member) -> list[Waiting]:
    """The approvals `member` has been asked for and not answered yet."""

    def read(db: sqlite_utils.Database) -> list[Waiting]:
        pairs = [(Approval.from_row(row), get_request(db, row["request_id"])) for row in db.query(
            "SELECT * FROM cast_approvals WHERE owner_id = ? AND status = 'pending' ORDER BY id", (member.id,))]
        return _waiting(db, pairs)

    return await studio.adb.read(read)


async def decide(studio: Studio, member: Member, approval_id: int, approve: bool) -> Waiting:
    """The owner's answer. Returns the approval as it now is, with its request (its status 'received' when
    this approval was the last it waited for: `finish` it). Raises NotFound, NotAllowed (code
    "cast_not_owner") for anyone but the owner, or for an approval already closed (code "cast_decided")."""

    def write(db: sqlite_utils.Database) -> Waiting:
        approval = uses.get_approval(db, approval_id)
        if approval is None:
            raise NotFound("There is no such request to approve.", code="cast_no_approval")
        if approval.owner_id != member.id:
            raise NotAllowed("Only {owner} can answer this.", code="cast_not_owner", owner=approval.owner_name)
        if approval.status != "pending":
            raise NotAllowed("This was already answered: {status}.", code="cast_decided", status=approval.status)
        request = get_request(db, approval.request_id)
        reason = Text.of(N_("{owner} declined the use of {characters}."), owner=member.name,
                         characters=", ".join(_waiting(db, [(approval, request)])[0].names))
        decided = uses.decide(db, approval_id, approve, reason=reason.english())
        return _waiting(db, [(decided, get_request(db, decided.request_id))])[0]

    return await studio.adb.write(write)


async def finish(studio: Studio, request: StoredRequest) -> Accepted | None:
    """Plan and queue a request every owner approved (as a restart would: its kind's resumer). None when it
    is not ready (still waiting, or already finished by another path). Raises the request's refusals."""
    current = await studio.adb.read(get_request, request.id)
    resumer = resumer_for(current.kind)
    if current.status != "received" or resumer is None:
        return None
    return await resumer(studio, current)


async def expire_due(studio: Studio) -> None:
    """Refuse every request whose owner did not answer in time (the requesters are told next)."""
    reason = Text.of(N_("The owner didn't answer in time.")).english()
    await studio.adb.write(uses.expire_due, reason)


async def refusals_to_tell(studio: Studio, transport: str) -> list[Waiting]:
    """Declined or timed-out requests of `transport` whose requester was not told yet."""
    return await studio.adb.read(lambda db: _waiting(db, uses.untold_refusals(db, transport)))


async def told(studio: Studio, approval_id: int) -> None:
    """Record that the requester was told (once)."""
    await studio.adb.write(uses.mark_told, approval_id)


async def uses_to_tell(studio: Studio, transport: str) -> list[tuple[CastCredit, Clip]]:
    """Clips of `transport` made with someone else's character whose owner wants to hear of each use."""
    return await studio.adb.read(uses.untold_uses, transport)


async def use_told(studio: Studio, credit: CastCredit) -> None:
    """Record that the owner was told of this use."""
    await studio.adb.write(uses.mark_use_told, credit.clip_id, credit.character_id)


def use_text(credit: CastCredit, clip: Clip) -> Text:
    """What an owner reads when someone used their character."""
    return Text.of(N_("{author} featured your character {name} in clip #{clip_id} “{title}”."),
                   author=clip.author_name, name=credit.name, clip_id=clip.id,
                   title=str(clip.shot_list.get("title") or clip.request)[:100])
