"""Chat messages for the LLM backends, from the templates shipped in prompts/templates/."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from string import Template
from typing import Any

from prompts.base import ExpandOptions
from prompts.compose import style_description
from prompts.langdata import CODES, language
from prompts.lexicon import STYLES
from prompts.request import RequestFacts
from prompts.rules import beat_cores
from prompts.schema import ShotList

LANGUAGE_NAMES = {code: language(code).name for code in CODES}


# The frame every shot is composed for, as the model is told it.
FRAMES = {
    "9:16": "vertical 9:16 (portrait, taller than wide): compose every shot for a tall phone frame, subject centred",
    "16:9": "horizontal 16:9 (widescreen): compose every shot for a wide frame",
    "1:1": "square 1:1: compose every shot for a square frame, subject centred",
    "": "the video model's native landscape frame",
}


def read_template(name: str) -> str:
    return files("prompts").joinpath("templates", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def examples() -> list[dict[str, Any]]:
    """Few-shot examples: {"request": ..., "shot_list": ShotList-shaped dict}."""
    return json.loads(read_template("examples.json"))


@lru_cache(maxsize=1)
def system_prompt() -> str:
    shown = "\n\n".join(
        f"Request: {example['request']}\n{json.dumps(example['shot_list'], ensure_ascii=False)}"
        for example in examples()
    )
    return Template(read_template("system.txt")).substitute(examples=shown)


def user_prompt(request: str, facts: RequestFacts, options: ExpandOptions, plan: ShotList | None = None) -> str:
    """The request with the option grammar's results as constraints. `plan` (the rule-based plan of the
    same request) supplies the beats and per-shot durations the reply must keep."""
    count = options.shot_count(facts)
    total = options.total_seconds(facts)
    asked_style = options.style_text(facts)
    style = style_description(asked_style) if asked_style else (
        STYLES[facts.style][0].style if facts.style else "your choice (cinematic live action unless the request "
        "suggests otherwise)"
    )
    bible = ""
    if options.bible:
        bible = ("Style bible: use exactly this one and copy it unchanged into your reply:\n"
                 + options.bible.model_dump_json())
    if facts.asked.slow_motion:
        style += "; slow motion"
    each = options.seconds_per_shot(facts)
    if count and plan is not None and (total or each):
        duration = "per shot, in order: " + ", ".join(f"{shot.duration:g}" for shot in plan.shots) + " seconds"
    elif total or each:
        duration = f"about {total:g} seconds in all" if total else f"{each:g} seconds per shot"
    else:
        duration = "your choice (2 to 4 seconds per shot)"
    camera = ", ".join(part for part in (facts.asked.camera_size, facts.asked.camera_move) if part)
    avoid = ", ".join([*((options.negative,) if options.negative else ()), *facts.negative]) or "nothing special"
    cores = beat_cores(facts, options)
    beats = "\n".join(f"{index}. {beat}" for index, beat in enumerate(cores, 1)) if len(cores) > 1 \
        else "one: the whole request"
    return Template(read_template("user.txt")).substitute(
        request=request,
        language=LANGUAGE_NAMES.get(facts.language, facts.language),
        shots=f"exactly {count}" if count else "your choice, 1 to 6 (3 or 4 suits most requests)",
        style=style,
        duration=duration,
        camera=camera or "your choice, varied from shot to shot",
        frame=FRAMES.get(options.frame_shape(facts) or "", FRAMES[""]),
        avoid=avoid,
        beats=beats,
        bible=bible,
    )


def chat_messages(request: str, facts: RequestFacts, options: ExpandOptions, plan: ShotList | None = None
                  ) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": user_prompt(request, facts, options, plan)},
    ]
