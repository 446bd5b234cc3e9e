"""The dependency rule: the core packages never reach into the Discord adapter or discord itself."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ("generation", "prompts", "storage", "studio")
# Front-end modules of bot/ that must start without discord installed or connected.
DISCORD_FREE = ("bot/cli.py", "bot/console.py")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.parametrize("package", CORE)
def test_core_packages_do_not_import_bot_or_discord(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & {"bot", "discord"})
        for path in (ROOT / package).rglob("*.py")
        if imported_modules(path) & {"bot", "discord"}
    }
    assert offenders == {}


def test_prompts_depend_on_nothing_else_of_ours() -> None:
    for path in (ROOT / "prompts").rglob("*.py"):
        assert not imported_modules(path) & {"generation", "storage", "studio"}, path


@pytest.mark.parametrize("module", DISCORD_FREE)
def test_console_and_cli_load_without_discord_at_import_time(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text())
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = {alias.name.split(".")[0] for node in top_level if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module.split(".")[0] for node in top_level if isinstance(node, ast.ImportFrom) and node.module}
    assert "discord" not in names and not any(
        isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(("bot.app", "bot.cogs"))
        for node in top_level
    )
