# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Database replication: one master, many slaves, and what happens when the master dies
#
# Chapter 02 made the web tier survive a dead server: a load balancer sends traffic to the
# servers that are still up. Behind them, though, there is still **one database**. If it stops,
# every web server stops with it; if its disk dies, the data is gone. This chapter copies the
# database onto several servers and follows the copies through good days and bad ones.
#
# **You will learn to**
# - explain master-slave (primary-replica) replication: writes go to the master, reads to the
#   slaves, and every server holds the data;
# - model asynchronous log shipping and measure replication lag and stale reads;
# - size the read tier, and see why replicas multiply reads but never writes;
# - run a failover: promote a slave, list exactly which acknowledged writes are lost, and plan
#   the recovery (catch-up scripts, a replacement slave);
# - weigh synchronous, semi-synchronous and asynchronous replication, and watch semi-synchronous
#   replication quietly fall back to asynchronous.
#
# **Time:** about 55 minutes. **Points:** 13 (10 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. `SEED` fixes the random numbers, so your runs match the numbers quoted in
# the text.

# %%
import numpy as np
from IPython.display import display

from scalelab.architecture import T_FAILOVER_DB
from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, RATE_DB, RHO_MAX, bottleneck, opening, stage
from scalelab.replication import (
    POLICIES,
    ReplicationParams,
    SemiSyncParams,
    availability_at_least_one,
    failover,
    in_order_apply_times,
    read_capacity,
    simulate_availability,
    simulate_replication,
    simulate_semisync,
)
from scalelab.widgets import show
from scalelab.widgets.replication import explore_failover, table

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## One database is a single point of failure
#
# Chapter 02 spread the web tier of Shutterstall, the photo-print shop this course follows, over
# fifteen servers behind a load balancer. Behind them all there is still one database:

# %%
print(opening("replication").sentence)
shop = stage("replication")
print(f"{PRODUCT.name} now: {shop.daily_users:,} daily users, {shop.rate_peak:,.0f} requests/s "
      "at 20:00")
print(f"Its database at 20:00: {shop.rate_reads:,.0f} reads/s and {shop.rate_writes:,.0f} writes/s "
      "(photos and thumbnails are files, not queries)")

# %% [markdown]
# That is 2,500 queries a second for a server that runs 2,000 (the figure this course assumes
# for a database server): the shop has outgrown it. Three things go wrong with a lone database
# server. It becomes a **bottleneck**: every page view waits for it, and it can only run so
# many queries a second. It is a **single point of failure**: a crash, a kernel upgrade or a
# full disk takes the whole product down. And it is the **only copy**: a dead disk without a
# recent backup is lost data, not just lost time.
#
# Replication answers all three with one idea: keep the same data on several servers. In its
# simplest and most common form one server, the **master** (today usually called the
# *primary*; MySQL says *source*), accepts every write. The others, the **slaves** (*replicas*),
# receive a copy of each change and answer reads. Here is the stage the system reaches in this
# chapter:
#
# ```mermaid
# flowchart LR
#     U[Users] --> LB[Load balancer]
#     LB --> W1[Web server 1]
#     LB --> W2[Web server 2]
#     W1 -- writes --> M[(Master)]
#     W2 -- writes --> M
#     M -- replication log --> S1[(Slave 1)]
#     M -- replication log --> S2[(Slave 2)]
#     M -- replication log --> S3[(Slave 3)]
#     W1 -- reads --> S1
#     W1 -- reads --> S2
#     W2 -- reads --> S2
#     W2 -- reads --> S3
# ```
#
# Why split reads from writes? Most web products read far more than they write: a post is
# written once and read thousands of times, a product page is viewed far more often than it is
# edited. Sending the reads to the slaves lets you add read capacity by adding slaves, while the
# master does the one job that needs a single authority, ordering the writes. The three gains:
#
# - **performance**: reads run in parallel on many servers;
# - **reliability**: the data lives on several machines, so losing one disk loses nothing;
# - **availability**: when a server dies, another one holds the same data and can take over.

# %% [markdown]
# ## How a write reaches the slaves: the replication log
#
# The master records every change it commits in an append-only **log** (MySQL's binary log,
# PostgreSQL's write-ahead log). Each entry gets the next **log position**: 1, 2, 3, ... A slave
# streams the log and replays the entries **in order**, because applying "set balance to 50"
# before "set balance to 80" when the master did it the other way round would leave different
# data. The delay between the master committing an entry and a slave applying it is the
# **replication lag**.
#
# In the **asynchronous** mode most systems use by default, the master tells the client "done"
# as soon as it has committed locally, and ships the entry afterwards. The client does not wait
# for any slave.
#
# In-order replay has a side effect you can see with three writes. The first entry is delayed by
# 5 s on the network; the next two arrive quickly but must wait behind it:

# %%
commit_times = [1.0, 2.0, 3.0]  # seconds: when the master committed positions 1, 2, 3
shipping_delay = [5.0, 0.5, 0.5]  # seconds each entry took to reach the slave
in_order_apply_times(commit_times, shipping_delay)

