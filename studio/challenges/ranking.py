"""Ranking a closed vote challenge: standard competition ranking, the podium, and who won.

Run on the database thread (inside `AsyncDatabase.read`).
"""
from __future__ import annotations

import sqlite_utils

from common.text import N_, Text
from storage import challenges as store
from storage.clips import find_clip
from storage.records import Challenge, ChallengeEntry
from studio.challenges.views import Credit, Ranked
from studio.leaderboard import Row

# Entries shown as winners (and credited with their remix ancestry) in the results.
PODIUM = 3


def ranking_of(db: sqlite_utils.Database, challenge: Challenge) -> list[Ranked]:
    """Entries by votes; equal votes share a rank (listed earlier submission first); entries whose clip
    was deleted drop out."""
    submitted = {entry.clip_id: entry.submitted_at for entry in store.list_entries(db, challenge.id)}
    ranking: list[Ranked] = []
    for clip_id, votes in store.tally(db, challenge.id):
        clip = find_clip(db, clip_id)
        if clip is not None and clip.status != "deleted":
            # Standard competition ranking ("1224"): equal votes share a rank, the next rank skips.
            rank = ranking[-1].rank if ranking and ranking[-1].votes == votes else len(ranking) + 1
            ranking.append(Ranked(rank, clip, votes, submitted[clip_id]))
    return ranking


def podium(ranking: list[Ranked]) -> list[Ranked]:
    """The entries ranked 1 to PODIUM with at least one vote: every entry tied for a podium rank is on it."""
    return [ranked for ranked in ranking if ranked.rank <= PODIUM and ranked.votes > 0]


def won(db: sqlite_utils.Database, challenge: Challenge, entry: ChallengeEntry) -> bool:
    """Whether `entry` won the closed vote `challenge` outright or tied for first; False while it runs and for
    relays."""
    if challenge.status != "closed" or challenge.kind != "vote":
        return False
    return any(ranked.rank == 1 and ranked.clip.id == entry.clip_id for ranked in podium(ranking_of(db, challenge)))



def leaderboard_row(ranked: Ranked, credits: list[Credit]) -> Row:
    """The leaderboard image's row for a ranked entry, noting whose clip it remixed (`credits`, nearest ancestor
    first)."""
    note = (Text.of(N_("remix of #{clip_id} by {author}"), clip_id=credits[0].clip_id, author=credits[0].author)
            if credits else None)  # fmt: skip
    return Row(
        rank=ranked.rank,
        title=ranked.title,
        author=ranked.clip.author_name,
        votes=ranked.votes,
        video_path=ranked.clip.video_path,
        storyboard_path=ranked.clip.storyboard_path,
        note=note,
    )

