"""The tail: slow requests, fan-out, and hedged requests.

Averages hide what users feel. Two effects make the slow end of the latency distribution
(*the tail*) matter more as a system grows:

- **Variable service times.** When some requests take far longer than others (a cache miss,
  a garbage-collection pause, a large result), everyone queued behind them waits. For one
  server with Poisson arrivals (the M/G/1 queue) the Pollaczek–Khinchine formula gives the
  mean wait exactly: ``W = rate · E[S²] / (2 (1 − rho))`` with ``rho = rate · E[S]``, so the
  wait grows with the service time's *second moment*, not only its mean: at the same mean
  and load, heavy-tailed service (lognormal, Pareto) waits several times longer than
  exponential. :func:`pk_mean_wait` is the formula, :func:`simulate_mg1` the check.
- **Fan-out.** A request that needs answers from ``n_fanout`` servers is as slow as the
  slowest: if each is slow with probability ``p``, the request is slow with probability
  ``1 − (1 − p)^n_fanout`` (:func:`fanout_p_slow`). Dean and Barroso ("The Tail at Scale",
  CACM 56(2), 2013) give the example of servers that answer within 10 ms but take a second
  for one request in 100: a request touching 100 of them is slower than a second 63 % of
  the time.

The same paper's remedy is the **hedged request**: send the request to one replica and, if no
answer has come after ``t_hedge``, send it to a second and take whichever answer comes first.
For independent replicas the hedged latency's CDF is ``1 − (1 − F(t))(1 − F(t − t_hedge))``
for ``t >= t_hedge`` (:func:`hedged_cdf`, :func:`hedged_quantile`), and the extra load is the
share of requests still unanswered at ``t_hedge``, ``1 − F(t_hedge)``
(:func:`hedge_load`). Dean and Barroso suggest hedging after the 95th-percentile latency,
which limits the extra load to about 5 %; in their BigTable benchmark (1,000 keys read from
100 servers) a hedge after 10 ms cut the 99.9th-percentile latency from 1,800 ms to 74 ms
for 2 % more requests. *Tied* requests (both replicas enqueue it and cancel each other when one
starts) cut the extra load further; they are not modelled here.

Simplifications: replicas are independent and identical, and a hedge does not slow anyone
down (at high load the extra requests add queueing, see :mod:`scalelab.overload.discipline`).
Units: seconds.

>>> round(fanout_p_slow(0.01, 100), 3)
0.634
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from scalelab.queueing import simulate_fifo
from scalelab.validate import (
    check_int,
    check_number,
    check_probability,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "SERVICE_KINDS",
    "ServiceTime",
    "pk_mean_wait",
    "simulate_mg1",
    "fanout_p_slow",
    "LeafLatency",
    "hedged_cdf",
    "hedged_quantile",
    "hedge_load",
    "simulate_hedged",
]

SERVICE_KINDS = ("exponential", "lognormal", "pareto")
"""Service-time distributions of :class:`ServiceTime`."""


@dataclass(frozen=True)
class ServiceTime:
    """A service-time distribution with mean ``t_mean`` (s): ``"exponential"``,
    ``"lognormal"`` (log-scale spread ``shape``, the sigma) or ``"pareto"`` (tail index
    ``shape`` > 2, so the variance is finite)."""

    kind: str = param(
        "exponential",
        kind="choice",
        choices=SERVICE_KINDS,
        doc="family of the service-time distribution",
    )
    t_mean: float = param(0.01, low=0, low_open=True, doc="mean service time", unit="s")
    shape: float = 1.0

    def __post_init__(self):
        validate_fields(self)
        low = 2 if self.kind == "pareto" else 0
        check_number("shape", self.shape, low=low, low_open=True)

    def moment2(self) -> float:
        """E[S²] (s²)."""
        m, s = self.t_mean, self.shape
        if self.kind == "exponential":
            return 2 * m * m
        if self.kind == "lognormal":
            return m * m * math.exp(s * s)
        x_m = m * (s - 1) / s
        return s * x_m * x_m / (s - 2)

    def sample(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` service times (s)."""
        check_int("n", n, low=0)
        check_rng(rng)
        m, s = self.t_mean, self.shape
        if self.kind == "exponential":
            return rng.exponential(m, n)
        if self.kind == "lognormal":
            return rng.lognormal(math.log(m) - s * s / 2, s, n)
        x_m = m * (s - 1) / s
        return x_m * (1.0 - rng.random(n)) ** (-1.0 / s)


