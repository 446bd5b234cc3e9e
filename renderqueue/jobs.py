"""The durable render queue. Every state change is one transaction, so a crash at any point leaves
each job either queued, running (and later re-queued when its heartbeat stops) or finished.

`attempts` counts claims that ended in a failure (or are running): a job is at attempt N while its N-th
claim runs. A job that failed with `retry=True` goes back to the queue while attempts < max_attempts; one
whose worker vanished goes back without using an attempt (`requeue_stale`), as does one handed back by a
worker shutting down or meeting a transient fault (`release_job`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import sqlite_utils

from generation.registry import canonical_name
from renderqueue.queue_state import queue_state
from renderqueue.scheduler import DEFAULT_POLICY, QueuedJob, SchedulerPolicy, decide_lines
from storage.clips import move_clip
from storage.db import DB_NOW, db_time, timestamp
from storage.stills import set_storyboard
from storage.transactions import transaction
from common.errors import N_, NotAllowed, NotFound, QueueFull
from common.text import Text
from storage.forget import DELETED_MEMBER_ID, forgets, in_guild, params
from storage.records import PRIORITY_DRAFT, PRIORITY_STILLS, GuildSettings, JobKind, RenderJob

DEFAULT_MAX_ATTEMPTS = 3
# A job fails once its worker vanished this many times: far more than any run of outside kills, few enough
# to end a render that takes its worker process down with it every time.
MAX_VANISHED = 100


@dataclass(frozen=True)
class QueueLimits:
    max_per_user: int
    max_per_guild: int

    @classmethod
    def from_settings(cls, settings: GuildSettings) -> "QueueLimits":
        return cls(settings.max_queued_per_user, settings.max_queued_per_guild)


def get_job(db: sqlite_utils.Database, job_id: int) -> RenderJob:
    row = next(db.query("SELECT * FROM jobs WHERE id = ?", (job_id,)), None)
    if row is None:
        raise NotFound("There is no render job {job_id}.", job_id=job_id)
    return RenderJob.from_row(row)


def job_for_clip(db: sqlite_utils.Database, clip_id: int) -> RenderJob | None:
    """The clip's latest job (the live one, if any)."""
    row = next(db.query("SELECT * FROM jobs WHERE clip_id = ? ORDER BY id DESC LIMIT 1", (clip_id,)), None)
    return None if row is None else RenderJob.from_row(row)


def _count_active(db: sqlite_utils.Database, column: str, value: int) -> int:
    return db.execute(
        f"SELECT COUNT(*) FROM jobs WHERE {column} = ? AND status IN ('queued', 'running')", (value,)
    ).fetchone()[0]


def enqueue_clip_job(
    db: sqlite_utils.Database,
    clip_id: int,
    *,
    user_id: int,
    guild_id: int | None,
    model: str,
    priority: int = PRIORITY_DRAFT,
    cost_estimate: float,
    limits: QueueLimits | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    kind: JobKind = "clip",
    now: float | None = None,
) -> RenderJob:
    """Queue the clip for rendering (`kind` "clip": its video; "stills": its queued stills, at
    PRIORITY_STILLS), or raise QueueFull. Re-submitting a clip that is already queued or rendering returns
    its live job rather than rendering it twice.

    Run inside `storage.transactions.transaction` together with `create_clip` so a refused request leaves no clip.
    """
    with transaction(db):
        live = job_for_clip(db, clip_id)
        if live is not None and live.active:
            return live
        if limits is not None:
            mine = _count_active(db, "user_id", user_id)
            if mine >= limits.max_per_user:
                raise QueueFull(
                    N_("You already have 1 clip waiting or rendering (the limit here is {limit}). Try again when "
                       "it is done, or cancel it if you no longer need it.") if mine == 1 else
                    N_("You already have {mine} clips waiting or rendering (the limit here is {limit}). Try again "
                       "when one is done, or cancel one you no longer need."),
                    mine=mine, limit=limits.max_per_user,
                )
            if guild_id is not None and _count_active(db, "guild_id", guild_id) >= limits.max_per_guild:
                raise QueueFull(
                    "This server's render queue is full ({limit} clips). Please try again in a few minutes.",
                    limit=limits.max_per_guild
                )
        cursor = db.execute(
            "INSERT INTO jobs (clip_id, user_id, guild_id, model, priority, max_attempts, cost_estimate, "
            "stage, kind, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
            (clip_id, user_id, guild_id, model, priority, max_attempts, cost_estimate, kind, timestamp(now)),
        )
        move_clip(db, clip_id, "queued")
        return get_job(db, cursor.lastrowid)  # type: ignore[arg-type]


