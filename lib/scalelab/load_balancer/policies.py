"""Balancing policies, readable versions: which server gets the next request.

The balancer picks a server for every request with a **policy** (:data:`POLICIES`):
``round_robin``, ``random``, ``least_connections``, ``power_of_two`` (ask two servers at random,
take the less busy), and the weighted variants ``weighted_round_robin`` (nginx's smooth
algorithm), ``weighted_random`` and ``weighted_least_connections``. :func:`round_robin`,
:func:`least_connections` and :func:`power_of_two` are the plain, readable versions of the rules
that :func:`~scalelab.load_balancer.simulate_pool` inlines for speed; a learner's own function
with the same shape can be plugged into the simulation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scalelab.validate import check_int, check_rng

__all__ = [
    "POLICIES",
    "round_robin",
    "least_connections",
    "power_of_two",
]


POLICIES = (
    "round_robin",
    "random",
    "least_connections",
    "power_of_two",
    "weighted_round_robin",
    "weighted_random",
    "weighted_least_connections",
)
"""The balancing policies :func:`simulate_pool` knows by name."""


def _healthy_indices(healthy: Sequence[bool]) -> list[int]:
    idx = [i for i, h in enumerate(healthy) if h]
    if not idx:
        raise ValueError("healthy must mark at least one server True; got none")
    return idx


def round_robin(n_requests: int, healthy: Sequence[bool]) -> list[int]:
    """Servers picked for ``n_requests`` in a row by round robin, skipping unhealthy ones.

    >>> round_robin(5, [True, False, True])
    [0, 2, 0, 2, 0]
    """
    check_int("n_requests", n_requests, low=0)
    idx = _healthy_indices(healthy)
    return [idx[k % len(idx)] for k in range(n_requests)]


def least_connections(active: Sequence[int], healthy: Sequence[bool]) -> int:
    """The healthy server with the fewest requests in progress (ties: the lowest index).

    ``active[i]``: requests server ``i`` is working on or holding in its queue.

    >>> least_connections([3, 1, 0, 1], [True, True, False, True])
    1
    """
    if len(active) != len(healthy):
        raise ValueError(
            f"active and healthy must have the same length; got {len(active)}, {len(healthy)}"
        )
    idx = _healthy_indices(healthy)
    return min(idx, key=lambda i: (active[i], i))


def power_of_two(
    active: Sequence[int], healthy: Sequence[bool], *, rng: np.random.Generator
) -> int:
    """Ask two different healthy servers picked at random; return the less busy (tie: the first).

    With one healthy server, that one.

    >>> power_of_two([5, 0], [True, True], rng=np.random.default_rng(0))
    1
    """
    check_rng(rng)
    idx = _healthy_indices(healthy)
    if len(idx) == 1:
        return idx[0]
    a, b = rng.choice(len(idx), size=2, replace=False)
    i, j = idx[int(a)], idx[int(b)]
    return j if active[j] < active[i] else i
