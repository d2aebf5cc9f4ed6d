"""Content delivery networks: edge caches near users, an origin shield, outages and failover.

A user in Tokyo who loads a page from a web server in Virginia waits about 170 ms for every
round trip, however fast the server is: light in fibre is that slow over that distance. A
**content delivery network** (CDN) rents space in hundreds of data centres close to users, its
**edges** (points of presence), and runs a cache in each. A request for ``/static/app.css`` goes
to the nearest edge; on a hit the edge answers in a few milliseconds; on a miss it fetches the
object from the **origin** (your own servers), stores it for as long as the response's
``Cache-Control: max-age`` (the **TTL**) allows, and serves it. Every hit is a request the origin
never sees: the share of requests kept away from the origin is the **offload**.

This module is built on :mod:`scalelab.cache` (chapter 05): an edge is one of its caches, with
its policies, TTLs, traces and Che's approximation. What it adds:

- **Request-level replay** (:func:`simulate_cdn`): a :class:`~scalelab.cache.Trace` whose
  requests come from several regions, one edge cache per region (any policy of
  :data:`scalelab.cache.POLICIES`, with a TTL), an optional **origin shield** (one more cache
  between the edges and the origin, so N edges missing the same object cost the origin one
  fetch, not N), and an origin that publishes new versions of objects. Invalidation by TTL
  alone, by **purge** (an API call that deletes an object from every tier after a propagation
  delay) or by **versioned URLs** (``app.css?v=2``: a new version is a new cache key).
- **TTL analytics** for independent (Poisson) requests: :func:`ttl_hit_ratio` (a TTL cache
  fetches an object, then serves it until it expires: ``lam*T/(1 + lam*T)`` of an object's
  requests hit; Jung, Berger and Balakrishnan 2003), :func:`origin_rate` for many edges with or
  without a shield, and :func:`p_stale` (the share of hits that return an outdated copy).
- **A time-bucketed drill** (:func:`simulate_cdn_buckets`, :func:`summarise`): request rate per
  bucket in; offload, origin load, failed requests, latency percentiles per region, stale
  responses and cost per bucket out. It injects a CDN **outage** (:class:`Outage`, in all
  regions or some) and applies a **strategy** (:data:`STRATEGIES`): do nothing, fail over to the
  origin, fail over to a second CDN (multi-CDN, optionally kept warm with a share of traffic), or
  reroute to the CDN's healthy edges in other regions (edge redundancy). Static and dynamic
  content (short TTLs: *microcaching*) and the users' own caches (browser or app: local caching)
  are part of the picture. The capstone composes this form.

Simplifications: every object has the same size; all regions share one popularity ranking; the
edges keep every object until its TTL runs out unless the edge's capacity (objects) is the tighter
limit (then Che's approximation for LRU applies); each tier counts its TTL from its own fetch (real
CDNs honour the ``Age`` header); an edge that was down comes back empty (a restarted cache) unless
``Outage.cold`` is False; clients return to the primary CDN the moment it is back; the origin is a
single queue (latency ``t_origin / (1 - u)``, ``u`` capped at 0.99; requests beyond its capacity
fail); a request that fails costs the user a timeout. Latencies are round trips from
:mod:`scalelab.geo`; prices are list prices of the order of 2024's, for illustration.

>>> trace = make_trace("zipf", n_objects=1_000, n_requests=20_000, alpha=0.9,
...                    rng=np.random.default_rng(1))
>>> simulate_cdn(trace, n_capacity=100).offload == hit_ratio(trace, "lru", 100)
True
>>> round(ttl_hit_ratio([10.0], 1.0), 4)  # 10 requests/s, 1 s TTL: 1 miss, then 10 hits
0.9091
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from scalelab.cache import (
    POLICIES,
    Trace,
    che_characteristic_time,
    hit_ratio,
    make_cache,
    make_trace,
    zipf_popularity,
)
from scalelab.geo import BACKBONE_RTT_MS, DEFAULT_USERS_M, REGIONS, T_ACCESS_MS
from scalelab.validate import (
    check_choice,
    check_int,
    check_number,
    check_probability,
    check_rng,
)

__all__ = [
    "REGIONS",
    "STRATEGIES",
    "INVALIDATIONS",
    "ORIGIN_REGION",
    "T_EDGE",
    "T_LOCAL",
    "T_ORIGIN",
    "T_TIMEOUT",
    "PRICE_CDN_GB",
    "PRICE_ORIGIN_GB",
    "PRICE_SHIELD_10K",
    "PRICE_SECOND_GB",
    "SECOND_COMMIT_HOUR",
    "rtt_to_origin",
    "assign_regions",
    "ttl_hit_ratio",
    "origin_rate",
    "p_stale",
    "CDNRun",
    "simulate_cdn",
    "CDN",
    "Outage",
    "CDNBuckets",
    "simulate_cdn_buckets",
    "DrillSummary",
    "summarise",
    "Plan",
    "Scenario",
    "run_drill",
]

STRATEGIES = ("none", "origin", "multi-cdn", "redundant")
"""What happens to the requests of a region whose CDN edge is down (see :func:`simulate_cdn_buckets`):
``"none"``: they fail until the edge is back; ``"origin"``: after ``t_detect`` clients go straight
to the origin; ``"multi-cdn"``: after ``t_detect`` they go to a second CDN; ``"redundant"``: after
``t_reroute`` the CDN sends them to its nearest healthy edge in another region (to the origin if
none is left)."""

INVALIDATIONS = ("ttl", "purge", "versioned")
"""How a changed static object reaches users: wait for the TTL, purge it, or change its URL."""

ORIGIN_REGION = "na-east"
"""Where the origin (and the origin shield, which CDNs place next to it) stands."""

T_EDGE = T_ACCESS_MS / 1000
"""Round trip (s) from a user to a CDN edge in the user's own metro area: the access network
(20 ms; :data:`scalelab.geo.T_ACCESS_MS`). Large CDNs place edges within a few tens of
milliseconds of most users (Nygren, Sitaraman and Sun, 'The Akamai network', 2010)."""

T_LOCAL = 0.001
"""A response from the user's own cache (browser or app storage), seconds: no network at all."""

