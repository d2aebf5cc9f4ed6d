"""Analytic approximations of hit ratios for independent requests.

Under the independent reference model (each request picks an object with fixed probabilities),
hit ratios follow from the popularity alone: Che's approximation for LRU
(:func:`che_characteristic_time`, :func:`che_hit_ratio`), the characteristic-time approximation
for FIFO (:func:`fifo_hit_ratio_approx`) and the ideal top-``C`` hit ratio a perfect LFU
approaches (:func:`ideal_hit_ratio`). ``popularity`` is an array of request probabilities that
sums to 1; capacities count objects.
"""

from __future__ import annotations

import math

import numpy as np

from scalelab.validate import check_array, check_int, check_number

__all__ = [
    "che_characteristic_time",
    "che_hit_ratio",
    "fifo_hit_ratio_approx",
    "ideal_hit_ratio",
]


def _check_popularity(popularity) -> np.ndarray:
    q = check_array("popularity", popularity, low=0, unit="probabilities")
    total = q.sum()
    if not math.isclose(total, 1.0, rel_tol=1e-6):
        raise ValueError(f"popularity must sum to 1; got {total:g}")
    return q


def _solve_time(q: np.ndarray, n_capacity: float, occupancy, slope) -> float:
    """The T > 0 at which ``sum(occupancy(q * T)) == n_capacity``.

    ``occupancy`` is increasing and concave with derivative ``slope``, so Newton's method from
    T = 0 climbs to the root from below without overshooting.
    """
    big_t = 0.0
    for _ in range(500):
        x = q * big_t
        step = (n_capacity - occupancy(x).sum()) / np.dot(q, slope(x))
        big_t += step
        if step <= 1e-14 * big_t:
            break
    return float(big_t)


def che_characteristic_time(popularity, n_capacity: float) -> float:
    """Che's characteristic time ``T`` (in requests) of an LRU cache of ``n_capacity`` objects.

    Under independent requests an object stays in the LRU cache while fewer than ``T`` requests
    have passed since its last request, where ``sum_k (1 - exp(-q_k T)) = n_capacity``
    (Che, Tung and Wang, 2002). ``inf`` if everything fits.

    >>> round(che_characteristic_time([0.5, 0.5], 1), 3)
    1.386
    """
    q = _check_popularity(popularity)
    n_pos = int(np.count_nonzero(q))
    c = check_number("n_capacity", n_capacity, low=0, low_open=True)
    if c >= n_pos:
        return math.inf
    return _solve_time(q[q > 0], c, lambda x: -np.expm1(-x), lambda x: np.exp(-x))


def che_hit_ratio(popularity, n_capacity: float) -> float:
    """Che's approximation of LRU's hit ratio: ``sum_k q_k (1 - exp(-q_k T))``.

    ``popularity`` holds request probabilities (sum 1), ``n_capacity`` is in objects.

    >>> from scalelab.cache import zipf_popularity
    >>> round(che_hit_ratio(zipf_popularity(100_000, 0.8), 1_000), 3)
    0.204
    """
    q = _check_popularity(popularity)
    big_t = che_characteristic_time(q, n_capacity)
    if math.isinf(big_t):
        return 1.0
    return float(np.sum(q * -np.expm1(-q * big_t)))


def fifo_hit_ratio_approx(popularity, n_capacity: float) -> float:
    """The characteristic-time approximation of FIFO's (and RANDOM's) hit ratio.

    Object ``k`` is cached with probability ``q_k T / (1 + q_k T)``, with ``T`` such that these
    sum to ``n_capacity`` (Gelenbe 1973; Martina, Garetto and Leonardi, 2014).

    >>> from scalelab.cache import zipf_popularity
    >>> round(fifo_hit_ratio_approx(zipf_popularity(100_000, 0.8), 1_000), 3)
    0.179
    """
    q = _check_popularity(popularity)
    c = check_number("n_capacity", n_capacity, low=0, low_open=True)
    qp = q[q > 0]
    if c >= qp.size:
        return 1.0
    big_t = _solve_time(qp, c, lambda x: x / (1.0 + x), lambda x: 1.0 / (1.0 + x) ** 2)
    return float(np.sum(qp * (qp * big_t) / (1.0 + qp * big_t)))


def ideal_hit_ratio(popularity, n_capacity: int) -> float:
    """The hit ratio of a cache that always holds the ``n_capacity`` most popular objects.

    Under independent requests no policy that does not know the future beats it for long;
    a perfect LFU (``keep_counts=True``) approaches it.

    >>> ideal_hit_ratio([0.5, 0.3, 0.2], 2)
    0.8
    """
    q = _check_popularity(popularity)
    c = check_int("n_capacity", n_capacity, low=0)
    return float(np.sort(q)[::-1][:c].sum())
