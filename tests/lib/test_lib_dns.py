"""scalelab.dns: zones, the recursive resolver and its trace, the TTL cache, caching in numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import dns
from scalelab.dns import (
    Namespace,
    QueryStream,
    Record,
    Resolver,
    ResolverCache,
    TTLCache,
    Zone,
    count_misses,
    expected_cache_stats,
    hit_ratio,
    mean_lookup_time,
    parse_zone,
    resolver_buckets,
    simulate_cache,
)

pytestmark = pytest.mark.lib

ZONES = {
    ".": """$TTL 172800
com.  NS a.gtld-servers.test.
org.  NS a.org-servers.test.
""",
    "com.": """$TTL 172800
example  NS ns1.example.com.
cdnhost  NS ns1.cdnhost.com.
""",
    "org.": """$TTL 172800
loop NS ns.loop.org.
""",
    "example.com.": """$TTL 300
@      IN SOA ns1 hostmaster 1 7200 900 1209600 60
@      NS   ns1
ns1    A    192.0.2.53
www 60 A    192.0.2.10
www    AAAA 2001:db8::10
api    CNAME www
static CNAME edge.cdnhost.com.
deep.sub A 192.0.2.99   ; makes sub.example.com an empty non-terminal
""",
    "cdnhost.com.": """$TTL 20
edge A 203.0.113.7
""",
    "loop.org.": """$TTL 60
