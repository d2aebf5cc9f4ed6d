"""Reference builds of the lab's three protocols, and broken variants with real bugs.

**Broadcast by gossip** (Demers et al., 1987, called the idea *epidemic*; Maelstrom's
``broadcast`` workload and Gossip Glomers' third challenge ask for it): every value a client
broadcasts must end up on every node, even if the network lost the message or a partition cut
the way. :class:`GossipBroadcast` sends each new value to every peer and keeps it in a per-peer
"not yet acknowledged" set; a timer resends what is still unacknowledged, batched into one
message per peer, until the peer's ``gossip_ok`` arrives. Variants: :class:`GossipNoRetry`
sends once and forgets (a lost message is lost for good); :class:`GossipFlood` sends everything
it knows to every peer on every tick, forever (it converges, at a price in messages).

**A grow-only counter as a CRDT** (Shapiro et al., 2011): each node counts its own increments
in its slot of a map ``{node: count}``, gossips the whole map, and merges a received one with
:func:`merge_counts` (the larger count per slot). That merge is commutative, associative and
idempotent, so a duplicated, reordered or repeated message changes nothing: :class:`GCounter`.
Variants: :class:`CounterNoDedup` sends each increment as an operation, retried until
acknowledged, and adds every copy it receives (duplicates count twice);
:class:`CounterNoRetry` sends each increment once (a lost one is lost).

**A quorum register** (Attiya, Bar-Noy and Dolev, 1995, "ABD"): ``N`` replicas hold a
``(version, value)`` pair. :class:`QuorumNode` gives a node one helper, ``ask_all``: send a
request to every node (itself included), resend to the silent ones every ``t_retry`` seconds,
and call back once a majority has answered. :class:`ABDRegister` reads a majority's versions;
a write then stores ``(highest counter + 1, its id, its own count of writes)`` on a majority
(a version no other write can have); a read *writes back* the
highest pair to a majority before it answers. Both phases make it linearizable.
Variants: :class:`RegisterOneReplica` answers reads from one replica; :class:`RegisterNoWriteBack`
answers a read straight after the majority's versions (read repair left to the background);
:class:`RegisterLocalVersion` numbers a write from its coordinator's own copy, skipping the
first phase.

``PROTOCOLS`` names them all for the explorer and the tests.

>>> import numpy as np
>>> from scalelab.netsim import SCENARIOS, check_broadcast, simulate_scenario
>>> run = simulate_scenario(GossipBroadcast, SCENARIOS["broadcast: partitions"],
...                         rng=np.random.default_rng(4))
>>> check_broadcast(run).ok
True
"""

from __future__ import annotations

from typing import NamedTuple

from scalelab.netsim.network import Node

__all__ = [
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
]


# ----------------------------------------------------------------------------------------------
# Broadcast
# ----------------------------------------------------------------------------------------------


class GossipBroadcast(Node):
    """Broadcast with acknowledgements: resend what a peer has not acknowledged, batched."""

    t_retry = 0.1

    def on_start(self):
        self.seen = set()
        self.unacked = {peer: set() for peer in self.peers}
        self.set_timer(self.t_retry, "retry")

    def on_message(self, src, body):
        kind = body["type"]
        if kind == "broadcast":
            value = body["message"]
            if value not in self.seen:
                self.seen.add(value)
                for peer in self.peers:
                    self.unacked[peer].add(value)
                    self.send(peer, {"type": "gossip", "messages": [value]})
            self.reply(src, body, {"type": "broadcast_ok"})
        elif kind == "gossip":
            self.seen.update(body["messages"])
            self.send(src, {"type": "gossip_ok", "messages": body["messages"]})
        elif kind == "gossip_ok":
            self.unacked[src].difference_update(body["messages"])
        elif kind == "read":
            self.reply(src, body, {"type": "read_ok", "messages": sorted(self.seen)})

    def on_timer(self, name):
        for peer, values in self.unacked.items():
            if values:
                self.send(peer, {"type": "gossip", "messages": sorted(values)})
        self.set_timer(self.t_retry, "retry")


class GossipNoRetry(GossipBroadcast):
    """Bug: sends each value once and never resends (no retransmission)."""

    def on_timer(self, name):
        for values in self.unacked.values():
            values.clear()


class GossipFlood(GossipBroadcast):
    """Wasteful: every tick, everything it knows to every peer, forever (converges; costly)."""

    def on_timer(self, name):
        for peer in self.peers:
            self.send(peer, {"type": "gossip", "messages": sorted(self.seen)})
        self.set_timer(self.t_retry, "retry")


