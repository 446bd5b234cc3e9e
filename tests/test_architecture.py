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
DISCORD_FREE = ("bot/cli.py", *sorted(str(path.relative_to(ROOT)) for path in (ROOT / "bot" / "console").glob("*.py")))


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
    import studio.storyboards.editing  # noqa: F401
    import studio.takes  # noqa: F401
    import studio.variations  # noqa: F401
    from studio.request_kinds import resumer_for

    written = set()
    for path in (ROOT / "studio").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record_request":
                kind = node.args[1] if len(node.args) > 1 else None
                if isinstance(kind, ast.Constant):
                    written.add(kind.value)
    assert written == {"create", "remix", "relay", "finalize", "pick", "still_edit", "vary"}
    assert all(resumer_for(kind) is not None for kind in written)


# --- the house: no import circles, no long files ------------------------------------------------------

# Source files may be at most this long; tests and data files are excepted (issue 22).
MAX_SOURCE_LINES = 500
SOURCE_DIRS = (*sorted(OURS), "benchmarks")


def project_modules(root: Path = ROOT, packages: set[str] = OURS) -> dict[str, Path]:
    """Every module of `packages` under `root` by dotted name (a package by its own name, for its
    __init__.py)."""
    modules = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph(root: Path = ROOT, packages: set[str] = OURS) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports, from EVERY import statement: at module level, inside
    functions and under `if TYPE_CHECKING:` alike. `from a.b import c` counts as importing the module a.b.c
    where that is a module, else a.b; relative imports are resolved against the importing module."""
    modules = project_modules(root, packages)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_circles_counting_every_import_statement() -> None:
    assert import_cycles(import_graph()) == []


def test_the_cycle_check_sees_imports_inside_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    # The check would be worthless if it read module-level imports only: the circles of issue 22 ran
    # through exactly these two kinds of import.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "service.py").write_text("def later():\n    from pkg.busy import wait\n")
    (package / "busy.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import service\ndef wait(): ...\n"
    )
    (package / "leaf.py").write_text("from . import busy\n")
    graph = import_graph(tmp_path, {"pkg"})
    assert graph["pkg.leaf"] == {"pkg.busy"}
    assert import_cycles(graph) == [["pkg.busy", "pkg.service"]]


@pytest.mark.parametrize("folder", SOURCE_DIRS)
def test_no_source_file_is_over_500_lines(folder: str) -> None:
    long = {str(path.relative_to(ROOT)): count for path in (ROOT / folder).rglob("*.py")
            if (count := len(path.read_text().splitlines())) > MAX_SOURCE_LINES}
    assert long == {}
