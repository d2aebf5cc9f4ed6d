# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Quorums, leaders and split brain: when the network, not a server, fails
#
# Chapters 03 and 04 replicated data and promoted a new primary when the old one died. They
# assumed that "I cannot reach the primary" means "the primary is dead". On a real network it
# may mean nothing of the kind: the primary can be alive, busy and answering its own clients on
# the other side of a cut cable. This chapter is about replication when the network fails:
# how many replicas must answer, how long that takes, how a cluster decides its leader is gone,
# and what stops two leaders from writing at once.
#
# **You will learn to**
# - configure a **leaderless** (Dynamo-style) store with N, R and W, and compute how often a
#   read returns stale data as a function of N, R, W, the replication lag and the time since the
#   write (**probabilistically bounded staleness**);
# - compute the latency of a quorum as an **order statistic** (the R-th fastest of N replies)
#   and see what one slow replica does to it;
# - trade **failure-detection** time against false suspicions, and explain why elections need a
#   **majority** and an odd number of voters;
# - replay a **split brain** like GitHub's of October 2018 and count the writes that diverge
#   without protection, with **fencing tokens** and with a **majority quorum**;
# - say what **consensus** (Raft, Paxos, ZooKeeper, etcd) guarantees and what it costs across
#   regions.
#
# **Time:** about 55 minutes. **Points:** 13 (10 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup

# %%
import dataclasses

import numpy as np
from IPython.display import display

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.geo import BACKBONE_RTT, REGIONS
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, bottleneck, opening, stage
from scalelab.quorum import (
    GITHUB_2018,
    MODES,
    Delay,
    HeartbeatDetector,
    Quorum,
    best_leader,
    commit_latency,
    fenced_apply,
    majority,
    mean_detection_time,
    mean_election_time,
    p_contested,
    p_false_suspicion,
    p_stale,
    quorum_quantile,
    replica_delays,
    simulate_quorum_latency,
    simulate_split_brain,
    simulate_staleness,
    tolerated_failures,
)
from scalelab.widgets import show
from scalelab.widgets.quorum import explore_quorum
from scalelab.widgets.replication import table

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Leaderless replication: N, R and W
#
# Chapter 04 gave Shutterstall, the photo-print shop this course follows, several masters, so a
# dead one no longer stops its writes. The bill arrives when the network, not a server, fails:

# %%
print(opening("quorums").sentence)
s = stage("quorums")
print(f"{PRODUCT.name} now: {s.daily_users:,} daily users, {s.rate_peak:,.0f} requests/s at 20:00")

# %% [markdown]
# Each of those writes was acknowledged to a customer, and after the cut heals someone has to
# choose between the two histories. The question of this chapter is how many replicas must take
# part in a read or a write, so that at most one side of a cut can accept writes and a read
# finds the latest one. Leaderless stores make the question easiest to see.
#
# Amazon's Dynamo (DeCandia et al., 2007), and after it Cassandra, Riak and Voldemort, have no
# leader at all. Every key lives on **N** replicas. A coordinator sends a write to all N and
# tells the client "saved" once **W** of them have stored it; it sends a read to the replicas
# and returns the newest version among the first **R** answers. Dynamo's usual setting was
# (N, R, W) = (3, 2, 2).
#
# ```mermaid
# flowchart LR
#     C[Client] --> K[Coordinator]
#     K -- write v7 --> A[(Replica A: v7)]
#     K -- write v7 --> B[(Replica B: v7)]
#     K -. write v7, still on its way .-> D[(Replica C: v6)]
#     A -- ack --> K
#     B -- ack --> K
#     K -- "W = 2 acks: saved" --> C
# ```
#
# If **R + W > N**, every set of R replicas shares at least one replica with every set of W,
# so a read always meets the newest *acknowledged* write. With R + W ≤ N (a *partial* quorum,
# chosen because it is faster) a read may ask only replicas the write has not reached yet.
#
# Even R + W > N does not make the store behave like one copy (it is not *linearizable*).
# A read that overlaps a write still in progress may see the new value on one replica, while a
# second read an instant later asks two replicas that do not have it yet and returns the old
# one; a write that reached fewer than W replicas fails but is not rolled back where it
# landed; and two concurrent writes are settled by last-write-wins, as in chapter 04.
#
# Three mechanisms keep the replicas converging:
#
# - **sloppy quorum and hinted handoff**: when some of a key's N home replicas are unreachable,
#   the write is stored on other nodes with a *hint* ("this belongs to C"), and handed to C when
#   it is back. Writes stay available, but a read of the home replicas may miss them;
# - **read repair**: a read that sees an old version on one replica writes the new one back;
# - **anti-entropy**: a background process compares replicas (Dynamo used Merkle trees) and
#   copies whatever is missing.

