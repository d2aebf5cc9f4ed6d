# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Multi-master replication: everyone writes, and someone has to lose
#
# In chapter 03 one master took every write. That keeps the data simple (one order of events)
# but puts every write in one place: users far away wait for a round trip across the planet, and
# while a new master is being promoted, nobody can write at all. This chapter lets **every node
# accept writes** and deals with the consequence: two nodes can change the same thing at the
# same time, and the system has to decide what the final value is.
#
# **You will learn to**
# - describe multi-master replication (every node reads and writes) and why cloud systems use it;
# - resolve conflicts with **last write wins** (LWW) using data versions, and prove that the
#   merge makes replicas converge;
# - measure the updates LWW silently throws away, and how **clock skew** makes a later write lose
#   to an earlier one;
# - detect concurrent writes with **version vectors**, and resolve them with a **business rule**;
# - follow writes around **circular replication** (A → B → C → A) and see what a cut link stops.
#
# **Time:** about 50 minutes. **Points:** 16 (13 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup

# %%
import math

import numpy as np
from IPython.display import display

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, bottleneck, opening, stage
from scalelab.replication import (
    MultiMasterParams,
    compare_vv,
    lww_merge,
    add_to_cart,
    cart_totals,
    merge_cart_counts,
    merge_carts,
    merge_vv,
    ring_arrival_times,
    simulate_multi_master,
)
from scalelab.widgets import show
from scalelab.widgets.replication import explore_multi_master, table

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Every node a master
#
# Chapter 03 left Shutterstall, the photo-print shop this course follows, with one primary
# database that takes every write and replicas that serve the reads. Its weak moment is the
# failover:

# %%
print(opening("multi-master").sentence)
s = stage("multi-master")
print(f"{PRODUCT.name} now: {s.daily_users:,} daily users, {s.rate_peak:,.0f} requests/s at 20:00")
print(f"of which {s.rate_writes:,.0f} writes/s: likes, carts, orders and uploads")

# %% [markdown]
# A minute without writes at the evening peak is a minute in which nobody can like a photo, put
# a print in a cart or pay. The way out this chapter studies is to let more than one node take
# writes, and to pay for it in a new currency: conflicts.
#
# In a **multi-master** (or *multi-leader*, *active-active*) set-up each node accepts reads
# **and** writes from the users near it, commits locally, answers at once, and then ships the
# change to the other nodes, which apply it as they would their own. Compare with chapter 03,
# where slaves were read-only:
#
# ```mermaid
# flowchart LR
#     subgraph EU[Europe]
#         UE[Users] <--> A[(A: reads, writes)]
#     end
#     subgraph US[America]
#         UU[Users] <--> B[(B: reads, writes)]
#     end
#     subgraph AP[Asia-Pacific]
#         UA[Users] <--> C[(C: reads, writes)]
#     end
#     A <-- replication --> B
#     B <-- replication --> C
#     C <-- replication --> A
# ```
#
# What this buys:
#
# - **local writes**: a user in Sydney writes to a node in Sydney instead of waiting about
#   200 ms for a round trip to Virginia;
# - **no failover pause for writes**: if one node dies, users are sent to another node that can
#   already write;
# - **working while cut off**: a region that loses its link to the others keeps working and
#   catches up later (an offline-first mobile app is the extreme case: every phone is a master).
#
# This is why the pattern is common in cloud applications where availability and scale come
# first: Amazon DynamoDB global tables, Azure Cosmos DB with multi-region writes and CouchDB all
# accept writes in several places.
#
# Apache Cassandra, Riak and the Dynamo of Amazon's 2007 paper also accept a write at more than
# one node, but they are a different model: **leaderless** (quorum) replication. There is no
# master at all: the client (or a coordinator) sends each write to the $N$ replicas of the key and
# waits for $W$ of them, reads ask $R$ of them, and stale copies are fixed by *read repair* and
# *hinted handoff*. Chapter 05-quorums is about that model; this chapter is about masters that
# each commit a write alone and ship it later.

# %% [markdown]
# ## The price: conflicts
#
# Suppose node A sets a user's display name to `"Ada"` while node B, a fraction of a second
# later and before A's change has arrived, sets it to `"Grace"`. Each node then receives the
# other's write. If each simply applies whatever arrives last, A ends with `"Grace"` and B with
# `"Ada"`: the copies have **diverged**, and will stay different forever.
#
# The fix is to make every node apply the **same rule** to decide between two versions, a rule
# whose answer does not depend on the order in which the versions arrive.
#
# ## Last write wins, with data versions
#
# **Last write wins (LWW)** stores a **version** with every value: the timestamp of the write
# and the id of the node that made it, `(timestamp, node, value)`. When two versions of a key
# meet, the one with the larger timestamp wins; on equal timestamps, the larger node id wins
# (any fixed tie-break works, as long as every node uses the same one). Merging two whole
# replicas does this key by key:

# %%
node_a = {"name": (10.00, 0, "Ada"), "city": (3.0, 0, "Leeds")}
node_b = {"name": (10.25, 1, "Grace"), "email": (7.5, 1, "g@example.org")}
lww_merge(node_a, node_b)

