"""From LLM reply text to a validated ShotList: JSON extraction/repair, coercion, templates."""
from __future__ import annotations

import json

import pytest

from prompts.base import ExpanderConfig, ExpandOptions
from prompts.coerce import coerce_shot_list, fit_shot_count
from prompts.compose import DEFAULT_NEGATIVE
from prompts.errors import ExpansionError
from prompts.expand import (
    FallbackExpander, OpenAIExpander, RuleBasedExpander, TransformersExpander, build_expander, resolve_backend,
)
from prompts.reply_json import first_json as loads_lenient
from prompts.messages import chat_messages, examples, system_prompt
from prompts.remote_llm import chat_completions_url
from prompts.request import parse_request
from prompts.rules import RuleBasedExpander as Rules
from prompts.schema import MAX_SHOT_SECONDS, ShotList, StyleBible


@pytest.mark.parametrize(("reply", "expected"), [
    ('{"a": 1}', {"a": 1}),
    ('Sure! Here it is:\n```json\n{"a": [1, 2,],}\n```\nHope you like it.', {"a": [1, 2]}),
    ("```\n{'a': 'the cat's toy', 'b': True, 'c': None, 'd': False}\n```", {"a": "the cat's toy", "b": True,
                                                                            "c": None, "d": False}),
    ('{\u201ca\u201d: \u201csmart quotes\u201d}', {"a": "smart quotes"}),
    ('{"a": 1, // line comment\n "b": 2 /* block */, # python comment\n "c": 3}', {"a": 1, "b": 2, "c": 3}),
    ('{title: "unquoted key", duration: 3s, camera: wide shot}', {"title": "unquoted key", "duration": "3s",
                                                                  "camera": "wide shot"}),
    ('{"a": "x"\n "b": {"c": 1}\n "d": [1]}', {"a": "x", "b": {"c": 1}, "d": [1]}),
    ('{"a": {"b": [1, {"c": "cut off', {"a": {"b": [1, {"c": "cut off"}]}}),
    ('{"shots": [{"subject": "cat"}, {"subj', {"shots": [{"subject": "cat"}]}),
    ('{"said": "she said "hi" twice", "n": .5, "m": +3}', {"said": 'she said "hi" twice', "n": 0.5, "m": 3}),
    ('The list: [{"a": 1},]', [{"a": 1}]),
    ('{"zh": "纽约", "esc": "\\u4e2d\\n"}', {"zh": "纽约", "esc": "中\n"}),
])
def test_json_is_found_and_repaired(reply, expected):
    assert loads_lenient(reply) == expected


@pytest.mark.parametrize("reply", ["", "no json at all", "I cannot help with that."])
def test_replies_without_json_raise(reply):
    with pytest.raises(ValueError):
        loads_lenient(reply)


def _defaults(request: str = "a giant monster walking through New York", **options) -> ShotList:
    return Rules().build(parse_request(request), ExpandOptions(**options))


def _shot(**fields) -> dict:
    shot = {"subject": "the monster", "action": "stomps across Times Square", "camera": "wide shot, crane up",
            "lighting": "neon night", "style": "cinematic", "duration": 3,
            "prompt": "Wide shot, crane up: a giant monster stomps across Times Square at night, neon light.",
            "negative_prompt": "blurry"}
    shot.update(fields)
    return shot


def test_coercion_reads_loose_model_output():
    data = {"Shot List": {
        "title": "Monster Night",
        "style_bible": "gritty 35mm film",
        "scenes": [
            _shot(duration="3s", camera={"size": "wide", "movement": "slow dolly-in"}),
            _shot(duration="2.5 sec", negative_prompt=None),
            _shot(duration="1500ms", lighting=["neon", "rain"]),
            _shot(duration=None, prompt=None, style=None),
            _shot(duration="about 40 seconds", subject="x" * 500),
        ],
    }}
    defaults = _defaults()
    shot_list = coerce_shot_list(data, defaults=defaults, backend="openai")

    assert shot_list.backend == "openai"
    assert shot_list.title == "Monster Night"
    assert shot_list.logline == defaults.logline
    assert shot_list.bible.style == "gritty 35mm film"
    assert shot_list.bible.characters == defaults.bible.characters
    shots = shot_list.shots
    assert [shot.duration for shot in shots] == [3.0, 2.5, 1.5, 2.5, MAX_SHOT_SECONDS]
    assert shots[0].camera == "wide, slow dolly-in"
    assert shots[1].negative_prompt == DEFAULT_NEGATIVE
    assert shots[2].lighting == "neon, rain"
    # No prompt: written from the shot fields and the bible.
    assert shots[3].prompt.startswith("Wide shot, crane up: the monster stomps across Times Square")
    assert "gritty 35mm film" in shots[3].prompt
    assert len(shots[4].subject) <= 200


def test_coercion_clamps_shots_durations_and_applies_options():
    bible = StyleBible(style="paper cutout animation", characters="Kumo the cloud")
    data = [_shot(duration=2) for _ in range(9)]
    shot_list = coerce_shot_list(data, defaults=_defaults(), backend="transformers", bible=bible,
                                 total_seconds=12, negative="people")
    assert len(shot_list.shots) == 6
    assert shot_list.bible == bible
    assert shot_list.duration == pytest.approx(12)
    assert all(shot.negative_prompt == "blurry, people" for shot in shot_list.shots)


