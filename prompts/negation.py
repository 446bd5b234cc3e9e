"""What a request asks to keep out ("no people", "without text", "sin gente", "没有人的", "人がいない"): taken
out of the text, so it never steers a shot towards it, and handed to the negative prompt.

The words are data (prompts/languages/*.toml, `[negation]`): `before` words open what is negated (English,
Romance, German, Russian, Chinese), `after` markers close it (Japanese, Korean), `until` words end it.
What is negated keeps the member's words, less its article ("without a hat" -> "hat").
"""
from __future__ import annotations

import re
from functools import cache

from prompts.grammar import splice, tidy
from prompts.langdata import STOP, alternation, language

# What a negation covers: a few words in spaced scripts, a few characters in CJK.
MAX_WORDS = 4
MAX_CHARS = 8


@cache
def _patterns(code: str) -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    patterns = []
    # Only the request's own language: "no" is English for "without" but Portuguese for "in the".
    for data in (language(code),):
        until = data.words("negation.until")
        articles = frozenset(data.words("parts.articles"))
        stop_words = alternation([*until, *data.words("negation.before")], data.spaced) if until else "(?!)"
        before, after = data.words("negation.before"), data.words("negation.after")
        if data.spaced and before:
            verb = alternation(f"re:[^\\W\\d_]+{suffix}" for suffix in data.words("parts.verb_suffixes"))
            word = rf"(?!(?:{stop_words}|{verb})(?![^\W\d_]))[^\W\d_][\w'-]*"
            patterns.append((re.compile(
                rf"(?<![^\W\d_])(?<!\ba\s)(?<!\bthe\s){alternation(before)}\s+(?P<x>{word}(?:\s+{word}){{0,{MAX_WORDS - 1}}})",
                re.IGNORECASE), articles))
        elif before:
            ends = "".join(until)
            patterns.append((re.compile(
                rf"{alternation(before, False)}(?P<x>[^\s,.;!?，。；、{ends}]{{1,{MAX_CHARS}}}?)(?:的|(?={STOP}|$|[{ends}]))"),
                articles))
        if after:
            particles = "".join(data.words("parts.subject_particles"))
            body = rf"[^\s,.;!?，。；、をでにがはの{particles}]{{1,{MAX_CHARS}}}" if not data.spaced else r"[^\W\d_]+"
            patterns.append((re.compile(rf"(?P<x>{body})\s*{alternation(after, False)}"), frozenset(particles)))
    return tuple(patterns)


def read_negations(text: str, code: str = "en") -> tuple[str, tuple[str, ...]]:
    """(`text` without what it asks to keep out, the things to keep out in the member's words)."""
    negated: list[str] = []
    for pattern, articles in _patterns(code):
        while True:
            match = pattern.search(text)
            if not match:
                break
            negated.append(_bare(match.group("x"), articles))
            text = tidy(splice(text[:match.start()].rstrip(), text[match.end():].lstrip()), code)
    return text, tuple(dict.fromkeys(term for term in negated if term))


def _bare(term: str, articles: frozenset[str]) -> str:
    """"a hat" -> "hat"; a Korean subject particle off ("사람이" -> "사람")."""
    words = term.strip(" ,.;").split()
    while words and words[0].lower() in articles:
        words.pop(0)
    phrase = " ".join(words)
    for particle in sorted((a for a in articles if len(a) == 1 and not a.isascii()), key=len, reverse=True):
        if phrase.endswith(particle) and len(phrase) > 2:
            return phrase[:-1]
    return phrase