def set_cost_estimate(db: sqlite_utils.Database, job_id: int, cost_estimate: float) -> None:
    """Re-price a job whose recipes changed (a retry at a smaller size), keeping ETAs honest."""
    db.execute("UPDATE jobs SET cost_estimate = ? WHERE id = ?", (cost_estimate, job_id))


def _serves(models: Collection[str]) -> Callable[[QueuedJob], bool]:
    """Whether a host declaring `models` can run a job: fully cached jobs (no model needed) fit every host;
    presets compare by canonical name, so an alias ("tiny") matches the preset a host declared."""
    serves = {canonical_name(name) for name in models}
    canonical: dict[str, bool] = {}

    def eligible(job: QueuedJob) -> bool:
        if not job.needs_model:
            return True
        if job.model not in canonical:
            canonical[job.model] = canonical_name(job.model) in serves
        return canonical[job.model]

    return eligible


def _eligible(models: Collection[str] | None, stills_only: bool) -> Callable[[QueuedJob], bool] | None:
    serves = None if models is None else _serves(models)
    if not stills_only:
        return serves
    return lambda job: job.priority == PRIORITY_STILLS and (serves is None or serves(job))


def claim_next(
    db: sqlite_utils.Database,
    worker_id: str,
    *,
    loaded_model: str | None,
    now: float | None = None,
    policy: SchedulerPolicy = DEFAULT_POLICY,
    models: Collection[str] | None = None,
    stills_only: bool = False,
) -> RenderJob | None:
    """Atomically take the job the scheduler picks for this worker and mark it running.

    `models`: the presets this worker's host can load (None: any); jobs needing another model are
    left for other workers, while fully cached jobs (no model needed) fit every worker. `stills_only`:
    only a stills job (a worker taking one between two shots of a long clip).
    """
    # Idle workers poll often; don't take the write lock just to find an empty queue.
    wanted = " AND priority = ?" if stills_only else ""
    if db.execute(f"SELECT 1 FROM jobs WHERE status = 'queued'{wanted} LIMIT 1",
                  (PRIORITY_STILLS,) if stills_only else ()).fetchone() is None:  # fmt: skip
        return None
    # The kept queue state may be refreshed inside this transaction only if it starts it (nothing written
    # yet that a rollback could take back).
    keep = not db.conn.in_transaction
    with transaction(db):
        # Stamped under the write lock, so started_at (the round robin's "last served") follows the
        # order in which concurrent workers really claimed. The heartbeat is on the database's clock.
        asked_now, now = now, timestamp(now)
        state = queue_state(db, keep=keep)
        decision = decide_lines(
            state.lines.values(),
            loaded_model=loaded_model,
            last_served=state.last_served,
            now=now,
            policy=policy,
            eligible=_eligible(models, stills_only),
        )
        if decision is None:
            return None
        for job in decision.passed_over:
            db.execute("UPDATE jobs SET bypassed = bypassed + 1 WHERE id = ?", (job.id,))
        db.execute(
            "UPDATE jobs SET status = 'running', worker_id = ?, attempts = attempts + 1, started_at = ?, "
            f"heartbeat_at = COALESCE(?, {DB_NOW}), progress = 0, stage = 'starting' WHERE id = ? AND status = 'queued'",
            (worker_id, now, asked_now, decision.job.id),
        )
        claimed = get_job(db, decision.job.id)
        move_clip(db, claimed.clip_id, "rendering")
        return claimed


