"""One set of converters for everything a member types as a value: ids, shot numbers, seeds, counts,
seconds, durations and yes/no. Every front-end (Discord options and forms, console commands) and the core
use these, so the same text gets the same answer everywhere.

Digits are those of any one script (`common.intake.decimal_digits`): '12', full-width '１２' from Chinese and
Japanese input methods, Arabic-Indic '١٢' and Devanagari '१२' all read 12; superscripts ('²'), mixed scripts
and more than 30 digits (Python's `int()` raises past 4,300; no value here has more than 20) are refused
with the same specific message as any other bad value. Each failure is an `InvalidValue` whose `code` names
the kind ("invalid_id", ...) and whose params name the value the member typed (cut to 40 characters).
"""
from __future__ import annotations

import math
import re

from common.errors import InvalidValue
from common.intake import MAX_DIGITS, ascii_digits, whole_number
from common.text import N_, Text
from generation.registry import MAX_SEED

# The largest SQLite INTEGER: any id we hand out fits, a larger one cannot name anything.
MAX_ID = 2**63 - 1
_ID = re.compile(r"(?:clip\s*|job\s*|challenge\s*|relay\s*)?#?\s*(\w+)", re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:[0-9]+[wdhms])+", re.ASCII)
_DURATION_PART = re.compile(r"([0-9]+)([wdhms])", re.ASCII)
_YES = {"yes", "y", "true", "on", "1"}
_NO = {"no", "n", "false", "off", "0"}


def shown(text: str) -> str:
    """What a message quotes back of a member's text: stripped, at most 40 characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= 40 else text[:39] + "…"


# What an id numbers, as members read it (the `what` of to_id), for the front-end to translate.
ID_KINDS = {"clip": N_("clip"), "job": N_("job"), "challenge": N_("challenge"), "relay": N_("relay"),
            "request": N_("request")}


def to_id(text: str | int, what: str = "clip") -> int:
    """'12', '#12', 'clip 12' -> 12. Raises InvalidValue (code "invalid_id") for anything else, zero,
    or a number past the largest id SQLite can hold."""
    match = _ID.fullmatch(str(text).strip())
    value = whole_number(match.group(1)) if match else None
    if value is None or not 1 <= value <= MAX_ID:
        raise InvalidValue(
            "`{value}` isn't a {what} number. Give its number, like #12.", code="invalid_id", value=shown(text),
            what=Text.of(ID_KINDS[what]) if what in ID_KINDS else Text.raw(what),
        )
    return value


def _whole(text: str | int) -> int | None:
    """A whole number written with an optional '+', or None."""
    return whole_number(str(text).strip().removeprefix("+"))


def to_whole_number(text: str | int, what: str, low: int, high: int) -> int:
    """A whole number from `low` to `high` (inclusive). Raises InvalidValue (code "invalid_number")."""
    value = _whole(text)
    if value is None or not low <= value <= high:
        raise InvalidValue(
            "{what} should be a whole number from {low} to {high}, not `{value}`.",
            code="invalid_number", what=what, low=low, high=high, value=shown(text),
        )  # fmt: skip
    return value


def to_shot_number(text: str | int | None, count: int | None = None) -> int | None:
    """A 1-based shot number ('2', '#2'); None for empty text. Raises InvalidValue: code "invalid_shot",
    or "no_such_shot" when past `count` (the clip's number of shots, if known)."""
    if text is None or not str(text).strip():
        return None
    value = _whole(str(text).strip().lstrip("#"))
    if value is None or value < 1:
        raise InvalidValue(
            "The shot number should be a number like 2, not `{value}`.", code="invalid_shot", value=shown(text)
        )
    if count is not None and value > count:
        raise InvalidValue(
            "There is no shot {shot}: this clip has {count}.", code="no_such_shot", shot=value, count=count
        )
    return value


def to_take_number(text: str | int) -> int:
    """A 1-based take number ('2', '#2'). Raises InvalidValue (code "invalid_take"); whether the clip has
    that take is the core's to say, from the clip ("Clip #6 has takes 1 to 3.")."""
    value = _whole(str(text).strip().lstrip("#"))
    if value is None or value < 1:
        raise InvalidValue(
            "The take number should be a number like 2, not `{value}`.", code="invalid_take", value=shown(text)
        )
    return value


def to_seed(text: str | int) -> int:
    """A seed from 0 to MAX_SEED. Raises InvalidValue (code "invalid_seed")."""
    value = _whole(text)
    if value is None or not 0 <= value <= MAX_SEED:
        raise InvalidValue(
            "A seed is a whole number from 0 to {high}, not `{value}`.", code="invalid_seed", high=MAX_SEED,
            value=shown(text),
        )  # fmt: skip
    return value


def to_seconds(text: str | float, what: str, low: float, high: float) -> float:
    """A number of seconds from `low` to `high` ('4', '4.5', '4s'). Raises InvalidValue
    (code "invalid_seconds"); NaN and infinities are refused."""
    cleaned = ascii_digits(str(text).strip().lower().removesuffix("s").strip())
    value = float(cleaned) if len(cleaned) <= 2 * MAX_DIGITS and _NUMBER.fullmatch(cleaned) else math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise InvalidValue(
            "{what} should be a number of seconds from {low:g} to {high:g}, not `{value}`.",
            code="invalid_seconds", what=what, low=low, high=high, value=shown(text),
        )  # fmt: skip
    return value


def to_duration_s(text: str, low: int, high: int) -> int:
    """'48h', '90m', '2d', '1h30m', '1w', '45s' (spaces allowed) -> seconds from `low` to `high`.
    Raises InvalidValue: code "invalid_duration" for unreadable text, "duration_out_of_range" otherwise."""
    compact = ascii_digits("".join(str(text).lower().split()))
    if not _DURATION.fullmatch(compact):
        raise InvalidValue(
            "I can't read `{value}` as a duration. Try something like 48h, 90m, 2d or 1h30m.",
            code="invalid_duration", value=shown(text),
        )  # fmt: skip
    parts = _DURATION_PART.findall(compact)
    if any(len(amount) > MAX_DIGITS for amount, _unit in parts):
        return check_duration_s(math.inf, low, high)
    return check_duration_s(sum(int(amount) * _UNITS[unit] for amount, unit in parts), low, high)


def check_duration_s(seconds: float, low: int, high: int) -> int:
    """`seconds` as a whole number, if from `low` to `high`. Raises InvalidValue (code
    "duration_out_of_range")."""
    if not (math.isfinite(seconds) and low <= seconds <= high):
        raise InvalidValue(
            "That should last from {low} to {high}.", code="duration_out_of_range",
            low=format_duration(low), high=format_duration(high),
        )  # fmt: skip
    return int(seconds)


def format_duration(seconds: float) -> Text:
    """Two largest units, e.g. '2d 3h', '45m' (the units of `to_duration_s`, as members type them); 'less than a
    minute' below that, in the reader's language (a Text for the front-end)."""
    seconds = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return Text.raw(" ".join(parts[:2])) if parts else Text.of(N_("less than a minute"))


def to_bool(text: str | bool, what: str) -> bool:
    """yes/no, on/off, true/false, 1/0. Raises InvalidValue (code "invalid_choice")."""
    cleaned = str(text).strip().lower()
    if cleaned in _YES:
        return True
    if cleaned in _NO:
        return False
    raise InvalidValue("{what} should be yes or no, not `{value}`.", code="invalid_choice", what=what, value=shown(text))
