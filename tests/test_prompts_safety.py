"""Sanitizing chat text, the blocklist, the judge hook, and the sanitize-screen-expand-screen pipeline."""
from __future__ import annotations

import pytest

from prompts.base import ExpandOptions
from prompts.errors import PromptError, UnsafeRequest
from prompts.pipeline import expand_request
from prompts.rules import RuleBasedExpander
from prompts.safety import SafetyPolicy, SafetyVerdict, check_text, ensure_safe, sanitize_request, screen
from prompts.schema import ShotList

STANDARD = SafetyPolicy()


@pytest.mark.parametrize(("text", "clean"), [
    ("<@123456> make a cat <@!42> video <@&99> for <#777>", "make a cat video for"),
    ("@everyone @here a dragon", "a dragon"),
    ("a cat on [the beach](https://evil.example/x) https://spam.example/y", "a cat on the beach"),
    ("```python\nimport os\n``` a robot", "import os a robot"),
    ("# HUGE\n## heading\n> quoted\n-# small\n- a fox", "HUGE heading quoted small a fox"),
    ("**bold** __under__ ~~gone~~ ||spoiler|| *it* `code`", "bold under gone spoiler it code"),
    ("a cat <:party:123456> dancing </imagine:987>", "a cat party dancing"),
    ("ａ　ｃａｔ\u200b\u202e on a beach!!!!!!!!", "a cat on a beach!!!"),
    ("一个巨大的怪物在纽约街道上行走", "一个巨大的怪物在纽约街道上行走"),
    ("line one\n\n\nline two\ttabbed", "line one line two tabbed"),
])
def test_sanitize_strips_mentions_and_markdown(text, clean):
    assert sanitize_request(text) == clean


@pytest.mark.parametrize("text", ["", "   ", "<@123> @everyone", "``` ```", "**__**"])
def test_sanitize_refuses_empty(text):
    with pytest.raises(PromptError) as caught:
        sanitize_request(text)
    assert "Tell me what to make" in caught.value.user_message


def test_sanitize_length_limits():
    assert sanitize_request("a" * 600) == "a" * 600
    with pytest.raises(PromptError) as caught:
        sanitize_request("a cat " * 101)
    assert "under 600 characters" in caught.value.user_message
    assert sanitize_request("a cat", max_chars=5) == "a cat"
    with pytest.raises(PromptError, match="under 5 characters"):
        sanitize_request("a dog!", max_chars=5)
    # Mentions do not count against the limit, but a huge raw message is refused before any work.
    assert sanitize_request("<@123456789012345678> " * 5 + "a cat", max_chars=30) == "a cat"
    with pytest.raises(PromptError):
        sanitize_request("<@1>" * 1000, max_chars=100)


@pytest.mark.parametrize(("text", "category"), [
    ("a gore fest in a mall", "graphic gore"),
    ("a zombie DECAPITATING a knight", "graphic gore"),
    ("一个血腥的场景", "graphic gore"),
    ("nude woman on a beach", "explicit sexual content"),
    ("一个色情视频", "explicit sexual content"),
    ("deepfake of a famous actor", "deepfakes of real people"),
    ("a child in lingerie", "sexual content involving minors"),
    ("一个未成年的性感女孩", "sexual content involving minors"),
    ("a 15 year old girl naked", "sexual content involving minors"),
    ("celebrity sex tape", "sexual imagery of real people"),
    ("a school shooting", "mass violence"),
    ("how to kill myself", "self-harm"),
])
def test_blocked_requests(text, category):
    verdict = check_text(text, STANDARD)
    assert (verdict.allowed, verdict.category) == (False, category)
    with pytest.raises(UnsafeRequest) as caught:
        ensure_safe(text, STANDARD)
    assert category in caught.value.user_message
    assert caught.value.user_message.startswith("Sorry, I can't make that")


