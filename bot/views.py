"""Buttons, menus and modals, and the request flow they share with the slash commands.

Every component is a `discord.ui.DynamicItem`: its custom_id carries what it acts on
(`reelbot:clip:reroll:12`), so a click on a message posted weeks ago, by a bot process long gone, still
works after `bot.add_dynamic_items(...)` — nothing about a posted clip lives in memory.
"""
from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot import embeds, shown
from bot.buttons import Action, action_buttons, buttons_view
from bot.challenge_views import enter_clip
from bot.host import host_of
from bot.i18n import N_, _, error_message, say, use
from bot.i18n.discord import SpeaksMemberLanguage, server_language
from bot.members import interaction_member
from bot.origin import Origin, upload_limit
from bot.replies import check_bot_can_post, defer_placeholder, fill_placeholder, report_error, send_ephemeral
from prompts.lexicon import STYLES
from studio.cast.intake import AwaitingApproval
from studio.records import Clip
from studio import remix as remixing
from studio.converters import to_shot_number
from studio.errors import StudioError
from studio.job_views import JobView
from studio.members import Member
from studio.requests import Accepted
from studio.service import Studio
from studio.takes import finalize
from studio.variations import vary

Submit = Callable[[Member, dict[str, Any]], Awaitable[Accepted]]


# --- the request flow -------------------------------------------------------------------------------


def status_message(accepted: Accepted, *, credit: str = "") -> dict[str, Any]:
    """The status message of a freshly queued clip: where it stands, its shot list and cast, a cancel
    button. `credit`: the remix credit, in the current language."""
    view = JobView(accepted.job, accepted.clip, accepted.estimate)
    credits = embeds.Credits(credit, accepted.cast)
    return {
        "content": "\n".join([embeds.progress_line(view), *(f"ℹ️ {say(note)}" for note in accepted.notes)]),
        "embed": embeds.clip_embed(accepted.clip, credits=credits, reused=accepted.reused),
        "view": cancel_view(accepted.job.id),
    }


def waiting_text(waiting: AwaitingApproval) -> str:
    """What a status message says while its request waits for owners' approval."""
    return f"⏳ {error_message(waiting)}"


async def clip_credits(studio: Studio, clip: Clip, *, yours: bool = False) -> embeds.Credits:
    """A clip's remix credit (in the current language; `yours`: in a message to the clip's author) and its
    cast, as its card shows them."""
    ancestors = await remixing.ancestors(studio, clip) if clip.parent_id else ([], 0)
    return embeds.Credits(embeds.credit_text(ancestors, clip, yours=yours), tuple(await studio.clip_cast(clip.id)))


async def queue_from_interaction(interaction: discord.Interaction, submit: Submit) -> Accepted | None:
    """Acknowledge at once, queue the clip with an origin naming the status message, then show its shot
    list there. The delivery loop takes over from that message: progress, then the finished clip. A request
    that waits for owners' approval (None) keeps the message, saying so; its clip appears there once
    approved (bot/cast_views.py)."""
    bot = host_of(interaction)
    check_bot_can_post(interaction)
    message_id = await defer_placeholder(interaction)
    with bot.delivery.hold(message_id):
        member, settings = await interaction_member(bot.studio, interaction)
        # The status message is public: everyone reads it in the server's language (a refusal, private,
        # stays in the member's).
        public = await server_language(bot.studio, interaction.client, interaction.guild_id)
        # Discord sends the channel's real attachment limit with every interaction (Guild.filesize_limit
        # only knows the boost tier).
        origin = Origin(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,  # type: ignore[arg-type]
            requester_id=member.id,
            upload_limit=upload_limit(interaction.filesize_limit, settings),
            status_message_id=message_id,
            language=public,
        )
        try:
            accepted = await submit(member, origin.to_dict())
        except AwaitingApproval as waiting:
            with use(public):
                await fill_placeholder(interaction, content=waiting_text(waiting))
            return None
        ancestry = await remixing.ancestors(bot.studio, accepted.clip) if accepted.clip.parent_id else ([], 0)
        with use(public):
            credit = embeds.credit_text(ancestry, accepted.clip, yours=True)
            await fill_placeholder(interaction, **await bot.delivery.status(accepted, credit=credit))
    return accepted


async def queue_remix(
    interaction: discord.Interaction, clip_id: int, change: remixing.RemixChange
) -> Accepted | None:
    studio = host_of(interaction).studio

    async def submit(member: Member, origin: dict[str, Any]) -> Accepted:
        return await remixing.remix(studio, member, clip_id, change, origin=origin)

    return await queue_from_interaction(interaction, submit)


# --- clip buttons -----------------------------------------------------------------------------------