a CNAME b
b CNAME a
""",
}


@pytest.fixture
def ns() -> Namespace:
    return Namespace.from_text(ZONES)


# --- zones -----------------------------------------------------------------------------------


def test_parse_zone_reads_ttls_relative_names_and_soa():
    z = parse_zone(ZONES["example.com."], "example.com")
    got = {(r.name, r.rtype): (r.t_ttl, r.value) for r in z.records}
    assert got[("www.example.com.", "A")] == (60, "192.0.2.10")
    assert got[("www.example.com.", "AAAA")] == (300, "2001:db8::10")
    assert got[("api.example.com.", "CNAME")] == (300, "www.example.com.")
    assert got[("static.example.com.", "CNAME")] == (300, "edge.cdnhost.com.")
    assert z.t_negative == 60  # SOA minimum
    assert all(r.rtype != "SOA" for r in z.records)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("www -5 A 192.0.2.1", "t_ttl must be >= 0"),
        ("$TTL -5\nwww A 192.0.2.1", "t_ttl must be >= 0"),
        ("www 60 FOO 192.0.2.1", "unknown record type 'FOO'"),
        ("www 60 MX 10 mail", "record type MX"),
        ("bad..name 60 A 192.0.2.1", "malformed zone text"),
        ("www 60 A 999.1.1.1", "malformed zone text"),
        ("www 60 A 192.0.2.1\nwww 60 CNAME other", "malformed zone text"),
    ],
)
def test_parse_zone_errors_are_clear(text, message):
    with pytest.raises(ValueError, match=message):
        parse_zone(text, "example.com")


@pytest.mark.parametrize(
    "name", ["", "a..b", "-bad.com", "bad-.com", "x" * 64 + ".com", "sp ace.com", 42]
)
def test_malformed_names_raise(name):
    with pytest.raises(ValueError, match="domain name"):
        dns.normalize_name(name)


def test_record_validation():
    with pytest.raises(ValueError, match="t_ttl must be in"):
        Record("www.example.com", "A", -1, "192.0.2.1")
    with pytest.raises(ValueError, match="rtype must be one of"):
        Record("www.example.com", "TXT", 60, "hello")
    with pytest.raises(ValueError, match="IPv4"):
        Record("www.example.com", "A", 60, "2001:db8::1")
    with pytest.raises(ValueError, match="outside the zone"):
        Zone("example.com", (Record("www.example.org", "A", 60, "192.0.2.1"),))
    with pytest.raises(ValueError, match="CNAME and other"):
        Zone(
            "example.com",
            (
                Record("a.example.com", "CNAME", 60, "b.example.com"),
                Record("a.example.com", "A", 60, "192.0.2.1"),
            ),
        )


def test_zone_answers_every_kind(ns):
    z = ns.zones["example.com."]
    assert z.answer("www.example.com").kind == "answer"
    assert z.answer("api.example.com", "A").kind == "cname"
    assert z.answer("api.example.com", "CNAME").kind == "answer"
    assert z.answer("www.example.com", "NS").kind == "nodata"
    assert z.answer("sub.example.com").kind == "nodata"  # empty non-terminal exists
    assert z.answer("nope.example.com").kind == "nxdomain"
    referral = ns.zones["."].answer("www.example.com")
    assert (referral.kind, referral.next_zone) == ("referral", "com.")
    assert [r.value for r in referral.records] == ["a.gtld-servers.test."]
    with pytest.raises(ValueError, match="not in the zone"):
        z.answer("www.example.org")
    with pytest.raises(ValueError, match="qtype must be one of"):
        z.answer("www.example.com", "MX")


# --- the resolver and its trace ---------------------------------------------------------------


def test_golden_trace_of_a_cold_lookup(ns):
    res = Resolver(ns).resolve("WWW.example.com")
    assert res.rcode == "NOERROR" and res.addresses == ("192.0.2.10",)
    assert [(h.server, h.kind) for h in res.hops] == [
        ("resolver", "cache-miss"),
        (".", "referral"),
        ("com.", "referral"),
        ("example.com.", "answer"),
    ]
    want = [dns.T_CLIENT, dns.T_ROOT, dns.T_TLD, dns.T_AUTH]
    assert [h.t_latency for h in res.hops] == want
    assert res.t_total == pytest.approx(sum(want))
    assert res.n_upstream == 3 and not res.from_cache


def test_cache_hit_then_expiry_then_cached_delegation(ns):
    r = Resolver(ns)
    r.resolve("www.example.com", t_now=0.0)
    hit = r.resolve("www.example.com", t_now=59.9)
    assert hit.from_cache and hit.t_total == pytest.approx(dns.T_CLIENT)
    assert hit.answers[0].t_ttl == 1  # the TTL counts down while cached
    again = r.resolve("www.example.com", t_now=60.0)  # exactly at expiry: a miss
    assert [h.server for h in again.hops] == ["resolver", "example.com."]  # delegation cached
    assert (r.n_hits, r.n_misses) == (1, 2)


def test_cname_across_zones_and_loops(ns):
    r = Resolver(ns)
    res = r.resolve("static.example.com")
    assert res.addresses == ("203.0.113.7",)
    assert [x.rtype for x in res.answers] == ["CNAME", "A"]
    assert [h.server for h in res.hops][-2:] == ["com.", "cdnhost.com."]
    assert r.resolve("api.example.com").addresses == ("192.0.2.10",)
    with pytest.raises(ValueError, match=r"CNAME loop: a.loop.org. -> b.loop.org. -> a.loop.org."):
        r.resolve("a.loop.org")


def test_nxdomain_nodata_servfail_are_results_not_crashes(ns):
    r = Resolver(ns)
    nx = r.resolve("nope.example.com", t_now=0.0)
    assert nx.rcode == "NXDOMAIN" and nx.addresses == ()
    cached = r.resolve("nope.example.com", t_now=30.0)  # negative caching (SOA minimum 60 s)
    assert cached.rcode == "NXDOMAIN" and cached.from_cache
    assert r.resolve("nope.example.com", t_now=61.0).n_upstream == 1
    assert r.resolve("nothing.test").rcode == "NXDOMAIN"
    nodata = r.resolve("www.example.com", "NS")
    assert nodata.rcode == "NOERROR" and nodata.answers == ()
    lame = Namespace.from_text({".": "com. NS a.test.\n"})
    sf = Resolver(lame).resolve("x.com")
    assert sf.rcode == "SERVFAIL" and sf.hops[-1].kind == "servfail"


def test_resolver_validates_its_inputs(ns):
    r = Resolver(ns)
    with pytest.raises(ValueError, match="qname must be a domain name"):
        r.resolve("bad..name")
    with pytest.raises(ValueError, match="qtype must be one of"):
        r.resolve("www.example.com", "SRV")
    with pytest.raises(ValueError, match="root zone"):
        Namespace({"com.": parse_zone("x A 192.0.2.1", "com")})


def test_answer_policy_plug_in_answers_by_client():
    """The hook GeoDNS uses: the zone's server picks records by who asks."""
    text = {
        ".": "com. NS a.test.",
        "com.": "shop NS ns.shop.com.",
        "shop.com.": "www 30 A 192.0.2.1\nwww 30 A 198.51.100.1",
    }
    ns = Namespace.from_text(text)
    eu = {"eu": "192.0.2.1", "us": "198.51.100.1"}

    def nearest(query, records):
        return tuple(r for r in records if r.value == eu[query.client])

    geo = ns.with_zone(ns.zones["shop.com."].with_policy(nearest))
    assert Resolver(geo, client="eu").resolve("www.shop.com").addresses == ("192.0.2.1",)
    assert Resolver(geo, client="us").resolve("www.shop.com").addresses == ("198.51.100.1",)
    assert len(Resolver(ns).resolve("www.shop.com").addresses) == 2  # no policy: both
    rtt = Namespace.from_text(text, t_rtt=lambda origin, client: 0.1 if client == "far" else 0.01)
    assert Resolver(rtt, client="far", t_client=0).resolve("www.shop.com").t_total == pytest.approx(
        0.3
    )


