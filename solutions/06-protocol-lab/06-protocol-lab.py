# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Build a node: a protocol lab under partitions, delays and duplicates
#
# Until now you have computed what replication, quorums and CRDTs promise. In this lab you
# write the nodes themselves: small programs that only exchange messages, over a network that
# loses them, delays them by different amounts (so they overtake each other), delivers some
# twice and splits into groups that cannot reach each other for a while. A checker then reads
# what the clients saw and says whether it was allowed. This is what Jepsen's Maelstrom, Fly.io's
# Gossip Glomers and MIT's 6.5840 labs teach; here it runs in the notebook, in simulated time,
# and every run can be replayed exactly from its seed and drawn message by message.
#
# **You will learn to**
# - write a node as message handlers and timers, and reason about what a lost, late or
#   duplicated message does to it;
# - make a broadcast converge under partitions with **acknowledgements and retransmission**,
#   within a **message budget**;
# - replicate a counter as a **CRDT** whose merge shrugs off duplicates and reordering;
# - build a **quorum register** that is **linearizable**, and read a checker's counterexample;
# - replay a failing run as a message-sequence diagram and explain the bug.
#
# **Time:** about 60 minutes. **Points:** 13 (10 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup

# %%
import textwrap

import numpy as np

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.netsim import (
    SCENARIOS,
    Faults,
    GossipNoRetry,
    Node,
    Op,
    Partition,
    QuorumNode,
    Workload,
    check_broadcast,
    check_linearizable,
    check_schedules,
    simulate,
)
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, bottleneck, opening, stage
from scalelab.replication import lww_merge
from scalelab.widgets import show
from scalelab.widgets.netsim import explore_run

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Why protocols fail on real networks
#
# Chapter 05 gave Shutterstall, the photo-print shop this course follows, a majority quorum, so
# a partition no longer leaves two histories. One small thing still goes wrong whenever two
# people like the same photo at the same moment:

# %%
print(opening("protocol-lab").sentence)
s = stage("protocol-lab")
print(f"{PRODUCT.name} now: {s.daily_users:,} daily users, {s.rate_peak:,.0f} requests/s at 20:00")

# %% [markdown]
# Each replica added one to the count it held and stored the total; merging two totals by
# timestamp can only keep one of them. Counting likes correctly across replicas is a protocol
# problem: what a node stores, what it sends, and what it does with a message that arrives
# late, twice or never. In this lab you build such nodes, the like counter among them
# (Exercise 2), and test them against a network that misbehaves.
#
# A protocol on a whiteboard sends a message and it arrives. On a real network a message can be
# **lost** (a full queue in a switch, a node restarting), **delayed** by a garbage-collection
# pause or a retransmission, **reordered** (two messages take different paths or queues),
# **duplicated** (a client retried a request whose answer was lost, a proxy resent it) or
# blocked by a **partition** (a switch fails and a rack cannot reach the rest for a minute).
# A node cannot tell a slow peer from a dead one or from one behind a partition. Chapter 05
# met this as failure detection and split brain; here you meet it one message at a time.
#
# Bugs of this kind hide in testing because the failures are rare and the timing has to line
# up. Jepsen's approach is to generate many random fault schedules, record what clients saw
# (a *history*: each operation's start, end and result), and check the history against a
# model of what was allowed. Maelstrom packages that for learning: you write a node in any
# language, and it runs your node's processes on a simulated network.

# %% [markdown]
# ## The simulator as a model
#
# `scalelab.netsim` keeps Maelstrom's shape inside Python. A node subclasses `Node` and writes
# handlers: `on_start()`, `on_message(src, body)` and `on_timer(name)`; it acts with
# `send(dst, body)`, `reply(src, request, body)` and `set_timer(t_delay, name)`, and knows
# `self.node_id`, `self.peers` and `self.now`. Messages are dicts with a `"type"`. Clients
# (`"c0"`, `"c1"`, ...) send requests, each with a `msg_id`; `reply` sets `in_reply_to`.
#
# ```mermaid
# flowchart TB
#     C[clients] -- "request" --> N0[node n0]
#     N0 -- "reply" --> C
#     N0 <-- "lost, late, twice" --> N1[node n1]
#     N1 <--> N2[node n2]
#     N0 -. "partition" .- N2
#     C --> H[(history)]
#     H --> K{checker}
# ```
#
# The checker reads the history and returns a verdict, with the smallest failing history it
# found; the harness adds the seed of the schedule, so the run can be replayed.
#
# One `Faults` value is a fault schedule: each message's delay is a floor plus an exponential
# tail (so messages reorder), it is lost with probability `p_loss` or duplicated with
# `p_duplicate`, and `Partition`s cut a group of nodes off for a while. An event loop with a
# heap runs it in simulated time, drawing every random number from one generator: the same
# seed gives the same run, message for message. Simplifications: a node handles a message in
# no time, clients reach nodes over a reliable link (faults hit node-to-node messages), and a
# partition is decided when a message arrives.

