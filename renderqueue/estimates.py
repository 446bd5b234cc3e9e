"""Where each job stands: its position in the scheduler's predicted order and the seconds until it should be
finished, from measured per-model speeds and the live workers sharing the work."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import sqlite_utils

from renderqueue.jobs import get_job
from renderqueue.queue_state import queue_state
from renderqueue.scheduler import DEFAULT_POLICY, Prediction, SchedulerPolicy
from storage.db import timestamp
from storage.model_stats import all_model_stats, default_model_stats
from storage.records import ModelStats, QueueEstimate, RenderJob
from storage.workers import live_workers


# A worker that has not heartbeaten for this long counts as gone when estimating throughput.
LIVE_WORKER_WINDOW_S = 60.0


def _duration(cost: float, stats: ModelStats) -> float:
    return cost * stats.seconds_per_unit


def queue_position(
    db: sqlite_utils.Database,
    job_id: int,
    *,
    now: float | None = None,
    policy: SchedulerPolicy = DEFAULT_POLICY,
) -> QueueEstimate | None:
    """Position (0 = rendering, 1 = next) and seconds until the job should be finished, from the
    scheduler's predicted order and measured per-model speeds. None once the job has finished."""
    if not get_job(db, job_id).active:
        return None
    return queue_estimates(db, now=now, policy=policy)[job_id]


def queue_estimates(
    db: sqlite_utils.Database, *, now: float | None = None, policy: SchedulerPolicy = DEFAULT_POLICY
) -> Mapping[int, QueueEstimate]:
    """`queue_position` of every queued and running job, by job id, from one prediction of the
    scheduler's order, so a progress display refreshing many jobs doesn't predict the queue once per job.

    The prediction and the work ahead of each position are kept with the connection's queue state
    (`renderqueue.queue_state`) while the queue, the loaded model and the measured speeds are unchanged;
    what changes every call (running jobs' progress, live workers) is applied when an entry is read."""
    now = timestamp(now)
    stats = all_model_stats(db)
    running = [
        RenderJob.from_row(row) for row in db.query("SELECT * FROM jobs WHERE status = 'running' ORDER BY started_at")
    ]
    workers = live_workers(db, within_s=LIVE_WORKER_WINDOW_S, now=now)
    loaded = running[-1].model if running else next((w.loaded_model for w in workers[::-1] if w.loaded_model), None)
    state = queue_state(db, keep=not db.conn.in_transaction)
    prediction = state.predict(loaded_model=loaded, now=now, policy=policy)
    table = state.memo(("etas", id(prediction), loaded, tuple(sorted(stats.items()))),
                       lambda: _work_ahead(prediction, loaded, stats))  # fmt: skip

    def remaining(job: RenderJob) -> float:
        return _duration(job.cost_estimate, stats.get(job.model) or default_model_stats(job.model)) * (1.0 - job.progress)

    # Work ahead is shared by the live workers; a job's own render runs on one of them.
    return _Estimates(
        {job.id: QueueEstimate(0, remaining(job)) for job in running},
        table,
        ahead=sum(remaining(job) for job in running),
        parallel=max(1, len(workers), len(running)),
    )


def _work_ahead(
    prediction: Prediction, loaded: str | None, stats: Mapping[str, ModelStats]
) -> dict[int, tuple[int, float, float, bool]]:
    """For each queued job in predicted order: (position, seconds of queued work and model loads before
    it, seconds of its own render, whether the position is exact)."""
    models = {job.model for job in prediction.order}
    # (seconds per work unit, load seconds) per model, looked up once rather than per job.
    speeds = {
        model: (found.seconds_per_unit, found.load_seconds)
        for model in models
        for found in (stats.get(model) or default_model_stats(model),)
    }
    table, before, exact = {}, 0.0, prediction.exact
    for position, job in enumerate(prediction.order, 1):
        per_unit, load_seconds = speeds[job.model]
        load = 0.0
        if job.cost > 0 and job.model != loaded:  # needs_model, inline: this loop runs once per queued job
            load, loaded = load_seconds, job.model
        own = job.cost * per_unit
        table[job.id] = (position, before + load, own, position <= exact)
        before += load + own
    return table


class _Estimates(Mapping[int, QueueEstimate]):
    """`queue_estimates`' answer: running jobs' estimates, and queued jobs' computed when looked up (a
    view of 10,000 queued jobs mostly reads a few)."""

    def __init__(
        self,
        running: dict[int, QueueEstimate],
        table: Mapping[int, tuple[int, float, float, bool]],
        *,
        ahead: float,
        parallel: int,
    ) -> None:
        self._running, self._table, self._ahead, self._parallel = running, table, ahead, parallel

    def __getitem__(self, job_id: int) -> QueueEstimate:
        if job_id in self._running:
            return self._running[job_id]
        position, before, own, exact = self._table[job_id]
        return QueueEstimate(position, (self._ahead + before) / self._parallel + own, exact)

    def __iter__(self) -> Iterator[int]:
        yield from self._running
        yield from (job_id for job_id in self._table if job_id not in self._running)

    def __len__(self) -> int:
        return len(self._running) + sum(1 for job_id in self._table if job_id not in self._running)
