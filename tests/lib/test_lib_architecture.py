"""scalelab.architecture: composition, monotonicity, SLO grading, alerts, speed, explorer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import architecture as ar
from scalelab.architecture import simulation
from scalelab.cache import CacheTier, cache_tier_buckets, zipf_popularity
from scalelab.cdn import CDN, Outage, cdn_buckets
from scalelab.dns import ResolverCache, resolver_buckets
from scalelab.geo import REGIONS, GeoRouting, geo_buckets, rtt_matrix
from scalelab.load_balancer import ServerPool, pool_buckets
from scalelab.product import capstone_slo, capstone_workload, shop_design
from scalelab.queueing import WorkQueue, queue_buckets
from scalelab.sessions import SessionTier, sessions_buckets
from scalelab.sharding import ShardedDatabase, shard_buckets
from scalelab.widgets import Explorer
from scalelab.widgets.architecture import explore_architecture

pytestmark = pytest.mark.lib
H = 3600.0
W = ar.Workload(spike_factor=1.3, t_spike=19.5 * H, t_spike_len=1800)
SCENARIOS = [
    ar.Scenario("server", W, (ar.Failure("server", 19.2 * H, 20 * H, 0),), seed=11),
    ar.Scenario("data centre", W, (ar.Failure("datacenter", 19.5 * H, 20.5 * H, 1),), seed=12),
    ar.Scenario("cache", W, (ar.Failure("cache", 19.5 * H, 20 * H),), seed=13),
    ar.Scenario("master", W, (ar.Failure("master", 20 * H, 20.2 * H),), seed=14),
]
GOOD = ar.Design(n_servers=24, dns_ttl=30)
EXPENSIVE = ar.Design(n_servers=40, dns_ttl=30)
BAD = ar.Design(
    regions=("na-east",),
    n_servers=8,
    cdn=False,
    n_cache_nodes=0,
    n_replicas=0,
    n_shards=64,
    n_workers=200,
)


def run(design=GOOD, failures=(), seed=5, **kw):
    kw.setdefault("t_start", 19 * H)
    kw.setdefault("t_end", 21 * H)
    return ar.simulate(design, W, failures, rng=np.random.default_rng(seed), **kw)


# --- each component, with everything else idle, is its own bucketed form ---------------------


def test_components_reproduce_their_own_bucketed_outputs():
    r = run(ar.Design(n_servers=30, n_cache_nodes=4, n_replicas=2))
    p, dt, n = r.parts, r.t_bucket, r.t.size
    rate = p["rate"]
    static = rate * W.p_static
    resolvers = ResolverCache(t_ttl=60.0, n_resolvers=1_000)
    dns = resolver_buckets(rate / W.requests_per_lookup, dt, resolvers)
    np.testing.assert_array_equal(p["dns"].hit_ratio, dns.hit_ratio)
    cdn = cdn_buckets(
        static, dt, CDN(p_dynamic=0.0, users=W.users, rate_origin_max=ar.RATE_STATIC_ORIGIN)
    )
    np.testing.assert_array_equal(p["cdn"].rate_origin, cdn.rate_origin)
    share = np.asarray(W.users) / sum(W.users)
    geo = geo_buckets(
        np.outer(rate - static, share),
        dt,
        GeoRouting(rtt_matrix(REGIONS, GOOD.regions), np.full(3, 1e12), t_ttl=60.0),
        up=np.ones((n, 3), bool),
    )
    np.testing.assert_array_equal(p["geo"].rate_served, geo.rate_served)
    pool = pool_buckets(
        geo.rate_served,
        dt,
        ServerPool(250.0, ar.N_QUEUE_MAX, price_per_server_hour=ar.PRICE_SERVER_HOUR),
        n_up=30,
    )
    np.testing.assert_array_equal(p["pool"].rate_served, pool.rate_served)
    sess = sessions_buckets(
        geo.rate_served[:, 0],
        dt,
        SessionTier(mode="store", n_sessions=ar.N_SESSIONS_PER_SERVER * 30, rate_capacity=250.0),
        n_servers=np.full(n, 30),
    )
    np.testing.assert_array_equal(p["sessions"][0].lost, sess.lost)
    jobs = queue_buckets(p["writes"], dt, WorkQueue(50.0, n_buffer=GOOD.queue_max), n_servers=20)
    np.testing.assert_allclose(p["jobs"].backlog, jobs.backlog)


def test_cache_and_shards_are_called_with_the_runs_inputs():
    design = ar.Design(n_servers=30)
    r = run(design, seed=9)
    p = r.parts
    pop = zipf_popularity(W.n_objects, W.zipf_s)
    from scalelab.replication import read_capacity

    cap = 4 * read_capacity(2, ar.MU_DB, float(np.mean(p["writes"])) / 4, primary_reads=True)
    tier = CacheTier(4, 5_000, rate_db_max=cap)
    cache = cache_tier_buckets(p["reads"], 60.0, tier, popularity=pop)
    np.testing.assert_array_equal(p["cache"].hit_ratio, cache.hit_ratio)
    np.testing.assert_array_equal(p["cache"].rate_failed, cache.rate_failed)
    rng = np.random.default_rng(9)
    ar.traffic(W, r.t, rng=rng)  # the run draws its noise first, then the shards' Poisson counts
    served_db = cache.rate_db - cache.rate_failed
    db = ShardedDatabase(4, ar.MU_DB, n_read_replicas=2)
    shards = shard_buckets(p["writes"], 60.0, db, rate_reads=served_db, rng=rng)
    np.testing.assert_array_equal(p["shards"].load, shards.load)


IDLE = ar.Design(n_servers=200, n_cache_nodes=8, cache_objects=10_000, n_shards=8, n_workers=100)


def test_with_everything_else_idle_the_cdn_outage_is_the_cdns_own():
    f = (ar.Failure("cdn", 19.5 * H, 20 * H),)
    r = run(IDLE, f)
    static = r.parts["rate"] * W.p_static
    cdn = cdn_buckets(
        static,
        60.0,
        CDN(p_dynamic=0.0, users=W.users, rate_origin_max=ar.RATE_STATIC_ORIGIN),
        outage=Outage(0.5 * H, 1.0 * H),
        strategy="origin",
    )
    np.testing.assert_allclose(r.rate_failed, cdn.rate_failed, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r.static_p99, cdn.p99_all)


def test_with_everything_else_idle_a_dc_outage_is_geodns_own():
    f = (ar.Failure("datacenter", 19.5 * H, 20 * H, 1),)
    r = run(IDLE, f)
    np.testing.assert_allclose(r.rate_failed, r.parts["geo"].rate_failed, rtol=1e-6, atol=1e-6)
    up = np.ones((r.t.size, 3), bool)
    up[30:60, 1] = False
    share = np.asarray(W.users) / sum(W.users)
    geo = geo_buckets(
        np.outer(r.parts["rate"] * (1 - W.p_static), share),
        60.0,
        GeoRouting(rtt_matrix(REGIONS, IDLE.regions), np.full(3, 1e12), t_ttl=60.0),
        up=up,
    )
    np.testing.assert_array_equal(r.parts["geo"].rate_failed, geo.rate_failed)


def test_with_everything_else_idle_the_queue_is_the_fluid_queue():
    r = run(IDLE)
    jobs = queue_buckets(
        r.metrics["rate_writes_ok"],
        60.0,
        WorkQueue(IDLE.rate_worker, n_buffer=IDLE.queue_max),
        n_servers=IDLE.n_workers,
    )
    np.testing.assert_array_equal(r.metrics["queue_backlog"], jobs.backlog)
    np.testing.assert_array_equal(r.metrics["queue_wait_s"], jobs.t_wait)


def test_idle_system_has_no_errors_and_no_loss():
    r = run(ar.Design(n_servers=60), t_start=3 * H, t_end=4 * H)
    assert r.rate_failed.max() < 1e-6 * r.rate_offered.min()
    assert r.data_lost.sum() == 0.0


# --- degrading a component never improves an SLO metric ---------------------------------------

FAILURES = [
    ar.Failure("server", 19.5 * H, 20 * H, 0),
    ar.Failure("cache", 19.5 * H, 20 * H),
    ar.Failure("master", 19.5 * H, 20 * H),
    ar.Failure("cdn", 19.5 * H, 20 * H),
    ar.Failure("datacenter", 19.5 * H, 20 * H, 1),
]


def _metrics(r: ar.Run):
    s = ar.check_slos(r, ar.SLO())
    return s.p99_ok_share, s.availability, s.data_lost, s.cost_per_hour


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.kind)
def test_a_failure_never_improves_an_slo_metric(failure):
    base = _metrics(run(GOOD))
    hurt = _metrics(run(GOOD, (failure,)))
    assert hurt[0] <= base[0] + 1e-12 and hurt[1] <= base[1] + 1e-12
    assert hurt[2] >= base[2]
    # the CDN bills only for what it delivers, so its outage is the one failure that saves money
    assert hurt[3] >= base[3] - 1e-9 or failure.kind == "cdn"


@pytest.mark.parametrize(
    "worse",
    [
        dict(n_servers=12),
        dict(n_cache_nodes=1),
        dict(cache_objects=500),
        dict(n_replicas=0),
        dict(n_workers=5),
        dict(cdn=False),
        dict(n_shards=1),
    ],
    ids=str,
)
def test_less_capacity_never_improves_latency_availability_or_data(worse):
    failures = (ar.Failure("master", 20 * H, 20.1 * H),)
    base = _metrics(run(GOOD, failures))
    hurt = _metrics(run(ar.Design(**{**GOOD.__dict__, "dns_ttl": 30, **worse}), failures))
    assert hurt[0] <= base[0] + 1e-12
    assert hurt[1] <= base[1] + 1e-12
    assert hurt[2] >= base[2] - 1e-9


def test_more_servers_never_hurts_availability():
    avail = [run(ar.Design(n_servers=n)).total_availability for n in (8, 12, 16, 24, 32)]
    assert avail == sorted(avail)


# --- grading a design against SLOs -----------------------------------------------------------


def test_full_partial_and_zero_designs():
    slo = ar.SLO()
    assert ar.grade_design(GOOD, SCENARIOS, slo) == dict.fromkeys(
        ("latency", "availability", "data_lost", "cost"), True
    )
    partial = ar.grade_design(EXPENSIVE, SCENARIOS, slo)
    assert sum(partial.values()) == 3 and not partial["cost"]
    assert sum(ar.grade_design(BAD, SCENARIOS, slo).values()) == 0


def test_no_replica_loses_the_day_on_a_master_failure():
    lost = run(ar.Design(n_replicas=0), (ar.Failure("master", 20 * H, 20.1 * H),)).data_lost
    lost2 = run(ar.Design(n_replicas=2), (ar.Failure("master", 20 * H, 20.1 * H),)).data_lost
    assert lost.sum() > 1e5 > 100 > lost2.sum() > 0


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("regions", ()),
        ("regions", ("mars",)),
        ("regions", ("europe", "europe")),
        ("dns_ttl", -1),
        ("cdn", 1),
        ("cdn_ttl", -5),
        ("cdn_strategy", "pray"),
        ("n_servers", 0),
        ("rate_server", 0),
        ("lb_policy", "magic"),
        ("t_check", 0),
        ("session_mode", "cookie"),
        ("n_cache_nodes", -1),
        ("cache_objects", 0),
        ("n_shards", 0),
        ("n_replicas", 11),
        ("n_workers", 0),
        ("rate_worker", 0),
        ("queue_max", -1),
    ],
)
def test_every_design_field_is_validated(field, value):
    name = "regions" if field == "regions" else field
    with pytest.raises(ValueError, match=name):
        ar.Design(**{field: value})


def test_other_inputs_are_validated():
    with pytest.raises(ValueError, match="kind"):
        ar.Failure("meteor", 0, 1)
    with pytest.raises(ValueError, match="t_end"):
        ar.Failure("cache", 10, 5)
    with pytest.raises(ValueError, match="peak_factor"):
        ar.Workload(peak_factor=3)
    with pytest.raises(ValueError, match="design"):
        ar.simulate("big", W, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        ar.simulate(GOOD, W, rng=1)


# --- metrics and alerts ----------------------------------------------------------------------


def test_metrics_are_time_series_of_the_run():
    r = run(GOOD)
    for name, series in r.metrics.items():
        assert np.asarray(series).shape == r.t.shape, name


def test_a_burn_rate_alert_catches_a_dc_failure_and_stays_quiet_otherwise():
    rule = ar.AlertRule("error_rate", 14.4 * (1 - 0.999), for_buckets=2)
    quiet = run(GOOD)
    assert not ar.evaluate_alert(rule, quiet.metrics).any()
    f = (ar.Failure("datacenter", 19.5 * H, 20 * H, 1),)
    dc = run(ar.Design(n_servers=16), f)
    assert ar.incident_caught(ar.evaluate_alert(rule, dc.metrics), dc.t, f)
    assert ar.error_budget_minutes(0.999, 30) == pytest.approx(43.2)


# --- speed and the explorer --------------------------------------------------------------------


# A simulated day's speed (target < 1 s) is measured by `make bench` (bench_architecture).


def test_explorer_first_slider_changes_figure_and_caption():
    ex = explore_architecture()
    assert isinstance(ex, Explorer)
    first = next(iter(ex.controls.values()))
    before = (ex.caption.value, tuple(ex.figure.data[2].y))
    first.value = first.value + 1
    assert ex.caption.value != before[0]
    assert tuple(ex.figure.data[2].y) != before[1]


def test_explorer_evening_window_replays_a_graded_scenario():
    """The explorer with the arguments the visible design check prints (the reference design,
    ``shop_design(n_servers=48, n_workers=50)``) reproduces the practice scenario exactly."""
    ex = explore_architecture(
        n_servers=48,
        n_workers=50,
        spike=1.3,
        failure_hour=19.5,
        window="evening 19-21 h",
        seed=4242,
    )
    practice = ar.Scenario(
        "practice",
        capstone_workload(spike_factor=1.3, t_spike=19.5 * H, t_spike_len=1800),
        (ar.Failure("datacenter", 19.5 * H, 20.5 * H, 1),),
        seed=4242,
    )
    run = practice.run(shop_design(n_servers=48, n_workers=50))
    np.testing.assert_allclose(ex.figure.data[2].y, np.round(run.cost_per_hour, 4))
    np.testing.assert_allclose(ex.figure.data[1].y, np.round(run.error_rate * 100, 5))
    res = ar.check_slos(run, capstone_slo())
    assert f"{run.total_availability:.3%}" in ex.caption.value
    assert f"SLOs met: {', '.join(k for k, v in res.met.items() if v)} " in ex.caption.value


def test_explorer_starts_from_the_products_design_and_day():
    ex = explore_architecture()
    c = {k: w.value for k, w in ex.controls.items()}
    d = shop_design()
    assert (c["n_servers"], c["n_cache_nodes"], c["n_replicas"], c["n_workers"]) == (
        d.n_servers,
        d.n_cache_nodes,
        d.n_replicas,
        d.n_workers,
    )
    assert c["daily_users_m"] * 1e6 == capstone_workload().daily_users
    assert ex.controls["n_servers"].max >= 2 * 48  # twice what a lost DC needs
    assert ex.controls["daily_users_m"].min <= 20 and ex.controls["daily_users_m"].max >= 150
    assert f"${capstone_slo().cost_max_hour:,.0f} an hour" in ex.caption.value


@settings(max_examples=12, derandomize=True, deadline=None, database=None)
@given(
    n_servers=st.integers(8, 30),
    n_cache_nodes=st.integers(0, 6),
    n_replicas=st.integers(0, 3),
    kind=st.sampled_from(ar.FAILURE_KINDS),
    start=st.floats(19.0, 20.5),
)
def test_property_a_failure_never_improves_service(
    n_servers, n_cache_nodes, n_replicas, kind, start
):
    design = ar.Design(n_servers=n_servers, n_cache_nodes=n_cache_nodes, n_replicas=n_replicas)
    f = (ar.Failure(kind, start * H, start * H + 1_200.0, 1),)
    base, hurt = _metrics(run(design, seed=3)), _metrics(run(design, f, seed=3))
    assert hurt[0] <= base[0] + 1e-12
    assert hurt[1] <= base[1] + 1e-12
    assert hurt[2] >= base[2] - 1e-9


def test_latency_quantiles_equal_the_readable_bisection():
    """The capstone's latency percentiles: bit for bit the plain bisection (``_bisection``)."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        n, k = 40, int(rng.integers(1, 60))
        w = rng.random((n, k)) * (rng.random((n, k)) < 0.8)
        w[:2] = 0.0
        c = rng.choice([0.0, 0.01, 0.3], (n, k)) + rng.random((n, k)) * rng.choice([0, 1e-3, 0.1])
        m = rng.choice([0.0, 1e-3, 0.02, 5.0], (n, k))
        for q in (0.5, 0.99):
            got = simulation._quantile(q, w, c, m)
            assert np.array_equal(got, _bisection(q, w, c, m), equal_nan=True)