# %% [markdown]
# ## A first run: broadcast without retransmission
#
# The broadcast workload sends 30 values to random nodes; every node must end up holding all
# 30. `GossipNoRetry` passes each new value to every peer once. Here it runs with 20 % of the
# messages lost, then the checker compares each node's final read with what was broadcast.
#
# **Predict first**: with one message in five lost, how many of the 30 values will be held by
# all five nodes at the end?

# %%
predict("broadcast-reach", ..., question="values of 30 held by all 5 nodes, 20 % of messages lost",
        unit="values")

# %%
lossy = Faults(p_loss=0.2)
workload = Workload(kind="broadcast", n_ops=30, t_stop=4.0)
run = simulate(GossipNoRetry, workload, lossy, n_nodes=5, t_end=8.0, rng=rng)
fates = [m.fate for m in run.messages if m.src[0] == "n" and m.dst[0] == "n"]
print(f"{len(fates)} messages between nodes, {fates.count('lost')} lost")
verdict = check_broadcast(run)
print("accepted" if verdict.ok else textwrap.fill(verdict.problem, 96))
everywhere = set.intersection(*(set(run.final[n]["messages"]) for n in run.node_ids))
reveal("broadcast-reach", len(everywhere),
       why="a value needs all 4 of its messages to arrive: 0.8⁴ ≈ 41 % of values, not 80 %")

# %% [markdown]
# Each lost message leaves one node without one value, for ever: nothing in the protocol
# notices. Under a partition it is worse: every value broadcast on one side while it is open
# is missing on the other. The fix is the oldest one in networking (TCP does it for bytes):
# the receiver **acknowledges**, the sender **resends** what is not acknowledged.

# %% [markdown]
# ## Checking a register: linearizability
#
# For a store with one value, what should clients see? The strongest usual answer is
# **linearizability** (Herlihy and Wing, 1990): every operation appears to take effect at one
# instant between its start and its end, so the history could have come from a single copy.
# The checker tries to find such an order: it picks an operation that may come next, checks
# the register's value, recurses, and backtracks on a dead end (Wing and Gong, 1993), with a
# memo of the configurations it has already tried (Lowe, 2017). When no order exists it shrinks
# the history to a few operations you can read.
#
# Here is a history of three operations on a register that starts empty (`None`): `c0` writes 1
# between 0 and 1 s; `c1` reads 1 between 0.5 and 1.5 s, while the write may still be under way;
# `c2` reads `None` between 2 and 2.5 s. **Predict first**: could a single copy of the register
# have produced this history? Pick `"yes"` or `"no"`.

# %%
predict("register-linearizable", ..., question="is the three-operation history linearizable?",
        options=("yes", "no"))

# %%
history = [
    Op("c0", "n0", "write", 1, 0.0, 1.0, True),
    Op("c1", "n3", "read", 1, 0.5, 1.5, True),
    Op("c2", "n4", "read", None, 2.0, 2.5, True),
]
result = check_linearizable(history)
print(result.ok, [(op.client, op.kind, op.value) for op in result.ops])
print(check_linearizable(history[:2]).ok)  # without the stale read, the history is fine
reveal("register-linearizable", "yes" if result.ok else "no",
       why="c2 began after the write of 1 had ended, so one copy must answer 1; c1 is fine")

