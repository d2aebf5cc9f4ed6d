"""scalelab.replication: master-slave, failover, multi-master with LWW and version vectors, rings.

Readable reference versions of the vectorised hot paths live here (in-order apply, version vectors
by message passing, happened-before by graph search) and the library is checked against them.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import replication as rp
from scalelab.replication import (
    MultiMasterParams,
    ReplicaSet,
    ReplicationParams,
    availability_at_least_one,
    compare_vv,
    failover,
    in_order_apply_times,
    lww_merge,
    merge_carts,
    merge_vv,
    promote,
    read_capacity,
    replicas_needed,
    replication_buckets,
    ring_arrival_times,
    simulate_availability,
    simulate_multi_master,
    simulate_replication,
)

pytestmark = pytest.mark.lib

# Example counts of the property tests (quoted in the notebooks' closing notes).
N_MERGE = 300
N_ORDER = 200
N_SIM = 40
N_FAILOVER = 60
FAST = dict(derandomize=True, deadline=None, database=None)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_replicas": 0}, "n_replicas must be a whole number in [1, 50]; got 0"),
        ({"t_lag_mean": -1}, "t_lag_mean must be in [0, 3600]; got -1"),
        ({"p_read_replica": 1.5}, "p_read_replica must be in [0, 1]; got 1.5"),
        ({"mode": "quorum"}, "mode must be one of 'async', 'semisync', 'sync'; got 'quorum'"),
        ({"t_replica_fail": 99.0}, "t_replica_fail must be in [0, 60.0]; got 99.0"),
    ],
)
def test_replication_params_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError) as err:
        ReplicationParams(**kwargs)
    assert str(err.value) == message


def test_other_arguments_are_checked():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        simulate_replication(ReplicationParams(), rng=42)
    with pytest.raises(ValueError, match="params must be a ReplicationParams"):
        simulate_replication({"n_replicas": 2}, rng=rng)
    run = simulate_replication(ReplicationParams(t_end=10.0), rng=rng)
    with pytest.raises(ValueError, match="t_fail must be in \\[0, 10.0\\]; got 11"):
        failover(run, 11)
    with pytest.raises(ValueError, match="cut_link must be a ring link"):
        MultiMasterParams(topology="ring", cut_link=(0, 2))
    with pytest.raises(ValueError, match="topology must be one of 'mesh', 'ring'"):
        MultiMasterParams(topology="star")
    with pytest.raises(ValueError, match="t_skew must be in \\[0, 60\\]; got -0.1"):
        MultiMasterParams(t_skew=-0.1)
    with pytest.raises(ValueError, match="origin must be a whole number in \\[0, 3\\]; got 4"):
        ring_arrival_times(4, 4, 1.0)
    with pytest.raises(ValueError, match="p_up must be in \\[0, 1\\]; got 2"):
        availability_at_least_one(2, 3)


# ---------------------------------------------------------------- master-slave


def apply_times_reference(t_write, lags):
    """The readable version: a replica applies write i once it arrived and i - 1 is applied."""
    out, done = [], -math.inf
    for t, lag in zip(t_write, lags, strict=True):
        done = max(done, t + lag)
        out.append(done)
    return out


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 10)), min_size=1, max_size=30))
@settings(max_examples=N_ORDER, **FAST)
def test_in_order_apply_matches_reference(pairs):
    t_write = sorted(t for t, _ in pairs)
    lags = [lag for _, lag in pairs]
    assert in_order_apply_times(t_write, lags).tolist() == apply_times_reference(t_write, lags)


def test_simulation_is_seeded_and_in_order():
    a = simulate_replication(ReplicationParams(), rng=np.random.default_rng(5))
    b = simulate_replication(ReplicationParams(), rng=np.random.default_rng(5))
    assert np.array_equal(a.t_apply, b.t_apply) and np.array_equal(a.read_stale, b.read_stale)
    assert np.all(np.diff(a.t_apply, axis=1) >= 0)
    assert np.all(a.t_apply >= a.t_write[None, :])
    assert abs(a.n_writes - 20 * 60) < 5 * math.sqrt(20 * 60)


def test_stale_reads_follow_lag_and_routing():
    rng = np.random.default_rng(1)
    none = simulate_replication(ReplicationParams(t_lag_mean=0.0), rng=rng)
    assert none.stale_read_rate == 0.0
    primary_only = simulate_replication(ReplicationParams(p_read_replica=0.0), rng=rng)
    assert primary_only.stale_read_rate == 0.0 and np.all(primary_only.read_target == -1)
    rates = [
        simulate_replication(ReplicationParams(t_lag_mean=lag), rng=np.random.default_rng(2))
        for lag in (0.01, 0.1, 1.0)
    ]
    assert rates[0].stale_read_rate < rates[1].stale_read_rate < rates[2].stale_read_rate
    assert rates[0].mean_stale_age < rates[1].mean_stale_age < rates[2].mean_stale_age
    # Only reads sent to replicas can be stale.
    assert rates[2].stale_read_rate <= 0.9 + 0.02
    # A stale read is one whose replica was behind the primary at that moment.
    run = rates[1]
    j = np.flatnonzero(run.read_target >= 0)[:200]
    for i in j:
        r, t = run.read_target[i], run.t_read[i]
        behind = run.primary_position(t) > int(np.searchsorted(run.t_apply[r], t, side="right"))
        assert bool(run.read_stale[i]) == behind


def test_failed_replica_reads_fall_back():
    p = ReplicationParams(n_replicas=2, t_replica_fail=20.0)
    run = simulate_replication(p, rng=np.random.default_rng(3))
    late = run.t_read >= 20.0
    assert not np.any(run.read_target[late] == 0)
    assert np.any(run.read_target[~late] == 0)
    assert np.all(np.isinf(run.t_apply[0][run.t_write > 20.0 + 10]))
    solo = simulate_replication(
        ReplicationParams(n_replicas=1, t_replica_fail=20.0), rng=np.random.default_rng(3)
    )
    assert np.all(solo.read_target[solo.t_read >= 20.0] == -1)
    fo = failover(run, 30.0)
    assert fo.replica_positions[0] is None and fo.promoted == 1


def test_promote_policies():
    assert promote([5, 9, 9, 2]) == 1
    assert promote([None, 3, 7], policy="lowest_id") == 1
    rng = np.random.default_rng(0)
    assert {promote([1, None, 3], "random", rng=rng) for _ in range(50)} == {0, 2}
    assert promote([4, 8], policy=lambda pos: 0) == 0
    with pytest.raises(ValueError, match="at least one live replica"):
        promote([None, None])
    with pytest.raises(ValueError, match="which is down"):
        promote([None, 3], policy=lambda pos: 0)
    with pytest.raises(ValueError, match="policy must be one of"):
        promote([1, 2], policy="oldest")


@given(
    seed=st.integers(0, 10_000),
    t_fail=st.floats(0.0, 20.0),
    lag=st.floats(0.0, 2.0),
    n_replicas=st.integers(1, 4),
    policy=st.sampled_from(rp.POLICIES),
)
@settings(max_examples=N_FAILOVER, **FAST)
def test_async_failover_loses_exactly_the_unshipped_writes(seed, t_fail, lag, n_replicas, policy):
    """Lost = acknowledged positions between the promoted replica's position and the primary's."""
    rng = np.random.default_rng(seed)
    p = ReplicationParams(n_replicas=n_replicas, t_lag_mean=lag, t_end=20.0)
    run = simulate_replication(p, rng=rng)
    fo = failover(run, t_fail, policy=policy, rng=rng)
    new = fo.replica_positions[fo.promoted]
    assert fo.lost == tuple(range(new + 1, fo.primary_position + 1))
    assert fo.unacknowledged == ()
    if policy == "most_advanced":
        assert new == max(fo.replica_positions) and fo.divergent == {}
    for r, ahead in fo.divergent.items():
        assert fo.replica_positions[r] > new and len(ahead) == fo.replica_positions[r] - new


@given(
    seed=st.integers(0, 10_000),
    t_fail=st.floats(0.0, 20.0),
    lag=st.floats(0.0, 2.0),
    n_replicas=st.integers(1, 4),
    policy=st.sampled_from(rp.POLICIES),
)
@settings(max_examples=N_FAILOVER, **FAST)
def test_sync_replication_loses_no_acknowledged_write(seed, t_fail, lag, n_replicas, policy):
    rng = np.random.default_rng(seed)
    p = ReplicationParams(n_replicas=n_replicas, t_lag_mean=lag, t_end=20.0, mode="sync")
    fo = failover(simulate_replication(p, rng=rng), t_fail, policy=policy, rng=rng)
    assert fo.lost == ()
    semi = ReplicationParams(n_replicas=n_replicas, t_lag_mean=lag, t_end=20.0, mode="semisync")
    assert failover(simulate_replication(semi, rng=rng), t_fail).lost == ()


def test_ack_latency_orders_the_modes_and_recovery_times():
    runs = {
        m: simulate_replication(ReplicationParams(mode=m), rng=np.random.default_rng(9))
        for m in rp.MODES
    }
    lat = [runs[m].mean_ack_latency for m in rp.MODES]
    assert lat[0] == 0.0 < lat[1] < lat[2]
    # Reference: semisync waits for the first replica to apply, sync for the last one.
    applied = runs["sync"].t_apply
    want_sync = (applied.max(axis=0) - runs["sync"].t_write).mean()
    assert math.isclose(lat[2], want_sync)
    fo = failover(runs["async"], 30.0, rate_copy=1000.0)
    assert math.isclose(fo.t_replacement, fo.replica_positions[fo.promoted] / 1000.0)
    assert math.isclose(fo.t_recovery, max(fo.behind.values()) / 1000.0)


def test_golden_failover_at_seed_2026():
    """The numbers the 03 notebook quotes for its canonical run."""
    run = simulate_replication(ReplicationParams(), rng=np.random.default_rng(2026))
    fo = failover(run, 30.0)
    assert fo.primary_position == 544
    assert fo.replica_positions == (530, 526, 521)
    assert fo.promoted == 0 and fo.lost == tuple(range(531, 545))


def test_read_capacity_and_replicas_needed():
    assert read_capacity(3, 1_000, 200) == 2_400.0
    assert read_capacity(3, 1_000, 200, primary_reads=True) == 3_200.0
    assert read_capacity(2, 100, 500) == 0.0
    assert replicas_needed(9_000, 500, 2_000, 0.75) == 9
    assert replicas_needed(0, 0, 1_000) == 1
    with pytest.raises(ValueError, match="rate_writes must be below"):
        replicas_needed(1_000, 800, 1_000, 0.8)
    for reads, writes, server, u in itertools.product(
        (100, 3_000, 10_000), (0, 100, 600), (1_000, 5_000), (0.5, 0.7, 0.9)
    ):
        if writes >= u * server:
            continue
        k = replicas_needed(reads, writes, server, u)
        assert writes + reads / k <= u * server + 1e-9
        assert k == 1 or writes + reads / (k - 1) > u * server


def test_availability_formula_matches_simulation():
    """Sampling error: |simulated - formula| within 4 standard errors, and the tiny case."""
    rng = np.random.default_rng(2026)
    for p_up, n in [(0.9, 1), (0.9, 2), (0.9, 3), (0.99, 2), (0.5, 5)]:
        est, se = simulate_availability(p_up, n, 1_000_000, rng=rng)
        want = availability_at_least_one(p_up, n)
        sd = math.sqrt(want * (1 - want) / 1_000_000)
        assert abs(est - want) <= 4 * sd + 1e-12, (p_up, n, est, want)
        assert se >= 0
    # Unavailability 1e-4 (two copies at 99 %): compare the small number itself.
    est, _ = simulate_availability(0.99, 2, 4_000_000, rng=rng)
    assert abs((1 - est) - 1e-4) <= 4 * math.sqrt(1e-4 / 4_000_000)


def test_timeline_shapes_and_trends():
    w = np.array([10.0, 100.0, 400.0])
    q = np.array([1_000.0, 1_000.0, 5_000.0])
    tl = replication_buckets(w, 60.0, ReplicaSet(n_replicas=3, rate_service=2_000.0), rate_reads=q)
    assert tl.t_lag.shape == w.shape and np.all(np.diff(tl.t_lag) > 0)
    assert np.all(np.diff(tl.p_stale) > 0) and np.all(tl.p_stale <= 0.9)
    assert np.allclose(tl.rate_read_capacity, 3 * (2_000.0 - w))
    with pytest.raises(ValueError, match="one length"):
        replication_buckets([1.0], 60.0, ReplicaSet(), rate_reads=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"rate_writes must be .* >= 0; got -1.0 at index 0"):
        replication_buckets([-1.0], 60.0, ReplicaSet(), rate_reads=[1.0])


# ---------------------------------------------------------------- LWW and merges

versions = st.tuples(st.integers(0, 5), st.integers(0, 3)).map(lambda tn: (float(tn[0]), tn[1]))


@st.composite
def states(draw, n=3):
    """``n`` replica states; every (timestamp, node) pair carries one value wherever it appears."""
    keys = ["x", "y", "z"]
    out = []
    for _ in range(n):
        chosen = draw(st.dictionaries(st.sampled_from(keys), versions, max_size=3))
        out.append({k: (t, node, f"{k}@{t}/{node}") for k, (t, node) in chosen.items()})
    return out


@given(states())
@settings(max_examples=N_MERGE, **FAST)
def test_lww_merge_is_commutative_associative_idempotent(s):
    a, b, c = s
    assert lww_merge(a, b) == lww_merge(b, a)
    assert lww_merge(lww_merge(a, b), c) == lww_merge(a, lww_merge(b, c))
    assert lww_merge(a, a) == a
    assert set(lww_merge(a, b)) == set(a) | set(b)


@given(states(n=4), st.permutations(range(4)), st.permutations(range(4)))
@settings(max_examples=N_ORDER, **FAST)
def test_replicas_converge_in_any_delivery_order(s, order1, order2):
    """Two replicas receiving the same writes in different orders end equal (LWW and carts)."""
    r1, r2 = {}, {}
    for i in order1:
        r1 = lww_merge(r1, s[i])
    for i in order2:
        r2 = lww_merge(r2, s[i])
    assert r1 == r2
    carts = [{k: v[1] + 1 for k, v in st_.items()} for st_ in s]
    c1, c2 = {}, {}
    for i in order1:
        c1 = merge_carts(c1, carts[i])
    for i in order2:
        c2 = merge_carts(c2, carts[i])
    assert c1 == c2


def test_vv_helpers():
    assert compare_vv({}, {}) == "equal"
    assert compare_vv({"A": 1}, {"A": 1, "B": 0}) == "equal"
    assert compare_vv({"A": 3}, {"A": 1}) == "after"
    assert merge_vv({"A": 1}, {"A": 0, "B": 2}) == {"A": 1, "B": 2}
    assert merge_carts({"pen": 1}, {}) == {"pen": 1}


# ---------------------------------------------------------------- the multi-master simulation


def protocol_vvs(run):
    """Reference: nodes exchange version vectors by message passing, event by event."""
    n = run.params.n_nodes
    events = []
    for w in range(run.n_writes):
        heapq.heappush(events, (run.t_write[w], 0, w, int(run.origin[w])))
        for node in range(n):
            t = run.delivered[w, node]
            if node != run.origin[w] and np.isfinite(t):
                heapq.heappush(events, (t, 1, w, node))
    ctx = {}  # (node, key) -> vv dict
    vv = {}
    while events:
        _, kind, w, node = heapq.heappop(events)
        key = (node, int(run.key[w]))
        if kind == 0:  # a write made at its origin (before its own zero-delay deliveries)
            mine = dict(ctx.get(key, {}))
            mine[node] = mine.get(node, 0) + 1
            vv[w] = mine
            ctx[key] = mine
        else:  # a delivery: the node learns the write's vector
            ctx[key] = merge_vv(ctx.get(key, {}), vv[w])
    return vv


def happened_before_reference(run):
    """Ground truth by graph search: i -> j if i reached j's node before j was made."""
    hb = set()
    for k in range(run.params.n_keys):
        idx = [int(w) for w in np.flatnonzero(run.key == k)]
        direct = {
            j: [i for i in idx if i != j and run.delivered[i, run.origin[j]] < run.t_write[j]]
            for j in idx
        }
        for j in idx:
            stack, seen = list(direct[j]), set()
            while stack:
                i = stack.pop()
                if i not in seen:
                    seen.add(i)
                    stack.extend(direct[i])
            hb |= {(i, j) for i in seen}
    return hb


