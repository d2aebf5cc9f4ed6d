"""Practice designs (``scalelab.practice``): closed forms against simulation, validation,
determinism, and registered designs of three qualities per problem scoring as expected."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scalelab.practice import (
    ChatDesign,
    ChatWorkload,
    Drill,
    FeedDesign,
    FeedWorkload,
    Scenario,
    ShortenerDesign,
    ShortenerWorkload,
    SnowflakeLayout,
    chat_buckets,
    collision_probability,
    fanout_cost,
    feed_buckets,
    follow_graph,
    grade_design,
    ids_for_collision,
    misorder_share,
    reconnect_peak,
    run_design,
    share_counted,
    shortener_buckets,
    simulate_chat,
    simulate_clicks,
    simulate_collisions,
    simulate_fanout,
    simulate_feed,
    simulate_ordering,
    simulate_reconnects,
    simulate_shortener,
    snowflake_id,
    snowflake_parts,
    t_presence_detect,
    timeline_load,
)

pytestmark = pytest.mark.lib

# --- closed forms against simulation -------------------------------------------------------


@pytest.mark.parametrize(("n_ids", "n_space"), [(23, 365), (50, 365), (2_000, 10**6), (300, 10**5)])
def test_birthday_bound_matches_simulation(n_ids, n_space, rng):
    want = collision_probability(n_ids, n_space)
    got = simulate_collisions(n_ids, n_space, 6_000, rng=rng)
    assert abs(got - want) < 0.03, (got, want)


def test_ids_for_collision_inverts_the_bound():
    for p in (0.01, 0.5, 0.9):
        assert collision_probability(ids_for_collision(p, 1e12), 1e12) == pytest.approx(p, rel=1e-4)


def test_snowflake_layout_capacity_and_round_trip():
    s = SnowflakeLayout()
    assert (s.n_machines, s.n_per_ms) == (1024, 4096)
    assert 69 < s.years < 70  # 2^41 ms
    for parts in [(0, 0, 0), (1_700_000_000_000 % 2**41, 1023, 4095), (5, 7, 42)]:
        assert snowflake_parts(snowflake_id(*parts)) == parts
    assert snowflake_id(2, 0, 0) > snowflake_id(1, 1023, 4095)  # ids sort by time
    with pytest.raises(ValueError, match="machine"):
        snowflake_id(1, 1024, 0)


@pytest.mark.parametrize(
    ("n_clicks", "n_browsers"), [(1_000, 1_000), (5_000, 1_000), (200, 10_000)]
)
def test_share_counted_matches_simulation(n_clicks, n_browsers, rng):
    want = share_counted(n_clicks, n_browsers, "301")
    got = np.mean([simulate_clicks(n_clicks, n_browsers, "301", rng=rng) for _ in range(20)])
    assert abs(got - want) < 0.01, (got, want)
    assert share_counted(n_clicks, n_browsers, "302") == 1.0


@pytest.mark.parametrize("fanout", ["write", "read", "hybrid"])
def test_fanout_closed_form_matches_the_graph(fanout, rng):
    n_users, n_following, s = 20_000, 20, 1.0
    graph = follow_graph(n_users, n_following, s, rng=rng)
    want = fanout_cost(n_users, n_following, s, fanout, n_threshold=2_000)
    got = simulate_fanout(graph, fanout, 2_000, 100_000, 100_000, rng=rng)
    assert got.writes_per_post == pytest.approx(want.writes_per_post, rel=0.1, abs=0.5)
    assert got.reads_per_read == pytest.approx(want.reads_per_read, rel=0.1, abs=0.5)
    assert got.p_celebrity == pytest.approx(want.p_celebrity, abs=0.03)


def test_fanout_costs_grow_with_followings_and_hybrid_splits_them():
    push = [fanout_cost(50_000, k, 1.0, "write").writes_per_post for k in (10, 100, 1000)]
    assert push == pytest.approx([10, 100, 1000])
    h = fanout_cost(50_000, 100, 1.0, "hybrid", 10_000)
    assert h.writes_per_post + h.reads_per_read == pytest.approx(100)
    assert fanout_cost(50_000, 100, 1.0, "write").writes_max_post > 10 * h.writes_max_post


def test_celebrity_is_a_hot_shard():
    flat, skewed = timeline_load(20_000, 0.0, 8), timeline_load(20_000, 1.2, 8)
    assert skewed.hottest_share > 2 * flat.hottest_share


@pytest.mark.parametrize("n_servers", [4, 10, 25])
def test_reconnect_peak_matches_the_balancers(n_servers, rng):
    for policy in ("round_robin", "least_connections"):
        got = simulate_reconnects(n_servers, 1_000 * n_servers, policy, rng=rng)
        assert got == pytest.approx(reconnect_peak(n_servers, policy), rel=0.01)


def test_presence_detection_time_by_simulation(rng):
    t_hb, n_missed = 30.0, 2
    last_beat = rng.uniform(0, t_hb, 200_000)  # vanish uniformly within a period
    shown_online = (n_missed + 1) * t_hb - last_beat  # until n_missed periods pass silently
    assert shown_online.mean() == pytest.approx(t_presence_detect(t_hb, n_missed), rel=0.01)


@pytest.mark.parametrize(("n", "t_gap", "t_lag"), [(8, 1.0, 0.5), (2, 0.2, 1.0), (64, 5.0, 0.1)])
def test_misorder_share_matches_simulation(n, t_gap, t_lag, rng):
    want = misorder_share(n, t_gap, t_lag, "random")
    assert simulate_ordering(n, t_gap, t_lag, "random", 200_000, rng=rng) == pytest.approx(
        want, abs=0.005
    )
    assert simulate_ordering(n, t_gap, t_lag, "conversation", 1_000, rng=rng) == 0.0


# --- validation and determinism ------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ShortenerDesign(n_regions=4), "n_regions"),
        (lambda: ShortenerDesign(redirect="307"), "redirect"),
        (lambda: FeedDesign(fanout="both"), "fanout"),
        (lambda: ChatDesign(lb_policy="random"), "lb_policy"),
        (lambda: Drill("meteor"), "kind"),
        (lambda: collision_probability(-1, 10), "n_ids"),
        (
            lambda: simulate_feed(ShortenerDesign(), FeedWorkload(), rng=np.random.default_rng(1)),
            "design",
        ),
        (lambda: run_design(FeedDesign(), Scenario("x", ShortenerWorkload())), "workload"),
        (lambda: grade_design(ChatDesign(), []), "scenarios"),
    ],
)
def test_bad_inputs_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("simulate", "design", "workload"),
    [
        (simulate_shortener, ShortenerDesign(), ShortenerWorkload()),
        (simulate_feed, FeedDesign(), FeedWorkload()),
        (simulate_chat, ChatDesign(), ChatWorkload()),
    ],
)
def test_runs_are_deterministic_and_well_formed(simulate, design, workload):
    drill = Drill("datacenter", 1_800, 1_800)
    a = simulate(design, workload, drill, rng=np.random.default_rng(5))
    b = simulate(design, workload, drill, rng=np.random.default_rng(5))
    for name in ("rate_offered", "rate_failed", "p99", "data_lost", "cost_per_hour"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert getattr(a, name).shape == a.t.shape
    assert np.all(a.rate_failed <= a.rate_offered + 1e-9) and 0 <= a.availability <= 1
    assert np.all(np.isfinite(a.p99)) and np.all(a.data_lost >= 0)


# --- registered designs of three qualities per problem --------------------------------------

HIDDEN = [
    Scenario("a cache node", drill=Drill("node", 1_800, 1_800), seed=11),
    Scenario("a data centre", drill=Drill("datacenter", 2_400, 1_800), seed=12),
    Scenario("a spike", drill=Drill("spike", 3_000, 1_200, spike_factor=1.5), seed=13),
]

DESIGNS = {
    # problem: [(design, SLOs met in every hidden scenario)]
    "shortener": [
        (ShortenerDesign(n_regions=3, n_servers=10, t_dns_ttl=30, n_cache_nodes=2), 4),
        (
            ShortenerDesign(
                n_regions=3, n_servers=10, t_dns_ttl=20, n_cache_nodes=2, n_shards=3,
                id_scheme="snowflake",
            ),
            4,
        ),
        (ShortenerDesign(), 3),  # one region: a data centre lost is an outage
        (ShortenerDesign(n_regions=3, n_servers=10, t_dns_ttl=30, n_cache_nodes=2,
                         redirect="301"), 3),  # cached 301s: click records lost
        (ShortenerDesign(n_regions=2, n_servers=14, t_dns_ttl=30, n_cache_nodes=2), 2),
        (ShortenerDesign(n_regions=1, n_servers=80, n_cache_nodes=0, n_shards=1, n_replicas=0,
                         redirect="301"), 0),
    ],
    "feed": [
        (FeedDesign(n_regions=3, n_servers=8, t_dns_ttl=30), 4),
        (FeedDesign(fanout="write", n_regions=3, n_servers=10, t_dns_ttl=30, n_workers=24), 4),
        (FeedDesign(), 3),  # two regions: the survivor is too far for some, too busy
        (FeedDesign(fanout="hybrid", n_regions=1, n_servers=110, n_cache_nodes=0, n_workers=0,
                    n_replicas=0), 0),
    ],
    "chat": [
        (ChatDesign(n_regions=3, n_servers=30, t_dns_ttl=30, lb_policy="least_connections",
                    inbox="store"), 4),
        (ChatDesign(n_regions=3, n_servers=32, t_dns_ttl=20, lb_policy="least_connections",
                    inbox="store", sync_writes=True), 4),
        (ChatDesign(), 2),  # inboxes in memory, two regions
        (ChatDesign(n_regions=1, n_servers=160, n_partitions=1), 0),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("problem", "design", "n_met"),
    [(p, d, n) for p, rows in DESIGNS.items() for d, n in rows],
    ids=[f"{p}-{i}" for p, rows in DESIGNS.items() for i in range(len(rows))],
)
def test_registered_designs_score_as_expected(problem, design, n_met):
    met = grade_design(design, HIDDEN)
    assert sum(met.values()) == n_met, (problem, met)


def test_every_problem_has_all_some_and_none():
    for problem, rows in DESIGNS.items():
        scores = {n for _, n in rows}
        assert 4 in scores and 0 in scores and scores & {1, 2, 3}, problem


def test_estimate_then_verify_the_shortener_reads_are_what_the_workload_says(rng):
    w = ShortenerWorkload(n_links_day=10e6, clicks_per_link=50)
    run = simulate_shortener(ShortenerDesign(), w, rng=rng)
    mean_rate = float(np.mean(run.rate_offered))
    # the evening window runs near the peak: between the mean and peak_factor times it
    assert w.rate_clicks < mean_rate < w.peak_factor * (w.rate_clicks + w.rate_writes) * 1.05
    assert math.isclose(w.rate_writes, 10e6 / 86_400)


# --- the bucketed forms (the capstone contract) ----------------------------------------------


@pytest.mark.parametrize(
    ("simulate", "form", "design", "workload", "rate"),
    [
        (simulate_shortener, shortener_buckets, ShortenerDesign(), ShortenerWorkload(), "clicks"),
        (simulate_feed, feed_buckets, FeedDesign(), FeedWorkload(), "reads"),
        (simulate_chat, chat_buckets, ChatDesign(), ChatWorkload(), "messages"),
    ],
)
def test_each_simulation_is_its_bucketed_form_on_the_drawn_evening(
    simulate, form, design, workload, rate
):
    drill = Drill("datacenter", 1_800, 1_800)
    run = simulate(design, workload, drill, rng=np.random.default_rng(7))
    offered = run.rate_offered
    if rate == "clicks":  # offered = clicks + new links, one new link per clicks_per_link clicks
        offered = offered / (1 + 1 / workload.clicks_per_link)
    elif rate == "reads":  # offered = reads + posts
        offered = offered / (1 + workload.rate_posts / workload.rate_reads)
    again = form(offered, run.t_bucket, design, workload=workload, drill=drill)
    for name in ("t", "rate_offered", "rate_failed", "p99", "data_lost", "cost_per_hour"):
        np.testing.assert_allclose(getattr(again, name), getattr(run, name), rtol=1e-9)
    assert again.t_bucket == run.t_bucket