# %% [markdown]
# All three are applied at 6 s: one slow entry holds up everything behind it (*head-of-line
# blocking*). That is why replication lag comes in bursts.
#
# ## The model, run live
#
# `simulate_replication` runs one master and three slaves for 60 s. Writes arrive at random at
# 20 per second, reads at 200 per second, and 90 % of the reads go to a slave. Each entry's
# shipping delay is random, 0.3 s on average. A read is **stale** when its slave has not yet
# applied everything the master has committed at that moment.
#
# **Predict first**: what share of all reads will be stale?

# %%
predict("stale-share", ..., question="share of all reads that are stale: 20 writes/s, 0.3 s "
        "mean shipping delay, 90 % of reads on slaves", unit="%")

# %%
params = ReplicationParams(
    n_replicas=3, rate_writes=20, rate_reads=200, t_lag_mean=0.3, p_read_replica=0.9, t_end=60
)
run = simulate_replication(params, rng=rng)
behind = run.lag_writes([10, 20, 30])
display(table(
    ["measure", "value"],
    [
        ["writes, reads in 60 s", f"{run.n_writes:,}, {run.t_read.size:,}"],
        ["stale reads (share of all reads)", f"{run.stale_read_rate:.1%}"],
        ["how far behind a stale read was, on average", f"{run.mean_stale_age:.2f} s"],
    ]
    + [
        [f"writes slave {r} is behind at t = 10, 20, 30 s", row.tolist()]
        for r, row in enumerate(behind)
    ],
))
reveal("stale-share", run.stale_read_rate * 100,
       why="a write lands every 50 ms and takes 0.3 s to ship: a slave almost always lacks one")

# %% [markdown]
# Nearly every read sent to a slave (89.7 % of all reads, out of the 90 % that went to slaves)
# misses at least one recent write, yet it is behind by only about 0.7 s. Both numbers matter.
# For a news feed, a view 0.7 s old is harmless. For a user who just changed their password and
# reloads the page, seeing the old one is alarming. Two common fixes: send a user's reads to the
# master for a few seconds after they write (*read-your-writes*), and keep each user on one slave
# so that time never seems to run backwards between two page views (*monotonic reads*).
#
# Lag is the knob. Here is the same workload with faster and slower shipping:

# %%
rows = []
for lag in (0.01, 0.05, 0.3, 1.0):
    r = simulate_replication(ReplicationParams(t_lag_mean=lag), rng=np.random.default_rng(SEED))
    rows.append([lag, f"{r.stale_read_rate:.1%}", f"{r.mean_stale_age:.2f}"])
table(["mean shipping delay (s)", "stale reads", "behind on average (s)"], rows)

# %% [markdown]
# Inside one data center lag is usually milliseconds; across continents, or behind a slave
# that is busy with a long query, it can reach seconds or minutes. Monitor it: MySQL reports
# `Seconds_Behind_Source` and PostgreSQL `pg_stat_replication.replay_lag`.

# %% [markdown]
# ## How many slaves? Read capacity
#
# A slave does not get its data for free: it replays **every** write the master commits. If a
# server handles 1,000 operations per second and the product makes 200 writes per second, each
# slave has 800 operations per second left for reads. Adding slaves multiplies that spare room;
# it never adds write capacity, because every slave repeats the same writes.
#
# **Predict first**: Shutterstall's database servers are faster than the table's: 2,000
# operations/s each, kept at most 70 % busy. How many slaves do its 2,250 reads/s and 250
# writes/s at 20:00 need?

# %%
predict("replicas-for-reads", ..., question="slaves for 2,250 reads/s and 250 writes/s, servers "
        "of 2,000 operations/s at most 70 % busy", unit="slaves")

# %%
rows = []
for writes in (200, 600, 1_000):
    caps = [read_capacity(k, rate_server=1_000, rate_writes=writes) for k in range(1, 6)]
    rows.append([f"{writes:,}"] + [f"{c:,.0f}" for c in caps])
display(table(["writes/s", "1 slave", "2 slaves", "3 slaves", "4 slaves", "5 slaves"], rows))
# Shutterstall at 20:00: each slave may spend 70 % of 2,000 operations/s
room = RHO_MAX * RATE_DB
n_slaves = next(
    k for k in range(1, 100) if read_capacity(k, room, shop.rate_writes) >= shop.rate_reads
)
print(f"{PRODUCT.name}: {n_slaves} slaves leave "
      f"{read_capacity(n_slaves, room, shop.rate_writes):,.0f} reads/s of room at 70 % busy, "
      f"for {shop.rate_reads:,.0f} reads/s")
reveal("replicas-for-reads", n_slaves,
       why="each slave replays all 250 writes/s: 1,400 − 250 = 1,150 left for reads, and 2,250 "
       "needs two")

# %% [markdown]
# At 1,000 writes per second a 1,000-operation server has nothing left for reads, no matter
# how many slaves you buy. That is the signal to split the data itself (sharding, chapter 13)
# rather than copy it again.
#
# Shutterstall buys three slaves, not two: with one spare, losing a slave at 20:00 still leaves
# the other two under the 70 % target.

