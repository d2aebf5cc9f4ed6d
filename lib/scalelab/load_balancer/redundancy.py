"""Availability of n redundant servers, and random failure schedules to check it.

:func:`availability` is the probability that at least ``n_needed`` of ``n_servers`` independent
servers are up, each up with probability ``p_up``. :func:`failure_schedule` draws random
:class:`~scalelab.load_balancer.Outage` s (exponential times between failures and to repair) and
:func:`fraction_time_up` measures the share of time enough servers are up, to check the formula.
Times in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from scalelab.load_balancer.pool import Outage
from scalelab.validate import check_int, check_number, check_probability, check_rng

__all__ = [
    "availability",
    "failure_schedule",
    "fraction_time_up",
]


def availability(n_servers: int, p_up: float, n_needed: int = 1) -> float:
    """Probability that at least ``n_needed`` of ``n_servers`` are up, each independently up with
    probability ``p_up``. With ``n_needed = 1`` it is ``1 - (1 - p_up) ** n_servers``.

    >>> availability(2, 0.99)
    0.9999
    >>> round(availability(3, 0.9, n_needed=2), 3)
    0.972
    """
    n = check_int("n_servers", n_servers, low=1)
    check_probability("p_up", p_up)
    k = check_int("n_needed", n_needed, low=0, high=n)
    return float(sum(math.comb(n, i) * p_up**i * (1 - p_up) ** (n - i) for i in range(k, n + 1)))


def failure_schedule(
    n_servers: int, t_mttf: float, t_mttr: float, t_end: float, *, rng: np.random.Generator
) -> tuple[Outage, ...]:
    """Random outages: each server alternates up (mean ``t_mttf`` s) and down (mean ``t_mttr`` s).

    Up and down times are exponential, and each server starts up with its long-run probability
    ``p_up = t_mttf / (t_mttf + t_mttr)``, so the schedule is stationary from ``t = 0``.

    >>> outs = failure_schedule(2, 100.0, 10.0, 500.0, rng=np.random.default_rng(0))
    >>> all(0 <= o.t_down < 500.0 for o in outs)
    True
    """
    n = check_int("n_servers", n_servers, low=1)
    check_number("t_mttf", t_mttf, low=0, low_open=True)
    check_number("t_mttr", t_mttr, low=0, low_open=True)
    check_number("t_end", t_end, low=0, low_open=True)
    check_rng(rng)
    p_up = t_mttf / (t_mttf + t_mttr)
    out = []
    for j in range(n):
        t = 0.0
        is_up = rng.random() < p_up
        while t < t_end:
            if is_up:
                t += rng.exponential(t_mttf)
                is_up = False
            else:
                t_up = t + rng.exponential(t_mttr)
                out.append(Outage(j, t, t_up))
                t, is_up = t_up, True
    return tuple(out)


def fraction_time_up(
    outages: Sequence[Outage], n_servers: int, t_end: float, n_needed: int = 1
) -> float:
    """Share of ``[0, t_end]`` during which at least ``n_needed`` servers are up.

    >>> fraction_time_up([Outage(0, 0.0, 5.0), Outage(1, 2.0, 4.0)], 2, 10.0)
    0.8
    """
    n = check_int("n_servers", n_servers, low=1)
    check_number("t_end", t_end, low=0, low_open=True)
    k = check_int("n_needed", n_needed, low=0, high=n)
    deltas = []
    for o in outages:
        a, b = min(o.t_down, t_end), min(o.t_up, t_end)
        if b > a:
            deltas += [(a, -1), (b, +1)]
    deltas.sort()
    t_prev, n_up, good = 0.0, n, 0.0
    for t, d in deltas:
        if n_up >= k:
            good += t - t_prev
        n_up += d
        t_prev = t
    if n_up >= k:
        good += t_end - t_prev
    return good / t_end
