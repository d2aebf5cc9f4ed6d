"""Replica delays and the latency of a quorum: waiting for the R-th fastest of N replies.

A coordinator that reads from a quorum sends the request to all N replicas and answers as soon
as R of them have replied (W for a write). Its latency is therefore an *order statistic*: the
R-th smallest of N reply times. Waiting for more replies costs more than the mean suggests,
because every extra reply you wait for is a draw from further out in the tail; and one slow
replica (a garbage-collection pause, a cold disk, a busy neighbour) hurts a quorum that has to
wait for it, while a quorum that can skip it barely notices.

:class:`Delay` is the distribution every model in :mod:`scalelab.quorum` uses for a delay: a
fixed floor (the network and the work that always take this long) plus an exponential tail.
:class:`Quorum` holds N, R and W. :func:`quorum_cdf` gives the exact probability that R of N
replies have arrived by a time ``t``, for replicas that may differ (one slow one): the number of
replies by ``t`` is a sum of independent Bernoulli variables with different probabilities, a
*Poisson-binomial* variable, whose distribution a short dynamic programme computes.
:func:`quorum_quantile` inverts it (the p99 of a quorum read), and
:func:`simulate_quorum_latency` draws the same thing, which the tests compare.

Simplifications: replies are independent; every replica gets the request at the same moment;
the coordinator's own work is not counted. Times in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scalelab.validate import check_array, check_int, check_rng, param, validate_fields

__all__ = [
    "Delay",
    "Quorum",
    "replica_delays",
    "quorum_cdf",
    "quorum_quantile",
    "simulate_quorum_latency",
]


@dataclass(frozen=True)
class Delay:
    """A delay of ``t_floor`` seconds plus an exponential tail of mean ``t_tail`` seconds.

    The mean is ``t_floor + t_tail``; ``t_tail = 0`` is a fixed delay.

    >>> d = Delay(t_floor=0.001, t_tail=0.004)
    >>> round(d.mean * 1000, 1), round(float(d.quantile(0.99)) * 1000, 1)
    (5.0, 19.4)
    """

    t_floor: float = param(0.0, low=0, high=3600, doc="fixed part of the delay", unit="s")
    t_tail: float = param(0.005, low=0, high=3600, doc="mean of the exponential tail", unit="s")

    def __post_init__(self):
        validate_fields(self)

    @property
    def mean(self) -> float:
        """Mean delay (s)."""
        return self.t_floor + self.t_tail

    def cdf(self, t) -> np.ndarray:
        """P(delay <= t) at each ``t`` (seconds; an array or a number)."""
        x = np.asarray(t, dtype=float) - self.t_floor
        if self.t_tail == 0:
            return (x >= 0).astype(float)
        return np.where(x >= 0, -np.expm1(-np.maximum(x, 0.0) / self.t_tail), 0.0)

    def quantile(self, p) -> np.ndarray:
        """The delay (s) that a share ``p`` of draws stays below (``p`` in [0, 1))."""
        p = np.asarray(p, dtype=float)
        return self.t_floor - self.t_tail * np.log1p(-p)

    def sample(self, size, *, rng: np.random.Generator) -> np.ndarray:
        """Draws (s) of the given ``size``."""
        if self.t_tail == 0:
            return np.full(size, self.t_floor)
        return self.t_floor + rng.exponential(self.t_tail, size)


@dataclass(frozen=True)
class Quorum:
    """N replicas (``n_replicas``), reads wait for R (``n_read``), writes for W (``n_write``).

    ``strict`` is R + W > N: every read quorum then overlaps every write quorum.

    >>> Quorum(3, 2, 2).strict, Quorum(3, 1, 1).strict
    (True, False)
    """

    n_replicas: int = param(3, kind="int", low=1, high=50, doc="replicas (N)")
    n_read: int = 2
    n_write: int = 2

    def __post_init__(self):
        validate_fields(self)
        check_int("n_read", self.n_read, low=1, high=self.n_replicas)
        check_int("n_write", self.n_write, low=1, high=self.n_replicas)

    @property
    def strict(self) -> bool:
        """True when R + W > N (read and write quorums always share a replica)."""
        return self.n_read + self.n_write > self.n_replicas


def replica_delays(n_replicas: int, delay: Delay, slow: Delay | None = None) -> tuple[Delay, ...]:
    """``n_replicas`` replicas with reply time ``delay``; the last one ``slow`` if given.

    >>> [d.t_tail for d in replica_delays(3, Delay(0, 0.005), slow=Delay(0, 0.05))]
    [0.005, 0.005, 0.05]
    """
    check_int("n_replicas", n_replicas, low=1, high=50)
    out = [delay] * n_replicas
    if slow is not None:
        out[-1] = slow
    return tuple(out)


def _check_delays(delays) -> tuple[Delay, ...]:
    delays = tuple(delays)
    if not delays or not all(isinstance(d, Delay) for d in delays):
        raise ValueError(f"delays must be a non-empty sequence of Delay; got {delays!r}")
    return delays


def quorum_cdf(t, n_needed: int, delays: Sequence[Delay]) -> np.ndarray:
    """P(at least ``n_needed`` of the replies have arrived by ``t``), exactly, at each ``t`` (s).

    Reply ``i`` has arrived by ``t`` with probability ``p_i = F_i(t)``; the count of arrivals
    is Poisson-binomial, computed one replica at a time (``dist`` holds P(k arrived so far)).
    For identical replicas this is the binomial sum ``sum_{k>=R} C(N,k) F^k (1-F)^(N-k)``.

    >>> d = replica_delays(3, Delay(0.0, 0.005))
    >>> round(float(quorum_cdf(0.005, 2, d)), 4)  # 2 of 3 within the mean
    0.6936
    """
    delays = _check_delays(delays)
    check_int("n_needed", n_needed, low=1, high=len(delays))
    t = np.asarray(t, dtype=float)
    dist = np.zeros((len(delays) + 1, *t.shape))
    dist[0] = 1.0
    for d in delays:
        p = d.cdf(t)
        dist[1:] = dist[1:] * (1 - p) + dist[:-1] * p
        dist[0] = dist[0] * (1 - p)
    return dist[n_needed:].sum(axis=0)


def quorum_quantile(p, n_needed: int, delays: Sequence[Delay]) -> np.ndarray:
    """The time (s) by which ``n_needed`` replies have arrived with probability ``p``.

    Found by bisection on :func:`quorum_cdf` (60 halvings: far below a microsecond). The upper
    bound is where every reply has arrived with probability ``p`` (a union bound).

    >>> d = replica_delays(3, Delay(0.001, 0.004), slow=Delay(0.001, 0.040))
    >>> [round(float(quorum_quantile(0.99, r, d)) * 1000, 1) for r in (1, 2, 3)]
    [9.8, 20.3, 185.2]
    """
    delays = _check_delays(delays)
    check_int("n_needed", n_needed, low=1, high=len(delays))
    p = check_array(
        "p", p, ndim=None, low=0, high=1, high_open=True, nonempty=False, unit="quantiles"
    )
    lo = np.zeros(p.shape)
    hi = np.full(p.shape, max(float(d.quantile(1 - (1 - p.max()) / len(delays))) for d in delays))
    for _ in range(60):
        mid = (lo + hi) / 2
        below = quorum_cdf(mid, n_needed, delays) < p
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return hi if hi.ndim else float(hi)


def simulate_quorum_latency(
    delays: Sequence[Delay], n_needed: int, n_samples: int, *, rng: np.random.Generator
) -> np.ndarray:
    """``n_samples`` quorum latencies (s): the ``n_needed``-th smallest of one draw per replica.

    >>> import numpy as np
    >>> d = replica_delays(3, Delay(0.0, 0.005))
    >>> lat = simulate_quorum_latency(d, 2, 100_000, rng=np.random.default_rng(1))
    >>> abs(float(np.mean(lat <= 0.005)) - 0.6936) < 0.01
    True
    """
    delays = _check_delays(delays)
    check_int("n_needed", n_needed, low=1, high=len(delays))
    check_int("n_samples", n_samples, low=1, high=50_000_000)
    check_rng(rng)
    draws = np.column_stack([d.sample(n_samples, rng=rng) for d in delays])
    return np.partition(draws, n_needed - 1, axis=1)[:, n_needed - 1]