# --- properties ------------------------------------------------------------------------------

LABELS = st.sampled_from(["a", "b", "c", "www", "api"])


@st.composite
def namespaces(draw):
    """A random tree of zones (depth <= 4) with A records, CNAMEs (maybe loops) and TTLs."""
    origins = ["."]
    frontier = ["."]
    for _ in range(draw(st.integers(1, 6))):
        parent = draw(st.sampled_from(frontier))
        label = draw(LABELS)
        child = f"{label}." if parent == "." else f"{label}.{parent}"
        if child in origins or child.count(".") > 4:
            continue
        origins.append(child)
        frontier.append(child)
    texts = {o: [] for o in origins}
    for o in origins[1:]:
        parent = o.split(".", 1)[1] or "."
        texts[parent].append(f"{o} NS ns.{o}")
    names = []
    for o in origins:
        for label in draw(st.lists(LABELS, max_size=3, unique=True)):
            name = f"{label}.{o}" if o != "." else f"{label}."
            if name in origins or name in names:
                continue
            names.append(name)
    delegated = {c for o in origins for c in origins if c != o}
    for name in names:
        owner = next(o for o in sorted(origins, key=len, reverse=True) if dns._is_under(name, o))
        if any(dns._is_under(name, c) and c != owner for c in delegated):
            continue
        ttl = draw(st.integers(0, 50))
        if draw(st.booleans()) and names:
            texts[owner].append(f"{name} {ttl} CNAME {draw(st.sampled_from(names))}")
        else:
            texts[owner].append(f"{name} {ttl} A 192.0.2.{draw(st.integers(1, 254))}")
    return Namespace.from_text({o: "\n".join(t) for o, t in texts.items()}), names


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(namespaces(), st.data())
def test_resolver_never_loops_nor_asks_more_than_the_chain(space, data):
    ns, names = space
    if not names:
        return
    r = Resolver(ns)
    t = 0.0
    for _ in range(data.draw(st.integers(1, 8))):
        t += data.draw(st.floats(0, 30))
        qname = data.draw(st.sampled_from(names))
        try:
            res = r.resolve(qname, t_now=t)
        except ValueError as err:
            assert "CNAME" in str(err)
            continue
        # The trace adds up to the total.
        assert math.isclose(res.t_total, sum(h.t_latency for h in res.hops))
        # Per name in the CNAME chain, never more hops than its delegation chain, none repeated.
        per_name: dict[str, list[str]] = {}
        for h in res.hops[1:]:
            per_name.setdefault(h.qname, []).append(h.server)
        for name, servers in per_name.items():
            assert len(servers) == len(set(servers))
            assert len(servers) <= len(ns.delegation_chain(name))
        assert len(per_name) <= r.max_chain + 1


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    st.integers(0, 40),
    st.lists(st.floats(0, 20, allow_nan=False), min_size=1, max_size=25),
)
def test_a_cached_answer_is_never_served_after_its_ttl(ttl, gaps):
    ns = Namespace.from_text(
        {".": "com. NS a.test.", "com.": "x NS ns.x.com.", "x.com.": f"www {ttl} A 192.0.2.1"}
    )
    r = Resolver(ns)
    fetched = None
    t = 0.0
    for gap in gaps:
        t += gap
        res = r.resolve("www.x.com", t_now=t)
        if res.from_cache:
            assert fetched is not None and t < fetched + ttl, (t, fetched, ttl)
            left = res.answers[0].t_ttl
            assert 0 < left <= ttl and left >= fetched + ttl - t - 1e-9
        else:
            assert fetched is None or t >= fetched + ttl
            fetched = t


def test_ttl_cache_direct():
    c = TTLCache()
    key = ("a.", "A")
    rec = (Record("a", "A", 10, "192.0.2.1"),)
    c.put(key, rec, 5.0)
    assert c.get(key, 14.999) is not None and c.get(key, 15.0) is None
    c.put(key, rec, 0.0, t_ttl=0)
    assert c.get(key, 0.0) is None and len(c) == 0
    assert (c.n_hits, c.n_misses) == (1, 2)
    with pytest.raises(ValueError, match="t_ttl is needed"):
        c.put(key, (), 0.0)


