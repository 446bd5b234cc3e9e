"""Model presets: which diffusers pipeline renders a model, its native sizes and sane defaults.

Defaults follow each model's diffusers documentation and model card (sizes, frame counts, fps, steps,
guidance, dtype); size_multiple is the VAE's spatial compression times the transformer's patch size, and
valid frame counts are k*frame_step+1 because the VAEs compress time causally by frame_step.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generation.errors import RecipeError
from generation.recipe import ShotRender

Family = Literal["wan", "ltx", "cogvideox"]
Aspect = Literal["16:9", "9:16", "1:1"]

ASPECTS: dict[str, float] = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0}
MAX_STEPS = 150
# The largest seed: every backend's generator accepts it (some hold seeds in 32-bit ints), and it is far
# inside Discord's integer option range (|n| <= 2**53, Discord API docs: Application Command Option).
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class ModelPreset:
    name: str
    family: Family
    repo_id: str
    description: str
    width: int
    height: int
    num_frames: int
    max_frames: int
    fps: int
    steps: int
    guidance: float
    # torch dtype name used on a GPU; on CPU everything runs in float32.
    dtype: str
    size_multiple: int
    frame_step: int
    cpu_offload: bool
    vae_tiling: bool
    supports_i2v: bool
    # Built on this machine (the tiny test model) rather than downloaded.
    local: bool
    pipeline_class: str
    i2v_pipeline_class: str | None = None
    # Trained at a single resolution: every aspect renders at width x height.
    fixed_size: bool = False
    min_frames: int | None = None
    # Some VAEs decode visibly better in a wider dtype than the transformer's.
    vae_dtype: str | None = None
    # LTX's scheduler (shift_terminal in the hub config) can't take a single step: its one sigma
    # stretches to NaN and the first step finds no timestep.
    min_steps: int = 1
    # GPU memory in GB (10^9 bytes) at the native size: everything resident (no offload), and with model
    # offload (the largest sub-model, the text encoder, resident at once while it runs). Estimates from
    # the hub weights' sizes plus activations at the native size; see README "Models".
    vram_gb: float = 0.0
    vram_offload_gb: float = 0.0
    # Download size in GB of the files `reelbot models pull` fetches (the diffusers folders only).
    download_gb: float = 0.0
    # A step-distilled checkpoint of preset `distilled_from` (generation.fast_paths): only its transformer
    # is pulled and loaded; the base's text encoder, tokenizer and VAE serve it. `timesteps`: the fixed
    # timesteps (of 1000) its DMD sampler visits (generation.schedulers). `hub_pipeline_class`: the class its
    # hub model_index.json names when that is not a diffusers pipeline (FastVideo's WanDMDPipeline).
    distilled_from: str | None = None
    timesteps: tuple[int, ...] = ()
    hub_pipeline_class: str | None = None
    # Its pipeline takes reference pictures of subjects (`reference_images=`, as diffusers' WanVACEPipeline
    # does), so a shot featuring a character is rendered conditioned on the character's pictures; other
    # presets render characters from their descriptions alone. tests/test_cast_render.py checks the flag
    # against each pipeline class's own call signature.
    references: bool = False

    @property
    def shortest_frames(self) -> int:
        return self.min_frames if self.min_frames is not None else self.frame_step + 1

    def size_for(self, aspect: str | None) -> tuple[int, int]:
        """Native size for the aspect: the preset's own size, transposed, or an equal-area snap."""
        if aspect is not None and aspect not in ASPECTS:
            raise RecipeError(
                "Unknown aspect ratio '{aspect}'. Use one of: {aspects}.",
                aspect=aspect, aspects=', '.join(ASPECTS), code="unknown_aspect",
            )
        if aspect is None or self.fixed_size:
            return self.width, self.height
        wanted, native = _orientation(ASPECTS[aspect]), _orientation(self.width / self.height)
        if wanted == native:
            return self.width, self.height
        if wanted == -native:
            return self.height, self.width
        ratio = ASPECTS[aspect]
        area = self.width * self.height
        return self._snap(math.sqrt(area * ratio)), self._snap(math.sqrt(area / ratio))

    def frames_for(self, duration: float | None) -> int:
        """Closest valid frame count for a duration in seconds, clamped to what the model can render."""
        if duration is None:
            return self.num_frames
        if not math.isfinite(duration) or duration <= 0:
            raise RecipeError("A shot's duration must be a positive number of seconds.", code="bad_duration")
        k = round((duration * self.fps - 1) / self.frame_step)
        lowest = (self.shortest_frames - 1) // self.frame_step
        highest = (self.max_frames - 1) // self.frame_step
        return min(max(k, lowest), highest) * self.frame_step + 1

    def recipe(
        self,
        prompt: str,
        negative_prompt: str,
        seed: int,
        *,
        duration: float | None = None,
        aspect: str | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        init_image: str | Path | None = None,
    ) -> ShotRender:
        width, height = self.size_for(aspect)
        shot = ShotRender(
            model=self.name,
            prompt=prompt.strip(),
            negative_prompt=negative_prompt.strip(),
            seed=seed,
            width=width,
            height=height,
            num_frames=self.frames_for(duration),
            fps=self.fps,
            steps=self.steps if steps is None else steps,
            guidance=self.guidance if guidance is None else float(guidance),
            init_image=None if init_image is None else str(init_image),
        )
        validate_recipe(shot)
        return shot

    def _snap(self, value: float) -> int:
        return max(self.size_multiple, round(value / self.size_multiple) * self.size_multiple)


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


