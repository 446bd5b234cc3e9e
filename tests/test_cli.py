"""The `reelbot` command line and configuration loading."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.cli import main
from generation.encoding import probe
from generation.storyboard_check import panel_faults
from studio.config import ConfigError, load_config
from studio.worker_process import parse_worker_args, worker_config


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


def test_generate_stills_stops_at_the_storyboard_and_says_where_to_animate_it(
    tmp_path: Path, tiny_models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(tiny_models_dir, target_is_directory=True)

    code = main(["generate", "a red fox trots across a frozen lake at dusk", "--model", "tiny", "--home", str(home),
                 "--shots", "2", "--stills", "--config", str(tmp_path / "none.toml")])  # fmt: skip

    out, err = capsys.readouterr()
    assert code == 0, err
    board, *stills = (Path(line) for line in out.split())
    assert len(stills) == 2 and all(path.suffix == ".png" and path.is_file() for path in (board, *stills))
    assert panel_faults(board, stills) == []  # each panel is its still: not blank, not another shot's
    assert "clip #1: stills ready" in err and "fox" in err.lower()
    # The command has ended: the next step is named where it can be taken, not as a bare console command.
    assert "in `reelbot chat` with /animate 1" in err and "Animate? /animate" not in err
    assert not (home / "media" / "clips" / "1" / "clip.mp4").exists()  # stills only, no video


def test_generate_reports_bad_input_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["generate", "   ", "--home", str(tmp_path), "--config", str(tmp_path / "none.toml")])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err


def test_config_file_then_environment_then_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "reelbot.toml"
    path.write_text(
        'home = "/srv/reelbot"\ndefault_model = "ltx-video"\nworkers = 2\n'
        '[worker]\njob_timeout_s = 600\npoll_interval_s = 0.5\n'
        '[expander]\nbackend = "openai"\nbase_url = "http://127.0.0.1:11434/v1"\n'
        '[safety]\nlevel = "strict"\nblocklist = ["clowns"]\n'
    )
    monkeypatch.setenv("REELBOT_DEFAULT_MODEL", "wan-1.3b")
    monkeypatch.setenv("REELBOT_DEV_GUILDS", "1,2")
    monkeypatch.setenv("REELBOT_DEVICE", "cuda:1")
    monkeypatch.setenv("REELBOT_WORKER__JOB_TIMEOUT_S", "900")
    config = load_config(path, workers=3, expander={"model_id": "qwen2.5:7b-instruct"})
    assert config.home == Path("/srv/reelbot") and config.db_path == Path("/srv/reelbot/reelbot.sqlite3")
    assert config.default_model == "wan-1.3b"  # the environment wins over the file
    assert config.workers == 3 and config.dev_guild_ids == (1, 2)  # the command line wins over both
    assert config.worker.device == "cuda:1" and config.worker.job_timeout_s == 900
    assert config.worker.poll_interval_s == 0.5  # sections merge key by key across sources
    assert config.expander.backend == "openai" and config.expander.base_url == "http://127.0.0.1:11434/v1"
    assert config.expander.model_id == "qwen2.5:7b-instruct"
    assert config.safety.level == "strict" and config.safety.blocklist == ["clowns"]
    assert config.config_file == path.resolve()


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("defualt_model = 'tiny'\n", "defualt_model", "tiny"),
        ("workers = 'many'\n", "workers", "many"),
        ("[worker]\njob_timeout_s = -5\n", "worker.job_timeout_s", -5),
        ("[worker]\npoll_interval = 1\n", "worker.poll_interval", 1),
        ("default_model = '../../etc/passwd'\n", "default_model", "../../etc/passwd"),  # a preset, or auto
    ],
)
def test_a_bad_setting_is_named_with_its_value(tmp_path: Path, text: str, key: str, value: object) -> None:
    path = tmp_path / "reelbot.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert (raised.value.key, raised.value.value, raised.value.source) == (key, value, path.resolve())


def test_the_cli_reports_a_bad_setting_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "reelbot.toml"
    path.write_text("[worker]\njob_timeout_s = 'soon'\n")
    assert main(["worker", "--config", str(path), "--home", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: bad setting worker.job_timeout_s = 'soon'") and "Traceback" not in err


def test_a_worker_process_reads_the_same_settings_as_its_front_end(tmp_path: Path) -> None:
    path = tmp_path / "reelbot.toml"
    path.write_text('[worker]\ndevice = "cpu"\njob_timeout_s = 42\nhang_grace_s = 5\n[worker.policy]\nmax_bypass = 4\n')
    config = load_config(path, home=tmp_path / "home")
    command = worker_config(config).process_command
    assert command[1:3] == ("-m", "studio.worker_process")
    in_process = worker_config(config)
    in_subprocess = worker_config(parse_worker_args(list(command[3:])).config)
    assert in_subprocess.settings == in_process.settings and in_subprocess.settings.policy.max_bypass == 4
    assert (in_subprocess.db_path, in_subprocess.media_dir) == (in_process.db_path, in_process.media_dir)


def test_plan_prints_the_shot_list_without_rendering(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import re

    none = str(tmp_path / "none.toml")
    code = main(["plan", "an owl lands on a fence post, then it flies off, vertical, make it 6 seconds",
                 "--model", "tiny", "--home", str(tmp_path), "--config", none, "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    plan = json.loads(out)
    assert {"title", "bible", "aspect", "width", "height", "fps", "total_duration_s", "backend", "shots"} <= set(plan)
    assert (plan["aspect"], plan["fps"], plan["backend"]) == ("9:16", 8, "rules")
    assert plan["height"] > plan["width"] and plan["total_duration_s"] == pytest.approx(6)
    assert [shot["index"] for shot in plan["shots"]] == [1, 2]
    assert sum(shot["duration_s"] for shot in plan["shots"]) == pytest.approx(6)
    assert all(shot["segments"] == 2 for shot in plan["shots"])  # 3 s shots, 2.1 s generations
    assert "flies off" in plan["shots"][1]["prompt"] and "vertical" not in out.replace('"aspect"', "")
    assert not (tmp_path / "reelbot.sqlite3").exists()  # nothing stored, nothing queued

    assert main(["plan", "a fox, 3 shots", "--model", "tiny", "--config", none, "--style", "claymation"]) == 0
    text = capsys.readouterr().out
    assert "style: claymation" in text and len(re.findall(r"^  \d\. \d+\.\d s", text, re.MULTILINE)) == 3
    assert main(["plan", "4 shots", "--config", none]) == 2
    assert capsys.readouterr().err.startswith("error: That only says how to film it")
