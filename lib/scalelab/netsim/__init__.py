"""Build a node: a deterministic network simulator, the lab's protocols, and their checkers.

Everywhere else in the course a learner writes a function; here they write the nodes the other
chapters describe, exchanging messages over a network that loses, delays, duplicates, reorders
and partitions, in the spirit of Jepsen's Maelstrom, Fly.io's Gossip Glomers and MIT 6.5840's
labs, but inside a notebook, in simulated time, seeded and replayable.

One module per idea; import from the package (``from scalelab.netsim import simulate``):
:mod:`~scalelab.netsim.clients` (the workloads' clients and the history they record),
:mod:`~scalelab.netsim.network` (nodes, the fault schedule and the event loop),
:mod:`~scalelab.netsim.schedules` (named fault scenarios, one schedule per seed),
:mod:`~scalelab.netsim.builds` (reference broadcast, counter and register nodes, and broken
variants) and :mod:`~scalelab.netsim.checkers` (convergence, CRDT laws, linearizability, and a
harness that runs many schedules).

Simplifications: one process, simulated time, handlers that take no time; clients reach nodes
over a reliable link (faults hit node-to-node messages); a partition cuts a set of nodes off
from the rest and decides at delivery time. The same seed gives the same run, message for
message.

>>> import numpy as np
>>> report = check_schedules(GCounter, SCENARIOS["counter: duplicates"], range(5))
>>> report.ok, report.n_schedules
(True, 5)
"""

from __future__ import annotations

from scalelab.netsim.builds import (
    PROTOCOLS,
    ABDRegister,
    CounterNoDedup,
    CounterNoRetry,
    GCounter,
    GossipBroadcast,
    GossipFlood,
    GossipNoRetry,
    Protocol,
    QuorumNode,
    RegisterLocalVersion,
    RegisterNoWriteBack,
    RegisterOneReplica,
    merge_counts,
)
from scalelab.netsim.checkers import (
    LawViolation,
    Linearizability,
    Report,
    Verdict,
    check_broadcast,
    check_counter,
    check_crdt_laws,
    check_linearizable,
    check_register,
    check_run,
    check_schedules,
)
from scalelab.netsim.clients import KINDS_OF_WORKLOAD, Op, Workload, make_clients
from scalelab.netsim.network import (
    FATES,
    Faults,
    Message,
    Node,
    Partition,
    Pause,
    Run,
    node_names,
    simulate,
)
from scalelab.netsim.schedules import SCENARIOS, Scenario, draw_faults, simulate_scenario

__all__ = [
    # clients
    "KINDS_OF_WORKLOAD",
    "Workload",
    "Op",
    "make_clients",
    # network
    "Node",
    "Partition",
    "Pause",
    "Faults",
    "Message",
    "Run",
    "FATES",
    "node_names",
    "simulate",
    # schedules
    "Scenario",
    "SCENARIOS",
    "draw_faults",
    "simulate_scenario",
    # builds
    "GossipBroadcast",
    "GossipNoRetry",
    "GossipFlood",
    "merge_counts",
    "GCounter",
    "CounterNoDedup",
    "CounterNoRetry",
    "QuorumNode",
    "ABDRegister",
    "RegisterOneReplica",
    "RegisterNoWriteBack",
    "RegisterLocalVersion",
    "Protocol",
    "PROTOCOLS",
    # checkers
    "Verdict",
    "Linearizability",
    "LawViolation",
    "check_linearizable",
    "check_register",
    "check_broadcast",
    "check_counter",
    "check_crdt_laws",
    "check_run",
    "Report",
    "check_schedules",
]
