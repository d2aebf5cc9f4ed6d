"""CDN (chapter 08): replay speed, offload against the TTL formula, and the outage drill's speed.

- request-by-request replay through 4 edges and a shield (200,000 requests): requests/s;
- one edge with a TTL and room for everything, Poisson requests over a Zipf catalogue: the
  simulated offload against ``ttl_hit_ratio`` (``λT / (1 + λT)`` per object, weighted),
  for several TTLs;
- a two-hour outage drill in 2-minute buckets, per strategy: drills per second.
"""

from __future__ import annotations

import time

import numpy as np
from common import Row, best_of
from scalelab.cache import make_trace, zipf_popularity
from scalelab.cdn import STRATEGIES, Outage, Plan, Scenario, run_drill, simulate_cdn, ttl_hit_ratio


def run() -> list[Row]:
    rows = []
    trace = make_trace(
        "zipf", n_objects=20_000, n_requests=200_000, alpha=0.8, rng=np.random.default_rng(0)
    )
    regions = np.random.default_rng(1).integers(0, 4, size=len(trace))
    t0 = time.perf_counter()
    out = simulate_cdn(trace, regions=regions, n_regions=4, n_capacity=2_000, shield=True)
    took = time.perf_counter() - t0
    rows.append(
        Row(
            "CDN replay, 4 edges + shield, 200,000 requests",
            len(trace) / took / 1e3,
            "k req/s",
            f"offload {out.offload:.3f}",
        )
    )
    n_obj, rate = 2_000, 200.0
    trace = make_trace(
        "zipf",
        n_objects=n_obj,
        n_requests=400_000,
        alpha=0.8,
        rate=rate,
        rng=np.random.default_rng(2),
    )
    rates = rate * zipf_popularity(n_obj, 0.8)
    for ttl in (1.0, 10.0, 60.0):
        sim = simulate_cdn(trace, n_capacity=n_obj, t_ttl=ttl).offload
        rows.append(
            Row(
                f"offload of one TTL edge, TTL {ttl:g} s, 200 req/s",
                sim,
                "frac",
                f"ttl_hit_ratio {ttl_hit_ratio(rates, ttl):.4f}",
            )
        )
    sc = Scenario("all regions down for 30 min", outage=Outage())
    for strategy in STRATEGIES:
        best, (summary, ok) = best_of(lambda s=strategy: run_drill(sc, Plan(s)))
        rows.append(
            Row(
                f"outage drill, strategy {strategy}",
                best * 1000,
                "ms",
                f"failed {summary.failed_share:.4f}, targets met: {ok}",
            )
        )
    return rows
