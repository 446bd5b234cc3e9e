"""The rule-based expander: no model, deterministic, always available (and every LLM backend's fallback).

Faithfulness first: every shot's core text is built from the member's own words for its beat (cleaned of
option phrases, chat framing and what they asked to keep out; Chinese put in English only when every word
of it is known), and only the camera, the light, the style and the continuity line are written around it.
Beats become shots in order; when more shots are asked for than beats given, a beat is covered as a short
film (prompts.coverage: the place, the subject, the action, a detail, a reaction, a payoff), each shot
framing a part of what the member named. Shot size and camera move come from prompts.camera's table of
pairs; each beat's light follows its own time words ("the next morning").
"""
from __future__ import annotations

import dataclasses
import re

from common.text import N_, Nn_, Text
from prompts.base import ExpandOptions
from prompts.beats import carry_subjects, strip_framing
from prompts.camera import camera as pick_camera
from prompts.compose import compose_core, join_within, negative_prompt, shorten, style_description
from prompts.coverage import Beat, Planned, candidates, core_key, sequence
from prompts.lexicon import DEFAULT_STYLE, STYLES, TIMES, WEATHER
from prompts.parts import Parts, read_parts
from prompts.request import (PLACEHOLDER_SUBJECT, RequestFacts, english_beat, find_look, is_animate, is_human,
                             is_plural, parse_request, proper_places)
from prompts.schema import MAX_SHOT_SECONDS, MIN_SHOT_SECONDS, Shot, ShotList, StyleBible
from prompts.timing import MAX_TOTAL_SECONDS, fit_durations
from prompts.titles import make_title

DEFAULT_SHOTS = 4
DEFAULT_LIGHTING = "soft natural light, gentle contrast"
SLOW_MOTION_STYLE = "slow-motion footage, high frame rate look"
# Seconds a shot gets when nobody asked: enough for a motion to read, short enough to keep the cut alive.
SHOT_SECONDS = 3.0
# Relative length of each kind of shot, and the light accent it adds.
SECONDS = {"single": 4.0, "establishing": 3.0, "introduce": 2.5, "action": 3.0, "detail": 2.0, "reaction": 2.0,
           "payoff": 3.0}
ACCENT = {"detail": "soft rim light", "reaction": "soft key light on the face"}


