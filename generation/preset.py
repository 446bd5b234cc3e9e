"""A model preset: which diffusers pipeline renders a model, its native sizes, sane defaults and the recipes it takes.

Defaults follow each model's diffusers documentation and model card (sizes, frame counts, fps, steps,
guidance, dtype); size_multiple is the VAE's spatial compression times the transformer's patch size, and
valid frame counts are k*frame_step+1 because the VAEs compress time causally by frame_step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generation.errors import RecipeError
from generation.recipe import ShotRender

Family = Literal["wan", "ltx", "cogvideox"]
# How a starting picture goes into the image-to-video pipeline: `image=` (Wan I2V/TI2V, LTX), or, for
# WanVACEPipeline, a `video=` list whose first frame is the picture beside a `mask=` list that keeps it
# (black) and generates the rest (white).
FirstFrame = Literal["image", "vace"]
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
    first_frame: FirstFrame = "image"
    # The video-to-video pipeline Finalize refines a draft with (built from the loaded weights with
    # from_pipe); None: the preset re-animates the shot from its approved still instead.
    v2v_pipeline_class: str | None = None

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
        self.check(shot)
        return shot

    def check(self, recipe: ShotRender) -> None:
        """Raise RecipeError, with a message a member can act on, if this preset can't render `recipe`
        (`generation.registry.validate_recipe` also names the presets that can start from a picture)."""
        _check(recipe, self)

    def _snap(self, value: float) -> int:
        return max(self.size_multiple, round(value / self.size_multiple) * self.size_multiple)


def _orientation(ratio: float) -> int:
    return (ratio > 1) - (ratio < 1)


def _check(recipe: ShotRender, preset: ModelPreset) -> None:
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
    if recipe.still:
        _check_still(recipe)
    else:
        _check_frames(recipe, preset)
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
        raise RecipeError("{model} can't continue from an image.", model=preset.name, code="model_no_i2v")
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
    if recipe.init_video is not None or recipe.strength is not None:
        _check_refine(recipe, preset)


def _check_frames(recipe: ShotRender, preset: ModelPreset) -> None:
    """A video's frame count: k*frame_step+1, from the preset's shortest to its longest generation."""
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


def _check_still(recipe: ShotRender) -> None:
    """A still is one frame of one generation: every preset takes num_frames = 1 (it fits both 4k+1 and
    8k+1; the CogVideoX VAE decodes one latent frame to one frame), and nothing else."""
    if recipe.num_frames != 1 or recipe.segments != 1 or recipe.keep_frames is not None or recipe.continued:
        raise RecipeError("A still is a single frame.", code="bad_frame_count")
    if recipe.continues_from is not None or recipe.init_video is not None:
        raise RecipeError("A still starts from nothing but its prompt or picture.", code="bad_still")


def _check_refine(recipe: ShotRender, preset: ModelPreset) -> None:
    if preset.v2v_pipeline_class is None:
        raise RecipeError("{model} can't refine a video; it re-animates from the approved still instead.",
                          model=preset.name, code="model_no_v2v")  # fmt: skip
    if recipe.init_video is None or recipe.strength is None or not 0 < recipe.strength <= 1:
        raise RecipeError("Refining needs the draft video and a strength above 0 and at most 1.", code="bad_strength")
    if recipe.refine_steps < max(1, preset.min_steps):
        raise RecipeError("{steps} steps at strength {strength} leave no denoising step to refine with.",
                          steps=recipe.steps, strength=recipe.strength, code="bad_steps")  # fmt: skip
    if recipe.i2v:
        raise RecipeError("A refine starts from its draft video, not from a picture.", code="bad_refine")
    if not Path(recipe.init_video).is_file():
        raise RecipeError("The draft video to refine is missing; it may have been deleted.", code="missing_video")
