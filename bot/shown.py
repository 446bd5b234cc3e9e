"""What each of the bot's messages shows, recorded with the studio (`studio.posts`) when it is posted, so
that forgetting a member finds every message that still names, quotes or shows them (bot.takedown).

Kinds, and the members each shows:

- `status`: a request's status message (its card: the request, the credit naming the chain's authors, the
  cast's owners);
- `storyboard`: that message once it became the request's storyboard of stills (the requester);
- `outcome`: that message once it became a cancelled or failed line (the requester, mentioned);
- `clip`: a finished clip's post (its author, the chain's authors in the credit, the cast's owners);
  `detail` names its image;
- `deleted`: a post the Delete button emptied ("deleted by bob");
- `results`: a vote challenge's results (every entry's author, every voter in the counts, the winners'
  chains);
- `film` / `final_cut`: a relay's film as it grew and its final cut (everyone with a shot in it); `detail`
  lists the shots' clips, so the post is drawn again as the cut it carries;
- `announcement`: a challenge's announcement (who started it);
- `notice`: a remix notice sent privately to an author (the author and the remixer).
"""
from __future__ import annotations

from collections.abc import Iterable

import discord

from studio import remix as remixing
from studio.challenges import ChallengeResults, RelayFilm
from studio.members import DELETED_MEMBER_ID
from studio.records import Challenge, Clip, Post
from studio.service import Studio


def people(ids: Iterable[int]) -> frozenset[int]:
    """Member ids a message shows, without the forgotten members' placeholder id."""
    return frozenset(ids) - {DELETED_MEMBER_ID}


async def clip_people(studio: Studio, clip: Clip) -> frozenset[int]:
    """Who a clip's card shows: its author, every author of its remix chain seen here (the credit), and the
    owners of the characters it features (its cast)."""
    seen, _elsewhere = await remixing.ancestors(studio, clip) if clip.parent_id else ([], 0)
    cast = await studio.clip_cast(clip.id)
    return people([clip.author_id, *(ancestor.author_id for ancestor in seen), *(credit.owner_id for credit in cast)])


def status_post(message_id: int, channel_id: int, guild_id: int | None, clip: Clip, members: frozenset[int]) -> Post:
    return Post(message_id, channel_id, guild_id, "status", clip.id, {}, members)


def storyboard_post(message_id: int, channel_id: int, clip: Clip) -> Post:
    """A request's status message become its storyboard of stills (bot.stills_views): the requester's."""
    return Post(message_id, channel_id, clip.guild_id, "storyboard", clip.id, {}, people([clip.author_id]))


def outcome_post(message: discord.Message | discord.PartialMessage, guild_id: int | None, clip: Clip,
                 requester_id: int) -> Post:  # fmt: skip
    return Post(message.id, message.channel.id, guild_id, "outcome", clip.id, {}, people([requester_id]))


def clip_post(message_id: int, channel_id: int, clip: Clip, members: frozenset[int], image: str | None) -> Post:
    """A finished clip's post; `image`: the attachment its card shows (its storyboard), if any."""
    return Post(message_id, channel_id, clip.guild_id, "clip", clip.id, {"image": image}, members)


def deleted_post(message_id: int, channel_id: int, guild_id: int | None, clip_id: int, by: int) -> Post:
    return Post(message_id, channel_id, guild_id, "deleted", clip_id, {}, people([by]))


def results_post_members(results: ChallengeResults) -> frozenset[int]:
    """Who results show: every entry's author, the winners' chains, and every voter (in the counts)."""
    authors = [ranked.clip.author_id for ranked in results.ranking]
    authors += [credit.user_id for credits in results.credits.values() for credit in credits]
    return people([*authors, *results.voter_ids])


def results_post(message: discord.Message, results: ChallengeResults) -> Post:
    challenge = results.challenge
    return Post(message.id, message.channel.id, challenge.guild_id, "results", challenge.id, {},
                results_post_members(results))


def film_post(message: discord.Message, challenge: Challenge, film: RelayFilm, *, kind: str, note: str = "",
              posted: str | None = None) -> Post:  # fmt: skip
    """A relay's film so far (`kind` "film") or its final cut ("final_cut"), as the cut it carries."""
    detail = {"clips": [shot.turn.clip_id for shot in film.shots], "pending": [turn.turn.clip_id for turn in film.pending],
              "note": note, "posted": posted}
    return Post(message.id, message.channel.id, challenge.guild_id, kind, challenge.id, detail,
                film.contributor_ids)


def announcement_post(message: discord.Message, challenge: Challenge) -> Post:
    return Post(message.id, message.channel.id, challenge.guild_id, "announcement", challenge.id, {},
                people([challenge.created_by]))


def notice_post(message: discord.Message, remix: Clip, author_id: int) -> Post:
    """A direct message about a remix made in a server: recorded under that server, so forgetting a member
    there (a moderator's `/forget member`) finds it too."""
    return Post(message.id, message.channel.id, remix.guild_id, "notice", remix.id, {},
                people([author_id, remix.author_id]))
