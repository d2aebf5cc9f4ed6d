"""Queues: requests that wait for one of ``c`` servers, in theory and in simulation.

The picture is a post office with one line and ``c`` counters (or a message queue with ``c``
consumers, or a web server with ``c`` worker threads). Customers arrive at random; each is
served by the first counter to come free, in arrival order (first in, first out); while every
counter is busy, newcomers wait in the line, and if the line has a fixed size (a *finite
buffer*) a newcomer who finds it full is turned away (*dropped*). Three things decide how long
people wait: the arrival rate ``lam`` (customers/s), the service rate of one server ``mu``
(customers/s, so a mean service time of ``1/mu`` seconds) and the number of servers ``c``.
Their ratio, the utilisation ``rho = lam / (c * mu)``, must stay below 1 or the line grows
without end.

The module has four parts, all with the same units (seconds, requests/s):

**Theory (steady state).** :func:`mm1` and :func:`mmc` give the classic formulas for Poisson
arrivals and exponential service (the M/M/1 and M/M/c queues): the probability of waiting
(Erlang C, :func:`erlang_c`), the mean wait in line ``t_wait`` (Wq), the mean time in the system
``t_response`` (W) and the mean numbers waiting and present (Lq, L). :func:`littles_law` solves
``L = lam * W`` for whichever of the three is missing; it holds for any stable queue, not only
M/M/c. :func:`mmc_wait_quantile` gives wait percentiles and :func:`servers_for_wait` the
fewest servers that meet a mean-wait target. :func:`erlang_b` and :func:`mmck` cover queues
with a finite buffer (the blocking probability).

**Arrival processes.** :class:`ArrivalProcess` describes a workload: ``"poisson"`` (a constant
rate), ``"daily"`` (a smooth daily wave, like real traffic) or ``"burst"`` (a constant rate with
a spike); :func:`generate_arrivals` draws arrival times from it (exactly, by thinning) with the
``numpy.random.Generator`` you pass; :func:`poisson_arrivals` is the constant-rate shortcut.

**Per-request simulation.** :func:`simulate_fifo` takes arrival times and service times and
returns every request's start, wait and response time (a :class:`FifoResult`), for ``c``
servers and an optional finite buffer. It is exact (the tests compare it with a plain loop) and
fast: one server uses Lindley's recursion in closed form (numpy's running maximum); several
servers split the requests into segments simulated side by side and then stitched together
(a segment whose starting state differs from where the previous one ends is redone: side by
side once, then in order, one request at a time, until every seam agrees). :func:`simulate_mmc` runs an M/M/c queue in one call. :func:`summarize` gives
means, percentiles (:func:`percentiles`), utilisation and throughput; :func:`backlog_over_time`
counts requests waiting, in service, departed and dropped at given times.

**Time-bucketed (fluid) form.** :func:`fluid_queue` works on buckets of time instead of single
requests: offered requests/s per bucket in, throughput, backlog, mean wait and drops per bucket
out. Backlog moves like water in a tank (in at the offered rate, out at up to ``c * mu``), and
the random queueing that a tank misses is added from the M/M/c formula at each bucket's load
(the *pointwise stationary approximation*). It is thousands of times faster than simulating
each request, so the capstone chapter composes it with other models over a whole day.

Simplifications: servers are identical and never fail; the line is one FIFO line shared by all
servers (a load balancer with a line per server is :mod:`scalelab.load_balancer`, built on
this module); service times are whatever you pass (exponential in :func:`simulate_mmc`);
nobody gives up waiting.

>>> m = mmc(lam=3.5, mu=1.0, n_servers=4)
>>> round(m.t_wait, 4), round(m.p_wait, 4)
(1.4757, 0.7379)
>>> rng = np.random.default_rng(1)
>>> res = simulate_mmc(lam=0.5, mu=1.0, n_servers=1, n_requests=20_000, rng=rng)
>>> round(float(res.t_wait.mean()), 1)  # theory: rho / (mu - lam) = 1.0
1.0
"""

from __future__ import annotations

import heapq
import math
import numbers
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from scalelab.validate import check_choice, check_int, check_number, check_rng

__all__ = [
    "QueueMetrics",
    "mm1",
    "mmc",
    "erlang_b",
    "erlang_c",
    "mmck",
    "mmck_drop_probability",
    "mmc_p_wait_longer",
    "mmc_wait_quantile",
    "servers_for_wait",
    "littles_law",
    "ARRIVAL_KINDS",
    "ArrivalProcess",
    "poisson_arrivals",
    "generate_arrivals",
    "exponential_service",
    "FifoResult",
    "simulate_fifo",
    "simulate_mmc",
    "percentiles",
    "QueueSummary",
    "summarize",
    "BacklogTrace",
    "backlog_over_time",
    "FluidResult",
    "fluid_queue",
    "CRASHES",
    "DeliveryAttempt",
    "payment_messages",
    "deliver_at_least_once",
    "run_consumer",
    "credit",
    "credit_once",
    "exactly_once_balances",
    "PRICE_PER_WORKER_HOUR",
    "N_WORKERS_MAX",
    "target_utilisation_rule",
    "ConsumerResult",
    "simulate_consumers",
    "workload_rates",
]