def heartbeat(db: sqlite_utils.Database, job_id: int, worker_id: str, *, now: float | None = None) -> bool:
    """Refresh the job's liveness; False means the job is no longer this worker's (cancelled or
    re-queued after this worker was presumed dead), so the worker must stop rendering it."""
    cursor = db.execute(
        f"UPDATE jobs SET heartbeat_at = COALESCE(?, {DB_NOW}) WHERE id = ? AND status = 'running' AND worker_id = ?",
        (now, job_id, worker_id),
    )
    return cursor.rowcount == 1


def update_progress(
    db: sqlite_utils.Database,
    job_id: int,
    progress: float,
    stage: str,
    *,
    worker_id: str | None = None,
    now: float | None = None,
) -> bool:
    cursor = db.execute(
        f"UPDATE jobs SET progress = ?, stage = ?, heartbeat_at = COALESCE(?, {DB_NOW}) "
        "WHERE id = ? AND status = 'running' AND (? IS NULL OR worker_id = ?)",
        (min(max(progress, 0.0), 1.0), stage, now, job_id, worker_id, worker_id),
    )
    return cursor.rowcount == 1


def complete_job(
    db: sqlite_utils.Database,
    job_id: int,
    *,
    worker_id: str,
    video_path: str,
    storyboard_path: str,
    now: float | None = None,
) -> bool:
    """Mark the job done and its clip ready, together. False if the job stopped being ours meanwhile."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE jobs SET status = 'done', progress = 1, stage = 'done', finished_at = ? "
            "WHERE id = ? AND status = 'running' AND worker_id = ?",
            (timestamp(now), job_id, worker_id),
        )
        if cursor.rowcount != 1:
            return False
        move_clip(
            db, get_job(db, job_id).clip_id, "ready", video_path=video_path, storyboard_path=storyboard_path
        )
        return True


def fail_job(
    db: sqlite_utils.Database,
    job_id: int,
    reason: Text,
    retry: bool,
    *,
    worker_id: str | None = None,
    detail: str = "",
    now: float | None = None,
) -> RenderJob:
    """Fail the running job. With `retry` and attempts left it goes back to the queue (keeping its
    place in line); otherwise it and its clip end as failed. `reason` (what the member reads) is stored as
    the job's error, `detail` for the operator's logs."""
    with transaction(db):
        job = get_job(db, job_id)
        if job.status != "running" or (worker_id is not None and job.worker_id != worker_id):
            return job
        _end_attempt(db, job, reason, retry=retry, detail=detail, now=timestamp(now))
        return get_job(db, job_id)


def _end_attempt(
    db: sqlite_utils.Database, job: RenderJob, reason: Text, *, retry: bool, detail: str, now: float
) -> None:
    if retry and job.attempts < job.max_attempts:
        db.execute(
            "UPDATE jobs SET status = 'queued', worker_id = NULL, progress = 0, stage = 'waiting to retry', "
            "error = ?, error_detail = ? WHERE id = ?",
            (reason.dumps(), detail, job.id),
        )
        move_clip(db, job.clip_id, "queued")
    else:
        db.execute(
            "UPDATE jobs SET status = 'failed', stage = 'failed', error = ?, error_detail = ?, finished_at = ? "
            "WHERE id = ?",
            (reason.dumps(), detail, now, job.id),
        )
        move_clip(db, job.clip_id, "failed")


def release_job(
    db: sqlite_utils.Database, job_id: int, *, worker_id: str, waiting_for: Text | None = None, detail: str = ""
) -> bool:
    """Hand a running job back without using an attempt: the worker is shutting down, or (`waiting_for`,
    a member-facing reason such as "the media folder is full") something transient outside the render
    stopped it; the reason is kept as the job's error and its stage says it is waiting."""
    with transaction(db):
        stage = "queued" if waiting_for is None else "waiting to retry"
        cursor = db.execute(
            "UPDATE jobs SET status = 'queued', worker_id = NULL, progress = 0, stage = ?, "
            "error = COALESCE(?, error), error_detail = COALESCE(?, error_detail), attempts = attempts - 1 "
            "WHERE id = ? AND status = 'running' AND worker_id = ?",
            (stage, None if waiting_for is None else waiting_for.dumps(), detail or None, job_id, worker_id),
        )
        if cursor.rowcount != 1:
            return False
        move_clip(db, get_job(db, job_id).clip_id, "queued")
        return True


