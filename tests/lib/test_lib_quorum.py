"""scalelab.quorum: every closed form against its simulation, plus readable references.

The closed forms (PBS staleness, Poisson-binomial order statistics, the heartbeat detector's
false-suspicion probability and detection time, the election's contested rounds and mean time,
Raft's commit latency) are each compared with a seeded simulation, within a few standard errors;
the readable versions (subset enumeration, sorting, a loop over writes) are checked against the
vectorised ones.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab.quorum import (
    GITHUB_2018,
    MODES,
    Delay,
    FencedStore,
    HeartbeatDetector,
    Quorum,
    SplitBrainParams,
    best_leader,
    client_write_latency,
    commit_delays,
    commit_latency,
    fenced_apply,
    majority,
    mean_detection_time,
    mean_election_time,
    p_contested,
    p_false_suspicion,
    p_stale,
    p_stale_k,
    quorum_cdf,
    quorum_quantile,
    replica_delays,
    simulate_detector,
    simulate_election,
    simulate_quorum_latency,
    simulate_split_brain,
    simulate_staleness,
    tolerated_failures,
)

pytestmark = pytest.mark.lib

FAST = dict(derandomize=True, deadline=None, database=None)
N_PROPERTY = 60  # examples per property test (quoted in the chapter's closing note)


def _se(p: float, n: int) -> float:
    """Standard error of a share ``p`` estimated from ``n`` draws (at least that of 1/n)."""
    return math.sqrt(max(p * (1 - p), 1.0 / n) / n)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Quorum(3, 4, 1), "n_read must be a whole number in [1, 3]; got 4"),
        (lambda: Quorum(0, 1, 1), "n_replicas must be a whole number in [1, 50]; got 0"),
        (lambda: Delay(-0.1, 0.01), "t_floor must be in [0, 3600]; got -0.1"),
        (lambda: HeartbeatDetector(p_loss=1.0), "p_loss must be in [0, 0.99]; got 1.0"),
        (
            lambda: SplitBrainParams(mode="raft"),
            "mode must be one of 'none', 'fencing', 'majority'",
        ),
        (lambda: SplitBrainParams(t_partition=-1), "t_partition must be in [0, 3600]; got -1"),
        (
            lambda: quorum_quantile(1.0, 1, [Delay()]),
            "p must be an array of quantiles in [0, 1); got 1.0",
        ),
        (lambda: quorum_cdf(0.1, 3, [Delay()] * 2), "n_needed must be a whole number in [1, 2]"),
        (
            lambda: p_stale(-1.0, Quorum(), Delay()),
            "t must be an array of times (s) >= 0; got -1.0",
        ),
        (lambda: p_contested(3, 0.3, 0.2, 0.01), "t_timeout_max must be in (0.3, 600]; got 0.2"),
        (lambda: commit_latency([[0, 1]], 0), "t_rtt must be a square matrix"),
        (lambda: FencedStore().write("k", 1, -3), "token must be a whole number >= 0; got -3"),
    ],
)
def test_arguments_are_checked_with_the_parameter_named(build, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build()


def test_rng_must_be_a_generator():
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        simulate_quorum_latency([Delay()], 1, 10, rng=42)
    with pytest.raises(ValueError, match="params must be a SplitBrainParams"):
        simulate_split_brain({"mode": "none"}, rng=np.random.default_rng(0))


# ---------------------------------------------------------------- order statistics


def cdf_reference(t: float, n_needed: int, delays) -> float:
    """The readable version: sum P(exactly this subset arrived) over subsets of size >= R."""
    p = [float(d.cdf(t)) for d in delays]
    total = 0.0
    for arrived in itertools.product((0, 1), repeat=len(p)):
        if sum(arrived) >= n_needed:
            total += math.prod(pi if a else 1 - pi for pi, a in zip(p, arrived, strict=True))
    return total


@given(
    st.lists(st.tuples(st.floats(0, 0.01), st.floats(0.0, 0.05)), min_size=1, max_size=6),
    st.data(),
    st.floats(0, 0.1),
)
@settings(max_examples=N_PROPERTY, **FAST)
def test_poisson_binomial_matches_subset_enumeration(pairs, data, t):
    delays = [Delay(f, tail) for f, tail in pairs]
    r = data.draw(st.integers(1, len(delays)))
    assert float(quorum_cdf(t, r, delays)) == pytest.approx(cdf_reference(t, r, delays), abs=1e-12)


def test_identical_replicas_give_the_binomial_sum():
    d = Delay(0.002, 0.01)
    t = np.linspace(0, 0.08, 9)
    f = d.cdf(t)
    for n, r in [(3, 1), (3, 2), (5, 3), (7, 7)]:
        want = sum(math.comb(n, k) * f**k * (1 - f) ** (n - k) for k in range(r, n + 1))
        assert np.allclose(quorum_cdf(t, r, replica_delays(n, d)), want, atol=1e-12)


@pytest.mark.parametrize(
    ("n", "r", "slow"),
    [
        (3, 2, None),
        (5, 3, None),
        (3, 1, Delay(0.001, 0.1)),
        (3, 2, Delay(0.001, 0.1)),
        (3, 3, Delay(0.001, 0.1)),
        (5, 4, Delay(0.02, 0.05)),
    ],
)
def test_quorum_quantiles_match_simulation(n, r, slow, rng):
    """Exact p50 and p99 against 200,000 simulated quorums (with and without a slow replica)."""
    delays = replica_delays(n, Delay(0.001, 0.004), slow=slow)
    lat = simulate_quorum_latency(delays, r, 200_000, rng=rng)
    for p in (0.5, 0.99):
        exact = float(quorum_quantile(p, r, delays))
        # the simulated share below the exact quantile is p, within 4 standard errors
        assert abs(float(np.mean(lat <= exact)) - p) < 4 * _se(p, lat.size)
        assert float(np.quantile(lat, p)) == pytest.approx(exact, rel=0.03)


def test_exponential_order_statistic_mean(rng):
    """E[R-th of N exponentials] = floor + tail * sum_{i<R} 1/(N-i), against simulation."""
    d = Delay(0.001, 0.004)
    for n, r in [(3, 2), (5, 3), (5, 5)]:
        want = d.t_floor + d.t_tail * sum(1 / (n - i) for i in range(r))
        lat = simulate_quorum_latency(replica_delays(n, d), r, 100_000, rng=rng)
        assert float(lat.mean()) == pytest.approx(want, abs=4 * float(lat.std()) / 300)


def test_a_slow_replica_hurts_only_the_quorum_that_must_wait_for_it():
    fast = replica_delays(3, Delay(0.001, 0.004))
    slow = replica_delays(3, Delay(0.001, 0.004), slow=Delay(0.001, 0.2))
    p99 = {
        k: (float(quorum_quantile(0.99, k, fast)), float(quorum_quantile(0.99, k, slow)))
        for k in (1, 2, 3)
    }
    assert p99[2][1] < 2 * p99[2][0]  # R = 2 skips the slow one (mostly)
    assert p99[3][1] > 20 * p99[3][0]  # R = 3 waits for it
    # R = 1 loses one of its three chances: nearly the first of the two healthy replicas
    two = float(quorum_quantile(0.99, 1, replica_delays(2, Delay(0.001, 0.004))))
    assert p99[1][0] < p99[1][1] <= two and p99[1][1] == pytest.approx(two, rel=0.05)


# ---------------------------------------------------------------- staleness (PBS)


def p_stale_k_reference(n: int, r: int, w: int) -> float:
    """Count the read sets (of R) that miss a fixed write set (of W), over all read sets."""
    writes = set(range(w))
    reads = list(itertools.combinations(range(n), r))
    return sum(1 for s in reads if not writes & set(s)) / len(reads)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_k_staleness_closed_form_counts_read_sets(n):
    for r in range(1, n + 1):
        for w in range(1, n + 1):
            q = Quorum(n, r, w)
            assert p_stale_k(q) == pytest.approx(p_stale_k_reference(n, r, w), abs=1e-15)
            assert (p_stale_k(q) == 0) == q.strict
            assert p_stale_k(q, 3) == pytest.approx(p_stale_k(q) ** 3)


@pytest.mark.parametrize(
    ("quorum", "lag"),
    [
        (Quorum(3, 1, 1), Delay(0.0, 0.01)),
        (Quorum(5, 1, 2), Delay(0.002, 0.02)),
        (Quorum(5, 2, 1), Delay(0.0, 0.05)),
        (Quorum(3, 2, 2), Delay(0.0, 0.01)),
    ],
)
def test_t_visibility_matches_simulation(quorum, lag, rng):
    """p_stale(t) against 40,000 simulated writes at six times after the acknowledgement."""
    t = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0]) * lag.t_tail
    exact = p_stale(t, quorum, lag)
    sim = simulate_staleness(t, quorum, lag, 40_000, rng=rng)
    for e, s in zip(exact, sim, strict=True):
        assert abs(e - s) < 4 * _se(e, 40_000), (quorum, lag, exact, sim)
    assert float(exact[0]) == pytest.approx(p_stale_k(quorum))


def test_staleness_simulation_is_not_exponential_by_construction(rng):
    """A lag distribution with a different shape (uniform) gives a different curve: the
    closed form's exponential assumption is really tested, not built into the simulation."""

    class Uniform:
        t_tail = 0.01

        def sample(self, size, *, rng):
            return rng.uniform(0, 0.02, size)

    q, t = Quorum(3, 1, 1), np.array([0.02])  # every uniform lag is over by then
    sim = simulate_staleness(t, q, Uniform(), 40_000, rng=rng)
    assert float(sim[0]) == 0.0 and float(p_stale(t, q, Delay(0.0, 0.01))[0]) > 0.05


