"""The rule-based expander: no model, deterministic, always available (and every LLM backend's fallback).

Faithfulness first: the core of every shot prompt is the member's own words for that beat (cleaned of
option phrases and chat framing; Chinese put in English only when every word of it is known), and only the
camera, the light, the style and the continuity line are written around it. Beats become shots in order;
when more shots are asked for than beats given, coverage of a beat (establishing, medium, close-up, ...)
fills the rest.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from common.text import N_, Nn_, Text
from prompts.base import ExpandOptions
from prompts.beats import carry_subjects
from prompts.compose import compose_core, join_within, negative_prompt, shorten, style_description
from prompts.lexicon import DEFAULT_STYLE, STYLES
from prompts.request import PLACEHOLDER_SUBJECT, RequestFacts, parse_request, proper_places
from prompts.schema import MAX_SHOT_SECONDS, MAX_SHOTS, MIN_SHOT_SECONDS, Shot, ShotList, StyleBible
from prompts.timing import MAX_TOTAL_SECONDS, fit_durations

DEFAULT_SHOTS = 4
DEFAULT_LIGHTING = "soft natural light, gentle contrast"
SLOW_MOTION_STYLE = "slow-motion footage, high frame rate look"
# Seconds a shot gets when nobody asked: enough for a motion to read, short enough to keep the cut alive.
SHOT_SECONDS = 3.0


@dataclass(frozen=True)
class Coverage:
    """One way of covering a beat: shot sizes and movements to pick from (one per request), its length."""

    sizes: tuple[str, ...]
    moves: tuple[str, ...]
    seconds: float
    light: str = ""


COVERAGE = {
    "single": Coverage(("medium wide shot",), ("slow dolly-in", "slow arc around the subject"), 4.0),
    "establishing": Coverage(("extreme wide establishing shot", "wide establishing shot"),
                             ("slow aerial push-in", "slow pan across the scene"), 3.0),
    "medium": Coverage(("medium shot",), ("smooth lateral tracking", "gentle handheld follow"), 2.5),
    "approach": Coverage(("medium wide shot",), ("slow dolly-in", "gentle push-in"), 2.5),
    "low": Coverage(("low-angle medium shot",), ("slow tilt up", "slow orbit"), 2.0,
                    "strong backlight outlining the silhouette"),
    "close": Coverage(("close-up, shallow depth of field", "extreme close-up"), ("slow push-in", "slow rack focus"),
                      2.0, "soft rim light"),
    "closing": Coverage(("wide shot",), ("crane up and pull back to reveal the surroundings",
                                         "rising aerial pull-away"), 3.0),
}
# The arc of a film of n shots: it opens wide, comes in close and (from four shots) pulls away at the end.
ARCS = {
    1: ("single",),
    2: ("establishing", "close"),
    3: ("establishing", "medium", "close"),
    4: ("establishing", "medium", "close", "closing"),
    5: ("establishing", "approach", "medium", "close", "closing"),
    6: ("establishing", "approach", "medium", "low", "close", "closing"),
}


class RuleBasedExpander:
    backend = "rules"

    async def expand(self, request: str, options: ExpandOptions | None = None) -> ShotList:
        return self.build(parse_request(request), options or ExpandOptions())

    def build(self, facts: RequestFacts, options: ExpandOptions) -> ShotList:
        notes: list[str] = []
        cores = beat_cores(facts, options)
        count = _count(facts, options, len(cores), notes)
        groups = _group(cores, count)
        roles = ARCS[count]
        durations = plan_durations([COVERAGE[role].seconds for role in roles], facts, options, notes)
        bible = options.bible or make_bible(facts, options.style_text(facts), slow=facts.asked.slow_motion)
        negative = negative_prompt(options.negative)
        subject = _subject(facts, options)
        shots = [
            _shot(facts, bible, core, subject, role, seconds, negative, options.bible is not None)
            for core, role, seconds in zip(groups, roles, durations, strict=True)
        ]
        return ShotList(
            title=title(facts, cores),
            logline=_logline(facts, cores),
            bible=bible,
            shots=shots,
            language=facts.language,
            backend="rules",
            aspect=options.frame_shape(facts),
            fps=facts.asked.fps,
            notes=notes,
        )


def beat_cores(facts: RequestFacts, options: ExpandOptions) -> list[str]:
    """One core text per beat, in order: English when the request was understood Chinese, else the member's
    words; a follow-on beat that starts with its verb gets the first beat's subject."""
    beats = list(facts.beats)
    language = facts.language
    if facts.chinese:
        # Chinese beats carry the first beat's own subject words, before any is put in English.
        beats = carry_subjects(beats, None, language)
        if facts.understood:
            beats, language = [_english(parse_request(beat)) for beat in beats], "en"
    elif language == "en":
        beats = [proper_places(beat) for beat in beats]
    if options.bible and not facts.names_subject and options.bible.characters:
        # A remix note ("make it at night") keeps the parent clip's subject from its bible.
        parent = _subject_ref(options.bible.characters.split(",", 1)[0])
        said = re.sub(r"^(?:it|this|that|they|them)\b\s*", "", beats[0] if beats else "", flags=re.IGNORECASE)
        beats = [join_within([parent, said], 600, sep=" " if said[:1].isalnum() else ", ") if said else parent]
    if not beats:
        beats = [facts.text or PLACEHOLDER_SUBJECT]
    subject = _subject_ref(facts.subject) if facts.understood and facts.names_subject else None
    return carry_subjects(beats, subject, language)


