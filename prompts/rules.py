"""The rule-based expander: no model, deterministic, always available (and every LLM backend's fallback).

A request becomes a small film arc: a wide establishing shot, the action up close and moving, a detail
close-up, and a closing reveal, with camera language that changes from shot to shot while the style bible,
lighting and subject stay the same.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from prompts.base import ExpandOptions
from prompts.compose import clip, compose_prompt, join_within, negative_prompt, style_description
from prompts.lexicon import DEFAULT_STYLE, STYLES
from prompts.request import RequestFacts, parse_request
from prompts.schema import Shot, ShotList, StyleBible
from prompts.timing import fit_durations

DEFAULT_SHOTS = 4
DEFAULT_LIGHTING = "soft natural light, gentle contrast"


@dataclass(frozen=True)
class Beat:
    """One step of the arc: camera choices (one is picked per request), relative length, what happens."""

    cameras: tuple[str, ...]
    seconds: float
    # Formatted with: act (the action), where (" through New York"), detail (", while ..."), its, feature.
    action: str
    light: str = ""


BEATS = {
    "single": Beat(("wide shot, slow dolly-in to a medium shot", "medium wide shot, slow arc around the subject"),
                   4.0, "{act}{where}{detail}"),
    "establishing": Beat(("extreme wide establishing shot, slow aerial push-in",
                          "wide establishing shot, slow pan across the scene"),
                         3.0, "{act}{where}{detail}, the whole scene in view"),
    "approach": Beat(("medium wide shot, slow dolly-in", "medium shot, gentle push-in"),
                     2.5, "{act}, the camera easing closer as details emerge"),
    "tracking": Beat(("medium shot, smooth lateral tracking shot", "handheld tracking shot following from behind"),
                     2.5, "{act}{where}{detail}, in continuous motion"),
    "low": Beat(("low-angle medium shot, slow tilt up", "low-angle wide shot, slow orbit"),
                2.0, "{act}, framed heroically from below", "strong backlight outlining the silhouette"),
    "close": Beat(("close-up, shallow depth of field, slow push-in", "extreme close-up, slow rack focus"),
                  2.0, "{act}, {its} {feature} in sharp detail", "soft rim light"),
    "closing": Beat(("wide shot, crane up and pull back to reveal the surroundings",
                     "aerial drone shot, rising and pulling away"),
                    3.0, "{act}{where}{detail}, growing smaller in frame as the scene settles"),
}
ARCS = {
    1: ("single",),
    2: ("establishing", "close"),
    3: ("establishing", "tracking", "close"),
    4: ("establishing", "tracking", "close", "closing"),
    5: ("establishing", "approach", "tracking", "close", "closing"),
    6: ("establishing", "approach", "tracking", "low", "close", "closing"),
}


class RuleBasedExpander:
    backend = "rules"

    async def expand(self, request: str, options: ExpandOptions | None = None) -> ShotList:
        return self.build(parse_request(request), options or ExpandOptions())

    def build(self, facts: RequestFacts, options: ExpandOptions) -> ShotList:
        count = options.shot_count(facts) or DEFAULT_SHOTS
        bible = options.bible or make_bible(facts, options.style)
        if options.bible and not facts.names_subject and bible.characters:
            # A remix note ("make it at night") keeps the parent clip's subject from its bible.
            facts = replace(facts, subject=bible.characters.split(",", 1)[0])
        beats = ARCS[count]
        durations = fit_durations([BEATS[name].seconds for name in beats], options.total_seconds(facts))
        negative = negative_prompt(options.negative)
        shots = [
            _shot(facts, bible, name, seconds, negative)
            for name, seconds in zip(beats, durations, strict=True)
        ]
        return ShotList(
            title=_title(facts),
            logline=_logline(facts),
            bible=bible,
            shots=shots,
            language=facts.language,
            backend="rules",
        )


def make_bible(facts: RequestFacts, style: str | None = None) -> StyleBible:
    look = style_description(style) if style else STYLES[facts.style or DEFAULT_STYLE][0].style
    mood = facts.look("mood")
    return StyleBible(
        style=join_within([look, mood.style if mood else ""], 300),
        characters=clip(f"{facts.subject}, same design, proportions and colors in every shot", 400),
        # With no place named, "in falling snow at night" still sets the scene, minus its leading "in".
        setting=re.sub(r"^(?:in|at|during) ", "", join_within(
            [facts.setting, facts.look_phrase("time"), facts.look_phrase("weather")], 300, sep=" ")),
    )


def _shot(facts: RequestFacts, bible: StyleBible, beat_name: str, seconds: float, negative: str) -> Shot:
    beat = BEATS[beat_name]
    camera = beat.cameras[_pick(facts.text + beat_name, len(beat.cameras))]
    subject = facts.subject_ref
    plural = facts.plural
    action = beat.action.format(
        act=facts.action or ("pausing to look around" if facts.animate else "filling the frame"),
        where=f" {facts.prep} {facts.setting}" if facts.setting else "",
        detail=f", {facts.detail}" if facts.detail else "",
        its="their" if plural else "its",
        feature=("faces and eyes" if plural else "face and eyes") if facts.animate else "textures and surface details",
    )
    lighting = _lighting(facts, beat.light)
    style = clip(bible.style, 200)
    return Shot(
        subject=clip(subject, 200),
        action=clip(action, 200),
        camera=camera,
        lighting=lighting,
        style=style,
        duration=seconds,
        prompt=compose_prompt(camera=camera, subject=subject, action=action, lighting=lighting, style=style,
                              bible=bible),
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


_SMALL_WORDS = frozenset("a an the of in on at to by and or through over across with from for into".split())


def _title(facts: RequestFacts) -> str:
    subject = re.sub(r"^(?:an?|the|one|some)\s+", "", facts.subject, flags=re.IGNORECASE)
    setting = re.sub(r"^(?:an?|the)\s+", "", facts.setting, flags=re.IGNORECASE)
    prep = facts.prep if facts.prep in ("on", "at", "over", "above", "across", "under") else "in"
    words = f"{subject} {prep} {setting}".split() if setting else subject.split()
    titled = [
        word if word[:1].isupper() or (index and word.lower() in _SMALL_WORDS) else word[:1].upper() + word[1:]
        for index, word in enumerate(words)
    ]
    return clip(" ".join(titled), 100) or "Untitled"


def _logline(facts: RequestFacts) -> str:
    said = facts.scene
    sentence = " ".join(part for part in (said, facts.look_phrase("time", said), facts.look_phrase("weather", said))
                        if part)
    if facts.detail:
        sentence += f", {facts.detail}"
    return clip(sentence[:1].upper() + sentence[1:] + ".", 300)
