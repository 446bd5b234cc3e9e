import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from generation.errors import OutOfMemoryRenderError, PipelineError, RecipeError, RenderCancelled, RenderTimeout
from generation.pipelines import PipelineCache
from generation.registry import get_preset
from generation.render import render_shot

TINY = get_preset("tiny")


def tiny_recipe(**change):
    return dataclasses.replace(TINY.recipe("a red dragon flies over a snowy pine forest", "blurry", seed=11), **change)


def test_render_gives_unit_frames_of_the_recipe_shape(pipelines):
    recipe = tiny_recipe(width=80, height=48, num_frames=5)
    frames = render_shot(recipe, pipelines)
    assert frames.form == "unit" and frames.shape == (5, 48, 80, 3)
    assert frames.to_bytes().std() > 0  # not a blank video


def test_same_recipe_same_frames_and_seed_prompt_change_them(pipelines):
    recipe = tiny_recipe()
    first = render_shot(recipe, pipelines).unit
    torch.manual_seed(123)  # global RNG state must not matter
    assert np.array_equal(first, render_shot(recipe, pipelines).unit)
    assert not np.array_equal(first, render_shot(tiny_recipe(seed=12), pipelines).unit)
    assert not np.array_equal(first, render_shot(tiny_recipe(prompt="一只猫在海滩上"), pipelines).unit)


def test_progress_reported_once_per_step(pipelines):
    seen = []
    render_shot(tiny_recipe(steps=4), pipelines, on_step=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_cancel_between_steps(pipelines):
    seen = []
    with pytest.raises(RenderCancelled) as info:
        render_shot(
            tiny_recipe(steps=4),
            pipelines,
            on_step=lambda done, total: seen.append(done),
            should_cancel=lambda: len(seen) >= 2,
        )
    assert seen == [1, 2] and info.value.user_message
    # The pipeline is still usable after an interrupted render.
    assert render_shot(tiny_recipe(num_frames=5), pipelines).shape[0] == 5


def test_cancel_before_start_does_not_render(pipelines):
    seen = []
    with pytest.raises(RenderCancelled):
        render_shot(tiny_recipe(), pipelines, on_step=lambda *_: seen.append(1), should_cancel=lambda: True)
    assert seen == []


def test_errors_raised_by_should_cancel_propagate_unchanged(pipelines):
    polls = []

    def timed_out():
        polls.append(1)
        if len(polls) > 2:
            raise RenderTimeout("The render took too long and was stopped.")
        return False

    with pytest.raises(RenderTimeout):
        render_shot(tiny_recipe(steps=4), pipelines, should_cancel=timed_out)
    assert len(polls) == 3  # once before the render, then after steps 1 and 2


def test_image_to_video_conditions_on_the_init_image(pipelines, tmp_path):
    image = tmp_path / "last-frame.png"
    Image.fromarray(np.full((100, 60, 3), (250, 40, 40), np.uint8)).save(image)
    recipe = tiny_recipe(num_frames=5)
    i2v = render_shot(dataclasses.replace(recipe, init_image=str(image)), pipelines)
    assert i2v.shape == (5, 64, 64, 3)
    assert not np.array_equal(i2v.unit, render_shot(recipe, pipelines).unit)
    assert "tiny-wan:i2v" in pipelines.loaded()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(RecipeError, match="starting image"):
        render_shot(dataclasses.replace(recipe, init_image=str(broken)), pipelines)


def test_bad_recipe_is_rejected_before_loading(tiny_models_dir):
    cache = PipelineCache(tiny_models_dir, device="cpu")
    with pytest.raises(RecipeError):
        render_shot(tiny_recipe(steps=0), cache)
    assert cache.loads == 0


class _FailingPipe:
    def __init__(self, error):
        self.error = error
        self.released = False

    def __call__(self, **kwargs):
        raise self.error

    def maybe_free_model_hooks(self):
        self.released = True


class _StubCache:
    device = "cpu"

    def __init__(self, pipe):
        self.pipe = pipe

    def get(self, name, *, i2v=False, v2v=False):
        return self.pipe


@pytest.mark.parametrize(
    "error, expected",
    [
        (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), OutOfMemoryRenderError),
        (torch.cuda.OutOfMemoryError("CUDA out of memory"), OutOfMemoryRenderError),
        (ValueError("shapes do not match"), PipelineError),
    ],
)
def test_pipeline_failures_become_typed_errors(error, expected):
    pipe = _FailingPipe(error)
    with pytest.raises(expected) as info:
        render_shot(tiny_recipe(), _StubCache(pipe))
    assert info.value.user_message and "Traceback" not in info.value.user_message
    assert repr(error) in info.value.detail
    assert pipe.released


def test_cache_reuses_shares_i2v_weights_and_evicts_least_recently_used(tiny_models_dir):
    cache = PipelineCache(tiny_models_dir, device="cpu", max_loaded=1)
    first = cache.get("tiny")
    assert cache.get("tiny-wan") is first and cache.loads == 1  # the alias and the name are one model
    i2v = cache.get("tiny", i2v=True)
    assert type(i2v).__name__ == "WanImageToVideoPipeline"
    # from_pipe: the same module objects, no second load
    for name in ("transformer", "vae", "text_encoder"):
        assert getattr(i2v, name) is getattr(first, name)
    assert cache.loads == 1 and cache.loaded() == ["tiny-wan", "tiny-wan:i2v"]
    assert cache.tier("tiny") == "gpu"  # CPU: everything on the one device
    cache.get("tiny-cogvideox")
    assert cache.loaded() == ["tiny-cogvideox"] and cache.loads == 2
    assert cache.get("tiny") is not first and cache.loads == 3
    cache.clear()
    assert cache.loaded() == []


def test_cache_errors_are_typed(tiny_models_dir, tmp_path):
    cache = PipelineCache(tmp_path, device="cpu")
    with pytest.raises(RecipeError):
        cache.get("no-such-model")
    with pytest.raises(RecipeError):
        cache.get("wan-1.3b", i2v=True)
    assert cache.loads == 0 and cache.loaded() == []


def test_i2v_shares_modules_without_narrowing_a_wider_vae(tiny_models_dir):
    # from_pipe would cast every shared module to one dtype; mixed dtypes are shared as they are.
    cache = PipelineCache(tiny_models_dir, device="cpu")
    base = cache.get("tiny-wan")
    base.vae.to(torch.float64)
    i2v = cache.get("tiny-wan", i2v=True)
    assert i2v.vae is base.vae and i2v.transformer is base.transformer
    assert base.vae.dtype == torch.float64 and base.transformer.dtype == torch.float32
    assert i2v.config.expand_timesteps == base.config.expand_timesteps
    cache.clear()
