"""Back-of-the-envelope estimates: from a product description to requests per second.

Before anyone buys a server, someone estimates: how many people use the product each day, how
often each one sends a request, how much sharper the busiest hour is than the average. These
helpers turn those guesses into rates. They are deliberately simple (a day is 86,400 seconds,
traffic follows one smooth daily wave); the capstone chapter adds storage, bandwidth and the
latency figures every engineer should know.

>>> round(average_qps(10_000_000, 10), 1)
1157.4
"""

from __future__ import annotations

import numpy as np

from scalelab.validate import check_number

__all__ = ["SECONDS_PER_DAY", "average_qps", "peak_qps", "diurnal_rate"]

SECONDS_PER_DAY = 86_400
"""Seconds in a day (24 × 60 × 60)."""


def average_qps(daily_users: float, requests_per_user: float) -> float:
    """Average request rate (requests/s) of ``daily_users`` each sending ``requests_per_user`` a day.

    >>> average_qps(86_400, 1)
    1.0
    """
    check_number("daily_users", daily_users, low=0)
    check_number("requests_per_user", requests_per_user, low=0)
    return daily_users * requests_per_user / SECONDS_PER_DAY


def peak_qps(average: float, peak_factor: float = 2.0) -> float:
    """Peak request rate (requests/s): the average times ``peak_factor`` (1 to 10; 2 is common).

    >>> peak_qps(1000.0)
    2000.0
    """
    check_number("average", average, low=0)
    check_number("peak_factor", peak_factor, low=1, high=10)
    return average * peak_factor


def diurnal_rate(t_hours, mean_rate: float, peak_factor: float = 2.0, peak_hour: float = 20.0):
    """Request rate (requests/s) at clock times ``t_hours`` (0-24) for one smooth daily wave.

    The wave is a cosine around ``mean_rate`` that reaches ``mean_rate * peak_factor`` at
    ``peak_hour`` and its minimum twelve hours later; ``peak_factor`` must be in [1, 2] so the
    rate never goes negative. The mean over a whole day is exactly ``mean_rate``.

    >>> float(diurnal_rate(20.0, 100.0, 1.5))
    150.0
    """
    check_number("mean_rate", mean_rate, low=0)
    check_number("peak_factor", peak_factor, low=1, high=2)
    check_number("peak_hour", peak_hour, low=0, high=24)
    t = np.asarray(t_hours, dtype=float)
    return mean_rate * (1.0 + (peak_factor - 1.0) * np.cos(2 * np.pi * (t - peak_hour) / 24.0))
