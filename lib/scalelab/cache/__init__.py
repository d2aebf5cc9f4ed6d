"""Caches: eviction policies, request traces, whole miss-ratio curves and the cache tier.

A web tier that reads every page from its database soon makes the database the bottleneck. A
**cache tier** (Memcached, Redis) keeps recently read objects in memory: a read that finds its
object there (a *hit*) costs a fraction of a millisecond; a *miss* goes on to the database and
usually stores the answer in the cache for next time (**cache-aside**). The cache holds far fewer
objects than the database, so once it is full an **eviction policy** decides which object to drop
for the newcomer, and the policy plus the size decide the **hit ratio**, which decides the
database load and the mean latency users see.

What this package models, one module per idea (import from the package:
``from scalelab.cache import hit_ratio``), and what it leaves out:

- **Policies behind one interface** (:mod:`~scalelab.cache.eviction`). :class:`Cache` is the
  interface; :class:`LRUCache` (least recently used), :class:`LFUCache` (least frequently used,
  optionally remembering the counts of evicted objects), :class:`FIFOCache` (first in, first out)
  and :class:`SIEVECache` (Zhang et al., NSDI 2024: a FIFO queue with one "visited" bit and a
  moving hand) all offer ``get``, ``put``, ``delete``, ``access``, ``len``/``in`` and ``keys()``.
  :func:`make_cache` builds one by name (:data:`POLICIES`). Capacity counts objects (all objects
  have the same size). An optional TTL (``t_ttl``, seconds) expires entries: an expired object is
  never served.
- **Seeded request traces** (:mod:`~scalelab.cache.traces`: :func:`make_trace`, :class:`Trace`):
  independent requests with Zipf popularity of skew ``alpha`` (the *independent reference
  model*), and three variations that real caches meet: one-off **scans** (a batch job reading
  cold keys once), **bursts** of new content that is hot for a while, and a **stampede** trace
  with one very hot key. Keys are integers; key 0 is the most popular of the Zipf catalogue.
- **Hit ratio and the whole miss-ratio curve** (:mod:`~scalelab.cache.replay`,
  :mod:`~scalelab.cache.miss_ratio`). :func:`hit_ratio` replays a trace through one policy and
  size. :func:`miss_ratio_curve` gives LRU's hit ratio *for every size at once* from one pass over
  the trace (Mattson et al. 1970): a request hits an LRU cache of ``C`` objects exactly when fewer
  than ``C`` distinct other keys were requested since the same key was last requested (its *stack
  distance*). :func:`stack_distances` computes them with numpy in O(n log n) (a vectorised merge
  count, no Python loop over requests).
- **Analytic approximations** for independent requests (:mod:`~scalelab.cache.analytic`): Che's
  approximation for LRU (:func:`che_hit_ratio`), the characteristic-time approximation for FIFO
  (:func:`fifo_hit_ratio_approx`) and the ideal top-``C`` hit ratio a perfect LFU approaches
  (:func:`ideal_hit_ratio`).
- **Cache-aside in production** (:mod:`~scalelab.cache.cache_aside`): :func:`mean_latency` and
  :func:`database_load` from the hit ratio, :func:`failure_database_load` when cache nodes fail,
  :func:`stampede_db_reads` when a hot key expires, and :func:`simulate_cache`, a
  request-by-request replay with TTLs, fetch time, request coalescing and the write policies
  (write-through, write-around, invalidate) with the stale reads each one causes.
- **A time-bucketed form** for the capstone (:mod:`~scalelab.cache.tier`):
  :func:`cache_tier_buckets` takes a request rate per bucket and a :class:`CacheTier` and returns
  hit ratio, database load and mean latency per bucket (the contract of :mod:`scalelab.buckets`),
  with cache nodes that fail and come back empty (cold) and warm up again.

Simplifications: one object size; a cache node failure loses that node's share of keys (the
clients do not rehash them elsewhere); latencies are fixed per hit and per miss, plus a simple
queueing factor at the database in the time-bucketed form; no network partitions.

>>> import numpy as np
>>> trace = make_trace("zipf", n_objects=1_000, n_requests=20_000, alpha=0.9,
...                    rng=np.random.default_rng(1))
>>> curve = miss_ratio_curve(trace.keys)
>>> round(curve.at(100), 3) == round(hit_ratio(trace, "lru", 100), 3)
True
>>> round(che_hit_ratio(zipf_popularity(1_000, 0.9), 100), 2)
0.48
"""

from __future__ import annotations

from scalelab.cache.analytic import (
    che_characteristic_time,
    che_hit_ratio,
    fifo_hit_ratio_approx,
    ideal_hit_ratio,
)
from scalelab.cache.cache_aside import (
    T_CACHE_HIT,
    T_DB_READ,
    WRITE_POLICIES,
    CacheRun,
    database_load,
    failure_database_load,
    mean_latency,
    simulate_cache,
    stampede_db_reads,
)
from scalelab.cache.eviction import (
    POLICIES,
    Cache,
    FIFOCache,
    LFUCache,
    LRUCache,
    SIEVECache,
    make_cache,
)
from scalelab.cache.miss_ratio import MissRatioCurve, miss_ratio_curve, stack_distances
from scalelab.cache.replay import hit_ratio, hit_ratio_curve
from scalelab.cache.tier import (
    CacheTier,
    TierBuckets,
    _simulate_cache_tier,  # deprecated, see __getattr__
    cache_tier_buckets,
)
from scalelab.cache.traces import TRACE_KINDS, Trace, make_trace, zipf_popularity

__all__ = [
    "POLICIES",
    "Cache",
    "LRUCache",
    "LFUCache",
    "FIFOCache",
    "SIEVECache",
    "make_cache",
    "TRACE_KINDS",
    "Trace",
    "zipf_popularity",
    "make_trace",
    "hit_ratio",
    "hit_ratio_curve",
    "stack_distances",
    "MissRatioCurve",
    "miss_ratio_curve",
    "che_characteristic_time",
    "che_hit_ratio",
    "fifo_hit_ratio_approx",
    "ideal_hit_ratio",
    "WRITE_POLICIES",
    "mean_latency",
    "database_load",
    "failure_database_load",
    "stampede_db_reads",
    "CacheRun",
    "simulate_cache",
    "T_CACHE_HIT",
    "T_DB_READ",
    "CacheTier",
    "TierBuckets",
    "cache_tier_buckets",
]


def __getattr__(name: str):
    # a name from before the capstone contract, kept (deprecated, outside __all__) so that
    # notebooks of an older release still import it
    if name == "simulate_cache_tier":
        return _simulate_cache_tier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
