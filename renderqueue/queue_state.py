"""The queue as the scheduler sees it, kept in memory per database connection between calls.

A worker's claim and every queue view need all queued jobs and when each user was last served. Reading
and re-sorting 10,000 rows per call costs hundreds of milliseconds, so each connection keeps a
`QueueState` and brings it up to date from the jobs table's change log (the `queue_clock` migration in
storage/schema.py): one indexed read of the jobs stamped since the state's `seq`. Several processes (bot,
workers, dispatcher) write the table; their commits stamp the jobs they change, so every connection sees
them at its next refresh. A delete can't be stamped and makes the state reload whole.

The predicted order (`renderqueue.scheduler.predict_order`) is cached on the state too, for as long as
nothing it depends on changes: the queue (its `seq`), the loaded model, the policy and every job's
priority class (which improves as jobs wait, at a time known in advance).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import sqlite_utils

from renderqueue.scheduler import Prediction, QueuedJob, SchedulerPolicy, predict_order

_COLUMNS = "id, user_id, model, priority, created_at, cost_estimate, bypassed"
_ATTRIBUTE = "_reelbot_queue_state"
T = TypeVar("T")


def _order(job: QueuedJob) -> tuple[float, int]:
    return (job.enqueued_at, job.id)


@dataclass
class QueueState:
    """`jobs`: every queued job by id; `lines`: each user's queued jobs, oldest first (by enqueued_at, id);
    `last_served`: each user's latest `started_at` (Unix seconds) over all their jobs; `seq`/`deletes`: the
    `queue_clock` values this state is up to date with."""

    seq: int = -1
    deletes: int = -1
    jobs: dict[int, QueuedJob] = field(default_factory=dict)
    lines: dict[int, list[QueuedJob]] = field(default_factory=dict)
    last_served: dict[int, float] = field(default_factory=dict)
    _prediction: tuple[tuple, float, float, Prediction] | None = None
    _memo: tuple[Hashable, object] | None = None

    def refresh(self, db: sqlite_utils.Database) -> "QueueState":
        """Bring the state up to date with what `db` sees: O(changes since the last refresh) reads.

        The clock is read before the jobs, so the jobs read include at least every change up to the
        `seq` recorded (a job stamped later is read again next time; applying it twice is harmless)."""
        seq, deletes = db.execute("SELECT seq, deletes FROM queue_clock WHERE id = 1").fetchone()
        if seq == self.seq and deletes == self.deletes:
            return self
        if deletes != self.deletes:
            self._load(db)
        else:
            rows = db.execute(
                f"SELECT {_COLUMNS}, status, started_at FROM jobs WHERE queue_seq > ?", (self.seq,)
            ).fetchall()
            for row in rows:
                self._apply(QueuedJob(*row[:7]), status=row[7], started_at=row[8])
        self.seq, self.deletes = seq, deletes
        self._prediction = self._memo = None
        return self

    def _load(self, db: sqlite_utils.Database) -> None:
        queued = [QueuedJob(*row) for row in db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE status = 'queued'")]
        self.jobs = {job.id: job for job in queued}
        lines: dict[int, list[QueuedJob]] = {}
        for job in queued:
            lines.setdefault(job.user_id, []).append(job)
        for line in lines.values():
            line.sort(key=_order)
        self.lines = lines
        self.last_served = dict(
            db.execute(
                "SELECT user_id, MAX(started_at) FROM jobs WHERE started_at IS NOT NULL GROUP BY user_id"
            ).fetchall()
        )

    def _apply(self, job: QueuedJob, *, status: str, started_at: float | None) -> None:
        if started_at is not None and started_at > self.last_served.get(job.user_id, -math.inf):
            self.last_served[job.user_id] = started_at
        old = self.jobs.pop(job.id, None)
        if old is not None:
            line = self.lines[old.user_id]
            del line[bisect.bisect_left(line, _order(old), key=_order)]
            if not line:
                del self.lines[old.user_id]
        if status == "queued":
            self.jobs[job.id] = job
            bisect.insort(self.lines.setdefault(job.user_id, []), job, key=_order)

    def predict(
        self, *, loaded_model: str | None, now: float, policy: SchedulerPolicy
    ) -> Prediction:
        """`predict_order` of the queue, reused while the queue, `loaded_model`, `policy` and every job's
        priority class are unchanged."""
        key = (self.seq, self.deletes, loaded_model, policy)
        if self._prediction is not None:
            cached_key, since, until, prediction = self._prediction
            if cached_key == key and since <= now < until:
                return prediction
        prediction = predict_order(
            list(self.jobs.values()), loaded_model=loaded_model, last_served=self.last_served, now=now, policy=policy,
            by_user=self.lines.values(),
        )
        self._prediction = (key, now, _next_promotion(self.jobs.values(), now, policy), prediction)
        self._memo = None  # derived from the previous prediction
        return prediction


    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()`, kept while the queue is unchanged and asked for with the same `key` (one value at a
        time: what the latest caller derived from the queue, such as each position's work ahead)."""
        if self._memo is None or self._memo[0] != key:
            self._memo = (key, build())
        return self._memo[1]  # type: ignore[return-value]


def _next_promotion(jobs: Iterable[QueuedJob], now: float, policy: SchedulerPolicy) -> float:
    """The earliest time after `now` at which a job's priority class (`effective_priority`) improves."""
    step = policy.promote_after_s
    if not math.isfinite(step):
        return math.inf
    soonest = math.inf
    for job in jobs:
        if job.priority <= 0:
            continue
        waited = max(0.0, now - job.enqueued_at)
        if waited // step < job.priority:
            soonest = min(soonest, job.enqueued_at + (waited // step + 1) * step)
    return soonest


def queue_state(db: sqlite_utils.Database, *, keep: bool = True) -> QueueState:
    """The connection's queue state, up to date. `keep=False` builds a fresh state and doesn't keep it:
    for a caller inside a transaction that may hold uncommitted writes (a rollback would leave a kept
    state ahead of the database); with `keep`, the connection must be outside a transaction or in one
    that has written nothing yet."""
    if not keep:
        return QueueState().refresh(db)
    state = getattr(db, _ATTRIBUTE, None)
    if state is None:
        state = QueueState()
        setattr(db, _ATTRIBUTE, state)
    return state.refresh(db)
