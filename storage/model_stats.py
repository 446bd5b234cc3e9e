"""Measured per-model speed, for queue ETAs: seconds per unit of render work and seconds to load.

A unit of work is one denoising step over one megapixel-frame (`renderqueue.scheduler.render_work`), so
one figure per model covers shots of any size and length.
"""

from __future__ import annotations

import sqlite_utils

from storage.db import timestamp
from storage.records import ModelStats

# Used until a worker has measured a model: roughly a 1.3B video model on a consumer GPU.
DEFAULT_SECONDS_PER_UNIT = 0.2
DEFAULT_LOAD_SECONDS = 20.0
# Weight of a new measurement in the moving average: recent hardware/driver state matters most.
EMA_WEIGHT = 0.3


def record_model_stats(
    db: sqlite_utils.Database,
    model: str,
    *,
    seconds_per_unit: float | None = None,
    load_seconds: float | None = None,
    now: float | None = None,
) -> ModelStats:
    """Blend a new measurement into the model's moving averages (the first one is taken as is)."""
    db.execute(
        "INSERT INTO model_stats (model, seconds_per_unit, load_seconds, samples, updated_at) "
        "VALUES (:model, :sps, :load, 1, :now) "
        "ON CONFLICT(model) DO UPDATE SET "
        "seconds_per_unit = CASE WHEN :sps IS NULL THEN seconds_per_unit WHEN seconds_per_unit IS NULL THEN :sps "
        "  ELSE seconds_per_unit * (1 - :w) + :sps * :w END, "
        "load_seconds = CASE WHEN :load IS NULL THEN load_seconds WHEN load_seconds IS NULL THEN :load "
        "  ELSE load_seconds * (1 - :w) + :load * :w END, "
        "samples = samples + 1, updated_at = :now",
        {"model": model, "sps": seconds_per_unit, "load": load_seconds, "now": timestamp(now), "w": EMA_WEIGHT},
    )
    return get_model_stats(db, model)


def default_model_stats(model: str) -> ModelStats:
    """The stats assumed for a model before any render of it was measured."""
    return ModelStats(model, DEFAULT_SECONDS_PER_UNIT, DEFAULT_LOAD_SECONDS, 0)


def get_model_stats(db: sqlite_utils.Database, model: str) -> ModelStats:
    """The model's measured stats, or the defaults when it has none yet."""
    return all_model_stats(db).get(model) or default_model_stats(model)


def all_model_stats(db: sqlite_utils.Database) -> dict[str, ModelStats]:
    """Every measured model's stats, by model name."""
    return {
        row["model"]: ModelStats(
            row["model"],
            row["seconds_per_unit"] if row["seconds_per_unit"] is not None else DEFAULT_SECONDS_PER_UNIT,
            row["load_seconds"] if row["load_seconds"] is not None else DEFAULT_LOAD_SECONDS,
            row["samples"],
        )
        for row in db.query("SELECT * FROM model_stats")
    }