# %% [markdown]
# ## When a slave fails
#
# A slave dying is the easy case. Its reads go to the other slaves; if it was the only slave,
# they go to the master for a while. Then a new slave is built and joins. Below, slave 0 dies at
# 20 s; no read is sent to it afterwards:

# %%
hurt = simulate_replication(ReplicationParams(n_replicas=2, t_replica_fail=20.0), rng=rng)
late = hurt.t_read >= 20.0
rows = []
for name, sel in (("before 20 s", ~late), ("after 20 s", late)):
    rows.append([name] + [f"{np.mean(hurt.read_target[sel] == r):.0%}" for r in (-1, 0, 1)])
table(["reads", "to the master", "to slave 0", "to slave 1"], rows)

# %% [markdown]
# How likely is it that *every* copy is down at once? If each of $n$ servers is up with
# probability $p$, independently, all of them are down with probability $(1-p)^n$, so
#
# $$P(\text{at least one copy up}) = 1 - (1 - p)^n.$$
#
# A million simulated days agree with the formula:

# %%
rows = []
for p_up, n in ((0.99, 1), (0.99, 2), (0.99, 3), (0.9, 3)):
    sim, se = simulate_availability(p_up, n, 1_000_000, rng=rng)
    want = availability_at_least_one(p_up, n)
    rows.append(
        [p_up, n, f"{want:.6f}", f"{sim:.6f} ± {se:.6f}", f"{1 - want:.1e}", f"{1 - sim:.1e}"]
    )
table(
    ["p", "n", "1 − (1 − p)ⁿ", "simulated", "unavailable (formula)", "unavailable (simulated)"],
    rows,
)

# %% [markdown]
# Look at the third row: a million trials saw all three copies down twice, where the formula
# expects once. An event with a probability of one in a million happens about once in a million
# trials, so that digit is noise; to check a tiny probability, run many times more trials than
# its inverse (the library's tests use four million trials for a one-in-ten-thousand event).
#
# Each extra copy divides the chance of total loss by 100 when $p = 0.99$. The catch is the
# word *independently*: copies in the same rack share a power supply, copies in the same data
# center share a flood. Real systems put at least one copy somewhere else (chapter 10).

# %% [markdown]
# ## When the master fails: promote a slave
#
# Now the hard case. Writes have nowhere to go until a slave is **promoted** to master. A
# failover has five steps:
#
# 1. **Detect**: the master misses its heartbeats for some seconds (too short a timeout
#    promotes during a mere hiccup; too long leaves writes failing).
# 2. **Choose**: pick the slave with the **most advanced log position**: it has the most data.
# 3. **Fence** the old master, so that it cannot accept another write. "Missed heartbeats" does
#    not mean "dead": a master that was only cut off or paused can come back and keep taking
#    writes from the web servers that still point at it, and two masters accept conflicting
#    writes (**split brain**). Fencing makes sure it cannot: power it off through its management
#    board (STONITH, "shoot the other node in the head"), take away its address (move the
#    virtual IP, remove it from the proxy, revoke its credentials), or give every master an
#    **epoch** number that grows with each failover and have storage and clients refuse anything
#    stamped with an older one (a *fencing token*). Chapter 05 (quorums) shows how a majority
#    vote decides who may be master at all.
# 4. **Reconfigure**: only after the fence, the other slaves follow the new master and web
#    servers send writes there.
# 5. **Replace**: a new slave is built to restore the number of copies.
#
# Steps 1 to 4 take time, and until they are done no write has anywhere to go. Amazon RDS, for
# one, quotes 60 to 120 seconds for a failover of a Multi-AZ database instance; take 60 s.
#
# **Predict first**: how many of Shutterstall's writes fail during a 60 s failover at 20:00?
# (Answer in thousands.)

# %%
predict("writes-refused", ..., question="writes refused during a 60 s failover at 20:00, in "
        "thousands", unit="thousand writes")

# %%
refused = shop.rate_writes * T_FAILOVER_DB  # writes/s at 20:00 × seconds without a master
print(f"{shop.rate_writes:,.0f} writes/s × {T_FAILOVER_DB:.0f} s without a master = "
      f"{refused:,.0f} writes refused")
reveal("writes-refused", refused / 1000,
       why="reads carry on from the slaves, but every write of that minute fails: 250/s × 60 s")

# %% [markdown]
# With asynchronous replication there is a second cost. The chosen slave is almost always a
# little **stale**: the master acknowledged writes it had not shipped yet, and those writes are
# lost. Kill the master of our run at 30 s.
#
# **Predict first**: the run takes 20 writes/s, and a stale read was about 0.7 s behind. How
# many writes that clients were told had succeeded are lost?

# %%
predict("lost-writes", ..., question="acknowledged writes lost when the run's master dies at 30 s",
        unit="writes")

# %%
fo = failover(run, t_fail=30.0, policy="most_advanced")
display(table(
    ["at the failure (30 s)", "value"],
    [
        ["master's last log position", fo.primary_position],
        ["slaves' log positions", fo.replica_positions],
        ["promoted", f"slave {fo.promoted}"],
        ["acknowledged writes lost", f"{fo.n_lost}: positions {fo.lost[0]} to {fo.lost[-1]}"],
    ],
))
reveal("lost-writes", fo.n_lost,
       why="acknowledged meant committed on the master only: what the best slave lacked is gone")