@given(st.integers(1, 7), st.data(), st.floats(0.001, 0.1), st.floats(0, 0.2), st.floats(0, 0.2))
@settings(max_examples=N_PROPERTY, **FAST)
def test_staleness_falls_with_time_and_bigger_quorums(n, data, tail, t1, t2):
    r, w = data.draw(st.integers(1, n)), data.draw(st.integers(1, n))
    lag = Delay(0.0, tail)
    lo, hi = sorted((t1, t2))
    q = Quorum(n, r, w)
    assert 0 <= p_stale(hi, q, lag) <= p_stale(lo, q, lag) + 1e-12 <= 1 + 1e-12
    if r < n:
        assert p_stale(lo, Quorum(n, r + 1, w), lag) <= p_stale(lo, q, lag) + 1e-12


# ---------------------------------------------------------------- failure detection


DETECTORS = [
    HeartbeatDetector(0.05, 0.06, Delay(0.001, 0.01)),
    HeartbeatDetector(0.05, 0.08, Delay(0.001, 0.01), p_loss=0.1),
    HeartbeatDetector(0.1, 0.25, Delay(0.01, 0.03), p_loss=0.05),
]


@pytest.mark.parametrize("detector", DETECTORS)
def test_detector_closed_forms_match_simulation(detector, rng):
    run = simulate_detector(detector, 200_000, 20_000, rng=rng)
    p = p_false_suspicion(detector)
    # time-average over correlated stretches: a relative 5 % plus a floor
    assert run.p_false_suspicion == pytest.approx(p, rel=0.05, abs=2e-4)
    se = float(run.t_detect.std()) / math.sqrt(run.t_detect.size)
    assert abs(run.t_detect_mean - mean_detection_time(detector)) < 4 * se


