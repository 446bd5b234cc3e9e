"""Chinese requests: segmented greedily against zh-CN's phrase dictionary (Traditional characters mapped
to Simplified first) and, when every word is known, rebuilt in English."""
from __future__ import annotations

import re
from functools import cache

from prompts.grammar import tidy
from prompts.langdata import language as language_data
from prompts.lexicon import MOODS, STYLES, TIMES, WEATHER, ZH, Entry

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Stands in when a request names no subject ("at night in the rain", "make it anime").
PLACEHOLDER_SUBJECT = "a lone figure"
_TABLES = {"time": TIMES, "weather": WEATHER, "mood": MOODS, "style": STYLES}


def to_simplified(text: str, language: str) -> str:
    """Traditional Chinese text in Simplified characters (zh-TW's character map), so the dictionary reads it."""
    pairs = language_data(language).words("to_simplified")
    return text.translate(str.maketrans({pair[0]: pair[1] for pair in pairs})) if pairs else text



@cache
def _zh_vocabulary() -> tuple[dict[str, Entry | None], int]:
    # Look words are recognised (so their characters are not misread) but play no part in the sentence.
    vocabulary: dict[str, Entry | None] = {
        alias: None for table in _TABLES.values() for _, aliases in table.values() for alias in aliases
        if _CJK.search(alias)
    }
    vocabulary.update(ZH)
    return vocabulary, max(len(phrase) for phrase in vocabulary)


def segment(text: str) -> list[Entry]:
    return _segment_with_gaps(text)[0]


def _segment_with_gaps(text: str) -> tuple[list[Entry], str]:
    """Greedy longest-match segmentation: (the entries, the characters no phrase covered)."""
    vocabulary, longest = _zh_vocabulary()
    entries, gaps, i = [], [], 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 0, -1):
            piece = text[i:i + size]
            if piece in vocabulary:
                if vocabulary[piece] is not None:
                    entries.append(vocabulary[piece])
                i += size
                break
        else:
            gaps.append(text[i])
            i += 1
    return entries, "".join(gaps)


# Grammar words a translation may drop without losing anything the member asked for.
_ZH_FUNCTION = frozenset(language_data("zh-CN").text("parts.function"))


def zh_covered(text: str) -> bool:
    """True when every Chinese word of `text` is in the lexicon, so the English rebuild loses nothing."""
    gaps = _segment_with_gaps(text)[1]
    return not any(_CJK.match(char) and char not in _ZH_FUNCTION for char in gaps)


_IRREGULAR_PLURALS = {"man": "men", "woman": "women", "fish": "fish", "deer": "deer", "mouse": "mice",
                      "person": "people", "child": "children"}


def is_plural(noun_phrase: str) -> bool:
    """ "two knights", "a cat and a dog", "a group of pandas", "lanterns" (a heuristic, English only)."""
    first = noun_phrase.split(" ", 1)[0].lower()
    return (
        first in {"two", "three", "four", "five", "six", "many", "several", "some"}
        or " and " in noun_phrase or " group of " in f" {noun_phrase} "
        or (noun_phrase.endswith("s") and not noun_phrase.endswith("ss"))
        # "children", "people"; "fish" and "deer" may be one
        or noun_phrase.lower().rsplit(" ", 1)[-1] in {"men", "women", "mice", "people", "children"}
    )


def _plural(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR_PLURALS:
        plural = _IRREGULAR_PLURALS[last]
    elif last.endswith("y") and last[-2:-1] not in tuple("aeiou"):
        plural = last[:-1] + "ies"
    elif last.endswith(("s", "sh", "ch", "x")):
        plural = last + "es"
    else:
        plural = last + "s"
    return f"{head} {plural}".strip()


def _noun_phrase(quantity: str | None, adjectives: list[str], noun: str) -> str:
    plural = quantity in ("two", "a group of", "many")
    words = " ".join([*adjectives, _plural(noun) if plural else noun])
    if quantity and quantity != "a":
        return f"{quantity} {words}"
    if is_plural(noun):
        return words
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def _with_adjectives(place: str, adjectives: list[str]) -> str:
    if not adjectives:
        return place
    article, _, rest = place.partition(" ")
    if article in ("a", "an", "the"):
        article = "the" if article == "the" else ("an" if adjectives[0][0] in "aeiou" else "a")
        return f"{article} {' '.join(adjectives)} {rest}"
    return f"{' '.join(adjectives)} {place}"


# Path prepositions fit only actions that travel; anything else happens in/on the place.
STATIC_PREPS = {"through": "in", "across": "on", "along": "on", "into": "in", "onto": "on", "toward": "near",
                 "towards": "near", "past": "near", "throughout": "in", "down": "on", "up": "on"}
_MOTION = frozenset("walking strolling wandering running flying swimming driving sailing riding exploring "
                    "chasing crossing surfing skiing floating circling passing".split())


def parse_chinese(text: str) -> dict[str, str | bool]:
    subjects: list[str] = []
    objects: list[str] = []
    actions: list[str] = []
    places: list[tuple[str, str]] = []
    cities: list[str] = []
    quantity: str | None = None
    adjectives: list[str] = []
    for entry in segment(text):
        if entry.kind == "quantity":
            quantity = entry.english
        elif entry.kind == "adj":
            adjectives.append(entry.english)
        elif entry.kind == "subject":
            (objects if actions else subjects).append(_noun_phrase(quantity, adjectives, entry.english))
            quantity, adjectives = None, []
        elif entry.kind == "place":
            places.append((entry.prep, _with_adjectives(entry.english, adjectives)))
            adjectives = []
        elif entry.kind == "city":
            cities.append(entry.english)
        elif entry.kind == "action" and entry.english not in actions:
            actions.append(entry.english)
    if not subjects:
        # "在海边跳舞的女孩": the noun after a relative clause is still the subject.
        subjects, objects = objects, []
    action = " and ".join(actions)
    if objects:
        action = f"{action} {' and '.join(objects)}".strip()
    prep, setting = "in", ""
    if places:
        # Chinese puts the head noun last: 城市街道 is "the streets of a city", 纽约街道 "... of New York".
        prep, setting = places[-1]
        if prep in STATIC_PREPS and not any(word in _MOTION for word in action.split()):
            prep = STATIC_PREPS[prep]  # "eating in a bamboo forest", not "eating through" it
        modifier = cities[0] if cities else places[0][1] if len(places) > 1 else ""
        if modifier:
            setting = f"{setting} {'of' if setting.startswith('the streets') else 'in'} {modifier}"
    elif cities:
        prep, setting = ("through" if action else "in"), cities[0]
    if subjects:
        subject = " and ".join(subjects)
    elif action or setting:
        subject = PLACEHOLDER_SUBJECT
    else:
        return {"subject": tidy(text), "understood": False}
    return {"subject": subject, "action": action, "prep": prep, "setting": setting}
