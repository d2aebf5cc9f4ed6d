"""Caches: eviction policies, request traces, whole miss-ratio curves and the cache tier.

A web tier that reads every page from its database soon makes the database the bottleneck. A
**cache tier** (Memcached, Redis) keeps recently read objects in memory: a read that finds its
object there (a *hit*) costs a fraction of a millisecond; a *miss* goes on to the database and
usually stores the answer in the cache for next time (**cache-aside**). The cache holds far fewer
objects than the database, so once it is full an **eviction policy** decides which object to drop
for the newcomer, and the policy plus the size decide the **hit ratio**, which decides the
database load and the mean latency users see.

What this module models, and what it leaves out:

- **Policies behind one interface.** :class:`Cache` is the interface; :class:`LRUCache` (least
  recently used), :class:`LFUCache` (least frequently used, optionally remembering the counts of
  evicted objects), :class:`FIFOCache` (first in, first out) and :class:`SIEVECache` (Zhang et
  al., NSDI 2024: a FIFO queue with one "visited" bit and a moving hand) all offer ``get``,
  ``put``, ``delete``, ``access``, ``len``/``in`` and ``keys()``. :func:`make_cache` builds one by
  name (:data:`POLICIES`). Capacity counts objects (all objects have the same size). An optional
  TTL (``t_ttl``, seconds) expires entries: an expired object is never served.
- **Seeded request traces** (:func:`make_trace`, :class:`Trace`): independent requests with Zipf
  popularity of skew ``alpha`` (the *independent reference model*), and three variations that
  real caches meet: one-off **scans** (a batch job reading cold keys once), **bursts** of new
  content that is hot for a while, and a **stampede** trace with one very hot key. Keys are
  integers; key 0 is the most popular of the Zipf catalogue.
- **Hit ratio and the whole miss-ratio curve.** :func:`hit_ratio` replays a trace through one
  policy and size. :func:`miss_ratio_curve` gives LRU's hit ratio *for every size at once* from
  one pass over the trace (Mattson et al. 1970): a request hits an LRU cache of ``C`` objects
  exactly when fewer than ``C`` distinct other keys were requested since the same key was last
  requested (its *stack distance*). :func:`stack_distances` computes them with numpy in
  O(n log n) (a vectorised merge count, no Python loop over requests).
- **Analytic approximations** for independent requests: Che's approximation for LRU
  (:func:`che_hit_ratio`), the characteristic-time approximation for FIFO
  (:func:`fifo_hit_ratio_approx`) and the ideal top-``C`` hit ratio a perfect LFU approaches
  (:func:`ideal_hit_ratio`).
- **Cache-aside in production**: :func:`mean_latency` and :func:`database_load` from the hit
  ratio, :func:`failure_database_load` when cache nodes fail, :func:`stampede_db_reads` when a
  hot key expires, and :func:`simulate_cache`, a request-by-request replay with TTLs, fetch
  time, request coalescing and the write policies (write-through, write-around, invalidate) with
  the stale reads each one causes.
- **A time-bucketed form** for the capstone: :func:`simulate_cache_tier` takes a request rate per
  bucket and returns hit ratio, database load and mean latency per bucket, with cache nodes that
  fail and come back empty (cold) and warm up again.

Simplifications: one object size; a cache node failure loses that node's share of keys (the
clients do not rehash them elsewhere); latencies are fixed per hit and per miss, plus a simple
queueing factor at the database in the time-bucketed form; no network partitions.

>>> trace = make_trace("zipf", n_objects=1_000, n_requests=20_000, alpha=0.9,
...                    rng=np.random.default_rng(1))
>>> curve = miss_ratio_curve(trace.keys)
>>> round(curve.at(100), 3) == round(hit_ratio(trace, "lru", 100), 3)
True
>>> round(che_hit_ratio(zipf_popularity(1_000, 0.9), 100), 2)
0.48
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from scalelab.validate import check_choice, check_int, check_number, check_rng

__all__ = [
    "POLICIES",
    "TRACE_KINDS",
    "WRITE_POLICIES",
    "Cache",
    "LRUCache",
    "LFUCache",
    "FIFOCache",
    "SIEVECache",
    "make_cache",
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
    "mean_latency",
    "database_load",
    "failure_database_load",
    "stampede_db_reads",
    "CacheRun",
    "simulate_cache",
    "CacheTier",
    "TierBuckets",
    "simulate_cache_tier",
    "T_CACHE_HIT",
    "T_DB_READ",
]

POLICIES = ("lru", "lfu", "fifo", "sieve")
"""Policy names accepted by :func:`make_cache`, :func:`hit_ratio` and :func:`hit_ratio_curve`."""

TRACE_KINDS = ("zipf", "scan", "burst", "stampede")
"""Trace kinds accepted by :func:`make_trace`."""

WRITE_POLICIES = ("invalidate", "write-through", "write-around")
"""What a write does to the cache in :func:`simulate_cache` (the database is always written)."""

T_CACHE_HIT = 0.0005
"""A cache read inside one data center, seconds (0.5 ms: a Memcached/Redis round trip; Dean,
'Numbers everyone should know', 2009, gives 0.5 ms for a round trip within a data center)."""

T_DB_READ = 0.010
"""A database read that misses the cache, seconds (10 ms: an indexed query touching disk; the
same table gives 10 ms for a disk seek)."""

_MISSING = object()


# --------------------------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------------------------


class Cache:
    """A cache of at most ``capacity`` objects; subclasses choose the eviction policy.

    ``get(key, now)`` returns the value (a *hit*, which updates the policy's bookkeeping) or
    ``default``; ``put(key, value, now)`` stores a value, evicting if the cache is full, and
    returns the evicted keys; ``access(key, now)`` is a read-through shortcut (``get``, and
    ``put`` on a miss) returning ``True`` on a hit. ``t_ttl`` (seconds, or ``None`` for no
    expiry) is the default time to live: an entry put at time ``now`` is served until
    ``now + t_ttl`` and never after. Counters: ``hits``, ``misses``, ``evictions``, ``expired``.

    >>> c = make_cache("lru", 2)
    >>> [c.access(k) for k in "abacb"]
    [False, False, True, False, False]
    >>> c.keys()  # eviction order: the next victim first
    ['c', 'b']
    """

    policy = "base"

    def __init__(self, capacity: int, *, t_ttl: float | None = None):
        self.capacity = check_int("capacity", capacity, low=1)
        if t_ttl is not None:
            check_number("t_ttl", t_ttl, low=0, low_open=True)
        self.t_ttl = t_ttl
        self._values: dict = {}
        self._expiry: dict = {}
        self.hits = self.misses = self.evictions = self.expired = 0

    # the policy's bookkeeping, implemented by subclasses
    def _on_hit(self, key) -> None:
        raise NotImplementedError

    def _on_insert(self, key) -> None:
        raise NotImplementedError

    def _on_remove(self, key) -> None:
        raise NotImplementedError

    def _victim(self):
        raise NotImplementedError

    def _order(self) -> list:
        raise NotImplementedError

    # the public interface
    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key) -> bool:
        return key in self._values

    def keys(self) -> list:
        """The cached keys in eviction order: the key the policy would evict next comes first."""
        return self._order()

    def _expire_if_due(self, key, now: float) -> bool:
        due = self._expiry.get(key)
        if due is not None and now >= due:
            self._remove(key)
            self.expired += 1
            return True
        return False

    def _remove(self, key) -> None:
        del self._values[key]
        self._expiry.pop(key, None)
        self._on_remove(key)

    def get(self, key, now: float = 0.0, default=None):
        """The value cached under ``key`` at time ``now`` (s), or ``default`` on a miss."""
        if key in self._values and not self._expire_if_due(key, now):
            self.hits += 1
            self._on_hit(key)
            return self._values[key]
        self.misses += 1
        return default

    def put(self, key, value=None, now: float = 0.0, t_ttl: float | None = None) -> list:
        """Store ``value`` under ``key`` at time ``now`` (s); return the keys evicted to make room.

        ``t_ttl`` overrides the cache's default time to live for this entry (seconds).
        """
        evicted = []
        if key in self._values:
            self._values[key] = value
        else:
            while len(self._values) >= self.capacity:
                victim = self._victim()
                self._remove(victim)
                self.evictions += 1
                evicted.append(victim)
            self._values[key] = value
            self._on_insert(key)
        ttl = self.t_ttl if t_ttl is None else check_number("t_ttl", t_ttl, low=0, low_open=True)
        if ttl is not None:
            self._expiry[key] = now + ttl
        else:
            self._expiry.pop(key, None)
        return evicted

    def delete(self, key) -> bool:
        """Drop ``key`` (an invalidation); return whether it was cached."""
        if key in self._values:
            self._remove(key)
            return True
        return False

    def access(self, key, now: float = 0.0) -> bool:
        """Read ``key`` through the cache: ``True`` on a hit; on a miss store it and return False."""
        if self.get(key, now, _MISSING) is not _MISSING:
            return True
        self.put(key, None, now)
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capacity={self.capacity}, size={len(self)})"


class LRUCache(Cache):
    """Least recently used: evict the object whose last request is oldest.

    >>> c = LRUCache(2)
    >>> for k in [1, 2, 1, 3]:
    ...     _ = c.access(k)
    >>> c.keys()
    [1, 3]
    """

    policy = "lru"

    def __init__(self, capacity: int, *, t_ttl: float | None = None):
        super().__init__(capacity, t_ttl=t_ttl)
        self._recency: OrderedDict = OrderedDict()

    def _on_hit(self, key) -> None:
        self._recency.move_to_end(key)

    def _on_insert(self, key) -> None:
        self._recency[key] = None

    def _on_remove(self, key) -> None:
        del self._recency[key]

    def _victim(self):
        return next(iter(self._recency))

    def _order(self) -> list:
        return list(self._recency)


class FIFOCache(Cache):
    """First in, first out: evict the object that entered the cache earliest; hits change nothing.

    >>> c = FIFOCache(2)
    >>> for k in [1, 2, 1, 3]:
    ...     _ = c.access(k)
    >>> c.keys()
    [2, 3]
    """

    policy = "fifo"

    def __init__(self, capacity: int, *, t_ttl: float | None = None):
        super().__init__(capacity, t_ttl=t_ttl)
        self._queue: OrderedDict = OrderedDict()

    def _on_hit(self, key) -> None:
        pass

    def _on_insert(self, key) -> None:
        self._queue[key] = None

    def _on_remove(self, key) -> None:
        del self._queue[key]

    def _victim(self):
        return next(iter(self._queue))

    def _order(self) -> list:
        return list(self._queue)


class LFUCache(Cache):
    """Least frequently used: evict the cached object with the fewest requests (ties: least recent).

    Counts live in frequency buckets, so every operation is O(1) on average. With
    ``keep_counts=True`` the cache remembers the counts of evicted objects too ("perfect LFU"):
    under independent requests it converges to holding the ``capacity`` most popular objects.
    Without it ("in-cache LFU") an evicted object starts again from one.

    >>> c = LFUCache(2)
    >>> for k in [1, 1, 2, 3]:
    ...     _ = c.access(k)
    >>> c.keys()
    [3, 1]
    """

    policy = "lfu"

    def __init__(self, capacity: int, *, t_ttl: float | None = None, keep_counts: bool = False):
        super().__init__(capacity, t_ttl=t_ttl)
        self.keep_counts = bool(keep_counts)
        self._count: dict = {}
        self._buckets: dict[int, OrderedDict] = {}
        self._heap: list[int] = []  # counts whose bucket may be non-empty (lazy)

    def _add(self, key, count: int) -> None:
        bucket = self._buckets.get(count)
        if bucket is None:
            bucket = self._buckets[count] = OrderedDict()
            heapq.heappush(self._heap, count)
        bucket[key] = None

    def _take(self, key, count: int) -> None:
        bucket = self._buckets[count]
        del bucket[key]
        if not bucket:
            del self._buckets[count]

    def _on_hit(self, key) -> None:
        count = self._count[key]
        self._take(key, count)
        self._count[key] = count + 1
        self._add(key, count + 1)

    def _on_insert(self, key) -> None:
        count = self._count.get(key, 0) + 1 if self.keep_counts else 1
        self._count[key] = count
        self._add(key, count)

    def _on_remove(self, key) -> None:
        count = self._count[key]
        self._take(key, count)
        if not self.keep_counts:
            del self._count[key]

    def _victim(self):
        while self._heap[0] not in self._buckets:
            heapq.heappop(self._heap)
        return next(iter(self._buckets[self._heap[0]]))

    def _order(self) -> list:
        return [k for c in sorted(self._buckets) for k in self._buckets[c]]

    def count(self, key) -> int:
        """How many requests the cache has counted for ``key`` (0 if unknown)."""
        return self._count.get(key, 0)


class SIEVECache(Cache):
    """SIEVE (Zhang et al., NSDI 2024): a FIFO queue, one "visited" bit per object and a hand.

    A hit only sets the object's bit. To evict, the hand walks from the oldest object towards
    the newest, clearing set bits, and evicts the first object whose bit is clear; it stays
    there for the next eviction (wrapping to the oldest). New objects enter at the new end with
    a clear bit, so one-off objects (a scan) leave quickly while objects requested again stay.

    >>> c = SIEVECache(2)
    >>> for k in [1, 1, 2, 3]:
    ...     _ = c.access(k)
    >>> sorted(c.keys())
    [1, 3]
    """

    policy = "sieve"

    def __init__(self, capacity: int, *, t_ttl: float | None = None):
        super().__init__(capacity, t_ttl=t_ttl)
        self._newer: dict = {}  # key -> the next newer key (None at the newest end)
        self._older: dict = {}  # key -> the next older key (None at the oldest end)
        self._visited: dict = {}
        self._oldest = self._newest = self._hand = None

    def _on_hit(self, key) -> None:
        self._visited[key] = True

    def _on_insert(self, key) -> None:
        self._visited[key] = False
        self._older[key] = self._newest
        self._newer[key] = None
        if self._newest is not None:
            self._newer[self._newest] = key
        self._newest = key
        if self._oldest is None:
            self._oldest = key

    def _on_remove(self, key) -> None:
        older, newer = self._older.pop(key), self._newer.pop(key)
        del self._visited[key]
        if self._hand == key:
            self._hand = newer
        if older is None:
            self._oldest = newer
        else:
            self._newer[older] = newer
        if newer is None:
            self._newest = older
        else:
            self._older[newer] = older

    def _victim(self):
        hand = self._oldest if self._hand is None else self._hand
        visited, newer = self._visited, self._newer
        while visited[hand]:
            visited[hand] = False
            hand = newer[hand]
            if hand is None:
                hand = self._oldest
        self._hand = hand  # _on_remove moves it one step towards the newest
        return hand

    def _order(self) -> list:
        out, key = [], self._oldest
        while key is not None:
            out.append(key)
            key = self._newer[key]
        return out


_CLASSES = {"lru": LRUCache, "lfu": LFUCache, "fifo": FIFOCache, "sieve": SIEVECache}


def make_cache(policy: str, capacity: int, *, t_ttl: float | None = None, **options) -> Cache:
    """A cache of ``capacity`` objects with eviction ``policy`` (one of :data:`POLICIES`).

    ``t_ttl`` is the time to live in seconds (``None``: never expires); ``options`` go to the
    class (``keep_counts=True`` for a perfect LFU).

    >>> make_cache("sieve", 100)
    SIEVECache(capacity=100, size=0)
    >>> make_cache("mru", 100)
    Traceback (most recent call last):
    ...
    ValueError: policy must be one of 'lru', 'lfu', 'fifo', 'sieve'; got 'mru'
    """
    check_choice("policy", policy, POLICIES)
    return _CLASSES[policy](capacity, t_ttl=t_ttl, **options)


# --------------------------------------------------------------------------------------------
# Traces
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Trace:
    """A request trace: ``keys[i]`` is requested at time ``t[i]`` (seconds, non-decreasing).

    ``is_write[i]`` marks writes (updates of the key in the database); all-False when the
    trace is read-only. ``n_objects`` is the size of the popular catalogue (keys
    ``0..n_objects-1``, key 0 the most popular); scans and bursts use keys beyond it.
    """

    kind: str
    keys: np.ndarray
    t: np.ndarray
    is_write: np.ndarray
    n_objects: int
    alpha: float
    rate: float

    def __len__(self) -> int:
        return int(self.keys.size)

    @property
    def n_distinct(self) -> int:
        """How many different keys the trace requests."""
        return int(np.unique(self.keys).size)


def zipf_popularity(n_objects: int, alpha: float) -> np.ndarray:
    """Request probabilities of a catalogue whose ``k``-th most popular object gets ∝ k^-alpha.

    ``alpha`` (the skew) is 0 for uniform popularity; web and video workloads measure 0.6-1.0
    (Breslau et al., INFOCOM 1999).

    >>> p = zipf_popularity(3, 1.0)
    >>> [round(float(x), 3) for x in p]
    [0.545, 0.273, 0.182]
    """
    n = check_int("n_objects", n_objects, low=1)
    a = check_number("alpha", alpha, low=0, high=3)
    q = np.arange(1, n + 1, dtype=float) ** -a
    return q / q.sum()


def _sample(popularity: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    cdf = np.cumsum(popularity)
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int64)


def make_trace(
    kind: str = "zipf",
    *,
    n_objects: int = 10_000,
    n_requests: int = 100_000,
    alpha: float = 0.8,
    rng: np.random.Generator,
    rate: float = 1_000.0,
    p_scan: float = 0.3,
    n_scan: int | None = None,
    p_burst: float = 0.3,
    n_burst: int | None = None,
    p_hot: float = 0.2,
    p_write: float = 0.0,
) -> Trace:
    """A seeded request trace of ``n_requests`` over a Zipf catalogue of ``n_objects``.

    Requests arrive as a Poisson stream of ``rate`` requests/s. ``kind``:

    - ``"zipf"``: every request independently picks a key with :func:`zipf_popularity`.
    - ``"scan"``: a share ``p_scan`` of the requests come in *scans*: runs of ``n_scan``
      (default ``n_objects // 5``) consecutive requests for new keys, each requested once
      (a backup or a report reading cold rows); the rest is Zipf.
    - ``"burst"``: a share ``p_burst`` of the requests go to *bursts*: new content (``n_burst``
      keys, default 20) that is hot for a stretch of the trace and then never requested again
      (a news story, a viral post); popularity inside a burst is Zipf too.
    - ``"stampede"``: a share ``p_hot`` of the requests go to one hot key, ``-1``; the rest is
      Zipf. With a TTL, every expiry of the hot key sends a crowd to the database.

    ``p_write`` marks that share of requests as writes (random, any kind).

    >>> tr = make_trace("scan", n_objects=100, n_requests=1_000, rng=np.random.default_rng(0))
    >>> len(tr), tr.kind, bool(tr.keys.max() >= 100)
    (1000, 'scan', True)
    """
    check_choice("kind", kind, TRACE_KINDS)
    n_obj = check_int("n_objects", n_objects, low=1, high=10_000_000)
    n = check_int("n_requests", n_requests, low=1, high=20_000_000)
    check_number("alpha", alpha, low=0, high=3)
    check_rng(rng)
    check_number("rate", rate, low=0, low_open=True)
    for name, p in (("p_scan", p_scan), ("p_burst", p_burst), ("p_hot", p_hot)):
        check_number(name, p, low=0, high=0.95)
    check_number("p_write", p_write, low=0, high=1)
    pop = zipf_popularity(n_obj, alpha)
    keys = _sample(pop, n, rng)
    if kind == "scan":
        length = check_int("n_scan", n_obj // 5 if n_scan is None else n_scan, low=1)
        n_runs = min(int(round(n * p_scan / length)), n // length)
        if n_runs:
            # runs at random places that never overlap: n_runs starts in the free room
            free = n - n_runs * length
            starts = np.sort(rng.integers(0, free + 1, size=n_runs)) + np.arange(n_runs) * length
            pos = (starts[:, None] + np.arange(length)).reshape(-1)
            keys[pos] = n_obj + np.arange(pos.size)
    elif kind == "burst":
        size = check_int("n_burst", 20 if n_burst is None else n_burst, low=1)
        in_burst = rng.random(n) < p_burst
        n_bursts = max(1, n // 10_000 * 2 + 2)
        # burst b covers requests [b, b+2) * n / (n_bursts + 1): overlapping, always some active
        which = np.minimum((np.arange(n) * (n_bursts + 1) // n), n_bursts)
        which = np.where(rng.random(n) < 0.5, which, np.maximum(which - 1, 0))
        local = _sample(zipf_popularity(size, alpha), n, rng)
        keys = np.where(in_burst, n_obj + which * size + local, keys)
    elif kind == "stampede":
        keys = np.where(rng.random(n) < p_hot, -1, keys)
    t = np.cumsum(rng.exponential(1.0 / rate, size=n))
    is_write = rng.random(n) < p_write if p_write > 0 else np.zeros(n, dtype=bool)
    return Trace(kind, keys, t, is_write, n_obj, float(alpha), float(rate))


def _keys_of(trace) -> np.ndarray:
    keys = trace.keys if isinstance(trace, Trace) else np.asarray(trace)
    if keys.ndim != 1 or keys.size == 0:
        raise ValueError(f"trace must be a non-empty 1-d sequence of keys; got shape {keys.shape}")
    return keys


# --------------------------------------------------------------------------------------------
# Hit ratios by replay
# --------------------------------------------------------------------------------------------


def _lru_hits(keys: list, capacity: int) -> int:
    """Hits of an LRU cache of ``capacity`` on ``keys``: a tight OrderedDict loop."""
    od: OrderedDict = OrderedDict()
    move, pop = od.move_to_end, od.popitem
    misses = 0
    it = iter(keys)
    for k in it:  # filling: nothing is evicted yet
        if k in od:
            move(k)
        else:
            od[k] = None
            misses += 1
            if len(od) == capacity:
                break
    for k in it:  # full: every miss evicts the least recently used key
        if k in od:
            move(k)
        else:
            od[k] = None
            misses += 1
            pop(False)
    return len(keys) - misses


def _fifo_hits(keys: list, capacity: int) -> int:
    od: OrderedDict = OrderedDict()
    pop = od.popitem
    misses = 0
    for k in keys:
        if k not in od:
            od[k] = None
            misses += 1
            if len(od) > capacity:
                pop(False)
    return len(keys) - misses


def _lfu_hits(keys: list, capacity: int) -> int:
    """Hits of an in-cache LFU (ties: least recent first), as :class:`LFUCache`, in one loop."""
    count: dict = {}
    buckets: dict = {}  # count -> OrderedDict of keys, least recently touched first
    lowest = 1
    hits = 0
    for k in keys:
        c = count.get(k)
        if c is not None:
            hits += 1
            bucket = buckets[c]
            del bucket[k]
            if not bucket:
                del buckets[c]
                if lowest == c:
                    lowest = c + 1
            count[k] = c + 1
            up = buckets.get(c + 1)
            if up is None:
                up = buckets[c + 1] = OrderedDict()
            up[k] = None
            continue
        if len(count) >= capacity:
            bucket = buckets[lowest]
            victim, _ = bucket.popitem(last=False)
            if not bucket:
                del buckets[lowest]
            del count[victim]
        count[k] = 1
        one = buckets.get(1)
        if one is None:
            one = buckets[1] = OrderedDict()
        one[k] = None
        lowest = 1
    return hits


def _sieve_hits(keys: list, capacity: int) -> int:
    """Hits of SIEVE, as :class:`SIEVECache`, in one loop.

    The queue is a list, oldest first; an evicted key leaves a hole (None) that is squeezed out
    when holes outnumber the cached keys, so every request costs O(1) on average.
    """
    visited: dict = {}  # cached key -> visited bit
    queue: list = []
    hand = 0
    hits = 0
    for k in keys:
        if k in visited:
            visited[k] = True
            hits += 1
            continue
        if len(visited) >= capacity:
            while True:
                if hand >= len(queue):  # past the newest: wrap to the oldest
                    queue = [x for x in queue if x is not None]
                    hand = 0
                h = queue[hand]
                if h is None:
                    hand += 1
                elif visited[h]:
                    visited[h] = False
                    hand += 1
                else:
                    del visited[h]
                    queue[hand] = None
                    hand += 1
                    break
            if hand >= len(queue):  # evicted the newest: the hand goes back to the oldest
                queue = [x for x in queue if x is not None]
                hand = 0
            elif len(queue) > 2 * capacity + 64:  # squeeze the holes, keep the hand's place
                live_before = sum(1 for x in queue[:hand] if x is not None)
                queue = [x for x in queue if x is not None]
                hand = live_before
        visited[k] = False
        queue.append(k)
    return hits


def hit_ratio(trace, policy: str, capacity: int, **options) -> float:
    """Share of requests in ``trace`` (a :class:`Trace` or a sequence of keys) that hit.

    The cache starts empty and has no TTL; writes in a :class:`Trace` are read like any request.
    Without ``options`` each policy runs as one tight loop (tested to agree with its class);
    with them the trace replays through :func:`make_cache` (e.g. ``keep_counts=True``).

    >>> hit_ratio([1, 2, 1, 3, 1, 2], "lru", 2)
    0.3333333333333333
    """
    check_choice("policy", policy, POLICIES)
    capacity = check_int("capacity", capacity, low=1)
    keys = trace if type(trace) is list and trace else _keys_of(trace).tolist()
    if policy == "lru" and not options:
        return _lru_hits(keys, capacity) / len(keys)
    if policy == "fifo" and not options:
        return _fifo_hits(keys, capacity) / len(keys)
    if policy == "sieve" and not options:
        return _sieve_hits(keys, capacity) / len(keys)
    if policy == "lfu" and not options:
        return _lfu_hits(keys, capacity) / len(keys)
    cache = make_cache(policy, capacity, **options)
    access = cache.access
    hits = 0
    for k in keys:
        hits += access(k)
    return hits / len(keys)


def hit_ratio_curve(trace, policy: str, capacities, **options) -> np.ndarray:
    """Hit ratio of ``policy`` at each of ``capacities`` (LRU: read off the one-pass curve).

    >>> hit_ratio_curve([1, 2, 1, 3, 1, 2], "lru", [1, 2, 3]).tolist()
    [0.0, 0.3333333333333333, 0.5]
    """
    check_choice("policy", policy, POLICIES)
    caps = [
        check_int("capacities", int(c) if isinstance(c, np.integer) else c, low=1)
        for c in np.atleast_1d(capacities).tolist()
    ]
    if policy == "lru" and not options:
        curve = miss_ratio_curve(trace)
        return np.array([curve.at(c) for c in caps])
    return np.array([hit_ratio(trace, policy, c, **options) for c in caps])


# --------------------------------------------------------------------------------------------
# Stack distances and the miss-ratio curve
# --------------------------------------------------------------------------------------------


def _previous_index(keys: np.ndarray) -> np.ndarray:
    """For each request, the index of the previous request for the same key (-1 if none)."""
    order = np.argsort(keys, kind="stable")
    same = keys[order[1:]] == keys[order[:-1]]
    prev = np.full(keys.size, -1, dtype=np.int64)
    prev[order[1:][same]] = order[:-1][same]
    return prev


def _earlier_greater(values: np.ndarray) -> np.ndarray:
    """For each position ``t``: how many ``s < t`` have ``values[s] > values[t]`` (distinct values).

    Bottom-up merge counting, vectorised: small blocks by brute force, then at each level every
    element of a right half counts the larger elements of its left half, with one stable radix
    sort by block (16-bit block ids) per level.
    """
    m = values.size
    out = np.zeros(m, dtype=np.int64)
    if m < 2:
        return out
    block = 16
    while -(-m // block) > 65_535:
        block *= 2
    rows = -(-m // block)
    padded = np.full(rows * block, np.iinfo(np.int64).min, dtype=np.int64)
    padded[:m] = values
    grid = padded.reshape(rows, block)
    inside = np.zeros((rows, block), dtype=np.int64)
    for i in range(1, block):
        inside[:, i] = (grid[:, :i] > grid[:, i : i + 1]).sum(axis=1)
    out += inside.reshape(-1)[:m]
    by_value = np.argsort(-values, kind="stable")  # largest first
    half = block
    while half < m:
        group = (by_value // (2 * half)).astype(np.uint16)
        idx = by_value[np.argsort(group, kind="stable")]  # by block, largest value first
        left = (idx // half) % 2 == 0
        before = np.cumsum(left) - left  # left-half elements seen so far, all blocks
        starts = before[np.arange(0, m, 2 * half)]  # the count where each block begins
        larger_left = before - starts[idx // (2 * half)]
        right = ~left
        out[idx[right]] += larger_left[right]
        half *= 2
    return out


def stack_distances(trace) -> np.ndarray:
    """LRU stack distance of every request: distinct other keys since the key's last request.

    ``-1`` marks a first request (a compulsory miss). A request hits an LRU cache of ``C``
    objects exactly when ``0 <= distance < C``. One pass, vectorised, O(n log n): the distance of
    request ``i`` whose key was last requested at ``p`` is ``i - p - 1`` minus the repeats
    inside the window, that is minus the requests ``t < i`` whose own previous request came
    after ``p``.

    The readable reference (quadratic) it is tested against::

        stack = []                          # most recent first
        for k in keys:
            d = stack.index(k) if k in stack else -1
            if d >= 0: stack.pop(d)
            stack.insert(0, k)

    >>> stack_distances([1, 2, 3, 1, 1, 2]).tolist()
    [-1, -1, -1, 2, 0, 2]
    """
    keys = _keys_of(trace)
    prev = _previous_index(keys)
    again = np.flatnonzero(prev >= 0)
    p = prev[again]
    dist = np.full(keys.size, -1, dtype=np.int64)
    dist[again] = again - p - 1 - _earlier_greater(p)
    return dist


@dataclass(frozen=True, eq=False)
class MissRatioCurve:
    """LRU's hit ratio for every cache size, from one pass over a trace.

    ``hit_ratio[c]`` is the hit ratio of an LRU cache of ``c`` objects (``c = 0..n_distinct``);
    beyond ``n_distinct`` it stays at its maximum, ``1 - n_distinct / n_requests`` (only
    compulsory misses). ``distances`` are the per-request stack distances.
    """

    hit_ratio: np.ndarray
    n_requests: int
    n_distinct: int
    distances: np.ndarray = field(repr=False)

    @property
    def sizes(self) -> np.ndarray:
        """Cache sizes (objects) of ``hit_ratio``: 0, 1, ..., ``n_distinct``."""
        return np.arange(self.hit_ratio.size)

    @property
    def miss_ratio(self) -> np.ndarray:
        """``1 - hit_ratio`` for every size."""
        return 1.0 - self.hit_ratio

    def at(self, capacity) -> float:
        """Hit ratio of an LRU cache of ``capacity`` objects (fractions interpolate linearly)."""
        c = check_number("capacity", capacity, low=0)
        top = self.hit_ratio.size - 1
        if c >= top:
            return float(self.hit_ratio[-1])
        lo = int(c)
        frac = c - lo
        return float(self.hit_ratio[lo] * (1 - frac) + self.hit_ratio[lo + 1] * frac)

    def size_for(self, target: float) -> int | None:
        """The smallest LRU size (objects) whose hit ratio reaches ``target``; None if none does."""
        check_number("target", target, low=0, high=1)
        where = np.flatnonzero(self.hit_ratio >= target - 1e-12)
        return int(where[0]) if where.size else None


def miss_ratio_curve(trace) -> MissRatioCurve:
    """LRU's whole miss-ratio curve from one pass over ``trace`` (keys or a :class:`Trace`).

    >>> curve = miss_ratio_curve([1, 2, 3, 1, 1, 2])
    >>> curve.hit_ratio.tolist()
    [0.0, 0.16666666666666666, 0.16666666666666666, 0.5]
    >>> curve.at(10)
    0.5
    """
    dist = stack_distances(trace)
    n = dist.size
    reused = dist[dist >= 0]
    n_distinct = n - reused.size
    counts = np.bincount(reused, minlength=n_distinct)[:n_distinct]
    hits = np.concatenate([[0], np.cumsum(counts)])
    return MissRatioCurve(hits / n, n, n_distinct, dist)


# --------------------------------------------------------------------------------------------
# Analytic approximations (independent requests)
# --------------------------------------------------------------------------------------------


def _check_popularity(popularity) -> np.ndarray:
    q = np.asarray(popularity, dtype=float)
    if q.ndim != 1 or q.size == 0 or not np.all(np.isfinite(q)) or np.any(q < 0):
        raise ValueError("popularity must be a non-empty 1-d array of probabilities >= 0")
    total = q.sum()
    if not math.isclose(total, 1.0, rel_tol=1e-6):
        raise ValueError(f"popularity must sum to 1; got {total:g}")
    return q


def _solve_time(q: np.ndarray, capacity: float, occupancy, slope) -> float:
    """The T > 0 at which ``sum(occupancy(q * T)) == capacity``.

    ``occupancy`` is increasing and concave with derivative ``slope``, so Newton's method from
    T = 0 climbs to the root from below without overshooting.
    """
    big_t = 0.0
    for _ in range(500):
        x = q * big_t
        step = (capacity - occupancy(x).sum()) / np.dot(q, slope(x))
        big_t += step
        if step <= 1e-14 * big_t:
            break
    return float(big_t)


def che_characteristic_time(popularity, capacity: float) -> float:
    """Che's characteristic time ``T`` (in requests) of an LRU cache of ``capacity`` objects.

    Under independent requests an object stays in the LRU cache while fewer than ``T`` requests
    have passed since its last request, where ``sum_k (1 - exp(-q_k T)) = capacity``
    (Che, Tung and Wang, 2002). ``inf`` if everything fits.

    >>> round(che_characteristic_time([0.5, 0.5], 1), 3)
    1.386
    """
    q = _check_popularity(popularity)
    n_pos = int(np.count_nonzero(q))
    c = check_number("capacity", capacity, low=0, low_open=True)
    if c >= n_pos:
        return math.inf
    return _solve_time(q[q > 0], c, lambda x: -np.expm1(-x), lambda x: np.exp(-x))


def che_hit_ratio(popularity, capacity: float) -> float:
    """Che's approximation of LRU's hit ratio: ``sum_k q_k (1 - exp(-q_k T))``.

    ``popularity`` holds request probabilities (sum 1), ``capacity`` is in objects.

    >>> round(che_hit_ratio(zipf_popularity(100_000, 0.8), 1_000), 3)
    0.204
    """
    q = _check_popularity(popularity)
    big_t = che_characteristic_time(q, capacity)
    if math.isinf(big_t):
        return 1.0
    return float(np.sum(q * -np.expm1(-q * big_t)))


def fifo_hit_ratio_approx(popularity, capacity: float) -> float:
    """The characteristic-time approximation of FIFO's (and RANDOM's) hit ratio.

    Object ``k`` is cached with probability ``q_k T / (1 + q_k T)``, with ``T`` such that these
    sum to ``capacity`` (Gelenbe 1973; Martina, Garetto and Leonardi, 2014).

    >>> round(fifo_hit_ratio_approx(zipf_popularity(100_000, 0.8), 1_000), 3)
    0.179
    """
    q = _check_popularity(popularity)
    c = check_number("capacity", capacity, low=0, low_open=True)
    qp = q[q > 0]
    if c >= qp.size:
        return 1.0
    big_t = _solve_time(qp, c, lambda x: x / (1.0 + x), lambda x: 1.0 / (1.0 + x) ** 2)
    return float(np.sum(qp * (qp * big_t) / (1.0 + qp * big_t)))


def ideal_hit_ratio(popularity, capacity: int) -> float:
    """The hit ratio of a cache that always holds the ``capacity`` most popular objects.

    Under independent requests no policy that does not know the future beats it for long;
    a perfect LFU (``keep_counts=True``) approaches it.

    >>> ideal_hit_ratio([0.5, 0.3, 0.2], 2)
    0.8
    """
    q = _check_popularity(popularity)
    c = check_int("capacity", capacity, low=0)
    return float(np.sort(q)[::-1][:c].sum())


# --------------------------------------------------------------------------------------------
# Cache-aside: latency, database load, failures, stampedes
# --------------------------------------------------------------------------------------------


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
    capacity: int = 1_000,
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

    >>> tr = make_trace("stampede", n_objects=1_000, n_requests=20_000, p_hot=0.5, rate=2_000,
    ...                 rng=np.random.default_rng(3))
    >>> run = simulate_cache(tr, "lru", 100, t_ttl=1.0, t_fetch=0.05)
    >>> run.n_db_reads > simulate_cache(tr, "lru", 100, t_ttl=1.0, t_fetch=0.05,
    ...                                 coalesce=True).n_db_reads
    True
    """
    if not isinstance(trace, Trace):
        raise ValueError(f"trace must be a Trace from make_trace; got {type(trace).__name__}")
    cache = make_cache(policy, capacity, t_ttl=t_ttl)
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


# --------------------------------------------------------------------------------------------
# The time-bucketed form (for the capstone)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheTier:
    """A cache tier in front of a database.

    ``n_nodes`` cache nodes share ``n_capacity`` objects evenly; a hit takes ``t_cache`` s, a
    miss adds ``t_db`` s at an idle database, which serves at most ``rate_db_max`` reads/s.
    """

    n_nodes: int = 4
    n_capacity: int = 10_000
    t_cache: float = T_CACHE_HIT
    t_db: float = T_DB_READ
    rate_db_max: float = 5_000.0

    def __post_init__(self):
        check_int("n_nodes", self.n_nodes, low=1, high=10_000)
        check_int("n_capacity", self.n_capacity, low=1)
        check_number("t_cache", self.t_cache, low=0)
        check_number("t_db", self.t_db, low=0)
        check_number("rate_db_max", self.rate_db_max, low=0, low_open=True)


@dataclass(frozen=True, eq=False)
class TierBuckets:
    """Per-bucket results of :func:`simulate_cache_tier` (arrays, one entry per bucket).

    ``hit_ratio``; ``rate_db``: reads/s offered to the database; ``rate_failed``: reads/s the
    overloaded database could not serve; ``t_mean``: mean latency of the served reads (s);
    ``utilisation``: database busy share (capped at 1).
    """

    t_start: np.ndarray
    hit_ratio: np.ndarray
    rate_db: np.ndarray
    rate_failed: np.ndarray
    t_mean: np.ndarray
    utilisation: np.ndarray


def simulate_cache_tier(
    rate,
    t_bucket: float,
    tier: CacheTier,
    popularity,
    *,
    nodes_down=None,
) -> TierBuckets:
    """Hit ratio, database load and latency per time bucket of a cache-aside tier.

    ``rate``: offered reads/s in each bucket of ``t_bucket`` seconds; ``popularity``: request
    probabilities of the objects (independent requests); ``nodes_down``: cache nodes down in each
    bucket (default none). A node that was down comes back **empty**: it holds object ``k`` with
    probability ``1 - exp(-q_k min(M, T))`` after ``M`` system requests since its restart, where
    ``T`` is Che's characteristic time of the whole tier (a warm node: ``M >= T``). The database
    is a single queue: latency ``t_db / (1 - u)`` at utilisation ``u``, capped at 0.99; reads
    beyond ``rate_db_max`` fail.

    >>> tier = CacheTier(n_nodes=2, n_capacity=1_000, rate_db_max=2_000)
    >>> out = simulate_cache_tier([4_000] * 4, 0.5, tier, zipf_popularity(10_000, 0.9),
    ...                           nodes_down=[0, 1, 0, 0])
    >>> [round(float(h), 2) for h in out.hit_ratio]  # down, then cold, then warm again
    [0.56, 0.28, 0.52, 0.56]
    >>> [round(float(r)) for r in out.rate_failed]
    [0, 887, 0, 0]
    """
    r = np.asarray(rate, dtype=float)
    if r.ndim != 1 or r.size == 0 or not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError("rate must be a non-empty 1-d array of requests/s >= 0")
    dt = check_number("t_bucket", t_bucket, low=0, low_open=True)
    if not isinstance(tier, CacheTier):
        raise ValueError(f"tier must be a CacheTier; got {type(tier).__name__}")
    q = _check_popularity(popularity)
    if nodes_down is None:
        down = np.zeros(r.size, dtype=int)
    else:
        down = np.asarray(nodes_down)
        if down.shape != r.shape or np.any(down < 0) or np.any(down > tier.n_nodes):
            raise ValueError(f"nodes_down must give 0..{tier.n_nodes} nodes down for each bucket")
        down = down.astype(int)
    big_t = che_characteristic_time(q, tier.n_capacity)
    t_warm = big_t if math.isfinite(big_t) else 1e3 / q[q > 0].min()
    # warm-up curve H(M) = sum q (1 - exp(-q min(M, T))) on a grid, interpolated
    grid = np.concatenate([[0.0], np.geomspace(1e-3 * t_warm, t_warm, 80)])
    warm = np.array([np.sum(q * -np.expm1(-q * m)) for m in grid])
    n = tier.n_nodes
    since = np.full(n, np.inf)  # system requests since each node restarted (inf: warm)
    hit = np.zeros(r.size)
    for b in range(r.size):
        up = n - down[b]
        # the first `down[b]` nodes are the failed ones; a node down now is empty later
        since[: down[b]] = 0.0
        mid = since[down[b] :] + r[b] * dt / 2
        h_nodes = np.interp(np.minimum(mid, t_warm), grid, warm)
        hit[b] = h_nodes.sum() / n if up else 0.0
        since[down[b] :] += r[b] * dt
    rate_db = r * (1.0 - hit)
    served = np.minimum(rate_db, tier.rate_db_max)
    failed = rate_db - served
    util = np.minimum(served / tier.rate_db_max, 0.99)
    t_miss = tier.t_db / (1.0 - util)
    total = r - failed
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = np.where(
            total > 0,
            (r * hit * tier.t_cache + (served) * (tier.t_cache + t_miss))
            / np.maximum(total, 1e-300),
            tier.t_cache,
        )
    return TierBuckets(
        np.arange(r.size) * dt, hit, rate_db, failed, t_mean, served / tier.rate_db_max
    )
