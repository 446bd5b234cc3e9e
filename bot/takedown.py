"""Forget means gone from view: after `/forget`, every message of the bot that showed the member (recorded
by kind in bot.shown) is drawn again from what the database says now, or taken down.

- their own posts, status messages, outcome lines, remix notices and "deleted by" lines: taken down;
- others' clip posts and status cards that credit them: the card again ("remix of a deleted member's clip
  #2 (deleted)"), without their request where it was quoted;
- challenge results: the ranking as it stands without their entries and votes (the same the gallery
  shows), the leaderboard drawn again, with a line saying the results were updated;
- relay films and final cuts: kept, anonymised (README's policy): their shots stay in the cut, credited to
  "a deleted member", without their words;
- announcements they started: "Started by a deleted member".

Each message is written within the channel's budget; one that is already gone is forgotten quietly.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot import challenge_embeds as texts
from bot import embeds, shown
from bot.challenge_views import COG_NAME
from bot.i18n import use
from bot.i18n.discord import server_language, server_speaking
from bot.incidents import incident
from bot.views import clip_credits
from common.errors import NotFound
from studio.challenges import ChallengeResults, ChallengeService, RelayResults
from studio.members import Member
from studio.records import Forgotten, Post

if TYPE_CHECKING:
    from bot.app import ReelBot

log = logging.getLogger(__name__)

Redraw = Callable[["ReelBot", Post], Awaitable[None]]


async def take_down(bot: "ReelBot", forgotten: Forgotten) -> None:
    """Edit or delete every message `forgotten` says showed the member (see the module's docstring)."""
    for post in forgotten.shown:
        try:
            with use(await server_language(bot.studio, bot, post.guild_id)):  # posts for everyone
                await REDRAW.get(post.kind, _delete)(bot, post)
        except discord.NotFound:  # deleted by someone meanwhile: nothing left to show
            await bot.studio.drop_post(post.message_id)
        except discord.HTTPException as error:  # no access any more: the data is gone either way
            log.info("could not take down or redraw message %s (%s): %s", post.message_id, post.kind, error)
        except Exception as error:  # one message failing leaves the others to be done
            incident(f"redrawing message {post.message_id} ({post.kind}) after a forget", error)


async def _edit(bot: "ReelBot", post: Post, **fields: Any) -> None:
    await bot.delivery.budget.take(post.channel_id)
    channel = bot.get_partial_messageable(post.channel_id, guild_id=post.guild_id)
    await channel.get_partial_message(post.message_id).edit(**fields)


async def _delete(bot: "ReelBot", post: Post) -> None:
    await bot.delivery.budget.take(post.channel_id)
    channel = bot.get_partial_messageable(post.channel_id, guild_id=post.guild_id)
    await channel.get_partial_message(post.message_id).delete()
    await bot.studio.drop_post(post.message_id)


async def _clip_card(bot: "ReelBot", post: Post) -> None:
    """A clip's post or a request's status message: gone with the clip, else its card drawn again."""
    try:
        clip = await bot.studio.clip(post.subject_id)
    except NotFound:  # the forgotten member's own clip
        await _delete(bot, post)
        return
    credits = await clip_credits(bot.studio, clip, yours=True)
    if post.kind == "clip":
        embed = embeds.clip_embed(clip, credits=credits, image=post.detail.get("image"),
                                  gallery=await bot.delivery.gallery_link(clip))  # fmt: skip
    else:
        embed = embeds.clip_embed(clip, credits=credits)
    await _edit(bot, post, embed=embed)
    await bot.studio.record_post(dataclasses.replace(post, members=await shown.clip_people(bot.studio, clip)))


def _challenges(bot: "ReelBot") -> ChallengeService:
    cog = bot.get_cog(COG_NAME)
    return cog.service if cog is not None else ChallengeService(bot.studio, speaking=server_speaking(bot.studio, bot))  # type: ignore[attr-defined]


async def _gallery(bot: "ReelBot", guild_id: int | None, challenge_id: int) -> str | None:
    links = await bot.delivery.gallery_links(guild_id)
    return None if links is None or guild_id is None else links.challenge(guild_id, challenge_id)


async def _results(bot: "ReelBot", post: Post) -> None:
    """The results as they stand now (the gallery's), with the leaderboard drawn again."""
    view = await _challenges(bot).show(Member(0, "", post.guild_id), post.subject_id)
    results = view.results
    if not isinstance(results, ChallengeResults):
        return
    image = f"leaderboard-{results.challenge.id}.png" if results.leaderboard_path is not None else None
    fields = texts.results_message(results, image=image, gallery=await _gallery(bot, post.guild_id, post.subject_id),
                                   updated=True)  # fmt: skip
    files = [discord.File(results.leaderboard_path, filename=image)] if image else []
    await _edit(bot, post, attachments=files, **fields)
    await bot.studio.record_post(dataclasses.replace(post, members=shown.results_post_members(results)))


async def _film(bot: "ReelBot", post: Post) -> None:
    """A relay's film so far or final cut, as the cut it carries: kept, its forgotten shots anonymised."""
    service = _challenges(bot)
    challenge = await service.challenge(post.subject_id)
    film = (await service.film_so_far(challenge)).of_clips(post.detail.get("clips", []), post.detail.get("pending", []))
    note = post.detail.get("note") or ""
    if post.kind == "film":
        fields: dict[str, Any] = {"content": texts.film_so_far_text(challenge, film, note=note),
                                  "allowed_mentions": discord.AllowedMentions.none()}
    else:
        fields = texts.final_cut_message(RelayResults(challenge, film), note=note, posted=post.detail.get("posted"),
                                         gallery=await _gallery(bot, post.guild_id, post.subject_id))  # fmt: skip
    await _edit(bot, post, **fields)
    await bot.studio.record_post(dataclasses.replace(post, members=film.contributor_ids))


async def _announcement(bot: "ReelBot", post: Post) -> None:
    """The card of an announcement (its text, the ended note, stays): "Started by a deleted member"."""
    view = await _challenges(bot).show(Member(0, "", post.guild_id), post.subject_id)
    card = texts.announcement(view, gallery=await _gallery(bot, post.guild_id, post.subject_id))
    await _edit(bot, post, embed=card["embed"])
    await bot.studio.record_post(dataclasses.replace(post, members=shown.people([view.challenge.created_by])))


# How each kind of message is drawn again; a kind not listed (outcome lines, notices, "deleted by" lines: the
# forgotten member's alone) is taken down.
REDRAW: dict[str, Redraw] = {
    "clip": _clip_card,
    "status": _clip_card,
    "results": _results,
    "film": _film,
    "final_cut": _film,
    "announcement": _announcement,
}
