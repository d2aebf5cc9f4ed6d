"""scalelab.sessions: sticky, store and token tiers; losses, imbalance, conservation; the widget."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import sessions as S
from scalelab.sessions import (
    SessionParams,
    SessionStore,
    SessionTier,
    StoreUnavailable,
    hash_route,
    imbalance,
    sessions_buckets,
    sign_token,
    simulate_sessions,
    sticky_load,
    verify_token,
)

pytestmark = pytest.mark.lib
FAST = settings(max_examples=25, derandomize=True, deadline=None, database=None)


def rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- routing and imbalance


def test_sticky_load_matches_the_readable_reference():
    r = rng(1)
    rates = r.exponential(1.0, 200)
    server_of = r.integers(0, 7, 200)
    slow = [sum(x for x, s in zip(rates, server_of, strict=True) if s == k) for k in range(7)]
    np.testing.assert_allclose(sticky_load(rates, server_of, 7), slow)


def test_imbalance_counts_idle_servers_and_rejects_bad_load():
    assert imbalance([10.0, 10.0]) == 1.0
    assert imbalance([12.0, 0.0, 0.0]) == 3.0
    assert math.isnan(imbalance([0.0, 0.0]))
    with pytest.raises(ValueError, match="load must be >= 0"):
        imbalance([3.0, -1.0])


def test_hash_route_and_its_errors():
    assert hash_route([5, 6, 7], [2, 9, 4]).tolist() == [4, 2, 9]
    with pytest.raises(ValueError, match="live must name at least one server"):
        hash_route([1], [])
    with pytest.raises(ValueError, match="user_ids must be >= 0"):
        hash_route([-1], [0])
    with pytest.raises(ValueError, match="server_of must be in"):
        sticky_load([1.0], [3], 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "cookies"}, "mode must be one of 'sticky', 'store', 'token'; got 'cookies'"),
        ({"routing": "ip"}, "routing must be one of 'cookie', 'hash'"),
        ({"n_servers": 0}, "n_servers must be a whole number in [1, 1000]; got 0"),
        ({"rate_capacity": 0.0}, "rate_capacity must be > 0; got 0.0"),
        ({"rho_target": 1.5}, "rho_target must be in (0, 1]; got 1.5"),
        ({"n_min": 5, "n_max": 3}, "n_max must be a whole number in [5, 1000]; got 3"),
        ({"t_store_down": 10.0}, "t_store_down and t_store_up must be given together"),
        ({"t_store_down": 10.0, "t_store_up": 5.0}, "t_store_up must be > 10.0; got 5.0"),
        ({"t_session": -1.0}, "t_session must be > 0; got -1.0"),
        ({"peak_factor": 0.5}, "peak_factor must be in [1, 10]; got 0.5"),
        ({"kills": ((5.0, -1),)}, "kills server index must be a whole number >= 0; got -1"),
    ],
)
def test_bad_parameters_name_the_parameter_and_range(kwargs, message):
    with pytest.raises(ValueError) as err:
        SessionParams(**kwargs)
    assert message in str(err.value)


def test_simulate_checks_its_arguments():
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        simulate_sessions(SessionParams(), rng=42)
    with pytest.raises(ValueError, match="params must be a SessionParams"):
        simulate_sessions({"mode": "sticky"}, rng=rng())


# ---------------------------------------------------------------- properties of the simulation

events = st.lists(st.tuples(st.floats(0, 590), st.integers(0, 20)), max_size=3)
sizes = st.lists(st.tuples(st.floats(0, 590), st.integers(1, 8)), max_size=3)


@given(
    mode=st.sampled_from(["store", "token"]),
    kills=events,
    scale_to=sizes,
    autoscale=st.booleans(),
    n=st.integers(1, 8),
    seed=st.integers(0, 1000),
)
@FAST
def test_stateless_tier_loses_no_session_when_servers_die_or_are_removed(
    mode, kills, scale_to, autoscale, n, seed
):
    p = SessionParams(
        mode=mode,
        n_users=300,
        n_servers=n,
        kills=tuple(kills),
        scale_to=tuple(scale_to),
        autoscale=autoscale,
        peak_factor=2.0,
        t_session=300.0,
    )
    run = simulate_sessions(p, rng=rng(seed))
    assert run.n_lost == 0
    assert all(e.n_lost == 0 for e in run.events)


@given(
    kill_t=st.floats(0, 590),
    k=st.integers(0, 20),
    n=st.integers(1, 9),
    churn=st.sampled_from([math.inf, 120.0]),
    seed=st.integers(0, 1000),
)
@FAST
def test_sticky_kill_loses_exactly_the_sessions_on_the_dead_server(kill_t, k, n, churn, seed):
    p = SessionParams(
        mode="sticky", n_users=257, n_servers=n, kills=((kill_t, k),), t_session=churn
    )
    run = simulate_sessions(p, rng=rng(seed))
    (event,) = run.events
    b = int(kill_t // p.t_bucket)
    victim = event.servers[0]
    assert victim == sorted(range(n))[k % n]
    assert event.n_lost == run.sessions[b, victim] == run.n_lost
    if math.isinf(churn):  # nobody moved before the kill: the login-time assignment is uid % n
        assert event.n_lost == int(np.count_nonzero(np.arange(257) % n == victim))


@given(
    scale_to=sizes.filter(lambda s: len(s) > 0),
    kills=events,
    seed=st.integers(0, 1000),
)
@FAST
def test_sticky_cookie_loses_exactly_the_removed_servers_sessions(scale_to, kills, seed):
    p = SessionParams(
        mode="sticky", n_users=200, n_servers=4, scale_to=tuple(scale_to), kills=tuple(kills)
    )
    run = simulate_sessions(p, rng=rng(seed))
    by_bucket: dict[int, list] = {}
    for e in run.events:
        by_bucket.setdefault(int(round(e.t / p.t_bucket)), []).append(e)
    for b, evs in by_bucket.items():
        if len(evs) == 1 and evs[0].kind in ("kill", "scale-in"):
            held = sum(int(run.sessions[b, s]) for s in evs[0].servers)
            assert evs[0].n_lost == held, evs
        if len(evs) == 1 and evs[0].kind == "scale-out":
            assert evs[0].n_lost == 0  # a new cookie server takes nobody's session
    assert run.n_lost == sum(e.n_lost for e in run.events)


def test_cookie_relogin_is_the_load_balancers_least_connections():
    """The heap in the model gives the same placement as load_balancer.least_connections
    called once per login (the readable reference)."""
    from scalelab.load_balancer import least_connections

    p = SessionParams(mode="sticky", n_users=103, n_servers=5, kills=((20.0, 2),), t_end=30.0)
    run = simulate_sessions(p, rng=rng())
    before = np.arange(103) % 5
    active = np.bincount(before[before != 2], minlength=5).tolist()
    healthy = [True, True, False, True, True]
    want = before.copy()
    for u in np.flatnonzero(before == 2):
        s = least_connections(active, healthy)
        want[u] = s
        active[s] += 1
    np.testing.assert_array_equal(run.server_of, want)


def test_stateless_spread_is_the_load_balancers_round_robin():
    from scalelab.load_balancer import round_robin

    p = SessionParams(mode="token", n_users=300, n_servers=3, kills=((50.0, 1),), t_end=100.0)
    run = simulate_sessions(p, rng=rng(4))
    for b in range(run.t.size):
        live = run.live[b]
        got = np.rint(run.load[b][live] * p.t_bucket).astype(int)
        picks = round_robin(int(run.n_offered[b]), [True] * int(live.sum()))
        want = np.bincount(picks, minlength=int(live.sum()))
        assert sorted(got.tolist()) == sorted(want.tolist()), b


def test_sticky_hash_failure_loses_only_the_dead_server_but_a_resize_loses_more():
    """nginx's hash keeps the configured list on a failure; a scale event rewrites it."""
    p = SessionParams(mode="sticky", routing="hash", n_users=1200, n_servers=4, kills=((50.0, 1),))
    assert simulate_sessions(p, rng=rng()).n_lost == 300  # the dead server's quarter only
    p = SessionParams(
        mode="sticky", routing="hash", n_users=1200, n_servers=4, scale_to=((50.0, 3),)
    )
    run = simulate_sessions(p, rng=rng())
    uid = np.arange(1200)
    expected = int(np.count_nonzero(uid % 4 != uid % 3))
    assert run.n_lost == expected > 300  # user % 3 moves far more than the removed server's users


