"""scalelab.queueing: formulas, arrival processes, the FIFO simulation and the fluid form.

Statistical checks never rely on luck: each averages fixed-seed replications and allows four
standard errors measured from those replications (one run of 1e5 customers has a 6-9 %
relative standard deviation on the mean wait, so single-run tolerances would be loose).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import queueing as q

pytestmark = pytest.mark.lib
PROPS = settings(max_examples=60, derandomize=True, deadline=None, database=None)


def reference_fifo(t_arrival, t_service, n_servers, n_buffer=None):
    """The readable version: one request at a time, first free server, line of n_buffer."""
    free = [0.0] * n_servers
    accepted_starts: list[float] = []
    out = []
    for a, s in zip(t_arrival, t_service, strict=True):
        k = free.index(min(free))
        start = max(a, free[k])
        if n_buffer is not None:
            waiting = sum(1 for t in accepted_starts[-(n_buffer + 1) :] if t > a)
            if waiting >= n_buffer and free[k] > a:
                out.append(math.nan)
                continue
        accepted_starts.append(start)
        free[k] = start + s
        out.append(start)
    return np.array(out)


# --- formulas ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lam", "mu", "c", "wq"),
    [(0.9, 1.0, 1, 9.0), (3.5, 1.0, 4, 1.4757), (9.0, 1.0, 10, 0.6687), (0.5, 2.0, 1, 0.1667)],
)
def test_mmc_golden_values(lam, mu, c, wq):
    m = q.mmc(lam, mu, c)
    assert m.t_wait == pytest.approx(wq, abs=5e-5)
    assert m.t_response == pytest.approx(m.t_wait + 1 / mu)
    assert m.n_queue == pytest.approx(lam * m.t_wait)  # Little's law on the line
    assert m.n_system == pytest.approx(lam * m.t_response)
    assert m.rho == pytest.approx(lam / (c * mu))


def test_erlang_formulas_match_the_textbook_sums():
    for c, a in [(1, 0.5), (4, 3.5), (10, 9.0), (30, 25.0)]:
        terms = [a**k / math.factorial(k) for k in range(c + 1)]
        assert q.erlang_b(c, a) == pytest.approx(terms[-1] / sum(terms), rel=1e-12)
        last = a**c / math.factorial(c) * c / (c - a)
        assert q.erlang_c(c, a) == pytest.approx(last / (sum(terms[:-1]) + last), rel=1e-12)
    assert 0 < q.erlang_c(2000, 1990.0) < 1  # no overflow with many servers


def test_mm1_and_quantiles():
    assert q.mm1(0.9, 1.0).t_wait == pytest.approx(9.0)
    # M/M/1: P(Wq > t) = rho exp(-(mu - lam) t)
    assert q.mmc_p_wait_longer(0.9, 1.0, 1, 10.0) == pytest.approx(0.9 * math.exp(-1.0))
    t99 = q.mmc_wait_quantile(0.9, 1.0, 1, 0.99)
    assert q.mmc_p_wait_longer(0.9, 1.0, 1, t99) == pytest.approx(0.01)
    assert q.mmc_wait_quantile(1.0, 1.0, 10, 0.5) == 0.0  # hardly anyone waits


def test_servers_for_wait_is_the_smallest_count():
    for lam, mu, target in [(3.5, 1.0, 0.5), (90.0, 1.0, 0.05), (0.2, 1.0, 0.0), (50, 2.0, 1.0)]:
        c = q.servers_for_wait(lam, mu, target)
        assert q.mmc(lam, mu, c).t_wait <= target
        if c - 1 > lam / mu:
            assert q.mmc(lam, mu, c - 1).t_wait > target


def test_mmck_reduces_to_mmc_and_erlang_b():
    big = q.mmck(3.5, 1.0, 4, 400)
    assert big.t_wait == pytest.approx(q.mmc(3.5, 1.0, 4).t_wait, rel=1e-9)
    assert q.mmck_drop_probability(3.0, 1.0, 4, 0) == pytest.approx(q.erlang_b(4, 3.0))
    assert 0 < q.mmck_drop_probability(50.0, 1.0, 4, 10) < 1  # overload is fine with a buffer


def test_littles_law_solves_for_the_missing_one():
    assert q.littles_law(rate=4.0, t_response=0.5) == 2.0
    assert q.littles_law(rate=4.0, n_system=2.0) == 0.5
    assert q.littles_law(n_system=2.0, t_response=0.5) == 4.0
    with pytest.raises(ValueError, match="exactly two"):
        q.littles_law(rate=1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: q.mmc(-1.0, 1.0, 1), "rate must be >= 0; got -1.0"),
        (lambda: q.mmc(1.0, 0.0, 1), "rate_service must be > 0; got 0.0"),
        (lambda: q.mmc(1.0, 1.0, 0), "n_servers must be a whole number >= 1; got 0"),
        (lambda: q.mmc(4.0, 1.0, 4), r"rho = rate / \(n_servers \* rate_service\) must be < 1"),
        (lambda: q.mm1(2.0, 1.0), "must be < 1 for a steady state; got rho = 2"),
        (lambda: q.erlang_c(2, 2.5), r"load must be in \[0, 2\); got 2.5"),
        (lambda: q.ArrivalProcess("weekly"), "kind must be one of 'poisson', 'daily', 'burst'"),
        (lambda: q.poisson_arrivals(1.0, rng=42, n=3), "rng must be a numpy.random.Generator"),
        (lambda: q.poisson_arrivals(0.0, rng=np.random.default_rng(1), n=3), "rate must be > 0"),
        (lambda: q.simulate_fifo([1.0, 0.0], [1.0, 1.0]), "t_arrival must be sorted"),
        (lambda: q.simulate_fifo([0.0], [1.0], 0), "n_servers must be a whole number >= 1"),
        (lambda: q.simulate_fifo([0.0], [-1.0]), "t_service must be >= 0"),
        (lambda: q.simulate_fifo([0.0], [1.0], n_buffer=-1), "n_buffer must be a whole number"),
        (
            lambda: q.queue_buckets([-1.0], 1.0, q.WorkQueue(1.0), n_servers=1),
            "rate must be .* >= 0; got -1.0 at index 0",
        ),
        (lambda: q.queue_buckets([1.0], 0.0, q.WorkQueue(1.0), n_servers=1), "t_bucket must be"),
        (lambda: q.queue_buckets([1.0], 1.0, q.WorkQueue(1.0), n_servers=0), "n_servers must be"),
    ],
)
def test_bad_parameters_name_the_parameter_and_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- arrival processes ---------------------------------------------------------------------


def test_poisson_arrivals_rate_and_order():
    rng = np.random.default_rng(7)
    a = q.poisson_arrivals(20.0, rng=rng, t_end=1000.0)
    assert np.all(np.diff(a) >= 0) and a.min() >= 0 and a.max() < 1000
    assert abs(a.size - 20_000) < 4 * math.sqrt(20_000)
    b = q.poisson_arrivals(20.0, rng=rng, n=50_000)
    assert np.diff(b, prepend=0).mean() == pytest.approx(1 / 20, rel=4 / math.sqrt(50_000))


def test_time_varying_arrivals_follow_their_rate():
    rng = np.random.default_rng(11)
    daily = q.ArrivalProcess("daily", rate_base=40.0, peak_factor=1.8, t_period=600.0, t_peak=300.0)
    a = q.generate_arrivals(daily, 1200.0, rng=rng)
    assert abs(a.size - daily.mean_count(1200.0)) < 4 * math.sqrt(daily.mean_count(1200.0))
    counts, _ = np.histogram(a % 600.0, bins=6, range=(0, 600))
    assert counts.argmax() in (2, 3) and counts.argmin() in (0, 5)  # busiest around t_peak
    burst = q.ArrivalProcess(
        "burst", rate_base=10.0, t_burst_start=100.0, t_burst=50.0, burst_factor=5
    )
    b = q.generate_arrivals(burst, 300.0, rng=rng)
    inside = np.count_nonzero((b >= 100) & (b < 150))
    assert abs(inside - 2500) < 4 * 50 and abs(b.size - inside - 2500) < 4 * 50


def test_same_seed_same_arrivals():
    p = q.ArrivalProcess("daily", rate_base=5.0, t_period=100.0, t_peak=10.0)
    a1 = q.generate_arrivals(p, 100.0, rng=np.random.default_rng(3))
    a2 = q.generate_arrivals(p, 100.0, rng=np.random.default_rng(3))
    assert np.array_equal(a1, a2)


# --- the simulation against its readable reference ----------------------------------------


@st.composite
def workloads(draw):
    n = draw(st.integers(0, 120))
    gaps = draw(st.lists(st.floats(0, 2), min_size=n, max_size=n))
    services = draw(st.lists(st.floats(0, 5), min_size=n, max_size=n))
    c = draw(st.integers(1, 5))
    b = draw(st.one_of(st.none(), st.integers(0, 6)))
    return np.cumsum(gaps), np.array(services, dtype=float), c, b


@given(workloads(), st.sampled_from([16, 20, 50]))
@PROPS
def test_fast_simulation_equals_the_reference_loop(work, segment):
    a, s, c, b = work
    got = q.simulate_fifo(a, s, c, n_buffer=b, segment=segment)
    want = reference_fifo(a, s, c, b)
    assert np.allclose(got.t_start, want, rtol=1e-12, atol=1e-9, equal_nan=True)


@given(workloads())
@PROPS
def test_invariants_conservation_no_early_start_fifo(work):
    a, s, c, b = work
    r = q.simulate_fifo(a, s, c, n_buffer=b, segment=16)
    ok = ~r.dropped
    assert r.n_arrived == r.n_served + r.n_dropped == a.size
    assert np.all(r.t_start[ok] >= r.t_arrival[ok])  # none starts before it arrives
    assert np.all(np.diff(r.t_start[ok]) >= 0)  # FIFO: served in arrival order
    if b is None:
        assert r.n_dropped == 0
    grid = np.linspace(0, (a.max() if a.size else 0) + s.sum() + 1, 50)
    tr = q.backlog_over_time(r, grid)
    total = tr.n_departed + tr.n_queue + tr.n_service + tr.n_dropped
    assert np.array_equal(tr.n_arrived, total)  # arrived = served + waiting + dropped
    assert np.all(tr.n_service <= c)
    if b is not None:
        assert np.all(tr.n_queue <= b)
    assert tr.n_arrived[-1] == r.n_arrived and tr.n_queue[-1] == 0


def test_many_segments_on_a_long_heavy_run_are_exact():
    rng = np.random.default_rng(4)
    a = q.poisson_arrivals(9.5, rng=rng, n=30_000)
    s = rng.exponential(1.0, 30_000)
    got = q.simulate_fifo(a, s, 10, segment=200)
    assert np.allclose(got.t_start, reference_fifo(a, s, 10), rtol=1e-12, atol=1e-9)
    got_b = q.simulate_fifo(a, s, 10, n_buffer=8, segment=200)
    assert np.allclose(got_b.t_start, reference_fifo(a, s, 10, 8), atol=1e-9, equal_nan=True)
    # overload: the backlog outlasts every segment, so the in-order sweep does the work
    a = q.poisson_arrivals(12.0, rng=rng, n=20_000)
    s = rng.exponential(1.0, 20_000)
    got = q.simulate_fifo(a, s, 10, segment=100)
    assert np.allclose(got.t_start, reference_fifo(a, s, 10), rtol=1e-12, atol=1e-9)
    got_b = q.simulate_fifo(a, s, 10, n_buffer=30, segment=100)
    assert np.allclose(got_b.t_start, reference_fifo(a, s, 10, 30), atol=1e-9, equal_nan=True)


def test_lindley_closed_form_matches_the_loop_on_a_long_run():
    rng = np.random.default_rng(8)
    a = q.poisson_arrivals(0.95, rng=rng, n=20_000)
    s = rng.exponential(1.0, 20_000)
    assert np.allclose(q.simulate_fifo(a, s).t_start, reference_fifo(a, s, 1), atol=1e-7)


def test_every_path_of_the_fast_simulation_equals_the_reference_bit_for_bit():
    """The one-at-a-time heap (near saturation, in overload, short runs), the segments side by
    side with their in-order sweep (forced here in overload, where it does the most work) and
    the blockwise closed form for one server: the same start times as the readable loop."""
    from scalelab.queueing import simulation as sim

    rng = np.random.default_rng(11)
    for lam, c in [(3.3, 4), (3.96, 4), (4.4, 4), (12.0, 10), (0.5, 3)]:
        a = q.poisson_arrivals(lam, rng=rng, n=6_000)
        s = rng.exponential(1.0, 6_000)
        want = reference_fifo(a, s, c)
        assert np.array_equal(sim._heap_loop(a, s, c), want)
        assert np.array_equal(sim._multi_server(a, s, c, None, 100), want)
        assert np.array_equal(q.simulate_fifo(a, s, c).t_start, want)
    # one server: blocks of any size give the one-pass closed form exactly
    a = q.poisson_arrivals(0.97, rng=rng, n=5_000)
    s = rng.exponential(1.0, 5_000)
    before = np.concatenate(([0.0], np.cumsum(s)[:-1]))
    one_pass = np.maximum(a, before + np.maximum.accumulate(a - before))
    for block in (1, 2, 7, 1000, 5000, 1 << 18):
        assert np.array_equal(sim._lindley(a, s, block), one_pass)
    assert np.allclose(one_pass, reference_fifo(a, s, 1), rtol=1e-12, atol=1e-9)


def test_the_vectorised_mmck_rows_equal_one_queue_at_a_time():
    """Many M/M/c/K queues at once (the capstone's pools): bit for bit mmck's figures."""
    from scalelab.queueing.erlang import _mmck_probs, _mmck_rows

    rng = np.random.default_rng(5)
    for c, k in [(1, 19), (16, 304), (3, 0), (40, 200)]:
        a = np.concatenate([rng.uniform(0, 3 * c, 40), [0.0, 1e-300, 1e6 * c]])
        blocked, n_system = _mmck_rows(a, c, k)
        for j, x in enumerate(a.tolist()):
            p = _mmck_probs(x, c, k)
            assert blocked[j] == p[-1]
            assert n_system[j] == float(np.sum(np.arange(c + k + 1) * p))


# --- simulation against theory -------------------------------------------------------------


def replicated(stat, reps, seed):
    values = np.array([stat(np.random.default_rng([seed, k])) for k in range(reps)])
    return values.mean(), values.std(ddof=1) / math.sqrt(reps)


@pytest.mark.parametrize(
    ("lam", "mu", "c", "n"),
    [(0.9, 1.0, 1, 100_000), (3.5, 1.0, 4, 100_000), (9.0, 1.0, 10, 50_000)],
)
def test_simulated_mean_wait_agrees_with_erlang_c(lam, mu, c, n):
    theory = q.mmc(lam, mu, c)

    def wait(rng):
        r = q.simulate_mmc(lam, mu, c, n, rng=rng)
        return r.t_wait[n // 20 :].mean()  # leave out the start, which begins empty

    mean, se = replicated(wait, 8, seed=2026)
    assert abs(mean - theory.t_wait) < 4 * se, (mean, se, theory.t_wait)
    assert abs(mean / theory.t_wait - 1) < 0.1


def test_simulated_wait_p95_and_p_wait():
    lam, mu, c = 3.5, 1.0, 4
    rng = np.random.default_rng(5)
    r = q.simulate_mmc(lam, mu, c, 200_000, rng=rng)
    w = r.t_wait[5000:]
    assert np.mean(w > 0) == pytest.approx(q.mmc(lam, mu, c).p_wait, abs=0.02)
    p95 = q.percentiles(w)["p95"]
    assert p95 == pytest.approx(q.mmc_wait_quantile(lam, mu, c, 0.95), rel=0.1)


def test_littles_law_holds_in_simulation():
    rng = np.random.default_rng(12)
    r = q.simulate_mmc(3.0, 1.0, 4, 50_000, rng=rng)
    t_end = r.t_arrival[-1]
    grid = np.linspace(0, t_end, 20_001)
    tr = q.backlog_over_time(r, grid)
    l_measured = (tr.n_queue + tr.n_service).mean()
    s = q.summarize(r, 0.0, t_end)
    lam_hat = r.n_arrived / t_end
    assert l_measured == pytest.approx(
        q.littles_law(rate=lam_hat, t_response=s.t_response_mean), rel=0.03
    )
    assert s.n_system_mean == pytest.approx(l_measured, rel=0.03)
    assert s.rho == pytest.approx(3.0 / 4.0, rel=0.03)


def test_finite_buffer_drop_rate_agrees_with_mmck():
    lam, mu, c, b = 5.0, 1.0, 4, 6
    theory = q.mmck_drop_probability(lam, mu, c, b)

    def p_drop(rng):
        return q.simulate_mmc(lam, mu, c, 40_000, rng=rng, n_buffer=b).dropped[1000:].mean()

    mean, se = replicated(p_drop, 6, seed=9)
    assert abs(mean - theory) < 4 * se + 1e-3, (mean, se, theory)


def test_summary_counts_and_percentiles():
    r = q.simulate_fifo([0.0, 0.0, 0.0, 10.0], [1.0, 1.0, 1.0, 1.0], 1, n_buffer=1)
    s = q.summarize(r, 0.0, 12.0)
    assert (s.n_arrived, s.n_served, s.n_dropped) == (4, 3, 1)
    assert s.t_wait_mean == pytest.approx(1 / 3)
    assert set(s.wait_p) == {"p50", "p95", "p99"}
    assert type(s.wait_p["p50"]) is float


# --- the fluid form ------------------------------------------------------------------------


def test_fluid_equals_theory_at_steady_load_and_simulation_agrees():
    lam, mu, c = 9.0, 1.0, 10
    f = q.queue_buckets(np.full(20, lam), 60.0, q.WorkQueue(mu), n_servers=c)
    assert np.allclose(f.t_wait, q.mmc(lam, mu, c).t_wait)
    assert np.allclose(f.rate_served, lam) and np.all(f.backlog == 0)

    def wait(rng):
        return q.simulate_mmc(lam, mu, c, 60_000, rng=rng).t_wait[3000:].mean()

    mean, se = replicated(wait, 6, seed=31)
    assert abs(mean - f.t_wait[0]) < 4 * se


def test_fluid_backlog_in_overload_agrees_with_simulation():
    lam, mu, c, t_end = 6.0, 1.0, 4, 2000.0
    f = q.queue_buckets(np.full(20, lam), t_end / 20, q.WorkQueue(mu), n_servers=c)
    ends = []
    for k in range(5):
        rng = np.random.default_rng([77, k])
        a = q.poisson_arrivals(lam, rng=rng, t_end=t_end)
        r = q.simulate_fifo(a, rng.exponential(1 / mu, a.size), c)
        ends.append(q.backlog_over_time(r, [t_end]).n_queue[0])
    # the backlog grows by lam - c mu = 2 per second: 4000 after 2000 s (spread ~ 100)
    assert f.backlog[-1] == pytest.approx(4000.0)
    assert np.mean(ends) == pytest.approx(f.backlog[-1], rel=0.05)
    assert np.allclose(f.rate_served, c * mu)


def test_fluid_buffer_drops_and_varying_servers():
    f = q.queue_buckets([10.0, 10.0, 0.0, 0.0], 10.0, q.WorkQueue(1.0, 50), n_servers=[2, 2, 2, 8])
    assert f.backlog.tolist() == [50.0, 50.0, 30.0, 0.0]
    assert f.dropped.tolist() == [30.0, 80.0, 0.0, 0.0]
    assert f.rate_served.tolist() == [2.0, 2.0, 2.0, 3.0]
    assert np.all(f.t_wait >= 0) and f.n_servers.tolist() == [2, 2, 2, 8]
    total_in = f.rate_offered.sum() * 10
    assert total_in == pytest.approx(f.rate_served.sum() * 10 + f.dropped.sum() + f.backlog[-1])


# --- producers and consumers: at-least-once delivery ----------------------------------------


@given(
    st.integers(0, 60),
    st.floats(0, 0.6),
    st.floats(0, 0.3),
    st.integers(0, 2**32 - 1),
)
@PROPS
def test_at_least_once_and_idempotent_consumers(n, p_after, p_before, seed):
    rng = np.random.default_rng(seed)
    messages = q.payment_messages(n, rng=rng)
    log = q.deliver_at_least_once(
        messages, rng=rng, p_crash_after=p_after, p_crash_before=p_before, t_visibility=7.0
    )
    ids = [d.message["id"] for d in log]
    acked = [d.message["id"] for d in log if d.crash == "none"]
    assert sorted(acked) == sorted(m["id"] for m in messages)  # each acked exactly once
    assert set(ids) == {m["id"] for m in messages}  # every message delivered at least once
    assert [d.t for d in log] == sorted(d.t for d in log)
    want = q.exactly_once_balances(messages)
    once = q.run_consumer(log, q.credit_once).get("balances", {})
    assert once == want  # an idempotent consumer's effect equals exactly-once
    naive = q.run_consumer(log, q.credit).get("balances", {})
    assert all(naive.get(k, 0) >= v for k, v in want.items())
    processed = sum(1 for d in log if d.crash != "before")
    assert processed >= n  # processed at least once


def test_redeliveries_follow_the_crash_probability():
    rng = np.random.default_rng(3)
    messages = [{"id": i} for i in range(20_000)]
    log = q.deliver_at_least_once(messages, rng=rng, p_crash_after=0.2, p_crash_before=0.05)
    attempts = len(log) / len(messages)
    assert attempts == pytest.approx(1 / (1 - 0.25), rel=0.02)  # geometric: 1 / P(ack)
    after = sum(d.crash == "after" for d in log)
    assert after / (len(log) - len(messages)) == pytest.approx(0.8, abs=0.02)


def test_delivery_arguments_are_checked():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="p_crash_after must be in"):
        q.deliver_at_least_once([{"id": 1}], rng=rng, p_crash_after=1.0)
    with pytest.raises(ValueError, match="must be < 1"):
        q.deliver_at_least_once([{"id": 1}], rng=rng, p_crash_after=0.6, p_crash_before=0.5)
    with pytest.raises(ValueError, match="dicts with an 'id'"):
        q.deliver_at_least_once([5], rng=rng)


# --- autoscaling consumers ------------------------------------------------------------------


def day(seed, lam=50.0):
    wave = q.ArrivalProcess("daily", rate_base=lam, peak_factor=1.8, t_peak=20 * 3600.0)
    return q.workload_rates(wave, 86_400.0, 300.0, rng=np.random.default_rng(seed))


def test_fixed_consumers_match_the_fluid_queue():
    offered = day(1)
    r = q.simulate_consumers(offered, 300.0, 0.2, 18, n_start=18)
    f = q.queue_buckets(offered, 300.0, q.WorkQueue(5.0), n_servers=18)
    assert np.allclose(r.backlog, f.backlog) and np.allclose(r.rate_served, f.rate_served)
    assert np.allclose(r.t_wait, f.t_wait)
    assert np.all(r.t_wait_p95 >= 0) and r.total_cost == pytest.approx(18 * 24 * 0.10)


def test_autoscaling_is_cheaper_than_peak_sizing_and_keeps_waits_short():
    offered = day(2)
    peak = int(np.ceil(offered.max() * 0.2 / 0.7))
    fixed = q.simulate_consumers(offered, 300.0, 0.2, peak, n_start=peak)
    rule = q.target_utilisation_rule(0.2, rho_target=0.7, n_min=2, n_max=60)
    auto = q.simulate_consumers(offered, 300.0, 0.2, rule, n_start=peak)
    assert auto.total_cost < 0.8 * fixed.total_cost
    assert auto.max_wait < 5.0 and fixed.max_wait < 5.0
    assert auto.n_workers.min() < auto.n_workers.max()


def test_boot_delay_pays_before_it_serves_and_conserves_messages():
    offered = np.array([5.0] * 3 + [40.0] * 10 + [5.0] * 10)
    rule = q.target_utilisation_rule(0.5, rho_target=0.8, n_min=3, n_max=40)
    r = q.simulate_consumers(offered, 60.0, 0.5, rule, n_start=3, t_boot=180.0, n_buffer=2000)
    assert np.all(r.n_active <= r.n_workers)
    first_up = int(np.argmax(r.n_workers > 3))
    assert r.n_active[first_up] == 3 and r.n_active[first_up + 3] > 3  # three buckets to boot
    total = offered.sum() * 60.0
    assert total == pytest.approx(r.rate_served.sum() * 60 + r.dropped.sum() + r.backlog[-1])
    with pytest.raises(ValueError, match="whole number of workers"):
        q.simulate_consumers(offered, 60.0, 0.5, lambda b, n, lam: 2.5)


# --- the explorer ---------------------------------------------------------------------------


def test_explorer_moves_and_caption_follows():
    """(How fast the move is: `make bench`, bench_explorers.)"""
    from scalelab.widgets.queueing import explore_message_queue

    ex = explore_message_queue()
    first = next(iter(ex.controls.values()))
    before_caption, before_y = ex.caption.value, list(ex.figure.data[0].y)
    first.value = first.max
    assert ex.caption.value != before_caption and list(ex.figure.data[0].y) != before_y
    assert "messages/s" in ex.caption.value and "$" in ex.caption.value
    cost_fixed = ex.result.total_cost
    ex.controls["autoscale"].value = True
    assert ex.result.total_cost != cost_fixed
    assert "autoscaling between" in ex.caption.value
