"""Turning whatever JSON an LLM produced into a valid ShotList, or saying clearly why it cannot be done.

Models name fields loosely ("scenes", "camera_movement"), write durations as "3s", nest the camera as an
object, forget negative prompts and overrun lengths. Those are coerced; what is missing at the core (no
shots, shots with neither a prompt nor a subject and action, prompts not in English) is an ExpansionError.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from prompts.compose import compose_prompt, join_within, shorten
from prompts.errors import ExpansionError
from prompts.schema import MAX_SHOTS, Backend, Shot, ShotList, StyleBible
from prompts.timing import fit_durations

_ALIASES = {
    "shots": ("shots", "shot_list", "scenes", "shotlist", "镜头", "分镜", "镜头列表", "storyboard"),
    "bible": ("bible", "style_bible", "stylebible", "continuity"),
    "title": ("title", "name"),
    "logline": ("logline", "summary", "synopsis", "description"),
    "style": ("style", "look", "visual_style"),
    "characters": ("characters", "character", "subjects", "cast"),
    "setting": ("setting", "location", "world", "environment"),
    "subject": ("subject", "subjects", "character", "who"),
    "action": ("action", "what", "description", "motion"),
    "camera": ("camera", "camera_movement", "camera_angle", "shot_type", "framing", "shot"),
    "lighting": ("lighting", "light", "lights"),
    "duration": ("duration", "duration_s", "duration_seconds", "seconds", "length", "time"),
    "prompt": ("prompt", "model_prompt", "full_prompt", "text_prompt", "positive_prompt", "video_prompt"),
    "negative_prompt": ("negative_prompt", "negative", "negative_prompts", "avoid"),
}
# A real prompt names things; ten characters of model noise does not.
_MIN_PROMPT_WORDS = 4
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_DEFAULT_SHOT_SECONDS = 2.5


def coerce_shot_list(data: Any, *, defaults: ShotList, backend: Backend, bible: StyleBible | None = None,
                     total_seconds: float | None = None, negative: str | None = None) -> ShotList:
    """`defaults` (the rule-based list for the same request) fills the title, logline, bible and negative
    prompt when the model left them out; a given `bible` replaces the model's outright; `negative` (the
    requester's own things to avoid) is added to the model's negative prompts."""
    root = _unwrap(data)
    raw_shots = _get(root, "shots")
    if not isinstance(raw_shots, list) or not raw_shots:
        raise ExpansionError("the reply has no shots")
    bible = bible or _bible(_get(root, "bible"), defaults.bible)
    shots = [_shot(_keys(raw), bible, defaults.shots[0].negative_prompt, negative)
             for raw in raw_shots[:MAX_SHOTS] if isinstance(raw, dict)]
    if not shots:
        raise ExpansionError("the reply's shots are not objects")
    durations = fit_durations([shot.pop("duration") or _DEFAULT_SHOT_SECONDS for shot in shots], total_seconds)
    try:
        return ShotList(
            title=shorten(_text(_get(root, "title")), 100) or defaults.title,
            logline=shorten(_text(_get(root, "logline")), 300) or defaults.logline,
            bible=bible,
            shots=[Shot(**shot, duration=seconds) for shot, seconds in zip(shots, durations, strict=True)],
            language=defaults.language,
            backend=backend,
        )
    except ValidationError as error:
        raise ExpansionError(f"the reply does not fit the schema: {error}") from error


def fit_shot_count(shot_list: ShotList, count: int | None, filler: ShotList,
                   total_seconds: float | None = None, subject: str = "") -> ShotList:
    """Trim to `count` shots, or pad with the rule-based shots for the positions the model did not fill
    (`filler` should be built under the same bible, so the padding matches); padding shots that show the
    `subject` come first, so a padded clip never loses who it is about."""
    if count is None or len(shot_list.shots) == count:
        return shot_list
    missing = count - len(shot_list.shots)
    spare = [*filler.shots[len(shot_list.shots):], *filler.shots[:len(shot_list.shots)]]
    head = subject.split()[-1].lower() if subject.split() else ""
    spare.sort(key=lambda shot: head not in f"{shot.subject} {shot.action}".lower())  # stable: order kept
    shots = [*shot_list.shots[:count], *spare[:max(0, missing)]]
    durations = fit_durations([shot.duration for shot in shots], total_seconds)
    shots = [shot.model_copy(update={"duration": seconds}) for shot, seconds in zip(shots, durations, strict=True)]
    return shot_list.model_copy(update={"shots": shots})


def _keys(raw: dict) -> dict[str, Any]:
    return {re.sub(r"[\s-]+", "_", str(key).strip().lower()): value for key, value in raw.items()}


def _unwrap(data: Any) -> dict[str, Any]:
    if isinstance(data, list):
        return {"shots": data}
    if not isinstance(data, dict):
        raise ExpansionError(f"the reply is a {type(data).__name__}, not an object")
    data = _keys(data)
    if len(data) == 1:
        # {"shot_list": {...}} or {"result": [...shots]}: the answer inside a wrapper.
        (inner,) = data.values()
        if isinstance(inner, dict) or (isinstance(inner, list) and _get(data, "shots") is None):
            return _unwrap(inner)
    return data


def _get(data: dict[str, Any], field: str) -> Any:
    return next((data[name] for name in _ALIASES[field] if data.get(name) not in (None, "", [], {})), None)


def _text(value: Any) -> str:
    """Strings as they are; objects and lists (a camera as {"size": .., "movement": ..}) joined."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(_text(item) for item in value.values() if _text(item))
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value if _text(item))
    return " ".join(str(value).split())


