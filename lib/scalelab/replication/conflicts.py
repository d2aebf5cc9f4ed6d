"""Multi-master conflicts: last write wins, version vectors and business rules.

When every node accepts writes, concurrent writes to the same key conflict. *Last write wins*
(:func:`lww_winner`, :func:`lww_merge`) keeps the version with the largest ``(timestamp, node
id)`` and silently discards the others, so with clock skew a write made later in real time can
lose. *Version vectors* (:func:`compare_vv`, :func:`merge_vv`) detect concurrent writes instead of
hiding them, and a business rule can resolve them (:func:`merge_carts`: merge two shopping carts
by union).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "lww_merge",
    "lww_winner",
    "compare_vv",
    "merge_vv",
    "merge_carts",
]


def _order(version) -> tuple:
    return (version[0], version[1])


def lww_winner(a, b):
    """The versioned value ``(timestamp, node, value)`` that last-write-wins keeps.

    Larger timestamp wins; on equal timestamps the larger node id wins. A ``(timestamp, node)``
    pair names one write, so the value never has to be compared.

    >>> lww_winner((10.0, 1, "blue"), (10.0, 2, "red"))
    (10.0, 2, 'red')
    """
    return a if _order(a) >= _order(b) else b


def lww_merge(a: Mapping, b: Mapping) -> dict:
    """Merge two replicas' states ``{key: (timestamp, node, value)}`` by last write wins.

    Commutative, associative and idempotent, so replicas that merge the same writes in any
    order, any number of times, end in the same state.

    >>> lww_merge({"x": (1.0, 0, "a")}, {"x": (2.0, 1, "b"), "y": (1.5, 1, "c")})
    {'x': (2.0, 1, 'b'), 'y': (1.5, 1, 'c')}
    """
    out = dict(a)
    for key, version in b.items():
        out[key] = lww_winner(out[key], version) if key in out else version
    return out


def compare_vv(a: Mapping, b: Mapping) -> str:
    """Compare version vectors ``{node: counter}``: 'equal', 'before', 'after' or 'concurrent'.

    ``a`` is 'before' ``b`` when every counter of ``a`` is <= ``b``'s and one is smaller
    (missing entries count as 0); 'concurrent' when each has a counter larger than the other's.

    >>> compare_vv({"A": 2, "B": 1}, {"A": 2, "B": 3})
    'before'
    >>> compare_vv({"A": 2}, {"B": 1})
    'concurrent'
    """
    keys = set(a) | set(b)
    less = any(a.get(k, 0) < b.get(k, 0) for k in keys)
    more = any(a.get(k, 0) > b.get(k, 0) for k in keys)
    if less and more:
        return "concurrent"
    return "before" if less else "after" if more else "equal"


def merge_vv(a: Mapping, b: Mapping) -> dict:
    """Element-wise maximum of two version vectors (what a node knows after seeing both).

    >>> merge_vv({"A": 2, "B": 1}, {"B": 3})
    {'A': 2, 'B': 3}
    """
    return {k: max(a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b))}


def merge_carts(a: Mapping, b: Mapping) -> dict:
    """A simple business rule for a shopping-cart conflict: keep every item, the larger quantity.

    An item added on only one side survives, but concurrent additions of the *same* item are
    lost (1 book, then +1 on each side: the merge says 2, the customer added 3); per-replica
    counts (:func:`scalelab.replication.merge_cart_counts`) keep them. An item deleted on one
    side may also come back.

    >>> merge_carts({"book": 1, "pen": 2}, {"pen": 1, "mug": 1})
    {'book': 1, 'mug': 1, 'pen': 2}
    """
    return {k: max(a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b))}
