"""Fast drafts, decided: which path a draft takes, what its recipe says, licences, the DMD sampler, the tiny
LoRAs' key layouts and the CUDA fast paths' decisions (rendering them: test_fast_paths_render.py)."""
from __future__ import annotations

import dataclasses
import hashlib
import shutil

import pytest
import torch
from safetensors import safe_open

from generation import licences
from generation.accel import Acceleration, Decision, decide
from generation.adapters import ADAPTERS, lora_family
from generation.fast_paths import DRAFT_PATHS, FAST_PATHS, as_draft, as_final, draft_path
from generation.licences import LICENCES, Licence, licence_of
from generation.model_files import ready_folder
from generation.errors import ModelUnavailableError
from generation.recipe import ShotRender
from generation.registry import PRESETS, clip_models, get_preset
from generation.schedulers import DistilledFlowMatchScheduler
from generation.tiny_adapters import ensure_tiny_adapter

FOX = dict(model="wan-1.3b", prompt="a fox", negative_prompt="", seed=7, width=832, height=480, num_frames=81, fps=16,
           steps=50, guidance=5.0)  # fmt: skip


def test_old_recipes_hash_as_before_and_the_quality_keys_the_render_cache():
    recipe = ShotRender(**FOX)
    # What Reelbot computed for this recipe before quality and fast_path existed: cached renders stay valid.
    assert recipe.content_hash() == "cf4c15fa9b006e2477b3366faa3040c1"
    assert ShotRender.from_dict({**FOX}) == recipe and recipe.quality == "final" and recipe.fast_path is None
    hashes = {recipe.content_hash(), dataclasses.replace(recipe, quality="draft").content_hash(),
              dataclasses.replace(recipe, fast_path="wan-first-block-cache").content_hash()}  # fmt: skip
    assert len(hashes) == 3
    assert ShotRender.from_dict(as_draft(recipe, FAST_PATHS["wan-first-block-cache"]).to_dict()).quality == "draft"


def test_a_draft_takes_its_paths_schedule_and_finalizing_restores_the_presets():
    five = dataclasses.replace(ShotRender(**FOX), model="wan2.2-ti2v-5b", width=1280, height=704, num_frames=121, fps=24)
    draft = as_draft(five, FAST_PATHS["fastwan2.2-ti2v-5b"])
    assert (draft.quality, draft.fast_path, draft.steps, draft.guidance) == ("draft", "fastwan2.2-ti2v-5b", 3, 1.0)
    assert as_final(draft) == five  # 50 steps, CFG 5.0 again, no fast path
    assert as_final(draft, cache_finals=True).fast_path == "wan-first-block-cache-final"
    cached = as_draft(five, FAST_PATHS["wan-first-block-cache"])
    assert (cached.steps, cached.guidance) == (25, 5.0)  # a cache hook keeps the preset's sampler, at draft steps
    plain = as_draft(five, None)  # draft_quality = full: the preset's own sampler at draft steps
    assert (plain.quality, plain.fast_path, plain.steps) == ("draft", None, 25)
    lora = as_draft(dataclasses.replace(five, model="tiny-wan", steps=3), FAST_PATHS["tiny-wan-distill-lora"])
    assert (lora.steps, lora.guidance) == (4, 1.0) and (as_final(lora).steps, as_final(lora).guidance) == (3, 5.0)