def _orientation(ratio: float) -> int:
    return (ratio > 1) - (ratio < 1)


# Older names that keep working: recipes and settings saved with them still resolve.
ALIASES: dict[str, str] = {"tiny": "tiny-wan"}


def canonical_name(name: str) -> str:
    """The preset name an alias stands for ("tiny" -> "tiny-wan"); other names as they are."""
    return ALIASES.get(name, name)


def get_preset(name: str) -> ModelPreset:
    """The preset called `name` (or an alias of it). Raises RecipeError naming the available models."""
    try:
        return PRESETS[ALIASES.get(name, name)]
    except KeyError:
        raise RecipeError(
            "Unknown model '{name}'. Available models: {models}.",
            name=name, models=', '.join(PRESETS), code="unknown_model",
        ) from None


def clip_models() -> list[str]:
    """Presets a clip can be made with: all but the distilled checkpoints, which render drafts of their base."""
    return [p.name for p in PRESETS.values() if p.distilled_from is None]


def i2v_models(*, local: bool = False) -> list[str]:
    """Presets that can start from a picture: the downloadable ones, or (local=True) the tiny ones too."""
    return [name for name in clip_models() if PRESETS[name].supports_i2v and (local or not PRESETS[name].local)]


def reference_models(*, local: bool = False) -> list[str]:
    """Presets that can take reference pictures: the downloadable ones, or (local=True) the tiny ones too."""
    return [name for name in clip_models() if PRESETS[name].references and (local or not PRESETS[name].local)]


def validate_recipe(recipe: ShotRender) -> None:
    """Raise RecipeError, with a message a user can act on, if the model cannot render this recipe."""
    preset = get_preset(recipe.model)
    if preset.distilled_from is not None:
        raise RecipeError("{model} only renders drafts of {base}: choose {base} (drafts use it on their own).",
                          model=preset.name, base=preset.distilled_from, code="distilled_model")  # fmt: skip
    if not recipe.prompt.strip():
        raise RecipeError("The prompt is empty: describe what should happen in the shot.", code="empty_prompt")
    if recipe.width <= 0 or recipe.height <= 0:
        raise RecipeError("The video size must be positive.", code="bad_size")
    if preset.fixed_size and (recipe.width, recipe.height) != (preset.width, preset.height):
        raise RecipeError(
            "{model} only renders at {width}x{height}.",
            model=preset.name, width=preset.width, height=preset.height, code="fixed_size",
        )
    if recipe.width % preset.size_multiple or recipe.height % preset.size_multiple:
        raise RecipeError(
            "{width}x{height} doesn't work with {model}: width and height must be multiples of {size_multiple}.",
            width=recipe.width, height=recipe.height, model=preset.name, size_multiple=preset.size_multiple,
            code="bad_size",
        )
    if recipe.fps <= 0:
        raise RecipeError("The frame rate must be positive.", code="bad_fps")
    if recipe.num_frames > preset.max_frames:
        raise RecipeError(
            "Too many frames: {model} renders at most {max_frames} frames ({max_seconds:.1f} s at {fps} fps).",
            model=preset.name, max_frames=preset.max_frames, max_seconds=preset.max_frames / preset.fps, fps=preset.fps,
            code="too_many_frames",
        )
    if recipe.num_frames < preset.shortest_frames or (recipe.num_frames - 1) % preset.frame_step:
        raise RecipeError(
            "{num_frames} frames doesn't work with {model}: use a multiple of {frame_step} plus one, from "
            "{shortest_frames} to {max_frames}.",
            num_frames=recipe.num_frames, model=preset.name, frame_step=preset.frame_step,
            shortest_frames=preset.shortest_frames, max_frames=preset.max_frames, code="bad_frame_count",
        )
    if recipe.steps < 1:
        raise RecipeError("At least one denoising step is needed.", code="bad_steps")
    if recipe.steps < preset.min_steps:
        raise RecipeError(
            "{model} needs at least {min_steps} denoising steps.",
            model=preset.name, min_steps=preset.min_steps, code="bad_steps",
        )
    if recipe.steps > MAX_STEPS:
        raise RecipeError(
            "At most {max_steps} denoising steps are allowed.", max_steps=MAX_STEPS, code="bad_steps"
        )
    if not math.isfinite(recipe.guidance) or recipe.guidance < 0:
        raise RecipeError("Guidance must be zero or a positive number.", code="bad_guidance")
    if not 0 <= recipe.seed <= MAX_SEED:
        raise RecipeError("The seed must be between 0 and {max_seed}.", max_seed=MAX_SEED, code="bad_seed")
    if recipe.i2v and not preset.supports_i2v:
        raise RecipeError("{model} can't continue from an image. Models that can: {able}.", model=preset.name,
                          able=", ".join(i2v_models()), code="model_no_i2v")
    if recipe.references and not preset.references:
        raise RecipeError("{model} can't take reference pictures.", model=preset.name, code="model_no_references")
    if not all(Path(path).is_file() for path in recipe.references):
        raise RecipeError("A reference picture for this shot is missing; its character may have been deleted.",
                          code="missing_reference")
    if recipe.init_image is not None:
        if not Path(recipe.init_image).is_file():
            raise RecipeError(
                "The starting image for this shot is missing; it may have been deleted.", code="missing_image"
            )
