from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest
from storage_fixtures import claim_all, claim_all_in_process, submit

from common.text import Text
from storage.clips import get_clip
from storage.db import open_db
from storage.transactions import transaction
from common.errors import NotAllowed, QueueFull
from renderqueue import jobs as jobs_module
from renderqueue.estimates import queue_estimates, queue_position
from renderqueue.jobs import QueueLimits, active_jobs, cancel_job, claim_next, complete_job, enqueue_clip_job, fail_job, get_job, heartbeat, mark_notified, pending_notifications, release_job, requeue_stale, update_progress, user_jobs
from storage.model_stats import DEFAULT_LOAD_SECONDS, DEFAULT_SECONDS_PER_UNIT, record_model_stats
from storage.records import PRIORITY_FINAL, GuildSettings
from storage.workers import register_worker
from renderqueue.scheduler import SchedulerPolicy



def test_accepted_request_is_committed_with_its_clip(db, db_path):
    job = submit(db, user_id=3, cost=12.0, now=100.0)
    other_connection = open_db(db_path)
    stored = get_job(other_connection, job.id)
    assert (stored.status, stored.attempts, stored.cost_estimate, stored.created_at) == ("queued", 0, 12.0, 100.0)
    assert get_clip(other_connection, stored.clip_id).status == "queued"


def test_per_user_limit_refuses_and_leaves_no_clip_behind(db):
    limits = QueueLimits(max_per_user=2, max_per_guild=10)
    first = submit(db, user_id=1, limits=limits)
    submit(db, user_id=1, limits=limits)
    clips_before = db.execute("SELECT COUNT(*) FROM clips").fetchone()[0]
    with pytest.raises(QueueFull) as raised:
        submit(db, user_id=1, limits=limits)
    assert "already have 2 clips" in raised.value.user_message
    assert db.execute("SELECT COUNT(*) FROM clips").fetchone()[0] == clips_before
    submit(db, user_id=2, limits=limits)

    claimed = claim_next(db, "w", loaded_model=None)
    assert claimed.id == first.id
    complete_job(db, first.id, worker_id="w", video_path="v.mp4", storyboard_path="s.png")
    submit(db, user_id=1, limits=limits)


def test_per_guild_limit_counts_everyone_in_the_guild(db):
    limits = QueueLimits.from_settings(GuildSettings(max_queued_per_user=5, max_queued_per_guild=3))
    for user in (1, 2, 3):
        submit(db, user_id=user, guild_id=10, limits=limits)
    with pytest.raises(QueueFull) as raised:
        submit(db, user_id=4, guild_id=10, limits=limits)
    assert "server's render queue is full" in raised.value.user_message
    submit(db, user_id=4, guild_id=11, limits=limits)


def test_enqueueing_a_clip_twice_returns_its_live_job(db):
    job = submit(db)
    again = enqueue_clip_job(db, job.clip_id, user_id=1, guild_id=10, model="tiny", cost_estimate=1.0)
    assert again.id == job.id
    assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 1


def test_claim_marks_job_and_clip_and_honours_priority(db):
    assert claim_next(db, "w", loaded_model=None) is None
    final = submit(db, user_id=1, priority=PRIORITY_FINAL)
    draft = submit(db, user_id=2)
    claimed = claim_next(db, "w1", loaded_model=None, now=500.0)
    assert claimed.id == draft.id
    assert (claimed.status, claimed.worker_id, claimed.attempts, claimed.started_at) == ("running", "w1", 1, 500.0)
    assert get_clip(db, claimed.clip_id).status == "rendering"
    assert claim_next(db, "w2", loaded_model=None).id == final.id
    assert claim_next(db, "w3", loaded_model=None) is None


def test_claim_uses_service_history_and_records_bypasses(db):
    served_before = submit(db, user_id=1, now=1.0)
    assert claim_next(db, "w", loaded_model=None, now=2.0).id == served_before.id
    again = submit(db, user_id=1, model="a", now=3.0)
    newcomer = submit(db, user_id=2, model="a", now=4.0)
    loaded_match = submit(db, user_id=3, model="b", now=5.0)
    # User 2 was never served, so fairness says job `newcomer`; model affinity takes the "b" job instead.
    assert claim_next(db, "w", loaded_model="b", now=6.0).id == loaded_match.id
    assert get_job(db, newcomer.id).bypassed == 1
    assert claim_next(db, "w", loaded_model="b", now=7.0).id == newcomer.id
    assert claim_next(db, "w", loaded_model="a", now=8.0).id == again.id