def test_drafts_take_the_first_path_whose_weights_are_here_and_licence_allows(tiny_models_dir, tmp_path, monkeypatch):
    models = tmp_path / "models"
    models.mkdir()
    assert draft_path("wan2.2-ti2v-5b", models).name == "wan-first-block-cache"  # FastWan not downloaded
    shutil.copytree(tiny_models_dir / "tiny-fastwan2.2", models / "fastwan2.2-ti2v-5b")
    assert draft_path("wan2.2-ti2v-5b", models).name == "fastwan2.2-ti2v-5b"
    monkeypatch.setitem(LICENCES, "fastwan2.2-ti2v-5b", Licence("other", "a restricted card, for this test"))
    assert draft_path("wan2.2-ti2v-5b", models).name == "wan-first-block-cache"
    assert draft_path("wan2.2-ti2v-5b", models, frozenset({"fastwan2.2-ti2v-5b"})).name == "fastwan2.2-ti2v-5b"
    shutil.rmtree(models / "fastwan2.2-ti2v-5b" / "scheduler")  # an incomplete folder is never used
    assert draft_path("wan2.2-ti2v-5b", models, frozenset({"fastwan2.2-ti2v-5b"})).name == "wan-first-block-cache"
    assert [draft_path(name, models).name for name in ("wan-1.3b", "ltx-video", "cogvideox-2b")] == [
        "wan-first-block-cache", "ltx-taylorseer", "cogvideox-taylorseer"]  # fmt: skip
    # Every clip preset has a draft path of its own family; every path names real weights or a hook.
    for name in clip_models():
        assert DRAFT_PATHS[name] and all(FAST_PATHS[p].family == get_preset(name).family for p in DRAFT_PATHS[name])
    for path in FAST_PATHS.values():
        assert (path.kind == "cache") == (path.source is None) and (path.kind != "cache" or path.hook)
        assert path.source is None or path.source in PRESETS or path.source in ADAPTERS


def test_a_distilled_folder_missing_its_scheduler_names_the_fix(tiny_models_dir, tmp_path):
    shutil.copytree(tiny_models_dir / "tiny-fastwan2.2", tmp_path / "fastwan2.2-ti2v-5b")
    assert ready_folder(tmp_path, get_preset("fastwan2.2-ti2v-5b")) == tmp_path / "fastwan2.2-ti2v-5b"
    shutil.rmtree(tmp_path / "fastwan2.2-ti2v-5b" / "scheduler")
    with pytest.raises(ModelUnavailableError) as info:
        ready_folder(tmp_path, get_preset("fastwan2.2-ti2v-5b"))
    assert "scheduler/ is missing" in info.value.user_message
    assert info.value.fix.startswith("run `reelbot models pull fastwan2.2-ti2v-5b` again")


def test_models_pull_of_a_distilled_preset_fetches_its_transformer_only(tiny_models_dir, tmp_path, capsys):
    from bot.cli import main

    args = ["--home", str(tmp_path), "--config", str(tmp_path / "none.toml")]
    assert main(["models", "pull", "fastwan2.2-ti2v-5b", "--from", str(tiny_models_dir / "tiny-fastwan2.2"), *args]) == 0
    folder = tmp_path / "models" / "fastwan2.2-ti2v-5b"
    assert capsys.readouterr().out.strip() == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["model_index.json", "scheduler", "transformer"]
    seen = {}
    from generation.model_files import pull

    pull(get_preset("fastwan2.2-ti2v-5b"), tmp_path / "other",
         download=lambda **kwargs: seen.update(kwargs) or shutil.copytree(folder, kwargs["local_dir"], dirs_exist_ok=True))
    assert seen["repo_id"] == "FastVideo/FastWan2.2-TI2V-5B-FullAttn-Diffusers"
    assert seen["allow_patterns"] == ["model_index.json", "scheduler/*", "transformer/*"]


def test_every_preset_and_adapter_names_its_licence_and_the_restricted_ones_need_opt_in():
    assert set(PRESETS) | set(ADAPTERS) <= set(LICENCES)
    assert not licence_of("ltx-video").permissive and licence_of("ltx-video").spdx == "other"
    assert {licence_of(name).spdx for name in ("wan-1.3b", "wan2.2-ti2v-5b", "cogvideox-2b", "fastwan2.2-ti2v-5b")} == {
        "apache-2.0"}  # fmt: skip
    assert not licences.allowed_unasked("ltx-video") and licences.allowed_unasked("ltx-video", ("ltx-video",))


