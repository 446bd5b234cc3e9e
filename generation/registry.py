"""Model presets by name: look one up, list those that can start from a picture, validate a recipe.

The presets themselves are in generation.preset_table; what a preset is, in generation.preset.
"""
from __future__ import annotations

from generation.errors import RecipeError
from generation.preset import ASPECTS, MAX_SEED, MAX_STEPS, Aspect, Family, ModelPreset
from generation.preset_table import PRESETS
from generation.recipe import ShotRender

__all__ = ["ALIASES", "ASPECTS", "MAX_SEED", "MAX_STEPS", "PRESETS", "Aspect", "Family", "ModelPreset",
           "canonical_name", "clip_models", "get_preset", "i2v_models", "reference_models", "validate_recipe"]


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
    if recipe.i2v and not preset.supports_i2v:
        raise RecipeError("{model} can't continue from an image. Models that can: {able}.", model=preset.name,
                          able=", ".join(i2v_models()), code="model_no_i2v")
    preset.check(recipe)
