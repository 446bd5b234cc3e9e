"""The model presets: every model Reelbot renders with, real (downloaded) and tiny (built offline).

Defaults follow each model's diffusers documentation and model card; see generation.preset.
"""
from __future__ import annotations

import dataclasses

from generation.preset import ModelPreset

PRESETS: dict[str, ModelPreset] = {
    preset.name: preset
    for preset in (
        ModelPreset(
            name="tiny-wan",
            family="wan",
            repo_id="",
            description="Tiny random-weight Wan pipeline built offline: renders noise in a blink (tests, demos).",
            width=64,
            height=64,
            num_frames=9,
            max_frames=17,
            fps=8,
            steps=3,
            guidance=5.0,
            dtype="float32",
            size_multiple=16,
            frame_step=4,
            cpu_offload=False,
            vae_tiling=False,
            # Built Wan2.2-TI2V style (expand_timesteps), so image-to-video needs no image encoder.
            supports_i2v=True,
            local=True,
            pipeline_class="WanPipeline",
            i2v_pipeline_class="WanImageToVideoPipeline",
            v2v_pipeline_class="WanVideoToVideoPipeline",
        ),
        ModelPreset(
            name="tiny-wan-vace",
            family="wan",
            repo_id="",
            description="Tiny random-weight Wan VACE pipeline built offline: noise; starts from a picture "
            "(first frame as video + mask).",
            width=64,
            height=64,
            num_frames=9,
            max_frames=17,
            fps=8,
            steps=3,
            guidance=5.0,
            dtype="float32",
            size_multiple=16,
            frame_step=4,
            cpu_offload=False,
            vae_tiling=False,
            supports_i2v=True,
            local=True,
            pipeline_class="WanVACEPipeline",
            i2v_pipeline_class="WanVACEPipeline",
            first_frame="vace",
            references=True,
        ),
        ModelPreset(
            name="tiny-wan2.2",
            family="wan",
            repo_id="",
            description="Tiny random-weight Wan 2.2 TI2V pipeline built offline (its 16x VAE): noise; "
            "starts from a picture.",
            width=64,
            height=64,
            num_frames=9,
            max_frames=17,
            fps=24,
            steps=3,
            guidance=5.0,
            dtype="float32",
            size_multiple=32,
            frame_step=4,
            cpu_offload=False,
            vae_tiling=False,
            supports_i2v=True,
            local=True,
            pipeline_class="WanPipeline",
            i2v_pipeline_class="WanImageToVideoPipeline",
        ),
        ModelPreset(
            name="tiny-ltx",
            family="ltx",
            repo_id="",
            description="Tiny random-weight LTX-Video pipeline built offline (T5 tokenizer as spiece.model): noise.",
            width=64,
            height=64,
            num_frames=9,
            max_frames=17,
            fps=24,
            steps=3,
            guidance=3.0,
            dtype="float32",
            size_multiple=32,
            frame_step=8,
            cpu_offload=False,
            vae_tiling=False,
            supports_i2v=True,
            local=True,
            pipeline_class="LTXPipeline",
            i2v_pipeline_class="LTXImageToVideoPipeline",
            min_steps=2,
        ),
        ModelPreset(
            name="tiny-cogvideox",
            family="cogvideox",
            repo_id="",
            description="Tiny random-weight CogVideoX pipeline built offline (fixed 64x64, 9 frames): noise.",
            width=64,
            height=64,
            num_frames=9,
            max_frames=9,
            fps=8,
            steps=3,
            guidance=6.0,
            dtype="float32",
            size_multiple=16,
            frame_step=4,
            cpu_offload=False,
            vae_tiling=False,
            supports_i2v=False,
            local=True,
            pipeline_class="CogVideoXPipeline",
            fixed_size=True,
            min_frames=9,
            v2v_pipeline_class="CogVideoXVideoToVideoPipeline",
        ),
        ModelPreset(
            name="wan-1.3b",
            family="wan",
            repo_id="Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
            description="Wan 2.1 text-to-video, 1.3B parameters: 480p, 5 s at 16 fps. Needs ~12 GB of GPU memory "
            "with model offload (its 5.7B-parameter UMT5-XXL text encoder), ~19 GB without.",
            width=832,
            height=480,
            num_frames=81,
            max_frames=81,
            fps=16,
            steps=50,
            guidance=5.0,
            dtype="bfloat16",
            size_multiple=16,
            frame_step=4,
            cpu_offload=True,
            vae_tiling=True,
            # There is no official 1.3B image-to-video checkpoint.
            supports_i2v=False,
            local=False,
            pipeline_class="WanPipeline",
            vae_dtype="float32",
            # UMT5-XXL 11.4 GB + transformer 2.8 GB (bf16) + VAE 0.5 GB (fp32) + activations at 832x480x81.
            vram_gb=19.0,
            vram_offload_gb=12.5,
            download_gb=17.2,
            v2v_pipeline_class="WanVideoToVideoPipeline",
        ),
        ModelPreset(
            name="wan-vace-1.3b",
            family="wan",
            repo_id="Wan-AI/Wan2.1-VACE-1.3B-Diffusers",
            description="Wan 2.1 VACE, 1.3B parameters (Apache-2.0): 480p, 5 s at 16 fps; starts from a picture "
            "(or an approved still) and takes reference pictures. Needs ~13 GB of GPU memory with model offload.",
            # Model card and diffusers' WanVACEPipeline docs: 832x480 (the 1.3B model is trained at 480p), 81
            # frames at 16 fps, 50 steps, guidance 5.0, flow shift 3.0 at 480p (the hub's scheduler config).
            width=832,
            height=480,
            num_frames=81,
            max_frames=81,
            fps=16,
            steps=50,
            guidance=5.0,
            dtype="bfloat16",
            size_multiple=16,
            frame_step=4,
            cpu_offload=True,
            vae_tiling=True,
            supports_i2v=True,
            local=False,
            pipeline_class="WanVACEPipeline",
            i2v_pipeline_class="WanVACEPipeline",
            vae_dtype="float32",
            first_frame="vace",
            references=True,
            # Estimates from the hub files: UMT5-XXL 11.4 GB (bf16) + the VACE transformer (~1.3B base plus
            # its control blocks, ~3.5 GB in bf16) + VAE 0.5 GB (fp32) + activations at 832x480x81.
            vram_gb=21.0,
            vram_offload_gb=13.0,
            # text encoder 11.4 GB + transformer (two shards, stored in float32) ~7 GB + VAE 0.5 GB.
            download_gb=19.0,
        ),
        ModelPreset(
            name="wan2.2-ti2v-5b",
            family="wan",
            repo_id="Wan-AI/Wan2.2-TI2V-5B-Diffusers",
            description="Wan 2.2 text/image-to-video, 5B parameters: 1280x704, 5 s at 24 fps; starts from a "
            "picture. Needs ~14 GB of GPU memory with model offload, ~27 GB without.",
            # Model card and diffusers' WanImageToVideoPipeline: 1280x704 (or 704x1280), 121 frames at 24 fps,
            # 50 steps, guidance 5.0; the Wan2.2 VAE compresses 16x in space and 4x in time, patch (1, 2, 2).
            width=1280,
            height=704,
            num_frames=121,
            max_frames=121,
            fps=24,
            steps=50,
            guidance=5.0,
            dtype="bfloat16",
            size_multiple=32,
            frame_step=4,
            cpu_offload=True,
            vae_tiling=True,
            # expand_timesteps in the hub's model_index.json: the picture is the first latent frame, no
            # image encoder; tiny-wan is built the same way.
            supports_i2v=True,
            local=False,
            pipeline_class="WanPipeline",
            i2v_pipeline_class="WanImageToVideoPipeline",
            vae_dtype="float32",
            # UMT5-XXL 11.4 GB + transformer 10.0 GB (bf16) + VAE 2.8 GB (fp32) + activations at 1280x704x121.
            vram_gb=27.0,
            vram_offload_gb=14.0,
            download_gb=23.4,
            # No video-to-video: diffusers 0.42's WanVideoToVideoPipeline sizes latents for an 8x VAE, and the Wan
            # 2.2 VAE compresses 16x (the shapes do not match); Finalize re-animates from the approved still.
        ),
        ModelPreset(
            name="ltx-video",
            family="ltx",
            repo_id="Lightricks/LTX-Video",
            description="LTX-Video: fast DiT video model, 704x480 at 24 fps; can continue from an image.",
            width=704,
            height=480,
            num_frames=121,
            max_frames=257,
            fps=24,
            steps=50,
            guidance=3.0,
            dtype="bfloat16",
            size_multiple=32,
            frame_step=8,
            cpu_offload=True,
            vae_tiling=True,
            supports_i2v=True,
            local=False,
            pipeline_class="LTXPipeline",
            i2v_pipeline_class="LTXImageToVideoPipeline",
            min_steps=2,
            # T5-XXL 9.5 GB + transformer 3.8 GB + VAE 0.8 GB (bf16) + activations at 704x480x121.
            vram_gb=17.0,
            vram_offload_gb=10.5,
            download_gb=14.6,
            # No video-to-video: LTXConditionPipeline and the latent upsampler need LTX-Video 0.9.5+ checkpoints
            # (not this repo's 0.9.0, and 0.9.6+ are not Apache-2.0); Finalize re-animates from the approved still.
        ),
        ModelPreset(
            name="cogvideox-2b",
            family="cogvideox",
            # Moved from THUDM/CogVideoX-2b (which still redirects).
            repo_id="zai-org/CogVideoX-2b",
            description="CogVideoX 2B: 720x480, 6 s at 8 fps (fixed size and length).",
            width=720,
            height=480,
            num_frames=49,
            max_frames=49,
            fps=8,
            steps=50,
            guidance=6.0,
            dtype="float16",
            size_multiple=16,
            frame_step=4,
            cpu_offload=True,
            vae_tiling=True,
            supports_i2v=False,
            local=False,
            pipeline_class="CogVideoXPipeline",
            fixed_size=True,
            min_frames=49,
            # T5-XXL 9.5 GB + transformer 3.4 GB + VAE 0.4 GB (fp16) + activations at 720x480x49.
            vram_gb=16.0,
            vram_offload_gb=10.5,
            download_gb=13.4,
            v2v_pipeline_class="CogVideoXVideoToVideoPipeline",
        ),
    )
}


