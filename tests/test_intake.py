"""Text at the edges (common/intake.py): what members and endpoints send is cleaned once, where it enters."""
from __future__ import annotations

import sqlite3
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from common.intake import MAX_DIGITS, clean, clean_line, decimal_digits, from_endpoint, whole_number
from common.redact import REDACTED, hold_secrets
from prompts.request import parse_request

# What the console read from bytes that were not UTF-8 (Python's surrogateescape), a JSON "\ud800" escape,
# noncharacters, terminal escapes, C0/C1 controls and the bidi overrides that reverse a name on screen.
HOSTILE = [
    ("caf\udcc3\udca9 \udcff", "caf\ufffd\ufffd \ufffd"),
    ("\ud800lone", "\ufffdlone"),
    ("\ud83c\udfac pair", "🎬 pair"),
    ("e\u0301", "é"),
    ("\x1b[31mred\x1b[0m\x1b]0;title\x07 name", "red name"),
    ("a\x00b\x7fc\x85d", "a b c d"),  # a control between letters still separates them
    ("\u202eevil\u202c name \u2066x\u2069", "evil name x"),
    ("\ufffe\uffff\U0010ffff ok", "\ufffd\ufffd\ufffd ok"),
    ("👩\u200d👩\u200d👧 \u200fשלום", "👩\u200d👩\u200d👧 \u200fשלום"),  # ZWJ and RLM are kept
]


@pytest.mark.parametrize(("raw", "expected"), HOSTILE)
def test_clean_replaces_invalid_code_points_composes_and_drops_controls(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_line_breaks_are_kept_only_where_a_field_has_lines() -> None:
    assert clean("one\r\ntwo\u2028three") == "one two three"
    assert clean("one\r\ntwo\u2028three", multiline=True) == "one\ntwo\nthree"
    assert clean_line("  a\t\tb \n c ") == "a b c"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60))
def test_anything_cleaned_can_be_stored_encoded_and_is_stable(raw: str) -> None:
    cleaned = clean(raw)
    cleaned.encode("utf-8")  # no surrogates left
    assert unicodedata.is_normalized("NFC", cleaned) and clean(cleaned) == cleaned
    assert not any(unicodedata.category(c) == "Cc" for c in cleaned)
    with sqlite3.connect(":memory:") as db:
        db.execute("create table t (v text)")
        db.execute("insert into t values (?)", (cleaned,))
        assert db.execute("select v from t").fetchone()[0] == cleaned


def test_endpoint_text_is_redacted_with_every_secret_the_process_holds() -> None:
    hold_secrets(["marker-token-held-1234"])
    echoed = 'Title: "leaked marker-token-held-1234 and sk-own-key-999999"\x00'
    assert from_endpoint(echoed, "sk-own-key-999999") == f'Title: "leaked {REDACTED} and {REDACTED}" '


@pytest.mark.parametrize(("text", "digits"), [("12", "12"), ("１２", "12"), ("١٢", "12"), ("१२", "12"),
                                              ("²", None), ("1٢", None), ("", None), ("9" * (MAX_DIGITS + 1), None)])
def test_digits_of_one_script_are_read_and_bounded(text: str, digits: str | None) -> None:
    assert decimal_digits(text) == digits
    assert whole_number("9" * 5000) is None


@pytest.mark.parametrize("request_text", [
    "9" * 5000 + " shots of a cat", "a cat, " + "9" * 5000 + " seconds", "a cat " + "9" * 5000 + "s each",
    "a cat at " + "9" * 5000 + "fps", "a cat, " + "٩" * 5000 + " seconds each",
])
def test_the_planner_reads_numbers_past_pythons_limit_as_words_not_a_crash(request_text: str) -> None:
    facts = parse_request(request_text)
    assert facts.shots is None and facts.duration is None and facts.asked.shot_seconds is None


async def test_a_full_database_disk_is_a_clear_refusal_and_the_console_keeps_serving(studio) -> None:
    """The round's probe: a full disk reached the console as a raw sqlite3.OperationalError and ended it."""
    from bot.console import ConsoleSession, console_member

    session = ConsoleSession(studio, console_member("alice"))
    await studio.adb.write(lambda db: db.execute("PRAGMA max_page_count = 1"))  # this connection: no room at all
    full = await session.handle("a lighthouse in a storm")
    assert full == ("error: Reelbot's disk is full, so that couldn't be saved. Nothing was lost; please try again "
                    "once the operator has made room.")
    await studio.adb.write(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
    assert "#1" in await session.handle("a lighthouse in a storm, 1 shot, 1 second")
    for task in list(session.watchers):
        task.cancel()
