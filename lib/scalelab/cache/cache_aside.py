"""Cache-aside in production: latency, database load, node failures, stampedes, writes.

With **cache-aside** every read asks the cache first; a miss reads the database and stores the
answer for next time. :func:`mean_latency` and :func:`database_load` follow from the hit ratio,
:func:`failure_database_load` gives the database load when cache nodes fail and
:func:`stampede_db_reads` the reads a hot key's expiry sends to the database. :func:`simulate_cache`
replays a trace request by request with TTLs, fetch time, request coalescing and the write
policies (:data:`WRITE_POLICIES`: invalidate, write-through, write-around), and counts the stale
reads each one causes (a :class:`CacheRun`). Latencies in seconds (:data:`T_CACHE_HIT`,
:data:`T_DB_READ`), rates in requests/s.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from scalelab.cache.eviction import _MISSING, make_cache
from scalelab.cache.traces import Trace
from scalelab.validate import check_choice, check_int, check_number, check_type

__all__ = [
    "WRITE_POLICIES",
    "mean_latency",
    "database_load",
    "failure_database_load",
    "stampede_db_reads",
    "CacheRun",
    "simulate_cache",
    "T_CACHE_HIT",
    "T_DB_READ",
]


WRITE_POLICIES = ("invalidate", "write-through", "write-around")
"""What a write does to the cache in :func:`simulate_cache` (the database is always written)."""

T_CACHE_HIT = 0.0005
"""A cache read inside one data center, seconds (0.5 ms: a Memcached/Redis round trip; Dean,
'Numbers everyone should know', 2009, gives 0.5 ms for a round trip within a data center)."""

T_DB_READ = 0.010
"""A database read that misses the cache, seconds (10 ms: an indexed query touching disk; the
same table gives 10 ms for a disk seek)."""


def mean_latency(p_hit: float, t_cache: float = T_CACHE_HIT, t_db: float = T_DB_READ) -> float:
    """Mean read latency (s) with cache-aside: every read asks the cache (``t_cache``); a miss
    then reads the database too (``t_db``): ``t_cache + (1 - p_hit) * t_db``.

    >>> round(mean_latency(0.9, 0.0005, 0.010), 6)
    0.0015
    """
    h = check_number("p_hit", p_hit, low=0, high=1)
    check_number("t_cache", t_cache, low=0)
    check_number("t_db", t_db, low=0)
    return t_cache + (1.0 - h) * t_db


def database_load(rate: float, p_hit: float) -> float:
    """Reads per second that reach the database: the misses, ``rate * (1 - p_hit)``.

    >>> round(database_load(10_000, 0.95), 6)
    500.0
    """
    check_number("rate", rate, low=0)
    h = check_number("p_hit", p_hit, low=0, high=1)
    return rate * (1.0 - h)


def failure_database_load(rate: float, p_hit: float, n_nodes: int, n_down: int = 1) -> float:
    """Database reads/s when ``n_down`` of ``n_nodes`` equal cache nodes fail.

    Keys are spread evenly; the failed nodes' keys all miss, the rest still hit with ``p_hit``:
    ``rate * (1 - p_hit * (n_nodes - n_down) / n_nodes)``. With one node (a single point of
    failure) the database takes every read.

    >>> failure_database_load(10_000, 0.9, n_nodes=1)
    10000.0
    >>> round(failure_database_load(10_000, 0.9, n_nodes=4))
    3250
    """
    check_number("rate", rate, low=0)
    h = check_number("p_hit", p_hit, low=0, high=1)
    n = check_int("n_nodes", n_nodes, low=1)
    down = check_int("n_down", n_down, low=0, high=n)
    return rate * (1.0 - h * (n - down) / n)


def stampede_db_reads(rate_key: float, t_fetch: float, *, coalesce: bool = False) -> float:
    """Expected database reads each time a hot key expires (a *cache stampede*).

    Requests for the key arrive at ``rate_key`` requests/s; refilling it takes ``t_fetch``
    seconds. Without coalescing the first miss and every request arriving during the fetch go
    to the database: ``1 + rate_key * t_fetch``. With coalescing (one fetch per key, the others
    wait for it: a lock or "single flight") it is 1.

    >>> stampede_db_reads(2_000, 0.05)
    101.0
    >>> stampede_db_reads(2_000, 0.05, coalesce=True)
    1.0
    """
    check_number("rate_key", rate_key, low=0)
    check_number("t_fetch", t_fetch, low=0)
    return 1.0 if coalesce else 1.0 + rate_key * t_fetch


@dataclass(frozen=True, eq=False)
class CacheRun:
    """Per-request outcome of :func:`simulate_cache` (boolean arrays, one entry per request).

    ``hit``: a read served from the cache; ``db_read``: the request read the database;
    ``stale``: a hit that returned an older version than the database held; ``waited``: a read
    that waited for another request's fetch (coalescing). Writes have all four False.
    """

    hit: np.ndarray
    db_read: np.ndarray
    stale: np.ndarray
    waited: np.ndarray
    is_write: np.ndarray

    @property
    def n_reads(self) -> int:
        """Number of reads (requests that are not writes)."""
        return int((~self.is_write).sum())

    @property
    def hit_ratio(self) -> float:
        """Share of reads served from the cache."""
        return float(self.hit.sum() / max(self.n_reads, 1))

    @property
    def n_db_reads(self) -> int:
        """Reads that went to the database."""
        return int(self.db_read.sum())

    @property
    def n_stale(self) -> int:
        """Reads that were served an outdated value."""
        return int(self.stale.sum())


def simulate_cache(
    trace: Trace,
    policy: str = "lru",
    n_capacity: int = 1_000,
    *,
    t_ttl: float | None = None,
    t_fetch: float = 0.0,
    coalesce: bool = False,
    write_policy: str = "invalidate",
) -> CacheRun:
    """Replay ``trace`` request by request through a cache-aside tier in front of a database.

    A read asks the cache; on a miss it reads the database, which takes ``t_fetch`` seconds,
    and then stores the value it read (with TTL ``t_ttl`` seconds). Reads of a key whose fetch
    is still in flight also go to the database, unless ``coalesce`` (they wait instead). A
    write updates the database (its version goes up by one) and then, by ``write_policy``:

    - ``"invalidate"``: deletes the key from the cache (the usual cache-aside write);
    - ``"write-through"``: stores the new value in the cache too;
    - ``"write-around"``: leaves the cache alone, so a cached old value is served until it
      expires or is evicted.

    A hit is *stale* when its version is older than the database's. Even with invalidation a
    slow fetch can store a value that a write made stale in the meantime.

    >>> from scalelab.cache import make_trace
    >>> tr = make_trace("stampede", n_objects=1_000, n_requests=20_000, p_hot=0.5, rate=2_000,
    ...                 rng=np.random.default_rng(3))
    >>> run = simulate_cache(tr, "lru", 100, t_ttl=1.0, t_fetch=0.05)
    >>> run.n_db_reads > simulate_cache(tr, "lru", 100, t_ttl=1.0, t_fetch=0.05,
    ...                                 coalesce=True).n_db_reads
    True
    """
    check_type("trace", trace, Trace, hint="from make_trace")
    cache = make_cache(policy, n_capacity, t_ttl=t_ttl)
    check_number("t_fetch", t_fetch, low=0)
    check_choice("write_policy", write_policy, WRITE_POLICIES)
    n = len(trace)
    hit = np.zeros(n, dtype=bool)
    db_read = np.zeros(n, dtype=bool)
    stale = np.zeros(n, dtype=bool)
    waited = np.zeros(n, dtype=bool)
    version: dict = {}
    in_flight: dict = {}  # key -> number of fetches in flight
    pending: list = []  # heap of (ready time, sequence, key, version read)
    seq = 0
    get, put, delete = cache.get, cache.put, cache.delete
    for i, (k, now, w) in enumerate(
        zip(trace.keys.tolist(), trace.t.tolist(), trace.is_write.tolist(), strict=True)
    ):
        while pending and pending[0][0] <= now:
            ready, _, key, ver = heapq.heappop(pending)
            put(key, ver, ready)
            in_flight[key] -= 1
        if w:
            v = version.get(k, 0) + 1
            version[k] = v
            if write_policy == "invalidate":
                delete(k)
            elif write_policy == "write-through":
                put(k, v, now)
            continue
        cached = get(k, now, _MISSING)
        if cached is not _MISSING:
            hit[i] = True
            stale[i] = cached < version.get(k, 0)
            continue
        if coalesce and in_flight.get(k, 0):
            waited[i] = True
            continue
        db_read[i] = True
        if t_fetch == 0:
            put(k, version.get(k, 0), now)
        else:
            heapq.heappush(pending, (now + t_fetch, seq, k, version.get(k, 0)))
            seq += 1
            in_flight[k] = in_flight.get(k, 0) + 1
    return CacheRun(hit, db_read, stale, waited, trace.is_write.copy())
