"""Several data centres (chapter 10): drill speed, failover time and writes lost, against theory.

- a day of GeoDNS failover drill in 1 s steps (86,400 steps, 6 regions × 3 DCs): steps per second;
- the time until no traffic reaches a dead DC, simulated, against ``failover_seconds`` (health
  checks, then one DNS TTL), for TTLs 0, 60 and 300 s;
- the expected-value traffic share against 200 individual ``scalelab.dns`` resolvers with their
  own TTL caches (largest gap over the run);
- writes lost when a region fails before shipping its log, over 1,000 seeds, against Little's law
  (write rate × mean lag).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from common import Row, best_of
from scalelab.geo import (
    FailoverParams,
    SyncParams,
    default_world,
    failover_seconds,
    failover_summary,
    simulate_failover,
    simulate_resolvers,
    simulate_sync,
)


def run() -> list[Row]:
    rows = []
    world = default_world()
    day = FailoverParams(dc=1, t_fail=3_600.0, t_recover=7_200.0, t_end=86_400.0)
    best, _ = best_of(lambda: simulate_failover(world, day))
    rows.append(Row("geo failover drill, 1 day in 1 s steps", 86_400 / best / 1e3, "k steps/s"))
    for ttl in (0.0, 60.0, 300.0):
        p = FailoverParams(dc=1, t_fail=65.0, t_ttl=ttl)
        s = failover_summary(world, p, simulate_failover(world, p))
        want = failover_seconds(p.t_fail, p.t_check, p.n_fail, ttl)
        rows.append(
            Row(
                f"all traffic off the dead DC, TTL {ttl:.0f} s",
                s.t_all_moved,
                "s",
                f"theory {want:.0f} s",
            )
        )
    p = FailoverParams(dc=1, t_fail=65.0, t_ttl=60.0, t_end=300.0)
    t0 = time.perf_counter()
    many = simulate_resolvers(world, p, rng=np.random.default_rng(3), n_resolvers=200)
    took = time.perf_counter() - t0
    exact = simulate_failover(world, p).share
    rows.append(
        Row(
            "200 resolvers vs the expected traffic share (largest gap)",
            float(np.abs(many - exact).max()),
            "share",
            f"300 steps in {took:.2f} s",
        )
    )
    # Little's law, L = lambda W: writes in flight when the home region fails. W from the
    # parameters (half a batch + one-way delay + mean jitter) ignores in-order apply and the
    # batch clock's phase; W measured in each run does not.
    sync = SyncParams()
    runs = [simulate_sync(sync, rng=np.random.default_rng(s)) for s in range(1_000)]
    lost = [r.n_lost for r in runs]
    measured = [
        sync.rate_writes * float(np.mean((r.t_applied - r.t_commit)[np.isfinite(r.t_applied)]))
        for r in runs
    ]
    rows.append(
        Row(
            "writes lost when a region fails (200 writes/s)",
            statistics.fmean(lost),
            "writes",
            f"Little's law {runs[0].expected_lost:.0f} from the parameters, "
            f"{statistics.fmean(measured):.1f} with W measured; "
            f"± {statistics.stdev(lost) / 1_000**0.5:.1f} standard error over 1,000 seeds",
        )
    )
    return rows