@pytest.mark.parametrize("text", [
    "a giant monster walking through New York", "a foggy morning in Sussex", "Essex countryside at dawn",
    "a shooting star over the desert", "a knight and a dragon fight in a castle", "kids playing in a park",
    "一个巨大的怪物在纽约街道上行走", "孩子们在海边玩耍", "a dog in a sexton's hat",
])
def test_harmless_requests_pass(text):
    assert check_text(text, STANDARD).allowed


def test_levels():
    assert check_text("a bloody battle with swords", STANDARD).allowed
    assert not check_text("a bloody battle with swords", SafetyPolicy(level="strict")).allowed
    assert not check_text("血红色的刀", SafetyPolicy(level="strict")).allowed
    off = SafetyPolicy(level="off")
    assert check_text("gore", off).allowed
    assert not check_text("a naked child", off).allowed  # never allowed, whatever the level
    with pytest.raises(ValueError, match="off, standard, strict"):
        SafetyPolicy(level="lenient")


def test_server_blocklist_terms():
    policy = SafetyPolicy(blocklist=["clown*", "pineapple pizza", "香菜"])
    assert not check_text("Clowns in the rain", policy).allowed
    assert not check_text("a slice of pineapple-pizza", policy).allowed
    assert not check_text("一盘香菜", policy).allowed
    assert check_text("a pineapple on a pizza box", policy).allowed
    assert check_text("fruit pizza", policy).allowed
    assert check_text("a slice of pineapple pizza", policy).category == "terms this server blocks"


async def test_judge_runs_after_the_blocklist():
    seen: list[str] = []

    async def judge(text: str) -> SafetyVerdict:
        seen.append(text)
        return SafetyVerdict("spider" not in text, "no spiders here", "arachnids")

    policy = SafetyPolicy(judge=judge)
    assert (await screen("a cat", policy)).allowed
    assert not (await screen("a spider in a web", policy)).allowed
    assert (await screen("gore", policy)).category == "graphic gore"
    assert seen == ["a cat", "a spider in a web"]  # the blocklist refused "gore" without asking


async def test_a_failing_judge_leaves_the_blocklist_verdict():
    async def judge(text: str) -> SafetyVerdict:
        raise ConnectionError("moderator down")

    policy = SafetyPolicy(judge=judge)
    assert (await screen("a cat", policy)).allowed
    assert not (await screen("gore", policy)).allowed


class RecordingExpander:
    backend = "openai"

    def __init__(self, result: ShotList | None = None) -> None:
        self.requests: list[str] = []
        self.result = result

    async def expand(self, request: str, options: ExpandOptions | None = None) -> ShotList:
        self.requests.append(request)
        if self.result is not None:
            return self.result
        return (await RuleBasedExpander().expand(request, options)).model_copy(update={"backend": "openai"})


async def test_pipeline_sanitizes_before_expanding():
    expander = RecordingExpander()
    shot_list = await expand_request("<@123> **a cat** on [the beach](http://x.y) @here", expander, STANDARD)
    assert expander.requests == ["a cat on the beach"]
    assert shot_list.backend == "openai"


async def test_pipeline_refuses_unsafe_requests_before_expanding():
    expander = RecordingExpander()
    with pytest.raises(UnsafeRequest):
        await expand_request("a gory dismemberment", expander, STANDARD)
    assert expander.requests == []


async def test_pipeline_screens_what_the_model_wrote():
    bad = await RuleBasedExpander().expand("a zombie covered in gore")
    expander = RecordingExpander(bad.model_copy(update={"backend": "openai"}))
    shot_list = await expand_request("a zombie walking in a mall", expander, STANDARD)
    assert shot_list.backend == "rules"
    assert any("zombie walking" in shot.prompt for shot in shot_list.shots)
    # The default negative prompt names "nsfw"; negative prompts are not screened.
    assert "nsfw" in shot_list.shots[0].negative_prompt


async def test_pipeline_refuses_when_even_the_rules_write_blocked_text():
    policy = SafetyPolicy(blocklist=["moonlight"])
    with pytest.raises(UnsafeRequest, match="moonlight"):
        await expand_request("a cat at night", RuleBasedExpander(), policy)
