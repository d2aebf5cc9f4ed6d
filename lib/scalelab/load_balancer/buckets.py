"""The time-bucketed form of the pool (for the capstone).

:func:`pool_buckets` takes offered requests/s per bucket, a :class:`ServerPool` and the servers
up in each bucket and returns served, dropped and failed requests/s, mean latency and cost per
bucket (a :class:`PoolBuckets`; the contract of :mod:`scalelab.buckets`), from exact steady-state
formulas (M/M/c/K, :mod:`scalelab.queueing`), so the capstone can compose it with the other
chapters' models; a test checks it against the request-by-request simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.buckets import Buckets, bucket_times
from scalelab.queueing.erlang import _mmck_rows
from scalelab.validate import check_array, check_number, check_type, param, validate_fields

__all__ = [
    "ServerPool",
    "PoolBuckets",
    "pool_buckets",
]


@dataclass(frozen=True)
class ServerPool:
    """The servers behind a balancer, for the bucketed form (:func:`pool_buckets`).

    Each server finishes ``rate_service`` requests/s (the service rate μ) and holds at most ``n_queue_max``
    requests (in service and waiting; more are turned away). ``model="random"``: each server an
    M/M/1/K queue fed a random share (exact for the random policy); ``model="pooled"``: one
    M/M/c/(cK) queue (exact for a shared queue, an optimistic bound for least connections).
    A server up costs ``price_per_server_hour`` dollars an hour.
    """

    rate_service: float = param(
        low=0, low_open=True, doc="requests/s one server finishes (service rate)", unit="requests/s"
    )
    n_queue_max: int = param(kind="int", low=1, high=10_000, doc="most requests one server holds")
    model: str = param(
        "random", kind="choice", choices=("random", "pooled"), doc="queueing model of the pool"
    )
    price_per_server_hour: float = param(
        0.0, low=0, doc="price of one server up for an hour", unit="$/h"
    )

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True)
class PoolBuckets(Buckets):
    """Per bucket (besides ``t`` and ``t_bucket``): ``rate_offered``, ``rate_served``,
    ``rate_dropped`` (turned away by a full server) and ``rate_errors`` (sent to a server that is
    down), all requests/s; ``t_response_mean``, the mean response time (s) of the served
    requests; ``rho``, the utilisation of the servers that are up; and ``cost`` (USD) of the
    bucket."""

    rate_offered: np.ndarray
    rate_served: np.ndarray
    rate_dropped: np.ndarray
    rate_errors: np.ndarray
    t_response_mean: np.ndarray
    rho: np.ndarray
    cost: np.ndarray


def pool_buckets(rate, t_bucket: float, pool: ServerPool, *, n_up, n_in_view=None) -> PoolBuckets:
    """The pool at steady state, one time bucket at a time (for the capstone).

    ``rate``: requests/s offered per bucket of ``t_bucket`` seconds to ``pool`` (buckets, or
    buckets × pools for several pools alike, one per data centre say); ``n_up``: servers up in
    each bucket (a number, or an array like ``rate``); ``n_in_view``: servers the balancer sends
    traffic to (default ``n_up``; larger while a failure is not yet detected: those requests
    fail). Each bucket's queue comes from :func:`scalelab.queueing.mmck`; the results have the
    shape of ``rate``.

    >>> pool = ServerPool(rate_service=5.0, n_queue_max=20)
    >>> b = pool_buckets([10.0, 30.0], 60.0, pool, n_up=4)
    >>> b.rho.round(2).tolist(), bool(b.rate_dropped[1] > b.rate_dropped[0])
    ([0.5, 1.0], True)
    """
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_type("pool", pool, ServerPool)
    mu, k, model = pool.rate_service, pool.n_queue_max, pool.model
    lam = check_array("rate", rate, ndim=(1, 2), low=0, nonempty=False, unit="requests/s")
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
    busy = (up > 0) & (to_up > 0)
    # every bucket (and pool) with the same queue shape at once: bit for bit one mmck call each
    shapes = np.unique(up[busy]).tolist() if model == "pooled" else [None]
    for c in shapes:
        sel = busy & (up == c) if c is not None else busy
        if not sel.any():
            continue
        offered = to_up[sel]
        if model == "random":  # c independent M/M/1/K queues, each fed to_up / c
            lam_b, n_srv, n_buf = offered / up[sel], 1, k - 1
        else:  # one M/M/c/(cK) queue
            lam_b, n_srv, n_buf = offered, c, c * k - c
        blocked, n_system = _mmck_rows(lam_b / mu, n_srv, n_buf)
        lam_eff = lam_b * (1.0 - blocked)
        served[sel] = offered * (1.0 - blocked)
        dropped[sel] += offered * blocked
        with np.errstate(divide="ignore", invalid="ignore"):
            resp[sel] = np.where(lam_eff > 0, n_system / lam_eff, 1.0 / mu)
    util = np.divide(served, up * mu, out=np.zeros_like(lam), where=up > 0)
    cost = up * pool.price_per_server_hour * t_bucket / 3600.0
    return PoolBuckets(
        lam,
        served,
        dropped,
        error,
        resp,
        util,
        cost,
        t=bucket_times(lam.shape[0], t_bucket),
        t_bucket=float(t_bucket),
    )
