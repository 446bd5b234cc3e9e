"""Text at the edges: every string from a member (Discord, the console) or an endpoint (an LLM) passes
through here once, where it enters, before it is stored, shown or drawn.

- Invalid code points become U+FFFD: lone surrogates (bytes that were not UTF-8, read with Python's
  `surrogateescape`, or a JSON `\\ud800` escape) and noncharacters. SQLite, JSON and Discord refuse them.
- NFC (Unicode's canonical composition, what Discord and browsers send): "e" + combining acute and "é"
  are one name. Not NFKC: that would turn "①" into "1" and full-width text into ASCII in titles.
- Control characters go: terminal escape sequences whole (a name that repaints the operator's console),
  C0/C1 controls (each leaves a space, so the words it stood between stay two), and the bidirectional overrides and isolates (U+202A-202E, U+2066-2069) that make a
  name display reversed. Line breaks are kept where the field is `multiline`, else become spaces; the
  marks scripts need (ZWJ in emoji, RLM/LRM in Hebrew and Arabic) stay.

`from_endpoint` also redacts the secrets this process holds (`common.redact`), so an endpoint that
echoes a key in a successful reply never puts it in a title, an embed or the database.

Numbers: `decimal_digits` reads the digits of any one script (ASCII, full-width from Chinese and Japanese
input methods, Arabic-Indic, Devanagari...) as ASCII, and refuses more than `MAX_DIGITS` of them: Python's
`int()` raises ValueError past 4,300 digits, and no id, seed or count Reelbot takes has more than 20.
"""
from __future__ import annotations

import re
import unicodedata

from common.redact import redact, secrets_held

# Longer than any number a member can mean here (the largest SQLite id has 19 digits).
MAX_DIGITS = 30

_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def clean(text: str, *, multiline: bool = False) -> str:
    """`text` made safe to store and show (see the module's rules). Never raises for any `str`; leading
    and trailing whitespace is kept (callers strip where it matters). With `multiline`, line breaks
    become "\\n"; without, a space."""
    if not isinstance(text, str):
        text = str(text)
    if text.isascii() and text.isprintable():
        return text  # the common case, untouched and fast
    # Pairs of surrogates (from UTF-16 JSON escapes) become their character; lone ones U+FFFD.
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = _ESCAPE_SEQUENCE.sub("", text).replace("\r\n", "\n")
    kept: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        if char in _LINE_BREAKS:
            kept.append("\n" if multiline else " ")
        elif char == "\t" or unicodedata.category(char) == "Cc":
            kept.append(" ")  # a control between two words still separates them ("a\x07cat" is two words)
        elif char in _BIDI_CONTROLS:
            continue
        elif _is_noncharacter(code):
            kept.append("\ufffd")
        else:
            kept.append(char)
    return "".join(kept)


def clean_line(text: str) -> str:
    """`clean(text)` on one line, runs of whitespace as one space, stripped: names, titles, themes."""
    return " ".join(clean(text).split())


def from_endpoint(text: str, *secrets: str) -> str:
    """Text an endpoint sent back (an LLM's reply), cleaned and with every secret this process holds
    (and `secrets`) redacted, before anything parses, stores or shows it."""
    return redact(clean(text, multiline=True), (*secrets_held(), *secrets))


def decimal_digits(text: str) -> str | None:
    """The ASCII digits of `text` when it is digits of one script only ('12', '１２', '١٢', '१२'), at
    most MAX_DIGITS of them; None otherwise. Superscripts ('²') and other numerals are not digits."""
    if not text or len(text) > MAX_DIGITS:
        return None
    if text.isascii():
        return text if text.isdigit() else None
    zeros = set()
    for char in text:
        value = unicodedata.decimal(char, None)
        if value is None or unicodedata.category(char) != "Nd":
            return None
        zeros.add(ord(char) - value)
    if len(zeros) != 1:
        return None  # mixed scripts ('1٢'): no member types that on purpose
    return "".join(str(unicodedata.decimal(char)) for char in text)


def ascii_digits(text: str) -> str:
    """`text` with every decimal digit of any script written as its ASCII digit ('４８h' -> '48h');
    everything else as it was."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(char)) if unicodedata.category(char) == "Nd" else char for char in text)


def whole_number(text: str) -> int | None:
    """`decimal_digits(text)` as an int, or None."""
    digits = decimal_digits(text)
    return None if digits is None else int(digits)