def _bisection(q, w, c, mean):
    """The readable bisection the latency percentiles must equal bit for bit."""
    total = w.sum(axis=1)
    lo, hi = np.zeros(w.shape[0]), np.full(w.shape[0], 60.0)
    m = np.maximum(mean, 1e-9)
    for _ in range(36):
        x = (lo + hi) / 2
        z = np.clip(x[:, None] - c, 0.0, None)
        f = np.sum(w * -np.expm1(-z / m), axis=1)
        below = f < q * total
        lo, hi = np.where(below, x, lo), np.where(below, hi, x)
    return np.where(total > 0, (lo + hi) / 2, np.nan)


def test_latency_quantiles_equal_the_bisection_on_a_smooth_day():
    """The capstone's shape (many buckets, smoothly varying mixtures, a jump where a failure
    starts): every row through the interpolated Newton steps, bit for bit the bisection."""
    rng = np.random.default_rng(4)
    n, k = 600, 27
    t = np.linspace(0.0, 1.0, n)[:, None]
    c = 0.02 + 0.15 * rng.random(k) + 0.01 * np.sin(6 * t) + 1e-4 * rng.random((n, k))
    m = np.broadcast_to(0.004 + 0.05 * rng.random(k) * (1 + 0.5 * t), (n, k)).copy()
    w = rng.random(k) * (1.0 + 0.1 * rng.random((n, k)))
    w[300:330, :9] = 0.0  # a data path lost for a while: the quantile jumps
    w[400:410] = 0.0  # buckets without traffic
    c[500:520] += 0.3
    for q in (0.5, 0.9, 0.99):
        got = simulation._quantile(q, w, c, m)
        assert np.array_equal(got, _bisection(q, w, c, m), equal_nan=True), q
    p50, p99 = simulation._quantiles((0.5, 0.99), w, c, m)
    assert np.array_equal(p50, _bisection(0.5, w, c, m), equal_nan=True)
    assert np.array_equal(p99, _bisection(0.99, w, c, m), equal_nan=True)


