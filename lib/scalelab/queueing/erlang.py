"""Steady-state queueing theory: Erlang's formulas, the M/M/c queue and Little's law.

The picture is a post office with one line and ``c`` counters, watched long enough that its
averages settle (the *steady state*). For Poisson arrivals at ``rate`` (λ) requests/s and
exponential service at ``rate_service`` (μ) requests/s per server (the M/M/1 and M/M/c queues), :func:`mm1` and :func:`mmc`
give the classic figures: the probability of waiting (Erlang C, :func:`erlang_c`), the mean wait
in line ``t_wait`` (Wq), the mean time in the system ``t_response`` (W) and the mean numbers
waiting and present (Lq, L), as a :class:`QueueMetrics`. :func:`littles_law` solves
``L = λ W`` (``n_system = rate * t_response``) for whichever of the three is missing; it holds for any stable queue, not only
M/M/c. :func:`mmc_wait_quantile` gives wait percentiles, :func:`mmc_p_wait_longer` the chance of
waiting longer than a time, and :func:`servers_for_wait` the fewest servers that meet a
mean-wait target. :func:`erlang_b`, :func:`mmck` and :func:`mmck_drop_probability` cover queues
with a finite buffer (the blocking probability).

Simplifications: identical servers that never fail, one shared first-in first-out line, nobody
gives up waiting; every formula needs utilisation ``rho = rate / (n_servers * rate_service)`` below 1 except the
finite-buffer ones, where a full buffer keeps the queue finite. Units: seconds, requests/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalelab.validate import check_int, check_number

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
]


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
    check_number("rate", lam, low=0)
    check_number("rate_service", mu, low=0, low_open=True)
    c = check_int("n_servers", n_servers, low=1)
    return float(lam), float(mu), c


def _check_stable(lam: float, mu: float, c: int) -> float:
    rho = lam / (c * mu)
    if rho >= 1:
        raise ValueError(
            f"utilisation rho = rate / (n_servers * rate_service) must be < 1 for a steady state; "
            f"got rho = {rho:g} (rate={lam:g}, rate_service={mu:g}, n_servers={c}): the queue "
            "grows without end"
        )
    return rho


def erlang_b(n_servers: int, load: float) -> float:
    """Erlang B: the probability that all ``n_servers`` are busy with no room to wait.

    ``load`` is the offered load in Erlangs, ``rate / rate_service`` (λ/μ) (any value >= 0). Computed with the
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

    ``load`` is ``rate / rate_service`` (λ/μ) in Erlangs and must be below ``n_servers`` (utilisation < 1).

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


def mm1(rate: float, rate_service: float) -> QueueMetrics:
    """Steady state of the M/M/1 queue: Poisson arrivals (rate λ, ``rate``/s), one exponential
    server (service rate μ, ``rate_service``/s).

    Needs ``rate < rate_service``.

    >>> m = mm1(0.9, 1.0)
    >>> round(m.t_wait, 6), round(m.n_system, 6)
    (9.0, 9.0)
    """
    return mmc(rate, rate_service, 1)


def mmc(rate: float, rate_service: float, n_servers: int) -> QueueMetrics:
    """Steady state of the M/M/c queue: Poisson arrivals, ``n_servers`` exponential servers.

    ``rate``: arrival rate λ (requests/s, >= 0); ``rate_service``: service rate μ of one server
    (requests/s, > 0); needs ``rate < n_servers * rate_service``. With c = ``n_servers``,
    Wq = C(c, a) / (c μ - λ), W = Wq + 1/μ, and the means follow from Little's law
    (Lq = λ Wq, L = λ W).

    >>> m = mmc(9.0, 1.0, 10)
    >>> round(m.t_wait, 4)
    0.6687
    """
    lam, mu, c = _check_rates(rate, rate_service, n_servers)
    rho = _check_stable(lam, mu, c)
    p_wait = erlang_c(c, lam / mu) if lam > 0 else 0.0
    t_wait = p_wait / (c * mu - lam)
    t_response = t_wait + 1.0 / mu
    return QueueMetrics(rho, p_wait, t_wait, t_response, lam * t_wait, lam * t_response)


def mmck(rate: float, rate_service: float, n_servers: int, n_buffer: int) -> QueueMetrics:
    """Steady state of the M/M/c/K queue: ``n_buffer`` places to wait, newcomers beyond are dropped.

    Any ``rate >= 0`` is allowed (a full buffer keeps the queue finite). ``p_wait`` is the
    probability that an accepted request waits; means are over accepted requests (Little's law
    with the accepted rate); ``rho`` is the utilisation of each server (carried load / c). The
    chance of being dropped is :func:`mmck_drop_probability`.

    >>> m = mmck(2.0, 1.0, 1, 0)  # one server, no line: busy 2/3 of the time
    >>> round(m.rho, 4), m.t_wait
    (0.6667, 0.0)
    """
    lam, mu, c = _check_rates(rate, rate_service, n_servers)
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