def clip_view(clip_id: int, *, draft: bool = False, left_out: frozenset[str] | set[str] = frozenset()) -> discord.ui.View:
    """A posted clip's buttons; Finalize only on a draft (studio.takes.is_draft); none of `left_out`."""
    actions = {name: action for name, action in CLIP_ACTIONS.items()
               if (draft or name != "finalize") and name not in left_out}  # fmt: skip
    return buttons_view(ClipButton, actions, clip_id)


async def _open_remix_modal(interaction: discord.Interaction, clip_id: int) -> None:
    studio = host_of(interaction).studio
    member, _settings = await interaction_member(studio, interaction)
    await studio.visible_clip(member, clip_id)  # a deleted clip fails here, not after the member typed
    await interaction.response.send_modal(RemixModal(clip_id))


async def _reroll(interaction: discord.Interaction, clip_id: int) -> None:
    await queue_remix(interaction, clip_id, remixing.RemixChange("reroll"))


def vary_change(clip: Clip) -> remixing.RemixChange:
    """Same shots and seeds, another look: a style the clip doesn't have yet."""
    current = Studio.shot_list(clip).bible.style
    looks = [name for name, (look, _words) in STYLES.items() if look.style not in current]
    return remixing.RemixChange("style", random.choice(looks or list(STYLES)))


async def _vary(interaction: discord.Interaction, clip_id: int) -> None:
    studio = host_of(interaction).studio
    member, _settings = await interaction_member(studio, interaction)
    clip = await studio.visible_clip(member, clip_id)
    await queue_remix(interaction, clip_id, vary_change(clip))


async def _vary_subtle(interaction: discord.Interaction, clip_id: int) -> None:
    studio = host_of(interaction).studio

    async def submit(member: Member, origin: dict[str, Any]) -> Accepted:
        return await vary(studio, member, clip_id, origin=origin)

    await queue_from_interaction(interaction, submit)


async def _extend(interaction: discord.Interaction, clip_id: int) -> None:
    await queue_remix(interaction, clip_id, remixing.RemixChange("extend"))


async def _finalize(interaction: discord.Interaction, clip_id: int) -> None:
    studio = host_of(interaction).studio

    async def submit(member: Member, origin: dict[str, Any]) -> Accepted:
        return await finalize(studio, member, clip_id, origin=origin)

    await queue_from_interaction(interaction, submit)


def deleted_message(clip_id: int, by: str) -> dict[str, Any]:
    return {"content": _("🗑️ Clip #{clip_id} was deleted by {member}.", clip_id=clip_id, member=by),
            "embeds": [], "attachments": [], "view": None}


async def _delete(interaction: discord.Interaction, clip_id: int) -> None:
    bot = host_of(interaction)
    member, _settings = await interaction_member(bot.studio, interaction)
    clip = await bot.studio.delete_clip(member, clip_id)
    gone = deleted_message(clip_id, member.name)
    if interaction.message is not None and interaction.message.id == clip.posted_message_id:
        await interaction.response.edit_message(**gone)
    else:
        await send_ephemeral(interaction, _("Deleted clip #{clip_id}.", clip_id=clip_id))
        if clip.posted_message_id is None or clip.channel_id is None:
            return
        channel = bot.get_partial_messageable(clip.channel_id, guild_id=clip.guild_id)
        try:
            await channel.get_partial_message(clip.posted_message_id).edit(**gone)
        except discord.HTTPException:
            return  # already gone, or no access: the clip is deleted either way
    if clip.posted_message_id is not None and clip.channel_id is not None:
        # The line names who deleted it: forgetting them takes it down (bot.takedown).
        await bot.studio.record_post(shown.deleted_post(clip.posted_message_id, clip.channel_id, clip.guild_id,
                                                        clip_id, member.id))


async def _details(interaction: discord.Interaction, clip_id: int) -> None:
    studio = host_of(interaction).studio
    member, _settings = await interaction_member(studio, interaction)
    clip = await studio.visible_clip(member, clip_id)
    await send_ephemeral(interaction, embed=embeds.details_embed(clip, remixing.shot_details(clip)))


CLIP_ACTIONS: dict[str, Action] = {
    "remix": Action(N_("Remix"), discord.ButtonStyle.primary, "✏️", _open_remix_modal, row=0),
    "reroll": Action(N_("Re-roll"), discord.ButtonStyle.secondary, "🎲", _reroll, row=0),
    # Midjourney's name: the same composition with new detail (studio.variations); Re-roll is the strong one.
    "subtle": Action(N_("Vary (subtle)"), discord.ButtonStyle.secondary, "🪶", _vary_subtle, row=0),
    # A new look for the same shots ("vary" in its custom_id, so buttons posted before the rename still work).
    "vary": Action(N_("Restyle"), discord.ButtonStyle.secondary, "🎨", _vary, row=0),
    "extend": Action(N_("Extend"), discord.ButtonStyle.secondary, "➕", _extend, row=0),
    "submit": Action(N_("Enter challenge"), discord.ButtonStyle.success, "🏆", enter_clip, row=1),
    "details": Action(N_("Details"), discord.ButtonStyle.secondary, "📜", _details, row=1),
    "delete": Action(N_("Delete"), discord.ButtonStyle.danger, "🗑️", _delete, row=1),
    "finalize": Action(N_("Finalize"), discord.ButtonStyle.success, "✨", _finalize, row=1),
}
ClipButton = action_buttons("clip", CLIP_ACTIONS, stale="`/remix`")


