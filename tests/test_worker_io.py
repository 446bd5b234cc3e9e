"""Transient faults outside the render: media I/O errors and database locks held by other programs
never drop an accepted clip, never kill a worker, and are shown to the operator and the member."""
from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import threading
import time

import pytest
from storage_fixtures import submit, tiny_recipe

from bot import embeds
from bot.console import progress_line
from generation import assemble
from generation.errors import EncodeError
from renderqueue import transient
from renderqueue.jobs import get_job
from renderqueue.worker import run_worker
from storage import db as db_module
from storage.aio import AsyncDatabase
from storage.clips import get_clip
from storage.db import DatabaseBusy
from storage.records import QueueEstimate
from studio.job_views import JobView
from test_worker_faults import FakePipelines, config, fake_render, run_once, with_settings  # noqa: F401


def disk_full(times: int, *, wrapped: bool = False):
    def behaviour(call, recipes, should_cancel):
        if call < times:
            error = OSError(errno.ENOSPC, "No space left on device", "/media/clips/1/clip.mp4")
            if wrapped:  # as the encoder reports it
                raise EncodeError("That video couldn't be written.") from error
            raise error

    return behaviour






@pytest.mark.parametrize("wrapped", [False, True])
def test_a_full_disk_requeues_without_using_an_attempt_and_says_why(db, config, monkeypatch, caplog, wrapped):
    monkeypatch.setattr(assemble, "render_shots", fake_render(disk_full(5, wrapped=wrapped)))
    job = submit(db, recipes=[tiny_recipe(0)])
    for _ in range(5):  # more failures than max_attempts: a transient cause never fails the clip
        waiting = run_once(db, config)
        assert (waiting.status, waiting.attempts, waiting.stage) == ("queued", 0, "waiting to retry")
    assert "No space left on device" in str(waiting.reason) and "your clip is kept" in str(waiting.reason)
    assert "media I/O error" in caplog.text
    line = progress_line(JobView(waiting, get_clip(db, job.clip_id), QueueEstimate(1, 10.0)))
    assert "Reelbot can't write its media files right now (No space left on device)" in line
    assert embeds.progress_line(JobView(waiting, get_clip(db, job.clip_id), QueueEstimate(1, 10.0))).endswith(
        str(waiting.reason))
    assert run_once(db, config).status == "done" and get_clip(db, job.clip_id).status == "ready"


def test_the_worker_backs_off_after_media_errors_and_finishes_the_job(db, config, monkeypatch):
    """Run by the pipelined loop: the job is handed back each time without using an attempt, the worker waits
    longer after each fault in a row (never hot-looping on a full disk), and finishes once the disk has room."""
    monkeypatch.setattr(assemble, "render_shots", fake_render(disk_full(4)))
    config = with_settings(config, retry_backoff_s=0.05, retry_backoff_max_s=0.15)
    delays: list[float] = []
    real_delay = transient.Backoff.delay_s
    monkeypatch.setattr(transient.Backoff, "delay_s", lambda self: (d := real_delay(self)) and delays.append(d) or d)
    job = submit(db, recipes=[tiny_recipe(0)])
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(config, stop), kwargs={"pipelines": FakePipelines()})
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while get_job(db, job.id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(10)
    finished = get_job(db, job.id)
    assert (finished.status, finished.attempts) == ("done", 1)
    assert delays[:4] == [0.05, 0.1, 0.15, 0.15]  # doubling, capped


def hold_lock(path, seconds: float) -> threading.Thread:
    """Another program holding the write lock for `seconds`."""
    ready = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(str(path))
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        conn.rollback()
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    return thread


async def test_a_write_waits_out_a_long_lock_and_keeps_the_request(db_path, monkeypatch, caplog):
    from storage.requests import get_request, record_request

    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.1)
    async with AsyncDatabase(db_path, lock_wait_s=30) as adb:
        await adb.read(lambda db: None)  # connections opened before the lock, with the short timeout
        await adb.write(lambda db: None)
        holder = hold_lock(db_path, 1.0)
        with caplog.at_level(logging.WARNING):
            stored = await adb.write(record_request, kind="create", guild_id=1, channel_id=2, user_id=3,
                                     user_name="ann", text="a cat", options={}, origin=None, transport="console")
        holder.join()
        assert (await adb.read(get_request, stored.id)).text == "a cat"
        assert "database locked by another program" in caplog.text