mm_params = st.builds(
    MultiMasterParams,
    n_nodes=st.integers(2, 5),
    n_keys=st.integers(1, 3),
    rate_writes=st.floats(0.5, 8.0),
    t_delay=st.floats(0.0, 1.0),
    t_skew=st.floats(0.0, 1.0),
    t_end=st.just(6.0),
    topology=st.sampled_from(rp.TOPOLOGIES),
)


@given(mm_params, st.integers(0, 10_000))
@settings(max_examples=N_SIM, **FAST)
def test_version_vectors_flag_exactly_the_concurrent_pairs(params, seed):
    run = simulate_multi_master(params, rng=np.random.default_rng(seed))
    ref = protocol_vvs(run)
    names = range(params.n_nodes)
    for w in range(run.n_writes):
        assert {n: int(run.vv[w, n]) for n in names if run.vv[w, n]} == ref[w]
    hb = happened_before_reference(run)
    for k in range(params.n_keys):
        idx = [int(w) for w in np.flatnonzero(run.key == k)]
        for i, j in itertools.combinations(idx, 2):
            verdict = compare_vv(ref[i], ref[j])
            truth = "before" if (i, j) in hb else "after" if (j, i) in hb else "concurrent"
            assert verdict == truth
        flagged = {i for i in idx if run.concurrent[i]}
        truly = {
            i for i in idx if any((i, j) not in hb and (j, i) not in hb for j in idx if j != i)
        }
        assert flagged == truly


