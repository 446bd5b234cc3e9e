"""Which language a Discord member or channel gets, and slash commands in every catalog language.

Order for a member (an interaction): the member's client language (`interaction.locale`), the server's
Discord language (`interaction.guild_locale`), the server's `language` setting, English. Messages posted for
everyone (clip posts, announcements, results) use `server_language`: the setting, then the server's Discord
language (`Guild.preferred_locale`), then English. Locales as Discord names them:
https://discord.com/developers/docs/reference#locales
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.host import host_of
from bot.i18n import languages, negotiate, say_in, set_language, supported, translations
from common.text import Text

if TYPE_CHECKING:
    from studio.service import Studio

# gettext contexts of command, option and choice names: a name ("seed") is a different word from a
# sentence that happens to be spelled the same, and Discord restricts what a name may be.
NAME_CONTEXTS: dict[app_commands.TranslationContextLocation, str] = {
    app_commands.TranslationContextLocation.command_name: "command",
    app_commands.TranslationContextLocation.group_name: "command",
    app_commands.TranslationContextLocation.parameter_name: "option",
    app_commands.TranslationContextLocation.choice_name: "choice",
}


async def member_language(studio: "Studio", interaction: discord.Interaction) -> str:
    """The language to answer `interaction` in (see the module's docstring for the order)."""
    for tag in (interaction.locale, interaction.guild_locale):
        language = supported(str(tag)) if tag is not None else None
        if language is not None:
            return language
    if interaction.guild_id is not None:
        return negotiate((await studio.settings(interaction.guild_id)).language)
    return negotiate(None)


async def server_language(studio: "Studio", client: discord.Client, guild_id: int | None) -> str:
    """The language of messages posted to a server's channels for everyone to read."""
    if guild_id is None:
        return negotiate(None)
    setting = (await studio.settings(guild_id)).language
    guild = client.get_guild(guild_id)
    return negotiate(setting, str(guild.preferred_locale) if guild is not None else None)


async def speak_to(interaction: discord.Interaction) -> bool:
    """Make the member's language current for this interaction's task; always True (an interaction_check)."""
    set_language(await member_language(host_of(interaction).studio, interaction))
    return True


def server_speaking(studio: "Studio", client: discord.Client) -> Callable[[int | None], Awaitable[Callable[[Text], str]]]:
    """For the core's images posted to a server (the leaderboard): guild id -> its `server_language`'s `say`."""

    async def speaking(guild_id: int | None) -> Callable[[Text], str]:
        return functools.partial(say_in, await server_language(studio, client, guild_id))

    return speaking


class SpeaksMemberLanguage:
    """Mixin for components and modals: their callbacks answer in the member's language.

    discord.py runs every component interaction in its own task and calls `interaction_check` first."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await speak_to(interaction)


class CatalogTranslator(app_commands.Translator):
    """Slash command names, descriptions, options and choices from the gettext catalogs
    (`name_localizations` / `description_localizations` in the synced payloads)."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext[Any, Any]
    ) -> str | None:
        language = supported(locale.value)
        if language is None or language == languages()[0]:
            return None
        catalog = translations(language)
        name_context = NAME_CONTEXTS.get(context.location)
        message = string.message
        translated = catalog.pgettext(name_context, message) if name_context else catalog.gettext(message)
        return translated if translated != message else None