# --- caching in numbers ------------------------------------------------------------------------


def _reference_misses(times, keys, ttl):
    """The readable version: a dict cache, one query at a time in time order."""
    expires: dict[int, float] = {}
    miss = np.zeros(len(times), dtype=bool)
    for i in sorted(range(len(times)), key=lambda i: (times[i], i)):
        k = int(keys[i])
        if k not in expires or times[i] >= expires[k]:
            miss[i] = True
            expires[k] = times[i] + ttl
    return miss


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 3)), max_size=60),
    st.integers(0, 30),
)
def test_vectorised_misses_match_the_readable_reference(queries, ttl):
    times = np.array([q[0] / 4 for q in queries], dtype=float)
    keys = np.array([q[1] for q in queries], dtype=np.int64)
    got = count_misses(times, keys, float(ttl))
    want = _reference_misses(times, keys, float(ttl))
    # Ties in time within one key: the order of equal times does not change the count.
    assert int(got.sum()) == int(want.sum())


def test_simulation_agrees_with_the_resolver_itself():
    rng = np.random.default_rng(3)
    stream = QueryStream(2.0, n_names=3, zipf_s=1.0)
    times, _res, names = dns.sample_queries(stream, 200.0, rng=rng)
    fast = count_misses(times, names, 5.0)
    zone = "\n".join(f"n{k} 5 A 192.0.2.{k + 1}" for k in range(3))
    r = Resolver(Namespace.from_text({".": "test. NS a.test.", "test.": zone}))
    slow = [
        not r.resolve(f"n{k}.test", t_now=float(t)).from_cache
        for t, k in zip(times, names, strict=True)
    ]
    assert int(fast.sum()) == sum(slow)


@pytest.mark.parametrize(
    ("lam", "ttl", "seed"), [(1.0, 9.0, 1), (0.05, 30.0, 2), (10.0, 0.5, 3), (0.2, 300.0, 4)]
)
def test_poisson_hit_ratio_matches_renewal_formula(lam, ttl, seed):
    """lam*T/(1+lam*T) within 4 standard errors; a wrong formula falls outside the band."""
    n_cycles = 4000
    mu = ttl + 1 / lam  # mean cycle: a TTL period then a wait for the next query
    duration = n_cycles * mu
    s = simulate_cache(QueryStream(lam), ttl, duration, rng=np.random.default_rng(seed))
    want = hit_ratio(lam, ttl)
    # Renewal-reward: each cycle is one miss plus X ~ Poisson(lam*T) hits, and the hit ratio is
    # sum(X) / sum(1 + X); by the delta method its standard error over n cycles is
    # (1 - h) * sqrt(m) / ((1 + m) * sqrt(n)) with m = lam*T.
    m = lam * ttl
    se = (1 - want) * math.sqrt(m) / ((1 + m) * math.sqrt(n_cycles))
    assert abs(s.hit_ratio - want) < 4 * se, (s.hit_ratio, want, se)
    wrong = 1 - math.exp(-lam * ttl)  # "probability the name was queried within one TTL"
    if abs(wrong - want) > 8 * se:
        assert abs(s.hit_ratio - wrong) > 4 * se


def test_expected_stats_match_simulation_with_many_names_and_resolvers():
    stream = QueryStream(50.0, n_names=20, zipf_s=1.1, n_resolvers=5)
    sim = simulate_cache(stream, 30.0, 4000.0, rng=np.random.default_rng(11))
    exp = expected_cache_stats(stream, 30.0, 4000.0)
    assert sim.hit_ratio == pytest.approx(exp.hit_ratio, abs=0.01)
    assert sim.rate_upstream == pytest.approx(exp.rate_upstream, rel=0.05)
    assert exp.t_mean_lookup == pytest.approx(
        mean_lookup_time(exp.hit_ratio, dns.T_CLIENT, dns.T_CLIENT + dns.T_AUTH)
    )


def test_simulation_is_seeded():
    stream = QueryStream(5.0, n_names=4)
    a = simulate_cache(stream, 10.0, 500.0, rng=np.random.default_rng(5))
    b = simulate_cache(stream, 10.0, 500.0, rng=np.random.default_rng(5))
    assert a == b
    with pytest.raises(ValueError, match="rng must be"):
        simulate_cache(stream, 10.0, 500.0, rng=5)


