"""Content delivery networks: edge caches near users, an origin shield, outages and failover.

A user in Tokyo who loads a page from a web server in Virginia waits about 170 ms for every
round trip, however fast the server is: light in fibre is that slow over that distance. A
**content delivery network** (CDN) rents space in hundreds of data centres close to users, its
**edges** (points of presence), and runs a cache in each. A request for ``/static/app.css`` goes
to the nearest edge; on a hit the edge answers in a few milliseconds; on a miss it fetches the
object from the **origin** (your own servers), stores it for as long as the response's
``Cache-Control: max-age`` (the **TTL**) allows, and serves it. Every hit is a request the origin
never sees: the share of requests kept away from the origin is the **offload**.

This package is built on :mod:`scalelab.cache` (chapter 07): an edge is one of its caches, with
its policies, TTLs, traces and Che's approximation. What it adds, one module per idea (import
from the package: ``from scalelab.cdn import simulate_cdn``), next to the regions, round trips
and prices of :mod:`~scalelab.cdn.network`:

- **Request-level replay** (:mod:`~scalelab.cdn.replay`, :func:`simulate_cdn`): a
  :class:`~scalelab.cache.Trace` whose requests come from several regions, one edge cache per
  region (any policy of :data:`scalelab.cache.POLICIES`, with a TTL), an optional **origin
  shield** (one more cache between the edges and the origin, so N edges missing the same object
  cost the origin one fetch, not N), and an origin that publishes new versions of objects.
  Invalidation by TTL alone, by **purge** (an API call that deletes an object from every tier
  after a propagation delay) or by **versioned URLs** (``app.css?v=2``: a new version is a new
  cache key).
- **TTL analytics** (:mod:`~scalelab.cdn.ttl`) for independent (Poisson) requests:
  :func:`ttl_hit_ratio` (a TTL cache fetches an object, then serves it until it expires:
  ``λT/(1 + λT)`` of an object's requests at rate λ hit; Jung, Berger and Balakrishnan 2003),
  :func:`origin_rate` for many edges with or without a shield, and :func:`p_stale` (the share of
  hits that return an outdated copy).
- **A time-bucketed drill** (:mod:`~scalelab.cdn.drill`: :func:`cdn_buckets`,
  :func:`summarise`): request rate per bucket in; offload, origin load, failed requests, latency
  percentiles per region, stale responses and cost per bucket out. It injects a CDN **outage**
  (:class:`Outage`, in all regions or some) and applies a **strategy** (:data:`STRATEGIES`): do
  nothing, fail over to the origin, fail over to a second CDN (multi-CDN, optionally kept warm
  with a share of traffic), or reroute to the CDN's healthy edges in other regions (edge
  redundancy). Static and dynamic content (short TTLs: *microcaching*) and the users' own caches
  (browser or app: local caching) are part of the picture. The capstone composes this form.
- **Plans graded against scenarios** (:mod:`~scalelab.cdn.plans`): :func:`run_drill` runs a
  learner's :class:`Plan` through a :class:`Scenario` and checks its latency and budget.

Simplifications: every object has the same size; all regions share one popularity ranking; the
edges keep every object until its TTL runs out unless the edge's capacity (objects) is the tighter
limit (then Che's approximation for LRU applies); each tier counts its TTL from its own fetch (real
CDNs honour the ``Age`` header); an edge that was down comes back empty (a restarted cache) unless
``Outage.cold`` is False; clients return to the primary CDN the moment it is back; the origin is a
single queue (latency ``t_origin / (1 - u)``, ``u`` capped at 0.99; requests beyond its capacity
fail); a request that fails costs the user a timeout. Latencies are round trips from
:mod:`scalelab.geo`; prices are list prices of the order of 2024's, for illustration.

>>> import numpy as np
>>> from scalelab.cache import hit_ratio, make_trace
>>> trace = make_trace("zipf", n_objects=1_000, n_requests=20_000, alpha=0.9,
...                    rng=np.random.default_rng(1))
>>> simulate_cdn(trace, n_capacity=100).offload == hit_ratio(trace, "lru", 100)
True
>>> round(ttl_hit_ratio([10.0], 1.0), 4)  # 10 requests/s, 1 s TTL: 1 miss, then 10 hits
0.9091
"""

from __future__ import annotations

from scalelab.cdn.drill import (
    CDN,
    STRATEGIES,
    CDNBuckets,
    DrillSummary,
    Outage,
    _simulate_cdn_buckets,  # deprecated, see __getattr__
    cdn_buckets,
    summarise,
)
from scalelab.cdn.drill import _percentiles as _percentiles  # not in __all__
from scalelab.cdn.network import (
    ORIGIN_REGION,
    PRICE_CDN_GB,
    PRICE_ORIGIN_GB,
    PRICE_SECOND_GB,
    PRICE_SHIELD_10K,
    REGIONS,
    SECOND_COMMIT_HOUR,
    T_EDGE,
    T_LOCAL,
    T_ORIGIN,
    T_TIMEOUT,
    assign_regions,
    rtt_to_origin,
)
from scalelab.cdn.plans import Plan, Scenario, run_drill
from scalelab.cdn.replay import EDGE as EDGE  # not in __all__
from scalelab.cdn.replay import ORIGIN_TIER as ORIGIN_TIER  # not in __all__
from scalelab.cdn.replay import SHIELD as SHIELD  # not in __all__
from scalelab.cdn.replay import CDNRun, simulate_cdn
from scalelab.cdn.ttl import (
    INVALIDATIONS,
    QUERY_KEYS,
    cache_key,
    origin_rate,
    p_stale,
    ttl_hit_ratio,
)

__all__ = [
    "REGIONS",
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
    "INVALIDATIONS",
    "ttl_hit_ratio",
    "origin_rate",
    "p_stale",
    "QUERY_KEYS",
    "cache_key",
    "CDNRun",
    "simulate_cdn",
    "STRATEGIES",
    "CDN",
    "Outage",
    "CDNBuckets",
    "cdn_buckets",
    "DrillSummary",
    "summarise",
    "Plan",
    "Scenario",
    "run_drill",
]


def __getattr__(name: str):
    # a name from before the capstone contract, kept (deprecated, outside __all__) so that
    # notebooks of an older release still import it
    if name == "simulate_cdn_buckets":
        return _simulate_cdn_buckets
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
