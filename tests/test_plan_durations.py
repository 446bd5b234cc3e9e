"""Honest durations: what the plan says is what the reply shows, what the recipes store and what the decoded
file lasts, also for shots longer than one generation of the model (rendered as joined segments)."""
from __future__ import annotations

import asyncio

import pytest

from generation.encoding import probe
from generation.registry import get_preset
from generation.segments import segment_layout, segmented_recipe
from studio.runtime import follow_job
from studio.service import Studio
from studio_fixtures import ALICE


@pytest.mark.parametrize("model", ["tiny", "wan-1.3b", "ltx-video", "cogvideox-2b"])
@pytest.mark.parametrize("seconds", [0.6, 1.0, 2.5, 5.0, 7.0, 8.0])
def test_every_preset_renders_a_shot_for_its_planned_length(model, seconds):
    preset = get_preset(model)
    recipe = segmented_recipe(model, "a cat", "", 1, seconds=seconds)
    assert recipe.num_frames <= preset.max_frames and (recipe.num_frames - 1) % preset.frame_step == 0
    assert abs(recipe.duration - seconds) <= 0.5 / preset.fps  # within half a frame
    assert recipe.frames <= recipe.joined_frames
    assert recipe.continued == (recipe.segments > 1 and preset.supports_i2v)


def test_one_generation_recipes_keep_their_old_cache_keys():
    single = segmented_recipe("tiny", "a cat", "", 1, seconds=1.125)
    assert (single.segments, single.keep_frames, single.continued) == (1, None, False)
    assert single.content_hash() == get_preset("tiny").recipe("a cat", "", 1, duration=1.125).content_hash()
    assert segment_layout(get_preset("wan-1.3b"), 7.0) == (2, 57, False)  # no i2v: joined generations


async def test_plan_reply_recipe_and_decoded_file_agree(studio: Studio, worker) -> None:  # noqa: ANN001
    # Two shots of 2.5 s on a model that generates 2.1 s at once: each shot is two continued segments.
    accepted = await studio.create(ALICE, "a paper boat in a gutter, then it sails into a drain, 2.5 seconds each")
    plan = accepted.shot_list
    recipes = Studio.recipes(accepted.clip)
    assert len(plan.shots) == 2 and plan.duration == pytest.approx(5)
    assert all(recipe.segments >= 2 and recipe.continued for recipe in recipes)
    assert [recipe.duration for recipe in recipes] == pytest.approx([shot.duration for shot in plan.shots])
    view = await asyncio.wait_for(follow_job(studio, accepted.job.id, lambda view: asyncio.sleep(0), interval=0.2),
                                  300)
    assert view.job.status == "done", view.job.error
    info = probe(view.clip.video_path)
    assert info.frame_count == sum(recipe.frames for recipe in recipes) == 40
    assert info.duration == pytest.approx(plan.duration, abs=2 / info.fps)


def test_a_shot_shrunk_after_running_out_of_memory_keeps_its_length():
    from renderqueue.outcomes import shrink_recipe

    for model in ("tiny", "wan-1.3b", "cogvideox-2b"):
        recipe = segmented_recipe(model, "a cat", "", 1, seconds=4.0)
        while (smaller := shrink_recipe(recipe)) is not None:
            assert smaller.frames == recipe.frames and smaller.num_frames <= recipe.num_frames
            recipe = smaller
