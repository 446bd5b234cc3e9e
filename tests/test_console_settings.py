"""The console reaches the server settings through the Studio, like Discord's /settings, and shows each
with the value in effect and where it comes from, never a bare None."""
from __future__ import annotations

from bot.console import ConsoleSession, console_member
from bot.console.session import USAGES
from bot.i18n import use

USAGE = f"usage: {USAGES['settings'].syntax} · e.g. {USAGES['settings'].example}"


async def test_settings_show_and_set_at_the_console(studio) -> None:
    session = ConsoleSession(studio, console_member("operator"))
    shown = await session.handle("/settings show")
    assert "max_shots: 4 (default)" in shown and "safety_level: standard (default)" in shown
    assert await session.handle("/settings set max_shots 3") == "max_shots is now 3"
    assert (await studio.settings(0)).max_shots == 3
    assert "max_shots: 3 (set here)" in await session.handle("/settings show")
    assert await session.handle("/settings set max_shots default") == "max_shots is now 4 (default)"
    refused = await session.handle("/settings set max_shotz 3")
    assert refused.startswith("error: There is no setting called `max_shotz`")
    for incomplete in ("/settings frobnicate", "/settings set", "/settings set max_shots", "/settings show all"):
        assert await session.handle(incomplete) == USAGE, incomplete


async def test_settings_show_effective_values_not_none(studio) -> None:
    session = ConsoleSession(studio, console_member("operator"))
    with use("en"):
        shown = (await session.handle("/settings")).splitlines()
    assert "None" not in "\n".join(shown)
    assert shown[-1] == USAGE, "`/settings` alone says how to change one"
    values = dict(line.split(": ", 1) for line in shown[:-1])
    # The test studio's installation: default_model tiny (resolved to its preset), stills first off.
    assert values["default_model"] == f"{studio.config.default_model} (this installation's default)"
    assert values["stills_first"] == "off (this installation's default)"
    assert values["stills_grace_s"] == "120 s (this installation's default)"
    assert values["animate_quality"] == "final (this installation's default)"
    assert values["language"] == "the console's language (en) (default)"
    assert values["allowed_channels"] == "every channel (default)"
    await session.handle("/settings set stills_first ask")
    assert "stills_first: ask (set here)" in await session.handle("/settings show")
