"""Which queued render runs next. Pure policy (no database, no clock) so that the worker's atomic claim,
the queue-position estimate and the fairness benchmark all run the very same code.

Order of concerns:
1. priority class: a request's stills (-1, seconds of work) before drafts (0) before finals (1); a
   job's class improves by one for every `promote_after_s` it has waited, up to the drafts' class, so a
   stream of drafts cannot starve finals;
2. round robin across users: within a class, each user's oldest job forms the first round, ordered by
   who was served least recently (never served first), then every user's second job, and so on;
3. model affinity: when the fair choice needs a model other than the loaded one, a worker may take the
   first job of the same class that fits its loaded model instead (switching costs a model load), but
   every job passed over is counted and one passed over `max_bypass` times cannot be passed again.
   Affinity therefore delays any job by at most `max_bypass` renders.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from generation.recipe import ShotRender
from storage.records import PRIORITY_DRAFT, PRIORITY_STILLS


class QueuedJob(NamedTuple):
    """A queued job as the scheduler sees it (a tuple: cheap to build by the thousand from rows)."""

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
    """Work units of one shot: transformer passes (steps, twice with CFG: guidance above 1, as diffusers'
    pipelines decide) x frames x megapixels. Render time grows about linearly with each, so one measured
    seconds-per-unit figure per model predicts shots of any size, drafts without CFG included. (A cache
    hook's skipped blocks are not known in advance: those drafts are estimated on the safe side.)"""
    passes = 2 if recipe.guidance > 1 else 1
    return recipe.steps * passes * recipe.generated_frames * recipe.width * recipe.height / 1e6


def job_cost(recipes: Sequence[ShotRender], cached_hashes: Collection[str]) -> float:
    """The `cost_estimate` to queue a clip with: work of the shots not already in the render cache."""
    return sum(render_work(recipe) for recipe in recipes if recipe.content_hash() not in cached_hashes)


def effective_priority(job: QueuedJob, now: float, policy: SchedulerPolicy) -> int:
    """The job's class now: waiting promotes it towards the drafts' class, never past it (stills keep theirs)."""
    if job.priority <= PRIORITY_DRAFT:
        return job.priority
    waited = max(0.0, now - job.enqueued_at)
    return max(PRIORITY_DRAFT, job.priority - int(waited // policy.promote_after_s))


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


def decide_lines(
    lines: Collection[Sequence[QueuedJob]],
    *,
    loaded_model: str | None,
    last_served: Mapping[int, float],
    now: float,
    policy: SchedulerPolicy = DEFAULT_POLICY,
    eligible: Callable[[QueuedJob], bool] | None = None,
) -> Decision | None:
    """`decide` over the jobs of `lines` (each user's queued jobs, oldest first by (enqueued_at, id)) that
    are `eligible` (default: all), looking at about one job per user instead of sorting every job.

    `decide` stops within the first round of the top class (each user's oldest job of that class) unless
    no job there fits the loaded model and none may not be passed; only then are the top class's later
    rounds ranked, by `decide` itself. The result is `decide`'s, always."""
    firsts: dict[int, list[QueuedJob]] = defaultdict(list)  # class -> each user's oldest job of it
    for line in lines:
        seen: set[int] = set()
        for job in line:
            if eligible is not None and not eligible(job):
                continue
            job_class = effective_priority(job, now, policy)
            if job_class == PRIORITY_STILLS:  # no better class: later jobs can't be in the first round of the top class
                firsts[job_class].append(job)
                break
            if job_class not in seen:
                seen.add(job_class)
                firsts[job_class].append(job)
    if not firsts:
        return None
    top = min(firsts)
    served = last_served.get
    first_round = sorted(firsts[top], key=lambda j: (served(j.user_id, -math.inf), j.enqueued_at, j.id))
    head = first_round[0]

    def fits(job: QueuedJob) -> bool:
        return not job.needs_model or job.model == loaded_model

    if not policy.affinity or loaded_model is None or fits(head):
        return Decision(head, ())
    for index, job in enumerate(first_round):
        if fits(job):
            return Decision(job, tuple(first_round[:index]))
        if job.bypassed >= policy.max_bypass:
            return Decision(head, ())
    top_class = [
        job for line in lines for job in line
        if (eligible is None or eligible(job)) and effective_priority(job, now, policy) == top
    ]  # fmt: skip
    return decide(top_class, loaded_model=loaded_model, last_served=last_served, now=now, policy=policy)


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


# Positions predicted with every decision the scheduler would make; past them, when a queue is so deep
# and mixed that an exact prediction would cost a full re-rank per job, the order is the fair order with
# model affinity applied only among users' next jobs, and positions are shown as "about".
EXACT_POSITIONS = 300


@dataclass(frozen=True)
class Prediction:
    """The order one worker would serve the queue in if nothing new arrived; `order[:exact]` is exactly
    what successive `decide` calls would pick, the rest is close to it."""

    order: list[QueuedJob]
    exact: int


def predict_order(
    queued: Sequence[QueuedJob],
    *,
    loaded_model: str | None,
    last_served: Mapping[int, float],
    now: float,
    policy: SchedulerPolicy = DEFAULT_POLICY,
    exact_positions: int = EXACT_POSITIONS,
    by_user: Iterable[Sequence[QueuedJob]] | None = None,
) -> Prediction:
    """Simulate `decide` over the whole queue in O(n log n): heaps of each user's next job per priority
    class (fair order), per model (affinity), and of jobs that may not be passed again (bypass limit).

    The first `exact_positions` are exact. The one case heaps don't answer (no user's next job fits the
    loaded model, and none may not be passed, so `decide` would look at users' later jobs) falls back to
    `decide` itself, while those have looked at fewer than 50,000 jobs in all (the exact part ends there).
    Past `exact_positions` the rest is the fair order (`rank`) from there, without model affinity, which
    moves a job by at most `max_bypass` places: close, not exact, and one sort.
    `by_user`, when the caller keeps them: the same jobs as each user's list, oldest first by (enqueued_at,
    id), which spares sorting the whole queue.
    """
    simulation = _Simulation(queued, last_served=last_served, now=now, policy=policy, by_user=by_user)
    order: list[QueuedJob] = []
    while simulation.remaining and len(order) < exact_positions:
        job, exact = simulation.step(loaded_model)
        if job is None:
            break
        order.append(job)
        if job.needs_model:
            loaded_model = job.model
    exact_count = len(order)
    return Prediction(order + simulation.fair_rest(), exact_count)


_FULL_DECISION_BUDGET = 50_000
_AGE = operator.itemgetter(4, 0)  # (enqueued_at, id) of a QueuedJob, at C speed
_NO_MODEL = ""  # the affinity heap of jobs whose shots are all cached: they fit any loaded model


class _Simulation:
    """One worker serving a fixed queue, decision by decision, as `decide` would (see `predict_order`).

    Heap entries are (last_served, enqueued_at, id, user, class): the fair order among users' next jobs
    in one class. Entries go stale when their user is served (a new last_served) or their job leaves;
    fresh ones are pushed then, and stale ones are dropped when they reach the top.
    """

    def __init__(
        self,
        queued: Sequence[QueuedJob],
        *,
        last_served: Mapping[int, float],
        now: float,
        policy: SchedulerPolicy,
        by_user: Iterable[Sequence[QueuedJob]] | None = None,
    ) -> None:
        self.policy = policy
        self.served = dict(last_served)
        self.clock = max([now, *self.served.values()])
        self.bypassed = {job.id: job.bypassed for job in queued}
        self.by_id = {job.id: job for job in queued}
        self.remaining = len(queued)
        # Jobs that full `decide` calls may still look at: a pathological queue could otherwise need one
        # (n log n) per position.
        self.full_decision_budget = _FULL_DECISION_BUDGET
        self.job_class = {job.id: effective_priority(job, now, policy) for job in queued}
        lines: dict[tuple[int, int], list[QueuedJob]] = defaultdict(list)
        oldest_first = sorted(queued, key=_AGE) if by_user is None else (job for line in by_user for job in line)
        for job in oldest_first:  # each user's jobs stay oldest first within each class
            lines[(job.user_id, self.job_class[job.id])].append(job)
        # Each user's jobs per class, oldest first, and how many have left from the front.
        self.lines = dict(lines)
        self.fronts = dict.fromkeys(lines, 0)
        self.gone: set[int] = set()
        self.fair: dict[int, list[tuple]] = defaultdict(list)
        self.fitting: dict[tuple[int, str], list[tuple]] = defaultdict(list)
        self.blocking: dict[int, list[tuple]] = defaultdict(list)
        for user, job_class in lines:
            self._push_next(user, job_class, heapify=False)
        for heap in (*self.fair.values(), *self.fitting.values(), *self.blocking.values()):
            heapq.heapify(heap)
        self.classes = sorted(self.fair)

    # --- state --------------------------------------------------------------------------------------

    def _next_job(self, user: int, job_class: int) -> QueuedJob | None:
        line, front = self.lines[(user, job_class)], self.fronts[(user, job_class)]
        while front < len(line) and line[front].id in self.gone:
            front += 1
        self.fronts[(user, job_class)] = front
        return line[front] if front < len(line) else None

    def _entry(self, job: QueuedJob, job_class: int) -> tuple:
        return (self.served.get(job.user_id, -math.inf), job.enqueued_at, job.id, job.user_id, job_class)

    def _push_next(self, user: int, job_class: int, *, heapify: bool = True) -> None:
        job = self._next_job(user, job_class)
        if job is None:
            return
        entry = self._entry(job, job_class)
        push = heapq.heappush if heapify else list.append
        push(self.fair[job_class], entry)
        push(self.fitting[(job_class, job.model if job.needs_model else _NO_MODEL)], entry)
        if self.bypassed[job.id] >= self.policy.max_bypass:
            push(self.blocking[job_class], entry)

    def _current(self, entry: tuple) -> bool:
        served, _, job_id, user, job_class = entry
        next_job = self._next_job(user, job_class)
        return next_job is not None and next_job.id == job_id and self.served.get(user, -math.inf) == served

    def _peek(self, heap: list[tuple]) -> tuple | None:
        while heap and not self._current(heap[0]):
            heapq.heappop(heap)
        return heap[0] if heap else None

    # --- decisions ----------------------------------------------------------------------------------

    def step(self, loaded_model: str | None) -> tuple[QueuedJob | None, bool]:
        """Serve the job `decide` would pick and return it with True; or (None, False), serving nothing,
        when only a full `decide` would know and this simulation has used its few of those."""
        while self._peek(self.fair[self.classes[0]]) is None:
            self.classes.pop(0)
        top = self.classes[0]
        head_entry = self._peek(self.fair[top])
        head = self.by_id[head_entry[2]]
        if not self.policy.affinity or loaded_model is None or not head.needs_model or head.model == loaded_model:
            return self._serve(head, ()), True
        fits = [entry for entry in (self._peek(self.fitting[(top, loaded_model)]),
                                    self._peek(self.fitting[(top, _NO_MODEL)])) if entry is not None]  # fmt: skip
        fit = min(fits, default=None)
        block = self._peek(self.blocking[top])
        if fit is not None and (block is None or fit <= block):
            return self._serve(self.by_id[fit[2]], self._pass_over(top, fit)), True
        if block is not None:  # decide stops at a job it may not pass, before any that fits
            return self._serve(head, ()), True
        if self.full_decision_budget < self.remaining:
            return None, False
        self.full_decision_budget -= self.remaining
        # Only the top class matters to decide; its jobs keep that class (no further promotion).
        remaining = [
            job._replace(priority=top, bypassed=self.bypassed[job.id])
            for (user, job_class), line in self.lines.items()
            if job_class == top
            for job in line[self.fronts[(user, job_class)]:]
            if job.id not in self.gone
        ]
        decision = decide(remaining, loaded_model=loaded_model, last_served=self.served, now=self.clock,
                          policy=replace(self.policy, promote_after_s=math.inf))  # fmt: skip
        assert decision is not None
        return self._serve(self.by_id[decision.job.id], decision.passed_over), True

    def fair_rest(self) -> list[QueuedJob]:
        """The jobs not yet served in the fair order from here (`rank` without re-computing classes)."""
        keyed = []
        for (user, job_class), line in self.lines.items():
            served = self.served.get(user, -math.inf)
            round_index = 0
            for job in line[self.fronts[(user, job_class)]:]:
                if job.id not in self.gone:
                    keyed.append((job_class, round_index, served, job.enqueued_at, job.id, job))
                    round_index += 1
        keyed.sort()  # ids are unique, so tuples never compare their jobs
        return [item[5] if self.bypassed[item[4]] == item[5].bypassed else item[5]._replace(bypassed=self.bypassed[item[4]])
                for item in keyed]

    def _pass_over(self, job_class: int, chosen: tuple) -> tuple[QueuedJob, ...]:
        """The users' next jobs ahead of `chosen` in the fair order, which `decide` passes over."""
        heap, passed = self.fair[job_class], []
        while (entry := self._peek(heap)) is not None and entry < chosen:
            heapq.heappop(heap)
            passed.append(self.by_id[entry[2]])
        for job in passed:
            heapq.heappush(heap, self._entry(job, job_class))
        return tuple(passed)

    def _serve(self, job: QueuedJob, passed_over: Sequence[QueuedJob]) -> QueuedJob:
        for passed in passed_over:
            self.bypassed[passed.id] += 1
            if self.bypassed[passed.id] == self.policy.max_bypass:
                heapq.heappush(self.blocking[self.job_class[passed.id]], self._entry(passed, self.job_class[passed.id]))
        self.gone.add(job.id)
        self.remaining -= 1
        self.clock += 1.0
        self.served[job.user_id] = self.clock
        for job_class in self.classes:
            if (job.user_id, job_class) in self.lines:
                self._push_next(job.user_id, job_class)
        return job._replace(bypassed=self.bypassed[job.id])