class RuleBasedExpander:
    backend = "rules"

    async def expand(self, request: str, options: ExpandOptions | None = None) -> ShotList:
        return self.build(parse_request(request), options or ExpandOptions())

    def build(self, facts: RequestFacts, options: ExpandOptions) -> ShotList:
        notes: list[Text] = []
        cores = beat_cores(facts, options)
        beats = film_beats(facts, cores, options.bible)
        count = _count(facts, options, beats, notes)
        planned = sequence(beats, count)
        durations = plan_durations([SECONDS[shot.role] for shot in planned], facts, options, notes)
        bible = options.bible or make_bible(facts, options.style_text(facts), slow=facts.asked.slow_motion)
        negative = negative_prompt(join_within([options.negative or "", *facts.negative], 300))
        shots: list[Shot] = []
        for shot, seconds in zip(planned, durations, strict=True):
            shots.append(_shot(facts, bible, shot, beats[min(shot.beat, len(beats) - 1)], seconds, negative,
                               options.bible is not None, after=shots[-1].camera if shots else None))
        return ShotList(
            title=title(facts, beats[0]),
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
        said = strip_framing(said, facts.language, keep=False)  # "再来一次": nothing but "again"
        beats = [join_within([parent, said], 600, sep=" " if said[:1].isalnum() else ", ") if said else parent]
    if not beats:
        beats = [facts.text or PLACEHOLDER_SUBJECT]
    subject = _subject_ref(facts.subject) if facts.understood and facts.names_subject else None
    if subject is None and not facts.chinese and beats and read_parts(beats[0], language).found:
        subject = read_parts(beats[0], language).subject  # "un gato se despierta, se sienta": "un gato se sienta"
    return carry_subjects(beats, subject, language)


def _english(facts: RequestFacts) -> str:
    """An understood Chinese beat in English, its time of day and weather included ("at night in the rain")."""
    scene = facts.scene
    return " ".join(part for part in (scene, facts.look_phrase("time", scene), facts.look_phrase("weather", scene))
                    if part)


def _count(facts: RequestFacts, options: ExpandOptions, beats: list[Beat], notes: list[Text]) -> int:
    """The shots to plan: as asked (at most `options.shot_limit`, said in a note), else one per beat, else as
    many as the total asked for holds at SHOT_SECONDS each, else DEFAULT_SHOTS, but never more of one beat
    than it has parts to show, nor more than the limit."""
    asked = options.asked_shots(facts)
    if asked is not None:
        if asked > options.shot_limit:
            notes.append(Text.of(N_("You asked for {asked} shots; a clip has at most {most}, so this one has {most}."),
                                 asked=asked, most=options.shot_limit))
        return options.shot_count(facts) or 1
    total = options.total_seconds(facts)
    if len(beats) > 1:
        count = len(beats)
    elif total is not None:
        count = round(total / SHOT_SECONDS)  # a short clip gets fewer shots rather than rushed ones
    else:
        count = min(DEFAULT_SHOTS, _distinct(beats[0]))
    if total is not None:
        count = min(count, int(total // MIN_SHOT_SECONDS))
    return max(1, min(options.shot_limit, count))


def _distinct(beat: Beat) -> int:
    """How many different things a beat has to show (at least 2: the whole of it, and it up close)."""
    keys = {core_key(core, beat.language) for options in candidates(beat).values() for core, _ in options if core}
    return max(2, len(keys))


def film_beats(facts: RequestFacts, cores: list[str], bible: StyleBible | None = None) -> list[Beat]:
    """Each beat's core with its parts, its subject as later shots name it, and its time of day and weather
    (a beat that names none keeps the one before it). Under a parent clip's `bible` (a remix note), a beat
    that names no place is where the parent was."""
    english = facts.language == "en" or (facts.chinese and facts.understood)
    time = weather = None
    beats = []
    for core in cores:
        if english:
            parts, _, when = english_beat(core)
            subject = _subject_ref(parts.subject) if parts.subject else ""
            animate, human, code = is_animate(subject, "en"), is_human(subject), "en"
        else:
            parts = read_parts(core, facts.language)
            subject = parts.subject if parts.found else ""
            animate, human, when, code = is_animate(subject, facts.language) if subject else False, False, "", \
                facts.language
            if not parts.found:
                parts = Parts(subject=core)
        time = find_look(core, "time", code) or time
        weather = find_look(core, "weather", code) or weather
        if bible and bible.setting and not parts.setting:
            parts = dataclasses.replace(parts, setting=bible.setting, place=f"in {bible.setting}" if english else "")
        plural = english and bool(subject) and is_plural(subject)
        beats.append(Beat(core, parts, code, subject, animate, human, when, plural, time, weather))
    return beats


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


def _shot(facts: RequestFacts, bible: StyleBible, planned: Planned, beat: Beat, seconds: float, negative: str,
          from_bible: bool, *, after: str | None = None) -> Shot:
    """One planned shot; `after`: the camera of the shot before it, which this one does not repeat (a cut
    between two identical setups reads as a jump cut) unless the member asked for that camera."""
    size, move = pick_camera(planned.role, facts.text + planned.role + str(planned.beat), facts.asked.camera_size,
                             facts.asked.camera_move, avoid=after)
    camera = shorten(f"{size}, {move}", 120)
    lighting = _lighting(facts, beat, ACCENT.get(planned.role, ""))
    style = shorten(bible.style, 200)
    return Shot(
        subject=shorten(planned.frames or planned.core, 200),
        action=shorten(planned.core, 200),
        camera=camera,
        lighting=lighting,
        style=style,
        duration=seconds,
        # The core says where already (in the member's words); the bible's setting is for continuity only
        # when the core came from somewhere else (a remix note under its parent's bible).
        prompt=compose_core(camera=camera, core=planned.core, lighting=lighting, style=style, bible=bible,
                            setting=from_bible),
        negative_prompt=negative,
    )


def _lighting(facts: RequestFacts, beat: Beat, accent: str) -> str:
    """Style-imposed light (noir) beats the beat's time of day, which beats mood; weather and the shot's
    accent add on. Shots of one beat share it; a beat that says "the next morning" changes it."""
    style, mood = facts.look("style"), facts.look("mood")
    time = TIMES[beat.time][0] if beat.time else None
    weather = WEATHER[beat.weather][0] if beat.weather else None
    base = next((look.lighting for look in (style, time, mood) if look and look.lighting), DEFAULT_LIGHTING)
    return join_within([base, weather.lighting if weather else "", accent], 120)


def _subject_ref(subject: str) -> str:
    """The subject as later shots refer to it: "a giant monster" -> "the giant monster"."""
    # Each noun of a list too: "a fox, a bear and a deer" -> "the fox, the bear and the deer".
    return re.sub(r"(^|,\s*|\band\s+)(?:an?|one|some)\s+", r"\1the ", subject.strip(), flags=re.IGNORECASE)


def title(facts: RequestFacts, first: Beat) -> str:
    """A short name for the film in the request's language (prompts.titles): Chinese titles from the Chinese
    words even when the shots are in English."""
    if facts.chinese:
        original = facts.beats[0] if facts.beats else facts.text
        return make_title(read_parts(original, facts.language), facts.language, original)
    if first.language == "en":
        parts, prep, _ = english_beat(first.core)
        return shorten(make_title(parts, "en", first.core, prep), 100) or "Untitled"
    return shorten(make_title(first.parts, facts.language, first.core), 100) or "Untitled"


def _logline(facts: RequestFacts, cores: list[str]) -> str:
    sentence = "; ".join(cores) if cores else facts.text
    return shorten(sentence[:1].upper() + sentence[1:] + ("" if sentence.endswith((".", "。")) else "."), 300)