class RemixModal(SpeaksMemberLanguage, discord.ui.Modal):
    def __init__(self, clip_id: int) -> None:
        # Built per member, in their language (the remix parser reads English and Chinese changes alike).
        super().__init__(title=_("Remix clip #{clip_id}", clip_id=clip_id), custom_id=f"reelbot:remix:{clip_id}",
                         timeout=900)
        self.change: discord.ui.TextInput = discord.ui.TextInput(
            label=_("What should change?"),
            style=discord.TextStyle.paragraph,
            placeholder=_("make it noir · shot 2: the monster roars · add: it falls asleep · swap 1 and 2"),
            max_length=600,
            custom_id="change",
        )
        self.shot: discord.ui.TextInput = discord.ui.TextInput(
            label=_("Shot number (optional)"), required=False, max_length=2, placeholder=_("e.g. 2"),
            custom_id="shot",
        )
        self.add_item(self.change)
        self.add_item(self.shot)
        self.clip_id = clip_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        change = remixing.parse_change(self.change.value, to_shot_number(self.shot.value))
        await queue_remix(interaction, self.clip_id, change)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await report_error(interaction, error)


# --- cancelling -------------------------------------------------------------------------------------


class CancelJobButton(SpeaksMemberLanguage, discord.ui.DynamicItem[discord.ui.Button], template=r"reelbot:job:cancel:(?P<job_id>[0-9]+)"):
    """On a status message: stops the render (the requester, or an admin)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=_("Cancel"), style=discord.ButtonStyle.secondary, emoji="✖️",
                              custom_id=f"reelbot:job:cancel:{job_id}")
        )
        self.job_id = job_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> "CancelJobButton":
        return cls(int(match["job_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            studio = host_of(interaction).studio
            member, _settings = await interaction_member(studio, interaction)
            job = await studio.cancel(member, self.job_id)
            await send_ephemeral(interaction, _("Cancelled clip #{clip_id}.", clip_id=job.clip_id))
        except Exception as error:
            await report_error(interaction, error)


def cancel_view(job_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CancelJobButton(job_id))
    return view


async def queue_listing(studio: Studio, member: Member, *, everyone: bool) -> dict[str, Any]:
    """`/queue`'s message: the jobs with their place and ETA, and a menu to cancel the ones you may."""
    if everyone and not member.can_moderate:
        raise StudioError(N_("Only server admins and moderators can see everyone's queue. Try `/queue` for yours."))
    views = await (studio.active_jobs(member.guild_id) if everyone else studio.my_jobs(member))
    cancellable = [view for view in views if view.job.user_id == member.id or member.can_moderate][:25]
    menu = discord.ui.View(timeout=None)
    if cancellable:
        menu.add_item(CancelSelect(everyone, [
            discord.SelectOption(label=_("Cancel clip #{clip_id}", clip_id=view.clip.id), value=str(view.job.id),
                                 description=embeds.clip_text(view.clip.request, 90))
            for view in cancellable
        ]))
    title = _("Everyone's renders") if everyone else _("Your renders")
    return {"content": f"**{title}**\n{embeds.queue_lines(views, show_author=everyone)}", "view": menu}


class CancelSelect(SpeaksMemberLanguage, discord.ui.DynamicItem[discord.ui.Select], template=r"reelbot:queue:cancel:(?P<scope>mine|all)"):
    def __init__(self, everyone: bool, options: list[discord.SelectOption] | None = None) -> None:
        scope = "all" if everyone else "mine"
        super().__init__(
            discord.ui.Select(
                placeholder=_("Cancel a render…"), options=options or [], custom_id=f"reelbot:queue:cancel:{scope}"
            )
        )
        self.everyone = everyone

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> "CancelSelect":
        return cls(match["scope"] == "all", item.options)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            studio = host_of(interaction).studio
            member, _settings = await interaction_member(studio, interaction)
            for value in self.item.values:
                await studio.cancel(member, int(value))
            await interaction.response.edit_message(**await queue_listing(studio, member, everyone=self.everyone))
        except Exception as error:
            await report_error(interaction, error)
