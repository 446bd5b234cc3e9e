"""Babel extraction method for bot/ sources: the `_`/`ngettext`/`pgettext`/`N_` calls that Babel's own
Python extractor finds, plus the words of slash-command decorators, which discord.py hands to
`CatalogTranslator` at sync time without a marker in the source:

- `@app_commands.command(name=..., description=...)`, `@group.command(...)`, `app_commands.Group(...)`:
  the name as `pgettext("command", name)`, the description as a message;
- the command function's parameters (option names) as `pgettext("option", name)`;
- `@app_commands.describe(option="...")` values as messages;
- literal `app_commands.Choice(name="...")` names and `Literal["a", "b"]` option values as
  `pgettext("choice", name)`;
- `Nn_("{n} shot", "{n} shots")` pairs (common.text), as `ngettext`;
- the English template of every refusal raised with a literal (`raise QueueFull("... {limit} ...", limit=3)`,
  any class named `...Error` or one of the other `ReelbotError` classes listed in `_REFUSALS`): the
  front-end translates `ReelbotError.template` (`bot.i18n.error_message`), so the core needs no markers.

Wired in babel.cfg as `[extractors] reelbot = bot.i18n.extract:extract_reelbot`.
"""
from __future__ import annotations

import ast
import builtins
import io
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

Extracted = tuple[int, str, Any, list[str]]

# Leading parameters of a command callback that are not options.
_NOT_OPTIONS = {"self", "interaction"}
# Python's own exceptions carry no member-facing text.
_BUILTIN = set(dir(builtins))
# Names (or name endings) of the ReelbotError classes; tests/test_i18n_catalogs.py checks that every
# subclass in the code is covered, so a new refusal class can't silently drop out of the catalogs.
_REFUSALS = ("Error", "NotFound", "NotAllowed", "QueueFull", "InvalidValue", "Conflict", "DatabaseBusy",
             "RenderCancelled", "RenderTimeout", "UnsafeRequest", "AwaitingApproval", "StorageFull")


def is_refusal(called: str) -> bool:
    """Whether a call of this name makes a ReelbotError (by the project's naming of its error classes)."""
    return called.endswith(_REFUSALS) and called not in _BUILTIN


def _is_slash_command(node: ast.Call) -> bool:
    """`app_commands.command(...)` or `group.command(...)`; not the console's bare `command("name")`."""
    return isinstance(node.func, ast.Attribute) and node.func.attr == "command"


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword(node: ast.Call, name: str) -> str | None:
    return next((_text(k.value) for k in node.keywords if k.arg == name), None)


def command_messages(source: str) -> Iterator[Extracted]:
    """(line, funcname, message(s), comments) for every command word in `source`, as Babel expects."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = _called(node)
            if _is_slash_command(node) or called == "Group":
                name, description = _keyword(node, "name"), _keyword(node, "description")
                if name:
                    yield node.lineno, "pgettext", ("command", name), []
                if description:
                    yield node.lineno, "_", description, []
            elif called == "describe":
                for keyword in node.keywords:
                    if (text := _text(keyword.value)) is not None:
                        yield keyword.value.lineno, "_", text, []
            elif is_refusal(called) and node.args and (template := _text(node.args[0])) is not None:
                yield node.lineno, "_", template, []
            elif called == "Nn_" and len(node.args) == 2 and None not in (forms := tuple(map(_text, node.args))):
                # common.text.Nn_: a plural pair the core marks for a front-end's ngettext.
                yield node.lineno, "ngettext", forms, []
            elif called == "Choice":
                if (name := _keyword(node, "name")) is not None:
                    yield node.lineno, "pgettext", ("choice", name), []
        elif isinstance(node, ast.AsyncFunctionDef) and any(
            isinstance(d, ast.Call) and _is_slash_command(d) for d in node.decorator_list
        ):
            for arg in node.args.args:
                if arg.arg not in _NOT_OPTIONS:
                    yield arg.lineno, "pgettext", ("option", arg.arg), []
                    # `scope: Literal["mine", "all"]`: discord.py makes each value a choice.
                    annotation = arg.annotation
                    if isinstance(annotation, ast.Subscript) and getattr(annotation.value, "id", "") == "Literal":
                        values = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
                        for value in values:
                            if (text := _text(value)) is not None:
                                yield value.lineno, "pgettext", ("choice", text), []


def extract_reelbot(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: dict[str, Any]
) -> Iterator[Extracted]:
    source = fileobj.read()
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)
    yield from command_messages(source.decode(options.get("encoding", "utf-8")))