# ---------------------------------------------------------------------------------------------
# Theory
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state figures of a queue (seconds and mean counts).

    ``rho``: utilisation of each server (0-1); ``p_wait``: probability that an arrival waits;
    ``t_wait``: mean wait in line (Wq, s); ``t_response``: mean time in the system, wait plus
    service (W, s); ``n_queue``: mean number waiting (Lq); ``n_system``: mean number present (L).
    """

    rho: float
    p_wait: float
    t_wait: float
    t_response: float
    n_queue: float
    n_system: float


def _check_rates(lam, mu, n_servers) -> tuple[float, float, int]:
    check_number("lam", lam, low=0)
    check_number("mu", mu, low=0, low_open=True)
    c = check_int("n_servers", n_servers, low=1)
    return float(lam), float(mu), c


def _check_stable(lam: float, mu: float, c: int) -> float:
    rho = lam / (c * mu)
    if rho >= 1:
        raise ValueError(
            f"utilisation rho = lam / (n_servers * mu) must be < 1 for a steady state; got "
            f"rho = {rho:g} (lam={lam:g}, mu={mu:g}, n_servers={c}): the queue grows without end"
        )
    return rho


def erlang_b(n_servers: int, load: float) -> float:
    """Erlang B: the probability that all ``n_servers`` are busy with no room to wait.

    ``load`` is the offered load in Erlangs, ``lam / mu`` (any value >= 0). Computed with the
    stable recursion ``B(k) = a B(k-1) / (k + a B(k-1))``, so thousands of servers are fine.

    >>> round(erlang_b(2, 1.0), 4)
    0.2
    """
    c = check_int("n_servers", n_servers, low=1)
    a = float(check_number("load", load, low=0))
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(n_servers: int, load: float) -> float:
    """Erlang C: the probability that an arrival must wait (all ``n_servers`` busy).

    ``load`` is ``lam / mu`` in Erlangs and must be below ``n_servers`` (utilisation < 1).

    >>> round(erlang_c(1, 0.9), 6)  # one server: P(wait) = rho
    0.9
    >>> round(erlang_c(4, 3.5), 4)
    0.7379
    """
    c = check_int("n_servers", n_servers, low=1)
    check_number("load", load, low=0, high=c, high_open=True)
    a = float(load)
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mm1(lam: float, mu: float) -> QueueMetrics:
    """Steady state of the M/M/1 queue: Poisson arrivals (``lam``/s), one exponential server (``mu``/s).

    Needs ``lam < mu``.

    >>> m = mm1(0.9, 1.0)
    >>> round(m.t_wait, 6), round(m.n_system, 6)
    (9.0, 9.0)
    """
    return mmc(lam, mu, 1)


def mmc(lam: float, mu: float, n_servers: int) -> QueueMetrics:
    """Steady state of the M/M/c queue: Poisson arrivals, ``n_servers`` exponential servers.

    ``lam``: arrival rate (requests/s, >= 0); ``mu``: service rate of one server (requests/s,
    > 0); needs ``lam < n_servers * mu``. Wq = C(c, a) / (c mu - lam), W = Wq + 1/mu, and the
    means follow from Little's law (Lq = lam Wq, L = lam W).

    >>> m = mmc(9.0, 1.0, 10)
    >>> round(m.t_wait, 4)
    0.6687
    """
    lam, mu, c = _check_rates(lam, mu, n_servers)
    rho = _check_stable(lam, mu, c)
    p_wait = erlang_c(c, lam / mu) if lam > 0 else 0.0
    t_wait = p_wait / (c * mu - lam)
    t_response = t_wait + 1.0 / mu
    return QueueMetrics(rho, p_wait, t_wait, t_response, lam * t_wait, lam * t_response)


def mmck(lam: float, mu: float, n_servers: int, n_buffer: int) -> QueueMetrics:
    """Steady state of the M/M/c/K queue: ``n_buffer`` places to wait, newcomers beyond are dropped.

    Any ``lam >= 0`` is allowed (a full buffer keeps the queue finite). ``p_wait`` is the
    probability that an accepted request waits; means are over accepted requests (Little's law
    with the accepted rate); ``rho`` is the utilisation of each server (carried load / c). The
    chance of being dropped is :func:`mmck_drop_probability`.

    >>> m = mmck(2.0, 1.0, 1, 0)  # one server, no line: busy 2/3 of the time
    >>> round(m.rho, 4), m.t_wait
    (0.6667, 0.0)
    """
    lam, mu, c = _check_rates(lam, mu, n_servers)
    k = check_int("n_buffer", n_buffer, low=0)
    p = _mmck_probs(lam / mu, c, k)
    n = np.arange(c + k + 1)
    p_block = float(p[-1])
    lam_eff = lam * (1.0 - p_block)
    n_queue = float(np.sum(np.maximum(n - c, 0) * p))
    n_system = float(np.sum(n * p))
    p_wait = float(np.sum(p[c:-1])) / (1.0 - p_block) if k > 0 and lam > 0 else 0.0
    t_wait = n_queue / lam_eff if lam_eff > 0 else 0.0
    t_resp = n_system / lam_eff if lam_eff > 0 else 1.0 / mu
    return QueueMetrics(lam_eff / (c * mu), p_wait, t_wait, t_resp, n_queue, n_system)


def _mmck_probs(a: float, c: int, k: int) -> np.ndarray:
    """Stationary distribution of the number in an M/M/c/(c+k) system, offered load ``a``."""
    n = c + k
    w = np.empty(n + 1)
    w[0] = 1.0
    for i in range(1, n + 1):
        w[i] = w[i - 1] * a / min(i, c)
        if w[i] > 1e250:  # rescale to stay finite for huge loads
            w[: i + 1] /= w[i]
    return w / w.sum()


def mmck_drop_probability(lam: float, mu: float, n_servers: int, n_buffer: int) -> float:
    """Probability that an arrival finds ``n_servers`` busy and ``n_buffer`` waiting (dropped).

    >>> round(mmck_drop_probability(2.0, 1.0, 1, 0), 4)
    0.6667
    """
    lam, mu, c = _check_rates(lam, mu, n_servers)
    k = check_int("n_buffer", n_buffer, low=0)
    return float(_mmck_probs(lam / mu, c, k)[-1])


def mmc_p_wait_longer(lam: float, mu: float, n_servers: int, t: float) -> float:
    """P(wait in line > ``t`` seconds) in an M/M/c queue: ``C * exp(-(c mu - lam) t)``.

    >>> round(mmc_p_wait_longer(0.9, 1.0, 1, 0.0), 3)
    0.9
    """
    lam, mu, c = _check_rates(lam, mu, n_servers)
    _check_stable(lam, mu, c)
    check_number("t", t, low=0)
    p = erlang_c(c, lam / mu) if lam > 0 else 0.0
    return p * math.exp(-(c * mu - lam) * t)


def mmc_wait_quantile(lam: float, mu: float, n_servers: int, q: float) -> float:
    """The ``q``-quantile of the wait in line (s) in an M/M/c queue (``q`` in [0, 1)).

    Zero when the chance of waiting at all is below ``1 - q`` (most arrivals find a free server).

    >>> round(mmc_wait_quantile(0.9, 1.0, 1, 0.99), 2)  # p99 wait, M/M/1 at 90 %
    45.0
    """
    lam, mu, c = _check_rates(lam, mu, n_servers)
    _check_stable(lam, mu, c)
    check_number("q", q, low=0, high=1, high_open=True)
    p = erlang_c(c, lam / mu) if lam > 0 else 0.0
    if p <= 1.0 - q:
        return 0.0
    return math.log(p / (1.0 - q)) / (c * mu - lam)


def servers_for_wait(lam: float, mu: float, t_wait: float, *, n_max: int = 100_000) -> int:
    """The fewest servers (consumers) whose M/M/c mean wait in line is at most ``t_wait`` seconds.

    Starts from the smallest stable count, ``floor(lam / mu) + 1``, and adds one at a time.

    >>> servers_for_wait(3.5, 1.0, 0.5)
    5
    """
    lam, mu, _ = _check_rates(lam, mu, 1)
    check_number("t_wait", t_wait, low=0)
    c = max(1, math.floor(lam / mu) + 1)
    while c <= n_max:
        if lam == 0 or mmc(lam, mu, c).t_wait <= t_wait:
            return c
        c += 1
    raise ValueError(f"n_max must be larger: no server count up to {n_max} meets t_wait={t_wait}")


def littles_law(*, lam: float | None = None, l: float | None = None, w: float | None = None):  # noqa: E741
    """Little's law ``L = lam * W``: give two of the three, get the third.

    ``lam``: throughput (requests/s); ``l``: mean number in the system (or in the line);
    ``w``: mean time in the system (or in the line), seconds. Holds for any stable system.

    >>> littles_law(lam=100.0, w=0.25)   # 100 req/s spending 0.25 s each: 25 present
    25.0
    >>> littles_law(l=25.0, lam=100.0)
    0.25
    """
    given = {k: v for k, v in {"lam": lam, "l": l, "w": w}.items() if v is not None}
    if len(given) != 2:
        raise ValueError(f"give exactly two of lam, l, w; got {sorted(given) or 'none'}")
    for name, value in given.items():
        check_number(name, value, low=0)
    if l is None:
        return float(lam * w)
    if w is None:
        check_number("lam", lam, low=0, low_open=True)
        return float(l / lam)
    check_number("w", w, low=0, low_open=True)
    return float(l / w)


# ---------------------------------------------------------------------------------------------
# Arrival processes
# ---------------------------------------------------------------------------------------------

ARRIVAL_KINDS = ("poisson", "daily", "burst")
"""The workloads :class:`ArrivalProcess` knows."""


@dataclass(frozen=True)
class ArrivalProcess:
    """A workload: how the arrival rate (requests/s) changes with time.

    - ``"poisson"``: a constant rate ``lam``;
    - ``"daily"``: a smooth wave around ``lam`` that peaks at ``lam * peak_factor`` at time
      ``t_peak`` of each ``t_period``-second cycle (``peak_factor`` in [1, 2]; 86,400 s is a day,
      but a shorter period gives the same shape in a short run);
    - ``"burst"``: the constant rate ``lam``, times ``burst_factor`` from ``t_burst_start`` for
      ``t_burst`` seconds (a flash sale, a retry storm).

    Arrivals are a Poisson process with this rate (non-homogeneous for daily and burst).

    >>> ArrivalProcess("burst", lam=10, t_burst_start=5, t_burst=2, burst_factor=3).rate([0, 6])
    array([10., 30.])
    """

    kind: str = "poisson"
    lam: float = 1.0
    peak_factor: float = 2.0
    t_period: float = 86_400.0
    t_peak: float = 72_000.0
    t_burst_start: float = 0.0
    t_burst: float = 0.0
    burst_factor: float = 1.0

    def __post_init__(self):
        check_choice("kind", self.kind, ARRIVAL_KINDS)
        check_number("lam", self.lam, low=0)
        check_number("peak_factor", self.peak_factor, low=1, high=2)
        check_number("t_period", self.t_period, low=0, low_open=True)
        check_number("t_peak", self.t_peak, low=0)
        check_number("t_burst_start", self.t_burst_start, low=0)
        check_number("t_burst", self.t_burst, low=0)
        check_number("burst_factor", self.burst_factor, low=0)

    def rate(self, t) -> np.ndarray:
        """Instantaneous arrival rate (requests/s) at times ``t`` (s)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "poisson":
            return np.full(t.shape, float(self.lam))
        if self.kind == "daily":
            phase = 2 * np.pi * (t - self.t_peak) / self.t_period
            return self.lam * (1.0 + (self.peak_factor - 1.0) * np.cos(phase))
        inside = (t >= self.t_burst_start) & (t < self.t_burst_start + self.t_burst)
        return np.where(inside, self.lam * self.burst_factor, float(self.lam))

    def max_rate(self) -> float:
        """The highest rate the process reaches (requests/s)."""
        if self.kind == "daily":
            return self.lam * self.peak_factor
        if self.kind == "burst" and self.t_burst > 0:
            return self.lam * max(1.0, self.burst_factor)
        return float(self.lam)

    def mean_count(self, t_end: float) -> float:
        """Expected number of arrivals in [0, ``t_end``) (numerically, on a fine grid)."""
        grid = np.linspace(0.0, t_end, 4097)
        r = self.rate(grid)
        return float(np.sum((r[1:] + r[:-1]) / 2) * (grid[1] - grid[0]))


