"""CUDA fast paths of a render host, opt-in: regional compile, attention kernels, channels-last VAE, warm-up.

Every one is off until the operator turns it on (`[worker.accel]`), and each is decided per loaded model by
`decide`, which a CPU host (and the tests) can run: on a CPU or without the kernel package it says "skip"
and why, and nothing is applied.

- `compile`: diffusers' `compile_repeated_blocks` (regional torch.compile of the blocks a model declares in
  `_repeated_blocks`: WanTransformerBlock, LTXVideoTransformerBlock); CogVideoX's transformer declares none,
  so it is compiled whole. Compiling takes minutes on the first call at each shape, so the worker warms up
  at start (`warm_up`, a one-step render at the preset's native size), never on a member's request.
- `attention`: `transformer.set_attention_backend`: "native" (PyTorch SDPA, the default), "auto" (FlashAttention
  3 on Hopper, else FlashAttention 2, when installed; else native) or a diffusers backend name ("sage", ...).
- `channels_last`: the VAE's 3-D convolutions in channels-last memory format (faster cuDNN kernels for decode).
- `fuse_lora`: fold a draft's LoRA into the weights for its shot (generation.adapters explains the trade).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

Compile = Literal["regional", "whole"]
# What `attention` may say: Reelbot's two choices and the diffusers backends a host can install
# (diffusers.models.attention_dispatch.AttentionBackendName; a test checks each is one).
ATTENTION_CHOICES = ("native", "auto", "flash", "_flash_3", "sage", "xformers", "flex", "_native_cudnn",
                     "_native_efficient", "_native_flash")


@dataclass(frozen=True)
class Acceleration:
    """The operator's CUDA fast-path choices (worker settings). `attention`: "native", "auto" or a diffusers
    attention backend name (diffusers.models.attention_dispatch.AttentionBackendName)."""

    compile: bool = False
    attention: str = "native"
    channels_last: bool = False
    fuse_lora: bool = False


@dataclass(frozen=True)
class Decision:
    """What `apply` does to one loaded model: a compile mode, an attention backend, channels-last VAE, or
    None for each that is skipped; `skipped` says why for the log and `reelbot doctor`."""

    compile: Compile | None = None
    attention: str | None = None
    channels_last: bool = False
    skipped: tuple[str, ...] = ()

    @property
    def compiles(self) -> bool:
        return self.compile is not None


def installed_kernels() -> frozenset[str]:
    """Attention kernel packages diffusers can use here: "flash", "_flash_3", "sage"."""
    from diffusers.utils import import_utils

    found = {"flash": import_utils.is_flash_attn_available(), "_flash_3": import_utils.is_flash_attn_3_available(),
             "sage": import_utils.is_sageattention_available()}  # fmt: skip
    return frozenset(name for name, ok in found.items() if ok)


def decide(transformer: Any, device: str, accel: Acceleration, *, kernels: frozenset[str] = frozenset(),
           capability: tuple[int, int] | None = None) -> Decision:  # fmt: skip
    """What to apply to `transformer` on `device` given the operator's choices, the attention kernels
    installed and the GPU's compute capability (9.x is Hopper). Pure: nothing is changed."""
    skipped: list[str] = []
    if not device.startswith("cuda"):
        wanted = [name for name, on in (("compile", accel.compile), ("attention", accel.attention != "native"),
                                        ("channels_last", accel.channels_last)) if on]  # fmt: skip
        return Decision(skipped=tuple(f"{name}: no CUDA device" for name in wanted))
    mode: Compile | None = None
    if accel.compile:
        mode = "regional" if getattr(transformer, "_repeated_blocks", None) else "whole"
    attention = _attention(accel.attention, kernels, capability, skipped)
    return Decision(mode, attention, accel.channels_last, tuple(skipped))


def _attention(wanted: str, kernels: frozenset[str], capability: tuple[int, int] | None,
               skipped: list[str]) -> str | None:  # fmt: skip
    if wanted == "native":
        return None
    if wanted == "auto":
        hopper = capability is not None and capability[0] == 9
        choice = "_flash_3" if hopper and "_flash_3" in kernels else "flash" if "flash" in kernels else None
        if choice is None:
            skipped.append("attention auto: no FlashAttention package installed; PyTorch SDPA stays")
        return choice
    package = {"flash": "flash", "_flash_3": "_flash_3", "sage": "sage"}.get(wanted)
    if package is not None and package not in kernels:
        skipped.append(f"attention {wanted}: its kernel package is not installed; PyTorch SDPA stays")
        return None
    return wanted


def apply(transformer: Any, vae: Any, decision: Decision) -> None:
    """Apply `decision` to a loaded transformer and VAE (None: a distilled transformer joining a loaded
    model, whose VAE already has it); logs what it skipped."""
    for reason in decision.skipped:
        log.info("fast path skipped: %s", reason)
    if decision.attention is not None:
        transformer.set_attention_backend(decision.attention)
    if decision.channels_last and vae is not None:
        import torch

        vae.to(memory_format=torch.channels_last_3d)
    if decision.compile == "regional":
        transformer.compile_repeated_blocks(fullgraph=True)
    elif decision.compile == "whole":
        transformer.compile(fullgraph=True)


def warm_up(pipe: Any, preset: Any) -> None:
    """One denoising step at the preset's native size, latents only (no decode): compiles the blocks at the
    shape members' shots use, so the first request finds them compiled."""
    import torch

    kwargs: dict[str, Any] = dict(prompt="warm-up", height=preset.height, width=preset.width,
                                  num_frames=preset.num_frames, num_inference_steps=max(1, preset.min_steps),
                                  guidance_scale=preset.guidance, output_type="latent")  # fmt: skip
    with torch.inference_mode():
        pipe(**kwargs)
