"""The render cache as a job's render sees it: each shot looked up by recipe hash (checked before reuse) and
each fresh shot recorded, with the work and GPU seconds that feed the model's speed statistics."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

import sqlite_utils

from common.files import staging_path
from generation.encoding import probe
from generation.errors import EncodeError
from generation.recipe import ShotRender
from renderqueue.scheduler import render_work
from storage.db import open_db
from storage.renders import drop_render, lookup_render, record_render

log = logging.getLogger(__name__)


class RenderCacheAccess:
    """The render cache as render_shots sees it: lookup by recipe hash, record each fresh shot.

    Shots are linked into media/renders/<hash>.mp4 (stills: .png) so the cache outlives the clip folder they were
    rendered in. Fresh work and GPU seconds are summed for the model's speed statistics. `lookup` uses
    `db` (the calling thread's connection); `record` runs on the encoder thread, so it opens its own.
    """

    def __init__(self, db: sqlite_utils.Database, db_path: Path, media_dir: Path, recipes: list[ShotRender]):
        self.db = db
        self.db_path = db_path
        self.dir = media_dir / "renders"
        self.by_hash = {recipe.content_hash(): recipe for recipe in recipes}
        self.work = 0.0
        self.gpu_seconds = 0.0
        self._lock = threading.Lock()

    def lookup(self, recipe_hash: str) -> Path | None:
        """The cached file for this shot, checked before reuse: by its checksum, or (cached before
        checksums were kept) by decoding it for the recipe's frame count, then recording its checksum.
        A bad file is dropped (None), so the shot is rendered again."""
        render = lookup_render(self.db, recipe_hash, verify=True)
        if render is None or render.sha256 is not None:
            return None if render is None else Path(render.path)
        recipe = self.by_hash.get(recipe_hash)
        try:
            intact = recipe is None or probe(Path(render.path)).frame_count == recipe.num_frames
        except EncodeError:
            intact = False
        if not intact:
            log.warning("cached render %s (%s) doesn't decode to its shot: dropped", recipe_hash, render.path)
            drop_render(self.db, recipe_hash, render.path)
            return None
        record_render(self.db, recipe_hash, render.path, model=render.model, gpu_seconds=render.gpu_seconds)
        return Path(render.path)

    def has(self, recipe: ShotRender) -> bool:
        return lookup_render(self.db, recipe.content_hash(), count_hit=False) is not None

    def record(self, recipe_hash: str, shot_path: Path, gpu_seconds: float) -> None:
        recipe = self.by_hash[recipe_hash]
        self.dir.mkdir(parents=True, exist_ok=True)
        cached = self.dir / f"{recipe_hash}{shot_path.suffix}"  # .mp4 for a shot, .png for a still
        staging = staging_path(cached)  # swept at start-up if this process dies before the rename
        try:
            os.link(shot_path, staging)
        except OSError:
            shutil.copyfile(shot_path, staging)
        os.replace(staging, cached)
        db = open_db(self.db_path)  # once per shot rendered: cheap beside the render
        try:
            record_render(db, recipe_hash, cached, model=recipe.model, gpu_seconds=gpu_seconds)
        finally:
            db.close()
        with self._lock:
            self.work += render_work(recipe)
            self.gpu_seconds += gpu_seconds
