# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 13 · Sharding: when one database can no longer hold the writes
#
# Up to now the system has one database primary. Replicas (chapter 03) let it serve many more
# *reads*, a cache (chapter 07) hides most of them, but every *write* still lands on that one
# primary, and every row still has to fit on its disks. This chapter takes the last step of the
# database's journey: splitting the data itself across several independent databases.
#
# **You will learn to**
# - weigh vertical scaling of the database (a bigger machine) against horizontal scaling
#   (shards), and say where the bigger machine stops;
# - place keys on shards by hash mod N, by consistent hashing with virtual nodes, and by range,
#   and measure how many keys each scheme moves when a shard is added or removed;
# - measure how evenly load spreads, and what a skewed workload or a single celebrity key does
#   to the hottest shard;
# - choose a shard key for a workload, and explain why joins across shards push designs towards
#   denormalisation;
# - judge when *not* to shard.
#
# **Time:** about 55 minutes. **Points:** 15 (12 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. `SEED` fixes the random workloads of the chapter; the hashes need no
# seed at all, because a good shard placement must give the same answer on every machine.

# %%
import math

import numpy as np
import plotly.graph_objects as go

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.estimate import diurnal_rate
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, RATE_DB, RHO_WRITES_MAX, measure, opening, stage
from scalelab.sharding import (
    LARGEST_INSTANCE_MEMORY_GIB,
    LARGEST_INSTANCE_VCPUS,
    HashRing,
    ShardedDatabase,
    expected_shards_touched,
    hash_keys,
    load_stats,
    message_workload,
    place,
    place_by_range,
    range_boundaries,
    reshard,
    shard_buckets,
    shard_loads,
    shards_needed,
    shards_touched,
    split_key,
    stable_hash,
    with_hot_key,
    zipf_weights,
)
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from scalelab.widgets.sharding import explore_sharding

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The problem: one primary takes every write
#
# Shutterstall, the photo-print shop this course follows, left chapter 12 with web servers in
# three data centres, a CDN, a cache, a queue for uploads and one database primary with ten
# read replicas. Its users keep coming:

# %%
print(opening("sharding").sentence)
s = stage("sharding")
print(f"{PRODUCT.name} now: {s.daily_users:,} daily users, {s.rate_peak:,.0f} requests/s at 20:00, "
      f"{s.rate_writes:,.0f} of them writes")

# %% [markdown]
# Why *every* database server? Reads can be absorbed by more replicas and a bigger cache, but
# writes cannot: each new listing, like or order must be written on the primary, and every
# replica must replay all of them to stay a copy. Writes load each server of the set alike, and
# a replica more adds no write capacity at all. Sooner or later one of three things runs out on
# the primary: write throughput (disk and log), memory for the hot part of the data, or disk
# for all of it. For Shutterstall it is write throughput.
#
# There are two ways out, the same two as for web servers in chapter 02:
#
# - **Vertical scaling** (scale up): move the database to a bigger machine. No code changes,
#   joins and transactions keep working. But there is a biggest machine, and it is still one
#   machine whose failure or maintenance window is everyone's. Is a bigger machine dearer per
#   core? In the cloud, mostly not: as chapter 02 showed, within one AWS instance family the
#   hourly price grows in step with the vCPUs (an `m7i.8xlarge` costs eight times an
#   `m7i.xlarge`). The price jumps come elsewhere: at the top, where only special families
#   (the high-memory instances) are big enough; with **per-core licences** (a commercial
#   database licensed per processor core, such as Oracle Enterprise Edition or SQL Server,
#   multiplies the licence bill with the cores); and on premises, where four-socket servers
#   cost more per core than two-socket ones. So the reason to shard is usually the ceiling and
#   the single point of failure, not the price curve.
# - **Horizontal scaling** (scale out), here called **sharding** or **partitioning**: split
#   the rows across several databases with the same schema, the **shards**. Each row lives on
#   exactly one shard, chosen from a column called the **shard key** (for example `user_id`).
#   Every shard takes only its part of the writes and stores only its part of the data.
#
# How big is the biggest machine? At the time of writing, cloud providers rent single servers
# with hundreds of cores and tens of terabytes of memory:

# %%
from scalelab.load_balancer import M7I  # chapter 02's price list

print(
    f"largest single instance used here: {LARGEST_INSTANCE_VCPUS} vCPUs, "
    f"{LARGEST_INSTANCE_MEMORY_GIB / 1024:.0f} TiB of memory (AWS EC2 High Memory)"
)
for m in (M7I[0], M7I[-1]):
    print(f"{m.name:<13} {m.n_vcpu:>4} vCPUs  ${m.price_per_hour:>7.4f}/h  "
          f"= ${m.price_per_hour / m.n_vcpu:.4f} per vCPU-hour")

# %% [markdown]
# That is a lot, and many products never outgrow it. Within a family the 96-times bigger
# machine costs exactly 96 times as much per hour: scale up first, it is the simple option.
# But the ceiling is real, and the machine is a single point of failure. Shards are sized the
# other way round: pick a comfortable size for one database, then count how many you need.
# Suppose one shard's primary absorbs 5,000 writes/s and we keep it below 70 % busy, leaving
# headroom for peaks and for a replica's catch-up:

# %%
print(
    "\n".join(
        f"{w:>8,} writes/s -> {shards_needed(w, rate_shard=5_000, rho_max=0.7):>3} shard(s)"
        for w in (2_000, 20_000, 200_000)
    )
)

