"""Database replication: one primary and its replicas, failover, multi-master and rings.

**Primary and replicas (master-slave).** A bank keeps its ledger in one head office (the
*primary*, or master); each branch (a *replica*, or slave) receives a copy of every new ledger
line by courier and can answer customers' questions about balances, but only the head office may
write a new line. Every write the primary commits gets the next *log position* (1, 2, 3, ...);
the primary ships its log to every replica, and each replica applies the entries *in log order*
after a random delay, the *replication lag*. Reads may go to a replica, which is cheaper and
scales out, but a replica that has not yet applied the latest entry answers with old data: a
*stale read*.

**Failover.** When the primary dies, one replica is *promoted* to be the new primary. With
asynchronous shipping the primary acknowledged each write to its client at once, so the writes it
committed but had not yet shipped to the promoted replica are lost; they are listed exactly.
Other replicas that are *ahead* of the promoted one hold writes the new primary lacks (data
recovery scripts must reconcile them); replicas that are behind copy the missing entries from the
new primary; a new replica replaces the dead machine by copying the whole data set.
Synchronous (wait for every replica) and semi-synchronous (wait for one) modes acknowledge a write
only after replicas have it: slower writes, and no acknowledged write lost *while the wait holds*.
Real semi-synchronous replication gives up waiting after a timeout and falls back to asynchronous
without telling the client; :mod:`~scalelab.replication.semisync` runs that drill.

**Multi-master.** Every node accepts writes and ships them to the others. Concurrent writes to
the same key conflict; *last write wins* (LWW) keeps the version with the largest
``(timestamp, node id)`` and silently discards the others. Node clocks disagree (*clock skew*),
so a write made later in real time can lose to an earlier one. *Version vectors* detect
concurrent writes instead of hiding them, and a business rule can resolve them (a shopping cart
that counts each replica's additions separately, so concurrent additions add up). In a *ring* (circular replication, A → B → C → A) each node forwards what
it receives to the next, hop by hop; a cut link or a stopped node stops everything behind it.

One module per idea; import from the package (``from scalelab.replication import failover``):
:mod:`~scalelab.replication.primary` (the log, the lag, the modes),
:mod:`~scalelab.replication.promotion` (failover), :mod:`~scalelab.replication.capacity` (read
capacity, availability and the time-bucketed form for the capstone),
:mod:`~scalelab.replication.conflicts` (LWW, version vectors, merging carts),
:mod:`~scalelab.replication.counters` (per-replica counts that keep concurrent additions),
:mod:`~scalelab.replication.multi_master` (meshes and rings simulated) and
:mod:`~scalelab.replication.semisync` (semi-synchronous fallback).

Simplifications: time is continuous and in seconds; a write costs a server as much work as a
read; replication lags are independent exponential draws (the in-order apply makes a replica's
lag bursty anyway); the network never corrupts, duplicates or reorders log entries on their way
to a replica in master-slave mode (in multi-master mode messages may overtake each other, which
LWW and version vectors tolerate); a failed primary never comes back (as if perfectly fenced:
a real failover must fence it, or an old primary that returns accepts writes: split brain).

>>> import numpy as np
>>> run = simulate_replication(ReplicationParams(n_replicas=2, t_end=10.0), rng=np.random.default_rng(1))
>>> fo = failover(run, t_fail=5.0)
>>> fo.n_lost == fo.primary_position - fo.replica_positions[fo.promoted]
True
"""

from __future__ import annotations

from scalelab.replication.capacity import (
    ReplicaSet,
    ReplicationTimeline,
    availability_at_least_one,
    read_capacity,
    replicas_needed,
    replication_buckets,
    simulate_availability,
)
from scalelab.replication.conflicts import compare_vv, lww_merge, lww_winner, merge_carts, merge_vv
from scalelab.replication.counters import add_to_cart, cart_totals, merge_cart_counts, merge_counts
from scalelab.replication.multi_master import (
    TOPOLOGIES,
    MultiMasterParams,
    MultiMasterResult,
    ring_arrival_times,
    simulate_multi_master,
)
from scalelab.replication.primary import (
    MODES,
    ReplicationParams,
    ReplicationResult,
    in_order_apply_times,
    simulate_replication,
)
from scalelab.replication.promotion import POLICIES, Failover, failover, promote
from scalelab.replication.semisync import SemiSyncParams, SemiSyncResult, simulate_semisync

__all__ = [
    "MODES",
    "ReplicationParams",
    "ReplicationResult",
    "simulate_replication",
    "in_order_apply_times",
    "POLICIES",
    "promote",
    "Failover",
    "failover",
    "SemiSyncParams",
    "SemiSyncResult",
    "simulate_semisync",
    "read_capacity",
    "replicas_needed",
    "availability_at_least_one",
    "simulate_availability",
    "ReplicaSet",
    "ReplicationTimeline",
    "replication_buckets",
    "lww_merge",
    "lww_winner",
    "compare_vv",
    "merge_vv",
    "merge_carts",
    "merge_counts",
    "merge_cart_counts",
    "cart_totals",
    "add_to_cart",
    "TOPOLOGIES",
    "ring_arrival_times",
    "MultiMasterParams",
    "MultiMasterResult",
    "simulate_multi_master",
]
