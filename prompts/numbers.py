"""Numbers as members type them: digits, English/Spanish/French number words, Chinese numerals.

`NUMBER` is a regex fragment matching one number; `number_value` reads what it matched.
"""
from __future__ import annotations

import re

WORDS: dict[str, float] = {
    # English
    "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "a couple of": 2, "a couple": 2, "a few": 3,
    "half a": 0.5,
    # Spanish and French (the ones that differ from English)
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30, "une": 1, "deux": 2,
    "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "douze": 12,
    "quinze": 15, "vingt": 20, "trente": 30,
}
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_ZH_NUMERAL = r"[零〇一二两俩三四五六七八九十百半]+"
_WORD_ALTERNATION = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in sorted(WORDS, key=len, reverse=True))
# Digits are bounded (and a longer run is no number at all, just text): Python's int() refuses more than
# 4,300 digits, and no count or length a member asks for has more than a few.
_DIGITS = r"(?<!\d)\d{1,9}(?:\.\d{1,6})?(?![\d.])"
NUMBER = rf"(?:{_DIGITS}|(?<![A-Za-z])(?:{_WORD_ALTERNATION})(?![A-Za-z])|{_ZH_NUMERAL})"


def number_value(token: str) -> float | None:
    """"3", "2.5", "three", "a couple of", "十二", "二十五", "半" -> the number; None when it is not one."""
    token = " ".join(token.strip().lower().split())
    if re.fullmatch(_DIGITS, token):
        return float(token)
    if token in WORDS:
        return WORDS[token]
    if re.fullmatch(_ZH_NUMERAL, token):
        return chinese_number(token)
    return None


def chinese_number(text: str) -> float | None:
    """Chinese numerals up to the hundreds: 三 3, 十 10, 十二 12, 二十 20, 二十五 25, 一百 100, 半 0.5."""
    if text == "半":
        return 0.5
    total, current = 0, 0
    for char in text:
        if char in _ZH_DIGITS:
            current = _ZH_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)