# %% [markdown]
# Chapter 05 showed that R + W > N makes every read quorum meet the last *acknowledged*
# write, but is not linearizable on its own: a read that overlaps a write may see the new
# value on one replica while a later read, asking replicas the write has not reached yet,
# returns the old one. The cure (Attiya, Bar-Noy and Dolev, 1995) is a **write-back**: a read
# stores the newest value it found on a majority before it answers. With it, linearizability
# is the right bar for the register you build below, and the checker holds you to it.

# %% [markdown]
# ## What it means in production
#
# - Everything that crosses a network needs an answer to "what if this message is lost?":
#   a timeout and a retry, and therefore an answer to "what if it arrives twice?". Retries
#   without idempotence turn one payment into two.
# - Bandwidth is not free: Gossip Glomers' efficiency challenges cap the messages per
#   broadcast (below 30 with 25 nodes and 100 ms of latency), which rules out sending
#   everything to everyone all the time. Batching is the usual answer.
# - Testing a distributed system means testing its histories under faults, many times.
#   Jepsen found linearizability violations this way in many databases that claimed it.

# %% [markdown]
# ## Explore
#
# The explorer replays one run as a message-sequence diagram: nodes are rows (clients on
# top), time runs left to right, each message is a line from its sending to its arrival.
# Lost messages end in a cross, messages a partition dropped are dashed, open partitions are
# shaded, and whatever the checker rejected is marked with a red diamond.
#
# *Try:* choose "gossip, no retransmission" and raise the loss: which node misses which value?
# Switch the partition on and off. Choose "gossip, flood forever": it converges, but count the
# messages per operation in the caption. Choose "register, read one replica" and the scenario
# "register: partitions", and move the seed until the checker rejects a run: which read was
# stale, and which replicas did it ask? A failing visible check below prints a scenario and a
# seed: `show(explore_run, node=YourClass, kind=..., scenario=..., seed=...)` replays it.

# %%
explorer = show(explore_run)

# %% [markdown]
# ## Exercises
#
# Each build is checked the same way: visible checks run one or two fault schedules; hidden
# checks run 150 to 200 schedules of the named scenarios. Either one, when it fails, prints
# the scenario, the seed of the first schedule that broke your node and what went wrong, with a
# `show(explore_run, ...)` line that replays exactly that run in the explorer (your feedback
# carries the hidden ones). Elsewhere in the course hidden checks never print a seed; here the
# failing schedule is the evidence you debug from, and fixing one schedule does not pass the
# other two hundred. The reference builds in `scalelab.netsim` are switched off while the
# hidden checks run: write your own.
#
# ### Exercise 1: broadcast that survives loss and partitions (3 points)
#
# Write `GossipNode(Node)`. A client sends `{"type": "broadcast", "message": v}` to one node;
# answer it at once with `self.reply(src, body, {"type": "broadcast_ok"})`. Every node must end
# up with every value: answer `{"type": "read"}` with
# `self.reply(src, body, {"type": "read_ok", "messages": [...]})`. The network loses messages
# and partitions heal before the clients stop; a run lasts 8 s. Keep to a **budget of 30
# messages between nodes per broadcast**: with 30 broadcasts, at most 900 messages. (Hint:
# send each new value to your peers, remember per peer what they have not acknowledged, and
# resend that, batched in one message per peer, from a timer, e.g. every 0.1 s.)


