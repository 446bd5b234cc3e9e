"""Discord JSON shapes for the fake's records, as discord.py 2.7 parses them."""

from __future__ import annotations

from typing import Any

from .models import (
    FakeAttachment, FakeChannel, FakeGuild, FakeInteraction, FakeMember, FakeMessage, FakeRole, FakeUser,
)


def premium_tier_for(filesize_limit: int) -> int:
    # discord.py derives Guild.filesize_limit from premium_tier: 2 -> 50 MiB, 3 -> 100 MiB, else 10 MiB.
    if filesize_limit >= 100 * 1024 * 1024:
        return 3
    if filesize_limit >= 50 * 1024 * 1024:
        return 2
    return 0


def user_payload(user: FakeUser) -> dict[str, Any]:
    return {
        "id": str(user.id), "username": user.name, "discriminator": "0", "global_name": user.global_name,
        "avatar": None, "bot": user.bot, "public_flags": 0, "flags": 0, "primary_guild": None,
    }


def role_payload(role: FakeRole) -> dict[str, Any]:
    return {
        "id": str(role.id), "name": role.name, "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False, "icon": None, "unicode_emoji": None, "position": role.position,
        "permissions": str(role.permissions), "managed": role.managed, "mentionable": False, "flags": 0,
    }


def member_payload(member: FakeMember, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "roles": [str(r) for r in member.role_ids], "nick": member.nick, "avatar": None, "banner": None,
        "joined_at": member.joined_at, "premium_since": None, "deaf": False, "mute": False, "flags": 0,
        "pending": False, "communication_disabled_until": None,
    }
    if with_user:
        payload["user"] = user_payload(member.user)
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def channel_payload(channel: FakeChannel, bot_user_id: int) -> dict[str, Any]:
    if channel.type == 1:
        assert channel.recipient is not None
        return {"id": str(channel.id), "type": 1, "last_message_id": None, "flags": 0,
                "recipients": [user_payload(channel.recipient)]}
    overwrites = []
    if channel.bot_denied:
        overwrites.append({"id": str(bot_user_id), "type": 1, "allow": "0", "deny": str(channel.bot_denied)})
    return {
        "id": str(channel.id), "type": channel.type, "guild_id": str(channel.guild_id), "name": channel.name,
        "position": channel.position, "permission_overwrites": overwrites, "topic": channel.topic, "nsfw": False,
        "parent_id": None, "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
    }


def guild_payload(guild: FakeGuild) -> dict[str, Any]:
    """The REST guild object (GET /guilds/{id}); GUILD_CREATE adds members, channels and friends."""
    return {
        "id": str(guild.id), "name": guild.name, "icon": None, "splash": None, "discovery_splash": None,
        "banner": None, "description": None, "owner_id": str(guild.owner_id), "region": None,
        "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "features": [],
        "premium_tier": premium_tier_for(guild.filesize_limit), "premium_subscription_count": 0,
        "preferred_locale": guild.locale, "system_channel_id": None, "system_channel_flags": 0,
        "rules_channel_id": None, "public_updates_channel_id": None, "vanity_url_code": None,
        "max_members": 500000, "max_video_channel_users": 25, "roles": [role_payload(r) for r in guild.roles.values()],
        "emojis": [], "stickers": [],
    }


def guild_create_payload(guild: FakeGuild, bot_user_id: int) -> dict[str, Any]:
    payload = guild_payload(guild)
    payload.update({
        "unavailable": False, "large": False, "joined_at": guild.members[bot_user_id].joined_at,
        # member_count equal to the members sent, so discord.py considers the guild chunked
        "member_count": len(guild.members),
        "members": [member_payload(m) for m in guild.members.values()],
        "channels": [channel_payload(c, bot_user_id) for c in guild.channels.values()],
        "threads": [], "voice_states": [], "presences": [], "stage_instances": [],
        "guild_scheduled_events": [], "soundboard_sounds": [],
    })
    return payload


