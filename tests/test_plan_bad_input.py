"""Bad input gets a clear refusal or a faithful plan, never a crash or a raw traceback."""
from __future__ import annotations

import time

import pytest

from prompts.errors import PromptError
from prompts.pipeline import expand_request
from prompts.rules import RuleBasedExpander
from prompts.safety import SafetyPolicy


async def plan(text: str):
    return await expand_request(text, RuleBasedExpander(), SafetyPolicy())


@pytest.mark.parametrize(("text", "message"), [
    ("", "Tell me what to make"),
    ("   \n\t ", "Tell me what to make"),
    ("\x00\x01\x02", "Tell me what to make"),
    ("x" * 10_000, "10000 characters long"),
    ("4 shots, vertical, 8 seconds", "only says how to film it"),
    ("9:16", "only says how to film it"),
])
async def test_refusals_are_clear(text, message):
    started = time.monotonic()
    with pytest.raises(PromptError, match=message):
        await plan(text)
    assert time.monotonic() - started < 2


async def test_emoji_only_is_planned_from_the_emoji_names():
    shot_list = await plan("🐙")
    assert shot_list.title == "The Octopus" and all("octopus" in shot.prompt for shot in shot_list.shots)


async def test_control_characters_separate_words_and_escapes_go():
    shot_list = await plan("a\x07cat\x1b[31m on a roof")
    assert any("a cat on a roof" in shot.prompt for shot in shot_list.shots)
    assert not any("[31m" in shot.prompt for shot in shot_list.shots)


async def test_mixed_scripts_keep_every_word():
    shot_list = await plan("a dragon over 纽约 と東京 en la noche")
    assert all("a dragon over 纽约 と東京 en la noche" in shot.prompt for shot in shot_list.shots)


async def test_very_long_text_straight_to_the_planner_is_quick_and_bounded():
    started = time.monotonic()
    shot_list = await RuleBasedExpander().expand("a cat then dances in the rain, 然后 跳舞 " * 400)
    assert time.monotonic() - started < 5
    assert 1 <= len(shot_list.shots) <= 6 and all(len(shot.prompt) <= 1200 for shot in shot_list.shots)
