"""The time-bucketed form of the pool (for the capstone).

:func:`bucketed_pool` takes offered requests/s per bucket and the servers up in each and returns
served, dropped and failed requests/s, mean latency and cost per bucket (a :class:`PoolBuckets`),
from exact steady-state formulas (M/M/c/K, :mod:`scalelab.queueing`), so the capstone can compose
it with the other chapters' models; a test checks it against the request-by-request simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.queueing import mmck, mmck_drop_probability
from scalelab.validate import check_choice, check_int, check_number

__all__ = [
    "PoolBuckets",
    "bucketed_pool",
]


@dataclass(frozen=True)
class PoolBuckets:
    """Per bucket: offered, served, dropped and failed requests/s, mean response time (s) of
    the served requests, utilisation of the servers that are up, and cost (USD) of the bucket."""

    offered_rps: np.ndarray
    served_rps: np.ndarray
    dropped_rps: np.ndarray
    error_rps: np.ndarray
    t_response_mean: np.ndarray
    utilisation: np.ndarray
    cost: np.ndarray


def bucketed_pool(
    offered_rps,
    t_bucket: float,
    n_up,
    mu: float,
    n_queue_max: int,
    *,
    n_in_view=None,
    model: str = "random",
    price_per_server_hour: float = 0.0,
) -> PoolBuckets:
    """The pool at steady state, one time bucket at a time (for the capstone).

    ``offered_rps``: requests/s per bucket; ``t_bucket`` seconds per bucket; ``n_up``: servers
    up in each bucket (number or array); ``n_in_view``: servers the balancer sends traffic to
    (default ``n_up``; larger while a failure is not yet detected: those requests fail).
    ``model="random"``: each server an M/M/1/K queue fed a random share (exact for the random
    policy); ``model="pooled"``: one M/M/c/(cK) queue (exact for a shared queue, an optimistic
    bound for least connections). ``n_queue_max`` is K, requests a server holds at most. Both
    come from :func:`scalelab.queueing.mmck`.

    >>> b = bucketed_pool([10.0, 30.0], 60.0, 4, 5.0, 20)
    >>> b.utilisation.round(2).tolist(), bool(b.dropped_rps[1] > b.dropped_rps[0])
    ([0.5, 1.0], True)
    """
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_number("mu", mu, low=0, low_open=True)
    k = check_int("n_queue_max", n_queue_max, low=1, high=10_000)
    check_choice("model", model, ("random", "pooled"))
    check_number("price_per_server_hour", price_per_server_hour, low=0)
    lam = np.asarray(offered_rps, dtype=float)
    if lam.ndim != 1 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError("offered_rps must be a 1-d sequence of finite numbers >= 0")
    up = np.broadcast_to(np.asarray(n_up), lam.shape).astype(np.int64)
    view = up if n_in_view is None else np.broadcast_to(np.asarray(n_in_view), lam.shape)
    view = view.astype(np.int64)
    if np.any(up < 0) or np.any(view < up):
        raise ValueError("n_up must be >= 0 and n_in_view >= n_up in every bucket")
    to_up = np.divide(lam * up, view, out=np.zeros_like(lam), where=view > 0)
    error = np.where(view > 0, lam - to_up, 0.0)
    dropped = np.where(view > 0, 0.0, lam)
    served = np.zeros_like(lam)
    resp = np.full_like(lam, np.nan)
    for b in np.flatnonzero((up > 0) & (to_up > 0)):
        c = int(up[b])
        if model == "random":  # c independent M/M/1/K queues, each fed to_up / c
            lam_b, n_srv, n_buf = to_up[b] / c, 1, k - 1
        else:  # one M/M/c/(cK) queue
            lam_b, n_srv, n_buf = to_up[b], c, c * k - c
        metrics = mmck(lam_b, mu, n_srv, n_buf)
        blocked = mmck_drop_probability(lam_b, mu, n_srv, n_buf)
        served[b] = to_up[b] * (1.0 - blocked)
        dropped[b] += to_up[b] * blocked
        resp[b] = metrics.t_response
    util = np.divide(served, up * mu, out=np.zeros_like(lam), where=up > 0)
    cost = up * price_per_server_hour * t_bucket / 3600.0
    return PoolBuckets(lam, served, dropped, error, resp, util, cost)