# %% nbgrader={"grade": false, "grade_id": "gossip_node", "locked": false, "schema_version": 3, "solution": true, "task": false}
class GossipNode(Node):
    """Broadcast: every value a client sends to any node ends up on every node."""

    ### BEGIN SOLUTION
    def on_start(self):
        self.seen = set()
        self.unacked = {peer: set() for peer in self.peers}
        self.set_timer(0.1, "resend")

    def on_message(self, src, body):
        if body["type"] == "broadcast":
            value = body["message"]
            if value not in self.seen:
                self.seen.add(value)
                for peer in self.peers:
                    self.unacked[peer].add(value)
                    self.send(peer, {"type": "gossip", "messages": [value]})
            self.reply(src, body, {"type": "broadcast_ok"})
        elif body["type"] == "gossip":
            self.seen.update(body["messages"])
            self.send(src, {"type": "gossip_ok", "messages": body["messages"]})
        elif body["type"] == "gossip_ok":
            self.unacked[src].difference_update(body["messages"])
        elif body["type"] == "read":
            self.reply(src, body, {"type": "read_ok", "messages": sorted(self.seen)})

    def on_timer(self, name):
        for peer, values in self.unacked.items():
            if values:
                self.send(peer, {"type": "gossip", "messages": sorted(values)})
        self.set_timer(0.1, "resend")

    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gossip_node_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: convergence within the budget on a calm and a lossy schedule."""
for _name, _seed in [("broadcast: calm", 0), ("broadcast: lossy", 1)]:
    _r = check_schedules(GossipNode, _name, [_seed], n_messages_per_op_max=30)
    assert _r.ok, (
        f"scenario {_name!r}, seed {_seed}: {_r.verdict.problem}. Replay it: show(explore_run, "
        f"node=GossipNode, kind='broadcast', scenario={_name!r}, seed={_seed})"
    )
print("Visible check passed: the hidden checks run 200 schedules with partitions and more.")

# %% nbgrader={"grade": true, "grade_id": "test_gossip_node_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: 200 schedules with loss, partitions, duplicates and pauses, within budget."""
### BEGIN HIDDEN TESTS
import scalelab.netsim
from scalelab.checks import library_disabled

for _ref in (scalelab.netsim.GossipBroadcast, scalelab.netsim.GossipFlood):
    assert _ref not in GossipNode.__mro__, "scenario 'own class': write GossipNode yourself"
with library_disabled(
    "scalelab.netsim.GossipBroadcast",
    "scalelab.netsim.GossipFlood",
    "scalelab.netsim.GossipNoRetry",
):
    for _name, _seeds in [
        ("broadcast: lossy", range(1000, 1050)),
        ("broadcast: partitions", range(1000, 1080)),
        ("broadcast: everything", range(1000, 1070)),
    ]:
        _r = check_schedules(GossipNode, _name, _seeds, n_messages_per_op_max=30)
        assert _r.ok, (  # the failing schedule's seed: the evidence a protocol needs
            f"scenario {_name!r}, seed {_r.seed}: {_r.verdict.problem}. Replay it: show("
            f"explore_run, node=GossipNode, kind='broadcast', scenario={_name!r}, seed={_r.seed})"
        )
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# Before the counter, the problem it solves. A photo has 10 likes, and its counter is stored on
# three replicas. At the same moment three people like it, each through a different replica;
# each replica adds one to the count it holds and stores the total, with a timestamp.
# **Predict first**: after the replicas merge by last write wins, how many likes does the photo
# show?

# %%
predict("lww-likes", ..., question="likes shown after three concurrent likes of 10, merged by LWW",
        unit="likes")

# %%
t = 20.0  # the three likes' timestamps (s): the same second on every replica
replicas = [{"likes": (t, node, 10 + 1)} for node in range(3)]
merged = lww_merge(lww_merge(replicas[0], replicas[1]), replicas[2])
print(f"after the merge: {merged['likes'][2]} likes, kept from replica {merged['likes'][1]}")
reveal("lww-likes", merged["likes"][2],
       why="every replica stored 11, its 10 plus one; LWW keeps one total, so two likes are gone")

# %% [markdown]
# ### Exercise 2: a counter that duplicates cannot fool (3 points)
#
# A client sends `{"type": "add", "delta": d}` (answer `add_ok` at once) and, at the end,
# `{"type": "read"}` (answer `read_ok` with `"value"`): every node must read the exact sum of
# all increments, although the network loses and **duplicates** messages, partitions and
# crashes nodes (a crashed node loses the messages sent to it and restarts with its state).
#
# Build it as a state-based **grow-only counter** (Shapiro et al., 2011; chapter 04's CRDT
# counter): each node counts its own increments in its slot of a dict `{node_id: count}`,
# periodically sends the whole dict to a peer, and merges what it receives. First write
# `merge(a, b)` for two such dicts: it must be **commutative, associative and idempotent**,
# and must not change its arguments. Then `CounterNode(Node)`.


# %% nbgrader={"grade": false, "grade_id": "counter_node", "locked": false, "schema_version": 3, "solution": true, "task": false}
def merge(a, b):
    """Merge two grow-only counter states {node_id: count} into a new dict."""
    ### BEGIN SOLUTION
    out = dict(a)
    for node, count in b.items():
        out[node] = max(out.get(node, count), count)
    return out
    ### END SOLUTION


