"""Arrival processes: how requests arrive over time, and random service times.

Real traffic is not a constant stream: it rises and falls over the day and spikes in a flash
sale. :class:`ArrivalProcess` describes a workload: ``"poisson"`` (a constant rate),
``"daily"`` (a smooth daily wave, like real traffic) or ``"burst"`` (a constant rate with a
spike); :func:`generate_arrivals` draws arrival times from it exactly, by thinning, with the
``numpy.random.Generator`` you pass; :func:`poisson_arrivals` is the constant-rate shortcut and
:func:`exponential_service` draws service times. Times in seconds, rates in requests/s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.validate import (
    check_int,
    check_number,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "ARRIVAL_KINDS",
    "ArrivalProcess",
    "poisson_arrivals",
    "generate_arrivals",
    "exponential_service",
]


ARRIVAL_KINDS = ("poisson", "daily", "burst")
"""The workloads :class:`ArrivalProcess` knows."""


@dataclass(frozen=True)
class ArrivalProcess:
    """A workload: how the arrival rate (requests/s) changes with time.

    - ``"poisson"``: a constant rate ``rate_base`` (λ);
    - ``"daily"``: a smooth wave around ``rate_base`` that peaks at ``rate_base * peak_factor`` at time
      ``t_peak`` of each ``t_period``-second cycle (``peak_factor`` in [1, 2]; 86,400 s is a day,
      but a shorter period gives the same shape in a short run);
    - ``"burst"``: the constant rate ``rate_base``, times ``burst_factor`` from ``t_burst_start`` for
      ``t_burst`` seconds (a flash sale, a retry storm).

    Arrivals are a Poisson process with this rate (non-homogeneous for daily and burst).

    >>> ArrivalProcess("burst", rate_base=10, t_burst_start=5, t_burst=2, burst_factor=3).rate([0, 6])
    array([10., 30.])
    """

    kind: str = param("poisson", kind="choice", choices=ARRIVAL_KINDS, doc="shape of the workload")
    rate_base: float = param(1.0, low=0, doc="base arrival rate", unit="requests/s")
    peak_factor: float = param(2.0, low=1, high=2, doc="peak rate over the base rate (daily)")
    t_period: float = param(
        86_400.0, low=0, low_open=True, doc="length of one daily cycle", unit="s"
    )
    t_peak: float = param(72_000.0, low=0, doc="time of the peak within a cycle", unit="s")
    t_burst_start: float = param(0.0, low=0, doc="when the burst starts", unit="s")
    t_burst: float = param(0.0, low=0, doc="how long the burst lasts", unit="s")
    burst_factor: float = param(1.0, low=0, doc="rate during the burst over the base rate")

    def __post_init__(self):
        validate_fields(self)

    def rate(self, t) -> np.ndarray:
        """Instantaneous arrival rate (requests/s) at times ``t`` (s)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "poisson":
            return np.full(t.shape, float(self.rate_base))
        if self.kind == "daily":
            phase = 2 * np.pi * (t - self.t_peak) / self.t_period
            return self.rate_base * (1.0 + (self.peak_factor - 1.0) * np.cos(phase))
        inside = (t >= self.t_burst_start) & (t < self.t_burst_start + self.t_burst)
        return np.where(inside, self.rate_base * self.burst_factor, float(self.rate_base))

    def max_rate(self) -> float:
        """The highest rate the process reaches (requests/s)."""
        if self.kind == "daily":
            return self.rate_base * self.peak_factor
        if self.kind == "burst" and self.t_burst > 0:
            return self.rate_base * max(1.0, self.burst_factor)
        return float(self.rate_base)

    def mean_count(self, t_end: float) -> float:
        """Expected number of arrivals in [0, ``t_end``) (numerically, on a fine grid)."""
        grid = np.linspace(0.0, t_end, 4097)
        r = self.rate(grid)
        return float(np.sum((r[1:] + r[:-1]) / 2) * (grid[1] - grid[0]))


def poisson_arrivals(
    rate: float, *, n: int | None = None, t_end: float | None = None, rng: np.random.Generator
) -> np.ndarray:
    """Arrival times (s, sorted) of a Poisson process at ``rate`` (λ) requests/s.

    Give ``n`` (exactly that many arrivals) or ``t_end`` (every arrival in [0, ``t_end``)).

    >>> poisson_arrivals(2.0, n=3, rng=np.random.default_rng(0)).round(3)
    array([0.34, 0.85, 0.86])
    """
    check_number("rate", rate, low=0, low_open=True)
    check_rng(rng)
    if (n is None) == (t_end is None):
        raise ValueError("give exactly one of n (a count) or t_end (seconds)")
    if n is not None:
        n = check_int("n", n, low=0)
        return np.cumsum(rng.exponential(1.0 / rate, n))
    check_number("t_end", t_end, low=0)
    count = rng.poisson(rate * t_end)
    return np.sort(rng.uniform(0.0, t_end, count))


def generate_arrivals(
    process: ArrivalProcess, t_end: float, *, rng: np.random.Generator
) -> np.ndarray:
    """Arrival times (s, sorted) in [0, ``t_end``) of ``process``, drawn exactly by thinning.

    Thinning (Lewis and Shedler, 1979): draw a Poisson process at the peak rate, keep each
    point with probability ``rate(t) / peak``.

    >>> p = ArrivalProcess("daily", rate_base=50, peak_factor=1.5, t_period=100, t_peak=50)
    >>> a = generate_arrivals(p, 100.0, rng=np.random.default_rng(3))
    >>> bool(np.all(np.diff(a) >= 0)), 4000 < len(a) < 6000
    (True, True)
    """
    check_type("process", process, ArrivalProcess)
    check_number("t_end", t_end, low=0)
    check_rng(rng)
    top = process.max_rate()
    if top <= 0 or t_end == 0:
        return np.empty(0)
    count = rng.poisson(top * t_end)
    t = np.sort(rng.uniform(0.0, t_end, count))
    keep = rng.uniform(0.0, top, count) < process.rate(t)
    return t[keep]


def exponential_service(rate_service: float, n: int, *, rng: np.random.Generator) -> np.ndarray:
    """``n`` exponential service times (s) with service rate μ ``rate_service`` (mean
    ``1/rate_service`` seconds).

    >>> exponential_service(1.0, 2, rng=np.random.default_rng(0)).round(3)
    array([0.68, 1.02])
    """
    check_number("rate_service", rate_service, low=0, low_open=True)
    n = check_int("n", n, low=0)
    check_rng(rng)
    return rng.exponential(1.0 / rate_service, n)