# %% [markdown]
# Shutterstall's database servers are smaller: each does 2,000 operations/s. Its rule is that
# writes may take at most 35 % of a shard, because every replica of the shard replays them too
# and the rest of each server is kept for reads. **Predict first**: how many shards do the
# shop's 1,667 writes/s at 20:00 need?

# %%
predict("shards-needed", ..., question="shards for 1,667 writes/s, writes at most 35 % of 2,000 "
        "operations/s per shard", unit="shards")

# %%
n_shop = shards_needed(s.rate_writes, rate_shard=RATE_DB, rho_max=RHO_WRITES_MAX)
print(f"{PRODUCT.name}: {s.rate_writes:,.0f} writes/s -> {n_shop} shards, "
      f"writes keep each {s.rate_writes / n_shop / RATE_DB * 100:.0f} % busy")
reveal("shards-needed", n_shop, why="writes may use 700 of each shard's 2,000 operations/s: "
       "1,667 / 700 = 2.4, rounded up to 3")

# %% [markdown]
# That count assumes the load spreads evenly. The rest of this chapter is about what makes that
# true or false: where each key goes, what happens when the number of shards changes, and what
# a very popular key does.
#
# The stage the system reaches in this chapter:
#
# ```mermaid
# flowchart LR
#     U[Users] --> LB[Load balancer]
#     LB --> W1[Web server]
#     LB --> W2[Web server]
#     W1 --> R{{Shard router: shard key to shard}}
#     W2 --> R
#     W1 -.-> C[(Cache)]
#     W2 -.-> C
#     R --> S0[(Shard 0 primary + replica)]
#     R --> S1[(Shard 1 primary + replica)]
#     R --> S2[(Shard 2 primary + replica)]
#     R --> S3[(Shard 3 primary + replica)]
# ```
#
# The **router** can be a library inside the web servers, a proxy in front of the databases
# (as Vitess does for MySQL) or the database itself (MongoDB, Cassandra). Each shard is still a
# primary with replicas, so everything from chapters 03 and 04 applies per shard.

# %% [markdown]
# ## Hash mod N: the obvious placement
#
# The router needs a rule that turns a key into a shard number, quickly and without looking
# anything up. The first rule everyone writes is: hash the key to a large number, then take
# the remainder by the number of shards N.
#
# The hash must be **stable**: every web server, today and after a restart, must compute the
# same number for `user:42`. Python's built-in `hash()` is not: for strings it is salted with a
# random value chosen when the process starts, so two servers would disagree. The library uses
# BLAKE2b from `hashlib` and keeps 64 bits:

# %%
print(stable_hash("user:42"), "->", stable_hash("user:42") % 4, "with 4 shards")
users = [f"user:{i}" for i in range(20_000)]
user_hashes = hash_keys(users)  # hash once, place many times
on_four = place(user_hashes, range(4), scheme="mod")
shard_loads(on_four, range(4))

# %% [markdown]
# Four shards, about 5,000 users each: a good hash spreads keys evenly. The trouble starts on
# the day we add a fifth shard.
#
# ## Resharding: what moves when N changes
#
# Adding a shard should move about a fifth of the data onto the new machine, and nothing else.
# **Predict first**: with hash mod N, what share of the 20,000 users change shard when a fifth
# shard joins the four?

# %%
predict("moved-mod-n", ..., question="% of 20,000 keys that change shard under hash mod N, "
        "4 -> 5 shards", unit="%")

# %%
mod_4_to_5 = reshard(user_hashes, range(4), range(5), scheme="mod")
print(f"hash mod N, 4 -> 5 shards: {mod_4_to_5.fraction_moved:.1%} of keys move")
print(f"the least any placement could move: {mod_4_to_5.ideal_fraction:.1%}")
print("keys arriving on each shard:", mod_4_to_5.moved_to)
reveal("moved-mod-n", 100 * mod_4_to_5.fraction_moved, why="a key stays only if h mod 4 = h mod 5: "
       "true for 4 of every 20 values of h mod 20")

# %% [markdown]
# Four keys in five changed shard, and almost all of them moved between *old* shards: a key
# stays only if `h mod 4 == h mod 5`, which happens for 4 of every 20 values of `h mod 20`.
# In general, going from N to N+1 shards, a key stays only when `h mod N(N+1) < N`, so a
# fraction 1/(N+1) stays and **N/(N+1) moves**: the more shards you already have, the worse
# it gets. Moving a key means copying a row over the network while the application keeps
# writing to it, and until it is done the cache and the router may look in the wrong place.
# Moving 80 % of the data to add 25 % of capacity is a migration nobody wants to run at peak.
#
# ## Consistent hashing: a ring
#
# Consistent hashing (Karger et al., 1997) changes the rule so that adding a shard takes keys
# only from its neighbours. Bend the hash space 0 … 2⁶⁴−1 into a circle. Each shard is hashed
# onto the circle too, at one or more **points**. A key belongs to the first shard point at or
# after the key's own hash, going clockwise, wrapping from the top back to 0.
#
# When a new shard arrives, its points each take over the arc just before them, and nothing
# else changes: every key that moves, moves onto the new shard. When a shard leaves, only its
# keys move, to the next points along. The picture below shows 4 shards with 3 points each
# (triangles) and 300 keys (dots), coloured by the shard that owns them:

