"""The time-bucketed cache tier (for the capstone).

:func:`cache_tier_buckets` takes a request rate per bucket and returns hit ratio, database load
and mean latency per bucket (a :class:`TierBuckets`; the contract of :mod:`scalelab.buckets`)
for a :class:`CacheTier` of cache nodes in
front of a database, with nodes that fail and come back empty (cold) and warm up again, by Che's
approximation. The database is a single queue whose latency grows with its utilisation; reads
beyond its capacity fail. Rates in requests/s, times in seconds.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np

from scalelab.buckets import Buckets, bucket_times
from scalelab.cache.analytic import _check_popularity, che_characteristic_time
from scalelab.cache.cache_aside import T_CACHE_HIT, T_DB_READ
from scalelab.validate import check_array, check_number, check_type, param, validate_fields

__all__ = [
    "CacheTier",
    "TierBuckets",
    "cache_tier_buckets",
]


@dataclass(frozen=True)
class CacheTier:
    """A cache tier in front of a database.

    ``n_nodes`` cache nodes share ``n_capacity`` objects evenly; a hit takes ``t_cache`` s, a
    miss adds ``t_db`` s at an idle database, which serves at most ``rate_db_max`` reads/s.
    """

    n_nodes: int = param(4, kind="int", low=1, high=10_000, doc="cache nodes")
    n_capacity: int = param(
        10_000, kind="int", low=1, doc="objects the tier holds, shared evenly by the nodes"
    )
    t_cache: float = param(T_CACHE_HIT, low=0, doc="time of a cache hit", unit="s")
    t_db: float = param(T_DB_READ, low=0, doc="time a miss adds at an idle database", unit="s")
    rate_db_max: float = param(
        5_000.0, low=0, low_open=True, doc="reads/s the database serves at most", unit="reads/s"
    )

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True, eq=False)
class TierBuckets(Buckets):
    """Per-bucket results of :func:`cache_tier_buckets` (arrays, one entry per bucket, besides
    ``t`` and ``t_bucket``).

    ``hit_ratio``; ``rate_db``: reads/s offered to the database; ``rate_failed``: reads/s the
    overloaded database could not serve; ``t_mean``: mean latency of the served reads (s);
    ``rho``: the database's utilisation, its busy share (capped at 1).
    """

    hit_ratio: np.ndarray
    rate_db: np.ndarray
    rate_failed: np.ndarray
    t_mean: np.ndarray
    rho: np.ndarray


def cache_tier_buckets(
    rate,
    t_bucket: float,
    tier: CacheTier,
    *,
    popularity,
    nodes_down=None,
) -> TierBuckets:
    """Hit ratio, database load and latency per time bucket of a cache-aside tier.

    ``rate``: offered reads/s in each bucket of ``t_bucket`` seconds, through ``tier``;
    ``popularity``: request probabilities of the objects (independent requests); ``nodes_down``:
    cache nodes down in each bucket (default none). A node that was down comes back **empty**: it holds object ``k`` with
    probability ``1 - exp(-q_k min(M, T))`` after ``M`` system requests since its restart, where
    ``T`` is Che's characteristic time of the whole tier (a warm node: ``M >= T``). The database
    is a single queue: latency ``t_db / (1 - u)`` at utilisation ``u``, capped at 0.99; reads
    beyond ``rate_db_max`` fail.

    >>> from scalelab.cache import zipf_popularity
    >>> tier = CacheTier(n_nodes=2, n_capacity=1_000, rate_db_max=2_000)
    >>> q = zipf_popularity(10_000, 0.9)
    >>> out = cache_tier_buckets([4_000] * 4, 0.5, tier, popularity=q, nodes_down=[0, 1, 0, 0])
    >>> [round(float(h), 2) for h in out.hit_ratio]  # down, then cold, then warm again
    [0.56, 0.28, 0.52, 0.56]
    >>> [round(float(r)) for r in out.rate_failed]
    [0, 887, 0, 0]
    """
    r = check_array("rate", rate, low=0, unit="requests/s")
    dt = check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_type("tier", tier, CacheTier)
    q = _check_popularity(popularity)
    if nodes_down is None:
        down = np.zeros(r.size, dtype=int)
    else:
        down = np.asarray(nodes_down)
        if down.shape != r.shape or np.any(down < 0) or np.any(down > tier.n_nodes):
            raise ValueError(f"nodes_down must give 0..{tier.n_nodes} nodes down for each bucket")
        down = down.astype(int)
    t_warm, grid, warm = _warm_up(q, tier.n_capacity)
    n = tier.n_nodes
    hit = _tier_hits(r * dt, r * dt / 2, down, n, t_warm, grid, warm)
    rate_db = r * (1.0 - hit)
    served = np.minimum(rate_db, tier.rate_db_max)
    failed = rate_db - served
    util = np.minimum(served / tier.rate_db_max, 0.99)
    t_miss = tier.t_db / (1.0 - util)
    total = r - failed
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = np.where(
            total > 0,
            (r * hit * tier.t_cache + (served) * (tier.t_cache + t_miss))
            / np.maximum(total, 1e-300),
            tier.t_cache,
        )
    return TierBuckets(
        hit,
        rate_db,
        failed,
        t_mean,
        served / tier.rate_db_max,
        t=bucket_times(r.size, dt),
        t_bucket=float(dt),
    )


def _warm_up(q: np.ndarray, n_capacity: int):
    """``(t_warm, grid, warm)``: Che's characteristic time of ``n_capacity`` objects under
    popularity ``q`` (requests; a large finite stand-in when everything fits) and the warm-up
    curve ``H(M) = sum_k q_k (1 - exp(-q_k M))`` (hit ratio after ``M`` requests into an empty
    cache) on a grid of ``M`` up to it, which :func:`_tier_hits` interpolates.

    Remembered for the last :data:`_WARM_MEMO_SIZE` popularities and capacities (keyed by the
    popularity's bytes): over the capstone's 200,000 listings the two take about 120 ms and an
    explorer asks for the same ones on every move. The arrays handed out are read-only.
    """
    return _warm_up_cached(np.ascontiguousarray(q, dtype=float).tobytes(), int(n_capacity))


_WARM_MEMO_SIZE = 8
"""How many warm-up curves :func:`_warm_up` keeps (each holds a popularity's bytes as its key:
1.6 MB for 200,000 objects)."""


@functools.lru_cache(maxsize=_WARM_MEMO_SIZE)
def _warm_up_cached(q_bytes: bytes, n_capacity: int):
    q = np.frombuffer(q_bytes)
    big_t = che_characteristic_time(q, n_capacity)
    t_warm = big_t if math.isfinite(big_t) else 1e3 / q[q > 0].min()
    grid = np.concatenate([[0.0], np.geomspace(1e-3 * t_warm, t_warm, 80)])
    warm = np.array([np.sum(q * -np.expm1(-q * m)) for m in grid])
    grid.flags.writeable = False
    warm.flags.writeable = False
    return t_warm, grid, warm


def _tier_hits(inc, half, down, n, t_warm, grid, warm) -> np.ndarray:
    """Per bucket, the tier's hit ratio: each node's warm-up at mid-bucket, averaged over the
    ``n`` nodes (a node down answers nothing). ``inc``/``half``: system requests in a bucket and
    in half of one; ``down``: nodes down per bucket (the first ones).

    The same numbers as the bucket-by-bucket loop it replaces::

        since = np.full(n, np.inf)  # system requests since each node restarted (inf: warm)
        for b in range(inc.size):
            since[: down[b]] = 0.0  # a node down now is empty later
            mid = since[down[b] :] + half[b]
            h_nodes = np.interp(np.minimum(mid, t_warm), grid, warm)
            hit[b] = h_nodes.sum() / n if n - down[b] else 0.0
            since[down[b] :] += inc[b]
    """
    n_b = inc.size
    h = np.empty((n_b, n))
    for k in range(n):  # each node's requests since its restart, before each bucket
        since = np.full(n_b, np.inf)
        resets = np.flatnonzero(down > k)
        since[resets] = 0.0
        for b0, b1 in zip(resets.tolist(), [*resets[1:].tolist(), n_b][: resets.size], strict=True):
            if b1 > b0 + 1:  # up from b0 + 1 to b1: a running sum from 0, as the loop adds
                since[b0 + 1] = 0.0
                since[b0 + 2 : b1] = np.cumsum(inc[b0 + 1 : b1 - 1])
        h[:, k] = np.interp(np.minimum(since + half, t_warm), grid, warm)
    hit = h.sum(axis=1) / n  # no node down: every node counts
    for b in np.flatnonzero(down > 0).tolist():
        hit[b] = h[b, down[b] :].sum() / n if n - down[b] else 0.0
    return hit


def _simulate_cache_tier(rate, t_bucket: float, tier: CacheTier, popularity, *, nodes_down=None):
    """``simulate_cache_tier``, the name and signature before the capstone contract (notebooks
    of an older release import it): deprecated, returns :func:`cache_tier_buckets`' result."""
    warnings.warn(
        "simulate_cache_tier is deprecated; use cache_tier_buckets(rate, t_bucket, tier, "
        "popularity=..., nodes_down=...)",
        DeprecationWarning,
        stacklevel=2,
    )
    return cache_tier_buckets(rate, t_bucket, tier, popularity=popularity, nodes_down=nodes_down)
