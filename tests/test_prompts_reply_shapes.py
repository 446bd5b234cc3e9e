"""LLM replies in the shapes real chat models give (../shared/cases/llm-replies.md): each yields the model's
shot list, held to what the request asked for, or an ExpansionError when it truly holds none."""
from __future__ import annotations

import json

import pytest

from prompts.base import ExpanderConfig, ExpandOptions
from prompts.errors import ExpansionError
from prompts.llm import LLMExpander
from prompts.reply_json import strip_reasoning
from prompts.request import parse_request
from prompts.schema import ShotList

REQUEST = "a paper boat sailing down a rainy street gutter, 3 shots, 9 seconds, vertical, watercolor style"


def _shot(n: int, **fields) -> dict:
    shot = {"subject": "the paper boat", "action": f"sails past leaf number {n}", "camera": "low-angle tracking",
            "lighting": "overcast", "style": "watercolor", "duration": 3,
            "prompt": f"Low-angle tracking shot {n}: a small paper boat sails down a rainy street gutter past "
                      f"fallen leaves, raindrops rippling the water, watercolor illustration.",
            "negative_prompt": "blurry"}
    shot.update(fields)
    return shot


SHOTS = [_shot(1), _shot(2), _shot(3)]
BODY = {"title": "Gutter Voyage", "logline": "A paper boat rides the rain.",
        "bible": {"style": "soft watercolor illustration", "characters": "a paper boat", "setting": "a gutter"},
        "shots": SHOTS}
TEXT = json.dumps(BODY, ensure_ascii=False)


class Parser(LLMExpander):
    backend = "openai"


def parse(reply: str, request: str = REQUEST, **options) -> ShotList:
    return Parser(ExpanderConfig()).parse_reply(reply, parse_request(request), ExpandOptions(**options))


def _full_width(text: str) -> str:
    """Chinese-keyboard punctuation outside the strings, as models write it for Chinese requests."""
    out, in_string = [], False
    for char in text:
        if char == '"':
            in_string = not in_string
        out.append(char if in_string else {":": "：", ",": "，", "{": "｛", "}": "｝", "[": "［", "]": "］"}.get(char, char))
    return "".join(out)


SHAPES = {
    "lone closing think tag": f'Let me plan {{"draft": "json"}} and [lists]...\n</think>\n\n{TEXT}',
    "thinking block": f"<thinking>The user wants [a boat]. {{maybe}}</thinking>\n{TEXT}",
    "reasoning block": f"<reasoning>{{\"shots\": []}}</reasoning>{TEXT}",
    "prose with brackets": f"Based on your request [paper boat, gutter] here is the plan: {TEXT}",
    "prose with braces": f"Using the {{title, shots}} format you asked for:\n{TEXT}",
    "example object first": f'For example {{"shots": [{{"prompt": "x"}}]}}. Here is yours: {TEXT}',
    "full-width punctuation": _full_width(TEXT),
    "fence json": f"```json\n{TEXT}\n```\nEnjoy!",
    "fence JSON": f"```JSON\n{TEXT}\n```",
    "fence jsonc": f"```jsonc\n{TEXT}\n```\nThe shots follow the beats.",
    "tilde fence": f"~~~\n{TEXT}\n~~~ done",
    "trailing commas and comments": TEXT.replace('"shots": [', '"shots": [ // shot list\n').replace("}]}", "},]},"),
    "single quotes and unquoted keys": TEXT.replace('"title"', "title").replace('"Gutter Voyage"', "'Gutter Voyage'"),
    "scenes key": TEXT.replace('"shots"', '"scenes"'),
    "chinese key": TEXT.replace('"shots"', '"镜头"'),
    "bare array": json.dumps(SHOTS),
    "numbers as strings": json.dumps({**BODY, "shots": [_shot(1, duration="3s"), _shot(2, duration="3秒"),
                                                        _shot(3, duration=None)]}),
    "durations in frames": json.dumps({**BODY, "shots": [_shot(n, duration="72 frames") for n in (1, 2, 3)]}),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_reply_shape_gives_the_models_shot_list_held_to_the_request(shape):
    shot_list = parse(SHAPES[shape])
    assert shot_list.backend == "openai"
    assert [shot.action for shot in shot_list.shots] == [f"sails past leaf number {n}" for n in (1, 2, 3)]
    assert shot_list.duration == pytest.approx(9)
    assert shot_list.aspect == "9:16"
    assert "watercolor" in shot_list.bible.style


def test_truncated_reply_keeps_its_complete_shots_when_they_meet_the_count():
    four = json.dumps({**BODY, "shots": [*SHOTS, _shot(4)]})
    cut = four[: four.index("leaf number 4") + 5]
    shot_list = parse(cut)
    assert [shot.action for shot in shot_list.shots] == [f"sails past leaf number {n}" for n in (1, 2, 3)]
    with pytest.raises(ExpansionError, match="cut off"):
        parse(TEXT[: TEXT.index("leaf number 3") + 5])


def test_grammar_constraints_repair_what_the_model_changed():
    wrong = json.dumps({**BODY, "bible": {"style": "photoreal"}, "shots": [_shot(n, duration=7) for n in (1, 2)]})
    shot_list = parse(wrong)
    assert len(shot_list.shots) == 3  # padded from the rules under the model's bible
    assert shot_list.duration == pytest.approx(9)
    assert shot_list.bible.style.startswith("soft watercolor")
    assert all("watercolor" in shot.prompt for shot in shot_list.shots)


@pytest.mark.parametrize("reply", [
    "", "</think>", "<think>still thinking about [boats] and {gutters}", "I cannot help with that.",
    'For example {"shots": [{"prompt": "x"}]}.',
])
def test_replies_without_a_shot_list_raise(reply):
    with pytest.raises(ExpansionError):
        parse(reply)


def test_a_shot_list_about_something_else_is_rejected():
    other = TEXT.replace("paper boat", "racing car").replace("rainy street gutter", "desert track")
    other = other.replace("raindrops rippling the water", "dust").replace("fallen leaves", "cacti")
    other = other.replace("sails", "races")
    with pytest.raises(ExpansionError, match="leaves out"):
        parse(other, "a paper boat sailing down a rainy gutter")


def test_reasoning_is_taken_off():
    assert strip_reasoning("a [b] </think> answer") == "answer"
    assert strip_reasoning("<think>x</think>y<reasoning>z</reasoning>") == "y"
