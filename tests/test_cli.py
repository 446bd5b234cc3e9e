"""The `reelbot` command line and configuration loading."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main
from generation.encoding import probe
from studio.config import load_config


def test_generate_prints_a_playable_clip_and_a_storyboard(
    tmp_path: Path, tiny_models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(tiny_models_dir, target_is_directory=True)

    code = main(["generate", "a giant monster walking through New York", "--model", "tiny", "--home", str(home),
                 "--shots", "2", "--seed", "3", "--config", str(tmp_path / "none.toml")])  # fmt: skip

    out, err = capsys.readouterr()
    assert code == 0, err
    video, storyboard = (Path(line) for line in out.split())
    info = probe(video)
    assert info.duration > 0 and info.frame_count >= 2
    assert Image.open(storyboard).size[0] > 0
    assert "monster" in err.lower()


def test_generate_reports_bad_input_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["generate", "   ", "--home", str(tmp_path), "--config", str(tmp_path / "none.toml")])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err


def test_config_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "reelbot.toml"
    path.write_text(
        'home = "/srv/reelbot"\ndefault_model = "ltx-video"\nworkers = 2\n'
        '[expander]\nbackend = "openai"\nbase_url = "http://127.0.0.1:11434/v1"\n'
        '[safety]\nlevel = "strict"\nblocklist = ["clowns"]\n'
    )
    config = load_config(path, env={"REELBOT_DEFAULT_MODEL": "wan-1.3b", "REELBOT_DEV_GUILDS": "1,2"})
    assert config.home == Path("/srv/reelbot") and config.db_path == Path("/srv/reelbot/reelbot.sqlite3")
    assert config.default_model == "wan-1.3b"  # the environment wins over the file
    assert config.workers == 2 and config.dev_guild_ids == (1, 2)
    assert config.expander.backend == "openai" and config.expander.base_url == "http://127.0.0.1:11434/v1"
    assert config.safety.level == "strict" and config.safety.blocklist == ["clowns"]


def test_config_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "reelbot.toml"
    path.write_text("defualt_model = 'tiny'\n")
    with pytest.raises(ValueError, match="defualt_model"):
        load_config(path, env={})