# %% [markdown]
# ## How stale, and for how long?
#
# Bailis et al. (2012) asked how often partial quorums return stale data, and called the answer
# *probabilistically bounded staleness* (PBS). Read right as the write is acknowledged, a read
# of R random replicas misses all W that hold it with probability
# $\binom{N-W}{R} / \binom{N}{R}$, and misses each of the last $k$ writes with that probability
# to the power $k$.
#
# But the write keeps spreading. Each other replica receives it after its own replication lag,
# so a read $t$ seconds later is stale only if none of its R replicas has it by then. With an
# exponential lag (a floor plus an exponential tail, `Delay`), each of the N − W replicas
# still missing the write at the acknowledgement has it $t$ seconds later with probability
# $1 - e^{-t/\bar{t}}$, independently, which gives an exact formula (`p_stale`). Here is a 10 ms
# mean lag, against a simulation of 40,000 writes.
#
# **Predict first**: with N = 3 and R = W = 1, what percentage of reads made the moment a write
# is acknowledged return the old value?

# %%
predict("stale-r1w1", ..., question="% of reads stale right after a write, N = 3, R = W = 1",
        unit="%")

# %%
lag = Delay(t_floor=0.0, t_tail=0.010)
times = np.array([0.0, 0.005, 0.010, 0.020, 0.050])
rows = []
for n, r, w in [(3, 1, 1), (3, 1, 2), (3, 2, 1), (5, 2, 2), (3, 2, 2)]:
    q = Quorum(n_replicas=n, n_read=r, n_write=w)
    exact = p_stale(times, q, lag)
    sim = simulate_staleness(times, q, lag, 40_000, rng=rng)
    cells = [f"{e:.3f} ({s:.3f})" for e, s in zip(exact, sim, strict=True)]
    rows.append([f"N={n} R={r} W={w}", *cells])
display(table(["quorum", *[f"{t * 1000:.0f} ms" for t in times]], rows))
reveal("stale-r1w1", 100 * float(p_stale(0.0, Quorum(3, 1, 1), lag)),
       why="the read asks 1 replica of 3, and only the 1 the write reached has it: 2 in 3 miss")

# %% [markdown]
# Each cell is the exact probability, with the simulation in brackets. With R = W = 1 of 3,
# two reads in three straight after the write are stale, but after 20 ms fewer than one in ten
# and after 50 ms almost none: this is why partial quorums are often "good enough". Reading
# from two replicas (R = 2) helps more than writing to two, because the read can also catch
# replicas the write reached after its acknowledgement. R + W > N (the last row) is never stale.

# %% [markdown]
# ## The latency of a quorum: an order statistic
#
# The price of a bigger quorum is waiting. A read sent to N replicas finishes when the R-th
# reply arrives: its latency is the R-th smallest of N random times. With replicas that differ
# (one has a slow disk, or is in a garbage-collection pause), the number of replies that have
# arrived by time $t$ is a sum of independent yes/no variables with different probabilities, and
# a short recurrence gives its exact distribution (`quorum_cdf`, `quorum_quantile`).
# Healthy replicas here answer in 1 ms plus an exponential tail of 4 ms on average; the slow one
# averages 51 ms.
#
# **Predict first**: with one slow replica among three, what is the p99 of a read that waits for
# all three replies (R = 3), in milliseconds?

# %%
predict("slow-replica-p99", ..., question="p99 of a 3-of-3 read with one slow replica (51 ms mean)",
        unit="ms")

# %%
fast, slow = Delay(0.001, 0.004), Delay(0.001, 0.050)
rows = []
for n in (3, 5):
    for r in range(1, n + 1):
        cells = []
        for delays in (replica_delays(n, fast), replica_delays(n, fast, slow=slow)):
            exact = [float(quorum_quantile(p, r, delays)) for p in (0.5, 0.99)]
            sim = simulate_quorum_latency(delays, r, 100_000, rng=rng)
            cells.append(
                f"{exact[0] * 1000:.1f} / {exact[1] * 1000:.1f} "
                f"({np.quantile(sim, 0.99) * 1000:.1f})"
            )
        rows.append([n, r, *cells])
display(table(["N", "R", "p50 / p99 ms, healthy (sim p99)", "p50 / p99 ms, one slow (sim p99)"],
              rows))
p99 = float(quorum_quantile(0.99, 3, replica_delays(3, fast, slow=slow)))
reveal("slow-replica-p99", p99 * 1000,
       why="R = 3 always waits for the slow replica, whose own p99 is 1 ms + 50 ms × ln 100")

# %% [markdown]
# Read the R = 3 of 3 row: waiting for every replica costs twice the p99 of waiting for two
# even when all are healthy, and ten times as much when one is slow, because that quorum must
# wait for the slow one. R = 2 of 3 still has to wait for the slow replica whenever one of the
# healthy two is late, so its p99 rises from 12 to 21 ms; with N = 5 and R = 3 the slow replica
# is rarely needed. This is why quorum stores send requests to every replica and take the first
# answers, and why a single sick node shows up first in the tail.

