"""A deterministic network of message-passing nodes: the simulator under the protocol lab.

Real protocols run on a network that loses packets, delays them by different amounts (so they
overtake each other), delivers some twice (a retransmitting TCP proxy, a client retry, a
replayed queue), and splits into groups that cannot reach each other for a while (a
*partition*) before it heals. Processes pause (a garbage collection, a live migration) and
crash. Jepsen's Maelstrom runs your node as a process and plays this network around it; here
the same idea runs inside one Python process, in simulated time, so that a run is fast, exact
and replayable: the same ``rng`` seed gives the same run, message for message.

A node is a small Python object, a subclass of :class:`Node`, with handlers:

- ``on_start()`` once at time 0 (set up the node's state here);
- ``on_message(src, body)`` for every message delivered to it (``body`` is a dict with a
  ``"type"``; ``src`` is another node's id such as ``"n2"`` or a client's such as ``"c0"``);
- ``on_timer(name)`` when a timer set with ``set_timer(t_delay, name)`` fires;

and it acts with ``send(dst, body)`` and ``reply(src, request, body)``. ``self.node_id``,
``self.node_ids`` (every node, itself included) and ``self.now`` (seconds) are set for it.

:class:`Faults` is the fault schedule: a latency distribution (a floor plus an exponential
tail, drawn independently per message, which reorders messages), ``p_loss``, ``p_duplicate``
(a second copy with its own delay), :class:`Partition` s (a set of nodes cut off from the rest
from ``t_start`` for ``t_duration``) and :class:`Pause` s (a node that stops, for a pause, or
crashes and restarts with its state, for a crash). :func:`simulate` runs nodes, clients and
faults and returns a frozen :class:`Run`: every message with its fate, and every client
operation with its invocation and completion times, which the checkers read.

Simplifications: clients (``"c0"``, ...) talk to nodes over a reliable link with the same
latency distribution (Maelstrom's clients sit on the same network; here faults hit only
messages between nodes, so a check's verdict is about the protocol); a partition is decided at
delivery time (a message in flight when the link is cut is lost); a node handles a message in
zero time; bodies are copied on send (one level deep), as if serialised.

>>> import numpy as np
>>> class Echo(Node):
...     def on_message(self, src, body):
...         if body["type"] == "echo":
...             self.reply(src, body, {"type": "echo_ok", "echo": body["echo"]})
>>> from scalelab.netsim import Workload
>>> run = simulate(Echo, Workload(kind="echo", n_ops=3, t_stop=0.5), Faults(), n_nodes=2, t_end=1.0,
...                rng=np.random.default_rng(1))
>>> [op.ok for op in run.history], len(run.messages)
([True, True, True], 6)
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from scalelab.netsim.clients import Workload, make_clients
from scalelab.validate import (
    check_choice,
    check_int,
    check_number,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "Node",
    "Partition",
    "Pause",
    "Faults",
    "Message",
    "Run",
    "FATES",
    "node_names",
    "simulate",
]

FATES = ("delivered", "lost", "partitioned", "crashed")
"""What happened to a message: delivered, lost by the network (``p_loss``), dropped because a
partition separated its ends when it arrived, or dropped because its receiver was crashed."""


def node_names(n_nodes: int) -> tuple[str, ...]:
    """The ids of ``n_nodes`` nodes, as Maelstrom names them: ``("n0", "n1", ...)``.

    >>> node_names(3)
    ('n0', 'n1', 'n2')
    """
    check_int("n_nodes", n_nodes, low=1, high=1000)
    return tuple(f"n{i}" for i in range(n_nodes))


class Node:
    """A node of the simulated network: subclass it and write the handlers.

    The simulator creates each node as ``factory(node_id, node_ids)`` (your class, usually),
    then calls ``on_start()`` at time 0. Override ``on_start``, ``on_message`` and ``on_timer``;
    call ``send``, ``reply`` and ``set_timer``. Do not override ``__init__`` unless you call
    ``super().__init__(node_id, node_ids)``.
    """

    def __init__(self, node_id: str, node_ids: tuple[str, ...]):
        self.node_id = node_id
        self.node_ids = tuple(node_ids)
        self.now = 0.0
        self._sim: _Sim | None = None

    @property
    def peers(self) -> tuple[str, ...]:
        """Every other node's id."""
        return tuple(n for n in self.node_ids if n != self.node_id)

    def on_start(self) -> None:
        """Called once at time 0: set up the node's state."""

    def on_message(self, src: str, body: dict) -> None:
        """Called for every message delivered to this node (``src`` is who sent it)."""

    def on_timer(self, name) -> None:
        """Called when a timer set with :meth:`set_timer` fires (``name`` as given)."""

    def send(self, dst: str, body: dict) -> None:
        """Send ``body`` (a dict with a ``"type"``) to the node or client ``dst``."""
        if self._sim is None:
            raise RuntimeError("send() works only inside a running simulation")
        self._sim.send(self.node_id, dst, body)

    def reply(self, src: str, request: dict, body: dict) -> None:
        """Answer ``request`` (received from ``src``): ``body`` plus ``in_reply_to``."""
        self.send(src, {**body, "in_reply_to": request.get("msg_id")})

    def set_timer(self, t_delay: float, name="tick") -> None:
        """Call ``on_timer(name)`` after ``t_delay`` seconds (a timer fires once)."""
        if self._sim is None:
            raise RuntimeError("set_timer() works only inside a running simulation")
        check_number("t_delay", t_delay, low=0)
        self._sim.timer(self.node_id, t_delay, name)


