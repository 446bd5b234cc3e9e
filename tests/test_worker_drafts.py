"""The worker with fast drafts: warm-up before the first claim, a clip mixing a draft and a final (no hook or
LoRA of the draft reaches the final), and a broken adapter that fails its job with the fix while the worker
keeps serving other presets."""
from __future__ import annotations

import dataclasses
import shutil
import threading
import time

import av
import numpy as np
import pytest
from storage_fixtures import submit, tiny_recipe

from common.text import Text
from generation.fast_paths import FAST_PATHS, as_draft
from generation.pipelines import PipelineCache
from generation.recipe import ShotRender
from generation.tiny_adapters import ensure_tiny_adapter
from renderqueue.jobs import claim_next, get_job
from renderqueue.rendering import process_job
from renderqueue.settings import AccelSettings, WorkerSettings
from renderqueue.worker import run_worker
from renderqueue.worker_config import WorkerConfig
from storage.renders import lookup_render
from storage.workers import live_workers


def _config(tmp_path, db_path, models, **settings) -> WorkerConfig:
    return WorkerConfig(db_path=db_path, media_dir=tmp_path / "media", models_dir=models, worker_id="drafts",
                        settings=WorkerSettings(device="cpu", heartbeat_interval_s=0.1, poll_interval_s=0.05,
                                                **settings))  # fmt: skip


def _frames(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


def _models(tiny_models_dir, tmp_path, *names):
    for name in names:
        shutil.copytree(tiny_models_dir / name, tmp_path / "models" / name)
    return tmp_path / "models"


def _wait(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_warm_up_then_a_draft_and_a_final_in_one_clip(tiny_models_dir, tmp_path, db, db_path):
    models = _models(tiny_models_dir, tmp_path, "tiny-wan")
    config = _config(tmp_path, db_path, models, accel=AccelSettings(warm_up=("tiny",)))
    pipelines = PipelineCache(models, device="cpu")
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(config, stop), kwargs={"pipelines": pipelines})
    worker.start()
    try:
        # Warmed up before any request: the worker reports the model loaded while the queue is empty.
        _wait(lambda: [w.loaded_model for w in live_workers(db)] == ["tiny-wan"])
        assert pipelines.loads == 1
        final = ShotRender.from_dict(tiny_recipe(0))
        draft = as_draft(dataclasses.replace(final, prompt="shot 0: a cat on a raft"), FAST_PATHS["tiny-wan-distill-lora"])
        job = submit(db, recipes=[draft.to_dict(), final.to_dict()])
        _wait(lambda: get_job(db, job.id).status in ("done", "failed"))
        assert get_job(db, job.id).status == "done", get_job(db, job.id).error
        assert pipelines.loads == 1  # the draft's LoRA joined the warm model; nothing reloaded
    finally:
        stop.set()
        worker.join()
    rendered = _frames(lookup_render(db, final.content_hash(), count_hit=False).path)
    # The same final rendered by a fresh cache that never saw a draft: the same frames.
    alone_db = tmp_path / "alone.sqlite3"
    alone_config = _config(tmp_path / "alone", alone_db, models)
    from storage.db import open_db

    other = open_db(alone_db)
    try:
        alone_job = submit(other, recipes=[final.to_dict()])
        process_job(other, claim_next(other, "drafts", loaded_model=None), PipelineCache(models, device="cpu"),
                    alone_config, threading.Event())  # fmt: skip
        assert get_job(other, alone_job.id).status == "done"
        assert np.array_equal(_frames(lookup_render(other, final.content_hash(), count_hit=False).path), rendered)
    finally:
        other.close()


def test_a_broken_adapter_fails_its_job_with_the_fix_and_the_worker_serves_the_next(
    tiny_models_dir, tmp_path, db, db_path
):
    models = _models(tiny_models_dir, tmp_path, "tiny-wan", "tiny-ltx")
    lora = ensure_tiny_adapter(models, "tiny-wan-distill-lora")
    lora.write_bytes(lora.read_bytes()[:1000])  # a download cut short
    config = _config(tmp_path, db_path, models)
    pipelines = PipelineCache(models, device="cpu", max_loaded=2)
    draft = as_draft(ShotRender.from_dict(tiny_recipe(0)), FAST_PATHS["tiny-wan-distill-lora"])
    broken = submit(db, recipes=[draft.to_dict()])
    process_job(db, claim_next(db, "drafts", loaded_model=None), pipelines, config, threading.Event())
    failed = get_job(db, broken.id)
    assert failed.status == "failed"
    assert Text.loads(failed.error).render() == ("The tiny-wan-distill-lora adapter's file is damaged (a truncated "
                                                 "or corrupt download).")  # fmt: skip
    assert f"delete {lora}" in (failed.error_detail or "")
    ltx = dict(tiny_recipe(0), model="tiny-ltx", num_frames=9, fps=24, guidance=3.0)
    nxt = submit(db, user_id=2, model="tiny-ltx", recipes=[ltx])
    process_job(db, claim_next(db, "drafts", loaded_model=None), pipelines, config, threading.Event())
    assert get_job(db, nxt.id).status == "done"


@pytest.mark.parametrize("value", ["flash_attention_9", "fast"])
def test_an_unknown_attention_backend_or_warm_up_preset_stops_start_up(value):
    with pytest.raises(ValueError, match="expected one of native, auto"):
        AccelSettings(attention=value)
    with pytest.raises(ValueError, match="unknown preset sora"):
        AccelSettings(warm_up=("tiny", "sora"))