class CounterNode(Node):
    """A grow-only counter replicated on every node (a state-based CRDT)."""

    ### BEGIN SOLUTION
    def on_start(self):
        self.counts = {}
        self.turn = 0
        self.set_timer(0.1, "gossip")

    def on_message(self, src, body):
        if body["type"] == "add":
            self.counts[self.node_id] = self.counts.get(self.node_id, 0) + body["delta"]
            self.reply(src, body, {"type": "add_ok"})
        elif body["type"] == "state":
            self.counts = merge(self.counts, body["counts"])
        elif body["type"] == "read":
            self.reply(src, body, {"type": "read_ok", "value": sum(self.counts.values())})

    def on_timer(self, name):
        self.send(self.peers[self.turn % len(self.peers)], {"type": "state", "counts": self.counts})
        self.turn += 1
        self.set_timer(0.1, "gossip")

    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_counter_node_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: merge on two states, and one schedule with duplicates."""
_got = merge({"n0": 3, "n1": 1}, {"n1": 4, "n2": 2})
assert _got == {"n0": 3, "n1": 4, "n2": 2}, f"merge gave {_got}, expected the larger count per node"
_r = check_schedules(CounterNode, "counter: duplicates", [0])
assert _r.ok, (
    f"scenario 'counter: duplicates', seed 0: {_r.verdict.problem}. Replay it: "
    "show(explore_run, node=CounterNode, kind='counter', scenario='counter: duplicates', seed=0)"
)
print("Visible check passed: the hidden checks test merge's laws and 200 schedules.")

# %% nbgrader={"grade": true, "grade_id": "test_counter_node_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the CRDT laws of merge (hypothesis), and 200 schedules with faults."""
### BEGIN HIDDEN TESTS
from hypothesis import given, settings
from hypothesis import strategies as st

import scalelab.netsim
from scalelab.checks import library_disabled
from scalelab.netsim import check_crdt_laws

assert scalelab.netsim.GCounter not in CounterNode.__mro__, "scenario 'own class'"
_state = st.dictionaries(st.sampled_from(["n0", "n1", "n2", "n3"]), st.integers(0, 40), max_size=4)


@given(st.lists(_state, min_size=1, max_size=3))
@settings(max_examples=60, derandomize=True, deadline=None, database=None)
def _laws(states):
    _before = [dict(s) for s in states]
    _broken = check_crdt_laws(merge, states)
    assert not _broken, (
        f"scenario 'CRDT laws': merge is not {_broken[0].law} on {_broken[0].states}"
    )
    merge(states[0], states[-1])
    assert states == _before, "scenario 'CRDT laws': merge changed its arguments"


with library_disabled("scalelab.netsim.merge_counts", "scalelab.netsim.GCounter"):
    _laws()
    for _name, _seeds in [
        ("counter: duplicates", range(1000, 1070)),
        ("counter: partitions", range(1000, 1070)),
        ("counter: crashes", range(1000, 1060)),
    ]:
        _r = check_schedules(CounterNode, _name, _seeds)
        assert _r.ok, f"scenario {_name!r}: {_r.verdict.problem}"
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: a linearizable quorum register (4 points)
#
# Five nodes each hold one replica of a register: a `(version, value)` pair, starting at
# `((0, "", 0), None)`. Clients send `{"type": "write", "value": v}` (answer `write_ok`) and
# `{"type": "read"}` (answer `read_ok` with `"value"`) to any node, which coordinates. Your
# node subclasses `QuorumNode`, which gives it `self.majority` (3 of 5) and
# `self.ask_all(body, n_needed, done)`: it sends `body` to every node (itself included),
# resends to the silent ones, and calls `done(replies)` (a dict node -> answer) once
# `n_needed` have answered. Start `on_message` with `if self.handle_reply(src, body): return`
# and `on_start` with `super().on_start()`. The protocol (ABD):
#
# 1. a replica answers `{"type": "get"}` with its version and value, and
#    `{"type": "put", "version": ..., "value": ...}` by keeping the pair if its version is
#    higher than its own, then answering `put_ok`;
# 2. a coordinator first asks a majority to `get` and takes the highest version;
# 3. a **write** then `put`s a new version that is higher and that no other write can have:
#    `(highest counter + 1, self.node_id, a count of this node's writes)`;
#    a **read** `put`s the highest pair back (the write-back);
# 4. once a majority answered the `put`, answer the client.
#
# Versions are tuples; compare them as tuples (a message may carry them as lists).