@dataclass(frozen=True)
class Partition:
    """The nodes in ``side`` cannot exchange messages with the others from ``t_start`` (s) for
    ``t_duration`` seconds; then the partition heals.

    >>> Partition(t_start=1.0, t_duration=2.0, side=("n0", "n1")).t_heal
    3.0
    """

    t_start: float = param(1.0, low=0, high=1e6, doc="when the partition opens", unit="s")
    t_duration: float = param(1.0, low=0, high=1e6, doc="how long it stays open", unit="s")
    side: tuple = ("n0",)

    def __post_init__(self):
        validate_fields(self)
        object.__setattr__(self, "side", tuple(str(s) for s in self.side))

    @property
    def t_heal(self) -> float:
        """When the partition heals (s)."""
        return self.t_start + self.t_duration

    def cuts(self, a: str, b: str, t: float) -> bool:
        """True if the partition separates ``a`` and ``b`` at time ``t``."""
        return self.t_start <= t < self.t_heal and ((a in self.side) != (b in self.side))


@dataclass(frozen=True)
class Pause:
    """Node ``node`` stops at ``t_start`` (s) for ``t_duration`` seconds.

    ``kind="pause"`` (a long garbage collection): messages and timers wait and are handled
    when it resumes. ``kind="crash"``: messages that arrive while it is down are lost; it
    restarts with its state (its disk) and its timers fire at the restart.

    >>> Pause(node="n2", t_start=1.0, t_duration=0.5, kind="crash").t_end
    1.5
    """

    node: str = "n0"
    t_start: float = param(1.0, low=0, high=1e6, doc="when the node stops", unit="s")
    t_duration: float = param(0.5, low=0, high=1e6, doc="how long it stays stopped", unit="s")
    kind: str = param("pause", kind="choice", choices=("pause", "crash"), doc="pause or crash")

    def __post_init__(self):
        validate_fields(self)

    @property
    def t_end(self) -> float:
        """When the node runs again (s)."""
        return self.t_start + self.t_duration


@dataclass(frozen=True)
class Faults:
    """A fault schedule for the messages between nodes.

    Each message's delay is ``t_delay_min`` plus an exponential tail of mean ``t_delay_tail``
    seconds, drawn independently (so messages overtake each other: reordering); it is lost with
    probability ``p_loss`` and, if not, delivered twice with probability ``p_duplicate`` (the
    copy with its own delay). ``partitions`` and ``pauses`` are tuples of :class:`Partition`
    and :class:`Pause`.

    >>> f = Faults(p_loss=0.1, partitions=(Partition(1.0, 2.0, ("n0",)),))
    >>> f.t_healed
    3.0
    """

    t_delay_min: float = param(0.001, low=0, high=60, doc="the fixed part of a delay", unit="s")
    t_delay_tail: float = param(0.004, low=0, high=60, doc="mean of the delay's tail", unit="s")
    p_loss: float = param(0.0, kind="probability", doc="share of messages the network loses")
    p_duplicate: float = param(0.0, kind="probability", doc="share delivered twice")
    partitions: tuple = ()
    pauses: tuple = ()

    def __post_init__(self):
        validate_fields(self)
        object.__setattr__(self, "partitions", tuple(self.partitions))
        object.__setattr__(self, "pauses", tuple(self.pauses))
        for p in self.partitions:
            check_type("partitions[i]", p, Partition)
        for p in self.pauses:
            check_type("pauses[i]", p, Pause)

    @property
    def t_healed(self) -> float:
        """When the last partition has healed and the last pause ended (s; 0 if none)."""
        ends = [p.t_heal for p in self.partitions] + [p.t_end for p in self.pauses]
        return max(ends, default=0.0)


