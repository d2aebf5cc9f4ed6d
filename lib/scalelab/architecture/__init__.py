"""The whole system, composed: a day of traffic through every tier, failures, metrics and SLOs.

The picture. By the end of the journey a request from a user in Tokyo goes through a resolver
(DNS), maybe a CDN edge (static files), GeoDNS to the nearest healthy data centre, its load
balancer, a stateless web server that reads the session from a store or a token, a cache, the
database (shards, each a primary with replicas), and, for work that can wait, a message queue
drained by workers. Each of those pieces has its own chapter and its own model. This package does
not model any of them again: it wires together their **time-bucketed forms** (one-minute buckets
by default) and adds what only the whole system has: end-to-end latency, errors, availability,
data lost and cost per hour, metrics a monitoring system would scrape, alert rules, and service
level objectives (SLOs) to grade a design against.

The pieces, in the order a request meets them (each a function from another chapter, all of one
shape: the contract of :mod:`scalelab.buckets`, requests/s per bucket, the bucket length and the
tier's parameters in, a result with the buckets' times out):

- ``scalelab.dns.resolver_buckets``: lookups that hit or miss resolver caches (DNS TTL);
- ``scalelab.cdn.cdn_buckets``: static files at the CDN's edges, outages, failover;
- ``scalelab.geo.geo_buckets``: GeoDNS routing to data centres, health checks, TTL on failover;
- ``scalelab.load_balancer.pool_buckets``: each data centre's web servers behind a balancer;
- ``scalelab.sessions.sessions_buckets``: where sessions live, and who is logged out;
- ``scalelab.cache.cache_tier_buckets``: the cache-aside tier and the database's read load;
- ``scalelab.sharding.shard_buckets``: writes spread over shard primaries;
- ``scalelab.replication.replication_buckets``: replica lag and stale reads;
- ``scalelab.queueing.queue_buckets``: background jobs, the queue and its workers.

:func:`simulate` runs one stage per piece (:data:`STAGES`, each a short function from a
:class:`Day` to a :class:`Day`), then the whole system's errors, latency and totals; a new tier
is a new stage.

Its modules (import from the package: ``from scalelab.architecture import simulate``):
:mod:`~scalelab.architecture.design` (the design, workload, failures and the run, as data),
:mod:`~scalelab.architecture.simulation` (the day, bucket by bucket),
:mod:`~scalelab.architecture.slos` (SLOs, scenarios, grading a design) and
:mod:`~scalelab.architecture.monitoring` (alert rules, error budgets, burn rates).

Thin adapters (written here, because the components do not offer them): the balancer's
health-check delay is blended within a bucket (``pool_buckets`` takes whole servers in view per
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

>>> import numpy as np
>>> run = simulate(Design(), Workload(), t_end=3_600.0, rng=np.random.default_rng(1))
>>> run.t.size, bool(run.availability.min() > 0.999), bool(run.p99.max() < 0.5)
(60, True, True)
"""

from __future__ import annotations

from scalelab.architecture.design import (
    FAILURE_KINDS,
    LB_POLICIES,
    PRICE_CACHE_NODE_HOUR,
    PRICE_DB_HOUR,
    PRICE_SERVER_HOUR,
    T_FAILOVER_DB,
    T_RESTORE_DB,
    Design,
    Failure,
    Run,
    Workload,
)
from scalelab.architecture.design import KB_STATIC as KB_STATIC  # not in __all__
from scalelab.architecture.design import MU_DB as MU_DB  # not in __all__
from scalelab.architecture.design import N_QUEUE_MAX as N_QUEUE_MAX  # not in __all__
from scalelab.architecture.design import (
    N_SESSIONS_PER_SERVER as N_SESSIONS_PER_SERVER,  # not in __all__
)
from scalelab.architecture.design import RATE_STATIC_ORIGIN as RATE_STATIC_ORIGIN  # not in __all__
from scalelab.architecture.design import T_LAG as T_LAG  # not in __all__
from scalelab.architecture.monitoring import (
    AlertRule,
    burn_rate,
    error_budget_minutes,
    evaluate_alert,
    incident_caught,
)
from scalelab.architecture.simulation import STAGES, Day, simulate, traffic
from scalelab.architecture.slos import SLO, Scenario, SLOResult, check_slos, grade_design

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
    "Day",
    "STAGES",
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
