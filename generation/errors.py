"""Typed render errors, under the one root `common.errors.ReelbotError` (code, message, detail)."""
from __future__ import annotations

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
