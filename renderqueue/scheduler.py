"""Which queued render runs next. Pure policy (no database, no clock) so that the worker's atomic claim,
the queue-position estimate and the fairness benchmark all run the very same code.

Order of concerns:
1. priority class: drafts (0) before finals (1); a job's class improves by one for every
   `promote_after_s` it has waited, so a stream of drafts cannot starve finals;
2. round robin across users: within a class, each user's oldest job forms the first round, ordered by
   who was served least recently (never served first), then every user's second job, and so on;
3. model affinity: when the fair choice needs a model other than the loaded one, a worker may take the
   first job of the same class that fits its loaded model instead (switching costs a model load), but
   every job passed over is counted and one passed over `max_bypass` times cannot be passed again.
   Affinity therefore delays any job by at most `max_bypass` renders.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from generation.recipe import ShotRender


@dataclass(frozen=True)
class QueuedJob:
    id: int
    user_id: int
    model: str
    priority: int
    enqueued_at: float
    # Render work still to do (see `render_work`); 0 means every shot is cached and no model is needed.
    cost: float = 1.0
    # How often the scheduler has already passed this job over for model affinity.
    bypassed: int = 0

    @property
    def needs_model(self) -> bool:
        return self.cost > 0


@dataclass(frozen=True)
class SchedulerPolicy:
    """`max_bypass`: how many times a job may be passed over for one that keeps the loaded model;
    `promote_after_s`: a job's priority class improves by one for every this many seconds it waits;
    `affinity`: prefer jobs for the model a worker has loaded (within `max_bypass`)."""

    max_bypass: int = 2
    promote_after_s: float = 600.0
    affinity: bool = True


DEFAULT_POLICY = SchedulerPolicy()


@dataclass(frozen=True)
class Decision:
    job: QueuedJob
    # Jobs the fair order ranked ahead of `job`; the caller adds one to each one's `bypassed`.
    passed_over: tuple[QueuedJob, ...]


def render_work(recipe: ShotRender) -> float:
    """Work units of one shot: denoising steps x frames x megapixels. Render time grows about linearly
    with each, so one measured seconds-per-unit figure per model predicts shots of any size."""
    return recipe.steps * recipe.generated_frames * recipe.width * recipe.height / 1e6


def job_cost(recipes: Sequence[ShotRender], cached_hashes: Collection[str]) -> float:
    """The `cost_estimate` to queue a clip with: work of the shots not already in the render cache."""
    return sum(render_work(recipe) for recipe in recipes if recipe.content_hash() not in cached_hashes)


def effective_priority(job: QueuedJob, now: float, policy: SchedulerPolicy) -> int:
    waited = max(0.0, now - job.enqueued_at)
    return max(0, job.priority - int(waited // policy.promote_after_s))


def rank(
    queued: Sequence[QueuedJob],
    *,
    last_served: Mapping[int, float],
    now: float,
    policy: SchedulerPolicy = DEFAULT_POLICY,
) -> list[QueuedJob]:
    """The fair order, ignoring model affinity."""
    classes = {job.id: effective_priority(job, now, policy) for job in queued}
    rounds: dict[int, int] = {}
    per_user: dict[tuple[int, int], list[QueuedJob]] = defaultdict(list)
    for job in queued:
        per_user[(job.user_id, classes[job.id])].append(job)
    for jobs in per_user.values():
        for round_index, job in enumerate(sorted(jobs, key=lambda j: (j.enqueued_at, j.id))):
            rounds[job.id] = round_index
    return sorted(
        queued,
        key=lambda j: (
            classes[j.id],
            rounds[j.id],
            last_served.get(j.user_id, -math.inf),
            j.enqueued_at,
            j.id,
        ),
    )


def decide(
    queued: Sequence[QueuedJob],
    *,
    loaded_model: str | None,
    last_served: Mapping[int, float],
    now: float,
    policy: SchedulerPolicy = DEFAULT_POLICY,
) -> Decision | None:
    ranked = rank(queued, last_served=last_served, now=now, policy=policy)
    if not ranked:
        return None
    head = ranked[0]

    def fits(job: QueuedJob) -> bool:
        return not job.needs_model or job.model == loaded_model

    if not policy.affinity or loaded_model is None or fits(head):
        return Decision(head, ())
    top_class = effective_priority(head, now, policy)
    for index, job in enumerate(ranked):
        if effective_priority(job, now, policy) != top_class:
            break
        if fits(job):
            return Decision(job, tuple(ranked[:index]))
        if job.bypassed >= policy.max_bypass:
            break
    return Decision(head, ())


def pick_next(
    queued: Sequence[QueuedJob],
    *,
    loaded_model: str | None,
    last_served: Mapping[int, float],
    now: float,
    policy: SchedulerPolicy = DEFAULT_POLICY,
) -> QueuedJob | None:
    decision = decide(queued, loaded_model=loaded_model, last_served=last_served, now=now, policy=policy)
    return None if decision is None else decision.job


def pick_fifo(queued: Sequence[QueuedJob], **_ignored: object) -> QueuedJob | None:
    """The baseline: oldest first, whoever asked and whatever model is loaded."""
    return min(queued, key=lambda j: (j.enqueued_at, j.id), default=None)


def predict_order(
    queued: Sequence[QueuedJob],
    *,
    loaded_model: str | None,
    last_served: Mapping[int, float],
    now: float,
    policy: SchedulerPolicy = DEFAULT_POLICY,
) -> list[QueuedJob]:
    """The order one worker would serve the queue in if nothing new arrived."""
    remaining = list(queued)
    served = dict(last_served)
    clock = max([now, *served.values()])
    order: list[QueuedJob] = []
    while remaining:
        decision = decide(remaining, loaded_model=loaded_model, last_served=served, now=now, policy=policy)
        assert decision is not None
        passed = {job.id for job in decision.passed_over}
        remaining = [
            replace(job, bypassed=job.bypassed + 1) if job.id in passed else job
            for job in remaining
            if job.id != decision.job.id
        ]
        order.append(decision.job)
        clock += 1.0
        served[decision.job.user_id] = clock
        if decision.job.needs_model:
            loaded_model = decision.job.model
    return order