T_ORIGIN = 0.030
"""Time (s) the idle origin takes to produce a response (read a file, render a page), before
queueing: illustrative, of the order of an application server's work per request."""

T_TIMEOUT = 10.0
"""What a failed request costs the user (s): a client that gives up after 10 s (a common HTTP
client timeout; browsers wait longer)."""

PRICE_CDN_GB = 0.085
"""CDN data transfer out, $/GB (Amazon CloudFront, first 10 TB/month, North America and Europe;
https://aws.amazon.com/cloudfront/pricing/, 2024)."""

PRICE_ORIGIN_GB = 0.09
"""Origin data transfer out to the internet or a CDN, $/GB (Amazon EC2, first 10 TB/month;
https://aws.amazon.com/ec2/pricing/on-demand/, 2024)."""

PRICE_SHIELD_10K = 0.0075
"""Origin-shield request fee, $ per 10,000 requests that reach the shield (CloudFront Origin
Shield, North America, 2024)."""

PRICE_SECOND_GB = 0.10
"""A second CDN's transfer price, $/GB: illustrative (a smaller contract pays more per GB)."""

SECOND_COMMIT_HOUR = 6.0
"""A second CDN's minimum commitment, $ per hour (about $4,400 a month): illustrative; CDN
contracts commonly carry a monthly minimum whether or not traffic flows."""

_REGION_INDEX = {r: i for i, r in enumerate(REGIONS)}
_ORIGIN = _REGION_INDEX[ORIGIN_REGION]
_GB = 1e-6  # kilobytes -> gigabytes


def rtt_to_origin(region: str) -> float:
    """Round trip (s) from a user in ``region`` to the origin: access network plus backbone.

    >>> rtt_to_origin("na-east"), rtt_to_origin("asia")
    (0.02, 0.17)
    """
    check_choice("region", region, REGIONS)
    return round(T_EDGE + float(BACKBONE_RTT_MS[_REGION_INDEX[region], _ORIGIN]) / 1000, 6)


def assign_regions(n_requests: int, rng: np.random.Generator, users=None) -> np.ndarray:
    """The user region (index into :data:`REGIONS`) of each of ``n_requests`` requests, drawn
    independently in proportion to ``users`` (default :data:`scalelab.geo.DEFAULT_USERS_M`).

    >>> regions = assign_regions(10_000, np.random.default_rng(0))
    >>> int(regions.min()) >= 0 and int(regions.max()) < len(REGIONS)
    True
    """
    n = check_int("n_requests", n_requests, low=0, high=20_000_000)
    check_rng(rng)
    weights = np.asarray(
        [DEFAULT_USERS_M[r] for r in REGIONS] if users is None else users, dtype=float
    )
    if weights.shape != (len(REGIONS),) or not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"users must give a number >= 0 for each of the {len(REGIONS)} regions")
    if weights.sum() <= 0:
        raise ValueError("users must not all be 0")
    return rng.choice(len(REGIONS), size=n, p=weights / weights.sum())


# --------------------------------------------------------------------------------------------
# TTL analytics (independent requests)
# --------------------------------------------------------------------------------------------


def _rates(rates, name: str = "rates") -> np.ndarray:
    lam = np.asarray(rates, dtype=float)
    if lam.ndim == 0:
        lam = lam.reshape(1)
    if lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError(f"{name} must be a non-empty array of request rates (requests/s) >= 0")
    return lam


def _ttl_occupancy(lam: np.ndarray, t_ttl) -> np.ndarray:
    x = lam * t_ttl
    return x / (1.0 + x)


def ttl_hit_ratio(rates, t_ttl: float) -> float:
    """Hit ratio of one TTL cache whose objects are requested at ``rates`` (requests/s each).

    The first request after an object expires misses and fetches it; the copy is then served for
    ``t_ttl`` seconds, during which ``lam * t_ttl`` requests arrive on average, all hits. So a
    share ``lam*T / (1 + lam*T)`` of the object's requests hit, and the cache's hit ratio is that
    share averaged over objects *weighted by their rates* (busy objects count more).

    >>> round(ttl_hit_ratio([1.0, 0.1], 60.0), 4)  # 98 % hits for one, 86 % for the other
    0.9721
    >>> ttl_hit_ratio([5.0], 0.0)
    0.0
    """
    lam = _rates(rates)
    t = check_number("t_ttl", t_ttl, low=0)
    total = lam.sum()
    if total == 0:
        return 0.0
    return float(np.sum(lam * _ttl_occupancy(lam, t)) / total)


def origin_rate(edge_rates, t_ttl: float, *, shield: bool = False) -> float:
    """Requests/s that reach the origin from several TTL edges, with or without a shield.

    ``edge_rates[e][k]`` is the rate (requests/s) of object ``k`` at edge ``e``. Each edge misses
    object ``k`` at ``lam/(1 + lam*T)`` per second, once per TTL at most. Without a shield every
    edge's misses reach the origin; a shield is one more TTL cache that receives all edges'
    misses, ``m_k``, and passes on only ``m_k/(1 + m_k*T)``. (Treating an edge's misses as a
    Poisson stream is an approximation; they are more regular than that.)

    >>> rates = [[1.0, 0.1]] * 6  # six edges, two objects
    >>> round(origin_rate(rates, 60.0), 3), round(origin_rate(rates, 60.0, shield=True), 3)
    (0.184, 0.028)
    """
    lam = np.asarray(edge_rates, dtype=float)
    if lam.ndim == 1:
        lam = lam[None, :]
    if lam.ndim != 2 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError("edge_rates must be a 2-d array [edge][object] of requests/s >= 0")
    t = check_number("t_ttl", t_ttl, low=0)
    misses = lam / (1.0 + lam * t)
    if not shield:
        return float(misses.sum())
    m = misses.sum(axis=0)
    return float(np.sum(m / (1.0 + m * t)))


