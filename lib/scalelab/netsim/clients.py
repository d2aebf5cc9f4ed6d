"""The clients: the traffic a run's nodes must serve, and the history they record.

Maelstrom calls the traffic a *workload* (``broadcast``, ``g-counter``, ``lin-kv``, ...).
:class:`Workload` is one of four kinds of client traffic:

- ``"broadcast"``: ``n_ops`` messages ``{"type": "broadcast", "message": v}`` (v = 0, 1, ...)
  sent to random nodes at random times before ``t_stop``; a node answers ``broadcast_ok``;
- ``"counter"``: ``n_ops`` increments ``{"type": "add", "delta": d}`` (d from 1 to 5);
  a node answers ``add_ok``;
- ``"register"``: ``n_clients`` clients, each doing one operation at a time on one register,
  ``{"type": "write", "value": v}`` (every value unique) or ``{"type": "read"}`` (a node
  answers ``write_ok``, or ``read_ok`` with ``"value"``), waiting up to ``t_timeout`` seconds
  for the answer, then thinking for an exponential time of mean ``t_think``, until ``t_stop``;
- ``"echo"``: ``n_ops`` ``{"type": "echo", "echo": i}``, for a first node.

Every request carries a ``msg_id``; answer it with ``Node.reply``, which sets ``in_reply_to``.
Each client records an :class:`Op` per operation, as Jepsen's history does: when it was
invoked, when the answer came (``inf`` if it never did) and what it returned. A register
write that timed out stays in the history as *indeterminate* (it may have taken effect, or
may yet); a read that timed out returned nothing and is left out.

>>> Workload(kind="register", n_clients=4).t_timeout
1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from scalelab.validate import param, validate_fields

__all__ = ["KINDS_OF_WORKLOAD", "Workload", "Op", "make_clients"]

KINDS_OF_WORKLOAD = ("broadcast", "counter", "register", "echo")
"""The kinds of client traffic :class:`Workload` can generate."""


class Op(NamedTuple):
    """One client operation: ``kind`` (``"write"``, ``"read"``, ``"add"``, ...), the ``value``
    written or read, sent to ``node`` at ``t_invoke`` and answered at ``t_complete``
    (``inf`` with ``ok=False`` if no answer came before the client's timeout)."""

    client: str
    node: str
    kind: str
    value: Any
    t_invoke: float
    t_complete: float
    ok: bool


@dataclass(frozen=True)
class Workload:
    """The clients' traffic: its ``kind`` (one of :data:`KINDS_OF_WORKLOAD`) and its size.

    >>> Workload(kind="register", n_clients=4).t_timeout
    1.0
    """

    kind: str = param("broadcast", kind="choice", choices=KINDS_OF_WORKLOAD, doc="traffic kind")
    n_ops: int = param(30, kind="int", low=1, high=100_000, doc="operations (not register)")
    n_clients: int = param(3, kind="int", low=1, high=100, doc="clients sending operations")
    t_stop: float = param(4.0, low=0, low_open=True, high=1e6, doc="last operation", unit="s")
    t_timeout: float = param(1.0, low=0, low_open=True, high=1e6, doc="give up", unit="s")
    t_think: float = param(0.05, low=0, high=1e6, doc="mean pause between ops", unit="s")
    p_read: float = param(0.5, kind="probability", doc="share of register ops that read")

    def __post_init__(self):
        validate_fields(self)


class _OpenClient:
    """Sends its scheduled operations at their times, without waiting for answers."""

    def __init__(self, client_id: str, ops: list):
        self.client_id = client_id
        self.ops = ops  # [(t, node, kind, value, body)]
        self.i = 0
        self.t_first = ops[0][0]
        self.pending: dict[int, list] = {}
        self.done: list = []

    def step(self, sim, token) -> None:
        t, node, kind, value, body = self.ops[self.i]
        self.i += 1
        msg_id = self.i
        self.pending[msg_id] = [node, kind, value, sim.now]
        sim.send(self.client_id, node, {**body, "msg_id": msg_id})
        if self.i < len(self.ops):
            sim.push(self.ops[self.i][0], 2, (self, None))

    def receive(self, sim, src, body) -> None:
        entry = self.pending.pop(body.get("in_reply_to"), None)
        if entry is not None:
            node, kind, value, t0 = entry
            self.done.append(Op(self.client_id, node, kind, value, t0, sim.now, True))

    def history(self, t_end: float) -> list:
        lost = [
            Op(self.client_id, n, k, v, t0, math.inf, False)
            for n, k, v, t0 in self.pending.values()
        ]
        return self.done + lost


class _RegisterClient:
    """One operation at a time: write a fresh value or read, wait for the answer or time out."""

    def __init__(self, client_id: str, index: int, workload: Workload, node_ids, draws):
        self.client_id, self.index, self.w = client_id, index, workload
        self.node_ids, self.draws = node_ids, draws
        self.t_first = workload.t_think * draws.exponential()
        self.msg_id = 0
        self.current: list | None = None  # [msg_id, node, kind, value, t_invoke]
        self.done: list = []

    def step(self, sim, token) -> None:
        if token is not None:  # ("timeout", msg_id): give up on that operation if still waiting
            if self.current is None or self.current[0] != token[1]:
                return
            _, node, kind, value, t0 = self.current
            if kind == "write":  # it may still take effect: indeterminate
                self.done.append(Op(self.client_id, node, kind, value, t0, math.inf, False))
            self.current = None
            self._next(sim)
            return
        if sim.now > self.w.t_stop:
            return
        self.msg_id += 1
        node = self.node_ids[int(self.draws.uniform() * len(self.node_ids))]
        if self.draws.uniform() < self.w.p_read:
            kind, value, body = "read", None, {"type": "read"}
        else:
            kind = "write"
            value = self.msg_id * self.w.n_clients + self.index
            body = {"type": "write", "value": value}
        self.current = [self.msg_id, node, kind, value, sim.now]
        sim.send(self.client_id, node, {**body, "msg_id": self.msg_id})
        sim.push(sim.now + self.w.t_timeout, 2, (self, ("timeout", self.msg_id)))

    def _next(self, sim) -> None:
        t_next = sim.now + self.w.t_think * self.draws.exponential()
        if t_next <= self.w.t_stop:
            sim.push(t_next, 2, (self, None))

    def receive(self, sim, src, body) -> None:
        if self.current is None or body.get("in_reply_to") != self.current[0]:
            return  # a late answer to an operation already given up
        _, node, kind, value, t0 = self.current
        if kind == "read":
            value = body.get("value")
        ok = body.get("type") in ("read_ok", "write_ok")
        self.done.append(Op(self.client_id, node, kind, value, t0, sim.now if ok else math.inf, ok))
        self.current = None
        self._next(sim)

    def history(self, t_end: float) -> list:
        out = list(self.done)
        if self.current is not None and self.current[2] == "write":
            _, node, kind, value, t0 = self.current
            out.append(Op(self.client_id, node, kind, value, t0, math.inf, False))
        return out


def make_clients(workload: Workload, node_ids, draws) -> list:
    """The clients of ``workload`` for the nodes ``node_ids``, drawing from ``draws`` (used by
    :func:`scalelab.netsim.simulate`; each client has ``step``, ``receive`` and ``history``).

    >>> class Fixed:  # stands in for the simulator's random draws
    ...     def uniform(self): return 0.5
    >>> [c.client_id for c in make_clients(Workload(n_ops=4, n_clients=2), ("n0", "n1"), Fixed())]
    ['c0', 'c1']
    """
    w = workload
    n = len(node_ids)
    if w.kind == "register":
        return [_RegisterClient(f"c{i}", i, w, node_ids, draws) for i in range(w.n_clients)]
    times = sorted(w.t_stop * draws.uniform() for _ in range(w.n_ops))
    per_client: dict[int, list] = {}
    for i, t in enumerate(times):
        node = node_ids[int(draws.uniform() * n)]
        if w.kind == "broadcast":
            op = (t, node, "broadcast", i, {"type": "broadcast", "message": i})
        elif w.kind == "counter":
            delta = 1 + int(draws.uniform() * 5)
            op = (t, node, "add", delta, {"type": "add", "delta": delta})
        else:
            op = (t, node, "echo", i, {"type": "echo", "echo": i})
        per_client.setdefault(i % w.n_clients, []).append(op)
    return [_OpenClient(f"c{i}", ops) for i, ops in sorted(per_client.items())]