# ----------------------------------------------------------------------------------------------
# Counter
# ----------------------------------------------------------------------------------------------


def merge_counts(a: dict, b: dict) -> dict:
    """Merge two grow-only counter states ``{node: count}``: the larger count per node.

    >>> merge_counts({"n0": 3, "n1": 1}, {"n1": 4, "n2": 2})
    {'n0': 3, 'n1': 4, 'n2': 2}
    """
    out = dict(a)
    for node, count in b.items():
        out[node] = max(out.get(node, count), count)
    return out


class GCounter(Node):
    """A state-based grow-only counter: own slot, whole-state gossip, merge by maximum."""

    t_gossip = 0.1

    def on_start(self):
        self.counts = {}
        self.turn = 0
        self.set_timer(self.t_gossip, "gossip")

    def on_message(self, src, body):
        kind = body["type"]
        if kind == "add":
            self.counts[self.node_id] = self.counts.get(self.node_id, 0) + body["delta"]
            self.reply(src, body, {"type": "add_ok"})
        elif kind == "state":
            self.counts = merge_counts(self.counts, body["counts"])
        elif kind == "read":
            self.reply(src, body, {"type": "read_ok", "value": sum(self.counts.values())})

    def on_timer(self, name):
        peer = self.peers[self.turn % len(self.peers)]  # round robin: one peer per tick
        self.turn += 1
        self.send(peer, {"type": "state", "counts": self.counts})
        self.set_timer(self.t_gossip, "gossip")


class CounterNoDedup(Node):
    """Bug: sends each increment as an operation, resent until acknowledged, and adds every
    copy that arrives (a duplicate, or a resend whose acknowledgement was lost, counts twice)."""

    t_retry = 0.1

    def on_start(self):
        self.total = 0
        self.next_id = 0
        self.unacked = {}  # (peer, id) -> delta
        self.set_timer(self.t_retry, "retry")

    def on_message(self, src, body):
        kind = body["type"]
        if kind == "add":
            self.total += body["delta"]
            self.next_id += 1
            for peer in self.peers:
                self.unacked[(peer, self.next_id)] = body["delta"]
                self.send(peer, {"type": "inc", "id": self.next_id, "delta": body["delta"]})
            self.reply(src, body, {"type": "add_ok"})
        elif kind == "inc":
            self.total += body["delta"]
            self.send(src, {"type": "inc_ok", "id": body["id"]})
        elif kind == "inc_ok":
            self.unacked.pop((src, body["id"]), None)
        elif kind == "read":
            self.reply(src, body, {"type": "read_ok", "value": self.total})

    def on_timer(self, name):
        for (peer, op_id), delta in sorted(self.unacked.items()):
            self.send(peer, {"type": "inc", "id": op_id, "delta": delta})
        self.set_timer(self.t_retry, "retry")


class CounterNoRetry(CounterNoDedup):
    """Bug: sends each increment once (no retransmission): a lost one never arrives."""

    def on_timer(self, name):
        self.unacked.clear()


# ----------------------------------------------------------------------------------------------
# Register
# ----------------------------------------------------------------------------------------------


class QuorumNode(Node):
    """A node with a helper for quorum protocols: ``ask_all(body, n_needed, done)``.

    ``ask_all`` sends ``body`` to every node (this one included), resends it to those that
    have not answered every ``t_retry`` seconds, and calls ``done(replies)`` once
    ``n_needed`` have answered (``replies`` maps node -> answer body). Replicas answer with
    ``self.reply(src, body, {...})``. A subclass's ``on_message`` starts with
    ``if self.handle_reply(src, body): return`` and calls ``super().on_start()``.
    """

    t_retry = 0.05

    @property
    def majority(self) -> int:
        """The smallest majority of the nodes: ``len(node_ids) // 2 + 1``."""
        return len(self.node_ids) // 2 + 1

    def on_start(self):
        self._calls = {}
        self._n_calls = 0

    def ask_all(self, body, n_needed, done):
        """Send ``body`` to every node, resend until ``n_needed`` answered, then ``done``."""
        self._n_calls += 1
        call_id = f"{self.node_id}:{self._n_calls}"
        request = {**body, "msg_id": call_id}
        self._calls[call_id] = (request, n_needed, done, {})
        for node in self.node_ids:
            self.send(node, request)
        self.set_timer(self.t_retry, ("retry", call_id))

    def handle_reply(self, src, body) -> bool:
        """If ``body`` answers one of this node's ``ask_all`` calls, record it; return True."""
        call = self._calls.get(body.get("in_reply_to"))
        if call is None:
            return "in_reply_to" in body  # a late answer to a finished call: nothing to do
        request, n_needed, done, replies = call
        replies[src] = body
        if len(replies) >= n_needed:
            del self._calls[request["msg_id"]]
            done(replies)
        return True

    def on_timer(self, name):
        if isinstance(name, tuple) and name[0] == "retry" and name[1] in self._calls:
            request, _, _, replies = self._calls[name[1]]
            for node in self.node_ids:
                if node not in replies:
                    self.send(node, request)
            self.set_timer(self.t_retry, name)


