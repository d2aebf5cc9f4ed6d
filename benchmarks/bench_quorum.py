"""Quorums: simulation speed, and each closed form against its simulation (the figures the
quorums chapter quotes).

- quorum latency: replies simulated per second (5 replicas, one slow), and the exact p99 of a
  read (R = 2 of 3, one slow replica) against 1,000,000 simulated reads;
- staleness (PBS): p_stale 10 ms after the write for N = 3, R = W = 1, 10 ms mean lag, exact
  against 200,000 simulated writes;
- the heartbeat detector: false-suspicion probability and mean detection time, exact against
  simulation; a Raft election's mean time without a leader, exact against simulation;
- the GitHub-like partition drill: divergent writes in each mode (seed 2026).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from common import Row, best_of
from scalelab.quorum import (
    GITHUB_2018,
    MODES,
    Delay,
    HeartbeatDetector,
    Quorum,
    mean_detection_time,
    mean_election_time,
    p_false_suspicion,
    p_stale,
    quorum_quantile,
    replica_delays,
    simulate_detector,
    simulate_election,
    simulate_quorum_latency,
    simulate_split_brain,
    simulate_staleness,
)


def run() -> list[Row]:
    rows = []
    delays = replica_delays(5, Delay(0.001, 0.004), slow=Delay(0.001, 0.05))
    took, lat = best_of(
        lambda: simulate_quorum_latency(delays, 3, 1_000_000, rng=np.random.default_rng(0))
    )
    rows.append(Row("quorum latency: replies simulated", 5 * lat.size / took / 1e6, "M/s"))
    three = replica_delays(3, Delay(0.001, 0.004), slow=Delay(0.001, 0.05))
    took, exact = best_of(lambda: float(quorum_quantile(0.99, 2, three)))
    sim = simulate_quorum_latency(three, 2, 1_000_000, rng=np.random.default_rng(1))
    rows.append(
        Row(
            "p99 of a read, R = 2 of 3, one slow replica (exact)",
            exact * 1000,
            "ms",
            f"simulated {np.quantile(sim, 0.99) * 1000:.2f} ms; exact in {took * 1000:.1f} ms",
        )
    )
    q, lag = Quorum(3, 1, 1), Delay(0.0, 0.01)
    sim = simulate_staleness([0.01], q, lag, 200_000, rng=np.random.default_rng(2))
    rows.append(
        Row(
            "P(stale read) 10 ms after the write, N=3 R=W=1, lag 10 ms (exact)",
            float(p_stale(0.01, q, lag)),
            "",
            f"simulated {float(sim[0]):.4f} over 200,000 writes",
        )
    )
    det = HeartbeatDetector(0.05, 0.08, Delay(0.001, 0.01), p_loss=0.1)
    took, run_d = best_of(
        lambda: simulate_detector(det, 500_000, 50_000, rng=np.random.default_rng(3)), 1
    )
    rows.append(
        Row(
            "false suspicion, 50 ms heartbeats, 80 ms timeout, 10 % lost (exact)",
            p_false_suspicion(det),
            "",
            f"simulated {run_d.p_false_suspicion:.4f} (500,000 heartbeats in {took:.2f} s)",
        )
    )
    rows.append(
        Row(
            "mean detection time, same detector (exact)",
            mean_detection_time(det) * 1000,
            "ms",
            f"simulated {run_d.t_detect_mean * 1000:.1f} ms over 50,000 crashes",
        )
    )
    el = simulate_election(5, 0.15, 0.3, 0.01, 200_000, rng=np.random.default_rng(4))
    rows.append(
        Row(
            "Raft election, 5 nodes, 150-300 ms timeouts, 10 ms one way (exact mean)",
            mean_election_time(5, 0.15, 0.3, 0.01) * 1000,
            "ms",
            f"simulated {float(el.t_unavailable.mean()) * 1000:.1f} ms",
        )
    )
    for mode in MODES:
        r = simulate_split_brain(
            dataclasses.replace(GITHUB_2018, mode=mode), rng=np.random.default_rng(2026)
        )
        rows.append(
            Row(
                f"GitHub-like drill, {mode}: divergent writes",
                r.n_divergent,
                "writes",
                f"{r.n_orphaned} orphaned, {r.n_new_branch} on the new leader, "
                f"{r.n_rejected_leader_side + r.n_rejected_other_side} refused",
            )
        )
    return rows
