"""One set of converters for what members type: the right value, or an InvalidValue with a code."""
from __future__ import annotations

import pytest

from common.errors import InvalidValue
from generation.registry import MAX_SEED
from studio.converters import (
    MAX_ID,
    shown,
    to_bool,
    to_duration_s,
    to_id,
    to_seconds,
    to_seed,
    to_shot_number,
    to_whole_number,
)

# Text that looks numeric to some Python function but is no number a member can mean here; a number past
# Python's 4,300-digit int() limit (it raised ValueError and ended `reelbot chat`); digits of two scripts.
NOT_NUMBERS = ["", " ", "abc", "²", "1e3", "0x10", "1_000", "--1", "1 2", "nan", "inf", "9" * 5000, "1٢", "٣x"]
# Digits of one script, as input methods type them: full-width (Chinese, Japanese), Arabic-Indic, Devanagari.
OTHER_DIGITS = [("１２", 12), ("١٢", 12), ("۱۲", 12), ("१२", 12), ("𝟙𝟚", 12)]


@pytest.mark.parametrize(("text", "value"), OTHER_DIGITS)
def test_digits_of_any_one_script_are_read(text, value):
    assert to_id(text) == to_whole_number(text, "n", 1, 99) == to_seed(text) == to_shot_number(text, 20) == value
    assert to_id(f"#{text}") == value and to_seconds(f"{text}s", "s", 1, 20) == float(value)
    assert to_duration_s(f"{text}h", 60, 86400) == value * 3600


@pytest.mark.parametrize(("text", "value"), [("12", 12), ("#12", 12), (" # 7 ", 7), ("clip 3", 3), ("Job #9", 9)])
def test_ids(text, value):
    assert to_id(text) == value


@pytest.mark.parametrize("text", [*NOT_NUMBERS, "0", "#0", "-1", str(MAX_ID + 1), "9" * 40])
def test_bad_ids(text):
    with pytest.raises(InvalidValue) as raised:
        to_id(text, "job")
    assert raised.value.code == "invalid_id" and str(raised.value.params["what"]) == "job"


def test_the_largest_id_is_accepted():
    assert to_id(str(MAX_ID)) == MAX_ID


def test_shot_numbers():
    assert [to_shot_number(t, 3) for t in ("1", "#3", " 2 ", "", None)] == [1, 3, 2, None, None]
    for text in [*NOT_NUMBERS[2:], "0", "-1"]:
        with pytest.raises(InvalidValue) as raised:
            to_shot_number(text, 3)
        assert raised.value.code == "invalid_shot"
    with pytest.raises(InvalidValue) as raised:
        to_shot_number("4", 3)
    assert (raised.value.code, raised.value.params) == ("no_such_shot", {"shot": 4, "count": 3})


def test_seeds():
    assert (to_seed("0"), to_seed(str(MAX_SEED))) == (0, MAX_SEED)
    for text in [*NOT_NUMBERS, "-1", str(MAX_SEED + 1)]:
        with pytest.raises(InvalidValue) as raised:
            to_seed(text)
        assert raised.value.code == "invalid_seed"


def test_whole_numbers_and_seconds():
    assert to_whole_number("4", "max_shots", 1, 6) == 4
    assert to_seconds("4.5s", "shot_seconds", 1, 10) == 4.5
    for text in [*NOT_NUMBERS, "7", "0"]:
        with pytest.raises(InvalidValue) as raised:
            to_whole_number(text, "max_shots", 1, 6)
        assert raised.value.code == "invalid_number" and raised.value.params["value"] == shown(text)
    for text in [*NOT_NUMBERS[2:], "11", "0.5", "-2"]:
        with pytest.raises(InvalidValue) as raised:
            to_seconds(text, "shot_seconds", 1, 10)
        assert raised.value.code == "invalid_seconds"


def test_durations_and_choices():
    assert to_duration_s("1h 30m", 60, 86400) == 5400
    for amount in ("9" * 30, "9" * 5000, "٩" * 5000):
        with pytest.raises(InvalidValue) as raised:
            to_duration_s(amount + "w", 60, 86400)
        assert raised.value.code == "duration_out_of_range"
    assert (to_bool("Yes", "remixes"), to_bool("off", "remixes")) == (True, False)
    with pytest.raises(InvalidValue) as raised:
        to_bool("maybe", "remixes")
    assert raised.value.code == "invalid_choice"


def test_a_long_value_is_quoted_short():
    with pytest.raises(InvalidValue) as raised:
        to_id("x" * 10_000)
    assert len(raised.value.params["value"]) == 40 and len(raised.value.user_message) < 120
