"""Coverage: the shots a beat gets, each framing a part of what the member named.

N shots of one beat become a short film: the place (establishing), the subject in it (introduce), the
whole action, a detail insert (a named object, else the subject's face or hands, else the subject up close),
a reaction and a payoff. Every shot's core text is built from the beat's own parts (prompts.parts, or the
English parse) and the language's framing words (`parts.frame` in its data file): nothing is added that the
member did not name, and no two shots of a beat share a core while the beat has parts left to show.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from prompts.langdata import language
from prompts.parts import Parts

# The order shots of one beat are cut in.
ORDER = ("single", "establishing", "introduce", "action", "detail", "reaction", "payoff")
# Which shots a beat gets first when it gets few: the first beat sets the scene, later ones move the story.
FIRST = ("action", "establishing", "detail", "introduce", "payoff", "reaction")
LATER = ("action", "detail", "reaction", "payoff", "introduce", "establishing")


@dataclass(frozen=True)
class Beat:
    """One beat ready for coverage: `core` the whole beat as a shot says it, `parts` its parts, `language`
    the language both are written in, `subject` how later shots name the subject ("the red fox"),
    `animate`/`human` whether it has a face / hands, `when` the time words as typed ("at dusk")."""

    core: str
    parts: Parts
    language: str
    subject: str = ""
    animate: bool = False
    human: bool = False
    when: str = ""
    plural: bool = False
    time: str | None = None
    weather: str | None = None


@dataclass(frozen=True)
class Planned:
    """One shot of the sequence: what it is for, its core text, what it frames, and which beat it covers."""

    role: str
    core: str
    frames: str
    beat: int


def allocate(count: int, beats: int) -> list[int]:
    """Shots per beat: extra shots go to the first beats first. (More beats than shots: see `merge`.)"""
    return [count // beats + (index < count % beats) for index in range(beats)]


def merge(beats: list[Beat], count: int) -> list[Beat]:
    """`count` beats from more: consecutive beats go together, their cores joined."""
    bounds = [round(index * len(beats) / count) for index in range(count + 1)]
    merged = []
    for index in range(count):
        group = beats[bounds[index]:bounds[index + 1]]
        first = group[0]
        merged.append(Beat(", ".join(beat.core for beat in group), Parts(subject=first.parts.subject),
                           first.language, first.subject, first.animate, first.human, first.when, first.plural,
                           next((b.time for b in group if b.time), None), next((b.weather for b in group if b.weather), None)))
    return merged


def sequence(beats: list[Beat], count: int) -> list[Planned]:
    """`count` shots covering `beats` in order."""
    if count < len(beats):
        beats = merge(beats, count)
    if count == 1:
        return [Planned("single", beats[0].core, beats[0].subject or beats[0].core, 0)]
    planned: list[Planned] = []
    for index, (beat, shots) in enumerate(zip(beats, allocate(count, len(beats)), strict=True)):
        chosen = cover(beat, shots, FIRST if index == 0 else LATER)
        planned += [Planned(role, core, frames, index) for role, core, frames in chosen]
    return planned


def cover(beat: Beat, shots: int, priority: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """`shots` (role, core, frames) for one beat, in ORDER: the roles in `priority` that have something new
    to show, each with its best candidate; then any candidate not shown yet; then the whole beat again."""
    options = candidates(beat)
    used: set[frozenset[str]] = set()
    chosen: list[tuple[str, str, str]] = []

    def take(role: str, pool: list[tuple[str, str]]) -> bool:
        for core, frames in pool:
            key = core_key(core, beat.language)
            if core and key not in used:
                used.add(key)
                chosen.append((role, core, frames))
                return True
        return False

    for role in priority:
        if len(chosen) < shots:
            take(role, options[role])
    for role in priority:
        while len(chosen) < shots and take(role, options[role]):
            pass
    while len(chosen) < shots:
        chosen.append(("action", beat.core, beat.subject or beat.core))
    return sorted(chosen, key=lambda shot: ORDER.index(shot[0]))


def candidates(beat: Beat) -> dict[str, list[tuple[str, str]]]:
    """Role -> (core, what it frames) candidates, best first, every one built from the beat's parts."""
    parts, data = beat.parts, language(beat.language)
    subject = beat.subject or parts.subject
    # "two knights' faces"; a plural that does not end in -s takes the singular's "'s" ("the deer's face").
    frame = (beat.plural and subject.endswith("s") and data.table("parts.frame_plural")) or data.table("parts.frame")

    def framed(name: str) -> str:
        return frame[name].format(s=subject) if name in frame and subject else ""

    place = parts.setting or re.sub(r"^\w+\s+", "", beat.when)  # "in the snow": the snow is where it happens
    setting = _join(place, beat.when if parts.setting and beat.when.lower() not in place.lower() else "", data.spaced)
    order = data.table("parts.order")
    # With no place named, the time words place the subject ("the dog at sunset").
    where = parts.place or beat.when
    introduce = order.get("introduce", "{s} {place}").format(s=subject, place=where, setting=parts.setting or place) \
        if where and subject else ""
    doing = order.get("doing", "{s} {action}").format(s=subject, action=parts.action) if parts.action and subject else ""
    body = [(framed("hands"), subject)] if beat.human else []
    face = [(framed("face"), subject)] if beat.animate else []
    close = [(framed("close"), subject)]
    return {
        "single": [(beat.core, subject)],
        "establishing": [(setting, place)] if place else [],
        "introduce": [(introduce, subject)] if introduce else [(subject, subject)],
        "action": [(beat.core, subject)],
        "detail": [*((obj, obj) for obj in parts.objects), *face, *body, *close],
        "reaction": [*face, *body, (doing, subject), *close],
        "payoff": [(doing, subject), (introduce, subject), (setting, place), (framed("far"), subject),
                   (framed("above"), subject)],
    }


def _join(first: str, second: str, spaced: bool) -> str:
    if not second:
        return first
    return f"{first} {second}" if spaced else f"{first}{second}"


def core_key(core: str, code: str) -> frozenset[str]:
    """What a core shows, for telling two shots apart: its words less articles and case (CJK: characters)."""
    data = language(code)
    if not data.spaced:
        return frozenset(re.sub(r"[\s,.;:!?，。；、]", "", core))
    articles = set(data.words("parts.articles")) | set(language("en").words("parts.articles"))
    return frozenset(word for word in re.findall(r"[^\W_]+", core.lower()) if word not in articles)
