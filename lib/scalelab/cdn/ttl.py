"""TTL analytics for independent (Poisson) requests: hit ratio, origin load, staleness.

A TTL cache fetches an object, then serves it until it expires: under Poisson requests at
rate λ per second and a TTL of ``T`` seconds, ``λT/(1 + λT)`` of an object's requests hit
(Jung, Berger and Balakrishnan 2003), whatever the cache's policy, as long as it is large enough.
:func:`ttl_hit_ratio` sums that over objects, :func:`origin_rate` gives the requests/s that reach
the origin from many edges with or without an origin shield, and :func:`p_stale` the share of
hits that return an outdated copy under each invalidation (:data:`INVALIDATIONS`: wait for the
TTL, purge, or versioned URLs), and :func:`cache_key` what an edge caches a URL under, with
or without its query string.
"""

from __future__ import annotations

import numpy as np

from scalelab.validate import check_array, check_choice, check_number

__all__ = [
    "INVALIDATIONS",
    "ttl_hit_ratio",
    "origin_rate",
    "p_stale",
    "QUERY_KEYS",
    "cache_key",
]


INVALIDATIONS = ("ttl", "purge", "versioned")
"""How a changed static object reaches users: wait for the TTL, purge it, or change its URL."""


def _rates(rate, name: str = "rate") -> np.ndarray:
    lam = check_array(name, rate, ndim=None, low=0, unit="requests/s")
    if lam.ndim == 0:
        lam = lam.reshape(1)
    return lam


def _ttl_occupancy(lam: np.ndarray, t_ttl) -> np.ndarray:
    x = lam * t_ttl
    return x / (1.0 + x)


def ttl_hit_ratio(rate, t_ttl: float) -> float:
    """Hit ratio of one TTL cache whose objects are requested at ``rate`` (requests/s, one per
    object).

    The first request after an object expires misses and fetches it; the copy is then served for
    ``t_ttl`` seconds, during which ``rate * t_ttl`` requests arrive on average, all hits. So a
    share ``λT / (1 + λT)`` of the object's requests hit, and the cache's hit ratio is that
    share averaged over objects *weighted by their rates* (busy objects count more).

    >>> round(ttl_hit_ratio([1.0, 0.1], 60.0), 4)  # 98 % hits for one, 86 % for the other
    0.9721
    >>> ttl_hit_ratio([5.0], 0.0)
    0.0
    """
    lam = _rates(rate)
    t = check_number("t_ttl", t_ttl, low=0)
    total = lam.sum()
    if total == 0:
        return 0.0
    return float(np.sum(lam * _ttl_occupancy(lam, t)) / total)


def origin_rate(rate_edge, t_ttl: float, *, shield: bool = False) -> float:
    """Requests/s that reach the origin from several TTL edges, with or without a shield.

    ``rate_edge[e][k]`` is the rate (requests/s) of object ``k`` at edge ``e``. Each edge misses
    object ``k`` at ``λ/(1 + λT)`` per second (λ its rate), once per TTL at most. Without a shield every
    edge's misses reach the origin; a shield is one more TTL cache that receives all edges'
    misses, ``m_k``, and passes on only ``m_k/(1 + m_k*T)``. (Treating an edge's misses as a
    Poisson stream is an approximation; they are more regular than that.)

    >>> rates = [[1.0, 0.1]] * 6  # six edges, two objects
    >>> round(origin_rate(rates, 60.0), 3), round(origin_rate(rates, 60.0, shield=True), 3)
    (0.184, 0.028)
    """
    lam = check_array("rate_edge", rate_edge, ndim=(1, 2), low=0, unit="requests/s [edge][object]")
    if lam.ndim == 1:
        lam = lam[None, :]
    t = check_number("t_ttl", t_ttl, low=0)
    misses = lam / (1.0 + lam * t)
    if not shield:
        return float(misses.sum())
    m = misses.sum(axis=0)
    return float(np.sum(m / (1.0 + m * t)))


def p_stale(t_ttl: float, rate_update: float, invalidation: str = "ttl", t_purge: float = 0.0):
    """Share of cache hits that return an outdated copy of an object updated at ``rate_update``.

    The object changes at the origin as a Poisson process (``rate_update`` per second). With
    ``"ttl"`` a copy is served for ``T = t_ttl`` seconds whatever happens: a hit finds a copy of
    age uniform in ``[0, T)``, stale if an update came since, ``1 - (1 - e^{-uT})/(uT)``. With
    ``"purge"`` each update is followed by a purge that removes the copy ``t_purge`` s later, so
    copies are stale for at most that long: about ``u*t_p/(1 + u*t_p)``, and never more than
    with the TTL alone. ``"versioned"``: a new version has a new URL, so no hit is ever stale.

    >>> round(p_stale(3600, 1 / 3600), 3)  # updated hourly, cached for an hour
    0.368
    >>> round(p_stale(3600, 1 / 3600, "purge", t_purge=5), 4)
    0.0014
    >>> p_stale(3600, 1 / 3600, "versioned")
    0.0
    """
    t = check_number("t_ttl", t_ttl, low=0)
    u = check_number("rate_update", rate_update, low=0)
    check_choice("invalidation", invalidation, INVALIDATIONS)
    tp = check_number("t_purge", t_purge, low=0)
    return float(_p_stale(np.float64(t), u, invalidation, tp))


def _p_stale(t, u: float, invalidation: str, tp: float):
    """Vectorised :func:`p_stale` over TTLs ``t`` (no checks)."""
    t = np.asarray(t, dtype=float)
    if invalidation == "versioned" or u == 0:
        return np.zeros_like(t)
    x = u * t
    with np.errstate(invalid="ignore", divide="ignore"):
        ttl = np.where(x > 1e-9, 1.0 - (-np.expm1(-x)) / np.where(x > 0, x, 1.0), x / 2)
    if invalidation == "ttl":
        return ttl
    y = u * tp
    return np.minimum(ttl, y / (1.0 + y))


QUERY_KEYS = ("none", "all")
"""Whether a CDN's cache key includes the URL's query string: ``"none"`` (CloudFront's managed
CachingOptimized policy, and many CDNs' default for static content) or ``"all"``."""


def cache_key(url: str, *, query_strings: str = "none") -> str:
    """The key an edge caches ``url`` under: its path, plus its query string only if the CDN's
    cache policy includes query strings (``query_strings="all"``).

    With the default (query strings left out, as in CloudFront's managed CachingOptimized
    policy), ``app.css?v=1`` and ``app.css?v=2`` are **one** cache key, so a new version put in
    the query is served from the old copy until the TTL ends; a version in the file name
    (``app.3f9a1c2b.css``) is a new key on every CDN.

    >>> cache_key("/static/app.css?v=1a2b3c4d") == cache_key("/static/app.css?v=9f8e7d6c")
    True
    >>> cache_key("/static/app.css?v=1a2b3c4d", query_strings="all")
    '/static/app.css?v=1a2b3c4d'
    >>> cache_key("/static/app.1a2b3c4d.css")
    '/static/app.1a2b3c4d.css'
    """
    if not isinstance(url, str):
        raise ValueError(f"url must be a str; got {type(url).__name__}")
    check_choice("query_strings", query_strings, QUERY_KEYS)
    path, _, query = url.partition("?")
    return url if query_strings == "all" and query else path
