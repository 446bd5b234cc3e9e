"""Typos in option words ("3 shtos", "10 secnods", ", verticle,") mended before the option grammar reads them.

Only a word standing where an option word belongs is looked at: right after a number in a clause that is
nothing else ("a fox, 3 shtos": a unit, `options.keywords` in prompts/languages/*.toml), or alone between
commas (a word that is an option on its own: `options.aspect_alone`, `options.keywords_alone`). It becomes
the keyword it is closest to, when it is within one edit per four letters (rapidfuzz's optimal-string-alignment distance, which counts a swapped pair as one edit). Content
is never matched: "3 cats" and "a portrait of my dog" stay as typed.
"""
from __future__ import annotations

import re
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from prompts.langdata import STOP, alternation, in_play
from prompts.numbers import number_regex

# Similarity (1 - edits / length) a word needs to its keyword: one edit in four letters or more.
MIN_SIMILARITY = 0.75
MIN_LETTERS = 4


@cache
def _vocabulary(code: str) -> tuple[tuple[str, ...], tuple[str, ...], re.Pattern[str]]:
    """(units said after a number, words that are options alone, the pattern of a clause that holds one)."""
    languages = in_play(code)
    units = tuple(dict.fromkeys(word for data in languages for word in data.words("options.keywords")))
    alone = tuple(dict.fromkeys(word.lower() for data in languages
                                for word in (*data.table("options.aspect_alone"), *data.words("options.keywords_alone"))
                                if len(word) >= MIN_LETTERS))
    lead = [word for data in languages for word in data.words("options.fragment_lead")]
    tail = [word for data in languages for word in (*data.words("options.fragment_tail"),
                                                      *data.words("options.fuzzy_tail"))]
    number = number_regex(tuple(data.code for data in languages))
    slot = (rf"^(?P<lead>\s*(?:{alternation(lead)}\s+)*)(?:(?P<n>{number})[\s-]*)?(?P<word>[^\W\d_]+)"
            rf"(?P<tail>(?:\s+{alternation(tail)})*\s*)$")
    return units, alone, re.compile(slot, re.IGNORECASE)


def mend_option_typos(text: str, language: str) -> str:
    """`text` with mistyped option words spelled as the keyword they stand for; everything else as typed."""
    units, alone, slot = _vocabulary(language)
    parts = re.split(f"({STOP})", text)
    return "".join(_mend(part, units, alone, slot) for part in parts)


def _mend(part: str, units: tuple[str, ...], alone: tuple[str, ...], slot: re.Pattern[str]) -> str:
    match = slot.match(part)
    if not match:
        return part
    word = match.group("word")
    keywords = units if match.group("n") else alone
    if len(word) < MIN_LETTERS or not keywords or word.lower() in keywords:
        return part
    found = process.extractOne(word.lower(), keywords, scorer=OSA.normalized_similarity, score_cutoff=MIN_SIMILARITY)
    if found is None:
        return part
    return part[:match.start("word")] + found[0] + part[match.end("word"):]
