"""Worker behaviour on every way a render can end, with render_shots replaced by scripted fakes (the
real-model path is in test_worker_render.py and test_worker_kill.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from storage_fixtures import submit, tiny_recipe

from generation import assemble
from renderqueue import job_watch
from generation.assemble import ClipOutput
from generation.errors import OutOfMemoryRenderError, PipelineError, RecipeError, RenderCancelled
from generation.recipe import ShotRender
from generation.registry import clip_models, get_preset, validate_recipe
from renderqueue.supervisor import supervise
from renderqueue.outcomes import shrink_recipe
from renderqueue.rendering import process_job
from renderqueue.worker import run_worker
from renderqueue.worker_config import EXIT_HUNG, WorkerConfig
from renderqueue.settings import WorkerSettings
from storage.clips import get_clip
from storage.db import open_db
from renderqueue.jobs import cancel_job, claim_next, get_job
from storage.model_stats import get_model_stats
from storage.workers import live_workers, register_worker



class FakePipelines:
    """Claims the tiny model is loaded, so the worker never loads a real one."""

    device = "cpu"

    def loaded(self) -> list[str]:
        return ["tiny-wan"]

    def has_loaded(self, preset_name: str) -> bool:
        return preset_name == "tiny"

    def get(self, name: str, *, i2v: bool = False, v2v: bool = False) -> None:
        raise AssertionError("the fake renders must not load models")


@pytest.fixture
def config(tmp_path, db_path) -> WorkerConfig:
    return WorkerConfig(
        db_path=db_path,
        media_dir=tmp_path / "media",
        models_dir=tmp_path / "models",
        worker_id="test-worker",
        settings=WorkerSettings(
            poll_interval_s=0.02, heartbeat_interval_s=0.02, progress_interval_s=0.05, job_timeout_s=30.0
        ),
    )


class FakeRendered:
    """What render_shots hands the worker: `finish` writes the clip and the storyboard."""

    def __init__(self, out_dir: Path, shots: int) -> None:
        self.out_dir, self.shots = out_dir, shots

    def finish(self, on_progress) -> ClipOutput:
        (self.out_dir / "clip.mp4").write_bytes(b"clip")
        (self.out_dir / "storyboard.png").write_bytes(b"png")
        on_progress(1.0, "Done")
        return ClipOutput(self.out_dir / "clip.mp4", self.out_dir / "storyboard.png", [], self.shots, 0, 0.25 * self.shots)


def with_settings(config: WorkerConfig, **changes) -> WorkerConfig:
    return replace(config, settings=config.settings.model_copy(update=changes))


def fake_render(behaviour):
    """A render_shots stand-in: `behaviour(call_index, recipes, kwargs)` runs first (may raise), then
    every shot is 'rendered' (recorded in the cache)."""
    calls: list[list[ShotRender]] = []

    def render_shots(recipes, captions, *, out_dir, record, on_progress, should_cancel, **kwargs):
        calls.append(recipes)
        behaviour(len(calls) - 1, recipes, should_cancel)
        out_dir.mkdir(parents=True, exist_ok=True)
        for index, recipe in enumerate(recipes):
            shot = out_dir / f"shot-{index}.mp4"
            shot.write_bytes(b"shot")
            record(recipe.content_hash(), shot, 0.25)
            on_progress((index + 1) / len(recipes) * 0.9, f"Rendering shot {index + 1}/{len(recipes)}")
        return FakeRendered(out_dir, len(recipes))

    render_shots.calls = calls
    return render_shots


def run_once(db, config, stop=None):
    job = claim_next(db, config.worker_id, loaded_model="tiny")
    assert job is not None
    process_job(db, job, FakePipelines(), config, stop or threading.Event())
    return get_job(db, job.id)


def test_success_stores_shots_progress_stats_and_ready_clip(db, config, monkeypatch):
    render = fake_render(lambda *_: None)
    monkeypatch.setattr(assemble, "render_shots", render)
    writes: list[float] = []
    real_update = job_watch.update_progress
    monkeypatch.setattr(job_watch, "update_progress", lambda *a, **k: writes.append(a[2]) or real_update(*a, **k))
    job = submit(db, recipes=[tiny_recipe(0), tiny_recipe(1)])

    done = run_once(db, config)

    assert (done.status, done.progress, done.attempts) == ("done", 1.0, 1)
    clip = get_clip(db, job.clip_id)
    assert clip.status == "ready" and Path(clip.video_path).name == "clip.mp4"
    cached = sorted(p.name for p in (config.media_dir / "renders").iterdir())
    assert cached == sorted(f"{ShotRender.from_dict(r).content_hash()}.mp4" for r in clip.recipes)
    assert writes == sorted(writes) and writes[-1] == 1.0 and len(writes) <= 3, "latest progress, a few writes"
    stats = get_model_stats(db, "tiny")
    work = 2 * 2 * 2 * 5 * 64 * 64 / 1e6  # two shots of 2 steps (2 passes each, CFG) x 5 frames x 64x64
    assert stats.samples == 1 and stats.seconds_per_unit == pytest.approx(0.5 / work)


def test_out_of_memory_retries_smaller_then_succeeds(db, config, monkeypatch):
    def oom_first(call, recipes, should_cancel):
        if call == 0:
            raise OutOfMemoryRenderError("The GPU ran out of memory.", detail="CUDA OOM")

    render = fake_render(oom_first)
    monkeypatch.setattr(assemble, "render_shots", render)
    job = submit(db, recipes=[tiny_recipe(0, frames=9), tiny_recipe(1, frames=9)])

    retried = run_once(db, config)
    assert (retried.status, retried.attempts) == ("queued", 1)
    assert "retrying at a smaller size (48x48, 9 frames)" in str(retried.reason)
    assert {(r["width"], r["height"]) for r in get_clip(db, job.clip_id).recipes} == {(48, 48)}
    assert retried.cost_estimate == pytest.approx(2 * 2 * 2 * 9 * 48 * 48 / 1e6)  # shots x steps x CFG passes

    done = run_once(db, config)
    assert (done.status, done.attempts) == ("done", 2)
    assert [(r.width, r.num_frames) for r in render.calls[1]] == [(48, 9), (48, 9)]


def test_out_of_memory_every_time_fails_clearly_after_max_attempts(db, config, monkeypatch):
    def always_oom(call, recipes, should_cancel):
        raise OutOfMemoryRenderError("The GPU ran out of memory.")

    monkeypatch.setattr(assemble, "render_shots", fake_render(always_oom))
    job = submit(db)
    states = [run_once(db, config) for _ in range(3)]
    assert [s.status for s in states] == ["queued", "queued", "failed"]
    assert states[-1].attempts == 3
    assert str(states[-1].reason).startswith(f"Clip #{job.clip_id} ran out of GPU memory, even at 32x32")
    assert get_clip(db, job.clip_id).status == "failed"
    assert claim_next(db, "w", loaded_model=None) is None


def test_shrunk_recipes_stay_valid_for_every_preset():
    for preset in map(get_preset, clip_models()):
        recipe, seen = preset.recipe("a cat", "", 1), 0
        while (recipe := shrink_recipe(recipe)) is not None:
            validate_recipe(recipe)
            seen += 1
        assert seen <= 12


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (PipelineError("The tiny model failed while rendering this shot."), "queued", "model failed"),
        (RecipeError("Too many frames: tiny renders at most 17 frames."), "failed", "Too many frames"),
        (ValueError("boom"), "failed", "Something went wrong while rendering clip #"),
    ],
)
def test_render_errors_fail_or_retry_with_a_user_message(db, config, monkeypatch, error, status, message):
    def fail(*_):
        raise error

    monkeypatch.setattr(assemble, "render_shots", fake_render(fail))
    submit(db)
    ended = run_once(db, config)
    assert ended.status == status
    assert message in str(ended.reason)
    if isinstance(error, ValueError):
        assert "ValueError: boom" in ended.error_detail


def spin(seconds: float):
    """A render that polls should_cancel between 'steps', like render_shot does."""

    def behaviour(call, recipes, should_cancel):
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            if should_cancel():
                raise RenderCancelled("The render was cancelled.")
            time.sleep(0.01)

    return behaviour


def test_job_timeout_fails_the_job(db, config, monkeypatch):
    monkeypatch.setattr(assemble, "render_shots", fake_render(spin(10.0)))
    job = submit(db)
    started = time.monotonic()
    ended = run_once(db, with_settings(config, job_timeout_s=0.3))
    assert time.monotonic() - started < 3.0
    assert ended.status == "failed"
    assert str(ended.reason) == (
        f"Clip #{job.clip_id} took longer than 0.3 seconds to render, so it was stopped. "
        "Try fewer or shorter shots, or a lighter model."
    )


def test_cancel_by_owner_stops_a_running_render(db, db_path, config, monkeypatch):
    monkeypatch.setattr(assemble, "render_shots", fake_render(spin(10.0)))
    job = submit(db, user_id=5)

    def cancel_soon() -> None:
        time.sleep(0.2)
        cancel_job(open_db(db_path), job.id, by_user_id=5, can_moderate=False)

    canceller = threading.Thread(target=cancel_soon)
    canceller.start()
    started = time.monotonic()
    ended = run_once(db, config)
    canceller.join()
    assert time.monotonic() - started < 3.0
    assert ended.status == "cancelled"
    assert get_clip(db, job.clip_id).status == "cancelled"


def test_shutdown_hands_the_job_back_without_using_an_attempt(db, config, monkeypatch):
    monkeypatch.setattr(assemble, "render_shots", fake_render(spin(10.0)))
    submit(db)
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    ended = run_once(db, config, stop)
    assert (ended.status, ended.attempts) == ("queued", 0)


def test_a_render_that_ignores_its_timeout_ends_the_worker_process(db, config, monkeypatch):
    def hang(*_):
        time.sleep(1.0)  # never polls should_cancel, like a stuck kernel

    exits: list[int] = []
    monkeypatch.setattr(assemble, "render_shots", fake_render(hang))
    monkeypatch.setattr(os, "_exit", exits.append)
    job = submit(db)
    ended = run_once(db, with_settings(config, job_timeout_s=0.2, hang_grace_s=0.2))
    assert exits and set(exits) == {EXIT_HUNG}
    assert ended.status == "failed" and "took longer than" in str(ended.reason)
    assert get_clip(db, job.clip_id).status == "failed"


def test_run_worker_drains_the_queue_and_recovers_orphans(db, config, monkeypatch):
    monkeypatch.setattr(assemble, "render_shots", fake_render(lambda *_: None))
    # A job left running by a worker process on this host that no longer exists.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    register_worker(db, "crashed", host=socket.gethostname(), pid=dead.pid)
    orphan = submit(db, user_id=1)
    claim_next(db, "crashed", loaded_model=None)
    fresh = [submit(db, user_id=2), submit(db, user_id=3)]

    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(config, stop), kwargs={"pipelines": FakePipelines()})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(get_job(db, j.id).status != "done" for j in (orphan, *fresh)):
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert [get_job(db, j.id).status for j in (orphan, *fresh)] == ["done"] * 3
    assert (get_job(db, orphan.id).attempts, get_job(db, orphan.id).vanished) == (1, 1)
    assert live_workers(db) == [], "workers unregister on the way out"


def test_supervisor_restarts_exited_workers_and_stops_the_last(config, monkeypatch, tmp_path):
    starts = tmp_path / "starts"
    # Each child notes its start; the first two exit at once (a crash), the third keeps running.
    script = (
        f"import pathlib, time; p = pathlib.Path({str(starts)!r}); p.write_text(p.read_text() + 'x' "
        "if p.exists() else 'x'); time.sleep(0 if len(p.read_text()) < 3 else 60)"
    )
    config = replace(config, process_command=(sys.executable, "-c", script))
    stop = threading.Event()
    thread = threading.Thread(target=supervise, args=(config, stop), kwargs={"restart_delay": 0.01})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (starts.exists() and len(starts.read_text()) >= 3):
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive(), "stop must end the running child and return"
    assert starts.read_text() == "xxx"


def test_run_worker_finishes_a_job_while_the_next_one_renders(db, config, monkeypatch):
    """Job 1's finish (stitch, storyboard) is held until job 2's render has started."""
    second_render = threading.Event()
    finished: list[int] = []
    render = fake_render(lambda call, *_: second_render.set() if call == 1 else None)

    class HeldFinish(FakeRendered):
        def finish(self, on_progress):
            if not finished:
                assert second_render.wait(10), "job 1 must finish beside job 2's render"
            finished.append(self.shots)
            return super().finish(on_progress)

    def render_shots(recipes, captions, **kwargs):
        done = render(recipes, captions, **kwargs)
        return HeldFinish(done.out_dir, done.shots)

    monkeypatch.setattr(assemble, "render_shots", render_shots)
    jobs = [submit(db, user_id=1, recipes=[tiny_recipe(0)]), submit(db, user_id=2, recipes=[tiny_recipe(1)] * 2)]
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(config, stop), kwargs={"pipelines": FakePipelines()})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(get_job(db, j.id).status != "done" for j in jobs):
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert [get_job(db, j.id).status for j in jobs] == ["done", "done"]
    assert finished == [1, 2], "completions keep claim order"
