"""Quality levels through the Studio: which requests are drafts, how the server's `draft_quality` and the
operator's `[models]` settings shape them, and what remixes, picks and finalize do with them."""
from __future__ import annotations

import pytest

from common.errors import InvalidValue
from storage.settings import get_settings, set_setting
from studio.config import ModelsConfig
from studio.requests import VideoOptions
from studio.remix import RemixChange, recipe_text, remix
from studio.service import Studio
from studio.storyboards.actions import animate, pick_still
from studio.takes import finalize, is_draft
from stills_fixtures import ALICE as STILLS_ALICE, GUILD as STILLS_GUILD
from test_remix_studio import ALICE, BOB, GUILD, studio

__all__ = ["studio"]  # the shared tiny-model studio with roomy queue limits
REQUEST = "a paper boat sails down a rainy street"


def _schedule(clip) -> set[tuple]:
    return {(r.model, r.quality, r.fast_path, r.steps, r.guidance) for r in Studio.recipes(clip)}


async def test_drafts_take_the_presets_fast_path_or_full_drafts_as_the_server_says(studio):
    final = (await studio.create(ALICE, REQUEST, VideoOptions(shots=2, model="tiny-wan2.2"))).clip
    assert _schedule(final) == {("tiny-wan2.2", "final", None, 3, 5.0)} and not is_draft(final)
    fast = await studio.create(ALICE, REQUEST, VideoOptions(shots=2, model="tiny-wan2.2", draft=True))
    assert _schedule(fast.clip) == {("tiny-wan2.2", "draft", "tiny-fastwan2.2", 3, 1.0)} and is_draft(fast.clip)
    # The recipe card names the path: it decides the pixels as much as the seed does.
    card = [line.render() for line in recipe_text(fast.clip)]
    assert card.count("  a draft, through tiny-fastwan2.2") == 2 and "3 steps, guidance 1" in card[3]
    assert fast.job.priority == 0
    ltx = await studio.create(ALICE, REQUEST, VideoOptions(shots=1, model="tiny-ltx", draft=True))
    assert _schedule(ltx.clip) == {("tiny-ltx", "draft", "ltx-taylorseer", 2, 3.0)}  # a cache hook at draft steps
    await studio.adb.write(set_setting, GUILD, "draft_quality", "full")
    full = await studio.create(ALICE, REQUEST, VideoOptions(shots=2, model="tiny-wan2.2", draft=True))
    assert _schedule(full.clip) == {("tiny-wan2.2", "draft", None, 1, 5.0)} and is_draft(full.clip)


async def test_a_fast_draft_costs_less_in_the_queue_than_its_final(studio):
    final = await studio.create(ALICE, REQUEST, VideoOptions(shots=2, model="tiny-wan2.2"))
    draft = await studio.create(ALICE, REQUEST, VideoOptions(shots=2, model="tiny-wan2.2", draft=True))
    # The same steps, without CFG: half the transformer passes (renderqueue.scheduler.render_work).
    assert draft.job.cost_estimate == pytest.approx(final.job.cost_estimate / 2)


async def test_remixes_keep_their_drafts_path_and_finalize_restores_the_full_schedule(studio):
    draft = (await studio.create(ALICE, REQUEST, VideoOptions(shots=2, model="tiny-wan2.2", draft=True))).clip
    remixed = await remix(studio, BOB, draft.id, RemixChange("style", "watercolor"))
    assert _schedule(remixed.clip) == _schedule(draft) and remixed.job.priority == 0
    final = await finalize(studio, BOB, draft.id)
    assert _schedule(final.clip) == {("tiny-wan2.2", "final", None, 3, 5.0)} and not is_draft(final.clip)
    assert [r.seed for r in Studio.recipes(final.clip)] == [r.seed for r in Studio.recipes(draft)]


async def test_picked_takes_animate_through_the_drafts_path_when_the_server_animates_drafts(stills_studio,
                                                                                            stills_worker):
    """Takes are stills: a pick renders nothing, and Animate renders the picks at `animate_quality`."""
    await stills_studio.adb.write(set_setting, STILLS_GUILD, "animate_quality", "draft")
    takes = (await stills_studio.create(STILLS_ALICE, REQUEST, VideoOptions(shots=2, model="tiny-wan2.2", takes=2)))
    assert takes.job.kind == "stills"
    stills_worker.run()
    view = await pick_still(stills_studio, STILLS_ALICE, takes.clip.id, 2)
    assert [still.take for still in view.picked()] == [1, 1]
    job = await animate(stills_studio, STILLS_ALICE, takes.clip.id)
    animated = await stills_studio.clip(job.clip_id)
    assert _schedule(animated) == {("tiny-wan2.2", "draft", "tiny-fastwan2.2", 3, 1.0)} and is_draft(animated)
    assert [r.seed for r in Studio.recipes(animated)] == [int(s.recipe["seed"]) for s in view.picked()]


async def test_finals_take_the_conservative_cache_hook_only_when_the_operator_turns_it_on(studio):
    studio.config = studio.config.model_copy(update={"models": ModelsConfig(cache_finals=True)})
    final = (await studio.create(ALICE, REQUEST, VideoOptions(shots=1, model="tiny-ltx"))).clip
    assert _schedule(final) == {("tiny-ltx", "final", "ltx-taylorseer-final", 3, 3.0)} and not is_draft(final)
    draft = (await studio.create(ALICE, REQUEST, VideoOptions(shots=1, model="tiny-ltx", draft=True))).clip
    finalized = await finalize(studio, BOB, draft.id)
    assert _schedule(finalized.clip) == _schedule(final)


def test_draft_quality_is_a_server_setting_with_two_values(db):
    assert get_settings(db, GUILD).draft_quality == "fast"
    set_setting(db, GUILD, "draft_quality", "full")
    assert get_settings(db, GUILD).draft_quality == "full"
    with pytest.raises(InvalidValue) as info:
        set_setting(db, GUILD, "draft_quality", "quick")
    assert info.value.params["choices"] == "fast, full"