def poisson_arrivals(
    lam: float, rng: np.random.Generator, *, n: int | None = None, t_end: float | None = None
) -> np.ndarray:
    """Arrival times (s, sorted) of a Poisson process at ``lam`` requests/s.

    Give ``n`` (exactly that many arrivals) or ``t_end`` (every arrival in [0, ``t_end``)).

    >>> poisson_arrivals(2.0, np.random.default_rng(0), n=3).round(3)
    array([0.34, 0.85, 0.86])
    """
    check_number("lam", lam, low=0, low_open=True)
    check_rng(rng)
    if (n is None) == (t_end is None):
        raise ValueError("give exactly one of n (a count) or t_end (seconds)")
    if n is not None:
        n = check_int("n", n, low=0)
        return np.cumsum(rng.exponential(1.0 / lam, n))
    check_number("t_end", t_end, low=0)
    count = rng.poisson(lam * t_end)
    return np.sort(rng.uniform(0.0, t_end, count))


def generate_arrivals(
    process: ArrivalProcess, t_end: float, rng: np.random.Generator
) -> np.ndarray:
    """Arrival times (s, sorted) in [0, ``t_end``) of ``process``, drawn exactly by thinning.

    Thinning (Lewis and Shedler, 1979): draw a Poisson process at the peak rate, keep each
    point with probability ``rate(t) / peak``.

    >>> p = ArrivalProcess("daily", lam=50, peak_factor=1.5, t_period=100, t_peak=50)
    >>> a = generate_arrivals(p, 100.0, np.random.default_rng(3))
    >>> bool(np.all(np.diff(a) >= 0)), 4000 < len(a) < 6000
    (True, True)
    """
    if not isinstance(process, ArrivalProcess):
        raise ValueError(f"process must be an ArrivalProcess; got {process!r}")
    check_number("t_end", t_end, low=0)
    check_rng(rng)
    top = process.max_rate()
    if top <= 0 or t_end == 0:
        return np.empty(0)
    count = rng.poisson(top * t_end)
    t = np.sort(rng.uniform(0.0, t_end, count))
    keep = rng.uniform(0.0, top, count) < process.rate(t)
    return t[keep]


