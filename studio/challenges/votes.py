"""Vote challenges: entering a clip and voting for someone else's."""
from __future__ import annotations

import sqlite_utils

from common.errors import N_, NotFound
from storage import challenges as store
from storage.clips import ancestors, find_clip
from storage.db import timestamp
from studio.challenges.base import ServiceBase
from studio.challenges.rules import ChallengeRules, check_entry, check_open, pick_challenge
from studio.challenges.views import SubmitResult, VoteResult
from studio.errors import StudioError
from studio.members import Member, visible_clip


class VoteMethods(ServiceBase):
    """Entries and votes of vote challenges; part of `ChallengeService`."""

    async def submit(
        self, member: Member, clip_id: int, challenge_id: int | None = None, *, now: float | None = None
    ) -> SubmitResult:
        """Enter one of the member's ready clips; entering again replaces the earlier entry. Without a
        challenge id, the guild's one open vote challenge (the Submit button under a clip)."""
        now = timestamp(now)

        def write(db: sqlite_utils.Database) -> SubmitResult:
            challenge = pick_challenge(db, member, challenge_id, "vote")
            check_open(challenge, now, N_("Challenge #{challenge_id} has ended, so entries are closed."))
            clip = visible_clip(db, member, clip_id)  # the challenge is in the member's server too
            check_entry(challenge, ChallengeRules.from_dict(challenge.rules), clip, member, ancestors(db, clip.id))
            current = store.get_entry(db, challenge.id, member.id)
            if current is not None and current.clip_id == clip.id:
                return SubmitResult(challenge, current, None)
            entry, replaced = store.replace_entry(db, challenge.id, user_id=member.id, clip_id=clip.id, now=now)
            return SubmitResult(challenge, entry, replaced)

        return await self.adb.write(write)

    async def vote(
        self, member: Member, challenge_id: int, clip_id: int, *, now: float | None = None
    ) -> VoteResult:
        """One vote per member per challenge; voting again moves it. Not for your own entry."""
        now = timestamp(now)

        def write(db: sqlite_utils.Database) -> VoteResult:
            challenge = pick_challenge(db, member, challenge_id, "vote")
            check_open(challenge, now, N_("Challenge #{challenge_id} has ended, so votes are closed."))
            entry = next((e for e in store.list_entries(db, challenge.id) if e.clip_id == clip_id), None)
            clip = find_clip(db, clip_id)
            if entry is None or clip is None or clip.status == "deleted":
                raise NotFound(
                    "Clip #{clip_id} is not an entry in challenge #{challenge_id}.",
                    clip_id=clip_id, challenge_id=challenge.id, code="not_an_entry",
                )
            if entry.user_id == member.id:
                raise StudioError(
                    "You can't vote for your own entry; pick someone else's favourite.",
                    code="own_entry",
                )
            previous = store.get_vote(db, challenge.id, member.id)
            store.cast_vote(db, challenge.id, voter_id=member.id, clip_id=clip_id, now=now)
            return VoteResult(challenge, clip_id, previous)

        return await self.adb.write(write)

    async def my_vote(self, member: Member, challenge_id: int) -> int | None:
        """The clip the member voted for: votes are hidden from everyone else until the end."""
        challenge = await self.adb.read(pick_challenge, member, challenge_id, "vote")
        return await self.adb.read(store.get_vote, challenge.id, member.id)
