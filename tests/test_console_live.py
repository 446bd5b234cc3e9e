"""The console's live progress (bot/console/live.py): on a terminal, rich redraws one line per clip with its
place or shot and step, a bar and the ETA, and removes it when the clip is done; elsewhere plain lines, only
when what they say changes."""
from __future__ import annotations

import io
from dataclasses import replace

from bot.console.live import LiveProgress, stage_with_step
from studio.job_views import JobView
from studio.records import QueueEstimate
from studio_fixtures import ALICE


async def test_a_terminal_gets_one_live_line_per_clip(studio) -> None:  # noqa: ANN001
    accepted = await studio.create(ALICE, "a cat on a boat")
    out = io.StringIO()
    live = LiveProgress(out, terminal=True)
    live.show(JobView(accepted.job, accepted.clip, QueueEstimate(2, 95.0)))
    running = replace(accepted.job, status="running", progress=0.4, stage="rendering shot 2/3 (step 4/30)",
                      started_at=None)
    live.show(JobView(running, accepted.clip, QueueEstimate(0, 20.0)))
    live.live and live._progress.refresh()  # type: ignore[union-attr]
    drawn = out.getvalue()
    assert "clip #1 · Rendering shot 2/3 · step 4/30 · ETA 20s" in drawn and "40%" in drawn and "\x1b[" in drawn
    live.show(JobView(replace(running, status="done", progress=1.0), accepted.clip, None))
    assert live._progress is None  # the line is gone once the clip is done: its result is printed instead


async def test_elsewhere_plain_lines_only_when_they_change(studio) -> None:  # noqa: ANN001
    accepted = await studio.create(ALICE, "a cat on a boat")
    out = io.StringIO()
    live = LiveProgress(out)
    queued = JobView(accepted.job, accepted.clip, QueueEstimate(2, 95.0))
    live.show(queued)
    live.show(queued)
    assert out.getvalue().splitlines() == ["[                    ]   0% clip #1 · queued · position 2 · ETA 1m 40s"]
    assert stage_with_step("stitching shots") == "Stitching shots"
