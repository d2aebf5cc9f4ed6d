"""scalelab.cdn: edges on scalelab.cache, shield, invalidation, the outage drill, its explorer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import cdn
from scalelab.cache import hit_ratio, make_trace, zipf_popularity
from scalelab.cdn import (
    CDN,
    REGIONS,
    STRATEGIES,
    Outage,
    Plan,
    Scenario,
    cdn_buckets,
    origin_rate,
    p_stale,
    run_drill,
    simulate_cdn,
    summarise,
    ttl_hit_ratio,
)
from scalelab.widgets import Explorer
from scalelab.widgets.cdn import explore_cdn

pytestmark = pytest.mark.lib
FAST = settings(max_examples=30, derandomize=True, deadline=None, database=None)


def zipf_trace(seed=1, n_objects=500, n_requests=20_000, alpha=0.9, rate=1_000.0):
    return make_trace(
        "zipf",
        n_objects=n_objects,
        n_requests=n_requests,
        alpha=alpha,
        rate=rate,
        rng=np.random.default_rng(seed),
    )


def bucket_run(**kwargs):
    outage = kwargs.pop("outage", None)
    strategy = kwargs.pop("strategy", "origin")
    p_second = kwargs.pop("p_second", 0.0)
    n = kwargs.pop("n", 120)
    return cdn_buckets(
        np.full(n, 10_000.0),
        60.0,
        CDN(**kwargs),
        outage=outage,
        strategy=strategy,
        p_second=p_second,
    )


# --- one edge is a cache from chapter 07 ----------------------------------------------------


@pytest.mark.parametrize("policy", ["lru", "fifo", "lfu", "sieve"])
@pytest.mark.parametrize("capacity", [10, 100, 400])
def test_one_edge_no_shield_offload_is_the_cache_models_hit_ratio(policy, capacity):
    """Independent requests, one edge, no shield: offload == scalelab.cache.hit_ratio exactly."""
    trace = zipf_trace()
    run = simulate_cdn(trace, policy=policy, n_capacity=capacity)
    assert run.offload == hit_ratio(trace, policy, capacity)
    assert run.edge_hit_ratio == run.offload


def test_ttl_replay_matches_the_ttl_formula():
    """A big edge with a TTL: replayed offload agrees with lam*T/(1+lam*T) weighted by rate."""
    trace = zipf_trace(n_objects=2_000, n_requests=60_000, alpha=0.8, rate=500.0)
    run = simulate_cdn(trace, n_capacity=10_000, t_ttl=5.0)
    warm = run.served_by[20_000:] != 2
    want = ttl_hit_ratio(500.0 * zipf_popularity(2_000, 0.8), 5.0)
    assert abs(float(warm.mean()) - want) < 0.01


def test_ttl_hit_ratio_reference():
    """The readable per-object sum the vectorised formula is checked against."""
    rates = [3.0, 0.5, 0.0, 12.0]
    t = 2.0
    want = sum(r * (r * t / (1 + r * t)) for r in rates) / sum(rates)
    assert ttl_hit_ratio(rates, t) == pytest.approx(want, rel=1e-12)
    assert ttl_hit_ratio([0.0, 0.0], 5.0) == 0.0
    with pytest.raises(ValueError, match="t_ttl"):
        ttl_hit_ratio([1.0], -1)
    with pytest.raises(ValueError, match=r"rate must be .*requests/s >= 0; got -2.0 at index 1"):
        ttl_hit_ratio([1.0, -2.0], 1)


def test_shield_cuts_origin_load_in_replay_and_formula():
    trace = zipf_trace(n_objects=300, n_requests=30_000)
    regions = np.random.default_rng(5).integers(0, 6, size=len(trace))
    alone = simulate_cdn(trace, regions=regions, n_regions=6, n_capacity=100)
    shielded = simulate_cdn(trace, regions=regions, n_regions=6, n_capacity=100, shield=True)
    assert shielded.n_origin < 0.6 * alone.n_origin
    assert shielded.edge_hit_ratio == alone.edge_hit_ratio  # the edges behave the same
    lam = np.outer(np.full(6, 100.0), zipf_popularity(300, 0.9))
    assert origin_rate(lam, 30.0, shield=True) < origin_rate(lam, 30.0)
    assert origin_rate(lam[:1], 30.0) == pytest.approx(
        100.0 * (1 - ttl_hit_ratio(lam[0], 30.0)), rel=1e-9
    )


# --- properties -----------------------------------------------------------------------------


@st.composite
def published(draw):
    seed = draw(st.integers(0, 10_000))
    n_obj = draw(st.integers(1, 30))
    trace = zipf_trace(seed=seed, n_objects=n_obj, n_requests=draw(st.integers(50, 600)))
    horizon = float(trace.t[-1])
    n_up = draw(st.integers(0, 20))
    rng = np.random.default_rng(seed + 1)
    up_t = np.sort(rng.uniform(0, horizon, n_up))
    up_k = rng.integers(0, n_obj, n_up)
    n_regions = draw(st.integers(1, 4))
    regions = rng.integers(0, n_regions, size=len(trace))
    options = dict(
        regions=regions,
        n_regions=n_regions,
        policy=draw(st.sampled_from(["lru", "fifo", "sieve"])),
        n_capacity=draw(st.integers(1, 40)),
        t_ttl=draw(st.one_of(st.none(), st.floats(0.01, 2.0))),
        shield=draw(st.booleans()),
    )
    return trace, (up_t, up_k), options


def origin_versions(trace, up_t, up_k):
    return np.array(
        [int(np.sum((up_k == k) & (up_t <= t))) for k, t in zip(trace.keys, trace.t, strict=True)]
    )


@given(published())
@FAST
def test_a_versioned_url_never_returns_an_older_version(case):
    trace, updates, options = case
    run = simulate_cdn(trace, versioned=True, updates=updates, **options)
    assert run.n_stale == 0
    assert run.version.tolist() == origin_versions(trace, *updates).tolist()


@given(published(), st.floats(0.0, 0.5))
@FAST
def test_a_purged_object_is_not_served_after_the_purge_propagates(case, t_purge):
    trace, (up_t, up_k), options = case
    run = simulate_cdn(trace, updates=(up_t, up_k), purges=(up_t, up_k), t_purge=t_purge, **options)
    for t_up, k in zip(up_t, up_k, strict=True):
        after = (trace.keys == k) & (trace.t >= t_up + t_purge)
        floor = int(np.sum((up_k == k) & (up_t <= t_up)))  # the version the purge was for
        assert np.all(run.version[after] >= floor)
    # without purges (and without a TTL) old versions do get served
    assert run.n_stale <= simulate_cdn(trace, updates=(up_t, up_k), **options).n_stale


@given(published())
@FAST
def test_origin_load_never_exceeds_the_misses_of_every_tier_above(case):
    trace, updates, options = case
    run = simulate_cdn(trace, updates=updates, **options)
    assert run.n_origin == int(np.sum(run.edge_miss & run.shield_miss))
    assert run.n_origin <= int(run.edge_miss.sum())


@given(
    t_ttl=st.floats(0.0, 1e5),
    shield=st.booleans(),
    p_local=st.floats(0.0, 0.9),
    capacity=st.integers(100, 60_000),
)
@settings(max_examples=15, derandomize=True, deadline=None, database=None)
def test_bucketed_origin_load_is_at_most_the_edge_misses(t_ttl, shield, p_local, capacity):
    out = bucket_run(t_ttl=t_ttl, shield=shield, p_local=p_local, n_capacity=capacity, n=5)
    above = out.rate * (1 - p_local) * (1 - out.edge_hit_ratio)
    assert np.all(out.rate_origin <= above * (1 + 1e-9) + 1e-9)
    assert np.all((out.offload >= -1e-12) & (out.offload <= 1 + 1e-12))


# --- staleness ------------------------------------------------------------------------------


def test_p_stale_ttl_matches_a_replay():
    """One key updated every ~2 s on average and cached 3 s: share of stale hits by replay."""
    trace = make_trace(
        "zipf", n_objects=1, n_requests=40_000, rate=50.0, rng=np.random.default_rng(3)
    )
    rng = np.random.default_rng(4)
    up_t = np.cumsum(rng.exponential(2.0, size=2_000))
    run = simulate_cdn(trace, t_ttl=3.0, updates=(up_t, np.zeros_like(up_t, dtype=int)))
    hits = run.served_by == 0
    got = run.stale[hits].mean()
    assert abs(got - p_stale(3.0, 0.5)) < 0.02
    assert p_stale(3.0, 0.5, "purge", t_purge=0.2) < p_stale(3.0, 0.5)
    assert p_stale(3.0, 0.5, "versioned") == 0.0
    with pytest.raises(ValueError, match="invalidation"):
        p_stale(3.0, 0.5, "hope")


# --- the bucketed drill ---------------------------------------------------------------------


def test_no_outage_is_steady_and_rate_free_parts_scale():
    out = bucket_run()
    assert np.ptp(out.rate_origin) < 1e-6 and np.all(out.rate_failed == 0)
    assert out.offload[0] == pytest.approx(0.7744, abs=2e-3)  # golden, TTL 1 h default
    assert np.all(out.p50_all <= out.p99_all)
    assert np.all(out.p99 <= cdn.T_TIMEOUT)


def test_failover_to_origin_sends_everything_there_and_the_shield_softens_the_refill():
    outage = Outage(1_800, 3_600)
    plain = bucket_run(outage=outage)
    shielded = bucket_run(outage=outage, shield=True)
    during = (plain.t >= 1_800 + 120) & (plain.t < 3_600)
    assert np.allclose(plain.rate_origin[during], 10_000.0)
    assert np.allclose(plain.rate_failed[during], 6_000.0)  # capacity 4,000 requests/s
    sp, ss = summarise(plain, outage), summarise(shielded, outage)
    assert sp.peak_origin_after > 1.4 * plain.rate_origin[0]  # the cold edges refill
    assert ss.peak_origin_after < 0.6 * sp.peak_origin_after
    warm = bucket_run(outage=Outage(1_800, 3_600, cold=False))
    # kept caches still expire during the outage, so even they refill a little
    assert warm.rate_origin[0] < summarise(warm, outage).peak_origin_after < sp.peak_origin_after


def test_strategies_order_on_a_regional_and_a_global_outage():
    regional = Scenario("europe", outage=Outage(regions=("europe",)))
    fails = {s: run_drill(regional, Plan(s))[0].failed_share for s in STRATEGIES}
    assert fails["redundant"] < fails["origin"] < fails["none"]
    whole = Scenario("all", outage=Outage())
    fails = {s: run_drill(whole, Plan(s))[0].failed_share for s in STRATEGIES}
    assert fails["multi-cdn"] < fails["origin"] < fails["none"]
    assert fails["redundant"] == pytest.approx(fails["origin"])  # no healthy edge: the origin
    cold, warm = (run_drill(whole, Plan("multi-cdn", p_second=p))[0] for p in (0.0, 0.2))
    assert warm.failed_share < cold.failed_share and warm.cost_per_hour > cold.cost_per_hour


def test_local_caching_and_dynamic_microcaching():
    assert bucket_run(p_local=0.3).rate_origin[0] < bucket_run().rate_origin[0]
    uncached = bucket_run(t_ttl_dynamic=0.0).rate_origin[0]
    micro = bucket_run(t_ttl_dynamic=1.0).rate_origin[0]
    assert micro < uncached - 500  # a 1 s TTL already absorbs a big share of dynamic requests
    assert (
        bucket_run(invalidation="ttl", rate_update=1 / 3_600).rate_stale[0]
        > (bucket_run().rate_stale[0])
    )


def test_percentiles_match_the_repeat_reference():
    rng = np.random.default_rng(0)
    vals = rng.uniform(0, 1, size=(4, 9))
    wts = rng.integers(0, 5, size=(4, 9)).astype(float)
    wts[:, 0] += 1
    p50, p99 = cdn._percentiles(vals, wts, (0.5, 0.99))
    for i in range(4):
        flat = np.sort(np.repeat(vals[i], wts[i].astype(int)))
        assert p50[i] == flat[int(np.ceil(0.5 * flat.size)) - 1]
        assert p99[i] == flat[int(np.ceil(0.99 * flat.size)) - 1]


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: CDN(t_ttl=-1), "t_ttl"),
        (lambda: CDN(p_dynamic=1.5), "p_dynamic"),
        (lambda: CDN(shield="yes"), "shield"),
        (lambda: CDN(users=(1, 2)), "users"),
        (lambda: Outage(100, 50), "t_end"),
        (lambda: Outage(regions=("mars",)), "regions"),
        (lambda: Plan("pray"), "strategy"),
        (lambda: Plan("multi-cdn", p_second=0.9), "p_second"),
        (lambda: cdn_buckets([1.0], 0), "t_bucket"),
        (lambda: cdn_buckets([-1.0], 60), "rate"),
        (lambda: cdn_buckets([1.0], 60, strategy="hope"), "strategy"),
        (lambda: simulate_cdn(zipf_trace(), n_regions=0), "n_regions"),
        (lambda: simulate_cdn(zipf_trace(), regions=[0]), "regions"),
        (lambda: simulate_cdn([1, 2, 3]), "trace"),
        (lambda: cdn.rtt_to_origin("mars"), "region"),
    ],
)
def test_bad_parameters_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_regions_are_the_geo_regions_and_drawn_by_users():
    assert REGIONS == cdn.REGIONS and cdn.ORIGIN_REGION in REGIONS
    a = cdn.assign_regions(50_000, rng=np.random.default_rng(3))
    assert a.tolist() == cdn.assign_regions(50_000, rng=np.random.default_rng(3)).tolist()
    share = np.bincount(a, minlength=len(REGIONS)) / a.size
    want = np.array(CDN().users) / sum(CDN().users)
    assert np.max(np.abs(share - want)) < 0.01
    only = cdn.assign_regions(100, rng=np.random.default_rng(1), users=[0, 0, 0, 1, 0, 0])
    assert set(only.tolist()) == {REGIONS.index("europe")}
    with pytest.raises(ValueError, match="rng"):
        cdn.assign_regions(10, rng=42)
    with pytest.raises(ValueError, match="users"):
        cdn.assign_regions(10, rng=np.random.default_rng(0), users=[1, 2])


# --- explorer -------------------------------------------------------------------------------


def test_explorer_every_control_changes_the_caption():
    """(How fast each move is: `make bench`, bench_explorers.)"""
    ex = explore_cdn()
    assert isinstance(ex, Explorer)
    first = next(iter(ex.controls.values()))
    assert type(first).__name__ == "FloatLogSlider"
    moves = [
        ("t_ttl", 10**3.0),
        ("shield", True),
        ("outage", (10, 40)),
        ("scope", "europe"),
        ("strategy", "redundant"),
        ("strategy", "multi-cdn"),
        ("p_second", 0.2),
        ("p_local", 0.25),
    ]
    for name, value in moves:
        before_cap, before_y = ex.caption.value, list(ex.figure.data[0].y)
        ex.controls[name].value = value
        assert ex.caption.value != before_cap, name
        assert list(ex.figure.data[0].y) != before_y or name == "strategy", name


def test_every_ttl_step_changes_figure_and_caption():
    ex = explore_cdn()
    slider = ex.controls["t_ttl"]
    for e in np.arange(slider.min, slider.max + 1e-9, slider.step)[1:]:
        before_cap, before_y = ex.caption.value, list(ex.figure.data[0].y)
        slider.value = 10**e
        assert ex.caption.value != before_cap and list(ex.figure.data[0].y) != before_y, e
