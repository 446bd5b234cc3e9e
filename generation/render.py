"""Render one generation of a shot: a ShotRender in, Frames out, with progress, cancellation and typed failures."""
from __future__ import annotations

import contextlib
import gc
import logging
import time
from typing import Any, Callable, Iterator

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
from generation import adapters, cache_hooks
from generation.fast_paths import FAST_PATHS, FastPath, pipeline_preset
from generation.conditioning import conditioning_inputs
from generation.frames import Frames
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
    check_finite: bool = True,
    widen: bool = False,
    source: Frames | None = None,
) -> Frames:
    """Frames (num_frames, height, width, 3) in the "unit" form (float32 in [0, 1], as the pipeline returned
    them; see generation.frames); identical for identical recipes on one setup. A caller converts them
    (`Frames.to_bytes`) off the GPU's critical path: about a second of CPU for a Wan shot.

    `on_step(done, total)` runs after every denoising step. `should_cancel()` is polled before the render
    and after every step; True ends the render with RenderCancelled. Either callback may itself raise a
    RenderError (a caller's per-job timeout raises RenderTimeout), which propagates unchanged.

    A recipe with a `fast_path` renders through it (generation.fast_paths): a distilled preset's pipeline,
    its LoRA switched on, or a cache hook, each only for this render. A recipe with `init_image` renders
    with the preset's image-to-video pipeline (see generation.conditioning for how the picture goes in);
    one with `init_video` refines that draft with its video-to-video pipeline, `source` being the draft's
    frames when the caller has them (a segment's share); a refine runs `recipe.refine_steps` steps, and
    `on_step` counts those.

    Output is checked: extra frames (the CogVideoX VAE pads some counts) are trimmed, too few or a wrong
    size raise PipelineError; NaN/inf pixels (a known half-precision fault) are rendered once more with
    every module at a wider dtype, and raise NonFiniteOutputError if they persist. `check_finite=False`
    leaves that check to the caller (`Frames.finite` off the GPU's critical path), who renders again with
    `widen=True` if it fails: every module at the wider dtype from the start, NonFiniteOutputError if the
    frames are still not finite.
    """
    validate_recipe(recipe)
    preset = get_preset(recipe.model)
    if should_cancel is not None and should_cancel():
        raise RenderCancelled("The render was cancelled.")
    path = _fast_path(recipe)
    pipe = cache.get(pipeline_preset(recipe), i2v=recipe.init_image is not None, v2v=recipe.init_video is not None)
    conditioning = conditioning_inputs(recipe, preset, source)
    if path is not None and path.kind == "lora":
        cache.load_adapter(recipe.model, adapters.get_adapter(path.source or ""))

    def step_end(_pipe: Any, step: int, _timestep: Any, _tensors: dict) -> dict:
        if on_step is not None:
            on_step(step + 1, recipe.refine_steps)
        if should_cancel is not None and should_cancel():
            # Raising stops at once; the pipeline's own interrupt flag would still run the VAE decode.
            raise RenderCancelled("The render was cancelled.")
        return {}

    def call_kwargs() -> dict[str, Any]:
        # A CPU generator gives the same starting noise on every device, so a recipe means the same
        # video wherever it renders (diffusers moves the noise to the pipeline's device). A DMD sampler
        # draws its re-noising from the same generator (generation.schedulers).
        generator = torch.Generator("cpu").manual_seed(recipe.seed)
        if path is not None and path.kind == "distilled":
            pipe.scheduler.generator = generator
        kwargs: dict[str, Any] = dict(
            prompt=recipe.prompt,
            negative_prompt=recipe.negative_prompt or None,
            height=recipe.height,
            width=recipe.width,
            num_inference_steps=recipe.steps,
            guidance_scale=recipe.guidance,
            generator=generator,
            output_type="np",
            callback_on_step_end=step_end,
        )
        if preset.family == "ltx":
            kwargs["frame_rate"] = recipe.fps  # LTX conditions its positional encoding on the frame rate
        return {**kwargs, **conditioning}

    _set_vae_tiling(pipe, preset, recipe, cache.device)
    started = time.monotonic()
    try:
        fuse = path is not None and path.kind == "lora" and cache.accel.fuse_lora
        if widen:
            with _widened(pipe, cache.device):
                video = _run(pipe, call_kwargs(), path, fuse)
        else:
            video = _run(pipe, call_kwargs(), path, fuse)
        if (check_finite or widen) and not video.finite():
            if not widen:
                log.warning("%s gave non-finite frames for %s; rendering again at a wider dtype", recipe.model,
                            recipe.content_hash())  # fmt: skip
                with _widened(pipe, cache.device):
                    video = _run(pipe, call_kwargs(), path, fuse)
            if not video.finite():
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
    return _checked_shape(video, recipe)


def _run(pipe: Any, kwargs: dict[str, Any], path: FastPath | None, fuse: bool) -> Frames:
    with _applied(pipe, path, fuse=fuse), torch.inference_mode():
        return Frames(np.asarray(pipe(**kwargs).frames[0], dtype=np.float32))


def _fast_path(recipe: ShotRender) -> FastPath | None:
    if recipe.fast_path is None:
        return None
    try:
        return FAST_PATHS[recipe.fast_path]
    except KeyError:
        raise RecipeError("This shot asks for a fast path ({path}) this render host doesn't know; update Reelbot "
                          "on it.", path=recipe.fast_path, code="unknown_fast_path") from None  # fmt: skip


@contextlib.contextmanager
def _applied(pipe: Any, path: FastPath | None, *, fuse: bool) -> Iterator[None]:
    """The loaded pipeline with the recipe's fast path on for one run (a LoRA enabled, a fresh cache hook),
    and off after it; a distilled preset's pipeline is the path itself."""
    if path is not None and path.kind == "lora":
        with adapters.active(pipe, adapters.get_adapter(path.source or ""), fuse=fuse):
            yield
    elif path is not None and path.kind == "cache":
        with cache_hooks.enabled(pipe.transformer, path):
            yield
    else:
        yield


def _checked_shape(video: Frames, recipe: ShotRender) -> Frames:
    """Trim extra frames; raise PipelineError for missing frames or a wrong frame size."""
    expected = (recipe.height, recipe.width, 3)
    if video.shape[1:] != expected:
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


def _release(pipe: Any) -> None:
    # A render that dies mid-way skips the pipeline's own cleanup: put offloaded models back and free memory.
    pipe.maybe_free_model_hooks()
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