def _mmck_rows(a: np.ndarray, c: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Many M/M/c/(c+k) queues alike but for their offered loads ``a`` (an array): the blocking
    probability and the mean number present of each, bit for bit what :func:`_mmck_probs` and
    :func:`mmck` give one at a time (the same recursion, rescaling and sums, a row per load).
    Done a few MB at a time."""
    a = np.asarray(a, dtype=float).reshape(-1)
    n = c + k
    blocked, n_system = np.empty(a.size), np.empty(a.size)
    step = max(1, (1 << 19) // (n + 1))
    for j in range(0, a.size, step):
        part = a[j : j + step]
        w = np.empty((n + 1, part.size))  # states x queues: each step of the recursion contiguous
        w[0] = 1.0
        for i in range(1, n + 1):
            np.multiply(w[i - 1], part, out=w[i])
            w[i] /= min(i, c)
            big = w[i] > 1e250
            if big.any():  # rescale those queues to stay finite for huge loads
                cols = np.flatnonzero(big)
                w[: i + 1, cols] /= w[i, cols]
        rows = np.ascontiguousarray(w.T)  # a queue's states contiguous: the same sums as one
        p = rows / rows.sum(axis=1, keepdims=True)
        blocked[j : j + step] = p[:, -1]
        n_system[j : j + step] = np.sum(np.arange(n + 1) * p, axis=1)
    return blocked, n_system


def mmck_drop_probability(rate: float, rate_service: float, n_servers: int, n_buffer: int) -> float:
    """Probability that an arrival finds ``n_servers`` busy and ``n_buffer`` waiting (dropped).

    >>> round(mmck_drop_probability(2.0, 1.0, 1, 0), 4)
    0.6667
    """
    lam, mu, c = _check_rates(rate, rate_service, n_servers)
    k = check_int("n_buffer", n_buffer, low=0)
    return float(_mmck_probs(lam / mu, c, k)[-1])


def mmc_p_wait_longer(rate: float, rate_service: float, n_servers: int, t: float) -> float:
    """P(wait in line > ``t`` seconds) in an M/M/c queue: ``C * exp(-(c μ - λ) t)``.

    >>> round(mmc_p_wait_longer(0.9, 1.0, 1, 0.0), 3)
    0.9
    """
    lam, mu, c = _check_rates(rate, rate_service, n_servers)
    _check_stable(lam, mu, c)
    check_number("t", t, low=0)
    p = erlang_c(c, lam / mu) if lam > 0 else 0.0
    return p * math.exp(-(c * mu - lam) * t)


def mmc_wait_quantile(rate: float, rate_service: float, n_servers: int, q: float) -> float:
    """The ``q``-quantile of the wait in line (s) in an M/M/c queue (``q`` in [0, 1)).

    Zero when the chance of waiting at all is below ``1 - q`` (most arrivals find a free server).

    >>> round(mmc_wait_quantile(0.9, 1.0, 1, 0.99), 2)  # p99 wait, M/M/1 at 90 %
    45.0
    """
    lam, mu, c = _check_rates(rate, rate_service, n_servers)
    _check_stable(lam, mu, c)
    check_number("q", q, low=0, high=1, high_open=True)
    p = erlang_c(c, lam / mu) if lam > 0 else 0.0
    if p <= 1.0 - q:
        return 0.0
    return math.log(p / (1.0 - q)) / (c * mu - lam)


def servers_for_wait(
    rate: float, rate_service: float, t_wait: float, *, n_max: int = 100_000
) -> int:
    """The fewest servers (consumers) whose M/M/c mean wait in line is at most ``t_wait`` seconds.

    Starts from the smallest stable count, ``floor(rate / rate_service) + 1``, and adds one at a
    time.

    >>> servers_for_wait(3.5, 1.0, 0.5)
    5
    """
    lam, mu, _ = _check_rates(rate, rate_service, 1)
    check_number("t_wait", t_wait, low=0)
    c = max(1, math.floor(lam / mu) + 1)
    while c <= n_max:
        if lam == 0 or mmc(lam, mu, c).t_wait <= t_wait:
            return c
        c += 1
    raise ValueError(f"n_max must be larger: no server count up to {n_max} meets t_wait={t_wait}")


def littles_law(
    *,
    rate: float | None = None,
    n_system: float | None = None,
    t_response: float | None = None,
):
    """Little's law ``L = λ W`` (``n_system = rate * t_response``): give two of the three, get
    the third.

    ``rate``: throughput λ (requests/s); ``n_system``: mean number in the system L (or in the
    line); ``t_response``: mean time in the system W (or in the line), seconds. Holds for any
    stable system. The names match :class:`QueueMetrics`' fields.

    >>> littles_law(rate=100.0, t_response=0.25)   # 100 req/s spending 0.25 s each: 25 present
    25.0
    >>> littles_law(n_system=25.0, rate=100.0)
    0.25
    """
    given = {
        k: v
        for k, v in {"rate": rate, "n_system": n_system, "t_response": t_response}.items()
        if v is not None
    }
    if len(given) != 2:
        raise ValueError(
            f"give exactly two of rate, n_system, t_response; got {sorted(given) or 'none'}"
        )
    for name, value in given.items():
        check_number(name, value, low=0)
    if n_system is None:
        return float(rate * t_response)
    if t_response is None:
        check_number("rate", rate, low=0, low_open=True)
        return float(n_system / rate)
    check_number("t_response", t_response, low=0, low_open=True)
    return float(n_system / t_response)
