"""The time-bucketed CDN drill: an outage, a failover strategy, offload, latency and cost.

:func:`cdn_buckets` takes a request rate per bucket and a :class:`CDN` (regions, edge
capacity, TTLs, static and dynamic content, the users' own caches) and returns per-bucket
arrays (a :class:`CDNBuckets`; the contract of :mod:`scalelab.buckets`): offload, origin load, failed requests, latency percentiles per
region, stale responses and cost. It injects a CDN **outage** (:class:`Outage`, in all regions or
some) and applies a **strategy** (:data:`STRATEGIES`): do nothing, fail over to the origin, fail
over to a second CDN (multi-CDN, optionally kept warm with a share of traffic), or reroute to the
CDN's healthy edges in other regions. :func:`summarise` reduces a run to a :class:`DrillSummary`.
The capstone composes this form.

Simplifications: one object size and one popularity ranking for all regions; edges keep objects
until their TTL runs out unless capacity is the tighter limit (then Che's approximation for LRU
applies); an edge that was down comes back empty unless ``Outage.cold`` is False; the origin is
a single queue (latency ``t_origin / (1 - u)``, ``u`` capped at 0.99; requests beyond its
capacity fail); a failed request costs the user a timeout (:data:`T_TIMEOUT`).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from scalelab.buckets import Buckets, bucket_times
from scalelab.cache import che_characteristic_time, zipf_popularity
from scalelab.cdn.network import (
    _GB,
    _ORIGIN,
    _REGION_INDEX,
    PRICE_CDN_GB,
    PRICE_ORIGIN_GB,
    PRICE_SECOND_GB,
    PRICE_SHIELD_10K,
    SECOND_COMMIT_HOUR,
    T_EDGE,
    T_LOCAL,
    T_ORIGIN,
    T_TIMEOUT,
)
from scalelab.cdn.ttl import INVALIDATIONS, _p_stale
from scalelab.geo import BACKBONE_RTT, DEFAULT_USERS_M, REGIONS
from scalelab.validate import (
    check_array,
    check_choice,
    check_number,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "STRATEGIES",
    "CDN",
    "Outage",
    "CDNBuckets",
    "cdn_buckets",
    "DrillSummary",
    "summarise",
]


STRATEGIES = ("none", "origin", "multi-cdn", "redundant")
"""What happens to the requests of a region whose CDN edge is down (see :func:`cdn_buckets`):
``"none"``: they fail until the edge is back; ``"origin"``: after ``t_detect`` clients go straight
to the origin; ``"multi-cdn"``: after ``t_detect`` they go to a second CDN; ``"redundant"``: after
``t_reroute`` the CDN sends them to its nearest healthy edge in another region (to the origin if
none is left)."""


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

    t_ttl: float = param(
        3_600.0, low=0, high=10 * 365 * 86_400, doc="time to live of static objects", unit="s"
    )
    n_objects: int = param(50_000, kind="int", low=1, high=10_000_000, doc="static objects")
    alpha: float = param(0.8, low=0, high=3, doc="Zipf skew of static objects' popularity")
    p_dynamic: float = param(0.2, kind="probability", doc="share of requests for dynamic objects")
    t_ttl_dynamic: float = param(
        2.0, low=0, high=86_400, doc="time to live of dynamic objects (0: not cached)", unit="s"
    )
    n_dynamic: int = param(2_000, kind="int", low=1, high=10_000_000, doc="dynamic objects")
    alpha_dynamic: float = param(0.9, low=0, high=3, doc="Zipf skew of dynamic objects' popularity")
    n_capacity: int = param(30_000, kind="int", low=1, doc="objects each edge holds")
    shield: bool = param(
        False, kind="bool", doc="an origin shield between the edges and the origin"
    )
    p_local: float = param(
        0.0, low=0, high=0.99, doc="share of requests the users' own caches answer"
    )
    rate_origin_max: float = param(
        4_000.0, low=0, low_open=True, doc="requests/s the origin serves at most", unit="requests/s"
    )
    t_origin: float = param(
        T_ORIGIN, low=0, high=60, doc="time of an origin request when idle", unit="s"
    )
    invalidation: str = param(
        "versioned",
        kind="choice",
        choices=INVALIDATIONS,
        doc="how updated static objects are invalidated",
    )
    rate_update: float = param(
        1 / 86_400, low=0, doc="updates/s of each static object", unit="updates/s"
    )
    rate_update_dynamic: float = param(
        0.2, low=0, doc="updates/s of each dynamic object", unit="updates/s"
    )
    t_purge: float = param(5.0, low=0, doc="time a purge takes", unit="s")
    kb_object: float = param(50.0, low=0, doc="size of one object", unit="kB")
    t_detect: float = param(
        120.0, low=0, high=86_400, doc="time from an outage until clients move elsewhere", unit="s"
    )
    t_reroute: float = param(
        15.0, low=0, high=86_400, doc="time until the CDN sends traffic to healthy edges", unit="s"
    )
    users: tuple = tuple(DEFAULT_USERS_M[r] for r in REGIONS)

    def __post_init__(self):
        validate_fields(self)
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

    t_start: float = param(1_800.0, low=0, doc="when the outage starts", unit="s")
    t_end: float = 3_600.0
    regions: tuple = REGIONS
    cold: bool = True

    def __post_init__(self):
        validate_fields(self)
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
class CDNBuckets(Buckets):
    """Per-bucket results of :func:`cdn_buckets` (arrays; ``[bucket, region]`` for 2-d).

    ``rate``: requests/s offered by users; ``offload``: share of them that did not reach the
    origin (local, edge, shield and second-CDN hits; failed requests excluded);
    ``edge_hit_ratio``: share of the primary CDN's requests its edges answered; ``rate_origin``:
    requests/s offered to the origin; ``rate_failed``: requests/s that failed (an unreachable
    edge, or an origin past its capacity); ``rho``: the origin's utilisation (busy share);
    ``p50``/``p99``: latency percentiles (s) per region, a failure counting ``T_TIMEOUT``;
    ``p50_all``/``p99_all``: the same over all users; ``rate_stale``: responses/s that were
    outdated; ``cost``: dollars spent in the bucket.
    """

    rate: np.ndarray
    offload: np.ndarray
    edge_hit_ratio: np.ndarray
    rate_origin: np.ndarray
    rate_failed: np.ndarray
    rho: np.ndarray
    p50: np.ndarray
    p99: np.ndarray
    p50_all: np.ndarray
    p99_all: np.ndarray
    rate_stale: np.ndarray
    cost: np.ndarray


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


def cdn_buckets(
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
    the regions by ``cdn.users`` (``cdn``: default ``CDN()``). Every bucket, each cache (each region's edge of the primary
    CDN, the shield, each edge of a second CDN) holds each object with some probability, its
    *occupancy*: a TTL cache under steady requests holds a share ``λT/(1 + λT)`` of the time (rate λ)
    (bounded by the LRU capacity limit), an empty cache fills at the request rate, a fuller one
    drains as copies expire. A request hits with that probability. Caches start warm.

    During ``outage`` the primary CDN's edges in its regions answer nothing; ``strategy`` (one of
    :data:`STRATEGIES`) says what clients do once the outage is noticed, ``cdn.t_detect`` s later
    (``cdn.t_reroute`` s for ``"redundant"``); requests sent to a dead edge before then fail.
    ``p_second``: with ``"multi-cdn"``, the share of traffic a second CDN serves all the time
    (0: a cold standby).

    The steps, each a small function below: the outage's phases per bucket, where a dead
    region's users are sent, the traffic split per bucket, region and path, the caches' hit
    ratios bucket by bucket, the origin, and the latency mixture per region.

    >>> out = cdn_buckets([10_000] * 8, 600, CDN(), outage=Outage(1_800, 3_600))
    >>> [round(float(x)) for x in out.rate_origin]  # warm; outage (failover); cold edges refill
    [2245, 2245, 2245, 8000, 10000, 10000, 2315, 2250]
    """
    r = check_array("rate", rate, low=0, unit="requests/s")
    dt = check_number("t_bucket", t_bucket, low=0, low_open=True)
    cdn = CDN() if cdn is None else cdn
    check_type("cdn", cdn, CDN)
    check_type("outage", outage, (Outage, None))
    check_choice("strategy", strategy, STRATEGIES)
    p2 = check_number("p_second", p_second, low=0, high=1)
    if strategy != "multi-cdn":
        p2 = 0.0

    n_b = r.size
    rtt = BACKBONE_RTT
    t0 = np.arange(n_b) * dt
    down, f_und, f_det, dead_mid = _outage_phases(t0, dt, cdn, outage, strategy)
    nearest, redirect_ok = _reroute(down, rtt, strategy)
    paths = _traffic(r, cdn, p2, down, f_und, f_det, strategy, nearest, redirect_ok)
    edge_load, to_b, direct = paths.edge_load, paths.to_b, paths.direct
    h_a, h_s, h_b, stale, shield_req = _cache_hits(cdn, dt, outage, down, dead_mid, paths)

    # the origin
    a_to_origin = edge_load * (1 - h_a) * (1 - h_s)
    b_to_origin = to_b * (1 - h_b)
    offered = a_to_origin.sum(axis=1) + b_to_origin.sum(axis=1) + direct.sum(axis=1)
    served = np.minimum(offered, cdn.rate_origin_max)
    s_ok = np.divide(served, offered, out=np.ones(n_b), where=offered > 0)[:, None]
    util = served / cdn.rate_origin_max
    t_orig = (cdn.t_origin / (1 - np.minimum(util, 0.99)))[:, None]

    vals, wts = _latency(rtt, nearest, paths, (h_a, h_s, h_b), b_to_origin, s_ok, t_orig)
    p50, p99 = _percentiles(vals, wts, (0.5, 0.99))
    p50_all, p99_all = _percentiles(vals.reshape(n_b, -1), wts.reshape(n_b, -1), (0.5, 0.99))
    failed = wts[..., 8].sum(axis=1)
    offload = np.divide(
        r - offered - paths.failed_edge.sum(axis=1), r, out=np.ones(n_b), where=r > 0
    )
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
        t=bucket_times(n_b, dt),
        t_bucket=float(dt),
    )


