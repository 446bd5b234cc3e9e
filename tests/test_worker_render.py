"""The worker with the real tiny model, in process: render, cache hits, OOM retry at a smaller size."""

from __future__ import annotations

import threading

import pytest
from storage_fixtures import submit, tiny_recipe

from generation import assemble
from generation.encoding import probe
from generation.errors import OutOfMemoryRenderError
from renderqueue.rendering import process_job
from renderqueue.worker_config import WorkerConfig
from renderqueue.settings import WorkerSettings
from storage.clips import get_clip
from renderqueue.jobs import claim_next, get_job
from storage.model_stats import get_model_stats



@pytest.fixture
def config(tmp_path, db_path, tiny_models_dir) -> WorkerConfig:
    return WorkerConfig(
        db_path=db_path,
        media_dir=tmp_path / "media",
        models_dir=tiny_models_dir,
        worker_id="render-test",
        settings=WorkerSettings(heartbeat_interval_s=0.1, device="cpu"),
    )


def run_once(db, config, pipelines):
    job = claim_next(db, config.worker_id, loaded_model="tiny")
    process_job(db, job, pipelines, config, threading.Event())
    return get_job(db, job.id)


def test_renders_a_playable_clip_and_reuses_cached_shots(db, config, pipelines):
    recipes = [tiny_recipe(0), tiny_recipe(1)]
    submit(db, recipes=recipes)
    first = run_once(db, config, pipelines)
    assert first.status == "done", first.error
    clip = get_clip(db, first.clip_id)
    video = probe(clip.video_path)
    assert (video.width, video.height, video.frame_count) == (64, 64, 10)
    assert clip.storyboard_path.endswith(".png")
    assert get_model_stats(db, "tiny").samples == 1
    renders = db.execute("SELECT recipe_hash, created_at FROM renders ORDER BY recipe_hash").fetchall()
    assert len(renders) == 2

    # Same shots in a new clip (say, a remix that only changes the caption): pure cache hits.
    loads = pipelines.loads
    submit(db, user_id=2, recipes=recipes)
    second = run_once(db, config, pipelines)
    assert second.status == "done"
    assert pipelines.loads == loads
    assert db.execute("SELECT recipe_hash, created_at FROM renders ORDER BY recipe_hash").fetchall() == renders
    assert db.execute("SELECT SUM(hits) FROM renders").fetchone()[0] == 2
    assert probe(get_clip(db, second.clip_id).video_path).frame_count == 10


def test_out_of_memory_once_is_retried_at_a_smaller_size(db, config, pipelines, monkeypatch):
    real_render_shot = assemble.render_shot
    failures = []

    def render_shot(recipe, cache, **kwargs):
        if not failures:
            failures.append(recipe)
            raise OutOfMemoryRenderError("The GPU ran out of memory rendering this shot.")
        return real_render_shot(recipe, cache, **kwargs)

    monkeypatch.setattr(assemble, "render_shot", render_shot)
    job = submit(db, recipes=[tiny_recipe(0, seed=50), tiny_recipe(1, seed=50)])
    assert run_once(db, config, pipelines).status == "queued"
    done = run_once(db, config, pipelines)
    assert (done.status, done.attempts) == ("done", 2)
    video = probe(get_clip(db, job.clip_id).video_path)
    assert (video.width, video.height, video.frame_count) == (48, 48, 10)
