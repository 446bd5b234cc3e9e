"""Transient faults outside the render: media I/O errors and database locks held by other programs
never drop an accepted clip, never kill a worker, and are shown to the operator and the member."""
from __future__ import annotations

import errno
import logging
import sqlite3
import threading
import time

import pytest
from storage_fixtures import submit, tiny_recipe

from bot.console import progress_line
from generation import assemble
from generation.errors import EncodeError
from renderqueue import worker
from renderqueue.jobs import get_job
from renderqueue.worker import run_worker
from storage import db as db_module
from storage.aio import AsyncDatabase
from storage.clips import get_clip
from storage.db import DatabaseBusy
from storage.records import QueueEstimate
from studio.service import JobView
from test_worker_faults import FakePipelines, config, fake_render, run_once  # noqa: F401


def disk_full(times: int, *, wrapped: bool = False):
    def behaviour(call, recipes, should_cancel):
        if call < times:
            error = OSError(errno.ENOSPC, "No space left on device", "/media/clips/1/clip.mp4")
            if wrapped:  # as the encoder reports it
                raise EncodeError("That video couldn't be written.") from error
            raise error

    return behaviour






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


