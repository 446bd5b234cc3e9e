"""What Ray actors import in tests (the test runtime puts tests/ on their PYTHONPATH)."""

from __future__ import annotations

import time
from pathlib import Path

from generation.errors import RenderCancelled
from generation.render import render_shot

HANG = "a render that hangs"
# f"{GATE} {path}: prompt": the render waits until the file at `path` exists (stopping if cancelled).
GATE = "a render that waits for"


def render_or_hang(recipe, pipelines, *, on_step=None, should_cancel=None):
    """`render_shot`, except that a recipe whose prompt starts with HANG gets stuck in its first step,
    deaf to cancellation, as a hung kernel or driver would, and one whose prompt starts with GATE waits
    for its gate file first."""
    if recipe.prompt.startswith(GATE):
        gate = Path(recipe.prompt.removeprefix(GATE).split(":")[0].strip())
        while not gate.exists():
            if should_cancel is not None and should_cancel():
                raise RenderCancelled("The render was cancelled.")
            time.sleep(0.05)
    if not recipe.prompt.startswith(HANG):
        return render_shot(recipe, pipelines, on_step=on_step, should_cancel=should_cancel)
    if on_step is not None:
        on_step(1, recipe.steps)
    time.sleep(600)
    raise AssertionError("a stuck render should have been killed with its actor")