def _simulate_cdn_buckets(
    rate,
    t_bucket: float,
    cdn: CDN | None = None,
    *,
    outage: Outage | None = None,
    strategy: str = "origin",
    p_second: float = 0.0,
):
    """``simulate_cdn_buckets``, the name before the capstone contract (notebooks of an older
    release import it): deprecated, returns :func:`cdn_buckets`' result."""
    warnings.warn(
        "simulate_cdn_buckets is deprecated; use cdn_buckets (same arguments)",
        DeprecationWarning,
        stacklevel=2,
    )
    return cdn_buckets(rate, t_bucket, cdn, outage=outage, strategy=strategy, p_second=p_second)


def _outage_phases(t0: np.ndarray, dt: float, cdn: CDN, outage: Outage | None, strategy: str):
    """Which regions' edges the outage takes down, and per bucket the share of time it is down
    but not yet noticed (``f_und``), down and handled (``f_det``), and whether it is down at
    mid-bucket."""
    n_b = t0.size
    t1 = t0 + dt
    down = np.zeros(len(REGIONS), dtype=bool)
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
    return down, f_und, f_det, dead_mid


def _reroute(down: np.ndarray, rtt: np.ndarray, strategy: str):
    """Under ``"redundant"``, the nearest region that stays up for each region (itself if it is
    up), and whether there is one at all."""
    n_r = down.size
    healthy = ~down
    nearest = np.arange(n_r)
    if strategy == "redundant" and healthy.any():
        masked = np.where(healthy[None, :], rtt, np.inf)
        nearest = np.where(down, np.argmin(masked, axis=1), np.arange(n_r))
    redirect_ok = strategy == "redundant" and healthy.any()
    return nearest, redirect_ok