# %% [markdown]
# The merge has three properties, and together they guarantee that replicas **converge**:
#
# - **commutative**: `merge(a, b) == merge(b, a)`, so the arrival order does not matter;
# - **associative**: `merge(merge(a, b), c) == merge(a, merge(b, c))`, so it does not matter
#   how the versions are grouped on their way;
# - **idempotent**: `merge(a, a) == a`, so a message delivered twice does no harm.
#
# Any node that has seen the same set of writes, in whatever order and with whatever
# duplicates, holds the same state. Here are three replicas receiving the same three updates in
# three different orders:

# %%
updates = [
    {"name": (10.00, 0, "Ada")},
    {"name": (10.25, 1, "Grace")},
    {"name": (9.50, 2, "Hedy"), "city": (4.0, 2, "Vienna")},
]
orders = [(0, 1, 2), (2, 1, 0), (1, 2, 0, 1)]  # the last one receives update 1 twice
replicas = []
for order in orders:
    state = {}
    for i in order:
        state = lww_merge(state, updates[i])
    replicas.append(state)
table(["delivery order", "final state"], [[o, r] for o, r in zip(orders, replicas, strict=True)])

# %% [markdown]
# The library's tests check these three properties on 300 generated triples of replica
# states, and convergence on 200 generated delivery orders; in Exercise 1 you write the merge
# and hidden property tests check yours.

# %% [markdown]
# ## The model, run live: what LWW throws away
#
# `simulate_multi_master` runs three nodes sharing five keys for 30 s. Writes arrive at random,
# five per second in total, each at a random node and for a random key; each node ships its
# writes to the others with a random delay of 0.2 s on average. The model records, for every
# write, what each node knew when it was made, so it can tell two kinds of overwrite apart:
#
# - an **update** that replaces a value its author had seen: that is what the user wanted;
# - a value **silently discarded**: LWW replaced it with a write whose author had *never seen
#   it*. Both users were told "saved", and one of them lost their change without any error.
#
# **Predict first**: of the run's writes (about 150: five a second for 30 s), how many will LWW
# silently discard, with perfectly synchronised clocks?

# %%
predict("lww-lost", ..., question="writes LWW silently discards of about 150, clocks in sync",
        unit="writes")

# %%
run = simulate_multi_master(MultiMasterParams(), rng=rng)
display(table(
    ["3 nodes, 5 keys, 5 writes/s, 0.2 s delay, clocks in sync", "value"],
    [
        ["writes", run.n_writes],
        ["silently discarded by LWW", f"{run.n_lost} ({run.n_lost / run.n_writes:.0%})"],
        ["... beaten by a write made earlier in real time", run.n_lost_to_earlier],
        ["all nodes agree", f"{run.t_converged - run.t_write.max():.2f} s after the last write"],
    ],
))
reveal("lww-lost", run.n_lost, why="each key gets a write a second, so some land within 0.2 s "
       "of a rival, and LWW keeps one of the two")

# %% [markdown]
# Even with perfect clocks, 16 of 137 writes (12 %) vanished: they were made within a
# replication delay of another write to the same key, and LWW kept one. The number grows with
# the chance that two writes to one key overlap, so with the write rate per key and the delay.
# Shutterstall's 292 writes/s spread over millions of keys, so most never meet; a hot key does,
# such as a popular photo's like count or a cart shared by two devices:

# %%
rows = []
for rate in (1, 2, 5, 10, 20):
    r = simulate_multi_master(MultiMasterParams(rate_writes=rate), rng=np.random.default_rng(SEED))
    rows.append([rate, r.n_writes, r.n_lost, f"{r.n_lost / max(r.n_writes, 1):.0%}"])
table(["writes/s", "writes", "silently discarded", "share"], rows)

# %% [markdown]
# ## Clock skew: when the last write is not the last
#
# "Last" means *largest timestamp*, and each node stamps writes with its own clock. Clocks
# drift; NTP keeps servers within a few milliseconds of each other on a good day, and much
# worse after a virtual machine pause, a bad time source or a leap second. A node whose clock
# runs ahead wins conflicts it should lose, even against writes made **after** it in real time,
# including writes by users who had already seen its value and meant to replace it.
#
# In the model the nodes' clocks are spread evenly over ±skew: node 0 is slow by the full skew,
# the last node fast by it. Same writes, same delays, only the clocks change.
#
# **Predict first**: with the clocks spread over ±1 s, how many of the same 137 writes does LWW
# silently discard (16 with clocks in sync)?

# %%
predict("skew-lost", ..., question="writes of 137 LWW discards with clocks spread over ±1 s",
        unit="writes")

# %%
rows = []
for skew in (0.0, 0.01, 0.05, 0.2, 0.5, 1.0):
    r = simulate_multi_master(MultiMasterParams(t_skew=skew), rng=np.random.default_rng(SEED))
    rows.append([f"±{skew}", r.n_lost, r.n_lost_to_earlier])
display(table(["clock skew (s)", "silently discarded", "beaten by an earlier write"], rows))
reveal("skew-lost", r.n_lost,  # r: the last run, ±1 s
       why="the node 1 s ahead wins every race within a second, even against later writes")

# %% [markdown]
# Ten milliseconds of skew already lets four writes lose to writes made before them; one second
# of skew discards 49 of 137. Nothing in the database reports any of this. Jepsen's tests of
# Cassandra (Kingsbury, 2013), a leaderless store that resolves conflicts cell by cell with the
# same rule, found the same: under concurrent updates to one row, last write
# wins threw away a large share of acknowledged writes, and clock skew made it worse. Systems
# that use LWW say so plainly in their documentation (DynamoDB global tables do), and suit it
# to data where losing a concurrent update is acceptable: a cache, a "last seen" time, a user's
# latest settings.