def requeue_stale(db: sqlite_utils.Database, stale_after_s: float, now: float | None = None) -> list[RenderJob]:
    """Re-queue running jobs whose worker stopped heartbeating (killed, crashed, machine lost), keeping
    their place in line. A vanished worker is no failure of its job: the claim's attempt is given back and
    `vanished` counted instead, so any number of kills (an operator's, the chaos benchmark's) can't fail a
    job; only one that took `MAX_VANISHED` workers down with it (a render that crashes its process or
    exhausts the host's memory every time) fails. Returns the jobs as they are now."""
    # Judged on the database's clock, on which every heartbeat was stamped (storage.db.DB_NOW).
    now = db_time(db) if now is None else now
    stale_sql = "FROM jobs WHERE status = 'running' AND heartbeat_at < ?"
    # Every idle worker calls this each poll: only take the write lock when there is something to do.
    if db.execute(f"SELECT 1 {stale_sql} LIMIT 1", (now - stale_after_s,)).fetchone() is None:
        return []
    with transaction(db):
        rows = db.query(f"SELECT * {stale_sql}", (now - stale_after_s,))
        stale = [RenderJob.from_row(row) for row in rows]
        for job in stale:
            requeue_vanished(
                db, job.id, worker_id=job.worker_id,
                message=Text.of(N_("The renderer stopped while making clip #{clip_id}; it will be tried again."),
                                clip_id=job.clip_id),
                gave_up=Text.of(N_("The renderer stopped {times} times while making clip #{clip_id}, so Reelbot "
                                   "gave up on it. Try a shorter clip or a lighter model."),
                                times=job.vanished + 1, clip_id=job.clip_id),
                detail=f"worker {job.worker_id} missed heartbeats (last {job.heartbeat_at})", now=now,
            )  # fmt: skip
        return [get_job(db, job.id) for job in stale]


def requeue_vanished(
    db: sqlite_utils.Database,
    job_id: int,
    *,
    worker_id: str | None,
    message: Text,
    gave_up: Text,
    detail: str,
    now: float | None = None,
) -> RenderJob:
    """Put back in the queue (keeping its place) a running job whose worker vanished: a process killed or
    crashed, a GPU host or actor lost. It is no failure of the job: the claim's attempt is given back and
    `vanished` counted, with `message` as the job's error; the job fails with `gave_up` only when this is
    its `MAX_VANISHED`-th vanished worker. A job no longer running on `worker_id` is left alone. Returns
    the job as it is now."""
    with transaction(db):
        job = get_job(db, job_id)
        if job.status != "running" or (worker_id is not None and job.worker_id != worker_id):
            return job
        db.execute("UPDATE jobs SET vanished = vanished + 1 WHERE id = ?", (job.id,))
        if job.vanished + 1 >= MAX_VANISHED:
            _end_attempt(db, job, gave_up, retry=False, detail=detail, now=timestamp(now))
        else:
            db.execute(
                "UPDATE jobs SET status = 'queued', worker_id = NULL, progress = 0, stage = 'waiting to retry', "
                "attempts = attempts - 1, error = ?, error_detail = ? WHERE id = ?",
                (message.dumps(), detail, job.id),
            )
            move_clip(db, job.clip_id, "queued")
        return get_job(db, job_id)


def cancel_job(
    db: sqlite_utils.Database, job_id: int, by_user_id: int, can_moderate: bool, *, now: float | None = None
) -> RenderJob:
    """Cancel a queued or running job; only its owner or an admin may. A running job's worker sees the
    change at its next heartbeat and stops."""
    with transaction(db):
        job = get_job(db, job_id)
        if job.user_id != by_user_id and not can_moderate:
            raise NotAllowed(
                "Only the person who asked for clip #{clip_id} (or an admin) can cancel it.",
                clip_id=job.clip_id,
            )
        if not job.active:
            raise NotAllowed(
                "Clip #{clip_id} can't be cancelled: it is already {status}.",
                clip_id=job.clip_id, status=job.status,
            )
        db.execute(
            "UPDATE jobs SET status = 'cancelled', stage = 'cancelled', finished_at = ? WHERE id = ?",
            (timestamp(now), job_id),
        )
        move_clip(db, job.clip_id, "cancelled")
        if job.kind == "stills":  # everything queued for the request goes: its storyboard too
            set_storyboard(db, job.clip_id, "cancelled", now=now)
        return get_job(db, job_id)


