"""Distilled LoRA adapters: which exist, checking their files, and switching one on for a shot.

An adapter is loaded once into a loaded preset's transformer with diffusers' `load_lora_weights` (the PEFT
backend) and stays there disabled; a draft enables it for its shot (`active`), and finals on the same
loaded model run with it disabled, which leaves the base weights untouched, so finals stay bit-exact.
Fusing (`fuse=True`) folds the LoRA into the weights for the shot and subtracts it after: faster steps,
but the subtraction rounds in the weights' dtype (bf16 on a GPU), so finals after it may differ in the
last bits; it is the operator's choice (`worker.fuse_lora`).

Published distilled LoRAs (LightX2V, Wan2.2-Lightning; Apache-2.0) exist for the Wan 14B and A14B models
only; none for the architectures of Reelbot's presets. The tiny adapters, one per family in the key layout
that family's published LoRAs use, keep this path built and tested.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from generation.errors import ModelUnavailableError
from generation.registry import Family, ModelPreset


@dataclass(frozen=True)
class Adapter:
    """A LoRA for the transformer of `family` models, for the presets in `presets` (their architecture).
    `filename` under `<models_dir>/<name>/`; `scale` multiplies the LoRA's output; `local`: built here."""

    name: str
    family: Family
    presets: tuple[str, ...]
    filename: str
    scale: float = 1.0
    local: bool = False
    description: str = ""


ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        Adapter("tiny-wan-distill-lora", "wan", ("tiny-wan",), "lora.safetensors", local=True,
                description="Tiny random LoRA in LightX2V's layout (diffusion_model.blocks.N.self_attn.q.lora_down)."),
        Adapter("tiny-ltx-distill-lora", "ltx", ("tiny-ltx",), "lora.safetensors", local=True,
                description="Tiny random LoRA in LTX-Video's trainer layout (diffusion_model.transformer_blocks...)."),
        Adapter("tiny-cogvideox-distill-lora", "cogvideox", ("tiny-cogvideox",), "lora.safetensors", local=True,
                description="Tiny random LoRA in diffusers' PEFT layout (transformer.transformer_blocks...)."),
    )
}


def get_adapter(name: str) -> Adapter:
    """The adapter called `name`; KeyError for an unknown one."""
    return ADAPTERS[name]


def adapter_file(models_dir: Path, adapter: Adapter) -> Path:
    """The adapter's file, built first for a local one. Raises ModelUnavailableError when it is missing."""
    path = Path(models_dir) / adapter.name / adapter.filename
    if adapter.local:
        from generation.tiny_adapters import ensure_tiny_adapter

        ensure_tiny_adapter(models_dir, adapter.name)
    if not path.is_file():
        raise ModelUnavailableError("The {adapter} adapter isn't on this render host.", adapter=adapter.name,
                                    fix=f"put {adapter.filename} in {path.parent}")  # fmt: skip
    return path


# Module paths each family's published LoRAs name, whichever prefix they carry.
_FAMILY_KEYS: tuple[tuple[Family, re.Pattern[str]], ...] = (
    ("wan", re.compile(r"(^|\.)blocks\.\d+\.(self_attn|cross_attn|ffn|attn1|attn2)\.")),
    ("ltx", re.compile(r"(^|\.)transformer_blocks\.\d+\.attn2\.")),
    ("cogvideox", re.compile(r"(^|\.)transformer_blocks\.\d+\.(attn1|ff|norm1)\.")),
)


def lora_family(keys: list[str]) -> Family | None:
    """The family whose transformer a LoRA's tensor names address (Wan: `blocks.N.self_attn`; LTX-Video:
    `transformer_blocks.N.attn2`, its cross-attention; CogVideoX: `transformer_blocks.N` without one)."""
    for family, pattern in _FAMILY_KEYS:
        if any(pattern.search(key) for key in keys):
            return family
    return None


def check_adapter(path: Path, adapter: Adapter, preset: ModelPreset) -> None:
    """Raise ModelUnavailableError, naming the fix, when the file at `path` is unreadable (a truncated or
    corrupt download), holds no LoRA, or a LoRA of another model family than `preset`'s."""
    from safetensors import SafetensorError, safe_open

    fix = f"delete {path}: Reelbot builds it again" if adapter.local else f"replace {path} with {adapter.name}'s file"
    try:
        with safe_open(str(path), framework="pt") as handle:
            keys = list(handle.keys())
    except (OSError, SafetensorError) as exc:
        raise ModelUnavailableError("The {adapter} adapter's file is damaged (a truncated or corrupt download).",
                                    adapter=adapter.name, fix=fix, detail=repr(exc)) from exc  # fmt: skip
    if not any("lora" in key for key in keys):
        raise ModelUnavailableError("The {adapter} adapter's file holds no LoRA weights.", adapter=adapter.name,
                                    fix=fix)  # fmt: skip
    family = lora_family(keys)
    if family != preset.family:
        raise ModelUnavailableError(
            "The {adapter} adapter's file is a LoRA for {found} models, not for {model} ({family}).",
            adapter=adapter.name, found=family or "unknown", model=preset.name, family=preset.family, fix=fix,
        )


def load_adapter(pipe: Any, path: Path, adapter: Adapter, preset: ModelPreset) -> None:
    """Check the file and load it into the pipeline's transformer as adapter `adapter.name`, disabled.
    Raises ModelUnavailableError when the file is wrong or its tensors don't fit this transformer."""
    check_adapter(path, adapter, preset)
    try:
        pipe.load_lora_weights(str(path), adapter_name=adapter.name)
    except (ValueError, RuntimeError, OSError, KeyError) as exc:
        raise ModelUnavailableError(
            "The {adapter} adapter doesn't fit the {model} model's weights.", adapter=adapter.name, model=preset.name,
            fix=f"use a LoRA trained for {preset.name}", detail=repr(exc),
        ) from exc
    pipe.disable_lora()


@contextlib.contextmanager
def active(pipe: Any, adapter: Adapter, *, fuse: bool = False) -> Iterator[None]:
    """Within the block the pipeline renders with `adapter` on (fused into the weights with `fuse`); after it,
    whatever happened, with every adapter off again."""
    pipe.enable_lora()
    pipe.set_adapters([adapter.name], [adapter.scale])
    try:
        if fuse:
            pipe.fuse_lora(components=["transformer"], lora_scale=1.0, adapter_names=[adapter.name])
        yield
    finally:
        if fuse:
            pipe.unfuse_lora(components=["transformer"])
        pipe.disable_lora()