@given(
    mode=st.sampled_from(["sticky", "store", "token"]),
    routing=st.sampled_from(["cookie", "hash"]),
    kills=events,
    autoscale=st.booleans(),
    store=st.booleans(),
    seed=st.integers(0, 1000),
)
@FAST
def test_requests_are_conserved(mode, routing, kills, autoscale, store, seed):
    p = SessionParams(
        mode=mode,
        routing=routing,
        n_users=300,
        n_servers=2,
        rate_capacity=5.0,
        kills=tuple(kills),
        autoscale=autoscale,
        peak_factor=3.0,
        t_store_down=100.0 if store else None,
        t_store_up=200.0 if store else None,
    )
    run = simulate_sessions(p, rng=rng(seed))
    np.testing.assert_array_equal(run.n_offered, run.n_served + run.n_errors)
    reached = run.load.sum(axis=1) * p.t_bucket
    np.testing.assert_allclose(reached[run.n_live > 0], run.n_offered[run.n_live > 0])
    assert np.all(run.load[~run.live] == 0)
    assert np.all(run.n_served <= run.n_live * p.rate_capacity * p.t_bucket + 1e-9)


def test_measured_sticky_imbalance_matches_the_sum_of_activity_per_server():
    """Users of unequal activity pinned by cookie: the load measured over a long run matches
    the activity summed per server; a tier that ignored the pinning would measure about 1.0."""
    p = SessionParams(
        mode="sticky", n_users=40, n_servers=4, rate_user=2.0, sigma_activity=1.5, t_end=4000.0
    )
    run = simulate_sessions(p, rng=rng(7))
    measured = imbalance(run.load.sum(axis=0))
    direct = imbalance(sticky_load(run.rate_users, run.server_of, 4))
    assert direct > 1.3
    assert measured == pytest.approx(direct, rel=0.02)
    direct_per_server = sticky_load(run.rate_users, run.server_of, 4)
    np.testing.assert_allclose(run.load.mean(axis=0), direct_per_server, rtol=0.03)
    stateless = simulate_sessions(SessionParams(**{**p.__dict__, "mode": "store"}), rng=rng(7))
    assert imbalance(stateless.load.sum(axis=0)) < 1.01


