"""Tiny models: real diffusers pipelines of every family with tiny random weights, built offline.

Each is saved in the folder layout and tokenizer format of its family's hub repo (model_index.json,
scheduler/, text_encoder/, tokenizer/, transformer/, vae/; Wan's UMT5 tokenizer as tokenizer.json, the
T5 tokenizers of LTX-Video and CogVideoX as spiece.model only) and loaded by PipelineCache exactly like
the real presets, so tests and demos exercise the real loading and render code with no download and no
GPU. Scheduler settings copy the hub repos' scheduler configs. Everything comes from fixed seeds and a
built-in corpus, so every build is byte-for-byte identical and renders stay reproducible across machines.
Dummy component sizes follow diffusers' own tests (tests/pipelines/{wan,ltx,cogvideo}/).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from generation.tiny_tokenizers import corpus, fast_tokenizer, write_spiece_tokenizer

__all__ = ["STAMP_FILE", "TINY_BUILD", "TINY_MODELS", "corpus", "ensure_tiny_model"]

# Bump whenever anything below changes what gets built, so stale copies are rebuilt.
TINY_BUILD = 3
STAMP_FILE = "reelbot-tiny.json"
_TEXT_DIM = 32


def ensure_tiny_model(models_dir: Path, name: str = "tiny-wan") -> Path:
    """Build tiny model `name` under models_dir/<name> unless an up-to-date build is already there.

    Raises KeyError for a name that is not in TINY_MODELS.
    """
    build = TINY_MODELS[name]
    models_dir = Path(models_dir)
    target = models_dir / name
    if _is_current(target):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename into place, so a crash or a concurrent worker never
    # leaves a half-written model that looks complete.
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=models_dir))
    try:
        build(staging)
        (staging / STAMP_FILE).write_text(json.dumps({"build": TINY_BUILD}))
        if target.exists() and not _is_current(target):
            shutil.rmtree(target)
        try:
            os.rename(staging, target)
        except OSError:
            if not _is_current(target):  # someone else won the race with a good build: fine
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _is_current(path: Path) -> bool:
    try:
        return json.loads((path / STAMP_FILE).read_text())["build"] == TINY_BUILD
    except (OSError, ValueError, KeyError):
        return False


def _seeded(seed: int, make: Callable[[], object]):
    """Build one component from its own seed, so changing one never silently changes the others'
    weights, and without disturbing the caller's random state."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make().eval()


def _zero_biases(model: Any) -> Any:
    """`model` with every convolution's bias zero, as a trained VAE's are small next to its signal. PyTorch's
    default init draws biases as large as the weights' output; in the Wan 2.1 VAE's three-channel tiny
    decoder they drown the latent's detail, and most of all in the first frame (decoded without the
    temporal upsampling convolutions): a one-frame render (a still) came out one flat colour, per-channel
    spread 1-3.5 of 255, the same for every seed. With zero biases: 15-25, like the other tiny presets."""
    import torch

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Conv3d)) and module.bias is not None:
                module.bias.zero_()
    return model


def _text_encoder(vocab_size: int, *, umt5: bool = False):
    """A two-layer T5 encoder (UMT5 for Wan, T5 v1.1 for LTX-Video and CogVideoX) with the hub models'
    gated-GELU feed-forward and token ids, at `_TEXT_DIM` width."""
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    config_class, model_class = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    return model_class(
        config_class(vocab_size=vocab_size, d_model=_TEXT_DIM, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                     relative_attention_num_buckets=8, feed_forward_proj="gated-gelu", pad_token_id=0,
                     eos_token_id=1, decoder_start_token_id=0)  # fmt: skip
    )


def _wan_transformer(latent_channels: int):
    """A two-block Wan DiT over `latent_channels` latent channels (16 for Wan 2.1's VAE, 48 for Wan 2.2's)."""
    from diffusers import WanTransformer3DModel

    return WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=latent_channels,
        out_channels=latent_channels, text_dim=_TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=2,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
    )  # fmt: skip


