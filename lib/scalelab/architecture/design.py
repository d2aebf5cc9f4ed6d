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
from scalelab.validate import check_choice, check_number, param, validate_fields

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
    dns_ttl: float = param(60.0, low=0, high=86_400, doc="time to live of GeoDNS answers", unit="s")
    cdn: bool = param(True, kind="bool", doc="a CDN for static files")
    cdn_ttl: float = param(
        3_600.0, low=0, high=30 * 86_400, doc="time to live of the CDN's objects", unit="s"
    )
    cdn_strategy: str = param(
        "origin", kind="choice", choices=STRATEGIES, doc="what clients do when the CDN is down"
    )
    n_servers: int = param(16, kind="int", low=1, high=500, doc="web servers per data centre")
    rate_server: float = param(
        250.0, low=1, high=100_000, doc="requests/s one web server serves", unit="requests/s"
    )
    lb_policy: str = param(
        "random", kind="choice", choices=LB_POLICIES, doc="how the balancer picks a server"
    )
    t_check: float = param(
        10.0, low=1, high=600, doc="time between the balancer's health checks", unit="s"
    )
    session_mode: str = param("store", kind="choice", choices=MODES, doc="where sessions live")
    n_cache_nodes: int = param(4, kind="int", low=0, high=64, doc="cache nodes (0: no cache)")
    cache_objects: int = param(
        5_000, kind="int", low=1, high=1_000_000, doc="objects the cache holds"
    )
    n_shards: int = param(4, kind="int", low=1, high=64, doc="database shards")
    n_replicas: int = param(2, kind="int", low=0, high=10, doc="replicas per shard")
    n_workers: int = param(20, kind="int", low=1, high=1000, doc="queue consumers")
    rate_worker: float = param(
        50.0, low=0.01, high=100_000, doc="jobs/s one consumer does", unit="jobs/s"
    )
    queue_max: int = param(
        1_000_000, kind="int", low=0, high=10**9, doc="most jobs the queue holds"
    )

    def __post_init__(self):
        validate_fields(self)
        regions = (self.regions,) if isinstance(self.regions, str) else tuple(self.regions)
        if not 1 <= len(regions) <= len(REGIONS):
            raise ValueError(f"regions must name 1 to {len(REGIONS)} regions; got {regions!r}")
        for r in regions:
            check_choice("regions entry", r, REGIONS)
        if len(set(regions)) != len(regions):
            raise ValueError(f"regions must not repeat a region; got {regions!r}")
        object.__setattr__(self, "regions", regions)

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

    daily_users: float = param(30_000_000, low=0, high=1e10, doc="users active each day")
    requests_per_user: float = param(20.0, low=0, high=10_000, doc="requests per user per day")
    peak_factor: float = param(1.8, low=1, high=2, doc="peak rate of the daily wave over the mean")
    peak_hour: float = param(20.0, low=0, high=24, doc="hour of the day of the peak", unit="h")
    spike_factor: float = param(1.0, low=0, high=20, doc="rate multiplier during the spike")
    t_spike: float = param(
        0.0, low=0, high=7 * SECONDS_PER_DAY, doc="when the spike starts", unit="s"
    )
    t_spike_len: float = param(
        0.0, low=0, high=SECONDS_PER_DAY, doc="how long the spike lasts", unit="s"
    )
    noise: float = param(
        0.02, low=0, high=0.5, doc="standard deviation of the multiplicative noise"
    )
    p_static: float = param(0.5, low=0, high=0.99, doc="share of requests for static files")
    p_write: float = param(0.1, low=0, high=1, doc="share of dynamic requests that are writes")
    jobs_per_write: float = param(1.0, low=0, high=100, doc="background jobs each write queues")
    n_objects: int = param(10_000, kind="int", low=10, high=200_000, doc="objects reads go to")
    zipf_s: float = param(0.9, low=0, high=3, doc="Zipf skew of objects' popularity")
    requests_per_lookup: float = param(50.0, low=1, high=1e6, doc="requests per DNS lookup")
    users: tuple = tuple(DEFAULT_USERS_M[r] for r in REGIONS)

    def __post_init__(self):
        validate_fields(self)
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

    kind: str = param(kind="choice", choices=FAILURE_KINDS, doc="what breaks")
    t_start: float = param(low=0, doc="when it breaks (since midnight)", unit="s")
    t_end: float
    target: int = param(
        0,
        kind="int",
        low=0,
        high=len(REGIONS) - 1,
        doc="which data centre (index into Design.regions)",
    )

    def __post_init__(self):
        validate_fields(self)
        check_number("t_end", self.t_end, low=self.t_start)


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