def test_scale_out_does_not_help_cookie_sticky_without_churn():
    p = SessionParams(mode="sticky", n_users=400, n_servers=2, scale_to=((100.0, 4),))
    run = simulate_sessions(p, rng=rng())
    assert run.n_lost == 0
    assert np.all(run.load[-1, 2:] == 0)  # the new servers got nobody
    assert run.imbalance[-1] > 1.8


def test_store_outage_errors_and_wipe():
    base = dict(n_users=500, t_store_down=100.0, t_store_up=160.0)
    store = simulate_sessions(SessionParams(mode="store", **base), rng=rng())
    down = (store.t >= 100.0) & (store.t < 160.0)
    assert np.all(store.n_served[down] == 0) and np.all(
        store.n_errors[down] == store.n_offered[down]
    )
    assert store.lost_by_kind()["store-wipe"] == 500 == store.n_lost
    durable = simulate_sessions(SessionParams(mode="store", store_durable=True, **base), rng=rng())
    assert durable.n_lost == 0 and durable.n_errors.sum() == store.n_errors.sum()
    for mode in ("sticky", "token"):
        other = simulate_sessions(SessionParams(mode=mode, **base), rng=rng())
        assert other.n_lost == 0 and other.n_errors.sum() == 0


def test_latency_added_by_the_store_and_by_tokens():
    runs = {
        m: simulate_sessions(SessionParams(mode=m, sigma_activity=0.0), rng=rng()) for m in S.MODES
    }
    assert runs["store"].t_added == S.STORE_RTT and runs["token"].t_added == S.TOKEN_VERIFY
    gap = np.nanmean(runs["store"].latency) - np.nanmean(runs["token"].latency)
    assert gap == pytest.approx(S.STORE_RTT - S.TOKEN_VERIFY, rel=1e-6)
    assert runs["token"].t_revocation_window == 900.0 and runs["store"].t_revocation_window == 0.0


