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


def _quantile(q: float, w: np.ndarray, c: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per row, the ``q`` quantile of a mixture: weight ``w``, constant ``c`` plus an exponential
    of mean ``mean`` (bisection on the mixture's distribution function).

    The readable form it computes, bit for bit (with fewer temporary arrays)::

        for _ in range(36):
            x = (lo + hi) / 2
            z = np.clip(x[:, None] - c, 0.0, None)
            f = np.sum(w * -np.expm1(-z / m), axis=1)
            below = f < q * total
            lo, hi = np.where(below, x, lo), np.where(below, hi, x)
    """
    total = w.sum(axis=1)
    lo = np.zeros(w.shape[0])
    hi = np.full(w.shape[0], 60.0)
    m = np.maximum(mean, 1e-9)
    # sum(w * -e) < q * total  <=>  sum(w * e) > -(q * total): negation is exact in floating point
    neg_target = -(q * total)
    z = np.empty(w.shape)
    for _ in range(36):
        x = (lo + hi) / 2
        np.subtract(x[:, None], c, out=z)
        np.maximum(z, 0.0, out=z)
        np.divide(z, m, out=z)
        np.negative(z, out=z)
        np.expm1(z, out=z)
        np.multiply(w, z, out=z)
        below = z.sum(axis=1) > neg_target
        np.copyto(lo, x, where=below)
        np.copyto(hi, x, where=~below)
    return np.where(total > 0, (lo + hi) / 2, np.nan)


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
    """The CDN serves the static files (without one, the web servers send them)."""
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
    out = cdn_buckets(day.static, day.t_bucket, cdn, outage=outage, strategy=d.cdn_strategy)
    return day.add(
        to_web=day.dynamic,
        static_p99=out.p99_all,
        parts={"cdn": out},
        failed=(out.rate_failed,),
        costs=(out.cost / day.t_bucket * 3600.0,),
        metrics={"static_p99_s": out.p99_all},
    )


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
    p50, p99 = _quantile(0.5, w_all, c_all, m_all), _quantile(0.99, w_all, c_all, m_all)
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