# %% [markdown]
# The master had committed up to position 544; the best slave had 530. Positions 531 to 544, 14
# writes that clients were told had succeeded, exist only on the dead master's disk. The lost
# writes are exactly the gap between the two positions, and the model's tests check that for
# hundreds of failure times.
#
# The choice matters. At 20 s slave 2 is the most advanced and slave 0 the furthest behind. A
# careless policy, "promote the first slave in the list", loses almost twice as many writes, and
# leaves slave 2 holding writes the new master does not have (they are *divergent*):

# %%
rows = []
for policy in POLICIES:
    f = failover(run, t_fail=20.0, policy=policy, rng=np.random.default_rng(SEED))
    ahead = {r: len(v) for r, v in f.divergent.items()}
    rows.append([policy, f.promoted, f.replica_positions[f.promoted], f.n_lost, ahead or "none"])
table(
    [
        "policy",
        "promotes slave",
        "at position",
        "acknowledged writes lost",
        "slaves ahead of it (entries)",
    ],
    rows,
)

# %% [markdown]
# ## Data recovery scripts and a new slave
#
# After the promotion the copies disagree, and someone has to make them agree again. That is
# the job of the **data recovery scripts** in a production failover:
#
# - slaves **behind** the new master copy the entries they miss from it (fast: a few entries);
# - slaves **ahead** of it hold entries the new master never saw; they must be rolled back, or
#   those entries copied onto the new master if the business allows it;
# - if the old master's disk survives, its last entries can be read from its log and
#   **replayed** onto the new master (tools such as MHA for MySQL do this), turning "lost" into
#   "late";
# - a **new slave** replaces the dead machine: it copies a snapshot of the data plus the log
#   from the snapshot's position on.
#
# For the failover at 30 s, with slaves that copy 2,000 log entries per second:

# %%
table(
    ["recovery after the failover at 30 s", "value"],
    [
        ["slaves behind the new master: entries each copies", fo.behind],
        ["slaves ahead of it (entries to roll back or merge)", fo.divergent or "none"],
        ["time to bring them level", f"{fo.t_recovery * 1000:.1f} ms"],
        [
            "a replacement slave copies",
            f"{fo.replica_positions[fo.promoted]} entries in {fo.t_replacement:.2f} s",
        ],
    ],
)

# %% [markdown]
# In our toy the data set is 530 entries; a real one is terabytes, and building a new slave takes
# hours, during which there is one copy fewer. Two outages show how hard this is in practice.
# In October 2018 a 43-second network cut made GitHub's failover tool promote masters in another
# data center; writes that the old masters had taken but not shipped, and new writes on the new
# masters, left the two sides disagreeing, and GitHub ran degraded for about 24 hours while it
# reconciled them. In January 2017 a GitLab engineer, re-seeding a slave that had fallen behind,
# deleted data on the master by mistake; the backups turned out not to work, and about six hours
# of data were lost.

# %% [markdown]
# ## Synchronous and semi-synchronous replication
#
# Lost writes come from acknowledging before any slave has the data. Two other modes wait:
#
# - **synchronous**: the master acknowledges a write only after every slave has it;
# - **semi-synchronous**: it waits for one slave (MySQL's semisync; PostgreSQL's
#   `synchronous_standby_names` with one standby). In MySQL the slave's acknowledgement means
#   "written to my relay log", **not** "applied": a read on that slave can still be stale, and a
#   promoted slave must first replay its relay log. MySQL waits at the `AFTER_SYNC` point by
#   default (`rpl_semi_sync_source_wait_point`): the write becomes visible to other clients only
#   once a slave has it. With the older `AFTER_COMMIT`, other clients can already read a write
#   that no slave has yet, and that a failover then loses.
#
# The price is write latency: the client now waits for the network and the slowest (or the
# fastest) slave. A write the master committed but never acknowledged is not "lost" to a client
# that saw it succeed, but it is not safe to simply try again either: the client saw an error or
# a timeout, yet the write may have committed and reached a slave before the crash, and a retry
# applies it **twice** (two payments) unless the write is idempotent. Chapter 11 (message queues)
# gives each write an **idempotency key** so that a retry of a write that already happened does
# nothing.

# %%
rows = []
for mode in ("async", "semisync", "sync"):
    r = simulate_replication(ReplicationParams(mode=mode), rng=np.random.default_rng(SEED))
    f = failover(r, t_fail=30.0)
    rows.append([mode, f"{r.mean_ack_latency * 1000:.0f}", f.n_lost, len(f.unacknowledged)])
table(
    [
        "mode",
        "mean write latency (ms)",
        "acknowledged writes lost",
        "committed, not acknowledged",
    ],
    rows,
)