# %%
small_ring = HashRing.build(range(4), n_vnodes=3)
demo_keys = user_hashes[:300]
demo_owner = small_ring.lookup(demo_keys)


def angle(h):
    return np.asarray(h, dtype=np.float64) / 2.0**64 * 360.0


ring_fig = go.Figure(layout=base_layout("A hash ring: 4 shards × 3 points", "", ""))
for s in range(4):
    ring_fig.add_scatterpolar(
        r=np.ones(int((demo_owner == s).sum())),
        theta=angle(demo_keys[demo_owner == s]),
        mode="markers",
        marker=dict(color=PALETTE[s], size=5),
        name=f"keys on S{s}",
    )
    ring_fig.add_scatterpolar(
        r=[1.12] * 3,
        theta=angle(small_ring.points[small_ring.owners == s]),
        mode="markers",
        marker=dict(color=PALETTE[s], size=13, symbol="triangle-down"),
        name=f"points of S{s}",
    )
ring_fig.update_layout(polar=dict(radialaxis=dict(visible=False, range=[0, 1.3])), height=420)
ring_fig

# %% [markdown]
# The same 20,000 users, now placed on a ring with 100 points per shard, going from 4 to 5
# shards. **Predict first**: what share of them moves now?

# %%
predict("moved-ring", ..., question="% of 20,000 keys that change shard on a ring of 100 points "
        "per shard, 4 -> 5 shards", unit="%")

# %%
ring_4_to_5 = reshard(user_hashes, range(4), range(5), scheme="consistent", n_vnodes=100)
print(f"consistent hashing, 4 -> 5 shards: {ring_4_to_5.fraction_moved:.1%} of keys move")
print("keys arriving on each shard:", ring_4_to_5.moved_to)
reveal("moved-ring", 100 * ring_4_to_5.fraction_moved, why="only the arcs taken over by the new "
       "shard's points change owner: about a fifth of the ring")

# %% [markdown]
# About 20 %, close to the least possible, and every moved key went to the new shard S4. From
# N to N+1 shards consistent hashing moves about **1/(N+1)** of the keys; hash mod N moves
# N/(N+1). Dynamo (DeCandia et al., 2007), Cassandra and many caches place data this way.
#
# ## Virtual nodes: evening out the arcs
#
# Why 100 points per shard and not one? With one point each, the arcs between points have very
# different lengths by chance, so one shard can own several times another's share. Giving each
# shard many points, called **virtual nodes**, averages those arcs out: a shard's share varies
# by roughly 1/√(points) around its fair share. Virtual nodes also let a bigger machine take
# more points, and when a shard leaves its keys scatter over all the others instead of landing
# on one neighbour.
#
# The ring knows exactly which share of the hash space each shard owns (no keys needed). Below,
# for 8 shards, the busiest shard's share relative to an even share (1.0 is perfect), averaged
# over five different sets of shard names:

# %%
vnode_counts = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
spread = [
    np.mean(
        [
            load_stats(HashRing.build(range(8 * k, 8 * k + 8), v).ownership()).peak_to_mean
            for k in range(5)
        ]
    )
    for v in vnode_counts
]
print(
    "\n".join(
        f"{v:>5} points per shard: busiest shard {s:.2f} × an even share"
        for v, s in zip(vnode_counts, spread, strict=True)
    )
)

spread_fig = go.Figure(
    go.Scatter(
        x=vnode_counts,
        y=spread,
        mode="lines+markers",
        line=dict(color=PALETTE[0], dash=DASHES[0]),
        name="busiest shard / even share",
    ),
    layout=base_layout(
        "Load spread on a ring of 8 shards", "virtual nodes per shard", "busiest / even share"
    ),
)
spread_fig.update_xaxes(type="log")
spread_fig

# %% [markdown]
# The spread falls quickly: from several times an even share with one point per shard to
# within about 5 to 10 % with hundreds. The price is a bigger ring to store and search, which
# is tiny (a sorted array and a binary search).
#
# ## Range sharding: keeping neighbours together
#
# Hashing scatters neighbouring keys on purpose. Sometimes you want the opposite: a query
# "all orders from 1 to 7 March" or "users whose name starts with K" reads one shard if keys
# are split into **ranges**, and every shard if they are hashed. Range sharding keeps a table of
# boundaries (HBase, Bigtable and MongoDB's ranged sharding work this way) and splits a range
# in two when it grows too big, moving only that range's keys.
#
# Its weakness is keys that grow over time: auto-increment ids or timestamps. All new rows have
# the largest keys, so every insert goes to the last shard:

# %%
existing_ids = np.arange(100_000)
bounds = range_boundaries(existing_ids, 4)
new_ids = np.arange(100_000, 110_000)  # the next 10,000 sign-ups
print("boundaries:", bounds.tolist())
print("shards taking the new sign-ups:", np.bincount(place_by_range(new_ids, bounds), minlength=4))

# %% [markdown]
# One shard takes 100 % of the inserts while three sit idle: a **hot spot** made by the choice
# of key, not by the traffic.
#
# ## Skew and the celebrity problem
#
# Even hashing spreads *keys* evenly, not *traffic*. Popularity on the web is skewed: a few
# keys get a large share of the requests, roughly following a Zipf law where the k-th most
# popular key gets a share proportional to 1/k^s (Breslau et al., 1999). With 20,000 users
# on 8 shards:

# %%
placed_8 = place(user_hashes, range(8), scheme="consistent", n_vnodes=100)
lines = []
for s in (0.0, 0.8, 1.2):
    stats = load_stats(shard_loads(placed_8, range(8), zipf_weights(20_000, s)))
    lines.append(
        f"Zipf s = {s}: hottest shard takes {stats.hottest_share:.1%} of requests "
        f"({stats.peak_to_mean:.2f} × even)"
    )
print("\n".join(lines))

# %% [markdown]
# A mild skew averages out over thousands of keys per shard. A **celebrity** does not: one
# account whose posts are read by millions (the *hot key*) gives its shard that whole share on
# top of its normal load, and adding shards does not help, because one key always lives on one
# shard:

# %%
celebrity = with_hot_key(zipf_weights(20_000, 0.8), p_hot=0.3)
lines = []
for n in (8, 32, 128):
    on_n = place(user_hashes, range(n), scheme="consistent", n_vnodes=100)
    hottest = load_stats(shard_loads(on_n, range(n), celebrity)).hottest_share
    lines.append(f"{n:>4} shards: hottest shard takes {hottest:.1%} (even share {1 / n:.1%})")
print("\n".join(lines))

# %% [markdown]
# The usual remedies: cache the celebrity's data in front of the shards (chapter 07), give the
# celebrity more read replicas, or **split the hot key**: store it under several sub-keys
# (`celebrity#0` … `celebrity#7`), send each read to one sub-key at random, and have writes
# update all of them. Each sub-key hashes to its own place on the ring:

# %%
subkeys = split_key("user:0", 8)
subkey_shards = place(hash_keys(subkeys), range(8)).tolist()
print(subkeys[:3], "...\nshards holding the 8 sub-keys:", subkey_shards)

# %% [markdown]
# Note that eight sub-keys do not land on eight different shards: two hashes can fall on the
# same shard, so a split needs a few more pieces than a perfect spread would. Kleppmann (2017,
# ch. 6) describes this trick, and its cost: reads that need the whole key must now visit every
# piece, so it is worth it only for the handful of keys that are really hot.
#
# ## Joins across shards, and denormalisation
#
# On one database, "show me the latest posts of the 40 people I follow" is one SQL join. After
# sharding by user, those 40 users live all over the cluster, and the router must ask many
# shards and merge the answers itself. If keys are placed at random on N shards, a query over
# k keys visits on average N(1 − (1 − 1/N)^k) shards:

# %%
lines = [
    f"{n:>3} shards: a 40-user query visits {expected_shards_touched(40, n):.1f} shards"
    for n in (4, 16, 64)
]
one_query = place(hash_keys(users[:40]), range(16))
lines.append(f"measured for users 0-39 on 16 shards: {shards_touched(one_query)}")
print("\n".join(lines))

# %% [markdown]
# Each extra shard is another round trip, and the query is as slow as the slowest shard.
# Transactions across shards need a distributed commit protocol, and foreign keys across shards
# cannot be enforced by the database. Two design responses:
#
# - **choose the shard key so that data read together lives together**: shard a chat app by
#   conversation, not by sender, so reading a conversation is one shard;
# - **denormalise**: store a copy of the data where it will be read. A timeline service writes
#   each new post into every follower's timeline row ("fan-out on write"), so reading a
#   timeline is one key on one shard. Writes become more numerous and copies can disagree for
#   a while, which is the trade: cheap, local reads for dearer writes.
#
# ## A day of traffic on a sharded database
#
# The capstone chapter composes every model over a day of traffic. This one's time-bucketed
# form takes offered writes and reads per second for each bucket and returns the load on each
# shard. Here: 4 shards of 5,000 operations/s each with one read replica, a Zipf workload with
# a celebrity taking 15 % of requests, an average of 4,000 writes/s and 8,000 reads/s with an
# evening peak 1.8 times the average:

# %%
hours = np.arange(24) + 0.5
db = ShardedDatabase(n_shards=4, rate_shard=5_000, zipf_s=0.8, p_hot=0.15, n_read_replicas=1)
writes, reads = diurnal_rate(hours, 4_000, 1.8), diurnal_rate(hours, 8_000, 1.8)  # per second
day = shard_buckets(writes, 3_600, db, rate_reads=reads, rng=rng)
mean_util = day.rho.mean(axis=1)
print(f"traffic share per shard: {np.round(day.shares, 3).tolist()}")
print(f"peak: mean shard {mean_util.max():.0%} busy, hottest shard {day.rho_hottest.max():.0%}")

day_fig = go.Figure(
    [
        go.Scatter(
            x=hours,
            y=day.rho_hottest * 100,
            name="hottest shard",
            line=dict(color=PALETTE[3], dash=DASHES[0]),
        ),
        go.Scatter(
            x=hours, y=mean_util * 100, name="average shard", line=dict(color=PALETTE[0], dash=DASHES[1])
        ),
    ],
    layout=base_layout("Shard utilisation over a day", "time of day (hours)", "utilisation (%)"),
)
day_fig

# %% [markdown]
# The average shard stays below three quarters busy, while the hottest one, holding the
# celebrity, goes past its capacity at the evening peak: its requests queue or fail. Capacity
# planning for a sharded database is planning for its hottest shard.

