"""An LLM planner held to the request, against a real aiohttp server on 127.0.0.1: the aspect and what to keep
out go to the model as constraints; one time budget per request (Retry-After honoured inside it), then the
rules with a note; a swapped subject is rejected, a dropped thing or a conflicting style repaired; what an
endpoint sends back is redacted before anything keeps it."""
from __future__ import annotations

import copy
import json
import time
from email.utils import formatdate

from aiohttp import web

from prompts.expand import build_expander
from prompts.remote_llm import retry_after_seconds
from test_prompts_openai import GOOD, completion, llm

__all__ = ["llm"]  # fixture
FOX = "a fox exploring a snowy forest at dawn"


def busy(seconds: str):
    async def reply(_request: web.Request) -> web.StreamResponse:
        return web.json_response({"error": "slow down"}, status=429, headers={"Retry-After": seconds})
    return reply


def good_with(**changes) -> str:
    plan = copy.deepcopy(GOOD)
    for shot in plan["shots"]:
        for key, (old, new) in changes.items():
            shot[key] = shot[key].replace(old, new)
    return json.dumps(plan)


async def test_the_frame_and_what_to_keep_out_are_constraints_and_held(llm):
    reply = good_with(prompt=("quiet clearing", "quiet clearing with no people around"))
    llm.script(completion(reply))
    plan = await build_expander(llm.config()).expand(f"{FOX}, vertical, no people")
    user = llm.bodies[0]["messages"][1]["content"]
    assert "Frame: vertical 9:16" in user and "Keep out of every shot" in user and "people" in user
    assert plan.backend == "openai" and plan.aspect == "9:16"
    assert all("people" not in shot.prompt and shot.negative_prompt.endswith("people") for shot in plan.shots)


async def test_retry_after_is_waited_for_within_the_budget(llm):
    llm.script(busy("1"), completion(json.dumps(GOOD)))
    started = time.monotonic()
    plan = await build_expander(llm.config(budget=5)).expand(FOX)
    assert plan.backend == "openai" and len(llm.bodies) == 2
    assert time.monotonic() - started >= 1.0


async def test_a_wait_past_the_budget_goes_to_the_rules_at_once_with_a_note(llm):
    llm.script(busy("30"), completion(json.dumps(GOOD)))
    started = time.monotonic()
    plan = await build_expander(llm.config(budget=2)).expand(FOX)
    assert time.monotonic() - started < 1.5 and len(llm.bodies) == 1
    assert plan.backend == "rules"
    assert [note.english() for note in plan.notes] == [
        "The writer model took longer than 2 s, so the rules wrote this plan."]


async def test_a_hanging_endpoint_costs_one_budget_not_three_timeouts(llm):
    llm.script(llm.slow())
    started = time.monotonic()
    plan = await build_expander(llm.config(budget=1, timeout=60, retries=2)).expand(FOX)
    assert time.monotonic() - started < 2.0
    assert plan.backend == "rules" and "took longer than 1 s" in plan.notes[-1].english()


async def test_a_plan_about_another_subject_is_rejected(llm):
    llm.script(completion(json.dumps(GOOD)))  # a fox, for a request about a cat
    plan = await build_expander(llm.config()).expand("a cat exploring a snowy forest at dawn")
    assert plan.backend == "rules" and all("fox" not in shot.prompt for shot in plan.shots)
    assert "could not plan this request" in plan.notes[-1].english()


async def test_a_dropped_thing_is_put_back_in_its_beats_shot(llm):
    llm.script(completion(json.dumps(GOOD)))
    plan = await build_expander(llm.config()).expand("a fox with a red lantern exploring a snowy forest at dawn")
    assert plan.backend == "openai"
    assert any("red lantern" in shot.prompt for shot in plan.shots)


async def test_a_style_the_member_did_not_ask_for_goes(llm):
    reply = good_with(prompt=("Cinematic nature film", "Photorealistic live-action nature film"))
    llm.script(completion(reply))
    plan = await build_expander(llm.config()).expand(f"{FOX}, anime style")
    assert plan.backend == "openai"
    assert "anime" in plan.bible.style
    assert not any(word in f"{shot.prompt} {shot.style}".lower() for shot in plan.shots
                   for word in ("photorealistic", "live-action"))


async def test_a_secret_an_endpoint_echoes_never_reaches_the_plan(llm):
    key = "sk-live-0123456789abcdef"
    llm.script(completion(good_with(prompt=("quiet clearing", f"quiet clearing {key}"))))
    plan = await build_expander(llm.config(api_key=key)).expand(FOX)
    assert plan.backend == "openai"
    dumped = plan.model_dump_json()
    assert key not in dumped and "[redacted]" in dumped


def test_retry_after_reads_seconds_and_dates():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(formatdate(1_000_030, usegmt=True), now=1_000_000) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
