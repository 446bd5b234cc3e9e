"""Exactly-once posting: the key each delivery carries, recorded before anything is sent.

A front-end that posts a finished clip first records a delivery for its job (`begin_delivery`): a nonce
that stays the same for every try, across restarts, and when the first try began, on the database's
clock. Discord takes the nonce with `enforce_nonce` and, within its window of a few minutes, answers a
repeated send with the message the first one created, so a front-end killed after the post and before
`mark_delivered` re-sends harmlessly. Past that window the front-end looks for its post in the channel
first (bot/delivery_once.py).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlite_utils

from storage.db import DB_NOW, db_time

# Discord's limit on a nonce string (MessageCreateRequest.nonce, maxLength 25).
MAX_NONCE_CHARS = 25


@dataclass(frozen=True)
class DeliveryKey:
    """`nonce`: what every send of this delivery carries; `started_at`: when the first try began
    (database clock, Unix seconds); `age_s`: how long ago that was."""

    job_id: int
    nonce: str
    started_at: float
    age_s: float


def begin_delivery(db: sqlite_utils.Database, job_id: int) -> DeliveryKey:
    """The job's delivery key, recorded now if this is the first try (its nonce is `rb<job id>.<random>`,
    at most MAX_NONCE_CHARS characters); the same key on every later try."""
    nonce = f"rb{job_id}.{secrets.token_hex(4)}"[:MAX_NONCE_CHARS]
    db.execute(f"INSERT OR IGNORE INTO deliveries (job_id, nonce, started_at) VALUES (?, ?, {DB_NOW})",
               (job_id, nonce))
    row = db.execute("SELECT nonce, started_at FROM deliveries WHERE job_id = ?", (job_id,)).fetchone()
    return DeliveryKey(job_id, row[0], row[1], max(0.0, db_time(db) - row[1]))
