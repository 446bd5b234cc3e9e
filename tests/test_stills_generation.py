"""Stills at the generation level: one-frame recipes on every preset, the stills board, the animation that
opens on an approved still (Wan VACE: first frame as video + mask), and the recipe fields' hashes."""
from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pytest
from PIL import Image
from refusals import refused

from generation.errors import RecipeError
from generation.frames import Frames
from generation.registry import PRESETS, get_preset, validate_recipe
from generation.render import render_shot
from generation.segments import segmented_recipe
from generation.still_recipes import animated_recipe, opens_on_still, still_recipe, still_steps
from generation.stills import render_still, render_stills
from generation.storyboard_check import panel_faults

PROMPT = "a lighthouse keeper climbs the spiral stairs with a lantern"


class Cache:
    def __init__(self):
        self.paths, self.recorded = {}, []

    def lookup(self, recipe_hash):
        return self.paths.get(recipe_hash)

    def record(self, recipe_hash, path, seconds):
        self.recorded.append(recipe_hash)
        self.paths[recipe_hash] = path


@pytest.mark.parametrize("name", sorted(PRESETS))
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
    """Cached renders are found by hash: recipes without the new fields hash as they always did."""
    recipe = get_preset("tiny").recipe(PROMPT, "", seed=3)
    fields = {k: v for k, v in dataclasses.asdict(recipe).items()
              if k not in ("segments", "keep_frames", "continued", "continues_from", "still", "init_video", "strength")}
    fields["_v"] = 1
    old = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
    assert recipe.content_hash() == old.hexdigest()[:32]
    assert still_recipe(recipe).content_hash() != recipe.content_hash()


@pytest.mark.parametrize("name", ["tiny-wan", "tiny-wan2.2", "tiny-wan-vace", "tiny-ltx", "tiny-cogvideox"])
def test_a_still_renders_one_frame_on_every_tiny_preset(pipelines, name):
    still = still_recipe(get_preset(name).recipe(PROMPT, "", seed=5))
    frames = render_still(still, pipelines)
    assert frames.shape == (1, still.height, still.width, 3) and frames.to_bytes().std() > 2
    again = render_still(still, pipelines)
    assert np.array_equal(frames.to_bytes(), again.to_bytes())
    other = render_still(still_recipe(get_preset(name).recipe(PROMPT, "", seed=6)), pipelines)
    assert not np.array_equal(frames.to_bytes(), other.to_bytes())


def test_a_still_of_a_shot_that_starts_from_a_picture_is_the_picture(pipelines, tmp_path):
    picture = tmp_path / "cat.png"
    Image.new("RGB", (128, 64), (200, 30, 30)).save(picture)
    shot = get_preset("tiny-wan").recipe(PROMPT, "", seed=5, init_image=picture)
    frames = render_still(still_recipe(shot), pipelines)
    assert frames.shape == (1, 64, 64, 3) and (frames.frame(0) == (200, 30, 30)).all()  # cropped, not rendered


def test_the_stills_board_shows_each_still_and_stills_are_reused(pipelines, tmp_path):
    shots = [segmented_recipe("tiny-ltx", f"{PROMPT}, shot {n}", "", 10 + n, seconds=2.0) for n in range(3)]
    stills = [still_recipe(shot) for shot in shots]
    cache = Cache()
    out = render_stills(stills, ["one", "two", "three"], pipelines=pipelines, out_dir=tmp_path / "a",
                        lookup=cache.lookup, record=cache.record, title="Stills")  # fmt: skip
    assert (out.rendered, out.reused) == (3, 0) and all(p.suffix == ".png" for p in out.still_paths)
    assert panel_faults(out.storyboard_path, out.still_paths) == []
    assert [Image.open(p).size for p in out.still_paths] == [(64, 64)] * 3
    again = render_stills(stills[:2], ["one", "two"], pipelines=pipelines, out_dir=tmp_path / "b",
                          lookup=cache.lookup, record=cache.record)  # fmt: skip
    assert (again.rendered, again.reused) == (0, 2) and again.still_paths == out.still_paths[:2]
    # Takes: three stills of one shot in a row of three.
    takes = [still_recipe(shots[0], seed=seed) for seed in (1, 2, 3)]
    grid = render_stills(takes, ["take 1", "take 2", "take 3"], pipelines=pipelines, out_dir=tmp_path / "c",
                         lookup=cache.lookup, record=cache.record, columns=3)  # fmt: skip
    assert panel_faults(grid.storyboard_path, grid.still_paths) == []


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
    shot = preset.recipe(PROMPT, "", seed=9)
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
