"""/queue: your renders (or, for admins, everyone's) with their place, ETA and a menu to cancel."""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.members import interaction_member
from bot.views import CancelJobButton, CancelSelect, queue_listing

if TYPE_CHECKING:
    from bot.app import ReelBot


class QueueCog(commands.Cog):
    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Cancel buttons and menus of any listing ever shown are routed by custom_id.
        self.bot.add_dynamic_items(CancelJobButton, CancelSelect)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CancelJobButton, CancelSelect)

    @app_commands.command(name="queue", description="Your renders: place in the queue, ETA, cancel")
    @app_commands.guild_only()
    @app_commands.describe(scope="Your renders, or everyone's (admins and moderators)")
    async def queue(self, interaction: discord.Interaction, scope: Literal["mine", "all"] = "mine") -> None:
        member, _settings = await interaction_member(self.bot.studio, interaction)
        listing = await queue_listing(self.bot.studio, member, everyone=scope == "all")
        await interaction.response.send_message(ephemeral=True, **listing)


async def setup(bot: "ReelBot") -> None:
    await bot.add_cog(QueueCog(bot))
