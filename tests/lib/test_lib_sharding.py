"""scalelab.sharding: placement, resharding, load spread, hot keys, and its explorer."""

from __future__ import annotations

import bisect
import hashlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import sharding as sh
from scalelab.widgets import Explorer
from scalelab.widgets.sharding import explore_sharding

pytestmark = pytest.mark.lib

KEYS = sh.hash_keys(f"key-{i}" for i in range(20_000))
FAST = settings(max_examples=25, derandomize=True, deadline=None, database=None)


def lookup_reference(ring: sh.HashRing, h: int) -> int:
    """The readable ring lookup: first point at or after h, clockwise, wrapping to the start."""
    points = [int(p) for p in ring.points]
    i = bisect.bisect_left(points, h)
    return int(ring.owners[i % len(points)])


# --- hashing -------------------------------------------------------------------------------


def test_stable_hash_is_blake2b_and_the_same_in_another_process():
    want = int.from_bytes(hashlib.blake2b(b"user:42", digest_size=8).digest(), "big")
    assert sh.stable_hash("user:42") == want
    code = "from scalelab.sharding import stable_hash; print(stable_hash('user:42'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == want
    assert sh.stable_hash(b"user:42") == want
    assert 0 <= sh.stable_hash("") < sh.HASH_SPACE


def test_hash_keys_matches_stable_hash():
    keys = ["a", 7, b"z"]
    assert sh.hash_keys(keys).tolist() == [sh.stable_hash(k) for k in keys]


# --- placement -----------------------------------------------------------------------------


@pytest.mark.parametrize("n_vnodes", [1, 3, 50])
def test_vectorised_lookup_matches_the_readable_reference(n_vnodes):
    ring = sh.HashRing.build((0, 3, 5), n_vnodes)
    sample = [int(h) for h in KEYS[:300]] + [0, sh.HASH_SPACE - 1]
    sample += [int(p) for p in ring.points[:3]] + [int(ring.points[-1]) + 1]
    got = ring.lookup(np.array(sample, dtype=np.uint64)).tolist()
    assert got == [lookup_reference(ring, h) for h in sample]


def test_lookup_accepts_python_ints_and_scalars():
    ring = sh.HashRing.build((1, 2), 10)
    assert ring.lookup([2**64 - 1]).tolist() == [int(ring.owners[0])]
    assert int(ring.lookup(int(ring.points[4]))) == int(ring.owners[4])
    with pytest.raises(ValueError, match="hashes must be whole numbers"):
        ring.lookup([-1])


@given(
    shards=st.sets(st.integers(0, 40), min_size=1, max_size=8),
    n_vnodes=st.integers(1, 60),
    scheme=st.sampled_from(sh.SCHEMES),
)
@FAST
def test_every_key_maps_to_exactly_one_live_shard(shards, n_vnodes, scheme):
    shards = tuple(sorted(shards))
    got = sh.place(KEYS[:2000], shards, scheme, n_vnodes)
    assert got.shape == (2000,)
    assert set(got.tolist()) <= set(shards)


@given(shards=st.sets(st.integers(0, 40), min_size=2, max_size=8), n_vnodes=st.integers(1, 60))
@FAST
def test_removing_a_shard_moves_only_its_keys(shards, n_vnodes):
    shards = tuple(sorted(shards))
    gone = shards[len(shards) // 2]
    ring = sh.HashRing.build(shards, n_vnodes)
    before, after = ring.lookup(KEYS[:3000]), ring.without_shard(gone).lookup(KEYS[:3000])
    moved = before != after
    assert np.all(before[moved] == gone)
    assert not np.any(after == gone)
    assert np.array_equal(moved, before == gone)


@given(shards=st.sets(st.integers(0, 40), min_size=1, max_size=8), n_vnodes=st.integers(1, 60))
@FAST
def test_adding_a_shard_moves_keys_only_onto_it(shards, n_vnodes):
    shards = tuple(sorted(shards))
    r = sh.reshard(KEYS[:3000], shards, (*shards, 99), "consistent", n_vnodes)
    assert set(r.moved_to) <= {99}


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8])
def test_n_to_n_plus_one_moves_n_over_n_plus_one_under_mod(n):
    r = sh.reshard(KEYS, range(n), range(n + 1), "mod")
    assert abs(r.fraction_moved - n / (n + 1)) < 0.015, r.fraction_moved


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8])
def test_n_to_n_plus_one_moves_one_over_n_plus_one_with_consistent_hashing(n):
    # "enough" virtual nodes: a shard's share has a relative spread of about 1/sqrt(n_vnodes)
    r = sh.reshard(KEYS, range(n), range(n + 1), "consistent", n_vnodes=1000)
    assert abs(r.fraction_moved - 1 / (n + 1)) < 0.02, r.fraction_moved
    assert r.ideal_fraction == pytest.approx(1 / (n + 1))


