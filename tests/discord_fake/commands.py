"""Application commands the bot registered (tree.sync) and how a slash invocation is typed against them."""

from __future__ import annotations

import re
from typing import Any, Callable

from .models import ApiError, Snowflakes, invalid_form

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
ENTITY_TYPES = {USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT}
GUILD_INSTALL = 0  # ApplicationIntegrationType
_NAME = re.compile(r"^[-_'\w]{1,32}$")
# Discord's locales (AvailableLocalesEnum in shared/discord/openapi.json).
LOCALES = frozenset((
    "ar", "bg", "cs", "da", "de", "el", "en-GB", "en-US", "es-419", "es-ES", "fi", "fr", "he", "hi", "hr", "hu", "id",
    "it", "ja", "ko", "lt", "nl", "no", "pl", "pt-BR", "ro", "ru", "sv-SE", "th", "tr", "uk", "vi", "zh-CN", "zh-TW",
))

# Turns an entity option's value (a user, channel, role or attachment, as the test gives it) into the id
# string Discord sends, recording the entity in the interaction's `resolved` data as a side effect.
Resolve = Callable[[int, Any], str]


class CommandRegistry:
    """Discord's store of application commands, global and per guild. Ids stay stable across re-syncs of a
    command with the same name and type, as on Discord."""

    def __init__(self, ids: Snowflakes, app_id: int):
        self._ids = ids
        self._app_id = app_id
        self._stable_ids: dict[tuple[str, int, int | None], int] = {}
        self.by_scope: dict[int | None, list[dict[str, Any]]] = {None: []}  # None: global
        self.syncs = 0

    def overwrite(self, guild_id: int | None, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for index, command in enumerate(commands):
            _validate_command(command, [str(index)])
        self.by_scope[guild_id] = [self._echo(guild_id, c) for c in commands]
        self.syncs += 1
        return self.by_scope[guild_id]

    def upsert(self, guild_id: int | None, command: dict[str, Any]) -> dict[str, Any]:
        _validate_command(command, [])
        echoed = self._echo(guild_id, command)
        scope = [c for c in self.by_scope.get(guild_id, []) if c["id"] != echoed["id"]]
        self.by_scope[guild_id] = [*scope, echoed]
        return echoed

    def delete(self, guild_id: int | None, command_id: int) -> None:
        scope = self.by_scope.get(guild_id, [])
        if not any(int(c["id"]) == command_id for c in scope):
            raise ApiError(404, 10063, "Unknown application command")
        self.by_scope[guild_id] = [c for c in scope if int(c["id"]) != command_id]

    def get(self, guild_id: int | None, command_id: int) -> dict[str, Any]:
        for command in self.by_scope.get(guild_id, []):
            if int(command["id"]) == command_id:
                return command
        raise ApiError(404, 10063, "Unknown application command")

    def find(self, name: str, guild_id: int | None, type: int = 1) -> dict[str, Any] | None:
        """What a member in guild_id sees: the guild's command first, else the global one."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.by_scope.get(scope, []):
                if command["name"] == name and command["type"] == type:
                    return command
        return None

    def all(self) -> list[dict[str, Any]]:
        return [c for scope in self.by_scope.values() for c in scope]

    def _echo(self, guild_id: int | None, command: dict[str, Any]) -> dict[str, Any]:
        """The command as Discord stores and returns it (ApplicationCommandResponse), not as the bot sent it:
        permissions as a string, unset integration types as the default guild install, unset option
        fields left out rather than null."""
        type_ = command.get("type", 1)
        key = (command["name"], type_, guild_id)
        if key not in self._stable_ids:
            self._stable_ids[key] = self._ids.next()
        permissions = command.get("default_member_permissions")
        echoed = {
            "id": str(self._stable_ids[key]), "application_id": str(self._app_id), "version": str(self._ids.next()),
            "type": type_, "name": command["name"], "name_localizations": command.get("name_localizations"),
            "description": command.get("description") or "",
            "description_localizations": command.get("description_localizations"),
            "options": [_stored_option(o) for o in command.get("options") or []],
            "default_member_permissions": None if permissions is None else str(permissions),
            "dm_permission": command.get("dm_permission", True) is not False,
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types") or [GUILD_INSTALL],
            "nsfw": bool(command.get("nsfw")),
        }
        if guild_id is not None:
            echoed["guild_id"] = str(guild_id)
        return echoed


def _stored_option(option: dict[str, Any]) -> dict[str, Any]:
    """An option (or choice) as Discord returns it: fields the bot left null are absent, nested options and
    choices likewise; localizations stay nullable, as in Discord's replies."""
    stored: dict[str, Any] = {}
    for key, value in option.items():
        if key in ("options", "choices") and value is not None:
            stored[key] = [_stored_option(item) for item in value]
        elif value is not None or key.endswith("_localizations"):
            stored[key] = value
    return stored


def _validate_command(command: dict[str, Any], path: list[str]) -> None:
    """The checks Discord makes that a bot's command tree can realistically fail."""
    if command.get("type", 1) == 1:
        name = command.get("name", "")
        if not _NAME.match(name) or name != name.lower():
            raise invalid_form([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}")
        if not 1 <= len(command.get("description", "")) <= 100:
            raise invalid_form([*path, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    _validate_localizations(command, path)
    _validate_options(command.get("options") or [], [*path, "options"])


def _validate_localizations(item: dict[str, Any], path: list[str], *, lowercase: bool = True) -> None:
    """name_localizations / description_localizations: known locales, names by the name rules (lowercase
    where the script has case; choice names are free text), descriptions 1-100 characters."""
    for key, limit in (("name_localizations", 32), ("description_localizations", 100)):
        localized = item.get(key) or {}
        for locale, text in localized.items():
            here = [*path, key, locale]
            if locale not in LOCALES:
                raise invalid_form(here, "LOCALE_INVALID", f"Invalid locale {locale!r}")
            if not 1 <= len(text) <= limit:
                raise invalid_form(here, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {limit} in length.")
            if key == "name_localizations" and lowercase and (not _NAME.match(text) or text != text.lower()):
                raise invalid_form(here, "APPLICATION_COMMAND_INVALID_NAME", f"Name is invalid: {text!r}")


def _validate_options(options: list[dict[str, Any]], path: list[str]) -> None:
    if len(options) > 25:
        raise invalid_form(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen_optional = False
    names: set[str] = set()
    for index, option in enumerate(options):
        here = [*path, str(index)]
        name = option.get("name", "")
        if not _NAME.match(name) or name != name.lower():
            raise invalid_form([*here, "name"], "APPLICATION_COMMAND_INVALID_NAME", f"Option name is invalid: {name!r}")
        if name in names:
            raise invalid_form(here, "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", f"Duplicate option {name!r}")
        names.add(name)
        if not 1 <= len(option.get("description", "")) <= 100:
            raise invalid_form([*here, "description"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        _validate_localizations(option, here)
        for number, choice in enumerate(option.get("choices") or []):
            _validate_localizations(choice, [*here, "choices", str(number)], lowercase=False)
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            _validate_options(option.get("options") or [], [*here, "options"])
            continue
        if option.get("required"):
            if seen_optional:
                raise invalid_form(here, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                               "Required options must be placed before non-required options")
        else:
            seen_optional = True
        if len(option.get("choices") or []) > 25:
            raise invalid_form([*here, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")


def build_command_data(
    command: dict[str, Any], *, sub: str | None, group: str | None, options: dict[str, Any], resolve: Resolve
) -> dict[str, Any]:
    """The `data` of a slash INTERACTION_CREATE, as Discord's client would build it from what a member
    typed; a ValueError for anything Discord's client would not let the member send."""
    schema: list[dict[str, Any]] = command.get("options") or []
    label = f"/{command['name']}"
    if group is not None:
        schema = _child(schema, group, SUB_COMMAND_GROUP, label)
        label += f" {group}"
    if sub is not None:
        schema = _child(schema, sub, SUB_COMMAND, label)
        label += f" {sub}"
    children = [o["name"] for o in schema if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if children:
        raise ValueError(f"{label} needs a subcommand (sub=/group=): one of {children}")

    known = {o["name"]: o for o in schema}
    unknown = set(options) - set(known)
    if unknown:
        raise ValueError(f"{label} has no option(s) {sorted(unknown)}; registered options: {list(known)}")
    missing = [o["name"] for o in schema if o.get("required") and o["name"] not in options]
    if missing:
        raise ValueError(f"{label} requires option(s) {missing}")

    typed: list[dict[str, Any]] = [
        {"name": o["name"], "type": o["type"], "value": _typed_value(o, options[o["name"]], resolve, label)}
        for o in schema if o["name"] in options
    ]
    if sub is not None:
        typed = [{"name": sub, "type": SUB_COMMAND, "options": typed}]
    if group is not None:
        typed = [{"name": group, "type": SUB_COMMAND_GROUP, "options": typed}]
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": command["type"], "options": typed}
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return data


def _child(schema: list[dict[str, Any]], name: str, type_: int, label: str) -> list[dict[str, Any]]:
    for option in schema:
        if option["name"] == name and option["type"] == type_:
            return option.get("options") or []
    kind = "subcommand group" if type_ == SUB_COMMAND_GROUP else "subcommand"
    found = [o["name"] for o in schema if o["type"] == type_]
    raise ValueError(f"{label} has no {kind} {name!r}; registered: {found}")


def _typed_value(option: dict[str, Any], value: Any, resolve: Resolve, label: str) -> Any:
    name, type_ = option["name"], option["type"]
    where = f"{label} option {name!r}"
    if type_ in ENTITY_TYPES:
        return resolve(type_, value)
    if type_ == STRING:
        if not isinstance(value, str):
            raise ValueError(f"{where} is a string option; got {value!r}")
        if not option.get("min_length", 0) <= len(value) <= option.get("max_length", 6000):
            raise ValueError(f"{where}: length {len(value)} outside [{option.get('min_length', 0)}, {option.get('max_length', 6000)}]")
    elif type_ == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} is an integer option; got {value!r}")
    elif type_ == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where} is a number option; got {value!r}")
    elif type_ == BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError(f"{where} is a boolean option; got {value!r}")
    else:
        raise ValueError(f"{where} has unsupported option type {type_}")
    if type_ in (INTEGER, NUMBER):
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{where}: {value} outside [{low}, {high}]")
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"{where}: {value!r} is not one of the choices {[c['value'] for c in choices]}")
    return value
