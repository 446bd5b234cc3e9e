"""Guilds and their settings: typed defaults (records.GuildSettings) plus validated, sparse overrides."""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from collections.abc import Callable
from typing import Any

import sqlite_utils

from storage.db import timestamp
from storage.transactions import transaction
from common.errors import N_, InvalidValue
from storage.records import Guild, GuildSettings

_TYPES: dict[str, Any] = typing.get_type_hints(GuildSettings)
_TRUE = {"true", "yes", "on", "1", "enable", "enabled"}
_FALSE = {"false", "no", "off", "0", "disable", "disabled"}
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,4})?")
# A model preset's name as the registry spells them ("wan-1.3b", "tiny"): never a path. Whether the preset
# exists is the studio's check (studio.setting_checks.py); storage only keeps the shape.
_PRESET_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# Discord ids (snowflakes) are positive 64-bit integers.
_MAX_SNOWFLAKE = 2**63 - 1
# Any of these as a text value restores the default.
_RESET_WORDS = {"default", "reset"}


# A refusal as (template, params): the template is a whole sentence about `{key}`, so that it translates.
Problem = tuple[str, dict[str, Any]]


def _int_range(low: int, high: int) -> Callable[[Any], Problem | None]:
    problem = (N_("`{key}` must be between {low} and {high}."), {"low": low, "high": high})
    # None: a setting whose default is the bot's configuration.
    return lambda value: None if value is None or low <= value <= high else problem


def _one_of(*choices: str) -> Callable[[Any], Problem | None]:
    problem = (N_("`{key}` must be one of: {choices}."), {"choices": ", ".join(choices)})
    return lambda value: None if value is None or value in choices else problem


def _check(ok: Callable[[Any], bool], template: str) -> Callable[[Any], Problem | None]:
    return lambda value: None if ok(value) else (template, {})


def _snowflakes(value: list[int]) -> bool:
    return all(0 < item <= _MAX_SNOWFLAKE for item in value)


# Range checks beyond the type.
_CHECKS: dict[str, Callable[[Any], Problem | None]] = {
    "allowed_channels": _check(_snowflakes, N_("`{key}` must list channels: #channel mentions or their ids.")),
    "moderator_roles": _check(_snowflakes, N_("`{key}` must list roles: @role mentions or their ids.")),
    "max_queued_per_user": _int_range(1, 50),
    "max_queued_per_guild": _int_range(1, 500),
    "safety_level": _one_of("off", "standard", "strict"),
    "gallery": _one_of("off", "link", "public"),
    "upload_limit": _int_range(1024 * 1024, 500 * 1024 * 1024),
    # A ShotList holds at most 6 shots.
    "max_shots": _int_range(1, 6),
    "takes": _int_range(1, 4),
    "stills_first": _one_of("ask", "auto", "off"),
    "stills_grace_s": _int_range(0, 3600),
    "animate_quality": _one_of("final", "draft"),
    "draft_quality": _one_of("fast", "full"),
    "blocklist": _check(lambda words: all(0 < len(word) <= 100 for word in words),
                        N_("`{key}` words must be 1-100 characters long.")),
    "default_model": _check(lambda name: name is None or bool(_PRESET_NAME.fullmatch(name)),
                            N_("`{key}` must be the name of a model, like wan-1.3b.")),
    # A language tag as Discord names locales (https://discord.com/developers/docs/reference#locales).
    "language": _check(lambda tag: tag is None or bool(_LANGUAGE_TAG.fullmatch(tag)),
                       N_("`{key}` must be a language tag like en-US or zh-CN.")),
}

SETTING_NAMES: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(GuildSettings))


def is_reset(value: Any) -> bool:
    """Whether `value` is a word that restores a setting's default ("default", "reset")."""
    return isinstance(value, str) and value.strip().lower() in _RESET_WORDS


def upsert_guild(db: sqlite_utils.Database, guild_id: int, name: str, *, now: float | None = None) -> Guild:
    """Insert the guild or update its name."""
    db.execute(
        "INSERT INTO guilds (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
        (guild_id, name, timestamp(now)),
    )
    return Guild.from_row(next(db.query("SELECT * FROM guilds WHERE id = ?", (guild_id,))))


