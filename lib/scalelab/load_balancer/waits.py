"""Formulas the simulation is checked against: the mean wait in line (Wq, seconds) per policy.

With Poisson arrivals at ``rate`` (λ) requests/s split over ``n_servers`` (c) servers of service
rate ``rate_service`` (μ): :func:`wait_random_split` (each server an M/M/1 queue at
``rate / n_servers``), :func:`wait_round_robin` (each server sees every ``n_servers``-th
arrival: an E_c/M/1 queue, a G/M/1 case that
:mod:`scalelab.queueing` does not cover), :func:`wait_shared_queue` (one line for all servers,
M/M/c: the best any balancer can do) and :func:`wait_power_of_two_limit` (the many-server limit
of "power of two choices", Mitzenmacher 2001).
"""

from __future__ import annotations

from scalelab.queueing import mm1, mmc
from scalelab.validate import check_int, check_number

__all__ = [
    "wait_random_split",
    "wait_round_robin",
    "wait_shared_queue",
    "wait_power_of_two_limit",
]


def _check_load(lam: float, mu: float, c: int) -> float:
    check_number("rate", lam, low=0)
    check_number("rate_service", mu, low=0, low_open=True)
    check_int("n_servers", c, low=1)
    rho = lam / (c * mu)
    if rho >= 1:
        raise ValueError(
            f"rate / (n_servers * rate_service) must be < 1 for a steady state; got {rho:g}"
        )
    return rho


def wait_random_split(rate: float, rate_service: float, n_servers: int) -> float:
    """Mean wait (s) when each request goes to one of ``n_servers`` servers at random.

    Each server then sees a Poisson stream of rate ``rate / n_servers``: an M/M/1 queue
    (:func:`scalelab.queueing.mm1`).

    >>> round(wait_random_split(3.5, 1.0, 4), 12)
    7.0
    """
    lam, mu, c = rate, rate_service, n_servers
    _check_load(lam, mu, c)
    return mm1(lam / c, mu).t_wait


def wait_round_robin(rate: float, rate_service: float, n_servers: int) -> float:
    """Mean wait (s) under round robin: each server is an E_c/M/1 queue.

    With c = ``n_servers``, λ = ``rate`` and μ = ``rate_service``: every c-th arrival of a
    Poisson stream of rate λ goes to one server, so its gaps are Erlang-c distributed, far more
    regular than Poisson. For a G/M/1 queue the wait is ``Wq = sigma / (μ (1 - sigma))`` with
    ``sigma`` the root in (0, 1) of ``sigma = (λ / (λ + μ (1 - sigma)))**c`` (Kleinrock 1975,
    chapter 6).

    >>> round(wait_round_robin(3.5, 1.0, 4), 3)
    4.135
    """
    lam, mu, c = rate, rate_service, n_servers
    _check_load(lam, mu, c)
    if lam == 0:
        return 0.0
    sigma = lam / (c * mu)  # the Poisson (c = 1) root; iterate to the fixed point
    for _ in range(10_000):
        new = (lam / (lam + mu * (1.0 - sigma))) ** c
        if abs(new - sigma) < 1e-15:
            break
        sigma = new
    return sigma / (mu * (1.0 - sigma))


def wait_shared_queue(rate: float, rate_service: float, n_servers: int) -> float:
    """Mean wait (s) if all ``n_servers`` (c) shared one queue: M/M/c, Wq = C(c, a) / (c μ - λ).

    No balancer that must commit each request to one server can beat it. This is
    :func:`scalelab.queueing.mmc` (Erlang C).

    >>> round(wait_shared_queue(3.5, 1.0, 4), 3)
    1.476
    """
    lam, mu, c = rate, rate_service, n_servers
    _check_load(lam, mu, c)
    return mmc(lam, mu, c).t_wait


def wait_power_of_two_limit(rate: float, rate_service: float, n_servers: int) -> float:
    """Mean wait (s) of power-of-two-choices in the limit of very many servers (mean field).

    Mitzenmacher (2001): with ``rho = rate / (n_servers * rate_service)`` the mean time in the
    system is ``sum_{i>=1} rho**(2**i - 2) / μ``; the wait is that minus the service time
    ``1/μ``. It is
    a lower bound for a small pool (with 4 servers, two random picks often land on busy ones).

    >>> round(wait_power_of_two_limit(3.5, 1.0, 4), 3)
    1.387
    """
    lam, mu, c = rate, rate_service, n_servers
    rho = _check_load(lam, mu, c)
    total, i = 0.0, 2
    while True:
        term = rho ** (2**i - 2)
        total += term
        if term < 1e-15 or i > 60:
            break
        i += 1
    return total / mu
