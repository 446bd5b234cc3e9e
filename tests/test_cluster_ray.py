"""The dispatcher on a real Ray runtime: one `ray.init` for this module with two fake GPUs, render
actors rendering the tiny preset on CPU. Ray is only ever shut down with `ray.shutdown()`."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest
import ray_fakes
from dispatch_fakes import dispatching, wait_for, with_settings
from ray_fakes import HANG
from storage_fixtures import submit, tiny_recipe

from generation.encoding import probe
from renderqueue import worker
from renderqueue.jobs import cancel_job, get_job, queue_estimates
from renderqueue.settings import WorkerSettings
from renderqueue.worker import WorkerConfig
from storage.clips import get_clip

ray = pytest.importorskip("ray")
from renderqueue.ray_executor import RayExecutor  # noqa: E402  (needs Ray)

TESTS = Path(__file__).resolve().parent
# Actor start-up imports torch and diffusers; on 2 busy cores that takes a while.
ACTOR_START_S = 90.0


@pytest.fixture(scope="module")
def ray_runtime():
    # Ray's Unix sockets live under the temp dir, and socket paths are limited to ~100 characters.
    temp_dir = tempfile.mkdtemp(prefix="rb-", dir="/tmp")
    ray.init(
        num_cpus=2,
        num_gpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _temp_dir=temp_dir,
        runtime_env={"env_vars": {"PYTHONPATH": str(TESTS)}},
    )
    yield
    ray.shutdown()
    shutil.rmtree(temp_dir, ignore_errors=True)


class Borrowed:
    """The module's executor lent to one test's dispatcher, which must not close it."""

    def __init__(self, executor: RayExecutor) -> None:
        self._executor = executor

    def __getattr__(self, name: str):
        return getattr(self._executor, name)

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def shared_executor(ray_runtime, tiny_models_dir):
    executor = RayExecutor(
        tiny_models_dir,
        device="cpu",
        actor_options={"progress_interval": 0.1, "shot_renderer": ray_fakes.render_or_hang},
    )
    wait_for(lambda: len(executor.refresh()) == 2, timeout=ACTOR_START_S, what="two render actors")
    yield executor
    executor.close()


@pytest.fixture
def executor(shared_executor):
    # A test that killed an actor leaves its replacement starting; wait for it.
    wait_for(lambda: len(shared_executor.refresh()) == 2, timeout=ACTOR_START_S, what="two render actors")
    return Borrowed(shared_executor)


@pytest.fixture
def config(tmp_path, db_path, tiny_models_dir) -> WorkerConfig:
    return WorkerConfig(
        db_path=db_path,
        media_dir=tmp_path / "media",
        models_dir=tiny_models_dir,
        worker_id="dispatcher",
        settings=WorkerSettings(
            device="cpu", poll_interval_s=0.05, heartbeat_interval_s=0.2, progress_interval_s=0.0, job_timeout_s=120.0,
            hang_grace_s=3.0,
        ),
    )


def slow_recipe(index: int, steps: int) -> dict:
    return {**tiny_recipe(index), "steps": steps}


def slot_of(executor, worker_id: str):
    return next(slot for slot in executor.refresh() if slot.id == worker_id)


def test_two_members_two_clips_each_on_two_actors(db, config, executor, monkeypatch):
    writes: dict[int, list[float]] = {}
    real_update = worker.update_progress

    def update_progress(database, job_id, progress, *args, **kwargs):
        writes.setdefault(job_id, []).append(progress)
        return real_update(database, job_id, progress, *args, **kwargs)

    monkeypatch.setattr(worker, "update_progress", update_progress)
    jobs = [
        submit(db, user_id=user, recipes=[tiny_recipe(10 * user + clip), tiny_recipe(10 * user + clip + 5)])
        for user in (1, 2)
        for clip in (0, 1)
    ]
    estimates = queue_estimates(db)
    predicted = sorted(estimates, key=lambda job_id: estimates[job_id].position)

    with dispatching(config, executor):
        wait_for(lambda: all(get_job(db, job.id).status == "done" for job in jobs), timeout=60, what="four clips")

    done = [get_job(db, job.id) for job in jobs]
    assert {job.worker_id for job in done} == {slot.id for slot in executor.refresh()}, "both actors rendered"
    assert [row[0] for row in db.execute("SELECT id FROM jobs ORDER BY started_at").fetchall()] == predicted
    for job in done:
        assert probe(get_clip(db, job.clip_id).video_path).frame_count == 10
        assert writes[job.id] == sorted(writes[job.id]) and writes[job.id][-1] == 1.0, "progress only moves forward"
    infos = ray.get([executor.actor(slot).info.remote() for slot in executor.refresh()])
    assert [info["loads"] for info in infos] == [1, 1], "each actor loaded the model once"


def test_cancel_mid_job_stops_the_render_and_keeps_the_actor_with_its_model(db, config, executor):
    job = submit(db, recipes=[slow_recipe(0, steps=40)])

    with dispatching(config, executor):
        wait_for(lambda: "(step " in (get_job(db, job.id).stage or ""), timeout=30, what="the render to start")
        slot = slot_of(executor, get_job(db, job.id).worker_id)
        cancel_job(db, job.id, by_user_id=1, can_moderate=False)
        cancelled_at = time.monotonic()
        # The actor is free again within a few steps, far sooner than the ~10 s the shot would take.
        assert executor.ping(slot, timeout=8.0) == "tiny-wan"
        stopped_after = time.monotonic() - cancelled_at

    assert get_job(db, job.id).status == "cancelled"
    assert stopped_after < 5.0
    assert db.execute("SELECT COUNT(*) FROM renders").fetchone()[0] == 0
    assert ray.get(executor.actor(slot).info.remote())["loads"] == 1, "the actor kept its model"


def test_an_actor_killed_mid_job_is_retried_from_the_shots_it_streamed(db, config, executor):
    job = submit(db, recipes=[slow_recipe(0, steps=4), slow_recipe(1, steps=12), slow_recipe(2, steps=4)])

    with dispatching(config, executor):
        wait_for(lambda: db.execute("SELECT COUNT(*) FROM renders").fetchone()[0] >= 1, timeout=60, what="a first shot")
        first_shot = db.execute("SELECT recipe_hash, created_at FROM renders").fetchall()
        victim = get_job(db, job.id).worker_id
        ray.kill(executor.actor(slot_of(executor, victim)))
        wait_for(lambda: get_job(db, job.id).status == "done", timeout=60, what="the retry")

    done = get_job(db, job.id)
    assert done.attempts == 2 and done.worker_id != victim
    assert "went away; it will be tried again" in (done.error or "")
    kept = db.execute("SELECT recipe_hash, created_at FROM renders WHERE recipe_hash = ?", (first_shot[0][0],))
    assert kept.fetchall() == first_shot[:1], "attempt 2 reused the shot attempt 1 streamed"
    assert probe(get_clip(db, job.clip_id).video_path).frame_count == 15


def test_a_render_past_its_timeout_gets_its_actor_killed_and_restarted(db, config, executor):
    job = submit(db, recipes=[{**tiny_recipe(0), "prompt": f"{HANG}: a cat on a boat"}])
    short = with_settings(config, job_timeout_s=2.0, hang_grace_s=2.0)
    before = {slot.id: slot for slot in executor.refresh()}
    actors = {slot_id: executor.actor(slot) for slot_id, slot in before.items()}

    with dispatching(short, executor):
        wait_for(lambda: get_job(db, job.id).status == "failed", timeout=20, what="the timeout")
        stuck = before[get_job(db, job.id).worker_id]
        [fresh] = wait_for(
            lambda: [slot for slot in executor.refresh() if slot.id not in before],
            timeout=ACTOR_START_S,
            what="a new actor",
        )

    failed = get_job(db, job.id)
    assert failed.error.startswith(f"Clip #{job.clip_id} took longer than 2 seconds to render")
    assert stuck.id not in {slot.id for slot in executor.refresh()} and fresh.pid != stuck.pid
    with pytest.raises(ray.exceptions.RayActorError):
        ray.get(actors[stuck.id].info.remote(), timeout=30)


def test_the_ray_backend_swaps_local_workers_for_a_dispatcher(ray_runtime, tmp_path):
    from renderqueue.dispatcher import Dispatcher
    from studio.config import load_config
    from studio.runtime import workers_for

    config = load_config(tmp_path / "none.toml", home=tmp_path, cluster={"backend": "ray"})
    dispatcher = workers_for(config, count=3)
    assert isinstance(dispatcher, Dispatcher) and isinstance(dispatcher.executor, RayExecutor)
    assert dispatcher.executor.models_dir == str((tmp_path / "models").resolve())
    assert dispatcher.executor.max_actors is None, "max_gpus = 0 means every GPU of the cluster"
