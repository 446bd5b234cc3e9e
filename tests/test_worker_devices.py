"""workers = "auto": one worker per GPU, each pinned to its own device."""
from __future__ import annotations

from pathlib import Path

import pytest

from renderqueue.supervisor import Workers, worker_devices
from studio.config import ConfigError, load_config
from studio.worker_process import parse_worker_args, worker_config


@pytest.mark.parametrize(
    "workers, device, gpus, expected",
    [
        ("auto", None, 0, [None]),
        ("auto", None, 2, ["cuda:0", "cuda:1"]),
        ("auto", "cuda:1", 2, ["cuda:1"]),
        (2, None, 2, ["cuda:0", "cuda:1"]),  # two workers on a two-GPU host never share cuda:0
        (3, None, 2, ["cuda:0", "cuda:1", "cuda:0"]),
        (2, "cpu", 2, ["cpu", "cpu"]),
        (0, None, 4, []),
        (2, None, 0, [None, None]),
    ],
)
def test_each_worker_gets_its_own_gpu(workers, device, gpus, expected):
    assert worker_devices(workers, device, gpus) == expected


def test_each_supervised_worker_process_is_pinned(tmp_path: Path):
    settings = tmp_path / "reelbot.toml"
    settings.write_text("[worker]\njob_timeout_s = 99\n")
    base = worker_config(load_config(settings, home=tmp_path))
    workers = Workers(base, devices=worker_devices("auto", None, 2))
    assert [config.settings.device for config in workers.configs] == ["cuda:0", "cuda:1"]
    assert [config.worker_id for config in workers.configs] == [f"{base.worker_id}-0", f"{base.worker_id}-1"]
    for config, device in zip(workers.configs, ("cuda:0", "cuda:1")):
        # the worker process reads the same settings, pinned to its own GPU
        process = parse_worker_args(list(config.process_command[3:]))
        assert process.config.worker.device == device and process.config.worker.job_timeout_s == 99


def test_workers_setting_reads_auto_or_a_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    missing = tmp_path / "none.toml"
    assert load_config(missing).workers == "auto"
    monkeypatch.setenv("REELBOT_WORKERS", "3")
    assert load_config(missing).workers == 3
    monkeypatch.setenv("REELBOT_WORKERS", "auto")
    assert load_config(missing).workers == "auto"
    monkeypatch.setenv("REELBOT_WORKERS", "many")
    with pytest.raises(ConfigError, match="workers"):
        load_config(missing)
