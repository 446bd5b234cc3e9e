"""Every storyboard panel shows its shot: for each clip layout, each panel matches the shot's decoded
middle frame (pixels compared, never a flat colour). The blank-white boards came from trimmed and segmented
shots, whose frames were already bytes and were scaled by 255 again for the panel."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from generation.assemble import ShotEncoder, render_clip, render_shots
from generation.frames import Frames, unit_to_bytes
from generation.registry import get_preset
from generation.segments import segmented_recipe
from generation.storyboard import board_panels, make_storyboard, panel_image
from generation.storyboard_check import check_panels, panel_faults

PROMPTS = ("a lighthouse on a cliff in a storm", "一只熊猫在雪地里打滚", "a red kite over green hills")


class RenderCache:
    def __init__(self):
        self.paths = {}

    def lookup(self, recipe_hash):
        return self.paths.get(recipe_hash)

    def record(self, recipe_hash, path, gpu_seconds):
        self.paths[recipe_hash] = path


def shots(model: str, seconds: float, count: int = 2):
    steps = get_preset(model).min_steps  # what is drawn is the question here, not how well
    return [segmented_recipe(model, PROMPTS[i], "", 10 + i, seconds=seconds, steps=steps) for i in range(count)]


LAYOUTS = {
    # name: (model, seconds per shot) and what the recipe must look like
    "single pass": ("tiny-wan", 0.6, lambda r: r.segments == 1 and r.keep_frames is None),
    "trimmed": ("tiny-wan", 1.0, lambda r: r.segments == 1 and r.keep_frames is not None),
    "continued segments": ("tiny-wan", 3.0, lambda r: r.segments == 2 and r.continued),
    "joined segments": ("tiny-cogvideox", 2.0, lambda r: r.segments == 2 and not r.continued),
    "trimmed ltx segments": ("tiny-ltx", 1.0, lambda r: r.segments == 2 and r.keep_frames is not None),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_panel_matches_its_shots_middle_frame(pipelines, tmp_path, layout):
    model, seconds, shape = LAYOUTS[layout]
    recipes = shots(model, seconds)
    assert all(shape(r) for r in recipes), "the layout this case is about"
    cache = RenderCache()
    out = render_clip(recipes, ["one", "two"], pipelines=pipelines, out_dir=tmp_path, lookup=cache.lookup,
                      record=cache.record)  # fmt: skip
    reports = check_panels(out.storyboard_path, out.shot_paths)
    assert [r.fault for r in reports] == [None, None], reports
    # Not white either way round: a white panel is what the bug drew.
    assert all(np.asarray(p).mean() < 230 for p in board_panels(out.storyboard_path))


def test_a_shot_continuing_from_the_last_one_and_a_starting_picture(pipelines, tmp_path):
    picture = tmp_path / "start.png"
    # Red with a gradient across it: a flat picture would make a flat panel, which the check reports.
    ramp = np.linspace(0, 120, 64)[None, :, None] * np.array([-1, 1, 1])
    Image.fromarray(np.broadcast_to(np.clip([220, 40, 40] + ramp, 0, 255), (64, 64, 3)).astype(np.uint8)).save(picture)
    first, second = shots("tiny-wan", 1.0)
    first = dataclasses.replace(first, init_image=str(picture))
    second = dataclasses.replace(second, continues_from=first.content_hash())
    cache = RenderCache()
    out = render_clip([first, second], ["one", "two"], pipelines=pipelines, out_dir=tmp_path / "clip",
                      lookup=cache.lookup, record=cache.record)  # fmt: skip
    # The member's picture leads the board, then one panel per shot.
    assert panel_faults(out.storyboard_path, [picture, *out.shot_paths]) == []


def test_reused_shots_and_kept_panels_still_match(pipelines, tmp_path):
    """A remix reuses shots from the render cache; their panels come from the kept panel files."""
    recipes = shots("tiny-wan", 1.0, 3)
    cache, kept = RenderCache(), tmp_path / "renders"
    with ShotEncoder() as encoder:
        render_shots(recipes[:2], ["a", "b"], pipelines=pipelines, encoder=encoder, out_dir=tmp_path / "c1",
                     lookup=cache.lookup, record=cache.record, panels=kept).finish()  # fmt: skip
    with ShotEncoder() as encoder:
        again = render_shots(recipes, ["a", "b", "c"], pipelines=pipelines, encoder=encoder, out_dir=tmp_path / "c2",
                             lookup=cache.lookup, record=cache.record, panels=kept).finish()  # fmt: skip
    assert (again.rendered, again.reused) == (1, 2)
    assert panel_faults(again.storyboard_path, again.shot_paths) == []


def test_white_panels_kept_by_older_code_are_made_again(pipelines, tmp_path):
    recipe = shots("tiny-wan", 1.0, 1)[0]
    cache, kept = RenderCache(), tmp_path / "renders"
    kept.mkdir()
    with ShotEncoder() as encoder:
        render_shots([recipe], ["a"], pipelines=pipelines, encoder=encoder, out_dir=tmp_path / "c1",
                     lookup=cache.lookup, record=cache.record, panels=kept).finish()  # fmt: skip
    # What version 1 kept beside the render: a white panel under the old name.
    for path in kept.iterdir():
        path.unlink()
    Image.new("RGB", (320, 320), "white").save(kept / f"{recipe.content_hash()}.panel.png")
    with ShotEncoder() as encoder:
        again = render_shots([recipe], ["a"], pipelines=pipelines, encoder=encoder, out_dir=tmp_path / "c2",
                             lookup=cache.lookup, record=cache.record, panels=kept).finish()  # fmt: skip
    assert again.reused == 1 and panel_faults(again.storyboard_path, again.shot_paths) == []


def test_a_white_or_wrong_panel_is_reported(pipelines, tmp_path):
    """The check itself finds the faults it exists for."""
    recipes = shots("tiny-wan", 0.6)
    cache = RenderCache()
    out = render_clip(recipes, ["a", "b"], pipelines=pipelines, out_dir=tmp_path / "clip", lookup=cache.lookup,
                      record=cache.record)  # fmt: skip
    white = make_storyboard([np.full((64, 64, 3), 255, np.uint8), Image.open(out.storyboard_path)], ["a", "b"],
                            tmp_path / "white.png")  # fmt: skip
    faults = panel_faults(white, out.shot_paths)
    assert len(faults) == 2 and "flat colour" in faults[0] and "differs" in faults[1]
    swapped = make_storyboard(board_panels(out.storyboard_path)[::-1], ["a", "b"], tmp_path / "swapped.png")
    assert len(panel_faults(swapped, out.shot_paths)) == 2


def test_a_flat_panel_with_faint_noise_is_reported(tmp_path):
    """One flat colour whose channels sit at different levels, with a faint texture (tiny-wan's stills
    before its VAE's biases started at zero: spread 1.2-3.4 per channel) is flat, though all its values
    together spread ~10; the tiny presets' stills spread 15 or more."""
    noise = np.random.default_rng(0).normal(0, [1.2, 3.4, 1.2], (64, 64, 3))
    flat = np.clip(np.array([138, 157, 133]) + noise, 0, 255).astype(np.uint8)
    assert flat.std() > 8  # what the check measured before
    Image.fromarray(flat).save(tmp_path / "still.png")
    board = make_storyboard([flat], ["a"], tmp_path / "board.png")
    [fault] = panel_faults(board, [tmp_path / "still.png"])
    assert "flat colour" in fault


def test_frames_convert_once_and_refuse_the_wrong_form():
    unit = Frames(np.full((3, 4, 4, 3), 0.5, np.float32))
    as_bytes = unit.as_bytes()
    assert as_bytes.form == "bytes" and (as_bytes.middle() == 128).all()
    assert as_bytes.as_bytes() is as_bytes and (as_bytes.to_bytes() == 128).all()  # never scaled twice
    assert (Frames.join([unit, as_bytes]).to_bytes() == 128).all()
    with pytest.raises(TypeError):
        unit_to_bytes(as_bytes.to_bytes())
    with pytest.raises(TypeError):
        Frames(np.zeros((3, 4, 4, 3), np.int16))
    with pytest.raises(TypeError):
        panel_image(np.full((4, 4, 3), 0.5, np.float32))  # a float keyframe would be drawn black
    with pytest.raises(TypeError):
        unit[0]  # one frame is frame(i), in bytes