async def test_a_lock_held_past_the_wait_is_a_clear_busy_error(db_path, monkeypatch):
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.1)
    async with AsyncDatabase(db_path, lock_wait_s=0.5) as adb:
        await adb.write(lambda db: None)
        holder = hold_lock(db_path, 2.0)
        with pytest.raises(DatabaseBusy) as info:
            await adb.write(lambda db: db.execute("INSERT INTO guilds (id, created_at) VALUES (1, 0)"))
        holder.join()
        assert info.value.code == "busy" and "busy" in info.value.user_message




def test_the_worker_survives_a_locked_database_and_finishes_its_job(db, config, monkeypatch, caplog):
    """Another program holds the write lock past the busy timeout while the worker claims and while it
    records a finished job: the worker thread lives, waits, and the job ends done on its first attempt."""
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.05)
    config = with_settings(config, retry_backoff_s=0.05, retry_backoff_max_s=0.2)
    finishing = threading.Event()

    def behaviour(call, recipes, should_cancel):
        finishing.set()

    monkeypatch.setattr(assemble, "render_shots", fake_render(behaviour))
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(config, stop), kwargs={"pipelines": FakePipelines()})
    thread.start()
    try:
        time.sleep(0.2)
        hold_lock(config.db_path, 1.0).join()  # while the worker polls and claims
        job = submit(db, recipes=[tiny_recipe(0)])
        assert finishing.wait(10)
        holder = hold_lock(config.db_path, 1.0)  # while the job's progress and completion are written
        holder.join()
        deadline = time.monotonic() + 20
        while get_job(db, job.id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert thread.is_alive()
        assert (get_job(db, job.id).status, get_job(db, job.id).attempts) == ("done", 1)
        assert "locked by another program" in caplog.text
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


@pytest.fixture
def config_home(tmp_path, tiny_models_dir):
    from studio_fixtures import make_config

    return make_config(tmp_path / "home", tiny_models_dir)


async def test_a_request_stored_before_a_long_lock_is_saved_and_finished_once_the_database_is_free(
        config_home, monkeypatch):
    """The member is told "saved" only when the request really is stored; the studio then queues it by itself
    once the lock is gone. A request that couldn't even be stored gets the plain "busy, try again"."""
    from studio import busy
    from studio.members import Member
    from studio.requests import VideoOptions
    from studio.service import Studio

    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.05)
    monkeypatch.setattr(busy, "RETRY_FIRST_S", 0.1)
    studio = Studio(config_home, AsyncDatabase(config_home.db_path, lock_wait_s=0.3))
    member = Member(7, "ann", guild_id=1, channel_id=2)
    try:
        await studio.settings(1)  # connections opened before the locks, with the short timeout
        real_record = Studio.record_request
        holders = []

        async def record_then_lock(self, *args):
            stored = await real_record(self, *args)
            holders.append(hold_lock(config_home.db_path, 1.5))  # the lock comes right after storing
            return stored

        monkeypatch.setattr(Studio, "record_request", record_then_lock)
        with pytest.raises(DatabaseBusy) as saved:
            await studio.create(member, "a cat on the beach", VideoOptions(shots=1))
        assert saved.value.code == "busy_saved" and "is saved" in saved.value.user_message
        request_id = saved.value.params["request_id"]
        holders[0].join()
        task = studio.finishing_later[request_id]
        await asyncio.wait_for(task, 20)
        from storage.requests import get_request
        stored = await studio.adb.read(get_request, request_id)
        assert stored.status == "accepted" and stored.clip_id is not None

        monkeypatch.setattr(Studio, "record_request", real_record)
        holder = hold_lock(config_home.db_path, 1.5)
        with pytest.raises(DatabaseBusy) as refused:
            await studio.create(member, "a dog on the beach", VideoOptions(shots=1))
        holder.join()
        assert refused.value.code == "busy" and "try again" in refused.value.user_message
    finally:
        await studio.aclose()
