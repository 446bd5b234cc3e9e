"""Chat messages for the LLM backends, from the templates shipped in prompts/templates/."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from string import Template
from typing import Any

from prompts.base import ExpandOptions
from prompts.compose import style_description
from prompts.lexicon import STYLES
from prompts.request import RequestFacts

LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "es": "Spanish",
                  "fr": "French", "de": "German", "ru": "Russian"}


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


def user_prompt(request: str, facts: RequestFacts, options: ExpandOptions) -> str:
    count = options.shot_count(facts)
    total = options.total_seconds(facts)
    style = style_description(options.style) if options.style else (
        STYLES[facts.style][0].style if facts.style else "your choice (cinematic live action unless the request "
        "suggests otherwise)"
    )
    bible = ""
    if options.bible:
        bible = ("Style bible: use exactly this one and copy it unchanged into your reply:\n"
                 + options.bible.model_dump_json())
    return Template(read_template("user.txt")).substitute(
        request=request,
        language=LANGUAGE_NAMES.get(facts.language, facts.language),
        shots=f"exactly {count}" if count else "your choice, 1 to 6 (3 or 4 suits most requests)",
        style=style,
        duration=f"about {total:g} seconds" if total else "your choice (2 to 4 seconds per shot)",
        bible=bible,
    )


def chat_messages(request: str, facts: RequestFacts, options: ExpandOptions) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt()},
        {"role": "user", "content": user_prompt(request, facts, options)},
    ]