# %% [markdown]
# ## Leaders and failure detection
#
# Stores with a leader (chapter 03's primary, Raft, ZooKeeper) must decide when the leader has
# died. The leader sends a **heartbeat** every few tens of milliseconds; a follower that hears
# nothing for a **timeout** suspects it. The follower cannot tell a dead leader from a slow
# network, so the timeout is a trade-off (Chen, Toueg and Aguilera, 2002). Here are heartbeats
# every 50 ms, a delay of 1 ms plus a 10 ms exponential tail, 1 % of heartbeats lost:

# %%
rows = []
for t_timeout in (0.060, 0.075, 0.100, 0.150, 0.300):
    detector = HeartbeatDetector(
        t_heartbeat=0.05, t_timeout=t_timeout, delay=Delay(0.001, 0.010), p_loss=0.01
    )
    rows.append(
        [
            f"{t_timeout * 1000:.0f}",
            f"{p_false_suspicion(detector):.2e}",
            f"{mean_detection_time(detector) * 1000:.0f}",
        ]
    )
table(["timeout (ms)", "P(a live leader is suspected)", "mean detection time (ms)"], rows)

# %% [markdown]
# Each step of the timeout adds its own length to the detection time but divides the false
# suspicions by ten or more: a timeout of three heartbeats is a common choice. The library's
# tests check both columns against a simulation of 200,000 heartbeats and 20,000 crashes.
#
# After the suspicion comes an **election**. Raft (Ongaro and Ousterhout, 2014) gives each
# follower a random election timeout, 150–300 ms in the paper; the first to time out asks the
# others for their votes. If a second follower times out before that request reaches it, the
# vote may split and everyone waits again. With 10 ms one way between nodes:

# %%
rows = []
for n in (3, 4, 5, 7):
    rows.append(
        [
            n,
            majority(n),
            tolerated_failures(n),
            f"{p_contested(n, 0.150, 0.300, 0.010):.2f}",
            f"{mean_election_time(n, 0.150, 0.300, 0.010) * 1000:.0f}",
        ]
    )
table(["voters", "majority", "failures tolerated", "P(contested)", "ms without a leader"], rows)

# %% [markdown]
# The cluster is without a leader for about a quarter of a second after the last heartbeat.
# The majority column is the important one. A leader needs the votes of a **majority**, and two
# majorities always share a voter, who votes once per term: so even if the network splits the
# cluster, at most one side can elect a leader. An even number of voters buys nothing: four
# voters tolerate one failure, like three, and a 2 | 2 split leaves *neither* side a majority.

# %% [markdown]
# ## Split brain and fencing
#
# Now suppose the old leader is not dead but cut off, or paused for a few seconds by garbage
# collection. The others elect a new leader. The old one does not know; when it resumes (or
# for as long as it is cut off) it keeps accepting writes. Two leaders means two histories:
# *split brain*.
#
# ```mermaid
# flowchart LR
#     subgraph East[Leader's data centre]
#         OL[(old leader, epoch 33)]
#         CE[clients] --> OL
#     end
#     subgraph West[Other data centre]
#         NL[(new leader, epoch 34)]
#         CW[clients] --> NL
#     end
#     OL x--x|partition| NL
# ```
#
# A **fencing token** (Kleppmann, 2016) stops a deposed leader: every new leader receives a
# larger epoch, sends it with every write, and **storage** rejects a write whose token is
# older than the newest it has seen. A leader that wakes from a pause is refused
# (`fenced_apply` runs the writes through the library's fenced store):

# %%
log = [
    ("old leader writes before its pause", "balance", 100, 33),
    ("new leader, elected during the pause", "balance", 120, 34),
    ("old leader wakes up and writes", "balance", 90, 33),
]
final, accepted = fenced_apply([(key, value, token) for _, key, value, token in log])
rows = [[what, token, ok] for (what, _, _, token), ok in zip(log, accepted, strict=True)]
rows.append(["final value", "", final["balance"]])
table(["write", "token", "accepted"], rows)

# %% [markdown]
# ### The drill: a partition like GitHub's
#
# On 21 October 2018, 43 seconds of lost connectivity between GitHub's US East Coast network
# hub and its primary US East Coast data centre led Orchestrator, whose Raft quorum the West
# Coast and public-cloud nodes still formed, to promote database primaries in the US West Coast
# data centre. The East Coast databases held a brief period of writes that had not reached the
# West, the West then took new writes, and neither side could simply be thrown away: the site
# was degraded for 24 hours and 11 minutes while engineers reconciled them (GitHub, 2018).
#
# `simulate_split_brain` replays that shape: a 43 s partition, the far side promotes after its
# detector's timeout (10 s) and an election (5 s), users' writes (200/s) reach the far side,
# 10 writes/s come from jobs inside the cut-off data centre, and replication lags 2 s. These
# rates and times are our assumptions, not GitHub's figures. `t_reroute` is how long the old
# leader's clients keep writing to it after the heal (GitHub's application tier switched at once).
#
# **Predict first**: without protection, and with clients switching at once at the heal, how many
# acknowledged writes will exist on one side only?

