"""A stills job's progress rises over the whole board: the stills done plus the current one's steps, over
the count, as the console's bar and Discord's progress line show it (it used to start again from 0% at
every still: "50% · Still of shot 3", then "0% · Still of shot 4")."""
from __future__ import annotations

import dataclasses

from stills_fixtures import ALICE, REQUEST

from bot.console.live import stage_with_step
from bot.i18n import use
from renderqueue import job_watch
from renderqueue.settings import WorkerSettings
from studio.requests import VideoOptions


async def test_stills_progress_rises_over_the_whole_board(stills_studio, stills_worker, monkeypatch):
    writes: list[tuple[float, str]] = []
    real_update = job_watch.update_progress
    monkeypatch.setattr(job_watch, "update_progress", lambda *a, **k: writes.append(a[2:4]) or real_update(*a, **k))
    stills_worker.config = dataclasses.replace(
        stills_worker.config, settings=WorkerSettings(device="cpu", progress_interval_s=0.0))
    accepted = await stills_studio.create(ALICE, REQUEST, VideoOptions(shots=3, takes=2))
    stills_worker.run()
    fractions = [fraction for fraction, _stage in writes]
    assert fractions == sorted(fractions), writes  # never backwards
    assert fractions[-1] == 1.0
    stages = [stage for _fraction, stage in writes]
    # Six stills (three shots, two takes): the last ones are counted over all six, well past the start.
    late = [fraction for fraction, stage in writes if stage.startswith("Rendering still 6/6")]
    assert late and min(late) >= 5 / 6 - 1e-9, writes
    assert any(0.3 < fraction < 0.7 for fraction in fractions), writes
    # As members read it, in their language.
    step = next(stage for stage in stages if "(step" in stage)
    assert stage_with_step(step).startswith("Rendering still ") and " · step " in stage_with_step(step)
    with use("ja"):
        assert "Rendering" not in stage_with_step(step)
    assert accepted.job.kind == "stills"
