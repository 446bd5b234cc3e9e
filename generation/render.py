"""Render one shot: a ShotRender in, uint8 frames out, with progress, cancellation and typed failures."""
from __future__ import annotations

import gc
import logging
import time
from typing import Any, Callable

import numpy as np
import torch

from generation.errors import OutOfMemoryRenderError, PipelineError, RecipeError, RenderCancelled, RenderError
from generation.pipelines import OOM_ERRORS, PipelineCache
from generation.recipe import ShotRender
from generation.registry import get_preset, validate_recipe

log = logging.getLogger(__name__)

StepCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


def render_shot(
    recipe: ShotRender,
    cache: PipelineCache,
    *,
    on_step: StepCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> np.ndarray:
    """Frames of shape (num_frames, height, width, 3), uint8; identical for identical recipes on one setup.

    `on_step(done, total)` runs after every denoising step. `should_cancel()` is polled before the render
    and after every step; True ends the render with RenderCancelled. Either callback may itself raise a
    RenderError (a caller's per-job timeout raises RenderTimeout), which propagates unchanged.
    """
    validate_recipe(recipe)
    preset = get_preset(recipe.model)
    if should_cancel is not None and should_cancel():
        raise RenderCancelled("The render was cancelled.")
    i2v = recipe.init_image is not None
    pipe = cache.get(recipe.model, i2v=i2v)

    def step_end(_pipe: Any, step: int, _timestep: Any, _tensors: dict) -> dict:
        if on_step is not None:
            on_step(step + 1, recipe.steps)
        if should_cancel is not None and should_cancel():
            # Raising stops at once; the pipeline's own interrupt flag would still run the VAE decode.
            raise RenderCancelled("The render was cancelled.")
        return {}

    kwargs: dict[str, Any] = dict(
        prompt=recipe.prompt,
        negative_prompt=recipe.negative_prompt or None,
        height=recipe.height,
        width=recipe.width,
        num_frames=recipe.num_frames,
        num_inference_steps=recipe.steps,
        guidance_scale=recipe.guidance,
        # A CPU generator gives the same starting noise on every device, so a recipe means the same
        # video wherever it renders (diffusers moves the noise to the pipeline's device).
        generator=torch.Generator("cpu").manual_seed(recipe.seed),
        output_type="np",
        callback_on_step_end=step_end,
    )
    if preset.family == "ltx":
        kwargs["frame_rate"] = recipe.fps  # LTX conditions its positional encoding on the frame rate
    if i2v:
        kwargs["image"] = _load_image(recipe.init_image, recipe.width, recipe.height)

    started = time.monotonic()
    try:
        with torch.inference_mode():
            video = pipe(**kwargs).frames[0]
    except RenderError:
        _release(pipe)
        raise
    except OOM_ERRORS as exc:
        _release(pipe)
        raise OutOfMemoryRenderError(
            "The GPU ran out of memory rendering {width}x{height}, {num_frames} frames on {model}. Try a shorter or "
            "smaller shot.",
            width=recipe.width, height=recipe.height, num_frames=recipe.num_frames, model=recipe.model,
            detail=repr(exc),
        ) from exc
    except Exception as exc:
        _release(pipe)
        log.exception("pipeline %s failed", recipe.model)
        raise PipelineError(
            "The {model} model failed while rendering this shot.",
            model=recipe.model, detail=repr(exc),
        ) from exc
    log.info("rendered %s in %.1fs", recipe.content_hash(), time.monotonic() - started)
    return _to_uint8(video)


def _to_uint8(video: Any) -> np.ndarray:
    frames = np.asarray(video, dtype=np.float32)
    return (np.clip(frames, 0.0, 1.0) * 255.0).round().astype(np.uint8)


def _load_image(path: str, width: int, height: int):
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            # Crop to the target aspect rather than squash: a stretched first frame makes a stretched video.
            return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
    except (OSError, UnidentifiedImageError) as exc:
        raise RecipeError("The starting image for this shot couldn't be read.", detail=repr(exc)) from exc


def _release(pipe: Any) -> None:
    # A render that dies mid-way skips the pipeline's own cleanup: put offloaded models back and free memory.
    pipe.maybe_free_model_hooks()
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