def _spiece_tokenizer(out_dir: Path, model_max_length: int):
    """The T5 tokenizer as the hub has it (spiece.model only), written to out_dir/tokenizer and loaded back."""
    from transformers import T5Tokenizer

    write_spiece_tokenizer(out_dir / "tokenizer", model_max_length=model_max_length)
    return T5Tokenizer.from_pretrained(out_dir / "tokenizer")


def _save_keeping_spiece(pipe, out_dir: Path) -> None:
    """save_pretrained rewrites the tokenizer folder with a tokenizer.json; put back the hub's format."""
    pipe.save_pretrained(out_dir)
    shutil.rmtree(out_dir / "tokenizer")
    write_spiece_tokenizer(out_dir / "tokenizer", model_max_length=pipe.tokenizer.model_max_length)


def build_wan(out_dir: Path) -> None:
    """Wan 2.1 layout (WanPipeline, UMT5 tokenizer.json), built Wan2.2-TI2V style (expand_timesteps), so the
    same weights also load as WanImageToVideoPipeline without a CLIP image encoder."""
    _save_wan(out_dir, latent_channels=16, shift=3.0, base_dim=3)


def build_wan22(out_dir: Path) -> None:
    """Wan-AI/Wan2.2-TI2V-5B-Diffusers layout: the Wan 2.2 VAE (residual, 2x2 pixel patches, 48 latent
    channels: 16x space, 4x time), expand_timesteps so WanImageToVideoPipeline takes the picture as the
    first latent frame, and the hub's flow shift 5.0."""
    _save_wan(out_dir, latent_channels=48, shift=5.0, base_dim=4, is_residual=True, in_channels=12,
              out_channels=12, patch_size=2, scale_factor_spatial=16, latents_mean=[0.0] * 48,
              latents_std=[1.0] * 48)  # fmt: skip


def build_wan_vace(out_dir: Path) -> None:
    """Wan-AI/Wan2.1-VACE-1.3B-diffusers layout (WanVACEPipeline, UMT5 tokenizer.json, Wan 2.1 VAE): a
    two-block WanVACETransformer3DModel with a control block at each layer, taking 96 control channels
    (16 latent channels each of the kept and the generated video, plus the 8x8 mask), as in diffusers' tests."""
    from diffusers import WanVACEPipeline, WanVACETransformer3DModel

    transformer = _seeded(3, lambda: WanVACETransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=_TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, vace_layers=[0, 1], vace_in_channels=96))  # fmt: skip
    _save_wan(out_dir, latent_channels=16, shift=3.0, base_dim=3, pipeline=WanVACEPipeline, transformer=transformer)


def _save_wan(out_dir: Path, *, latent_channels: int, shift: float, pipeline: Any = None, transformer: Any = None,
              **vae: Any) -> None:
    """A tiny Wan pipeline (UMT5 tokenizer.json, `latent_channels` latent channels, the hub's flow `shift`)
    with the VAE built from `vae`, saved to `out_dir`: WanPipeline with expand_timesteps and a plain Wan
    transformer, or `pipeline` (a class) with `transformer`."""
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline

    tokenizer = fast_tokenizer()
    text_encoder = _seeded(1, lambda: _text_encoder(len(tokenizer), umt5=True))
    vae_model = _seeded(2, lambda: _zero_biases(AutoencoderKLWan(
        z_dim=latent_channels, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True],
        **vae)))  # fmt: skip
    components = dict(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae_model,
                      scheduler=FlowMatchEulerDiscreteScheduler(shift=shift))  # fmt: skip
    if pipeline is None:
        components.update(transformer=_seeded(3, lambda: _wan_transformer(latent_channels)), expand_timesteps=True)
        pipeline = WanPipeline
    else:
        components["transformer"] = transformer
    pipeline(**components).save_pretrained(out_dir)