# %% [markdown]
# ## Explore
#
# The widget places 20,000 keys on the shards, then adds (or removes) one shard. Bars show the
# share of requests on each shard before and after; the caption states how many keys moved and
# how hot the hottest shard is. Drag a slider, or click it and use the arrow keys.
#
# *Try:*
# - switch between **consistent hashing** and **hash mod N** and move **Shards**: how does the
#   fraction moved change with N under each scheme?
# - set **Virtual nodes** to 1, then 10, then 300: watch the bars even out, and the number of
#   keys moved approach the least possible;
# - raise **Key skew**, then add a **celebrity**: does adding shards help the hottest one?
# - choose **remove a shard**: under consistent hashing, which keys move?

# %%
explorer = show(explore_sharding)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: keys moved from 4 to 5 shards under hash mod N (3 points)
#
# Write `fraction_moved_mod_n(keys, n_before, n_after)`. `keys` is a list of keys (strings).
# Under hash mod N the shard of a key is `stable_hash(key) % n`. Return, as a float, the
# fraction of the keys whose shard differs between `n_before` and `n_after` shards. Raise
# `ValueError` if either shard count is below 1.
#
# Use `stable_hash` from the library and do the rest yourself: `place`, `reshard` and
# `moved_fraction` are switched off while the hidden checks run, and they compare your answer
# exactly with the library's on other keys and shard counts.

# %% nbgrader={"grade": false, "grade_id": "moved_mod_n", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fraction_moved_mod_n(keys, n_before, n_after):
    """Fraction of ``keys`` whose hash-mod-N shard changes from ``n_before`` to ``n_after`` shards."""
    ### BEGIN SOLUTION
    if n_before < 1 or n_after < 1:
        raise ValueError(f"shard counts must be >= 1; got {n_before} and {n_after}")
    if not keys:
        return 0.0
    moved = 0
    for key in keys:
        h = stable_hash(key)
        if h % n_before != h % n_after:
            moved += 1
    return moved / len(keys)
    ### END SOLUTION


# %%
fraction_moved_mod_n([f"user:{i}" for i in range(10_000)], 4, 5)

# %% nbgrader={"grade": true, "grade_id": "test_moved_mod_n_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: about 80 % of 10,000 keys move from 4 to 5 shards, and none from 4 to 4."""
from scalelab.checks import expect_close

_keys = [f"user:{i}" for i in range(10_000)]
expect_close(fraction_moved_mod_n(_keys, 4, 5), 0.8, rel=0, abs_tol=0.02,
             what="fraction of 10,000 keys moved from 4 to 5 shards (N/(N+1) = 0.8)")
expect_close(fraction_moved_mod_n(_keys, 4, 4), 0.0, rel=0, abs_tol=1e-12,
             what="fraction moved when the shard count does not change")
print("Visible check passed: the hidden checks compare exactly on other keys and counts.")

# %% nbgrader={"grade": true, "grade_id": "test_moved_mod_n_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: exact agreement with the library on other keys and counts, and bad counts."""
### BEGIN HIDDEN TESTS
from scalelab.checks import expect_close, expect_raises, library_disabled
from scalelab.sharding import hash_keys as _hash_keys
from scalelab.sharding import reshard as _reshard

_orders = [f"order-{i}" for i in range(6_000)]
_cases = [(3, 6), (5, 4), (8, 2), (1, 7), (10, 11)]
_want = {c: _reshard(_hash_keys(_orders), range(c[0]), range(c[1]), "mod").fraction_moved for c in _cases}
with library_disabled("scalelab.sharding.place", "scalelab.sharding.reshard",
                      "scalelab.sharding.moved_fraction"):
    for (a, b), want in _want.items():
        expect_close(fraction_moved_mod_n(_orders, a, b), want, rel=1e-12,
                     what=f"scenario 'orders {a} -> {b} shards': fraction moved")
    for bad in [(0, 4), (4, 0), (-2, 3)]:
        expect_raises(ValueError, fraction_moved_mod_n, _orders[:10], *bad)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: look a key up on the ring (3 points)
#
# Write `ring_lookup(key_hash, points, owners)`, the heart of consistent hashing. `points` is a
# list of the ring's point positions (integers in [0, 2⁶⁴), sorted ascending) and `owners[i]`
# is the shard that owns `points[i]`. Return the owner of the first point at or after
# `key_hash`; a key whose hash is past the last point wraps around to the first point; a key
# whose hash equals a point belongs to that point. The standard module `bisect` helps.
#
# The visible check then uses your function to measure the fraction of keys that move from 4 to
# 5 shards on a ring with 100 virtual nodes per shard. While the hidden checks run, the
# library's `HashRing.lookup`, `place` and `reshard` are switched off.

