"""Stand-ins that Ray actors import in tests (the test session puts tests/ on their PYTHONPATH)."""

from __future__ import annotations

import time


def render_ignoring_cancel(recipe, pipelines, *, on_step=None, should_cancel=None):
    """A shot render stuck in one step, deaf to cancellation, as a hung kernel or driver would be."""
    if on_step is not None:
        on_step(1, recipe.steps)
    time.sleep(600)
    raise AssertionError("a stuck render should have been killed with its actor")
