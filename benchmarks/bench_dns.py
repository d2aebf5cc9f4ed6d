"""Speed of scalelab.dns: lookups through the resolver, and the vectorised cache simulation
against the readable one-query-at-a-time reference; plus the hit-ratio agreement it reports."""

from __future__ import annotations

import math
import time

import numpy as np
from common import Row
from scalelab.dns import (
    QueryStream,
    Resolver,
    count_misses,
    example_namespace,
    hit_ratio,
    sample_queries,
    simulate_cache,
)


def _reference_misses(times, keys, ttl):
    expires: dict[int, float] = {}
    n = 0
    for t, k in zip(times.tolist(), keys.tolist(), strict=True):
        if k not in expires or t >= expires[k]:
            n += 1
            expires[k] = t + ttl
    return n


def _best(fn, repeats=5) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run() -> list[Row]:
    rows = []
    ns = example_namespace()

    def cold():
        Resolver(ns).resolve("static.example.com")

    r = Resolver(ns)
    r.resolve("www.example.com")
    t_cold = _best(lambda: [cold() for _ in range(200)]) / 200
    t_warm = _best(lambda: [r.resolve("www.example.com", t_now=1.0) for _ in range(1000)]) / 1000
    rows.append(Row("dns: cold lookup with a CNAME (7 steps)", t_cold * 1e6, "us", ""))
    rows.append(Row("dns: cache-hit lookup", t_warm * 1e6, "us", ""))

    stream = QueryStream(100.0, n_names=50, zipf_s=1.0, n_resolvers=20)
    times, res, names = sample_queries(stream, 1000.0, rng=np.random.default_rng(1))
    keys = res * 50 + names
    for ttl in (30.0, 3600.0):
        miss = count_misses(times, keys, ttl)
        assert int(miss.sum()) == _reference_misses(times, keys, ttl)
        fast = _best(lambda ttl=ttl: count_misses(times, keys, ttl))
        slow = _best(lambda ttl=ttl: _reference_misses(times, keys, ttl), repeats=2)
        rows.append(
            Row(
                f"dns: cache simulation, {len(times):,} lookups, TTL {ttl:g} s "
                f"({miss.mean():.0%} misses)",
                fast * 1e3,
                "ms",
                f"reference loop {slow * 1e3:.0f} ms ({slow / fast:.1f}x)",
            )
        )

    for lam, ttl, seed in [(1.0, 9.0, 1), (0.05, 30.0, 2), (10.0, 0.5, 3), (0.2, 300.0, 4)]:
        m = lam * ttl
        n_cycles = 4000
        s = simulate_cache(
            QueryStream(lam), ttl, n_cycles * (ttl + 1 / lam), rng=np.random.default_rng(seed)
        )
        want = hit_ratio(lam, ttl)
        se = (1 - want) * math.sqrt(m) / ((1 + m) * math.sqrt(n_cycles))
        rows.append(
            Row(
                f"dns: hit ratio lam={lam}/s T={ttl}s, simulated minus formula",
                s.hit_ratio - want,
                "",
                f"formula {want:.4f}, {(s.hit_ratio - want) / se:+.2f} standard errors",
            )
        )
    return rows