def _english(facts: RequestFacts) -> str:
    """An understood Chinese beat in English, its time of day and weather included ("at night in the rain")."""
    scene = facts.scene
    return " ".join(part for part in (scene, facts.look_phrase("time", scene), facts.look_phrase("weather", scene))
                    if part)


def _count(facts: RequestFacts, options: ExpandOptions, beats: int, notes: list[Text]) -> int:
    asked = options.asked_shots(facts)
    if asked is not None:
        if asked > MAX_SHOTS:
            notes.append(Text.of(N_("You asked for {asked} shots; a clip has at most {most}, so this one has {most}."),
                                 asked=asked, most=MAX_SHOTS))
        return max(1, min(MAX_SHOTS, int(asked)))
    total = options.total_seconds(facts)
    if beats > 1:
        count = beats
    elif total is not None:
        count = round(total / SHOT_SECONDS)  # a short clip gets fewer shots rather than rushed ones
    else:
        count = DEFAULT_SHOTS
    if total is not None:
        count = min(count, int(total // MIN_SHOT_SECONDS))
    return max(1, min(MAX_SHOTS, count))


def _group(cores: list[str], count: int) -> list[str]:
    """`count` shot cores from the beats, in order: extra shots cover a beat again (first beats first);
    fewer shots than beats take consecutive beats together."""
    if count >= len(cores):
        per_beat = [count // len(cores) + (index < count % len(cores)) for index in range(len(cores))]
        return [core for core, times in zip(cores, per_beat, strict=True) for _ in range(times)]
    bounds = [round(index * len(cores) / count) for index in range(count + 1)]
    return [", ".join(cores[bounds[index]:bounds[index + 1]]) for index in range(count)]


def plan_durations(weights: list[float], facts: RequestFacts, options: ExpandOptions, notes: list[Text]
                   ) -> list[float]:
    """Per-shot seconds: every shot the length asked for, or `weights` scaled to the total asked for; what
    cannot be done (longer than MAX_TOTAL_SECONDS, more than MAX_SHOT_SECONDS a shot) is clamped and said in
    `notes`."""
    count = len(weights)
    each = options.seconds_per_shot(facts)
    total = options.total_seconds(facts)
    if each is not None:
        if not MIN_SHOT_SECONDS <= each <= MAX_SHOT_SECONDS:
            fitted = min(max(each, MIN_SHOT_SECONDS), MAX_SHOT_SECONDS)
            notes.append(Text.of(N_("Shots last {low} to {high} s, so each shot is {fitted} s instead of {asked} s."),
                                 low=f"{MIN_SHOT_SECONDS:g}", high=f"{MAX_SHOT_SECONDS:g}", fitted=f"{fitted:g}",
                                 asked=f"{each:g}"))
            each = fitted
        durations = fit_durations([each] * count, each * count)
        asked = each * count
    else:
        durations = fit_durations(weights, total)
        asked = total
    planned = round(sum(durations), 1)
    if asked is not None and abs(planned - asked) > 0.05:
        if asked > MAX_TOTAL_SECONDS:
            notes.append(Text.of(N_("You asked for {asked} s; a clip is at most {most} s, so this clip is {planned} s."),
                                 asked=f"{asked:g}", most=f"{MAX_TOTAL_SECONDS:g}", planned=f"{planned:g}"))
        else:
            notes.append(Text.count(Nn_("You asked for {asked} s; {n} shot lasts {low} to {high} s, so this clip is "
                                        "{planned} s.",
                                        "You asked for {asked} s; {n} shots last {low} to {high} s, so this clip is "
                                        "{planned} s."),
                                    count, asked=f"{asked:g}", low=f"{count * MIN_SHOT_SECONDS:g}",
                                    high=f"{count * MAX_SHOT_SECONDS:g}", planned=f"{planned:g}"))
    return durations


def make_bible(facts: RequestFacts, style: str | None = None, *, slow: bool = False) -> StyleBible:
    look = style_description(style) if style else STYLES[facts.style or DEFAULT_STYLE][0].style
    mood = facts.look("mood")
    # Only a subject the parse could bound (it found the verb or the place after it, or it is a short noun
    # phrase) is worth repeating: "a bear steals a picnic basket" with an unknown verb is not a character.
    named = facts.understood and facts.names_subject and bool(
        facts.action or facts.setting or len(facts.subject.split()) <= 4)
    return StyleBible(
        style=join_within([look, mood.style if mood else "", SLOW_MOTION_STYLE if slow else ""], 300),
        characters=shorten(f"{facts.subject}, same design, proportions and colors in every shot", 400) if named else "",
        # With no place named, "in falling snow at night" still sets the scene, minus its leading "in".
        setting=re.sub(r"^(?:in|at|during) ", "", join_within(
            [facts.setting, facts.look_phrase("time"), facts.look_phrase("weather")], 300, sep=" ")),
    )


def _subject(facts: RequestFacts, options: ExpandOptions) -> str:
    if options.bible and not facts.names_subject and options.bible.characters:
        return _subject_ref(options.bible.characters.split(",", 1)[0])
    return facts.subject if facts.understood else ""


def _shot(facts: RequestFacts, bible: StyleBible, core: str, subject: str, role: str, seconds: float,
          negative: str, from_bible: bool) -> Shot:
    coverage = COVERAGE[role]
    size = facts.asked.camera_size or coverage.sizes[_pick(facts.text + role + "size", len(coverage.sizes))]
    move = facts.asked.camera_move or coverage.moves[_pick(facts.text + role, len(coverage.moves))]
    camera = shorten(f"{size}, {move}", 120)
    lighting = _lighting(facts, coverage.light)
    style = shorten(bible.style, 200)
    return Shot(
        subject=shorten(subject or core, 200),
        action=shorten(core, 200),
        camera=camera,
        lighting=lighting,
        style=style,
        duration=seconds,
        # The core says where already (in the member's words); the bible's setting is for continuity only
        # when the core came from somewhere else (a remix note under its parent's bible).
        prompt=compose_core(camera=camera, core=core, lighting=lighting, style=style, bible=bible,
                            setting=from_bible),
        negative_prompt=negative,
    )


def _lighting(facts: RequestFacts, accent: str) -> str:
    """Style-imposed light (noir) beats time of day, which beats mood; weather and the shot's accent add on.
    Every shot shares the base so the cut never jumps in time of day."""
    style, time, weather, mood = (facts.look(name) for name in ("style", "time", "weather", "mood"))
    base = next((look.lighting for look in (style, time, mood) if look and look.lighting), DEFAULT_LIGHTING)
    return join_within([base, weather.lighting if weather else "", accent], 120)


def _pick(key: str, choices: int) -> int:
    """Stable across processes (unlike hash()), so the same request always gets the same cameras."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % choices


def _subject_ref(subject: str) -> str:
    """The subject as later shots refer to it: "a giant monster" -> "the giant monster"."""
    return re.sub(r"^(?:an?|one|some)\s+", "the ", subject.strip(), flags=re.IGNORECASE)


_SMALL_WORDS = frozenset("a an the of in on at to by and or through over across with from for into".split())
_TITLE_WORDS = 6


def title(facts: RequestFacts, cores: list[str]) -> str:
    """A short name for the film: subject and place when the request was understood, else its first words."""
    if facts.understood and facts.subject != PLACEHOLDER_SUBJECT and (facts.language == "en" or facts.chinese):
        subject = re.sub(r"^(?:an?|the|one|some)\s+", "", facts.subject, flags=re.IGNORECASE)
        subject = re.split(r"\s+(?:who|that|which|whose|about|for)\s+", subject)[0]
        setting = re.sub(r"^(?:an?|the)\s+", "", facts.setting, flags=re.IGNORECASE)
        prep = facts.prep if facts.prep in ("on", "at", "over", "above", "across", "under") else "in"
        words = f"{subject} {prep} {setting}".split() if setting else subject.split()
        if len(words) > _TITLE_WORDS + 2:
            words = words[:_TITLE_WORDS]
            while len(words) > 1 and words[-1].lower() in _SMALL_WORDS:
                words.pop()
    else:
        first = cores[0] if cores else facts.text
        words = first.split()[:_TITLE_WORDS] if " " in first else [first[:24]]
    titled = [
        word if word[:1].isupper() or (index and word.lower() in _SMALL_WORDS) else word[:1].upper() + word[1:]
        for index, word in enumerate(words)
    ]
    return shorten(" ".join(titled).rstrip(",.;:"), 100) or "Untitled"


def _logline(facts: RequestFacts, cores: list[str]) -> str:
    sentence = "; ".join(cores) if cores else facts.text
    return shorten(sentence[:1].upper() + sentence[1:] + ("" if sentence.endswith((".", "。")) else "."), 300)
