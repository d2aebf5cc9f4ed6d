"""A day of traffic through every tier: the chapters' time-bucketed forms wired together.

:func:`traffic` turns a :class:`~scalelab.architecture.Workload` into requests/s per bucket, and
:func:`simulate` runs a :class:`~scalelab.architecture.Design` through it, with
:class:`~scalelab.architecture.Failure` s, in the order a request meets the tiers (resolver
caches, the CDN, GeoDNS, each data centre's balancer and servers, sessions, the cache tier,
replication, shards and the background queue). It adds what only the whole system has:
end-to-end latency percentiles, errors, availability, data lost, cost per hour and the metrics a
monitoring system would scrape (a :class:`~scalelab.architecture.Run`). See
:mod:`scalelab.architecture` for the adapters between tiers and the simplifications.
"""

from __future__ import annotations

from dataclasses import replace

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
from scalelab.cache import CacheTier, simulate_cache_tier, zipf_popularity
from scalelab.cdn import CDN, PRICE_ORIGIN_GB, Outage, simulate_cdn_buckets
from scalelab.dns import T_AUTH, T_CLIENT, resolver_cache_buckets
from scalelab.estimate import SECONDS_PER_DAY, diurnal_rate
from scalelab.geo import REGIONS, geo_buckets, rtt_matrix
from scalelab.load_balancer import bucketed_pool
from scalelab.queueing import fluid_queue
from scalelab.replication import read_capacity, replication_timeline
from scalelab.sessions import STORE_RTT, TOKEN_VERIFY, sessions_buckets
from scalelab.sharding import ShardedDatabase, simulate_shard_load
from scalelab.validate import check_number, check_rng

__all__ = [
    "traffic",
    "simulate",
]


def _windows(t0: np.ndarray, dt: float, start: float, end: float) -> np.ndarray:
    """Share of each bucket [t0, t0 + dt) that lies inside [start, end)."""
    return np.clip(np.minimum(t0 + dt, end) - np.maximum(t0, start), 0.0, None) / dt


def traffic(workload: Workload, t, rng: np.random.Generator) -> np.ndarray:
    """Requests/s users send at times ``t`` (s since midnight): the daily wave, the spike, noise.

    >>> w = Workload(noise=0.0)
    >>> r = traffic(w, np.arange(0.0, 86_400.0, 60.0), np.random.default_rng(0))
    >>> round(float(r.mean()) / w.mean_rps, 6)
    1.0
    """
    check_rng(rng)
    t = np.asarray(t, dtype=float)
    rate = diurnal_rate(
        (t / 3600.0) % 24.0, workload.mean_rps, workload.peak_factor, workload.peak_hour
    )
    inside = (t >= workload.t_spike) & (t < workload.t_spike + workload.t_spike_len)
    rate = rate * np.where(inside, workload.spike_factor, 1.0)
    if workload.noise > 0:
        rate = rate * np.exp(rng.normal(0.0, workload.noise, t.size))
    return rate


