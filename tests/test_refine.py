"""Finalize keeps the look: a draft's final is refined from the draft's own frames (video-to-video), upscaled
first where the draft was smaller, not re-rolled from its seed.

What is checked is what the refine is given and does: the draft's decoded frames, upscaled with Lanczos to
the final's size, go into the preset's video-to-video pipeline (built with from_pipe on the loaded
weights), which runs int(steps x strength) steps; the re-roll Finalize used to queue lands elsewhere.
The tiny twins' random VAEs carry almost none of a picture's content (tiny-wan's encode and decode move
by ~5-30% of a change in their input, and its latents are a seventh of unit scale), so on them neither
decoded pixels nor latents can show how close a refine stays to its draft: that needs real weights."""
from __future__ import annotations

import dataclasses

import numpy as np
from PIL import Image

from generation.assemble import render_segments
from generation.encoding import encode_mp4, read_video
from generation.registry import get_preset
from studio.storyboards.refine import REFINE_STRENGTH, finalize_note, refined_recipe


def _spy(pipe, seen: dict):  # noqa: ANN001, ANN202
    """Record the inputs of each call of the pipeline's class; returns the undo."""
    real = type(pipe).__call__

    def call(self, **kwargs):  # noqa: ANN001, ANN202
        seen.setdefault(type(self).__name__, []).append({"kwargs": kwargs})
        return real(self, **kwargs)

    type(pipe).__call__ = call
    return lambda: setattr(type(pipe), "__call__", real)


def test_a_final_is_refined_from_its_draft_frames_not_re_rolled(pipelines, tmp_path):
    preset = get_preset("tiny-wan")
    # Enough steps for a strength to mean something: 10, of which the refine runs 4.
    final = preset.recipe("a red kite over green hills at noon", "", seed=21, steps=10, duration=1.1)
    draft = dataclasses.replace(final, width=32, height=32, steps=5)  # a smaller, quicker draft
    draft_video = encode_mp4(render_segments(draft, pipelines, tmp_path).to_bytes(), draft.fps, tmp_path / "d.mp4")
    refine = refined_recipe(draft, final, draft_video)
    assert (refine.init_video, refine.strength, refine.refine_steps) == (str(draft_video), REFINE_STRENGTH, 4)
    assert "4 of 10 steps" in finalize_note([refine], "tiny-wan", changed_model=False).english()

    v2v, t2v = pipelines.get("tiny-wan", v2v=True), pipelines.get("tiny-wan")
    assert v2v.transformer is t2v.transformer  # from_pipe: the same weights, no second copy
    seen: dict = {}
    undo = [_spy(v2v, seen), _spy(t2v, seen)]
    steps: list[tuple[int, int]] = []
    try:
        refined = render_segments(refine, pipelines, tmp_path, on_step=lambda done, total: steps.append((done, total)))
        rerolled = render_segments(final, pipelines, tmp_path)
    finally:
        for restore in undo:
            restore()
    assert refined.shape == rerolled.shape == (final.frames, 64, 64, 3) and steps[-1] == (4, 4)
    [refine_call], [reroll_call] = seen["WanVideoToVideoPipeline"], seen["WanPipeline"]
    frames = refine_call["kwargs"]["video"]
    assert [frame.size for frame in frames] == [(64, 64)] * final.num_frames  # upscaled from 32x32 first
    decoded = read_video(draft_video)
    upscaled = [decoded.picture(i).resize((64, 64), Image.Resampling.LANCZOS) for i in range(len(decoded))]
    upscaled += [upscaled[-1]] * (final.num_frames - len(upscaled))  # a trimmed draft's last frame, repeated
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(frames, upscaled, strict=True))
    assert refine_call["kwargs"]["strength"] == REFINE_STRENGTH and "num_frames" not in refine_call["kwargs"]
    # The re-roll is what Finalize used to do: it lands elsewhere.
    assert not np.allclose(refined.unit, rerolled.unit, atol=1e-3)