def p_stale(t_ttl: float, rate_update: float, invalidation: str = "ttl", t_purge: float = 0.0):
    """Share of cache hits that return an outdated copy of an object updated at ``rate_update``.

    The object changes at the origin as a Poisson process (``rate_update`` per second). With
    ``"ttl"`` a copy is served for ``T = t_ttl`` seconds whatever happens: a hit finds a copy of
    age uniform in ``[0, T)``, stale if an update came since, ``1 - (1 - e^{-uT})/(uT)``. With
    ``"purge"`` each update is followed by a purge that removes the copy ``t_purge`` s later, so
    copies are stale for at most that long: about ``u*t_p/(1 + u*t_p)``, and never more than
    with the TTL alone. ``"versioned"``: a new version has a new URL, so no hit is ever stale.

    >>> round(p_stale(3600, 1 / 3600), 3)  # updated hourly, cached for an hour
    0.368
    >>> round(p_stale(3600, 1 / 3600, "purge", t_purge=5), 4)
    0.0014
    >>> p_stale(3600, 1 / 3600, "versioned")
    0.0
    """
    t = check_number("t_ttl", t_ttl, low=0)
    u = check_number("rate_update", rate_update, low=0)
    check_choice("invalidation", invalidation, INVALIDATIONS)
    tp = check_number("t_purge", t_purge, low=0)
    return float(_p_stale(np.float64(t), u, invalidation, tp))


def _p_stale(t, u: float, invalidation: str, tp: float):
    """Vectorised :func:`p_stale` over TTLs ``t`` (no checks)."""
    t = np.asarray(t, dtype=float)
    if invalidation == "versioned" or u == 0:
        return np.zeros_like(t)
    x = u * t
    with np.errstate(invalid="ignore", divide="ignore"):
        ttl = np.where(x > 1e-9, 1.0 - (-np.expm1(-x)) / np.where(x > 0, x, 1.0), x / 2)
    if invalidation == "ttl":
        return ttl
    y = u * tp
    return np.minimum(ttl, y / (1.0 + y))


# --------------------------------------------------------------------------------------------
# Request-level replay
# --------------------------------------------------------------------------------------------

EDGE, SHIELD, ORIGIN_TIER = 0, 1, 2


@dataclass(frozen=True, eq=False)
class CDNRun:
    """Per-request outcome of :func:`simulate_cdn` (arrays, one entry per request).

    ``served_by``: 0 the edge, 1 the shield, 2 the origin; ``version``: the version of the object
    the user received; ``stale``: an older version than the origin held at that moment;
    ``region``: the edge (region index) the request went to.
    """

    served_by: np.ndarray
    version: np.ndarray
    stale: np.ndarray
    region: np.ndarray
    edge_miss: np.ndarray = field(repr=False)
    shield_miss: np.ndarray = field(repr=False)

    @property
    def offload(self) -> float:
        """Share of requests served without the origin (edge or shield hits)."""
        return float(np.mean(self.served_by != ORIGIN_TIER))

    @property
    def edge_hit_ratio(self) -> float:
        """Share of requests served by the edge itself."""
        return float(np.mean(self.served_by == EDGE))

    @property
    def n_origin(self) -> int:
        """Requests the origin served."""
        return int(np.sum(self.served_by == ORIGIN_TIER))

    @property
    def n_stale(self) -> int:
        """Requests answered with an outdated version."""
        return int(self.stale.sum())


def _events(pairs, name: str) -> tuple[list, list]:
    if pairs is None:
        return [], []
    t, k = pairs
    t = np.asarray(t, dtype=float)
    k = np.asarray(k)
    if t.shape != k.shape or t.ndim != 1 or not np.all(np.isfinite(t)):
        raise ValueError(f"{name} must be a pair (times, keys) of equal-length 1-d arrays")
    order = np.argsort(t, kind="stable")
    return t[order].tolist(), k[order].tolist()


