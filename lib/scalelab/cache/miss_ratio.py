"""Stack distances and LRU's whole miss-ratio curve from one pass over a trace.

A request hits an LRU cache of ``C`` objects exactly when fewer than ``C`` distinct other keys
were requested since the same key was last requested: its *stack distance* (Mattson et al.
1970). :func:`stack_distances` computes them with numpy in O(n log n) (a vectorised merge count,
no Python loop over requests), and :func:`miss_ratio_curve` turns them into LRU's hit ratio for
every size at once (a :class:`MissRatioCurve`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scalelab.cache.traces import _keys_of
from scalelab.validate import check_number

__all__ = [
    "stack_distances",
    "MissRatioCurve",
    "miss_ratio_curve",
]


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """Indices that sort ``keys`` stably: whole-number keys in a range of up to 2**32 by one or
    two 16-bit radix passes (numpy's stable sort is a radix sort for 16-bit keys), others by
    numpy's stable sort."""
    if keys.dtype.kind in "iu" and keys.size:
        lo = int(keys.min())
        span = int(keys.max()) - lo
        if span < 1 << 32:
            rel = (keys - lo).astype(np.uint32)
            order = np.argsort(rel.astype(np.uint16), kind="stable")
            if span >= 1 << 17:
                high = (rel >> 16).astype(np.uint16)
                order = order[np.argsort(high[order], kind="stable")]
            elif span >= 1 << 16:  # one more bit: a stable partition, no sort
                top = rel[order] >= 1 << 16
                order = np.concatenate([order[~top], order[top]])
            return order
    return np.argsort(keys, kind="stable")


def _previous_index(keys: np.ndarray) -> np.ndarray:
    """For each request, the index of the previous request for the same key (-1 if none)."""
    order = _stable_order(keys)
    sorted_keys = keys[order]
    same = sorted_keys[1:] == sorted_keys[:-1]
    del sorted_keys
    prev = np.full(keys.size, -1, dtype=np.int64)
    prev[order[1:][same]] = order[:-1][same]
    return prev


def _by_value_desc(values: np.ndarray) -> np.ndarray:
    """Positions of ``values`` (distinct), largest value first."""
    m = values.size
    if values.dtype.kind in "iu":
        lo = int(values.min())
        span = int(values.max()) - lo
        if span < 4 * m + 1024:  # a counting placement: no sort
            slot = np.full(span + 1, -1, dtype=np.int64)
            slot[values - lo] = np.arange(m)
            order = slot[slot >= 0]
            if order.size == m:
                return order[::-1]
    return np.argsort(values, kind="stable")[::-1]


_BOTTOM = 4
"""The last levels of :func:`_earlier_greater` (blocks of 2**4 positions) go by brute force."""
_CHUNK = 15
"""Levels within blocks of 2**15 positions run one block at a time (the block stays in cache)."""


def _levels(pos: np.ndarray, cnt: np.ndarray, top: int, bottom: int):
    """Levels ``top - 1`` down to ``bottom`` of :func:`_earlier_greater`: ``pos`` holds
    positions by block of ``2**top`` (index 0 starts a block), largest value first, ``cnt``
    their counts so far. Returns both by block of ``2**bottom``, the counts brought up to date.

    At each level a block of ``width`` positions splits into its halves: an element of the right
    half counts the left-half elements placed before it (larger values, earlier positions), and
    a stable partition puts the left half's elements first. A right half has elements only if
    its left half is full, so the right half's elements go from ``start + half`` on.
    """
    size = pos.size
    k = np.arange(size, dtype=pos.dtype)
    nxt_pos, nxt_cnt = np.empty_like(pos), np.empty_like(cnt)
    start, ones, rank = (np.empty(size, dtype=pos.dtype) for _ in range(3))
    for level in range(top - 1, bottom - 1, -1):
        width = 1 << (level + 1)
        half = width >> 1
        right = (pos & half) != 0  # the element's position is in its block's right half
        np.bitwise_and(k, -width, out=start)  # where the element's block begins
        np.cumsum(right, out=ones, dtype=ones.dtype)
        ones -= right
        ones -= ones[start]  # right-half elements before it, in its block
        np.subtract(k, start, out=rank)
        rank -= ones  # left-half elements before it: larger values, earlier positions
        dest = np.where(right, ones + half, rank).astype(np.intp)
        dest += start  # left half first, then right half, each in the order it had
        rank *= right  # only a right-half element counts them
        cnt += rank
        nxt_pos[dest] = pos
        nxt_cnt[dest] = cnt
        pos, nxt_pos = nxt_pos, pos
        cnt, nxt_cnt = nxt_cnt, cnt
    return pos, cnt


def _top_levels(pos: np.ndarray, cnt: np.ndarray, top: int, bottom: int):
    """:func:`_levels` for blocks wider than ``2**bottom`` positions, one block at a time.

    There are few such blocks (a loop over them costs little) and each is larger than the
    processor's cache, so a block's stable partition is two boolean selections (its left
    half's elements, then its right half's), read and written in order, instead of a scatter.
    The last block may be partial: ``pos`` holds every position from 0 to ``pos.size - 1``, so
    the block starting at ``s`` holds the positions from ``s`` on, its left half those below
    ``s + half``.
    """
    size = pos.size
    nxt_pos, nxt_cnt = np.empty_like(pos), np.empty_like(cnt)
    for level in range(top - 1, bottom - 1, -1):
        width = 1 << (level + 1)
        half = width >> 1
        for s in range(0, size, width):
            e = min(s + width, size)
            p, c = pos[s:e], cnt[s:e]
            if e - s <= half:  # no right half: nothing moves, nothing to count
                nxt_pos[s:e], nxt_cnt[s:e] = p, c
                continue
            left = p < s + half
            right = ~left
            mid = s + half  # the left half is full
            np.compress(left, p, out=nxt_pos[s:mid])
            np.compress(right, p, out=nxt_pos[mid:e])
            np.compress(left, c, out=nxt_cnt[s:mid])
            np.compress(right, c, out=nxt_cnt[mid:e])
            # a right-half element counts the left-half elements placed before it
            nxt_cnt[mid:e] += np.cumsum(left, dtype=cnt.dtype)[right]
        pos, nxt_pos = nxt_pos, pos
        cnt, nxt_cnt = nxt_cnt, cnt
    return pos, cnt


def _earlier_greater(values: np.ndarray) -> np.ndarray:
    """For each position ``t``: how many ``s < t`` have ``values[s] > values[t]`` (distinct values).

    Merge counting, top down and vectorised: the positions, ordered by value (largest first),
    are split level by level into aligned blocks of positions (halves, quarters, ...) by a
    stable partition (a running count, no sort); at each level every element of a block's right
    half counts the elements of its left half placed before it (larger values); see
    :func:`_levels`. Blocks wider than ``2**_CHUNK`` positions are split one block at a time
    by :func:`_top_levels`; blocks of ``2**_CHUNK`` positions go through their levels one at a
    time, in cache; the last levels (blocks of 16 positions) compare every pair inside a block.

    The readable version (quadratic)::

        [sum(values[s] > values[t] for s in range(t)) for t in range(len(values))]
    """
    m = values.size
    if m < 2:
        return np.zeros(m, dtype=np.int64)
    unit = 1 << _BOTTOM
    size = -(-m // unit) * unit  # padded to whole blocks, with the smallest values
    levels = max((size - 1).bit_length(), _BOTTOM)
    dtype = np.int32 if size < 1 << 31 else np.int64
    pos = np.empty(size, dtype=dtype)  # positions by block, largest value first
    pos[:m] = _by_value_desc(values)
    pos[m:] = np.arange(m, size)
    cnt = np.zeros(size, dtype=dtype)
    chunk = max(_CHUNK, _BOTTOM)
    if levels > chunk:
        pos, cnt = _top_levels(pos, cnt, levels, chunk)
    for c0 in range(0, size, 1 << chunk):
        part = slice(c0, c0 + (1 << chunk))
        pos[part], cnt[part] = _levels(
            pos[part].copy(), cnt[part].copy(), min(levels, chunk), _BOTTOM
        )
    # blocks of `unit` positions, each by value (largest first): pairs inside a block
    inner = (pos & (unit - 1)).astype(np.int8).reshape(-1, unit)
    before = np.tri(unit, unit, -1, dtype=bool)  # [j, i]: i comes before j (a larger value)
    step = max(1, (1 << 22) // (unit * unit))  # rows at a time: a few MB of comparisons
    for r in range(0, inner.shape[0], step):
        x = inner[r : r + step]
        cnt[r * unit : (r + step) * unit] += (
            ((x[:, None, :] < x[:, :, None]) & before).sum(axis=2, dtype=dtype).reshape(-1)
        )
    out = np.empty(size, dtype=np.int64)
    out[pos] = cnt
    return out[:m]


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
    dist = _previous_index(keys)  # becomes the distances, in place
    again = np.flatnonzero(dist >= 0)
    p = dist[again]
    inside = _earlier_greater(p)  # repeats inside each window
    inside += p
    inside += 1
    np.subtract(again, inside, out=inside)
    dist[again] = inside
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

    def at(self, n_capacity) -> float:
        """Hit ratio of an LRU cache of ``n_capacity`` objects (fractions interpolate linearly)."""
        c = check_number("n_capacity", n_capacity, low=0)
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
    """LRU's whole miss-ratio curve from one pass over ``trace``.

    ``trace`` holds keys, or is a :class:`~scalelab.cache.Trace`.

    >>> curve = miss_ratio_curve([1, 2, 3, 1, 1, 2])
    >>> curve.hit_ratio.tolist()
    [0.0, 0.16666666666666666, 0.16666666666666666, 0.5]
    >>> curve.at(10)
    0.5
    """
    dist = stack_distances(trace)
    n = dist.size
    counts = np.bincount(dist + 1, minlength=1)  # [0]: first requests; [d + 1]: distance d
    n_distinct = int(counts[0])
    per_distance = np.zeros(n_distinct, dtype=np.int64)  # distances are below n_distinct
    per_distance[: counts.size - 1] = counts[1:]
    hits = np.concatenate([[0], np.cumsum(per_distance)])
    return MissRatioCurve(hits / n, n, n_distinct, dist)
