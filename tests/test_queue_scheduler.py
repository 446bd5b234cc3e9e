from __future__ import annotations

import random
from dataclasses import replace

import pytest

from generation.recipe import ShotRender
from renderqueue.scheduler import (
    DEFAULT_POLICY,
    QueuedJob,
    SchedulerPolicy,
    decide,
    decide_lines,
    job_cost,
    pick_fifo,
    pick_next,
    predict_order,
    rank,
    render_work,
)

NOW = 1000.0


def job(job_id, user, *, model="a", priority=0, at=None, cost=10.0, bypassed=0):
    return QueuedJob(job_id, user, model, priority, float(job_id) if at is None else at, cost, bypassed)


def pick(queued, *, loaded=None, served=None, now=NOW, policy=DEFAULT_POLICY):
    return pick_next(queued, loaded_model=loaded, last_served=served or {}, now=now, policy=policy)


def test_empty_queue_has_nothing_to_pick():
    assert pick([]) is None
    assert pick_fifo([]) is None


def test_drafts_go_before_older_finals():
    final = job(1, user=1, priority=1, at=900.0)
    draft = job(2, user=2, priority=0, at=990.0)
    assert pick([final, draft]).id == 2


def test_finals_that_waited_long_compete_as_drafts():
    policy = SchedulerPolicy(promote_after_s=60.0)
    final = job(1, user=1, priority=1, at=NOW - 61.0)
    draft = job(2, user=2, priority=0, at=NOW - 10.0)
    assert pick([final, draft], policy=policy).id == 1
    assert pick([final, draft], now=NOW - 2.0, policy=policy).id == 2


def test_heavy_user_cannot_starve_light_users():
    heavy = [job(i, user=1) for i in range(1, 11)]
    light = [job(100 + u, user=u, at=50.0 + u) for u in range(2, 5)]
    order = predict_order(heavy + light, loaded_model=None, last_served={}, now=NOW).order
    positions = {j.id: index for index, j in enumerate(order)}
    # One round: heavy's oldest job, then every light user, before heavy's second job.
    assert [j.user_id for j in order[:4]] == [1, 2, 3, 4]
    assert max(positions[j.id] for j in light) < positions[2]
    assert pick_fifo(heavy + light).id == 1
    fifo_order = sorted(heavy + light, key=lambda j: j.enqueued_at)
    assert [j.user_id for j in fifo_order[:10]] == [1] * 10, "FIFO would make the light users wait"


def test_least_recently_served_user_goes_first():
    recently = job(1, user=1, at=10.0)
    long_ago = job(2, user=2, at=20.0)
    never = job(3, user=3, at=30.0)
    assert pick([recently, long_ago, never], served={1: 900.0, 2: 100.0}).id == 3
    assert pick([recently, long_ago], served={1: 900.0, 2: 100.0}).id == 2


def test_affinity_takes_a_job_for_the_loaded_model_and_counts_the_bypass():
    fair = job(1, user=1, model="a")
    same_model = job(2, user=2, model="b")
    decision = decide([fair, same_model], loaded_model="b", last_served={}, now=NOW)
    assert decision.job.id == 2
    assert [j.id for j in decision.passed_over] == [1]
    # Without a loaded model, or with affinity off, fairness alone decides.
    assert pick([fair, same_model]).id == 1
    assert pick([fair, same_model], loaded="b", policy=SchedulerPolicy(affinity=False)).id == 1


def test_affinity_is_bounded_by_bypass_count():
    policy = SchedulerPolicy(max_bypass=2)
    assert pick([job(1, 1, model="a", bypassed=1), job(2, 2, model="b")], loaded="b", policy=policy).id == 2
    assert pick([job(1, 1, model="a", bypassed=2), job(2, 2, model="b")], loaded="b", policy=policy).id == 1
    # A job further ahead that used up its allowance also blocks affinity past it.
    queued = [job(1, 1, model="a"), job(2, 2, model="c", bypassed=2), job(3, 3, model="b")]
    assert pick(queued, loaded="b", policy=policy).id == 1


def test_affinity_never_crosses_priority_classes():
    draft_other_model = job(1, user=1, model="a", priority=0, at=NOW - 5.0)
    final_loaded_model = job(2, user=2, model="b", priority=1, at=NOW - 5.0)
    assert pick([draft_other_model, final_loaded_model], loaded="b").id == 1


def test_fully_cached_jobs_fit_any_loaded_model():
    fair = job(1, user=1, model="a")
    cached = job(2, user=2, model="c", cost=0.0)
    assert pick([fair, cached], loaded="b").id == 2


def test_affinity_delays_a_job_by_at_most_max_bypass_renders():
    policy = SchedulerPolicy(max_bypass=3)
    odd_one = job(1, user=1, model="a", at=0.0)
    others = [job(10 + i, user=2 + i % 5, model="b", at=1.0 + i) for i in range(20)]
    fair_order = rank([odd_one, *others], last_served={}, now=NOW)
    order = predict_order([odd_one, *others], loaded_model="b", last_served={}, now=NOW, policy=policy).order
    assert fair_order[0].id == 1
    assert [j.id for j in order].index(1) == 3
    swaps = sum(1 for prev, cur in zip(order, order[1:], strict=False) if prev.model != cur.model)
    assert swaps <= 2


