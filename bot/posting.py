"""Durable delivery: a loop that shows progress on status messages and posts finished clips.

Everything it needs is in the database (the clip's `origin`, the jobs, `finished_jobs`), never in an
interaction: interaction tokens die after 15 minutes and with the process, so a clip finished while the
bot was down, or after an hour in the queue, is still posted, through plain channel messages.

Each finished clip is fitted and posted by a task of its own (a few at once), so progress keeps flowing
while a long clip re-encodes. Every message write spends the channel's Discord budget (`ChannelBudget`):
posts and final edits wait for room, progress edits are made only with room to spare, most urgent first
(the running job, then the front of the queue), and a queued message is edited only when what it shows
changed enough to matter; skipped edits coalesce into the next one.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import discord

from bot import embeds, shown
from bot.i18n import _, error_message, say, use
from bot.i18n.discord import server_language
from bot.gallery.links import GalleryLinks
from bot.origin import TRANSPORT, Origin
from bot.delivery_once import existing_post
from bot.incidents import incident
from bot.ratelimit import ChannelBudget
from bot.take_views import posted_view
from bot.uploads import BASE_UPLOAD_LIMIT, Upload, prepare_upload, storyboard_name, too_large
from bot.stills_views import animating, sent_storyboard, storyboard_message_of, storyboard_seen_as
from bot.views import clip_credits, status_message
from studio.records import Clip
from studio.resume import resume_requests
from studio.challenges import ChallengeService
from studio.job_views import JobView
from studio.requests import Accepted
from studio.service import Studio
from studio.storyboards.actions import animate_due
from studio.takes import take_videos

log = logging.getLogger(__name__)

# Transient failures (Discord 5xx, network) of one delivery before it is given up.
MAX_DELIVERY_TRIES = 5
# Finished clips fitted and posted at once: fitting may re-encode, which takes the CPU for a while.
MAX_CONCURRENT_POSTS = 2
# Queue positions up to this are shown as they change; beyond, a change of about a quarter is news.
_EXACT_PLACES = 10
_NEWS_RATIO = 1.25


# --- the loop ---------------------------------------------------------------------------------------


class Delivery:
    """Edits status messages with progress and posts finished jobs; `run` loops until cancelled.

    `edit_gap`: least seconds between two progress edits of one message. `budget`: the per-channel
    message budget (Discord's by default). `max_posts`: finished clips fitted and posted at once.
    """

    def __init__(
        self,
        bot: discord.Client,
        studio: Studio,
        *,
        interval: float = 1.5,
        edit_gap: float = 3.0,
        budget: ChannelBudget | None = None,
        max_posts: int = MAX_CONCURRENT_POSTS,
    ) -> None:
        self.bot = bot
        self.studio = studio
        self.interval = interval
        self.edit_gap = edit_gap
        self.budget = budget or ChannelBudget()
        self._posting = asyncio.Semaphore(max_posts)
        self._delivering: dict[int, asyncio.Task[None]] = {}
        # Delivered since the last read of finished jobs: that read may predate the delivery's record.
        self._delivered: set[int] = set()
        self._shown: dict[int, tuple] = {}
        # By status message: the storyboard this delivery last showed there (its words, card, controls and
        # board by content), so a stills job that rendered nothing new does not edit it again.
        self._boards: dict[int, tuple] = {}
        # One storyboard edit at a time per status message: two stills jobs of a clip end together.
        self._board_locks: dict[int, asyncio.Lock] = {}
        # By job: the text its status message shows now, and the notes it keeps under the progress line
        # until the clip is posted ("your picture was center-cropped").
        self._text: dict[int, str] = {}
        self._notes: dict[int, tuple[str, ...]] = {}
        self._edited_at: dict[int, float] = {}
        self._tries: dict[int, int] = {}
        # Status messages an interaction is still filling in; editing them meanwhile would race it.
        self._held: set[int] = set()
        # Called after a finished clip was posted (job, where, posted message id): features that follow
        # clips hook in here, e.g. a relay film posting its grown cut when one of its shots lands.
        self.after_post: list[Callable[[JobView, Origin, int], Awaitable[None]]] = []
        self.gallery = GalleryLinks.of(studio.config) if studio.config.gallery.enabled else None

    async def gallery_links(self, guild_id: int | None) -> GalleryLinks | None:
        """Signed links into the server's gallery, or None when the gallery is off (here or in the server)."""
        if self.gallery is None or guild_id is None:
            return None
        return None if (await self.studio.settings(guild_id)).gallery == "off" else self.gallery

    async def gallery_link(self, clip: Clip) -> str | None:
        """The clip's signed gallery link, or None when the gallery is off."""
        links = await self.gallery_links(clip.guild_id)
        return None if links is None or clip.guild_id is None else links.clip(clip.guild_id, clip.id)

    @property
    def upload_dir(self) -> Path:
        return self.studio.config.media_dir / "uploads"

    async def status(self, accepted: Accepted, *, credit: str = "") -> dict[str, Any]:
        """The status message of a freshly queued clip (`views.status_message`), remembered so later
        progress edits keep its notes and are made only when its text changes, and recorded with who it
        shows (bot.shown)."""
        fields = status_message(accepted, credit=credit)
        self._notes[accepted.job.id] = tuple(f"ℹ️ {say(note)}" for note in accepted.notes)
        self._text[accepted.job.id] = fields["content"]
        origin = Origin.of(accepted.clip)
        if origin is not None and origin.status_message_id is not None:
            members = await shown.clip_people(self.studio, accepted.clip)
            await self.studio.record_post(shown.status_post(origin.status_message_id, origin.channel_id,
                                                            origin.guild_id, accepted.clip, members))
        return fields

    @contextmanager
    def hold(self, message_id: int) -> Iterator[None]:
        self._held.add(message_id)
        try:
            yield
        finally:
            self._held.discard(message_id)

    async def run(self) -> None:
        # Resuming may wait on an LLM; clips that finished while the bot was down are posted meanwhile.
        resuming = asyncio.create_task(self.resume(), name="reelbot-resume")
        try:
            while True:
                try:
                    await self.tick()
                except Exception:
                    log.exception("delivery tick failed")
                await asyncio.sleep(self.interval)
        finally:
            resuming.cancel()
            for task in list(self._delivering.values()):
                task.cancel()

    async def resume(self) -> None:
        """Finish requests a restart interrupted between receiving and queueing them."""
        try:
            resumed = await resume_requests(self.studio, TRANSPORT)
        except Exception:
            log.exception("resuming unfinished requests failed")
            return
        for item in resumed:
            origin = Origin.from_dict(item.request.origin)
            if origin is None:
                continue
            try:
                with use(origin.language):
                    if item.accepted is not None:
                        await self.edit_status(origin, **await self.status(item.accepted))
                    elif item.error is not None:
                        await self.status_line(origin, f"⚠️ {error_message(item.error)}")
            except Exception as error:  # one member's status message failing leaves the others' alone
                incident(f"resuming request {item.request.id}", error)

    async def tick(self) -> None:
        finished = await self.studio.finished_jobs(TRANSPORT)
        self._delivered &= {view.job.id for view in finished}
        for view in finished:
            if view.job.id not in self._delivered:
                self._start_delivery(view)
        await self.show_progress(await self.studio.active_jobs())
        await self._animate_due()

    def _start_delivery(self, view: JobView) -> None:
        job_id = view.job.id
        if job_id in self._delivering:
            return
        task = asyncio.create_task(self._deliver_in_turn(view), name=f"reelbot-deliver-{job_id}")
        self._delivering[job_id] = task
        task.add_done_callback(lambda _: self._delivering.pop(job_id, None))

    async def _deliver_in_turn(self, view: JobView) -> None:
        async with self._posting:
            try:
                await self.deliver(view)
            except Exception:
                log.exception("delivering clip %s failed", view.clip.id)

    # --- progress -------------------------------------------------------------------------------------

    async def show_progress(self, views: list[JobView]) -> None:
        """Edit the status messages whose display changed, most urgent first, while budgets allow."""
        now = time.monotonic()
        due = []
        for view in views:
            origin = Origin.of(view.clip)
            job_id = view.job.id
            if origin is None or origin.status_message_id is None or origin.status_message_id in self._held:
                continue
            key = display_key(view)
            if self._shown.get(job_id) == key or now - self._edited_at.get(job_id, -math.inf) < self.edit_gap:
                continue
            due.append((urgency(view), view, origin, key))
        due.sort(key=lambda item: item[0])
        for _urgency, view, origin, key in due:
            job_id = view.job.id
            with use(origin.language):  # the status message's language (the server's: everyone reads it)
                text = "\n".join([embeds.progress_line(view), *self._notes.get(job_id, ())])
            if text == self._text.get(job_id):
                self._shown[job_id] = key  # nothing a member would see changed: no edit
                continue
            if job_id in self._delivering or not self.budget.try_take(origin.channel_id):
                continue  # the channel's budget is spent: the newest text goes out on a later tick
            self._shown[job_id], self._edited_at[job_id], self._text[job_id] = key, now, text
            await self.edit_status(origin, budgeted=True, content=text)

    async def edit_status(self, origin: Origin, *, budgeted: bool = False, **fields: Any) -> bool:
        """Edit the status message (waiting for the channel's budget unless already `budgeted`)."""
        if origin.status_message_id is None:
            return False
        self._boards.pop(origin.status_message_id, None)  # it shows something else from now on
        if not budgeted:
            await self.budget.take(origin.channel_id)
        channel = self.bot.get_partial_messageable(origin.channel_id, guild_id=origin.guild_id)
        try:
            await channel.get_partial_message(origin.status_message_id).edit(**fields)
            return True
        except discord.RateLimited as error:  # discord.py gives up waiting past max_ratelimit_timeout
            self.budget.retry_after(origin.channel_id, error.retry_after)
            return False
        except discord.HTTPException as error:
            if error.status == 429:
                self.budget.retry_after(origin.channel_id, _retry_after(error))
            # Deleted by a moderator, or no access any more: the clip itself still gets posted.
            log.info("could not edit status message %s: %s", origin.status_message_id, error)
            return False

    async def status_line(self, origin: Origin, text: str) -> bool:
        """The status message becomes one short line (`text`): its card, files (a storyboard's stills) and
        controls go. False when it can no longer be edited."""
        return await self.edit_status(origin, content=text, embed=None, attachments=[], view=None)

    # --- outcomes -------------------------------------------------------------------------------------

    async def deliver(self, view: JobView) -> None:
        origin = Origin.of(view.clip)
        if origin is None and view.clip.transport == TRANSPORT and view.clip.status == "deleted":
            # Forgotten (or deleted) before it was posted: its origin is gone with it, and nothing is left to show.
            await self.studio.mark_delivered(view.job)
            return
        if origin is None or origin.status_message_id in self._held:
            return  # another front-end's job, or its status message is still being filled in
        job = view.job
        posted_id: int | None = None
        try:
            if job.status == "done" and job.kind == "stills":
                with use(origin.language):  # the requester's stills: in the requester's language
                    await self._show_storyboard(view, origin)
            elif job.status == "done":
                # A post for everyone: in the server's language.
                with use(await server_language(self.studio, self.bot, origin.guild_id)):
                    posted_id = await self.post_clip(view, origin)
            else:
                with use(origin.language):
                    await self.post_outcome(view, origin)
        except (discord.Forbidden, discord.NotFound) as error:
            log.warning("cannot deliver clip %s to channel %s: %s", view.clip.id, origin.channel_id, error)
            with use(origin.language):
                await self.explain_undeliverable(view, origin)
        except Exception as error:  # Discord 5xx, the network, a bad file: try again next tick, a few times
            tries = self._tries[job.id] = self._tries.get(job.id, 0) + 1
            if tries < MAX_DELIVERY_TRIES:
                log.warning("delivery of clip %s failed (%r), will retry", view.clip.id, error)
                return
            log.error("giving up delivering clip %s after %d tries", view.clip.id, tries, exc_info=error)
        for cache in (self._shown, self._edited_at, self._tries, self._text, self._notes):
            cache.pop(job.id, None)
        # Recorded before the status message goes, so a crash in between never posts the clip twice.
        await self.studio.mark_delivered(job, posted_id)
        self._delivered.add(job.id)
        if posted_id is not None:
            # The post replaces the status message: one lasting message per request.
            await self._retire_status(origin)
            for hook in self.after_post:
                try:
                    await hook(view, origin, posted_id)
                except Exception:  # the clip itself is delivered; a follow-up post is no reason to retry it
                    log.exception("after-post hook %r failed for clip %s", hook, view.clip.id)

    async def post_clip(self, view: JobView, origin: Origin) -> int:
        clip = view.clip
        channel = self.bot.get_partial_messageable(origin.channel_id, guild_id=origin.guild_id)
        takes = await take_videos(self.studio, clip)
        upload = await asyncio.to_thread(prepare_upload, clip, origin.upload_limit, self.upload_dir, takes=takes)
        credit = await clip_credits(self.studio, clip, yours=True)
        gallery = await self.gallery_link(clip)
        key = await self.studio.begin_delivery(view.job)  # recorded before the send (bot.delivery_once)
        assert self.bot.user is not None
        found = await existing_post(channel, self.bot.user.id, clip.id, key)
        if found is not None:
            await self._record_post(found, origin, clip, storyboard_name(clip) if upload.storyboard is not None else None)
            return found
        nonce = key.nonce
        try:
            message = await self._send_clip(channel, clip, origin, upload, credit, gallery, nonce)
        except discord.HTTPException as error:
            if not too_large(error):
                raise
            # The limit we were told was too generous (boosts lost, a stricter channel): halve and retry.
            target = min(max(upload.video_bytes // 2, 1), BASE_UPLOAD_LIMIT)
            log.info("clip %s upload of %d bytes refused; retrying at %d", clip.id, upload.video_bytes, target)
            upload = await asyncio.to_thread(prepare_upload, clip, target, self.upload_dir, storyboard=bool(takes),
                                             takes=takes)  # fmt: skip
            try:
                message = await self._send_clip(channel, clip, origin, upload, credit, gallery, nonce)
            except discord.HTTPException as again:
                if not too_large(again):
                    raise
                refused = Upload(None, None, _("Discord refused the video as too large for this channel, sorry."))
                message = await self._send_clip(channel, clip, origin, refused, credit, gallery, nonce)
        shows_board = any(a.filename == storyboard_name(clip) for a in message.attachments)
        await self._record_post(message.id, origin, clip, storyboard_name(clip) if shows_board else None)
        return message.id

    async def _record_post(self, message_id: int, origin: Origin, clip: Clip, image: str | None) -> None:
        """Record a clip's post with who it shows (bot.shown), so forgetting any of them finds it."""
        members = await shown.clip_people(self.studio, clip)
        await self.studio.record_post(shown.clip_post(message_id, origin.channel_id, clip, members, image))

    async def _send_clip(
        self,
        channel: discord.PartialMessageable,
        clip: Clip,
        origin: Origin,
        upload: Upload,
        credit: embeds.Credits,
        gallery: str | None,
        nonce: str,
    ) -> discord.Message:
        image = storyboard_name(clip) if upload.storyboard is not None else None
        content = "\n".join([_("<@{user_id}> your clip #{clip_id} is ready!", user_id=origin.requester_id,
                                  clip_id=clip.id), *upload.text(clip, gallery)])
        await self.budget.take(origin.channel_id)
        settings = await self.studio.settings(clip.guild_id) if clip.guild_id is not None else None
        view = posted_view(clip, can_extend=settings is None or len(clip.recipes) < settings.max_shots,
                           can_enter=await ChallengeService(self.studio).takes_entries(clip.guild_id))
        return await channel.send(
            content,
            embed=embeds.clip_embed(clip, credits=credit, image=image, gallery=gallery),
            files=upload.files(clip),
            view=view,
            allowed_mentions=discord.AllowedMentions(users=[discord.Object(origin.requester_id)]),
            nonce=nonce,  # with enforce_nonce: a re-send within Discord's window returns this same message
        )

    async def _show_storyboard(self, view: JobView, origin: Origin) -> None:
        """The stills are ready: the request's status message becomes its storyboard (bot.stills_views), or a
        new message says so where that message can't be edited."""
        async with self._board_locks.setdefault(origin.status_message_id or 0, asyncio.Lock()):
            message = await storyboard_message_of(self.studio, view.clip, origin)
            board = await asyncio.to_thread(storyboard_seen_as, message)
            if origin.status_message_id is not None and self._boards.get(origin.status_message_id) == board:
                return  # a stills job whose stills an earlier one rendered: the message shows them already
            channel = self.bot.get_partial_messageable(origin.channel_id, guild_id=origin.guild_id)
            if await self.edit_status(origin, **message):
                shown_as: int = origin.status_message_id  # type: ignore[assignment]
                self._boards[shown_as] = board
            else:
                await self.budget.take(origin.channel_id)
                shown_as = (await channel.send(**sent_storyboard(message), allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(origin.requester_id)]))).id  # fmt: skip
        # It shows the requester's stills (their words drawn under them): theirs to take down if forgotten.
        await self.studio.record_post(shown.storyboard_post(shown_as, origin.channel_id, view.clip))

    async def _animate_due(self) -> None:
        """Auto mode: animate the storyboards whose grace is over; their controls give way to Cancel."""
        for job in await animate_due(self.studio, TRANSPORT):
            origin = Origin.of(await self.studio.clip(job.clip_id))
            if origin is not None:
                with use(origin.language):
                    await self.edit_status(origin, **animating(job))

    async def _retire_status(self, origin: Origin) -> None:
        """Delete the status message once its clip is posted (a moderator may have removed it already)."""
        if origin.status_message_id is None:
            return
        self._boards.pop(origin.status_message_id, None)
        self._board_locks.pop(origin.status_message_id, None)
        await self.budget.take(origin.channel_id)
        channel = self.bot.get_partial_messageable(origin.channel_id, guild_id=origin.guild_id)
        try:
            await channel.get_partial_message(origin.status_message_id).delete()
        except discord.HTTPException as error:
            log.info("could not delete status message %s: %s", origin.status_message_id, error)
        else:
            await self.studio.drop_post(origin.status_message_id)

    async def post_outcome(self, view: JobView, origin: Origin) -> None:
        """A cancelled or failed request: its status message becomes one short line (the card, its shot list
        and buttons go). Said once: a new message only when that message can't be edited any more."""
        text = embeds.outcome_line(view)
        channel = self.bot.get_partial_messageable(origin.channel_id, guild_id=origin.guild_id)
        if await self.status_line(origin, text):
            message: discord.PartialMessage | discord.Message = channel.get_partial_message(origin.status_message_id)  # type: ignore[arg-type]
        else:
            key = await self.studio.begin_delivery(view.job)  # a re-send after a restart returns this message
            await self.budget.take(origin.channel_id)
            message = await channel.send(
                text, allowed_mentions=discord.AllowedMentions(users=[discord.Object(view.job.user_id)]),
                nonce=key.nonce)
        await self.studio.record_post(shown.outcome_post(message, origin.guild_id, view.clip, view.job.user_id))

    async def explain_undeliverable(self, view: JobView, origin: Origin) -> None:
        """The bot may no longer post in the channel: say so where it still can (status message, DM)."""
        clip_id = view.clip.id
        text = embeds.outcome_line(view)
        if view.job.status == "done":
            text = _(
                "⚠️ <@{user_id}>, clip #{clip_id} is ready, but I can't post it in this channel (I need Send "
                "Messages, Attach Files and Embed Links). Use `/clip {clip_id}` to see it, or ask an admin to fix "
                "my permissions here.",
                user_id=origin.requester_id, clip_id=clip_id,
            )
        if await self.status_line(origin, text):
            return
        try:
            user = self.bot.get_user(origin.requester_id) or await self.bot.fetch_user(origin.requester_id)
            await user.send(text)
        except discord.HTTPException as error:
            log.warning("could not tell user %s about clip %s: %s", origin.requester_id, clip_id, error)



def display_key(view: JobView) -> tuple:
    """What a status message shows, as far as it matters: a new key is worth an edit. Running jobs show
    their progress line (already coarse: 10% steps, the stage, a rounded ETA); a queued one its place
    exactly near the front, and beyond that only changes of about a quarter in place or ETA."""
    estimate = view.estimate
    if view.job.status != "queued" or estimate is None:
        return (view.job.status, embeds.progress_line(view))
    place = estimate.position if estimate.position <= _EXACT_PLACES else _log_step(estimate.position)
    return ("queued", place, _log_step(max(estimate.eta_seconds, 1.0)), estimate.exact)


def urgency(view: JobView) -> tuple:
    """Edit order within a tick: what renders now, then the front of the queue."""
    position = view.estimate.position if view.estimate is not None else math.inf
    return (view.job.status == "queued", position, view.job.id)


def _log_step(value: float) -> int:
    return round(math.log(value) / math.log(_NEWS_RATIO))


def _retry_after(error: discord.HTTPException) -> float:
    try:
        return float(error.response.headers.get("Retry-After", 1.0))
    except (AttributeError, TypeError, ValueError):
        return 1.0
