"""What a faithful plan keeps: the request's content words, and no stock filler in place of what was asked.

Used to hold LLM shot lists to the request, and by the plan-quality evaluation (tests and benchmarks).
"""
from __future__ import annotations

import re

# Function words and chat words that carry nothing a shot must show.
_STOPWORDS = frozenset("""
a an the and or but of in on at to by for from with into onto over under through across along around about
is are was were be been being it its this that these those there here he she they them his her their my your
our we you i me us some any very really just like so then than too also as while when where who whom which
what how up down out off near far after before again once all each every both few more most other such own
same only can could would should will shall may might must do does did done has have had having not no yes
make made want wanna please video clip film movie shot shots scene something thing things get gets got
""".split())
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]+")

# Stock phrases an old planner padded prompts with; none of them may stand in for what a member asked.
FILLER = (
    "pausing to look around", "filling the frame", "textures and surface details", "in continuous motion",
    "growing smaller in frame", "the camera easing closer as details emerge", "framed heroically from below",
    "a lone figure",
)


def content_words(text: str) -> list[str]:
    """Latin-script words of `text` worth keeping (3+ letters, not function words), lowercased, in order."""
    words = [word.lower().strip("'-") for word in _LATIN_WORD.findall(text)]
    return list(dict.fromkeys(word for word in words if len(word) >= 3 and word not in _STOPWORDS))


def missing_words(text: str, written: str) -> list[str]:
    """Content words of `text` that `written` (all prompts joined) does not contain; plural or -ing forms of
    the same stem count as kept ("cats" for "cat", "glowing" for "glows")."""
    lowered = written.lower()
    return [word for word in content_words(text) if _stem(word) not in lowered]


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def has_filler(written: str) -> list[str]:
    lowered = written.lower()
    return [phrase for phrase in FILLER if phrase in lowered]
