"""Hit ratios by replay: run a trace through one policy and size and count the hits.

:func:`hit_ratio` replays a trace (a :class:`~scalelab.cache.Trace` or a sequence of keys)
through a cache of one policy and size, starting empty, and returns the share of requests that
hit; each policy without options runs as one tight loop, tested to agree with its class in
:mod:`scalelab.cache.eviction`. :func:`hit_ratio_curve` does it for several sizes (for LRU it
reads them off the one-pass curve of :mod:`scalelab.cache.miss_ratio`).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from scalelab.cache.eviction import POLICIES, make_cache
from scalelab.cache.miss_ratio import miss_ratio_curve
from scalelab.cache.traces import _keys_of
from scalelab.validate import check_choice, check_int

__all__ = [
    "hit_ratio",
    "hit_ratio_curve",
]


def _key_sequence(trace):
    """The keys of ``trace`` to loop over: whole-number keys through a memoryview (Python ints
    one at a time, no list built first), others as a list."""
    keys = _keys_of(trace)
    if keys.ndim == 1 and keys.dtype.kind in "iu" and keys.dtype.itemsize == 8:
        return memoryview(np.ascontiguousarray(keys))
    return keys.tolist()


def _lru_hits(keys: list, n_capacity: int) -> int:
    """Hits of an LRU cache of ``n_capacity`` on ``keys``: a tight OrderedDict loop."""
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
            if len(od) == n_capacity:
                break
    for k in it:  # full: every miss evicts the least recently used key
        if k in od:
            move(k)
        else:
            od[k] = None
            misses += 1
            pop(False)
    return len(keys) - misses


def _fifo_hits(keys: list, n_capacity: int) -> int:
    """Hits of a FIFO cache of ``n_capacity`` on ``keys``: the cached keys in a set, and a ring
    of them in insertion order whose oldest slot the next miss takes over."""
    empty = object()  # a slot not filled yet (evicting it removes nothing)
    ring = [empty] * n_capacity
    inside: set = set()
    add, discard = inside.add, inside.discard
    pos = misses = 0
    for k in keys:
        if k in inside:
            continue
        discard(ring[pos])
        ring[pos] = k
        add(k)
        misses += 1
        pos += 1
        if pos == n_capacity:
            pos = 0
    return len(keys) - misses


def _dense_keys(keys) -> int | None:
    """For keys read from a whole-number array (a memoryview, see :func:`_key_sequence`) that
    are all in ``[0, n)`` with ``n`` at most ``max(2**20, 8 * len(keys))``: that ``n``; else
    None."""
    if not isinstance(keys, memoryview) or not len(keys):
        return None
    a = np.asarray(keys)
    lo, hi = int(a.min()), int(a.max())
    return hi + 1 if lo >= 0 and hi < max(2**20, 8 * a.size) else None


def _fifo_hits_dense(keys, n_capacity: int, n_keys: int) -> int:
    """:func:`_fifo_hits` for whole-number keys in ``[0, n_keys)``: whether a key is cached is
    one byte of a ``bytearray`` indexed by the key (no hashing, no set to grow and shrink), and
    the ring's empty slots hold the key ``n_keys``, whose byte nothing reads."""
    inside = bytearray(n_keys + 1)
    ring = [n_keys] * n_capacity
    pos = hits = 0
    for k in keys:
        if inside[k]:
            hits += 1
            continue
        inside[ring[pos]] = 0
        ring[pos] = k
        inside[k] = 1
        pos += 1
        if pos == n_capacity:
            pos = 0
    return hits


def _lfu_hits(keys: list, n_capacity: int) -> int:
    """Hits of an in-cache LFU (ties: least recent first), as
    :class:`~scalelab.cache.LFUCache`, in one loop."""
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
        if len(count) >= n_capacity:
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


def _sieve_hits(keys: list, n_capacity: int) -> int:
    """Hits of SIEVE, as :class:`~scalelab.cache.SIEVECache`, in one loop.

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
        if len(visited) >= n_capacity:
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
            elif len(queue) > 2 * n_capacity + 64:  # squeeze the holes, keep the hand's place
                live_before = sum(1 for x in queue[:hand] if x is not None)
                queue = [x for x in queue if x is not None]
                hand = live_before
        visited[k] = False
        queue.append(k)
    return hits


def hit_ratio(trace, policy: str, n_capacity: int, **options) -> float:
    """Share of requests in ``trace`` (a :class:`~scalelab.cache.Trace` or keys) that hit.

    The cache starts empty and has no TTL; writes in a :class:`~scalelab.cache.Trace` are read
    like any request. Without ``options`` each policy runs as one tight loop (tested to agree
    with its class); with them the trace replays through :func:`make_cache` (e.g.
    ``keep_counts=True``).

    >>> hit_ratio([1, 2, 1, 3, 1, 2], "lru", 2)
    0.3333333333333333
    """
    check_choice("policy", policy, POLICIES)
    n_capacity = check_int("n_capacity", n_capacity, low=1)
    keys = trace if type(trace) is list and trace else _key_sequence(trace)
    if policy == "lru" and not options:
        return _lru_hits(keys, n_capacity) / len(keys)
    if policy == "fifo" and not options:
        n_keys = _dense_keys(keys)
        if n_keys is not None:
            return _fifo_hits_dense(keys, n_capacity, n_keys) / len(keys)
        return _fifo_hits(keys, n_capacity) / len(keys)
    if policy == "sieve" and not options:
        return _sieve_hits(keys, n_capacity) / len(keys)
    if policy == "lfu" and not options:
        return _lfu_hits(keys, n_capacity) / len(keys)
    cache = make_cache(policy, n_capacity, **options)
    access = cache.access
    hits = 0
    for k in keys:
        hits += access(k)
    return hits / len(keys)


def hit_ratio_curve(trace, policy: str, n_capacities, **options) -> np.ndarray:
    """Hit ratio of ``policy`` at each of ``n_capacities`` (LRU: read off the one-pass curve).

    >>> hit_ratio_curve([1, 2, 1, 3, 1, 2], "lru", [1, 2, 3]).tolist()
    [0.0, 0.3333333333333333, 0.5]
    """
    check_choice("policy", policy, POLICIES)
    caps = [
        check_int("n_capacities", int(c) if isinstance(c, np.integer) else c, low=1)
        for c in np.atleast_1d(n_capacities).tolist()
    ]
    if policy == "lru" and not options:
        curve = miss_ratio_curve(trace)
        return np.array([curve.at(c) for c in caps])
    return np.array([hit_ratio(trace, policy, c, **options) for c in caps])
