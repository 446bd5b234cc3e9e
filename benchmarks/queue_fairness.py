"""Queue fairness benchmark: FIFO vs Reelbot's scheduler on a simulated day-in-the-life workload.

A discrete-event simulation of one GPU worker. It calls the real `renderqueue.scheduler` functions the
worker's claim uses (`decide`, with the same bypass bookkeeping `renderqueue.jobs.claim_next` does), so
what it measures is the production policy, not a model of it. Queue limits are off: the point is to
see what the ordering alone does when one user floods the queue.

Workload (seeded, reproducible): one heavy user drops 24 four-shot renders (a quarter of them finals)
in the first ten minutes;
ten light users each ask for 3 drafts at random times over the first hour. Two model presets with
different load costs; a slice of the light requests are remixes whose shots are all cached.

    python benchmarks/queue_fairness.py [--seed N] [--heavy-jobs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from renderqueue.scheduler import QueuedJob, SchedulerPolicy, decide, pick_fifo

# Seconds to load each preset into GPU memory, and seconds per unit of render work once loaded.
LOAD_SECONDS = {"wan-1.3b": 45.0, "ltx-video": 25.0}
SECONDS_PER_UNIT = {"wan-1.3b": 1.6, "ltx-video": 0.9}
# Assembling a clip from cached shots (stitch + storyboard): CPU only.
CACHED_CLIP_SECONDS = 3.0
HEAVY_USER = 0


@dataclass
class SimJob:
    queued: QueuedJob
    arrival: float
    start: float = 0.0
    finish: float = 0.0

    @property
    def wait(self) -> float:
        return self.start - self.arrival


@dataclass
class Result:
    name: str
    jobs: list[SimJob]
    swaps: int
    busy_gpu: float
    makespan: float = field(init=False)

    def __post_init__(self) -> None:
        self.makespan = max(j.finish for j in self.jobs) - min(j.arrival for j in self.jobs)


def workload(seed: int, heavy_jobs: int) -> list[SimJob]:
    rng = random.Random(seed)
    jobs: list[SimJob] = []

    def add(user: int, model: str, priority: int, at: float, steps: float) -> None:
        jobs.append(SimJob(QueuedJob(len(jobs) + 1, user, model, priority, at, steps), at))

    for _ in range(heavy_jobs):
        # Mostly drafts, so it is round robin, not draft-before-final, that protects the light users.
        priority = 1 if rng.random() < 0.25 else 0
        add(HEAVY_USER, rng.choice(["wan-1.3b", "wan-1.3b", "ltx-video"]), priority, rng.uniform(0, 600), 4 * 50)
    for user in range(1, 11):
        for _ in range(3):
            cached = rng.random() < 0.15
            add(user, rng.choice(list(LOAD_SECONDS)), 0, rng.uniform(0, 3600), 0 if cached else 3 * 30)
    return sorted(jobs, key=lambda j: (j.arrival, j.queued.id))


Picker = Callable[[list[QueuedJob], str | None, dict[int, float], float], tuple[QueuedJob, tuple[QueuedJob, ...]]]


def fifo(queued: list[QueuedJob], loaded: str | None, served: dict[int, float], now: float):
    return pick_fifo(queued), ()


def scheduler(policy: SchedulerPolicy) -> Picker:
    def pick(queued: list[QueuedJob], loaded: str | None, served: dict[int, float], now: float):
        decision = decide(queued, loaded_model=loaded, last_served=served, now=now, policy=policy)
        assert decision is not None
        return decision.job, decision.passed_over

    return pick


def simulate(name: str, jobs: list[SimJob], pick: Picker) -> Result:
    pending = [replace(job) for job in jobs]  # arrival order
    by_id = {job.queued.id: job for job in pending}
    queue: dict[int, QueuedJob] = {}
    served: dict[int, float] = {}
    loaded: str | None = None
    now = busy = 0.0
    swaps = arrived = 0
    done: list[SimJob] = []
    while len(done) < len(pending):
        while arrived < len(pending) and pending[arrived].arrival <= now:
            queue[pending[arrived].queued.id] = pending[arrived].queued
            arrived += 1
        if not queue:
            now = pending[arrived].arrival
            continue
        chosen, passed_over = pick(list(queue.values()), loaded, served, now)
        for job in passed_over:
            queue[job.id] = job._replace(bypassed=job.bypassed + 1)
        del queue[chosen.id]
        sim = by_id[chosen.id]
        sim.start = now
        served[chosen.user_id] = now
        if chosen.needs_model:
            if chosen.model != loaded:
                swaps += loaded is not None
                now += LOAD_SECONDS[chosen.model]
                loaded = chosen.model
            gpu = chosen.cost * SECONDS_PER_UNIT[chosen.model]
            now += gpu
            busy += gpu
        else:
            now += CACHED_CLIP_SECONDS
        sim.finish = now
        done.append(sim)
    return Result(name, done, swaps, busy)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def jain(values: list[float]) -> float:
    """Jain's fairness index: 1 when everyone gets the same, 1/n when one user gets everything."""
    return sum(values) ** 2 / (len(values) * sum(v * v for v in values))


