"""The console speaks `--lang` or the environment's language."""
from __future__ import annotations

import contextvars
import io

import pytest

from bot import cli
from bot.console import ConsoleSession, console_member
from bot.i18n import current, environment_language, use
from studio.service import Studio


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
    ({"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}, "zh-CN"),  # gettext's order: LANGUAGE first
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANG": "zh_TW.UTF-8"}, "zh-TW"),
    ({"LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LANG": "zh_HK.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_environments_language(environ: dict[str, str], expected: str) -> None:
    assert environment_language(environ) == expected


async def test_console_replies_and_refusals_in_chinese(studio: Studio) -> None:
    session = ConsoleSession(studio, console_member("mei"), io.StringIO())
    with use("zh-CN"):
        assert await session.handle("/nonsense") == "未知命令 /nonsense；输入 /help 查看"
        assert await session.handle("/clip 99") == "错误：没有短片 #99。"
        assert await session.handle("/queue") == "队列为空"
    assert await session.handle("/clip 99") == "error: There is no clip #99."


async def test_console_replies_in_japanese_and_traditional_chinese(studio: Studio) -> None:
    session = ConsoleSession(studio, console_member("ken"), io.StringIO())
    with use("ja"):
        assert await session.handle("/nonsense") == "不明なコマンド /nonsense です。/help と入力してください"
        assert await session.handle("/clip 99") == "エラー：クリップ #99 はありません。"
        assert await session.handle("/queue") == "キューは空です"
        assert await session.handle("/profile") == (
            "ken：クリップ 0 本、ほかの人によるリミックス 0 件、チャレンジ優勝 0 回、応募 0 件、リレーのショット 0 本")
    with use("zh-TW"):
        assert await session.handle("/clip 99") == "錯誤：沒有短片 #99。"
    assert await session.handle("/profile") == (
        "ken: 0 clips, 0 remixes by others, 0 challenge wins, 0 entries, 0 relay shots")


@pytest.mark.parametrize("language", ["zh-CN", "zh-TW", "ja"])
def test_lang_flag_sets_the_language_for_the_run(language: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    seen = {}

    async def fake_chat(config) -> int:  # noqa: ANN001
        seen["language"] = current()
        return 0

    monkeypatch.setattr("bot.console.chat", fake_chat)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    # In a copy of the context, so the language set for the run stays out of the other tests.
    run = contextvars.copy_context().run
    assert run(cli.main, ["chat", "--lang", language, "--home", str(tmp_path)]) == 0
    assert seen["language"] == language and current() == "en"
