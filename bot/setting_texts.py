"""A server setting as members read it, in Discord's `/settings` and the console's: the value in effect
(never a bare None) and where it comes from (`studio.server_settings.ShownSetting`)."""
from __future__ import annotations

import textwrap
from collections.abc import Callable

from bot.i18n import N_, _
from studio.server_settings import ShownSetting

SOURCES = {"server": N_("set here"), "default": N_("default"), "installation": N_("this installation's default")}


def setting_text(shown: ShownSetting, *, channel: Callable[[int], str], role: Callable[[int], str],
                 language: str) -> str:
    """`shown`'s value and source, e.g. "ask (this installation's default)". `channel` and `role` write an id
    as the front-end shows one (Discord: a mention); `language` says whose language applies when the setting
    leaves it to the front-end."""
    return _("{value} ({source})", value=setting_value(shown, channel=channel, role=role, language=language),
             source=_(SOURCES[shown.source]))


def changed_text(shown: ShownSetting, *, channel: Callable[[int], str], role: Callable[[int], str],
                 language: str) -> str:
    """What a setting is after `/settings set`: the value the member just set, or with its source once a reset
    word restored a default ("4 (default)")."""
    words = dict(channel=channel, role=role, language=language)
    return setting_value(shown, **words) if shown.source == "server" else setting_text(shown, **words)


def setting_value(shown: ShownSetting, *, channel: Callable[[int], str], role: Callable[[int], str],
                  language: str) -> str:
    """`shown`'s value alone, in words (`setting_text`)."""
    name, value = shown.name, shown.value
    if name == "allowed_channels":
        return ", ".join(map(channel, value)) or _("every channel")
    if name == "moderator_roles":
        return ", ".join(map(role, value)) or _("none")
    if name == "upload_limit":
        return _("{megabytes:g} MB", megabytes=value / 1024 / 1024)
    if name == "stills_grace_s":
        return _("{seconds} s", seconds=value)
    if name == "language" and value is None:
        return language
    if isinstance(value, list):
        return textwrap.shorten(", ".join(map(str, value)), 200, placeholder="…") or _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return textwrap.shorten(str(value), 200, placeholder="…")