# %%
predict("diverged", ..., question="acknowledged writes on one side only, no protection",
        unit="writes")

# %%
rows, runs = [], {}
for t_reroute in (0.0, 30.0):
    for mode in MODES:
        params = dataclasses.replace(GITHUB_2018, mode=mode, t_reroute=t_reroute)
        r = runs[t_reroute, mode] = simulate_split_brain(params, rng=np.random.default_rng(SEED))
        rows.append(
            [
                f"{t_reroute:.0f} s",
                mode,
                r.n_orphaned,
                r.n_new_branch,
                r.n_divergent,
                r.n_fenced,
                r.n_rejected_leader_side + r.n_rejected_other_side,
                f"{r.p_available_leader_side:.0%} / {r.p_available_other_side:.0%}",
            ]
        )
drill = table(
    [
        "old clients after heal",
        "protection",
        "orphaned on old leader",
        "new leader's writes",
        "divergent",
        "fenced",
        "refused",
        "writable during cut (leader's side / other)",
    ],
    rows,
)
display(drill)
reveal("diverged", runs[0.0, "none"].n_divergent,
       why="most are the far side's 28 s of writes after its election; the rest never left the old leader")
mm, g = stage("multi-master"), GITHUB_2018
far = mm.rate_writes * g.n_voters_other_side / (g.n_voters_leader_side + g.n_voters_other_side)
print(f"Shutterstall's masters, {far:,.0f} of {mm.rate_writes:,.0f} writes/s on the far side for "
      f"{g.t_partition:.0f} s: {bottleneck('multi-master').value:,.0f} diverge")

# %% [markdown]
# Without protection, 826 acknowledged writes exist only on the old leader (the 2 s lag window
# and the cut-off side's own jobs) and 5,717 only on the new one: 6,543 writes that someone must
# reconcile by hand. **Fencing tokens** change nothing during the cut: the storage on the old
# leader's side has never heard of the new epoch. They do stop the zombie that comes back: with
# clients still writing to the old leader for 30 s after the heal, fencing rejects those 293
# writes instead of adding them to the pile. Only the **majority** rule prevents divergence
# altogether: the cut-off side, holding 2 of 5 voters, cannot commit, so its 428 writes are
# refused instead of acknowledged, and nothing needs reconciling. The price is availability:
# under the majority rule the minority side cannot write at all during the cut.
#
# The last line is the opening's count for Shutterstall, made more simply: its masters need no
# election, so every write made on the far side during the whole cut diverges. With a majority
# quorum only the far side, which holds three of the five voters, may write; the old leader's
# side refuses, and nothing diverges.

# %% [markdown]
# ## Consensus as a building block
#
# Raft, Multi-Paxos, ZooKeeper's Zab and etcd package the majority rule as a replicated log:
# a leader commits an entry once a majority of voters has stored it, elections need a majority,
# and terms (epochs) fence old leaders. They guarantee that committed entries survive any
# minority of failures and that every voter applies the same entries in the same order, so a
# key-value store or a lock on top is linearizable. They cost a round trip to the nearest
# majority on every write. With voters in three or five regions and chapter 10's round-trip
# times:

# %%
rows = []
for names in (
    ("na-east", "na-west", "europe"),
    ("na-east", "na-west", "europe", "asia", "oceania"),
):
    idx = [REGIONS.index(name) for name in names]
    rtt = BACKBONE_RTT[np.ix_(idx, idx)]
    per_leader = ", ".join(
        f"{name} {commit_latency(rtt, i) * 1000:.0f}" for i, name in enumerate(names)
    )
    rows.append([len(names), per_leader, names[best_leader(rtt)]])
table(["voters", "commit latency (ms) with the leader in", "fastest leader"], rows)

# %% [markdown]
# A commit waits for the nearest *majority*, not for everyone: with three regions and the
# leader in na-east, it waits 65 ms for na-west and ignores Europe. A client in Europe adds its
# own 90 ms round trip to the leader. That is the bill for never losing an acknowledged write
# and never having two leaders: worth it for what must not diverge (the leader lease, the
# configuration, a seat or a balance), usually not for a timeline or a like counter.

# %% [markdown]
# ## Explore
#
# Top: the probability that a read is stale, by the time since the write was acknowledged,
# with R = W = 1 for comparison. Middle: the latency distribution of a read (R-th reply) and a
# write (W-th reply), the p99 marked. Bottom: the writes/s each side of a partition can get
# acknowledged, for a store with a leader and for a leaderless store.
#
# *Try:*
# - set R = W = 1, then raise the replication lag: how long until reads are fresh?
# - make one replica slow (200 ms), then compare R = 1, 2 and 3: whose p99 explodes?
# - cut two replicas off with N = 5 and switch between no protection and a majority quorum;
#   then cut three off: which side can write now?
# - lengthen the detector timeout past the partition: what happens to the divergent writes?