def test_the_dmd_sampler_predicts_the_clean_video_and_renoises_it_from_the_recipes_generator():
    scheduler = DistilledFlowMatchScheduler(fixed_timesteps=(1000, 757, 522))
    scheduler.set_timesteps(3)
    assert scheduler.timesteps.tolist() == [1000, 757, 522]
    assert scheduler.sigmas.tolist() == pytest.approx([1.0, 0.757, 0.522, 0.0])
    clean, noise = torch.randn(1, 4, 2, 3, 3), torch.randn(1, 4, 2, 3, 3)
    velocity = noise - clean  # what a perfect flow-matching model predicts
    scheduler.generator = torch.Generator().manual_seed(5)
    fresh = torch.randn(clean.shape, generator=torch.Generator().manual_seed(5))
    step = scheduler.step(velocity, scheduler.timesteps[0], noise).prev_sample
    assert torch.allclose(step, (1 - 0.757) * clean + 0.757 * fresh, atol=1e-5)
    scheduler.step(velocity, scheduler.timesteps[1], step)
    last = scheduler.step(velocity, scheduler.timesteps[2], (1 - 0.522) * clean + 0.522 * noise).prev_sample
    assert torch.allclose(last, clean, atol=1e-5)  # the last step is the clean prediction itself
    scheduler.set_timesteps(5)  # any other step count: the ordinary evenly spaced schedule
    assert len(scheduler.timesteps) == 5


@pytest.mark.parametrize("name, prefix, family", [
    ("tiny-wan-distill-lora", "diffusion_model.blocks.", "wan"),
    ("tiny-ltx-distill-lora", "diffusion_model.transformer_blocks.", "ltx"),
    ("tiny-cogvideox-distill-lora", "transformer.transformer_blocks.", "cogvideox"),
])  # fmt: skip
def test_tiny_loras_use_their_familys_published_key_layout(tiny_models_dir, tmp_path, name, prefix, family):
    first = ensure_tiny_adapter(tiny_models_dir, name)
    with safe_open(str(first), framework="pt") as handle:
        keys = list(handle.keys())
    assert keys and all(key.startswith(prefix) for key in keys) and lora_family(keys) == family
    down, up = (".lora_down.weight", ".lora_up.weight") if family == "wan" else (".lora_A.weight", ".lora_B.weight")
    assert sum(key.endswith(down) for key in keys) == sum(key.endswith(up) for key in keys) > 0
    shutil.copytree(tiny_models_dir / ADAPTERS[name].presets[0], tmp_path / ADAPTERS[name].presets[0])
    again = ensure_tiny_adapter(tmp_path, name)  # byte-identical on every build
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(first.read_bytes()).digest()


def test_cuda_fast_paths_are_skipped_on_cpu_and_decided_per_model(pipelines):
    wan, cog = pipelines.get("tiny-wan").transformer, pipelines.get("tiny-cogvideox").transformer
    everything = Acceleration(compile=True, attention="auto", channels_last=True)
    assert decide(wan, "cpu", Acceleration()) == Decision()
    on_cpu = decide(wan, "cpu", everything)
    assert not on_cpu.compiles and on_cpu.attention is None and not on_cpu.channels_last
    assert on_cpu.skipped == ("compile: no CUDA device", "attention: no CUDA device", "channels_last: no CUDA device")
    # Wan and LTX declare their repeated blocks: regional compile; CogVideoX declares none: compiled whole.
    assert decide(wan, "cuda:0", everything).compile == "regional"
    assert decide(pipelines.get("tiny-ltx").transformer, "cuda", everything).compile == "regional"
    assert decide(cog, "cuda", everything).compile == "whole"
    bare = decide(wan, "cuda", everything, kernels=frozenset())
    assert bare.attention is None and "no FlashAttention package installed" in bare.skipped[0] and bare.channels_last
    both = frozenset({"flash", "_flash_3"})
    assert decide(wan, "cuda", everything, kernels=both, capability=(9, 0)).attention == "_flash_3"  # Hopper
    assert decide(wan, "cuda", everything, kernels=both, capability=(8, 9)).attention == "flash"
    sage = Acceleration(attention="sage")
    assert decide(wan, "cuda", sage).attention is None and "not installed" in decide(wan, "cuda", sage).skipped[0]
    assert decide(wan, "cuda", sage, kernels=frozenset({"sage"})).attention == "sage"
