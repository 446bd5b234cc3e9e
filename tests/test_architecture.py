"""The dependency rule: the core packages never reach into the Discord adapter or discord itself."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The layers, lowest first: each package may import only the packages listed for it. `generation`
# (pure rendering) and `prompts` (planning) are libraries of their own; the queue renders with generation.
# `common` (the error root) is below everything.
ALLOWED = {
    "common": set(),
    "prompts": {"common"},
    "generation": {"common"},
    "storage": {"common"},
    "renderqueue": {"common", "storage", "generation"},
    "studio": {"common", "storage", "renderqueue", "generation", "prompts"},
}
OURS = {"bot", "common", "generation", "prompts", "renderqueue", "storage", "studio"}
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


def offenders(package: str, forbidden: set[str]) -> dict[str, list[str]]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        bad = sorted(imported_modules(path) & forbidden)
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(package: str) -> None:
    assert offenders(package, OURS - ALLOWED[package] - {package}) == {}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_nothing_below_the_front_ends_imports_discord(package: str) -> None:
    assert offenders(package, {"discord"}) == {}


def test_rendering_knows_nothing_of_sqlite() -> None:
    assert offenders("generation", {"sqlite3", "sqlite_utils"}) == {}


def test_every_package_of_ours_has_a_layer() -> None:
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert packages - {"tests", "benchmarks"} == set(ALLOWED) | {"bot"}


def test_front_ends_reach_the_database_only_through_the_studio() -> None:
    assert offenders("bot", {"storage", "sqlite3", "sqlite_utils"}) == {}


def test_the_gallery_reads_only_through_the_studio_and_never_imports_discord() -> None:
    assert offenders("bot/gallery", {"discord", "storage", "renderqueue", "generation", "prompts", "sqlite3",
                                     "sqlite_utils"}) == {}


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


def test_every_request_kind_the_core_writes_has_a_resumer() -> None:
    import studio.challenges  # noqa: F401 - the features register their kinds on import
    import studio.remix  # noqa: F401
    import studio.service  # noqa: F401
    import studio.takes  # noqa: F401
    from studio.request_kinds import resumer_for

    written = set()
    for path in (ROOT / "studio").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record_request":
                kind = node.args[1] if len(node.args) > 1 else None
                if isinstance(kind, ast.Constant):
                    written.add(kind.value)
    assert written == {"create", "remix", "relay", "finalize", "pick"}
    assert all(resumer_for(kind) is not None for kind in written)
