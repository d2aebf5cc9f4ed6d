"""Counters that merge without losing concurrent increments: a shopping cart as CRDT counters.

Two phones share one cart. Both hold "1 book"; each adds a book while cut off from the other.
Merging the two carts by keeping the larger quantity of each item gives 2 books, but the customer
added two: an addition is lost. Keeping **one count per replica** fixes it (a *G-counter*,
Shapiro et al. 2011): each node counts only the units it added itself, a merge keeps each node's
larger count (it only ever grows), and the quantity is the sum over nodes. The merge is
commutative, associative and idempotent, so replicas converge, and concurrent increments add up:
A's count 2 and B's count 1 give 3 books. Amazon's Dynamo reached the same place another way: its
cart merged the *operations* (add, remove) of concurrent versions rather than their totals
(DeCandia et al. 2007).

Simplifications: only additions are counted here; removals need a second counter per node (a
PN-counter, quantity = added - removed) or an observed-remove set; counts are whole units.

>>> a = add_to_cart({"book": {"A": 1}}, "book", "A")
>>> b = add_to_cart({"book": {"A": 1}}, "book", "B")
>>> cart_totals(merge_cart_counts(a, b))
{'book': 3}
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["merge_counts", "merge_cart_counts", "cart_totals", "add_to_cart"]


def merge_counts(a: Mapping, b: Mapping) -> dict:
    """Merge two G-counters ``{node: count}``: each node's larger count (a missing node is 0).

    >>> merge_counts({"A": 2, "B": 1}, {"B": 3, "C": 1})
    {'A': 2, 'B': 3, 'C': 1}
    """
    return {k: max(a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b))}


def merge_cart_counts(a: Mapping, b: Mapping) -> dict:
    """Merge two carts ``{item: {node: units added at that node}}`` item by item, node by node.

    >>> merge_cart_counts({"book": {"A": 2}}, {"book": {"A": 1, "B": 1}, "pen": {"B": 2}})
    {'book': {'A': 2, 'B': 1}, 'pen': {'B': 2}}
    """
    return {k: merge_counts(a.get(k, {}), b.get(k, {})) for k in sorted(set(a) | set(b))}


def cart_totals(cart: Mapping) -> dict:
    """The quantity of each item in a counted cart: the sum of every node's count.

    >>> cart_totals({"book": {"A": 2, "B": 1}, "pen": {"B": 2}})
    {'book': 3, 'pen': 2}
    """
    return {k: int(sum(counts.values())) for k, counts in sorted(cart.items())}


def add_to_cart(cart: Mapping, item, node, *, n_units: int = 1) -> dict:
    """A new cart in which ``node`` has added ``n_units`` more of ``item`` (its own count grows).

    >>> add_to_cart({"book": {"A": 1}}, "book", "B", n_units=2)
    {'book': {'A': 1, 'B': 2}}
    """
    if isinstance(n_units, bool) or not isinstance(n_units, int) or n_units < 0:
        raise ValueError(f"n_units must be an int >= 0; got {n_units!r}")
    out = {k: dict(v) for k, v in cart.items()}
    counts = out.setdefault(item, {})
    counts[node] = counts.get(node, 0) + n_units
    return out