@given(mm_params, st.integers(0, 10_000))
@settings(max_examples=N_SIM, **FAST)
def test_all_nodes_converge_without_a_cut(params, seed):
    run = simulate_multi_master(params, rng=np.random.default_rng(seed))
    assert run.converged
    assert run.disagreement([params.t_end + 1_000.0]).tolist() == [0]
    if run.n_writes:
        final = run.winner[0][run.winner[0] >= 0]
        assert run.t_converged >= run.t_write[final].max()
        # The surviving value of each key is the largest (timestamp, node) ever written.
        for k in range(params.n_keys):
            idx = np.flatnonzero(run.key == k)
            if idx.size:
                best = max(idx, key=lambda w: (run.timestamp[w], run.origin[w]))
                assert run.winner[0, k] == best
    if params.t_skew == 0:
        assert run.n_lost_to_earlier == 0
    assert run.n_lost >= run.n_lost_to_earlier


def test_cut_link_and_stopped_node_stop_propagation():
    base = dict(n_nodes=4, rate_writes=5.0, t_end=20.0, topology="ring")
    cut = simulate_multi_master(
        MultiMasterParams(**base, cut_link=(0, 1)), rng=np.random.default_rng(1)
    )
    assert not cut.converged and math.isinf(cut.t_converged)
    from_b = cut.origin == 1  # B -> C -> D -> A: the cut A -> B is only the way back to B
    assert np.all(np.isfinite(cut.delivered[from_b][:, [2, 3, 0]]))
    from_d = cut.origin == 3  # D -> A, then A -> B is cut
    assert np.all(np.isinf(cut.delivered[from_d][:, [1, 2]]))
    stopped = simulate_multi_master(
        MultiMasterParams(**base, stopped_node=2), rng=np.random.default_rng(1)
    )
    assert not np.any(stopped.origin == 2) and np.all(np.isinf(stopped.delivered[:, 2]))
    assert not stopped.converged
    mesh = simulate_multi_master(
        MultiMasterParams(n_nodes=3, topology="mesh", cut_link=(0, 1)), rng=np.random.default_rng(1)
    )
    assert np.all(np.isinf(mesh.delivered[mesh.origin == 0, 1]))
    assert np.all(np.isfinite(mesh.delivered[mesh.origin == 0, 2]))


