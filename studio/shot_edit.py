"""One shot changed by a note ("make shot 2 funnier", "shot 3 at night", "第二个镜头改成夜景").

A note that describes a whole new shot ("the monster roars at the sky") replaces what happens in it; any
other note amends it: the shot keeps its camera, its words and its seed, and gains the note (a time of day or
weather also sets its light). Either way only that shot's recipe changes, so every other shot of the remix
is served from the render cache.
"""
from __future__ import annotations

import re

from prompts.compose import compose_core, join_within, shorten, shot_core
from prompts.request import RequestFacts, parse_request
from prompts.schema import Shot, StyleBible

_CHANGE_WORDS = re.compile(r"^(?:make\s+it|make|turn\s+it|turn|change\s+it|change|set\s+it|have\s+it|it|to|into|be|"
                           r"改成|换成|变成|改为|变为|成)\b\s*", re.IGNORECASE)


def amendment(text: str) -> str:
    """The note without its verb: "make it funnier" -> "funnier", "改成夜景" -> "夜景"."""
    previous = None
    text = text.strip()
    while previous != text:
        previous = text
        text = _CHANGE_WORDS.sub("", text).strip(" ,:")
    return text


def describes_a_shot(facts: RequestFacts) -> bool:
    """True for a note that says who does what ("the monster roars"), rather than how ("funnier")."""
    return facts.understood and facts.names_subject and bool(facts.action or facts.setting)


def edit_shot(shot: Shot, bible: StyleBible, note: str, written: Shot | None = None) -> Shot:
    """`shot` changed by `note`. `written` is the expander's shot for a note that describes a whole shot
    (its action becomes the shot's; the camera, light and style stay)."""
    facts = parse_request(amendment(note))
    if written is not None and describes_a_shot(facts):
        return _recomposed(shot, bible, core=shot_core(written.subject, written.action), subject=written.subject,
                           lighting=shot.lighting)
    looks = [facts.look_phrase(name, "") for name in ("time", "weather")]
    # "at night", "rain", "夜景": the look says it all; a longer English note is kept in its own words.
    said = facts.text if facts.language == "en" and not (any(looks) and len(facts.text.split()) <= 2) else ""
    if not said and not any(looks):
        said = facts.text
    addition = join_within([said, *looks], 200)
    lighting = shot.lighting
    for name in ("time", "weather"):
        look = facts.look(name)
        if look:  # the light follows the new time of day; weather adds its own
            lighting = look.lighting if name == "time" else join_within([lighting, look.lighting], 120)
    core = join_within([shot.action, addition], 400)
    return _recomposed(shot, bible, core=core, subject=shot.subject, lighting=shorten(lighting, 120))


def rewritten_shot(shot: Shot, bible: StyleBible, written: Shot) -> Shot:
    """`shot` with what happens in it taken from `written` (a writer model's rewrite of the shot with a
    member's note in it); its camera, light, style and seed stay, so the cut still matches."""
    return _recomposed(shot, bible, core=shot_core(written.subject, written.action), subject=written.subject,
                       lighting=shot.lighting)


def _recomposed(shot: Shot, bible: StyleBible, *, core: str, subject: str, lighting: str) -> Shot:
    prompt = compose_core(camera=shot.camera, core=core, lighting=lighting, style=shot.style, bible=bible,
                          setting=False)
    return shot.model_copy(update={"subject": shorten(subject, 200), "action": shorten(core, 200), "lighting": lighting,
                                   "prompt": prompt})
