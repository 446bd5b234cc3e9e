"""Checking a shot plan against what its request asked for: the properties of a faithful plan.

`PlanCase` states what one request must give; `check_plan` lists the properties a plan misses (empty: it
meets them all). The evaluation table in tests/plan_cases.py and benchmarks/plan_quality.py use these.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from prompts.faithful import has_filler, missing_words
from prompts.request import parse_request
from prompts.schema import MAX_SHOT_SECONDS, MIN_SHOT_SECONDS, ShotList

# Allowed gap between the total asked for and the plan's.
TOTAL_TOLERANCE = 0.10


@dataclass(frozen=True)
class PlanCase:
    """One request and its checkable properties. `content`: words that must reach some prompt (alternatives
    split by "/", e.g. "dog/小狗"); `not_in`: text that must reach no prompt and not the title; `beats`: one
    word per beat that must appear in this order, each in a later shot than the one before (when the plan
    has a shot per beat); None means "any"."""

    request: str
    shots: int | None = None
    total: float | None = None
    aspect: str | None = None
    style: str | None = None
    content: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()
    beats: tuple[str, ...] = ()


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
    if not plan.title.strip() or len(plan.title) > 100:
        failures.append("title is empty or too long")
    return failures


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
