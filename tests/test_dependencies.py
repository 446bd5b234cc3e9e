"""Every package a preset's loading and render path imports is declared (directly or through a declared
package's own requirements), so a fresh `pip install reelbot` can load every preset.

The tiny presets go through the real presets' code and tokenizer formats (spiece.model needs sentencepiece
and protobuf), so what they import is what the real ones import."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

# Packages that only the test extra brings (selenium's trio, PySocks, ...) are absent from a plain install;
# libraries import some of them when present (httpcore tries trio, requests tries socks), so the load runs
# with them hidden: an import of one fails as it would after a plain install.
_LOAD_EVERY_FAMILY = """
import importlib.abc, json, sys
HIDDEN = set(json.loads(sys.argv[2]))
class PlainInstall(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, PlainInstall())
# Libraries probe for optional packages with find_spec before importing them: answer as a plain install would.
import importlib.util
_find_spec = importlib.util.find_spec
def find_spec(name, package=None):
    return None if name.split(".")[0] in HIDDEN else _find_spec(name, package)
importlib.util.find_spec = find_spec
from generation.fast_paths import as_draft, draft_path
from generation.pipelines import PipelineCache
from generation.registry import PRESETS, clip_models
from generation.render import render_shot
cache = PipelineCache(sys.argv[1], device="cpu", max_loaded=len(PRESETS))
for preset in map(PRESETS.get, clip_models()):
    if preset.local:
        recipe = preset.recipe("a cat on the beach", "", seed=1, steps=preset.min_steps)
        render_shot(recipe, cache)
        # Drafts too: a distilled preset, a distilled LoRA (diffusers' PEFT backend), cache hooks.
        render_shot(as_draft(recipe, draft_path(preset.name, sys.argv[1])), cache)
        if preset.supports_i2v:
            cache.get(preset.name, i2v=True)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_closure() -> set[str]:
    """Distributions a plain install brings: the declared dependencies and, recursively, theirs (no extras)."""
    todo = list(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    seen: set[str] = set()
    while todo:
        requirement = Requirement(todo.pop())
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = _normalize(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            todo.extend(metadata.requires(requirement.name) or [])
        except metadata.PackageNotFoundError:
            pass
    return seen


def undeclared_modules(declared: set[str]) -> list[str]:
    """Top-level modules installed here that no declared distribution provides."""
    return sorted(
        module for module, dists in metadata.packages_distributions().items()
        if not {_normalize(dist) for dist in dists} & declared
    )  # fmt: skip


def test_every_package_the_presets_import_is_declared(tiny_models_dir):
    project = _normalize(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"])
    declared = declared_closure() | {project}
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_EVERY_FAMILY, str(tiny_models_dir), json.dumps(undeclared_modules(declared))],
        capture_output=True, text=True, cwd=ROOT, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    providers = metadata.packages_distributions()
    imported = {_normalize(dist) for module in modules for dist in providers.get(module, [])}
    assert {"sentencepiece", "protobuf"} <= imported  # the T5 tokenizers really went through conversion
    assert imported - declared == set()
