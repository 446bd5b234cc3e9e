"""The words of `/cast` (the console) and `reelbot cast` (the command line): one argument parser for both,
light enough for the command line to build at start (argparse only).

    cast create NAME DESCRIPTION --picture PATH [--picture PATH ...] [--alias A ...] [--consent C] [--quiet]
    cast list | show NAME | delete NAME

Descriptions (and names) may go unquoted: `create Mira a small orange-haired girl --picture P` is Mira, "a
small orange-haired girl"; a name of several words ends with a colon (`create Captain Mira: a small girl …`).
    cast edit NAME [--name N] [--description D] [--alias A ... | --no-aliases] [--picture PATH ...]
                   [--consent C] [--notify on|off]
    cast use NAMES          (the console's next request features these characters, like /video cast:)
    cast waiting | approve REQUEST | decline REQUEST   (answering requests for your "ask me" characters)

Consent C is `server` (this server), `ask` (ask me) or `owner` (only me).
"""
from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from common.errors import InvalidValue


# Each action's syntax and an example, as the console's refusals and `/help` show them.
CAST_SYNTAX: dict[str, tuple[str, str]] = {
    "create": ("/cast create NAME DESCRIPTION --picture PATH [--picture PATH …] [--alias A …] "
               "[--consent server|ask|owner] [--quiet]",
               "/cast create Mira a small orange-haired girl --picture mira.png"),
    "list": ("/cast list", "/cast list"),
    "show": ("/cast show NAME", "/cast show Mira"),
    "edit": ("/cast edit NAME [--name N] [--description D] [--alias A … | --no-aliases] [--picture PATH …] "
             "[--consent C] [--notify on|off]", "/cast edit Mira --description a tall girl in a red coat"),
    "delete": ("/cast delete NAME", "/cast delete Mira"),
    "use": ("/cast use NAMES", "/cast use Mira, Leo"),
    "waiting": ("/cast waiting", "/cast waiting"),
    "approve": ("/cast approve REQUEST", "/cast approve 12"),
    "decline": ("/cast decline REQUEST", "/cast decline 12"),
}

_REQUIRED = re.compile(r"the following arguments are required: (.+)")
_UNRECOGNIZED = re.compile(r"unrecognized arguments: (.+)")
_CHOICE = re.compile(r"argument action: invalid choice: '?([^' ]*)'?")
_ONE_VALUE = re.compile(r"argument (--[a-z-]+)(?:/[^:]*)?: expected (?:one|at least one) argument")


def usage_problem(message: str, action: str | None) -> InvalidValue:
    """A refusal for argparse's `message` about `/cast ACTION` (None: no action given), in words a member
    reads, with the action's syntax and an example (never argparse's usage dump)."""
    if action is None and _REQUIRED.match(message):
        return InvalidValue("/cast needs an action: {actions}, e.g. {example}.", code="cast_usage",
                            actions=", ".join(CAST_SYNTAX), example=CAST_SYNTAX["list"][1])  # fmt: skip
    if action not in CAST_SYNTAX:
        chosen = _CHOICE.match(message)
        return InvalidValue("/cast has no `{action}`. Try one of: {actions}, e.g. {example}.", code="cast_usage",
                            action=chosen.group(1) if chosen else "", actions=", ".join(CAST_SYNTAX),
                            example=CAST_SYNTAX["list"][1])  # fmt: skip
    syntax, example = CAST_SYNTAX[action]
    if required := _REQUIRED.match(message):
        return InvalidValue("/cast {action} needs: {what}. Usage: {syntax}, e.g. {example}", code="cast_usage",
                            action=action, what=required.group(1).replace("names", "NAMES").upper(), syntax=syntax,
                            example=example)  # fmt: skip
    if unrecognized := _UNRECOGNIZED.match(message):
        return InvalidValue("/cast {action} doesn't take `{words}`. Usage: {syntax}, e.g. {example}",
                            code="cast_usage", action=action, words=unrecognized.group(1), syntax=syntax,
                            example=example)  # fmt: skip
    if option := _ONE_VALUE.match(message):
        return InvalidValue("{option} needs a value. Usage: {syntax}, e.g. {example}", code="cast_usage",
                            option=option.group(1), syntax=syntax, example=example)  # fmt: skip
    return InvalidValue("/cast {action}: {problem}. Usage: {syntax}, e.g. {example}", code="cast_usage",
                        action=action, problem=message, syntax=syntax, example=example)  # fmt: skip


class RefusingParser(argparse.ArgumentParser):
    """A parser whose mistakes are refusals the console prints, never an exit (nor a help page on stdout:
    `-h` is no option here): one line naming what went wrong, with the action's syntax and an example."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "add_help": False})

    def error(self, message: str) -> NoReturn:
        _cast, _space, action = self.prog.partition(" ")
        raise usage_problem(message, action.strip() or None)


def name_and_description(words: list[str]) -> tuple[str, str]:
    """`create`'s words before its options as (name, description): the name is the first word, or every word
    up to one that ends with a colon ("Captain Mira: a small girl"); the description is the rest."""
    for index, word in enumerate(words[:-1]):
        if word.endswith(":"):
            return " ".join([*words[:index], word[:-1]]).strip(), " ".join(words[index + 1:])
    return words[0].removesuffix(":"), " ".join(words[1:])


def cast_arguments(
    parser: argparse.ArgumentParser, common: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.ArgumentParser:
    """Add the cast's subcommands to `parser` (the console's `/cast`, or `reelbot cast`); `common` adds the
    command line's shared flags to each of them."""
    sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    create = sub.add_parser("create", help="make a character: name, description, 1-3 pictures")
    create.add_argument("name")
    # Unquoted words: name_and_description reads them.
    create.add_argument("description", nargs="+")
    create.add_argument("--picture", action="append", default=[], type=Path, help="a PNG, JPEG or WebP (1-3)")
    create.add_argument("--alias", action="append", default=[], help="another name, in any script (repeatable)")
    create.add_argument("--consent", default="server", help="server (this server), ask (ask me), owner (only me)")
    create.add_argument("--quiet", action="store_true", help="don't tell me when others use this character")
    sub.add_parser("list", help="the characters of this server, and yours")
    for name in ("show", "delete"):
        sub.add_parser(name, help=f"{name} a character").add_argument("name", nargs="+")
    edit = sub.add_parser("edit", help="change your character")
    edit.add_argument("name", nargs="+")
    edit.add_argument("--name", dest="new_name", nargs="+")
    edit.add_argument("--description", nargs="+")
    edit.add_argument("--alias", action="append", help="replaces every alias (repeatable)")
    edit.add_argument("--no-aliases", action="store_true")
    edit.add_argument("--picture", action="append", type=Path, help="replaces every picture (1-3)")
    edit.add_argument("--consent")
    edit.add_argument("--notify", help="on or off: hear when others use the character")
    sub.add_parser("use", help="the next request features these characters").add_argument("names", nargs="+")
    sub.add_parser("waiting", help="requests waiting for your approval")
    for name in ("approve", "decline"):
        sub.add_parser(name, help=f"{name} a request for your character").add_argument("request")
    for each in sub.choices.values():
        if common is not None:
            common(each)
    return parser
