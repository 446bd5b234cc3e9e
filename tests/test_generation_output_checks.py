"""render_shot checks what a pipeline returns: frame count, frame size, finite pixels."""
import types

import numpy as np
import pytest
import torch

from generation.errors import NonFiniteOutputError, PipelineError
from generation.registry import get_preset
from generation.render import render_shot

RECIPE = get_preset("tiny-cogvideox").recipe("a cat on the beach", "", seed=1)


class _ScriptedPipe:
    """Returns the scripted videos in turn; records the dtype of its one module at each call."""

    def __init__(self, *videos):
        self.videos = list(videos)
        self.module = torch.nn.Linear(2, 2).to(torch.float32)
        self.module.register_buffer("scale", torch.ones(1, dtype=torch.float16))
        self.seen = []
        self.released = False

    @property
    def components(self):
        return {"transformer": self.module, "scheduler": object()}

    def __call__(self, **kwargs):
        self.seen.append((self.module.weight.dtype, self.module.scale.dtype))
        return types.SimpleNamespace(frames=[self.videos.pop(0)])

    def maybe_free_model_hooks(self):
        self.released = True


class _Cache:
    device = "cpu"

    def __init__(self, pipe):
        self.pipe = pipe

    def get(self, name, *, i2v=False, v2v=False):
        return self.pipe


def _video(frames, value=0.5, height=RECIPE.height, width=RECIPE.width):
    return np.full((frames, height, width, 3), value, dtype=np.float32)


def test_extra_frames_are_trimmed_to_the_recipes_count():
    pipe = _ScriptedPipe(_video(RECIPE.num_frames + 3))
    assert render_shot(RECIPE, _Cache(pipe)).shape[0] == RECIPE.num_frames


@pytest.mark.parametrize("video", [_video(RECIPE.num_frames - 1), _video(RECIPE.num_frames, width=RECIPE.width * 2)])
def test_missing_frames_or_a_wrong_size_fail_clearly(video):
    with pytest.raises(PipelineError) as info:
        render_shot(RECIPE, _Cache(_ScriptedPipe(video)))
    assert RECIPE.model in info.value.user_message and ("frames" in info.value.user_message)


def test_nan_output_is_rendered_again_at_a_wider_dtype_then_restored():
    pipe = _ScriptedPipe(_video(RECIPE.num_frames, np.nan), _video(RECIPE.num_frames, 0.25))
    frames = render_shot(RECIPE, _Cache(pipe))
    assert (frames.to_bytes() == 64).all()
    # float32 -> float64 and float16 -> float64 on CPU for the retry; each back to its own dtype after
    assert pipe.seen == [(torch.float32, torch.float16), (torch.float64, torch.float64)]
    assert (pipe.module.weight.dtype, pipe.module.scale.dtype) == (torch.float32, torch.float16)


def test_persistent_nan_is_an_error_never_a_black_clip():
    pipe = _ScriptedPipe(_video(RECIPE.num_frames, np.nan), _video(RECIPE.num_frames, np.inf))
    with pytest.raises(NonFiniteOutputError) as info:
        render_shot(RECIPE, _Cache(pipe))
    assert "NaN" in info.value.user_message and pipe.released
    assert pipe.module.weight.dtype == torch.float32