class Message(NamedTuple):
    """One message: sent at ``t_send`` from ``src`` to ``dst``; ``t_deliver`` is when it arrived
    (or would have); ``fate`` one of :data:`FATES`; ``copy`` is True for a duplicate."""

    t_send: float
    t_deliver: float
    src: str
    dst: str
    body: dict
    fate: str
    copy: bool


@dataclass(frozen=True)
class Run:
    """A finished simulation: the message log, the client history and the final reads.

    ``final`` maps each node to its answer to a ``{"type": "read"}`` asked directly at
    ``t_end`` (``None`` for a node that did not answer at once); ``nodes`` are the node objects
    as they ended, for inspection.
    """

    node_ids: tuple
    t_end: float
    workload: Workload
    faults: Faults
    messages: tuple
    history: tuple
    final: dict = field(repr=False)
    nodes: dict = field(repr=False)

    @property
    def n_messages(self) -> int:
        """Messages sent between nodes (duplicates and lost ones included; clients excluded)."""
        return sum(1 for m in self.messages if m.src[0] == "n" and m.dst[0] == "n")


def _copy_body(body: dict) -> dict:
    if type(body) is not dict:
        raise ValueError(f"a message body must be a dict; got {type(body).__name__} {body!r}")
    out = {}
    for k, v in body.items():
        t = type(v)
        out[k] = v.copy() if t is list or t is dict or t is set else v
    return out


class _Draws:
    """Random numbers drawn from ``rng`` in blocks (fast), consumed in a fixed order."""

    def __init__(self, rng: np.random.Generator, block: int = 2048):
        self.rng, self.block = rng, block
        self.u: list[float] = []
        self.e: list[float] = []

    def uniform(self) -> float:
        if not self.u:
            self.u = self.rng.random(self.block).tolist()
        return self.u.pop()

    def exponential(self) -> float:
        if not self.e:
            self.e = self.rng.standard_exponential(self.block).tolist()
        return self.e.pop()


class _Sim:
    """The event loop: a heap of (time, sequence, kind, payload)."""

    def __init__(self, node_ids, faults: Faults, draws: _Draws, t_end: float):
        self.node_ids, self.faults, self.draws, self.t_end = node_ids, faults, draws, t_end
        self.heap: list = []
        self.seq = 0
        self.now = 0.0
        self.log: list = []  # [t_send, t_deliver, src, dst, body, fate, copy]
        self.nodes: dict[str, Node] = {}
        self.clients: dict[str, Any] = {}
        self.pauses: dict[str, list[Pause]] = {}
        for p in faults.pauses:
            self.pauses.setdefault(p.node, []).append(p)

    def push(self, t: float, kind: int, payload) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, payload))

    def delay(self) -> float:
        f = self.faults
        return f.t_delay_min + (f.t_delay_tail * self.draws.exponential() if f.t_delay_tail else 0)

    def send(self, src: str, dst: str, body: dict) -> None:
        if dst not in self.nodes and dst not in self.clients:
            raise ValueError(f"send: no node or client {dst!r}; nodes are {self.node_ids}")
        body = _copy_body(body)
        t = self.now
        between_nodes = src in self.nodes and dst in self.nodes
        fate = "delivered"
        if between_nodes and self.faults.p_loss and self.draws.uniform() < self.faults.p_loss:
            fate = "lost"
        entry = [t, t + self.delay(), src, dst, body, fate, False]
        self.log.append(entry)
        if fate == "delivered":
            self.push(entry[1], 0, entry)
            if (
                between_nodes
                and self.faults.p_duplicate
                and self.draws.uniform() < self.faults.p_duplicate
            ):
                dup = [t, t + self.delay(), src, dst, body, "delivered", True]
                self.log.append(dup)
                self.push(dup[1], 0, dup)

    def timer(self, node_id: str, t_delay: float, name) -> None:
        self.push(self.now + t_delay, 1, (node_id, name))

    def stopped(self, node_id: str, t: float) -> Pause | None:
        for p in self.pauses.get(node_id, ()):
            if p.t_start <= t < p.t_end:
                return p
        return None

    def run(self) -> None:
        heap, nodes, partitions = self.heap, self.nodes, self.faults.partitions
        while heap and heap[0][0] <= self.t_end:
            t, _, kind, payload = heapq.heappop(heap)
            self.now = t
            if kind == 0:  # a message arrives
                src, dst, body = payload[2], payload[3], payload[4]
                node = nodes.get(dst)
                if node is None:  # to a client
                    self.clients[dst].receive(self, src, body)
                    continue
                if partitions and src in nodes and any(p.cuts(src, dst, t) for p in partitions):
                    payload[5] = "partitioned"
                    continue
                if self.pauses:
                    p = self.stopped(dst, t)
                    if p is not None:
                        if p.kind == "crash" and src in nodes:
                            payload[5] = "crashed"
                        else:
                            self.push(p.t_end, 0, payload)  # handled when it resumes
                        continue
                payload[1] = t
                node.now = t
                node.on_message(src, body)
            elif kind == 1:  # a timer
                node_id, name = payload
                if self.pauses:
                    p = self.stopped(node_id, t)
                    if p is not None:
                        self.push(p.t_end, 1, payload)
                        continue
                node = nodes[node_id]
                node.now = t
                node.on_timer(name)
            else:  # a client's next step
                payload[0].step(self, payload[1])


