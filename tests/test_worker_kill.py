"""THE kill test: a real worker process is killed with SIGKILL mid-render; a new worker re-queues the
job, resumes from the shots already cached, and finishes a playable clip."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage_fixtures import submit, tiny_recipe

from generation.encoding import probe
from storage.clips import get_clip
from renderqueue.jobs import get_job


SHOTS = 4
FRAMES = 17


def start_worker(home: Path, log: Path) -> subprocess.Popen:
    """A worker process exactly as `reelbot run` starts one: it reads the home's settings file."""
    command = [sys.executable, "-m", "studio.worker_process", "--home", str(home), "--config", str(home / "reelbot.toml")]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).parent.parent)


def wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := condition()) is not None and value is not False:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def test_kill_9_mid_render_loses_nothing(db, db_path, tmp_path, tiny_models_dir):
    # Several bigger-than-default shots, so the render lasts long enough to be interrupted.
    recipes = [{**tiny_recipe(i, frames=FRAMES), "width": 128, "height": 128, "steps": 40} for i in range(SHOTS)]
    job = submit(db, recipes=recipes)
    log = tmp_path / "worker.log"
    (tmp_path / "models").symlink_to(tiny_models_dir, target_is_directory=True)
    (tmp_path / "reelbot.toml").write_text(
        '[worker]\ndevice = "cpu"\npoll_interval_s = 0.05\nheartbeat_interval_s = 0.2\nstale_after_s = 10\n'
    )

    first = start_worker(tmp_path, log)
    try:
        # Kill once at least one shot is safely in the render cache and the job is still rendering.
        wait_for(
            lambda: get_job(db, job.id).status == "running"
            and db.execute("SELECT COUNT(*) FROM renders").fetchone()[0] >= 1,
            600, "the first shot to be rendered", log,
        )  # fmt: skip
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        first.kill()
    killed = get_job(db, job.id)
    assert (killed.status, killed.attempts) == ("running", 1), "nothing marks the job: the worker just vanished"
    assert killed.progress < 1.0
    cached_before = dict(db.execute("SELECT recipe_hash, created_at FROM renders").fetchall())
    assert 1 <= len(cached_before) < SHOTS

    second = start_worker(tmp_path, log)
    try:
        done = wait_for(
            lambda: (j := get_job(db, job.id)).status not in ("queued", "running") and j, 600, "the job to finish", log
        )
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=15) == 0
    finally:
        second.kill()

    assert (done.status, done.attempts, done.vanished) == ("done", 1, 1), done.error
    assert "will be tried again" in str(done.reason), "the job went back to the queue before the new worker took it"
    clip = get_clip(db, job.clip_id)
    video = probe(clip.video_path)
    assert (video.width, video.height, video.frame_count) == (128, 128, SHOTS * FRAMES)
    assert Path(clip.storyboard_path).is_file()
    # Shots rendered before the kill were reused, not rendered again.
    cached_after = dict(db.execute("SELECT recipe_hash, created_at FROM renders").fetchall())
    assert len(cached_after) == SHOTS
    assert {h: cached_after[h] for h in cached_before} == cached_before
