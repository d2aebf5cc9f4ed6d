"""scalelab.overload: every closed form against a simulation, properties, the drill's golden
values, the explorer, and the argument checks.

Statistical checks allow four standard errors, measured from the simulated samples (or from
fixed-seed replications where one sample's error is not known in closed form).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import overload as ov

pytestmark = pytest.mark.lib
PROPS = settings(max_examples=60, derandomize=True, deadline=None, database=None)


# --- retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_retries", "n_layers", "p_fail"), [(3, 3, 1.0), (3, 3, 0.5), (2, 2, 0.3), (1, 4, 0.9)]
)
def test_amplification_matches_a_simulated_retry_tree(rng, n_retries, n_layers, p_fail):
    want = ov.retry_amplification(n_retries, n_layers, p_fail)
    got = ov.simulate_retry_tree(n_retries, n_layers, p_fail, 20_000, rng=rng)
    se = got.std(ddof=1) / math.sqrt(got.size)
    assert abs(got.mean() - want) <= 4 * se + 1e-12, (got.mean(), want, se)


def test_amplification_edge_cases():
    assert ov.retry_amplification(3, 3, 1.0) == 64.0  # the SRE book's 4 x 4 x 4
    assert ov.retry_amplification(0, 5, 1.0) == 1.0
    assert ov.retry_amplification(5, 3, 0.0) == 1.0
    assert ov.retry_amplification(2, 1, 0.5) == pytest.approx(1 + 0.5 + 0.25)


@pytest.mark.parametrize("jitter", ov.JITTERS)
def test_backoff_delays_stay_in_their_ranges(rng, jitter):
    d = ov.backoff_delays(8, 0.1, 2.0, jitter, n_clients=2000, rng=rng)
    ceiling = np.minimum(2.0, 0.1 * 2.0 ** np.arange(8))
    assert d.shape == (2000, 8) and d.min() >= 0
    if jitter == "none":
        assert np.array_equal(d, np.broadcast_to(ceiling, d.shape))
    elif jitter == "full":
        assert np.all(d <= ceiling) and d.mean(axis=0) == pytest.approx(ceiling / 2, rel=0.05)
    elif jitter == "equal":
        assert np.all((d >= ceiling / 2) & (d <= ceiling))
    else:
        assert np.all((d >= 0.1) & (d <= 2.0))


def test_jitter_ends_the_collisions():
    calls = {}
    for jitter in ov.JITTERS:
        runs = [ov.simulate_contention(50, jitter, rng=np.random.default_rng(s)) for s in range(4)]
        calls[jitter] = np.mean([r[0] for r in runs])
    assert calls["none"] == 50 * 60  # everyone collides on every attempt, then gives up
    for jitter in ("full", "equal", "decorrelated"):
        assert calls[jitter] < 0.2 * calls["none"], calls


def test_retry_budget_caps_retries_at_a_share_of_requests():
    got = ov.retry_budget([100.0, 100.0, 0.0], [5.0, 300.0, 7.0], p_ratio=0.1)
    assert got.tolist() == [5.0, 10.0, 0.0]


# --- metastable ------------------------------------------------------------------------------

DRILL = {
    # policy: goodput before, during, last 30 s (requests/s), recovery (s), success share
    "no retries": (800.0, 186.9, 800.0, 50.0, 0.6115),
    "retries": (800.0, 186.9, 0.0, math.inf, 0.0133),
    "retry budget": (800.0, 186.9, 800.0, 96.4, 0.3465),
    "load shedding": (800.0, 709.2, 800.0, 1.6, 0.9126),
    "circuit breaker": (800.0, 373.7, 800.0, 9.5, 0.8564),
}


@pytest.fixture(scope="module")
def drill():
    load = ov.Spike()
    runs = {}
    for name, (server, policy) in ov.drill_policies().items():
        res = ov.simulate_overload(load, server, policy)
        runs[name] = (res, ov.summarize_drill(res, load))
    return runs


@pytest.mark.parametrize("name", sorted(DRILL))
def test_drill_golden_values(drill, name):
    s = drill[name][1]
    before, during, after, t_recover, p_success = DRILL[name]
    assert s.rate_goodput_before == pytest.approx(before, abs=0.5)
    assert s.rate_goodput_during == pytest.approx(during, abs=0.5)
    assert s.rate_goodput_after == pytest.approx(after, abs=0.5)
    assert s.t_recover == pytest.approx(t_recover, abs=0.15)
    assert s.p_success == pytest.approx(p_success, abs=2e-4)


def test_the_drill_is_metastable_only_with_unchecked_retries(drill):
    res = drill["retries"][0]
    late = res.t >= 150
    assert res.rate_goodput[late].max() < 1.0  # down long after a 10 s spike
    assert res.rate_served[late].min() == pytest.approx(1000.0)  # ... while working flat out
    assert res.rate_offered[late].mean() == pytest.approx(3200.0, rel=0.01)  # 4 tries each
    budget = drill["retry budget"][0]
    window = (budget.t >= 40) & (budget.t < 120)  # while it recovers: retries <= 10 % extra
    assert budget.rate_offered[window].mean() <= 1.1 * 800.0 + 1.0


def test_fluid_bookkeeping(drill):
    for res, _ in drill.values():
        assert np.all(res.rate_goodput <= res.rate_served + 1e-9)
        assert np.all(res.rate_served <= 1000.0 + 1e-9)
        assert np.all(res.n_queue >= 0) and np.all(res.rate_admitted <= res.rate_offered + 1e-9)
        # conservation: queued now = admitted - served - dropped (no drops without codel)
        dt = res.t_step
        q = np.cumsum((res.rate_admitted - res.rate_served) * dt)
        assert np.allclose(q, res.n_queue, atol=1e-6)


def test_no_overload_means_no_failures():
    quiet = ov.Spike(rate_base=500.0, rate_spike=500.0)
    res = ov.simulate_overload(quiet, ov.Server(), ov.ClientPolicy())
    assert res.rate_goodput[20:] == pytest.approx(np.full(res.t.size - 20, 500.0), rel=1e-6)
    assert res.rate_retries.max() < 0.01


def test_lifo_and_codel_keep_goodput_during_the_spike():
    load = ov.Spike()
    for discipline in ("lifo", "codel"):
        res = ov.simulate_overload(load, ov.Server(discipline=discipline), ov.ClientPolicy())
        s = ov.summarize_drill(res, load)
        assert s.rate_goodput_during > 650 and s.t_recover < 10, (discipline, s)


# --- limiters --------------------------------------------------------------------------------

times = st.lists(st.floats(0.0, 5.0, allow_nan=False), min_size=1, max_size=150).map(sorted)


def _most_in_any_interval(t: np.ndarray, rate: float) -> float:
    """max over admitted i <= j of (j - i + 1) - rate * (t_j - t_i): must be <= n_burst."""
    if t.size == 0:
        return 0.0
    i, j = np.triu_indices(t.size)
    return float(((j - i + 1) - rate * (t[j] - t[i])).max())


@PROPS
@given(times, st.floats(0.5, 50.0), st.integers(1, 20))
def test_token_bucket_never_admits_more_than_rate_t_plus_burst(t, rate, n_burst):
    res = ov.token_bucket(t, rate=rate, n_burst=n_burst)
    assert _most_in_any_interval(np.asarray(t)[res.admitted], rate) <= n_burst + 1e-9


def _token_bucket_reference(t, rate, n_burst):
    """The readable version, one request at a time."""
    tokens, last, out = n_burst, None, []
    for now in t:
        if last is not None:
            tokens = min(n_burst, tokens + (now - last) * rate)
        last = now
        out.append(tokens >= 1)
        tokens -= 1 if tokens >= 1 else 0
    return out


@PROPS
@given(times, st.floats(0.5, 50.0), st.integers(1, 20))
def test_token_bucket_matches_the_reference(t, rate, n_burst):
    got = ov.token_bucket(t, rate=rate, n_burst=n_burst).admitted.tolist()
    assert got == _token_bucket_reference(t, rate, n_burst)


def test_token_bucket_bound_is_tight_under_saturation(rng):
    t = np.sort(rng.uniform(0.0, 100.0, 50_000))  # 500 requests/s against a 100/s limit
    res = ov.token_bucket(t, rate=100.0, n_burst=50)
    want = 100.0 * (t[-1] - t[0]) + 50
    assert want - 2 <= res.n_admitted <= want
    assert ov.max_in_window(t[res.admitted], 1.0) <= 100 + 50


@PROPS
@given(times, st.integers(1, 30))
def test_window_limiters_keep_their_promises(t, limit):
    t = np.asarray(t)
    log = ov.sliding_log(t, rate=float(limit))
    assert ov.max_in_window(t[log.admitted], 1.0 - 1e-9) <= limit  # exact in every window
    fixed = ov.fixed_window(t, rate=float(limit))
    assert ov.max_in_window(t[fixed.admitted], 1.0 - 1e-9) <= 2 * limit  # twice at a boundary
    leaky = ov.leaky_bucket(t, rate=float(limit), n_burst=5)
    out = np.sort(leaky.t_release[leaky.admitted])
    assert np.all(np.diff(out) >= 1.0 / limit - 1e-9)  # a smooth output


def test_fixed_window_lets_twice_the_limit_through_a_boundary():
    t = np.r_[np.linspace(0.90, 0.99, 10), np.linspace(1.0, 1.09, 10)]
    assert ov.fixed_window(t, rate=10.0).n_admitted == 20
    assert ov.sliding_log(t, rate=10.0).n_admitted == 10
    assert ov.sliding_counter(t, rate=10.0).n_admitted <= 11


def test_memory_costs(rng):
    t = ov.bursty_trace(50.0, 20.0, rng=rng)
    costs = {
        f.__name__: f(t, 100.0).n_bytes
        for f in (ov.fixed_window, ov.sliding_log, ov.sliding_counter)
    }
    assert costs["fixed_window"] == 16 and costs["sliding_counter"] == 24
    assert costs["sliding_log"] > 10 * costs["sliding_counter"]


# --- discipline ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def overload_trace():
    rng = np.random.default_rng(5)
    n = 12_000  # 10 s at 1,200 requests/s for 50 servers of 20 requests/s (capacity 1,000/s)
    return np.cumsum(rng.exponential(1 / 1200, n)), rng.exponential(0.05, n)


def test_fifo_collapses_and_the_others_keep_goodput(overload_trace):
    a, s = overload_trace
    run = dict(n_servers=50, t_timeout=1.0)
    fifo = ov.simulate_discipline(a, s, **run)
    assert fifo.rate_goodput < 600 and fifo.p_wasted > 0.3
    for kw in (
        dict(n_buffer=40),
        dict(t_shed=0.5),
        dict(discipline="lifo"),
        dict(discipline="codel", t_target=0.1, t_interval=1.0),
    ):
        r = ov.simulate_discipline(a, s, **run, **kw)
        # LIFO leaves its oldest requests to be served late, after the overload: less goodput
        assert r.rate_goodput > (800 if kw.get("discipline") == "lifo" else 900), kw
        assert r.rate_goodput > 1.5 * fifo.rate_goodput


def test_discipline_matches_fifo_simulation_when_unbounded(overload_trace):
    from scalelab.queueing import simulate_fifo

    a, s = overload_trace
    r = ov.simulate_discipline(a[:2000], s[:2000], n_servers=50, t_timeout=100.0)
    want = simulate_fifo(a[:2000], s[:2000], 50).t_response
    assert np.allclose(r.t_response, want)


# --- the tail --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "service",
    [
        ov.ServiceTime("exponential", 0.01),
        ov.ServiceTime("lognormal", 0.01, 1.0),
        ov.ServiceTime("pareto", 0.01, 4.5),
    ],
)
def test_pollaczek_khinchine_matches_simulated_mg1(service):
    rate, n, reps = 70.0, 100_000, 6  # rho = 0.7
    means = [
        ov.simulate_mg1(rate, service, n, rng=np.random.default_rng([7, k]))[n // 10 :].mean()
        for k in range(reps)
    ]
    want = ov.pk_mean_wait(rate, service)
    se = np.std(means, ddof=1) / math.sqrt(reps)
    assert abs(np.mean(means) - want) <= 4 * se + 0.02 * want, (np.mean(means), want, se)


def test_heavier_service_tails_wait_longer_at_the_same_mean():
    waits = [
        ov.pk_mean_wait(70.0, ov.ServiceTime(k, 0.01, 1.5 if k != "pareto" else 2.2))
        for k in ("exponential", "lognormal", "pareto")
    ]
    assert waits[0] < waits[1] and waits[0] < waits[2]


def test_fanout_tail_matches_simulation(rng):
    leaf = ov.LeafLatency()
    p = 1.0 - float(leaf.cdf(1.0))
    k, n = 100, 20_000
    slow = (leaf.sample(n * k, rng=rng).reshape(n, k).max(axis=1) > 1.0).mean()
    want = ov.fanout_p_slow(p, k)
    assert abs(slow - want) <= 4 * math.sqrt(want * (1 - want) / n)
    assert want == pytest.approx(0.63, abs=0.01)  # Dean and Barroso's 63 %


@pytest.mark.parametrize(("t_hedge", "n_fanout"), [(0.02, 10), (0.03, 100), (math.inf, 10)])
def test_hedged_quantiles_and_load_match_simulation(rng, t_hedge, n_fanout):
    leaf = ov.LeafLatency(p_slow=0.002)
    lat, extra = ov.simulate_hedged(leaf, t_hedge, n_fanout, 40_000, rng=rng)
    for q in (0.5, 0.9, 0.99):
        want = ov.hedged_quantile(leaf, q, t_hedge, n_fanout=n_fanout)
        # the sample quantile's standard error, from the density estimated by the formula
        lo, hi = (
            ov.hedged_quantile(leaf, x, t_hedge, n_fanout=n_fanout) for x in (q - 0.004, q + 0.004)
        )
        assert lo <= np.quantile(lat, q) <= hi, (q, np.quantile(lat, q), want)
    p = ov.hedge_load(leaf, t_hedge)
    assert abs(extra - p) <= 4 * math.sqrt(max(p * (1 - p), 1e-12) / (40_000 * n_fanout)) + 1e-12


def test_hedging_after_the_95th_percentile_costs_about_5_percent():
    leaf = ov.LeafLatency()
    assert ov.hedge_load(leaf, leaf.quantile(0.95)) == pytest.approx(0.05, abs=1e-6)
    assert ov.hedged_quantile(leaf, 0.99, leaf.quantile(0.95), n_fanout=100) < 0.2 * (
        ov.hedged_quantile(leaf, 0.99, n_fanout=100)
    )


# --- the explorer ----------------------------------------------------------------------------


def test_every_explorer_control_changes_the_figure_or_is_disabled():
    from scalelab.widgets.overload import explore_overload

    ex = explore_overload(budget=True, shed=True)
    moves = {
        "spike_factor": 3.0,
        "t_spike": 20,
        "timeout_ms": 2000,
        "n_retries": 1,
        "backoff_ms": 500,
        "jitter": "none",
        "p_retry_budget": 50,
        "budget": False,
        "shed_ms": 1500,
        "shed": False,
        "discipline": "lifo",
        "breaker": True,
    }
    assert set(moves) == set(ex.controls)
    for name, value in moves.items():
        before = [np.array(d.y, dtype=float) for d in ex.figure.data]
        ex.controls[name].value = value
        after = [np.array(d.y, dtype=float) for d in ex.figure.data]
        changed = any(
            not np.array_equal(x, y, equal_nan=True) for x, y in zip(before, after, strict=True)
        )
        assert changed, name
    ex.controls["n_retries"].value = 0
    assert ex.controls["jitter"].disabled and ex.controls["p_retry_budget"].disabled
    assert ex.controls["shed_ms"].disabled  # shedding is off now
    assert "Goodput" in ex.caption.value and "ms" in ex.caption.value


# --- argument checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ov.retry_amplification(-1, 3, 0.5), "n_retries must be a whole number >= 0"),
        (lambda: ov.retry_amplification(3, 0, 0.5), "n_layers must be a whole number >= 1"),
        (lambda: ov.retry_amplification(3, 3, 1.5), r"p_fail must be in \[0, 1\]; got 1.5"),
        (
            lambda: ov.backoff_delays(3, 0.1, 1.0, "half", rng=np.random.default_rng(1)),
            "jitter must be one of 'none', 'full', 'equal', 'decorrelated'",
        ),
        (
            lambda: ov.backoff_delays(3, 1.0, 0.5, rng=np.random.default_rng(1)),
            r"t_cap must be >= 1.0; got 0.5",
        ),
        (lambda: ov.simulate_retry_tree(3, 3, 0.5, 10, rng=3), "rng must be a numpy"),
        (lambda: ov.Spike(rate_base=-1.0), "rate_base must be >= 0; got -1.0"),
        (lambda: ov.Server(discipline="random"), "discipline must be one of"),
        (lambda: ov.ClientPolicy(t_timeout=0.0), "t_timeout must be > 0; got 0.0"),
        (lambda: ov.ClientPolicy(p_retry_budget=2.0), r"p_retry_budget must be in \[0, 1\]"),
        (lambda: ov.simulate_overload(ov.Spike(), ov.Server(), "none"), "policy must be a"),
        (
            lambda: ov.token_bucket([1.0, 0.0], 1.0, 1),
            "t_arrival must be sorted; got 0.0 at index 1",
        ),
        (lambda: ov.token_bucket([0.0], 1.0, 0), "n_burst must be >= 1; got 0"),
        (lambda: ov.fixed_window([0.0], 1.0, t_window=0.0), "t_window must be > 0"),
        (lambda: ov.pk_mean_wait(150.0, ov.ServiceTime(t_mean=0.01)), "rho = rate"),
        (lambda: ov.ServiceTime("pareto", 0.01, 1.5), "shape must be > 2; got 1.5"),
        (lambda: ov.fanout_p_slow(0.1, 0), "n_fanout must be a whole number >= 1"),
        (lambda: ov.hedged_quantile(ov.LeafLatency(), 1.0), r"q must be in \(0, 1\)"),
        (lambda: ov.hedge_load(ov.LeafLatency(), -0.1), "t_hedge must be >= 0"),
        (
            lambda: ov.simulate_discipline([0.0], [1.0], t_timeout=1.0, discipline="edf"),
            "discipline must be one of 'fifo', 'lifo', 'codel'",
        ),
    ],
)
def test_bad_arguments_name_the_parameter_and_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()
