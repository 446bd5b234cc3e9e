"""Live progress in the console: one line per clip that moves in place on a terminal (rich's Progress:
queue position, shot n/N and denoising step, a bar, the ETA), plain lines elsewhere (a pipe, a log, a
test), printed only when what they say changes."""
from __future__ import annotations

import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn

from bot.embeds import format_eta, remaining_seconds
from bot.i18n import _
from bot.stages import place_text, stage_text, waiting_reason
from studio.job_views import JobView

# The denoising step the worker reports after the stage: "rendering shot 2/3 (step 4/30)".
_STEP_MARK = " (step "


def stage_with_step(stage: str | None) -> str:
    """`Rendering shot 2/3 · step 4/30`: the stage as members read it, with the step when the worker gave one
    (a terminal line is rewritten in place, so every step may show)."""
    text = stage_text(stage)
    if stage and _STEP_MARK in stage:
        step = stage.split(_STEP_MARK, 1)[1].rstrip(")")
        return _("{stage} · step {step}", stage=text, step=step)
    return text


def status_text(view: JobView, now: float) -> str:
    """What a clip's line says besides its bar: queued with its place, or its stage; then the ETA."""
    job = view.job
    remaining = remaining_seconds(view, now)
    eta = _(" · ETA {eta}", eta=format_eta(remaining)) if remaining is not None else ""
    if job.status == "queued":
        place = place_text(view.estimate) if view.estimate is not None else _("queued")
        return _("clip #{clip_id} · queued · {place}{eta}", clip_id=view.clip.id, place=place, eta=eta) + waiting_reason(job)
    return _("clip #{clip_id} · {stage}{eta}", clip_id=view.clip.id, stage=stage_with_step(job.stage), eta=eta)


class LiveProgress:
    """Progress of the clips a console session follows, written to `out`."""

    def __init__(self, out: TextIO, *, terminal: bool | None = None) -> None:
        """`terminal`: draw live lines (True) or print plain ones (False); None asks whether `out` is one."""
        self.out = out
        self.console = Console(file=out, highlight=False, force_terminal=terminal)
        self.live = self.console.is_terminal
        self._progress: Progress | None = None
        self._tasks: dict[int, TaskID] = {}
        self._printed: dict[int, str] = {}

    def show(self, view: JobView) -> None:
        """Show the clip's latest state (a finished job's line is removed: its result is printed instead)."""
        text = status_text(view, time.time())
        if not self.live:
            if view.job.status in ("queued", "running") and self._printed.get(view.job.id) != text:
                self._printed[view.job.id] = text
                bar = "#" * round(view.job.progress * 20)
                print(f"[{bar:<20}] {view.job.progress:4.0%} {text}", file=self.out, flush=True)
            return
        progress = self._running()
        task = self._tasks.get(view.job.id)
        if view.job.status not in ("queued", "running"):
            if task is not None:
                progress.remove_task(self._tasks.pop(view.job.id))
            if not self._tasks:
                progress.stop()
                self._progress = None
            return
        if task is None:
            task = self._tasks[view.job.id] = progress.add_task(text, total=1.0)
        progress.update(task, completed=view.job.progress, description=text)

    def _running(self) -> Progress:
        if self._progress is None:
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                      console=self.console, transient=True)  # fmt: skip
            self._progress.start()
        return self._progress

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