def _distilled(base: str, **changes: object) -> ModelPreset:
    """A step-distilled checkpoint of preset `base`: its geometry, with its own name, repo and schedule."""
    return dataclasses.replace(PRESETS[base], distilled_from=base, **changes)  # type: ignore[arg-type]


PRESETS.update({
    preset.name: preset
    for preset in (
        # FastWan2.2-TI2V-5B-FullAttn-Diffusers model card and FastVideo's FastWan2_2_TI2V_5B_Config: DMD at
        # timesteps 1000, 757, 522 without CFG, full attention (stock diffusers attention, no custom kernel).
        _distilled("wan2.2-ti2v-5b", name="fastwan2.2-ti2v-5b", repo_id="FastVideo/FastWan2.2-TI2V-5B-FullAttn-Diffusers",
                   description="FastWan 2.2 TI2V 5B: a 3-step DMD distillation of wan2.2-ti2v-5b (drafts); shares "
                   "its text encoder and VAE.", steps=3, guidance=1.0, timesteps=(1000, 757, 522),
                   hub_pipeline_class="WanDMDPipeline", vram_gb=37.0, download_gb=10.0),
        _distilled("tiny-wan2.2", name="tiny-fastwan2.2", description="Tiny stand-in for FastWan 2.2: another "
                   "random transformer of tiny-wan2.2's shape, sampled like the real one (3 DMD steps).",
                   steps=3, guidance=1.0, timesteps=(1000, 757, 522), hub_pipeline_class="WanDMDPipeline"),
    )
})
