"""Answering interactions: the public "thinking…" placeholder that becomes a status message, and friendly,
ephemeral errors that work whether or not the interaction was already acknowledged."""
from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.i18n import N_, _, error_message
from bot.incidents import incident
from common.errors import ReelbotError

log = logging.getLogger(__name__)

# interaction.extras key: a public deferred response nothing has filled yet.
_PLACEHOLDER = "reelbot_placeholder"
# What the bot needs to post a finished clip, besides the right to send (which depends on the channel kind).
POSTING_PERMISSIONS = ("attach_files", "embed_links")
# Threads and forum posts: Send Messages in Threads, not the parent's Send Messages, decides (Discord's
# permissions docs: SEND_MESSAGES "does not apply to threads").
THREAD_TYPES = frozenset(
    {discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread}
)


async def defer_placeholder(interaction: discord.Interaction) -> int:
    """Acknowledge with a public "thinking…" message and return its id (the clip's status message)."""
    callback = await interaction.response.defer(thinking=True)
    interaction.extras[_PLACEHOLDER] = True
    message_id = callback.message_id if callback is not None else None
    if message_id is None:
        message_id = (await interaction.original_response()).id
    return message_id


async def fill_placeholder(interaction: discord.Interaction, **kwargs: Any) -> discord.WebhookMessage:
    message = await interaction.followup.send(wait=True, **kwargs)
    interaction.extras.pop(_PLACEHOLDER, None)
    return message


async def send_ephemeral(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Reply only the member sees, in whatever state the interaction is."""
    if not interaction.response.is_done():
        await interaction.response.send_message(content, ephemeral=True, **kwargs)
        return
    if interaction.extras.pop(_PLACEHOLDER, False):
        # The first follow-up would fill the public placeholder (and stay public): remove it instead.
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.debug("could not delete the placeholder of interaction %s", interaction.id)
    await interaction.followup.send(content, ephemeral=True, **kwargs)


def check_bot_can_post(interaction: discord.Interaction) -> None:
    """Refuse up front (rather than after a render) where the bot could not post the finished clip."""
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    missing = missing_posting_permissions(interaction.app_permissions, interaction.channel)
    if missing:
        raise app_commands.BotMissingPermissions(missing)


def send_permission(channel: object) -> str:
    """The permission that lets the bot send in `channel`: Send Messages in Threads in a thread or forum
    post, Send Messages elsewhere."""
    return "send_messages_in_threads" if getattr(channel, "type", None) in THREAD_TYPES else "send_messages"


def missing_posting_permissions(permissions: discord.Permissions, channel: object) -> list[str]:
    """The permissions (names as discord.Permissions spells them) the bot lacks to post a clip in `channel`."""
    needed = (send_permission(channel), *POSTING_PERMISSIONS)
    return [name for name in needed if not getattr(permissions, name)]


# Discord's names of the permissions the bot asks for, as its client shows them.
PERMISSION_NAMES = {
    "send_messages": N_("Send Messages"),
    "attach_files": N_("Attach Files"),
    "embed_links": N_("Embed Links"),
    "manage_guild": N_("Manage Server"),
    "read_message_history": N_("Read Message History"),
    "add_reactions": N_("Add Reactions"),
}


def permission_names(names: list[str]) -> str:
    """`Send Messages, Attach Files and Embed Links`, in the current language."""
    words = [_(PERMISSION_NAMES[name]) if name in PERMISSION_NAMES else name.replace("_", " ").title()
             for name in names]
    if len(words) == 1:
        return words[0]
    return _("{items} and {last}", items=_(", ").join(words[:-1]), last=words[-1])


def error_text(error: BaseException) -> str | None:
    """The member-facing text for an error; None for a bug (log it, apologise)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    elif isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, ReelbotError):
        return error_message(error)
    if isinstance(error, app_commands.MissingPermissions):
        return _("You need the {permissions} permission to do that.",
                 permissions=permission_names(error.missing_permissions))
    if isinstance(error, app_commands.BotMissingPermissions):
        return _(
            "I can't post clips in this channel: I'm missing {permissions}. "
            "Ask a server admin to give me those permissions here, or use another channel.",
            permissions=permission_names(error.missing_permissions),
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return _("That only works in a server channel, not in direct messages.")
    if isinstance(error, app_commands.CommandOnCooldown):
        return _("Slow down a little: try again in {seconds:.0f}s.", seconds=error.retry_after)
    if isinstance(error, app_commands.TransformerError):
        return _("I couldn't understand `{value}` there; check that option and try again.",
                 value=str(error.value)[:40])
    if isinstance(error, app_commands.CheckFailure):
        return _("You can't use that here.")
    if isinstance(error, discord.Forbidden):
        return _("Discord didn't let me do that here: I'm probably missing a permission in this channel.")
    return None


def _original(error: BaseException) -> BaseException:
    return error.original if isinstance(error, app_commands.CommandInvokeError) else error


def _what(interaction: discord.Interaction) -> str:
    """The command or component an interaction used, for the incident's log line."""
    command = interaction.command
    if command is not None:
        return f"/{command.qualified_name}"
    data: dict = dict(interaction.data or {})
    return str(data.get("custom_id") or data.get("name") or interaction.type.name)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    text = error_text(error)
    if text is None:
        text = incident(f"interaction {interaction.id} ({_what(interaction)})", _original(error))
    try:
        await send_ephemeral(interaction, text)
    except discord.HTTPException:
        # Expired (15 minutes) or deleted: nobody is left to tell.
        log.warning("could not report an error to interaction %s: %s", interaction.id, text)