# %% [markdown]
# ## Version vectors: detect the conflict instead of hiding it
#
# A **version vector** records, for one key, how many writes from each node a version has seen:
# `{"A": 2, "B": 1}` means "this version follows A's first two writes and B's first". A node
# writing a key takes the vector of the version it holds and adds 1 to its own entry. Two
# versions then compare like this:
#
# - every entry of `u` is ≤ the same entry of `v` (missing entries count as 0), one is smaller:
#   `u` happened **before** `v`, and `v` may safely replace it;
# - each has an entry larger than the other's: the writes were **concurrent**, neither knew
#   about the other, and a real conflict exists.

# %%
table(
    ["u", "v", "compare_vv(u, v)"],
    [
        [{"A": 2, "B": 1}, {"A": 2, "B": 3}, compare_vv({"A": 2, "B": 1}, {"A": 2, "B": 3})],
        [{"A": 3}, {"A": 2, "B": 1}, compare_vv({"A": 3}, {"A": 2, "B": 1})],
        [{"A": 1, "C": 0}, {"A": 1}, compare_vv({"A": 1, "C": 0}, {"A": 1})],
        [{"A": 2, "B": 1}, {"A": 1, "B": 2}, compare_vv({"A": 2, "B": 1}, {"A": 1, "B": 2})],
    ],
)

# %% [markdown]
# A store with version vectors keeps **all concurrent versions** (*siblings*) and hands them
# to the application at the next read; when the application writes the resolved value back,
# its vector is the merge of the siblings' (`merge_vv`) plus one, so it replaces them all.
# Riak worked this way, and Amazon's Dynamo used the same idea with vector clocks.
#
# In our run, the version vectors flag every write that had a concurrent rival, which is the
# set LWW picks from without telling anyone:

# %%
table(
    ["measured on the run above", "value"],
    [
        ["writes flagged concurrent by version vectors", int(run.concurrent.sum())],
        ["keys that end with two or more sibling versions", run.n_conflicts],
        ["writes LWW silently discarded", run.n_lost],
        [
            "merged vector of {A: 2, B: 1} and {A: 1, B: 3}",
            merge_vv({"A": 2, "B": 1}, {"A": 1, "B": 3}),
        ],
    ],
)

# %% [markdown]
# The library's tests check, on 40 generated runs (mesh and ring, two to five nodes, with and
# without skew), that version vectors built by message passing flag **exactly** the pairs of
# writes that a graph search over "who had seen what" finds concurrent, no more and no fewer.

# %% [markdown]
# ## Business rules: let the data decide
#
# Once a conflict is visible, the application can resolve it with a rule that fits the data
# instead of a clock. The classic example is Amazon's shopping cart. The cart holds a book; the
# customer adds a mug on their phone while their laptop, cut off for a moment, adds two pens.
# The right answer is a cart with **both** additions. A first rule suggests itself: merge the two
# carts item by item, keeping the larger quantity of each item (`merge_carts`):

# %%
phone = {"book": 1, "mug": 1}
laptop = {"book": 1, "pen": 2}
merge_carts(phone, laptop)

# %% [markdown]
# That looks right, and for items added on one side only it is. But take the **same item** added
# on both sides: the cart holds one book, the phone adds a second book and the laptop, at the
# same time, adds a second book too. The customer asked for three books; "the larger quantity"
# sees 2 and 2 and says 2. One addition is gone, with no error, exactly the loss we set out to
# avoid.
#
# The fix is to stop storing the *total* and store **who added what**: for each item, one count
# per replica, each replica increasing only its own entry. Merging keeps each replica's larger
# count (a count only grows, so the larger is the newer), and the quantity is the sum over
# replicas. This is a **G-counter**, the simplest CRDT (Shapiro et al., 2011); removals need a
# second such counter per replica, a **PN-counter** (quantity = added − removed), or a set that
# tags each addition so a removal cancels only the additions it saw (an **OR-set**). Dynamo's
# cart reached the same place another way: it reconciled the *operations* of the concurrent
# versions ("add to cart" was never lost), not their totals (DeCandia et al., 2007).

# %%
start = {"book": {"phone": 1}}  # one book, added earlier from the phone
on_phone = add_to_cart(start, "book", "phone")  # phone: 1 -> 2 books
on_laptop = add_to_cart(start, "book", "laptop")  # laptop, concurrently: 1 -> 2 books
table(
    ["rule", "books after the merge"],
    [
        [
            "larger quantity of each item",
            merge_carts(cart_totals(on_phone), cart_totals(on_laptop))["book"],
        ],
        [
            "one count per replica, summed",
            cart_totals(merge_cart_counts(on_phone, on_laptop))["book"],
        ],
        ["what the customer asked for", 1 + 1 + 1],
    ],
)

# %% [markdown]
# The counted cart gives 3: the phone's entry says 2, the laptop's says 1, and neither side's
# addition can hide the other's, whatever order the merges run in. A removal still needs its own
# record: a plain union cannot tell "never added" from "removed", so an item deleted on one side
# comes back after the merge. Dynamo's authors accepted that anomaly: a resurrected item costs a
# customer a click, a lost item costs a sale. Other data needs other rules: a like counter is the
# same G-counter; a set of tags can track additions and removals separately; a bank balance
# should not be merged at all, so every write for one account goes to one home node. Data types
# designed so that every merge is commutative, associative and idempotent are called **CRDTs**.