def attachment_payload(attachment: FakeAttachment) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(attachment.id), "filename": attachment.filename, "size": attachment.size,
        "url": attachment.url, "proxy_url": attachment.url, "content_type": attachment.content_type,
    }
    if attachment.description is not None:
        payload["description"] = attachment.description
    if attachment.ephemeral:
        payload["ephemeral"] = True
    return payload


def message_payload(
    message: FakeMessage, *, me_id: int, member: FakeMember | None = None, with_reference: bool = True
) -> dict[str, Any]:
    """A message as REST returns it (me_id: the bot's user id, for reactions' `me`); pass member for the
    gateway's MESSAGE_CREATE/UPDATE variant."""
    payload: dict[str, Any] = {
        "id": str(message.id), "channel_id": str(message.channel_id), "author": user_payload(message.author),
        "content": message.content, "timestamp": message.timestamp, "edited_timestamp": message.edited_timestamp,
        "tts": False, "mention_everyone": False,
        "mentions": [user_payload(u) for u in message.mentions], "mention_roles": [],
        "attachments": [attachment_payload(a) for a in message.attachments], "embeds": message.embeds,
        "components": message.components, "pinned": False, "type": message.type, "flags": message.flags,
    }
    if message.guild_id is not None:
        payload["guild_id"] = str(message.guild_id)
    if message.nonce is not None:
        payload["nonce"] = message.nonce
    if member is not None:
        payload["member"] = member_payload(member, with_user=False)
    if message.webhook_id is not None:
        payload["webhook_id"] = str(message.webhook_id)
        payload["application_id"] = str(message.webhook_id)
    if message.reactions:
        payload["reactions"] = [
            {"emoji": emoji_payload(emoji), "count": len(users), "count_details": {"burst": 0, "normal": len(users)},
             "me": me_id in users, "me_burst": False, "burst_colors": []}
            for emoji, users in message.reactions.items() if users
        ]
    if message.interaction is not None:
        ix = message.interaction
        payload["interaction_metadata"] = interaction_metadata(ix, message)
        if ix.type == 2:
            user = ix.user.user if isinstance(ix.user, FakeMember) else ix.user
            payload["interaction"] = {"id": str(ix.id), "type": 2, "name": ix.data["name"], "user": user_payload(user)}
    if message.reference is not None and with_reference:
        ref = message.reference
        payload["message_reference"] = {
            "type": 0, "message_id": str(ref.id), "channel_id": str(ref.channel_id),
            **({"guild_id": str(ref.guild_id)} if ref.guild_id else {}),
        }
        payload["referenced_message"] = None if ref.deleted else message_payload(ref, me_id=me_id, with_reference=False)
    return payload


def interaction_metadata(ix: FakeInteraction, message: FakeMessage | None = None) -> dict[str, Any]:
    """The `interaction_metadata` of `message`, which `ix` created: a command's (type 2), a component
    click's with the clicked message (3), or a modal submit's with the interaction that opened the modal
    (5); a follow-up's names the original response."""
    user = ix.user.user if isinstance(ix.user, FakeMember) else ix.user
    owners = {"0": str(ix.guild_id)} if ix.guild_id else {"1": str(user.id)}
    metadata: dict[str, Any] = {
        "id": str(ix.id), "type": ix.type, "user": user_payload(user), "authorizing_integration_owners": owners,
    }
    if ix.original is not None and message is not None and message is not ix.original:
        metadata["original_response_message_id"] = str(ix.original.id)
    if ix.type == 3 and ix.message is not None:
        metadata["interacted_message_id"] = str(ix.message.id)
    if ix.type == 5 and ix.trigger is not None:
        metadata["triggering_interaction_metadata"] = interaction_metadata(ix.trigger)
    return metadata


def emoji_payload(emoji: str) -> dict[str, Any]:
    """'👍' or a custom 'name:id' (the form used in reaction routes)."""
    name, _, emoji_id = emoji.partition(":")
    return {"id": emoji_id or None, "name": name}

