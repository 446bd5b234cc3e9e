"""The bot's wiring and its texts: `reelbot run` without a token, command sync, progress and error lines."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from discord import app_commands

from bot.cli import main
from bot.cogs.admin import matching_settings
from bot.embeds import format_eta, progress_line
from bot.origin import Origin
from bot.incidents import GENERIC_APOLOGY
from bot.replies import error_text
from bot_harness import World
from common.errors import QueueFull
from storage.records import QueueEstimate
from studio.job_views import JobView
from studio_fixtures import ALICE


def test_run_without_a_token_explains_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    code = main(["run", "--home", str(tmp_path), "--workers", "0", "--config", str(tmp_path / "none.toml")])
    assert code == 2
    assert "DISCORD_TOKEN" in capsys.readouterr().err


async def test_commands_sync_to_dev_guilds_when_configured(world: World) -> None:
    world.config = world.config.model_copy(update={"dev_guild_ids": (world.guild.id,)})
    async with world.fake.running(world.bot()):
        await world.fake.wait_synced()
        scoped = {c["name"] for c in world.fake.commands if c.get("guild_id") == str(world.guild.id)}
        assert scoped == {"video", "help", "queue", "settings", "remix", "remixes", "clip", "lineage", "challenge",
                          "relay", "profile", "finalize", "forget", "cast"}
        assert not [c for c in world.fake.commands if "guild_id" not in c]


async def test_progress_lines(studio) -> None:  # noqa: ANN001
    accepted = await studio.create(ALICE, "a cat on a boat")
    queued = JobView(accepted.job, accepted.clip, QueueEstimate(3, 95.0))
    assert progress_line(queued) == "⏳ Clip #1 is queued · position 3 · ETA 1m 40s"
    deep = JobView(accepted.job, accepted.clip, QueueEstimate(840, 95.0, exact=False))
    assert progress_line(deep) == "⏳ Clip #1 is queued · about position 840 · ETA 1m 40s"
    running = replace(accepted.job, status="running", progress=0.45, stage="Rendering shot 2/3 (step 4/30)",
                      started_at=1000.0)
    # Rendering has no place in the queue to show; the estimate holds while the render keeps its pace...
    assert progress_line(JobView(running, accepted.clip, QueueEstimate(0, 18.0)), now=1010.0) == (
        "▰▰▰▰▱▱▱▱▱▱ 45% · Rendering shot 2/3 · ETA 20s"
    )
    # ...and a render slower than estimated shows its own pace (40 s for 45%: about 49 s more), not a
    # floor it sits at: a stuck "5s" was what members saw.
    slow = JobView(running, accepted.clip, QueueEstimate(0, 3.0))
    assert progress_line(slow, now=1040.0) == "▰▰▰▰▱▱▱▱▱▱ 45% · Rendering shot 2/3 · ETA 50s"
    later = replace(running, progress=0.9)
    assert progress_line(JobView(later, accepted.clip, QueueEstimate(0, 3.0)), now=1072.0).endswith("ETA 10s")
    assert Origin.of(accepted.clip) is None  # asked for on the console: not the bot's to deliver


def test_eta_is_coarse_so_status_edits_are_rare() -> None:
    assert [format_eta(s) for s in (0.2, 41, 60, 3599, 7300)] == ["5s", "45s", "1m", "1h", "2h 2m"]


def test_errors_become_friendly_specific_text() -> None:
    assert error_text(QueueFull("You already have 3 clips queued.")) == "You already have 3 clips queued."
    wrapped = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    wrapped.original = QueueFull("Full.")
    assert error_text(wrapped) == "Full."
    assert error_text(app_commands.MissingPermissions(["manage_guild"])) == (
        "You need the Manage Server permission to do that."
    )
    missing = error_text(app_commands.BotMissingPermissions(["send_messages", "attach_files"]))
    assert missing is not None and "Send Messages and Attach Files" in missing
    assert error_text(RuntimeError("boom")) is None and "try again" in GENERIC_APOLOGY


def test_setting_keys_autocomplete() -> None:
    assert matching_settings("upload") == ["upload_limit"]
    assert "max_shots" in matching_settings("MAX") and len(matching_settings("")) <= 25


def test_run_without_network_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import discord.http

    # Nothing listens on port 1: the first request to Discord can't connect, as with no network.
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:1/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    code = main(["run", "--home", str(tmp_path), "--workers", "0", "--config", str(tmp_path / "none.toml")])
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("error: can't reach Discord") and err.count("\n") == 1 and "Traceback" not in err