# %% nbgrader={"grade": false, "grade_id": "register_node", "locked": false, "schema_version": 3, "solution": true, "task": false}
class RegisterNode(QuorumNode):
    """A linearizable register replicated on every node, over majority quorums."""

    ### BEGIN SOLUTION
    def on_start(self):
        super().on_start()
        self.version, self.value = (0, "", 0), None
        self.n_writes = 0

    def on_message(self, src, body):
        if self.handle_reply(src, body):
            return
        if body["type"] == "get":
            self.reply(src, body, {"type": "get_ok", "version": self.version, "value": self.value})
        elif body["type"] == "put":
            if tuple(body["version"]) > self.version:
                self.version, self.value = tuple(body["version"]), body["value"]
            self.reply(src, body, {"type": "put_ok"})
        elif body["type"] in ("read", "write"):
            self.ask_all({"type": "get"}, self.majority, lambda got: self.store(src, body, got))

    def store(self, client, request, replies):
        best = max(replies.values(), key=lambda r: tuple(r["version"]))
        version, value = tuple(best["version"]), best["value"]
        if request["type"] == "write":
            self.n_writes += 1
            version, value = (version[0] + 1, self.node_id, self.n_writes), request["value"]

        def answer(_):
            if request["type"] == "write":
                self.reply(client, request, {"type": "write_ok"})
            else:
                self.reply(client, request, {"type": "read_ok", "value": value})

        self.ask_all({"type": "put", "version": version, "value": value}, self.majority, answer)

    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_register_node_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: linearizable, and answering, on a calm and a lossy schedule."""
for _name, _seed in [("register: calm", 0), ("register: lossy", 1)]:
    _r = check_schedules(RegisterNode, _name, [_seed], p_complete_min=0.5)
    assert _r.ok, (
        f"scenario {_name!r}, seed {_seed}: {_r.verdict.problem}. Replay it: show(explore_run, "
        f"node=RegisterNode, kind='register', scenario={_name!r}, seed={_seed})"
    )
print("Visible check passed: the hidden checks run 150 schedules with partitions and delays.")

# %% nbgrader={"grade": true, "grade_id": "test_register_node_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: linearizability on 150 schedules with loss, partitions and slow links; every
read waits for its write-back."""
### BEGIN HIDDEN TESTS
import scalelab.netsim
from scalelab.checks import library_disabled

assert scalelab.netsim.ABDRegister not in RegisterNode.__mro__, "scenario 'own class'"
with library_disabled("scalelab.netsim.ABDRegister"):
    for _name, _seeds in [
        ("register: partitions", range(1000, 1060)),
        ("register: slow network", range(1000, 1040)),
        ("register: lossy", range(1000, 1050)),
    ]:
        _r = check_schedules(RegisterNode, _name, _seeds, p_complete_min=0.5, write_back=True)
        assert _r.ok, (  # the failing schedule's seed: the evidence a protocol needs
            f"scenario {_name!r}, seed {_r.seed}: {_r.verdict.problem}. Replay it: show("
            f"explore_run, node=RegisterNode, kind='register', scenario={_name!r}, seed={_r.seed})"
        )
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (written, 3 points)
#
# In four to six sentences: what did the checker (visible or hidden, or the explorer) find in
# your *first* attempt at one of the three builds, and why did your node behave that way?
# Name the fault that exposed it (loss, a duplicate, a partition, a crash, concurrency), the
# evidence (the missing values, the wrong count, the operations of the failing history), and
# the change that fixed it. If your first attempt passed, break it on purpose (drop the
# retransmission, the deduplication or the write-back) and describe what the checker reports.
# (Graded by hand against the rubric in `grading/rubrics/06-protocol-lab.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "first_attempt", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# My first counter sent each increment to every peer as `{"type": "inc", "delta": d}` and
# resent it until acknowledged. The visible check on "counter: duplicates" failed: the
# increments added up to 83 but the nodes read between 122 and 131. The network delivered
# some messages twice, and when an acknowledgement was lost my node resent an increment the
# peer had already counted; each copy was added again, because adding is not idempotent.
# Replaying seed 0 in the explorer showed the dotted duplicate copies arriving at the nodes
# that overcounted. Switching to a grow-only counter fixed it: each node only raises its own
# slot and merges whole states by taking the maximum per slot, so a duplicate or a resent
# state changes nothing, and periodic gossip repairs what loss and the partition dropped.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar.
# 3. Self-paced: `make check NB=06-protocol-lab` grades your copy with the hidden checks.
#    In a class: submit as your instructor says.

