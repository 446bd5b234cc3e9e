"""Stills at the generation level: one-frame recipes on every preset, the stills board, the animation that
opens on an approved still (Wan VACE: first frame as video + mask), and the recipe fields' hashes."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image
from refusals import refused
from test_fast_paths import FOX

from generation.errors import RecipeError
from generation.frames import Frames
from generation.recipe import ShotRender
from generation.registry import clip_models, get_preset, validate_recipe
from generation.render import render_shot
from generation.segments import segmented_recipe
from generation.still_recipes import animated_recipe, opens_on_still, still_recipe, still_steps
from generation.stills import render_still, stills_board
from generation.storyboard import board_panels
from generation.storyboard_check import MIN_PANEL_SPREAD, panel_faults, pixel_spread

PROMPT = "a lighthouse keeper climbs the spiral stairs with a lantern"


@pytest.mark.parametrize("name", sorted(clip_models()))
def test_every_preset_takes_a_one_frame_still_and_only_a_still(name):
    shot = segmented_recipe(name, PROMPT, "blurry", 42, seconds=7.0)
    still = still_recipe(shot)
    assert (still.num_frames, still.segments, still.keep_frames, still.continued, still.still) == (1, 1, None, False, True)
    assert (still.model, still.prompt, still.negative_prompt, still.seed, still.width, still.height) == (
        shot.model, shot.prompt, shot.negative_prompt, shot.seed, shot.width, shot.height)  # fmt: skip
    assert still.steps == still_steps(name) < get_preset(name).steps or get_preset(name).steps <= 3
    validate_recipe(still)
    with refused("bad_frame_count", RecipeError):  # one frame is a still's, never a video's
        validate_recipe(dataclasses.replace(shot, num_frames=1, segments=1, keep_frames=None, continued=False))
    with refused("bad_frame_count", RecipeError):
        validate_recipe(dataclasses.replace(still, num_frames=5))


def test_new_recipe_fields_keep_every_earlier_hash():
    """Cached renders are found by hash: recipes without the new fields hash as they always did (the value
    Reelbot computed before stills, drafts and references existed); each new field, set, keys a new render."""
    recipe = ShotRender(**FOX)
    assert recipe.content_hash() == "cf4c15fa9b006e2477b3366faa3040c1"
    assert still_recipe(recipe).content_hash() != recipe.content_hash()
    changed = {dataclasses.replace(recipe, init_video=None, strength=0.6).content_hash(),
               dataclasses.replace(recipe, segments=2, keep_frames=40).content_hash(), recipe.content_hash()}
    assert len(changed) == 3


@pytest.mark.parametrize("name", ["tiny-wan", "tiny-wan2.2", "tiny-wan-vace", "tiny-ltx", "tiny-cogvideox"])
def test_a_still_renders_one_frame_on_every_tiny_preset(pipelines, name):
    """A still shows something: every channel spreads well past flat (tiny-wan's one-frame renders were
    one flat green, per-channel spread 1-3.5, until its VAE's biases started at zero), and another seed's
    still (another take) looks visibly different (they differed by 0.9 of 255 on average)."""
    still = still_recipe(get_preset(name).recipe(PROMPT, "", seed=5))
    frames = render_still(still, pipelines)
    assert frames.shape == (1, still.height, still.width, 3)
    assert pixel_spread(frames.frame(0)) > 2 * MIN_PANEL_SPREAD
    again = render_still(still, pipelines)
    assert np.array_equal(frames.to_bytes(), again.to_bytes())
    other = render_still(still_recipe(get_preset(name).recipe(PROMPT, "", seed=6)), pipelines)
    assert np.abs(frames.frame(0).astype(float) - other.frame(0).astype(float)).mean() > 5


def test_a_still_of_a_shot_that_starts_from_a_picture_is_the_picture(pipelines, tmp_path):
    picture = tmp_path / "cat.png"
    Image.new("RGB", (128, 64), (200, 30, 30)).save(picture)
    shot = get_preset("tiny-wan").recipe(PROMPT, "", seed=5, init_image=picture)
    frames = render_still(still_recipe(shot), pipelines)
    assert frames.shape == (1, 64, 64, 3) and (frames.frame(0) == (200, 30, 30)).all()  # cropped, not rendered


def test_the_stills_board_shows_each_still_a_failed_one_crossed_out(pipelines, tmp_path):
    shots = [segmented_recipe("tiny-ltx", f"{PROMPT}, shot {n}", "", 10 + n, seconds=2.0) for n in range(3)]
    paths = []
    for n, shot in enumerate(shots):
        paths.append(render_still(still_recipe(shot), pipelines).save_picture(0, tmp_path / f"still-{n}.png"))
    board = stills_board(paths, ["one", "two", "three"], tmp_path / "board.png", title="Stills")
    assert panel_faults(board, paths) == []
    assert [Image.open(p).size for p in paths] == [(64, 64)] * 3
    # A still that failed keeps its place, crossed out: the other panels are still their stills.
    failed = stills_board([paths[0], None, paths[2]], ["one", "two", "three"], tmp_path / "failed.png")
    panels = board_panels(failed)
    assert len(panels) == 3 and panel_faults(failed, paths, skip=0)[0].startswith("panel 2")
    # Takes: three stills of one shot in a row of three.
    takes = [render_still(still_recipe(shots[0], seed=s), pipelines).save_picture(0, tmp_path / f"take-{s}.png")
             for s in (1, 2, 3)]  # fmt: skip
    grid = stills_board(takes, ["take 1", "take 2", "take 3"], tmp_path / "grid.png", columns=3)
    assert panel_faults(grid, takes) == [] and Image.open(grid).width > 3 * 320


def test_an_image_to_video_shot_is_animated_from_its_approved_still(pipelines, tmp_path):
    shot = segmented_recipe("tiny-wan", PROMPT, "", 7, seconds=3.0)
    second = dataclasses.replace(shot, continues_from="a" * 32)
    still = tmp_path / "still.png"
    render_still(still_recipe(shot), pipelines).picture(0).save(still)
    animated = animated_recipe(second, still)
    assert animated.init_image == str(still) and animated.continues_from is None and animated.segments == shot.segments
    assert opens_on_still("tiny-wan") and not opens_on_still("wan-1.3b") and not opens_on_still("tiny-cogvideox")
    cog = segmented_recipe("tiny-cogvideox", PROMPT, "", 7, seconds=1.0)
    assert animated_recipe(cog, still) == cog  # a preview: the video starts from its own noise


def test_vace_takes_the_still_as_first_frame_of_video_and_mask(pipelines, tmp_path):
    """WanVACEPipeline gets the still as `video=[still, grey...]` with `mask=[black, white...]`, not `image=`."""
    preset = get_preset("tiny-wan-vace")
    shot = preset.recipe(PROMPT, "", seed=9, duration=0.6, steps=2)
    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    Image.new("RGB", (64, 64), (220, 20, 20)).save(red)
    Image.new("RGB", (64, 64), (20, 20, 220)).save(blue)
    pipe = pipelines.get("tiny-wan-vace", i2v=True)
    assert pipe is pipelines.get("tiny-wan-vace")  # one pipeline: the first frame is an optional input
    seen = []
    real_call = type(pipe).__call__

    def spy(self, **kwargs):
        seen.append(kwargs)
        return real_call(self, **kwargs)

    type(pipe).__call__ = spy
    try:
        from_red = render_shot(animated_recipe(shot, red), pipelines)
        from_blue = render_shot(animated_recipe(shot, blue), pipelines)
        plain = render_shot(shot, pipelines)
    finally:
        type(pipe).__call__ = real_call
    video, mask = seen[0]["video"], seen[0]["mask"]
    assert "image" not in seen[0] and len(video) == len(mask) == shot.num_frames
    assert np.asarray(video[0]).mean(axis=(0, 1)).round().tolist() == [220, 20, 20]
    assert np.asarray(video[1]).mean() == 128 and np.asarray(mask[0]).max() == 0 and np.asarray(mask[1]).min() == 255
    assert "video" not in seen[2] and "mask" not in seen[2]
    assert isinstance(from_red, Frames) and from_red.shape == plain.shape
    assert not np.array_equal(from_red.unit, from_blue.unit), "the first frame conditions the video"