# %% nbgrader={"grade": false, "grade_id": "ring_lookup", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ring_lookup(key_hash, points, owners):
    """The owner of the first ring point at or after ``key_hash`` (wrapping past the end)."""
    ### BEGIN SOLUTION
    import bisect

    i = bisect.bisect_left(points, key_hash)
    if i == len(points):
        i = 0
    return owners[i]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ring_lookup_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a hand-made ring (including the wrap-around), and about 20 % moved 4 -> 5."""
from scalelab.checks import expect_close
from scalelab.sharding import HashRing as _Ring
from scalelab.sharding import hash_keys as _hash_keys

_pts, _own = [100, 200, 300], ["A", "B", "C"]
for _h, _want in [(150, "B"), (50, "A"), (250, "C"), (350, "A")]:
    _got = ring_lookup(_h, _pts, _own)
    assert _got == _want and type(_got) is str, (
        f"ring points {_pts} owned by {_own}: hash {_h} should go to {_want}, got {_got!r}"
    )
_r4, _r5 = _Ring.build(range(4), 100), _Ring.build(range(5), 100)
_p4, _o4, _p5, _o5 = _r4.points.tolist(), _r4.owners.tolist(), _r5.points.tolist(), _r5.owners.tolist()
_hs = _hash_keys(f"user:{i}" for i in range(5_000)).tolist()
_moved = sum(ring_lookup(h, _p4, _o4) != ring_lookup(h, _p5, _o5) for h in _hs) / len(_hs)
expect_close(_moved, 0.2, rel=0, abs_tol=0.04, what="fraction of keys moved from 4 to 5 shards on the ring")
print(f"Visible check passed: {_moved:.1%} of keys moved from 4 to 5 shards (ideal 20 %).")

# %% nbgrader={"grade": true, "grade_id": "test_ring_lookup_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: keys exactly on a point, both ends of the hash space, and agreement with the library."""
### BEGIN HIDDEN TESTS
from unittest import mock

from scalelab import sharding as _sh
from scalelab.checks import library_disabled

_ring = _sh.HashRing.build((3, 11, 7), 20)
_pts, _own = _ring.points.tolist(), _ring.owners.tolist()
_probe = _sh.hash_keys(f"item-{i}" for i in range(2_000)).tolist()
_probe += _pts[:5] + [_pts[-1], _pts[-1] + 1, 0, 2**64 - 1, _pts[0] - 1]
_want = _ring.lookup(np.array(_probe, dtype=np.uint64)).tolist()


def _off(*args, **kwargs):
    raise RuntimeError("HashRing.lookup is switched off while this exercise is graded")


with mock.patch.object(_sh.HashRing, "lookup", _off), library_disabled(
    "scalelab.sharding.place", "scalelab.sharding.reshard"
):
    _got = [ring_lookup(h, _pts, _own) for h in _probe]
_bad = [(h, g, w) for h, g, w in zip(_probe, _got, _want, strict=True) if g != w]
assert not _bad, f"scenario 'three shards, 20 points each': {len(_bad)} keys on the wrong shard"
assert ring_lookup(5, [5, 9], ["x", "y"]) == "x", "scenario 'hash equals a point': it belongs to that point"
assert ring_lookup(10, [5, 9], ["x", "y"]) == "x", "scenario 'past the last point': wrap to the first"
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: choose a shard key and measure its hottest shard (3 points)
#
# A chat app stores messages in one big table. Each request reads or writes one message, and
# the table has three columns that could be the shard key: `conversation_id`, `user_id` (the
# sender) and `day`. The cell below builds 20,000 requests of a typical day.
#
# 1. Write `hottest_shard_share(values, n_shards)`: `values` holds the shard-key value of each
#    request (one entry per request, repeats allowed). Place each value with
#    `place(hash_keys(values), range(n_shards))` (consistent hashing, 100 virtual nodes), count
#    the requests on each shard yourself, and return the busiest shard's share of all requests
#    as a float. (`shard_loads` and `load_stats` are switched off in the hidden checks.)
# 2. Use it to compare the three keys on 8 shards, and set `SHARD_KEY` to the column you would
#    shard by. Think about two things: the hottest shard, and how many shards must be read to
#    show one conversation.

# %%
chat = message_workload(20_000, rng=rng)
{column: values[:5].tolist() for column, values in chat.items()}

# %% nbgrader={"grade": false, "grade_id": "shard_key", "locked": false, "schema_version": 3, "solution": true, "task": false}
def hottest_shard_share(values, n_shards):
    """Share of all requests (0-1) on the busiest of ``n_shards`` shards, placing each value."""
    ### BEGIN SOLUTION
    shards = place(hash_keys(list(values)), range(n_shards))
    counts = np.bincount(shards, minlength=n_shards)
    return float(counts.max() / counts.sum())
    ### END SOLUTION


# Compare the three columns on 8 shards, then set SHARD_KEY to 'conversation_id', 'user_id'
# or 'day'.
### BEGIN SOLUTION
shares = {column: hottest_shard_share(values.tolist(), 8) for column, values in chat.items()}
print("\n".join(f"{c:>16}: hottest of 8 shards takes {v:.1%}" for c, v in shares.items()))
SHARD_KEY = "conversation_id"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test_shard_key_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: one repeated key puts everything on one shard; 4,000 distinct keys spread out."""
from scalelab.checks import as_float, expect_close

expect_close(hottest_shard_share(["same"] * 500, 4), 1.0, what="500 requests for one key, 4 shards")
_spread = as_float(hottest_shard_share([f"k{i}" for i in range(4_000)], 4), "hottest share")
assert 0.25 <= _spread < 0.32, (
    f"4,000 distinct keys on 4 shards: the hottest share should be a little above 0.25, got {_spread}"
)
assert SHARD_KEY in ("conversation_id", "user_id", "day"), (
    f"SHARD_KEY should be one of the three column names, got {SHARD_KEY!r}"
)
print("Visible check passed: the hidden checks use skewed workloads and check your choice.")

# %% nbgrader={"grade": true, "grade_id": "test_shard_key_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: repeated requests count, other workloads and shard counts, and the key chosen."""
### BEGIN HIDDEN TESTS
from scalelab import sharding as _sh
from scalelab.checks import expect_close, library_disabled


