"""Cache poisoning: a cached shot file that went bad is noticed on reuse, dropped and rendered again."""
from __future__ import annotations

import numpy as np
import pytest

from generation.encoding import encode_mp4
from generation.recipe import ShotRender
from renderqueue.render_cache import RenderCacheAccess
from storage.renders import lookup_render
from storage_fixtures import tiny_recipe


@pytest.fixture
def cache(db, tmp_path):
    recipe = ShotRender.from_dict(tiny_recipe())
    access = RenderCacheAccess(db, tmp_path / "reelbot.sqlite3", tmp_path / "media", [recipe])
    shot = encode_mp4(np.zeros((recipe.num_frames, 64, 64, 3), np.uint8), 8, tmp_path / "shot.mp4")
    access.record(recipe.content_hash(), shot, 0.5)
    return access, recipe.content_hash()


def test_an_intact_cached_shot_is_reused(cache):
    access, recipe_hash = cache
    path = access.lookup(recipe_hash)
    assert path is not None and path.name == f"{recipe_hash}.mp4"


@pytest.mark.parametrize("damage", ["truncate", "overwrite"])
def test_a_damaged_cached_shot_is_dropped_so_it_renders_again(cache, damage):
    access, recipe_hash = cache
    path = access.lookup(recipe_hash)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else data[:-4] + b"junk")
    assert access.lookup(recipe_hash) is None
    assert lookup_render(access.db, recipe_hash) is None and not path.exists()


@pytest.mark.parametrize("damaged", [False, True])
def test_a_shot_cached_before_checksums_is_probed_once(cache, damaged):
    access, recipe_hash = cache
    path = access.lookup(recipe_hash)
    access.db.execute("UPDATE renders SET sha256 = NULL")
    if damaged:
        path.write_bytes(path.read_bytes()[:200])
    assert (access.lookup(recipe_hash) is None) == damaged
    row = lookup_render(access.db, recipe_hash, count_hit=False)
    assert (row is None) if damaged else (row.sha256 is not None)
