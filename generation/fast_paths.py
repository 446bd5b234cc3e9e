"""Fast paths: how a draft renders in a fraction of its preset's full schedule.

A fast path is applied to the preset's loaded model, never to a second copy of its weights:
- `distilled`: a step-distilled checkpoint of the preset's own architecture (FastWan, DMD), a preset of its
  own whose transformer PipelineCache loads beside the base's text encoder, tokenizer and VAE;
- `lora`: a distilled LoRA of the preset's architecture (diffusers `load_lora_weights`), enabled for the
  shot and disabled after it, so the same loaded model keeps rendering finals exactly;
- `cache`: a diffusers cache hook (`transformer.enable_cache`) that skips transformer blocks whose input
  barely changed since the last step; enabled for one shot and removed after it, so no shot ever sees
  another's cached activations.

Drafts of a preset take the first usable path of `DRAFT_PATHS` (weights on disk, licence permissive or
accepted by the operator); cache paths need no weights. Finals take a cache hook only when the operator
turns that on (`FINAL_CACHE`, the conservative thresholds). The recipe names its path (`fast_path`), so
the render cache keys on it.

Sources: FastWan2.2-TI2V-5B-FullAttn-Diffusers model card and FastVideo's FastWan2_2_TI2V_5B_Config (3 DMD
steps at timesteps 1000, 757, 522, no CFG, full attention); diffusers' caching guide and hook docstrings
(FirstBlockCache: default threshold 0.05, the guide's example 0.2; TaylorSeer: refresh every 5 steps after 3).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generation.licences import allowed_unasked
from generation.model_files import check_model_folder
from generation.recipe import ShotRender
from generation.registry import Family, get_preset

Kind = Literal["distilled", "lora", "cache"]
Hook = Literal["first_block", "taylorseer"]
QUALITIES = ("draft", "final")


@dataclass(frozen=True)
class FastPath:
    """One fast path. `steps` and `guidance` are the path's own schedule (None: a draft's usual steps, half
    the preset's, or the preset's guidance). `source`: the preset (distilled) or adapter (lora) holding the
    weights. Cache hooks: `hook`, with `threshold` (FirstBlockCache: the relative change of the first
    block's residual below which the other blocks are skipped) or `interval` and `warmup` (TaylorSeer: full
    steps every `interval` after the first `warmup`; `lite` skips whole blocks and predicts the output)."""

    name: str
    kind: Kind
    family: Family
    steps: int | None = None
    guidance: float | None = None
    source: str | None = None
    hook: Hook | None = None
    threshold: float = 0.0
    interval: int = 0
    warmup: int = 0
    lite: bool = False


def _cache(name: str, family: Family, hook: Hook, **settings: float | int | bool) -> FastPath:
    return FastPath(name, "cache", family, hook=hook, **settings)  # type: ignore[arg-type]


FAST_PATHS: dict[str, FastPath] = {
    path.name: path
    for path in (
        FastPath("fastwan2.2-ti2v-5b", "distilled", "wan", steps=3, guidance=1.0, source="fastwan2.2-ti2v-5b"),
        FastPath("tiny-fastwan2.2", "distilled", "wan", steps=3, guidance=1.0, source="tiny-fastwan2.2"),
        # LightX2V-style step and CFG distillation: 4 steps, guidance 1 (its model cards).
        FastPath("tiny-wan-distill-lora", "lora", "wan", steps=4, guidance=1.0, source="tiny-wan-distill-lora"),
        FastPath("tiny-ltx-distill-lora", "lora", "ltx", steps=4, guidance=1.0, source="tiny-ltx-distill-lora"),
        FastPath("tiny-cogvideox-distill-lora", "lora", "cogvideox", steps=4, guidance=1.0,
                 source="tiny-cogvideox-distill-lora"),
        # Drafts: the guide's example threshold; TaylorSeer's defaults in lite mode (whole blocks skipped).
        _cache("wan-first-block-cache", "wan", "first_block", threshold=0.2),
        _cache("ltx-taylorseer", "ltx", "taylorseer", interval=5, warmup=3, lite=True),
        _cache("cogvideox-taylorseer", "cogvideox", "taylorseer", interval=5, warmup=3, lite=True),
        # Finals, when the operator turns cache hooks on: FirstBlockCache's default threshold; TaylorSeer
        # predicting attention outputs only, every block still running its feed-forward.
        _cache("wan-first-block-cache-final", "wan", "first_block", threshold=0.05),
        _cache("ltx-taylorseer-final", "ltx", "taylorseer", interval=5, warmup=3),
        _cache("cogvideox-taylorseer-final", "cogvideox", "taylorseer", interval=5, warmup=3),
    )
}

# Draft paths per preset, preferred first. wan-1.3b has none distilled that runs on stock attention
# (FastWan2.1-T2V-1.3B was trained with VSA sparse attention and needs its kernel), and no distilled
# LoRA is published for the 1.3B, 5B, LTX-Video 2B or CogVideoX-2B architectures: they use cache hooks.
# tiny-wan's LoRA is the twin of the LightX2V path, ready for a 14B preset.
DRAFT_PATHS: dict[str, tuple[str, ...]] = {
    "wan2.2-ti2v-5b": ("fastwan2.2-ti2v-5b", "wan-first-block-cache"),
    "wan-1.3b": ("wan-first-block-cache",),
    "wan-vace-1.3b": ("wan-first-block-cache",),
    "ltx-video": ("ltx-taylorseer",),
    "cogvideox-2b": ("cogvideox-taylorseer",),
    "tiny-wan": ("tiny-wan-distill-lora", "wan-first-block-cache"),
    "tiny-wan2.2": ("tiny-fastwan2.2", "wan-first-block-cache"),
    "tiny-wan-vace": ("wan-first-block-cache",),
    "tiny-ltx": ("ltx-taylorseer",),
    "tiny-cogvideox": ("cogvideox-taylorseer",),
}
FINAL_CACHE: dict[str, str] = {"wan": "wan-first-block-cache-final", "ltx": "ltx-taylorseer-final",
                               "cogvideox": "cogvideox-taylorseer-final"}  # fmt: skip


def get_fast_path(name: str) -> FastPath:
    """The fast path called `name`. Raises KeyError for an unknown one (a recipe from a newer Reelbot)."""
    return FAST_PATHS[name]


def pipeline_preset(recipe: ShotRender) -> str:
    """The preset whose pipeline renders `recipe`: its distilled path's checkpoint, else its own model."""
    path = None if recipe.fast_path is None else FAST_PATHS.get(recipe.fast_path)
    return path.source or recipe.model if path is not None and path.kind == "distilled" else recipe.model