# %%
explorer = show(explore_quorum)

# %% [markdown]
# ## Exercises
#
# The exercises define names that the library also has; once you run an answer cell, your
# version replaces the library's in this notebook (the widget keeps using the library).
#
# ### Exercise 1: the p99 of a quorum read (3 points)
#
# Write `quorum_p99(t_means, n_read)`. Replica `i` answers after an exponential time with mean
# `t_means[i]` seconds, independently of the others. Return the p99 (in seconds) of the time a
# read waits for the `n_read`-th fastest reply. Hint: at a time $t$, replica $i$ has answered
# with probability $1 - e^{-t / m_i}$; find the number of replies by $t$, then the $t$ at which
# "at least `n_read`" has probability 0.99. Hidden checks use different means (one slow
# replica, too) with a relative tolerance of 2 %; the library's `quorum_quantile`, `quorum_cdf`
# and `simulate_quorum_latency` are switched off while they run.


# %% nbgrader={"grade": false, "grade_id": "quorum_p99", "locked": false, "schema_version": 3, "solution": true, "task": false}
def quorum_p99(t_means, n_read):
    """p99 (s) of the n_read-th fastest of independent exponential replies with these means."""
    ### BEGIN SOLUTION
    means = [float(m) for m in t_means]

    def p_at_least(t):
        dist = [1.0] + [0.0] * len(means)  # dist[k] = P(k replies so far)
        for m in means:
            p = 1.0 - np.exp(-t / m)
            dist = [dist[0] * (1 - p)] + [
                dist[k] * (1 - p) + dist[k - 1] * p for k in range(1, len(dist))
            ]
        return sum(dist[n_read:])

    lo, hi = 0.0, 50.0 * max(means)
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if p_at_least(mid) < 0.99 else (lo, mid)
    return hi
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_quorum_p99_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: two of three identical replicas with a 5 ms mean; by the time your function
returns, 99 % of reads must have their two replies."""
from scalelab.checks import as_float, expect_close

got = as_float(quorum_p99([0.005, 0.005, 0.005], 2), "quorum_p99([0.005] * 3, 2)")
q = 1 - np.exp(-got / 0.005)  # the chance that one replica has answered by then
expect_close(3 * q**2 * (1 - q) + q**3, 0.99, abs_tol=0.001,
             what="P(two of three 5 ms replicas have answered by your p99)")
print("Visible check passed: the hidden checks add a slow replica and other quorums.\n", end="")

# %% nbgrader={"grade": true, "grade_id": "test_quorum_p99_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: one replica, R = 1 and R = N, a slow replica, five replicas."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_float, expect_close, library_disabled

with library_disabled(
    "scalelab.quorum.quorum_quantile",
    "scalelab.quorum.quorum_cdf",
    "scalelab.quorum.simulate_quorum_latency",
):
    cases = {
        "one replica: -m ln(0.01)": ([0.010], 1, 0.0460517),
        "first of three": ([0.005] * 3, 1, 0.0076753),
        "all of three": ([0.005] * 3, 3, 0.0285022),
        "two of three, one slow": ([0.005, 0.005, 0.050], 2, 0.0240762),
        "all of three, one slow": ([0.005, 0.005, 0.050], 3, 0.2302585),
        "slow replica listed first": ([0.050, 0.005, 0.005], 2, 0.0240762),
        "three of five": ([0.004, 0.004, 0.004, 0.004, 0.030], 3, 0.0118963),
    }
    for scenario, (means, r, want) in cases.items():
        got = as_float(quorum_p99(means, r), f"scenario '{scenario}'")
        expect_close(got, want, rel=0.02, what=f"scenario '{scenario}' (s)")
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: storage that checks fencing tokens (3 points)
#
# Write a class `FencedStore` with `write(key, value, token)` and `read(key)`. The store keeps
# **one** newest token for all keys (one leader writes them all). `write` accepts the write,
# stores the value and returns `True` if `token` is at least the newest token it has accepted so
# far (the first write is always accepted); otherwise it changes nothing and returns `False`.
# `read(key)` returns the last accepted value for `key`, or `None`. Hidden property tests
# compare your store with a reference on generated sequences; the library's `FencedStore` is
# switched off (and your class must not inherit from it).


# %% nbgrader={"grade": false, "grade_id": "fenced_store", "locked": false, "schema_version": 3, "solution": true, "task": false}
class FencedStore:
    """A key-value store that rejects writes with a fencing token older than the newest seen."""

    ### BEGIN SOLUTION
    def __init__(self):
        self.data = {}
        self.newest = None

    def write(self, key, value, token):
        if self.newest is not None and token < self.newest:
            return False
        self.newest = token
        self.data[key] = value
        return True

    def read(self, key):
        return self.data.get(key)

    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_fenced_store_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a paused leader's late write is rejected."""