def test_job_cost_counts_only_uncached_work():
    shots = [ShotRender("tiny", f"shot {i}", "", i, 64, 32, 9, 8, 4, 5.0) for i in range(3)]
    assert render_work(shots[0]) == pytest.approx(4 * 2 * 9 * 64 * 32 / 1e6)  # two passes a step with CFG
    assert render_work(replace(shots[0], guidance=1.0)) == pytest.approx(4 * 9 * 64 * 32 / 1e6)
    assert job_cost(shots, set()) == pytest.approx(3 * render_work(shots[0]))
    assert job_cost(shots, {shots[0].content_hash()}) == pytest.approx(2 * render_work(shots[0]))
    assert job_cost(shots, {s.content_hash() for s in shots}) == 0


def predict_by_deciding(queued, *, loaded_model, last_served, now, policy=DEFAULT_POLICY):
    """The definition predict_order must match: one `decide` per position, bypass counts carried along."""
    remaining, served, order = list(queued), dict(last_served), []
    clock = max([now, *served.values()])
    while remaining:
        decision = decide(remaining, loaded_model=loaded_model, last_served=served, now=now, policy=policy)
        passed = {j.id for j in decision.passed_over}
        remaining = [j._replace(bypassed=j.bypassed + 1) if j.id in passed else j
                     for j in remaining if j.id != decision.job.id]
        order.append(decision.job)
        clock += 1.0
        served[decision.job.user_id] = clock
        if decision.job.needs_model:
            loaded_model = decision.job.model
    return order


@pytest.mark.parametrize("seed", range(60))
def test_predict_order_makes_the_decisions_decide_makes(seed):
    rng = random.Random(seed)
    users = rng.randint(1, 8)
    models = ["a", "b", "c"][: rng.randint(1, 3)]
    queued = [
        QueuedJob(i, rng.randrange(users), rng.choice(models), rng.choice([0, 0, 1, 2]), rng.uniform(0, 3000),
                  rng.choice([0.0, 5.0, 10.0]), rng.choice([0, 0, 0, 1, 2]))
        for i in range(rng.randint(0, 60))
    ]
    served = {u: rng.uniform(0, 2000) for u in range(users) if rng.random() < 0.5}
    policy = SchedulerPolicy(max_bypass=rng.randint(0, 3), promote_after_s=rng.choice([600.0, 1e9]),
                             affinity=rng.random() < 0.9)
    loaded = rng.choice([None, *models])
    expected = predict_by_deciding(queued, loaded_model=loaded, last_served=served, now=3000.0, policy=policy)
    predicted = predict_order(queued, loaded_model=loaded, last_served=served, now=3000.0, policy=policy)
    assert [j.id for j in predicted.order] == [j.id for j in expected]
    assert predicted.order == expected and predicted.exact == len(expected)
    by_user = {}
    for j in sorted(queued, key=lambda j: (j.enqueued_at, j.id)):
        by_user.setdefault(j.user_id, []).append(j)
    kept = predict_order(queued, loaded_model=loaded, last_served=served, now=3000.0, policy=policy,
                         by_user=by_user.values())
    assert kept == predicted  # the lines a QueueState keeps spare the sort, nothing else


def test_past_the_exact_positions_the_order_is_the_fair_order():
    rng = random.Random(3)
    queued = [QueuedJob(i, rng.randrange(5), rng.choice("ab"), rng.choice([0, 1]), float(i), 1.0, 0) for i in range(40)]
    exact = predict_by_deciding(queued, loaded_model="a", last_served={}, now=NOW)
    cut = predict_order(queued, loaded_model="a", last_served={}, now=NOW, exact_positions=10)
    assert cut.exact == 10 and cut.order[:10] == exact[:10]
    served = {j.user_id: 1e6 + i for i, j in enumerate(exact[:10])}
    rest = [j for j in queued if j.id not in {e.id for e in exact[:10]}]
    assert [j.id for j in cut.order[10:]] == [j.id for j in rank(rest, last_served=served, now=NOW)]
    # Affinity moves a job by at most max_bypass places, so the estimate is close.
    exact_places = {j.id: i for i, j in enumerate(exact)}
    assert max(abs(exact_places[j.id] - i) for i, j in enumerate(cut.order)) <= 2 * len(set("ab")) + 2


@pytest.mark.parametrize("seed", range(80))
def test_decide_lines_decides_as_decide(seed):
    rng = random.Random(1000 + seed)
    users = rng.randint(1, 10)
    models = ["a", "b", "c"][: rng.randint(1, 3)]
    queued = [
        QueuedJob(i, rng.randrange(users), rng.choice(models), rng.choice([0, 0, 1, 2]), rng.uniform(0, 3000),
                  rng.choice([0.0, 5.0, 10.0]), rng.choice([0, 0, 0, 1, 2, 3]))
        for i in range(rng.randint(0, 80))
    ]
    served = {u: rng.uniform(0, 2000) for u in range(users) if rng.random() < 0.5}
    policy = SchedulerPolicy(max_bypass=rng.randint(0, 3), promote_after_s=rng.choice([600.0, 1e9]),
                             affinity=rng.random() < 0.9)
    loaded = rng.choice([None, *models])
    allowed = set(rng.sample(models, rng.randint(1, len(models))))
    eligible = rng.choice([None, lambda j: not j.needs_model or j.model in allowed])
    lines = {}
    for j in sorted(queued, key=lambda j: (j.enqueued_at, j.id)):
        lines.setdefault(j.user_id, []).append(j)
    fair = decide([j for j in queued if eligible is None or eligible(j)], loaded_model=loaded, last_served=served,
                  now=3000.0, policy=policy)
    fast = decide_lines(lines.values(), loaded_model=loaded, last_served=served, now=3000.0, policy=policy,
                        eligible=eligible)
    assert fast == fair