def simulate_cdn(
    trace: Trace,
    *,
    regions=None,
    n_regions: int = 1,
    policy: str = "lru",
    n_capacity: int = 1_000,
    t_ttl: float | None = None,
    shield: bool = False,
    n_shield_capacity: int | None = None,
    versioned: bool = False,
    updates=None,
    purges=None,
    t_purge: float = 0.0,
) -> CDNRun:
    """Replay ``trace`` request by request through edge caches, an optional shield, the origin.

    ``regions[i]`` is the edge (``0..n_regions-1``) request ``i`` goes to (default: all to edge
    0). Each edge is a :func:`scalelab.cache.make_cache` cache of ``n_capacity`` objects with
    eviction ``policy`` and TTL ``t_ttl`` (seconds, ``None``: no expiry); the shield, if any, is
    one more such cache (``n_shield_capacity``, default ``n_regions * n_capacity``). A miss asks
    the next tier and stores what it gets. Fetches are instantaneous.

    The origin publishes a new version of key ``k`` at each time of ``updates`` = ``(times,
    keys)`` (versions start at 0). ``purges`` = ``(times, keys)``: a purge issued at ``t``
    removes the key from every edge and the shield at ``t + t_purge``. With ``versioned`` the
    pages reference each object by a URL holding its current version (``app.css?v=3``), so the
    cache key is ``(key, version)``: a user always gets the newest version.

    >>> tr = make_trace("zipf", n_objects=200, n_requests=5_000, rng=np.random.default_rng(0))
    >>> regions = np.random.default_rng(1).integers(0, 4, size=len(tr))
    >>> alone = simulate_cdn(tr, regions=regions, n_regions=4, n_capacity=50)
    >>> shielded = simulate_cdn(tr, regions=regions, n_regions=4, n_capacity=50, shield=True)
    >>> alone.n_origin > shielded.n_origin
    True
    """
    if not isinstance(trace, Trace):
        raise ValueError(f"trace must be a Trace from make_trace; got {type(trace).__name__}")
    n_r = check_int("n_regions", n_regions, low=1, high=1_000)
    check_choice("policy", policy, POLICIES)
    cap = check_int("n_capacity", n_capacity, low=1)
    if t_ttl is not None:
        check_number("t_ttl", t_ttl, low=0, low_open=True)
    check_number("t_purge", t_purge, low=0)
    n = len(trace)
    if regions is None:
        reg = np.zeros(n, dtype=np.int64)
    else:
        reg = np.asarray(regions)
        if reg.shape != (n,) or reg.dtype.kind not in "iu" or np.any(reg < 0) or np.any(reg >= n_r):
            raise ValueError(f"regions must give an edge 0..{n_r - 1} for each of the {n} requests")
    edges = [make_cache(policy, cap, t_ttl=t_ttl) for _ in range(n_r)]
    shield_cache = None
    if shield:
        s_cap = n_r * cap if n_shield_capacity is None else n_shield_capacity
        shield_cache = make_cache(policy, check_int("n_shield_capacity", s_cap, low=1), t_ttl=t_ttl)
    up_t, up_k = _events(updates, "updates")
    pu_t, pu_k = _events(purges, "purges")
    pu_t = [t + t_purge for t in pu_t]  # when each purge takes effect everywhere
    tiers = [*edges, shield_cache] if shield_cache is not None else edges
    current: dict = {}
    served = np.empty(n, dtype=np.int8)
    version = np.empty(n, dtype=np.int64)
    edge_miss = np.zeros(n, dtype=bool)
    shield_miss = np.zeros(n, dtype=bool)
    iu = ip = 0
    missing = object()
    for i, (k, now, e) in enumerate(
        zip(trace.keys.tolist(), trace.t.tolist(), reg.tolist(), strict=True)
    ):
        while iu < len(up_t) and up_t[iu] <= now:
            current[up_k[iu]] = current.get(up_k[iu], 0) + 1
            iu += 1
        while ip < len(pu_t) and pu_t[ip] <= now:
            for c in tiers:
                if versioned:
                    for key in [x for x in c.keys() if x[0] == pu_k[ip]]:
                        c.delete(key)
                else:
                    c.delete(pu_k[ip])
            ip += 1
        v_now = current.get(k, 0)
        key = (k, v_now) if versioned else k
        edge = edges[e]
        got = edge.get(key, now, missing)
        if got is not missing:
            served[i], version[i] = EDGE, got
            continue
        edge_miss[i] = True
        got = missing
        if shield_cache is not None:
            got = shield_cache.get(key, now, missing)
            if got is missing:
                shield_miss[i] = True
        else:
            shield_miss[i] = True
        if got is missing:
            got = v_now
            served[i] = ORIGIN_TIER
            if shield_cache is not None:
                shield_cache.put(key, got, now)
        else:
            served[i] = SHIELD
        edge.put(key, got, now)
        version[i] = got
    stale = version < np.array(_current_versions(trace, up_t, up_k), dtype=np.int64)
    return CDNRun(served, version, stale, reg, edge_miss, shield_miss)


def _current_versions(trace: Trace, up_t: list, up_k: list) -> list:
    """The origin's version of each request's key at the request's time."""
    cur: dict = {}
    out = []
    iu = 0
    for k, now in zip(trace.keys.tolist(), trace.t.tolist(), strict=True):
        while iu < len(up_t) and up_t[iu] <= now:
            cur[up_k[iu]] = cur.get(up_k[iu], 0) + 1
            iu += 1
        out.append(cur.get(k, 0))
    return out


# --------------------------------------------------------------------------------------------
# The time-bucketed drill
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CDN:
    """A site behind a CDN: its content, the CDN's tiers, the origin and the failover machinery.

    Content: a share ``p_dynamic`` of requests are for dynamic objects (API answers, HTML;
    ``n_dynamic`` objects, Zipf skew ``alpha_dynamic``, TTL ``t_ttl_dynamic`` s, 0 = not
    cached, updated ``rate_update_dynamic`` times/s each); the rest are static (``n_objects``,
    skew ``alpha``, TTL ``t_ttl``, updated ``rate_update`` times/s each and invalidated by
    ``invalidation``, one of :data:`INVALIDATIONS`, purges taking ``t_purge`` s). Objects weigh
    ``kb_object`` kilobytes.

    Tiers: each region's edge holds ``n_capacity`` objects; ``shield`` puts an origin shield
    (next to the origin) between the edges and the origin. ``p_local``: share of requests the
    users' own caches answer. The origin serves at most ``rate_origin_max`` requests/s, each
    taking ``t_origin`` s when idle. ``t_detect``: seconds from an outage until health checks
    and DNS move clients elsewhere; ``t_reroute``: seconds until the CDN itself sends traffic to
    healthy edges. ``users``: relative users per region (default: :data:`scalelab.geo.DEFAULT_USERS_M`).
    """

    t_ttl: float = 3_600.0
    n_objects: int = 50_000
    alpha: float = 0.8
    p_dynamic: float = 0.2
    t_ttl_dynamic: float = 2.0
    n_dynamic: int = 2_000
    alpha_dynamic: float = 0.9
    n_capacity: int = 30_000
    shield: bool = False
    p_local: float = 0.0
    rate_origin_max: float = 4_000.0
    t_origin: float = T_ORIGIN
    invalidation: str = "versioned"
    rate_update: float = 1 / 86_400
    rate_update_dynamic: float = 0.2
    t_purge: float = 5.0
    kb_object: float = 50.0
    t_detect: float = 120.0
    t_reroute: float = 15.0
    users: tuple = tuple(DEFAULT_USERS_M[r] for r in REGIONS)

    def __post_init__(self):
        check_number("t_ttl", self.t_ttl, low=0, high=10 * 365 * 86_400)
        check_int("n_objects", self.n_objects, low=1, high=10_000_000)
        check_number("alpha", self.alpha, low=0, high=3)
        check_probability("p_dynamic", self.p_dynamic)
        check_number("t_ttl_dynamic", self.t_ttl_dynamic, low=0, high=86_400)
        check_int("n_dynamic", self.n_dynamic, low=1, high=10_000_000)
        check_number("alpha_dynamic", self.alpha_dynamic, low=0, high=3)
        check_int("n_capacity", self.n_capacity, low=1)
        if not isinstance(self.shield, bool):
            raise ValueError(f"shield must be True or False; got {self.shield!r}")
        check_number("p_local", self.p_local, low=0, high=0.99)
        check_number("rate_origin_max", self.rate_origin_max, low=0, low_open=True)
        check_number("t_origin", self.t_origin, low=0, high=60)
        check_choice("invalidation", self.invalidation, INVALIDATIONS)
        check_number("rate_update", self.rate_update, low=0)
        check_number("rate_update_dynamic", self.rate_update_dynamic, low=0)
        check_number("t_purge", self.t_purge, low=0)
        check_number("kb_object", self.kb_object, low=0)
        check_number("t_detect", self.t_detect, low=0, high=86_400)
        check_number("t_reroute", self.t_reroute, low=0, high=86_400)
        users = tuple(self.users)
        if len(users) != len(REGIONS):
            raise ValueError(f"users must give a number for each of the {len(REGIONS)} regions")
        for u in users:
            check_number("users entry", u, low=0)
        if sum(users) <= 0:
            raise ValueError("users must not all be 0")