def cancel_clip_jobs(db: sqlite_utils.Database, clip_id: int, *, now: float | None = None) -> list[int]:
    """Cancel the clip's queued or running job, if any (the clip is going away: deleted, or its author
    forgotten). A running job's worker sees it at its next heartbeat; `complete_job` then refuses it, so
    the clip is never set back to ready. Returns the ids of the jobs cancelled."""
    rows = db.execute(
        "SELECT id FROM jobs WHERE clip_id = ? AND status IN ('queued', 'running')", (clip_id,)
    ).fetchall()
    for (job_id,) in rows:
        db.execute(
            "UPDATE jobs SET status = 'cancelled', stage = 'cancelled', finished_at = ? WHERE id = ?",
            (timestamp(now), job_id),
        )
    return [job_id for (job_id,) in rows]


@forgets("jobs")
def forget_jobs(db: sqlite_utils.Database, user_id: int, guild_id: int | None) -> int:
    """Cancel the member's live jobs (their clips are being forgotten) without a notice to post, and
    anonymize all their jobs (`storage.forget`). Returns the jobs changed."""
    where, values = f"user_id = ?{in_guild(guild_id)}", params(user_id, guild_id)
    now = timestamp()
    db.execute(
        "UPDATE jobs SET status = 'cancelled', stage = 'cancelled', finished_at = ?, notified_at = ? "
        f"WHERE {where} AND status IN ('queued', 'running')",
        (now, now, *values),
    )
    return db.execute(
        f"UPDATE jobs SET user_id = ?, error_detail = NULL WHERE {where}", (DELETED_MEMBER_ID, *values)
    ).rowcount


def user_jobs(
    db: sqlite_utils.Database, user_id: int, guild_id: int | None = None, *, active_only: bool = True
) -> list[RenderJob]:
    where = "user_id = ?" + (" AND guild_id = ?" if guild_id is not None else "")
    where += " AND status IN ('queued', 'running')" if active_only else ""
    params = (user_id,) if guild_id is None else (user_id, guild_id)
    return [RenderJob.from_row(row) for row in db.query(f"SELECT * FROM jobs WHERE {where} ORDER BY id", params)]


def active_jobs(db: sqlite_utils.Database, guild_id: int | None = None) -> list[RenderJob]:
    where = "status IN ('queued', 'running')" + (" AND guild_id = ?" if guild_id is not None else "")
    params = () if guild_id is None else (guild_id,)
    return [RenderJob.from_row(row) for row in db.query(f"SELECT * FROM jobs WHERE {where} ORDER BY id", params)]


def pending_notifications(db: sqlite_utils.Database, *, transport: str, limit: int = 20) -> list[RenderJob]:
    """Finished jobs (done, failed, cancelled) of clips that `transport` delivers ("discord", "console")
    whose outcome has not been posted yet, oldest first; survives restarts. A front-end is never handed,
    nor blocked by, jobs that another front-end delivers."""
    rows = db.query(
        "SELECT jobs.* FROM jobs JOIN clips ON clips.id = jobs.clip_id "
        "WHERE jobs.notified_at IS NULL AND jobs.finished_at IS NOT NULL AND clips.transport = ? "
        "ORDER BY jobs.finished_at LIMIT ?",
        (transport, limit),
    )
    return [RenderJob.from_row(row) for row in rows]


def mark_notified(db: sqlite_utils.Database, job_id: int, *, now: float | None = None) -> None:
    db.execute("UPDATE jobs SET notified_at = ? WHERE id = ?", (timestamp(now), job_id))
