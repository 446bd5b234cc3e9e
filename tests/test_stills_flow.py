"""Storyboard first through the Studio and a real stills_worker on the tiny models: stills before video, shot by
shot changes kept in SQLite, Animate from the approved stills, and the faults a member can meet."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from refusals import refused
from stills_fixtures import ALICE, BOB, REQUEST

from bot.console.replies import describe_storyboard
from generation.errors import PipelineError
from generation.recipe import ShotRender
from generation.storyboard import board_panels
from generation.storyboard_check import panel_faults
from prompts.errors import UnsafeRequest
from storage.records import PRIORITY_STILLS
from storage.requests import get_request
from storage.settings import set_setting
from studio.errors import StudioError
from studio.requests import VideoOptions
from studio.service import Studio
from studio.storyboards import actions
from studio.storyboards.actions import animate, cancel_storyboard, pick_still, remove_shot, reroll_still, storyboard
from studio.storyboards.editing import edit_still

THREE = VideoOptions(shots=3, duration=3, seed=11)
TWO = VideoOptions(shots=2, duration=2, seed=11)


async def test_stills_come_first_then_animate_opens_each_shot_on_its_still(stills_studio, stills_worker):
    studio = stills_studio
    accepted = await studio.create(ALICE, REQUEST, TWO)
    assert (accepted.job.kind, accepted.job.priority) == ("stills", PRIORITY_STILLS)
    # The console's `/stills` while they render, then once they are ready.
    rendering = describe_storyboard(await storyboard(studio, ALICE, accepted.clip.id))
    assert "stills rendering, 0 of 2 done" in rendering and "shot 1: rendering" in rendering
    board_path = stills_worker.run()
    view = await storyboard(studio, ALICE, accepted.clip.id)
    assert f"stills ready\nstoryboard: {board_path}" in describe_storyboard(view)
    assert view.storyboard.status == "ready" and view.board == board_path and view.opens_on_still
    assert (await studio.clip(accepted.clip.id)).status == "queued"  # no video yet
    assert len(view.stills) == 2 and all(s.status == "ready" and Path(s.path).is_file() for s in view.stills)
    # The board the member sees shows each still, never a blank panel.
    assert panel_faults(board_path, view.still_paths()) == []
    stills = [ShotRender.from_dict(s.recipe) for s in view.stills]
    planned = Studio.recipes(view.clip)
    assert [(s.num_frames, s.seed, s.prompt) for s in stills] == [(1, p.seed, p.prompt) for p in planned]

    job = await animate(studio, ALICE, accepted.clip.id)
    assert job.kind == "clip" and job.priority == 1
    animated = Studio.recipes(await studio.clip(accepted.clip.id))
    assert [r.init_image for r in animated] == [str(s.path) for s in view.stills]  # each from its still
    assert all(r.continues_from is None and r.steps == 3 for r in animated)
    output = stills_worker.run()
    assert output.rendered == 2 and panel_faults(output.storyboard_path, output.shot_paths) == []
    assert (await storyboard(studio, ALICE, accepted.clip.id)).stage == "animated"  # the video is done
    with refused("already_animated", StudioError):
        await animate(studio, ALICE, accepted.clip.id)


async def test_edit_reroll_remove_and_pick_change_only_what_they_say(stills_studio, stills_worker, monkeypatch):
    studio = stills_studio
    clip_id = (await studio.create(ALICE, REQUEST, THREE)).clip.id
    stills_worker.run()
    before = await storyboard(studio, ALICE, clip_id)
    pictures = [np.asarray(Image.open(p)) for p in before.still_paths()]

    with refused("empty_edit", StudioError):
        await edit_still(studio, ALICE, clip_id, 2, "   ")
    with refused("unsafe_request", UnsafeRequest):
        await edit_still(studio, ALICE, clip_id, 2, "shot 2 with gore and torture")
    with refused("not_author"):
        await edit_still(studio, BOB, clip_id, 2, "at night")
    assert (await storyboard(studio, ALICE, clip_id)).stills == before.stills  # nothing changed

    edited = await edit_still(studio, ALICE, clip_id, 2, "at night, under a full moon")
    assert edited.job.kind == "stills" and "night" in edited.shot_list.shots[1].prompt
    assert (await studio.adb.read(get_request, edited.request_id)).status == "accepted"
    view = await storyboard(studio, ALICE, clip_id)
    assert [s.status for s in view.stills] == ["ready", "queued", "ready"]
    with refused("stills_rendering", StudioError):
        await animate(studio, ALICE, clip_id)
    await reroll_still(studio, ALICE, clip_id, 3)  # queued on the same job
    stills_worker.run()
    after = await storyboard(studio, ALICE, clip_id)
    now = [np.asarray(Image.open(p)) for p in after.still_paths()]
    assert np.array_equal(now[0], pictures[0]) and not np.array_equal(now[1], pictures[1])
    assert after.stills[2].recipe["seed"] != before.stills[2].recipe["seed"]
    assert after.stills[1].recipe["seed"] == before.stills[1].recipe["seed"]  # an edit keeps the seed

    removed = await remove_shot(studio, ALICE, clip_id, 1)
    assert removed.shots == 2 and len(removed.clip.recipes) == 2 and len(removed.clip.shot_list["shots"]) == 2
    assert [s.recipe["prompt"] for s in removed.stills] == [s.recipe["prompt"] for s in after.stills[1:]]
    stills_worker.run()  # draws the board again without shot 1
    board = await storyboard(studio, ALICE, clip_id)
    assert len(board_panels(board.board)) == 2 and panel_faults(board.board, board.still_paths()) == []
    assert (await remove_shot(studio, ALICE, clip_id, 2)).shots == 1
    with refused("last_shot", StudioError):
        await remove_shot(studio, ALICE, clip_id, 1)


async def test_takes_are_stills_picked_without_a_render(stills_studio, stills_worker):
    studio = stills_studio
    accepted = await studio.create(ALICE, REQUEST, VideoOptions(shots=2, duration=2, seed=5, takes=2))
    assert accepted.clip.remix_kind is None and accepted.job.kind == "stills"
    stills_worker.run()
    view = await storyboard(studio, ALICE, accepted.clip.id)
    assert view.storyboard.takes == 2 and len(view.stills) == 4
    assert len({s.recipe["seed"] for s in view.stills}) == 4 and [s.picked for s in view.stills].count(True) == 2
    # One grid: a row of two takes per shot, each panel its still.
    assert panel_faults(view.board, view.still_paths()) == []
    assert 2 * 320 < Image.open(view.board).width < 3 * 320
    jobs_before = len(stills_worker.claimed)
    picked = await pick_still(studio, ALICE, accepted.clip.id, 2)  # take 2 of every shot
    assert [s.take for s in picked.picked()] == [1, 1]
    picked = await pick_still(studio, ALICE, accepted.clip.id, 1, shot=2)
    assert [s.take for s in picked.picked()] == [1, 0]
    with refused("no_such_take", StudioError):
        await pick_still(studio, ALICE, accepted.clip.id, 3)
    await animate(studio, ALICE, accepted.clip.id)
    animated = Studio.recipes(await studio.clip(accepted.clip.id))
    assert [r.seed for r in animated] == [s.recipe["seed"] for s in picked.picked()]
    assert len(stills_worker.claimed) == jobs_before  # picking rendered nothing


async def test_a_failed_still_names_its_shot_and_can_be_retried(stills_studio, stills_worker, monkeypatch):
    import generation.stills as stills

    real = stills.render_shot

    def render_shot(recipe, cache, **kwargs):
        if "shot two" in recipe.prompt:
            raise PipelineError("The {model} model failed while rendering this shot.", model=recipe.model)
        return real(recipe, cache, **kwargs)

    monkeypatch.setattr(stills, "render_shot", render_shot)
    studio = stills_studio
    accepted = await studio.create(ALICE, "shot one: a lighthouse in a storm. shot two: a ship in the rain", VideoOptions(shots=2))
    clip_id = accepted.clip.id
    stills_worker.run()
    view = await storyboard(studio, ALICE, clip_id)
    failed = view.failed()
    assert [shot for shot, _reason in failed] == [2] and "failed while rendering" in failed[0][1].english()
    assert view.storyboard.status == "ready" and len(board_panels(view.board)) == 2
    with refused("still_failed", StudioError) as info:
        await animate(studio, ALICE, clip_id)
    assert "shot 2" in info.value.user_message
    monkeypatch.setattr(stills, "render_shot", real)
    await actions.retry_stills(studio, ALICE, clip_id)
    stills_worker.run()
    assert [s.status for s in (await storyboard(studio, ALICE, clip_id)).stills] == ["ready", "ready"]


async def test_cancel_during_stills_cancels_everything_queued(stills_studio, stills_worker):
    studio = stills_studio
    accepted = await studio.create(ALICE, REQUEST, TWO)
    await studio.cancel(ALICE, accepted.job.id)
    view = await storyboard(studio, ALICE, accepted.clip.id)
    assert view.storyboard.status == "cancelled" and view.clip.status == "cancelled"
    with refused("storyboard_cancelled", StudioError):
        await reroll_still(studio, ALICE, accepted.clip.id, 1)
    other = await studio.create(ALICE, REQUEST, VideoOptions(shots=1, duration=1))
    stills_worker.run()
    await cancel_storyboard(studio, ALICE, other.clip.id)
    with refused("storyboard_cancelled", StudioError):
        await animate(studio, ALICE, other.clip.id)


async def test_auto_mode_animates_after_its_grace_unless_the_member_acts(stills_studio, stills_worker):
    studio = stills_studio
    await studio.adb.write(set_setting, ALICE.guild_id, "stills_first", "auto")
    await studio.adb.write(set_setting, ALICE.guild_id, "stills_grace_s", 0)
    accepted = await studio.create(ALICE, REQUEST, VideoOptions(shots=1, duration=1))
    assert await actions.animate_due(studio, "console") == []  # stills not ready yet
    stills_worker.run()
    [job] = await actions.animate_due(studio, "console")
    assert job.clip_id == accepted.clip.id and job.kind == "clip"
    assert await actions.animate_due(studio, "console") == []


async def test_a_preset_that_cannot_start_from_a_picture_says_the_stills_are_a_preview(stills_studio, stills_worker):
    studio = stills_studio
    accepted = await studio.create(ALICE, REQUEST, VideoOptions(shots=1, model="tiny-cogvideox"))
    stills_worker.run()
    view = await storyboard(studio, ALICE, accepted.clip.id)
    assert not view.opens_on_still and panel_faults(view.board, view.still_paths()) == []
    await animate(studio, ALICE, accepted.clip.id)
    [recipe] = Studio.recipes(await studio.clip(accepted.clip.id))
    assert recipe.init_image is None and recipe.seed == view.stills[0].recipe["seed"]


async def test_a_remix_reuses_its_unchanged_shots_after_the_stills(stills_studio, stills_worker):
    from studio.remix import parse_change, remix

    studio = stills_studio
    original = await studio.create(ALICE, REQUEST, TWO)
    stills_worker.run()
    await animate(studio, ALICE, original.clip.id)
    stills_worker.run()
    remixed = await remix(studio, BOB, original.clip.id, parse_change("shot 2: the keeper lights the lamp"))
    assert remixed.job.kind == "stills"
    stills_worker.run()
    await animate(studio, BOB, remixed.clip.id)
    output = stills_worker.run()
    assert (output.rendered, output.reused) == (1, 1)


async def test_a_restart_in_the_middle_loses_nothing(tmp_path, tiny_models_dir, pipelines):
    from stills_fixtures import Worker, stills_config

    from studio.resume import resume_requests
    from studio.runtime import open_studio

    config = stills_config(tmp_path / "home", tiny_models_dir)
    studio = open_studio(config)
    accepted = await studio.create(ALICE, REQUEST, VideoOptions(shots=2, duration=2))
    # An edit stored, and the process gone before it was planned (as `edit_still` stores it first).
    stored = await studio.record_request(ALICE, "still_edit", "at night", {"clip_id": accepted.clip.id, "shot": 1},
                                         None)  # fmt: skip
    await studio.aclose()

    studio = open_studio(config)
    worker = Worker(studio, pipelines)
    try:
        assert worker.run() is not None  # the stills job waited for a worker across the restart
        [resumed] = await resume_requests(studio, "console")
        assert resumed.request.id == stored.id and resumed.accepted.job.kind == "stills"
        assert "night" in Studio.recipes(await studio.clip(accepted.clip.id))[0].prompt
        worker.run()
        view = await storyboard(studio, ALICE, accepted.clip.id)
        assert view.storyboard.status == "ready" and [s.status for s in view.stills] == ["ready", "ready"]
        assert "night" in view.stills[0].recipe["prompt"]
    finally:
        worker.close()
        await studio.aclose()