def _quantile(q: float, w: np.ndarray, c: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per row, the ``q`` quantile of a mixture: weight ``w``, constant ``c`` plus an exponential
    of mean ``mean`` (bisection on the mixture's distribution function)."""
    total = w.sum(axis=1)
    lo = np.zeros(w.shape[0])
    hi = np.full(w.shape[0], 60.0)
    m = np.maximum(mean, 1e-9)
    for _ in range(36):
        x = (lo + hi) / 2
        z = np.clip(x[:, None] - c, 0.0, None)
        f = np.sum(w * -np.expm1(-z / m), axis=1)
        below = f < q * total
        lo = np.where(below, x, lo)
        hi = np.where(below, hi, x)
    return np.where(total > 0, (lo + hi) / 2, np.nan)


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
    buckets of ``t_bucket`` s, with ``failures`` (a sequence of ``Failure``).

    >>> quiet = simulate(Design(), Workload(), t_end=7_200.0, rng=np.random.default_rng(2))
    >>> dc = simulate(Design(), Workload(), [Failure("datacenter", 1_800.0, 3_600.0, 1)],
    ...               t_end=7_200.0, rng=np.random.default_rng(2))
    >>> bool(dc.total_availability < quiet.total_availability)
    True
    """
    if not isinstance(design, Design):
        raise ValueError(f"design must be a Design; got {type(design).__name__}")
    if not isinstance(workload, Workload):
        raise ValueError(f"workload must be a Workload; got {type(workload).__name__}")
    failures = tuple(failures)
    for f in failures:
        if not isinstance(f, Failure):
            raise ValueError(f"failures must hold Failure objects; got {type(f).__name__}")
    check_number("t_start", t_start, low=0)
    check_number("t_end", t_end, low=t_start, low_open=True, high=t_start + 7 * SECONDS_PER_DAY)
    dt = check_number("t_bucket", t_bucket, low=1, high=3_600)
    check_rng(rng)
    n_b = max(1, int(round((t_end - t_start) / dt)))
    t0 = t_start + np.arange(n_b) * dt
    n_dc = design.n_dcs

    def window(kind: str, target: int | None = None) -> np.ndarray:
        out = np.zeros(n_b)
        for f in failures:
            if f.kind == kind and (target is None or f.target == target):
                out = np.maximum(out, _windows(t0, dt, f.t_start, f.t_end))
        return out

    # a failure's target data centre counts modulo the design's number of data centres
    failures = tuple(replace(f, target=f.target % n_dc) for f in failures)

    rate = traffic(workload, t0, rng)
    share = np.asarray(workload.users, dtype=float) / sum(workload.users)
    static = rate * workload.p_static
    dynamic = rate - static

    # DNS: one request in `requests_per_lookup` asks a resolver (TTL = the design's)
    dns = resolver_cache_buckets(
        rate / workload.requests_per_lookup,
        dt,
        design.dns_ttl,
        n_resolvers=1_000,
        t_hit=T_CLIENT,
        t_miss=T_CLIENT + T_AUTH,
    )
    p_lookup = 1.0 / workload.requests_per_lookup

    # CDN: static files (or, without one, the web servers serve them)
    cdn_out = None
    if design.cdn:
        cdn_down = [f for f in failures if f.kind == "cdn"]
        outage = None
        if cdn_down:
            f = cdn_down[0]
            outage = Outage(max(f.t_start - t_start, 0.0), max(f.t_end - t_start, 0.0))
        cdn = CDN(
            t_ttl=design.cdn_ttl,
            p_dynamic=0.0,
            users=workload.users,
            rate_origin_max=RATE_STATIC_ORIGIN,
            kb_object=KB_STATIC,
        )
        cdn_out = simulate_cdn_buckets(static, dt, cdn, outage=outage, strategy=design.cdn_strategy)
        to_web = dynamic
        static_failed = cdn_out.rate_failed
        static_p99 = cdn_out.p99_all
        cdn_cost = cdn_out.cost / dt * 3600.0
    else:
        to_web = rate
        static_failed = np.zeros(n_b)
        static_p99 = np.full(n_b, np.nan)
        # the web servers send the static files themselves: origin data transfer out
        cdn_cost = static * KB_STATIC * 1e-6 * PRICE_ORIGIN_GB * 3600.0

    # GeoDNS to the data centres (capacity is the pools' business, so geo drops nothing)
    up = np.ones((n_b, n_dc), dtype=bool)
    for d in range(n_dc):
        up[:, d] = window("datacenter", d) < 0.5
    rtt = rtt_matrix(REGIONS, design.regions)
    geo = geo_buckets(
        np.outer(to_web, share), dt, rtt, np.full(n_dc, 1e12), up, t_ttl=design.dns_ttl
    )

    # each data centre's pool behind its balancer; a dead server stays in view until detected
    lost_srv = np.zeros((n_b, n_dc), dtype=np.int64)
    blend = np.zeros((n_b, n_dc))
    for d in range(n_dc):
        w = window("server", d)
        down = w > 0
        lost_srv[:, d] = down.astype(np.int64)
        first = down & ~np.concatenate([[False], down[:-1]])
        blend[:, d] = np.where(first, np.minimum(design.t_check, w * dt) / dt, 0.0)
    n_up = np.where(up, design.n_servers - lost_srv, 0)
    model = "random" if design.lb_policy == "random" else "pooled"
    k = N_QUEUE_MAX
    pool = bucketed_pool(
        geo.served_rps.T.ravel(),
        dt,
        n_up.T.ravel(),
        design.server_rps,
        k,
        model=model,
        price_per_server_hour=PRICE_SERVER_HOUR,
    )
    served_w = pool.served_rps.reshape(n_dc, n_b).T
    dropped_w = pool.dropped_rps.reshape(n_dc, n_b).T
    err_w = pool.error_rps.reshape(n_dc, n_b).T
    resp_w = pool.t_response_mean.reshape(n_dc, n_b).T
    # adapter: while the balancer has not noticed the dead server, its share of requests fails
    hit = np.argwhere(blend > 0)
    if hit.size:
        b_idx, d_idx = hit[:, 0], hit[:, 1]
        blind = bucketed_pool(
            geo.served_rps[b_idx, d_idx],
            dt,
            n_up[b_idx, d_idx],
            design.server_rps,
            k,
            n_in_view=n_up[b_idx, d_idx] + 1,
            model=model,
        )
        f = blend[b_idx, d_idx]
        for _name, arr, new in (
            ("served", served_w, blind.served_rps),
            ("dropped", dropped_w, blind.dropped_rps),
            ("error", err_w, blind.error_rps),
        ):
            arr[b_idx, d_idx] = (1 - f) * arr[b_idx, d_idx] + f * new
    web_ok = served_w.sum(axis=1)

    # sessions: who is logged out when servers come and go
    sess = [
        sessions_buckets(
            geo.served_rps[:, d],
            n_up[:, d],
            t_bucket=dt,
            mode=design.session_mode,
            n_sessions=N_SESSIONS_PER_SERVER * design.n_servers,
            rate_capacity=design.server_rps,
        )
        for d in range(n_dc)
    ]
    sessions_lost = np.sum([s.lost for s in sess], axis=0)
    t_session = {"sticky": 0.0, "store": STORE_RTT, "token": TOKEN_VERIFY}[design.session_mode]

    # the data layer: only dynamic requests reach it
    p_dyn = np.divide(dynamic, to_web, out=np.zeros(n_b), where=to_web > 0)
    dyn_ok = web_ok * p_dyn
    writes = dyn_ok * workload.p_write
    reads = dyn_ok - writes
    n_rep = design.n_replicas
    read_cap = design.n_shards * read_capacity(
        n_rep, MU_DB, float(np.mean(writes)) / design.n_shards, primary_reads=True
    )
    popularity = zipf_popularity(workload.n_objects, workload.zipf_s)
    if design.n_cache_nodes:
        tier = CacheTier(
            n_nodes=design.n_cache_nodes,
            n_capacity=design.cache_objects,
            rate_db_max=max(read_cap, 1.0),
        )
        cache_win = window("cache")
        nodes_down = (cache_win > 0).astype(int)
    else:  # adapter: no cache is a tier whose only node is always down
        tier = CacheTier(n_nodes=1, n_capacity=1, rate_db_max=max(read_cap, 1.0))
        nodes_down = np.ones(n_b, dtype=int)
    cache = simulate_cache_tier(reads, dt, tier, popularity, nodes_down=nodes_down)
    served_db = cache.rate_db - cache.rate_failed
    # adapter: the miss path's time, read back from the tier's mean latency
    ok_reads = reads - cache.rate_failed
    t_miss = np.divide(
        (cache.t_mean - tier.t_cache) * ok_reads,
        served_db,
        out=np.full(n_b, tier.t_db),
        where=served_db > 1e-12,
    )
    h = cache.hit_ratio
    p_hit = np.divide(reads * h, ok_reads, out=np.zeros(n_b), where=ok_reads > 0)

    db = ShardedDatabase(n_shards=design.n_shards, mu_shard=MU_DB, n_read_replicas=n_rep)
    shards = simulate_shard_load(db, writes, served_db, dt, rng)
    w_share = np.divide(
        writes, writes + served_db / (1 + n_rep), out=np.zeros(n_b), where=writes > 0
    )
    failed_writes = shards.overload * w_share
    share0 = float(shards.shares[0])
    if n_rep:
        repl = replication_timeline(
            writes / design.n_shards,
            served_db / design.n_shards,
            n_replicas=n_rep,
            rate_server=MU_DB,
            t_lag=T_LAG,
            p_read_replica=n_rep / (n_rep + 1),
        )
        lag = repl.t_lag
        u_primary = repl.u_primary
    else:
        lag = np.zeros(n_b)
        u_primary = (writes + served_db) / design.n_shards / MU_DB
    # adapter: a master failure (the replication chapter's analytic picture); the writes in
    # flight are those users send, whatever the web tier manages to serve
    w_offered = dynamic * workload.p_write
    if n_rep:
        lag_offered = replication_timeline(
            w_offered / design.n_shards,
            (dynamic - w_offered) * (1.0 - h) / design.n_shards,
            n_replicas=n_rep,
            rate_server=MU_DB,
            t_lag=T_LAG,
            p_read_replica=n_rep / (n_rep + 1),
        ).t_lag
    # adapter: a master failure (the replication chapter's analytic picture)
    lost_writes = np.zeros(n_b)
    master_down = np.zeros(n_b)
    for f in failures:
        if f.kind != "master":
            continue
        t_out = T_FAILOVER_DB if n_rep else T_RESTORE_DB
        master_down = np.maximum(master_down, _windows(t0, dt, f.t_start, f.t_start + t_out))
        b = int(np.clip((f.t_start - t_start) // dt, 0, n_b - 1))
        if t_start <= f.t_start < t_start + n_b * dt:
            if n_rep:  # acknowledged writes not yet on the freshest replica: offered writes
                lost_writes[b] += w_offered[b] * share0 * lag_offered[b] / n_rep
            else:  # everything written to the shard since the nightly backup at midnight
                since = f.t_start % SECONDS_PER_DAY
                lost_writes[b] += float(np.mean(w_offered)) * share0 * since
    failed_writes = np.minimum(failed_writes, writes)
    failed_writes = failed_writes + (writes - failed_writes) * share0 * master_down
    ok_writes = np.clip(writes - failed_writes, 0.0, None)

    # background jobs: a queue and its workers
    jobs = fluid_queue(
        ok_writes * workload.jobs_per_write,
        dt,
        design.worker_rps,
        design.n_workers,
        n_buffer=design.queue_max,
    )
    data_lost = lost_writes + jobs.dropped

    # errors and availability
    failed = (
        static_failed
        + geo.failed_rps
        + dropped_w.sum(axis=1)
        + err_w.sum(axis=1)
        + cache.rate_failed
        + failed_writes
    )
    failed = np.minimum(failed, rate)
    error_rate = np.divide(failed, rate, out=np.zeros(n_b), where=rate > 0)

    # latency of successful dynamic requests: region x (read hit, read miss, write) x DNS
    live = geo.share * up[:, None, :]  # buckets x regions x DCs
    wts = np.where(np.isfinite(resp_w), served_w, 0.0)
    resp = np.where(np.isfinite(resp_w), resp_w, 0.0)
    live_w = live * (wts > 0)[:, None, :]
    norm = live_w.sum(axis=2)
    mean_server = np.divide(
        (live_w * resp[:, None, :]).sum(axis=2), norm, out=np.zeros_like(norm), where=norm > 0
    )
    rtt_s = (
        np.divide((live_w * rtt[None]).sum(axis=2), norm, out=np.zeros_like(norm), where=norm > 0)
        / 1000.0
    )
    reg_w = share[None, :] * (norm > 0)
    t_write = 1.0 / MU_DB / (1.0 - np.minimum(u_primary, 0.99))
    p_w = np.divide(ok_writes, ok_writes + ok_reads, out=np.zeros(n_b), where=ok_reads > 0)
    data = [
        ((1 - p_w) * p_hit, np.full(n_b, tier.t_cache)),
        ((1 - p_w) * (1 - p_hit), tier.t_cache + t_miss),
        (p_w, t_write),
    ]
    look = [
        (1 - p_lookup, np.zeros(n_b)),
        (p_lookup * dns.hit_ratio, np.full(n_b, T_CLIENT)),
        (p_lookup * (1 - dns.hit_ratio), np.full(n_b, T_CLIENT + T_AUTH)),
    ]
    ws, cs, ms = [], [], []
    for pd, td in data:
        for pl, tl in look:
            wgt = np.broadcast_to(np.asarray(pd * pl)[:, None], reg_w.shape) * reg_w
            ws.append(wgt)
            cs.append(rtt_s + (td + tl + t_session)[:, None])
            ms.append(mean_server)
    w_all, c_all, m_all = (np.concatenate(a, axis=1) for a in (ws, cs, ms))
    p50 = _quantile(0.5, w_all, c_all, m_all)
    p99 = _quantile(0.99, w_all, c_all, m_all)

    # cost: every machine of the design is paid for, broken or not (a replacement is started)
    fixed = design.cost_per_hour()
    cost = fixed + cdn_cost

    util_dc = np.where(n_up > 0, geo.served_rps / np.maximum(n_up, 1) / design.server_rps, 0.0)
    metrics = {
        "requests_rps": rate,
        "failed_rps": failed,
        "error_rate": error_rate,
        "p50_s": p50,
        "p99_s": p99,
        "static_p99_s": static_p99,
        "web_utilisation": util_dc.max(axis=1),
        "servers_up": n_up.sum(axis=1).astype(float),
        "dns_hit_ratio": dns.hit_ratio,
        "cache_hit_ratio": h,
        "db_utilisation": shards.hottest_utilisation,
        "replication_lag_s": lag,
        "queue_backlog": jobs.backlog,
        "queue_wait_s": jobs.t_wait,
        "sessions_lost": sessions_lost.astype(float),
        "writes_ok_rps": ok_writes,
        "data_lost": data_lost,
        "cost_per_hour": cost,
    }
    parts = {
        "dns": dns,
        "cdn": cdn_out,
        "geo": geo,
        "pool": pool,
        "sessions": sess,
        "cache": cache,
        "shards": shards,
        "jobs": jobs,
        "rate": rate,
        "reads": reads,
        "writes": writes,
    }
    return Run(
        t0,
        dt,
        rate,
        failed,
        error_rate,
        1.0 - error_rate,
        p50,
        p99,
        static_p99,
        data_lost,
        cost,
        metrics,
        parts,
    )
