"""Numbers as members type them: digits, the number words of each language's data file, CJK numerals.

`number_regex(codes)` is a regex fragment matching one number in those languages; `number_value` reads
what it matched.
"""
from __future__ import annotations

import re
from functools import cache

from prompts.langdata import CODES, alternation, language

_CJK_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "俩": 2, "倆": 2, "三": 3, "四": 4, "五": 5,
               "六": 6, "七": 7, "八": 8, "九": 9}
CJK_NUMERAL = r"[零〇一二两兩俩倆三四五六七八九十百半]+"
# Digits are bounded (and a longer run is no number at all, just text): Python's int() refuses more than
# 4,300 digits, and no count or length a member asks for has more than a few.
DIGITS = r"(?<!\d)\d{1,9}(?:\.\d{1,6})?(?![\d.])"


@cache
def words(codes: tuple[str, ...] = CODES) -> dict[str, float]:
    """Number words of `codes` (lowercase) -> value, and the articles that stand for one before a unit."""
    table: dict[str, float] = {}
    for code in codes:
        data = language(code)
        table.update({word.lower(): float(value) for word, value in data.table("numbers").items()})
        table.update({word: 1.0 for word in data.words("numbers_one.words")})
    return table


@cache
def number_regex(codes: tuple[str, ...]) -> str:
    """One number in `codes`: digits, a number word (whole words in spaced scripts) or a CJK numeral."""
    spoken = [word for code in codes for word in language(code).table("numbers")]
    cjk = any(language(code).script in ("han", "kana") for code in codes)
    parts = [DIGITS]
    if spoken:
        parts.append(alternation(spoken))
    if cjk:
        parts.append(CJK_NUMERAL)
    return "(?:" + "|".join(parts) + ")"


@cache
def one_regex(codes: tuple[str, ...]) -> str:
    """The articles that count one before a unit ("a minute", "une minute")."""
    ones = [word for code in codes for word in language(code).words("numbers_one.words")]
    return alternation(ones) if ones else "(?!)"


def number_value(token: str) -> float | None:
    """"3", "2.5", "three", "a couple of", "trois", "十二", "二十五", "半" -> the number; None when it is not one."""
    token = " ".join(token.strip().lower().replace("-", " ").split())
    if re.fullmatch(DIGITS, token):
        return float(token)
    table = words()
    for key in (token, token.replace(" ", "-")):
        if key in table:
            return table[key]
    if re.fullmatch(CJK_NUMERAL, token):
        return cjk_number(token)
    return None


def cjk_number(text: str) -> float | None:
    """CJK numerals up to the hundreds: 三 3, 十 10, 十二 12, 二十 20, 二十五 25, 一百 100, 半 0.5."""
    if text == "半":
        return 0.5
    total, current = 0, 0
    for char in text:
        if char in _CJK_DIGITS:
            current = _CJK_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)

