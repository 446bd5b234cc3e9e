"""Fast drafts, rendered: every path on the tiny twins through the very code the real presets use; cache hooks
that never leak from one shot into the next; adapters and folders that are wrong fail with the fix named,
and the loaded model keeps serving."""
from __future__ import annotations

import dataclasses
import logging
import shutil

import numpy as np
import pytest

from generation import cache_hooks
from generation.accel import Acceleration
from generation.block_count import counting
from generation.errors import ModelUnavailableError, RenderCancelled
from generation.fast_paths import FAST_PATHS, as_draft, draft_path
from generation.pipelines import PipelineCache
from generation.registry import get_preset
from generation.render import render_shot as render_frames
from generation.tiny_adapters import ensure_tiny_adapter


@pytest.fixture(scope="module")
def cache(tiny_models_dir):
    return PipelineCache(tiny_models_dir, device="cpu", max_loaded=4)


def render_shot(recipe, cache, **kwargs) -> np.ndarray:
    """The shot's frames in bytes (uint8), as encoders take them."""
    return render_frames(recipe, cache, **kwargs).to_bytes()


def _recipe(model: str, prompt: str = "a red fox runs through snow", seed: int = 3, **changes):
    return dataclasses.replace(get_preset(model).recipe(prompt, "", seed), **changes)


@pytest.mark.parametrize("model, path", [("tiny-wan", "tiny-wan-distill-lora"), ("tiny-wan2.2", "tiny-fastwan2.2"),
                                         ("tiny-ltx", "ltx-taylorseer"), ("tiny-cogvideox", "cogvideox-taylorseer")])
def test_every_draft_path_renders_its_own_frames_and_leaves_finals_untouched(cache, model, path):
    final = _recipe(model)
    before = render_shot(final, cache)
    draft = as_draft(final, draft_path(model, cache.models_dir))
    assert draft.fast_path == path
    frames = render_shot(draft, cache)
    assert frames.shape == before.shape and frames.std() > 5  # real frames, not a blank
    assert not np.array_equal(frames, before)
    if path == "tiny-fastwan2.2":  # the DMD sampler re-noises from the recipe's own generator: one video
        assert np.array_equal(render_shot(draft, cache), frames)
    # The same loaded model renders the final exactly as before: LoRA off, hook removed, distilled pipe apart.
    assert np.array_equal(render_shot(final, cache), before)


def test_the_distilled_preset_shares_its_bases_modules_and_starts_from_pictures(cache, tmp_path):
    from PIL import Image

    drafts = []
    for colour in ((220, 30, 30), (30, 30, 220)):
        picture = tmp_path / f"{colour[0]}.png"
        Image.new("RGB", (64, 64), colour).save(picture)
        drafts.append(render_shot(as_draft(_recipe("tiny-wan2.2", init_image=str(picture)),
                                           FAST_PATHS["tiny-fastwan2.2"]), cache))  # fmt: skip
    # Random weights don't reproduce the picture, but the picture is the draft's first latent frame: another
    # picture, another video.
    assert not np.array_equal(drafts[0], drafts[1])
    base, fast = cache.get("tiny-wan2.2"), cache.get("tiny-fastwan2.2")
    assert fast.text_encoder is base.text_encoder and fast.vae is base.vae and fast.tokenizer is base.tokenizer
    assert fast.transformer is not base.transformer and type(fast.scheduler).__name__ == "DistilledFlowMatchScheduler"
    assert cache.get("tiny-fastwan2.2", i2v=True).transformer is fast.transformer  # image-to-video drafts too
    assert {"tiny-wan2.2", "tiny-wan2.2:tiny-fastwan2.2"} <= set(cache.loaded()) and cache.has_loaded("tiny-fastwan2.2")


@pytest.mark.parametrize("model, path", [("tiny-wan", "wan-first-block-cache"), ("tiny-ltx", "ltx-taylorseer")])
def test_cache_hooks_skip_blocks_and_never_outlive_their_shot(cache, model, path):
    final = _recipe(model, "a blue whale sings", seed=9, steps=5)
    draft = dataclasses.replace(final, fast_path=path, quality="draft")
    transformer = cache.get(model).transformer
    with counting(transformer) as blocks:
        plain = render_shot(final, cache)
        full, _ = blocks.count, blocks.reset()
        cached = render_shot(draft, cache)
        assert blocks.count < full  # blocks skipped, and counted as skipped
    # A draft cancelled mid-way leaves no hook and no state behind: the next draft is the same video as
    # the first, and the next final is the plain final.
    steps = []
    with pytest.raises(RenderCancelled):
        render_shot(draft, cache, on_step=lambda done, total: steps.append(done), should_cancel=lambda: len(steps) >= 3)
    assert not transformer.is_cache_enabled
    assert np.array_equal(render_shot(draft, cache), cached) and np.array_equal(render_shot(final, cache), plain)
    # What the worker guards against: a hook left on makes the next shot, a final, something else.
    with cache_hooks.enabled(transformer, FAST_PATHS[path]):
        assert not np.array_equal(render_shot(final, cache), plain)


