"""Typed render errors, under the one root `common.errors.ReelbotError` (code, message, detail)."""
from __future__ import annotations

from typing import Any

from common.errors import ReelbotError


class RenderError(ReelbotError):
    """A shot or clip could not be rendered."""

    code = "render_failed"


class RecipeError(RenderError):
    """The recipe asks for something the model cannot do (bad size, too many frames, unknown model...)."""

    code = "recipe_invalid"


class OutOfMemoryRenderError(RenderError):
    """The accelerator ran out of memory; retrying smaller may work."""

    code = "out_of_memory"


class RenderCancelled(RenderError):
    """Someone cancelled the render; raised between denoising steps."""

    code = "render_cancelled"


class RenderTimeout(RenderError):
    """The render ran past its time budget; raised between denoising steps."""

    code = "render_timeout"


class PipelineError(RenderError):
    """The model failed to load or crashed while rendering."""

    code = "pipeline_failed"


class EncodeError(RenderError):
    """A video could not be encoded, decoded or fitted under a size limit."""

    code = "encode_failed"


class ModelUnavailableError(RenderError):
    """This model can't be loaded on this host until the operator acts (download it, install a package,
    fix the folder or the GPU setup). `fix` says how, for logs, `reelbot models pull` and `reelbot doctor`.
    Retrying won't help, and other models keep working."""

    code = "model_unavailable"

    def __init__(self, template: str, *, fix: str = "", detail: str = "", **params: Any) -> None:
        super().__init__(template, detail="; ".join(part for part in (fix, detail) if part), **params)
        self.fix = fix


class NonFiniteOutputError(RenderError):
    """The model produced NaN or infinite pixels (a known half-precision fault), even after a retry."""

    code = "non_finite_output"
