"""A title for the film: a short name in the request's language, built from whole parts of the request.

2 to 6 words (2 to 12 characters in Chinese and Japanese): the subject and its place ("Red Fox on a Frozen
Lake", "Un gato en un bar de jazz", "夕焼けの海の犬", "雪地里的熊猫"), else the subject and what it holds, else
the subject alone. Parts are never cut mid-phrase, and option words never reach it (they are read out
before). A one-word request gets its language's one-word form ("The Volcano").
"""
from __future__ import annotations

import re

from prompts.langdata import language
from prompts.parts import Parts

MIN_WORDS, MAX_WORDS = 2, 6
MIN_CHARS, MAX_CHARS = 2, 12
# Words a title starts with only if nothing else is left.
_INDEFINITE = frozenset("a an one some un une una uno um uma ein eine einen einer".split())


def make_title(parts: Parts, code: str, fallback: str, prep: str = "") -> str:
    """The title for a request in `code` whose first beat has `parts` (in English for an English title;
    `prep` the English place preposition, "on"); `fallback` is the first beat as written."""
    data = language(code)
    if data.text("title.pattern"):
        return _patterned(parts, code, fallback)
    subject = _head(parts.subject, code) or _head(fallback, code)
    place = f"{prep} {parts.setting}" if prep and parts.setting else parts.place
    tries = [f"{subject} {place}" if place else "", _without_indefinite(f"{subject} {place}") if place else "",
             f"{subject} {parts.objects[0]}" if parts.objects and code != "en" else "",
             # "Chef Tastes the Soup": with no place, what the subject does names the film
             f"{subject} {parts.action}" if parts.action and code == "en" else "", subject]
    for candidate in tries:
        words = candidate.split()
        if code == "en" and len(words) == 2 and words[0].lower() in _INDEFINITE:
            continue  # "a volcano": a one-word name, said below as "The Volcano"
        if MIN_WORDS <= len(words) <= MAX_WORDS and words[-1].lower() not in data.words("title.small"):
            return _cased(candidate, code)
    words = _without_indefinite(subject or fallback).split()
    if len(words) == 1:
        one = data.text("title.one_word", "{w}")
        return _cased(one.format(w=words[0]), code)
    # Longer than any whole part allows: the subject's last words, which hold its noun.
    return _cased(" ".join(words[-MAX_WORDS:]), code)


def _head(subject: str, code: str) -> str:
    """The subject without a relative clause ("a robot who gets lost" -> "a robot")."""
    relatives = language(code).words("parts.relatives")
    words = subject.split()
    for index, word in enumerate(words):
        if index and word.lower() in relatives:
            return " ".join(words[:index])
    return subject


def _without_indefinite(text: str) -> str:
    words = text.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0].lower() in _INDEFINITE else text


def _cased(title: str, code: str) -> str:
    """English in title case ("Red Fox on a Frozen Lake"); other languages with a capital first letter."""
    title = re.sub(r"^(?:an?|the|one|some)\s+(?=\S+\s)", "", title.strip(" ,.;:"), flags=re.IGNORECASE) \
        if code == "en" and not title.lower().startswith("the ") else title.strip(" ,.;:")
    if code != "en":
        return title[:1].upper() + title[1:]
    small = set(language("en").words("title.small"))
    return " ".join(word if word[:1].isupper() or (index and word.lower() in small) else word[:1].upper() + word[1:]
                    for index, word in enumerate(title.split()))


def _patterned(parts: Parts, code: str, fallback: str) -> str:
    """Chinese, Japanese, Korean: the language's pattern ("{place}的{subject}") when the parts fit it."""
    data = language(code)
    subject = parts.subject if parts.found else ""
    tries = []
    if subject and parts.setting:
        tries.append(data.text("title.pattern", "{place}{subject}").format(place=parts.setting, subject=subject))
    if subject and parts.objects:
        tries.append(data.text("title.with_object", "{subject}{object}").format(subject=subject, object=parts.objects[0]))
    tries += [subject, re.split(r"[,，、。]", fallback)[0]]
    for candidate in tries:
        if data.spaced and MIN_WORDS <= len(candidate.split()) <= MAX_WORDS:
            return candidate
        if not data.spaced and MIN_CHARS <= len(candidate.replace(" ", "")) <= MAX_CHARS:
            return candidate
    return " ".join(fallback.split()[:MAX_WORDS]) if data.spaced else fallback[:MAX_CHARS]