def exponential_service(mu: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` exponential service times (s) with rate ``mu`` (mean ``1/mu`` seconds).

    >>> exponential_service(1.0, 2, np.random.default_rng(0)).round(3)
    array([0.68, 1.02])
    """
    check_number("mu", mu, low=0, low_open=True)
    n = check_int("n", n, low=0)
    check_rng(rng)
    return rng.exponential(1.0 / mu, n)


# ---------------------------------------------------------------------------------------------
# Per-request simulation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FifoResult:
    """Every request of one FIFO run (arrays indexed by request, in arrival order).

    ``t_arrival``, ``t_service`` (s) as given; ``t_start`` (s, when service begins; NaN if
    dropped); ``dropped`` (bool). Derived: ``t_wait`` and ``t_response`` (s, NaN if dropped),
    ``t_depart`` (s). Counts: ``n_arrived``, ``n_served``, ``n_dropped``.
    """

    t_arrival: np.ndarray
    t_service: np.ndarray
    t_start: np.ndarray
    dropped: np.ndarray
    n_servers: int
    n_buffer: int | None = None
    t_wait: np.ndarray = field(init=False, repr=False)
    t_response: np.ndarray = field(init=False, repr=False)
    t_depart: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        wait = self.t_start - self.t_arrival
        object.__setattr__(self, "t_wait", wait)
        object.__setattr__(self, "t_depart", self.t_start + self.t_service)
        object.__setattr__(self, "t_response", wait + self.t_service)

    @property
    def n_arrived(self) -> int:
        return int(self.t_arrival.size)

    @property
    def n_dropped(self) -> int:
        return int(np.count_nonzero(self.dropped))

    @property
    def n_served(self) -> int:
        return self.n_arrived - self.n_dropped


def _check_times(t_arrival, t_service) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(t_arrival, dtype=float)
    s = np.asarray(t_service, dtype=float)
    if a.ndim != 1 or s.shape != a.shape:
        raise ValueError(
            f"t_arrival and t_service must be 1-d arrays of the same length; got shapes "
            f"{a.shape} and {s.shape}"
        )
    if a.size and not (np.all(np.isfinite(a)) and np.all(np.isfinite(s))):
        raise ValueError("t_arrival and t_service must be finite numbers (no NaN or inf)")
    if a.size and (a[0] < 0 or np.any(np.diff(a) < 0)):
        raise ValueError("t_arrival must be sorted times >= 0 (seconds)")
    if a.size and s.min() < 0:
        raise ValueError(f"t_service must be >= 0 seconds; got a minimum of {s.min():g}")
    return a, s


def _lindley(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Start times for one FIFO server, vectorised: start_n = max_k<=n (a_k + s_k + ... + s_n-1)."""
    before = np.concatenate(([0.0], np.cumsum(s)[:-1]))
    return before + np.maximum.accumulate(a - before)


def _segment_pass(A, S, F, R, start):
    """Simulate rows (segments) side by side for A.shape[1] steps; update F, R in place.

    ``F`` (rows x c): free times of the servers; ``R`` (rows x b): start times of the ``b``
    most recently accepted requests (None without a buffer limit). A request is dropped when
    the oldest of those has not started yet (the line holds ``b`` already).
    """
    rows, steps = A.shape
    c = F.shape[1]
    base = np.arange(rows) * c
    ff = F.reshape(-1)
    if R is not None:
        b = R.shape[1]
        rbase = np.arange(rows) * b
        rf = R.reshape(-1)
    for i in range(steps):
        a = A[:, i]
        k = base + F.argmin(axis=1)
        st = np.maximum(a, ff[k])
        if R is None:
            start[:, i] = st
            ff[k] = st + S[:, i]
            continue
        if b == 0:
            ok = ff[k] <= a
        else:
            kr = rbase + R.argmin(axis=1)
            ok = rf[kr] <= a
            rf[kr] = np.where(ok, st, rf[kr])
        start[:, i] = np.where(ok, st, np.nan)
        ff[k] = np.where(ok, st + S[:, i], ff[k])


def _state_key(F, R):
    key = np.sort(F, axis=1)
    if R is not None and R.shape[1]:
        key = np.concatenate([key, np.sort(R, axis=1)], axis=1)
    return key


def _multi_server(a, s, c, n_buffer, segment):
    n = a.size
    rows = max(1, n // segment)
    if rows == 1:  # a short run: one request at a time is quicker than numpy steps
        recent = None if n_buffer is None else np.full(n_buffer, -np.inf)
        return _loop_segment(a, s, np.zeros(c), recent)[0]
    steps = -(-n // rows)
    warm = min(steps, max(64, steps // 2)) if rows > 1 else 0
    pad = rows * steps - n
    A = np.concatenate([a, np.full(pad, np.inf)]).reshape(rows, steps)
    S = np.concatenate([s, np.zeros(pad)]).reshape(rows, steps)
    b = None if n_buffer is None else n_buffer

    def fresh(m):
        F = np.zeros((m, c))
        R = None if b is None else np.full((m, b), -np.inf)
        return F, R

    # Pass 1: every segment starts empty, after a warm-up on the tail of the previous segment,
    # which usually brings it to the state the previous segment really ends in.
    F, R = fresh(rows)
    if warm:
        Fw = F[1:].copy()
        Rw = None if R is None else R[1:].copy()
        _segment_pass(A[:-1, -warm:], S[:-1, -warm:], Fw, Rw, np.empty((rows - 1, warm)))
        F[1:] = Fw
        if R is not None:
            R[1:] = Rw
    F0 = F.copy()
    R0 = None if R is None else R.copy()
    start = np.empty((rows, steps))
    _segment_pass(A, S, F, R, start)
    # Pass 2: redo, side by side, each segment whose starting state differs from where its
    # predecessor ends (a segment's result depends only on its starting state).
    want_F = np.zeros((rows, c))
    want_F[1:] = F[:-1]
    want_R = None
    if R is not None:
        want_R = np.full((rows, b), -np.inf)
        want_R[1:] = R[:-1]
    bad = np.flatnonzero(np.any(_state_key(want_F, want_R) != _state_key(F0, R0), axis=1))
    if bad.size:
        F0[bad] = want_F[bad]
        Fb = want_F[bad].copy()
        Rb = None
        if R is not None:
            R0[bad] = want_R[bad]
            Rb = want_R[bad].copy()
        sub = np.empty((bad.size, steps))
        _segment_pass(A[bad], S[bad], Fb, Rb, sub)
        start[bad] = sub
        F[bad] = Fb
        if R is not None:
            R[bad] = Rb
    # Then a sweep in order: a seam that still disagrees (a backlog that outlasts a segment)
    # is redone one request at a time from the true state, so the result is always exact.
    for j in range(1, rows):
        same = np.array_equal(np.sort(F[j - 1]), np.sort(F0[j]))
        if R is not None:
            same = same and np.array_equal(np.sort(R[j - 1]), np.sort(R0[j]))
        if same:
            continue
        F0[j] = F[j - 1]
        if R is not None:
            R0[j] = R[j - 1]
        start[j], F[j], Rj = _loop_segment(A[j], S[j], F[j - 1], None if R is None else R[j - 1])
        if R is not None:
            R[j] = Rj
    return start.reshape(-1)[:n]


def _loop_segment(a, s, free0, recent0):
    """One segment, one request at a time, from a given state (the readable version).

    ``free0``: the servers' free times; ``recent0``: start times of the last ``b`` accepted
    requests (None: unlimited line). Returns starts (NaN if dropped) and the final state.
    """
    free = sorted(free0.tolist())
    heapq.heapify(free)
    b = None if recent0 is None else recent0.size
    recent = deque(sorted(recent0.tolist())) if recent0 is not None else None
    out = np.empty(a.size)
    for i, (x, y) in enumerate(zip(a.tolist(), s.tolist(), strict=True)):
        f = free[0]
        if b is not None:
            if (b == 0 and f > x) or (b > 0 and recent[0] > x):
                out[i] = math.nan
                continue
        st = x if x > f else f
        heapq.heapreplace(free, st + y)
        if b:
            recent.popleft()
            recent.append(st)
        out[i] = st
    final_r = None if b is None else np.array(recent, dtype=float)
    return out, np.array(free), final_r


def simulate_fifo(
    t_arrival,
    t_service,
    n_servers: int = 1,
    *,
    n_buffer: int | None = None,
    segment: int = 2000,
) -> FifoResult:
    """Serve requests first in, first out by ``n_servers`` identical servers.

    ``t_arrival``: sorted arrival times (s); ``t_service``: each request's service time (s);
    ``n_buffer``: places in the line (None: unlimited; 0: no line, a request that finds every
    server busy is dropped). A request starts at the later of its arrival and the moment the
    first server comes free; the result holds every request's start, wait and response.

    ``segment`` (requests per segment) tunes speed only; the result is exact for any value. The
    readable reference this is checked against (tests/test_lib_queueing.py)::

        free = [0.0] * n_servers
        for a, s in zip(t_arrival, t_service):
            k = free.index(min(free))
            start = max(a, free[k]); free[k] = start + s

    >>> r = simulate_fifo([0.0, 0.0, 1.0], [2.0, 2.0, 1.0], n_servers=1)
    >>> r.t_start.tolist(), r.t_wait.tolist()
    ([0.0, 2.0, 4.0], [0.0, 2.0, 3.0])
    >>> simulate_fifo([0.0, 0.0, 1.0], [2.0, 2.0, 1.0], 1, n_buffer=0).dropped.tolist()
    [False, True, True]
    """
    a, s = _check_times(t_arrival, t_service)
    c = check_int("n_servers", n_servers, low=1)
    if n_buffer is not None:
        n_buffer = check_int("n_buffer", n_buffer, low=0)
    segment = check_int("segment", segment, low=16)
    if a.size == 0:
        start = np.empty(0)
    elif c == 1 and n_buffer is None:
        start = _lindley(a, s)
    else:
        start = _multi_server(a, s, c, n_buffer, segment)
    return FifoResult(a, s, start, np.isnan(start), c, n_buffer)


def simulate_mmc(
    lam: float,
    mu: float,
    n_servers: int,
    n_requests: int,
    rng: np.random.Generator,
    *,
    n_buffer: int | None = None,
) -> FifoResult:
    """Simulate ``n_requests`` of an M/M/c queue (Poisson arrivals, exponential service).

    Unlike :func:`mmc` this also runs with ``lam >= n_servers * mu`` (the line just grows, or
    drops with a finite ``n_buffer``).

    >>> r = simulate_mmc(3.5, 1.0, 4, 1000, np.random.default_rng(2))
    >>> r.n_arrived, r.n_dropped
    (1000, 0)
    """
    lam, mu, c = _check_rates(lam, mu, n_servers)
    check_number("lam", lam, low=0, low_open=True)
    n = check_int("n_requests", n_requests, low=0)
    check_rng(rng)
    a = poisson_arrivals(lam, rng, n=n)
    s = rng.exponential(1.0 / mu, n)
    return simulate_fifo(a, s, c, n_buffer=n_buffer)


def percentiles(values, q=(50, 95, 99)) -> dict[str, float]:
    """Percentiles of ``values`` (NaNs, e.g. dropped requests, are left out) as ``{"p50": ...}``.

    >>> percentiles([1.0, 2.0, 3.0, 4.0, float("nan")], q=(50,))
    {'p50': 2.5}
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    qs = [check_number("q", v, low=0, high=100) for v in q]
    if x.size == 0:
        return {f"p{v:g}": float("nan") for v in qs}
    return {f"p{v:g}": float(p) for v, p in zip(qs, np.percentile(x, qs), strict=True)}


@dataclass(frozen=True)
class QueueSummary:
    """Key figures of a run, over requests that arrived in [``t_from``, ``t_to``).

    Times in seconds; ``utilisation`` is the busy fraction of the servers over the window;
    ``throughput`` requests completed per second; ``wait_p``/``response_p`` percentiles
    (``{"p50", "p95", "p99"}``); ``p_drop`` the fraction of arrivals dropped.
    """

    n_arrived: int
    n_served: int
    n_dropped: int
    p_drop: float
    t_wait_mean: float
    t_response_mean: float
    wait_p: dict
    response_p: dict
    utilisation: float
    throughput: float
    n_system_mean: float


def summarize(result: FifoResult, t_from: float = 0.0, t_to: float | None = None) -> QueueSummary:
    """Means, percentiles, utilisation and throughput of ``result`` over a window (s).

    Leave out a warm-up with ``t_from`` (the queue starts empty, which is not typical).

    >>> r = simulate_fifo([0.0, 1.0], [1.0, 1.0])
    >>> s = summarize(r, 0.0, 2.0)
    >>> s.utilisation, s.t_wait_mean
    (1.0, 0.0)
    """
    if not isinstance(result, FifoResult):
        raise ValueError(f"result must be a FifoResult; got {type(result).__name__}")
    check_number("t_from", t_from, low=0)
    if t_to is None:
        last = result.t_depart[~result.dropped]
        t_to = float(max(last.max() if last.size else 0.0, result.t_arrival[-1:].max(initial=0)))
    check_number("t_to", t_to, low=t_from)
    span = max(t_to - t_from, 1e-300)
    sel = (result.t_arrival >= t_from) & (result.t_arrival < t_to)
    served = sel & ~result.dropped
    n_arr, n_srv = int(sel.sum()), int(served.sum())
    wait = result.t_wait[served]
    resp = result.t_response[served]
    ok = ~result.dropped
    busy = np.clip(result.t_depart[ok], t_from, t_to) - np.clip(result.t_start[ok], t_from, t_to)
    in_sys = np.clip(result.t_depart[ok], t_from, t_to) - np.clip(
        result.t_arrival[ok], t_from, t_to
    )
    done = ok & (result.t_depart >= t_from) & (result.t_depart < t_to)
    return QueueSummary(
        n_arrived=n_arr,
        n_served=n_srv,
        n_dropped=n_arr - n_srv,
        p_drop=(n_arr - n_srv) / n_arr if n_arr else 0.0,
        t_wait_mean=float(wait.mean()) if n_srv else float("nan"),
        t_response_mean=float(resp.mean()) if n_srv else float("nan"),
        wait_p=percentiles(wait),
        response_p=percentiles(resp),
        utilisation=float(busy.sum() / (result.n_servers * span)),
        throughput=float(done.sum() / span),
        n_system_mean=float(in_sys.sum() / span),
    )


@dataclass(frozen=True)
class BacklogTrace:
    """Counts at each time in ``t`` (s): ``n_queue`` waiting, ``n_service`` being served, and
    the running totals ``n_arrived``, ``n_departed`` and ``n_dropped``.

    Conservation: ``n_arrived == n_departed + n_queue + n_service + n_dropped`` at every time.
    """

    t: np.ndarray
    n_queue: np.ndarray
    n_service: np.ndarray
    n_arrived: np.ndarray
    n_departed: np.ndarray
    n_dropped: np.ndarray


def backlog_over_time(result: FifoResult, t) -> BacklogTrace:
    """Requests waiting (the backlog), in service, departed and dropped at times ``t`` (s).

    Counts are taken just after each time (an arrival at exactly ``t`` is counted).

    >>> r = simulate_fifo([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    >>> backlog_over_time(r, [0.5, 1.5, 3.5]).n_queue.tolist()
    [2, 1, 0]
    """
    if not isinstance(result, FifoResult):
        raise ValueError(f"result must be a FifoResult; got {type(result).__name__}")
    t = np.asarray(t, dtype=float)
    ok = ~result.dropped
    arrived = np.searchsorted(result.t_arrival, t, side="right")
    dropped = np.searchsorted(result.t_arrival[result.dropped], t, side="right")
    accepted = np.searchsorted(result.t_arrival[ok], t, side="right")
    started = np.searchsorted(np.sort(result.t_start[ok]), t, side="right")
    departed = np.searchsorted(np.sort(result.t_depart[ok]), t, side="right")
    return BacklogTrace(
        t=t,
        n_queue=accepted - started,
        n_service=started - departed,
        n_arrived=arrived,
        n_departed=departed,
        n_dropped=dropped,
    )


# ---------------------------------------------------------------------------------------------
# Time-bucketed (fluid) form
# ---------------------------------------------------------------------------------------------

RHO_CAP = 0.98
"""The fluid form adds the M/M/c wait at each bucket's utilisation, capped at this value (the
formula diverges at 1, where the fluid backlog takes over)."""


@dataclass(frozen=True)
class FluidResult:
    """Per-bucket arrays of :func:`fluid_queue` (one entry per bucket of ``t_bucket`` seconds).

    ``offered`` and ``throughput`` (requests/s); ``backlog`` (requests waiting at the end of
    the bucket); ``t_wait`` (mean wait in line of the bucket's arrivals, s); ``dropped``
    (requests dropped in the bucket); ``rho`` (utilisation); ``n_servers`` per bucket.
    """

    offered: np.ndarray
    throughput: np.ndarray
    backlog: np.ndarray
    t_wait: np.ndarray
    dropped: np.ndarray
    rho: np.ndarray
    n_servers: np.ndarray
    t_bucket: float


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


def fluid_queue(
    offered,
    t_bucket: float,
    mu: float,
    n_servers,
    *,
    n_buffer: float | None = None,
    backlog0: float = 0.0,
) -> FluidResult:
    """Time-bucketed queue: offered requests/s per bucket in, throughput, backlog, wait, drops out.

    ``offered``: arrival rate per bucket (requests/s); ``t_bucket``: bucket length (s); ``mu``:
    service rate of one server (requests/s); ``n_servers``: a count, or one per bucket (an
    autoscaler's decisions); ``n_buffer``: most requests that may wait (None: unlimited);
    ``backlog0``: requests waiting at the start.

    Each bucket, ``offered * t_bucket`` requests join the backlog and up to
    ``n_servers * mu * t_bucket`` leave it; whatever exceeds ``n_buffer`` is dropped. The mean
    wait of a bucket's arrivals is the time to drain the backlog they find (mean of start and
    end, divided by the service capacity) plus the M/M/c wait at the bucket's utilisation
    (pointwise stationary approximation, Green and Kolesar 1991). At a steady load below
    capacity it equals :func:`mmc`; in overload the backlog grows at ``offered - c mu``.

    >>> f = fluid_queue([3.5, 3.5], 60.0, 1.0, 4)
    >>> round(float(f.t_wait[0]), 4), f.backlog.tolist()
    (1.4757, [0.0, 0.0])
    >>> fluid_queue([6.0], 10.0, 1.0, 4).backlog.tolist()  # 2 more per second than it serves
    [20.0]
    """
    lam = np.asarray(offered, dtype=float)
    if lam.ndim != 1:
        raise ValueError(
            f"offered must be a 1-d array of rates (requests/s); got shape {lam.shape}"
        )
    if lam.size and (not np.all(np.isfinite(lam)) or lam.min() < 0):
        raise ValueError("offered must hold finite rates >= 0 (requests/s)")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_number("mu", mu, low=0, low_open=True)
    c = np.broadcast_to(np.asarray(n_servers), lam.shape)
    if c.size and (not np.issubdtype(c.dtype, np.integer) or c.min() < 1):
        raise ValueError(f"n_servers must be whole numbers >= 1; got {n_servers!r}")
    c = c.astype(int)
    if n_buffer is not None:
        check_number("n_buffer", n_buffer, low=0)
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
        offered=lam,
        throughput=served / t_bucket,
        backlog=backlog,
        t_wait=drain + stationary,
        dropped=dropped,
        rho=lam / (c * mu),
        n_servers=c,
        t_bucket=float(t_bucket),
    )


# ---------------------------------------------------------------------------------------------
# Producers -> queue -> consumers: delivery guarantees
# ---------------------------------------------------------------------------------------------

CRASHES = ("none", "before", "after")
"""How a delivery attempt ends: acknowledged (``"none"``), the consumer crashed *before*
processing (no effect) or *after* processing but before acknowledging (effect applied)."""


@dataclass(frozen=True)
class DeliveryAttempt:
    """One delivery of ``message`` (a dict with an ``"id"``) to a consumer.

    ``attempt``: 1 for the first delivery, 2 for the first redelivery, ...; ``t``: when it is
    delivered (s); ``crash``: one of :data:`CRASHES`. Only the last attempt of a message is
    acknowledged (``crash == "none"``); every earlier one crashed, so the broker redelivered
    the message after its visibility timeout.
    """

    message: dict
    attempt: int
    t: float
    crash: str


def payment_messages(
    n_messages: int, rng: np.random.Generator, *, accounts=("alice", "bob", "carol", "dan")
) -> list[dict]:
    """``n_messages`` payment messages ``{"id", "account", "amount"}`` (amounts in whole euros).

    Ids are unique (``"m-0"``, ``"m-1"``, ...); accounts and amounts (1-20) are drawn from
    ``rng``, so two different messages can carry the same account and amount.

    >>> payment_messages(2, np.random.default_rng(0))
    [{'id': 'm-0', 'account': 'dan', 'amount': 11}, {'id': 'm-1', 'account': 'carol', 'amount': 6}]
    """
    n = check_int("n_messages", n_messages, low=0)
    check_rng(rng)
    if len(accounts) == 0:
        raise ValueError("accounts must name at least one account")
    who = rng.integers(0, len(accounts), n)
    amount = rng.integers(1, 21, n)
    return [
        {"id": f"m-{i}", "account": accounts[int(w)], "amount": int(x)}
        for i, (w, x) in enumerate(zip(who, amount, strict=True))
    ]


def deliver_at_least_once(
    messages,
    rng: np.random.Generator,
    *,
    p_crash_after: float = 0.1,
    p_crash_before: float = 0.0,
    t_gap: float = 1.0,
    t_visibility: float = 30.0,
) -> list[DeliveryAttempt]:
    """Every delivery attempt a broker with at-least-once delivery makes, in delivery order.

    Messages are published ``t_gap`` seconds apart. Each attempt crashes after processing with
    probability ``p_crash_after``, before processing with ``p_crash_before``, and otherwise is
    acknowledged; a crashed attempt is redelivered ``t_visibility`` seconds later (the
    visibility timeout of Amazon SQS, the ack deadline of Google Pub/Sub), so redeliveries
    interleave with newer messages. Every message is eventually acknowledged once.

    >>> log = deliver_at_least_once([{"id": "a"}, {"id": "b"}], np.random.default_rng(0),
    ...                             p_crash_after=0.5, t_visibility=1.5)
    >>> [(d.message["id"], d.attempt, d.crash) for d in log]
    [('a', 1, 'after'), ('b', 1, 'none'), ('a', 2, 'none')]
    """
    check_rng(rng)
    check_probability_pair(p_crash_after, p_crash_before)
    check_number("t_gap", t_gap, low=0)
    check_number("t_visibility", t_visibility, low=0, low_open=True)
    messages = list(messages)
    for m in messages:
        if not isinstance(m, dict) or "id" not in m:
            raise ValueError(f"messages must be dicts with an 'id'; got {m!r}")
    p_fail = p_crash_after + p_crash_before
    log = []
    for i, m in enumerate(messages):
        n_fail = int(rng.geometric(1.0 - p_fail)) - 1 if p_fail > 0 else 0
        after = rng.uniform(0, p_fail, n_fail) < p_crash_after if n_fail else []
        t0 = i * t_gap
        for j in range(n_fail):
            kind = "after" if after[j] else "before"
            log.append(DeliveryAttempt(m, j + 1, t0 + j * t_visibility, kind))
        log.append(DeliveryAttempt(m, n_fail + 1, t0 + n_fail * t_visibility, "none"))
    log.sort(key=lambda d: (d.t, d.attempt))
    return log


def check_probability_pair(p_crash_after, p_crash_before) -> None:
    """Both crash probabilities in [0, 1) and their sum below 1 (else nothing is ever acked)."""
    check_number("p_crash_after", p_crash_after, low=0, high=1, high_open=True)
    check_number("p_crash_before", p_crash_before, low=0, high=1, high_open=True)
    if p_crash_after + p_crash_before >= 1:
        raise ValueError(
            "p_crash_after + p_crash_before must be < 1 (else no delivery is ever "
            f"acknowledged); got {p_crash_after + p_crash_before:g}"
        )


def run_consumer(attempts, handle, state: dict | None = None) -> dict:
    """Replay delivery ``attempts`` through ``handle(message, state)``; return ``state``.

    An attempt that crashed *before* processing never reaches ``handle``; every other attempt
    does (a crash *after* processing happens once ``handle`` has run, so the message comes
    back and ``handle`` sees it again).

    >>> log = [DeliveryAttempt({"id": "a", "account": "x", "amount": 5}, 1, 0.0, "after"),
    ...        DeliveryAttempt({"id": "a", "account": "x", "amount": 5}, 2, 30.0, "none")]
    >>> run_consumer(log, credit)["balances"]
    {'x': 10}
    >>> run_consumer(log, credit_once)["balances"]
    {'x': 5}
    """
    state = {} if state is None else state
    for d in attempts:
        if not isinstance(d, DeliveryAttempt):
            raise ValueError(f"attempts must be DeliveryAttempt objects; got {d!r}")
        if d.crash != "before":
            handle(d.message, state)
    return state


def credit(message: dict, state: dict) -> None:
    """A naive payment consumer: add ``amount`` to ``account`` every time a message arrives."""
    balances = state.setdefault("balances", {})
    balances[message["account"]] = balances.get(message["account"], 0) + message["amount"]


def credit_once(message: dict, state: dict) -> None:
    """An idempotent payment consumer: remember processed ids and skip a message seen before.

    In a real system the id is recorded in the same transaction as the balance change (or the
    change is keyed by the id, as with an upsert), so a crash cannot split the two.
    """
    seen = state.setdefault("seen", set())
    if message["id"] in seen:
        return
    credit(message, state)
    seen.add(message["id"])


def exactly_once_balances(messages) -> dict:
    """The balances if every message were processed exactly once (the goal).

    >>> exactly_once_balances([{"id": "a", "account": "x", "amount": 5}])
    {'x': 5}
    """
    state: dict = {}
    for m in messages:
        credit(m, state)
    return state.get("balances", {})


# ---------------------------------------------------------------------------------------------
# Autoscaling consumers (time-bucketed)
# ---------------------------------------------------------------------------------------------

PRICE_PER_WORKER_HOUR = 0.10
"""Illustrative cost of one consumer (a small cloud VM or container) per hour, in dollars.
On-demand prices for 2 vCPU instances were about $0.04-0.10 an hour in 2024 (AWS EC2 pricing
page, https://aws.amazon.com/ec2/pricing/on-demand/); the course uses a round figure."""


N_WORKERS_MAX = 1000
"""The most consumers :func:`simulate_consumers` accepts from a rule (a guard against typos)."""


def target_utilisation_rule(
    t_service: float,
    *,
    rho_target: float = 0.7,
    t_drain: float = 300.0,
    n_min: int = 1,
    n_max: int = 50,
):
    """An autoscaling rule: enough consumers for the arrival rate at ``rho_target`` utilisation,
    plus enough to drain the backlog within ``t_drain`` seconds, between ``n_min`` and ``n_max``.

    Returns ``rule(backlog, n_workers, arrival_rate) -> int`` (the workers wanted next), the
    signature :func:`simulate_consumers` calls each bucket. It is the shape of target tracking
    on "backlog per instance" that AWS documents for SQS consumers.

    >>> rule = target_utilisation_rule(0.2, rho_target=0.8, n_min=1, n_max=30)
    >>> rule(0, 3, 40.0), rule(6000, 10, 40.0)  # 40 msg/s x 0.2 s = 8 busy -> 10 at 80 %
    (10, 14)
    """
    check_number("t_service", t_service, low=0, low_open=True)
    check_number("rho_target", rho_target, low=0, high=1, low_open=True)
    check_number("t_drain", t_drain, low=0, low_open=True)
    n_min = check_int("n_min", n_min, low=0)
    n_max = check_int("n_max", n_max, low=max(1, n_min))

    def rule(backlog: float, n_workers: int, arrival_rate: float) -> int:
        busy = arrival_rate * t_service / rho_target
        drain = backlog * t_service / t_drain
        return int(min(n_max, max(n_min, math.ceil(busy + drain - 1e-9))))

    return rule


@dataclass(frozen=True)
class ConsumerResult:
    """Per-bucket arrays of :func:`simulate_consumers` (bucket ``i`` covers ``t[i]`` to
    ``t[i] + t_bucket`` seconds) and the totals.

    ``offered`` (messages/s arriving), ``n_workers`` (paid for: running or starting),
    ``n_active`` (running), ``backlog`` (messages waiting at the bucket's end), ``throughput``
    (messages/s processed), ``t_wait`` (mean wait of the bucket's messages, s), ``t_wait_p95``
    (approximate 95th percentile, s), ``dropped`` (messages), ``cost`` (dollars spent so far).
    ``total_cost`` (dollars), ``max_wait`` (the worst bucket's mean wait, s), ``t_wait_mean``
    (s, weighted by arrivals), ``max_backlog`` (messages).
    """

    t: np.ndarray
    offered: np.ndarray
    n_workers: np.ndarray
    n_active: np.ndarray
    backlog: np.ndarray
    throughput: np.ndarray
    t_wait: np.ndarray
    t_wait_p95: np.ndarray
    dropped: np.ndarray
    cost: np.ndarray
    t_bucket: float

    @property
    def total_cost(self) -> float:
        return float(self.cost[-1]) if self.cost.size else 0.0

    @property
    def max_wait(self) -> float:
        return float(self.t_wait.max()) if self.t_wait.size else 0.0

    @property
    def t_wait_mean(self) -> float:
        """Mean wait over the whole run, weighting each bucket by its arrivals (s)."""
        total = self.offered.sum()
        return float((self.t_wait * self.offered).sum() / total) if total > 0 else 0.0

    @property
    def max_backlog(self) -> float:
        return float(self.backlog.max()) if self.backlog.size else 0.0


def simulate_consumers(
    offered,
    t_bucket: float,
    t_service: float,
    rule,
    *,
    n_start: int = 1,
    t_boot: float = 120.0,
    price_per_worker_hour: float = PRICE_PER_WORKER_HOUR,
    n_buffer: float | None = None,
) -> ConsumerResult:
    """Consumers that an autoscaling ``rule`` adds and removes, against a workload per bucket.

    ``offered``: messages/s arriving in each bucket of ``t_bucket`` seconds; ``t_service``:
    seconds one consumer spends on one message. ``rule(backlog, n_workers, arrival_rate)``
    (or a whole number for a fixed count) is asked at the end of every bucket, with the
    backlog then, the workers paid for, and the arrival rate seen in the bucket, and returns
    the workers wanted (a whole number; below 1 counts as 1, above :data:`N_WORKERS_MAX` is an
    error). Added workers are paid from the moment they are asked for but start
    taking messages only after ``t_boot`` seconds (rounded up to whole buckets); removed
    workers stop at once. Queue dynamics follow :func:`fluid_queue`.

    >>> r = simulate_consumers([10.0] * 4, 60.0, 0.5, 6, n_start=6)
    >>> r.backlog.tolist(), round(r.total_cost, 2)
    ([0.0, 0.0, 0.0, 0.0], 0.04)
    """
    lam = np.asarray(offered, dtype=float)
    if lam.ndim != 1 or (lam.size and (not np.all(np.isfinite(lam)) or lam.min() < 0)):
        raise ValueError("offered must be a 1-d array of finite rates >= 0 (messages/s)")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_number("t_service", t_service, low=0, low_open=True)
    check_number("t_boot", t_boot, low=0)
    check_number("price_per_worker_hour", price_per_worker_hour, low=0)
    n_start = check_int("n_start", n_start, low=1)
    if n_buffer is not None:
        check_number("n_buffer", n_buffer, low=0)
    if not callable(rule):
        fixed = check_int("rule", rule, low=1)

        def rule(backlog, n_workers, arrival_rate):  # noqa: ARG001
            return fixed

    mu = 1.0 / t_service
    delay = math.ceil(t_boot / t_bucket - 1e-9)
    n = lam.size
    limit = np.inf if n_buffer is None else float(n_buffer)
    paid = np.empty(n, dtype=int)
    active = np.empty(n, dtype=int)
    backlog = np.empty(n)
    served = np.empty(n)
    dropped = np.zeros(n)
    q_before = np.empty(n)
    running = n_start
    booting: list[int] = []  # buckets left before each starting worker runs
    q = 0.0
    for i in range(n):
        booting = [b - 1 for b in booting]
        running += sum(1 for b in booting if b <= 0)
        booting = [b for b in booting if b > 0]
        c = max(running, 0)
        paid[i] = c + len(booting)
        active[i] = c
        q_before[i] = q
        out = min(q + lam[i] * t_bucket, c * mu * t_bucket)
        q = q + lam[i] * t_bucket - out
        if q > limit:
            dropped[i] = q - limit
            q = limit
        served[i] = out
        backlog[i] = q
        want = rule(q, int(paid[i]), float(lam[i]))
        if (
            isinstance(want, bool)
            or not isinstance(want, (numbers.Integral, np.integer))
            or want > N_WORKERS_MAX
        ):
            raise ValueError(
                f"the rule must return a whole number of workers up to {N_WORKERS_MAX}; "
                f"got {want!r} (at t = {i * t_bucket:g} s)"
            )
        want = max(1, int(want))
        have = running + len(booting)
        if want > have:
            booting += [delay] * (want - have)
            if delay == 0:
                running += len(booting)
                booting = []
        elif want < have:
            cut = have - want
            drop_boot = min(cut, len(booting))  # cancel starting workers first
            booting = booting[: len(booting) - drop_boot]
            running -= cut - drop_boot
    cap = np.maximum(active, 1) * mu
    some = active > 0
    drain = np.where(some, (q_before + backlog) / 2.0 / cap, np.inf)
    c_arr = np.maximum(active, 1)
    stationary = _mmc_wait_vec(lam, mu, c_arr)
    p95 = _mmc_wait_vec(lam, mu, c_arr, 0.95)
    if n_buffer is not None:
        stationary = np.minimum(stationary, limit / cap)
        p95 = np.minimum(p95, limit / cap)
    t_wait = drain + stationary
    spend = np.cumsum(paid) * t_bucket / 3600.0 * price_per_worker_hour
    return ConsumerResult(
        t=np.arange(n) * float(t_bucket),
        offered=lam,
        n_workers=paid,
        n_active=active,
        backlog=backlog,
        throughput=served / t_bucket,
        t_wait=t_wait,
        t_wait_p95=np.maximum(t_wait, np.where(some, backlog / cap, np.inf) + p95),
        dropped=dropped,
        cost=spend,
        t_bucket=float(t_bucket),
    )


def workload_rates(
    process: ArrivalProcess, t_end: float, t_bucket: float, rng: np.random.Generator
) -> np.ndarray:
    """Messages/s seen in each bucket when ``process`` runs for ``t_end`` seconds.

    Counts per bucket are Poisson with the process's mean for that bucket (drawn from ``rng``),
    divided by ``t_bucket``: the input :func:`simulate_consumers` and :func:`fluid_queue` take.

    >>> workload_rates(ArrivalProcess(lam=2.0), 30.0, 10.0, np.random.default_rng(0)).tolist()
    [2.2, 0.9, 2.1]
    """
    if not isinstance(process, ArrivalProcess):
        raise ValueError(f"process must be an ArrivalProcess; got {process!r}")
    check_number("t_end", t_end, low=0, low_open=True)
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_rng(rng)
    n = max(1, math.ceil(t_end / t_bucket - 1e-9))
    edges = np.arange(n + 1) * t_bucket
    fine = np.linspace(0.0, 1.0, 9)
    grid = edges[:-1, None] + fine[None, :] * t_bucket
    mean_rate = process.rate(grid).mean(axis=1)
    return rng.poisson(mean_rate * t_bucket) / t_bucket
