"""A member's stills never wait behind another member's video: they go ahead in the fair queue, and a worker
busy with a long clip takes them between two of its shots."""
from __future__ import annotations

import threading

from stills_fixtures import ALICE, BOB, REQUEST

from renderqueue.jobs import claim_next, get_job
from renderqueue.rendering import process_job
from storage.records import PRIORITY_STILLS
from studio.requests import VideoOptions
from studio.storyboards.actions import storyboard

VIDEO_NOW = VideoOptions(shots=2, duration=2, stills="off")


async def test_stills_go_ahead_of_other_members_queued_video(stills_studio, stills_worker):
    studio = stills_studio
    bob = [await studio.create(BOB, REQUEST, VIDEO_NOW) for _ in range(2)]
    alice = await studio.create(ALICE, REQUEST, VideoOptions(shots=3))
    assert [a.job.kind for a in bob] == ["clip", "clip"] and alice.job.priority == PRIORITY_STILLS
    # Bob asked first and was never served, yet Alice's stills are next.
    assert (await studio.job_view(alice.job.id)).estimate.position == 1
    job = claim_next(stills_worker.db, "w", loaded_model="tiny-wan")
    assert job.id == alice.job.id


async def test_a_worker_takes_stills_between_two_shots_of_a_long_clip(stills_studio, stills_worker):
    studio, runner = stills_studio, stills_worker
    bob = await studio.create(BOB, REQUEST, VIDEO_NOW)
    claimed = claim_next(runner.db, runner.config.worker_id, loaded_model="tiny-wan")
    assert claimed.id == bob.job.id  # Bob's video is rendering...
    alice = await studio.create(ALICE, REQUEST, VideoOptions(shots=1))  # ...when Alice asks
    output = process_job(runner.db, claimed, runner.pipelines, runner.config, threading.Event())
    assert output is not None and output.rendered == 2
    stills_job, video_job = get_job(runner.db, alice.job.id), get_job(runner.db, bob.job.id)
    assert stills_job.status == "done" and stills_job.finished_at < video_job.finished_at
    assert (await storyboard(studio, ALICE, alice.clip.id)).storyboard.status == "ready"
