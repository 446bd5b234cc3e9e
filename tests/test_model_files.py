"""Model folders and load errors: each way a model can be unusable gets one clear message saying how to
fix it, and the worker keeps serving the other presets."""
from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from storage_fixtures import submit, tiny_recipe

from generation import model_files
from generation.errors import ModelUnavailableError, RecipeError
from generation.model_files import check_model_folder, pull
from generation.pipelines import PipelineCache
from generation.registry import get_preset
from renderqueue.settings import WorkerSettings
from renderqueue.rendering import process_job
from renderqueue.worker_config import WorkerConfig
from renderqueue.jobs import claim_next, get_job

LTX = get_preset("ltx-video")


def _copy_as(tiny_models_dir: Path, tiny: str, models_dir: Path, name: str) -> Path:
    """A tiny model's folder copied in place of a real preset's download (same layout as the hub repo)."""
    target = models_dir / name
    shutil.copytree(tiny_models_dir / tiny, target)
    return target


def test_a_complete_folder_passes_and_each_fault_is_named(tiny_models_dir, tmp_path):
    folder = _copy_as(tiny_models_dir, "tiny-ltx", tmp_path, "ltx-video")
    assert check_model_folder(folder, LTX) is None
    weights = folder / "transformer" / "diffusion_pytorch_model.safetensors"
    partial = folder / ".cache" / "huggingface" / "download" / "transformer" / "x.safetensors.incomplete"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half")
    assert check_model_folder(folder, LTX) == "download not finished"
    partial.unlink()
    weights.unlink()
    assert check_model_folder(folder, LTX) == "transformer/ has no weights"
    (folder / "model_index.json").write_text("{not json")
    assert "corrupt" in check_model_folder(folder, LTX)
    assert check_model_folder(tmp_path / "absent", LTX) == "not downloaded"
    wan = _copy_as(tiny_models_dir, "tiny-wan", tmp_path, "wan-as-ltx")
    assert check_model_folder(wan, LTX) == "holds a WanPipeline model, not LTXPipeline (ltx family)"


def test_sharded_weights_must_all_be_there(tiny_models_dir, tmp_path):
    folder = _copy_as(tiny_models_dir, "tiny-ltx", tmp_path, "ltx-video")
    shard_map = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    (folder / "text_encoder" / "model.safetensors.index.json").write_text(json.dumps(shard_map))
    (folder / "text_encoder" / "model-00001-of-00002.safetensors").write_bytes(b"x")
    assert check_model_folder(folder, LTX) == (
        "text_encoder/ lacks 1 weight file(s), e.g. model-00002-of-00002.safetensors"
    )


def test_load_errors_say_what_is_wrong_and_how_to_fix_it(tiny_models_dir, tmp_path, monkeypatch):
    cache = PipelineCache(tmp_path, device="cpu")
    with pytest.raises(RecipeError, match="Unknown model 'sora'"):
        cache.get("sora")
    with pytest.raises(ModelUnavailableError) as info:
        cache.get("ltx-video")
    assert "isn't downloaded" in info.value.user_message and "reelbot models pull ltx-video" in info.value.fix

    _copy_as(tiny_models_dir, "tiny-wan", tmp_path, "ltx-video")
    with pytest.raises(ModelUnavailableError) as info:
        cache.get("ltx-video")
    assert "WanPipeline" in info.value.user_message and "pull ltx-video" in info.value.fix

    shutil.rmtree(tmp_path / "ltx-video")
    _copy_as(tiny_models_dir, "tiny-ltx", tmp_path, "ltx-video")
    real_find_spec = model_files.importlib.util.find_spec
    monkeypatch.setattr(model_files.importlib.util, "find_spec",
                        lambda name: None if name == "sentencepiece" else real_find_spec(name))  # fmt: skip
    with pytest.raises(ModelUnavailableError) as info:
        cache.get("ltx-video")
    assert "sentencepiece" in info.value.user_message and info.value.fix == "pip install sentencepiece"
    assert cache.loads == 0 and cache.loaded() == []

    no_gpu = PipelineCache(tmp_path, device="cuda:1")
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(ModelUnavailableError) as info:
        no_gpu.get("tiny")
    assert "CUDA isn't available" in info.value.user_message and "reelbot doctor" in info.value.fix


def test_pull_copies_from_a_local_folder_resumes_and_checks(tiny_models_dir, tmp_path):
    source = tiny_models_dir / "tiny-ltx"
    models = tmp_path / "models"
    folder = pull(LTX, models, source=source)
    assert folder == models / "ltx-video" and check_model_folder(folder, LTX) is None
    # resume: a file that is already complete is not copied again; a missing one is
    kept = folder / "vae" / "config.json"
    before = kept.stat().st_mtime_ns
    (folder / "transformer" / "diffusion_pytorch_model.safetensors").unlink()
    pull(LTX, models, source=source)
    assert kept.stat().st_mtime_ns == before and check_model_folder(folder, LTX) is None
    with pytest.raises(ModelUnavailableError, match="built on this machine"):
        pull(get_preset("tiny"), models)


def test_pull_asks_the_hub_for_the_diffusers_folders_only(tiny_models_dir, tmp_path):
    asked = {}

    def snapshot_download(**kwargs):
        asked.update(kwargs)
        shutil.copytree(tiny_models_dir / "tiny-ltx", kwargs["local_dir"], dirs_exist_ok=True)
        return str(kwargs["local_dir"])

    folder = pull(LTX, tmp_path, download=snapshot_download)
    assert asked["repo_id"] == "Lightricks/LTX-Video" and asked["local_dir"] == folder
    assert "model_index.json" in asked["allow_patterns"] and "*.safetensors" not in asked["allow_patterns"]

    def disk_full(**kwargs):
        raise OSError(28, "No space left on device")

    with pytest.raises(ModelUnavailableError) as info:
        pull(LTX, tmp_path / "other", download=disk_full)
    assert "disk filled up" in info.value.user_message and "GB" in info.value.fix

    def offline(**kwargs):
        raise ConnectionError("Failed to resolve 'huggingface.co'")

    with pytest.raises(ModelUnavailableError) as info:
        pull(LTX, tmp_path / "third", download=offline)
    assert "Couldn't download ltx-video" in info.value.user_message and "resumes" in info.value.fix


def test_worker_fails_a_broken_model_clearly_and_keeps_serving_others(db, db_path, tiny_models_dir, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    for name in ("tiny-wan",):
        (models / name).symlink_to(tiny_models_dir / name, target_is_directory=True)
    _copy_as(tiny_models_dir, "tiny-wan", models, "ltx-video")  # a Wan model in the LTX folder
    config = WorkerConfig(db_path=db_path, media_dir=tmp_path / "media", models_dir=models, worker_id="w",
                          settings=WorkerSettings(heartbeat_interval_s=0.05))  # fmt: skip
    pipelines = PipelineCache(models, device="cpu")
    ltx_shot = dict(tiny_recipe(0), model="ltx-video", width=704, height=480, num_frames=9, fps=24)
    broken = submit(db, model="ltx-video", recipes=[ltx_shot], priority=1)
    fine = submit(db, model="tiny", recipes=[tiny_recipe(0)])
    for _ in range(2):
        job = claim_next(db, config.worker_id, loaded_model=None)
        process_job(db, job, pipelines, config, threading.Event())
    failed, done = get_job(db, broken.id), get_job(db, fine.id)
    assert failed.status == "failed" and "ltx-video" in str(failed.reason) and "WanPipeline" in str(failed.reason)
    assert done.status == "done"
