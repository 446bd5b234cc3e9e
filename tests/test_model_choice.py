"""`auto` picks the best model this host has and can run; placement picks the fastest tier that fits;
`reelbot models` and `reelbot doctor` report it."""
from __future__ import annotations

import shutil

import pytest

from bot.cli import main
from generation.placement import Gpu, choose_model, placement_tier, wants_vae_tiling
from generation.registry import get_preset
from studio.config import Config, with_auto_model
from studio.doctor import Check, check_discord_token, check_llm, run_checks

H200 = Gpu(0, "NVIDIA H200", 140e9, 143e9)
MID = Gpu(0, "RTX 3060", 11e9, 12e9)
SMALL = Gpu(0, "RTX 3050", 7e9, 8e9)


def _download(tiny_models_dir, models, tiny, name):
    shutil.copytree(tiny_models_dir / tiny, models / name)


def test_auto_prefers_the_best_present_model_that_fits(tiny_models_dir, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    assert choose_model(models, [])[0] == "tiny" and "noise" in choose_model(models, [])[1]
    name, warning = choose_model(models, [H200])
    assert name == "tiny" and "reelbot models pull" in warning
    _download(tiny_models_dir, models, "tiny-cogvideox", "cogvideox-2b")
    assert choose_model(models, [H200]) == ("cogvideox-2b", None)
    _download(tiny_models_dir, models, "tiny-wan", "wan-1.3b")
    assert choose_model(models, [H200]) == ("wan-1.3b", None)
    assert choose_model(models, [MID]) == ("cogvideox-2b", None)  # wan needs 12.5 GB with offload
    # Too small for model offload: still the best present model, with a warning that it will be slow.
    name, warning = choose_model(models, [SMALL])
    assert name == "wan-1.3b" and "12.5 GB" in warning
    assert choose_model(models, [])[0] == "tiny"  # weights without a GPU: never a real model on CPU


def test_auto_never_picks_a_restricted_licence_unless_the_operator_accepted_it(tiny_models_dir, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    _download(tiny_models_dir, models, "tiny-ltx", "ltx-video")  # LTX-Video: the card's licence is "other"
    name, warning = choose_model(models, [H200])
    assert name == "tiny" and "reelbot models pull" in warning
    assert choose_model(models, [H200], accepted=frozenset({"ltx-video"})) == ("ltx-video", None)
    _download(tiny_models_dir, models, "tiny-cogvideox", "cogvideox-2b")
    assert choose_model(models, [H200]) == ("cogvideox-2b", None)  # ranked below ltx-video, but Apache-2.0
    assert choose_model(models, [H200], accepted=frozenset({"ltx-video"})) == ("ltx-video", None)
    config = Config(home=tmp_path, models={"accept_licences": ["ltx-video"]})
    assert config.models.accept_licences == ("ltx-video",)
    with pytest.raises(ValueError, match="unknown model or adapter sora"):
        Config(home=tmp_path, models={"accept_licences": ["sora"]})


def test_auto_is_the_default_and_resolves_to_a_real_name(tmp_path):
    config = Config(home=tmp_path)
    assert config.default_model == "auto"
    assert with_auto_model(config).default_model == "tiny"  # this machine has no GPU
    assert with_auto_model(Config(home=tmp_path, default_model="ltx-video")).default_model == "ltx-video"


@pytest.mark.parametrize(
    "free_gb, tier", [(None, "gpu"), (80.0, "gpu"), (19.0, "gpu"), (15.0, "model"), (12.5, "model"), (8.0, "group")]
)
def test_placement_takes_the_fastest_tier_that_fits(free_gb, tier):
    wan = get_preset("wan-1.3b")
    assert placement_tier(wan, None if free_gb is None else free_gb * 1e9) == tier


def test_vae_tiling_by_resolution():
    wan = get_preset("wan-1.3b")
    assert wants_vae_tiling(wan, 832, 480, 81, on_gpu=True)
    assert not wants_vae_tiling(wan, 480, 272, 17, on_gpu=True)
    assert not wants_vae_tiling(wan, 832, 480, 81, on_gpu=False)


def test_models_lists_every_preset_with_disk_memory_and_i2v(tiny_models_dir, tmp_path, capsys):
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    _download(tiny_models_dir, home / "models", "tiny-ltx", "ltx-video")
    assert main(["models", "--home", str(home), "--config", str(tmp_path / "none.toml")]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "yes (" in lines["ltx-video"] and "10.5 / 17" in lines["ltx-video"] and " yes " in lines["ltx-video"]
    assert "not downloaded" in lines["wan-1.3b"] and " no " in lines["wan-1.3b"]
    assert "auto -> tiny (no GPU)" in out and "noise" in out
    # Every preset and adapter with its card's licence; the restricted ones flagged, with the opt-in.
    assert "other RESTRICTED" in lines["ltx-video"] and "apache-2.0" in lines["wan-1.3b"]
    assert "apache-2.0" in lines["fastwan2.2-ti2v-5b"] and "(drafts of wan2.2-ti2v-5b)" in lines["fastwan2.2-ti2v-5b"]
    assert "(LoRA for tiny-wan)" in lines["tiny-wan-distill-lora"]
    # What drafts render through here: FastWan is not downloaded, so the 5B's drafts use the cache hook.
    assert "wan-first-block-cache" in lines["wan2.2-ti2v-5b"] and "ltx-taylorseer" in lines["ltx-video"]
    assert "restricted licences (not Apache-2.0/MIT-like): ltx-video." in out and "accept_licences" in out


def test_models_pull_from_a_local_copy_and_unknown_names(tiny_models_dir, tmp_path, capsys):
    home = tmp_path / "home"
    args = ["--home", str(home), "--config", str(tmp_path / "none.toml")]
    assert main(["models", "pull", "cogvideox-2b", "--from", str(tiny_models_dir / "tiny-cogvideox"), *args]) == 0
    assert capsys.readouterr().out.strip() == str(home / "models" / "cogvideox-2b")
    assert main(["models", "pull", "sora", *args]) == 2
    assert "Unknown model 'sora'" in capsys.readouterr().err
    assert main(["models", "pull", "wan-1.3b", "--from", str(tmp_path), *args]) == 2
    assert "is not a copy of the model (no model_index.json)" in capsys.readouterr().err


def test_doctor_reports_one_line_per_check(tmp_path, capsys):
    code = main(["doctor", "--home", str(tmp_path), "--config", str(tmp_path / "none.toml")])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1  # no GPU, no models, no token on this machine
    names = [line.split(":")[0].split(maxsplit=1)[1] for line in lines]
    for expected in ("python", "torch", "cuda", "package sentencepiece", "video encoder", "model wan-1.3b",
                     "planner", "discord token"):  # fmt: skip
        assert expected in names
    assert any(line.startswith("PROBLEM model ltx-video") and "reelbot models pull ltx-video" in line for line in lines)
    assert all(line.startswith(("ok", "PROBLEM")) for line in lines)


def test_token_shape_and_llm_endpoint_checks(tmp_path):
    good = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
    assert [c.ok for c in check_discord_token(Config(discord_token=good))] == [True]
    assert "123456789012345678" in next(iter(check_discord_token(Config(discord_token=good)))).detail
    for bad in ("Bot " + good, "hello", "bm90IGRpZ2l0cw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"):
        assert [c.ok for c in check_discord_token(Config(discord_token=bad))] == [False]
    openai = Config(expander={"backend": "openai"})
    assert [c.ok for c in check_llm(openai, fetch=lambda url, headers: 200)] == [True]
    assert [c.ok for c in check_llm(openai, fetch=lambda url, headers: 401)] == [False]

    def refused(url, headers):
        raise ConnectionRefusedError(111, "Connection refused")

    (check,) = check_llm(openai, fetch=refused)
    assert not check.ok and "unreachable" in check.detail and "base_url" in check.fix
    assert isinstance(run_checks(Config(home=tmp_path))[0], Check)
