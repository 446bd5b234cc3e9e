"""Holding a model's shot list to the request: what it must keep, what it must not add.

A model may drop a thing the member named, swap the subject for another (a dog for the cat), keep a style
of its own beside the one asked for, or write what the member asked to keep out into a prompt. Checked on
the request's English words (English requests, and Chinese ones the dictionary puts in English):
- the subject swapped away (its noun in no prompt): rejected (ExpansionError; the rules answer instead);
- another named thing dropped: repaired, the member's words for its beat added to that beat's shot;
- a style that conflicts with the asked one: its words taken out of the bible, the shots and the prompts;
- what the member keeps out: added to every negative prompt and taken out of every prompt.
"""
from __future__ import annotations

import re

from prompts.compose import join_within, shorten
from prompts.errors import ExpansionError
from prompts.faithful import content_words, missing_words
from prompts.langdata import language
from prompts.lexicon import STYLES
from prompts.request import RequestFacts
from prompts.schema import ShotList

_EN = language("en")
_VERBS = frozenset(_EN.words("parts.verbs")) | frozenset(_EN.words("parts.base_verbs"))
# Styles that sit together without conflict ("noir" is black and white).
_COMPATIBLE = {"noir": {"bw", "vintage", "cinematic"}, "bw": {"noir", "vintage", "cinematic"},
               "vintage": {"noir", "bw", "cinematic"}, "documentary": {"cinematic"}, "cinematic": {"documentary"},
               "cyberpunk": {"cinematic"}}


def nouns(text: str) -> list[str]:
    """The content words of English `text` that name things (verbs and -ing words left out)."""
    return [word for word in content_words(text) if word not in _VERBS and not word.endswith("ing")]


_COLLECTIVES = frozenset("group family pair herd flock pack couple bunch crowd school swarm team band army".split())
_MODIFIER = re.compile(r"\s+(?:with|in|on|at|wearing|holding|from|under|near|by|who|that|which)\s+.*$", re.IGNORECASE)


def head_noun(subject: str) -> str:
    """The noun a subject is about: "a fox with a red lantern" -> "fox", "a group of pandas" -> "pandas"."""
    words = _MODIFIER.sub("", subject).split()
    if "of" in words:
        at = words.index("of")
        words = words[at + 1:] if at and words[at - 1].lower() in _COLLECTIVES else words[:at]
    found = nouns(" ".join(words))
    return found[-1] if found else ""


def hold_nouns(shot_list: ShotList, subject: str, cores: list[str]) -> ShotList:
    """Reject a list that lost the subject's noun; add a beat's own words to its shot when it lost another."""
    written = " ".join(f"{shot.subject} {shot.action} {shot.prompt}" for shot in shot_list.shots)
    head = [head_noun(subject)] if head_noun(subject) else []
    if head and missing_words(head[0], written):
        raise ExpansionError(f"the shot list leaves out the subject ({head[0]}): it shows something else")
    shots = list(shot_list.shots)
    for index, core in enumerate(cores):
        lost = missing_words(" ".join(nouns(core)), " ".join(shot.prompt for shot in shots))
        if not lost:
            continue
        at = min(len(shots) - 1, index * len(shots) // max(1, len(cores)))
        prompt = shorten(f"{shots[at].prompt.rstrip(' .')}. {core[:1].upper()}{core[1:]}.", 1200)
        shots[at] = shots[at].model_copy(update={"prompt": prompt})
    return shot_list.model_copy(update={"shots": shots})


def _style_keys(text: str) -> set[str]:
    lowered = text.lower()
    return {key for key, (_, aliases) in STYLES.items() for alias in aliases
            if alias.isascii() and re.search(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])", lowered)}


def _without_styles(text: str, keys: set[str]) -> str:
    for key in keys:
        for alias in sorted(STYLES[key][1], key=len, reverse=True):
            if alias.isascii():
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(alias)}(?:[\s-]+(?:style|look|film|footage))?(?![A-Za-z0-9])",
                              "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s*,\s*(?:,\s*)+", ", ", " ".join(text.split()))
    return re.sub(r"^[\s,]+|[\s,]+$|\s+(?=[,.])", "", text)


def hold_style(shot_list: ShotList, asked: str | None) -> ShotList:
    """Without the words of any style that conflicts with the one asked (`asked`: a STYLES key)."""
    if asked is None:
        return shot_list
    found = _style_keys(shot_list.bible.style) | {key for shot in shot_list.shots for key in _style_keys(shot.style)}
    conflicting = {key for key in found if key != asked and key not in _COMPATIBLE.get(asked, set())}
    if not conflicting:
        return shot_list
    bible = shot_list.bible.model_copy(update={"style": _without_styles(shot_list.bible.style, conflicting)
                                               or STYLES[asked][0].style})
    shots = [shot.model_copy(update={"style": _without_styles(shot.style, conflicting) or bible.style,
                                     "prompt": _without_styles(shot.prompt, conflicting)})
             for shot in shot_list.shots]
    return shot_list.model_copy(update={"bible": bible, "shots": shots})


def hold_negatives(shot_list: ShotList, avoid: tuple[str, ...]) -> ShotList:
    """Every thing in `avoid` in every negative prompt, and in no prompt ("with no people" goes whole)."""
    if not avoid:
        return shot_list
    shots = []
    for shot in shot_list.shots:
        prompt = shot.prompt
        for term in avoid:
            prompt = re.sub(rf"\s*(?:,\s*)?(?:\b(?:with\s+no|without(?:\s+any)?|no|free\s+of|devoid\s+of)\s+)?"
                            rf"(?<![^\W\d_]){re.escape(term)}(?![^\W\d_])", "", prompt, flags=re.IGNORECASE)
        negative = join_within([shot.negative_prompt, *(t for t in avoid if t.lower() not in shot.negative_prompt.lower())],
                               600)
        shots.append(shot.model_copy(update={"prompt": " ".join(prompt.split()), "negative_prompt": negative}))
    return shot_list.model_copy(update={"shots": shots})


def english_reference(facts: RequestFacts) -> bool:
    """True when the request's words can be checked in English prompts."""
    return facts.language == "en" or (facts.chinese and facts.understood)
