"""Quorums, leaders and split brain: what replication does when the network, not a server, fails.

**Leaderless quorums.** A key lives on N replicas. A write is sent to all of them and
acknowledged once W have stored it; a read asks them and returns the newest of the first R
answers (Amazon's Dynamo, Cassandra, Riak). With R + W > N every read quorum overlaps every
write quorum; with less, reads are faster and sometimes stale. *Sloppy quorums* let a write land
on stand-in nodes when the home replicas are unreachable (*hinted handoff* carries it home
later), and *read repair* and *anti-entropy* copy newer versions to replicas that missed them.

**Latency.** A quorum waits for the R-th (or W-th) fastest of N replies, an order statistic:
one slow replica barely matters to a quorum that can skip it and dominates one that cannot.

**Leaders.** A leader sends heartbeats; followers that hear none for a timeout suspect it and
elect another. Short timeouts detect crashes fast and suspect healthy leaders often. If the
suspected leader is alive on the other side of a partition, two leaders accept writes (*split
brain*). *Fencing tokens* (a growing epoch that storage checks) stop a deposed leader wherever
the new epoch is known; a *majority* rule stops the minority side from electing or committing.

**Consensus.** Raft, Paxos, ZooKeeper and etcd build a replicated log on that majority rule:
safe under partitions, at the cost of a round trip to the nearest majority on every write.

One module per idea; import from the package (``from scalelab.quorum import p_stale``):
:mod:`~scalelab.quorum.latency` (delays, N/R/W, order statistics),
:mod:`~scalelab.quorum.staleness` (probabilistically bounded staleness),
:mod:`~scalelab.quorum.detection` (heartbeats, timeouts, elections),
:mod:`~scalelab.quorum.consensus` (majorities and commit latency across regions),
:mod:`~scalelab.quorum.fencing` (a store that checks fencing tokens) and
:mod:`~scalelab.quorum.split_brain` (the partition drill).

Simplifications: independent delays drawn from a floor plus an exponential tail; one key (or
one leader) at a time; times in seconds, rates in writes/s. Every closed form here is checked
against a simulation in the library's tests.

>>> import numpy as np
>>> q = Quorum(n_replicas=3, n_read=1, n_write=1)
>>> round(p_stale_k(q), 3), round(float(p_stale(0.01, q, Delay(0.0, 0.01))), 3)
(0.667, 0.245)
"""

from __future__ import annotations

from scalelab.quorum.consensus import (
    best_leader,
    client_write_latency,
    commit_delays,
    commit_latency,
    majority,
    tolerated_failures,
)
from scalelab.quorum.detection import (
    DetectorRun,
    ElectionRun,
    HeartbeatDetector,
    mean_detection_time,
    mean_election_time,
    p_contested,
    p_false_suspicion,
    simulate_detector,
    simulate_election,
)
from scalelab.quorum.fencing import FencedStore, fenced_apply
from scalelab.quorum.latency import (
    Delay,
    Quorum,
    quorum_cdf,
    quorum_quantile,
    replica_delays,
    simulate_quorum_latency,
)
from scalelab.quorum.split_brain import (
    GITHUB_2018,
    MODES,
    SplitBrainParams,
    SplitBrainResult,
    simulate_split_brain,
)
from scalelab.quorum.staleness import p_stale, p_stale_k, simulate_staleness

__all__ = [
    "Delay",
    "Quorum",
    "replica_delays",
    "quorum_cdf",
    "quorum_quantile",
    "simulate_quorum_latency",
    "p_stale_k",
    "p_stale",
    "simulate_staleness",
    "HeartbeatDetector",
    "DetectorRun",
    "p_false_suspicion",
    "mean_detection_time",
    "simulate_detector",
    "ElectionRun",
    "p_contested",
    "mean_election_time",
    "simulate_election",
    "majority",
    "tolerated_failures",
    "commit_latency",
    "client_write_latency",
    "best_leader",
    "commit_delays",
    "FencedStore",
    "fenced_apply",
    "MODES",
    "SplitBrainParams",
    "SplitBrainResult",
    "simulate_split_brain",
    "GITHUB_2018",
]
