"""Tiny distilled LoRAs, one per family, built offline in the key layout that family's published LoRAs use.

- Wan: LightX2V's layout (the original Wan module names, `diffusion_model.blocks.N.self_attn.q.lora_down.weight`,
  `lora_up`, `alpha`), which diffusers converts on load (`_convert_non_diffusers_wan_lora_to_diffusers`);
- LTX-Video: the LTX-Video trainer's ComfyUI layout (`diffusion_model.transformer_blocks.N.attn1.to_q.lora_A.weight`);
- CogVideoX: diffusers' own PEFT layout (`transformer.transformer_blocks.N.attn1.to_q.lora_A.weight`), what
  the diffusers and finetrainers training scripts save.

Sizes come from the tiny model's own transformer config, so each LoRA fits its tiny preset exactly. Random
weights from a fixed seed: every build is byte-identical.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

RANK = 4


def _wan_tensors(config: dict, gen) -> dict:
    import torch

    inner = config["num_attention_heads"] * config["attention_head_dim"]
    out = {}
    for block in range(config["num_layers"]):
        targets = [(f"blocks.{block}.{part}.{o}", inner, inner) for part in ("self_attn", "cross_attn") for o in "qkvo"]
        targets += [(f"blocks.{block}.ffn.0", inner, config["ffn_dim"]), (f"blocks.{block}.ffn.2", config["ffn_dim"], inner)]
        for name, fan_in, fan_out in targets:
            out[f"diffusion_model.{name}.lora_down.weight"] = torch.randn(RANK, fan_in, generator=gen) * 0.2
            out[f"diffusion_model.{name}.lora_up.weight"] = torch.randn(fan_out, RANK, generator=gen) * 0.2
            out[f"diffusion_model.{name}.alpha"] = torch.tensor(float(RANK))
    return out


def _dit_tensors(config: dict, gen, *, prefix: str, attentions: tuple[str, ...]) -> dict:
    """LTX-Video and CogVideoX blocks: attentions' to_q/k/v/out.0 and the GELU feed-forward (4x wide)."""
    import torch

    inner = config["num_attention_heads"] * config["attention_head_dim"]
    out = {}
    for block in range(config["num_layers"]):
        base = f"{prefix}.transformer_blocks.{block}"
        targets = [(f"{base}.{attn}.{p}", inner, inner) for attn in attentions for p in ("to_q", "to_k", "to_v", "to_out.0")]
        targets += [(f"{base}.ff.net.0.proj", inner, 4 * inner), (f"{base}.ff.net.2", 4 * inner, inner)]
        for name, fan_in, fan_out in targets:
            out[f"{name}.lora_A.weight"] = torch.randn(RANK, fan_in, generator=gen) * 0.2
            out[f"{name}.lora_B.weight"] = torch.randn(fan_out, RANK, generator=gen) * 0.2
    return out


# adapter name -> (tiny preset it fits, builder of its tensors from that preset's transformer config)
_BUILDS = {
    "tiny-wan-distill-lora": ("tiny-wan", _wan_tensors),
    "tiny-ltx-distill-lora": ("tiny-ltx", lambda c, g: _dit_tensors(c, g, prefix="diffusion_model",
                                                                    attentions=("attn1", "attn2"))),
    "tiny-cogvideox-distill-lora": ("tiny-cogvideox", lambda c, g: _dit_tensors(c, g, prefix="transformer",
                                                                                attentions=("attn1",))),
}


def ensure_tiny_adapter(models_dir: Path, name: str) -> Path:
    """Build tiny adapter `name` into models_dir/<name>/lora.safetensors unless it is there; returns the file.
    Raises KeyError for a name that is not a tiny adapter."""
    import torch
    from safetensors.torch import save_file

    from generation.tiny import ensure_tiny_model

    preset, build = _BUILDS[name]
    target = Path(models_dir) / name / "lora.safetensors"
    if target.is_file():
        return target
    config = json.loads((ensure_tiny_model(models_dir, preset) / "transformer" / "config.json").read_text())
    tensors = build(config, torch.Generator().manual_seed(11))
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a crash never leaves a half-written file behind.
    handle, staging = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(handle)
    try:
        save_file({key: value.contiguous() for key, value in tensors.items()}, staging)
        os.replace(staging, target)
    finally:
        Path(staging).unlink(missing_ok=True)
    return target