@dataclass(frozen=True)
class Outage:
    """The primary CDN's edges in ``regions`` are down from ``t_start`` to ``t_end`` (s).

    If every region is down (the default) the whole provider is down, its origin shield too
    (a provider-wide failure such as Fastly's of 8 June 2021). ``cold``: edges (and the shield)
    come back empty and must refill from the origin.
    """

    t_start: float = 1_800.0
    t_end: float = 3_600.0
    regions: tuple = REGIONS
    cold: bool = True

    def __post_init__(self):
        check_number("t_start", self.t_start, low=0)
        check_number("t_end", self.t_end, low=self.t_start)
        regions = (self.regions,) if isinstance(self.regions, str) else tuple(self.regions)
        if not regions:
            raise ValueError("regions must name at least one region")
        for r in regions:
            check_choice("regions entry", r, REGIONS)
        object.__setattr__(self, "regions", regions)

    @property
    def provider_wide(self) -> bool:
        """True when every region's edge is down (the shield is down too)."""
        return set(self.regions) == set(REGIONS)


@dataclass(frozen=True, eq=False)
class CDNBuckets:
    """Per-bucket results of :func:`simulate_cdn_buckets` (arrays; ``[bucket, region]`` for 2-d).

    ``rate``: requests/s offered by users; ``offload``: share of them that did not reach the
    origin (local, edge, shield and second-CDN hits; failed requests excluded);
    ``edge_hit_ratio``: share of the primary CDN's requests its edges answered; ``rate_origin``:
    requests/s offered to the origin; ``rate_failed``: requests/s that failed (an unreachable
    edge, or an origin past its capacity); ``utilisation``: the origin's busy share;
    ``p50``/``p99``: latency percentiles (s) per region, a failure counting ``T_TIMEOUT``;
    ``p50_all``/``p99_all``: the same over all users; ``rate_stale``: responses/s that were
    outdated; ``cost``: dollars spent in the bucket.
    """

    t_start: np.ndarray
    rate: np.ndarray
    offload: np.ndarray
    edge_hit_ratio: np.ndarray
    rate_origin: np.ndarray
    rate_failed: np.ndarray
    utilisation: np.ndarray
    p50: np.ndarray
    p99: np.ndarray
    p50_all: np.ndarray
    p99_all: np.ndarray
    rate_stale: np.ndarray
    cost: np.ndarray
    t_bucket: float


def _bins(n: int, alpha: float, n_bins: int):
    """Zipf popularity of ``n`` objects grouped by rank into at most ``n_bins`` geometric bins.

    Returns (probability of one object in the bin, number of objects in the bin); objects in a
    bin differ in popularity by a few per cent, so functions of the rate are evaluated once per bin.
    """
    q = zipf_popularity(n, alpha)
    edges = np.unique(np.round(np.geomspace(1, n + 1, n_bins + 1)).astype(np.int64)) - 1
    edges[-1] = n
    counts = np.diff(edges)
    sums = np.add.reduceat(q, edges[:-1])
    return sums / counts, counts.astype(float)


@functools.lru_cache(maxsize=64)
def _catalogue(n_obj, alpha, n_dyn, alpha_dyn, p_dyn, capacity):
    """Binned catalogue (static then dynamic): per-object probability, counts, is-dynamic,
    and the LRU occupancy bound ``1 - exp(-q T_c)`` from Che's characteristic time."""
    qs, cs = _bins(n_obj, alpha, 64)
    qd, cd = _bins(n_dyn, alpha_dyn, 24)
    q = np.concatenate([qs * (1 - p_dyn), qd * p_dyn])
    counts = np.concatenate([cs, cd])
    dynamic = np.concatenate([np.zeros(qs.size, bool), np.ones(qd.size, bool)])
    full = np.concatenate(
        [zipf_popularity(n_obj, alpha) * (1 - p_dyn), zipf_popularity(n_dyn, alpha_dyn) * p_dyn]
    )
    big_t = che_characteristic_time(full[full > 0], capacity) if capacity < full.size else math.inf
    che = np.ones_like(q) if math.isinf(big_t) else -np.expm1(-q * big_t)
    for a in (q, counts, dynamic, che):
        a.flags.writeable = False
    return q, counts, dynamic, che


