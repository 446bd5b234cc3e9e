"""The cast in Discord beyond its slash commands: the owner's private approval prompt with its persistent
buttons, and the round that works through what the database says is due (studio.cast.approvals):
owners asked once by direct message, requests that waited finished and shown in their status message,
requesters told once of a refusal or a timeout, owners told of their characters' uses.

Nothing lives in memory: a prompt's buttons name the approval (`reelbot:cast:approve:<id>`), and every
step is recorded before the next round, so a restart neither asks twice nor forgets to tell.
"""
from __future__ import annotations

import asyncio
import logging

import discord

from bot.buttons import Action, action_buttons, buttons_view
from bot.embeds import message_link
from bot.host import ReelHost, host_of
from bot.i18n import N_, _, error_message, say, use
from bot.i18n.discord import server_language
from bot.incidents import incident
from bot.members import interaction_member
from bot.origin import TRANSPORT, Origin
from bot.views import clip_credits
from common.errors import ReelbotError
from studio.cast import approvals
from studio.cast.approvals import Waiting
from studio.records import CastCredit, Clip

log = logging.getLogger(__name__)


async def _answer(interaction: discord.Interaction, approval_id: int, approve: bool) -> None:
    host = host_of(interaction)
    member, _settings = await interaction_member(host.studio, interaction)
    decided = await approvals.decide(host.studio, member, approval_id, approve)
    values = {"characters": decided.characters, "request_id": decided.request.id}
    if approve:
        answered = _("✅ You approved {characters} for request #{request_id}.", **values)
    else:
        answered = _("🚫 You declined {characters} for request #{request_id}; {requester} will be told.", **values,
                     requester=decided.request.user_name)
    await interaction.response.edit_message(content=answered, view=None)
    if approve:
        await finish(host, decided)


async def _approve(interaction: discord.Interaction, approval_id: int) -> None:
    await _answer(interaction, approval_id, True)


async def _decline(interaction: discord.Interaction, approval_id: int) -> None:
    await _answer(interaction, approval_id, False)


APPROVAL_ACTIONS: dict[str, Action] = {
    "approve": Action(N_("Approve"), discord.ButtonStyle.success, "✅", _approve),
    "decline": Action(N_("Decline"), discord.ButtonStyle.danger, "✖️", _decline),
}
ApprovalButton = action_buttons("cast", APPROVAL_ACTIONS, stale="`/cast waiting`")


def approval_view(approval_id: int) -> discord.ui.View:
    """Approve and Decline for one approval."""
    return buttons_view(ApprovalButton, APPROVAL_ACTIONS, approval_id)


async def finish(host: ReelHost, waiting: Waiting) -> None:
    """Plan and queue a request its owners approved, and show it in its status message (the delivery loop
    takes over from there); a refusal at planning is shown there instead."""
    origin = Origin.from_dict(waiting.request.origin)
    try:
        accepted = await approvals.finish(host.studio, waiting.request)
    except ReelbotError as error:
        if origin is not None:
            with use(origin.language):
                await host.delivery.edit_status(origin, content=f"⚠️ {error_message(error)}")
        return
    if accepted is None or origin is None:
        return
    with use(origin.language):
        credits = await clip_credits(host.studio, accepted.clip, yours=True)
        await host.delivery.edit_status(origin, **await host.delivery.status(accepted, credit=credits.remix))


class CastRound:
    """The cast's work for Discord's requests, one round every `interval` seconds (`run`)."""

    def __init__(self, client: discord.Client, host: ReelHost, *, interval: float = 2.0) -> None:
        self.client = client
        self.host = host
        self.interval = interval

    async def run(self) -> None:
        while True:
            try:
                await self.round()
            except Exception as error:  # one bad round (the database busy) is no reason to stop
                incident("cast round", error)
            await asyncio.sleep(self.interval)

    async def round(self) -> None:
        studio = self.host.studio
        for waiting in await approvals.prompts_to_send(studio, TRANSPORT):
            await self._prompt(waiting)
        await approvals.expire_due(studio)
        for waiting in await approvals.refusals_to_tell(studio, TRANSPORT):
            await self._tell_refusal(waiting)
            await approvals.told(studio, waiting.approval.id)
        for credit, clip in await approvals.uses_to_tell(studio, TRANSPORT):
            await self._tell_use(credit, clip)
            await approvals.use_told(studio, credit)

    async def _dm(self, user_id: int, content: str, **fields: object) -> discord.Message | None:
        """A direct message; None when the member can't be reached (DMs closed, no longer reachable)."""
        try:
            user = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
            return await user.send(content, **fields)  # type: ignore[arg-type]
        except discord.HTTPException as error:
            log.info("could not send a direct message to %s: %s", user_id, error)
            return None

    async def _prompt(self, waiting: Waiting) -> None:
        """Ask the owner privately, once. An owner who can't be reached answers with `/cast waiting`; the
        requester's status message says so."""
        origin = Origin.from_dict(waiting.request.origin)
        with use(await server_language(self.host.studio, self.client, waiting.request.guild_id)):
            sent = await self._dm(waiting.approval.owner_id, f"🎭 {say(waiting.prompt())}",
                                  view=approval_view(waiting.approval.id))
        await approvals.prompted(self.host.studio, waiting.approval.id, channel_id=sent and sent.channel.id,
                                 message_id=sent and sent.id)  # fmt: skip
        if sent is None and origin is not None:
            with use(origin.language):
                await self.host.delivery.edit_status(origin, content=_(
                    "⏳ Request #{request_id} waits for {owner} to approve {characters}. I couldn't reach them by "
                    "direct message: they can answer with `/cast waiting`.", request_id=waiting.request.id,
                    owner=waiting.approval.owner_name, characters=waiting.characters))

    async def _tell_refusal(self, waiting: Waiting) -> None:
        """The requester's status message says how it ended (a direct message if that is gone)."""
        origin = Origin.from_dict(waiting.request.origin)
        language = origin.language if origin is not None else None
        with use(language):
            text = f"🚫 {say(waiting.refusal())}"
            if origin is None or not await self.host.delivery.status_line(origin, text):
                await self._dm(waiting.request.user_id, text)

    async def _tell_use(self, credit: CastCredit, clip: Clip) -> None:
        """Tell the owner, privately, that someone featured their character (with a link to the post)."""
        with use(await server_language(self.host.studio, self.client, clip.guild_id)):
            lines = [f"🎭 {say(approvals.use_text(credit, clip))}"]
            if clip.posted_message_id is not None and clip.channel_id is not None:
                lines.append(message_link(clip.guild_id, clip.channel_id, clip.posted_message_id))
            lines.append(_("Turn these notes off with `/cast edit notify:False`."))
            await self._dm(credit.owner_id, "\n".join(lines))
