"""Per-server settings checked against what they name, at the door: a model that exists, roles and
channels of that very server. Storage checks types and shapes (`storage.settings`); this module checks
meaning, which needs the model registry and the front-end's view of the server.

Found by the round's probes: `default_model ../../etc/passwd` was stored (and then every `/video` in the
server was refused), `moderator_roles -1` became the mention `<@&-1>`.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from common.errors import InvalidValue
from generation.registry import ALIASES, PRESETS
from storage.records import GuildSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerFacts:
    """What a front-end knows of a server, to check settings against: its role ids and its channel ids
    (Discord: the guild's roles and channels). None: the front-end has no such things (the console),
    and only the shape of ids is checked."""

    role_ids: frozenset[int] | None = None
    channel_ids: frozenset[int] | None = None

    @classmethod
    def of(cls, role_ids: Collection[int] | None, channel_ids: Collection[int] | None) -> "ServerFacts":
        return cls(None if role_ids is None else frozenset(role_ids),
                   None if channel_ids is None else frozenset(channel_ids))


def known_models() -> list[str]:
    """Every preset name a setting may name, aliases included."""
    return [*PRESETS, *ALIASES]


def check_server_setting(key: str, value: Any, facts: ServerFacts | None) -> None:
    """Raise InvalidValue when an already-typed `value` of `key` names something that doesn't exist: an
    unknown model preset, a role or channel not in the server (`facts`)."""
    if key == "default_model" and value is not None and value not in known_models():
        raise InvalidValue("There is no model called `{value}`. Models: {models}.", code="unknown_model",
                           value=value, models=", ".join(PRESETS))
    if facts is None:
        return
    if key == "moderator_roles" and facts.role_ids is not None:
        unknown = [role for role in value if role not in facts.role_ids]
        if unknown:
            raise InvalidValue("This server has no role with the id {ids}.", code="unknown_role",
                               ids=", ".join(map(str, unknown)))
    if key == "allowed_channels" and facts.channel_ids is not None:
        unknown = [channel for channel in value if channel not in facts.channel_ids]
        if unknown:
            raise InvalidValue("This server has no channel with the id {ids}.", code="unknown_channel",
                               ids=", ".join(map(str, unknown)))


def usable(settings: GuildSettings, guild_id: int | None = None) -> GuildSettings:
    """`settings` with values stored before these checks that name no model dropped to the default (a
    server is never left unable to make videos by an old row)."""
    if settings.default_model is not None and settings.default_model not in known_models():
        log.warning("server %s: ignoring default_model %r, no such model", guild_id, settings.default_model)
        return dataclasses.replace(settings, default_model=None)
    return settings