def _reference(values, n):
    placed = _sh.place(_sh.hash_keys(list(values)), range(n))
    return _sh.load_stats(_sh.shard_loads(placed, range(n))).hottest_share


_work = _sh.message_workload(8_000, rng=np.random.default_rng(11), p_today=0.6)
_cases = [("skewed", ["hot"] * 700 + [f"c{i}" for i in range(300)], 4)]
_cases += [(f"chat by {c}", _work[c].tolist(), n) for c in _work for n in (3, 8)]
_wants = [_reference(v, n) for _, v, n in _cases]
with library_disabled("scalelab.sharding.shard_loads", "scalelab.sharding.load_stats"):
    for (name, values, n), want in zip(_cases, _wants, strict=True):
        expect_close(hottest_shard_share(values, n), want, rel=1e-9,
                     what=f"scenario '{name}, {n} shards': hottest shard's share")
assert SHARD_KEY == "conversation_id", (
    "scenario 'choice': sharding by day sends almost every request to today's shard, and "
    "sharding by sender spreads one conversation over many shards"
)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: place a celebrity (3 points)
#
# A database takes `rate` requests/s in total on `n_shards` shards, each able to serve
# `rate_capacity` requests/s. One celebrity key receives a fraction `p_hot` of all requests; the
# rest spread evenly over all shards. You split the celebrity's key into `k` sub-keys and
# assume (optimistically) that they land on `k` different shards, each taking an equal part
# of the celebrity's traffic.
#
# Write `splits_needed(rate, p_hot, n_shards, rate_capacity)` returning the smallest whole `k`
# (1 ≤ k ≤ `n_shards`) for which no shard receives more than `rate_capacity` requests/s. Raise
# `ValueError` if no such `k` exists (even `k = n_shards` is not enough).

