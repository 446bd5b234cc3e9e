"""Shared fixtures. Keep this file small: add fixtures here only when several test modules need them."""
from __future__ import annotations

from pathlib import Path

import pytest

# Fixture modules several test files share (plain modules so tests can also import their helpers).
pytest_plugins = ["storage_fixtures", "studio_fixtures", "stills_fixtures", "bot_harness"]


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models dir holding every tiny model (tiny-wan, tiny-ltx, tiny-cogvideox), built once per test session."""
    from generation.tiny import TINY_MODELS, ensure_tiny_model

    models_dir = tmp_path_factory.mktemp("models")
    for name in TINY_MODELS:
        ensure_tiny_model(models_dir, name)
    return models_dir


@pytest.fixture(scope="session")
def pipelines(tiny_models_dir: Path):
    """A CPU PipelineCache shared by the session, so each tiny model loads once (text and image-to-video)."""
    from generation.pipelines import PipelineCache

    return PipelineCache(tiny_models_dir, device="cpu", max_loaded=3)


@pytest.fixture(autouse=True)
def english_unless_a_test_says_otherwise():
    """Every test starts in English: `reelbot ... --lang` run in-process (tests of the CLI) makes its
    language current for the rest of the thread, which would leak into the tests after it."""
    from bot.i18n import use

    with use(None):
        yield
