"""The dispatcher on a real Ray runtime: one two-node cluster for this module, both nodes on this machine
and on loopback, each with one fake GPU and started the way `reelbot gpu-node` starts a GPU host
(declared presets as custom resources, the models folder in the node's environment); the head is also
the bot host. Render actors render the tiny presets on CPU. The last test removes the second node.
Ray is only ever shut down with `ray.shutdown()` and the test cluster's own shutdown."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import ray_fakes
from dispatch_fakes import dispatching, wait_for, with_settings
from PIL import Image
from ray_fakes import GATE, HANG
from storage_fixtures import submit, tiny_recipe

from generation.assemble import render_clip
from generation.encoding import probe, read_frame
from generation.recipe import ShotRender
from renderqueue import job_watch
from renderqueue.cluster import MODELS_DIR_ENV, PRESET_RESOURCE
from renderqueue.estimates import queue_estimates
from renderqueue.jobs import cancel_job, get_job
from renderqueue.settings import WorkerSettings
from renderqueue.worker_config import WorkerConfig
from storage.clips import get_clip

ray = pytest.importorskip("ray")
from ray._private import ray_constants  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from renderqueue.ray_executor import SINGLE_HOST_ENV, RayExecutor  # noqa: E402  (needs Ray)

TESTS = Path(__file__).resolve().parent
# Actor start-up imports torch and diffusers; on 2 busy cores that takes a while.
ACTOR_START_S = 90.0


@pytest.fixture(scope="module")
def ray_cluster(tiny_models_dir):
    """(cluster, the second node). Both nodes get the tiny models folder through their environment."""
    if ray.is_initialized():  # another module's runtime; this module needs its own cluster
        ray.shutdown()
    # Short (Ray's Unix socket paths are limited to ~100 characters) and private: Cluster writes its
    # address under $RAY_TMPDIR/ray, which would otherwise be the machine-wide /tmp/ray.
    temp_dir = tempfile.mkdtemp(prefix="rbc-", dir="/tmp")
    (Path(temp_dir) / "ray").mkdir()
    gpu_host = {
        "num_cpus": 1,
        "num_gpus": 1,
        "resources": {f"{PRESET_RESOURCE}tiny": 1},
        "env_vars": {MODELS_DIR_ENV: str(tiny_models_dir)},
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_TMPDIR", temp_dir)
        # What `bind_to_loopback` does for a one-machine cluster, undone after this module.
        patch.setenv(SINGLE_HOST_ENV, "0")
        patch.setattr(ray_constants, "ENABLE_RAY_CLUSTER", False)
        cluster = Cluster(initialize_head=True, head_node_args={**gpu_host, "include_dashboard": False})
        second = cluster.add_node(**gpu_host)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": str(TESTS)}})
        yield cluster, second
        ray.shutdown()
        cluster.shutdown()
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
def shared_executor(ray_cluster, tmp_path_factory):
    # A models folder that does not exist here: actors must use the one their node declared.
    executor = RayExecutor(
        tmp_path_factory.mktemp("not-on-gpu-hosts") / "models",
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
    real_update = job_watch.update_progress

    def update_progress(database, job_id, progress, *args, **kwargs):
        writes.setdefault(job_id, []).append(progress)
        return real_update(database, job_id, progress, *args, **kwargs)

    monkeypatch.setattr(job_watch, "update_progress", update_progress)
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
    assert (done.attempts, done.vanished) == (1, 1) and done.worker_id != victim
    assert "went away; it will be tried again" in str(done.reason)
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
    assert str(failed.reason).startswith(f"Clip #{job.clip_id} took longer than 2 seconds to render")
    assert stuck.id not in {slot.id for slot in executor.refresh()} and fresh.pid != stuck.pid
    with pytest.raises(ray.exceptions.RayActorError):
        ray.get(actors[stuck.id].info.remote(), timeout=30)


def test_the_ray_backend_swaps_local_workers_for_a_dispatcher(ray_cluster, tmp_path):
    from renderqueue.dispatcher import Dispatcher
    from studio.config import load_config
    from studio.runtime import workers_for

    config = load_config(tmp_path / "none.toml", home=tmp_path, cluster={"backend": "ray"})
    dispatcher = workers_for(config, count=3)
    assert isinstance(dispatcher, Dispatcher) and isinstance(dispatcher.executor, RayExecutor)
    assert dispatcher.executor.models_dir == str((tmp_path / "models").resolve())
    assert dispatcher.executor.max_actors is None, "max_gpus = 0 means every GPU of the cluster"


def test_a_picture_clip_continues_shot_to_shot_on_the_cluster_as_it_does_locally(db, config, executor, pipelines,
                                                                                  tmp_path):  # fmt: skip
    picture = tmp_path / "picture.png"
    Image.new("RGB", (64, 64), (30, 120, 200)).save(picture)
    first = ShotRender.from_dict({**tiny_recipe(0), "init_image": str(picture)})
    second = ShotRender.from_dict({**tiny_recipe(1), "segments": 2, "continued": True,
                                   "continues_from": first.content_hash()})  # fmt: skip
    job = submit(db, recipes=[first.to_dict(), second.to_dict()])

    with dispatching(config, executor):
        wait_for(lambda: get_job(db, job.id).status == "done", timeout=60, what="the clip")

    local = render_clip([first, second], ["a", "b"], pipelines=pipelines, out_dir=tmp_path / "local",
                        lookup=lambda _hash: None, record=lambda *_: None)  # fmt: skip
    assert probe(get_clip(db, job.clip_id).video_path).frame_count == 5 + 9
    for recipe, reference in zip((first, second), local.shot_paths, strict=True):
        [path] = db.execute("SELECT path FROM renders WHERE recipe_hash = ?", (recipe.content_hash(),)).fetchone()
        assert np.array_equal(frames(Path(path)), frames(reference)), "the same frames as the local worker's"


def frames(path: Path) -> np.ndarray:
    return np.stack([read_frame(path, index) for index in range(probe(path).frame_count)])


def test_a_gpu_host_lost_mid_job_requeues_its_job_and_the_other_host_finishes_it(db, config, executor, ray_cluster,
                                                                                 tmp_path):  # fmt: skip
    """Runs last: it removes the module cluster's second node."""
    cluster, second_node = ray_cluster
    gate = tmp_path / "gate"
    # One clip per GPU; each renders its first shot, then waits at its second until the gate opens, so the
    # node is removed mid-job whatever the machine's speed.
    jobs = [
        submit(db, user_id=user, recipes=[tiny_recipe(user), {**tiny_recipe(user + 5), "prompt": f"{GATE} {gate}: a cat"}])
        for user in (1, 2)
    ]
    slots = {slot.node: slot for slot in executor.refresh()}

    with dispatching(config, executor):
        wait_for(lambda: db.execute("SELECT COUNT(*) FROM renders").fetchone()[0] == 2, timeout=60, what="first shots")
        lost = next(job for job in jobs if get_job(db, job.id).worker_id == slots[second_node.node_id].id)
        first_shot = db.execute("SELECT recipe_hash, created_at FROM renders WHERE recipe_hash = ?",
                                (ShotRender.from_dict(tiny_recipe(lost.user_id)).content_hash(),)).fetchall()  # fmt: skip
        cluster.remove_node(second_node, allow_graceful=False)
        removed_at = time.monotonic()
        wait_for(lambda: get_job(db, lost.id).error, timeout=20, what="the re-queue")
        requeued_after = time.monotonic() - removed_at
        gate.touch()
        wait_for(lambda: all(get_job(db, job.id).status == "done" for job in jobs), timeout=60, what="both clips")

    done = get_job(db, lost.id)
    assert requeued_after < 8.0, f"re-queued {requeued_after:.1f} s after the node was lost"
    # A lost host is no failure of the job: the claim's attempt is given back, the loss counted apart.
    assert (done.attempts, done.vanished, done.worker_id) == (
        1, 1, next(s.id for n, s in slots.items() if n != second_node.node_id))
    assert "went away; it will be tried again" in str(done.reason), str(done.reason)
    kept = db.execute("SELECT recipe_hash, created_at FROM renders WHERE recipe_hash = ?", (first_shot[0][0],))
    assert kept.fetchall() == first_shot, "attempt 2 reused the shot attempt 1 streamed"
    assert probe(get_clip(db, lost.clip_id).video_path).frame_count == 10