# %% nbgrader={"grade": false, "grade_id": "celebrity", "locked": false, "schema_version": 3, "solution": true, "task": false}
def splits_needed(rate, p_hot, n_shards, rate_capacity):
    """Fewest sub-keys for a celebrity key so that no shard exceeds ``rate_capacity`` requests/s."""
    ### BEGIN SOLUTION
    background = rate * (1 - p_hot) / n_shards  # every shard's share of the ordinary traffic
    spare = rate_capacity - background
    hot = rate * p_hot
    if hot == 0 and spare >= 0:
        return 1
    if spare <= 0:
        raise ValueError(f"ordinary traffic alone ({background:g}/s) fills each shard")
    k = max(1, math.ceil(hot / spare - 1e-9))
    if k > n_shards:
        raise ValueError(f"needs {k} splits but there are only {n_shards} shards")
    return k
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_celebrity_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a celebrity with 20 % of 10,000 requests/s on 10 shards of 1,500/s."""
from scalelab.checks import as_int

_k = as_int(splits_needed(10_000, 0.2, 10, 1_500), "splits for 20 % of 10,000/s, 10 shards")
assert _k == 3, f"each shard carries 800/s of ordinary traffic, so 700/s is free: 2,000/s needs 3 splits, got {_k}"
_k = as_int(splits_needed(10_000, 0.0, 10, 1_500), "splits with no celebrity")
assert _k == 1, f"with no celebrity one key (no split) is enough, got {_k}"
print("Visible check passed.")

# %% nbgrader={"grade": true, "grade_id": "test_celebrity_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: exact boundaries, the ordinary traffic, and impossible cases."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_int, expect_raises

for _args, _want, _name in [
    ((4_000, 0.5, 8, 500), 8, "exact fit at k = n_shards"),
    ((8_000, 0.25, 10, 1_000), 5, "exact boundary"),
    ((40_000, 0.05, 10, 5_000), 2, "ordinary traffic matters"),
    ((1_000, 0.5, 4, 600), 2, "small system"),
    ((1_000, 0.01, 4, 600), 1, "a mild celebrity needs no split"),
]:
    _got = as_int(splits_needed(*_args), f"scenario '{_name}'")
    assert _got == _want, f"scenario '{_name}': expected {_want} splits, got {_got}"
for _args in [(4_000, 0.5, 8, 499), (10_000, 0.1, 4, 2_000), (10_000, 0.9, 3, 3_000)]:
    expect_raises(ValueError, splits_needed, *_args)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# The assumption that `k` sub-keys land on `k` different shards is optimistic: the library
# places real sub-keys, so you can see where the three sub-keys of the visible case land on
# ten shards. If two share a shard, that shard carries two thirds of the celebrity's traffic,
# and the split needs more pieces (or a ring that assigns them on purpose):

# %%
celebrity_shards = place(hash_keys(split_key("user:0", 3)), range(10)).tolist()
print("3 sub-keys land on shards", celebrity_shards)

# %% [markdown]
# ### Exercise 5 (written, 3 points)
#
# Your team's product database holds 300 GB, peaks at 1,500 writes/s and 20,000 reads/s, and
# runs on one primary with two read replicas and a cache in front. Many screens join users,
# orders and payments, and an order and its payment must be saved together in one transaction.
# A colleague proposes to shard it now, "before it is too late".
#
# In four to six sentences: should you shard now? Name what sharding would cost this team, what
# you would do instead or first, and which measurements would tell you it is time to shard.
# (Graded by hand against the rubric in `grading/rubrics/13-sharding.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "when_not_to_shard", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# Not yet. 300 GB and 1,500 writes/s fit comfortably on one primary (one modern machine holds
# terabytes of memory and far more writes), and reads are already handled by replicas and the
# cache. Sharding would cost a lot here: the joins between users, orders and payments become
# cross-shard queries assembled in the application, the order-and-payment transaction needs a
# distributed commit unless both rows share a shard key, and the team takes on a router,
# resharding migrations and hot-spot monitoring for ever. First I would scale the primary up,
# tune slow queries and indexes, move more reads to replicas and cache, and archive cold rows.
# I would plan sharding (choosing a key such as customer id that keeps an order with its
# payment) when the measurements show the primary's write rate, its disk or working set
# approaching what the largest affordable machine can hold with headroom, or replication lag
# growing because the primary cannot keep up.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message
#    and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar.
# 3. **Self-paced?** Run `make check NB=13-sharding` at the top of the repository to grade your
#    copy with the hidden checks; compare with `solutions/13-sharding/` when you are done.
# 4. **In a class?** Submit as your instructor says.

# %% [markdown]
# ## Summary
#
# Shutterstall after this chapter, and where the course goes next:

# %%
print(opening("sharding").sentence_after)
s = stage("sharding")
print(f"{PRODUCT.name} at {s.daily_users / 1e6:g} million daily users: {s.n_shards} shards, each a "
      f"primary and {s.n_replicas} replicas;")
busiest = measure("scaling-out", s)  # chapter 02's bottleneck: the busiest database server
print(f"the busiest database server is {busiest * 100:.0f} % busy at 20:00 "
      f"({measure('scaling-out', 'overload') * 100:.0f} % in chapter 12, before sharding)")
last = stage("millions")
print(f"Next, the capstone: {PRODUCT.name}'s whole day, {last.daily_users / 1e6:g} million daily users, "
      f"{last.rate_peak:,.0f} requests/s at 20:00")

# %% [markdown]
# - When writes or data outgrow one primary, scale up first (it is simple, big machines are
#   very big, and in the cloud a bigger size of the same family costs the same per vCPU; per-core
#   database licences and on-premises servers are where bigger gets dearer per core); then
#   shard: split rows across databases by a shard key.
# - **Hash mod N** spreads keys evenly but reshuffles almost everything when N changes: going
#   from N to N+1 shards moves N/(N+1) of the keys. Measured on 20,000 keys here, 4 → 5 shards
#   moved **79.7 %** of them.
# - **Consistent hashing** moves only about 1/(N+1): **19.5 %** for 4 → 5 on a ring with 100
#   virtual nodes per shard, every moved key going to the new shard; removing a shard moves only
#   its own keys.
# - **Virtual nodes** even out the load: on 8 shards the busiest shard owned about 3.1 times an
#   even share with one point per shard, about 1.1 times with 100 points, and about 1.04 times
#   with 1,000 (averaged over five rings).
# - **Range sharding** keeps neighbouring keys together for range queries, but growing keys
#   (ids, timestamps) send every insert to one shard.
# - Skew averages out over many keys, but a **celebrity** key stays on one shard however many
#   shards you add: cache it, replicate it or split it.
# - Queries across shard keys become scatter-gather; choose the key so that data read together
#   lives together, and **denormalise** where it does not.
# - Sharding is a one-way door with real costs; do it when measurements say one machine is
#   running out, not before.
#
# ## References
#
# - Karger, D., Lehman, E., Leighton, T., Panigrahy, R., Levine, M. and Lewin, D. (1997).
#   *Consistent hashing and random trees: distributed caching protocols for relieving hot spots
#   on the World Wide Web.* STOC '97. https://doi.org/10.1145/258533.258660
# - DeCandia, G. et al. (2007). *Dynamo: Amazon's highly available key-value store.* SOSP '07.
#   https://doi.org/10.1145/1294261.1294281
# - Kleppmann, M. (2017). *Designing Data-Intensive Applications*, chapter 6 (Partitioning).
#   O'Reilly. https://dataintensive.net/
# - Breslau, L., Cao, P., Fan, L., Phillips, G. and Shenker, S. (1999). *Web caching and
#   Zipf-like distributions: evidence and implications.* IEEE INFOCOM '99.
#   https://doi.org/10.1109/INFCOM.1999.749260
# - Aumasson, J.-P., Neves, S., Wilcox-O'Hearn, Z. and Winnerlein, C. (2013). *BLAKE2: simpler,
#   smaller, fast as MD5.* https://www.blake2.net/
# - Amazon Web Services (2024). *Amazon EC2 On-Demand pricing* (within a family the price per
#   vCPU-hour is the same at every size). https://aws.amazon.com/ec2/pricing/on-demand/
# - Oracle (2024). *Processor Core Factor Table* and *Oracle Technology Global Price List*
#   (Enterprise Edition licensed per processor: cores times a core factor, 0.5 for x86).
#   https://www.oracle.com/us/corporate/contracts/processor-core-factor-table-070634.pdf
# - Microsoft (2022). *SQL Server 2022 licensing guide* (per-core licensing, four-core minimum
#   per server). https://www.microsoft.com/en-us/sql-server/sql-server-2022-pricing
# - Amazon Web Services (2024). *Amazon EC2 High Memory instances.*
#   https://aws.amazon.com/ec2/instance-types/high-memory/
# - The Vitess authors (2024). *Vitess documentation* (sharding MySQL behind a router).
#   https://vitess.io/docs/