def test_a_lora_of_another_family_or_a_truncated_one_fails_with_the_fix_and_the_model_keeps_serving(
    tiny_models_dir, tmp_path
):
    shutil.copytree(tiny_models_dir / "tiny-wan", tmp_path / "tiny-wan")
    shutil.copytree(tiny_models_dir / "tiny-ltx", tmp_path / "tiny-ltx")  # the wrong adapter's model
    cache = PipelineCache(tmp_path, device="cpu")
    wrong = ensure_tiny_adapter(tmp_path, "tiny-ltx-distill-lora").read_bytes()
    target = ensure_tiny_adapter(tmp_path, "tiny-wan-distill-lora")
    good = target.read_bytes()
    final = _recipe("tiny-wan")
    draft = as_draft(final, FAST_PATHS["tiny-wan-distill-lora"])
    target.write_bytes(wrong)
    with pytest.raises(ModelUnavailableError) as info:
        render_shot(draft, cache)
    assert info.value.user_message == ("The tiny-wan-distill-lora adapter's file is a LoRA for ltx models, not for "
                                       "tiny-wan (wan).")  # fmt: skip
    assert info.value.fix == f"delete {target}: Reelbot builds it again"
    target.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelUnavailableError, match="damaged \\(a truncated or corrupt download\\)"):
        render_shot(draft, cache)
    # The loaded model still renders finals (other presets too: test_worker_drafts).
    assert render_shot(final, cache).std() > 5
    target.unlink()
    assert render_shot(draft, cache).shape == (9, 64, 64, 3)  # rebuilt on the next draft


def test_a_distilled_folder_without_its_scheduler_fails_the_draft_not_the_final(tiny_models_dir, tmp_path):
    for name in ("tiny-wan2.2", "tiny-fastwan2.2"):
        shutil.copytree(tiny_models_dir / name, tmp_path / name)
    shutil.rmtree(tmp_path / "tiny-fastwan2.2" / "scheduler")
    cache = PipelineCache(tmp_path, device="cpu")
    final = _recipe("tiny-wan2.2")
    with pytest.raises(ModelUnavailableError) as info:
        render_shot(as_draft(final, FAST_PATHS["tiny-fastwan2.2"]), cache)
    assert "scheduler/ is missing" in info.value.user_message
    assert info.value.fix == f"delete {tmp_path / 'tiny-fastwan2.2'}: Reelbot builds it again"
    assert render_shot(final, cache).std() > 5


def test_opt_in_cuda_fast_paths_on_a_cpu_host_are_skipped_and_logged(tiny_models_dir, caplog):
    cache = PipelineCache(tiny_models_dir, device="cpu", accel=Acceleration(compile=True, attention="auto"))
    with caplog.at_level(logging.INFO, logger="generation.accel"):
        pipe = cache.get("tiny-cogvideox")
    assert "fast path skipped: compile: no CUDA device" in caplog.text
    assert not hasattr(pipe.transformer, "_orig_mod") and pipe.transformer.training is False  # nothing compiled


@pytest.mark.parametrize("model", ["tiny-ltx", "tiny-cogvideox"])
def test_each_familys_lora_renders_through_the_adapter_path(cache, model):
    final = _recipe(model)
    before = render_shot(final, cache)
    draft = as_draft(final, FAST_PATHS[f"{model}-distill-lora"])
    frames = render_shot(draft, cache)
    assert frames.std() > 5 and not np.array_equal(frames, before)
    assert np.array_equal(render_shot(final, cache), before)


def test_a_fused_lora_renders_its_draft_and_is_taken_out_again(tiny_models_dir):
    plain = PipelineCache(tiny_models_dir, device="cpu")
    fused = PipelineCache(tiny_models_dir, device="cpu", accel=Acceleration(fuse_lora=True))
    final = _recipe("tiny-wan")
    draft = as_draft(final, FAST_PATHS["tiny-wan-distill-lora"])
    before = render_shot(final, fused)
    # Folded into the weights, the LoRA gives its draft (to float rounding) ...
    assert np.abs(render_shot(draft, fused).astype(int) - render_shot(draft, plain)).max() <= 1
    # ... and subtracted again, the final within float rounding of what it was (float32 here; bf16 on a GPU
    # rounds more, which is why fusing is the operator's choice).
    after = render_shot(final, fused)
    assert np.abs(after.astype(int) - before).max() <= 1