class ABDRegister(QuorumNode):
    """A linearizable register over a majority quorum (ABD): two phases for reads and writes."""

    def on_start(self):
        super().on_start()
        self.version, self.value = (0, "", 0), None
        self.n_writes = 0

    def on_message(self, src, body):
        if self.handle_reply(src, body):
            return
        kind = body["type"]
        if kind == "get":
            self.reply(src, body, {"type": "get_ok", "version": self.version, "value": self.value})
        elif kind == "put":
            if tuple(body["version"]) > self.version:
                self.version, self.value = tuple(body["version"]), body["value"]
            self.reply(src, body, {"type": "put_ok"})
        elif kind in ("read", "write"):
            self.ask_all({"type": "get"}, self.majority, lambda got: self.phase2(src, body, got))

    def highest(self, replies):
        """The (version, value) with the highest version among the replies."""
        best = max(replies.values(), key=lambda r: tuple(r["version"]))
        return tuple(best["version"]), best["value"]

    def phase2(self, client, request, replies):
        """Store the new (write) or highest (read) pair on a majority, then answer."""
        version, value = self.highest(replies)
        if request["type"] == "write":  # unique: two writes through one node differ too
            self.n_writes += 1
            version, value = (version[0] + 1, self.node_id, self.n_writes), request["value"]

        def answer(_):
            if request["type"] == "write":
                self.reply(client, request, {"type": "write_ok"})
            else:
                self.reply(client, request, {"type": "read_ok", "value": value})

        self.ask_all({"type": "put", "version": version, "value": value}, self.majority, answer)


class RegisterOneReplica(ABDRegister):
    """Bug: a read asks one replica (the fastest) and answers with its value."""

    def on_message(self, src, body):
        if body["type"] == "read":
            self.ask_all(
                {"type": "get"},
                1,
                lambda got: self.reply(
                    src, body, {"type": "read_ok", "value": self.highest(got)[1]}
                ),
            )
            return
        super().on_message(src, body)


class RegisterNoWriteBack(ABDRegister):
    """Bug: a read answers with the majority's highest value at once and repairs later."""

    def phase2(self, client, request, replies):
        if request["type"] == "read":
            version, value = self.highest(replies)
            self.reply(client, request, {"type": "read_ok", "value": value})
            self.ask_all({"type": "put", "version": version, "value": value}, 1, lambda _: None)
            return
        super().phase2(client, request, replies)


class RegisterLocalVersion(ABDRegister):
    """Bug: a write numbers its version from the coordinator's own copy (no first phase)."""

    def on_message(self, src, body):
        if body["type"] == "write":
            replies = {self.node_id: {"version": self.version, "value": self.value}}
            self.phase2(src, body, replies)
            return
        super().on_message(src, body)


class Protocol(NamedTuple):
    """A build the explorer can replay: its ``node`` class, the workload ``kind`` it serves,
    whether it is ``correct``, and its ``bug`` in a few words (empty when correct)."""

    node: type
    kind: str
    correct: bool
    bug: str


PROTOCOLS = {
    "gossip": Protocol(GossipBroadcast, "broadcast", True, ""),
    "gossip, no retransmission": Protocol(GossipNoRetry, "broadcast", False, "no retransmission"),
    "gossip, flood forever": Protocol(GossipFlood, "broadcast", False, "over the message budget"),
    "g-counter": Protocol(GCounter, "counter", True, ""),
    "counter, duplicates counted": Protocol(
        CounterNoDedup, "counter", False, "duplicates not handled"
    ),
    "counter, no retransmission": Protocol(CounterNoRetry, "counter", False, "no retransmission"),
    "quorum register (ABD)": Protocol(ABDRegister, "register", True, ""),
    "register, read one replica": Protocol(
        RegisterOneReplica, "register", False, "reads from one replica"
    ),
    "register, no write-back": Protocol(
        RegisterNoWriteBack, "register", False, "read repair after answering"
    ),
    "register, local version": Protocol(
        RegisterLocalVersion, "register", False, "write versions from one copy"
    ),
}
"""The reference builds and their broken variants, by the name the explorer shows."""
