"""Several data centres: GeoDNS routing, failover with a DNS TTL, and cross-region data sync.

The picture. A product whose users live on several continents runs a data centre (DC) in a few
regions. A **GeoDNS** authoritative server answers each DNS query with the address of the DC
that suits the asking client best: normally the nearest one, the one with the smallest round-trip
time (RTT). **Health checks** probe every DC every few seconds; after a few failed probes the DC
is marked down and GeoDNS stops handing out its address. But clients do not ask GeoDNS on every
request: their resolvers keep each answer for its **TTL**, so after a DC dies its users keep
sending requests to it, and failing, until their cached answer expires. Each DC also holds the
data of its users and ships every write to the other regions **asynchronously**: writes that had
not been shipped when the DC died are lost (or stranded until it returns), and users who fail
over read stale or missing data.

What the package models, and how it simplifies:

- **Regions** stand for where users are; each has a site (latitude/longitude of a typical cloud
  region), and ``BACKBONE_RTT`` gives measured round-trip times between the sites. A user
  reaches a DC in ``access RTT + backbone RTT`` (``rtt_matrix``). Within a region everyone is at
  the same distance.
- **Routing** is per region: GeoDNS gives every client of a region the same answer (as
  geolocation routing does). ``nearest_healthy`` ignores capacity; ``capacity_aware`` spills
  whole regions to the next-nearest DC with room; ``brute_force_assignment`` finds the optimum
  for up to 4 DCs to compare with.
- **Time** runs in steps of ``t_step`` seconds. Health checks run every ``t_check`` seconds
  (rounded to the step grid); ``n_fail`` failed checks mark a DC down, ``n_ok`` good ones mark it
  up again.
- **Caches**: each region's clients sit behind many resolvers whose cached answers expire at
  uniformly spread moments. The share of a region's traffic still using an old answer then
  falls linearly over one TTL: the traffic share is a moving average of GeoDNS's answers over
  the last TTL seconds (``client_shares``, exact in expectation). ``simulate_resolvers`` checks
  this with individual resolvers, each a ``scalelab.dns.Resolver`` with its own ``TTLCache``,
  asking a ``GeoDNS`` zone whose answer policy picks the DC for the client's region.
- **Failures**: requests sent to a DC that is down fail; a live DC serves up to its capacity
  and drops the rest (no queueing delay is modelled).
- **Sync**: writes commit at their home DC and are applied at the other regions in order, after
  a one-way network delay plus a random queueing/batching delay (``simulate_sync``).

``geo_buckets`` is the time-bucketed form the capstone composes (the contract of
:mod:`scalelab.buckets`): per-bucket offered load, a ``GeoRouting`` and DC health in, per-bucket
load, failures and latency out.

One module per idea; import from the package (``from scalelab.geo import nearest_healthy``):
:mod:`~scalelab.geo.world` (regions, sites, round trips, data centres),
:mod:`~scalelab.geo.routing` (which DC each region uses), :mod:`~scalelab.geo.health` (health
checks and the DNS TTL), :mod:`~scalelab.geo.failover` (the time-bucketed form and the failover
scenario), :mod:`~scalelab.geo.resolvers` (individual resolvers, the reference for the caches),
:mod:`~scalelab.geo.sync` (asynchronous cross-region sync) and :mod:`~scalelab.geo.recovery`
(what a replication mode and a failover policy promise against RPO, RTO and write latency).

>>> world = default_world()
>>> [world.dcs[int(i)].name for i in nearest_healthy(world.t_rtt, [True, True, True])]
['dc-na-east', 'dc-na-east', 'dc-na-east', 'dc-europe', 'dc-asia', 'dc-asia']
"""

from __future__ import annotations

import warnings

from scalelab.geo.failover import (
    FailoverParams,
    FailoverSummary,
    GeoBuckets,
    GeoRouting,
    failover_summary,
    geo_buckets,
    simulate_failover,
)
from scalelab.geo.health import (
    client_shares,
    detection_time,
    expected_failed_requests,
    failover_seconds,
    health_marks,
)
from scalelab.geo.recovery import (
    FAILOVER_POLICIES,
    REPLICATION_MODES,
    RecoveryOutcome,
    RecoveryTargets,
    RegionPair,
    recovery_outcome,
)
from scalelab.geo.resolvers import DOMAIN, GeoDNS, simulate_resolvers
from scalelab.geo.routing import (
    assignment_matrix,
    brute_force_assignment,
    capacity_aware,
    capacity_for_one_loss,
    dc_load,
    mean_rtt,
    nearest_healthy,
)
from scalelab.geo.sync import SyncParams, SyncResult, apply_times, simulate_sync, unsynced_writes
from scalelab.geo.world import (
    _BACKBONE_RTT_MS,
    BACKBONE_RTT,
    DEFAULT_USERS_M,
    FIBRE_KM_PER_S,
    REGIONS,
    SITES,
    T_ACCESS,
    DataCenter,
    World,
    default_world,
    great_circle_km,
    make_world,
    rtt_lower_bound,
    rtt_matrix,
)

__all__ = [
    "REGIONS",
    "SITES",
    "BACKBONE_RTT",
    "T_ACCESS",
    "FIBRE_KM_PER_S",
    "DEFAULT_USERS_M",
    "DataCenter",
    "World",
    "make_world",
    "default_world",
    "great_circle_km",
    "rtt_lower_bound",
    "rtt_matrix",
    "nearest_healthy",
    "assignment_matrix",
    "dc_load",
    "mean_rtt",
    "capacity_aware",
    "brute_force_assignment",
    "capacity_for_one_loss",
    "detection_time",
    "failover_seconds",
    "expected_failed_requests",
    "health_marks",
    "client_shares",
    "GeoRouting",
    "GeoBuckets",
    "geo_buckets",
    "FailoverParams",
    "simulate_failover",
    "failover_summary",
    "FailoverSummary",
    "DOMAIN",
    "GeoDNS",
    "simulate_resolvers",
    "apply_times",
    "unsynced_writes",
    "SyncParams",
    "SyncResult",
    "simulate_sync",
    "REPLICATION_MODES",
    "FAILOVER_POLICIES",
    "RegionPair",
    "RecoveryTargets",
    "RecoveryOutcome",
    "recovery_outcome",
]


def _rtt_lower_bound_ms(distance_km: float) -> float:
    """``rtt_lower_bound_ms``, the name before the vocabulary (#22): the bound in milliseconds."""
    return rtt_lower_bound(distance_km) * 1000


_DEPRECATED = {
    # old name (release before the vocabulary of #22): (its replacement, the object under the
    # old name, in the old unit: milliseconds)
    "BACKBONE_RTT_MS": ("BACKBONE_RTT (seconds)", _BACKBONE_RTT_MS),
    "T_ACCESS_MS": ("T_ACCESS (seconds)", T_ACCESS * 1000),
    "FIBRE_KM_PER_MS": ("FIBRE_KM_PER_S", FIBRE_KM_PER_S / 1000),
    "rtt_lower_bound_ms": ("rtt_lower_bound (seconds)", _rtt_lower_bound_ms),
    "mean_rtt_ms": ("mean_rtt (any unit: the mean of the round trips given)", mean_rtt),
}


def __getattr__(name: str):
    # names from before the vocabulary (#22), in milliseconds as they were, kept (deprecated,
    # outside __all__) so that notebooks of an older release still run
    if name in _DEPRECATED:
        new, value = _DEPRECATED[name]
        warnings.warn(f"{name} is deprecated; use {new}", DeprecationWarning, stacklevel=2)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
