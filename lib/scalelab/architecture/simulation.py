"""A day of traffic through every tier: the chapters' time-bucketed forms wired together.

:func:`traffic` turns a :class:`~scalelab.architecture.Workload` into requests/s per bucket, and
:func:`simulate` runs a :class:`~scalelab.architecture.Design` through it, with
:class:`~scalelab.architecture.Failure` s, in the order a request meets the tiers (resolver
caches, the CDN, GeoDNS, each data centre's balancer and servers, sessions, the cache tier,
shards and replication, the background queue). It adds what only the whole system has:
end-to-end latency percentiles, errors, availability, data lost, cost per hour and the metrics a
monitoring system would scrape (a :class:`~scalelab.architecture.Run`). See
:mod:`scalelab.architecture` for the adapters between tiers and the simplifications.

:func:`simulate` is a loop over :data:`STAGES`: one short function per tier (each calls that
tier's bucketed form, the contract of :mod:`scalelab.buckets`), then the whole system's errors,
latency and totals. Each stage takes a :class:`Day` and returns it with what it found added:
values later stages read (``day.to_web``), its tier's result (``parts``), the requests/s it
failed, what it costs, the time it adds to a request, data it lost and the metrics it emits. A
new tier is a new stage in :data:`STAGES`; the stages around it stay as they are.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

import numpy as np

from scalelab.architecture.design import (
    KB_STATIC,
    MU_DB,
    N_QUEUE_MAX,
    N_SESSIONS_PER_SERVER,
    PRICE_SERVER_HOUR,
    RATE_STATIC_ORIGIN,
    T_FAILOVER_DB,
    T_LAG,
    T_RESTORE_DB,
    Design,
    Failure,
    Run,
    Workload,
)
from scalelab.cache import CacheTier, cache_tier_buckets, zipf_popularity
from scalelab.cdn import CDN, PRICE_ORIGIN_GB, Outage, cdn_buckets
from scalelab.dns import T_AUTH, T_CLIENT, ResolverCache, resolver_buckets
from scalelab.estimate import SECONDS_PER_DAY, diurnal_rate
from scalelab.geo import REGIONS, GeoRouting, geo_buckets, rtt_matrix
from scalelab.load_balancer import ServerPool, pool_buckets
from scalelab.queueing import WorkQueue, queue_buckets
from scalelab.replication import ReplicaSet, read_capacity, replication_buckets
from scalelab.sessions import STORE_RTT, TOKEN_VERIFY, SessionTier, sessions_buckets
from scalelab.sharding import ShardedDatabase, shard_buckets
from scalelab.validate import check_number, check_rng, check_type

__all__ = [
    "traffic",
    "Day",
    "STAGES",
    "simulate",
]


def _windows(t0: np.ndarray, dt: float, start: float, end: float) -> np.ndarray:
    """Share of each bucket [t0, t0 + dt) that lies inside [start, end)."""
    return np.clip(np.minimum(t0 + dt, end) - np.maximum(t0, start), 0.0, None) / dt


def traffic(workload: Workload, t, *, rng: np.random.Generator) -> np.ndarray:
    """Requests/s users send at times ``t`` (s since midnight): the daily wave, the spike, noise.

    >>> w = Workload(noise=0.0)
    >>> r = traffic(w, np.arange(0.0, 86_400.0, 60.0), rng=np.random.default_rng(0))
    >>> round(float(r.mean()) / w.rate_mean, 6)
    1.0
    """
    check_rng(rng)
    t = np.asarray(t, dtype=float)
    rate = diurnal_rate(
        (t / 3600.0) % 24.0, workload.rate_mean, workload.peak_factor, workload.peak_hour
    )
    inside = (t >= workload.t_spike) & (t < workload.t_spike + workload.t_spike_len)
    rate = rate * np.where(inside, workload.spike_factor, 1.0)
    if workload.noise > 0:
        rate = rate * np.exp(rng.normal(0.0, workload.noise, t.size))
    return rate


_N_GRID = 2**36
"""The bisection's grid: 36 halvings of [0, 60] s leave cells of 60 / 2**36 s (0.87 ns)."""

_H = 60.0 / _N_GRID


