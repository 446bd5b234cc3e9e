"""Getting a JSON value out of an LLM reply: find it in prose or a markdown fence, then repair the faults
small models make (single quotes, smart quotes, trailing commas, comments, Python literals, unquoted keys,
missing commas between lines, unclosed brackets from a reply cut off at max tokens).
"""
from __future__ import annotations

import json
import re
from typing import Any

_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
                               "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'"})
_FENCE = re.compile(r"```[ \t]*(?:json5?|javascript|js|python)?[ \t]*\n?(.*?)(?:```|$)", re.DOTALL | re.IGNORECASE)
_LITERALS = {"true": "true", "false": "false", "null": "null", "True": "true", "False": "false",
             "None": "null", "NaN": "null", "Infinity": "null", "undefined": "null"}
_CLOSERS = {"{": "}", "[": "]"}
_WORD = re.compile(r"[A-Za-z_][\w-]*")
_BARE_VALUE_END = re.compile(r"[,}\]\n]")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?([ \t]*[A-Za-z]+)?")
# A value ends a line and the next line starts a new key or element, with no comma between them.
_MISSING_COMMA = re.compile(r'([}\]"]|\d|true|false|null)([ \t]*\n\s*)(?=["{\[])')


def loads_lenient(reply: str) -> Any:
    """The first JSON object/array in `reply`, repaired as needed; ValueError when there is none to be had."""
    text = extract_json(reply.translate(_SMART_QUOTES))
    if not text:
        raise ValueError("no JSON object in the reply")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    repaired, cuts = _repair(text)
    # A reply cut off mid-value cannot be closed as is; back off to the last complete element instead.
    for candidate in [repaired, *(_close(prefix, stack) for prefix, stack in reversed(cuts[-8:]))]:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    raise ValueError("the reply's JSON could not be repaired")


def repair_json(text: str) -> str:
    return _repair(text.translate(_SMART_QUOTES))[0]


def extract_json(text: str) -> str:
    """The text of the first JSON value: from a fenced block when one holds a bracket, else from the first
    '{' or '[' to its matching close (or to the end when the reply was cut off)."""
    for block in _FENCE.findall(text):
        if "{" in block or "[" in block:
            text = block
            break
    starts = [index for index in (text.find("{"), text.find("[")) if index >= 0]
    if not starts:
        return ""
    start = min(starts)
    end = _matching_close(text, start)
    return text[start:end + 1] if end is not None else text[start:]


def _matching_close(text: str, start: int) -> int | None:
    depth, quote, index = 0, "", start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote and _closes_string(text, index):
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _closes_string(text: str, index: int) -> bool:
    """In 'a cat's toy' or "say "hi" now", only the last quote closes: in JSON a closing quote is followed by
    , : } ] or a line end (or the end of a cut-off reply)."""
    rest = text[index + 1:].lstrip(" \t")
    return not rest or rest[0] in ",:}]\r\n"


def _repair(text: str) -> tuple[str, list[tuple[str, tuple[str, ...]]]]:
    """Rewrite into strict JSON; also return, for every comma, the text before it and the open brackets."""
    out: list[str] = []
    stack: list[str] = []
    cuts: list[tuple[str, tuple[str, ...]]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in "\"'":
            value, index = _read_string(text, index)
            out.append(json.dumps(value, ensure_ascii=False))
            continue
        if text.startswith("//", index) or char == "#":
            index = _line_end(text, index)
            continue
        if text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = len(text) if end < 0 else end + 2
            continue
        if char in "{[":
            stack.append(char)
            out.append(char)
        elif char in "}]":
            _drop_trailing_comma(out)
            if stack and _CLOSERS[stack[-1]] == char:
                stack.pop()
                out.append(char)
        elif char == ",":
            _drop_trailing_comma(out)
            cuts.append(("".join(out), tuple(stack)))
            out.append(char)
        elif char.isalpha() or char == "_":
            match = _WORD.match(text, index)
            word, index = match.group(0), match.end()
            if text[index:].lstrip().startswith(":"):
                out.append(json.dumps(word))  # an unquoted key
            elif word in _LITERALS:
                out.append(_LITERALS[word])
            else:
                # An unquoted value ("camera: wide shot,") runs to the next delimiter.
                end = _BARE_VALUE_END.search(text, index)
                stop = end.start() if end else len(text)
                out.append(json.dumps((word + text[index:stop]).strip()))
                index = stop
            continue
        elif char.isdigit() or char in "+-.":
            match = _NUMBER.match(text, index)
            if not match:
                index += 1
                continue
            token = match.group(0)
            index = match.end()
            # "3s", "2.5 sec": a number with a unit is kept as a string for the coercion step to read.
            out.append(json.dumps(token) if match.group(1) else _number(token))
            continue
        else:
            out.append(char)
        index += 1
    repaired = _MISSING_COMMA.sub(r"\1,\2", "".join(out))
    return _close(repaired, tuple(stack)), cuts


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote, chars, index = text[start], [], start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            chars.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(escaped, escaped))
            if escaped == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[index + 2:index + 6]):
                chars[-1] = chr(int(text[index + 2:index + 6], 16))
                index += 4
            index += 2
            continue
        if char == quote and _closes_string(text, index):
            return "".join(chars), index + 1
        chars.append(char)
        index += 1
    return "".join(chars), index


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _drop_trailing_comma(out: list[str]) -> None:
    while out and out[-1].isspace():
        out.pop()
    if out and out[-1] == ",":
        out.pop()


def _number(token: str) -> str:
    value = float(token)
    return str(int(value)) if value.is_integer() and "." not in token and "e" not in token.lower() else repr(value)


def _close(text: str, stack: tuple[str, ...]) -> str:
    text = text.rstrip().rstrip(",")
    if text.endswith(":"):
        text += " null"
    return text + "".join(_CLOSERS[bracket] for bracket in reversed(stack))
