"""Who is asking, in the core's terms: Discord members become `studio.service.Member`."""
from __future__ import annotations

import discord

from bot.i18n import supported
from bot.origin import TRANSPORT
from studio.records import GuildSettings
from studio.members import Member
from studio.service import Studio


def can_moderate(permissions: discord.Permissions, role_ids: tuple[int, ...], settings: GuildSettings) -> bool:
    """Server managers, plus the roles a guild named as moderators, may act on others' work."""
    return permissions.manage_guild or any(role in settings.moderator_roles for role in role_ids)


def _role_ids(user: discord.abc.User) -> tuple[int, ...]:
    return tuple(role.id for role in getattr(user, "roles", ()))


async def interaction_member(studio: Studio, interaction: discord.Interaction) -> tuple[Member, GuildSettings]:
    settings = await studio.settings(interaction.guild_id)
    role_ids = _role_ids(interaction.user)
    member = Member(
        id=interaction.user.id,
        name=interaction.user.display_name,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        can_moderate=interaction.guild_id is not None and can_moderate(interaction.permissions, role_ids, settings),
        role_ids=role_ids,
        transport=TRANSPORT,
        language=supported(str(interaction.locale)) if interaction.locale is not None else None,
    )
    return member, settings


async def message_member(studio: Studio, message: discord.Message) -> tuple[Member, GuildSettings]:
    guild_id = message.guild.id if message.guild else None
    settings = await studio.settings(guild_id)
    role_ids = _role_ids(message.author)
    permissions = message.channel.permissions_for(message.author)  # type: ignore[union-attr, arg-type]
    member = Member(
        id=message.author.id,
        name=message.author.display_name,
        guild_id=guild_id,
        channel_id=message.channel.id,
        can_moderate=guild_id is not None and can_moderate(permissions, role_ids, settings),
        role_ids=role_ids,
        transport=TRANSPORT,
    )
    return member, settings