s = FencedStore()
results = [s.write("x", "a", 33), s.write("x", "b", 34), s.write("x", "late", 33)]
assert [type(r) is bool for r in results] == [True] * 3, f"write should return bools: {results}"
assert results == [True, True, False], f"expected [True, True, False], got {results}"
assert s.read("x") == "b", f"read('x') should be 'b' after the rejected write, got {s.read('x')!r}"
assert s.read("missing") is None, "read of a key never written should be None"
print("Visible check passed: the hidden checks use many keys and generated sequences.\n", end="")

# %% nbgrader={"grade": true, "grade_id": "test_fenced_store_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: equal tokens, one token for all keys, and generated sequences (hypothesis)."""
### BEGIN HIDDEN TESTS
from hypothesis import given, settings
from hypothesis import strategies as st

import scalelab.quorum
from scalelab.checks import library_disabled

assert scalelab.quorum.FencedStore not in FencedStore.__mro__, (
    "scenario 'own class': FencedStore must be written here, not inherited from the library"
)


def _reference(writes):
    data, accepted, newest = {}, [], None
    for key, value, token in writes:
        ok = newest is None or token >= newest
        accepted.append(ok)
        if ok:
            newest, data[key] = token, value
    return data, accepted


_writes = st.lists(
    st.tuples(st.sampled_from("abc"), st.integers(0, 99), st.integers(0, 5)), max_size=25
)


@given(_writes)
@settings(max_examples=80, derandomize=True, deadline=None, database=None)
def _matches_reference(writes):
    s = FencedStore()
    got = [s.write(k, v, t) for k, v, t in writes]
    data, want = _reference(writes)
    assert [type(g) is bool for g in got] == [True] * len(got), "write should return bools"
    assert got == want, f"scenario 'generated': {writes} accepted {got}, expected {want}"
    for key in "abc":
        assert s.read(key) == data.get(key), f"scenario 'generated': read({key!r}) after {writes}"


with library_disabled("scalelab.quorum.FencedStore", "scalelab.quorum.fenced_apply"):
    s = FencedStore()
    assert s.write("a", 1, 5) and s.write("a", 2, 5), "scenario 'same leader writes twice' failed"
    assert not s.write("b", 3, 4), "scenario 'one token for all keys': token 4 after 5 accepted"
    assert s.read("b") is None, "scenario 'a rejected write stores nothing' failed"
    s2 = FencedStore()
    s2.write("k", "new", 9)
    s2.write("k", "old", 3)
    assert not s2.write("k", "older still", 4), "scenario 'compare with the newest accepted'"
    assert s2.read("k") == "new", "scenario 'compare with the newest accepted' failed"
    _matches_reference()
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: choose N, R and W for a workload (4 points)
#
# A workload is a dict: `reply` (a healthy replica's reply time, a `Delay`), `slow` (the reply
# time of one slow replica among the N, or `None`), `lag` (the replication lag, a `Delay`),
# `t_after` (seconds after a write at which reads must be fresh), and three SLOs:
# `t_read_p99` and `t_write_p99` (seconds) and `p_stale_max` (the largest acceptable
# probability that a read `t_after` seconds after a write is stale). At most `n_max` replicas.
#
# Write `choose_quorum(workload)` returning `{"n_replicas": N, "n_read": R, "n_write": W}` that
# meets all three SLOs. Use the library (`replica_delays`, `quorum_quantile`, `Quorum`,
# `p_stale`) to evaluate candidates. Three hidden workloads grade your function: each is worth
# 1 point, a third of it per SLO met (a design over `n_max` earns nothing for that workload).