def test_timeout_trades_false_suspicions_for_detection_time():
    ps, ds = [], []
    for t_timeout in (0.055, 0.07, 0.1, 0.15, 0.3):
        d = HeartbeatDetector(0.05, t_timeout, Delay(0.001, 0.01), p_loss=0.01)
        ps.append(p_false_suspicion(d))
        ds.append(mean_detection_time(d))
    assert all(a > b for a, b in zip(ps, ps[1:], strict=False))
    assert all(a < b for a, b in zip(ds, ds[1:], strict=False))
    # no loss, fixed delay: detection is timeout + delay - phase, so its mean is exact
    fixed = HeartbeatDetector(0.05, 0.2, Delay(0.01, 0.0))
    assert mean_detection_time(fixed) == pytest.approx(0.2 + 0.01 - 0.025, abs=1e-4)
    assert p_false_suspicion(fixed) == 0.0


@pytest.mark.parametrize(
    ("n", "lo", "hi", "vote"),
    [
        (3, 0.15, 0.3, 0.01),
        (5, 0.15, 0.3, 0.01),
        (5, 0.15, 0.3, 0.05),
        (7, 0.1, 0.2, 0.02),
        (3, 0.15, 0.17, 0.01),
    ],
)
def test_election_closed_forms_match_simulation(n, lo, hi, vote, rng):
    run = simulate_election(n, lo, hi, vote, 40_000, rng=rng)
    c = p_contested(n, lo, hi, vote)
    assert abs(run.p_contested - c) < 4 * _se(c, 40_000)
    se = float(run.t_unavailable.std()) / math.sqrt(40_000)
    assert abs(float(run.t_unavailable.mean()) - mean_election_time(n, lo, hi, vote)) < 4 * se


