"""/settings for server admins: allowed channels, default model, limits, safety level, ..."""
from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import _
from bot.embeds import discord_setting_text, settings_embed
from studio.service import Studio
from studio.setting_checks import ServerFacts

if TYPE_CHECKING:
    from bot.app import ReelBot


def matching_settings(current: str) -> list[str]:
    """Autocomplete: setting names containing what was typed so far (Discord shows at most 25)."""
    typed = current.strip().lower().replace(" ", "_")
    return [name for name in Studio.setting_names() if typed in name][:25]


class AdminCog(commands.Cog):
    # Hidden from members without Manage Server by default; the checks below hold even when a server
    # overrides that in its integration settings.
    settings = app_commands.Group(
        name="settings",
        description="Reelbot settings for this server (admins)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot

    @settings.command(name="show", description="Show this server's Reelbot settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def settings_show(self, interaction: discord.Interaction) -> None:
        shown = await self.bot.studio.settings_shown(interaction.guild_id)
        await interaction.response.send_message(embed=settings_embed(shown), ephemeral=True)

    @settings.command(name="set", description="Change one setting (`default` restores the default)")
    @app_commands.describe(key="The setting to change", value="Its new value, e.g. #clips, 3, strict, yes")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def settings_set(
        self, interaction: discord.Interaction, key: str, value: app_commands.Range[str, 1, 500]
    ) -> None:
        guild = interaction.guild
        # The roles and channels a setting may name: this server's own, as Discord sent them.
        server = ServerFacts.of([role.id for role in guild.roles], [c.id for c in (*guild.channels, *guild.threads)]) \
            if guild is not None else None
        await self.bot.studio.change_setting(interaction.guild_id, key, value, by_user_id=interaction.user.id,
                                             server=server)
        [changed] = [s for s in await self.bot.studio.settings_shown(interaction.guild_id) if s.name == key.strip()]
        shown = discord_setting_text(changed, changed=True)
        await interaction.response.send_message(_("✅ `{key}` is now {value}.", key=key.strip(), value=shown),
                                                ephemeral=True)

    @settings_set.autocomplete("key")
    async def _key_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in matching_settings(current)]


async def setup(bot: "ReelBot") -> None:
    await bot.add_cog(AdminCog(bot))
