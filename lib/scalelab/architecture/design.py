"""The capstone's inputs and output as plain data: a design, a workload, failures, a run.

A :class:`Design` is an architecture (where, how many, which policy: data-centre regions, DNS
TTL, a CDN and its strategy, servers, sessions, cache, shards and replicas, workers); a
:class:`Workload` is a day of users' traffic (the daily wave, a spike, noise); a :class:`Failure`
breaks one thing for a while (one of :data:`FAILURE_KINDS`); a :class:`Run` holds the per-bucket
results of :func:`~scalelab.architecture.simulate`. The prices (:data:`PRICE_SERVER_HOUR`,
:data:`PRICE_CACHE_NODE_HOUR`, :data:`PRICE_DB_HOUR`) and the database's failover and restore
times (:data:`T_FAILOVER_DB`, :data:`T_RESTORE_DB`) name their sources. Times in seconds, rates
in requests/s, prices in dollars per hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scalelab.cdn import STRATEGIES
from scalelab.estimate import SECONDS_PER_DAY, average_rate
from scalelab.geo import DEFAULT_USERS_M, REGIONS
from scalelab.load_balancer import ALB_PRICE_PER_HOUR, M7I
from scalelab.messaging import PRICE_PER_WORKER_HOUR
from scalelab.sessions import MODES
from scalelab.validate import check_choice, check_int, check_number

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
"""Mean replication lag of an idle replica, seconds (the default of
``scalelab.replication.ReplicaSet``)."""

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
    ``n_servers``: web servers per data centre, each serving ``rate_server`` requests/s, behind a
    balancer with ``lb_policy`` (``LB_POLICIES``) that health-checks every ``t_check`` s;
    ``session_mode``: ``scalelab.sessions.MODES``; ``n_cache_nodes`` (0: no cache) sharing
    ``cache_objects`` objects; ``n_shards`` database shards, each with ``n_replicas`` replicas;
    ``n_workers`` queue consumers of ``rate_worker`` jobs/s each, the queue holding at most
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
    rate_server: float = 250.0
    lb_policy: str = "random"
    t_check: float = 10.0
    session_mode: str = "store"
    n_cache_nodes: int = 4
    cache_objects: int = 5_000
    n_shards: int = 4
    n_replicas: int = 2
    n_workers: int = 20
    rate_worker: float = 50.0
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
        check_number("rate_server", self.rate_server, low=1, high=100_000)
        check_choice("lb_policy", self.lb_policy, LB_POLICIES)
        check_number("t_check", self.t_check, low=1, high=600)
        check_choice("session_mode", self.session_mode, MODES)
        check_int("n_cache_nodes", self.n_cache_nodes, low=0, high=64)
        check_int("cache_objects", self.cache_objects, low=1, high=1_000_000)
        check_int("n_shards", self.n_shards, low=1, high=64)
        check_int("n_replicas", self.n_replicas, low=0, high=10)
        check_int("n_workers", self.n_workers, low=1, high=1_000)
        check_number("rate_worker", self.rate_worker, low=0.01, high=100_000)
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
    def rate_mean(self) -> float:
        """Average requests/s over the day."""
        return average_rate(self.daily_users, self.requests_per_user)


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

    ``rate_offered``: requests/s users sent; ``rate_failed``: requests/s that failed; ``error_rate`` and
    ``availability`` (= 1 - error rate); ``p50``/``p99``: latency percentiles (s) of successful
    dynamic requests; ``static_p99``: the CDN's p99 for static files (nan without a CDN);
    ``data_lost``: acknowledged writes and queued jobs lost in the bucket; ``cost_per_hour``
    ($/h at that bucket's rate); ``metrics``: every emitted time series by name; ``parts``: the
    components' own outputs (for tests and curious learners).
    """

    t: np.ndarray
    t_bucket: float
    rate_offered: np.ndarray
    rate_failed: np.ndarray
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
        total = float(np.sum(self.rate_offered))
        return 1.0 - float(np.sum(self.rate_failed)) / total if total > 0 else 1.0