# %% [markdown]
# With a 0.3 s mean shipping delay the numbers are extreme on purpose; inside one data center
# the wait is a millisecond or two. Fully synchronous replication has a second cost: if any
# slave is down or slow, every write stalls, so systems that offer it usually make one slave
# synchronous and the rest asynchronous.
#
# ### When semi-synchronous quietly becomes asynchronous
#
# The "no acknowledged write lost" row above holds only while the master keeps waiting, and
# MySQL does not wait forever. If no slave acknowledges within `rpl_semi_sync_source_timeout`
# (`rpl_semi_sync_master_timeout` before MySQL 8.0.26; 10 s by default), the master **falls back
# to asynchronous replication** and acknowledges every later write at once. The client is not
# told. When a slave catches up, semi-synchronous replication switches itself back on.
#
# `simulate_semisync` runs the drill: 20 writes/s, one semi-synchronous slave, which stalls at
# 20 s (a stuck I/O thread, a full disk, a network cut); the master dies at 45 s and the slave is
# promoted.

# %%
rows = []
for scenario, changes in [
    ("slave stalls 5 s, then recovers", {"t_recover": 25.0}),
    ("slave stalls for good, 10 s timeout", {}),
    ("slave stalls for good, 1 s timeout", {"t_timeout": 1.0}),
    ("slave stalls for good, 60 s timeout", {"t_timeout": 60.0}),
]:
    drill = SemiSyncParams(rate_writes=20.0, t_stall=20.0, t_fail=45.0, **changes)
    ss = simulate_semisync(drill, rng=np.random.default_rng(SEED))
    waited = np.where(np.isfinite(ss.t_ack), ss.t_ack, drill.t_fail) - ss.t_write
    rows.append(
        [
            scenario,
            "never" if np.isnan(ss.t_fallback) else f"{ss.t_fallback:.1f} s",
            f"{waited.max():.1f} s",
            ss.n_no_ack,
            ss.n_lost,
            len(ss.unacknowledged),
        ]
    )
table(
    [
        "drill",
        "fell back to async at",
        "longest a client waited",
        "acknowledged, no slave copy",
        "acknowledged writes lost",
        "still waiting at the crash",
    ],
    rows,
)

# %% [markdown]
# A stall shorter than the timeout only slows writes down (up to 5 s here) and loses nothing.
# A longer one turns semi-synchronous into asynchronous replication: after the fallback every
# write is acknowledged with no copy anywhere else, and when the master dies all 514 writes since
# the stall are lost, exactly as if the mode had been asynchronous. The timeout only chooses how
# long writes stall before that happens (1 s or 10 s); a 60 s timeout never falls back in this
# drill, but then every write since the stall is blocked and its client sees an error.
#
# So the **recovery point objective** (RPO, how much acknowledged data a failure may lose) of
# semi-synchronous replication is zero only while it is on; after a fallback it is "everything
# since the fallback", as with asynchronous replication. That makes the fallback something to
# monitor and alert on: MySQL reports `Rpl_semi_sync_source_status` (`OFF` after a fallback,
# even while `rpl_semi_sync_source_enabled` still says 1) and `Rpl_semi_sync_source_no_tx`, the
# count of commits no slave acknowledged, which is the "acknowledged, no slave copy" column. A
# failover tool should check both before promoting a slave automatically, and two
# semi-synchronous slaves (with `rpl_semi_sync_source_wait_for_replica_count = 1`) let one of
# them stall without a fallback.

# %% [markdown]
# ## Explore
#
# The failover drill below runs the same model. The lines show how many writes each slave is
# behind the master in the ten seconds before it dies; the crosses mark the commit times of
# the acknowledged writes that are lost; the caption lists them and the recovery work.
#
# *Try:*
# - drag **Replica lag** from 0 to 2 s: how do the lost writes and the stale reads grow?
# - move **Primary fails at** to find a moment when the slaves disagree a lot, then switch
#   **Promote** to *lowest id*: how many more writes are lost, and which slave is now ahead?
# - switch **Mode** to *semi-synchronous*: where did the lost writes go, and what did writes
#   pay for it?
# - set **Replicas** to 1 and **Share of reads to replicas** to 0: what is left of the gains?

# %%
explorer = show(explore_failover)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: choose the slave to promote (3 points)
#
# Write `choose_replica(positions)`. `positions[i]` is slave `i`'s log position, or `None` if
# slave `i` is down. Return the **index** of the slave to promote: the live slave with the
# highest position; on a tie, the lowest index. Raise `ValueError` if no slave is live (an empty
# list included). The library's `promote` is switched off while the hidden checks run.


