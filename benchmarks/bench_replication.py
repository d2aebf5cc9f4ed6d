"""Replication: simulation speed, and the figures chapter 03/04 quote against their theory.

- master-slave: writes simulated per second (one primary, 3 replicas, 1 h of 200 writes/s), and
  the writes lost at a failover against Little's law (write rate × mean lag of the most advanced
  replica, over 40 seeds);
- availability of n replicas, simulated against ``1 - (1 - p)^n``;
- multi-master: writes per second through a 5-node mesh with clock skew, LWW and version vectors.
"""

from __future__ import annotations

import statistics

import numpy as np
from common import Row, best_of
from scalelab.replication import (
    MultiMasterParams,
    ReplicationParams,
    availability_at_least_one,
    failover,
    simulate_availability,
    simulate_multi_master,
    simulate_replication,
)


def run() -> list[Row]:
    rows = []
    big = ReplicationParams(n_replicas=3, rate_writes=200.0, rate_reads=2_000.0, t_end=3_600.0)
    took, res = best_of(lambda: simulate_replication(big, rng=np.random.default_rng(0)))
    rows.append(
        Row(
            "master-slave: writes + reads simulated",
            (res.n_writes + res.t_read.size) / took / 1e6,
            "M ev/s",
            f"{res.n_writes:,} writes, {res.t_read.size:,} reads, 3 replicas in {took:.2f} s",
        )
    )
    # Little's law, L = lambda W: the writes in flight (committed, not yet applied by the
    # replica) at the failure are the write rate times the mean time a write spends in flight.
    # In-order apply makes that time longer than the drawn lag, so W is measured in the run.
    p = ReplicationParams(n_replicas=1, rate_writes=50.0, rate_reads=0.0, t_lag_mean=0.4)
    lost, little = [], []
    for s in range(40):
        run_s = simulate_replication(p, rng=np.random.default_rng(s))
        lost.append(failover(run_s, t_fail=30.0).n_lost)
        little.append(50.0 * float(np.mean(run_s.t_apply[0] - run_s.t_write)))
    rows.append(
        Row(
            "writes lost at failover, 1 replica, 50 writes/s, lag 0.4 s",
            statistics.fmean(lost),
            "writes",
            f"Little's law {statistics.fmean(little):.1f} (50/s x measured in-flight time); "
            f"± {statistics.stdev(lost) / len(lost) ** 0.5:.1f} standard error over 40 seeds",
        )
    )
    for n in (1, 2, 3):
        sim, se = simulate_availability(0.9, n, 200_000, rng=np.random.default_rng(n))
        rows.append(
            Row(
                f"availability, {n} replica(s) up 90 % each (simulated)",
                sim,
                "",
                f"1-(1-p)^n = {availability_at_least_one(0.9, n):.4f}, ± {se:.4f}",
            )
        )
    mm = MultiMasterParams(n_nodes=5, n_keys=50, rate_writes=100.0, t_skew=0.5, t_end=300.0)
    took, out = best_of(lambda: simulate_multi_master(mm, rng=np.random.default_rng(1)))
    rows.append(
        Row(
            "multi-master mesh, 5 nodes: writes simulated",
            out.t_write.size / took,
            "writes/s",
            f"{out.t_write.size:,} writes in {took * 1000:.0f} ms; {out.n_lost} lost to LWW",
        )
    )
    return rows
