"""/forget me and /forget member: a member's data leaves Reelbot (Red-DiscordBot's `red_delete_data_for_user`).

The core deletes or anonymizes the records (`Studio.forget`); this cog then edits or takes down every message
of the bot that showed the member (bot.takedown), so nothing of theirs stays on show.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.forget_texts import forget_warning, forgotten_text
from bot.i18n import _
from bot.i18n.discord import SpeaksMemberLanguage
from bot.members import interaction_member
from bot.replies import report_error
from bot.takedown import take_down
from studio.records import Forgotten

if TYPE_CHECKING:
    from bot.app import ReelBot

log = logging.getLogger(__name__)


class ForgetCog(commands.Cog):
    forget = app_commands.Group(name="forget", description="Make Reelbot forget a member's data")

    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot

    @forget.command(name="me", description="Delete your requests, clips, votes and profile from Reelbot")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)

        async def forget(confirmed: discord.Interaction) -> None:
            forgotten = await self.bot.studio.forget(member)
            await self._take_down(forgotten)
            await confirmed.edit_original_response(content=forgotten_text(forgotten, None), view=None)

        await interaction.response.send_message(
            forget_warning(None),
            view=ConfirmForget(interaction.user.id, forget), ephemeral=True)

    @forget.command(name="member", description="Delete a member's Reelbot data in this server (admins, moderators)")
    @app_commands.guild_only()
    @app_commands.describe(member="Whose data to forget")
    async def forget_member(self, interaction: discord.Interaction, member: discord.User) -> None:
        moderator, _settings = await interaction_member(self.bot.studio, interaction)
        self.bot.studio.check_may_forget(moderator, member.id)  # refused before any button is offered
        name = member.display_name

        async def forget(confirmed: discord.Interaction) -> None:
            forgotten = await self.bot.studio.forget(moderator, member.id)
            await self._take_down(forgotten)
            await confirmed.edit_original_response(content=forgotten_text(forgotten, name), view=None)

        await interaction.response.send_message(
            forget_warning(name),
            view=ConfirmForget(interaction.user.id, forget), ephemeral=True)

    async def _take_down(self, forgotten: Forgotten) -> None:
        # The member's reply is private and in their language; the messages redrawn are everyone's.
        await take_down(self.bot, forgotten)


class ConfirmForget(SpeaksMemberLanguage, discord.ui.View):
    """The one button that carries out a forget, for the member who asked (an ephemeral message, so a
    restart simply means asking again)."""

    def __init__(self, asker_id: int, forget: Callable[[discord.Interaction], Awaitable[None]]) -> None:
        super().__init__(timeout=300)
        self.asker_id = asker_id
        self.forget = forget
        button: discord.ui.Button = discord.ui.Button(label=_("Forget"), style=discord.ButtonStyle.danger,
                                                      emoji="🗑️")  # fmt: skip
        button.callback = self._confirm  # type: ignore[method-assign]
        self.add_item(button)

    async def _confirm(self, interaction: discord.Interaction) -> None:
        self.stop()
        await interaction.response.defer()
        try:
            await self.forget(interaction)
        except Exception as error:
            await report_error(interaction, error)


async def setup(bot: "ReelBot") -> None:
    await bot.add_cog(ForgetCog(bot))
