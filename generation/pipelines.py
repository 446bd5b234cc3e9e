"""Keeps loaded diffusers pipelines warm: loading a video model takes far longer than one render.

One set of weights per preset: the image-to-video pipeline is built from the loaded text-to-video one with
diffusers' `from_pipe`, which shares every module instead of loading a second copy.
"""
from __future__ import annotations

import errno
import gc
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from generation.errors import ModelUnavailableError, OutOfMemoryRenderError, PipelineError, RecipeError
from generation.model_files import ready_folder
from generation.placement import Tier, free_memory, placement_tier
from generation.registry import ModelPreset, get_preset
from generation.tiny import ensure_tiny_model

log = logging.getLogger(__name__)

OOM_ERRORS: tuple[type[BaseException], ...] = tuple(
    {getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError), torch.cuda.OutOfMemoryError}
)


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def use_available_cores() -> int:
    """Set torch's intra-op threads to the cores this process may run on (its CPU affinity, which
    containers and `taskset` narrow) rather than every core of the machine; returns the count.
    Oversubscribed threads make CPU renders several times slower."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows: no affinity API
        cores = os.cpu_count() or 1
    torch.set_num_threads(max(1, cores))
    return max(1, cores)


@dataclass
class LoadedModel:
    """One preset's weights in memory: its pipelines by i2v flag (all sharing modules), and placement."""

    preset: ModelPreset
    tier: Tier
    pipes: dict[bool, Any] = field(default_factory=dict)
    # The variant whose model-offload hooks are installed (they follow one pipeline's module order).
    hooked: bool = False


