"""The console reaches the server settings through the Studio, like Discord's /settings."""
from __future__ import annotations

from bot.console import ConsoleSession, console_member


async def test_settings_show_and_set_at_the_console(studio) -> None:
    session = ConsoleSession(studio, console_member("operator"))
    shown = await session.handle("/settings show")
    assert "max_shots: " in shown and "safety_level: standard" in shown
    assert "max_shots: 3" in await session.handle("/settings set max_shots 3")
    assert (await studio.settings(0)).max_shots == 3
    assert "max_shots: 4" in await session.handle("/settings set max_shots default")
    refused = await session.handle("/settings set max_shotz 3")
    assert refused.startswith("error: There is no setting called `max_shotz`")
    assert (await session.handle("/settings frobnicate")).startswith("usage: /settings show | set")