def test_golden_four_to_five():
    """The numbers quoted in the notebook's Summary (20,000 keys 'user:0' ... 'user:19999')."""
    users = sh.hash_keys(f"user:{i}" for i in range(20_000))
    mod = sh.reshard(users, range(4), range(5), "mod").fraction_moved
    ring = sh.reshard(users, range(4), range(5), "consistent", 100).fraction_moved
    assert (round(mod, 4), round(ring, 4)) == (0.7965, 0.1952)


def test_load_spread_tightens_as_virtual_nodes_grow():
    spreads = [
        sh.load_stats(sh.HashRing.build(range(8), v).ownership()).peak_to_mean
        for v in (1, 10, 100, 1000)
    ]
    assert spreads == sorted(spreads, reverse=True), spreads
    assert spreads[0] > 2 and spreads[-1] < 1.1
    # and the measured key counts agree with the ring's arc shares
    ring = sh.HashRing.build(range(8), 100)
    counts = sh.shard_loads(ring.lookup(KEYS), range(8)) / KEYS.size
    assert np.abs(counts - ring.ownership()).max() < 0.01


def test_ownership_follows_shard_order_and_sums_to_one():
    ring = sh.HashRing.build((9, 2, 5), 40)
    share = ring.ownership()
    assert share.sum() == pytest.approx(1.0)
    counts = sh.shard_loads(ring.lookup(KEYS), (9, 2, 5)) / KEYS.size
    assert np.abs(counts - share).max() < 0.02


def test_range_sharding_keeps_order_and_puts_new_ids_on_the_last_shard():
    ids = np.arange(10_000)
    b = sh.range_boundaries(ids, 4)
    shard = sh.place_by_range(ids, b)
    assert np.all(np.diff(shard) >= 0)
    assert np.bincount(shard).tolist() == [2500] * 4
    assert set(sh.place_by_range(np.arange(10_000, 11_000), b).tolist()) == {3}
    with pytest.raises(ValueError, match="sorted"):
        sh.place_by_range([1], [3.0, 1.0])


# --- load, hot keys, queries ---------------------------------------------------------------


def test_zipf_and_hot_key():
    w = sh.zipf_weights(1000, 1.0)
    assert w.sum() == pytest.approx(1.0) and np.all(np.diff(w) <= 0)
    hot = sh.with_hot_key(w, 0.4, key=10)
    assert hot.sum() == pytest.approx(1.0) and hot[10] == 0.4
    assert hot[0] / hot[1] == pytest.approx(w[0] / w[1])


def test_a_celebrity_sets_a_floor_on_the_hottest_shard():
    w = sh.with_hot_key(sh.zipf_weights(KEYS.size, 0.0), 0.3)
    for n in (4, 16, 64):
        loads = sh.shard_loads(sh.place(KEYS, range(n), "consistent", 100), range(n), w)
        assert sh.load_stats(loads).hottest_share >= 0.3


def test_splitting_a_hot_key_spreads_it():
    subs = sh.split_key("celebrity", 8)
    shards = sh.place(sh.hash_keys(subs), range(8), "consistent", 200)
    assert len(subs) == 8 and sh.shards_touched(shards) >= 4


def test_shards_touched_and_its_expectation():
    placed = sh.place(KEYS, range(8), "mod")
    rng = np.random.default_rng(3)
    touched = [sh.shards_touched(placed[rng.choice(KEYS.size, 5)]) for _ in range(2000)]
    assert np.mean(touched) == pytest.approx(sh.expected_shards_touched(5, 8), rel=0.03)
    assert sh.expected_shards_touched(1, 8) == pytest.approx(1.0)
    assert sh.expected_shards_touched(0, 8) == 0.0


def test_shards_needed():
    assert sh.shards_needed(20_000, 5_000, 0.8) == 5
    assert sh.shards_needed(0, 5_000) == 1
    assert sh.shards_needed(20_000, 5_000, 0.8, hottest_share=0.1) == 5
    with pytest.raises(ValueError, match="split the hot key"):
        sh.shards_needed(20_000, 5_000, 0.8, hottest_share=0.3)


def test_shard_loads_and_load_stats():
    assert sh.shard_loads([5, 5, 9], (9, 5)).tolist() == [1.0, 2.0]
    assert sh.shard_loads([5, 9], (9, 5), [0.25, 0.75]).tolist() == [0.75, 0.25]
    with pytest.raises(ValueError, match="not in shards"):
        sh.shard_loads([7], (9, 5))
    st_ = sh.load_stats([2, 2, 2, 2])
    assert (st_.hottest_share, st_.peak_to_mean, st_.cv) == (0.25, 1.0, 0.0)


