"""Finding the JSON in a chat model's reply; the `json-repair` library repairs what is found.

json-repair (https://github.com/mangiucugna/json_repair) fixes single quotes, smart quotes, comments, trailing
commas, unquoted keys and values, Python literals and unclosed brackets. What it lacks, and this module adds:
reasoning blocks (`<think>`, a lone `</think>`, `<thinking>`, `<reasoning>`) taken off, full-width
punctuation outside strings (`：，｛｝［］`) made ASCII, every balanced JSON value in prose tried in turn (prose
and examples may hold brackets before the answer), and a reply cut off at max tokens backed off to its last
complete object instead of keeping a half-written one.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import json_repair

_PAIRED = re.compile(r"<(think|thinking|reasoning|reflection)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_UNCLOSED = re.compile(r"<(?:think|thinking|reasoning|reflection)>.*", re.DOTALL | re.IGNORECASE)
_LONE_CLOSE = re.compile(r"</(?:think|thinking|reasoning)>", re.IGNORECASE)
_FULL_WIDTH = str.maketrans({"｛": "{", "｝": "}", "［": "[", "］": "]", "：": ":", "，": ","})
# Smart quotes delimit strings in some models' JSON; inside a string a plain quote is repaired by the library.
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"'})
_OPENERS = "{[｛［"
_CLOSERS = {"{": "}", "[": "]"}
# Each balanced value is parsed and coerced; a reply with more openers than this is mostly not JSON.
MAX_CANDIDATES = 24


@dataclass(frozen=True)
class Candidate:
    """A JSON value found in a reply. `truncated`: the reply ended inside it and it was cut back to the end
    of its last complete object."""

    value: Any
    truncated: bool = False


def strip_reasoning(reply: str) -> str:
    """The reply without its reasoning: text after a lone closing tag (the chat template opened `<think>` in
    the prompt), and without `<think>…</think>`-style blocks; an unclosed block runs to the end."""
    reply = _PAIRED.sub("", reply)
    closes = list(_LONE_CLOSE.finditer(reply))
    if closes:
        reply = reply[closes[-1].end():]
    return _UNCLOSED.sub("", reply).strip()


def json_candidates(reply: str) -> Iterator[Candidate]:
    """Every JSON object or array in `reply` (reasoning off), in order of where it starts, repaired. A value
    the reply ends inside of is cut back to the end of its last complete object (closed by the library)."""
    text = strip_reasoning(reply).translate(_SMART_QUOTES)
    found = 0
    for start, char in enumerate(text):
        if char not in _OPENERS:
            continue
        body, end, cuts = _scan(text, start)
        if end is not None:
            value = _load(body[:end + 1])
            if isinstance(value, (dict, list)) and value:
                found += 1
                yield Candidate(value)
        else:
            # Up to its last complete object; the whole cut-off text only when no object was completed.
            value = _load(body[:(cuts[-1] if cuts else len(body) - 1) + 1])
            if isinstance(value, (dict, list)) and value:
                found += 1
                yield Candidate(value, truncated=True)
        if found >= MAX_CANDIDATES:
            return


def first_json(reply: str) -> Any:
    """The first JSON value in `reply`; ValueError when there is none."""
    for candidate in json_candidates(reply):
        return candidate.value
    raise ValueError("no JSON object in the reply")


def _scan(text: str, start: int) -> tuple[str, int | None, list[int]]:
    """From an opening bracket: (the text with full-width punctuation outside strings made ASCII, the index of
    the matching close or None when the text ends first, the indexes of every '}' closed inside it)."""
    out: list[str] = []
    depth, in_string, escaped = 0, False, False
    cuts: list[int] = []
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        char = char.translate(_FULL_WIDTH)
        out.append(char)
        if char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if char == "}":
                cuts.append(len(out) - 1)
            if depth == 0:
                return "".join(out), len(out) - 1, cuts
    return "".join(out), None, cuts


def _load(text: str) -> Any:
    try:
        return json_repair.loads(text)
    except Exception:  # the library's own failure types vary by version; any failure means "not JSON"
        return None
