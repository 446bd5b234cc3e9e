"""The relay's buttons: Add a shot (a modal asking what happens next) and Film so far, and the flow that
queues a turn like any other clip, so the delivery loop posts it (and the grown film) when it's rendered."""
from __future__ import annotations

import asyncio
from typing import Any

import discord

from bot.i18n import N_, _
from bot.i18n.discord import SpeaksMemberLanguage
from bot.stages import pending_text
from bot.buttons import Action, action_buttons, buttons_view
from bot.challenge_embeds import film_so_far_text, name_of
from bot.challenge_views import service_of
from bot.host import host_of
from bot.members import interaction_member
from bot.origin import upload_limit
from bot.uploads import fit_video
from bot.replies import report_error
from bot.views import queue_from_interaction
from studio.challenges import MAX_TURN_CHARS
from studio.errors import StudioError
from studio.members import Member
from studio.requests import Accepted


def relay_buttons(challenge_id: int) -> discord.ui.View:
    return buttons_view(RelayButton, RELAY_ACTIONS, challenge_id)


async def _open_turn_modal(interaction: discord.Interaction, challenge_id: int) -> None:
    service = service_of(interaction)
    member, _settings = await interaction_member(service.studio, interaction)
    view = await service.show(member, challenge_id)  # a closed relay fails here, not after the member typed
    if not view.is_open:
        raise StudioError(N_("{challenge} has ended, so new shots are closed."), challenge=name_of(view.challenge))
    await interaction.response.send_modal(TurnModal(challenge_id, len(view.turns) + 1))


class TurnModal(SpeaksMemberLanguage, discord.ui.Modal):
    def __init__(self, challenge_id: int, position: int) -> None:
        super().__init__(title=_("Shot {position} of relay #{challenge_id}", position=position,
                                 challenge_id=challenge_id), custom_id=f"reelbot:turn:{challenge_id}", timeout=900)
        self.text: discord.ui.TextInput = discord.ui.TextInput(
            label=_("What happens next?"),
            style=discord.TextStyle.paragraph,
            placeholder=_("the ship appears through the rain"),
            max_length=MAX_TURN_CHARS,
            custom_id="text",
        )
        self.add_item(self.text)
        self.challenge_id = challenge_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await queue_turn(interaction, self.text.value, self.challenge_id)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await report_error(interaction, error)


async def queue_turn(interaction: discord.Interaction, text: str, challenge_id: int | None) -> Accepted:
    """Queue the member's shot like a /video request: a status message, then the clip and the grown film."""
    service = service_of(interaction)

    async def submit(member: Member, origin: dict[str, Any]) -> Accepted:
        return (await service.relay_add(member, text, challenge_id, origin=origin)).accepted

    return await queue_from_interaction(interaction, submit)


async def send_film(interaction: discord.Interaction, challenge_id: int | None) -> None:
    """The relay's film so far, only to the member asking."""
    service = service_of(interaction)
    member, settings = await interaction_member(service.studio, interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    film = await service.relay_film(member, challenge_id)
    if film.path is None:
        text = (_("No shot of this relay is rendered yet ({pending}).", pending=pending_text(film.pending))
                if film.pending else _("No shot of this relay is rendered yet."))
        await interaction.followup.send(text, ephemeral=True)
        return
    found = await service.relay_turn_of(film.shots[0].turn.clip_id)  # type: ignore[arg-type]
    assert found is not None  # the film is made of the relay's turns
    limit = upload_limit(interaction.filesize_limit, settings)
    uploads = host_of(interaction).delivery.upload_dir
    video, note = await asyncio.to_thread(fit_video, film.path, limit, uploads)
    files = [discord.File(video, filename=f"relay-{found[0].id}.mp4")] if video is not None else []
    await interaction.followup.send(film_so_far_text(found[0], film, note=note), files=files, ephemeral=True)


RELAY_ACTIONS: dict[str, Action] = {
    "add": Action(N_("Add a shot"), discord.ButtonStyle.primary, "➕", _open_turn_modal),
    "film": Action(N_("Film so far"), discord.ButtonStyle.secondary, "🎞️", send_film),
}
RelayButton = action_buttons("relay", RELAY_ACTIONS, stale="`/relay add`")
