"""Where a model goes: which preset fits this machine, and how to place a pipeline in GPU memory.

Tiers, fastest first (diffusers' memory guide, docs/source/en/optimization/memory.md):
- "gpu": the whole pipeline is moved to the device (`pipe.to`): needs `vram_gb` free.
- "model": `enable_model_cpu_offload`: one sub-model at a time on the GPU (the text encoder is the
  largest): needs `vram_offload_gb` free.
- "group": `enable_group_offload(leaf_level, use_stream)`: layers stream in as they run; a few GB.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generation.licences import allowed_unasked
from generation.model_files import check_model_folder
from generation.registry import PRESETS, ModelPreset, clip_models

log = logging.getLogger(__name__)

Tier = Literal["gpu", "model", "group"]
GB = 1e9
# GPU memory the LLM planner (Qwen2.5-1.5B-Instruct in bf16: 3.1 GB of weights, its KV cache for a 3k-token
# prompt and a CUDA context) takes when it runs beside the video model (prompts.expand, backend
# "transformers"); `auto` and the placement tier leave it free.
PLANNER_VRAM_GB = 4.0
# Best first: what `auto` picks among presets whose weights are present and that fit; a preset whose
# licence is restricted (generation.licences: ltx-video) only when the operator accepted it.
QUALITY_ORDER = ("wan2.2-ti2v-5b", "wan-1.3b", "ltx-video", "cogvideox-2b")
# Decoding more pixels than this (width x height x frames) at once tiles the VAE: a 832x480x81 decode
# needs several GB of activations in one piece (diffusers' VAE tiling docs).
VAE_TILING_PIXELS = 480 * 480 * 25


@dataclass(frozen=True)
class Gpu:
    """One CUDA device. Memory in bytes, from torch.cuda.mem_get_info (free, total)."""

    index: int
    name: str
    free: int
    total: int

    @property
    def device(self) -> str:
        return f"cuda:{self.index}"


def gpus() -> list[Gpu]:
    """Every visible CUDA device with its free and total memory; empty without CUDA.

    A process that has not loaded torch (the bot, which never renders) asks a short-lived child process,
    so neither torch nor a CUDA context ever takes its memory; a probe that fails counts as no GPU.
    """
    if "torch" in sys.modules:
        return _gpus_here()
    probe = "import dataclasses, json; from generation.placement import _gpus_here; " \
            "print(json.dumps([dataclasses.asdict(gpu) for gpu in _gpus_here()]))"
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
        return [Gpu(**fields) for fields in json.loads(done.stdout.strip().splitlines()[-1])]
    except (OSError, subprocess.SubprocessError, ValueError, IndexError, TypeError) as error:
        log.warning("could not look for GPUs: %s", error)
        return []


def _gpus_here() -> list[Gpu]:
    import torch

    if not torch.cuda.is_available():
        return []
    found = []
    for index in range(torch.cuda.device_count()):
        free, total = torch.cuda.mem_get_info(index)
        found.append(Gpu(index, torch.cuda.get_device_name(index), free, total))
    return found


def free_memory(device: str) -> int | None:
    """Free bytes on a CUDA device ("cuda" means the current one); None for CPU and other devices."""
    import torch

    if not device.startswith("cuda") or not torch.cuda.is_available():
        return None
    return torch.cuda.mem_get_info(torch.device(device))[0]


def placement_tier(preset: ModelPreset, free_bytes: int | None, reserve_bytes: int = 0) -> Tier:
    """The fastest tier whose memory need fits `free_bytes` less `reserve_bytes` (memory another resident,
    the LLM planner, will take; None: not a GPU, everything on the device)."""
    if free_bytes is not None:
        free_bytes -= reserve_bytes
    if free_bytes is None or free_bytes >= preset.vram_gb * GB:
        return "gpu"
    if free_bytes >= preset.vram_offload_gb * GB:
        return "model"
    return "group"


def wants_vae_tiling(preset: ModelPreset, width: int, height: int, num_frames: int, on_gpu: bool) -> bool:
    """Tile the VAE decode on a GPU when the preset allows it and the shot is large."""
    return on_gpu and preset.vae_tiling and width * height * num_frames > VAE_TILING_PIXELS


def weights_present(models_dir: Path, preset: ModelPreset) -> bool:
    """True when models_dir/<preset> holds a complete download (see model_files.check_model_folder)."""
    return check_model_folder(Path(models_dir) / preset.name, preset) is None


def loadable_presets(models_dir: Path) -> list[str]:
    """The presets this host's render workers can load, best first (QUALITY_ORDER): those whose weights are
    complete in models_dir; the tiny test presets (random weights: noise) only when no real one is. Distilled
    checkpoints are not offered: they render drafts of their base (registry.clip_models)."""
    present = [name for name in QUALITY_ORDER if weights_present(models_dir, PRESETS[name])]
    return present or [name for name in clip_models() if PRESETS[name].local]


def choose_model(
    models_dir: Path, gpu_list: list[Gpu] | None = None, *, accepted: frozenset[str] = frozenset(),
    reserve_bytes: int = 0,
) -> tuple[str, str | None]:
    """The model `auto` stands for, and a warning for the operator (None when all is well).

    The best real preset (QUALITY_ORDER) whose weights are in models_dir, whose licence is permissive or in
    `accepted`, and whose offload floor fits the largest GPU less `reserve_bytes` (PLANNER_VRAM_GB when the
    LLM planner runs on it too); `tiny` only without a GPU or without any such preset downloaded.
    """
    gpu_list = gpus() if gpu_list is None else gpu_list
    if not gpu_list:
        return "tiny", ("No CUDA GPU found: using the tiny test model, which renders noise, not video. "
                        "Run `reelbot doctor` to see why.")  # fmt: skip
    largest = max(gpu.total for gpu in gpu_list) - reserve_bytes
    present = [name for name in QUALITY_ORDER
               if allowed_unasked(name, accepted) and weights_present(models_dir, PRESETS[name])]  # fmt: skip
    for name in present:
        if largest >= PRESETS[name].vram_offload_gb * GB:
            return name, None
    if present:
        return present[0], (f"{present[0]} needs {PRESETS[present[0]].vram_offload_gb:g} GB for model offload; "
                            f"this GPU has {largest / GB:.1f} GB, so it will stream layers (slow).")  # fmt: skip
    return "tiny", ("No model is downloaded: using the tiny test model, which renders noise. "
                    "Download one with `reelbot models pull wan-1.3b`.")  # fmt: skip


def i2v_fallback(default: str, models_dir: Path, accepted: frozenset[str] = frozenset()) -> str | None:
    """The preset a picture goes to when the default preset can't take one: the tiny image-to-video model
    in place of a tiny default, else the best downloaded image-to-video preset (QUALITY_ORDER) whose licence
    is permissive or in `accepted`; None if none is downloaded."""
    if PRESETS[default].local:
        return next(p.name for p in PRESETS.values() if p.local and p.supports_i2v)
    return next((name for name in QUALITY_ORDER if PRESETS[name].supports_i2v and allowed_unasked(name, accepted)
                 and weights_present(models_dir, PRESETS[name])), None)  # fmt: skip
