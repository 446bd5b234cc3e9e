import dataclasses
import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from generation.registry import PRESETS, get_preset
from generation.render import render_shot
from generation.tiny import STAMP_FILE, TINY_BUILD, TINY_MODELS, corpus, ensure_tiny_model

# Components of each family's hub repo (model_index.json), and how its tokenizer is stored.
HUB_LAYOUT = {
    "tiny-wan": ("WanPipeline", "UMT5EncoderModel", "tokenizer.json"),
    "tiny-wan-vace": ("WanVACEPipeline", "UMT5EncoderModel", "tokenizer.json"),
    "tiny-ltx": ("LTXPipeline", "T5EncoderModel", "spiece.model"),
    "tiny-cogvideox": ("CogVideoXPipeline", "T5EncoderModel", "spiece.model"),
}


def _digests(model_dir):
    return {
        str(path.relative_to(model_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(model_dir.rglob("*"))
        if path.is_file()
    }


def test_every_tiny_model_is_a_preset_and_builds_byte_for_byte_reproducibly(tmp_path, tiny_models_dir):
    assert set(TINY_MODELS) == {name for name, preset in PRESETS.items() if preset.local}
    for name in TINY_MODELS:
        fresh = ensure_tiny_model(tmp_path / "again", name)
        assert _digests(fresh) == _digests(tiny_models_dir / name), name


@pytest.mark.parametrize("name", sorted(HUB_LAYOUT))
def test_tiny_models_keep_their_hub_repo_layout_and_tokenizer_format(tiny_models_dir, name):
    pipeline, encoder, tokenizer_file = HUB_LAYOUT[name]
    folder = tiny_models_dir / name
    index = json.loads((folder / "model_index.json").read_text())
    assert index["_class_name"] == pipeline == get_preset(name).pipeline_class
    assert index["text_encoder"] == ["transformers", encoder]
    for component in ("scheduler", "text_encoder", "tokenizer", "transformer", "vae"):
        assert (folder / component).is_dir()
    tokenizer_files = {path.name for path in (folder / "tokenizer").iterdir()}
    assert tokenizer_file in tokenizer_files
    if tokenizer_file == "spiece.model":  # T5 repos: no tokenizer.json, so loading converts spiece.model
        assert "tokenizer.json" not in tokenizer_files


def test_existing_current_build_is_reused_and_stale_one_rebuilt(tmp_path):
    target = ensure_tiny_model(tmp_path)
    weights = target / "transformer" / "diffusion_pytorch_model.safetensors"
    mtime = weights.stat().st_mtime_ns
    assert ensure_tiny_model(tmp_path) == target and weights.stat().st_mtime_ns == mtime

    (target / STAMP_FILE).write_text(json.dumps({"build": TINY_BUILD - 1}))
    weights.write_bytes(b"corrupt")
    ensure_tiny_model(tmp_path)
    assert json.loads((target / STAMP_FILE).read_text())["build"] == TINY_BUILD
    assert weights.read_bytes() != b"corrupt"
    assert [p.name for p in tmp_path.iterdir()] == ["tiny-wan"]  # no staging leftovers


@pytest.mark.parametrize("name", ["tiny-wan", "tiny-ltx", "tiny-cogvideox"])
def test_tokenizers_are_bilingual_and_t5_style(pipelines, name):
    tokenizer = pipelines.get(name).tokenizer
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) == (0, 1, 2)
    assert len(tokenizer) <= pipelines.get(name).text_encoder.config.vocab_size
    for text in ("a small robot flies over a snowy pine forest.", "一只猫在安静的图书馆画着月球表面。"):
        ids = tokenizer(text).input_ids
        assert ids[-1] == tokenizer.eos_token_id
        assert tokenizer.unk_token_id not in ids
    assert any("猫" in line for line in corpus()) and len(corpus()) > 300


@pytest.mark.parametrize("name", ["tiny-wan", "tiny-wan-vace", "tiny-ltx", "tiny-cogvideox"])
def test_each_family_renders_through_the_real_presets_code(pipelines, tmp_path, name):
    preset = get_preset(name)
    recipe = preset.recipe("a red dragon flies over the beach at sunset.", "blurry", seed=5)
    frames = render_shot(recipe, pipelines).to_bytes()
    assert frames.shape == (recipe.num_frames, recipe.height, recipe.width, 3) and frames.dtype == np.uint8
    assert frames.std() > 0
    assert type(pipelines.get(name)).__name__ == preset.pipeline_class
    if preset.supports_i2v:
        image = tmp_path / "start.png"
        Image.new("RGB", (96, 64), (250, 20, 20)).save(image)
        continued = render_shot(dataclasses.replace(recipe, init_image=str(image)), pipelines).to_bytes()
        assert continued.shape == frames.shape and not np.array_equal(continued, frames)
        i2v = pipelines.get(name, i2v=True)
        assert type(i2v).__name__ == preset.i2v_pipeline_class
        assert i2v.transformer is pipelines.get(name).transformer  # shared weights, not a second copy
    if preset.v2v_pipeline_class is not None:
        v2v = pipelines.get(name, v2v=True)
        assert type(v2v).__name__ == preset.v2v_pipeline_class and v2v.transformer is pipelines.get(name).transformer
