"""Typed render errors. Each carries `user_message`: friendly, specific, safe to show in chat."""
from __future__ import annotations


class RenderError(Exception):
    def __init__(self, user_message: str, *, detail: str = "") -> None:
        # str() carries both for logs; only user_message is ever shown to users.
        super().__init__(f"{user_message} [{detail}]" if detail else user_message)
        self.user_message = user_message
        self.detail = detail


class RecipeError(RenderError):
    """The recipe asks for something the model cannot do (bad size, too many frames, unknown model...)."""


class OutOfMemoryRenderError(RenderError):
    """The accelerator ran out of memory; retrying smaller may work."""


class RenderCancelled(RenderError):
    """Someone cancelled the render; raised between denoising steps."""


class RenderTimeout(RenderError):
    """The render ran past its time budget; raised between denoising steps."""


class PipelineError(RenderError):
    """The model failed to load or crashed while rendering."""


class EncodeError(RenderError):
    """A video could not be encoded, decoded or fitted under a size limit."""