# %% [markdown]
# ## Circular replication: A → B → C → A
#
# A mesh connects every node to every other: $n(n-1)$ links. **Circular replication** uses
# only $n$: each node replicates from the one before it and forwards everything it applies,
# its own writes and the ones it received, to the one after it:
#
# ```mermaid
# flowchart LR
#     A[(A)] -- forwards --> B[(B)]
#     B -- forwards --> C[(C)]
#     C -- forwards --> A
# ```
#
# MySQL supports this: each server logs the changes it replicates (`log_replica_updates`), tags
# each change with the id of the server where it started, and drops a change that comes back to
# its origin, so nothing loops forever. Since two nodes can still write the same row, LWW or
# another rule is needed here too; the merge does not care how versions travelled.
#
# **Predict first**: in a ring of five nodes where each hop takes 0.5 s, how many seconds after
# a write does the last node receive it?

# %%
predict("ring-hops", ..., question="seconds until all 5 nodes of a ring have a write, 0.5 s a hop",
        unit="s")

# %% [markdown]
# A write made at node $i$ reaches node $j$ after $(j - i) \bmod n$ hops, and everyone has it
# after $n - 1$ hops. Here is a four-node ring with 0.5 s per hop, the same ring with the
# link from C to D cut, and the five-node ring of the prediction:

# %%
ring_of_five = ring_arrival_times(5, 0, 0.5)
display(table(
    ["write made at", "arrives at A, B, C, ... after (s)"],
    [
        ["B, ring intact", ring_arrival_times(4, 1, 0.5)],
        ["B, link C→D cut", ring_arrival_times(4, 1, 0.5, cut_link=(2, 3))],
        ["D, link C→D cut", ring_arrival_times(4, 3, 0.5, cut_link=(2, 3))],
        ["A, five nodes, intact", ring_of_five],
    ],
))
reveal("ring-hops", max(ring_of_five), why="the last node is n - 1 = 4 hops away, not n / 2: "
       "a ring forwards one way only")

# %% [markdown]
# With the link C → D cut, B's write stops at C, while D's write still goes all the way round
# (it never needs the cut link). A stopped node is worse: it breaks the ring for every write that
# would have passed through it. In a mesh a cut link only stops the traffic from one node to
# one other. Run the model on three nodes, both ways, with a cut link and with a stopped node:

# %%
rows = []
setups = {
    "mesh": dict(topology="mesh"),
    "ring": dict(topology="ring"),
    "mesh, link A→B cut": dict(topology="mesh", cut_link=(0, 1)),
    "ring, link A→B cut": dict(topology="ring", cut_link=(0, 1)),
    "ring, node B stopped": dict(topology="ring", stopped_node=1),
}
for name, setup in setups.items():
    r = simulate_multi_master(MultiMasterParams(**setup), rng=np.random.default_rng(SEED))
    agree = (
        f"{r.t_converged - r.t_write.max():.2f} s after the last write" if r.converged else "never"
    )
    rows.append([name, agree, int(r.disagreement([31.0])[0]), r.n_lost])
table(
    [
        "set-up",
        "all nodes agree",
        "keys still different at the end",
        "discarded by LWW",
    ],
    rows,
)

# %% [markdown]
# The ring needs fewer links, but every write crosses $n - 1$ of them in turn, so it takes longer
# to converge, and a single broken link or node splits the data. Operators of MySQL rings learned
# to fear exactly that: a node removed from the ring must have its neighbours reconnected by
# hand, and changes in flight at that moment can be lost or applied twice.

# %% [markdown]
# ## Explore
#
# Top: the writes LWW silently discarded (and those beaten by an earlier write), and the writes
# version vectors flag as concurrent, counted by the time they were made. Bottom: the number of
# keys on which the nodes disagree at each moment.
#
# *Try:*
# - drag **Clock skew** from 0 to 2 s: which line rises, and which stays put?
# - raise **Writes/s** and **Delay**: how do conflicts scale?
# - pick the **ring**, then **cut** the link A → B: what happens to the bottom plot at the end?
# - with the ring, raise **Nodes** to 6: how much later do the nodes agree?

# %%
explorer = show(explore_multi_master)

# %% [markdown]
# ## Exercises
#
# The exercises define functions with the same names as library functions used above; once you
# run an answer cell, your version replaces the library's in this notebook (the widget keeps
# using the library).
#
# ### Exercise 1: an LWW merge (4 points)
#
# Write `lww_merge(a, b)`: `a` and `b` map keys to versions `(timestamp, node, value)`. Return a
# **new** `dict` (do not change `a` or `b`) with every key of either side; for a key on both
# sides keep the version with the larger timestamp, and on equal timestamps the larger node id.
# You may assume that a `(timestamp, node)` pair never carries two different values. Hidden
# property tests check that your merge is commutative, associative and idempotent; the library's
# `lww_merge` is switched off while they run.


