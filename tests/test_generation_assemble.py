import dataclasses
import threading

import numpy as np
import pytest
from PIL import Image

import generation.assemble as assemble
import generation.shot_encoder as shot_encoder
from generation.assemble import ShotEncoder, render_clip
from generation.encoding import probe
from generation.errors import RecipeError, RenderCancelled
from generation.frames import Frames
from generation.registry import get_preset


def recipes():
    tiny = get_preset("tiny")
    return [
        tiny.recipe("a small robot walks slowly along the beach at sunset", "", seed=1, duration=0.6),
        tiny.recipe("一条红龙飞过积雪的松林", "", seed=2, duration=1.1),
    ]


class RenderCache:
    """The render-cache half of the contract, in memory."""

    def __init__(self):
        self.paths = {}
        self.recorded = []

    def lookup(self, recipe_hash):
        return self.paths.get(recipe_hash)

    def record(self, recipe_hash, path, gpu_seconds):
        self.recorded.append((recipe_hash, path, gpu_seconds))
        self.paths[recipe_hash] = path


def test_render_clip_renders_stitches_and_reuses(pipelines, tmp_path, monkeypatch):
    shots = recipes()
    cache = RenderCache()
    progress = []
    out = render_clip(
        shots,
        ["Robot on the beach", "龙飞过森林"],
        pipelines=pipelines,
        out_dir=tmp_path / "clip1",
        lookup=cache.lookup,
        record=cache.record,
        on_progress=lambda fraction, stage: progress.append((fraction, stage)),
        title="Robot & Dragon",
    )
    assert (out.rendered, out.reused) == (2, 0) and out.gpu_seconds > 0
    assert [h for h, _, _ in cache.recorded] == [s.content_hash() for s in shots]
    assert [p for _, p, _ in cache.recorded] == out.shot_paths
    assert [probe(p).frame_count for p in out.shot_paths] == [s.num_frames for s in shots]
    clip = probe(out.video_path)
    assert clip.frame_count == sum(s.num_frames for s in shots) and clip.fps == pytest.approx(8)
    assert Image.open(out.storyboard_path).size[0] > 0
    fractions = [f for f, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("step 3/3" in stage for _, stage in progress)

    # Same recipes again: every shot comes from the render cache, nothing is rendered.
    def no_render(*args, **kwargs):
        raise AssertionError("render_shot called on a cache hit")

    monkeypatch.setattr(assemble, "render_shot", no_render)
    again = render_clip(
        shots,
        ["Robot on the beach", "龙飞过森林"],
        pipelines=pipelines,
        out_dir=tmp_path / "clip2",
        lookup=cache.lookup,
        record=cache.record,
    )
    assert (again.rendered, again.reused, again.gpu_seconds) == (0, 2, 0.0)
    assert again.shot_paths == out.shot_paths and len(cache.recorded) == 2
    assert probe(again.video_path).frame_count == clip.frame_count


def test_missing_cached_file_is_rendered_again(pipelines, tmp_path):
    shot = recipes()[0]
    cache = RenderCache()
    out = render_clip(
        [shot], ["x"], pipelines=pipelines, out_dir=tmp_path, lookup=lambda h: tmp_path / "gone.mp4",
        record=cache.record,
    )
    assert (out.rendered, out.reused) == (1, 0) and len(cache.recorded) == 1


def test_bad_or_cancelled_clips_render_nothing(pipelines, tmp_path):
    shots = recipes()
    cache = RenderCache()
    kwargs = dict(pipelines=pipelines, out_dir=tmp_path, lookup=cache.lookup, record=cache.record)
    with pytest.raises(RecipeError):
        render_clip([shots[0], dataclasses.replace(shots[1], steps=0)], ["a", "b"], **kwargs)
    with pytest.raises(RenderCancelled):
        render_clip(shots, ["a", "b"], should_cancel=lambda: True, **kwargs)
    assert cache.recorded == []
    with pytest.raises(ValueError):
        render_clip(shots, ["only one caption"], **kwargs)


def test_each_shot_encodes_while_the_next_one_renders(pipelines, tmp_path, monkeypatch):
    """Shot 1's encode is held until shot 2's render has started: only a pipelined render finishes."""
    shots = recipes()
    second_render = threading.Event()
    real_encode, real_render = shot_encoder.encode_mp4, assemble.render_shot

    def encode_mp4(frames, fps, path, **kwargs):
        assert frames.dtype == np.uint8
        if path.name.startswith("shot-01"):
            assert second_render.wait(10), "shot 1 is encoded beside shot 2's render, not before it"
        return real_encode(frames, fps, path, **kwargs)

    def render_shot(recipe, cache, **kwargs):
        if recipe is shots[1]:
            second_render.set()
        frames = real_render(recipe, cache, **kwargs)
        assert frames.form == "unit", "frames reach the encoder thread unconverted"
        return frames

    monkeypatch.setattr(shot_encoder, "encode_mp4", encode_mp4)
    monkeypatch.setattr(assemble, "render_shot", render_shot)
    cache = RenderCache()
    out = render_clip(shots, ["a", "b"], pipelines=pipelines, out_dir=tmp_path, lookup=cache.lookup,
                      record=cache.record)
    assert [probe(p).frame_count for p in out.shot_paths] == [s.num_frames for s in shots]


def test_a_repeated_shot_renders_once(pipelines, tmp_path):
    shot = recipes()[0]
    cache = RenderCache()
    out = render_clip([shot, shot], ["a", "b"], pipelines=pipelines, out_dir=tmp_path, lookup=cache.lookup,
                      record=cache.record)
    assert (out.rendered, out.reused) == (1, 1) and len(cache.recorded) == 1
    assert probe(out.video_path).frame_count == 2 * shot.num_frames


def test_shot_encoder_bounds_what_it_holds(tmp_path):
    release = threading.Event()
    with ShotEncoder(max_pending=1) as encoder:
        frames = Frames(np.zeros((2, 16, 16, 3), np.uint8))
        first = encoder.submit("a", frames, 8, tmp_path / "a.mp4", on_encoded=lambda path: release.wait(30))
        assert encoder.in_progress("a") is first
        submitted = threading.Event()
        thread = threading.Thread(target=lambda: (encoder.submit("b", frames, 8, tmp_path / "b.mp4", print),
                                                  submitted.set()))
        thread.start()
        assert not submitted.wait(0.3), "a second shot waits while the first is held"
        release.set()
        thread.join(30)
        assert submitted.is_set() and first.result() == tmp_path / "a.mp4"
    assert encoder.in_progress("a") is None


def test_reused_shots_take_their_storyboard_panel_from_the_cache(pipelines, tmp_path, monkeypatch):
    shots = recipes()
    cache, panels = RenderCache(), tmp_path / "renders"
    encoder = ShotEncoder()
    with encoder:
        first = assemble.render_shots(shots, ["a", "b"], pipelines=pipelines, encoder=encoder, out_dir=tmp_path / "c1",
                                      lookup=cache.lookup, record=cache.record, panels=panels).finish()  # fmt: skip
    kept = sorted(path.name for path in panels.iterdir())
    assert kept == sorted(assemble.panel_file(shot.content_hash()) for shot in shots)
    decoded = []
    monkeypatch.setattr(assemble, "read_frame", lambda *args: decoded.append(args) or pytest.fail("decoded"))
    with ShotEncoder() as encoder:
        again = assemble.render_shots(shots, ["a", "b"], pipelines=pipelines, encoder=encoder, out_dir=tmp_path / "c2",
                                      lookup=cache.lookup, record=cache.record, panels=panels).finish()  # fmt: skip
    assert (again.rendered, again.reused) == (0, 2) and decoded == []
    # The same board, drawn from the kept panels instead of decoded frames.
    assert np.array_equal(np.asarray(Image.open(again.storyboard_path)), np.asarray(Image.open(first.storyboard_path)))
    # A damaged panel is made again from the shot's file.
    monkeypatch.undo()
    (panels / kept[0]).write_bytes(b"not a png")
    with ShotEncoder() as encoder:
        assemble.render_shots(shots, ["a", "b"], pipelines=pipelines, encoder=encoder, out_dir=tmp_path / "c3",
                              lookup=cache.lookup, record=cache.record, panels=panels).finish()  # fmt: skip
    assert Image.open(panels / kept[0]).width == 320


def test_the_nan_check_runs_off_the_render_thread_and_a_broken_shot_renders_again_wider(pipelines, tmp_path,
                                                                                      monkeypatch):
    """The render thread never scans frames for NaN; the encoder thread does, and a shot that fails is rendered
    once more at a wider dtype (and encoded from those frames, never from the broken ones)."""
    shots = recipes()
    real_render = assemble.render_shot
    render_thread = threading.get_ident()
    calls, checked_on = [], []
    real_finite = Frames.finite

    def render_shot(recipe, cache, **kwargs):
        calls.append((recipe.seed, kwargs.get("check_finite"), kwargs.get("widen")))
        frames = real_render(recipe, cache, **kwargs)
        if recipe.seed == 1 and not kwargs.get("widen"):
            broken = frames.unit.copy()
            broken[0, 0, 0, 0] = np.nan  # a half-precision fault in shot 1
            return Frames(broken)
        return frames

    def finite(frames):
        checked_on.append(threading.get_ident())
        return real_finite(frames)

    monkeypatch.setattr(assemble, "render_shot", render_shot)
    monkeypatch.setattr(Frames, "finite", finite)
    cache = RenderCache()
    out = render_clip(shots, ["a", "b"], pipelines=pipelines, out_dir=tmp_path, lookup=cache.lookup,
                      record=cache.record)
    # Shots 1 and 2 unchecked on the render thread; shot 1 again at a wider dtype, checked there.
    assert calls == [(1, False, None), (2, False, None), (1, None, True)]
    # The encoder thread checked shots 1 and 2; the wider retry was checked on the render thread.
    assert sorted(t == render_thread for t in checked_on) == [False, False, True]
    assert [probe(p).frame_count for p in out.shot_paths] == [s.num_frames for s in shots]
    assert sorted(h for h, _, _ in cache.recorded) == sorted(s.content_hash() for s in shots)
