"""Request-level replay of a CDN: edge caches per region, an origin shield, new versions.

:func:`simulate_cdn` replays a :class:`~scalelab.cache.Trace` whose requests come from several
regions through one edge cache per region (any policy of :data:`scalelab.cache.POLICIES`, with a
TTL), an optional **origin shield** (one more cache between the edges and the origin, so N edges
missing the same object cost the origin one fetch, not N), and an origin that publishes new
versions of objects, invalidated by TTL alone, by **purge** (deleted from every tier after a
propagation delay) or by **versioned URLs**. The result, a :class:`CDNRun`, records which tier
answered each request (:data:`EDGE`, :data:`SHIELD`, :data:`ORIGIN_TIER`) and which answers were
stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scalelab.cache import POLICIES, Trace, make_cache
from scalelab.validate import check_array, check_choice, check_int, check_number, check_type

__all__ = [
    "CDNRun",
    "simulate_cdn",
]


EDGE, SHIELD, ORIGIN_TIER = 0, 1, 2


@dataclass(frozen=True, eq=False)
class CDNRun:
    """Per-request outcome of :func:`simulate_cdn` (arrays, one entry per request).

    ``served_by``: 0 the edge, 1 the shield, 2 the origin; ``version``: the version of the object
    the user received; ``stale``: an older version than the origin held at that moment;
    ``region``: the edge (region index) the request went to.
    """

    served_by: np.ndarray
    version: np.ndarray
    stale: np.ndarray
    region: np.ndarray
    edge_miss: np.ndarray = field(repr=False)
    shield_miss: np.ndarray = field(repr=False)

    @property
    def offload(self) -> float:
        """Share of requests served without the origin (edge or shield hits)."""
        return float(np.mean(self.served_by != ORIGIN_TIER))

    @property
    def edge_hit_ratio(self) -> float:
        """Share of requests served by the edge itself."""
        return float(np.mean(self.served_by == EDGE))

    @property
    def n_origin(self) -> int:
        """Requests the origin served."""
        return int(np.sum(self.served_by == ORIGIN_TIER))

    @property
    def n_stale(self) -> int:
        """Requests answered with an outdated version."""
        return int(self.stale.sum())


def _events(pairs, name: str) -> tuple[list, list]:
    if pairs is None:
        return [], []
    t, k = pairs
    t = check_array(f"{name} times", t, nonempty=False, unit="times (s)")
    k = np.asarray(k)
    if t.shape != k.shape:
        raise ValueError(
            f"{name} must be a pair (times, keys) of equal-length 1-d arrays; "
            f"got shapes {t.shape} and {k.shape}"
        )
    order = np.argsort(t, kind="stable")
    return t[order].tolist(), k[order].tolist()


def simulate_cdn(
    trace: Trace,
    *,
    regions=None,
    n_regions: int = 1,
    policy: str = "lru",
    n_capacity: int = 1_000,
    t_ttl: float | None = None,
    shield: bool = False,
    n_shield_capacity: int | None = None,
    versioned: bool = False,
    updates=None,
    purges=None,
    t_purge: float = 0.0,
) -> CDNRun:
    """Replay ``trace`` request by request through edge caches, an optional shield, the origin.

    ``regions[i]`` is the edge (``0..n_regions-1``) request ``i`` goes to (default: all to edge
    0). Each edge is a :func:`scalelab.cache.make_cache` cache of ``n_capacity`` objects with
    eviction ``policy`` and TTL ``t_ttl`` (seconds, ``None``: no expiry); the shield, if any, is
    one more such cache (``n_shield_capacity``, default ``n_regions * n_capacity``). A miss asks
    the next tier and stores what it gets. Fetches are instantaneous.

    The origin publishes a new version of key ``k`` at each time of ``updates`` = ``(times,
    keys)`` (versions start at 0). ``purges`` = ``(times, keys)``: a purge issued at ``t``
    removes the key from every edge and the shield at ``t + t_purge``. With ``versioned`` the
    pages reference each object by a URL holding its current version (``app.css?v=3``), so the
    cache key is ``(key, version)``: a user always gets the newest version.

    >>> from scalelab.cache import make_trace
    >>> tr = make_trace("zipf", n_objects=200, n_requests=5_000, rng=np.random.default_rng(0))
    >>> regions = np.random.default_rng(1).integers(0, 4, size=len(tr))
    >>> alone = simulate_cdn(tr, regions=regions, n_regions=4, n_capacity=50)
    >>> shielded = simulate_cdn(tr, regions=regions, n_regions=4, n_capacity=50, shield=True)
    >>> alone.n_origin > shielded.n_origin
    True
    """
    check_type("trace", trace, Trace, hint="from make_trace")
    n_r = check_int("n_regions", n_regions, low=1, high=1_000)
    check_choice("policy", policy, POLICIES)
    cap = check_int("n_capacity", n_capacity, low=1)
    if t_ttl is not None:
        check_number("t_ttl", t_ttl, low=0, low_open=True)
    check_number("t_purge", t_purge, low=0)
    n = len(trace)
    if regions is None:
        reg = np.zeros(n, dtype=np.int64)
    else:
        reg = np.asarray(regions)
        if reg.shape != (n,) or reg.dtype.kind not in "iu" or np.any(reg < 0) or np.any(reg >= n_r):
            raise ValueError(f"regions must give an edge 0..{n_r - 1} for each of the {n} requests")
    edges = [make_cache(policy, cap, t_ttl=t_ttl) for _ in range(n_r)]
    shield_cache = None
    if shield:
        s_cap = n_r * cap if n_shield_capacity is None else n_shield_capacity
        shield_cache = make_cache(policy, check_int("n_shield_capacity", s_cap, low=1), t_ttl=t_ttl)
    up_t, up_k = _events(updates, "updates")
    pu_t, pu_k = _events(purges, "purges")
    pu_t = [t + t_purge for t in pu_t]  # when each purge takes effect everywhere
    tiers = [*edges, shield_cache] if shield_cache is not None else edges
    current: dict = {}
    served = np.empty(n, dtype=np.int8)
    version = np.empty(n, dtype=np.int64)
    edge_miss = np.zeros(n, dtype=bool)
    shield_miss = np.zeros(n, dtype=bool)
    iu = ip = 0
    missing = object()
    for i, (k, now, e) in enumerate(
        zip(trace.keys.tolist(), trace.t.tolist(), reg.tolist(), strict=True)
    ):
        while iu < len(up_t) and up_t[iu] <= now:
            current[up_k[iu]] = current.get(up_k[iu], 0) + 1
            iu += 1
        while ip < len(pu_t) and pu_t[ip] <= now:
            for c in tiers:
                if versioned:
                    for key in [x for x in c.keys() if x[0] == pu_k[ip]]:
                        c.delete(key)
                else:
                    c.delete(pu_k[ip])
            ip += 1
        v_now = current.get(k, 0)
        key = (k, v_now) if versioned else k
        edge = edges[e]
        got = edge.get(key, now, missing)
        if got is not missing:
            served[i], version[i] = EDGE, got
            continue
        edge_miss[i] = True
        got = missing
        if shield_cache is not None:
            got = shield_cache.get(key, now, missing)
            if got is missing:
                shield_miss[i] = True
        else:
            shield_miss[i] = True
        if got is missing:
            got = v_now
            served[i] = ORIGIN_TIER
            if shield_cache is not None:
                shield_cache.put(key, got, now)
        else:
            served[i] = SHIELD
        edge.put(key, got, now)
        version[i] = got
    stale = version < np.array(_current_versions(trace, up_t, up_k), dtype=np.int64)
    return CDNRun(served, version, stale, reg, edge_miss, shield_miss)


def _current_versions(trace: Trace, up_t: list, up_k: list) -> list:
    """The origin's version of each request's key at the request's time."""
    cur: dict = {}
    out = []
    iu = 0
    for k, now in zip(trace.keys.tolist(), trace.t.tolist(), strict=True):
        while iu < len(up_t) and up_t[iu] <= now:
            cur[up_k[iu]] = cur.get(up_k[iu], 0) + 1
            iu += 1
        out.append(cur.get(k, 0))
    return out