def simulate(node_factory, workload, faults: Faults, *, n_nodes: int = 5, t_end: float = 10.0,
             rng: np.random.Generator) -> Run:  # fmt: skip
    """Run ``n_nodes`` nodes made by ``node_factory(node_id, node_ids)`` under ``faults`` while
    ``workload``'s clients send them operations, for ``t_end`` seconds of simulated time.

    Every random choice (delays, losses, duplicates, the clients' operations) comes from
    ``rng``: the same seed gives the same :class:`Run`. At ``t_end`` each node is asked
    ``{"type": "read"}`` directly (no network) and its immediate answer is kept in
    ``Run.final``.

    >>> from scalelab.netsim import PROTOCOLS, Workload
    >>> run = simulate(PROTOCOLS["gossip"].node, Workload(kind="broadcast", n_ops=10), Faults(),
    ...                t_end=5.0, rng=np.random.default_rng(7))
    >>> sorted(run.final["n3"]["messages"]) == list(range(10))
    True
    """
    check_type("workload", workload, Workload)
    check_type("faults", faults, Faults)
    check_int("n_nodes", n_nodes, low=1, high=100)
    check_number("t_end", t_end, low=0, low_open=True, high=1e6)
    draws = _Draws(check_rng(rng))
    node_ids = node_names(n_nodes)
    for p in faults.pauses:
        check_choice("pauses[i].node", p.node, node_ids)
    sim = _Sim(node_ids, faults, draws, float(t_end))
    for node_id in node_ids:
        node = node_factory(node_id, node_ids)
        check_type("node_factory(node_id, node_ids)", node, Node)
        node._sim = sim
        sim.nodes[node_id] = node
    for client in make_clients(workload, node_ids, draws):
        sim.clients[client.client_id] = client
        sim.push(client.t_first, 2, (client, None))
    for node in sim.nodes.values():
        node.on_start()
    sim.run()
    sim.now = float(t_end)
    final = _final_reads(sim)
    history = tuple(op for client in sim.clients.values() for op in client.history(t_end))
    history = tuple(sorted(history, key=lambda op: (op.t_invoke, op.client)))
    messages = tuple(Message(*entry) for entry in sim.log)
    return Run(node_ids, float(t_end), workload, faults, messages, history, final, dict(sim.nodes))


def _final_reads(sim: _Sim) -> dict:
    """Ask every node ``{"type": "read"}`` at the end, catching what it sends straight back."""
    final = {}
    for node_id, node in sim.nodes.items():
        caught: list = []
        node._sim = _Catcher(caught)
        node.now = sim.now
        try:
            node.on_message("checker", {"type": "read", "msg_id": -1})
        except Exception:  # noqa: BLE001 - a node that cannot answer a read has no final value
            caught = []
        node._sim = sim
        final[node_id] = caught[0] if caught else None
    return final


class _Catcher:
    """Stands in for the network during the final reads: keeps what is sent to the checker."""

    def __init__(self, caught: list):
        self.caught = caught

    def send(self, src, dst, body):
        if dst == "checker":
            self.caught.append(_copy_body(body))

    def timer(self, node_id, t_delay, name):
        pass