# %% nbgrader={"grade": false, "grade_id": "choose_replica", "locked": false, "schema_version": 3, "solution": true, "task": false}
def choose_replica(positions):
    """Index of the most advanced live slave (lowest index on a tie)."""
    ### BEGIN SOLUTION
    best = None
    for i, pos in enumerate(positions):
        if pos is None:
            continue
        if best is None or pos > positions[best]:
            best = i
    if best is None:
        raise ValueError(f"positions must include at least one live slave; got {positions!r}")
    return best
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_choose_replica_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: the most advanced slave, with one slave down."""
from scalelab.checks import as_int

assert as_int(choose_replica([10, 12, 11]), "choose_replica([10, 12, 11])") == 1, (
    "slave 1 is at position 12, the highest"
)
assert as_int(choose_replica([5, None, 7]), "choose_replica([5, None, 7])") == 2, (
    "slave 1 is down; slave 2 (7) is ahead of slave 0 (5)"
)
print("Visible check passed: the hidden checks try ties, position 0 and dead clusters.\n", end="")

# %% nbgrader={"grade": true, "grade_id": "test_choose_replica_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: ties, a slave at position 0, numpy integers, no live slave, no library."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_int, expect_raises, library_disabled

with library_disabled("scalelab.replication.promote"):
    cases = {
        "tie goes to the lowest index": ([7, 9, 9], 1),
        "only the last slave is live": ([None, None, 3], 2),
        "a fresh slave at position 0 is still live": ([0, None], 0),
        "numpy positions": ([np.int64(4), np.int64(8)], 1),
        "three-way tie": ([6, 6, 6], 0),
    }
    for scenario, (positions, want) in cases.items():
        got = as_int(choose_replica(positions), f"scenario '{scenario}'")
        assert got == want, f"scenario '{scenario}': expected slave {want}, got {got}"
    expect_raises(ValueError, choose_replica, [None, None])
    expect_raises(ValueError, choose_replica, [])
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: which acknowledged writes are lost? (4 points)
#
# The master committed write `i` (log position `i + 1`) at `t_write[i]` seconds and, being
# asynchronous, acknowledged it at once. The slave that will be promoted received it
# `lags[i]` seconds later, and applies entries **in log order** (an entry waits for all earlier
# ones). The master dies at `t_fail`.
#
# Write `lost_writes(t_write, lags, t_fail)` returning the sorted list of log positions
# (1-based, plain `int`s) that the master had committed by `t_fail` (`t_write[i] <= t_fail`)
# but the slave had not applied by then (its apply time `> t_fail`). Raise `ValueError` if the
# two lists differ in length. The library's `in_order_apply_times` and `failover` are switched
# off while the hidden checks run.


# %% nbgrader={"grade": false, "grade_id": "lost_writes", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lost_writes(t_write, lags, t_fail):
    """Log positions acknowledged by the master but missing on the promoted slave at t_fail."""
    ### BEGIN SOLUTION
    if len(t_write) != len(lags):
        raise ValueError(
            f"t_write and lags must have the same length; got {len(t_write)}, {len(lags)}"
        )
    lost, applied_by = [], float("-inf")
    for i, (t, lag) in enumerate(zip(t_write, lags, strict=True)):
        applied_by = max(applied_by, t + lag)  # in order: not before the previous entry
        if t <= t_fail < applied_by:
            lost.append(i + 1)
    return lost
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lost_writes_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: five writes, a constant delay of 0.5 s, the master dies at 2.2 s."""
from scalelab.checks import as_list

got = as_list(lost_writes([0.0, 1.0, 1.8, 2.0, 3.0], [0.5] * 5, 2.2), "lost_writes(...)")
assert [int(x) for x in got] == [3, 4], (
    f"positions 3 and 4 were committed (1.8 s, 2.0 s) but not applied by 2.2 s; got {got}"
)
print("Visible check passed: the hidden checks vary the delays (remember the log order).\n", end="")

# %% nbgrader={"grade": true, "grade_id": "test_lost_writes_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: head-of-line blocking, boundaries, empty logs, a long run, bad input."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_int, as_list, expect_raises, library_disabled


def _plain(value, scenario):
    return [as_int(x, f"scenario '{scenario}': a position") for x in as_list(value, scenario)]


long_runs = []
for case_rng in (np.random.default_rng(11), np.random.default_rng(12)):
    commits = np.sort(case_rng.uniform(0.0, 20.0, 400))
    delays = case_rng.exponential(0.4, 400)
    applied = np.maximum.accumulate(commits + delays)
    want = [i + 1 for i in range(400) if commits[i] <= 12.0 < applied[i]]
    long_runs.append((commits.tolist(), delays.tolist(), want))

with library_disabled("scalelab.replication.in_order_apply_times", "scalelab.replication.failover"):
    cases = {
        "a slow first entry blocks the next ones": (
            ([1.0, 2.0, 3.0], [5.0, 0.5, 0.5], 4.0),
            [1, 2, 3],
        ),
        "applied exactly at the failure is kept": (([1.0, 1.5], [1.0, 0.5], 2.0), []),
        "committed exactly at the failure is lost": (([1.0, 2.0], [0.1, 0.1], 2.0), [2]),
        "writes after the failure never happened": (([1.0, 5.0, 6.0], [0.1, 0.1, 0.1], 3.0), []),
        "an empty log": (([], [], 3.0), []),
        "nothing shipped yet": (([0.5, 0.6], [9.0, 0.1], 1.0), [1, 2]),
    }
    for scenario, (args, want) in cases.items():
        got = _plain(lost_writes(*args), scenario)
        assert got == want, f"scenario '{scenario}': expected {want}, got {got}"
    for commits, delays, want in long_runs:
        got = _plain(lost_writes(commits, delays, 12.0), "400 writes in 20 seconds")
        assert got == want, (
            f"scenario '400 writes in 20 seconds': expected {len(want)} lost writes, got {len(got)}"
        )
    expect_raises(ValueError, lost_writes, [1.0, 2.0], [0.5], 3.0)
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: how many slaves for the reads? (3 points)
#
# Every slave replays all `rate_writes` writes per second and takes an equal share of the
# `rate_reads` reads per second; a server does `rate_server` operations per second, and no slave
# may be busier than the fraction `rho_max` of that. Write
# `replicas_needed(rate_reads, rate_writes, rate_server, rho_max)` returning the fewest slaves
# (an `int`, at least 1, even with no reads) that meet the target. If the writes alone use up
# `rho_max * rate_server` or more, no slave has room left for reads and no number of slaves
# helps: raise `ValueError`. The library's
# `replicas_needed` and `read_capacity` are switched off while the hidden checks run.