# %% nbgrader={"grade": false, "grade_id": "lww_merge", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lww_merge(a, b):
    """Merge two replicas' states {key: (timestamp, node, value)} by last write wins."""
    ### BEGIN SOLUTION
    out = dict(a)
    for key, version in b.items():
        if key not in out or (version[0], version[1]) > (out[key][0], out[key][1]):
            out[key] = version
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lww_merge_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a newer version wins and keys from both sides are kept."""
got = lww_merge({"x": (1.0, 0, "old")}, {"x": (2.0, 1, "new"), "y": (1.5, 1, "other")})
assert type(got) is dict, f"lww_merge should return a dict, got {type(got).__name__}"
assert got == {"x": (2.0, 1, "new"), "y": (1.5, 1, "other")}, f"unexpected merge: {got}"
print("Visible check passed: the hidden checks test ties and the three merge properties.\n", end="")

# %% nbgrader={"grade": true, "grade_id": "test_lww_merge_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: tie-break, no mutation, and commutative/associative/idempotent (hypothesis)."""
### BEGIN HIDDEN TESTS
from hypothesis import given, settings
from hypothesis import strategies as st

from scalelab.checks import library_disabled


def _state(draw_dict):
    return {k: (float(t), n, f"{k}:{t}:{n}") for k, (t, n) in draw_dict.items()}


_version = st.tuples(st.integers(0, 4), st.integers(0, 3))
_states = st.dictionaries(st.sampled_from("xyz"), _version, max_size=3).map(_state)


@given(_states, _states, _states)
@settings(max_examples=40, derandomize=True, deadline=None, database=None)
def _merge_properties(a, b, c):
    ab = lww_merge(a, b)
    assert type(ab) is dict, "lww_merge should return a dict"
    assert ab == lww_merge(b, a), f"scenario 'commutative': merge(a, b) != merge(b, a) for {a}, {b}"
    assert lww_merge(ab, c) == lww_merge(a, lww_merge(b, c)), "scenario 'associative' failed"
    assert lww_merge(a, a) == a, f"scenario 'idempotent': merge(a, a) != a for {a}"
    assert set(ab) == set(a) | set(b), "scenario 'every key of either side' failed"


with library_disabled("scalelab.replication.lww_merge", "scalelab.replication.lww_winner"):
    tie = lww_merge({"k": (5.0, 1, "from node 1")}, {"k": (5.0, 3, "from node 3")})
    assert tie == {"k": (5.0, 3, "from node 3")}, f"scenario 'equal timestamps': got {tie}"
    tie = lww_merge({"k": (5.0, 3, "from node 3")}, {"k": (5.0, 1, "from node 1")})
    assert tie == {"k": (5.0, 3, "from node 3")}, f"scenario 'equal timestamps, swapped': got {tie}"
    older = lww_merge({"k": (9.0, 0, "kept")}, {"k": (2.0, 5, "older")})
    assert older == {"k": (9.0, 0, "kept")}, f"scenario 'an older arrival': got {older}"
    a, b = {"k": (1.0, 0, "a")}, {"k": (2.0, 1, "b"), "j": (1.0, 1, "c")}
    lww_merge(a, b)
    assert a == {"k": (1.0, 0, "a")} and len(b) == 2, "scenario 'inputs unchanged' failed"
    assert lww_merge({}, {}) == {}, "scenario 'two empty replicas' failed"
    one_sided = lww_merge({"a": (1.0, 0, "only in a")}, {"b": (2.0, 1, "only in b")})
    assert set(one_sided) == {"a", "b"}, f"scenario 'keys on one side only': got {one_sided}"
    _merge_properties()
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: compare two version vectors (3 points)
#
# Write `compare_vv(a, b)` for version vectors given as dicts `{node: counter}`. A node missing
# from a vector counts as 0. Return `"equal"` if every counter matches, `"before"` if every
# counter of `a` is ≤ `b`'s and at least one is smaller, `"after"` for the reverse, and
# `"concurrent"` otherwise. The library's `compare_vv` is switched off while the hidden checks run.


# %% nbgrader={"grade": false, "grade_id": "compare_vv", "locked": false, "schema_version": 3, "solution": true, "task": false}
def compare_vv(a, b):
    """'equal', 'before', 'after' or 'concurrent' for version vectors a and b."""
    ### BEGIN SOLUTION
    nodes = set(a) | set(b)
    smaller = any(a.get(n, 0) < b.get(n, 0) for n in nodes)
    larger = any(a.get(n, 0) > b.get(n, 0) for n in nodes)
    if smaller and larger:
        return "concurrent"
    if smaller:
        return "before"
    if larger:
        return "after"
    return "equal"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_compare_vv_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: one version that follows another, both ways round."""
for a, b, want in [
    ({"A": 2, "B": 1}, {"A": 2, "B": 3}, "before"),
    ({"A": 4, "B": 1}, {"A": 2, "B": 1}, "after"),
    ({"A": 1, "B": 1}, {"A": 1, "B": 1}, "equal"),
]:
    got = compare_vv(a, b)
    assert type(got) is str, f"compare_vv should return a str, got {type(got).__name__}"
    assert got == want, f"compare_vv({a}, {b}) should be {want!r}, got {got!r}"
print(
    "Visible check passed: the hidden checks add concurrent writes and missing entries.\n", end=""
)

# %% nbgrader={"grade": true, "grade_id": "test_compare_vv_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: concurrent versions, missing entries, and symmetry on generated vectors."""
### BEGIN HIDDEN TESTS
from hypothesis import given, settings
from hypothesis import strategies as st

from scalelab.checks import library_disabled

_mirror = {"before": "after", "after": "before", "equal": "equal", "concurrent": "concurrent"}
_vv = st.dictionaries(st.sampled_from("ABC"), st.integers(0, 3), max_size=3)