def draft_steps(model: str) -> int:
    """Denoising steps of a draft of `model` on its own schedule: half the preset's, never below its minimum."""
    preset = get_preset(model)
    return max(preset.min_steps, preset.steps // 2)


def path_ready(path: FastPath, models_dir: Path) -> bool:
    """Whether the path's weights are on this host (or built here on first use); cache hooks need none."""
    if path.kind == "cache":
        return True
    if path.kind == "lora":
        from generation.adapters import get_adapter

        adapter = get_adapter(path.source or "")
        return adapter.local or (Path(models_dir) / adapter.name / adapter.filename).is_file()
    preset = get_preset(path.source or "")
    return preset.local or check_model_folder(Path(models_dir) / preset.name, preset) is None


def draft_path(model: str, models_dir: Path, accepted: frozenset[str] = frozenset()) -> FastPath | None:
    """The path drafts of `model` take here: the first of DRAFT_PATHS whose weights are present and whose
    licence is permissive or in `accepted` (the operator's opt-ins); None for a preset without one."""
    for name in DRAFT_PATHS.get(get_preset(model).name, ()):
        path = FAST_PATHS[name]
        if path_ready(path, models_dir) and (path.source is None or allowed_unasked(path.source, accepted)):
            return path
    return None


def as_draft(recipe: ShotRender, path: FastPath | None) -> ShotRender:
    """The recipe as a draft: through `path` with its own steps and guidance, or (None: the server wants
    full-quality drafts, or the preset has no fast path) on the preset's own sampler at draft steps."""
    steps = draft_steps(recipe.model) if path is None or path.steps is None else path.steps
    guidance = recipe.guidance if path is None or path.guidance is None else path.guidance
    return dataclasses.replace(recipe, quality="draft", fast_path=None if path is None else path.name,
                               steps=steps, guidance=guidance)  # fmt: skip


def as_final(recipe: ShotRender, *, cache_finals: bool = False) -> ShotRender:
    """The recipe at its preset's full quality: the preset's steps and guidance where a fast path had set its
    own (else at least the preset's steps), and the family's final cache hook only when the operator turned
    those on."""
    preset = get_preset(recipe.model)
    path = None if recipe.fast_path is None else FAST_PATHS.get(recipe.fast_path)
    # A path's own schedule (3 DMD steps, no CFG) says nothing of the final's: that is the preset's.
    own = path is not None and path.steps is not None
    steps = preset.steps if own else max(recipe.steps, preset.steps)
    guidance = preset.guidance if path is not None and path.guidance is not None else recipe.guidance
    final_path = FINAL_CACHE.get(preset.family) if cache_finals else None
    return dataclasses.replace(recipe, quality="final", fast_path=final_path, steps=steps, guidance=guidance)


