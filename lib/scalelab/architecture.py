"""The whole system, composed: a day of traffic through every tier, failures, metrics and SLOs.

The picture. By the end of the journey a request from a user in Tokyo goes through a resolver
(DNS), maybe a CDN edge (static files), GeoDNS to the nearest healthy data centre, its load
balancer, a stateless web server that reads the session from a store or a token, a cache, the
database (shards, each a primary with replicas), and, for work that can wait, a message queue
drained by workers. Each of those pieces has its own chapter and its own model. This module does
not model any of them again: it wires together their **time-bucketed forms** (one-minute buckets
by default) and adds what only the whole system has: end-to-end latency, errors, availability,
data lost and cost per hour, metrics a monitoring system would scrape, alert rules, and service
level objectives (SLOs) to grade a design against.

The pieces, in the order a request meets them (each a function from another chapter):

- ``scalelab.dns.resolver_cache_buckets``: lookups that hit or miss resolver caches (DNS TTL);
- ``scalelab.cdn.simulate_cdn_buckets``: static files at the CDN's edges, outages, failover;
- ``scalelab.geo.geo_buckets``: GeoDNS routing to data centres, health checks, TTL on failover;
- ``scalelab.load_balancer.bucketed_pool``: each data centre's web servers behind a balancer;
- ``scalelab.sessions.sessions_buckets``: where sessions live, and who is logged out;
- ``scalelab.cache.simulate_cache_tier``: the cache-aside tier and the database's read load;
- ``scalelab.replication.replication_timeline``: replica lag and stale reads;
- ``scalelab.sharding.simulate_shard_load``: writes spread over shard primaries;
- ``scalelab.queueing.fluid_queue``: background jobs, the queue and its workers.

Thin adapters (written here, because the components do not offer them): the balancer's
health-check delay is blended within a bucket (``bucketed_pool`` takes whole servers in view per
bucket); a master failure is the replication chapter's *analytic* picture (writes to the shard
fail until a replica is promoted; the acknowledged writes not yet shipped, ``rate x lag`` for the
freshest of ``k`` replicas, are lost; with no replica the shard is restored from the nightly
backup and everything written since is lost); "no cache" is a cache tier whose only node is down;
the cache read time on a miss is read back from the tier's mean latency.

What it simplifies: each data centre holds a copy of the cache and the read replicas, modelled as
one tier of the summed size; the shard primaries' location and cross-region write latency are not
modelled; server time is exponential with the pool's mean (an M/M/1 response time); a request is
a read or a write; a failed request counts as an error, not a latency; percentiles are over
successful dynamic (API) requests, static files have their own series from the CDN.

>>> run = simulate(Design(), Workload(), t_end=3_600.0, rng=np.random.default_rng(1))
>>> run.t.size, bool(run.availability.min() > 0.999), bool(run.p99.max() < 0.5)
(60, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from scalelab.cache import CacheTier, simulate_cache_tier, zipf_popularity
from scalelab.cdn import CDN, PRICE_ORIGIN_GB, STRATEGIES, Outage, simulate_cdn_buckets
from scalelab.dns import T_AUTH, T_CLIENT, resolver_cache_buckets
from scalelab.estimate import SECONDS_PER_DAY, average_qps, diurnal_rate
from scalelab.geo import DEFAULT_USERS_M, REGIONS, geo_buckets, rtt_matrix
from scalelab.load_balancer import ALB_PRICE_PER_HOUR, M7I, bucketed_pool
from scalelab.queueing import PRICE_PER_WORKER_HOUR, fluid_queue
from scalelab.replication import read_capacity, replication_timeline
from scalelab.sessions import MODES, STORE_RTT, TOKEN_VERIFY, sessions_buckets
from scalelab.sharding import ShardedDatabase, simulate_shard_load
from scalelab.validate import check_choice, check_int, check_number, check_rng

__all__ = [
    "LB_POLICIES",
    "FAILURE_KINDS",
    "PRICE_SERVER_HOUR",
    "PRICE_CACHE_NODE_HOUR",
    "PRICE_DB_HOUR",
    "T_FAILOVER_DB",
    "T_RESTORE_DB",
    "Design",
    "Workload",
    "Failure",
    "Run",
    "traffic",
    "simulate",
    "SLO",
    "SLOResult",
    "check_slos",
    "Scenario",
    "grade_design",
    "AlertRule",
    "evaluate_alert",
    "burn_rate",
    "error_budget_minutes",
    "incident_caught",
]

LB_POLICIES = ("random", "least_connections")
"""Balancer policies the pool's bucketed form covers: ``"random"`` (one queue per server, exact
for random routing) and ``"least_connections"`` (one shared queue: its optimistic bound)."""

FAILURE_KINDS = ("server", "cache", "master", "cdn", "datacenter")
"""What a ``Failure`` breaks: one web server, one cache node, a shard's primary database, the
CDN (provider-wide), or a whole data centre."""

PRICE_SERVER_HOUR = M7I[1].price_per_hour
"""A web server: AWS EC2 m7i.xlarge on demand, us-east-1, 2024 ($0.2016/h; via
``scalelab.load_balancer.M7I``)."""

PRICE_CACHE_NODE_HOUR = 0.22
"""One cache node, $/h: of the order of AWS ElastiCache cache.r7g.large on demand (2024,
https://aws.amazon.com/elasticache/pricing/); illustrative."""

PRICE_DB_HOUR = 0.50
"""One database server (a shard primary or a replica), $/h: of the order of AWS RDS
db.r7g.xlarge on demand (2024, https://aws.amazon.com/rds/pricing/); illustrative."""

T_FAILOVER_DB = 60.0
"""Seconds from a primary's death until a replica is promoted and takes writes (detection plus
promotion; managed databases quote one to two minutes, e.g. AWS RDS Multi-AZ, 2024)."""

T_RESTORE_DB = 3_600.0
"""Seconds to restore a shard without a replica from its nightly backup (illustrative)."""

T_LAG = 0.1
"""Mean replication lag of an idle replica, seconds (``replication_timeline``'s default)."""

MU_DB = 2_000.0
"""Operations/s one database server (primary or replica) serves (illustrative)."""

RATE_STATIC_ORIGIN = 50_000.0
"""Requests/s the static files' origin (object storage) serves when the CDN sends clients to it:
object stores scale far beyond one web server (illustrative)."""

KB_STATIC = 50.0
"""Size of a static file, kilobytes (``scalelab.cdn.CDN``'s default object)."""

N_QUEUE_MAX = 20
"""Requests one web server holds at most (in service and waiting); more are turned away."""

N_SESSIONS_PER_SERVER = 2_000
"""Logged-in users whose sessions one web server holds at a time (for sessions lost)."""


@dataclass(frozen=True)
class Design:
    """An architecture, as plain data: where, how many, which policy.

    ``regions``: data-centre regions (names from ``scalelab.geo.REGIONS``, no repeats);
    ``dns_ttl``: GeoDNS answers' TTL (s); ``cdn``/``cdn_ttl``/``cdn_strategy``: a CDN for static
    files, its TTL (s) and what clients do when it is down (``scalelab.cdn.STRATEGIES``);
    ``n_servers``: web servers per data centre, each serving ``server_rps`` requests/s, behind a
    balancer with ``lb_policy`` (``LB_POLICIES``) that health-checks every ``t_check`` s;
    ``session_mode``: ``scalelab.sessions.MODES``; ``n_cache_nodes`` (0: no cache) sharing
    ``cache_objects`` objects; ``n_shards`` database shards, each with ``n_replicas`` replicas;
    ``n_workers`` queue consumers of ``worker_rps`` jobs/s each, the queue holding at most
    ``queue_max`` jobs.

    >>> Design(n_servers=0)
    Traceback (most recent call last):
    ...
    ValueError: n_servers must be a whole number in [1, 500]; got 0
    """

    regions: tuple = ("na-east", "europe", "asia")
    dns_ttl: float = 60.0
    cdn: bool = True
    cdn_ttl: float = 3_600.0
    cdn_strategy: str = "origin"
    n_servers: int = 16
    server_rps: float = 250.0
    lb_policy: str = "random"
    t_check: float = 10.0
    session_mode: str = "store"
    n_cache_nodes: int = 4
    cache_objects: int = 5_000
    n_shards: int = 4
    n_replicas: int = 2
    n_workers: int = 20
    worker_rps: float = 50.0
    queue_max: int = 1_000_000

    def __post_init__(self):
        regions = (self.regions,) if isinstance(self.regions, str) else tuple(self.regions)
        if not 1 <= len(regions) <= len(REGIONS):
            raise ValueError(f"regions must name 1 to {len(REGIONS)} regions; got {regions!r}")
        for r in regions:
            check_choice("regions entry", r, REGIONS)
        if len(set(regions)) != len(regions):
            raise ValueError(f"regions must not repeat a region; got {regions!r}")
        object.__setattr__(self, "regions", regions)
        check_number("dns_ttl", self.dns_ttl, low=0, high=86_400)
        if not isinstance(self.cdn, bool):
            raise ValueError(f"cdn must be True or False; got {self.cdn!r}")
        check_number("cdn_ttl", self.cdn_ttl, low=0, high=30 * 86_400)
        check_choice("cdn_strategy", self.cdn_strategy, STRATEGIES)
        check_int("n_servers", self.n_servers, low=1, high=500)
        check_number("server_rps", self.server_rps, low=1, high=100_000)
        check_choice("lb_policy", self.lb_policy, LB_POLICIES)
        check_number("t_check", self.t_check, low=1, high=600)
        check_choice("session_mode", self.session_mode, MODES)
        check_int("n_cache_nodes", self.n_cache_nodes, low=0, high=64)
        check_int("cache_objects", self.cache_objects, low=1, high=1_000_000)
        check_int("n_shards", self.n_shards, low=1, high=64)
        check_int("n_replicas", self.n_replicas, low=0, high=10)
        check_int("n_workers", self.n_workers, low=1, high=1_000)
        check_number("worker_rps", self.worker_rps, low=0.01, high=100_000)
        check_int("queue_max", self.queue_max, low=0, high=10**9)

    @property
    def n_dcs(self) -> int:
        return len(self.regions)

    def cost_per_hour(self) -> float:
        """Fixed hourly price of the machines ($/h): servers, balancers, cache, databases,
        workers (the CDN is priced by traffic, in ``simulate``).

        >>> round(Design().cost_per_hour(), 4)
        18.6243
        """
        return (
            self.n_dcs * (self.n_servers * PRICE_SERVER_HOUR + ALB_PRICE_PER_HOUR)
            + self.n_cache_nodes * PRICE_CACHE_NODE_HOUR
            + self.n_shards * (1 + self.n_replicas) * PRICE_DB_HOUR
            + self.n_workers * PRICE_PER_WORKER_HOUR
        )


@dataclass(frozen=True)
class Workload:
    """A day of traffic: ``daily_users`` each sending ``requests_per_user`` requests, spread
    over ``scalelab.geo.REGIONS`` like ``users`` (relative; default the geo chapter's product),
    in a daily wave peaking at ``peak_hour`` at ``peak_factor`` times the mean (1-2), with a
    ``spike`` (multiplier ``spike_factor`` from ``t_spike`` for ``t_spike_len`` s) and
    multiplicative noise of ``noise`` (standard deviation, drawn from ``rng``).

    A share ``p_static`` of requests are static files (the CDN's); of the rest, ``p_write`` are
    writes, each queueing ``jobs_per_write`` background jobs; reads go through the cache to
    ``n_objects`` objects of Zipf skew ``zipf_s``. One request in ``requests_per_lookup``
    needs a DNS lookup.
    """

    daily_users: float = 30_000_000
    requests_per_user: float = 20.0
    peak_factor: float = 1.8
    peak_hour: float = 20.0
    spike_factor: float = 1.0
    t_spike: float = 0.0
    t_spike_len: float = 0.0
    noise: float = 0.02
    p_static: float = 0.5
    p_write: float = 0.1
    jobs_per_write: float = 1.0
    n_objects: int = 10_000
    zipf_s: float = 0.9
    requests_per_lookup: float = 50.0
    users: tuple = tuple(DEFAULT_USERS_M[r] for r in REGIONS)

    def __post_init__(self):
        check_number("daily_users", self.daily_users, low=0, high=1e10)
        check_number("requests_per_user", self.requests_per_user, low=0, high=10_000)
        check_number("peak_factor", self.peak_factor, low=1, high=2)
        check_number("peak_hour", self.peak_hour, low=0, high=24)
        check_number("spike_factor", self.spike_factor, low=0, high=20)
        check_number("t_spike", self.t_spike, low=0, high=7 * SECONDS_PER_DAY)
        check_number("t_spike_len", self.t_spike_len, low=0, high=SECONDS_PER_DAY)
        check_number("noise", self.noise, low=0, high=0.5)
        check_number("p_static", self.p_static, low=0, high=0.99)
        check_number("p_write", self.p_write, low=0, high=1)
        check_number("jobs_per_write", self.jobs_per_write, low=0, high=100)
        check_int("n_objects", self.n_objects, low=10, high=200_000)
        check_number("zipf_s", self.zipf_s, low=0, high=3)
        check_number("requests_per_lookup", self.requests_per_lookup, low=1, high=1e6)
        users = tuple(self.users)
        if len(users) != len(REGIONS) or any(check_number("users", u, low=0) < 0 for u in users):
            raise ValueError(f"users must give a number >= 0 for each of {len(REGIONS)} regions")
        if sum(users) <= 0:
            raise ValueError("users must not all be 0")
        object.__setattr__(self, "users", users)

    @property
    def mean_rps(self) -> float:
        """Average requests/s over the day."""
        return average_qps(self.daily_users, self.requests_per_user)


@dataclass(frozen=True)
class Failure:
    """``kind`` (``FAILURE_KINDS``) is broken from ``t_start`` to ``t_end`` (s since midnight).

    ``target``: which data centre (index into ``Design.regions``, counted modulo their number)
    for ``"server"`` and ``"datacenter"``; ignored otherwise (cache node 0, shard 0, the whole CDN).
    """

    kind: str
    t_start: float
    t_end: float
    target: int = 0

    def __post_init__(self):
        check_choice("kind", self.kind, FAILURE_KINDS)
        check_number("t_start", self.t_start, low=0)
        check_number("t_end", self.t_end, low=self.t_start)
        check_int("target", self.target, low=0, high=len(REGIONS) - 1)


@dataclass(frozen=True, eq=False)
class Run:
    """Per-bucket results of ``simulate`` (arrays of one value per bucket unless noted).

    ``offered``: requests/s users sent; ``failed``: requests/s that failed; ``error_rate`` and
    ``availability`` (= 1 - error rate); ``p50``/``p99``: latency percentiles (s) of successful
    dynamic requests; ``static_p99``: the CDN's p99 for static files (nan without a CDN);
    ``data_lost``: acknowledged writes and queued jobs lost in the bucket; ``cost_per_hour``
    ($/h at that bucket's rate); ``metrics``: every emitted time series by name; ``parts``: the
    components' own outputs (for tests and curious learners).
    """

    t: np.ndarray
    t_bucket: float
    offered: np.ndarray
    failed: np.ndarray
    error_rate: np.ndarray
    availability: np.ndarray
    p50: np.ndarray
    p99: np.ndarray
    static_p99: np.ndarray
    data_lost: np.ndarray
    cost_per_hour: np.ndarray
    metrics: dict = field(repr=False)
    parts: dict = field(repr=False)

    @property
    def total_availability(self) -> float:
        """Share of all requests of the run that succeeded."""
        total = float(np.sum(self.offered))
        return 1.0 - float(np.sum(self.failed)) / total if total > 0 else 1.0


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


# --------------------------------------------------------------------------------------------
# SLOs, scenarios and grading a design
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SLO:
    """Service level objectives: p99 latency of successful requests at most ``p99_max`` s in at
    least ``p_buckets`` of the buckets; availability (successful share of all requests) at least
    ``availability_min``; at most ``data_lost_max`` writes or jobs lost; at most
    ``cost_max_hour`` dollars per hour on average."""

    p99_max: float = 0.3
    p_buckets: float = 0.99
    availability_min: float = 0.995
    data_lost_max: float = 100.0
    cost_max_hour: float = 145.0

    def __post_init__(self):
        check_number("p99_max", self.p99_max, low=0, low_open=True)
        check_number("p_buckets", self.p_buckets, low=0, high=1)
        check_number("availability_min", self.availability_min, low=0, high=1)
        check_number("data_lost_max", self.data_lost_max, low=0)
        check_number("cost_max_hour", self.cost_max_hour, low=0, low_open=True)


@dataclass(frozen=True)
class SLOResult:
    """Measured values and whether each SLO was met (``met``: name -> bool)."""

    p99_ok_share: float
    availability: float
    data_lost: float
    cost_per_hour: float
    met: dict

    @property
    def n_met(self) -> int:
        return sum(bool(v) for v in self.met.values())


def check_slos(run: Run, slo: SLO) -> SLOResult:
    """Which SLOs ``run`` meets.

    >>> r = check_slos(simulate(Design(), Workload(), t_end=3_600.0,
    ...                         rng=np.random.default_rng(1)), SLO())
    >>> r.met
    {'latency': True, 'availability': True, 'data_lost': True, 'cost': True}
    """
    if not isinstance(run, Run):
        raise ValueError(f"run must be a Run; got {type(run).__name__}")
    if not isinstance(slo, SLO):
        raise ValueError(f"slo must be an SLO; got {type(slo).__name__}")
    p99 = np.where(np.isfinite(run.p99), run.p99, 0.0)
    ok_share = float(np.mean(p99 <= slo.p99_max))
    avail = run.total_availability
    lost = float(np.sum(run.data_lost))
    cost = float(np.mean(run.cost_per_hour))
    met = {
        "latency": ok_share >= slo.p_buckets,
        "availability": avail >= slo.availability_min,
        "data_lost": lost <= slo.data_lost_max + 1e-9,
        "cost": cost <= slo.cost_max_hour,
    }
    return SLOResult(ok_share, avail, lost, cost, met)


@dataclass(frozen=True)
class Scenario:
    """A graded run: ``workload`` with ``failures`` from ``t_start`` to ``t_end`` (s since
    midnight), random draws from ``seed``."""

    name: str
    workload: Workload = Workload()
    failures: tuple = ()
    t_start: float = 19 * 3_600.0
    t_end: float = 21 * 3_600.0
    seed: int = 0

    def run(self, design: Design, t_bucket: float = 60.0) -> Run:
        """Simulate ``design`` through this scenario."""
        return simulate(
            design,
            self.workload,
            self.failures,
            t_start=self.t_start,
            t_end=self.t_end,
            t_bucket=t_bucket,
            rng=np.random.default_rng(self.seed),
        )


def grade_design(design: Design, scenarios, slo: SLO) -> dict:
    """Whether ``design`` meets each SLO in *every* one of ``scenarios`` (name -> bool).

    >>> grade_design(Design(), [Scenario("quiet hour", t_end=20 * 3_600.0)], SLO())
    {'latency': True, 'availability': True, 'data_lost': True, 'cost': True}
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("scenarios must hold at least one Scenario")
    met = {"latency": 0, "availability": 0, "data_lost": 0, "cost": 0}
    for sc in scenarios:
        if not isinstance(sc, Scenario):
            raise ValueError(f"scenarios must hold Scenario objects; got {type(sc).__name__}")
        result = check_slos(sc.run(design), slo)
        for name, ok in result.met.items():
            met[name] += bool(ok)
    return {name: count == len(scenarios) for name, count in met.items()}


# --------------------------------------------------------------------------------------------
# Monitoring: alert rules, error budgets, burn rates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRule:
    """Fire when ``metric`` is above (``above=True``) or below ``threshold`` in each of the last
    ``for_buckets`` buckets (Prometheus's ``for:`` clause)."""

    metric: str
    threshold: float
    above: bool = True
    for_buckets: int = 1

    def __post_init__(self):
        if not isinstance(self.metric, str):
            raise ValueError(f"metric must be a metric name; got {self.metric!r}")
        check_number("threshold", self.threshold)
        check_int("for_buckets", self.for_buckets, low=1, high=10_000)


def evaluate_alert(rule: AlertRule, metrics: dict) -> np.ndarray:
    """Per bucket, True where ``rule`` fires on ``metrics`` (name -> per-bucket array).

    >>> evaluate_alert(AlertRule("x", 1.0, for_buckets=2), {"x": [0, 2, 2, 0, 2]}).tolist()
    [False, False, True, False, False]
    """
    if rule.metric not in metrics:
        raise ValueError(f"metric must be one of {sorted(metrics)}; got {rule.metric!r}")
    x = np.nan_to_num(np.asarray(metrics[rule.metric], dtype=float), nan=0.0)
    bad = x > rule.threshold if rule.above else x < rule.threshold
    run = np.zeros(x.size, dtype=int)
    count = 0
    for i, b in enumerate(bad.tolist()):
        count = count + 1 if b else 0
        run[i] = count
    return run >= rule.for_buckets


def error_budget_minutes(availability_target: float, days: float = 30.0) -> float:
    """Minutes of total outage an availability target allows over ``days``.

    >>> round(error_budget_minutes(0.999), 1)
    43.2
    """
    check_number("availability_target", availability_target, low=0, high=1)
    check_number("days", days, low=0)
    return (1.0 - availability_target) * days * 24 * 60


def burn_rate(error_rate, availability_target: float):
    """How fast errors spend the budget: the error rate over the allowed ``1 - target``
    (1: the budget lasts exactly the SLO window; 14.4: a 30-day budget's 2 % in one hour).

    >>> round(float(burn_rate(0.0144, 0.999)), 6)
    14.4
    """
    check_number("availability_target", availability_target, low=0, high=1, high_open=True)
    return np.asarray(error_rate, dtype=float) / (1.0 - availability_target)


def incident_caught(firing, t, failures, t_grace: float = 600.0) -> bool:
    """True when ``firing`` (per bucket at times ``t``) is True at least once in every failure's
    window (from one minute before it starts to ``t_grace`` s after it ends).

    >>> incident_caught([False, True, False], [0, 60, 120], [Failure("cache", 50, 100)])
    True
    """
    firing = np.asarray(firing, dtype=bool)
    t = np.asarray(t, dtype=float)
    for f in failures:
        inside = (t + 1e-9 >= f.t_start - 60.0) & (t < f.t_end + t_grace)
        if not np.any(firing & inside):
            return False
    return True