@given(_vv, _vv)
@settings(max_examples=60, derandomize=True, deadline=None, database=None)
def _symmetric(a, b):
    got, back = compare_vv(a, b), compare_vv(b, a)
    assert type(got) is str and got in _mirror, f"compare_vv returned {got!r}"
    assert back == _mirror[got], f"scenario 'symmetry': {a} vs {b} gave {got!r} and {back!r}"
    keys = set(a) | set(b)
    le = all(a.get(k, 0) <= b.get(k, 0) for k in keys)
    ge = all(a.get(k, 0) >= b.get(k, 0) for k in keys)
    want = "equal" if le and ge else "before" if le else "after" if ge else "concurrent"
    assert got == want, f"scenario 'generated vectors': {a} vs {b} should be {want!r}, got {got!r}"


with library_disabled("scalelab.replication.compare_vv"):
    cases = [
        ({"A": 2, "B": 1}, {"A": 1, "B": 2}, "concurrent", "each saw a write the other missed"),
        ({"A": 1}, {"B": 1}, "concurrent", "disjoint nodes"),
        ({"A": 1}, {"A": 1, "B": 2}, "before", "a missing entry counts as 0"),
        ({"A": 1, "C": 0}, {"A": 1}, "equal", "an explicit zero equals a missing entry"),
        ({}, {"A": 1}, "before", "the empty vector comes first"),
        ({"A": 5, "B": 0}, {"A": 1, "B": 9}, "concurrent", "big against small"),
    ]
    for a, b, want, scenario in cases:
        got = compare_vv(a, b)
        assert type(got) is str and got == want, (
            f"scenario '{scenario}': expected {want!r}, got {got!r}"
        )
    _symmetric()
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: around the ring (3 points)
#
# Write `ring_arrival_times(n_nodes, origin, t_hop, cut_link=None)` for circular replication:
# node `i` forwards to node `(i + 1) % n_nodes`, and each hop takes `t_hop` seconds. Return a
# list with, for every node `0 .. n_nodes - 1`, the seconds until a write made at `origin`
# reaches it: `0.0` at the origin, `math.inf` for nodes it never reaches. `cut_link` is `None`
# or a pair `(a, (a + 1) % n_nodes)`: that link carries nothing, so the write stops at node `a`.
# Raise `ValueError` if `origin` is not a node of the ring. The library's `ring_arrival_times` is
# switched off while the hidden checks run.


# %% nbgrader={"grade": false, "grade_id": "ring_arrival_times", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):
    """Seconds until a write made at origin reaches each node of a ring (math.inf: never)."""
    ### BEGIN SOLUTION
    if not 0 <= origin < n_nodes:
        raise ValueError(f"origin must be in [0, {n_nodes - 1}]; got {origin}")
    times = [math.inf] * n_nodes
    times[origin] = 0.0
    node = origin
    for hop in range(1, n_nodes):
        nxt = (node + 1) % n_nodes
        if cut_link is not None and tuple(cut_link) == (node, nxt):
            break
        times[nxt] = hop * t_hop
        node = nxt
    return times
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ring_arrival_times_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a write from B around an intact four-node ring."""
from scalelab.checks import as_list, expect_close

got = as_list(ring_arrival_times(4, 1, 0.5), "ring_arrival_times(4, 1, 0.5)")
assert len(got) == 4, f"expected one time per node, got {got}"
for node, want in enumerate([1.5, 0.0, 0.5, 1.0]):
    expect_close(got[node], want, abs_tol=1e-9, what=f"arrival at node {node}")
print("Visible check passed: the hidden checks cut links and try other rings.\n", end="")

# %% nbgrader={"grade": true, "grade_id": "test_ring_arrival_times_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: cut links before, after and behind the origin, tiny rings, bad origins."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_list, expect_raises, library_disabled

inf = math.inf
with library_disabled("scalelab.replication.ring_arrival_times"):
    cases = {
        "cut downstream: everything behind the cut is unreached": (
            (4, 1, 0.5, (2, 3)),
            [inf, 0.0, 0.5, inf],
        ),
        "cut right after the origin": ((5, 0, 1.0, (0, 1)), [0.0, inf, inf, inf, inf]),
        "cut on the way back to the origin changes nothing": ((3, 0, 0.2, (2, 0)), [0.0, 0.2, 0.4]),
        "wrapping around past the last node": ((5, 3, 1.0, None), [2.0, 3.0, 4.0, 0.0, 1.0]),
        "a ring of one": ((1, 0, 1.0, None), [0.0]),
        "a cut with the link given as a list": ((3, 1, 1.0, [1, 2]), [inf, 0.0, inf]),
    }
    for scenario, (args, want) in cases.items():
        got = as_list(ring_arrival_times(*args), f"scenario '{scenario}'")
        ok = len(got) == len(want) and all(
            (math.isinf(w) and math.isinf(float(g))) or math.isclose(float(g), w, abs_tol=1e-9)
            for g, w in zip(got, want, strict=True)
        )
        assert ok, f"scenario '{scenario}': expected {want}, got {got}"
    expect_raises(ValueError, ring_arrival_times, 3, 3, 1.0)
    expect_raises(ValueError, ring_arrival_times, 3, -1, 1.0)
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: a cart that keeps concurrent additions (3 points)
#
# Write `merge_cart_counts(a, b)` for carts stored as per-replica counts: `a` and `b` map each
# item to a mapping `{node: units that node added}` (a node missing from an item counts as 0).
# Return a **new** mapping of the same shape (do not change `a` or `b`) with every item of either
# side, so that each item's quantity, the sum of its counts, includes every addition made on
# either side, however the two carts diverged. Merging the same carts in any order, or twice,
# must give the same cart. The library's `merge_cart_counts` is switched off while the hidden
# checks run.


# %% nbgrader={"grade": false, "grade_id": "merge_cart_counts", "locked": false, "schema_version": 3, "solution": true, "task": false}
def merge_cart_counts(a, b):
    """Merge two carts {item: {node: units added there}} without losing an addition."""
    ### BEGIN SOLUTION
    out = {}
    for item in set(a) | set(b):
        left, right = a.get(item, {}), b.get(item, {})
        out[item] = {n: max(left.get(n, 0), right.get(n, 0)) for n in set(left) | set(right)}
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_merge_cart_counts_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: items and nodes that appear on one side only are kept."""
from collections.abc import Mapping