def test_threads_never_claim_the_same_job(db, db_path):
    jobs = {submit(db, user_id=i % 7).id for i in range(100)}
    results: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)
    threads = [threading.Thread(target=claim_all, args=(db_path, f"w{i}", results[i], start)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [job_id for result in results for job_id in result]
    assert sorted(claimed) == sorted(jobs)
    assert sum(1 for result in results if result) > 1, "claims should have interleaved"


def test_processes_never_claim_the_same_job(db, db_path, tmp_path):
    jobs = {submit(db, user_id=i % 5).id for i in range(150)}
    context = multiprocessing.get_context("spawn")
    outputs = [tmp_path / f"claimed-{i}.txt" for i in range(2)]
    start = context.Barrier(2)
    processes = [
        context.Process(target=claim_all_in_process, args=(str(db_path), f"proc{i}", str(outputs[i]), start))
        for i in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    claimed = [int(x) for path in outputs for x in Path(path).read_text().split(",") if x]
    assert sorted(claimed) == sorted(jobs), "every job claimed exactly once"
    assert all(path.read_text() for path in outputs), "both processes should have claimed jobs"
    assert {row[0] for row in db.execute("SELECT DISTINCT worker_id FROM jobs").fetchall()} <= {"proc0", "proc1"}


def test_progress_heartbeat_and_completion_only_from_the_owning_worker(db):
    job = submit(db)
    claim_next(db, "w1", loaded_model=None)
    assert update_progress(db, job.id, 0.4, "shot 1/2", worker_id="w1")
    assert not update_progress(db, job.id, 0.9, "shot 2/2", worker_id="intruder")
    assert heartbeat(db, job.id, "w1") and not heartbeat(db, job.id, "intruder")
    assert (get_job(db, job.id).progress, get_job(db, job.id).stage) == (0.4, "shot 1/2")
    assert not complete_job(db, job.id, worker_id="intruder", video_path="x", storyboard_path="y")
    assert complete_job(db, job.id, worker_id="w1", video_path="v.mp4", storyboard_path="s.png", now=9.0)
    clip = get_clip(db, job.clip_id)
    assert (clip.status, clip.video_path, clip.storyboard_path) == ("ready", "v.mp4", "s.png")
    assert (get_job(db, job.id).status, get_job(db, job.id).finished_at) == ("done", 9.0)


def test_finished_jobs_wait_for_notification_across_restarts(db, db_path):
    done, failed, waiting = submit(db, user_id=1), submit(db, user_id=2), submit(db, user_id=3)
    for _ in range(2):
        claim_next(db, "w", loaded_model=None)
    complete_job(db, done.id, worker_id="w", video_path="v", storyboard_path="s", now=10.0)
    fail_job(db, failed.id, Text.raw("Nope."), retry=False, worker_id="w", now=11.0)
    reopened = open_db(db_path)
    assert [j.id for j in pending_notifications(reopened, transport="console")] == [done.id, failed.id]
    mark_notified(reopened, done.id)
    assert [j.id for j in pending_notifications(reopened, transport="console")] == [failed.id]
    assert waiting.id not in [j.id for j in pending_notifications(reopened, transport="console")]


def test_retry_keeps_place_until_attempts_run_out(db):
    job = submit(db, now=1.0)
    claim_next(db, "w", loaded_model=None)
    retried = fail_job(db, job.id, Text.raw("Out of memory; retrying smaller."), retry=True, worker_id="w")
    assert (retried.status, retried.attempts, str(retried.reason), retried.worker_id) == (
        "queued", 1, "Out of memory; retrying smaller.", None,
    )  # fmt: skip
    assert get_clip(db, job.clip_id).status == "queued"
    assert retried.created_at == 1.0, "a retry keeps its place in line"
    for attempt in (2, 3):
        assert claim_next(db, "w", loaded_model=None).attempts == attempt
        last = fail_job(db, job.id, Text.raw("Still out of memory."), retry=True, worker_id="w")
    assert (last.status, str(last.reason)) == ("failed", "Still out of memory.")
    assert get_clip(db, job.clip_id).status == "failed"


def test_release_on_shutdown_does_not_use_an_attempt(db):
    job = submit(db)
    claim_next(db, "w", loaded_model=None)
    assert release_job(db, job.id, worker_id="w")
    assert (get_job(db, job.id).status, get_job(db, job.id).attempts) == ("queued", 0)


def test_requeue_stale_recovers_jobs_of_dead_workers(db):
    stale, fresh = submit(db, user_id=1), submit(db, user_id=2)
    claim_next(db, "dead", loaded_model=None, now=100.0)
    claim_next(db, "alive", loaded_model=None, now=100.0)
    heartbeat(db, fresh.id, "alive", now=125.0)
    recovered = requeue_stale(db, 20.0, now=130.0)
    assert [(j.id, j.status, j.attempts, j.vanished) for j in recovered] == [(stale.id, "queued", 0, 1)]
    assert "will be tried again" in str(recovered[0].reason)
    assert get_job(db, fresh.id).status == "running"
    assert not heartbeat(db, stale.id, "dead"), "the presumed-dead worker must learn it lost the job"
    assert requeue_stale(db, 20.0, now=130.0) == []


def test_vanished_workers_never_use_attempts_but_a_job_that_kills_every_worker_ends(db, monkeypatch):
    job = submit(db)
    for kill in range(50):  # fifty kill -9s: far more than max_attempts, and the job is still queued
        claim_next(db, f"w{kill}", loaded_model=None, now=100.0 * kill)
        requeue_stale(db, 10.0, now=100.0 * kill + 50.0)
    survivor = get_job(db, job.id)
    assert (survivor.status, survivor.attempts, survivor.vanished) == ("queued", 0, 50)
    # A render that takes its worker down every time ends after MAX_VANISHED of them.
    monkeypatch.setattr(jobs_module, "MAX_VANISHED", 52)
    for kill in range(50, 52):
        claim_next(db, f"w{kill}", loaded_model=None, now=100.0 * kill)
        requeue_stale(db, 10.0, now=100.0 * kill + 50.0)
    final = get_job(db, job.id)
    assert (final.status, final.vanished) == ("failed", 52)
    assert "stopped 52 times" in str(final.reason) and "gave up" in str(final.reason)
    assert get_clip(db, job.clip_id).status == "failed"


def test_cancel_permissions(db):
    job = submit(db, user_id=1)
    with pytest.raises(NotAllowed) as raised:
        cancel_job(db, job.id, by_user_id=2, can_moderate=False)
    assert "Only the person who asked" in raised.value.user_message
    assert cancel_job(db, job.id, by_user_id=1, can_moderate=False).status == "cancelled"
    assert get_clip(db, job.clip_id).status == "cancelled"
    with pytest.raises(NotAllowed) as raised:
        cancel_job(db, job.id, by_user_id=1, can_moderate=False)
    assert "already cancelled" in raised.value.user_message

    other = submit(db, user_id=1)
    assert cancel_job(db, other.id, by_user_id=99, can_moderate=True).status == "cancelled"
    assert claim_next(db, "w", loaded_model=None) is None


def test_cancelling_a_running_job_tells_its_worker(db):
    job = submit(db, user_id=1)
    claim_next(db, "w", loaded_model=None)
    cancel_job(db, job.id, by_user_id=1, can_moderate=False)
    assert not heartbeat(db, job.id, "w")
    assert not complete_job(db, job.id, worker_id="w", video_path="v", storyboard_path="s")
    assert get_job(db, job.id).status == "cancelled"


def test_queue_position_and_eta_from_measured_speeds(db):
    record_model_stats(db, "tiny", seconds_per_unit=0.5, load_seconds=4.0)
    record_model_stats(db, "b", seconds_per_unit=1.0, load_seconds=10.0)
    register_worker(db, "w", host="h", pid=1, now=1000.0)
    running = submit(db, user_id=1, model="tiny", cost=10.0, now=900.0)
    claim_next(db, "w", loaded_model="tiny", now=950.0)
    update_progress(db, running.id, 0.5, "shot 1/2")
    ahead = submit(db, user_id=2, model="tiny", cost=10.0, now=960.0)
    mine = submit(db, user_id=3, model="b", cost=20.0, now=970.0)

    assert queue_position(db, running.id, now=1000.0) == (0, pytest.approx(2.5), True)
    assert queue_position(db, ahead.id, now=1000.0) == (1, pytest.approx(2.5 + 5.0), True)
    # running remainder + job ahead + loading model "b" + own render
    assert queue_position(db, mine.id, now=1000.0) == (2, pytest.approx(2.5 + 5.0 + 10.0 + 20.0), True)
    assert queue_estimates(db, now=1000.0) == {
        job.id: queue_position(db, job.id, now=1000.0) for job in (running, ahead, mine)
    }

    record_model_stats(db, "b", seconds_per_unit=2.0)
    assert queue_position(db, mine.id, now=1000.0).eta_seconds == pytest.approx(2.5 + 5.0 + 10.0 + 20.0 * 1.3)

    cancel_job(db, mine.id, by_user_id=3, can_moderate=False)
    assert queue_position(db, mine.id) is None


def test_eta_uses_defaults_before_anything_was_measured(db):
    job = submit(db, model="never-measured", cost=10.0)
    assert queue_position(db, job.id) == (1, pytest.approx(DEFAULT_LOAD_SECONDS + 10 * DEFAULT_SECONDS_PER_UNIT), True)


def test_user_and_guild_job_listings(db):
    mine = [submit(db, user_id=1, guild_id=10), submit(db, user_id=1, guild_id=11)]
    submit(db, user_id=2, guild_id=10)
    cancel_job(db, mine[1].id, by_user_id=1, can_moderate=False)
    assert [j.id for j in user_jobs(db, 1)] == [mine[0].id]
    assert [j.id for j in user_jobs(db, 1, active_only=False)] == [j.id for j in mine]
    assert [j.id for j in user_jobs(db, 1, 11, active_only=False)] == [mine[1].id]
    assert len(active_jobs(db, 10)) == 2 and len(active_jobs(db)) == 2


def test_each_connection_sees_every_other_connections_queue_changes(db, db_path):
    """The queue kept in memory per connection follows writes made through other connections (other
    processes): enqueues, claims, bypasses, cancels, re-queues, and a delete."""
    other = open_db(db_path)
    try:
        first = submit(db, user_id=1, model="a", cost=10.0, now=100.0)
        assert set(queue_estimates(other, now=200.0)) == {first.id}
        second = submit(db, user_id=2, model="a", cost=10.0, now=110.0)
        third = submit(db, user_id=1, model="a", cost=10.0, now=120.0)
        assert [e.position for e in map(queue_estimates(other, now=200.0).get, (first.id, second.id, third.id))] == [1, 2, 3]
        # Claimed elsewhere: user 1 was just served, so user 2 goes first on the other connection too.
        assert claim_next(db, "w1", loaded_model=None, now=130.0).id == first.id
        assert claim_next(other, "w2", loaded_model=None, now=140.0).id == second.id
        assert queue_estimates(db, now=200.0)[third.id].position == 1
        cancel_job(db, third.id, by_user_id=1, can_moderate=False)
        assert claim_next(other, "w2", loaded_model=None, now=150.0) is None
        release_job(other, second.id, worker_id="w2")
        assert claim_next(db, "w1", loaded_model=None, now=160.0).id == second.id
        fourth = submit(db, user_id=3, model="a", cost=10.0, now=170.0)
        assert set(queue_estimates(other, now=200.0)) == {first.id, second.id, fourth.id}
        other.execute("DELETE FROM jobs WHERE id = ?", (fourth.id,))
        assert set(queue_estimates(db, now=200.0)) == {first.id, second.id}
    finally:
        other.close()


def test_a_claim_rolled_back_leaves_the_kept_queue_true(db):
    job = submit(db, user_id=1, model="a", cost=10.0, now=100.0)
    assert queue_estimates(db, now=105.0)[job.id].position == 1  # the connection now keeps the queue
    with pytest.raises(RuntimeError), transaction(db):
        claim_next(db, "w1", loaded_model=None, now=110.0)
        raise RuntimeError("rolled back")
    assert claim_next(db, "w1", loaded_model=None, now=120.0).id == job.id


def test_the_kept_prediction_follows_promotions(db):
    policy = SchedulerPolicy(promote_after_s=60.0)
    final = submit(db, user_id=1, model="a", cost=10.0, priority=PRIORITY_FINAL, now=100.0)
    draft = submit(db, user_id=2, model="a", cost=10.0, now=150.0)
    assert queue_estimates(db, now=155.0, policy=policy)[draft.id].position == 1
    # At 160 s the final has waited a minute and competes as a draft, enqueued earlier.
    assert queue_estimates(db, now=161.0, policy=policy)[final.id].position == 1
