"""The dispatcher on the bot host, driving scripted GPU slots (the Ray path is in test_cluster_ray.py)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from dispatch_fakes import FakeExecutor, dispatching, render_all, tiny_mp4, wait_for, with_settings
from storage_fixtures import submit, tiny_recipe

from generation.encoding import probe, read_frame
from generation.errors import OutOfMemoryRenderError, RenderCancelled
from generation.recipe import ShotRender
from renderqueue import job_watch
from renderqueue.estimates import queue_estimates
from renderqueue.jobs import cancel_job, get_job
from renderqueue.remote import Progress, Shot, SlotInfo, SlotLost
from renderqueue.settings import WorkerSettings
from renderqueue.worker_config import WorkerConfig
from storage.clips import get_clip
from storage.model_stats import get_model_stats
from storage.workers import live_workers

SLOT_A = SlotInfo("slot-a", host="gpu-host-a", pid=101, presets=frozenset({"tiny"}))
SLOT_B = SlotInfo("slot-b", host="gpu-host-b", pid=202)


@pytest.fixture(scope="module")
def mp4(tmp_path_factory) -> bytes:
    return tiny_mp4(tmp_path_factory.mktemp("mp4"))


@pytest.fixture
def config(tmp_path, db_path) -> WorkerConfig:
    return WorkerConfig(
        db_path=db_path,
        media_dir=tmp_path / "media",
        models_dir=tmp_path / "models",
        worker_id="dispatcher",
        settings=WorkerSettings(
            poll_interval_s=0.02,
            heartbeat_interval_s=0.05,
            progress_interval_s=0.0,
            job_timeout_s=30.0,
            hang_grace_s=0.3,
        ),
    )


def finished(db, job_id: int) -> bool:
    return get_job(db, job_id).status in ("done", "failed", "cancelled")


def hashes(recipes: list[dict]) -> list[str]:
    return [ShotRender.from_dict(recipe).content_hash() for recipe in recipes]


def test_shots_render_on_a_slot_and_the_clip_is_stitched_here(db, config, mp4, monkeypatch):
    writes: list[tuple[float, str]] = []
    real_update = job_watch.update_progress
    monkeypatch.setattr(job_watch, "update_progress", lambda *a, **k: writes.append(a[2:4]) or real_update(*a, **k))
    executor = FakeExecutor([SLOT_A], mp4)
    job = submit(db, recipes=[tiny_recipe(0), tiny_recipe(1)])

    with dispatching(config, executor):
        wait_for(lambda: finished(db, job.id), what="the job to finish")

    done = get_job(db, job.id)
    assert (done.status, done.attempts, done.worker_id) == ("done", 1, "slot-a"), done.error
    clip = get_clip(db, job.clip_id)
    assert probe(clip.video_path).frame_count == 10 and Path(clip.storyboard_path).is_file()
    [(slot_id, request)] = executor.submitted
    assert slot_id == "slot-a" and [task.index for task in request.shots] == [0, 1] and request.total == 2
    cached = db.execute("SELECT recipe_hash, gpu_seconds FROM renders ORDER BY recipe_hash").fetchall()
    assert cached == sorted((h, 0.25) for h in hashes(clip.recipes))
    stats = get_model_stats(db, "tiny")
    assert stats.samples == 1 and stats.load_seconds == pytest.approx(0.5)
    assert stats.seconds_per_unit == pytest.approx(0.5 / (2 * 2 * 2 * 5 * 64 * 64 / 1e6))
    fractions = [fraction for fraction, _ in writes]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert ("Rendering shot 2/2 (step 1/2)" in {stage for _, stage in writes}) and writes[-1][1] == "Done"
    assert live_workers(db) == [], "a stopped dispatcher leaves no workers behind"


def test_claims_across_slots_follow_the_schedulers_predicted_order(db, config, mp4):
    for user_id, priority in [(1, 0), (1, 0), (2, 0), (3, 1), (2, 0), (3, 0), (1, 1)]:
        submit(db, user_id=user_id, priority=priority, recipes=[tiny_recipe(user_id, seed=priority * 10 + user_id)])
    estimates = queue_estimates(db)
    predicted = sorted(estimates, key=lambda job_id: estimates[job_id].position)
    executor = FakeExecutor([SLOT_A, SLOT_B], mp4, render_all(step_delay=0.01))

    with dispatching(config, executor):
        wait_for(lambda: all(finished(db, job_id) for job_id in predicted), what="every job to finish")

    claimed = [row[0] for row in db.execute("SELECT id FROM jobs ORDER BY started_at").fetchall()]
    assert claimed == predicted
    assert {slot_id for slot_id, _ in executor.submitted} == {"slot-a", "slot-b"}


def test_progress_heartbeats_and_the_workers_table_follow_a_remote_render(db, config, mp4):
    executor = FakeExecutor([SLOT_A], mp4, render_all(step_delay=0.03, steps=20))
    job = submit(db, recipes=[tiny_recipe(0)])

    with dispatching(config, executor):
        wait_for(lambda: get_job(db, job.id).progress > 0.1, what="progress")
        first = get_job(db, job.id)
        time.sleep(0.2)
        later = get_job(db, job.id)
        [slot] = live_workers(db)
        wait_for(lambda: finished(db, job.id), what="the job to finish")

    assert later.heartbeat_at > first.heartbeat_at and later.progress > first.progress
    assert later.stage.startswith("Rendering shot 1/1 (step ")
    seen = (slot.id, slot.host, slot.pid, slot.loaded_model, slot.job_id)
    assert seen == ("slot-a", "gpu-host-a", 101, "tiny", job.id)


def run_until_cancelled(executor, slot, stream, request):
    """A slow first job that honours cancellation at its next step; later jobs render at once."""
    if request.job_id == 1:
        while True:
            if stream.cancelled.is_set():
                raise RenderCancelled("The render was cancelled.")
            yield Progress(0, 1, 1000)
            time.sleep(0.01)
    yield from render_all()(executor, slot, stream, request)


def test_cancel_from_a_member_reaches_the_slot_which_keeps_serving(db, config, mp4):
    executor = FakeExecutor([SLOT_A], mp4, run_until_cancelled)
    first = submit(db, recipes=[tiny_recipe(0)])
    second = submit(db, user_id=2, recipes=[tiny_recipe(1)])

    with dispatching(config, executor):
        wait_for(lambda: get_job(db, first.id).status == "running", what="the first job to start")
        cancel_job(db, first.id, by_user_id=1, can_moderate=False)
        # The job is running once claimed, maybe before its stream starts: a cancel reaches either.
        wait_for(lambda: executor.streams and executor.streams[0].cancelled.is_set(), timeout=2,
                 what="the cancel to reach the slot")  # fmt: skip
        wait_for(lambda: finished(db, second.id), what="the second job")

    assert get_job(db, first.id).status == "cancelled"
    assert get_job(db, second.id).status == "done"
    assert [slot_id for slot_id, _ in executor.submitted] == ["slot-a", "slot-a"] and executor.restarted == []


def test_a_lost_slot_requeues_its_job_and_the_retry_resumes_from_streamed_shots(db, config, mp4):
    def die_before_shot_1(executor, slot, index):
        if slot.id == "slot-a" and index == 1:
            executor.lose("slot-a")
            raise SlotLost("node lost")

    executor = FakeExecutor([SLOT_A], mp4, render_all(shot_hook=die_before_shot_1))
    job = submit(db, recipes=[tiny_recipe(0), tiny_recipe(1), tiny_recipe(2)])

    with dispatching(config, executor) as dispatcher:
        requeued = wait_for(lambda: (j := get_job(db, job.id)).error and j, what="the re-queue")
        executor.slots["slot-b"] = SLOT_B
        wait_for(lambda: finished(db, job.id), what="the retry to finish")
        wait_for(lambda: "slot-a" not in dispatcher.runners, what="the lost slot's runner to end")

    assert (requeued.status, requeued.attempts, requeued.vanished) == ("queued", 0, 1)  # no failure of the job
    assert str(requeued.reason) == f"The GPU host rendering clip #{job.clip_id} went away; it will be tried again."
    done = get_job(db, job.id)
    assert (done.status, done.attempts, done.worker_id) == ("done", 1, "slot-b")
    assert [[task.index for task in request.shots] for _, request in executor.submitted] == [[0, 1, 2], [1, 2]]
    assert probe(get_clip(db, job.clip_id).video_path).frame_count == 15


def test_duplicate_shot_results_are_harmless(db, config, mp4):
    def twice(executor, slot, stream, request):
        for event in render_all()(executor, slot, stream, request):
            yield event
            if isinstance(event, Shot):
                yield event

    executor = FakeExecutor([SLOT_A], mp4, twice)
    job = submit(db, recipes=[tiny_recipe(0), tiny_recipe(1)])

    with dispatching(config, executor):
        wait_for(lambda: finished(db, job.id), what="the job")

    assert get_job(db, job.id).status == "done"
    assert db.execute("SELECT COUNT(*) FROM renders").fetchone()[0] == 2
    stats = get_model_stats(db, "tiny")
    assert stats.seconds_per_unit == pytest.approx(0.5 / (2 * 2 * 2 * 5 * 64 * 64 / 1e6)), "each shot counted once"


def endless(*, honours_cancel: bool):
    def script(executor, slot, stream, request):
        while True:
            if slot.id in executor.lost:
                raise SlotLost("actor killed")
            if honours_cancel and stream.cancelled.is_set():
                raise RenderCancelled("The render was cancelled.")
            yield Progress(0, 1, 1000)
            time.sleep(0.01)

    return script


@pytest.mark.parametrize("honours_cancel", [True, False])
def test_a_timed_out_render_fails_and_a_slot_that_ignores_the_cancel_is_restarted(db, config, mp4, honours_cancel):
    executor = FakeExecutor([SLOT_A], mp4, endless(honours_cancel=honours_cancel))
    job = submit(db, recipes=[tiny_recipe(0)])

    with dispatching(with_settings(config, job_timeout_s=0.3), executor):
        wait_for(lambda: finished(db, job.id), what="the timeout")
        if not honours_cancel:
            wait_for(lambda: executor.restarted, what="the restart")

    failed = get_job(db, job.id)
    assert failed.status == "failed"
    assert str(failed.reason).startswith(f"Clip #{job.clip_id} took longer than 0.3 seconds to render")
    assert executor.streams[0].cancelled.is_set()
    assert executor.restarted == ([] if honours_cancel else ["slot-a"])


def test_out_of_memory_on_a_slot_retries_smaller(db, config, mp4):
    def oom_first(executor, slot, stream, request):
        if len(executor.submitted) == 1:
            raise OutOfMemoryRenderError("The GPU ran out of memory.", detail="CUDA OOM")
        yield from render_all()(executor, slot, stream, request)

    executor = FakeExecutor([SLOT_A], mp4, oom_first)
    job = submit(db, recipes=[tiny_recipe(0, frames=9)])

    with dispatching(config, executor):
        wait_for(lambda: get_job(db, job.id).status == "done", what="the smaller retry")

    assert get_job(db, job.id).attempts == 2
    assert [request.shots[0].recipe["width"] for _, request in executor.submitted] == [64, 48]


def test_a_slot_only_claims_presets_its_host_serves(db, config, mp4):
    other = submit(db, model="wan-1.3b", recipes=[tiny_recipe(0)])
    mine = submit(db, user_id=2, recipes=[tiny_recipe(1)])
    executor = FakeExecutor([SLOT_A], mp4)

    with dispatching(config, executor):
        wait_for(lambda: finished(db, mine.id), what="the tiny job")
        time.sleep(0.1)

    assert get_job(db, other.id).status == "queued"
    assert len(executor.submitted) == 1


def test_stopping_hands_the_job_in_flight_back_untouched(db, config, mp4):
    executor = FakeExecutor([SLOT_A], mp4, endless(honours_cancel=True))
    job = submit(db, recipes=[tiny_recipe(0)])

    with dispatching(config, executor):
        wait_for(lambda: get_job(db, job.id).status == "running", what="the job to start")

    released = get_job(db, job.id)
    assert (released.status, released.attempts) == ("queued", 0)
    assert executor.closed


def test_an_image_to_video_shot_travels_with_its_first_frame(db, config, mp4, tmp_path):
    image = tmp_path / "last-frame.png"
    Image.new("RGB", (64, 64), (10, 120, 200)).save(image)
    job = submit(db, recipes=[tiny_recipe(0), {**tiny_recipe(1), "init_image": str(image)}])
    executor = FakeExecutor([SLOT_A], mp4)

    with dispatching(config, executor):
        wait_for(lambda: finished(db, job.id), what="the job")

    assert get_job(db, job.id).status == "done"
    [(_, request)] = executor.submitted
    assert [task.init_image for task in request.shots] == [None, image.read_bytes()]


def test_a_continuing_shot_names_its_previous_shot_or_gets_its_last_frame_from_the_cache(db, config, mp4, tmp_path):
    def die_before_shot_1(executor, slot, index):
        if slot.id == "slot-a" and index == 1:
            executor.lose("slot-a")
            raise SlotLost("node lost")

    first = ShotRender.from_dict(tiny_recipe(0))
    second = {**tiny_recipe(1), "continues_from": first.content_hash()}
    executor = FakeExecutor([SLOT_A], mp4, render_all(shot_hook=die_before_shot_1))
    job = submit(db, recipes=[tiny_recipe(0), second])

    with dispatching(config, executor):
        wait_for(lambda: get_job(db, job.id).error, what="the re-queue")
        executor.slots["slot-b"] = SLOT_B
        wait_for(lambda: finished(db, job.id), what="the retry to finish")

    assert get_job(db, job.id).status == "done"
    [(_, together), (_, retry)] = executor.submitted
    assert [(task.previous, task.start_frame) for task in together.shots] == [(None, None), (first.content_hash(), None)]
    [task] = retry.shots
    (tmp_path / "shot.mp4").write_bytes(mp4)
    last = np.asarray(Image.open(io.BytesIO(task.start_frame)))
    assert (task.index, task.previous) == (1, first.content_hash())
    assert np.array_equal(last, read_frame(tmp_path / "shot.mp4", -1)), "the cached shot 1's last frame"


def test_a_stills_job_renders_each_still_on_a_slot_and_the_board_here(db, config, mp4, tmp_path):
    from generation.still_recipes import still_recipe
    from generation.storyboard_check import panel_faults
    from renderqueue.jobs import enqueue_clip_job
    from storage.records import PRIORITY_STILLS
    from storage.stills import clip_stills, create_storyboard, get_storyboard
    from storage_fixtures import make_clip
    from storage.transactions import transaction

    shots = [ShotRender.from_dict(tiny_recipe(i)) for i in range(2)]
    with transaction(db):
        clip = make_clip(db, recipes=[shot.to_dict() for shot in shots])
        create_storyboard(db, clip.id, [(i, 0, still_recipe(shot).to_dict()) for i, shot in enumerate(shots)],
                          user_id=1, guild_id=10, mode="ask", quality="final", takes=1)  # fmt: skip
        job = enqueue_clip_job(db, clip.id, user_id=1, guild_id=10, model="tiny", priority=PRIORITY_STILLS,
                               cost_estimate=1.0, kind="stills")  # fmt: skip
    executor = FakeExecutor([SLOT_A], mp4)
    with dispatching(config, executor):
        wait_for(lambda: finished(db, job.id), what="the stills job to finish")
    assert get_job(db, job.id).status == "done" and get_clip(db, clip.id).status == "queued"  # no video yet
    assert [request.total for _slot, request in executor.submitted] == [1, 1]  # one still at a time
    stills = clip_stills(db, clip.id)
    assert [s.status for s in stills] == ["ready", "ready"]
    board = get_storyboard(db, clip.id)
    assert board.status == "ready" and panel_faults(Path(board.board_path), [Path(s.path) for s in stills]) == []
    # Each still is the first frame of the one-frame shot its slot sent back.
    (tmp_path / "sent.mp4").write_bytes(mp4)
    assert np.array_equal(np.asarray(Image.open(stills[0].path)), read_frame(tmp_path / "sent.mp4", 0))
