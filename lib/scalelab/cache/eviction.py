"""Eviction policies: which object a full cache drops for a newcomer.

A cache holds far fewer objects than the database behind it, so once it is full an **eviction
policy** decides which object to drop. :class:`Cache` is the interface; :class:`LRUCache` (least
recently used), :class:`LFUCache` (least frequently used, optionally remembering the counts of
evicted objects), :class:`FIFOCache` (first in, first out) and :class:`SIEVECache` (Zhang et al.,
NSDI 2024: a FIFO queue with one "visited" bit and a moving hand) all offer ``get``, ``put``,
``delete``, ``access``, ``len``/``in`` and ``keys()``. :func:`make_cache` builds one by name
(:data:`POLICIES`). Capacity counts objects (all objects have the same size). An optional TTL
(``t_ttl``, seconds) expires entries: an expired object is never served.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict

from scalelab.validate import check_choice, check_int, check_number

__all__ = [
    "POLICIES",
    "Cache",
    "LRUCache",
    "LFUCache",
    "FIFOCache",
    "SIEVECache",
    "make_cache",
]


POLICIES = ("lru", "lfu", "fifo", "sieve")
"""Policy names accepted by :func:`make_cache`, :func:`hit_ratio` and :func:`hit_ratio_curve`."""

_MISSING = object()


class Cache:
    """A cache of at most ``n_capacity`` objects; subclasses choose the eviction policy.

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

    def __init__(self, n_capacity: int, *, t_ttl: float | None = None):
        self.n_capacity = check_int("n_capacity", n_capacity, low=1)
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
            while len(self._values) >= self.n_capacity:
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
        return f"{type(self).__name__}(n_capacity={self.n_capacity}, size={len(self)})"


class LRUCache(Cache):
    """Least recently used: evict the object whose last request is oldest.

    >>> c = LRUCache(2)
    >>> for k in [1, 2, 1, 3]:
    ...     _ = c.access(k)
    >>> c.keys()
    [1, 3]
    """

    policy = "lru"

    def __init__(self, n_capacity: int, *, t_ttl: float | None = None):
        super().__init__(n_capacity, t_ttl=t_ttl)
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

    def __init__(self, n_capacity: int, *, t_ttl: float | None = None):
        super().__init__(n_capacity, t_ttl=t_ttl)
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
    under independent requests it converges to holding the ``n_capacity`` most popular objects.
    Without it ("in-cache LFU") an evicted object starts again from one.

    >>> c = LFUCache(2)
    >>> for k in [1, 1, 2, 3]:
    ...     _ = c.access(k)
    >>> c.keys()
    [3, 1]
    """

    policy = "lfu"

    def __init__(self, n_capacity: int, *, t_ttl: float | None = None, keep_counts: bool = False):
        super().__init__(n_capacity, t_ttl=t_ttl)
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

    def __init__(self, n_capacity: int, *, t_ttl: float | None = None):
        super().__init__(n_capacity, t_ttl=t_ttl)
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


def make_cache(policy: str, n_capacity: int, *, t_ttl: float | None = None, **options) -> Cache:
    """A cache of ``n_capacity`` objects with eviction ``policy`` (one of :data:`POLICIES`).

    ``t_ttl`` is the time to live in seconds (``None``: never expires); ``options`` go to the
    class (``keep_counts=True`` for a perfect LFU).

    >>> make_cache("sieve", 100)
    SIEVECache(n_capacity=100, size=0)
    >>> make_cache("mru", 100)
    Traceback (most recent call last):
    ...
    ValueError: policy must be one of 'lru', 'lfu', 'fifo', 'sieve'; got 'mru'
    """
    check_choice("policy", policy, POLICIES)
    return _CLASSES[policy](n_capacity, t_ttl=t_ttl, **options)