def _quantile(q: float, w: np.ndarray, c: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per row, the ``q`` quantile of a mixture: weight ``w``, constant ``c`` plus an exponential
    of mean ``mean`` (s): bit for bit the bisection below, found in far fewer evaluations.

    The readable form (36 halvings of [0, 60] s)::

        for _ in range(36):
            x = (lo + hi) / 2
            z = np.clip(x[:, None] - c, 0.0, None)
            f = np.sum(w * -np.expm1(-z / m), axis=1)
            below = f < q * total
            lo, hi = np.where(below, x, lo), np.where(below, hi, x)
        return (lo + hi) / 2

    See :func:`_quantiles` for how the same answer is found faster.
    """
    return _quantiles((q,), w, c, mean)[0]


def _quantiles(qs, w: np.ndarray, c: np.ndarray, mean: np.ndarray) -> list[np.ndarray]:
    """:func:`_quantile` for each of ``qs``, sharing the work that does not depend on ``q``.

    Every point the bisection tests is a grid point ``j * _H`` (exact in floating point), and
    its test there, "the mixture's computed distribution function is below q", depends on the
    row and ``j`` alone. With weights >= 0 that test is monotone in ``j`` (true, then false):
    every operation in the sum is monotone (rounding to nearest is, and so is numpy's ``expm1``:
    checked on 2.2e8 consecutive doubles), so the bisection ends in the one cell ``[lo, lo + 1]``
    whose left end tests true (or is 0) and whose right end tests false (or is the grid's end).
    Any search that brackets that cell from the same exact tests gives the same
    ``(lo + hi) / 2``; this one (tests check it against the bisection, bit for bit):

    1. every 16th row: a safeguarded Newton search on the grid (:func:`_rtsafe`) from an upper
       bound of the quantile;
    2. every row: three Newton steps from those rows' answers, interpolated (the quantile moves
       smoothly from one bucket to the next), then the two grid points around the estimate;
    3. the few rows still open: the safeguarded search again.

    About 6 evaluations of the mixture per row instead of 36. ``-max(x - c, 0)`` is computed as
    ``min(c - x, 0)`` (negation is exact; only the sign of a zero term differs, which changes
    no sum but a zero one, and no test).
    """
    total = w.sum(axis=1)
    n = w.shape[0]
    qs = np.asarray(qs, dtype=float)
    rows = np.flatnonzero(total > 0)
    if not rows.size:
        return [np.full(n, np.nan) for _ in qs]
    m = np.maximum(mean, 1e-9)
    g = -np.log1p(-qs)  # the cumulative hazard at the quantile, per q
    neg_target = -(qs[:, None] * total)  # the test: sum(w * expm1(-z)) > -(q * total)
    lo = np.zeros((qs.size, n), dtype=np.int64)
    hi = np.broadcast_to(np.where(total > 0, _N_GRID, 1), lo.shape).copy()  # empty rows: closed
    # 1. every 16th row (and the last) of each q, from an upper bound: each part's own quantile
    coarse = np.unique(np.append(rows[::16], rows[-1]))
    with np.errstate(invalid="ignore"):
        x0 = np.where(w[coarse] > 0, c[coarse] + m[coarse] * g[:, None, None], -np.inf).max(axis=2)
    x0 = np.where(np.isfinite(x0), np.clip(x0, 0.0, 60.0), 30.0)
    qi = np.repeat(np.arange(qs.size), coarse.size)
    j0 = np.clip(np.floor(x0.ravel() / _H), 1, _N_GRID - 1).astype(np.int64)
    _rtsafe(qi, np.tile(coarse, qs.size), j0, g, w, c, m, total, neg_target, lo, hi)
    # 2. every row: Newton steps from the coarse rows' answers, interpolated, then the two grid
    # points around the estimate (closed rows keep their bracket)
    wm = w / m
    buf = np.empty(w.shape), np.empty(w.shape), np.empty(w.shape, dtype=bool)
    for i in range(qs.size):
        lo_i, hi_i, nt = lo[i], hi[i], neg_target[i]
        x_coarse = (lo_i[coarse] * _H + hi_i[coarse] * _H) / 2
        j = _inside(np.floor(np.interp(np.arange(n), coarse, x_coarse) / _H), lo_i, hi_i)
        for _ in range(3):
            s, d = _mixture_sums(j, w, c, m, buf, wm)
            lo_i, hi_i = _narrow(j, s > nt, hi_i - lo_i > 1, lo_i, hi_i)
            j_newton, _ = _newton_step(j, s, d, total, g[i])
            ok = np.isfinite(j_newton)
            j = _inside(np.where(ok, j_newton, (lo_i + hi_i) // 2), lo_i, hi_i)
        for k in (0, 1):
            j_k = _inside(j + k, lo_i, hi_i)
            s, _ = _mixture_sums(j_k, w, c, m, buf)
            lo_i, hi_i = _narrow(j_k, s > nt, hi_i - lo_i > 1, lo_i, hi_i)
        lo[i], hi[i] = lo_i, hi_i
    # 3. rows still open (a poor estimate): the safeguarded search
    qi, r = np.nonzero(hi - lo > 1)
    if r.size:
        _rtsafe(qi, r, (lo[qi, r] + hi[qi, r]) // 2, g, w, c, m, total, neg_target, lo, hi)
    return [np.where(total > 0, (lo[i] * _H + hi[i] * _H) / 2, np.nan) for i in range(qs.size)]


def _mixture_sums(j, w, c, m, buf, wm=None):
    """Per row at ``x = j * _H`` (s): ``sum(w * expm1(-max(x - c, 0) / m))`` as the bisection
    computes it (the test compares it with ``-(q * total)``) and, given ``wm = w / m``, its
    derivative's negative ``sum(wm * exp(-z) [x > c])`` (None without). ``buf``: scratch arrays
    shaped like ``w`` (float, float, bool)."""
    z, t, pos = buf
    np.subtract(c, (j * _H)[:, None], out=z)
    np.minimum(z, 0.0, out=z)  # -max(x - c, 0)
    if wm is not None:
        np.less(z, 0.0, out=pos)
    np.divide(z, m, out=z)
    np.expm1(z, out=z)
    np.multiply(w, z, out=t)
    s = t.sum(axis=1)
    if wm is None:
        return s, None
    z += 1.0
    z *= wm
    z *= pos
    return s, z.sum(axis=1)


def _newton_step(j, s, d, total, g):
    """The grid index (a float, maybe not finite) that a Newton step on the cumulative hazard
    ``-log(1 - F / total)`` towards ``g`` proposes from ``j``, and the step (s)."""
    with np.errstate(all="ignore"):
        above = total + s  # total - F(x): the weight above x
        step = (np.log(above / total) + g) * above / d
        return np.floor((j * _H + step) / _H), step


def _narrow(j, below, open_, lo, hi):
    """The bracket after testing grid index ``j`` (rows not ``open_`` keep theirs)."""
    return np.where(below & open_, j, lo), np.where(~below & open_, j, hi)


def _inside(j, lo, hi):
    """Grid index ``j`` moved strictly inside ``(lo, hi)`` (to ``lo + 1`` when ``hi = lo + 1``)."""
    return np.minimum(np.maximum(j, lo + 1), np.maximum(hi - 1, lo + 1)).astype(np.int64)


def _rtsafe(qi, rows, j, g, w, c, m, total, neg_target, lo, hi) -> None:
    """Safeguarded Newton on the grid (Numerical Recipes' ``rtsafe``) for ``rows`` (of quantile
    ``qi``) from grid index ``j``: a Newton step inside the bracket when it is at most half the
    step before last, else bisection, until ``hi = lo + 1``. Updates ``lo`` and ``hi`` (arrays
    quantiles x rows) in place."""
    wr, cr, mr, tr, nt, gr = w[rows], c[rows], m[rows], total[rows], neg_target[qi, rows], g[qi]
    wm = wr / mr
    lo_r, hi_r = lo[qi, rows], hi[qi, rows]
    dx = dx_old = np.full(rows.size, np.inf)
    buf = np.empty(wr.shape), np.empty(wr.shape), np.empty(wr.shape, dtype=bool)
    while True:
        s, d = _mixture_sums(j, wr, cr, mr, buf, wm)
        lo_r, hi_r = _narrow(j, s > nt, True, lo_r, hi_r)
        open_ = hi_r - lo_r > 1
        if not open_.all():
            lo[qi, rows], hi[qi, rows] = lo_r, hi_r
            if not open_.any():
                return
            keep = (qi, rows, j, s, d, lo_r, hi_r, dx, dx_old, wr, cr, mr, wm, tr, nt, gr)
            qi, rows, j, s, d, lo_r, hi_r, dx, dx_old, wr, cr, mr, wm, tr, nt, gr = (
                a[open_] for a in keep
            )
            buf = tuple(b[: rows.size] for b in buf)
        j_newton, step = _newton_step(j, s, d, tr, gr)
        newton = np.isfinite(j_newton) & (np.abs(step) <= 0.5 * dx_old)
        j_next = np.where(
            newton, _inside(np.where(newton, j_newton, 0), lo_r, hi_r), (lo_r + hi_r) // 2
        )
        dx_old, dx = dx, np.abs(j_next - j) * _H
        j = j_next


def _total(arrays: tuple) -> np.ndarray:
    """The sum of ``arrays``, added left to right in the order the stages gave them."""
    return functools.reduce(operator.add, arrays)


@dataclass(frozen=True)
class Day:
    """What the stages of :func:`simulate` hand each other: the run's inputs, then what the
    tiers so far found.

    Inputs: ``design``, ``workload``, ``failures`` (their data centres counted modulo the
    design's), ``t_start`` (s since midnight), ``t`` (each bucket's start, s since midnight),
    ``t_bucket`` (s) and ``rng``. Collected for the :class:`~scalelab.architecture.Run`, in
    stage order: ``parts`` (each tier's own result, by name), ``failed`` (requests/s that
    failed, one array per source), ``costs`` ($/h besides the machines, one array per source),
    ``t_added`` (seconds each successful dynamic request spends, one per source), ``lost``
    (writes or jobs lost per bucket, one array per source) and ``metrics`` (time series by
    name). ``values``: what a stage hands to later ones, read as attributes (``day.to_web``).
    """

    design: Design
    workload: Workload
    failures: tuple
    t_start: float
    t: np.ndarray
    t_bucket: float
    rng: np.random.Generator
    parts: dict = field(default_factory=dict)
    failed: tuple = ()
    costs: tuple = ()
    t_added: tuple = ()
    lost: tuple = ()
    metrics: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)

    def __getattr__(self, name: str):
        # only called for names that are not fields: the values stages handed on
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(f"no stage so far has handed on {name!r}")

    @property
    def n_buckets(self) -> int:
        """The number of buckets."""
        return self.t.size

    @property
    def n_dcs(self) -> int:
        """The design's number of data centres."""
        return self.design.n_dcs

    def window(self, kind: str, target: int | None = None) -> np.ndarray:
        """Per bucket, the largest share of it that a failure of ``kind`` (of data centre
        ``target``, or any) covers."""
        out = np.zeros(self.n_buckets)
        for f in self.failures:
            if f.kind == kind and (target is None or f.target == target):
                out = np.maximum(out, _windows(self.t, self.t_bucket, f.t_start, f.t_end))
        return out

    def add(
        self,
        *,
        parts: dict | None = None,
        failed: tuple = (),
        costs: tuple = (),
        t_added: tuple = (),
        lost: tuple = (),
        metrics: dict | None = None,
        **values,
    ) -> Day:
        """A copy with a stage's findings added to what the stages before it collected (a
        value handed on is never replaced, nor named like an attribute of the day)."""
        taken = values.keys() & ({*self.values, *(f.name for f in fields(self)), *dir(Day)})
        if taken:
            raise ValueError(f"a stage may not hand on {sorted(taken)}: the names are taken")
        return replace(
            self,
            parts={**self.parts, **(parts or {})},
            failed=self.failed + tuple(failed),
            costs=self.costs + tuple(costs),
            t_added=self.t_added + tuple(t_added),
            lost=self.lost + tuple(lost),
            metrics={**self.metrics, **(metrics or {})},
            values={**self.values, **values},
        )


def _traffic(day: Day) -> Day:
    """Users' requests/s per bucket and their split: regions, static files, dynamic requests."""
    w = day.workload
    rate = traffic(w, day.t, rng=day.rng)
    static = rate * w.p_static
    return day.add(
        rate=rate,
        share=np.asarray(w.users, dtype=float) / sum(w.users),
        static=static,
        dynamic=rate - static,
        metrics={"rate_requests": rate},
    )


def _dns(day: Day) -> Day:
    """DNS: one request in ``requests_per_lookup`` asks a resolver (TTL = the design's)."""
    cache = ResolverCache(
        t_ttl=day.design.dns_ttl, n_resolvers=1_000, t_hit=T_CLIENT, t_miss=T_CLIENT + T_AUTH
    )
    dns = resolver_buckets(day.rate / day.workload.requests_per_lookup, day.t_bucket, cache)
    p, n_b = 1.0 / day.workload.requests_per_lookup, day.n_buckets
    # the lookup a request waits for: none, a resolver's cached answer, or the whole way
    lookup = [
        (1 - p, np.zeros(n_b)),
        (p * dns.hit_ratio, np.full(n_b, T_CLIENT)),
        (p * (1 - dns.hit_ratio), np.full(n_b, T_CLIENT + T_AUTH)),
    ]
    return day.add(lookup=lookup, parts={"dns": dns}, metrics={"dns_hit_ratio": dns.hit_ratio})


def _cdn(day: Day) -> Day:
    """The CDN serves the static files (without one, the web servers send them); its result
    is remembered for the same traffic and settings (:func:`_cdn_buckets_memo`)."""
    d, n_b = day.design, day.n_buckets
    if not d.cdn:
        # the web servers send the static files themselves: origin data transfer out
        cost = day.static * KB_STATIC * 1e-6 * PRICE_ORIGIN_GB * 3600.0
        p99 = np.full(n_b, np.nan)
        return day.add(
            to_web=day.rate,
            static_p99=p99,
            parts={"cdn": None},
            failed=(np.zeros(n_b),),
            costs=(cost,),
            metrics={"static_p99_s": p99},
        )
    down = [f for f in day.failures if f.kind == "cdn"]
    outage = None
    if down:
        f = down[0]
        outage = Outage(max(f.t_start - day.t_start, 0.0), max(f.t_end - day.t_start, 0.0))
    cdn = CDN(
        t_ttl=d.cdn_ttl,
        p_dynamic=0.0,
        users=day.workload.users,
        rate_origin_max=RATE_STATIC_ORIGIN,
        kb_object=KB_STATIC,
    )
    out = _cdn_buckets_memo(day.static, day.t_bucket, cdn, outage, d.cdn_strategy)
    return day.add(
        to_web=day.dynamic,
        static_p99=out.p99_all,
        parts={"cdn": out},
        failed=(out.rate_failed,),
        costs=(out.cost / day.t_bucket * 3600.0,),
        metrics={"static_p99_s": out.p99_all},
    )


_CDN_MEMO_SIZE = 16
"""How many CDN results :func:`_cdn_buckets_memo` keeps (each about 150 kB for a day)."""


def _cdn_buckets_memo(static, t_bucket: float, cdn: CDN, outage, strategy: str):
    """``cdn_buckets(static, t_bucket, cdn, outage=outage, strategy=strategy)``, remembered.

    The CDN stage is the slowest (its caches' occupancy runs bucket by bucket) and depends only
    on the static files' rate, the CDN's settings, a CDN outage and the strategy, so an explorer
    that changes servers, cache nodes, replicas, the DNS TTL or another failure reuses it. The
    last :data:`_CDN_MEMO_SIZE` results are kept (keyed by the rate's bytes and the frozen,
    hashable settings); each call returns fresh copies of the arrays, so a caller that changes
    one changes nothing remembered. The result is the very same numbers as a fresh call.
    """
    static = np.ascontiguousarray(static, dtype=float)
    out = _cdn_buckets_cached(static.tobytes(), float(t_bucket), cdn, outage, strategy)
    return replace(
        out, **{f.name: np.array(getattr(out, f.name)) for f in fields(out) if f.name != "t_bucket"}
    )


@functools.lru_cache(maxsize=_CDN_MEMO_SIZE)
def _cdn_buckets_cached(static: bytes, t_bucket: float, cdn: CDN, outage, strategy: str):
    return cdn_buckets(np.frombuffer(static), t_bucket, cdn, outage=outage, strategy=strategy)


def _geo(day: Day) -> Day:
    """GeoDNS sends each region to a data centre (capacity is the pools' business, so geo
    drops nothing); a data centre down for half a bucket or more counts as down."""
    up = np.ones((day.n_buckets, day.n_dcs), dtype=bool)
    for d in range(day.n_dcs):
        up[:, d] = day.window("datacenter", d) < 0.5
    rtt = rtt_matrix(REGIONS, day.design.regions)
    routing = GeoRouting(rtt, np.full(day.n_dcs, 1e12), t_ttl=day.design.dns_ttl)
    geo = geo_buckets(np.outer(day.to_web, day.share), day.t_bucket, routing, up=up)
    return day.add(up=up, rtt=rtt, geo=geo, parts={"geo": geo}, failed=(geo.rate_failed,))


def _servers_up(day: Day) -> tuple[np.ndarray, np.ndarray]:
    """Per bucket and data centre: the servers up, and the share of the bucket a dead server is
    still in the balancer's view (until the next health check notices it)."""
    n_b, n_dc = day.n_buckets, day.n_dcs
    lost = np.zeros((n_b, n_dc), dtype=np.int64)
    blend = np.zeros((n_b, n_dc))
    for d in range(n_dc):
        w = day.window("server", d)
        down = w > 0
        lost[:, d] = down.astype(np.int64)
        first = down & ~np.concatenate([[False], down[:-1]])
        t_blind = np.minimum(day.design.t_check, w * day.t_bucket)
        blend[:, d] = np.where(first, t_blind / day.t_bucket, 0.0)
    return np.where(day.up, day.design.n_servers - lost, 0), blend


def _unnoticed(day: Day, servers: ServerPool, n_up, blend, views) -> None:
    """Adapter: while the balancer has not noticed a dead server (a share ``blend`` of the
    bucket), that server's share of the requests fails. Updates ``views`` (the pool's served,
    dropped and failed requests/s, buckets x DCs) in place."""
    hit = np.argwhere(blend > 0)
    if not hit.size:
        return
    b, k = hit[:, 0], hit[:, 1]
    blind = pool_buckets(
        day.geo.rate_served[b, k],
        day.t_bucket,
        replace(servers, price_per_server_hour=0.0),
        n_up=n_up[b, k],
        n_in_view=n_up[b, k] + 1,
    )
    f = blend[b, k]
    for arr, new in zip(
        views, (blind.rate_served, blind.rate_dropped, blind.rate_errors), strict=True
    ):
        arr[b, k] = (1 - f) * arr[b, k] + f * new


def _pool(day: Day) -> Day:
    """Each data centre's web servers behind its balancer."""
    d, geo = day.design, day.geo
    n_up, blend = _servers_up(day)
    model = "random" if d.lb_policy == "random" else "pooled"
    servers = ServerPool(d.rate_server, N_QUEUE_MAX, model, PRICE_SERVER_HOUR)
    pool = pool_buckets(geo.rate_served, day.t_bucket, servers, n_up=n_up)  # buckets x DCs
    served_w, dropped_w, err_w = pool.rate_served, pool.rate_dropped, pool.rate_errors
    _unnoticed(day, servers, n_up, blend, (served_w, dropped_w, err_w))  # updates them in place
    util = np.where(n_up > 0, geo.rate_served / np.maximum(n_up, 1) / d.rate_server, 0.0)
    return day.add(
        n_up=n_up,
        served_w=served_w,
        resp_w=pool.t_response_mean,
        web_ok=served_w.sum(axis=1),
        parts={"pool": pool},
        failed=(dropped_w.sum(axis=1), err_w.sum(axis=1)),
        metrics={"rho_web": util.max(axis=1), "servers_up": n_up.sum(axis=1).astype(float)},
    )


def _sessions(day: Day) -> Day:
    """Sessions: who is logged out when servers come and go, and the time a request spends
    reading its session (from the store, or checking a token)."""
    d = day.design
    tier = SessionTier(
        mode=d.session_mode,
        n_sessions=N_SESSIONS_PER_SERVER * d.n_servers,
        rate_capacity=d.rate_server,
    )
    sess = [
        sessions_buckets(day.geo.rate_served[:, k], day.t_bucket, tier, n_servers=day.n_up[:, k])
        for k in range(day.n_dcs)
    ]
    lost = np.sum([s.lost for s in sess], axis=0)
    t_session = {"sticky": 0.0, "store": STORE_RTT, "token": TOKEN_VERIFY}[d.session_mode]
    return day.add(
        parts={"sessions": sess},
        t_added=(t_session,),
        metrics={"sessions_lost": lost.astype(float)},
    )


def _reads_and_writes(day: Day) -> Day:
    """The data layer sees only the dynamic requests the web tier served: reads and writes
    (and the writes users sent, served or not, for a master failure)."""
    n_b = day.n_buckets
    p_dyn = np.divide(day.dynamic, day.to_web, out=np.zeros(n_b), where=day.to_web > 0)
    dyn_ok = day.web_ok * p_dyn
    writes = dyn_ok * day.workload.p_write
    return day.add(
        writes=writes, reads=dyn_ok - writes, writes_offered=day.dynamic * day.workload.p_write
    )


def _cache(day: Day) -> Day:
    """The cache tier in front of the database (no cache: a tier whose only node is down)."""
    d, w, n_b = day.design, day.workload, day.n_buckets
    read_cap = d.n_shards * read_capacity(
        d.n_replicas, MU_DB, float(np.mean(day.writes)) / d.n_shards, primary_reads=True
    )
    if d.n_cache_nodes:
        tier = CacheTier(d.n_cache_nodes, d.cache_objects, rate_db_max=max(read_cap, 1.0))
        nodes_down = (day.window("cache") > 0).astype(int)
    else:  # adapter: no cache is a tier whose only node is always down
        tier = CacheTier(n_nodes=1, n_capacity=1, rate_db_max=max(read_cap, 1.0))
        nodes_down = np.ones(n_b, dtype=int)
    reads, popularity = day.reads, zipf_popularity(w.n_objects, w.zipf_s)
    cache = cache_tier_buckets(
        reads, day.t_bucket, tier, popularity=popularity, nodes_down=nodes_down
    )
    served_db = cache.rate_db - cache.rate_failed
    ok_reads = reads - cache.rate_failed
    # adapter: the miss path's time, read back from the tier's mean latency
    t_miss = np.divide(
        (cache.t_mean - tier.t_cache) * ok_reads,
        served_db,
        out=np.full(n_b, tier.t_db),
        where=served_db > 1e-12,
    )
    h = cache.hit_ratio
    return day.add(
        served_db=served_db,
        ok_reads=ok_reads,
        hit_ratio=h,
        p_hit=np.divide(reads * h, ok_reads, out=np.zeros(n_b), where=ok_reads > 0),
        t_cache=tier.t_cache,
        t_miss=t_miss,
        parts={"cache": cache},
        failed=(cache.rate_failed,),
        metrics={"cache_hit_ratio": h},
    )


def _shards(day: Day) -> Day:
    """Writes, and the reads the cache missed, spread over the shards; an overloaded shard
    fails its share of the writes."""
    n_rep, writes = day.design.n_replicas, day.writes
    db = ShardedDatabase(n_shards=day.design.n_shards, rate_shard=MU_DB, n_read_replicas=n_rep)
    shards = shard_buckets(writes, day.t_bucket, db, rate_reads=day.served_db, rng=day.rng)
    w_share = np.divide(
        writes, writes + day.served_db / (1 + n_rep), out=np.zeros(day.n_buckets), where=writes > 0
    )
    return day.add(
        writes_overloaded=shards.overload * w_share,
        share0=float(shards.shares[0]),
        parts={"shards": shards},
        metrics={"rho_db": shards.rho_hottest},
    )


def _replication(day: Day) -> Day:
    """Each shard's replicas: their lag, and the primary's load (without replicas, the primary
    serves everything)."""
    d, n_rep = day.design, day.design.n_replicas
    if not n_rep:
        lag = np.zeros(day.n_buckets)
        rho_primary = (day.writes + day.served_db) / d.n_shards / MU_DB
        return day.add(
            lag_offered=None, rho_primary=rho_primary, metrics={"replication_lag_s": lag}
        )
    replicas = ReplicaSet(n_rep, MU_DB, T_LAG, p_read_replica=n_rep / (n_rep + 1))
    repl = replication_buckets(
        day.writes / d.n_shards, day.t_bucket, replicas, rate_reads=day.served_db / d.n_shards
    )
    # the lag of the writes users send, whatever the web tier manages to serve (for a failure)
    w_offered = day.writes_offered
    lag_offered = replication_buckets(
        w_offered / d.n_shards,
        day.t_bucket,
        replicas,
        rate_reads=(day.dynamic - w_offered) * (1.0 - day.hit_ratio) / d.n_shards,
    ).t_lag
    return day.add(
        lag_offered=lag_offered,
        rho_primary=repl.rho_primary,
        metrics={"replication_lag_s": repl.t_lag},
    )


def _master_failure(day: Day) -> Day:
    """Adapter: a master failure, the replication chapter's analytic picture. Writes to the
    shard fail until a replica is promoted (or the shard is restored from its backup); the
    acknowledged writes not yet on the freshest replica are lost (all since midnight's backup
    without a replica)."""
    n_rep, n_b, dt, t_start = day.design.n_replicas, day.n_buckets, day.t_bucket, day.t_start
    w_offered, share0 = day.writes_offered, day.share0
    lost_writes = np.zeros(n_b)
    master_down = np.zeros(n_b)
    for f in day.failures:
        if f.kind != "master":
            continue
        t_out = T_FAILOVER_DB if n_rep else T_RESTORE_DB
        master_down = np.maximum(master_down, _windows(day.t, dt, f.t_start, f.t_start + t_out))
        b = int(np.clip((f.t_start - t_start) // dt, 0, n_b - 1))
        if t_start <= f.t_start < t_start + n_b * dt:
            if n_rep:  # acknowledged writes not yet on the freshest replica: offered writes
                lost_writes[b] += w_offered[b] * share0 * day.lag_offered[b] / n_rep
            else:  # everything written to the shard since the nightly backup at midnight
                since = f.t_start % SECONDS_PER_DAY
                lost_writes[b] += float(np.mean(w_offered)) * share0 * since
    writes = day.writes
    failed_writes = np.minimum(day.writes_overloaded, writes)
    failed_writes = failed_writes + (writes - failed_writes) * share0 * master_down
    ok_writes = np.clip(writes - failed_writes, 0.0, None)
    return day.add(
        ok_writes=ok_writes,
        failed=(failed_writes,),
        lost=(lost_writes,),
        metrics={"rate_writes_ok": ok_writes},
    )


def _queue(day: Day) -> Day:
    """Background jobs: every write that succeeded queues jobs for the workers."""
    d = day.design
    jobs = queue_buckets(
        day.ok_writes * day.workload.jobs_per_write,
        day.t_bucket,
        WorkQueue(d.rate_worker, n_buffer=d.queue_max),
        n_servers=d.n_workers,
    )
    return day.add(
        parts={"jobs": jobs},
        lost=(jobs.dropped,),
        metrics={"queue_backlog": jobs.backlog, "queue_wait_s": jobs.t_wait},
    )


def _errors(day: Day) -> Day:
    """Errors and availability: the requests/s every stage failed, at most what users sent."""
    rate = day.rate
    failed = np.minimum(_total(day.failed), rate)
    error_rate = np.divide(failed, rate, out=np.zeros(day.n_buckets), where=rate > 0)
    return day.add(
        rate_failed=failed,
        error_rate=error_rate,
        metrics={"rate_failed": failed, "error_rate": error_rate},
    )


def _latency(day: Day) -> Day:
    """Latency percentiles of successful dynamic requests: a mixture over region x data path
    (read hit, read miss, write) x DNS lookup, each a constant (round trip, data and lookup
    times, the time stages added) plus the server's exponential time."""
    n_b, geo = day.n_buckets, day.geo
    live = geo.share * day.up[:, None, :]  # buckets x regions x DCs
    wts = np.where(np.isfinite(day.resp_w), day.served_w, 0.0)
    resp = np.where(np.isfinite(day.resp_w), day.resp_w, 0.0)
    live_w = live * (wts > 0)[:, None, :]
    norm = live_w.sum(axis=2)
    mean_server, rtt_s = (
        np.divide((live_w * x).sum(axis=2), norm, out=np.zeros_like(norm), where=norm > 0)
        for x in (resp[:, None, :], day.rtt[None])
    )
    reg_w = day.share[None, :] * (norm > 0)
    ok_writes, p_hit = day.ok_writes, day.p_hit
    t_write = 1.0 / MU_DB / (1.0 - np.minimum(day.rho_primary, 0.99))
    p_w = np.divide(ok_writes, ok_writes + day.ok_reads, out=np.zeros(n_b), where=day.ok_reads > 0)
    data = [
        ((1 - p_w) * p_hit, np.full(n_b, day.t_cache)),
        ((1 - p_w) * (1 - p_hit), day.t_cache + day.t_miss),
        (p_w, t_write),
    ]
    ws, cs = [], []
    for pd, td in data:
        for pl, tl in day.lookup:
            ws.append(np.broadcast_to(np.asarray(pd * pl)[:, None], reg_w.shape) * reg_w)
            t_fixed = td + tl
            for t_more in day.t_added:
                t_fixed = t_fixed + t_more
            cs.append(rtt_s + t_fixed[:, None])
    w_all, c_all = np.concatenate(ws, axis=1), np.concatenate(cs, axis=1)
    m_all = np.concatenate([mean_server] * len(ws), axis=1)
    p50, p99 = _quantiles((0.5, 0.99), w_all, c_all, m_all)
    return day.add(p50=p50, p99=p99, metrics={"p50_s": p50, "p99_s": p99})


def _totals(day: Day) -> Day:
    """Data lost, and the cost: every machine of the design is paid for, broken or not (a
    replacement is started), plus what the stages spent by traffic."""
    data_lost = _total(day.lost)
    cost = functools.reduce(
        operator.add, day.costs, np.full(day.n_buckets, day.design.cost_per_hour())
    )
    return day.add(
        data_lost=data_lost,
        cost_per_hour=cost,
        metrics={"data_lost": data_lost, "cost_per_hour": cost},
    )


STAGES: tuple[Callable[[Day], Day], ...] = (
    _traffic,
    _dns,
    _cdn,
    _geo,
    _pool,
    _sessions,
    _reads_and_writes,
    _cache,
    _shards,
    _replication,
    _master_failure,
    _queue,
    _errors,
    _latency,
    _totals,
)
"""The stages of :func:`simulate`, in order: one per tier, as a request meets them (each takes
a :class:`Day` and returns it with its findings added), then the whole system's errors, latency
and totals. A new tier is one more stage here."""


def simulate(
    design: Design,
    workload: Workload,
    failures=(),
    *,
    t_start: float = 0.0,
    t_end: float = SECONDS_PER_DAY,
    t_bucket: float = 60.0,
    rng: np.random.Generator,
) -> Run:
    """Drive ``workload`` through ``design`` from ``t_start`` to ``t_end`` (s since midnight) in
    buckets of ``t_bucket`` s, with ``failures`` (a sequence of ``Failure``): every stage of
    :data:`STAGES` in turn.

    >>> quiet = simulate(Design(), Workload(), t_end=7_200.0, rng=np.random.default_rng(2))
    >>> dc = simulate(Design(), Workload(), [Failure("datacenter", 1_800.0, 3_600.0, 1)],
    ...               t_end=7_200.0, rng=np.random.default_rng(2))
    >>> bool(dc.total_availability < quiet.total_availability)
    True
    """
    check_type("design", design, Design)
    check_type("workload", workload, Workload)
    failures = tuple(failures)
    for f in failures:
        if not isinstance(f, Failure):
            raise ValueError(f"failures must hold Failure objects; got {type(f).__name__}")
    check_number("t_start", t_start, low=0)
    check_number("t_end", t_end, low=t_start, low_open=True, high=t_start + 7 * SECONDS_PER_DAY)
    dt = check_number("t_bucket", t_bucket, low=1, high=3_600)
    check_rng(rng)
    n_b = max(1, int(round((t_end - t_start) / dt)))
    # a failure's target data centre counts modulo the design's number of data centres
    failures = tuple(replace(f, target=f.target % design.n_dcs) for f in failures)
    day = Day(design, workload, failures, t_start, t_start + np.arange(n_b) * dt, dt, rng)
    for stage in STAGES:
        day = stage(day)
    return Run(
        day.t,
        dt,
        day.rate,
        day.rate_failed,
        day.error_rate,
        1.0 - day.error_rate,
        day.p50,
        day.p99,
        day.static_p99,
        day.data_lost,
        day.cost_per_hour,
        dict(day.metrics),
        {**day.parts, "rate": day.rate, "reads": day.reads, "writes": day.writes},
    )