def build_fastwan22(out_dir: Path) -> None:
    """FastVideo/FastWan2.2-TI2V-5B-FullAttn-Diffusers as `reelbot models pull` fetches it (a distilled
    preset's transformer and scheduler only): model_index.json naming FastVideo's WanDMDPipeline as the hub's
    does, the hub's UniPC scheduler config, and a transformer of tiny-wan2.2's shape from its own seed."""
    from diffusers import UniPCMultistepScheduler

    _seeded(4, lambda: _wan_transformer(48)).save_pretrained(out_dir / "transformer")
    UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=5.0).save_pretrained(
        out_dir / "scheduler")
    components = {"scheduler": ["diffusers", "UniPCMultistepScheduler"], "text_encoder": ["transformers", "UMT5EncoderModel"],
                  "tokenizer": ["transformers", "T5TokenizerFast"], "transformer": ["diffusers", "WanTransformer3DModel"],
                  "vae": ["diffusers", "AutoencoderKLWan"]}  # fmt: skip
    (out_dir / "model_index.json").write_text(json.dumps({"_class_name": "WanDMDPipeline", **components}, indent=2))


def build_ltx(out_dir: Path) -> None:
    """Lightricks/LTX-Video layout (LTXPipeline; LTXImageToVideoPipeline loads the same folder). The VAE
    keeps the real compression (patch 4, three scaled levels: 32x space, 8x time); the scheduler is the
    hub's (dynamic shifting)."""
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXPipeline
    from diffusers import LTXVideoTransformer3DModel

    tokenizer = _spiece_tokenizer(out_dir, model_max_length=128)
    text_encoder = _seeded(1, lambda: _text_encoder(len(tokenizer)))
    vae = _seeded(2, lambda: AutoencoderKLLTXVideo(
        latent_channels=8, block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
        spatio_temporal_scaling=(True, True, True, False), decoder_spatio_temporal_scaling=(True, True, True, False),
        layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1, 1), patch_size=4, patch_size_t=1,
        encoder_causal=True, decoder_causal=False))  # fmt: skip
    transformer = _seeded(3, lambda: LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4, attention_head_dim=8,
        cross_attention_dim=32, num_layers=1, caption_channels=_TEXT_DIM))  # fmt: skip
    scheduler = FlowMatchEulerDiscreteScheduler(
        use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05, base_image_seq_len=1024,
        max_image_seq_len=4096, shift_terminal=0.1)  # fmt: skip
    pipe = LTXPipeline(scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                       transformer=transformer)  # fmt: skip
    _save_keeping_spiece(pipe, out_dir)


def build_cogvideox(out_dir: Path) -> None:
    """zai-org/CogVideoX-2b layout (CogVideoXPipeline, CogVideoXDDIMScheduler with the hub's settings).
    Like the 2B model, the transformer's positional embedding is fixed to one size (tiny: 64x64, 9 frames)."""
    from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXPipeline
    from diffusers import CogVideoXTransformer3DModel

    tokenizer = _spiece_tokenizer(out_dir, model_max_length=226)
    text_encoder = _seeded(1, lambda: _text_encoder(len(tokenizer)))
    vae = _seeded(2, lambda: AutoencoderKLCogVideoX(
        down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8), latent_channels=4, layers_per_block=1, norm_num_groups=2,
        temporal_compression_ratio=4))  # fmt: skip
    transformer = _seeded(3, lambda: CogVideoXTransformer3DModel(
        num_attention_heads=4, attention_head_dim=8, in_channels=4, out_channels=4, time_embed_dim=2,
        text_embed_dim=_TEXT_DIM, num_layers=1, sample_width=8, sample_height=8, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=226))  # fmt: skip
    scheduler = CogVideoXDDIMScheduler(
        beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, clip_sample=False,
        prediction_type="v_prediction", rescale_betas_zero_snr=True, set_alpha_to_one=True,
        snr_shift_scale=3.0, timestep_spacing="trailing")  # fmt: skip
    pipe = CogVideoXPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, transformer=transformer,
                             scheduler=scheduler)  # fmt: skip
    _save_keeping_spiece(pipe, out_dir)


TINY_MODELS: dict[str, Callable[[Path], None]] = {
    "tiny-wan": build_wan,
    "tiny-wan2.2": build_wan22,
    "tiny-wan-vace": build_wan_vace,
    "tiny-ltx": build_ltx,
    "tiny-cogvideox": build_cogvideox,
    "tiny-fastwan2.2": build_fastwan22,
}
