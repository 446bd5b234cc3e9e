"""Keeps loaded diffusers pipelines warm: loading a video model takes far longer than one render."""
from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch

from generation.errors import OutOfMemoryRenderError, PipelineError, RecipeError
from generation.registry import ModelPreset, get_preset
from generation.tiny import ensure_tiny_model

log = logging.getLogger(__name__)

OOM_ERRORS: tuple[type[BaseException], ...] = tuple(
    {getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError), torch.cuda.OutOfMemoryError}
)


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


class PipelineCache:
    """Loads pipelines on demand and keeps the `max_loaded` most recently used ones in memory."""

    def __init__(self, models_dir: Path, device: str | None = None, max_loaded: int = 1) -> None:
        if max_loaded < 1:
            raise ValueError("max_loaded must be at least 1")
        self.models_dir = Path(models_dir)
        self.device = device or default_device()
        self.max_loaded = max_loaded
        self.loads = 0
        self._pipes: OrderedDict[tuple[str, bool], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, preset_name: str, *, i2v: bool = False) -> Any:
        preset = get_preset(preset_name)
        if i2v and not preset.supports_i2v:
            raise RecipeError("{model} can't continue from an image.", model=preset.name)
        key = (preset.name, i2v)
        with self._lock:
            if key in self._pipes:
                self._pipes.move_to_end(key)
                return self._pipes[key]
            while len(self._pipes) >= self.max_loaded:
                self._evict_oldest()
            pipe = self._load(preset, i2v)
            self.loads += 1
            self._pipes[key] = pipe
            return pipe

    def loaded(self) -> list[str]:
        """Loaded pipelines, least recently used first ('name' or 'name:i2v')."""
        with self._lock:
            return [f"{name}:i2v" if i2v else name for name, i2v in self._pipes]

    def clear(self) -> None:
        with self._lock:
            while self._pipes:
                self._evict_oldest()

    def _evict_oldest(self) -> None:
        (name, i2v), pipe = self._pipes.popitem(last=False)
        log.info("unloading %s%s", name, " (i2v)" if i2v else "")
        del pipe
        gc.collect()
        if self.device.startswith("cuda"):
            torch.cuda.empty_cache()

    def _source(self, preset: ModelPreset) -> str:
        if preset.local:
            return str(ensure_tiny_model(self.models_dir))
        # A model copied into models_dir/<name> wins over the Hugging Face hub (and its cache).
        local_copy = self.models_dir / preset.name
        if (local_copy / "model_index.json").is_file():
            return str(local_copy)
        return preset.repo_id

    def _load(self, preset: ModelPreset, i2v: bool) -> Any:
        import diffusers
        import transformers

        # Load-time progress bars would interleave with the worker's log and the console's own progress.
        diffusers.utils.logging.disable_progress_bar()
        transformers.utils.logging.disable_progress_bar()
        class_name = preset.i2v_pipeline_class if i2v else preset.pipeline_class
        on_gpu = self.device.startswith("cuda")
        # Half precision only pays off on a GPU; CPUs run float32 (and often lack fast bf16 kernels).
        dtypes = {"default": getattr(torch, preset.dtype) if on_gpu else torch.float32}
        if on_gpu and preset.vae_dtype:
            dtypes["vae"] = getattr(torch, preset.vae_dtype)
        log.info("loading %s (%s) on %s as %s", preset.name, class_name, self.device, dtypes)
        try:
            pipe = getattr(diffusers, class_name).from_pretrained(self._source(preset), dtype=dtypes)
            if on_gpu and preset.cpu_offload:
                # Each sub-model visits the GPU only while it runs: fits consumer cards, costs some speed.
                pipe.enable_model_cpu_offload(device=self.device)
            else:
                pipe.to(self.device)
            if on_gpu and preset.vae_tiling:
                pipe.vae.enable_tiling()  # decodes in tiles so long/large videos fit in memory
        except OOM_ERRORS as exc:
            gc.collect()
            raise OutOfMemoryRenderError(
                "Not enough GPU memory to load {model}.",
                model=preset.name, detail=repr(exc),
            ) from exc
        except Exception as exc:
            raise PipelineError(
                "Couldn't load the {model} model; the bot's operator may need to download it first.", model=preset.name,
                detail=repr(exc),
            ) from exc
        pipe.set_progress_bar_config(disable=True)
        return pipe
