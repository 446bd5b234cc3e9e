"""Posting what challenges produce when no interaction is waiting: results at the deadline, the relay film
each time a shot lands, the final cut. Like bot/posting's delivery, everything comes from the database and
goes out as plain channel messages, so it works after a restart and long after any interaction expired."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import _, use
from bot.i18n.discord import server_language
from bot import challenge_embeds as texts
from bot import shown
from bot.embeds import full_clip_line, message_link
from bot.origin import TRANSPORT, Origin, upload_limit
from bot.uploads import BASE_UPLOAD_LIMIT, fit_video, too_large
from studio.records import Challenge
from studio.challenges import ChallengeResults, ChallengeService, RelayFilm, RelayResults, Results
from studio.job_views import JobView
from studio.members import Member

if TYPE_CHECKING:
    from bot.app import ReelBot

log = logging.getLogger(__name__)


async def send_video(
    channel: discord.abc.Messageable,
    video: Path | None,
    filename: str,
    limit: int,
    out_dir: Path,
    compose: Callable[[str], dict[str, Any]],
    *,
    gallery: str | None = None,
) -> discord.Message:
    """Send `compose(note)` with the video fitted to `limit`. When Discord refuses it as too large anyway
    (the limit we knew was too generous), once more at a smaller size, then without the video; a video
    left out is linked to its `gallery` page, when there is one."""
    watch = full_clip_line(gallery, left_out=True, what="film")
    target = limit
    for _attempt in range(2):
        fitted, note = (None, "") if video is None else await asyncio.to_thread(fit_video, video, target, out_dir)
        files = [discord.File(fitted, filename=filename)] if fitted is not None else []
        if note and watch:
            note = f"{note}\n{watch}"
        try:
            return await channel.send(files=files, **compose(note))
        except discord.HTTPException as error:
            if fitted is None or not too_large(error):
                raise
            log.info("%s upload of %d bytes refused as too large", filename, fitted.stat().st_size)
            target = min(max(fitted.stat().st_size // 2, 1), BASE_UPLOAD_LIMIT)
    refused = _("Discord refused the video as too large for this channel, sorry.")
    return await channel.send(**compose(f"{refused}\n{watch}" if watch else refused))


class ChallengePoster:
    def __init__(self, bot: "ReelBot", service: ChallengeService) -> None:
        self.bot = bot
        self.service = service
        # challenge id -> the film last posted for it and that post's link, so neither a turn that lands in
        # the same cut nor the final cut posts the same file twice.
        self._films: dict[int, tuple[Path, str]] = {}
        # Held while a relay's grown film is decided and posted: one relay's shots post their films in order.
        self._locks: dict[int, asyncio.Lock] = {}
        # Held while a film is posted and recorded, so a final cut decided meanwhile sees the post.
        self._film_locks: dict[int, asyncio.Lock] = {}

    @property
    def upload_dir(self) -> Path:
        return self.bot.delivery.upload_dir

    def _channel(self, challenge: Challenge) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(challenge.channel_id, guild_id=challenge.guild_id)

    # --- results ------------------------------------------------------------------------------------

    async def post_results(self, results: Results) -> None:
        """Post the results and retire the announcement's buttons. The DeadlineLoop calls this before it
        marks the deadline fired: a failure here is retried; a channel the bot lost access to is not."""
        challenge = results.challenge
        # Posted for everyone: in the server's language.
        with use(await server_language(self.service.studio, self.bot, challenge.guild_id)):
            try:
                if isinstance(results, RelayResults):
                    message = await self._post_final_cut(results)
                else:
                    message = await self._post_ranking(results)
            except (discord.Forbidden, discord.NotFound) as error:
                log.warning("cannot post the results of challenge %s in channel %s: %s",
                            challenge.id, challenge.channel_id, error)
                return
            link = message_link(challenge.guild_id, challenge.channel_id, message.id)
            await self._retire_announcement(challenge, link)

    async def _post_ranking(self, results: ChallengeResults) -> discord.Message:
        channel = self._channel(results.challenge)
        gallery = await self.gallery_link(results.challenge)
        if results.leaderboard_path is not None:
            image = f"leaderboard-{results.challenge.id}.png"
            try:
                message = await channel.send(file=discord.File(results.leaderboard_path, filename=image),
                                             **texts.results_message(results, image=image, gallery=gallery))
            except discord.HTTPException as error:
                if not too_large(error):
                    raise
                log.info("the leaderboard of challenge %s is too large for its channel", results.challenge.id)
            else:
                await self.service.studio.record_post(shown.results_post(message, results))
                return message
        # The ranking is in the text too: the image is a nicety.
        message = await channel.send(**texts.results_message(results, image=None, gallery=gallery))
        await self.service.studio.record_post(shown.results_post(message, results))
        return message

    async def _post_final_cut(self, results: RelayResults) -> discord.Message:
        async with self._film_lock(results.challenge.id):
            return await self._post_final_cut_now(results)

    def _film_lock(self, challenge_id: int) -> asyncio.Lock:
        return self._film_locks.setdefault(challenge_id, asyncio.Lock())

    async def _post_final_cut_now(self, results: RelayResults) -> discord.Message:
        film, challenge = results.film, results.challenge
        gallery = await self.gallery_link(challenge)
        posted = self._films.get(challenge.id)
        if film.path is not None and posted is not None and posted[0] == film.path:
            # Nothing changed since the film was last posted: point to it rather than upload it again.
            message = await self._channel(challenge).send(
                **texts.final_cut_message(results, gallery=gallery, posted=posted[1]))
            await self.service.studio.record_post(
                shown.film_post(message, challenge, film, kind="final_cut", posted=posted[1]))
            return message
        limit = await self._film_limit(challenge, film)
        notes: list[str] = []

        def compose(note: str) -> dict[str, Any]:
            notes.append(note)
            return texts.final_cut_message(results, note=note, gallery=gallery)

        message = await send_video(self._channel(challenge), film.path, f"relay-{challenge.id}.mp4", limit,
                                   self.upload_dir, compose, gallery=gallery)  # fmt: skip
        await self.service.studio.record_post(shown.film_post(message, challenge, film, kind="final_cut",
                                                              note=notes[-1] if notes else ""))
        return message

    async def gallery_link(self, challenge: Challenge) -> str | None:
        """The challenge's signed gallery page, or None when the gallery is off."""
        links = await self.bot.delivery.gallery_links(challenge.guild_id)
        return None if links is None else links.challenge(challenge.guild_id, challenge.id)

    async def _film_limit(self, challenge: Challenge, film: RelayFilm) -> int:
        """The channel's attachment limit as the latest shot's request learned it; else the server's."""
        for shot in reversed(film.shots):
            origin = Origin.of(shot.clip) if shot.clip is not None else None
            if origin is not None:
                return origin.upload_limit
        guild = self.bot.get_guild(challenge.guild_id)
        settings = await self.service.studio.settings(challenge.guild_id)
        return upload_limit(guild.filesize_limit if guild is not None else BASE_UPLOAD_LIMIT, settings)

    async def _retire_announcement(self, challenge: Challenge, results_link: str) -> None:
        if challenge.announcement_message_id is None:
            return
        announcement = self._channel(challenge).get_partial_message(challenge.announcement_message_id)
        try:
            await announcement.edit(content=texts.ended_note(results_link), view=None)
        except discord.HTTPException as error:  # deleted by a moderator: the results are posted anyway
            log.info("could not update the announcement of challenge %s: %s", challenge.id, error)

    # --- the relay film as it grows ---------------------------------------------------------------------

    async def post_grown_film(self, view: JobView, origin: Origin, posted_message_id: int) -> None:
        """After a relay shot's clip was posted (the delivery loop calls this), post the film with it.
        One relay at a time: two shots landing together post the grown film once, never an older cut
        after a newer one."""
        found = await self.service.relay_turn_of(view.clip.id)
        if found is None:
            return
        challenge, _rest = found
        async with self._locks.setdefault(challenge.id, asyncio.Lock()):
            await self._post_grown_film(challenge.id, view, origin)

    async def _post_grown_film(self, challenge_id: int, view: JobView, origin: Origin) -> None:
        challenge = await self.service.challenge(challenge_id)
        if challenge.status != "open":
            return  # the final cut is (or will be) posted instead
        # The last shot of a full relay ends it now: the final cut, not one more "film so far".
        finished = await self.service.finish_if_complete(challenge.id)
        if finished is not None:
            await self.post_results(finished)
            return
        member = Member(
            origin.requester_id, view.clip.author_name, challenge.guild_id, challenge.channel_id, transport=TRANSPORT
        )
        film = await self.service.relay_film(member, challenge.id)
        async with self._film_lock(challenge.id):
            # One shot is just the clip posted a moment ago; a cut already posted needs no second post.
            posted = self._films.get(challenge.id)
            if film.path is None or len(film.shots) < 2 or (posted is not None and posted[0] == film.path):
                return
            with use(await server_language(self.service.studio, self.bot, challenge.guild_id)):
                message = await self._send_grown_film(challenge, film, origin)
            self._films[challenge.id] = (film.path, message_link(challenge.guild_id, challenge.channel_id, message.id))

    async def _send_grown_film(self, challenge: Challenge, film: RelayFilm, origin: Origin) -> discord.Message:
        notes: list[str] = []

        def compose(note: str) -> dict[str, Any]:
            notes.append(note)
            return {"content": texts.film_so_far_text(challenge, film, note=note),
                    "allowed_mentions": discord.AllowedMentions.none()}

        message = await send_video(
            self._channel(challenge), film.path, f"relay-{challenge.id}-{len(film.shots)}.mp4",
            origin.upload_limit, self.upload_dir, compose, gallery=await self.gallery_link(challenge),
        )
        await self.service.studio.record_post(shown.film_post(message, challenge, film, kind="film",
                                                              note=notes[-1] if notes else ""))
        return message