def _overlap(a0: float, a1: float, b0: np.ndarray, b1: np.ndarray) -> np.ndarray:
    return np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0.0, None)


def _percentiles(values: np.ndarray, weights: np.ndarray, ps) -> list[np.ndarray]:
    """Weighted percentiles along the last axis of ``values`` (weights >= 0, same shape)."""
    order = np.argsort(values, axis=-1, kind="stable")
    v = np.take_along_axis(values, order, axis=-1)
    w = np.take_along_axis(weights, order, axis=-1)
    cum = np.cumsum(w, axis=-1)
    total = cum[..., -1:]
    out = []
    for p in ps:
        idx = np.sum(cum < p * total - 1e-12 * total, axis=-1, keepdims=True)
        idx = np.minimum(idx, v.shape[-1] - 1)
        out.append(np.take_along_axis(v, idx, axis=-1)[..., 0])
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.max(np.abs(a - b)) < 1e-12)


def _step(occ, lam, target, drain, dt):
    """Occupancy of TTL caches after ``dt`` s: fill at the request rate towards ``target``, drain
    as copies expire (``drain`` = ``exp(-dt / TTL)``) down to it."""
    gap = occ - target
    return target + gap * np.where(gap < 0, np.exp(-lam * dt), drain)


def simulate_cdn_buckets(
    rate,
    t_bucket: float,
    cdn: CDN | None = None,
    *,
    outage: Outage | None = None,
    strategy: str = "origin",
    p_second: float = 0.0,
) -> CDNBuckets:
    """Offload, origin load, failures, latency by region, staleness and cost per time bucket.

    ``rate``: requests/s offered by all users in each bucket of ``t_bucket`` seconds, split over
    the regions by ``cdn.users``. Every bucket, each cache (each region's edge of the primary
    CDN, the shield, each edge of a second CDN) holds each object with some probability, its
    *occupancy*: a TTL cache under steady requests holds a share ``lam*T/(1+lam*T)`` of the time
    (bounded by the LRU capacity limit), an empty cache fills at the request rate, a fuller one
    drains as copies expire. A request hits with that probability. Caches start warm.

    During ``outage`` the primary CDN's edges in its regions answer nothing; ``strategy`` (one of
    :data:`STRATEGIES`) says what clients do once the outage is noticed, ``cdn.t_detect`` s later
    (``cdn.t_reroute`` s for ``"redundant"``); requests sent to a dead edge before then fail.
    ``p_second``: with ``"multi-cdn"``, the share of traffic a second CDN serves all the time
    (0: a cold standby).

    >>> out = simulate_cdn_buckets([10_000] * 8, 600, CDN(), outage=Outage(1_800, 3_600))
    >>> [round(float(x)) for x in out.rate_origin]  # warm; outage (failover); cold edges refill
    [2245, 2245, 2245, 8000, 10000, 10000, 2315, 2250]
    """
    r = np.asarray(rate, dtype=float)
    if r.ndim != 1 or r.size == 0 or not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError("rate must be a non-empty 1-d array of requests/s >= 0")
    dt = check_number("t_bucket", t_bucket, low=0, low_open=True)
    cdn = CDN() if cdn is None else cdn
    if not isinstance(cdn, CDN):
        raise ValueError(f"cdn must be a CDN; got {type(cdn).__name__}")
    if outage is not None and not isinstance(outage, Outage):
        raise ValueError(f"outage must be an Outage or None; got {type(outage).__name__}")
    check_choice("strategy", strategy, STRATEGIES)
    p2 = check_number("p_second", p_second, low=0, high=1)
    if strategy != "multi-cdn":
        p2 = 0.0

    n_b, n_r = r.size, len(REGIONS)
    q, counts, dynamic, che = _catalogue(
        cdn.n_objects, cdn.alpha, cdn.n_dynamic, cdn.alpha_dynamic, cdn.p_dynamic, cdn.n_capacity
    )
    ttl = np.where(dynamic, cdn.t_ttl_dynamic, cdn.t_ttl)
    stale_p = np.where(
        dynamic,
        _p_stale(ttl, cdn.rate_update_dynamic, "ttl", 0.0),
        _p_stale(ttl, cdn.rate_update, cdn.invalidation, cdn.t_purge),
    )
    share = np.asarray(cdn.users, dtype=float)
    share = share / share.sum()
    rtt = BACKBONE_RTT_MS / 1000
    to_origin = rtt[:, _ORIGIN]

    def target(lam):
        return np.minimum(_ttl_occupancy(lam, ttl), che)

    with np.errstate(divide="ignore"):
        drain_half = np.exp(-dt / 2 / ttl)
        drain_full = np.exp(-dt / ttl)

    # time phases per region: up, down-but-unnoticed, down-and-handled
    t0 = np.arange(n_b) * dt
    t1 = t0 + dt
    down = np.zeros(n_r, dtype=bool)
    if outage is not None:
        down[[_REGION_INDEX[x] for x in outage.regions]] = True
        # the CDN reroutes inside its own network quickly; with no healthy edge left (or for any
        # other strategy) clients must be moved by health checks and DNS, which takes t_detect
        inside = strategy == "redundant" and not outage.provider_wide
        wait = cdn.t_reroute if inside else cdn.t_detect
        o0, o1 = outage.t_start, outage.t_end
        noticed = min(o0 + wait, o1)
        f_und = _overlap(o0, noticed, t0, t1) / dt
        f_det = _overlap(noticed, o1, t0, t1) / dt
        mid = t0 + dt / 2
        dead_mid = (mid >= o0) & (mid < o1)
    else:
        f_und = f_det = np.zeros(n_b)
        dead_mid = np.zeros(n_b, dtype=bool)
    provider_wide = outage is not None and outage.provider_wide
    cold = outage is not None and outage.cold

    # where a region's traffic goes under "redundant": the nearest region that stays up
    healthy = ~down
    nearest = np.arange(n_r)
    if strategy == "redundant" and healthy.any():
        masked = np.where(healthy[None, :], rtt, np.inf)
        nearest = np.where(down, np.argmin(masked, axis=1), np.arange(n_r))
    redirect_ok = strategy == "redundant" and healthy.any()

    # traffic split per bucket and region (requests/s), before any cache is consulted
    users = r[:, None] * share[None, :]
    local = users * cdn.p_local
    d = users - local
    fu = np.where(down[None, :], f_und[:, None], 0.0)
    fd = np.where(down[None, :], f_det[:, None], 0.0)
    fup = 1.0 - fu - fd
    to_a_own = d * (1 - p2) * fup
    to_b = d * p2 * (fup + fu)
    failed_edge = d * (1 - p2) * fu
    handled = d * (1 - p2) * fd
    direct = np.zeros_like(d)
    redirected = np.zeros_like(d)
    if strategy == "none":
        failed_edge = failed_edge + handled
    elif strategy == "origin":
        direct = handled
    elif strategy == "multi-cdn":
        to_b = to_b + d * fd
    elif redirect_ok:
        redirected = handled
    else:
        direct = handled
    onto = np.zeros((n_r, n_r))
    onto[np.arange(n_r), nearest] = 1.0  # region -> edge that serves its redirected users
    edge_load = to_a_own + redirected @ onto

    # the caches, bucket by bucket: hit ratios per edge (occupancy at mid-bucket)
    qc = q * counts
    qcs = qc * stale_p
    h_a = np.zeros((n_b, n_r))
    h_s = np.zeros((n_b, n_r))
    h_b = np.zeros((n_b, n_r))
    stale = np.zeros(n_b)
    shield_req = np.zeros(n_b)
    occ_a = target(edge_load[0][:, None] * q)
    occ_b = target(to_b[0][:, None] * q)
    occ_s = target(((edge_load[0][:, None] * q) * (1 - occ_a)).sum(axis=0))
    prev, steady = None, False
    for b in range(n_b):
        dead = bool(dead_mid[b])
        key = (edge_load[b].tobytes(), to_b[b].tobytes(), dead)
        if key == prev and steady:
            h_a[b], h_s[b], h_b[b] = h_a[b - 1], h_s[b - 1], h_b[b - 1]
            stale[b], shield_req[b] = stale[b - 1], shield_req[b - 1]
            continue
        if dead and cold:
            occ_a[down] = 0.0
            if provider_wide:
                occ_s[:] = 0.0
        lam_a = edge_load[b][:, None] * q
        tgt_a = target(lam_a)
        mid_a = _step(occ_a, lam_a, tgt_a, drain_half, dt / 2)
        if dead:
            mid_a[down] = 0.0  # a dead edge answers nothing
        h_a[b] = mid_a @ qc
        lam_b = to_b[b][:, None] * q
        tgt_b = target(lam_b)
        mid_b = _step(occ_b, lam_b, tgt_b, drain_half, dt / 2)
        h_b[b] = mid_b @ qc
        stale[b] = edge_load[b] @ (mid_a @ qcs) + to_b[b] @ (mid_b @ qcs)
        new_a = _step(occ_a, lam_a, tgt_a, drain_full, dt)
        if dead and cold:
            new_a[down] = 0.0  # still empty at the end of the bucket
        new_b = _step(occ_b, lam_b, tgt_b, drain_full, dt)
        # nothing changed and the inputs repeat: the next bucket is this one again
        steady = _same(new_a, occ_a) and _same(new_b, occ_b)
        occ_a, occ_b = new_a, new_b
        if cdn.shield and not (dead and provider_wide):
            miss_a = (1 - mid_a) * (edge_load[b][:, None] * qc)  # misses/s per edge, per bin
            lam_s = miss_a.sum(axis=0) / counts
            tgt_s = target(lam_s)
            mid_s = _step(occ_s, lam_s, tgt_s, drain_half, dt / 2)
            got = miss_a.sum(axis=1)
            h_s[b] = np.divide(miss_a @ mid_s, got, out=np.zeros(n_r), where=got > 0)
            stale[b] += (lam_s * mid_s) @ (counts * stale_p)
            shield_req[b] = got.sum()
            new_s = _step(occ_s, lam_s, tgt_s, drain_full, dt)
            steady = steady and _same(new_s, occ_s)
            occ_s = new_s
        prev = key

    # the origin
    a_to_origin = edge_load * (1 - h_a) * (1 - h_s)
    b_to_origin = to_b * (1 - h_b)
    offered = a_to_origin.sum(axis=1) + b_to_origin.sum(axis=1) + direct.sum(axis=1)
    served = np.minimum(offered, cdn.rate_origin_max)
    s_ok = np.divide(served, offered, out=np.ones(n_b), where=offered > 0)[:, None]
    util = served / cdn.rate_origin_max
    t_orig = (cdn.t_origin / (1 - np.minimum(util, 0.99)))[:, None]

    # latency mixture per user region: (value, weight) of each path a request can take
    detour = rtt[np.arange(n_r), nearest]
    ha_u, hs_u = h_a[:, nearest], h_s[:, nearest]
    via_origin = rtt[nearest, _ORIGIN]
    a_miss = to_a_own * (1 - h_a) + redirected * (1 - ha_u)
    a_miss_s = to_a_own * (1 - h_a) * h_s + redirected * (1 - ha_u) * hs_u
    ones = np.ones((n_b, n_r))
    shield_path = T_EDGE + np.where(redirected > 0, detour, 0.0) + via_origin
    vals = np.stack(
        [
            T_LOCAL * ones,
            T_EDGE * ones,
            (T_EDGE + detour) * ones,
            shield_path,
            shield_path + t_orig,
            T_EDGE * ones,
            T_EDGE + to_origin + t_orig,
            T_EDGE + to_origin + t_orig,
            T_TIMEOUT * ones,
        ],
        axis=-1,
    )
    fail_origin = (a_miss - a_miss_s + b_to_origin + direct) * (1 - s_ok)
    wts = np.stack(
        [
            local,
            to_a_own * h_a,
            redirected * ha_u,
            a_miss_s,
            (a_miss - a_miss_s) * s_ok,
            to_b * h_b,
            b_to_origin * s_ok,
            direct * s_ok,
            failed_edge + fail_origin,
        ],
        axis=-1,
    )
    p50, p99 = _percentiles(vals, wts, (0.5, 0.99))
    p50_all, p99_all = _percentiles(vals.reshape(n_b, -1), wts.reshape(n_b, -1), (0.5, 0.99))
    failed = wts[..., 8].sum(axis=1)
    offload = np.divide(r - offered - failed_edge.sum(axis=1), r, out=np.ones(n_b), where=r > 0)
    a_total = edge_load.sum(axis=1)
    edge_hit = np.divide(
        (edge_load * h_a).sum(axis=1), a_total, out=np.zeros(n_b), where=a_total > 0
    )
    gb = cdn.kb_object * _GB
    cost = (
        a_total * PRICE_CDN_GB + to_b.sum(axis=1) * PRICE_SECOND_GB + served * PRICE_ORIGIN_GB
    ) * gb
    cost = cost + shield_req * PRICE_SHIELD_10K / 1e4
    if strategy == "multi-cdn":
        cost = cost + SECOND_COMMIT_HOUR / 3_600
    return CDNBuckets(
        t0,
        r.copy(),
        offload,
        edge_hit,
        offered,
        failed,
        util,
        p50,
        p99,
        p50_all,
        p99_all,
        stale,
        cost * dt,
        dt,
    )


