"""Setting up a cluster: the `[cluster]` settings, `reelbot gpu-node`, and a default install that
never imports Ray."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generation.registry import PRESETS

from bot.cli import main
from renderqueue.cluster import ClusterConfig, gpu_node_command, presets_from_resources, presets_on_disk
from renderqueue.supervisor import Workers
from studio.config import ConfigError, load_config
from studio.runtime import workers_for

ROOT = Path(__file__).resolve().parents[1]


def test_cluster_section_from_the_file_then_the_environment(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "reelbot.toml"
    path.write_text('[cluster]\nbackend = "ray"\naddress = "10.0.0.2:6379"\nmax_gpus = 3\nmodels_dir = "/srv/models"\n')
    monkeypatch.setenv("REELBOT_CLUSTER_ADDRESS", "10.0.0.9:6379")
    monkeypatch.setenv("REELBOT_CLUSTER__REFRESH_INTERVAL_S", "5")
    config = load_config(path)
    assert config.cluster == ClusterConfig(
        backend="ray", address="10.0.0.9:6379", max_gpus=3, models_dir=Path("/srv/models"), refresh_interval_s=5
    )
    assert load_config(tmp_path / "none.toml").cluster.backend == "local"


def test_an_unknown_backend_is_named_with_its_value(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REELBOT_CLUSTER_BACKEND", "celery")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "none.toml")
    assert (raised.value.key, raised.value.value) == ("cluster.backend", "celery")
    assert "'local' or 'ray'" in raised.value.reason


def test_the_local_backend_runs_worker_processes(tmp_path: Path) -> None:
    assert isinstance(workers_for(load_config(tmp_path / "none.toml", home=tmp_path), count=2), Workers)


def test_a_default_install_never_imports_ray(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "import bot.cli, bot.console, studio.runtime, studio.service, renderqueue.dispatcher, renderqueue.cluster\n"
        "import renderqueue.ray_actor, renderqueue.worker, renderqueue.supervisor\n"
        "from studio.config import load_config\n"
        "from studio.runtime import workers_for\n"
        f"workers_for(load_config(home={str(tmp_path)!r}))\n"
        "assert 'ray' not in sys.modules, sorted(m for m in sys.modules if m.startswith('ray'))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_gpu_node_command_declares_presets_as_ray_resources() -> None:
    command = gpu_node_command("10.0.0.2:6379", ["tiny", "wan-1.3b"], num_gpus=2)
    assert Path(command[0]).name == "ray" and command[1:5] == ["start", "--address", "10.0.0.2:6379", "--block"]
    resources = json.loads(command[command.index("--resources") + 1])
    assert presets_from_resources({"CPU": 8, "GPU": 2, **resources}) == {"tiny-wan", "wan-1.3b"}
    assert command[-2:] == ["--num-gpus", "2"]
    assert presets_from_resources({"CPU": 8, "GPU": 1}) is None, "a node that declared nothing serves any preset"
    with pytest.raises(ValueError, match="unknown presets: sdxl"):
        gpu_node_command("10.0.0.2:6379", ["sdxl"])


def test_presets_on_disk_are_local_copies_and_the_built_in_tiny_model(tmp_path: Path) -> None:
    (tmp_path / "models" / "ltx-video").mkdir(parents=True)
    (tmp_path / "models" / "ltx-video" / "model_index.json").write_text("{}")
    (tmp_path / "models" / "wan-1.3b").mkdir()  # an unfinished copy without its index
    tiny = [name for name, preset in PRESETS.items() if preset.local]
    assert sorted(presets_on_disk(tmp_path / "models", hub_cache=tmp_path / "hub")) == sorted([*tiny, "ltx-video"])


def test_reelbot_gpu_node_runs_ray_start_with_the_models_folder(tmp_path: Path, monkeypatch) -> None:
    runs = []
    def run(command, env):
        runs.append((command, env))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", run)
    code = main(["gpu-node", "--address", "10.0.0.2:6379", "--presets", "tiny", "--models", str(tmp_path / "m"),
                 "--config", str(tmp_path / "none.toml")])  # fmt: skip
    assert code == 0
    [(command, env)] = runs
    assert "10.0.0.2:6379" in command
    assert json.loads(command[command.index("--resources") + 1]) == {"reelbot-preset-tiny-wan": 1}
    assert env["REELBOT_MODELS_DIR"] == str((tmp_path / "m").resolve())


def test_reelbot_gpu_node_refuses_unknown_presets(tmp_path: Path, capsys) -> None:
    config = ["--config", str(tmp_path / "none.toml")]
    code = main(["gpu-node", "--address", "10.0.0.2:6379", "--presets", "tiny,sdxl", *config])
    assert code == 2 and capsys.readouterr().err.startswith("error: unknown presets: sdxl")


def test_reelbot_worker_refuses_to_render_locally_on_the_ray_backend(tmp_path: Path, capsys, monkeypatch) -> None:
    import studio.worker_process

    monkeypatch.setattr(studio.worker_process, "run_worker", lambda *a: pytest.fail("a local worker started"))
    monkeypatch.setenv("REELBOT_CLUSTER__BACKEND", "ray")
    home = ["--config", str(tmp_path / "none.toml"), "--home", str(tmp_path)]

    assert main(["worker", *home]) == 2
    assert studio.worker_process.main(home) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and all(line.startswith("error: this installation renders on a Ray cluster") for line in errors)
    assert "reelbot gpu-node --address HEAD:PORT" in errors[0]