def test_two_voters_cannot_elect_after_one_dies(rng):
    assert mean_election_time(2, 0.15, 0.3, 0.01) == math.inf
    assert np.all(np.isinf(simulate_election(2, 0.15, 0.3, 0.01, 10, rng=rng).t_unavailable))
    assert [majority(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]
    assert [tolerated_failures(n) for n in (1, 2, 3, 4, 5)] == [0, 0, 1, 1, 2]


# ---------------------------------------------------------------- consensus


def commit_reference(rtt, leader):
    """The readable version: the fastest time by which some majority (with the leader) acked."""
    n = len(rtt)
    best = math.inf
    for group in itertools.combinations(range(n), majority(n)):
        if leader in group:
            best = min(best, max(rtt[leader][j] for j in group))
    return best


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.lists(
            st.lists(st.floats(0.001, 0.3), min_size=n, max_size=n), min_size=n, max_size=n
        )
    )
)
@settings(max_examples=N_PROPERTY, **FAST)
def test_commit_latency_is_the_fastest_majority(raw):
    n = len(raw)
    rtt = np.array(raw)
    rtt = (rtt + rtt.T) / 2
    np.fill_diagonal(rtt, 0.0)
    for leader in range(n):
        assert commit_latency(rtt, leader) == pytest.approx(commit_reference(rtt, leader))
    assert commit_latency(rtt, best_leader(rtt)) == min(commit_latency(rtt, i) for i in range(n))


def test_commit_p99_with_jitter_matches_simulation(rng):
    rtt = np.array(
        [
            [0, 0.065, 0.090, 0.150, 0.2],
            [0.065, 0, 0.145, 0.1, 0.14],
            [0.09, 0.145, 0, 0.225, 0.265],
            [0.15, 0.1, 0.225, 0, 0.105],
            [0.2, 0.14, 0.265, 0.105, 0],
        ]
    )
    delays = commit_delays(rtt, 0, 0.01)
    need = majority(5) - 1
    lat = simulate_quorum_latency(delays, need, 100_000, rng=rng)
    p99 = float(quorum_quantile(0.99, need, delays))
    assert abs(float(np.mean(lat <= p99)) - 0.99) < 4 * _se(0.99, lat.size)
    assert commit_latency(rtt, 0) == 0.090  # the second-nearest follower of us-east
    assert client_write_latency(rtt, 0, 0.09) == pytest.approx(0.18)


# ---------------------------------------------------------------- fencing


def fenced_reference(writes):
    """The readable version: keep a running maximum; accept what is not below it."""
    data, accepted, newest = {}, [], -1
    for key, value, token in writes:
        ok = token >= newest
        accepted.append(ok)
        if ok:
            newest, data[key] = token, value
    return data, accepted


@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 99), st.integers(0, 6)), max_size=30)
)
@settings(max_examples=N_PROPERTY * 3, **FAST)
def test_fenced_store_rejects_exactly_the_stale_tokens(writes):
    data, accepted = fenced_apply(writes)
    assert (data, accepted) == fenced_reference(writes)
    tokens = [t for (_, _, t), ok in zip(writes, accepted, strict=True) if ok]
    assert tokens == sorted(tokens)  # accepted tokens never go down


def test_fencing_stops_the_paused_leader():
    s = FencedStore()
    assert s.write("balance", 100, token=33)
    assert s.write("balance", 120, token=34)  # the new leader, after the lease expired
    assert not s.write("balance", 90, token=33)  # the old leader wakes up
    assert s.read("balance") == 120 and s.n_rejected == 1 and s.max_token == 34


# ---------------------------------------------------------------- split brain


def test_github_like_drill_golden_values():
    """The numbers the chapter's closing note quotes (seed 2026)."""
    got = {}
    for mode in MODES:
        r = simulate_split_brain(
            dataclasses.replace(GITHUB_2018, mode=mode), rng=np.random.default_rng(2026)
        )
        got[mode] = (
            r.n_orphaned,
            r.n_new_branch,
            r.n_divergent,
            r.n_rejected_leader_side,
            r.n_rejected_other_side,
            round(r.p_available_other_side, 3),
        )
    assert got == {
        "none": (826, 5717, 6543, 0, 2977, 0.651),
        "fencing": (826, 5717, 6543, 0, 2977, 0.651),
        "majority": (0, 5717, 0, 428, 2977, 0.651),
    }