@dataclass(frozen=True)
class DrillSummary:
    """The key numbers of a drill (see :func:`summarise`)."""

    offload_before: float
    peak_origin: float
    peak_origin_after: float
    failed_share: float
    worst_p99: float
    cost_per_hour: float
    stale_share: float


def summarise(out: CDNBuckets, outage: Outage | None = None) -> DrillSummary:
    """Summarise a run: offload in the first bucket, peak origin load (requests/s) overall and
    after the outage ends, share of requests that failed, worst regional p99 (s), cost per hour
    ($) and share of responses that were stale.

    >>> s = summarise(simulate_cdn_buckets([10_000] * 12, 600, outage=Outage()), Outage())
    >>> round(s.offload_before, 3), round(s.peak_origin), round(s.failed_share, 3)
    (0.775, 10000, 0.15)
    """
    if not isinstance(out, CDNBuckets):
        raise ValueError(f"out must be a CDNBuckets; got {type(out).__name__}")
    total = float(np.sum(out.rate))
    after = out.t_start >= (outage.t_end if outage is not None else math.inf)
    hours = out.rate.size * out.t_bucket / 3_600
    return DrillSummary(
        float(out.offload[0]),
        float(out.rate_origin.max()),
        float(out.rate_origin[after].max()) if after.any() else 0.0,
        float(np.sum(out.rate_failed) / total) if total > 0 else 0.0,
        float(out.p99.max()),
        float(out.cost.sum() / hours),
        float(np.sum(out.rate_stale) / total) if total > 0 else 0.0,
    )