# %% nbgrader={"grade": false, "grade_id": "replicas_needed", "locked": false, "schema_version": 3, "solution": true, "task": false}
def replicas_needed(rate_reads, rate_writes, rate_server, rho_max):
    """Fewest slaves that serve rate_reads with each one at most rho_max busy."""
    ### BEGIN SOLUTION
    import math

    room = rho_max * rate_server - rate_writes  # operations/s a slave has left for reads
    if room <= 0:
        raise ValueError("the writes alone exceed the target utilisation: shard instead")
    return max(1, math.ceil(rate_reads / room - 1e-9))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_replicas_needed_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: two read-heavy products."""
from scalelab.checks import as_int

got = as_int(replicas_needed(9_000, 500, 2_000, 0.75), "replicas_needed(9000, 500, 2000, 0.75)")
assert got == 9, f"each slave has 0.75 × 2000 − 500 = 1000 reads/s to spare: 9 slaves; got {got}"
got = as_int(replicas_needed(1_000, 0, 1_000, 0.5), "replicas_needed(1000, 0, 1000, 0.5)")
assert got == 2, f"500 reads/s per slave: 2 slaves; got {got}"
print("Visible check passed: the hidden checks try uneven numbers and impossible loads.\n", end="")

# %% nbgrader={"grade": true, "grade_id": "test_replicas_needed_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: rounding up, exact fits, no reads, writes that no slave can absorb."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_int, expect_raises, library_disabled

with library_disabled("scalelab.replication.replicas_needed", "scalelab.replication.read_capacity"):
    cases = {
        "round up, never down": ((2_300, 0, 1_000, 1.0), 3),
        "an exact fit": ((3_000, 100, 1_000, 0.7), 5),
        "writes eat most of the room": ((1_000, 650, 1_000, 0.7), 20),
        "no reads still needs one slave": ((0, 100, 1_000, 0.7), 1),
        "a big read tier": ((50_000, 1_200, 4_000, 0.6), 42),
    }
    for scenario, (args, want) in cases.items():
        got = as_int(replicas_needed(*args), f"scenario '{scenario}'")
        assert got == want, f"scenario '{scenario}': expected {want} slaves, got {got}"
    expect_raises(ValueError, replicas_needed, 1_000, 700, 1_000, 0.7)
    expect_raises(ValueError, replicas_needed, 10, 2_000, 1_000, 0.9)
print("Hidden checks passed.\n", end="")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (written, 3 points)
#
# A payments company keeps its ledger in a master with two slaves in the same data center.
# In four to six sentences: should the slaves be replicated synchronously, semi-synchronously or
# asynchronously? Say what each choice costs (use a number from this chapter's model or
# widget), what happens to acknowledged payments when the master dies (also after a slave has
# stalled for a while), and whether your answer changes for a slave in a data center 80 ms away. (Graded by hand against the rubric in
# `grading/rubrics/03-replication.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "sync_vs_async", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# Semi-synchronous, with both local slaves semi-synchronous and one acknowledgement required:
# the master acknowledges a payment only once a slave has it in its relay log, so a failover to
# the most advanced slave loses no acknowledged payment (0 instead of 14 with asynchronous
# replication when the master dies at 30 s in the model), for a millisecond or two of write
# latency inside one data center (480 ms with the model's exaggerated 0.3 s delays). The catch is
# that MySQL falls back to asynchronous after `rpl_semi_sync_source_timeout` (10 s) without a
# reply and tells no client: in the stall drill, all 514 payments after the fallback were lost at
# the failover, so I would alert on `Rpl_semi_sync_source_status` = OFF and on a rising
# `Rpl_semi_sync_source_no_tx`, block automatic promotion while semisync is off, and keep two
# semi-synchronous slaves so that one stall does not trigger the fallback. Fully synchronous
# replication would stall every payment whenever either slave is slow, and asynchronous loses
# the last payments before every crash, which a ledger cannot accept. The failover must fence the
# old master before promoting, and payments need idempotency keys so that a client's retry after
# a timeout cannot pay twice. A slave 80 ms away would add a round trip to every payment, so I
# would keep the remote copy asynchronous, for disasters, and the local ones semi-synchronous.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar.
# 3. Self-paced: `make check NB=03-replication` grades your copy with the hidden checks.
#    In a class: submit as your instructor says.

# %% [markdown]
# ## Summary
#
# Shutterstall after this chapter, and what breaks next:

# %%
print(opening("replication").sentence_after)
print(bottleneck("replication").sentence)

# %% [markdown]
# Reads now grow by adding slaves. Writes still have one home, and while a slave is promoted
# they have none; chapter 04 gives them several.
#
# - **Master-slave replication**: one master takes every write and ships its log; slaves
#   replay it in order and serve the reads. Data lives on several servers, so one dead disk
#   loses nothing, and reads scale by adding slaves.
# - **Replication lag** makes reads from slaves **stale**: in our run 89.7 % of reads missed a
#   recent write, by 0.7 s on average. Read-your-writes and monotonic reads hide it from users.
# - **Read capacity**: each slave replays every write, so slaves multiply reads, never writes.
# - **A slave fails**: its reads move to the others; all $n$ copies are down only with
#   probability $(1-p)^n$.
# - **The master fails**: promote the most advanced slave. With asynchronous replication the
#   acknowledged writes between its log position and the master's are lost (14 in our drill);
#   **data recovery scripts** bring the other slaves level, roll back or merge divergent ones,
#   and a **new slave** replaces the old.
# - **A failover must fence the old master** (STONITH, take away its address, epochs or
#   fencing tokens) before the new one takes writes, or a master that was only cut off comes
#   back and causes a split brain.
# - **Semi-synchronous and synchronous** replication lose no acknowledged write *while the wait
#   holds* and pay for it in write latency (and, for synchronous, availability). A semi-sync
#   acknowledgement means "in a slave's relay log", not applied. MySQL falls back to
#   asynchronous after `rpl_semi_sync_source_timeout` (10 s) without telling clients; in the
#   drill 514 acknowledged writes were lost after the fallback. Monitor
#   `Rpl_semi_sync_source_status` and `Rpl_semi_sync_source_no_tx`.
# - A write that was committed but not acknowledged is **not safe to retry blindly**: it may
#   have happened; idempotency keys (chapter 11) make the retry harmless.
#
# **How the model is checked.** The library's tests (`tests/test_lib_replication.py`) check,
# with hypothesis: in-order apply against a plain loop (200 generated logs); that asynchronous
# failover loses exactly the acknowledged writes between the promoted slave's position and the
# master's, for every policy (60 generated runs and failure times); that synchronous and
# semi-synchronous failovers lose none while the wait holds (60 more); and
# (`tests/lib/test_lib_replication_semisync.py`) that a stall longer than the timeout falls back
# and loses exactly the writes since the stall, while a shorter one only delays them. The availability formula
# $1-(1-p)^n$ matches a simulation of a million trials for five $(p, n)$ pairs, the largest
# deviation being 1.3 standard errors (the test allows 4); the tiny unavailability of two 99 %
# copies, $1.0 \times 10^{-4}$, came out as $0.98 \times 10^{-4}$ in four million trials,
# 0.35 standard errors away.
#
# ## References
#
# - Kleppmann, M. (2017). *Designing Data-Intensive Applications*, chapter 5: Replication.
#   O'Reilly. https://dataintensive.net/
# - Oracle (2024). *MySQL 8.0 Reference Manual*, 19.4.10: Semisynchronous Replication.
#   https://dev.mysql.com/doc/refman/8.0/en/replication-semisync.html
# - Oracle (2024). *MySQL 8.4 Reference Manual*, 19.4.10.2 Configuring Semisynchronous
#   Replication (`rpl_semi_sync_source_timeout`, 10,000 ms by default; the wait points
#   `AFTER_SYNC` and `AFTER_COMMIT`) and 19.4.10.3 Semisynchronous Replication Monitoring
#   (`Rpl_semi_sync_source_status`, `Rpl_semi_sync_source_no_tx`).
#   https://dev.mysql.com/doc/refman/8.4/en/replication-semisync-interface.html and
#   https://dev.mysql.com/doc/refman/8.4/en/replication-semisync-monitoring.html
# - Kleppmann, M. (2016). *How to do distributed locking* (fencing tokens).
#   https://martin.kleppmann.com/2016/02/08/how-to-do-distributed-locking.html
# - ClusterLabs (2024). *Pacemaker Explained*, chapter "Fencing" (STONITH).
#   https://clusterlabs.org/pacemaker/doc/
# - The PostgreSQL Global Development Group (2024). *PostgreSQL Documentation*, chapter 26:
#   High Availability, Load Balancing, and Replication.
#   https://www.postgresql.org/docs/current/high-availability.html
# - Amazon Web Services (2024). *Amazon RDS User Guide*, "Failing over a Multi-AZ DB instance"
#   (failover times are typically 60-120 seconds).
#   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html
# - Warner, J. (2018). *October 21 post-incident analysis.* GitHub Blog.
#   https://github.blog/news-insights/company-news/oct21-post-incident-analysis/
# - GitLab (2017). *Postmortem of database outage of January 31.*
#   https://about.gitlab.com/blog/2017/02/10/postmortem-of-database-outage-of-january-31/
# - Xu, A. (2020). *System Design Interview: An Insider's Guide*, chapter 1: Scale from zero to
#   millions of users. Independently published.
