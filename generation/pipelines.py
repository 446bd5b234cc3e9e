"""Keeps loaded diffusers pipelines warm: loading a video model takes far longer than one render.

One set of weights per preset: the image-to-video and video-to-video pipelines are built from the loaded
text-to-video one, sharing every module instead of loading a second copy. Fast paths attach to
that same loaded model (generation.fast_paths): a distilled preset's transformer is loaded beside it and
served with its text encoder, tokenizer and VAE; a distilled LoRA is loaded into its transformer once.
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
from typing import Any, Callable, Literal

import torch

from common.logs import route_library_logs
from generation.accel import Acceleration, apply, decide, installed_kernels
from generation.adapters import Adapter, adapter_file, load_adapter
from generation.errors import ModelUnavailableError, OutOfMemoryRenderError, PipelineError, RecipeError, RenderError
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


# Which of a preset's pipelines: text-to-video, image-to-video (a starting picture or still), video-to-video
# (refining a draft).
Variant = Literal["t2v", "i2v", "v2v"]
# A loaded model's pipelines: (preset name, variant). The preset is the loaded one or a distilled preset of it.
PipeKey = tuple[str, Variant]


@dataclass
class LoadedModel:
    """One preset's weights in memory: its pipelines (all sharing modules), its placement, and the adapters
    loaded into its transformer."""

    preset: ModelPreset
    tier: Tier
    pipes: dict[PipeKey, Any] = field(default_factory=dict)
    # The pipeline whose model-offload hooks are installed (they follow one pipeline's module order).
    hooked: PipeKey = ("", "t2v")
    adapters: set[str] = field(default_factory=set)
    # Transformers (by preset name) compiled at load: they need a warm-up at their shot size.
    compiled: set[str] = field(default_factory=set)


class PipelineCache:
    """Loads pipelines on demand and keeps the `max_loaded` most recently used presets in memory.

    `device` is a torch device string ("cpu", "cuda", "cuda:1"); a worker pinned to a GPU passes its own.
    `accel`: the host's opt-in CUDA fast paths, applied to every model it loads (generation.accel).
    `reserve_bytes` is GPU memory the placement tier leaves free for another resident (the LLM planner).
    """

    def __init__(self, models_dir: Path, device: str | None = None, max_loaded: int = 1,
                 accel: Acceleration = Acceleration(), reserve_bytes: int = 0) -> None:  # fmt: skip
        if max_loaded < 1:
            raise ValueError("max_loaded must be at least 1")
        self.models_dir = Path(models_dir)
        self.device = device or default_device()
        self.max_loaded = max_loaded
        self.accel = accel
        # GPU memory left free for another resident of the device (the LLM planner: PLANNER_VRAM_GB).
        self.reserve_bytes = reserve_bytes
        self.loads = 0
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, preset_name: str, *, i2v: bool = False, v2v: bool = False) -> Any:
        """The pipeline for a preset (image-to-video when `i2v`, video-to-video when `v2v`), loading it if
        needed. A distilled preset's pipeline is its base's with the distilled transformer and sampler (the
        base is loaded too).

        Raises RecipeError (unknown preset, no i2v or v2v), ModelUnavailableError (not downloaded, broken folder,
        missing package, no CUDA), OutOfMemoryRenderError, PipelineError (any other load failure).
        """
        preset = get_preset(preset_name)
        if i2v and not preset.supports_i2v:
            raise RecipeError("{model} can't continue from an image.", model=preset.name)
        if v2v and preset.v2v_pipeline_class is None:
            raise RecipeError("{model} can't refine a video.", model=preset.name)
        variant: Variant = "v2v" if v2v else "i2v" if i2v else "t2v"
        base = get_preset(preset.distilled_from) if preset.distilled_from else preset
        with self._lock:
            loaded = self._models.get(base.name)
            if loaded is None:
                while len(self._models) >= self.max_loaded:
                    self._evict_oldest()
                loaded = self._load(base)
                self.loads += 1
                self._models[base.name] = loaded
            self._models.move_to_end(base.name)
            key: PipeKey = (preset.name, variant)
            if key not in loaded.pipes:
                loaded.pipes[key] = self._derive(loaded, preset, variant)
            pipe = loaded.pipes[key]
            if loaded.tier == "model" and loaded.pipes.get(loaded.hooked) is not pipe:
                # diffusers: re-apply model offload on a pipeline made with from_pipe (its own module order).
                pipe.enable_model_cpu_offload(device=self.device)
                loaded.hooked = key
            return pipe

    def load_adapter(self, preset_name: str, adapter: Adapter) -> None:
        """Load `adapter` into the preset's loaded transformer (once; it stays there, disabled between
        shots). Raises ModelUnavailableError (missing, damaged or wrong file) and what `get` raises."""
        pipe = self.get(preset_name)
        with self._lock:
            loaded = self._models[get_preset(preset_name).name]
            if adapter.name not in loaded.adapters:
                load_adapter(pipe, adapter_file(self.models_dir, adapter), adapter, loaded.preset)
                loaded.adapters.add(adapter.name)

    def warm_up(self, presets: tuple[str, ...]) -> None:
        """Load each preset (at a worker's start, never on a member's request) and, when its transformer was
        compiled, run one step at its native size so the compile happens now. A preset that can't load is
        logged; the others still warm up."""
        import time

        from generation.accel import warm_up

        for name in presets:
            started = time.monotonic()
            try:
                preset = get_preset(name)
                pipe = self.get(preset.name)
                with self._lock:
                    compiled = preset.name in self._models[preset.distilled_from or preset.name].compiled
                if compiled:
                    warm_up(pipe, preset)
            except RenderError as error:
                log.warning("could not warm up %s: %s", name, error)
                continue
            log.info("warmed up %s in %.1f s%s", name, time.monotonic() - started, " (compiled)" * compiled)

    def loaded(self) -> list[str]:
        """Loaded pipelines, least recently used preset first ('name', 'name:i2v', 'name:v2v', and a distilled
        preset's as 'name:distilled' or 'name:distilled:i2v': the part before the first ':' is the loaded
        preset)."""
        with self._lock:
            return [":".join([name] + [preset] * (preset != name) + [variant] * (variant != "t2v"))
                    for name, model in self._models.items() for preset, variant in model.pipes]  # fmt: skip

    def has_loaded(self, preset_name: str) -> bool:
        """True when the preset's weights are in memory (under any of its names). Its image-to-video
        pipeline shares them, so getting that costs no load either. A distilled preset is loaded once its
        base and its transformer are."""
        preset = get_preset(preset_name)
        with self._lock:
            loaded = self._models.get(preset.distilled_from or preset.name)
            return loaded is not None and any(name == preset.name for name, _ in loaded.pipes)

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
        route_library_logs()  # their notices to the process's log, not straight to the member's terminal
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
        def load() -> tuple[Any, bool]:
            pipe = getattr(diffusers, preset.pipeline_class).from_pretrained(source, dtype=dtypes)
            _place(pipe, tier, self.device)
            decision = self._decision(pipe.transformer)
            apply(pipe.transformer, pipe.vae, decision)
            return pipe, decision.compiles

        pipe, compiles = self._guarded(preset, load)
        pipe.set_progress_bar_config(disable=True)
        key: PipeKey = (preset.name, "t2v")
        return LoadedModel(preset, tier, {key: pipe}, hooked=key, compiled={preset.name} if compiles else set())

    def _decision(self, transformer: Any) -> Any:
        """The fast paths this host applies to `transformer` (generation.accel.decide)."""
        on_gpu = self.device.startswith("cuda")
        return decide(transformer, self.device, self.accel, kernels=installed_kernels() if on_gpu else frozenset(),
                      capability=torch.cuda.get_device_capability(self.device) if on_gpu else None)  # fmt: skip

    def _guarded(self, preset: ModelPreset, load: Callable[[], Any]) -> Any:
        """`load()`, with its failures as the render errors a member and the operator can act on."""
        try:
            return load()
        except OOM_ERRORS as exc:
            gc.collect()
            raise OutOfMemoryRenderError(
                "Not enough GPU memory to load {model}.",
                model=preset.name, detail=repr(exc),
            ) from exc
        except ModelUnavailableError:
            raise
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

    def _derive(self, loaded: LoadedModel, preset: ModelPreset, variant: Variant) -> Any:
        """Another pipeline of the loaded model: its image-to-video or video-to-video one, or a distilled
        preset's (sharing every module but the transformer and the scheduler)."""
        import diffusers

        class_name = {"t2v": preset.pipeline_class, "i2v": preset.i2v_pipeline_class,
                      "v2v": preset.v2v_pipeline_class}[variant]  # fmt: skip
        base = loaded.pipes[(loaded.preset.name, "t2v")]
        if class_name == type(base).__name__ and preset is loaded.preset:
            return base  # one pipeline does both (WanVACEPipeline: a starting picture is an optional input)
        cls = getattr(diffusers, class_name)
        components = dict(base.components)
        if preset is not loaded.preset:
            components.update(self._distilled_parts(loaded, preset))
        # Not from_pipe: it casts every shared module to one dtype, which would also narrow the layers a
        # model keeps in float32 (and the float32 VAE); share the very same modules instead.
        expected, optional = cls._get_signature_keys(cls)
        config = {k: v for k, v in base.config.items() if k in optional}
        pipe = cls(**{k: v for k, v in components.items() if k in expected}, **config)
        pipe.set_progress_bar_config(disable=True)
        return pipe

    def _distilled_parts(self, loaded: LoadedModel, preset: ModelPreset) -> dict[str, Any]:
        """The distilled preset's transformer (loaded from its folder once, placed like the base's) and its
        DMD sampler. Raises what loading a preset raises."""
        from generation.schedulers import DistilledFlowMatchScheduler

        other = next((pipe for (name, _), pipe in loaded.pipes.items() if name == preset.name), None)
        if other is not None:
            return {"transformer": other.transformer, "scheduler": other.scheduler}
        source = self._source(preset)
        base = loaded.pipes[(loaded.preset.name, "t2v")]
        dtype = base.transformer.dtype

        def load() -> Any:
            transformer = _load_transformer(source, dtype, loaded.tier, self.device)
            if transformer.config.in_channels != base.transformer.config.in_channels:
                raise ModelUnavailableError(
                    "The {model} model's files hold a transformer for another model than {base}.",
                    model=preset.name, base=loaded.preset.name, fix=f"run `reelbot models pull {preset.name}` again")
            decision = self._decision(transformer)
            apply(transformer, None, decision)
            if decision.compiles:
                loaded.compiled.add(preset.name)
            return transformer

        transformer = self._guarded(preset, load)
        return {"transformer": transformer, "scheduler": DistilledFlowMatchScheduler(fixed_timesteps=preset.timesteps)}


def _load_transformer(folder: Path, dtype: torch.dtype, tier: Tier, device: str) -> Any:
    """The transformer of a model folder (its class from model_index.json), in `dtype`, placed for `tier`:
    on the device for "gpu", on the CPU for model offload (the pipeline's hooks move it), streamed for "group"."""
    import json

    import diffusers

    _, class_name = json.loads((folder / "model_index.json").read_text())["transformer"]
    transformer = getattr(diffusers, class_name).from_pretrained(folder / "transformer", dtype=dtype)
    if not device.startswith("cuda") or tier == "gpu":
        transformer.to(device)
    elif tier == "group":
        transformer.enable_group_offload(onload_device=torch.device(device), offload_type="leaf_level", use_stream=True)
    return transformer.eval()


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
