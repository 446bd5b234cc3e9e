"""The LLM planner's weights: `reelbot models pull planner` fills <home>/models/planner (from a local copy
here: the hub is out of reach), the expander then uses that folder, `reelbot models` lists it, doctor
advises it where a GPU is, and `auto` leaves its GPU memory free for it."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from generation.model_files import PLANNER, check_planner_folder
from generation.placement import GB, PLANNER_VRAM_GB, Gpu, choose_model
from studio import doctor
from studio.config import Config, expander_config


def fake_planner(folder: Path) -> Path:
    """The files a chat model's hub repo holds, small: config, tokenizer, one weight file."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "qwen2"}')
    (folder / "tokenizer.json").write_text("{}")
    (folder / "tokenizer_config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"\0" * 64)
    return folder


def test_pull_planner_from_a_local_copy_and_the_expander_uses_it(tmp_path: Path, capsys) -> None:
    source = fake_planner(tmp_path / "qwen-copy")
    home = tmp_path / "home"
    none = str(tmp_path / "none.toml")
    assert main(["models", "pull", "planner", "--from", str(source), "--home", str(home), "--config", none]) == 0
    folder = home / "models" / "planner"
    assert capsys.readouterr().out.strip() == str(folder) and check_planner_folder(folder) is None
    assert expander_config(Config(home=home)).model_id == str(folder)
    explicit = Config(home=home, expander={"model_id": "my/other-model"})
    assert expander_config(explicit).model_id == "my/other-model"  # an explicit choice is kept

    assert main(["models", "--home", str(home), "--config", none]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("planner"))
    assert "apache-2.0" in row and "3.1 GB" in row and "yes" in row


def test_a_broken_planner_folder_says_what_is_wrong(tmp_path: Path) -> None:
    folder = fake_planner(tmp_path / "planner")
    (folder / "model.safetensors").unlink()
    assert check_planner_folder(folder) == "the planner has no weights"
    assert check_planner_folder(tmp_path / "missing") == "not downloaded"


def test_doctor_advises_the_planner_where_a_gpu_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "_gpu_here", lambda: True)
    (check,) = doctor.check_llm(Config(home=tmp_path))
    assert check.ok and "reelbot models pull planner" in check.detail and PLANNER.licence in check.detail
    monkeypatch.setattr(doctor, "_gpu_here", lambda: False)
    (check,) = doctor.check_llm(Config(home=tmp_path))
    assert check.detail == "rule-based (no LLM)"


def test_auto_leaves_the_planners_memory_free(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "cogvideox-2b").mkdir(parents=True)
    from generation.registry import PRESETS
    import json

    index = {"_class_name": PRESETS["cogvideox-2b"].pipeline_class}
    (models / "cogvideox-2b" / "model_index.json").write_text(json.dumps(index))
    gpu = Gpu(0, "16 GB card", int(12 * GB), int(12 * GB))
    assert choose_model(models, [gpu]) == ("cogvideox-2b", None)
    name, warning = choose_model(models, [gpu], reserve_bytes=int(PLANNER_VRAM_GB * GB))
    assert name == "cogvideox-2b" and "stream layers" in warning  # 8 GB left: below its 10.5 GB offload floor

