"""A server's settings as the studio applies them: reading and changing them, the safety policy they make,
and whether a member may ask for videos where they are."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from common.intake import clean_line
from prompts.safety import SafetyPolicy
from storage.aio import AsyncDatabase
from storage.records import GuildSettings
from storage.settings import SETTING_NAMES, get_settings, is_reset, overridden_keys, set_setting, validate_setting
from studio.config import Config
from studio.errors import StudioError
from studio.members import Member
from studio.setting_checks import ServerFacts, check_server_setting, usable


SettingSource = Literal["server", "default", "installation"]


@dataclass(frozen=True)
class ShownSetting:
    """One setting as `/settings show` shows it: its `value` in effect, and where that comes from: the
    server set it ("server"), the built-in default ("default"), or this installation's configuration
    ("installation": `default_model`, `[stills]`). `value` is None only for `language` left to the
    front-end (Discord: the server's Discord language; the console: its `--lang`)."""

    name: str
    value: Any
    source: SettingSource


class ServerSettings:
    """The settings part of `studio.service.Studio`, over its database (`adb`) and configuration (`config`)."""

    config: Config
    adb: AsyncDatabase

    async def settings(self, guild_id: int | None) -> GuildSettings:
        """The server's settings (its overrides over the defaults; the defaults for None); a model stored
        before models were checked that names none falls back to the bot's default."""
        return usable(await self.adb.read(get_settings, guild_id), guild_id)

    async def settings_shown(self, guild_id: int | None) -> list[ShownSetting]:
        """Every setting with the value in effect and its source, in `setting_names` order."""
        settings = await self.settings(guild_id)
        set_here = await self.adb.read(overridden_keys, guild_id)
        installation = {"default_model": self.config.default_model, "stills_first": self.config.stills.first,
                        "stills_grace_s": round(self.config.stills.grace_s),
                        "animate_quality": self.config.stills.animate_quality}  # fmt: skip
        shown = []
        for name in SETTING_NAMES:
            value = getattr(settings, name)
            if name in set_here and value is not None:
                shown.append(ShownSetting(name, value, "server"))
            elif name in installation:
                shown.append(ShownSetting(name, installation[name], "installation"))
            else:
                shown.append(ShownSetting(name, value, "default"))
        return shown

    @staticmethod
    def setting_names() -> tuple[str, ...]:
        """Every per-server setting's name, in the order `/settings show` lists them."""
        return SETTING_NAMES

    async def change_setting(self, guild_id: int, key: str, value: str, *, by_user_id: int,
                             server: ServerFacts | None = None) -> GuildSettings:
        """Set one server setting from the text a member typed (`default` restores the default) and return
        the settings after the change, checked at the door: its type and shape (storage.settings), and that
        a model exists and roles and channels are the server's own (`server`, what the front-end knows of
        it; None checks models only). Who may do this is the front-end's decision (Discord: Manage Server;
        the console: its operator). Raises InvalidValue naming an unknown key, a bad value or a name that
        doesn't exist."""
        key, value = clean_line(key), clean_line(value)
        if not is_reset(value):
            check_server_setting(key, validate_setting(key, value), server)
        return await self.adb.write(set_setting, guild_id, key, value, by_user_id=by_user_id)

    def safety_policy(self, settings: GuildSettings) -> SafetyPolicy:
        """The configured safety policy with the server's level and its extra blocked words."""
        return dataclasses.replace(
            self.config.safety,
            level=settings.safety_level,
            blocklist=[*self.config.safety.blocklist, *settings.blocklist],
        )

    async def check_member_may_request(self, member: Member) -> GuildSettings:
        """The member's server settings, if videos may be requested where the member is. Raises StudioError (code
        "wrong_channel", with `channel_ids`) in a channel the server did not allow."""
        settings = await self.settings(member.guild_id)
        if settings.allowed_channels and member.channel_id not in settings.allowed_channels:
            # `channel_ids` lets a front-end show the channels its own way (Discord: mentions).
            raise StudioError(
                "Videos can't be requested in this channel. Try one of: {channels}.",
                code="wrong_channel",
                channel_ids=tuple(settings.allowed_channels),
                channels=", ".join(f"#{channel}" for channel in settings.allowed_channels),
            )
        return settings
