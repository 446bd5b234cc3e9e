"""Render one shot: a ShotRender in, uint8 frames out, with progress, cancellation and typed failures."""
from __future__ import annotations

import gc
import logging
import time
from typing import Any, Callable

import numpy as np
import torch

from generation.errors import (
    NonFiniteOutputError,
    OutOfMemoryRenderError,
    PipelineError,
    RecipeError,
    RenderCancelled,
    RenderError,
)
from generation.pipelines import OOM_ERRORS, PipelineCache
from generation.placement import wants_vae_tiling
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
    as_uint8: bool = True,
    check_finite: bool = True,
    widen: bool = False,
) -> np.ndarray:
    """Frames of shape (num_frames, height, width, 3), uint8; identical for identical recipes on one setup.

    With `as_uint8=False` they stay float32 in [0, 1] as the pipeline returned them, for a caller that
    converts them (`to_uint8`) off the GPU's critical path: the conversion takes about a second of CPU
    for a Wan shot, during which the GPU would wait.

    `on_step(done, total)` runs after every denoising step. `should_cancel()` is polled before the render
    and after every step; True ends the render with RenderCancelled. Either callback may itself raise a
    RenderError (a caller's per-job timeout raises RenderTimeout), which propagates unchanged.

    Output is checked: extra frames (the CogVideoX VAE pads some counts) are trimmed, too few or a wrong
    size raise PipelineError; NaN/inf pixels (a known half-precision fault) are rendered once more with
    every module at a wider dtype, and raise NonFiniteOutputError if they persist. `check_finite=False`
    leaves that check to the caller (`frames_finite` off the GPU's critical path; a full pass over a Wan
    shot's 388 MB takes 0.1-0.3 s of CPU), who renders again with `widen=True` if it fails: every module
    at the wider dtype from the start, NonFiniteOutputError if the frames are still not finite.
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

    def call_kwargs() -> dict[str, Any]:
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
        if recipe.references:
            # WanVACEPipeline scales each picture to fit the frame on a white canvas itself (its
            # preprocess_conditions), so they go in whole, in the recipe's order.
            kwargs["reference_images"] = _load_references(recipe.references)
        return kwargs

    _set_vae_tiling(pipe, preset, recipe, cache.device)
    started = time.monotonic()
    try:
        if widen:
            with _widened(pipe, cache.device):
                video = _run(pipe, call_kwargs())
        else:
            video = _run(pipe, call_kwargs())
        if (check_finite or widen) and not frames_finite(video):
            if not widen:
                log.warning("%s gave non-finite frames for %s; rendering again at a wider dtype", recipe.model,
                            recipe.content_hash())  # fmt: skip
                with _widened(pipe, cache.device):
                    video = _run(pipe, call_kwargs())
            if not frames_finite(video):
                raise NonFiniteOutputError(
                    "The {model} model produced broken (NaN) frames for this shot, even at full precision. Try another "
                    "seed or prompt, or another model.",
                    model=recipe.model
                )
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
    checked = _checked_shape(video, recipe)
    return to_uint8(checked) if as_uint8 else checked


def frames_finite(video: np.ndarray) -> bool:
    """Whether every pixel of `video` (float frames, any shape) is finite: NaN or inf (a known
    half-precision fault) would become a black clip. One streaming sum (no temporary array) answers for
    frames in [0, 1]; only a sum that is not finite is confirmed pixel by pixel."""
    return bool(np.isfinite(np.sum(video))) or bool(np.isfinite(video).all())


def _run(pipe: Any, kwargs: dict[str, Any]) -> np.ndarray:
    with torch.inference_mode():
        return np.asarray(pipe(**kwargs).frames[0], dtype=np.float32)


def _checked_shape(video: np.ndarray, recipe: ShotRender) -> np.ndarray:
    """Trim extra frames; raise PipelineError for missing frames or a wrong frame size."""
    expected = (recipe.height, recipe.width, 3)
    if video.ndim != 4 or video.shape[1:] != expected:
        raise PipelineError(
            "The {model} model returned frames of the wrong size.", model=recipe.model,
            detail=f"got {video.shape}, expected (*, {', '.join(map(str, expected))})",
        )
    if video.shape[0] < recipe.num_frames:
        raise PipelineError(
            "The {model} model returned {frames} frames instead of {num_frames}.",
            model=recipe.model, frames=video.shape[0], num_frames=recipe.num_frames,
            detail=f"shape {video.shape}",
        )
    if video.shape[0] > recipe.num_frames:
        log.warning("%s returned %d frames for %d; keeping the first %d", recipe.model, video.shape[0],
                    recipe.num_frames, recipe.num_frames)  # fmt: skip
    return video[: recipe.num_frames]


def to_uint8(video: Any) -> np.ndarray:
    """Float frames in [0, 1] (values outside are clipped), any shape, as uint8 0-255 rounded half to even."""
    scaled = np.multiply(np.asarray(video, dtype=np.float32), 255.0)  # one temporary, then in place
    np.clip(scaled, 0.0, 255.0, out=scaled)
    np.rint(scaled, out=scaled)
    return scaled.astype(np.uint8)


class _widened:
    """Context: every floating-point parameter and buffer of the pipeline at a wider dtype, each restored
    to its own dtype afterwards (models keep some layers in float32 beside bfloat16 ones).

    float16/bfloat16 -> float32 (exact both ways, so restoring loses nothing); float32 -> float64 on CPU.
    """

    def __init__(self, pipe: Any, device: str) -> None:
        modules = [m for m in pipe.components.values() if isinstance(m, torch.nn.Module)]
        self.tensors = [t for m in modules for t in (*m.parameters(), *m.buffers()) if t.is_floating_point()]
        self.wide = torch.float32 if device.startswith("cuda") else torch.float64
        self.saved: list[torch.dtype] = []

    def __enter__(self) -> None:
        self.saved = [tensor.dtype for tensor in self.tensors]
        for tensor in self.tensors:
            if tensor.dtype != self.wide and torch.finfo(tensor.dtype).bits < torch.finfo(self.wide).bits:
                tensor.data = tensor.data.to(self.wide)

    def __exit__(self, *exc_info: object) -> None:
        for tensor, dtype in zip(self.tensors, self.saved):
            tensor.data = tensor.data.to(dtype)


def _set_vae_tiling(pipe: Any, preset: Any, recipe: ShotRender, device: str) -> None:
    vae = getattr(pipe, "vae", None)
    if vae is None or not hasattr(vae, "enable_tiling"):
        return
    if wants_vae_tiling(preset, recipe.width, recipe.height, recipe.num_frames, device.startswith("cuda")):
        vae.enable_tiling()  # decodes in overlapping tiles so large videos fit in memory
    else:
        vae.disable_tiling()


def _load_image(path: str, width: int, height: int):
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            # Crop to the target aspect rather than squash: a stretched first frame makes a stretched video.
            return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
    except (OSError, UnidentifiedImageError) as exc:
        raise RecipeError("The starting image for this shot couldn't be read.", detail=repr(exc)) from exc


def _load_references(paths: tuple[str, ...]) -> list:
    """The reference pictures as RGB PIL images. Raises RecipeError when one can't be read."""
    from PIL import Image, UnidentifiedImageError

    pictures = []
    for path in paths:
        try:
            with Image.open(path) as image:
                pictures.append(image.convert("RGB"))
        except (OSError, UnidentifiedImageError) as exc:
            raise RecipeError("A reference picture for this shot couldn't be read.", detail=repr(exc)) from exc
    return pictures


def _release(pipe: Any) -> None:
    # A render that dies mid-way skips the pipeline's own cleanup: put offloaded models back and free memory.
    pipe.maybe_free_model_hooks()
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