def _bible(raw: Any, default: StyleBible) -> StyleBible:
    if isinstance(raw, str):
        raw = {"style": raw}
    fields = _keys(raw) if isinstance(raw, dict) else {}
    return StyleBible(
        style=shorten(_text(_get(fields, "style")), 300) or default.style,
        characters=shorten(_text(_get(fields, "characters")), 400) or default.characters,
        setting=shorten(_text(_get(fields, "setting")), 300) or default.setting,
    )


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = re.search(r"\d+(?:\.\d+)?", str(value or ""))
    if not match or re.search(r"\d\s*(?:frames?|帧)", str(value)):
        return None  # frames at an unknown rate say nothing reliable about seconds
    seconds = float(match.group(0))
    return seconds / 1000 if re.search(r"\d\s*ms\b", str(value)) else seconds


def _shot(raw: dict[str, Any], bible: StyleBible, default_negative: str, extra_negative: str | None
          ) -> dict[str, Any]:
    subject, action = _text(_get(raw, "subject")), _text(_get(raw, "action"))
    prompt = _text(_get(raw, "prompt"))
    if not prompt and not (subject and action):
        raise ExpansionError("a shot has neither a prompt nor a subject and action")
    if _CJK.search(prompt):
        raise ExpansionError("a shot's prompt is not in English")
    if prompt and len(prompt.split()) < _MIN_PROMPT_WORDS:
        raise ExpansionError(f"a shot's prompt is too thin to render: {prompt!r}")
    camera = shorten(_text(_get(raw, "camera")), 120) or "medium shot, static camera"
    lighting = shorten(_text(_get(raw, "lighting")), 120) or "natural light"
    style = shorten(_text(_get(raw, "style")), 200) or shorten(bible.style, 200)
    subject = shorten(subject or bible.characters or "the subject", 200)
    action = shorten(action or prompt.split(". ")[0], 200)
    prompt = shorten(prompt, 1200) or compose_prompt(
        camera=camera, subject=subject, action=action, lighting=lighting, style=style, bible=bible
    )
    if _CJK.search(prompt):
        raise ExpansionError("a shot's prompt is not in English")
    # The default negative already carries the requester's extra terms; the model's own needs them added.
    negative = _text(_get(raw, "negative_prompt"))
    return {
        "subject": subject,
        "action": action,
        "camera": camera,
        "lighting": lighting,
        "style": style,
        "duration": _seconds(_get(raw, "duration")),
        "prompt": prompt,
        "negative_prompt": join_within([negative, extra_negative or ""], 600) if negative else default_negative,
    }