# %% [markdown]
# ## Summary
#
# Shutterstall after this chapter, and what breaks next:

# %%
print(opening("protocol-lab").sentence_after)
print(bottleneck("protocol-lab").sentence)

# %% [markdown]
# The likes are safe; the next limit is plain capacity. Nine page and API requests in ten are
# reads, and every one of them reaches the database replicas. Chapter 07 puts a cache in front.
#
# - A node is handlers and timers; the network may lose, delay, reorder, duplicate and
#   partition every message, and a node cannot tell a slow peer from a dead one.
# - **Retransmission** until acknowledged makes a broadcast converge after partitions heal;
#   **batching** keeps it within a message budget (flooding everything forever costs about
#   100 messages per broadcast here, the acknowledged gossip about 9 to 16, at most 24 in the
#   harshest schedules).
# - Once you retry, messages arrive twice: a **CRDT** merge that is commutative, associative
#   and idempotent (the grow-only counter's maximum per node) makes duplicates harmless.
# - A **quorum register** is linearizable only with both phases: reads and writes first learn
#   the highest version from a majority, and a read **writes back** before it answers.
#   Reading one replica, or numbering a write from one copy, returns stale values the
#   linearizability checker finds, and shrinks to a few operations.
# - Same seed, same run: a failing schedule can be replayed and drawn, which is how the
#   bug is found.
#
# **How the model is checked.** The library's tests check that one seed gives one run
# exactly; that the measured loss and duplicate rates match `p_loss` and `p_duplicate`; that a
# partition drops exactly the messages arriving across it while it is open; the
# linearizability checker against known histories both ways and against a brute-force search
# over every order on 300 random small histories; the CRDT laws with hypothesis; each
# reference build on 40 to 100 seeds of every scenario; and that each broken variant is caught.
#
# ## References
#
# - Kingsbury, K. and Jepsen contributors (2024). *Maelstrom: a workbench for writing toy
#   implementations of distributed systems* (documentation: workloads, nemeses, checkers).
#   https://github.com/jepsen-io/maelstrom
# - Fly.io and Kingsbury, K. (2023). *Gossip Glomers: a series of distributed systems
#   challenges* (challenge 3d, efficient broadcast). https://fly.io/dist-sys/3d/
# - MIT (2024). *6.5840 Distributed Systems, labs.* https://pdos.csail.mit.edu/6.824/
# - Herlihy, M. P. and Wing, J. M. (1990). *Linearizability: a correctness condition for
#   concurrent objects.* ACM TOPLAS 12(3). https://doi.org/10.1145/78969.78972
# - Wing, J. M. and Gong, C. (1993). *Testing and verifying concurrent objects.* Journal of
#   Parallel and Distributed Computing 17(1-2). https://doi.org/10.1006/jpdc.1993.1015
# - Lowe, G. (2017). *Testing for linearizability.* Concurrency and Computation: Practice and
#   Experience 29(4). https://doi.org/10.1002/cpe.3928
# - Shapiro, M., Preguiça, N., Baquero, C. and Zawirski, M. (2011). *Conflict-free replicated
#   data types.* SSS 2011. https://doi.org/10.1007/978-3-642-24550-3_29
# - Demers, A. et al. (1987). *Epidemic algorithms for replicated database maintenance.*
#   PODC '87. https://doi.org/10.1145/41840.41841
# - Attiya, H., Bar-Noy, A. and Dolev, D. (1995). *Sharing memory robustly in message-passing
#   systems.* Journal of the ACM 42(1). https://doi.org/10.1145/200836.200869
# - Kingsbury, K. (2013-2024). *Jepsen analyses.* https://jepsen.io/analyses