@pytest.mark.parametrize(("data", "why"), [
    ({"title": "no shots"}, "no shots"),
    ({"shots": []}, "no shots"),
    ({"shots": ["a string"]}, "not objects"),
    ("just a string", "not an object"),
    ({"shots": [{"camera": "wide"}]}, "neither a prompt"),
    ({"shots": [_shot(prompt="asdf qwer")]}, "too thin"),
    ({"shots": [_shot(prompt="广角镜头：一个巨大的怪物在纽约行走，夜晚，霓虹灯光")]}, "not in English"),
    ({"shots": [_shot(camera=None, subject=None, action=None, prompt="x" * 3000)]}, "too thin"),
])
def test_unusable_output_raises_expansion_error(data, why):
    with pytest.raises(ExpansionError, match=why):
        coerce_shot_list(data, defaults=_defaults(), backend="openai")


def test_fit_shot_count_trims_and_pads_from_rules():
    model = coerce_shot_list({"shots": [_shot(), _shot()]}, defaults=_defaults(), backend="openai")
    filler = _defaults(shots=4, bible=model.bible)
    padded = fit_shot_count(model, 4, filler)
    assert [shot.prompt for shot in padded.shots[:2]] == [shot.prompt for shot in model.shots]
    assert padded.shots[2:] == filler.shots[2:]
    assert fit_shot_count(model, 1, filler).shots == model.shots[:1]
    assert fit_shot_count(model, None, filler) is model


def test_templates_load_as_package_data_and_examples_are_valid():
    assert len(examples()) >= 2
    for example in examples():
        shot_list = ShotList(**example["shot_list"])
        assert len({shot.camera for shot in shot_list.shots}) == len(shot_list.shots)
    system = system_prompt()
    assert "$" not in system
    assert examples()[1]["request"] in system
    assert '"negative_prompt"' in system


def test_user_message_carries_the_options():
    request = "一只猫在海边看日落，三个镜头"
    bible = StyleBible(style="ink wash", characters="a black cat")
    messages = chat_messages(request, parse_request(request), ExpandOptions(duration=9, bible=bible,
                                                                            style="anime"))
    assert [message["role"] for message in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert f"<request>\n{request}\n</request>" in user
    assert "Request language: Chinese" in user
    assert "exactly 3" in user
    assert "about 9 seconds" in user
    assert "anime style, hand-drawn" in user
    assert bible.model_dump_json() in user


def test_user_message_carries_the_grammars_constraints_and_beats():
    request = "a knight rides into town, then draws his sword, 2 shots, 3 seconds each, slow motion, handheld"
    facts = parse_request(request)
    plan = Rules().build(facts, ExpandOptions())
    user = chat_messages(request, facts, ExpandOptions(), plan)[1]["content"]
    assert "exactly 2" in user and "per shot, in order: 3, 3 seconds" in user
    assert "slow motion" in user and "Camera: handheld camera" in user
    assert "1. a knight rides into town\n2. the knight draws his sword" in user


def test_build_expander_picks_the_backend():
    assert isinstance(build_expander(ExpanderConfig()), RuleBasedExpander)
    local = build_expander(ExpanderConfig(backend="transformers", timeout=10, budget=15))
    assert isinstance(local, FallbackExpander) and isinstance(local.primary, TransformersExpander)
    assert local.timeout == 15  # one budget per request, whichever backend
    remote = build_expander(ExpanderConfig(backend="openai"))
    assert isinstance(remote, FallbackExpander) and isinstance(remote.primary, OpenAIExpander)
    with pytest.raises(ValueError, match="auto, rules, transformers, openai"):
        build_expander(ExpanderConfig(backend="magic"))


def test_auto_backend_prefers_a_configured_endpoint_then_a_local_model_on_a_gpu(tmp_path, monkeypatch):
    import prompts.expand as expand

    assert ExpanderConfig().backend == "auto"
    assert resolve_backend(ExpanderConfig()) == "rules"  # no endpoint, no GPU here
    assert resolve_backend(ExpanderConfig(base_url="http://127.0.0.1:11434/v1")) == "openai"
    monkeypatch.setattr(expand, "_gpu_present", lambda: True)
    assert resolve_backend(ExpanderConfig(model_id="nobody/not-downloaded-model")) == "rules"
    assert resolve_backend(ExpanderConfig(model_id=str(tmp_path))) == "transformers"
    assert resolve_backend(ExpanderConfig(backend="rules", model_id=str(tmp_path))) == "rules"
    built = build_expander(ExpanderConfig(model_id=str(tmp_path)))
    assert isinstance(built, FallbackExpander) and isinstance(built.primary, TransformersExpander)


@pytest.mark.parametrize(("base", "url"), [
    ("http://h:8000", "http://h:8000/v1/chat/completions"),
    ("http://h:8000/v1/", "http://h:8000/v1/chat/completions"),
    ("https://api.example.com/v1/chat/completions", "https://api.example.com/v1/chat/completions"),
])
def test_chat_completions_url(base, url):
    assert chat_completions_url(base) == url


def test_example_json_round_trips_through_the_repairer():
    text = json.dumps(examples()[0]["shot_list"], indent=2, ensure_ascii=False)
    broken = text.replace('"duration": 3', '"duration": "3s"').replace("}\n  ]", "},\n  ]")[:-1]
    assert loads_lenient(f"Here you go!\n```json\n{broken}")["title"] == examples()[0]["shot_list"]["title"]