def test_the_remembered_cdn_stage_is_a_fresh_call_and_hands_out_copies():
    """The CDN stage's memo: the same numbers as calling cdn_buckets, and a caller that changes
    a run's arrays changes nothing the next run reads."""
    simulation._cdn_buckets_cached.cache_clear()
    first = run(GOOD, seed=21)
    again = run(ar.Design(n_servers=30, dns_ttl=30), seed=21)  # same traffic: remembered
    assert simulation._cdn_buckets_cached.cache_info().hits >= 1
    cdn = CDN(
        t_ttl=GOOD.cdn_ttl,
        p_dynamic=0.0,
        users=W.users,
        rate_origin_max=ar.design.RATE_STATIC_ORIGIN,
        kb_object=ar.design.KB_STATIC,
    )
    fresh = cdn_buckets(first.parts["rate"] * W.p_static, 60.0, cdn, strategy=GOOD.cdn_strategy)
    for name in ("rate_origin", "rate_failed", "p99_all", "p99", "cost", "rate_stale", "t"):
        np.testing.assert_array_equal(getattr(again.parts["cdn"], name), getattr(fresh, name))
    before = again.parts["cdn"].p99_all.copy()
    first.parts["cdn"].p99_all[:] = -1.0
    again.parts["cdn"].rate_failed[:] = -1.0
    third = run(GOOD, seed=21)
    np.testing.assert_array_equal(third.parts["cdn"].p99_all, before)
    np.testing.assert_array_equal(third.parts["cdn"].rate_failed, fresh.rate_failed)
