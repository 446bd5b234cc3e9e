"""The console's `/help`: every command with its syntax and an example, in the member's language, and
README's console section listing the same."""
from __future__ import annotations

import io
from pathlib import Path

from bot.console import COMMANDS, ConsoleSession, console_member
from bot.console.session import USAGES
from bot.i18n import _, use
from studio.service import Studio

README = Path(__file__).parents[1] / "README.md"


def _console_section() -> str:
    text = README.read_text()
    start = text.index("### Console (`reelbot chat`)")
    return text[start: text.index("\n### ", start + 1)]


async def test_help_gives_every_command_its_syntax_and_an_example(studio: Studio) -> None:
    assert set(USAGES) == set(COMMANDS)
    session = ConsoleSession(studio, console_member("ken"), io.StringIO())
    shown = await session.handle("/help")
    for name, usage in USAGES.items():
        assert usage.syntax.startswith(f"/{name}") and usage.example.startswith(f"/{name}") and usage.about
        assert f"{usage.syntax}\n    {usage.about} · e.g. {usage.example}" in shown, name
    assert await session.handle("/help pick") == ("/pick CLIP TAKE [SHOT]\n    pick a take of a storyboard's stills, "
                                                  "of one shot or every shot · e.g. /pick 6 2")
    assert await session.handle("/help nothing") == "unknown command /nothing; type /help"


async def test_help_speaks_the_members_language(studio: Studio) -> None:
    session = ConsoleSession(studio, console_member("ken"), io.StringIO())
    for language in ("ja", "zh-CN", "zh-TW"):
        with use(language):
            shown = await session.handle("/help")
            untranslated = [name for name, usage in USAGES.items() if _(usage.about) == usage.about]
            assert untranslated == [], language
            assert all(usage.syntax in shown and usage.example in shown for usage in USAGES.values())
            assert "e.g." not in shown


async def test_an_incomplete_command_answers_with_its_syntax_and_example(studio: Studio) -> None:
    session = ConsoleSession(studio, console_member("ken"), io.StringIO())
    for line, name in (("/challenge", "challenge"), ("/relay", "relay"), ("/optout", "optout"),
                       ("/forget", "forget"), ("/settings set", "settings")):
        usage = USAGES[name]
        assert await session.handle(line) == f"usage: {usage.syntax} · e.g. {usage.example}", line


def test_readme_lists_every_console_command_as_help_does() -> None:
    section = _console_section()
    for usage in USAGES.values():
        assert f"| `{usage.syntax.replace('|', chr(92) + '|')}` | `{usage.example}` |" in section, usage.syntax
