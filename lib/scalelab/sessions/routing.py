"""Routing and imbalance: the pieces the session simulation is built from.

Sticky sessions pin each user to one server, so the load a server carries is the activity of the
users it holds, which is never even. :func:`hash_route` pins users by hashing their id over the
live servers, :func:`sticky_load` adds up each server's requests/s from its users, and
:func:`imbalance` measures the busiest server against the mean. :func:`user_activity` draws users
of unequal activity (log-normal request rates) from the ``rng`` you pass. Rates in requests/s.
"""

from __future__ import annotations

import numpy as np

from scalelab.validate import check_int, check_number, check_rng

__all__ = [
    "hash_route",
    "sticky_load",
    "imbalance",
    "user_activity",
]


def hash_route(user_ids, live) -> np.ndarray:
    """Server of each user under hash routing: ``live[user_id % len(live)]``.

    ``user_ids`` stand for hashes of the user names (non-negative integers); ``live`` lists the
    ids of the servers that are up, in the order the load balancer knows them.

    >>> hash_route([0, 1, 2, 3, 4], [10, 11]).tolist()
    [10, 11, 10, 11, 10]
    """
    uid = np.asarray(user_ids, dtype=np.int64)
    live = np.asarray(live, dtype=np.int64)
    if live.size == 0:
        raise ValueError("live must name at least one server; got none")
    if uid.size and uid.min() < 0:
        raise ValueError(f"user_ids must be >= 0; got {int(uid.min())}")
    return live[uid % live.size]


def sticky_load(rate, server_of, n_servers: int) -> np.ndarray:
    """Requests/s reaching each of ``n_servers`` when user ``i`` (``rate[i]`` requests/s) is
    pinned to server ``server_of[i]``: the sum of activity per server.

    Readable reference: ``[sum(r for r, s in zip(rate, server_of) if s == k) for k in range(n)]``.

    >>> sticky_load([1.0, 2.0, 4.0], [0, 0, 2], 3).tolist()
    [3.0, 0.0, 4.0]
    """
    n_servers = check_int("n_servers", n_servers, low=1)
    rates = np.asarray(rate, dtype=float)
    server_of = np.asarray(server_of, dtype=np.int64)
    if rates.shape != server_of.shape:
        raise ValueError(
            f"rate and server_of must have the same length; got {rates.size} and {server_of.size}"
        )
    if server_of.size and (server_of.min() < 0 or server_of.max() >= n_servers):
        raise ValueError(f"server_of must be in [0, {n_servers - 1}]; got {server_of.tolist()}")
    return np.bincount(server_of, weights=rates, minlength=n_servers).astype(float)


def imbalance(load) -> float:
    """Peak-to-mean ratio of per-server load: 1.0 is perfectly even; ``n`` means one server of
    ``n`` does all the work. Idle servers count in the mean. ``nan`` if there is no load.

    >>> imbalance([30.0, 10.0, 20.0])
    1.5
    """
    load = np.asarray(load, dtype=float)
    if load.size == 0 or not np.any(load > 0):
        return float("nan")
    if np.any(load < 0):
        raise ValueError("load must be >= 0 on every server")
    return float(load.max() / load.mean())


def user_activity(
    n_users: int, rate_user: float, sigma_activity: float, *, rng: np.random.Generator
) -> np.ndarray:
    """Mean request rate of each user (requests/s): lognormal with spread ``sigma_activity``
    (0 = everyone equal), scaled so the average over users is exactly ``rate_user``.

    Real audiences are skewed: a few heavy users send a large share of the requests.

    >>> r = user_activity(1000, 0.1, 1.0, rng=np.random.default_rng(0))
    >>> round(float(r.mean()), 6), bool(r.max() > 5 * r.min())
    (0.1, True)
    """
    n_users = check_int("n_users", n_users, low=1)
    check_number("rate_user", rate_user, low=0, low_open=True)
    check_number("sigma_activity", sigma_activity, low=0, high=3)
    check_rng(rng)
    raw = rng.lognormal(0.0, sigma_activity, n_users) if sigma_activity > 0 else np.ones(n_users)
    return raw * (rate_user / raw.mean())