def _parse_text(key: str, kind: Any, text: str) -> Any:
    """Slash commands and the console hand values over as text; turn that into the declared type."""
    text = text.strip()
    origin = typing.get_origin(kind)
    if kind is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise InvalidValue("`{key}` must be yes or no.", key=key)
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise InvalidValue("`{key}` must be a whole number.", key=key) from None
    if origin is list:
        (item_type,) = typing.get_args(kind)
        items = [item.strip().lstrip("<#@&").rstrip(">") for item in text.split(",") if item.strip()]
        if item_type is int:
            try:
                return [int(item) for item in items]
            except ValueError:
                raise InvalidValue(
                    "`{key}` must be a comma-separated list of ids or #channel mentions.",
                    key=key,
                ) from None
        return items
    return text


def _without_none(kind: Any) -> Any:
    """`X | None` -> X; other types unchanged."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return next(option for option in typing.get_args(kind) if option is not type(None))
    return kind


def _check_type(key: str, kind: Any, value: Any) -> None:
    origin = typing.get_origin(kind)
    if origin is list:
        (item_type,) = typing.get_args(kind)
        ok = isinstance(value, list) and all(
            isinstance(item, item_type) and not isinstance(item, bool) for item in value
        )
    elif origin in (typing.Union, types.UnionType):
        ok = any(isinstance(value, option) for option in typing.get_args(kind))
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise InvalidValue("`{key}` has the wrong type of value.", key=key, detail=f"{key}={value!r} is not {kind}")


def validate_setting(key: str, value: Any) -> Any:
    """Return `value` converted to the setting's type, or raise InvalidValue saying what is wrong."""
    if key not in _TYPES:
        raise InvalidValue(
            "There is no setting called `{key}`. Settings: {settings}.",
            key=key, settings=', '.join(SETTING_NAMES),
        )
    kind = _TYPES[key]
    if isinstance(value, str) and kind is not str:
        value = _parse_text(key, _without_none(kind), value)
    _check_type(key, kind, value)
    check = _CHECKS.get(key)
    problem = check(value) if check else None
    if problem is not None:
        template, params = problem
        raise InvalidValue(template, key=key, **params)
    return value


def get_settings(db: sqlite_utils.Database, guild_id: int | None) -> GuildSettings:
    """The guild's effective settings; stored values that no longer validate fall back to the default."""
    if guild_id is None:
        return GuildSettings()
    overrides: dict[str, Any] = {}
    for row in db.query("SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)):
        try:
            overrides[row["key"]] = validate_setting(row["key"], json.loads(row["value"]))
        except InvalidValue:
            continue
    return dataclasses.replace(GuildSettings(), **overrides)


def overridden_keys(db: sqlite_utils.Database, guild_id: int | None) -> frozenset[str]:
    """The settings the guild set itself (that still validate); the rest are defaults."""
    if guild_id is None:
        return frozenset()
    rows = db.query("SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,))
    set_here = set()
    for row in rows:
        try:
            validate_setting(row["key"], json.loads(row["value"]))
        except InvalidValue:
            continue
        set_here.add(row["key"])
    return frozenset(set_here)


def set_setting(
    db: sqlite_utils.Database,
    guild_id: int,
    key: str,
    value: Any,
    *,
    by_user_id: int | None = None,
    now: float | None = None,
) -> GuildSettings:
    """Validate and store one override (text values are parsed); a reset word restores the default."""
    if is_reset(value):
        return reset_setting(db, guild_id, key)
    value = validate_setting(key, value)
    with transaction(db):
        db.execute("INSERT OR IGNORE INTO guilds (id, name, created_at) VALUES (?, '', ?)", (guild_id, timestamp(now)))
        db.execute(
            "INSERT INTO guild_settings (guild_id, key, value, updated_by, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(guild_id, key) DO UPDATE SET value = excluded.value, "
            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (guild_id, key, json.dumps(value), by_user_id, timestamp(now)),
        )
    return get_settings(db, guild_id)


def reset_setting(db: sqlite_utils.Database, guild_id: int, key: str) -> GuildSettings:
    """Drop the guild's override of `key`, restoring the default. Raises InvalidValue for an unknown key."""
    if key not in _TYPES:
        raise InvalidValue(
            "There is no setting called `{key}`. Settings: {settings}.",
            key=key, settings=', '.join(SETTING_NAMES),
        )
    db.execute("DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key))
    return get_settings(db, guild_id)