class PipelineCache:
    """Loads pipelines on demand and keeps the `max_loaded` most recently used presets in memory.

    `device` is a torch device string ("cpu", "cuda", "cuda:1"); a worker pinned to a GPU passes its own;
    `reserve_bytes` is GPU memory the placement tier leaves free for another resident (the LLM planner).
    """

    def __init__(self, models_dir: Path, device: str | None = None, max_loaded: int = 1,
                 reserve_bytes: int = 0) -> None:
        if max_loaded < 1:
            raise ValueError("max_loaded must be at least 1")
        self.models_dir = Path(models_dir)
        self.device = device or default_device()
        self.max_loaded = max_loaded
        # GPU memory left free for another resident of the device (the LLM planner: PLANNER_VRAM_GB).
        self.reserve_bytes = reserve_bytes
        self.loads = 0
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, preset_name: str, *, i2v: bool = False) -> Any:
        """The pipeline for a preset (image-to-video when `i2v`), loading it if needed.

        Raises RecipeError (unknown preset, no i2v), ModelUnavailableError (not downloaded, broken folder,
        missing package, no CUDA), OutOfMemoryRenderError, PipelineError (any other load failure).
        """
        preset = get_preset(preset_name)
        if i2v and not preset.supports_i2v:
            raise RecipeError("{model} can't continue from an image.", model=preset.name)
        with self._lock:
            loaded = self._models.get(preset.name)
            if loaded is None:
                while len(self._models) >= self.max_loaded:
                    self._evict_oldest()
                loaded = self._load(preset)
                self.loads += 1
                self._models[preset.name] = loaded
            self._models.move_to_end(preset.name)
            if i2v not in loaded.pipes:
                loaded.pipes[i2v] = self._derive(loaded, i2v)
            pipe = loaded.pipes[i2v]
            if loaded.tier == "model" and loaded.hooked != i2v:
                # diffusers: re-apply model offload on a pipeline made with from_pipe (its own module order).
                pipe.enable_model_cpu_offload(device=self.device)
                loaded.hooked = i2v
            return pipe

    def loaded(self) -> list[str]:
        """Loaded pipelines, least recently used preset first ('name' or 'name:i2v')."""
        with self._lock:
            return [f"{name}:i2v" if i2v else name for name, model in self._models.items() for i2v in model.pipes]

    def has_loaded(self, preset_name: str) -> bool:
        """True when the preset's weights are in memory (under any of its names). Its image-to-video
        pipeline shares them, so getting that costs no load either."""
        with self._lock:
            return get_preset(preset_name).name in self._models

    def tier(self, preset_name: str) -> Tier | None:
        """How a loaded preset is placed ('gpu', 'model', 'group'), or None when it isn't loaded."""
        loaded = self._models.get(get_preset(preset_name).name)
        return None if loaded is None else loaded.tier

    def clear(self) -> None:
        with self._lock:
            while self._models:
                self._evict_oldest()

    def _evict_oldest(self) -> None:
        name, loaded = self._models.popitem(last=False)
        log.info("unloading %s", name)
        loaded.pipes.clear()
        del loaded
        gc.collect()
        if self.device.startswith("cuda"):
            torch.cuda.empty_cache()

    def _source(self, preset: ModelPreset) -> Path:
        if preset.local:
            try:
                ensure_tiny_model(self.models_dir, preset.name)
            except OSError as exc:
                raise _disk_error(exc, self.models_dir) from exc
        # The tiny models pass the same checks as downloads: folder layout, weights, packages.
        return ready_folder(self.models_dir, preset)

    def _check_device(self) -> None:
        if self.device.startswith("cuda"):
            if not torch.cuda.is_available():
                raise ModelUnavailableError(
                    "This render host is set to use {device}, but CUDA isn't available.", device=self.device,
                    fix=f"check `nvidia-smi` and install a CUDA build of torch (this one is {torch.__version__}), "
                    "or set device = \"cpu\"; `reelbot doctor` shows what it sees",
                )
            index = torch.device(self.device).index
            if index is not None and index >= torch.cuda.device_count():
                raise ModelUnavailableError(
                    "This render host is set to use {device}, but it has {gpus} GPU(s).",
                    device=self.device, gpus=torch.cuda.device_count(),
                    fix="set device to an existing GPU, or workers = \"auto\"",
                )

    def _load(self, preset: ModelPreset) -> LoadedModel:
        import diffusers
        import transformers

        # Load-time progress bars would interleave with the worker's log and the console's own progress.
        diffusers.utils.logging.disable_progress_bar()
        transformers.utils.logging.disable_progress_bar()
        self._check_device()
        source = self._source(preset)
        on_gpu = self.device.startswith("cuda")
        # Half precision only pays off on a GPU; CPUs run float32 (and often lack fast bf16 kernels).
        dtypes = {"default": getattr(torch, preset.dtype) if on_gpu else torch.float32}
        if on_gpu and preset.vae_dtype:
            dtypes["vae"] = getattr(torch, preset.vae_dtype)
        tier = placement_tier(preset, free_memory(self.device), self.reserve_bytes)
        log.info("loading %s (%s) on %s as %s%s", preset.name, preset.pipeline_class, self.device, dtypes,
                 f", placement {tier}" if on_gpu else "")  # fmt: skip
        try:
            pipe = getattr(diffusers, preset.pipeline_class).from_pretrained(source, dtype=dtypes)
            _place(pipe, tier, self.device)
        except OOM_ERRORS as exc:
            gc.collect()
            raise OutOfMemoryRenderError(
                "Not enough GPU memory to load {model}.",
                model=preset.name, detail=repr(exc),
            ) from exc
        except ModuleNotFoundError as exc:
            raise ModelUnavailableError(
                "The {model} model needs the Python package {name}, which this render host lacks.",
                model=preset.name, name=exc.name,
                fix=f"pip install {exc.name}",
                detail=repr(exc),
            ) from exc
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise _disk_error(exc, self.models_dir) from exc
            raise PipelineError(
                "Couldn't read the {model} model's files.",
                model=preset.name, detail=repr(exc),
            ) from exc
        except Exception as exc:
            raise PipelineError("Couldn't load the {model} model.", model=preset.name, detail=repr(exc)) from exc
        pipe.set_progress_bar_config(disable=True)
        return LoadedModel(preset, tier, {False: pipe}, hooked=False)

    def _derive(self, loaded: LoadedModel, i2v: bool) -> Any:
        import diffusers

        preset = loaded.preset
        class_name = preset.i2v_pipeline_class if i2v else preset.pipeline_class
        base = next(iter(loaded.pipes.values()))
        dtypes = {t.dtype for m in base.components.values() if isinstance(m, torch.nn.Module)
                  for t in m.parameters()}  # fmt: skip
        if len(dtypes) == 1:
            pipe = getattr(diffusers, class_name).from_pipe(base, dtype=dtypes.pop())
        else:
            # from_pipe casts every shared module to one dtype, which would also narrow the layers a model
            # keeps in float32 (and the float32 VAE): share the very same modules without the cast instead.
            cls = getattr(diffusers, class_name)
            expected, optional = cls._get_signature_keys(cls)
            config = {k: v for k, v in base.config.items() if k in optional}
            pipe = cls(**{k: v for k, v in base.components.items() if k in expected}, **config)
        pipe.set_progress_bar_config(disable=True)
        return pipe


def _place(pipe: Any, tier: Tier, device: str) -> None:
    if not device.startswith("cuda") or tier == "gpu":
        pipe.to(device)
    elif tier == "model":
        # Each sub-model visits the GPU only while it runs.
        pipe.enable_model_cpu_offload(device=device)
    else:
        # Layers stream in as they run, overlapped with compute on a side stream.
        pipe.enable_group_offload(onload_device=torch.device(device), offload_type="leaf_level", use_stream=True)


def _disk_error(exc: OSError, where: Path) -> Exception:
    import shutil

    if exc.errno != errno.ENOSPC:
        return PipelineError("Couldn't prepare the model's files.", detail=repr(exc))
    free = shutil.disk_usage(where).free / 1e9 if Path(where).exists() else 0.0
    return ModelUnavailableError(
        "The render host's disk is full.", fix=f"free space on {where} ({free:.1f} GB free)", detail=repr(exc)
    )
