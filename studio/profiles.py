"""A member's profile in a server: clips made, remixes others made of them, challenge wins, entries, relay turns."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from storage import challenges as store
from storage.clips import find_clip
from storage.profiles import clip_stats
from storage.records import Challenge, Clip
from studio.challenges.ranking import won
from studio.members import Member
from studio.service import Studio


@dataclass(frozen=True)
class Profile:
    """A member's counts in one server (clips and remixes only, outside servers)."""

    user_id: int
    name: str
    clips: int
    remixes_received: int
    challenge_wins: int
    entries: int
    relay_turns: int


async def profile(studio: Studio, member: Member) -> Profile:
    """The member's clips, remixes others made of them, challenge wins and entries in the member's server
    (clips and remixes only, with zero challenge counts, in direct messages)."""

    def read(db: sqlite_utils.Database) -> Profile:
        clips, remixes = clip_stats(db, member.id, member.guild_id)
        if member.guild_id is None:
            return Profile(member.id, member.name, clips, remixes, 0, 0, 0)
        entered = store.entered_challenges(db, member.guild_id, member.id)
        wins = sum(1 for challenge, entry in entered if won(db, challenge, entry))
        turns = store.relay_turn_count(db, member.guild_id, member.id)
        return Profile(member.id, member.name, clips, remixes, wins, len(entered), turns)

    return await studio.adb.read(read)


async def wins(studio: Studio, guild_id: int, user_id: int) -> list[tuple[Challenge, Clip]]:
    """The vote challenges of the server the member won, newest first, each with the winning clip."""

    def read(db: sqlite_utils.Database) -> list[tuple[Challenge, Clip]]:
        found = []
        for challenge, entry in store.entered_challenges(db, guild_id, user_id):
            clip = find_clip(db, entry.clip_id)
            if clip is not None and won(db, challenge, entry):
                found.append((challenge, clip))
        return found

    return await studio.adb.read(read)