# --- time-bucketed form --------------------------------------------------------------------


def test_simulate_shard_load_conserves_traffic_and_is_seeded():
    db = sh.ShardedDatabase(n_shards=4, rate_shard=5_000, zipf_s=0.8, n_read_replicas=1)
    writes, reads = np.full(24, 4_000.0), np.full(24, 8_000.0)
    a = sh.shard_buckets(writes, 300.0, db, rate_reads=reads, rng=np.random.default_rng(7))
    b = sh.shard_buckets(writes, 300.0, db, rate_reads=reads, rng=np.random.default_rng(7))
    assert np.array_equal(a.load, b.load)
    assert a.load.shape == (24, 4)
    assert a.load.sum(axis=1).mean() == pytest.approx(4_000 + 8_000 / 2, rel=0.01)
    assert np.allclose(a.rho_hottest, a.rho.max(axis=1))
    assert a.shares.sum() == pytest.approx(1.0)


def test_simulate_shard_load_reports_overload_of_a_hot_shard():
    db = sh.ShardedDatabase(n_shards=8, rate_shard=1_000, p_hot=0.5, zipf_s=0.0)
    out = sh.shard_buckets([4_000.0], 60.0, db, rate_reads=[0.0], rng=np.random.default_rng(1))
    assert out.rho_hottest[0] > 2.0 and out.overload[0] > 1_000


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sh.HashRing.build((0, 1), 0), "n_vnodes must be a whole number in \\[1, 10000\\]"),
        (lambda: sh.HashRing.build((), 5), "shards must hold at least 1 shard"),
        (lambda: sh.HashRing.build((1, 1), 5), "must not repeat"),
        (lambda: sh.place([1], (0,), "range"), "scheme must be one of 'mod', 'consistent'"),
        (lambda: sh.zipf_weights(10, -1), "s must be in \\[0, 3\\]; got -1"),
        (lambda: sh.with_hot_key([1.0], 1.5), "p_hot must be in \\[0, 1\\]; got 1.5"),
        (lambda: sh.split_key("k", 0), "n_splits must be a whole number >= 1"),
        (
            lambda: sh.ShardedDatabase(n_shards=0),
            "n_shards must be a whole number in \\[1, 1024\\]",
        ),
        (lambda: sh.ShardedDatabase(rate_shard=-1), "rate_shard must be > 0"),
        (
            lambda: sh.shard_buckets([1.0], 60, sh.ShardedDatabase(), rate_reads=[1.0], rng=42),
            "rng must be a numpy.random.Generator",
        ),
        (
            lambda: sh.shard_buckets(
                [1.0], 60, sh.ShardedDatabase(), rate_reads=[1.0, 2.0], rng=np.random.default_rng(0)
            ),
            "one length",
        ),
        (lambda: sh.HashRing.build((0, 1), 3).without_shard(5), "shard must be one of"),
    ],
)
def test_bad_parameters_name_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- explorer ------------------------------------------------------------------------------


def test_explorer_first_slider_changes_figure_and_caption():
    ex = explore_sharding()
    assert isinstance(ex, Explorer)
    first = next(iter(ex.controls.values()))
    before_x, before_caption = list(ex.figure.data[1].x), ex.caption.value
    assert "from 4 to 5 shards" in before_caption
    first.value = 7
    assert list(ex.figure.data[1].x) != before_x and len(ex.figure.data[1].x) == 8
    assert "from 7 to 8 shards" in ex.caption.value and ex.caption.value != before_caption


def test_explorer_controls_all_change_the_caption():
    ex = explore_sharding()
    for name, value in [
        ("n_vnodes", 3),
        ("zipf_s", 1.0),
        ("p_hot", 0.25),
        ("scheme", "mod"),
        ("change", "remove"),
    ]:
        before = ex.caption.value
        ex.controls[name].value = value
        assert ex.caption.value != before, name
    assert "from 4 to 3 shards" in ex.caption.value and "celebrity" in ex.caption.value
    assert ex.controls["n_vnodes"].disabled  # hash mod N has no virtual nodes
    assert sum(ex.figure.data[1].y) == pytest.approx(100.0)


def test_message_workload_hot_spots():
    w = sh.message_workload(20_000, rng=np.random.default_rng(2026))
    again = sh.message_workload(20_000, rng=np.random.default_rng(2026))
    assert all(np.array_equal(w[k], again[k]) for k in w)
    share = {}
    for key, values in w.items():
        placed = sh.place(sh.hash_keys(values.tolist()), range(8))
        share[key] = sh.load_stats(sh.shard_loads(placed, range(8))).hottest_share
    assert share["day"] > 0.85 > 0.25 > share["user_id"] > share["conversation_id"]
    assert np.mean(w["day"] == 19_000) == pytest.approx(0.9, abs=0.01)