class _Paths(NamedTuple):
    """Requests/s per bucket and region (arrays buckets x regions), before any cache is
    consulted, by the path they take; ``edge_load`` is what each primary edge receives."""

    local: np.ndarray  # answered by the users' own caches
    to_a_own: np.ndarray  # to the primary CDN's edge in their own region
    to_b: np.ndarray  # to the second CDN
    failed_edge: np.ndarray  # sent to a dead edge before the outage is noticed
    direct: np.ndarray  # straight to the origin
    redirected: np.ndarray  # to the primary CDN's edge in another region
    edge_load: np.ndarray


def _traffic(r, cdn: CDN, p2: float, down, f_und, f_det, strategy: str, nearest, redirect_ok):
    """The traffic split per bucket, region and path (see :class:`_Paths`)."""
    n_r = down.size
    share = np.asarray(cdn.users, dtype=float)
    share = share / share.sum()
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
    return _Paths(local, to_a_own, to_b, failed_edge, direct, redirected, edge_load)


def _cache_hits(cdn: CDN, dt: float, outage: Outage | None, down, dead_mid, paths: _Paths):
    """The caches, bucket by bucket: hit ratios per edge of the primary CDN, of the shield and
    per edge of the second CDN (occupancy at mid-bucket), stale responses/s and requests/s
    that reach the shield.

    Everything that does not depend on the caches' state is computed for all buckets at once;
    only the occupancy recursion (:func:`_step`, to mid-bucket and to the bucket's end) runs
    bucket by bucket. When no bucket repeats the one before, each cache's recursion runs on its
    own (the edges, then the second CDN, then the shield from the edges' misses); otherwise one
    combined loop runs, which also skips a bucket that repeats a bucket in which nothing moved.
    Both give the same numbers bit for bit (a test checks it).
    """
    q, counts, dynamic, che = _catalogue(
        cdn.n_objects, cdn.alpha, cdn.n_dynamic, cdn.alpha_dynamic, cdn.p_dynamic, cdn.n_capacity
    )
    ttl = np.where(dynamic, cdn.t_ttl_dynamic, cdn.t_ttl)
    stale_p = np.where(
        dynamic,
        _p_stale(ttl, cdn.rate_update_dynamic, "ttl", 0.0),
        _p_stale(ttl, cdn.rate_update, cdn.invalidation, cdn.t_purge),
    )

    def target(lam, bins=slice(None)):  # np.minimum(_ttl_occupancy(lam, ttl), che), for bins
        x = lam * ttl[bins]
        np.divide(x, 1.0 + x, out=x)
        return np.minimum(x, che[bins], out=x)

    with np.errstate(divide="ignore"):
        drain_half = np.exp(-dt / 2 / ttl)
        drain_full = np.exp(-dt / ttl)
    provider_wide = outage is not None and outage.provider_wide
    cold = outage is not None and outage.cold

    edge_load, to_b = paths.edge_load, paths.to_b
    n_b, n_r = edge_load.shape
    qc = q * counts
    qcs = qc * stale_p
    # Everything that does not depend on the caches' state, for every bucket at once (the same
    # element-wise arithmetic as one bucket at a time, so the same numbers): request rates per
    # edge and bin, their targets, and the fill factors at mid-bucket and at its end side by
    # side (axis 1), with the drain factors beside them. The loop keeps only the recursion.
    half_full = np.array([dt / 2, dt])[:, None]
    drain = np.stack([drain_half, drain_full])  # 2 x bins (the shield)
    drain_edge = drain[:, None, :]  # 2 x 1 x bins (the edges)
    shape = (n_b, n_r, q.size)  # buckets x edges x bins
    second = bool(np.any(to_b))  # without traffic, the second CDN's caches stay empty
    if second:
        lam_b_all = to_b[:, :, None] * q
        tgt_b_all = target(lam_b_all)
        fill_b = _fill(lam_b_all, dt)
    shielded = cdn.shield
    mid_a_all = np.empty(shape)
    mid_b_all = np.zeros(shape) if second else None
    shield_on = np.zeros(n_b, dtype=bool)
    if shielded:
        load_qc = edge_load[:, :, None] * qc
        miss_all = np.zeros(shape)
        mid_s_all = np.zeros((n_b, q.size))
        lam_s_all = np.zeros((n_b, q.size))
    occ_a = target(edge_load[0][:, None] * q)
    occ_b = tgt_b_all[0].copy() if second else np.zeros_like(occ_a)
    occ_s = target(((edge_load[0][:, None] * q) * (1 - occ_a)).sum(axis=0))
    dead_mid = np.asarray(dead_mid, dtype=bool)
    repeats = (_rows_repeat(edge_load) & _rows_repeat(to_b) & (dead_mid[1:] == dead_mid[:-1])).any()
    if not repeats:
        # No bucket repeats the one before, so none can be skipped, and nothing feeds back from
        # the shield or the second CDN into the edges: each cache's recursion runs on its own,
        # and the shield's inputs come from the edges' occupancies all at once.
        # The edges: only the occupancy at each bucket's end feeds the next bucket, so the loop
        # keeps each bucket's gap (occupancy at its start minus its target) and the step to its
        # end; the step to mid-bucket is the same arithmetic on the kept gaps, for a chunk of
        # buckets at once after its loop.
        # Only bins someone asks for (q > 0): a bin nobody asks for has a target of 0, starts
        # empty and stays so (exact zeros), so its occupancy is left at 0. A cache fills (at
        # the rate of its requests) only where it is below its target, a tenth of the bins in a
        # day of the capstone: the fill factor to mid-bucket is computed there alone, the same
        # exp((-lam) * (dt / 2)) as _fill ((-a) * b == a * (-b) exactly). The buckets go in
        # chunks through a few small arrays, used again and again: fresh day-long arrays cost
        # more in memory pages than the arithmetic on them.
        bins = np.flatnonzero(q > 0)
        if bins.size and bins[-1] - bins[0] + 1 == bins.size:
            bins = slice(int(bins[0]), int(bins[-1]) + 1)  # one run of bins: a view, not a copy
        q_in, ttl_in, che_in = q[bins], ttl[bins], che[bins]
        drain_mid, drain_end = drain_half[bins], drain_full[bins]
        mid_a_all = np.empty(shape) if q_in.size == q.size else np.zeros(shape)
        chunk = _CHUNK
        lam_c, tgt_c, work_c, gap_c = (np.empty((chunk, n_r, q_in.size)) for _ in range(4))
        occ_a = occ_a[:, bins]
        reset = (dead_mid & cold).tolist()  # a dead edge is empty at the bucket's start and end
        for b0 in range(0, n_b, chunk):
            n_c = min(chunk, n_b - b0)
            lam, tgt_all, work, gap_all = lam_c[:n_c], tgt_c[:n_c], work_c[:n_c], gap_c[:n_c]
            np.multiply(edge_load[b0 : b0 + n_c, :, None], q_in, out=lam)
            np.multiply(lam, ttl_in, out=tgt_all)  # target(lam), in place
            np.divide(tgt_all, np.add(tgt_all, 1.0, out=work), out=tgt_all)
            np.minimum(tgt_all, che_in, out=tgt_all)
            fill_end = np.exp(np.multiply(lam, -dt, out=work), out=work)
            for i in range(n_c):
                if reset[b0 + i]:
                    occ_a[down] = 0.0
                tgt = tgt_all[i]
                gap = np.subtract(occ_a, tgt, out=gap_all[i])
                occ_a = tgt + gap * np.where(gap < 0, fill_end[i], drain_end)
                if reset[b0 + i]:
                    occ_a[down] = 0.0
            filling = gap_all < 0
            factor = work  # fill_end is spent
            factor[...] = drain_mid
            factor[filling] = np.exp(lam[filling] * -(dt / 2))
            np.multiply(gap_all, factor, out=gap_all)
            gap_all += tgt_all
            mid_a_all[b0 : b0 + n_c, :, bins] = gap_all
        mid_a_all[dead_mid[:, None] & down[None, :]] = 0.0  # a dead edge answers nothing
        if second:
            for b in range(n_b):
                tgt = tgt_b_all[b]
                gap = occ_b - tgt
                mid_b_all[b], occ_b = tgt + gap * np.where(gap < 0, fill_b[b], drain_edge)
        if shielded:
            empty = dead_mid & cold & provider_wide  # the shield restarts empty
            shield_on[:] = ~(dead_mid & provider_wide)
            miss_all = (1 - mid_a_all) * load_qc  # misses/s per edge, per bin
            lam_s_all = miss_all.sum(axis=1) / counts
            tgt_s_all = target(lam_s_all)
            fill_s = np.exp(-lam_s_all[:, None] * half_full)
            miss_all[~shield_on] = 0.0
            lam_s_all[~shield_on] = 0.0
            for b in range(n_b):
                if empty[b]:
                    occ_s[:] = 0.0
                if shield_on[b]:
                    tgt = tgt_s_all[b]
                    gap = occ_s - tgt
                    mid_s_all[b], occ_s = tgt + gap * np.where(gap < 0, fill_s[b], drain)
    prev, moved = None, None
    if repeats:
        lam_a_all = edge_load[:, :, None] * q
        tgt_a_all, fill_a = target(lam_a_all), _fill(lam_a_all, dt)  # fill: buckets x 2 x ...
    for b in range(n_b) if repeats else ():
        dead = bool(dead_mid[b])
        key = (edge_load[b].tobytes(), to_b[b].tobytes(), dead)
        # nothing changed in the last bucket and the inputs repeat: this bucket is that one again
        if key == prev and not moved():
            mid_a_all[b] = mid_a_all[b - 1]
            if second:
                mid_b_all[b] = mid_b_all[b - 1]
            if shielded:
                miss_all[b], mid_s_all[b] = miss_all[b - 1], mid_s_all[b - 1]
                lam_s_all[b], shield_on[b] = lam_s_all[b - 1], shield_on[b - 1]
            continue
        if dead and cold:
            occ_a[down] = 0.0
            if provider_wide:
                occ_s[:] = 0.0
        # _step to mid-bucket and to the bucket's end at once (they share the gap)
        tgt = tgt_a_all[b]
        gap = occ_a - tgt
        mid_a, new_a = tgt + gap * np.where(gap < 0, fill_a[b], drain_edge)
        if dead:
            mid_a[down] = 0.0  # a dead edge answers nothing
            if cold:
                new_a[down] = 0.0  # still empty at the end of the bucket
        mid_a_all[b] = mid_a
        old = (occ_a, occ_b, occ_s)
        occ_a = new_a
        if second:
            tgt = tgt_b_all[b]
            gap = occ_b - tgt
            mid_b_all[b], occ_b = tgt + gap * np.where(gap < 0, fill_b[b], drain_edge)
        if shielded and not (dead and provider_wide):
            miss_a = (1 - mid_a) * load_qc[b]  # misses/s per edge, per bin
            lam_s = miss_a.sum(axis=0) / counts
            tgt_s = target(lam_s)
            gap = occ_s - tgt_s
            fill = np.exp(-lam_s * half_full)
            mid_s, occ_s = tgt_s + gap * np.where(gap < 0, fill, drain)
            miss_all[b], mid_s_all[b], lam_s_all[b], shield_on[b] = miss_a, mid_s, lam_s, True
        moved = functools.partial(_moved, old, (occ_a, occ_b, occ_s))
        prev = key
    # what each bucket's caches answer, from their mid-bucket occupancy (a stack of the same
    # products as one bucket at a time)
    # (a cache that sees no traffic stays empty and adds exact zeros: left out)
    h_a = mid_a_all @ qc
    stale = _dots(edge_load, mid_a_all @ qcs)
    h_b = np.zeros((n_b, n_r))
    if second:
        h_b = mid_b_all @ qc
        stale = stale + _dots(to_b, mid_b_all @ qcs)
    h_s = np.zeros((n_b, n_r))
    shield_req = np.zeros(n_b)
    if shielded:
        got = miss_all.sum(axis=2)
        np.divide((miss_all @ mid_s_all[:, :, None])[:, :, 0], got, out=h_s, where=got > 0)
        stale_s = _dots(lam_s_all * mid_s_all, np.broadcast_to(counts * stale_p, mid_s_all.shape))
        stale = np.where(shield_on, stale + stale_s, stale)
        shield_req = np.where(shield_on, got.sum(axis=1), 0.0)
    return h_a, h_s, h_b, stale, shield_req


