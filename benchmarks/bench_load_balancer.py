"""Speed of scalelab.load_balancer: requests simulated per second on each path, and the
policy comparison of the issue (mean wait against the formulas) at the canonical pool."""

from __future__ import annotations

import time

import numpy as np
from common import Row
from scalelab import load_balancer as lb
from scalelab.load_balancer import PoolParams, simulate_pool, summarize


def _rate(params: PoolParams, event_by_event: bool, repeats: int = 3) -> float:
    best = float("inf")
    n = 0
    for seed in range(repeats):
        t0 = time.perf_counter()
        res = lb._simulate(params, np.random.default_rng(seed), event_by_event)
        best = min(best, time.perf_counter() - t0)
        n = len(res.t_arrival)
    return n / best


def run() -> list[Row]:
    rows = []
    base = dict(rate=3.5, n_servers=4, rate_service=1.0, t_end=20_000.0)
    for policy in ("round_robin", "least_connections", "power_of_two"):
        fast = _rate(PoolParams(policy=policy, **base), event_by_event=False)
        path = "queueing.simulate_fifo" if policy not in lb.STATE_AWARE else "event loop"
        rows.append(Row(f"load_balancer {policy} ({path})", fast / 1e6, "M req/s", ""))
    loop = _rate(PoolParams(policy="round_robin", **base), event_by_event=True)
    rows.append(Row("load_balancer round_robin (event loop, reference)", loop / 1e6, "M req/s", ""))
    formulas = {
        "random": lb.wait_random_split(3.5, 1.0, 4),
        "round_robin": lb.wait_round_robin(3.5, 1.0, 4),
        "least_connections": None,
        "power_of_two": None,
    }
    for policy, want in formulas.items():
        waits = [
            summarize(
                simulate_pool(
                    PoolParams(policy=policy, **{**base, "t_end": 40_000.0}),
                    rng=np.random.default_rng(s),
                ),
                1_000.0,
            ).t_wait_mean
            for s in range(4)
        ]
        note = (
            f"formula {want:.3f} s"
            if want is not None
            else (
                f"between M/M/4 {lb.wait_shared_queue(3.5, 1.0, 4):.3f} s and E4/M/1 "
                f"{lb.wait_round_robin(3.5, 1.0, 4):.3f} s"
            )
        )
        rows.append(
            Row(
                f"mean wait {policy}, rate=3.5 n_servers=4 rate_service=1 (4 x 40,000 s)",
                float(np.mean(waits)),
                "s",
                note,
            )
        )
    return rows
