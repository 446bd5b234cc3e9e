"""The rule-based planner on the evaluation table: every request's plan meets every property."""
from __future__ import annotations

import pytest

from plan_cases import CASES
from prompts.plan_check import PlanCase, check_plan
from prompts.rules import RuleBasedExpander
from prompts.schema import ShotList


def test_the_table_is_big_and_varied():
    from prompts.request import parse_request

    languages = {parse_request(case.request).language for case in CASES}
    assert len(CASES) >= 40 and {"en", "zh-CN", "es", "ja", "fr"} <= languages


@pytest.mark.parametrize("case", CASES, ids=[case.request[:40] for case in CASES])
async def test_rules_plan_is_faithful(case: PlanCase):
    plan = await RuleBasedExpander().expand(case.request)
    assert check_plan(case, plan) == []


async def test_clamped_totals_are_said_in_the_plan():
    plan = await RuleBasedExpander().expand("a rocket launch, 2 minutes, 3 shots")
    assert plan.duration == pytest.approx(24) and [note.english() for note in plan.notes] == [
        "You asked for 120 s; a clip is at most 24 s, so this clip is 24 s."]


def test_the_checker_catches_what_it_checks():
    good = ShotList.model_validate({
        "title": "Owl", "logline": "An owl.", "bible": {"style": "cinematic"}, "shots": [
            {"subject": "owl", "action": "lands", "camera": "wide", "lighting": "dusk", "style": "cinematic",
             "duration": 3, "prompt": "Wide shot: an owl landing on a fence post, pausing to look around."}]})
    case = PlanCase("an owl landing on a fence post, 2 shots, make it 6 seconds", shots=2, total=6,
                    aspect="9:16", style="noir", content=("owl", "barn"), not_in=("fence",))
    failures = check_plan(case, good)
    for kind in ("shots", "total", "aspect", "style", "content: 'barn'", "option text 'fence'", "filler"):
        assert any(failure.startswith(kind) for failure in failures), (kind, failures)
