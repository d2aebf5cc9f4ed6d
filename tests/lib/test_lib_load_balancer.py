"""scalelab.load_balancer: policies against queueing formulas, health checks, failures, cost.

Statistical tolerances come from measured spread: each check averages replications at fixed
seeds, and its tolerance is at least four standard errors of that average (the spread is noted
next to each check, measured over 8 seeds).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import load_balancer as lb
from scalelab.load_balancer import (
    DROPPED,
    ERROR,
    SERVED,
    Outage,
    PoolParams,
    ServerPool,
    availability,
    failure_schedule,
    fraction_time_up,
    least_connections,
    plan_horizontal,
    plan_vertical,
    pool_buckets,
    round_robin,
    simulate_pool,
    summarize,
    timeline,
    wait_random_split,
    wait_round_robin,
    wait_shared_queue,
)
from scalelab.queueing import simulate_mmc
from scalelab.widgets.load_balancer import T_KILL, explore_load_balancer

pytestmark = pytest.mark.lib
SETTINGS = settings(max_examples=40, derandomize=True, deadline=None, database=None)
LAM, MU, C = 3.5, 1.0, 4  # the canonical pool: utilisation 0.875
T_RUN, T_WARM = 40_000.0, 1_000.0


def mean_wait(policy, seeds=range(4), **kw) -> float:
    waits = []
    for seed in seeds:
        p = PoolParams(rate=LAM, n_servers=C, rate_service=MU, policy=policy, t_end=T_RUN, **kw)
        waits.append(
            summarize(simulate_pool(p, rng=np.random.default_rng(seed)), T_WARM).t_wait_mean
        )
    return float(np.mean(waits))


# ---------------------------------------------------------------------------- formulas


def test_formulas_canonical_values():
    assert wait_random_split(LAM, MU, C) == pytest.approx(7.0, rel=1e-12)
    assert wait_round_robin(LAM, MU, C) == pytest.approx(4.135, abs=5e-4)
    assert wait_shared_queue(LAM, MU, C) == pytest.approx(1.476, abs=5e-4)
    # One server: all three are the M/M/1 queue.
    for f in (wait_random_split, wait_round_robin, wait_shared_queue):
        assert f(0.5, 1.0, 1) == pytest.approx(1.0, rel=1e-9)
    with pytest.raises(ValueError, match="rate / \\(n_servers \\* rate_service\\) must be < 1"):
        wait_round_robin(4.0, 1.0, 4)


# ---------------------------------------------------------------------------- policies vs formulas


def test_random_split_is_mm1_per_server():
    # per-run sd of the mean wait 0.37 at 40,000 s; sd of a 4-run mean 0.19 (2.6 %)
    assert mean_wait("random") == pytest.approx(7.0, rel=0.11)


def test_round_robin_is_erlang_c_over_m_1():
    # per-run sd 0.21 at 40,000 s; sd of the 4-run mean 0.10 (2.5 %)
    assert mean_wait("round_robin") == pytest.approx(wait_round_robin(LAM, MU, C), rel=0.10)


def test_shared_queue_is_mmc():
    """The floor the policies are compared with, simulated by scalelab.queueing (M/M/4)."""
    # per-run sd of the mean wait over 140,000 requests: 0.070 (10 seeds); 4-run mean 2.4 %
    waits = [
        float(
            np.mean(simulate_mmc(LAM, MU, C, 140_000, rng=np.random.default_rng(s)).t_wait[3_500:])
        )
        for s in range(4)
    ]
    assert np.mean(waits) == pytest.approx(wait_shared_queue(LAM, MU, C), rel=0.10)


def test_state_aware_policies_land_between_shared_queue_and_round_robin():
    # measured over 8 x 40,000 s: least connections 1.75, power of two 2.23; sd of a 4-run
    # mean 0.045 for both, so each bound below is more than 4 standard errors away
    lc, p2 = mean_wait("least_connections"), mean_wait("power_of_two")
    shared, rr = wait_shared_queue(LAM, MU, C), wait_round_robin(LAM, MU, C)
    assert shared * 1.05 < lc < p2 < rr * 0.7, (lc, p2)


def test_weighted_policies_with_equal_weights_equal_the_plain_ones():
    p = dict(rate=LAM, n_servers=C, rate_service=MU, t_end=2_000.0)
    for plain, weighted in [
        ("round_robin", "weighted_round_robin"),
        ("random", "weighted_random"),
        ("least_connections", "weighted_least_connections"),
    ]:
        a = simulate_pool(PoolParams(policy=plain, **p), rng=np.random.default_rng(5))
        b = simulate_pool(PoolParams(policy=weighted, **p), rng=np.random.default_rng(5))
        assert np.array_equal(a.server, b.server), plain


def test_weighted_round_robin_is_smooth_and_proportional():
    p = PoolParams(
        rate=10.0, n_servers=2, rate_service=(30.0, 10.0), policy="weighted_round_robin", t_end=50
    )
    r = simulate_pool(p, rng=np.random.default_rng(0))
    assert r.server[:8].tolist() == [0, 0, 1, 0, 0, 0, 1, 0]  # nginx's smooth interleaving


def test_weighted_policies_protect_a_small_server():
    """Round robin sends a slow server as much as a fast one; the weighted variants do not."""
    p = dict(rate=30.0, n_servers=2, rate_service=(30.0, 10.0), t_end=2_000.0, n_queue_max=100)
    plain = summarize(
        simulate_pool(PoolParams(policy="round_robin", **p), rng=np.random.default_rng(1))
    )
    for policy in ("weighted_round_robin", "weighted_random", "weighted_least_connections"):
        w = summarize(simulate_pool(PoolParams(policy=policy, **p), rng=np.random.default_rng(1)))
        assert w.n_dropped < plain.n_dropped / 10 and w.t_p99 < plain.t_p99 / 3, policy


def test_simulated_round_robin_follows_the_readable_version():
    p = PoolParams(rate=5.0, n_servers=3, rate_service=5.0, t_end=20.0, policy="round_robin")
    r = simulate_pool(p, rng=np.random.default_rng(0))
    assert r.server[:7].tolist() == round_robin(7, [True, True, True])
    assert round_robin(4, [False, True, True]) == [1, 2, 1, 2]


def test_least_connections_readable_version():
    assert least_connections([2, 0, 0], [True, True, True]) == 1
    assert least_connections([2, 0, 1], [True, False, True]) == 2
    with pytest.raises(ValueError, match="healthy"):
        least_connections([0, 0], [False, False])


def test_a_policy_function_plugs_in_and_matches_the_builtin():
    """The readable least_connections, plugged in, behaves like the built-in policy."""
    waits = []
    for seed in range(3):
        p = PoolParams(
            rate=LAM, n_servers=C, rate_service=MU, policy=least_connections, t_end=15_000.0
        )
        waits.append(
            summarize(simulate_pool(p, rng=np.random.default_rng(seed)), T_WARM).t_wait_mean
        )
    # built-in: 1.72; plugged in, 8 x 15,000 s gave 1.69 with a 3-run-mean sd of 0.045
    assert np.mean(waits) == pytest.approx(1.72, rel=0.15)


def test_power_of_two_readable_version_picks_the_less_busy():
    rng = np.random.default_rng(0)
    picks = {lb.power_of_two([9, 0, 9], [True, True, True], rng=rng) for _ in range(50)}
    assert picks <= {0, 1, 2} and 1 in picks
    assert lb.power_of_two([3, 9], [True, False], rng=rng) == 0


# ---------------------------------------------------------------------------- health checks, failures


def _first_check(t, dt):
    if dt == 0:
        return t
    k = math.ceil(t / dt)
    while k * dt < t:
        k += 1
    while k > 0 and (k - 1) * dt >= t:
        k -= 1
    return k * dt


pool_cases = st.fixed_dictionaries(
    {
        "n": st.integers(1, 5),
        "lam": st.floats(1.0, 30.0),
        "dt": st.sampled_from([0.0, 0.5, 1.0, 2.5, 7.0]),
        "policy": st.sampled_from(lb.POLICIES),
        "k": st.one_of(st.none(), st.integers(1, 6)),
        "seed": st.integers(0, 2**16),
        "join": st.sampled_from([0.0, 0.0, 3.7, 25.0]),
        "downs": st.lists(
            st.tuples(st.floats(0.0, 40.0), st.floats(0.1, 30.0)), min_size=1, max_size=5
        ),
    }
)


def _params(case) -> PoolParams:
    n = case["n"]
    outages = tuple(
        Outage(j, round(a, 3), round(a, 3) + round(d, 3) + 0.001)
        for j, (a, d) in enumerate(case["downs"][:n])
    )
    return PoolParams(
        rate=case["lam"],
        n_servers=n,
        rate_service=4.0,
        policy=case["policy"],
        n_queue_max=case["k"],
        t_check_interval=case["dt"],
        outages=outages,
        t_join=(0.0,) * (n - 1) + (case["join"],),
        t_end=60.0,
    )


@given(pool_cases)
@SETTINGS
def test_failed_server_gets_nothing_after_the_first_check_that_follows_its_failure(case):
    p = _params(case)
    r = simulate_pool(p, rng=np.random.default_rng(case["seed"]))
    dt = p.t_check_interval
    for k, o in enumerate(p.outages):
        seen = _first_check(o.t_down, dt)
        back = _first_check(o.t_up, dt)
        if seen < o.t_up:
            assert r.t_detect[k] == pytest.approx(seen)
            blind = (r.t_arrival >= seen) & (r.t_arrival < back)
            assert not np.any(r.server[blind] == o.server)
        # Until the check notices, requests sent to the dead server fail.
        gap = (r.t_arrival >= o.t_down) & (r.t_arrival < min(seen, o.t_up))
        assert np.all(r.outcome[gap & (r.server == o.server)] == ERROR)


@given(pool_cases)
@SETTINGS
def test_requests_are_conserved_through_failures(case):
    p = _params(case)
    r = simulate_pool(p, rng=np.random.default_rng(case["seed"]))
    s = summarize(r)
    assert s.n_arrivals == len(r.t_arrival) == s.n_served + s.n_errors + s.n_dropped
    served = r.outcome == SERVED
    assert np.all(np.isfinite(r.t_response[served])) and np.all(r.t_response[served] > 0)
    assert np.all(np.isnan(r.t_response[~served]))
    assert np.all(r.t_wait[served] <= r.t_response[served])
    assert int(s.per_server.sum()) == s.n_served
    # No request is answered by a server while it is down.
    for o in p.outages:
        mine = served & (r.server == o.server)
        t0, t1 = r.t_arrival[mine], r.t_arrival[mine] + r.t_response[mine]
        assert not np.any((t0 < o.t_up) & (t1 > o.t_down))
    if p.n_queue_max is None:
        assert not np.any((r.outcome == DROPPED) & (r.server >= 0))
    tl = timeline(r, 5.0)
    assert int(tl.n_arrivals.sum()) == s.n_arrivals
    assert int((tl.n_served + tl.n_errors + tl.n_dropped).sum()) == s.n_arrivals


@given(pool_cases)
@SETTINGS
def test_fast_path_through_queueing_equals_the_event_loop(case):
    """Oblivious policies go through scalelab.queueing.simulate_fifo per server and up-period;
    the plain event-by-event loop is the reference, with failures, joins and full queues."""
    p = _params(case)
    fast = simulate_pool(p, rng=np.random.default_rng(case["seed"]))
    slow = lb._simulate(p, np.random.default_rng(case["seed"]), event_by_event=True)
    assert np.array_equal(fast.server, slow.server)
    assert np.array_equal(fast.outcome, slow.outcome)
    np.testing.assert_allclose(fast.t_response, slow.t_response, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast.t_wait, slow.t_wait, rtol=1e-9, atol=1e-9)
    assert fast.t_detect == slow.t_detect


def test_crash_loses_in_flight_requests_and_no_healthy_server_means_503():
    p = PoolParams(
        rate=20.0,
        n_servers=1,
        rate_service=10.0,
        t_end=30.0,
        t_check_interval=2.0,
        outages=(Outage(0, 10.5, 20.0),),
    )
    r = simulate_pool(p, rng=np.random.default_rng(4))
    before = (r.t_arrival < 10.5) & (r.outcome == ERROR)
    assert before.sum() > 0  # the queue it held at the crash
    blind = (r.t_arrival >= 10.5) & (r.t_arrival < 12.0)
    assert np.all(r.outcome[blind] == ERROR)
    gone = (r.t_arrival >= 12.0) & (r.t_arrival < 20.0)
    assert np.all(r.outcome[gone] == DROPPED) and np.all(r.server[gone] == -1)
    assert np.all(r.outcome[r.t_arrival >= 20.0] != ERROR)


def test_added_server_takes_traffic_from_the_next_check():
    p = PoolParams(
        rate=10.0,
        n_servers=3,
        rate_service=5.0,
        t_end=40.0,
        t_join=(0.0, 0.0, 13.0),
        t_check_interval=5.0,
    )
    r = simulate_pool(p, rng=np.random.default_rng(2))
    assert not np.any(r.server[r.t_arrival < 15.0] == 2)
    assert np.any(r.server[r.t_arrival >= 15.0] == 2)


def test_errors_during_detection_grow_with_the_check_interval():
    """Expected errors: about lam / c per second between the crash and the next check."""
    errs = {}
    for dt in (1.0, 10.0):
        n_err = []
        for seed in range(10):
            p = PoolParams(
                rate=40.0,
                n_servers=4,
                rate_service=20.0,
                t_end=60.0,
                t_check_interval=dt,
                outages=(Outage(1, 20.3),),
            )
            n_err.append(summarize(simulate_pool(p, rng=np.random.default_rng(seed))).n_errors)
        errs[dt] = np.mean(n_err)
    # detection after 0.7 s and 9.7 s: about 7 and 97 requests sent to the dead server
    assert errs[1.0] == pytest.approx(10 * 0.7 + 1, abs=4)
    assert errs[10.0] == pytest.approx(10 * 9.7 + 1, abs=12)


# ---------------------------------------------------------------------------- availability


def test_availability_formula():
    assert availability(1, 0.99) == pytest.approx(0.99)
    assert availability(3, 0.9) == pytest.approx(1 - 0.1**3)
    assert availability(3, 0.9, n_needed=3) == pytest.approx(0.9**3)
    assert availability(4, 0.5, n_needed=0) == 1.0
    with pytest.raises(ValueError, match="n_needed must be a whole number in \\[0, 3\\]"):
        availability(3, 0.9, n_needed=4)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_simulated_availability_matches_one_minus_q_to_the_n(n):
    """Servers that fail and recover at random: share of time with one up = 1 - (1 - p)^n."""
    t_mttf, t_mttr, t_end = 30.0, 10.0, 200_000.0
    p = t_mttf / (t_mttf + t_mttr)
    fracs = [
        fraction_time_up(
            failure_schedule(n, t_mttf, t_mttr, t_end, rng=np.random.default_rng(s)), n, t_end
        )
        for s in range(4)
    ]
    want = 1 - (1 - p) ** n
    # p = 0.75. Relative standard error of the unavailability (1-p)^n over the 4 runs,
    # measured over 8 seeds: 0.4 %, 1.3 %, 2.6 % for n = 1, 2, 3.
    assert 1 - np.mean(fracs) == pytest.approx(1 - want, rel=0.11)


def test_requests_see_the_same_availability():
    """With instant health checks, requests turned away = time with no server up, (1-p)^n."""
    n, t_mttf, t_mttr, t_end = 2, 40.0, 10.0, 100_000.0
    q = (t_mttr / (t_mttf + t_mttr)) ** n
    shares = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        outs = failure_schedule(n, t_mttf, t_mttr, t_end, rng=rng)
        p = PoolParams(
            rate=1.0,
            n_servers=n,
            rate_service=50.0,
            t_end=t_end,
            t_check_interval=0.0,
            outages=outs,
        )
        s = summarize(simulate_pool(p, rng=rng))
        shares.append(s.n_dropped / s.n_arrivals)
    # relative standard error of the 3-run mean: 2.9 % (measured over 8 seeds)
    assert np.mean(shares) == pytest.approx(q, rel=0.12)


# ---------------------------------------------------------------------------- cost and scaling plans


def test_vertical_has_a_hard_limit_and_horizontal_does_not():
    rate = 100.0  # requests/s per vCPU
    biggest = 192 * rate * 0.7
    assert plan_vertical(biggest * 0.99, rate).feasible
    v = plan_vertical(biggest * 1.01, rate)
    assert not v.feasible and v.instance.name == "m7i.48xlarge"
    h = plan_horizontal(biggest * 1.01, rate, n_spare=3)
    assert h.feasible and h.rate_capacity >= biggest * 1.01
    assert h.availability > v.availability
    # With 49 servers needed, one spare is not enough: some two of 50 are often down together.
    assert plan_horizontal(biggest * 1.01, rate, n_spare=1).availability < v.availability


def test_horizontal_plan_counts_spares_and_balancer():
    h = plan_horizontal(1000.0, 100.0, n_spare=1, p_up=0.99)
    assert h.n_servers == 5  # 4 m7i.xlarge at 280 requests/s each, plus one spare
    assert h.cost_per_hour == pytest.approx(5 * 0.2016 + lb.ALB_PRICE_PER_HOUR)
    assert h.availability == pytest.approx(availability(5, 0.99, n_needed=4))
    one = plan_horizontal(10.0, 100.0, n_spare=0)
    assert one.n_servers == 1 and one.cost_per_hour == pytest.approx(0.2016)


def test_usl_capacity_peaks_then_falls():
    caps = [lb.usl_capacity(n, 100.0, sigma=0.05, kappa=0.001) for n in (8, 32, 192)]
    assert caps[1] > caps[0] and caps[2] < caps[1]


# ---------------------------------------------------------------------------- time-bucketed form


def test_bucketed_form_matches_the_simulation_at_steady_state():
    """Random split with K = 5: exact M/M/1/K per server (sd of the 4-run means below 0.5 %)."""
    b = pool_buckets([LAM], 60.0, ServerPool(MU, 5), n_up=C)
    got = []
    for seed in range(4):
        p = PoolParams(
            rate=LAM, n_servers=C, rate_service=MU, policy="random", n_queue_max=5, t_end=20_000
        )
        s = summarize(simulate_pool(p, rng=np.random.default_rng(seed)), 200.0)
        span = 20_000 - 200.0
        got.append((s.n_served / span, s.n_dropped / span, s.t_response_mean))
    served, dropped, resp = np.mean(got, axis=0)
    assert served == pytest.approx(b.rate_served[0], rel=0.02)
    assert dropped == pytest.approx(b.rate_dropped[0], rel=0.06)
    assert resp == pytest.approx(b.t_response_mean[0], rel=0.03)
    # The pooled form is an optimistic bound for least connections (2.04 s against 2.25 s).
    pooled = pool_buckets([LAM], 60.0, ServerPool(MU, 5, model="pooled"), n_up=C)
    assert pooled.t_response_mean[0] < b.t_response_mean[0]


def test_bucketed_form_overload_failure_and_cost():
    b = pool_buckets(
        [0.0, 10.0, 100.0, 10.0],
        3600.0,
        ServerPool(10.0, 10, price_per_server_hour=0.2),
        n_up=[2, 2, 2, 0],
        n_in_view=[2, 3, 2, 1],
    )
    assert b.rate_served[0] == 0 and math.isnan(b.t_response_mean[0])
    assert b.rate_errors[1] == pytest.approx(10.0 / 3)  # one server in view is dead
    assert b.rate_served[2] == pytest.approx(20.0, rel=0.01) and b.rate_dropped[2] > 79
    assert b.rate_dropped[3] == 0 and b.rate_errors[3] == 10.0
    np.testing.assert_allclose(b.rate_served + b.rate_dropped + b.rate_errors, b.rate_offered)
    np.testing.assert_allclose(b.cost, [0.4, 0.4, 0.4, 0.0])


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": -1.0}, "rate must be in \\[0, 1000000.0\\]; got -1.0"),
        ({"n_servers": 0}, "n_servers must be a whole number in \\[1, 1000\\]; got 0"),
        ({"rate_service": 0.0}, "rate_service must be in \\(0, 1000000.0\\]; got 0.0"),
        ({"rate_service": (1.0, 2.0)}, "rate_service must be a number or 4 numbers"),
        ({"policy": "fastest"}, "policy must be one of"),
        ({"n_queue_max": 0}, "n_queue_max must be a whole number >= 1; got 0"),
        ({"t_check_interval": -1.0}, "t_check_interval must be in"),
        ({"outages": (Outage(9, 1.0),)}, "server must be in \\[0, 3\\]; got 9"),
        ({"outages": (Outage(0, 1.0, 5.0), Outage(0, 4.0, 6.0))}, "outages of server 0 overlap"),
        ({"weights": (1.0,)}, "weights must hold 4 numbers"),
    ],
)
def test_bad_parameters_name_the_parameter_and_range(kwargs, message):
    base = dict(rate=1.0, n_servers=4)
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        PoolParams(**base)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="t_up must be > t_down"):
        Outage(0, 5.0, 5.0)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        simulate_pool(PoolParams(rate=1.0, n_servers=1), rng=42)
    with pytest.raises(ValueError, match="policy must return a server index"):
        simulate_pool(
            PoolParams(rate=5.0, n_servers=2, policy=lambda a, h: 7, t_end=5.0),
            rng=np.random.default_rng(0),
        )
    with pytest.raises(ValueError, match="rate must be"):
        pool_buckets([-1.0], 1.0, ServerPool(1.0, 5), n_up=2)
    with pytest.raises(ValueError, match="model must be one of"):
        ServerPool(1.0, 5, model="magic")


def test_one_seed_one_run():
    p = PoolParams(
        rate=20.0,
        n_servers=3,
        rate_service=8.0,
        policy="power_of_two",
        t_end=50.0,
        outages=(Outage(1, 10.0, 30.0),),
    )
    a = simulate_pool(p, rng=np.random.default_rng(9))
    b = simulate_pool(p, rng=np.random.default_rng(9))
    assert np.array_equal(a.server, b.server) and np.array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.t_response, b.t_response)


# ---------------------------------------------------------------------------- the explorer


def test_explorer_first_slider_changes_figure_and_caption():
    ex = explore_load_balancer()
    first = next(iter(ex.controls))
    assert first == "traffic"
    y, caption = list(ex.figure.data[1].y), ex.caption.value
    ex.controls["traffic"].value = 120
    assert list(ex.figure.data[1].y) != y and ex.caption.value != caption
    assert "120 requests/s" in ex.caption.value


def test_explorer_kill_and_health_check_controls():
    ex = explore_load_balancer(t_check=5.0)
    assert f"crashed at {T_KILL:g} s; the health check noticed at 25 s" in ex.caption.value
    assert len(ex.figure.layout.shapes) == 1
    ex.controls["t_check"].value = 1.0
    assert "noticed at 21 s" in ex.caption.value
    ex.controls["kill"].value = False
    assert "crashed" not in ex.caption.value and len(ex.figure.layout.shapes) == 0
    assert "0 of" in ex.caption.value  # nothing fails at 50 % utilisation
    for policy in lb.POLICIES[:4]:
        ex.controls["policy"].value = policy
        assert policy.replace("_", " ") in ex.caption.value
