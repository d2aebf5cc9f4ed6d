"""Caching, in numbers: hit ratios, lookup times and load on the authoritative servers.

:func:`hit_ratio` is ``λT / (1 + λT)``, the hit ratio of one name queried as a Poisson
stream at ``rate`` (λ) queries/s through one cache with TTL ``T`` seconds (Jung, Berger and
Balakrishnan 2003); :func:`mean_lookup_time` the expected lookup time. A :class:`QueryStream`
spreads Poisson queries over names with Zipf popularity (:func:`zipf_popularity`) and over
resolvers, each with its own cache; :func:`simulate_cache` measures hit ratio, queries reaching
the authoritative servers and mean lookup time (a :class:`CacheStats`) and
:func:`expected_cache_stats` gives the same from the formula; :func:`sample_queries` and
:func:`count_misses` are the simulation's two halves. :func:`resolver_buckets` is the
time-bucketed form for the capstone (the contract of :mod:`scalelab.buckets`: lookups/s per bucket
and a :class:`ResolverCache` in, a :class:`CacheBuckets` of per-bucket arrays out), using the
steady-state formula in each bucket. Rates in queries/s, times in seconds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from scalelab.buckets import Buckets, bucket_times
from scalelab.dns.resolution import T_AUTH, T_CLIENT
from scalelab.validate import (
    check_array,
    check_int,
    check_number,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "hit_ratio",
    "mean_lookup_time",
    "zipf_popularity",
    "QueryStream",
    "CacheStats",
    "sample_queries",
    "count_misses",
    "simulate_cache",
    "expected_cache_stats",
    "ResolverCache",
    "CacheBuckets",
    "resolver_buckets",
]


def hit_ratio(rate, t_ttl):
    """Hit ratio of one name queried at ``rate`` queries/s (Poisson) through a TTL-``t_ttl`` cache.

    A miss fetches the record and starts a TTL period of ``t_ttl`` s in which, on average,
    ``rate * t_ttl`` more queries arrive and hit; then the next query misses again after an
    average ``1/rate`` s. So with rate λ, ``h = λT / (1 + λT)`` (renewal argument; Jung, Berger and
    Balakrishnan, INFOCOM 2003). Works elementwise on arrays.

    >>> hit_ratio(1.0, 9.0)
    0.9
    """
    lam_a = check_array("rate", rate, ndim=None, low=0, nonempty=False, unit="queries/s")
    t_a = check_array("t_ttl", t_ttl, ndim=None, low=0, nonempty=False, unit="times (s)")
    x = lam_a * t_a
    out = x / (1.0 + x)
    return float(out) if out.ndim == 0 else out


def mean_lookup_time(p_hit, t_hit: float, t_miss: float):
    """Expected lookup time (s): ``p_hit * t_hit + (1 - p_hit) * t_miss``.

    >>> round(mean_lookup_time(0.9, 0.01, 0.11), 4)
    0.02
    """
    p = check_array("p_hit", p_hit, ndim=None, low=0, high=1, nonempty=False, unit="shares")
    check_number("t_hit", t_hit, low=0)
    check_number("t_miss", t_miss, low=0)
    out = p * t_hit + (1.0 - p) * t_miss
    return float(out) if out.ndim == 0 else out


def zipf_popularity(n_names: int, s: float = 1.0) -> np.ndarray:
    """Probabilities of ``n_names`` names under Zipf's law: name k has weight ``1/k**s``.

    >>> zipf_popularity(3, 1.0).round(3).tolist()
    [0.545, 0.273, 0.182]
    """
    n = check_int("n_names", n_names, low=1)
    check_number("zipf_s", s, low=0, high=5)
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


@dataclass(frozen=True)
class QueryStream:
    """Lookups arriving as a Poisson stream.

    ``rate_queries``: all lookups per second, over all names and resolvers; ``n_names`` names
    with Zipf(``zipf_s``) popularity; ``n_resolvers`` resolvers sharing the load evenly, each
    with its own cache (an ISP's users share one resolver; different ISPs do not).
    """

    rate_queries: float = param(
        low=0, doc="lookups/s over all names and resolvers", unit="queries/s"
    )
    n_names: int = param(1, kind="int", low=1, doc="names looked up")
    zipf_s: float = param(1.0, low=0, high=5, doc="Zipf skew of names' popularity")
    n_resolvers: int = param(
        1, kind="int", low=1, doc="resolvers sharing the load, each with its own cache"
    )

    def __post_init__(self):
        validate_fields(self)

    def rates(self) -> np.ndarray:
        """Queries/s for each (resolver, name) pair, shape ``(n_resolvers, n_names)``."""
        p = zipf_popularity(self.n_names, self.zipf_s)
        return np.tile(self.rate_queries * p / self.n_resolvers, (self.n_resolvers, 1))


@dataclass(frozen=True)
class CacheStats:
    """Resolver-cache outcome over ``t_duration`` seconds (counts; expected values if computed
    from the formula). ``rate_upstream`` is the load on the authoritative servers (queries/s)."""

    n_queries: float
    n_hits: float
    hit_ratio: float
    n_upstream: float
    rate_upstream: float
    t_mean_lookup: float
    t_duration: float


def sample_queries(stream: QueryStream, t_duration: float, *, rng: np.random.Generator):
    """Sample the stream for ``t_duration`` s: sorted arrival times (s) and, for each, the
    resolver and the name (indices), as three arrays.

    >>> t, r, n = sample_queries(QueryStream(10.0, n_names=3), 100.0, rng=np.random.default_rng(1))
    >>> len(t) > 900, bool(np.all(np.diff(t) >= 0)), int(r.max()), int(n.max()) <= 2
    (True, True, 0, True)
    """
    check_type("stream", stream, QueryStream)
    check_number("t_duration", t_duration, low=0, low_open=True)
    check_rng(rng)
    n = int(rng.poisson(stream.rate_queries * t_duration))
    # Sorted uniforms without a sort: normalised partial sums of n + 1 exponentials.
    gaps = np.cumsum(rng.exponential(1.0, n + 1))
    times = t_duration * gaps[:-1] / gaps[-1]
    resolvers = rng.integers(0, stream.n_resolvers, n)
    names = rng.choice(stream.n_names, size=n, p=zipf_popularity(stream.n_names, stream.zipf_s))
    return times, resolvers, names


def count_misses(times, keys, t_ttl: float) -> np.ndarray:
    """Boolean array: which queries miss a TTL-``t_ttl`` cache (one cache entry per key).

    ``times`` (s, any order) and integer ``keys`` (which cache entry a query reads). A query
    misses if its key has no entry or the entry has expired (``t >= fetched + t_ttl``); a miss
    refetches. Vectorised: all "next miss" pointers come from one ``searchsorted``; only the walk
    along the misses is a Python loop.
    """
    times = np.asarray(times, dtype=float)
    keys = np.asarray(keys, dtype=np.int64)
    n = len(times)
    miss = np.zeros(n, dtype=bool)
    if n == 0:
        return miss
    if t_ttl == 0:
        miss[:] = True  # nothing is ever cached
        return miss
    span = float(times.max() - times.min()) + t_ttl + 1.0
    if n > 1 and np.all(times[1:] >= times[:-1]):
        order = np.argsort(keys, kind="stable")  # already in time order within each key
    else:
        order = np.lexsort((times, keys))
    key_sorted = keys[order] * span + (times[order] - times.min())
    nxt = np.searchsorted(key_sorted, key_sorted + t_ttl, side="left")
    miss_idx = []
    i = 0
    while i < n:
        miss_idx.append(i)
        j = nxt.item(i)
        i = j if j > i else i + 1
    miss[order[miss_idx]] = True
    return miss


def simulate_cache(
    stream: QueryStream,
    t_ttl: float,
    t_duration: float,
    *,
    t_hit: float = T_CLIENT,
    t_miss: float = T_CLIENT + T_AUTH,
    rng: np.random.Generator,
) -> CacheStats:
    """Simulate resolver caches under ``stream`` for ``t_duration`` s with TTL ``t_ttl`` s.

    Each resolver caches each name; the caches start empty. ``t_hit``/``t_miss``: lookup time (s)
    of a hit and of a miss (default: the stub leg, plus the authoritative round trip for a miss,
    as when the TLD delegation is already cached).

    >>> s = simulate_cache(QueryStream(1.0), 9.0, 20_000.0, rng=np.random.default_rng(7))
    >>> abs(s.hit_ratio - 0.9) < 0.01
    True
    """
    check_number("t_ttl", t_ttl, low=0)
    check_number("t_hit", t_hit, low=0)
    check_number("t_miss", t_miss, low=0)
    times, resolvers, names = sample_queries(stream, t_duration, rng=rng)
    n = len(times)
    miss = count_misses(times, resolvers * stream.n_names + names, float(t_ttl))
    n_up = int(miss.sum())
    n_hits = n - n_up
    h = n_hits / n if n else 0.0
    return CacheStats(
        float(n),
        float(n_hits),
        float(h),
        float(n_up),
        n_up / t_duration,
        float(mean_lookup_time(h, t_hit, t_miss)) if n else 0.0,
        float(t_duration),
    )


def expected_cache_stats(
    stream: QueryStream,
    t_ttl: float,
    t_duration: float = 1.0,
    *,
    t_hit: float = T_CLIENT,
    t_miss: float = T_CLIENT + T_AUTH,
) -> CacheStats:
    """What ``simulate_cache`` should find on average, from ``hit_ratio`` per (resolver, name).

    >>> round(expected_cache_stats(QueryStream(1.0), 9.0).hit_ratio, 3)
    0.9
    """
    check_type("stream", stream, QueryStream)
    check_number("t_ttl", t_ttl, low=0)
    check_number("t_duration", t_duration, low=0, low_open=True)
    lam = stream.rates()
    miss_rate = float(np.sum(lam / (1.0 + lam * t_ttl)))
    total = stream.rate_queries
    h = 1.0 - miss_rate / total if total > 0 else 0.0
    return CacheStats(
        total * t_duration,
        total * t_duration * h,
        h,
        miss_rate * t_duration,
        miss_rate,
        float(mean_lookup_time(h, t_hit, t_miss)),
        float(t_duration),
    )


@dataclass(frozen=True)
class ResolverCache:
    """The resolvers' caches of the bucketed form (:func:`resolver_buckets`).

    Answers are cached for ``t_ttl`` s; queries go to ``n_names`` names of Zipf popularity
    ``zipf_s``, spread evenly over ``n_resolvers`` resolvers, each with its own cache; a hit
    takes ``t_hit`` s, a miss ``t_miss`` s (the authoritative servers asked).
    """

    t_ttl: float = param(low=0, doc="time answers are cached", unit="s")
    n_names: int = param(1, kind="int", low=1, doc="names looked up")
    zipf_s: float = param(1.0, low=0, high=5, doc="Zipf skew of names' popularity")
    n_resolvers: int = param(
        1, kind="int", low=1, doc="resolvers sharing the load, each with its own cache"
    )
    t_hit: float = param(T_CLIENT, low=0, doc="time of a cache hit", unit="s")
    t_miss: float = param(
        T_CLIENT + T_AUTH, low=0, doc="time of a miss (the authoritative servers asked)", unit="s"
    )

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True)
class CacheBuckets(Buckets):
    """Per-bucket resolver-cache figures of :func:`resolver_buckets` (arrays of one value
    per bucket, besides ``t`` and ``t_bucket``)."""

    hit_ratio: np.ndarray
    rate_upstream: np.ndarray  # queries/s reaching the authoritative servers
    n_upstream: np.ndarray  # queries reaching them in the bucket
    t_mean_lookup: np.ndarray  # seconds


def resolver_buckets(rate_queries, t_bucket: float, cache: ResolverCache) -> CacheBuckets:
    """The time-bucketed resolver cache: lookups/s per bucket -> per-bucket cache figures.

    ``rate_queries``: offered lookups/s in each bucket of ``t_bucket`` s, through the resolver
    caches ``cache``. Each bucket uses the steady-state formula at its own rate (good when
    ``cache.t_ttl`` is short next to ``t_bucket``).

    >>> b = resolver_buckets([0.0, 1.0, 10.0], 3600.0, ResolverCache(t_ttl=9.0))
    >>> b.hit_ratio.round(3).tolist(), b.rate_upstream.round(3).tolist()
    ([0.0, 0.9, 0.989], [0.0, 0.1, 0.11])
    """
    rate = check_array("rate_queries", rate_queries, low=0, nonempty=False, unit="queries/s")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_type("cache", cache, ResolverCache)
    t_ttl, t_hit, t_miss, n_resolvers = cache.t_ttl, cache.t_hit, cache.t_miss, cache.n_resolvers
    p = zipf_popularity(cache.n_names, cache.zipf_s)
    lam = rate[:, None] * p[None, :] / n_resolvers  # per resolver and name
    miss_rate = n_resolvers * np.sum(lam / (1.0 + lam * t_ttl), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(rate > 0, 1.0 - miss_rate / np.where(rate > 0, rate, 1.0), 0.0)
    return CacheBuckets(
        h,
        miss_rate,
        miss_rate * t_bucket,
        h * t_hit + (1.0 - h) * t_miss,
        t=bucket_times(rate.size, t_bucket),
        t_bucket=float(t_bucket),
    )


def _resolver_cache_buckets(
    rate_queries,
    t_bucket: float,
    t_ttl: float,
    *,
    n_names: int = 1,
    zipf_s: float = 1.0,
    n_resolvers: int = 1,
    t_hit: float = T_CLIENT,
    t_miss: float = T_CLIENT + T_AUTH,
):
    """``resolver_cache_buckets``, the name and signature before the capstone contract
    (notebooks of an older release call it): deprecated, returns :func:`resolver_buckets`'
    result."""
    warnings.warn(
        "resolver_cache_buckets is deprecated; use resolver_buckets(rate_queries, t_bucket, "
        "ResolverCache(t_ttl, ...))",
        DeprecationWarning,
        stacklevel=2,
    )
    cache = ResolverCache(t_ttl, n_names, zipf_s, n_resolvers, t_hit, t_miss)
    return resolver_buckets(rate_queries, t_bucket, cache)