def pk_mean_wait(rate: float, service: ServiceTime) -> float:
    """Mean wait in line (s) of the M/G/1 queue (Pollaczek–Khinchine).

    ``rate``: Poisson arrivals (requests/s); ``service``: the service-time distribution.
    ``W = rate · E[S²] / (2 (1 − rho))``, ``rho = rate · E[S]`` < 1.

    >>> round(pk_mean_wait(90.0, ServiceTime("exponential", 0.01)), 4)  # M/M/1: rho/(mu-lam)
    0.09
    """
    check_number("rate", rate, low=0)
    check_type("service", service, ServiceTime)
    rho = rate * service.t_mean
    if rho >= 1:
        raise ValueError(f"rho = rate * service.t_mean must be < 1; got rho = {rho:g}")
    return rate * service.moment2() / (2.0 * (1.0 - rho))


def simulate_mg1(
    rate: float, service: ServiceTime, n_requests: int, *, rng: np.random.Generator
) -> np.ndarray:
    """Waits in line (s) of ``n_requests`` requests of a simulated M/G/1 queue (FIFO, one
    server; :func:`scalelab.queueing.simulate_fifo`).

    >>> w = simulate_mg1(50.0, ServiceTime(), 1000, rng=np.random.default_rng(1))
    >>> w.shape, bool(w.min() >= 0)
    ((1000,), True)
    """
    check_number("rate", rate, low=0, low_open=True)
    n = check_int("n_requests", n_requests, low=1)
    check_rng(rng)
    t_arrival = np.cumsum(rng.exponential(1.0 / rate, n))
    s = service.sample(n, rng=rng)
    return simulate_fifo(t_arrival, s, 1).t_wait


def fanout_p_slow(p_slow: float, n_fanout: int) -> float:
    """Probability that a request waiting for ``n_fanout`` independent answers is slow, when
    each answer is slow with probability ``p_slow``: ``1 − (1 − p_slow) ** n_fanout``.

    >>> round(fanout_p_slow(0.01, 1), 4), round(fanout_p_slow(0.0001, 2000), 2)
    (0.01, 0.18)
    """
    p = check_probability("p_slow", p_slow)
    k = check_int("n_fanout", n_fanout, low=1)
    return 1.0 - (1.0 - p) ** k