# --------------------------------------------------------------------------------------------
# Plans graded against scenarios (exercise: pick a strategy under an outage and a budget)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A resilience plan: a failover ``strategy``, an origin ``shield`` or not, and the share
    ``p_second`` of traffic a second CDN carries all the time (multi-CDN only)."""

    strategy: str = "origin"
    shield: bool = False
    p_second: float = 0.0

    def __post_init__(self):
        check_choice("strategy", self.strategy, STRATEGIES)
        if not isinstance(self.shield, bool):
            raise ValueError(f"shield must be True or False; got {self.shield!r}")
        check_number("p_second", self.p_second, low=0, high=0.5)


@dataclass(frozen=True)
class Scenario:
    """A drill to survive: ``rate`` requests/s for ``t_total`` s in buckets of ``t_bucket`` s,
    an ``outage``, the site's ``cdn`` (its ``shield`` field is replaced by the plan's), and the
    targets: at most ``max_failed`` of requests fail, the run costs at most ``budget_hour``
    dollars per hour."""

    name: str
    rate: float = 10_000.0
    outage: Outage = Outage()
    cdn: CDN = CDN()
    max_failed: float = 0.01
    budget_hour: float = 200.0
    t_total: float = 7_200.0
    t_bucket: float = 120.0


def run_drill(scenario: Scenario, plan: Plan) -> tuple[DrillSummary, bool]:
    """Run ``plan`` through ``scenario``: its summary, and whether both targets are met.

    >>> sc = Scenario("one region down", outage=Outage(regions=("europe",)))
    >>> summary, ok = run_drill(sc, Plan("redundant"))
    >>> ok, round(summary.failed_share, 4)
    (True, 0.0005)
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a Scenario; got {type(scenario).__name__}")
    if not isinstance(plan, Plan):
        raise ValueError(f"plan must be a Plan; got {type(plan).__name__}")
    n = max(1, int(round(scenario.t_total / scenario.t_bucket)))
    cdn = CDN(**{**scenario.cdn.__dict__, "shield": plan.shield})
    out = simulate_cdn_buckets(
        np.full(n, float(scenario.rate)),
        scenario.t_bucket,
        cdn,
        outage=scenario.outage,
        strategy=plan.strategy,
        p_second=plan.p_second,
    )
    s = summarise(out, scenario.outage)
    ok = s.failed_share <= scenario.max_failed and s.cost_per_hour <= scenario.budget_hour
    return s, bool(ok)


# names the examples in the docstrings use (doctest runs them in this module's namespace)
_DOCTEST_NAMES = (hit_ratio, make_trace)
