"""Character names and aliases in any script, and finding them in what members type in any language.

Matching is on normalised text: NFKC (full-width "Ｍｉｒａ" is "Mira", "ﾐﾗ" is "ミラ") then Unicode case
folding ("MIRA", "mira"; "Straße", "STRASSE"). A name must stand as a word where its script separates
words: a letter or digit of a script written with spaces right before or after it (the "n" of "Miranda")
means another word. Chinese, Japanese, Thai and the other scripts written without spaces have no such
boundary, so "米拉" is found in "米拉在雪地里打滚" and "Mira" in "Mira在跳舞" (the character after it is
of a spaceless script). A name in a spaceless script can therefore match inside a longer word ("ミラ" in
"ミラクル"); a more specific alias or `cast:` picks the character explicitly.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# Scripts written without spaces between words (Unicode character name prefixes).
_SPACELESS = ("CJK ", "HIRAGANA", "KATAKANA", "HALFWIDTH KATAKANA", "IDEOGRAPHIC", "THAI ", "LAO ", "KHMER ",
              "MYANMAR ", "TIBETAN ", "YI ", "BOPOMOFO")
# Separators in a typed list of names or aliases: commas of any script, and the Chinese enumeration comma.
_LIST_SEPARATORS = re.compile(r"[,，、;；]")


def name_key(name: str) -> str:
    """The key a name or alias is stored and matched by: NFKC, case-folded, inner whitespace as one space."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def spaceless(char: str) -> bool:
    """Whether `char` is of a script written without spaces between words."""
    return unicodedata.name(char, "").startswith(_SPACELESS)


def _word_char(char: str) -> bool:
    """A letter, digit or combining mark of a script that separates its words with spaces."""
    return (char.isalnum() or unicodedata.category(char).startswith("M")) and not spaceless(char)


def mentions(text: str, keys: Mapping[str, int]) -> list[int]:
    """The ids (values of `keys`, name key -> id) of the names found in `text`, in the order they first
    appear there; each id once. Longer names win where two overlap ("Mira Lee" over "Mira")."""
    folded = name_key(text)
    found: list[tuple[int, int, int]] = []  # (start, -length, id)
    for key, ident in keys.items():
        if not key:
            continue
        start = folded.find(key)
        while start != -1:
            end = start + len(key)
            before = folded[start - 1] if start else " "
            after = folded[end] if end < len(folded) else " "
            if not (_word_char(before) and _word_char(key[0])) and not (_word_char(after) and _word_char(key[-1])):
                found.append((start, -len(key), ident))
            start = folded.find(key, start + 1)
    taken_until = -1
    ordered: list[int] = []
    for start, negative_length, ident in sorted(found):
        if start < taken_until:
            continue  # inside a longer name found at the same place or before
        taken_until = start - negative_length
        if ident not in ordered:
            ordered.append(ident)
    return ordered


def name_list(text: str | None) -> list[str]:
    """Names typed as a list ("Mira, 米拉、ミラ"): split on commas of any script, trimmed, empty ones left
    out, each once (by key), in order."""
    names: dict[str, str] = {}
    for part in _LIST_SEPARATORS.split(text or ""):
        name = " ".join(part.split())
        if name and name_key(name) not in names:
            names[name_key(name)] = name
    return list(names.values())