def test_ring_convergence_is_n_minus_one_hops():
    assert ring_arrival_times(3, 0, 0.1) == [0.0, 0.1, 0.2]
    assert ring_arrival_times(5, 3, 1.0) == [2.0, 3.0, 4.0, 0.0, 1.0]
    assert ring_arrival_times(5, 3, 1.0, stopped_node=0) == [math.inf] * 3 + [0.0, 1.0]
    assert ring_arrival_times(1, 0, 1.0) == [0.0]
    with pytest.raises(ValueError, match="stopped_node must differ from origin"):
        ring_arrival_times(3, 1, 1.0, stopped_node=1)
    p = MultiMasterParams(n_nodes=4, topology="ring", t_delay=0.5, rate_writes=2.0)
    gaps = []
    for seed in range(20):
        run = simulate_multi_master(p, rng=np.random.default_rng(seed))
        gaps.append(np.max(run.delivered - run.t_write[:, None], axis=1).mean())
    assert math.isclose(np.mean(gaps), 3 * 0.5, rel_tol=0.1)  # three hops of 0.5 s on average


def test_skew_makes_later_writes_lose():
    runs = [
        simulate_multi_master(
            MultiMasterParams(t_skew=s, rate_writes=10), rng=np.random.default_rng(2)
        )
        for s in (0.0, 0.5, 2.0)
    ]
    assert runs[0].n_lost_to_earlier == 0
    assert runs[0].n_lost < runs[1].n_lost < runs[2].n_lost
    assert runs[1].n_lost_to_earlier > 0