# %% nbgrader={"grade": false, "grade_id": "choose_quorum", "locked": false, "schema_version": 3, "solution": true, "task": false}
def choose_quorum(workload):
    """Return {"n_replicas": N, "n_read": R, "n_write": W} meeting the workload's three SLOs."""

    ### BEGIN SOLUTION
    def slos_met(n, r, w):
        delays = replica_delays(n, workload["reply"], slow=workload["slow"])
        return sum(
            [
                float(quorum_quantile(0.99, r, delays)) <= workload["t_read_p99"],
                float(quorum_quantile(0.99, w, delays)) <= workload["t_write_p99"],
                float(p_stale(workload["t_after"], Quorum(n, r, w), workload["lag"]))
                <= workload["p_stale_max"],
            ]
        )

    candidates = [
        (n, r, w)
        for n in range(1, workload["n_max"] + 1)
        for r in range(1, n + 1)
        for w in range(1, n + 1)
    ]
    n, r, w = max(candidates, key=lambda c: (slos_met(*c), -c[0], -(c[1] + c[2])))
    return {"n_replicas": n, "n_read": r, "n_write": w}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_choose_quorum_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a well-formed design within the replica budget, scored on a visible workload."""
from scalelab.checks import as_int

visible = dict(
    reply=Delay(0.001, 0.004),
    slow=Delay(0.001, 0.050),
    lag=Delay(0.0, 0.020),
    t_after=0.005,
    p_stale_max=0.01,
    t_read_p99=0.015,
    t_write_p99=0.025,
    n_max=5,
)
design = choose_quorum(visible)
assert type(design) is dict, f"choose_quorum should return a dict, got {type(design).__name__}"
n_v = as_int(design.get("n_replicas"), "n_replicas")
r_v, w_v = as_int(design.get("n_read"), "n_read"), as_int(design.get("n_write"), "n_write")
assert 1 <= n_v <= visible["n_max"], f"n_replicas {n_v} is outside 1..{visible['n_max']}"
assert 1 <= r_v <= n_v and 1 <= w_v <= n_v, f"R = {r_v} and W = {w_v} must be in 1..N = {n_v}"
_d = replica_delays(n_v, visible["reply"], slow=visible["slow"])
read_ms = float(quorum_quantile(0.99, r_v, _d)) * 1000
write_ms = float(quorum_quantile(0.99, w_v, _d)) * 1000
stale = float(p_stale(visible["t_after"], Quorum(n_v, r_v, w_v), visible["lag"]))
print(f"Visible check passed: N={n_v} R={r_v} W={w_v}. On the visible workload: p99 read "
      f"{read_ms:.1f} ms (SLO 15),")
print(f"p99 write {write_ms:.1f} ms (SLO 25), P(stale) {stale:.4f} (SLO 0.01). "
      "The hidden workloads score each SLO.")

# %% nbgrader={"grade": true, "grade_id": "test_choose_quorum_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: three workloads, a third of a point per SLO met (1 point each)."""
### BEGIN HIDDEN TESTS
from scalelab.checks import partial_credit
from scalelab.quorum import Delay, Quorum, p_stale, quorum_quantile, replica_delays

_workloads = {
    "read-heavy, long lag": dict(
        reply=Delay(0.001, 0.004),
        slow=None,
        lag=Delay(0.0, 0.05),
        t_after=0.0,
        p_stale_max=0.001,
        t_read_p99=0.008,
        t_write_p99=0.030,
        n_max=5,
    ),
    "a slow disk": dict(
        reply=Delay(0.002, 0.003),
        slow=Delay(0.002, 0.2),
        lag=Delay(0.0, 0.01),
        t_after=0.02,
        p_stale_max=0.02,
        t_read_p99=0.012,
        t_write_p99=0.012,
        n_max=4,
    ),
    "across zones": dict(
        reply=Delay(0.0005, 0.002),
        slow=Delay(0.0005, 0.03),
        lag=Delay(0.001, 0.03),
        t_after=0.01,
        p_stale_max=0.05,
        t_read_p99=0.006,
        t_write_p99=0.02,
        n_max=6,
    ),
}
_score = 0.0
for _name, _w in _workloads.items():
    try:
        _design = choose_quorum(dict(_w))
        _n, _r, _wr = (int(_design[k]) for k in ("n_replicas", "n_read", "n_write"))
        assert type(_design) is dict and 1 <= _r <= _n <= _w["n_max"] and 1 <= _wr <= _n
    except Exception as _error:  # a malformed design earns nothing for this workload
        print(f"scenario '{_name}': no valid design ({type(_error).__name__})")
        continue
    _d = replica_delays(_n, _w["reply"], slow=_w["slow"])
    _met = [
        float(quorum_quantile(0.99, _r, _d)) <= _w["t_read_p99"],
        float(quorum_quantile(0.99, _wr, _d)) <= _w["t_write_p99"],
        float(p_stale(_w["t_after"], Quorum(_n, _r, _wr), _w["lag"])) <= _w["p_stale_max"],
    ]
    _score += sum(_met) / 3
    print(f"scenario '{_name}': N={_n} R={_r} W={_wr}, SLOs met (read, write, stale): {_met}")
partial_credit(_score, 3)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (written, 3 points)
#
# A concert-ticketing company sells seats in North America and Europe. Its data: the seat map
# and sold seats of each concert, payments, user profiles, and a "fans also liked" feed. It
# considers moving everything into a consensus-backed store (etcd-like: Raft, voters in
# na-east, na-west and europe). In five to seven sentences: which data would you put in the
# consensus store and which not, and why? Use the commit latency this chapter computed and say
# what a European buyer waits per write. Name one failure the consensus store prevents that a
# leaderless store with R = W = 1 or an asynchronous primary would allow, and one thing it
# costs besides latency. (Graded by hand against the rubric in
# `grading/rubrics/05-quorums.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "consensus_worth", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# Seat sales and payments belong in the consensus store: selling the same seat twice, or
# charging for a seat that was then sold again on the other side of a partition, costs money and
# trust, and the majority rule makes that impossible because only one side can commit. With
# voters in na-east, na-west and europe and the leader in na-east, each commit waits about 65 ms
# for na-west; a buyer in Europe adds a 90 ms round trip to the leader, about 155 ms per write,
# which is acceptable for a purchase made a few times a year. Profiles and the "fans also liked"
# feed do not need it: a stale profile for a few seconds or a lost like harms nobody, so a
# leaderless store with small quorums (or async replicas) keeps them fast and writable during a
# partition. The failure prevented is split brain: with an asynchronous primary, a 43 s partition
# like GitHub's lets both sides sell seat 12A, and R = W = 1 lets two buyers each read "free".
# Besides latency, the consensus store costs availability on the minority side (Europe cannot
# sell if it is cut off from both American voters) and a cluster of three to five voters to run.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar.
# 3. Self-paced: `make check NB=05-quorums` grades your copy with the hidden checks.
#    In a class: submit as your instructor says.

