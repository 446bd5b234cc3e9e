"""Plans that can't be rendered as planned are refused before they are stored (studio/plan_checks.py)."""
from __future__ import annotations

import dataclasses

import pytest

from generation.registry import clip_models
from generation.segments import segmented_recipe
from prompts.schema import MAX_SHOT_SECONDS, MIN_SHOT_SECONDS, Shot
from storage.settings import set_setting
from studio.errors import StudioError
from studio.plan_checks import check_renderable
from studio.requests import VideoOptions
from studio.service import Studio
from studio.takes import final_recipe, finalize
from studio_fixtures import ALICE

DURATIONS = [round(MIN_SHOT_SECONDS + 0.1 * step, 1) for step in range(int((MAX_SHOT_SECONDS - MIN_SHOT_SECONDS) * 10) + 1)]


def shot(seconds: float) -> Shot:
    return Shot(subject="a kite", action="flies", style="watercolor", camera="wide shot", lighting="noon",
                prompt="a kite flies over a hill", duration=seconds)


@pytest.mark.parametrize("model", clip_models())
def test_every_preset_renders_every_plannable_length_on_its_frame_grid(model: str) -> None:
    for seconds in DURATIONS:
        recipe = segmented_recipe(model, "a kite", "", 1, seconds=seconds)
        check_renderable([shot(seconds)], [recipe])  # within one frame, never below the shortest shot
    for source in clip_models():  # and a finalize from any preset onto this one keeps every length
        for seconds in (1.0, 1.1, 2.3, 7.9):
            draft = segmented_recipe(source, "a kite", "", 1, seconds=seconds)
            check_renderable([shot(draft.duration)], [final_recipe(draft, model)])


def test_a_shot_that_would_not_last_what_was_planned_is_refused_and_a_still_is_not() -> None:
    short = segmented_recipe("tiny-ltx", "a kite", "", 1, seconds=1.0)
    sub_second = dataclasses.replace(short, segments=1, keep_frames=None, continued=False)  # 17 frames: 0.71 s
    with pytest.raises(StudioError) as refused:
        check_renderable([shot(1.0)], [sub_second])
    assert refused.value.code == "unrenderable_plan"
    assert refused.value.user_message == ("Shot 1 can't be rendered as planned on tiny-ltx: it would last 0.71 s "
                                          "instead of 1.0 s. Try another model.")
    still = dataclasses.replace(short, num_frames=1, segments=1, keep_frames=None, continued=False)
    check_renderable([shot(1.0)], [still])


async def test_a_draft_finalized_onto_a_24_fps_preset_keeps_its_lengths_and_stays_readable(studio: Studio) -> None:
    """The round's probe: this finalize stored a 0.71 s shot that failed validation on every later read."""
    await studio.adb.write(set_setting, ALICE.guild_id, "max_queued_per_user", 10)
    draft = await studio.create(ALICE, "a kite over a hill, 2 shots, 1 second each", VideoOptions(draft=True))
    for model in ("tiny-ltx", "tiny-wan2.2"):
        final = await finalize(studio, ALICE, draft.clip.id, model=model)
        stored = await studio.clip(final.clip.id)
        assert [round(s.duration, 2) for s in Studio.shot_list(stored).shots] == [1.0, 1.0]
        assert [r.model for r in Studio.recipes(stored)] == [model, model]
