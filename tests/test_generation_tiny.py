import hashlib
import json

from generation.tiny import STAMP_FILE, TINY_BUILD, corpus, ensure_tiny_model


def _digests(model_dir):
    return {
        str(path.relative_to(model_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(model_dir.rglob("*"))
        if path.is_file()
    }


def test_build_is_byte_for_byte_reproducible(tmp_path, tiny_models_dir):
    fresh = ensure_tiny_model(tmp_path / "again")
    assert _digests(fresh) == _digests(tiny_models_dir / "tiny")
    assert {"model_index.json", "tokenizer/tokenizer.json", "transformer/config.json"} <= set(_digests(fresh))


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
    assert [p.name for p in tmp_path.iterdir()] == ["tiny"]  # no staging leftovers


def test_loads_through_wan_pipeline_with_a_bilingual_t5_style_tokenizer(pipelines):
    pipe = pipelines.get("tiny")
    assert type(pipe).__name__ == "WanPipeline"
    assert type(pipe.text_encoder).__name__ == "UMT5EncoderModel"
    assert type(pipe.vae).__name__ == "AutoencoderKLWan"
    assert type(pipe.transformer).__name__ == "WanTransformer3DModel"
    assert type(pipe.scheduler).__name__ == "FlowMatchEulerDiscreteScheduler"
    tokenizer = pipe.tokenizer
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) == (0, 1, 2)
    assert len(tokenizer) <= pipe.text_encoder.config.vocab_size
    for text in ("a small robot flies over a snowy pine forest.", "一只猫在安静的图书馆画着月球表面。"):
        ids = tokenizer(text).input_ids
        assert ids[-1] == tokenizer.eos_token_id
        assert tokenizer.unk_token_id not in ids
    assert any("猫" in line for line in corpus()) and len(corpus()) > 300