# %% [markdown]
# ## Summary
#
# Shutterstall after this chapter, and what breaks next:

# %%
print(opening("quorums").sentence_after)
print(bottleneck("quorums").sentence)

# %% [markdown]
# A majority settles who may write, but not what two concurrent writes to one value mean. Two
# likes of one photo, made at the same moment on two replicas, still merge into one under last
# write wins. Chapter 06 builds a counter that keeps both, and nodes that survive a real network.
#
# - **Leaderless quorums**: N replicas, writes wait for W, reads for R. R + W > N makes every
#   read meet the last acknowledged write, but is not linearizable on its own; sloppy quorums,
#   hinted handoff, read repair and anti-entropy keep replicas converging.
# - **Staleness is a probability** (PBS): with R = W = 1 of 3 and a 10 ms mean lag, 67 % of
#   reads right after a write are stale, 24.5 % after 10 ms and 0.4 % after 50 ms.
# - **Quorum latency is an order statistic**: the p99 of a 3-of-3 read is 24 ms with healthy
#   replicas and 231 ms with one slow replica; 2 of 3 goes from 12 to 21 ms.
# - **Failure detectors trade detection time for false suspicions**; elections need a majority,
#   so at most one side of a partition has a leader, and an odd number of voters is the useful one.
# - **Split brain**: in the GitHub-like drill, 6,543 acknowledged writes diverged without
#   protection, the same with fencing tokens (the cut-off storage never heard of the new epoch;
#   fencing only rejected the 293 writes of a zombie leader after the heal), and 0 with a
#   majority quorum, which refused 428 writes on the cut-off side instead.
# - **Consensus** (Raft, Paxos, ZooKeeper, etcd) turns the majority rule into a replicated log:
#   a commit costs a round trip to the nearest majority, 65 ms across three North American and
#   European regions.
#
# **How the model is checked.** The library's tests compare each closed form with a seeded
# simulation: PBS staleness at six times for four quorums (40,000 writes each), order-statistic
# p50 and p99 with and without a slow replica (200,000 reads each), the heartbeat detector's
# false suspicions and detection time (200,000 heartbeats, 20,000 crashes), Raft's contested
# rounds and election time (40,000 elections), and the drill's counts against rate × window
# over 400 seeds; hypothesis checks the Poisson-binomial against subset enumeration, commit
# latency against every majority, and the fencing store against a reference (60-180 examples).
#
# ## References
#
# - DeCandia, G. et al. (2007). *Dynamo: Amazon's highly available key-value store.* SOSP '07.
#   https://www.allthingsdistributed.com/files/amazon-dynamo-sosp2007.pdf
# - Bailis, P., Venkataraman, S., Franklin, M. J., Hellerstein, J. M. and Stoica, I. (2012).
#   *Probabilistically bounded staleness for practical partial quorums.* PVLDB 5(8).
#   https://doi.org/10.14778/2212351.2212359
# - Ongaro, D. and Ousterhout, J. (2014). *In search of an understandable consensus algorithm.*
#   USENIX ATC '14. https://raft.github.io/raft.pdf
# - Chen, W., Toueg, S. and Aguilera, M. K. (2002). *On the quality of service of failure
#   detectors.* IEEE Transactions on Computers 51(5). https://doi.org/10.1109/12.980014
# - Kleppmann, M. (2016). *How to do distributed locking.*
#   https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html
# - Kleppmann, M. (2017). *Designing Data-Intensive Applications*, chapters 5, 8 and 9.
#   O'Reilly. https://dataintensive.net/
# - GitHub (2018). *October 21 post-incident analysis.*
#   https://github.blog/news-insights/company-news/oct21-post-incident-analysis/
# - Lamport, L. (2001). *Paxos made simple.* ACM SIGACT News 32(4).
#   https://lamport.azurewebsites.net/pubs/paxos-simple.pdf
# - Hunt, P., Konar, M., Junqueira, F. P. and Reed, B. (2010). *ZooKeeper: wait-free
#   coordination for Internet-scale systems.* USENIX ATC '10.
#   https://www.usenix.org/legacy/event/atc10/tech/full_papers/Hunt.pdf
# - Xu, A. (2020). *System Design Interview: An Insider's Guide*, chapter 6. Independently
#   published.
