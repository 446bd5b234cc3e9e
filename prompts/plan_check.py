"""Checking a shot plan against what its request asked for: the properties of a faithful plan.

`PlanCase` states what one request must give; `check_plan` lists the properties a plan misses (empty: it
meets them all). The evaluation table in tests/plan_cases.py and benchmarks/plan_quality.py use these.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from prompts.clauses import finite_verbs
from prompts.coverage import core_key
from prompts.faithful import has_filler, missing_words
from prompts.langdata import language
from prompts.parts import read_parts
from prompts.request import RequestFacts, parse_request
from prompts.schema import MAX_SHOT_SECONDS, MIN_SHOT_SECONDS, ShotList
from prompts.titles import MAX_CHARS, MAX_WORDS, MIN_CHARS, MIN_WORDS

# Allowed gap between the total asked for and the plan's.
TOTAL_TOLERANCE = 0.10


@dataclass(frozen=True)
class PlanCase:
    """One request and its checkable properties. `content`: words that must reach some prompt (alternatives
    split by "/", e.g. "dog/小狗"); `not_in`: text that must reach no prompt and not the title; `beats`: one
    word per beat that must appear in this order, each in a later shot than the one before (when the plan
    has a shot per beat); `negative`: what the request keeps out, which every shot's negative prompt holds
    and no prompt shows; `film`: whether the film property applies (None: decided from the request). None
    means "any"."""

    request: str
    shots: int | None = None
    total: float | None = None
    aspect: str | None = None
    style: str | None = None
    content: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()
    beats: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    film: bool | None = None


def check_plan(case: PlanCase, plan: ShotList) -> list[str]:
    """The properties `plan` misses, as short messages; [] when it meets every one."""
    failures: list[str] = []
    prompts = [shot.prompt for shot in plan.shots]
    written = " \n ".join(prompts)
    if case.shots is not None and len(plan.shots) != case.shots:
        failures.append(f"shots: {len(plan.shots)} != {case.shots}")
    if case.total is not None and abs(plan.duration - case.total) > TOTAL_TOLERANCE * case.total:
        failures.append(f"total: {plan.duration:g} s != {case.total:g} s")
    if any(not MIN_SHOT_SECONDS <= shot.duration <= MAX_SHOT_SECONDS for shot in plan.shots):
        failures.append("a shot's duration is out of bounds")
    if plan.aspect != case.aspect:
        failures.append(f"aspect: {plan.aspect} != {case.aspect}")
    if case.style and case.style.lower() not in plan.bible.style.lower():
        failures.append(f"style: {case.style!r} not in {plan.bible.style!r}")
    for word in case.content:
        if not any(_contains(written, alternative) for alternative in word.split("/")):
            failures.append(f"content: {word!r} missing")
    # The "Style:" sentence is where a requested style belongs; everywhere else an option phrase is a leak.
    content = re.sub(r"(?:^|(?<=\. ))Style: [^.]*\.", "", written, flags=re.MULTILINE)
    for phrase in case.not_in:
        if _contains(content, phrase) or _contains(plan.title, phrase):
            failures.append(f"option text {phrase!r} reached a prompt or the title")
    facts = parse_request(case.request)
    if facts.language == "en":
        lost = missing_words(" ".join(facts.beats), written)
        if lost:
            failures.append(f"words dropped: {', '.join(lost)}")
    elif not facts.chinese and not all(beat in written for beat in facts.beats):
        failures.append("the request's own words are in no prompt")
    filler = has_filler(written)
    if filler:
        failures.append(f"filler: {', '.join(filler)}")
    failures += _beat_order(case.beats, prompts, strict=case.shots is not None and case.shots >= len(case.beats))
    failures += _title(plan.title, facts)
    failures += _characters(plan, facts)
    for term in case.negative:
        if not all(_contains(shot.negative_prompt, term) for shot in plan.shots):
            failures.append(f"negative: {term!r} not in every negative prompt")
        if _contains(content, term):
            failures.append(f"negative: {term!r} shown in a prompt")
    failures += _film(case, plan, facts)
    if not (facts.asked.camera_size or facts.asked.camera_move) and any(
            a.camera == b.camera for a, b in zip(plan.shots, plan.shots[1:])):
        failures.append("two shots in a row share one camera setup (a jump cut)")
    return failures


# Scripts a title in each language is written in.
_SCRIPTS = {"han": r"[\u3400-\u9fff]", "kana": r"[\u3040-\u30ff\u3400-\u9fff]", "hangul": r"[\uac00-\ud7af]",
            "cyrillic": r"[\u0400-\u04ff]", "latin": r"[A-Za-zÀ-ÿ]"}


def _title(title: str, facts: RequestFacts) -> list[str]:
    """A name for the film: in the request's script, 2-6 words (2-12 characters in Chinese and Japanese; one
    word when the request is one), never ending on a small word as a cut phrase would."""
    data = language(facts.language)
    failures = []
    if not re.search(_SCRIPTS[data.script], title):
        failures.append(f"title {title!r} is not in the request's language")
    if data.spaced:
        words = title.split()
        one = len(facts.text.split()) == 1
        if not (MIN_WORDS - one <= len(words) <= MAX_WORDS):
            failures.append(f"title {title!r} has {len(words)} words")
        elif words[-1].lower().strip(",.") in data.words("title.small"):
            failures.append(f"title {title!r} ends mid-phrase")
    elif not MIN_CHARS <= len(title.replace(" ", "")) <= MAX_CHARS:
        failures.append(f"title {title!r} has {len(title)} characters")
    return failures


_FRAGMENT_EDGES = frozenset(language("en").words("parts.place_preps")) | frozenset(language("en").words("parts.relatives")) \
    | frozenset(("and", "or", "of", "with", "while"))


def _characters(plan: ShotList, facts: RequestFacts) -> list[str]:
    """The recurring character is a whole noun phrase of the request (or of the prompts, when they put it in
    English): no preposition or joiner at either end, no article at its end, every word from the request."""
    characters = plan.bible.characters.split(",")[0].strip()
    if not characters:
        return []
    words = characters.lower().split()
    while len(words) > 1 and words[0] in ("a", "an", "the"):
        words.pop(0)
    known = set(re.findall(r"[^\W_]+", f"{facts.text} {' '.join(s.prompt for s in plan.shots)}".lower()))
    # "two astronauts float": a character that ends on its verb took the verb for a noun.
    verb_end = len(words) > 1 and words[-2].endswith("s") and language(facts.language).spaced \
        and words[-1] in finite_verbs(facts.language)
    if verb_end or words[0] in _FRAGMENT_EDGES or words[-1] in _FRAGMENT_EDGES | {"a", "an", "the"} or \
            any(word not in known and word not in ("a", "an", "the") for word in re.findall(r"[^\W_]+", characters.lower())):
        return [f"characters {characters!r} is a fragment"]
    return []


def _film(case: PlanCase, plan: ShotList, facts: RequestFacts) -> list[str]:
    """Film: a single-beat request of 3 shots or more that names a setting, an object or an action besides its
    subject gets shots that each show something of their own (no two share a core text)."""
    applies = case.film
    if applies is None:
        if len(facts.beats) != 1 or len(plan.shots) < 3:
            return []
        if facts.language == "en" or (facts.chinese and facts.understood):
            applies = bool(facts.action or facts.setting)
        else:
            parts = read_parts(facts.beats[0], facts.language)
            applies = bool(parts.action or parts.setting or parts.objects)
    if not applies:
        return []
    code = "en" if plan.backend != "rules" or facts.chinese and facts.understood else facts.language
    keys = [core_key(shot.action if shot.action.lower().startswith(shot.subject.lower()[:8]) else
                     f"{shot.subject} {shot.action}", code) for shot in plan.shots]
    return [] if len(set(keys)) == len(keys) else [f"film: shots share a core: {[shot.action for shot in plan.shots]}"]


def _beat_order(beats: tuple[str, ...], prompts: list[str], *, strict: bool) -> list[str]:
    """Each beat first shows in a later shot than the one before (`strict`: a shot per beat), or later in
    the same shot's prompt."""
    if not beats:
        return []
    places = []
    for beat in beats:
        place = next(((i, _position(prompt, beat)) for i, prompt in enumerate(prompts)
                      if _position(prompt, beat) is not None), None)
        if place is None:
            return [f"beat {beat!r} in no shot"]
        places.append(place)
    ordered = all((b[0] > a[0]) if strict else (b > a) for a, b in zip(places, places[1:]))
    return [] if ordered else [f"beats out of order: (shot, position) {places}"]


def _position(prompt: str, beat: str) -> int | None:
    found = [match.start() for alt in beat.split("/") for match in [_search(prompt, alt)] if match]
    return min(found) if found else None


def _contains(text: str, phrase: str) -> bool:
    return _search(text, phrase) is not None


def _search(text: str, phrase: str) -> re.Match[str] | None:
    if re.search(r"[A-Za-z0-9]", phrase):
        # A plural counts as the word: "flowers" for "flower".
        return re.search(rf"(?<![A-Za-z0-9]){re.escape(phrase)}(?:e?s)?(?![A-Za-z0-9])", text, re.IGNORECASE)
    return re.search(re.escape(phrase), text)
