"""The words of `/cast` (the console) and `reelbot cast` (the command line): one argument parser for both,
light enough for the command line to build at start (argparse only).

    cast create NAME DESCRIPTION --picture PATH [--picture PATH ...] [--alias A ...] [--consent C] [--quiet]
    cast list | show NAME | delete NAME
    cast edit NAME [--name N] [--description D] [--alias A ... | --no-aliases] [--picture PATH ...]
                   [--consent C] [--notify on|off]
    cast use NAMES          (the console's next request features these characters, like /video cast:)
    cast waiting | approve REQUEST | decline REQUEST   (answering requests for your "ask me" characters)

Consent C is `server` (this server), `ask` (ask me) or `owner` (only me).
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from common.errors import InvalidValue


class RefusingParser(argparse.ArgumentParser):
    """A parser whose mistakes are refusals the console prints, never an exit (nor a help page on stdout:
    `-h` is no option here, the refusal shows the usage)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "add_help": False})

    def error(self, message: str) -> NoReturn:
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        raise InvalidValue("{problem}. Usage: {usage}", code="cast_usage", problem=message, usage=usage)


def cast_arguments(
    parser: argparse.ArgumentParser, common: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.ArgumentParser:
    """Add the cast's subcommands to `parser` (the console's `/cast`, or `reelbot cast`); `common` adds the
    command line's shared flags to each of them."""
    sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    create = sub.add_parser("create", help="make a character: name, description, 1-3 pictures")
    create.add_argument("name")
    create.add_argument("description")
    create.add_argument("--picture", action="append", default=[], type=Path, help="a PNG, JPEG or WebP (1-3)")
    create.add_argument("--alias", action="append", default=[], help="another name, in any script (repeatable)")
    create.add_argument("--consent", default="server", help="server (this server), ask (ask me), owner (only me)")
    create.add_argument("--quiet", action="store_true", help="don't tell me when others use this character")
    sub.add_parser("list", help="the characters of this server, and yours")
    for name in ("show", "delete"):
        sub.add_parser(name, help=f"{name} a character").add_argument("name")
    edit = sub.add_parser("edit", help="change your character")
    edit.add_argument("name")
    edit.add_argument("--name", dest="new_name")
    edit.add_argument("--description")
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
