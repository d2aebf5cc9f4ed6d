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
    reused = dist[dist >= 0]
    n_distinct = n - reused.size
    counts = np.bincount(reused, minlength=n_distinct)[:n_distinct]
    hits = np.concatenate([[0], np.cumsum(counts)])
    return MissRatioCurve(hits / n, n, n_distinct, dist)