def summarize(result: Result) -> dict[str, float]:
    heavy = [j.wait for j in result.jobs if j.queued.user_id == HEAVY_USER]
    light = [j.wait for j in result.jobs if j.queued.user_id != HEAVY_USER]
    # Per-user service quality: 1 / mean slowdown, where slowdown = time in system / own service time.
    quality: dict[int, list[float]] = {}
    for job in result.jobs:
        service = job.finish - job.start
        quality.setdefault(job.queued.user_id, []).append(service / (job.wait + service))
    return {
        "throughput_per_h": len(result.jobs) / result.makespan * 3600,
        "makespan_min": result.makespan / 60,
        "gpu_busy_share": result.busy_gpu / result.makespan,
        "swaps": result.swaps,
        "light_p50_min": percentile(light, 50) / 60,
        "light_p95_min": percentile(light, 95) / 60,
        "heavy_p50_min": percentile(heavy, 50) / 60,
        "heavy_p95_min": percentile(heavy, 95) / 60,
        "jain": jain([statistics.fmean(q) for q in quality.values()]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--heavy-jobs", type=int, default=24)
    args = parser.parse_args(argv)

    jobs = workload(args.seed, args.heavy_jobs)
    results = [
        simulate("fifo", jobs, fifo),
        simulate("fair, no affinity", jobs, scheduler(SchedulerPolicy(affinity=False))),
        simulate("reelbot (fair + affinity)", jobs, scheduler(SchedulerPolicy())),
    ]
    rows = {r.name: summarize(r) for r in results}
    light = sum(1 for j in jobs if j.queued.user_id != HEAVY_USER)
    print(f"workload: 1 heavy user x {args.heavy_jobs} jobs, 10 light users x 3 drafts ({light} jobs), "
          f"seed {args.seed}, 1 worker")  # fmt: skip
    metrics = list(next(iter(rows.values())))
    print(f"{'metric':<18}" + "".join(f"{name:>28}" for name in rows))
    for metric in metrics:
        print(f"{metric:<18}" + "".join(f"{row[metric]:>28.3f}" for row in rows.values()))

    base, ours = rows["fifo"], rows["reelbot (fair + affinity)"]
    print("\nratios, reelbot / fifo (lower is better for waits and swaps, higher for throughput and Jain):")
    compared = ("throughput_per_h", "swaps", "light_p50_min", "light_p95_min", "heavy_p50_min", "heavy_p95_min", "jain")
    for metric in compared:
        ratio = ours[metric] / base[metric] if base[metric] else float("nan")
        print(f"  {metric:<18}{ratio:8.2f}x")


if __name__ == "__main__":
    main()