def test_drill_means_match_rate_times_window():
    """Averages over 400 seeds against the expected counts (rate × window)."""
    p = dataclasses.replace(GITHUB_2018, t_reroute=30.0)
    runs = {
        m: [
            simulate_split_brain(dataclasses.replace(p, mode=m), rng=np.random.default_rng(s))
            for s in range(400)
        ]
        for m in MODES
    }
    rl, ro, cut, tp = 10.0, 200.0, 43.0, 15.0
    want = {
        "none": (rl * 30 + rl * cut + (rl + ro) * 2.0, ro * (cut - tp), 0.0),
        "fencing": (rl * cut + (rl + ro) * 2.0, ro * (cut - tp), rl * 30),
        "majority": (rl * cut, ro * (cut - tp), rl * 30),  # voters: leader side 2 of 5
    }
    for mode, (orphaned, new_branch, fenced) in want.items():
        rs = runs[mode]
        got_orphaned = np.mean([r.n_orphaned for r in rs])
        if mode == "majority":
            assert got_orphaned == 0
            assert np.mean([r.n_rejected_leader_side for r in rs]) == pytest.approx(
                orphaned, rel=0.03
            )
        else:
            assert got_orphaned == pytest.approx(orphaned, rel=0.03)
        assert np.mean([r.n_new_branch for r in rs]) == pytest.approx(new_branch, rel=0.02)
        assert np.mean([r.n_fenced for r in rs]) == pytest.approx(fenced, rel=0.05)


@given(
    st.floats(0, 120),
    st.floats(0.5, 30),
    st.floats(0, 10),
    st.floats(0, 60),
    st.integers(1, 4),
    st.integers(0, 4),
)
@settings(max_examples=N_PROPERTY, **FAST)
def test_drill_invariants(t_partition, t_timeout, t_lag, t_reroute, n_leader, n_other):
    base = SplitBrainParams(
        t_partition=t_partition,
        t_timeout=t_timeout,
        t_lag=t_lag,
        t_reroute=t_reroute,
        n_voters_leader_side=n_leader,
        n_voters_other_side=n_other,
    )
    r = {
        m: simulate_split_brain(dataclasses.replace(base, mode=m), rng=np.random.default_rng(7))
        for m in MODES
    }
    assert r["majority"].n_divergent == 0 and r["majority"].n_orphaned == 0
    assert r["fencing"].n_orphaned <= r["none"].n_orphaned
    total = n_leader + n_other
    # under the majority rule at most one side can write at any time
    assert not (
        r["majority"].p_available_leader_side > 0 and r["majority"].p_available_other_side > 0
    )
    if 2 * n_leader == total:  # an even split: nobody has a majority
        assert r["majority"].p_available_leader_side == r["majority"].p_available_other_side == 0
    if t_timeout + base.t_election >= t_partition:  # healed before a promotion
        assert not r["none"].promoted and r["none"].n_divergent == 0


# ---------------------------------------------------------------- explorer


def _text(caption: str) -> str:
    return re.sub(r"<[^>]+>", "", caption).replace("&gt;", ">").replace("&#x27;", "'")


def test_quorum_explorer_moves_every_control():
    from scalelab.widgets.quorum import explore_quorum

    ex = explore_quorum()
    assert next(iter(ex.controls)) == "n_replicas"
    assert "7255 acknowledged writes diverge" in _text(ex.caption.value)
    moves = {
        "n_replicas": 5,
        "n_read": 1,
        "n_write": 3,
        "lag_ms": 100.0,
        "slow_ms": 200.0,
        "n_cut": 3,
        "partition_s": 10.0,
        "timeout_s": 30.0,
        "mode": "majority",
    }
    ex.controls["partition_s"].value = 60.0
    for name, value in moves.items():
        before = [(tuple(d.x), tuple(d.y)) for d in ex.figure.data]
        caption = ex.caption.value
        ex.controls[name].value = value
        after = [(tuple(d.x), tuple(d.y)) for d in ex.figure.data]
        assert after != before and ex.caption.value != caption, name
        ex.controls[name].value = {"partition_s": 60.0, "mode": "none"}.get(name, value)
    assert all(d.name for d in ex.figure.data)
    ex.controls["mode"].value = "majority"
    ex.controls["n_cut"].value = 2  # N = 5: 3 with the leader, 2 cut off
    assert "0 acknowledged writes diverge" in _text(ex.caption.value)