@dataclass(frozen=True)
class LeafLatency:
    """One server's latency (s): lognormal around ``t_median`` (log-scale spread ``sigma``),
    except a share ``p_slow`` of requests that hit a hiccup and take a lognormal time around
    ``t_slow_median`` (same spread). The default is Dean and Barroso's example: a 10 ms
    server whose 99th percentile is about a second."""

    t_median: float = param(
        0.01, low=0, low_open=True, doc="median latency of a normal request", unit="s"
    )
    sigma: float = param(0.5, low=0, low_open=True, doc="log-scale spread of the lognormal")
    p_slow: float = param(0.011, kind="probability", doc="share of requests that hit a hiccup")
    t_slow_median: float = param(
        2.0, low=0, low_open=True, doc="median latency of a slow request", unit="s"
    )

    def __post_init__(self):
        validate_fields(self)

    def cdf(self, t) -> np.ndarray:
        """P(latency <= t) for times ``t`` (s)."""
        t = np.maximum(np.asarray(t, dtype=float), 1e-300)
        fast = ndtr((np.log(t) - math.log(self.t_median)) / self.sigma)
        slow = ndtr((np.log(t) - math.log(self.t_slow_median)) / self.sigma)
        return (1.0 - self.p_slow) * fast + self.p_slow * slow

    def quantile(self, q: float) -> float:
        """The latency (s) with P(latency <= it) = ``q`` (bisection on :meth:`cdf`)."""
        q = check_number("q", q, low=0, high=1, low_open=True, high_open=True)
        lo = min(self.t_median, self.t_slow_median) * math.exp(self.sigma * ndtri(q) - 1)
        hi = max(self.t_median, self.t_slow_median) * math.exp(self.sigma * ndtri(q) + 1)
        return _bisect(lambda t: float(self.cdf(t)) - q, lo, hi)

    def sample(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` latencies (s)."""
        check_int("n", n, low=0)
        check_rng(rng)
        median = np.where(rng.random(n) < self.p_slow, self.t_slow_median, self.t_median)
        return median * np.exp(self.sigma * rng.standard_normal(n))


def _bisect(f, lo: float, hi: float, n_iter: int = 200) -> float:
    """A root of increasing ``f`` in [lo, hi] (the interval is widened until it holds one)."""
    while f(lo) > 0:
        lo /= 2
    while f(hi) < 0:
        hi *= 2
    for _ in range(n_iter):
        mid = math.sqrt(lo * hi) if lo > 0 else (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return hi


def _check_hedge(t_hedge) -> float:
    """``t_hedge`` (s) if it is >= 0; ``inf`` means no hedge."""
    if isinstance(t_hedge, float) and t_hedge == math.inf:
        return t_hedge
    return check_number("t_hedge", t_hedge, low=0)


def hedged_cdf(leaf: LeafLatency, t, t_hedge: float) -> np.ndarray:
    """P(hedged latency <= t): the first replica's answer, or a second one sent at
    ``t_hedge`` s if none has come, whichever is first: ``1 − (1 − F(t))(1 − F(t − t_hedge))``.

    >>> leaf = LeafLatency()
    >>> round(float(hedged_cdf(leaf, 0.005, 0.02) - leaf.cdf(0.005)), 12)  # before the hedge
    0.0
    """
    _check_hedge(t_hedge)
    t = np.asarray(t, dtype=float)
    first = leaf.cdf(t)
    second = np.where(t > t_hedge, leaf.cdf(np.maximum(t - t_hedge, 0.0)), 0.0)
    return 1.0 - (1.0 - first) * (1.0 - second)


def hedged_quantile(
    leaf: LeafLatency, q: float, t_hedge: float = math.inf, *, n_fanout: int = 1
) -> float:
    """The ``q``-quantile (s) of a request fanned out to ``n_fanout`` leaves, each hedged
    after ``t_hedge`` s (``inf``: no hedging). Solves ``hedged_cdf(t) ** n_fanout = q``.

    >>> leaf = LeafLatency()
    >>> round(hedged_quantile(leaf, 0.99, n_fanout=100), 1)  # no hedge
    6.5
    >>> round(hedged_quantile(leaf, 0.99, 0.03, n_fanout=100), 2)  # hedged after 30 ms
    1.03
    """
    q = check_number("q", q, low=0, high=1, low_open=True, high_open=True)
    k = check_int("n_fanout", n_fanout, low=1)
    _check_hedge(t_hedge)
    target = q ** (1.0 / k)
    if math.isinf(t_hedge):
        return leaf.quantile(target)
    return _bisect(lambda t: float(hedged_cdf(leaf, t, t_hedge)) - target, 1e-6, 1.0)


def hedge_load(leaf: LeafLatency, t_hedge: float) -> float:
    """Extra requests per request sent by hedging after ``t_hedge`` s: ``1 − F(t_hedge)``
    (a share; the hedges that were sent, whether or not they were cancelled later).

    >>> round(hedge_load(LeafLatency(), LeafLatency().quantile(0.95)), 3)
    0.05
    """
    _check_hedge(t_hedge)
    return 0.0 if math.isinf(t_hedge) else float(1.0 - leaf.cdf(t_hedge))


def simulate_hedged(
    leaf: LeafLatency,
    t_hedge: float,
    n_fanout: int,
    n_requests: int,
    *,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """(latency of each fanned-out request (s), hedges sent per leaf request) in a simulation:
    each of ``n_fanout`` leaves answers in ``min(X1, t_hedge + X2)`` (X2 only if X1 > t_hedge).

    >>> lat, extra = simulate_hedged(LeafLatency(), 0.03, 10, 1000, rng=np.random.default_rng(1))
    >>> lat.shape, 0 < extra < 0.1
    ((1000,), True)
    """
    _check_hedge(t_hedge)
    k = check_int("n_fanout", n_fanout, low=1)
    n = check_int("n_requests", n_requests, low=1)
    check_rng(rng)
    first = leaf.sample(n * k, rng=rng).reshape(n, k)
    hedged = first > t_hedge
    second = np.full((n, k), np.inf)
    second[hedged] = t_hedge + leaf.sample(int(hedged.sum()), rng=rng)
    return np.minimum(first, second).max(axis=1), float(hedged.mean())