def test_buckets_match_the_steady_state_and_validate():
    rates = np.array([0.0, 1.0, 20.0, 300.0])
    resolvers = ResolverCache(30.0, n_names=10, zipf_s=0.9, n_resolvers=4)
    b = resolver_buckets(rates, 60.0, resolvers)
    for k, rate in enumerate(rates[1:], start=1):
        e = expected_cache_stats(QueryStream(rate, 10, 0.9, 4), 30.0, 60.0)
        assert b.hit_ratio[k] == pytest.approx(e.hit_ratio)
        assert b.n_upstream[k] == pytest.approx(e.n_upstream)
    assert b.hit_ratio[0] == 0.0 and b.rate_upstream[0] == 0.0
    assert b.t_mean_lookup.shape == (4,)
    with pytest.raises(ValueError, match="rate_queries"):
        resolver_buckets([1.0, -2.0], 60.0, ResolverCache(30.0))
    with pytest.raises(ValueError, match="t_bucket"):
        resolver_buckets([1.0], 0.0, ResolverCache(30.0))


def test_formula_helpers_validate():
    assert hit_ratio(0.0, 100.0) == 0.0 and hit_ratio(5.0, 0.0) == 0.0
    assert hit_ratio(np.array([1.0, 3.0]), 1.0).tolist() == [0.5, 0.75]
    with pytest.raises(ValueError, match="rate"):
        hit_ratio(-1.0, 10.0)
    with pytest.raises(ValueError, match="t_ttl"):
        hit_ratio(1.0, -10.0)
    with pytest.raises(ValueError, match="p_hit"):
        mean_lookup_time(1.5, 0.01, 0.1)
    with pytest.raises(ValueError, match="n_resolvers"):
        QueryStream(1.0, n_resolvers=0)


# --- widgets ---------------------------------------------------------------------------------


def test_cache_explorer_every_control_changes_figure_and_caption():
    from scalelab.widgets.dns import explore_resolver_cache

    ex = explore_resolver_cache()
    first = next(iter(ex.controls.values()))
    assert type(first).__name__.endswith("Slider"), "the first control must be a slider"
    assert "96.8% of lookups" in ex.caption.value
    for name, value in [("t_ttl", 10.0), ("rate_queries", 1000.0), ("n_resolvers", 7)]:
        before_caption, before_y = ex.caption.value, list(ex.figure.data[2].y)
        ex.controls[name].value = value
        assert ex.caption.value != before_caption, name
        assert list(ex.figure.data[2].y) != before_y or name == "t_ttl", name
    # The marker sits on the formula curve, and the simulation is near it.
    h = hit_ratio(1000.0 / 7, 10.0)
    assert ex.figure.data[2].y[0] == pytest.approx(100 * h)
    assert abs(ex.figure.data[3].y[0] - 100 * h) < 1.0


def test_resolution_explorer_steps_through_the_trace():
    from scalelab.widgets.dns import explore_resolution, trace_figure, trace_steps

    ex = explore_resolution()
    step = ex.controls["step"]
    assert step.max == 5 and "The browser asks the resolver" in ex.caption.value
    step.value = 3
    assert "com. server" in ex.caption.value and sum(x > 0 for x in ex.figure.data[0].x) == 3
    ex.controls["name"].value = "static.example.com"
    assert step.max == 7
    ex.controls["warm"].value = True
    assert step.max == 2 and "replies 203.0.113.7" in ex.caption.value
    step.value = 1
    assert "fresh answer cached" in ex.caption.value
    res = Resolver(dns.example_namespace()).resolve("www.example.com")
    steps = trace_steps(res)
    assert sum(s["duration"] for s in steps) == pytest.approx(res.t_total)
    assert all(
        a["start"] + a["duration"] == pytest.approx(b["start"])
        for a, b in zip(steps[:-1], steps[1:], strict=True)
    )
    assert len(trace_figure(res).data[0].y) == len(steps)


def test_static_figures_render_as_plotly_json_without_the_renderers():
    from scalelab.http import page_load
    from scalelab.widgets.dns import StaticFigure, page_load_figure, trace_figure

    res = Resolver(dns.example_namespace()).resolve("static.example.com")
    for fig in (trace_figure(res), page_load_figure({"cold": page_load(res.t_total)})):
        assert isinstance(fig, StaticFigure)
        bundle = fig._repr_mimebundle_()
        spec = bundle["application/vnd.plotly.v1+json"]
        assert {"data", "layout"} <= set(spec) <= {"data", "layout", "config"} and spec["data"]
        assert bundle["text/plain"].startswith("<plotly figure:")
    assert len(page_load_figure({"a": page_load(0.1)}).data) == 4  # one bar trace per part
