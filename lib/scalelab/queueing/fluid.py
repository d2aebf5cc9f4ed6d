"""The time-bucketed (fluid) queue: offered requests/s per bucket in, backlog and waits out.

:func:`queue_buckets` works on buckets of time instead of single requests: offered requests/s
per bucket and a :class:`WorkQueue` in, requests/s served, backlog, mean wait and drops per bucket out
(a :class:`FluidResult`; the contract of :mod:`scalelab.buckets`). Backlog moves like water in a
tank (in at the offered rate, out at up to ``n_servers * rate_service``), and the random queueing that a tank
misses is added from the M/M/c formula at each bucket's load (the *pointwise stationary
approximation*, capped at utilisation :data:`RHO_CAP`). It is thousands of times faster than
simulating each request, so the capstone chapter composes it with other models over a whole
day, and :mod:`scalelab.messaging` builds its autoscaling consumers on it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from scalelab.buckets import Buckets, bucket_times
from scalelab.validate import check_array, check_number, check_type, param, validate_fields

__all__ = [
    "WorkQueue",
    "FluidResult",
    "queue_buckets",
]


RHO_CAP = 0.98
"""The fluid form adds the M/M/c wait at each bucket's utilisation, capped at this value (the
formula diverges at 1, where the fluid backlog takes over)."""


@dataclass(frozen=True)
class WorkQueue:
    """A queue in front of identical servers (workers), for :func:`queue_buckets`.

    Each server finishes ``rate_service`` requests/s (the service rate μ); at most ``n_buffer`` requests may
    wait (None: unlimited).
    """

    rate_service: float = param(
        low=0, low_open=True, doc="requests/s one server finishes (service rate)", unit="requests/s"
    )
    n_buffer: float | None = param(None, low=0, doc="most requests that may wait (None: unlimited)")

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True)
class FluidResult(Buckets):
    """Per-bucket arrays of :func:`queue_buckets` (one entry per bucket of ``t_bucket`` seconds,
    besides ``t`` and ``t_bucket``).

    ``rate_offered`` and ``rate_served`` (requests/s, the latter the throughput); ``backlog`` (requests waiting at the end of
    the bucket); ``t_wait`` (mean wait in line of the bucket's arrivals, s); ``dropped``
    (requests dropped in the bucket); ``rho`` (utilisation); ``n_servers`` per bucket.
    """

    rate_offered: np.ndarray
    rate_served: np.ndarray
    backlog: np.ndarray
    t_wait: np.ndarray
    dropped: np.ndarray
    rho: np.ndarray
    n_servers: np.ndarray


def _erlang_c_vec(lam: np.ndarray, mu: float, c: np.ndarray) -> np.ndarray:
    """Erlang C for arrays of rates and server counts (one Erlang B recursion for all)."""
    a = lam / mu
    b = np.ones(a.shape)
    out = np.zeros(a.shape)
    for k in range(1, int(c.max(initial=1)) + 1):
        b = a * b / (k + a * b)
        hit = c == k
        out[hit] = b[hit]
    p = c * out / (c - a * (1.0 - out))
    return np.where(lam > 0, p, 0.0)


def _mmc_wait_vec(lam: np.ndarray, mu: float, c: np.ndarray, q: float | None = None):
    """M/M/c mean wait (or its ``q``-quantile) for arrays of rates and server counts; the
    utilisation is capped at RHO_CAP."""
    lam = np.minimum(lam, RHO_CAP * c * mu)
    p = _erlang_c_vec(lam, mu, c)
    gap = c * mu - lam
    if q is None:
        return p / gap
    return np.where(p > 1 - q, np.log(np.maximum(p, 1e-300) / (1 - q)) / gap, 0.0)


def queue_buckets(
    rate, t_bucket: float, queue: WorkQueue, *, n_servers, backlog0: float = 0.0
) -> FluidResult:
    """Time-bucketed queue: offered requests/s per bucket in, throughput, backlog, wait, drops out.

    ``rate``: arrival rate per bucket (requests/s); ``t_bucket``: bucket length (s); ``queue``:
    the servers' rate ``rate_service`` (μ) and the buffer; ``n_servers``: a count, or one per bucket (an
    autoscaler's decisions); ``backlog0``: requests waiting at the start.

    Each bucket, ``rate * t_bucket`` requests join the backlog and up to
    ``n_servers * rate_service * t_bucket`` leave it; whatever exceeds ``n_buffer`` is dropped. The mean
    wait of a bucket's arrivals is the time to drain the backlog they find (mean of start and
    end, divided by the service capacity) plus the M/M/c wait at the bucket's utilisation
    (pointwise stationary approximation, Green and Kolesar 1991). At a steady load below
    capacity it equals :func:`~scalelab.queueing.mmc`; in overload the backlog grows at
    ``rate - n_servers * rate_service``.

    >>> f = queue_buckets([3.5, 3.5], 60.0, WorkQueue(rate_service=1.0), n_servers=4)
    >>> round(float(f.t_wait[0]), 4), f.backlog.tolist()
    (1.4757, [0.0, 0.0])
    >>> queue_buckets([6.0], 10.0, WorkQueue(1.0), n_servers=4).backlog.tolist()  # 2/s too many
    [20.0]
    """
    lam = check_array("rate", rate, low=0, nonempty=False, unit="requests/s")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_type("queue", queue, WorkQueue)
    mu, n_buffer = queue.rate_service, queue.n_buffer
    c = np.broadcast_to(np.asarray(n_servers), lam.shape)
    if c.size and (not np.issubdtype(c.dtype, np.integer) or c.min() < 1):
        raise ValueError(f"n_servers must be whole numbers >= 1; got {n_servers!r}")
    c = c.astype(int)
    check_number("backlog0", backlog0, low=0)
    cap = c * mu * t_bucket
    inflow = lam * t_bucket
    n = lam.size
    backlog = np.empty(n)
    served = np.empty(n)
    dropped = np.zeros(n)
    q = float(backlog0)
    q_before = np.empty(n)
    limit = np.inf if n_buffer is None else float(n_buffer)
    for i in range(n):  # a short loop over buckets, not requests
        q_before[i] = q
        out = min(q + inflow[i], cap[i])
        q = q + inflow[i] - out
        if q > limit:
            dropped[i] = q - limit
            q = limit
        served[i] = out
        backlog[i] = q
    drain = (q_before + backlog) / 2.0 / (c * mu)
    stationary = _mmc_wait_vec(lam, mu, c)
    if n_buffer is not None:
        stationary = np.minimum(stationary, limit / (c * mu))
    return FluidResult(
        rate_offered=lam,
        rate_served=served / t_bucket,
        backlog=backlog,
        t_wait=drain + stationary,
        dropped=dropped,
        rho=lam / (c * mu),
        n_servers=c,
        t=bucket_times(n, t_bucket),
        t_bucket=float(t_bucket),
    )


def _fluid_queue(offered, t_bucket: float, mu: float, n_servers, *, n_buffer=None, backlog0=0.0):
    """``fluid_queue``, the name and signature before the capstone contract (notebooks of an
    older release import it): deprecated, returns :func:`queue_buckets`' result."""
    warnings.warn(
        "fluid_queue is deprecated; use queue_buckets(rate, t_bucket, WorkQueue(mu, n_buffer), "
        "n_servers=...)",
        DeprecationWarning,
        stacklevel=2,
    )
    queue = WorkQueue(mu, n_buffer)
    return queue_buckets(offered, t_bucket, queue, n_servers=n_servers, backlog0=backlog0)