_CHUNK = 64
"""Buckets the edges' recursion in :func:`_cache_hits` takes at a time (its arrays stay small)."""


def _fill(lam: np.ndarray, dt: float) -> np.ndarray:
    """``exp(-lam * t)`` for ``t`` = half a bucket and a whole one, on a new axis 1."""
    out = np.empty((lam.shape[0], 2, *lam.shape[1:]))
    np.negative(lam, out=out[:, 0])
    np.multiply(out[:, 0], dt, out=out[:, 1])
    out[:, 0] *= dt / 2
    return np.exp(out, out=out)


def _rows_repeat(x: np.ndarray) -> np.ndarray:
    """Whether each row of ``x`` has the same bytes as the row before (from the second row)."""
    bits = np.ascontiguousarray(x).view(np.uint8).reshape(x.shape[0], -1)
    return np.all(bits[1:] == bits[:-1], axis=1)


def _dots(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row by row dot products of two stacks of vectors (``x[b] @ y[b]`` for each ``b``)."""
    return (x[:, None, :] @ y[:, :, None])[:, 0, 0]


def _moved(old: tuple, new: tuple) -> bool:
    """Whether any cache's occupancy changed over a bucket (the caches in ``old`` and ``new``)."""
    return not all(_same(a, b) for a, b in zip(new, old, strict=True))


def _latency(rtt, nearest, paths: _Paths, hits, b_to_origin, s_ok, t_orig):
    """The latency mixture per bucket and user region: the value (s) and weight (requests/s) of
    each path a request can take; the last path (a timeout) is the failed requests. ``hits``:
    the hit ratios of the primary edges, the shield and the second CDN's edges."""
    h_a, h_s, h_b = hits
    local, to_a_own, to_b = paths.local, paths.to_a_own, paths.to_b
    failed_edge, direct, redirected = paths.failed_edge, paths.direct, paths.redirected
    n_b, n_r = h_a.shape
    to_origin = rtt[:, _ORIGIN]
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
    return vals, wts


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

    >>> s = summarise(cdn_buckets([10_000] * 12, 600, outage=Outage()), Outage())
    >>> round(s.offload_before, 3), round(s.peak_origin), round(s.failed_share, 3)
    (0.775, 10000, 0.15)
    """
    check_type("out", out, CDNBuckets)
    total = float(np.sum(out.rate))
    after = out.t >= (outage.t_end if outage is not None else math.inf)
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
