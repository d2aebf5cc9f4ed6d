"""The capstone: how long a simulated day of the whole composed system takes.

A day is 1,440 one-minute buckets through every tier (DNS, CDN, GeoDNS, three pools, sessions,
cache, shards, replicas, queue). Reports the best of five runs of the default design on a quiet
day and with a data centre down, and a two-hour graded scenario (the hidden design checks run
four of them). Target: a day in under 1 s.
"""

from __future__ import annotations

import time

import numpy as np
from common import Row
from scalelab.architecture import Design, Failure, Scenario, Workload, simulate

H = 3600.0


def _best_of(fn, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run() -> list[Row]:
    design, workload = Design(), Workload()
    quiet = _best_of(lambda: simulate(design, workload, rng=np.random.default_rng(1)))
    broken = (Failure("datacenter", 20 * H, 21 * H, 1),)
    dc = _best_of(lambda: simulate(design, workload, broken, rng=np.random.default_rng(1)))
    scenario = Scenario("a data centre", workload, broken, seed=1)
    two_hours = _best_of(lambda: scenario.run(design))
    lc = _best_of(lambda: scenario.run(Design(lb_policy="least_connections")), 2)
    return [
        Row("architecture: simulated day, default design", quiet, "s", "target < 1 s"),
        Row("architecture: simulated day, a data centre down", dc, "s", "target < 1 s"),
        Row("architecture: 2-hour graded scenario", two_hours, "s", "4 per hidden check"),
        Row("architecture: 2-hour scenario, least connections", lc, "s", "pooled M/M/c/K"),
    ]
