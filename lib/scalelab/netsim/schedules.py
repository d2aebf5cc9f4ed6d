"""Fault scenarios: which network a workload runs on, drawn afresh for every seed.

Maelstrom calls the faults a *nemesis* (``--nemesis partition``). A :class:`Scenario` is a
family of fault schedules around a :class:`~scalelab.netsim.Workload`: :func:`draw_faults`
draws one per seed (one random partition or more that open and heal before the clients stop,
losses, duplicates, pauses or crashes); ``SCENARIOS`` holds the named ones the chapter's checks
and the explorer use, and :func:`simulate_scenario` draws a schedule and runs it, so that one
seed names one run exactly.

>>> import numpy as np
>>> faults = draw_faults(SCENARIOS["broadcast: partitions"], rng=np.random.default_rng(3))
>>> len(faults.partitions), faults.t_healed < SCENARIOS["broadcast: partitions"].workload.t_stop
(1, True)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from scalelab.netsim.clients import Workload
from scalelab.netsim.network import Faults, Partition, Pause, node_names, simulate
from scalelab.validate import check_rng, check_type, param, validate_fields

__all__ = ["Scenario", "SCENARIOS", "draw_faults", "simulate_scenario"]


@dataclass(frozen=True)
class Scenario:
    """A family of fault schedules around a workload; :func:`draw_faults` draws one per seed.

    ``n_partitions`` partitions, each cutting a random minority of the ``n_nodes`` nodes off
    for an exponential time of mean ``t_partition`` (at most until ``workload.t_stop``), at a
    random time before the clients stop; ``n_pauses`` pauses (``pause_kind``) of mean
    ``t_pause``; ``p_loss`` and ``p_duplicate`` on every message; the run lasts ``t_end``.

    >>> SCENARIOS["counter: duplicates"].p_duplicate
    0.3
    """

    workload: Workload = dataclasses.field(default_factory=Workload)
    n_nodes: int = param(5, kind="int", low=1, high=100, doc="nodes in the cluster")
    t_end: float = param(8.0, low=0, low_open=True, high=1e6, doc="simulated time", unit="s")
    t_delay_min: float = param(0.001, low=0, high=60, doc="fixed part of a delay", unit="s")
    t_delay_tail: float = param(0.004, low=0, high=60, doc="mean tail of a delay", unit="s")
    p_loss: float = param(0.0, kind="probability", doc="share of messages lost")
    p_duplicate: float = param(0.0, kind="probability", doc="share of messages delivered twice")
    n_partitions: int = param(0, kind="int", low=0, high=100, doc="partitions per schedule")
    t_partition: float = param(1.0, low=0, high=1e6, doc="mean partition length", unit="s")
    n_pauses: int = param(0, kind="int", low=0, high=100, doc="node pauses per schedule")
    t_pause: float = param(0.3, low=0, high=1e6, doc="mean pause length", unit="s")
    pause_kind: str = param("pause", kind="choice", choices=("pause", "crash"), doc="pause kind")

    def __post_init__(self):
        validate_fields(self)
        check_type("workload", self.workload, Workload)


def draw_faults(scenario: Scenario, *, rng: np.random.Generator) -> Faults:
    """One fault schedule of ``scenario``: partitions and pauses at random times and places,
    all healed by the time the clients stop (``scenario.workload.t_stop``)."""
    check_type("scenario", scenario, Scenario)
    check_rng(rng)
    s, t_stop = scenario, scenario.workload.t_stop
    ids = node_names(s.n_nodes)
    partitions = []
    for _ in range(s.n_partitions):
        t0 = float(rng.uniform(0, 0.8 * t_stop))
        length = min(float(rng.exponential(s.t_partition)), t_stop - t0)
        n_side = int(rng.integers(1, max(2, (s.n_nodes + 1) // 2)))  # a minority
        side = tuple(str(x) for x in rng.choice(ids, size=n_side, replace=False))
        partitions.append(Partition(t0, length, tuple(sorted(side))))
    pauses = []
    for _ in range(s.n_pauses):
        t0 = float(rng.uniform(0, 0.8 * t_stop))
        length = min(float(rng.exponential(s.t_pause)), t_stop - t0)
        node = str(ids[int(rng.integers(0, s.n_nodes))])
        pauses.append(Pause(node, t0, length, s.pause_kind))
    return Faults(
        t_delay_min=s.t_delay_min,
        t_delay_tail=s.t_delay_tail,
        p_loss=s.p_loss,
        p_duplicate=s.p_duplicate,
        partitions=tuple(partitions),
        pauses=tuple(pauses),
    )


def simulate_scenario(node_factory, scenario: Scenario, *, rng: np.random.Generator):
    """Draw a fault schedule of ``scenario`` from ``rng`` and run ``node_factory``'s nodes on
    it (see :func:`scalelab.netsim.simulate`). Replay a schedule with the same seed:
    ``simulate_scenario(MyNode, SCENARIOS[name], rng=np.random.default_rng(seed))``."""
    faults = draw_faults(scenario, rng=rng)
    return simulate(
        node_factory,
        scenario.workload,
        faults,
        n_nodes=scenario.n_nodes,
        t_end=scenario.t_end,
        rng=rng,
    )


_BROADCAST = Workload(kind="broadcast", n_ops=30, t_stop=4.0)
_COUNTER = Workload(kind="counter", n_ops=30, t_stop=4.0)
_REGISTER = Workload(kind="register", n_clients=3, t_stop=2.0, t_timeout=0.5, t_think=0.1)

SCENARIOS = {
    "broadcast: calm": Scenario(_BROADCAST),
    "broadcast: lossy": Scenario(_BROADCAST, p_loss=0.2),
    "broadcast: partitions": Scenario(_BROADCAST, n_partitions=1, t_partition=1.5, p_loss=0.05),
    "broadcast: everything": Scenario(
        _BROADCAST, p_loss=0.1, p_duplicate=0.1, n_partitions=2, n_pauses=1, t_delay_tail=0.02
    ),
    "counter: calm": Scenario(_COUNTER),
    "counter: duplicates": Scenario(_COUNTER, p_duplicate=0.3, p_loss=0.05),
    "counter: partitions": Scenario(_COUNTER, n_partitions=2, p_loss=0.1, p_duplicate=0.1),
    "counter: crashes": Scenario(_COUNTER, n_pauses=2, pause_kind="crash", p_loss=0.05),
    "register: calm": Scenario(_REGISTER, t_end=3.0),
    "register: lossy": Scenario(_REGISTER, t_end=3.0, p_loss=0.1, p_duplicate=0.05),
    "register: partitions": Scenario(
        _REGISTER, t_end=3.0, n_partitions=1, t_partition=0.5, p_loss=0.05, t_delay_tail=0.01
    ),
    "register: slow network": Scenario(_REGISTER, t_end=3.0, t_delay_min=0.002, t_delay_tail=0.03),
}
"""The named fault scenarios the chapter's checks and the explorer use."""