def test_autoscaler_follows_the_traffic():
    p = SessionParams(mode="token", peak_factor=3.0, autoscale=True, n_servers=2, n_max=20)
    run = simulate_sessions(p, rng=rng())
    mid = run.n_live[len(run.n_live) // 2]
    assert mid > run.n_live[0] and mid > run.n_live[-1]
    kinds = {e.kind for e in run.events}
    assert kinds == {"scale-out", "scale-in"}


def test_golden_run_is_reproducible():
    p = SessionParams(mode="sticky", peak_factor=2.0, autoscale=True, kills=((200.0, 0),))
    a, b = simulate_sessions(p, rng=rng(2026)), simulate_sessions(p, rng=rng(2026))
    np.testing.assert_array_equal(a.load, b.load)
    assert a.n_lost == b.n_lost
    # The autoscaler trims 4 -> 3 servers at 60 s (a quarter of 2,000 users logged out) and the
    # 500 re-login to the others; at 200 s server 0 holds 500 + a third of 500, rounded up.
    assert a.events[0].kind == "scale-in" and a.events[0].n_lost == 500
    assert a.lost_by_kind()["kill"] == 667


def test_everyone_killed_then_scaled_back():
    p = SessionParams(
        mode="sticky", n_users=100, n_servers=1, kills=((50.0, 0),), scale_to=((100.0, 2),)
    )
    run = simulate_sessions(p, rng=rng())
    assert run.n_lost == 100
    gone = (run.t >= 50.0) & (run.t < 100.0)
    assert np.all(run.n_live[gone] == 0) and np.all(run.n_served[gone] == 0)
    assert np.all(run.n_served[run.t >= 100.0] > 0)


# ---------------------------------------------------------------- the time-bucketed form


def test_buckets_form_losses():
    n = [4, 3, 3, 4]
    tier = SessionTier(mode="sticky", n_sessions=1200)
    sticky = sessions_buckets([80.0] * 4, 60.0, tier, n_servers=n)
    assert sticky.lost.tolist() == [0, 300, 0, 0]
    hashed = sessions_buckets(
        [80.0] * 4, 60.0, SessionTier(mode="sticky", routing="hash", n_sessions=1200), n_servers=n
    )
    assert hashed.lost[1] == 900 and hashed.lost[3] == 900
    store = sessions_buckets(
        [80.0] * 4, 60.0, SessionTier(mode="store", n_sessions=1200), n_servers=n,
        store_up=[True, False, True, True],
    )  # fmt: skip
    assert store.lost.tolist() == [0, 0, 1200, 0]
    assert store.rate_failed.tolist() == [0.0, 80.0, 0.0, 0.0]
    token = sessions_buckets([80.0] * 4, 60.0, SessionTier("token", n_sessions=1200), n_servers=n)
    assert token.lost.sum() == 0
    over = sessions_buckets([300.0], 1.0, SessionTier(rate_capacity=100.0), n_servers=[2])
    assert over.rate_failed.tolist() == [100.0] and over.rho.tolist() == [1.5]


def test_buckets_form_validates():
    with pytest.raises(ValueError, match="same length"):
        sessions_buckets([1.0, 2.0], 1.0, SessionTier(), n_servers=[1])
    with pytest.raises(ValueError, match="n_servers must be whole numbers"):
        sessions_buckets([1.0], 1.0, SessionTier(), n_servers=[1.5])
    with pytest.raises(ValueError, match="mode must be one of"):
        SessionTier(mode="x")


# ---------------------------------------------------------------- store and tokens


def test_session_store_copies_expires_and_fails():
    store = SessionStore(t_ttl=10.0)
    store.put("a", {"cart": []}, now=0.0)
    s = store.get("a", now=1.0)
    s["cart"].append("pen")
    assert store.get("a", now=2.0) == {"cart": []}  # not saved until put back
    store.put("a", s, now=5.0)
    assert store.get("a", now=14.0) == {"cart": ["pen"]}  # sliding expiry: 5 + 10
    assert store.get("a", now=15.0) is None
    store.up = False
    with pytest.raises(StoreUnavailable):
        store.get("a", now=1.0)
    assert isinstance(StoreUnavailable("x"), ConnectionError)
    store.up = True
    store.wipe()
    assert len(store) == 0 and store.n_gets == 4 and store.n_puts == 2


def test_tokens_reject_tampering_other_keys_expiry_and_revocation():
    key = b"k" * 32
    token = sign_token({"sub": "ada", "jti": "1"}, key, now=100.0, t_ttl=60.0)
    assert verify_token(token, key, now=159.9)["sub"] == "ada"
    assert verify_token(token, key, now=160.0) is None
    assert verify_token(token, b"other", now=101.0) is None
    assert verify_token(token, key, now=101.0, revoked={"1"}) is None
    header, payload, sig = token.split(".")
    forged = S._b64(S._unb64(payload).replace(b"ada", b"eve"))
    assert verify_token(f"{header}.{forged}.{sig}", key, now=101.0) is None
    for junk in ["", "a.b", "a.b.c", None, "x.y.z.w"]:
        assert verify_token(junk, key, now=0.0) is None
    with pytest.raises(ValueError, match="key must be non-empty bytes"):
        sign_token({}, "text", now=0.0)


# ---------------------------------------------------------------- the widget


def test_explorer_responds_to_every_control_quickly():
    from scalelab.widgets.sessions import explore_sessions

    ex = explore_sessions()
    first = next(iter(ex.controls))
    assert first == "n_servers"
    before_caption = ex.caption.value
    before_y = [list(tr.y) for tr in ex.figure.data if tr.y is not None]
    ex.controls["n_servers"].value = 8
    assert ex.caption.value != before_caption
    assert [list(tr.y) for tr in ex.figure.data if tr.y is not None] != before_y
    assert "8 servers" in ex.caption.value
    for name, value in [("mode", "store"), ("autoscale", True), ("store_outage", True)]:
        old = ex.caption.value
        ex.controls[name].value = value
        assert ex.caption.value != old, name
    ex.controls["mode"].value = "sticky-cookie"
    ex.controls["kill"].value = False
    ex.controls["autoscale"].value = False
    assert "Sessions lost in all: 0," in ex.caption.value
    # Each mode tells its own story (how fast a switch is: `make bench`, bench_explorers).
    captions = set()
    for mode in ("sticky-cookie", "sticky-hash", "store", "token"):
        ex.controls["mode"].value = mode
        captions.add(ex.caption.value)
    assert len(captions) == 4, captions


GOLDEN_DRILLS = {  # quoted in the Summary of 09-stateless-web: change both together
    "sticky-cookie": ((500, 500, 0), dict(mode="sticky", routing="cookie")),
    "sticky-hash": ((500, 1499, 0), dict(mode="sticky", routing="hash")),
    "store": ((0, 0, 2000), dict(mode="store")),
    "token": ((0, 0, 0), dict(mode="token")),
}


@pytest.mark.parametrize("design", list(GOLDEN_DRILLS))
def test_golden_failure_drills_of_the_chapter(design):
    want, mode = GOLDEN_DRILLS[design]
    drills = [
        dict(kills=((200.0, 0),)),
        dict(scale_to=((400.0, 3),)),
        dict(t_store_down=300.0, t_store_up=360.0),
    ]
    got = []
    for change in drills:
        p = SessionParams(n_servers=4, peak_factor=2.0, t_session=900.0, **mode, **change)
        got.append(simulate_sessions(p, rng=np.random.default_rng(2026)))
    assert tuple(r.n_lost for r in got) == want
    if design == "store":
        assert got[2].error_ratio == pytest.approx(0.122, abs=0.001)