from scalelab.checks import as_int


def _plain_cart(cart, what):
    """A counted cart as plain dicts of ints, zero counts and empty items left out."""
    assert isinstance(cart, Mapping), f"{what} should return a mapping, got {type(cart).__name__}"
    out = {}
    for item, counts in cart.items():
        assert isinstance(counts, Mapping), f"{what}: the counts of {item!r} should be a mapping"
        kept = {n: as_int(c, f"{what}[{item!r}][{n!r}]") for n, c in counts.items()}
        kept = {n: c for n, c in kept.items() if c != 0}
        if kept:
            out[item] = kept
    return out


_got = _plain_cart(merge_cart_counts({"book": {"A": 1}}, {"pen": {"B": 2}}), "merge_cart_counts")
assert _got == {"book": {"A": 1}, "pen": {"B": 2}}, f"unexpected merge: {_got}"
print("Visible check passed: the hidden checks merge carts that changed the same item.\n", end="")

# %% nbgrader={"grade": true, "grade_id": "test_merge_cart_counts_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: concurrent additions of one item, no mutation, and the merge properties."""
### BEGIN HIDDEN TESTS
from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from scalelab.checks import as_int, library_disabled


def _cart_plain(cart):
    assert isinstance(cart, Mapping), f"expected a mapping, got {type(cart).__name__}"
    out = {}
    for item, counts in cart.items():
        assert isinstance(counts, Mapping), f"the counts of {item!r} should be a mapping"
        kept = {n: as_int(c, f"count of {item!r} at {n!r}") for n, c in counts.items()}
        kept = {n: c for n, c in kept.items() if c != 0}
        if kept:
            out[item] = kept
    return out


_cart_counts = st.dictionaries(st.sampled_from("ABC"), st.integers(1, 4), max_size=3)
_cart_states = st.dictionaries(st.sampled_from(["book", "pen"]), _cart_counts, max_size=2)


@given(_cart_states, _cart_states, _cart_states)
@settings(max_examples=40, derandomize=True, deadline=None, database=None)
def _cart_merge_properties(a, b, c):
    ab = _cart_plain(merge_cart_counts(a, b))
    assert ab == _cart_plain(merge_cart_counts(b, a)), f"scenario 'commutative' failed for {a}, {b}"
    left = _cart_plain(merge_cart_counts(merge_cart_counts(a, b), c))
    assert left == _cart_plain(merge_cart_counts(a, merge_cart_counts(b, c))), (
        "scenario 'associative'"
    )
    assert _cart_plain(merge_cart_counts(a, a)) == _cart_plain(a), (
        f"scenario 'idempotent' failed for {a}"
    )


with library_disabled("scalelab.replication.merge_cart_counts"):
    _got = _cart_plain(merge_cart_counts({"book": {"A": 2}}, {"book": {"A": 1, "B": 1}}))
    _books = sum(_got.get("book", {}).values())
    assert _books == 3, (
        f"scenario 'both sides add a book to one book': the cart holds {_books} books"
    )
    _got = _cart_plain(merge_cart_counts({"mug": {"A": 1, "B": 3}}, {"mug": {"A": 4, "B": 1}}))
    assert _got == {"mug": {"A": 4, "B": 3}}, f"scenario 'each side ahead on one node': got {_got}"
    _ca, _cb = {"book": {"A": 2}}, {"book": {"A": 1, "B": 1}, "pen": {"B": 1}}
    merge_cart_counts(_ca, _cb)
    assert _ca == {"book": {"A": 2}} and _cb == {"book": {"A": 1, "B": 1}, "pen": {"B": 1}}, (
        "scenario 'inputs unchanged' failed"
    )
    assert _cart_plain(merge_cart_counts({}, {})) == {}, "scenario 'two empty carts' failed"
    _cart_merge_properties()
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 (written, 3 points)
#
# A shop runs its carts on three masters in three regions. A customer removes a mug from their
# cart on their laptop (node A) while, within the same second, their partner on a phone adds a
# second book to the same cart (node B). Both are told "saved". In four to six sentences: what
# does last write wins leave in the cart, and what is lost? Propose a business rule that merges
# the two versions, show the cart it produces, and name one anomaly your rule still allows and
# why the shop might accept it. (Graded by hand against the rubric in
# `grading/rubrics/04-multi-master.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "cart_rule", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# Say the cart was {book: 1, mug: 1}. A writes {book: 1} and B writes {book: 2, mug: 1}; the two
# writes are concurrent, so LWW keeps whichever has the larger timestamp (or node id) and
# silently drops the other: either the second book disappears or the mug comes back, and neither
# user is told. A better rule stores changes, not totals: for each item, each node keeps its own
# count of units it added and of units it removed (a PN-counter), merging keeps each node's
# larger count, and the quantity is the sum of additions minus the sum of removals. Here the
# book has "added 1 earlier + 1 at B" and the mug "added 1, removed 1 at A", so the cart is
# {book: 2}: the partner's book survives and the removal holds. "Keep the larger quantity" would
# give {book: 2, mug: 1} here, and would lose an addition outright if both had added a book (2
# and 2 merge to 2, not 3). The rule still allows an anomaly: if both devices remove the last
# mug at once, both removals count and the quantity goes to −1 (shown as 0), so a mug added later
# seems to vanish. The shop can accept that, because it needs two people removing the same item
# in the same second, while losing an addition costs a sale; clamping at zero and re-reading
# before checkout limit it.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar.
# 3. Self-paced: `make check NB=04-multi-master` grades your copy with the hidden checks.
#    In a class: submit as your instructor says.