# ---------------------------------------------------------------- widgets


def _text(html):
    return re.sub("<[^>]+>", "", html)


def test_failover_explorer_moves_with_its_first_slider():
    from scalelab.widgets.replication import explore_failover

    ex = explore_failover()
    first = next(iter(ex.controls))
    assert first == "t_lag_mean"
    before_y, before = list(ex.figure.data[0].y), ex.caption.value
    assert "14 acknowledged writes are lost, positions 531–544" in _text(before)
    ex.controls[first].value = 1.0  # how fast: `make bench`, bench_explorers
    assert list(ex.figure.data[0].y) != before_y and ex.caption.value != before
    ex.controls["mode"].value = "sync"
    assert "0 acknowledged writes are lost" in _text(ex.caption.value)
    ex.controls["n_replicas"].value = 1
    assert ex.figure.data[1].visible is False


def test_multi_master_explorer_moves_with_its_first_slider():
    from scalelab.widgets.replication import explore_multi_master

    ex = explore_multi_master()
    assert next(iter(ex.controls)) == "t_skew"
    before_y, before = list(ex.figure.data[0].y), ex.caption.value
    ex.controls["t_skew"].value = 1.5
    assert list(ex.figure.data[0].y) != before_y and ex.caption.value != before
    ex.controls["topology"].value = "ring"
    ex.controls["cut"].value = (0, 1)
    assert "never converge" in _text(ex.caption.value)
    assert ex.figure.data[3].y[-1] > 0
