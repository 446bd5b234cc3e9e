"""The rule-based planner on the evaluation table: every request's plan meets every property."""
from __future__ import annotations

import pytest

from plan_cases import CASES
from prompts.plan_check import PlanCase, check_plan
from prompts.rules import RuleBasedExpander
from prompts.schema import ShotList


def test_the_table_is_big_and_varied():
    from prompts.langdata import CODES
    from prompts.request import parse_request

    languages = [parse_request(case.request).language for case in CASES]
    assert len(CASES) >= 150 and set(languages) == set(CODES)
    assert min(languages.count(code) for code in CODES) >= 8
    assert sum(case.film is True for case in CASES) >= 40 and sum(bool(case.negative) for case in CASES) >= 15


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


def test_the_checker_catches_cut_titles_fragments_shown_negations_and_one_sentence_said_n_times():
    shot = {"subject": "an owl", "action": "an owl landing on a fence post", "camera": "wide", "lighting": "dusk",
            "style": "cinematic", "duration": 2, "negative_prompt": "blurry",
            "prompt": "Wide shot: an owl landing on a fence post with no people around."}
    plan = ShotList.model_validate({
        "title": "Owl Landing on a", "logline": "An owl.", "bible": {"style": "cinematic", "characters":
        "an on a fence, same design"}, "shots": [shot] * 3})
    case = PlanCase("an owl landing on a fence post, no people, 3 shots", negative=("people",))
    failures = check_plan(case, plan)
    for kind in ("title 'Owl Landing on a' ends mid-phrase", "characters 'an on a fence' is a fragment",
                 "negative: 'people' not in every negative prompt", "negative: 'people' shown in a prompt",
                 "film: shots share a core"):
        assert any(failure.startswith(kind) for failure in failures), (kind, failures)
    chinese = plan.model_copy(update={"title": "Owl"})
    assert any("not in the request's language" in f for f in check_plan(PlanCase("一只猫头鹰落在篱笆上"), chinese))