# %% [markdown]
# ## Summary
#
# Shutterstall after this chapter, and what breaks next:

# %%
print(opening("multi-master").sentence_after)
print(bottleneck("multi-master").sentence)

# %% [markdown]
# Several masters remove the write stop, but the same freedom lets both sides of a network
# partition take writes that the other never sees. Chapter 05 counts those writes and stops
# them with a majority.
#
# - **Multi-master**: every node reads and writes and ships its changes to the others; writes
#   stay local and survive a dead node, at the price of **conflicts**. It is common in cloud
#   systems built for availability and scale.
# - **Last write wins** with data versions `(timestamp, node id)` is a merge that is commutative,
#   associative and idempotent, so all replicas **converge** whatever the delivery order. It
#   **silently discards** concurrent writes: 16 of 137 in our run with perfect clocks.
# - **Clock skew** makes "last" a lie: with ±1 s, 45 writes lost to writes made before them.
# - **Version vectors** detect concurrent writes instead of hiding them; **business rules**
#   resolve them with the meaning of the data. A cart merged by "the larger quantity of each
#   item" loses concurrent additions of the same item (1 book, +1 on each side: 2 instead of 3);
#   **one count per replica** (a G-counter, or a PN-counter with removals) keeps every addition.
# - Cassandra, Riak and Dynamo are **leaderless** (quorum) stores, not multi-master: chapter
#   05-quorums.
# - **Circular replication** (A → B → C → A) forwards writes hop by hop: $n - 1$ hops to
#   converge, and a cut link or stopped node stops everything downstream of it. LWW resolves
#   conflicts there too.
#
# **How the model is checked.** With hypothesis, the library's tests run the LWW merge's three
# properties on 300 generated triples of states; convergence of LWW and cart merges under 200
# generated pairs of delivery orders; and 40 generated multi-master runs (mesh and ring, 2-5
# nodes, 0-1 s skew) twice over: once checking that every node converges to the largest
# `(timestamp, node)` of each key, once checking that the version vectors, built by message
# passing, flag exactly the concurrent pairs found by a graph search; the counted cart's merge
# is checked commutative, associative and idempotent on 100 generated triples, and to count
# every concurrent addition. The hidden checks of Exercises 1, 2 and 4 run 40, 60 and 40
# generated examples.
#
# ## References
#
# - DeCandia, G. et al. (2007). *Dynamo: Amazon's highly available key-value store.* SOSP '07
#   (section 4.4: the cart reconciles versions so that no "add to cart" is lost; sections 4.5-4.6:
#   quorums, hinted handoff).
#   https://www.allthingsdistributed.com/files/amazon-dynamo-sosp2007.pdf
# - Kleppmann, M. (2017). *Designing Data-Intensive Applications*, chapter 5: Multi-leader and
#   leaderless replication. O'Reilly. https://dataintensive.net/
# - Lamport, L. (1978). *Time, clocks, and the ordering of events in a distributed system.*
#   Communications of the ACM 21(7). https://lamport.azurewebsites.net/pubs/time-clocks.pdf
# - The Apache Software Foundation (2024). *Apache Cassandra documentation: Dynamo* (leaderless
#   replication, tunable consistency, hinted handoff, read repair).
#   https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html
# - Kingsbury, K. (2013). *Call me maybe: Cassandra.* https://aphyr.com/posts/294-call-me-maybe-cassandra
# - Shapiro, M., Preguiça, N., Baquero, C. and Zawirski, M. (2011). *Conflict-free replicated
#   data types.* SSS 2011 (G-counter, PN-counter, OR-set). https://inria.hal.science/inria-00609399
# - Amazon Web Services (2024). *DynamoDB global tables: how they work* (conflict resolution by
#   last writer wins). https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
# - Oracle (2024). *MySQL 8.0 Reference Manual*, 19.1.6: replication options
#   (`log_replica_updates`, `auto_increment_offset`). https://dev.mysql.com/doc/refman/8.0/en/replication-options.html
# - Xu, A. (2020). *System Design Interview: An Insider's Guide*, chapter 1. Independently
#   published.
