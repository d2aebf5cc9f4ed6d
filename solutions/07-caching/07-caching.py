# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Caching: a cache tier, eviction policies and whole miss-ratio curves
#
# The web tier now runs on several servers behind a load balancer, and every page view still
# reads the database. Reads outnumber writes many times over, and most of them ask for the same
# few popular objects. A **cache tier** keeps those objects in memory, close to the web
# servers, so most reads never reach the database. This chapter asks how much that buys, which
# objects to keep when memory runs out, and what can go wrong.
#
# **You will learn to**
# - compute the mean latency and the database load of a cache-aside tier from its hit ratio;
# - explain how LRU, LFU, FIFO and SIEVE choose what to evict, and predict which one wins on
#   scans, bursts and steady popularity;
# - read a whole miss-ratio curve, computed in one pass from LRU stack distances, and check it
#   against Che's approximation;
# - reason about expiry (TTL), write policies and stale reads;
# - run two failure drills: a cache node goes down, and a hot key expires (a stampede).
#
# **Time:** about 60 minutes. **Points:** 13 (10 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. It imports the chapter's model, `scalelab.cache`, and fixes the random
# seed, so your numbers match everyone else's.

# %%
import numpy as np
import plotly.graph_objects as go

from scalelab.cache import (
    POLICIES,
    CacheTier,
    cache_tier_buckets,
    che_hit_ratio,
    database_load,
    failure_database_load,
    hit_ratio,
    ideal_hit_ratio,
    make_cache,
    make_trace,
    mean_latency,
    miss_ratio_curve,
    simulate_cache,
    stack_distances,
    stampede_db_reads,
    zipf_popularity,
)
from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.predict import predict, reveal
from scalelab.product import N_CACHE_OBJECTS, PRODUCT, RATE_DB, bottleneck, opening, stage
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from IPython.display import Markdown, display

from scalelab.widgets.cache import explore_cache

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)


def table(header, rows):
    """Show rows of values as a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return Markdown("\n".join(lines))


# %% [markdown]
# ## 1. The cache tier and the cache-aside read
#
# Shutterstall, the photo-print shop this course follows, left chapter 06 with its web tier
# spread over many servers and its reads spread over three database replicas. Every listing
# page is still a database query, and the shop keeps growing:

# %%
print(opening("caching").sentence)  # where chapter 06 left the shop
s = stage("caching")
print(f"{PRODUCT.name} now: {s.daily_users:,} daily users, {s.rate_peak:,.0f} requests/s at 20:00")
per_replica = s.rate_writes + s.rate_reads / s.n_replicas  # each replica replays every write
print(f"Without a cache each replica would need {per_replica:,.0f} of its {RATE_DB:,.0f} "
      f"queries/s: {100 * per_replica / RATE_DB:.0f} % busy.")  # fmt: skip

# %% [markdown]
# More replicas would only buy time: each one replays every write, and the reads keep growing
# with the users. Most of those reads ask for the same popular listings, again and again, so
# the cheaper fix is to remember the answers.
#
# A cache is a key-value store held in memory (Memcached and Redis are the common ones). It
# is much smaller than the database and it may lose its contents at any time, so the database
# stays the source of truth. The usual way to use it is **cache-aside** (also called lazy
# loading):
#
# 1. the web server asks the cache for the key;
# 2. on a **hit** it uses the cached value;
# 3. on a **miss** it reads the database, returns the answer and stores it in the cache, so the
#    next read of the same key hits.
#
# ```mermaid
# flowchart LR
#     U[Users] --> LB[Load balancer]
#     LB --> W1[Web server 1]
#     LB --> W2[Web server 2]
#     W1 -- "1. get key" --> C[(Cache tier<br/>Memcached / Redis nodes)]
#     W2 -- "1. get key" --> C
#     W1 -- "2. on a miss: read" --> DB[(Database)]
#     W2 -- "2. on a miss: read" --> DB
#     W1 -. "3. set key, TTL" .-> C
# ```
#
# Three numbers describe the tier: the time of a cache read $t_c$ (about half a millisecond
# inside a data center), the time of a database read $t_{db}$ (milliseconds: a query, maybe a
# disk), and the **hit ratio** $h$, the share of reads the cache answers. Every read pays
# $t_c$; only misses pay $t_{db}$ as well:
#
# $$\bar t = t_c + (1-h)\,t_{db}, \qquad \text{database reads/s} = \lambda\,(1-h)$$
#
# for an offered read rate $\lambda$. The library's `mean_latency` and `database_load` compute
# them. Look at what each step in hit ratio buys:

# %%
rate = 10_000  # reads per second offered to the web tier
table(
    ["hit ratio", "mean read (ms)", "database reads/s"],
    [
        [f"{h:.0%}", f"{1000 * mean_latency(h):.2f}", f"{database_load(rate, h):,.0f}"]
        for h in [0.5, 0.8, 0.9, 0.95, 0.99]
    ],
)

# %% [markdown]
# The database load is proportional to the **miss** ratio $1-h$, not to $h$. Going from 90 %
# to 99 % looks like a small gain but divides the database's work by ten. That is why people
# who run caches talk about miss ratios, and why the rest of the chapter is about squeezing
# misses out of a cache of a given size.
#
# Shutterstall's cache will hold 20,000 of its 200,000 listings, and section 4 shows why that
# answers about 62 % of its reads. **Predict first**: with a 0.5 ms cache read and a 10 ms
# database read, what is the mean read time, in milliseconds?

# %%
predict("mean-read", ..., unit="ms",
        question=f"mean read time at a {100 * s.p_hit:.0f} % hit ratio "
        "(0.5 ms cache, 10 ms database)")

# %%
t_read = mean_latency(s.p_hit)  # the library's defaults: 0.5 ms cache read, 10 ms database read
db_reads = database_load(s.rate_reads, s.p_hit)
print(f"{PRODUCT.name}: {100 * s.p_hit:.1f} % hits; {db_reads:,.0f} of {s.rate_reads:,.0f} reads/s "
      "still reach the replicas")  # fmt: skip
p_miss = 1 - s.p_hit
reveal("mean-read", 1000 * t_read, why=f"all reads pay 0.5 ms and the {100 * p_miss:.0f} % that "
       "miss pay 10 ms more: the misses set the mean")

# %% [markdown]
# ## 2. What gets requested: popularity is skewed
#
# A cache works because requests are not spread evenly. Measurements of web proxies (Breslau et
# al., 1999) and of many services since find that the $k$-th most popular object gets a share
# of requests proportional to $k^{-\alpha}$, a **Zipf-like** law, with a skew $\alpha$ between
# about 0.6 and 1. The library draws seeded traces from it. Here is one of 200,000 requests
# over a catalogue of 20,000 objects:

# %%
trace = make_trace("zipf", n_objects=20_000, n_requests=200_000, alpha=0.8, rng=rng)
counts = np.sort(np.bincount(trace.keys))[::-1]
rows = []
for top in [0.001, 0.01, 0.1, 1.0]:
    n = int(top * trace.n_objects)
    rows.append([f"{top:.1%}", f"{n:,}", f"{counts[:n].sum() / len(trace):.0%}"])
table(["most popular objects", "how many", "share of requests"], rows)

# %% [markdown]
# A small cache holding the most popular objects would already answer a large share of reads.
# But the cache does not know which objects are popular: it only sees requests arrive, one by
# one, and must decide what to keep.

# %% [markdown]
# ## 3. When the cache is full: eviction policies
#
# Once the cache is full, every miss that stores a new object must push another one out. The
# **eviction policy** picks the victim:
#
# - **FIFO** (first in, first out) evicts the object that entered the cache longest ago. Hits
#   change nothing, so it is cheap, but a popular object is thrown out as readily as a dud.
# - **LRU** (least recently used) evicts the object whose last request is the oldest. Recency
#   is a good guess of future use, and LRU is what Memcached uses (per slab class).
# - **LFU** (least frequently used) evicts the object with the fewest requests. It protects
#   steadily popular objects, but its counts remember the past: yesterday's hit keeps a high
#   count long after nobody wants it.
# - **SIEVE** (Zhang et al., 2024) keeps a FIFO queue and one "visited" bit per object. A hit
#   only sets the bit. To evict, a *hand* walks from the oldest object towards the newest,
#   clearing set bits, and evicts the first object whose bit is clear. Objects requested once
#   leave quickly; objects requested again survive. It is simpler than LRU (no reordering on
#   a hit) and often misses less.
#
# All four sit behind one interface in `scalelab.cache`: `get`, `put`, `delete`, `access`
# (a read through the cache) and `keys()` (the next victim first). Watch them on a tiny
# sequence with room for three objects:

# %%
sequence = ["a", "b", "c", "a", "a", "d", "b", "e"]
rows = []
for policy in POLICIES:
    cache = make_cache(policy, 3)
    hits = [cache.access(k) for k in sequence]
    rows.append([policy, sum(hits), " ".join(cache.keys())])
table(["policy", "hits", "cached at the end, next victim first"], rows)

# %% [markdown]
# LRU forgot that `a` was requested three times once `d`, `b` and `e` came by; LFU kept `a`
# for its count of three and churned the one-request keys around it; FIFO evicted `a` first
# because it arrived first (and then, by luck, still hit `b`); SIEVE kept `a` because its
# visited bit was set when the hand came by. The question is which behaviour misses less on real traffic, and
# at which cache size. To answer it for every size at once, we need a better tool than one
# replay per size.

# %% [markdown]
# ## 4. The whole miss-ratio curve in one pass
#
# Picture LRU's contents as a *stack*: the most recently used key on top. A request for key
# $k$ finds it at some depth $d$: the number of **distinct other keys** requested since $k$'s
# last request. This depth is the **stack distance**; a first request has none (it always
# misses). Mattson et al. (1970) noticed the key fact: an LRU cache of $C$ objects holds
# exactly the top $C$ of this stack, for every $C$ at once. So
#
# $$\text{request hits an LRU cache of size } C \iff 0 \le d < C.$$
#
# One pass over the trace gives every request's distance; a histogram of the distances and a
# cumulative sum give the hit ratio **for every cache size**: the whole miss-ratio curve.

# %%
keys = list("abcaabd")
list(zip(keys, stack_distances(keys).tolist()))

# %% [markdown]
# The second `a` has distance 2 (`b` and `c` came in between), the next `a` distance 0, the
# second `b` distance 2 (`c` and `a`; the repeated `a` counts once). The library computes distances with numpy in $O(n \log n)$: the distance of a
# request is the gap since its key's last request minus the repeats inside that gap, and the
# repeats are counted for all requests at once by a vectorised merge count. Check it against
# one replay per size:

# %%
curve = miss_ratio_curve(trace)
table(
    ["LRU size (objects)", "from the one-pass curve", "from a replay at that size"],
    [
        [f"{c:,}", f"{curve.at(c):.4f}", f"{hit_ratio(trace, 'lru', c):.4f}"]
        for c in [20, 200, 2_000]
    ],
)

# %% [markdown]
# The pass takes a fraction of a second here, and about one second for a million requests:
# the cost of four or five single-size replays, for every one of the tens of thousands of sizes.
#
# ### Che's approximation
#
# When requests are independent draws from a popularity law $q_k$, there is a remarkably good
# shortcut (Che, Tung and Wang, 2002; explained by Fricker, Robert and Roberts, 2012). An
# object stays in the LRU cache as long as fewer than $T$ requests pass between two requests
# for it, where the *characteristic time* $T$ is the same for all objects and solves
#
# $$\sum_k \left(1 - e^{-q_k T}\right) = C, \qquad h_{LRU} \approx \sum_k q_k \left(1 - e^{-q_k T}\right).$$
#
# The figure compares it with the exact curve of our trace.

# %%
q = zipf_popularity(trace.n_objects, trace.alpha)
sizes = np.unique(np.geomspace(10, trace.n_objects, 25).astype(int))  # sizes to plot
che = [che_hit_ratio(q, int(c)) for c in sizes]
fig = go.Figure(
    [
        go.Scatter(
            x=sizes,
            y=[curve.at(int(c)) for c in sizes],
            name="LRU, exact (one pass)",
            line=dict(color=PALETTE[0], dash=DASHES[0], width=3),
        ),
        go.Scatter(
            x=sizes,
            y=che,
            name="Che's approximation",
            mode="markers",
            marker=dict(symbol="x", size=9, color=PALETTE[3]),
        ),
        go.Scatter(
            x=sizes,
            y=[ideal_hit_ratio(q, int(c)) for c in sizes],
            name="ideal: the C most popular",
            line=dict(color=PALETTE[2], dash=DASHES[1]),
        ),
    ],
    layout=base_layout(
        "LRU hit ratio by cache size (Zipf, alpha 0.8)",
        "cache size (objects, log scale)",
        "hit ratio",
        xaxis=dict(type="log", title=dict(text="cache size (objects, log scale)")),
    ),
)
fig

# %% [markdown]
# The crosses sit on the line over the middle of the range, within about half a percent. At
# the ends the trace itself parts from the formula, for two honest reasons. At the smallest
# sizes the hit ratio depends on how often the few hottest keys happened to be drawn, a sampling
# effect of a few percent. At the largest sizes the exact curve flattens below Che's: Che
# describes a cache that has been running forever, while our trace starts cold and 19,372 of its
# requests are first requests, misses that no cache size avoids. With a million requests over
# 100,000 objects, simulated LRU lands within 0.2 % (α = 0.8, a cache of 1 % of the catalogue,
# hit ratio about 0.204) and 0.3 % (α = 1.0, 10 %, about 0.737) of Che's value, and FIFO within
# 0.2 % of its own characteristic-time formula. The gap between LRU and the dashed "ideal"
# line is what a better policy could still win: under independent requests a perfect LFU,
# which counts every request of every object, converges to that line.
#
# ### Sizing Shutterstall's cache
#
# Che's formula needs only the popularity law and the cache's size, so it sizes a cache before
# any trace exists. Shutterstall's 200,000 listings follow a Zipf law of skew 0.9, and its cache
# holds a tenth of them, 20,000: that is where section 1's 62 % came from. **Predict first**:
# the team doubles the cache to 40,000 listings. What hit ratio does Che's formula give now?

# %%
predict("cache-double", ..., unit="%",
        question="LRU hit ratio with 40,000 of 200,000 listings cached (Zipf 0.9)")

# %%
listings = zipf_popularity(PRODUCT.n_listings, PRODUCT.zipf_s)  # each listing's share of reads
sizes_product = (N_CACHE_OBJECTS, 2 * N_CACHE_OBJECTS)
h_now, h_double = (che_hit_ratio(listings, n) for n in sizes_product)
for n_cached, h in zip(sizes_product, (h_now, h_double)):
    print(f"{n_cached:>6,} listings cached: hit ratio {100 * h:.1f} %, "
          f"{database_load(s.rate_reads, h):,.0f} reads/s reach the replicas")  # fmt: skip
reveal("cache-double", 100 * h_double, why=f"each listing added is rarer than the last (Zipf): "
       f"twice the memory adds {100 * (h_double - h_now):.0f} points")

# %% [markdown]
# ## 5. Scans and bursts: where the policies part ways
#
# Real traffic is not a steady Zipf draw. Two departures matter most for eviction:
#
# - **scans**: a batch job, a crawler or a report reads many cold keys once each. Under LRU
#   and FIFO every scanned key enters the cache and pushes a useful one out;
# - **bursts**: new content (a news story, a viral post) is hot for a while, then forgotten.
#   LFU is slow to admit it and slow to let old favourites go.
#
# Compare the four policies on the three kinds of trace, with a cache of 5 % of the catalogue:

# %%
size = 100
rows = []
for kind in ["zipf", "scan", "burst"]:
    tr = make_trace(kind, n_objects=2_000, n_requests=20_000, alpha=0.9, rng=rng)
    rows.append([kind] + [f"{hit_ratio(tr, p, size):.1%}" for p in POLICIES])
table(["trace"] + [p.upper() for p in POLICIES], rows)

# %% [markdown]
# On steady Zipf traffic LFU and SIEVE beat LRU, and FIFO trails: recency is only a proxy for
# popularity. Scans hurt LRU and FIFO most, because one-off keys displace the hot set; LFU
# ignores them (count 1) and SIEVE evicts them on the hand's first pass. Bursts favour SIEVE
# and LRU, which adapt to new popularity, and hurt LFU's long memory. This is why modern caches
# combine recency and frequency: ARC (Megiddo and Modha, 2003) balances an LRU and an LFU
# list, TinyLFU (Einziger et al., 2017) admits a newcomer only if a compact frequency sketch
# says it is more popular than the victim, and S3-FIFO and SIEVE (Yang et al., 2023; Zhang et
# al., 2024) get most of the benefit with simple FIFO queues.

# %% [markdown]
# ## 6. Expiry, writes and stale data
#
# A cached value is a copy; when the database changes, the copy is wrong until something
# replaces it. Two tools bound the damage:
#
# - a **time to live (TTL)**: an entry expires `t_ttl` seconds after it was stored, and an
#   expired value is never served: the next read misses and fetches a fresh one;
# - a **write policy**: on a write the application updates the database and then either
#   deletes the key from the cache (**invalidate**, the usual cache-aside write), stores the
#   new value in the cache too (**write-through**), or leaves the cache alone
#   (**write-around**), so an old value can be served until it expires or is evicted.
#
# `simulate_cache` replays a trace in which 5 % of requests are writes and counts *stale
# reads*: hits that returned an older version than the database held.

# %%
writes = make_trace(
    "zipf", n_objects=2_000, n_requests=20_000, alpha=0.9, p_write=0.05, rate=500, rng=rng
)
rows = []
for policy in ["write-around", "invalidate", "write-through"]:
    for ttl in [30.0, 2.0]:
        run = simulate_cache(writes, "lru", 200, t_ttl=ttl, write_policy=policy)
        rows.append([policy, f"{ttl:.0f}", "0", f"{run.hit_ratio:.1%}", f"{run.n_stale:,}"])
slow = simulate_cache(writes, "lru", 200, t_ttl=30.0, t_fetch=0.05, write_policy="invalidate")
rows.append(["invalidate", "30", "50", f"{slow.hit_ratio:.1%}", f"{slow.n_stale:,}"])
table(["write policy", "TTL (s)", "database read (ms)", "hit ratio", "stale reads"], rows)

# %% [markdown]
# Write-around serves stale data, and the TTL bounds how long: a shorter TTL means fewer stale
# reads but more misses. Invalidation and write-through serve none here, at the price of an
# extra miss (invalidate) or of caching values nobody may read (write-through). But the last
# line shows a subtle race that invalidation cannot close: a read misses and starts a slow
# database read, a write updates the row and deletes the key, then the slow read stores the
# *old* value it fetched, and it stays until the TTL runs out. Facebook's memcache deployment
# (Nishtala et al., 2013) prevents this with *leases*: the cache hands the reader a token on a
# miss, and a delete invalidates the token, so the late, stale store is refused. A TTL remains
# the safety net for every bug nobody found.

# %% [markdown]
# ## 7. Failure drill
#
# ### The cache node goes down
#
# A single cache server is a **single point of failure** for performance: when it dies, every
# read goes to a database sized for the misses only. The time-bucketed model
# `cache_tier_buckets` follows a tier second by second; a node that comes back is **empty**
# and warms up as requests refill it. Here one node is down from second 30 to 45, once with
# the whole cache on one node and once spread over four, in front of a database that serves
# 1,200 reads/s.

# %%
seconds = np.arange(90)
offered = np.full(seconds.size, 2_000.0)  # reads/s
down = np.where((seconds >= 30) & (seconds < 45), 1, 0)
popularity = zipf_popularity(100_000, 0.9)
fig = go.Figure(
    layout=base_layout(
        "Database load when a cache node fails (down 30-45 s)", "time (s)", "database reads/s"
    )
)
rows = []
for i, nodes in enumerate([1, 4]):
    tier = CacheTier(n_nodes=nodes, n_capacity=10_000, rate_db_max=1_200)
    out = cache_tier_buckets(offered, 1.0, tier, popularity=popularity, nodes_down=down)
    fig.add_scatter(
        x=seconds,
        y=out.rate_db,
        name=f"{nodes} node(s)",
        line=dict(color=PALETTE[i], dash=DASHES[i], width=3),
    )
    rows.append(
        [
            nodes,
            f"{out.hit_ratio[0]:.0%} → {out.hit_ratio[35]:.0%}",
            f"{out.rate_db[0]:,.0f} → {out.rate_db[35]:,.0f}",
            f"{out.rate_failed[35]:,.0f}",
            f"{1000 * out.t_mean[0]:,.0f} → {1000 * out.t_mean[35]:,.0f}",
        ]
    )
display(table(["nodes", "hit ratio", "database reads/s", "failed reads/s", "mean read (ms)"], rows))
p_hit = che_hit_ratio(popularity, 10_000)
one_line = failure_database_load(2_000, p_hit, n_nodes=4)
display(Markdown(f"`failure_database_load`, 4 nodes, one down: {one_line:,.0f} reads/s"))
fig.add_hline(y=1_200, line=dict(color=PALETTE[7], dash="dot"), annotation_text="database capacity")
fig

# %% [markdown]
# With one node the database receives every read, well past its capacity: reads fail and the
# ones served wait in a long queue. With four nodes, losing one costs a quarter of the hits,
# which the database absorbs (`failure_database_load` gives the same number in one line). After the node returns, the dip in the
# curve is the cold node warming up. Production answers: several nodes with consistent
# hashing (chapter 13), enough database headroom for one node lost, and a spare "gutter" pool
# that takes over a failed node's keys (Nishtala et al., 2013), because rebuilding a cold cache
# can take far longer than the outage itself.

# %% [markdown]
# ### A hot key expires: the stampede
#
# The second drill needs no hardware failure at all. One key (the home page, a celebrity's
# profile) gets a large share of the traffic. When its TTL runs out, the next read misses and
# starts a database read. **Predict first**: the hot key below is read 1,000 times a second,
# and its database read takes 50 ms. When it expires, how many reads go to the database before
# the fresh value is back in the cache?

# %%
predict("stampede-reads", ..., unit="database reads",
        question="reads of a hot key (1,000/s, 50 ms fetch) reaching the database per expiry")

# %% [markdown]
# While the first miss is fetching, every read that arrives misses too, so about
# $1 + \lambda_{key}\, t_{fetch}$ reads hit the database at once. With **request coalescing**
# (a lock, "single flight", or memcache leases) only the first read fetches and the others
# wait for it.

# %%
hot = make_trace("stampede", n_objects=1_000, n_requests=30_000, p_hot=0.5, rate=2_000, rng=rng)
is_hot = hot.keys == -1
edges = np.arange(0, hot.t[-1] + 0.1, 0.1)
fig = go.Figure(
    layout=base_layout(
        "Database reads of the hot key (TTL 5 s, 50 ms fetch)",
        "time (s)",
        "database reads per 100 ms",
    )
)
rows = []
for i, coalesce in enumerate([False, True]):
    run = simulate_cache(hot, "lru", 200, t_ttl=5.0, t_fetch=0.05, coalesce=coalesce)
    per_bucket, _ = np.histogram(hot.t[run.db_read & is_hot], bins=edges)
    fig.add_scatter(
        x=edges[:-1],
        y=per_bucket,
        name="coalesced" if coalesce else "no coalescing",
        line=dict(color=PALETTE[i], dash=DASHES[i], width=3 - i),
    )
    rows.append([coalesce, int((run.db_read & is_hot).sum())])
display(table(["coalescing", "database reads of the hot key, whole trace"], rows))
per_expiry = stampede_db_reads(1_000, 0.05)  # the hot key's share of 2,000 reads/s: 1,000
display(Markdown(f"Expected per expiry without coalescing: {per_expiry:.0f}"))
reveal("stampede-reads", per_expiry, why="the cache stays empty for the whole 50 ms fetch, and "
       "every read in that window misses too")
fig

# %% [markdown]
# Every five seconds the key expires and about fifty reads pile onto the database in the same
# 50 ms; with coalescing it is one. At a hundred thousand reads/s on the key, the pile-up is a
# few thousand queries at once, enough to topple a database. Besides coalescing, a cache can
# refresh a hot key *before* it expires, each reader volunteering with a probability that
# rises as expiry nears (Vattani, Chierichetti and Lowenstein, 2015), or add random jitter to
# TTLs so that many keys do not expire together.

# %% [markdown]
# ## Explore
#
# The widget replays seeded traces of 8,000 requests over 1,000 objects through all four
# policies. The left plot shows the hit ratio against the cache size (LRU's curve is exact,
# from one pass; the others are replayed at the marked sizes), the right plot what the selected
# policy means for the database and for latency at 10,000 reads/s. The caption states the
# numbers at the chosen size.
#
# *Try:* start on the scan trace and move the size: how many objects does LRU need to match
# SIEVE at 100? Switch to independent Zipf: where do Che's crosses sit? Raise the skew: why do
# all the curves rise, and why does the gap between policies shrink? On the burst trace, which
# policy falls behind, and why?

# %%
explorer = show(explore_cache)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: an O(1) LRU cache (4 points)
#
# Write a class `LRU` with
#
# - `LRU(n_capacity)`: an empty cache for at most `n_capacity` objects; raise `ValueError` if
#   `n_capacity` is below 1;
# - `get(key)`: the value stored under `key`, or `None` if it is not cached; a hit makes the key
#   the most recently used;
# - `put(key, value)`: store the value (replacing an old one, which also makes the key the most
#   recently used); if a new key does not fit, first evict the least recently used key;
# - `len(cache)`: the number of cached keys.
#
# Every operation must take constant time on average, whatever the capacity: a Python list
# that you search or pop from the front is too slow (hint: `collections.OrderedDict`, or a
# dict plus a doubly linked list). Write it yourself: while the hidden checks run, the
# library's caches are switched off, and a subclass of them does not count. The visible check
# (1 point) tries one eviction; the hidden ones (3 points) compare random sequences of
# operations with a reference and time a cache of 10,000 objects against one of 50.

# %% nbgrader={"grade": false, "grade_id": "lru_class", "locked": false, "schema_version": 3, "solution": true, "task": false}
from collections import OrderedDict


class LRU:
    """A least-recently-used cache of at most `n_capacity` objects, O(1) per operation."""

    def __init__(self, n_capacity):
        """An empty cache for at most `n_capacity` objects (ValueError if below 1)."""
        ### BEGIN SOLUTION
        if not isinstance(n_capacity, int) or n_capacity < 1:
            raise ValueError(f"n_capacity must be a whole number >= 1; got {n_capacity!r}")
        self.n_capacity = n_capacity
        self._data = OrderedDict()  # least recently used first
        ### END SOLUTION

    def get(self, key):
        """The value cached under `key` (now the most recently used), or None on a miss."""
        ### BEGIN SOLUTION
        if key not in self._data:
            return None
        self._data.move_to_end(key)
        return self._data[key]
        ### END SOLUTION

    def put(self, key, value):
        """Store `value` under `key` as the most recently used, evicting the LRU key if full."""
        ### BEGIN SOLUTION
        if key in self._data:
            self._data.move_to_end(key)
        elif len(self._data) >= self.n_capacity:
            self._data.popitem(last=False)
        self._data[key] = value
        ### END SOLUTION

    def __len__(self):
        """The number of cached keys."""
        ### BEGIN SOLUTION
        return len(self._data)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lru_class_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a read makes 'a' recent, so the third key evicts 'b'."""
from scalelab.checks import as_int

cache = LRU(2)
cache.put("a", 1)
cache.put("b", 2)
assert as_int(cache.get("a"), "get('a')") == 1, "get('a') should return 1"
cache.put("c", 3)
assert cache.get("b") is None, "'b' was the least recently used key: it should be evicted"
assert as_int(cache.get("a"), "get('a')") == 1 and as_int(cache.get("c"), "get('c')") == 3
assert as_int(len(cache), "len(cache)") == 2, "the cache should hold 2 keys"
print("Visible check passed: the hidden checks try random sequences and time your cache.")

# %% nbgrader={"grade": true, "grade_id": "test_lru_class_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: random operations against a reference, errors, O(1) time, no library cache."""
### BEGIN HIDDEN TESTS
import time as _time

from hypothesis import given, settings
from hypothesis import strategies as st

import scalelab.cache as _sc
from scalelab.checks import expect_raises, library_disabled

assert not issubclass(LRU, _sc.Cache), "scenario 'own class': write LRU yourself, not a subclass"


def _reference_run(n_capacity, ops):
    order, data, out = [], {}, []
    for op, key, value in ops:
        if op == "get":
            if key in data:
                order.remove(key)
                order.append(key)
            out.append(data.get(key))
        else:
            if key in data:
                order.remove(key)
            elif len(order) == n_capacity:
                del data[order.pop(0)]
            order.append(key)
            data[key] = value
            out.append(None)
        out.append(len(order))
    return out


def _check_sequence(n_capacity, ops, scenario):
    cache = LRU(n_capacity)
    got = []
    for op, key, value in ops:
        if op == "get":
            value = cache.get(key)
            got.append(None if value is None else int(value))
        else:
            cache.put(key, value)
            got.append(None)
        got.append(int(len(cache)))
    assert got == _reference_run(n_capacity, ops), (
        f"scenario {scenario!r} (n_capacity {n_capacity}): your cache disagrees with LRU"
    )


@settings(max_examples=80, derandomize=True, deadline=None, database=None)
@given(
    st.integers(1, 4),
    st.lists(
        st.tuples(st.sampled_from(["get", "put"]), st.integers(0, 5), st.integers(0, 99)),
        max_size=50,
    ),
)
def _agrees_with_reference(n_capacity, ops):
    _check_sequence(n_capacity, ops, "random operations")


def _seeded_sweep():
    draw = np.random.default_rng(50_505)
    for _ in range(200):
        n = int(draw.integers(1, 50))
        ops = list(
            zip(
                draw.choice(["get", "put"], n).tolist(),
                draw.integers(0, 6, n).tolist(),
                draw.integers(0, 99, n).tolist(),
            )
        )
        _check_sequence(int(draw.integers(1, 5)), ops, "many random sequences")


def _seconds_per_op(n_capacity, n_ops=1_000):
    """Seconds per get + put on a full cache (best of 5 rounds: robust to a busy machine)."""
    cache = LRU(n_capacity)
    for key in range(n_capacity):
        cache.put(key, key)
    best, new_key = float("inf"), n_capacity
    for _ in range(5):
        start = _time.perf_counter()
        for i in range(n_ops):
            cache.get(new_key - n_capacity + (i * 7_919) % n_capacity)  # a cached key, anywhere
            cache.put(new_key, new_key)  # a new key: evicts one
            new_key += 1
        best = min(best, (_time.perf_counter() - start) / n_ops)
    return max(best, 1e-9)


with library_disabled("scalelab.cache.LRUCache", "scalelab.cache.make_cache"):
    _check_sequence(
        2,
        [("put", 1, 1), ("put", 2, 2), ("get", 1, 0), ("put", 3, 3), ("get", 2, 0), ("get", 1, 0)],
        "a read makes the key recent",
    )
    _check_sequence(
        2,
        [("put", 1, 1), ("put", 2, 2), ("put", 1, 10), ("put", 3, 3), ("get", 2, 0), ("get", 1, 0)],
        "an update makes the key recent",
    )
    _check_sequence(
        1,
        [("put", 1, 1), ("put", 1, 2), ("get", 1, 0), ("put", 2, 3), ("get", 1, 0), ("get", 2, 0)],
        "capacity one",
    )
    _seeded_sweep()
    _agrees_with_reference()
    expect_raises(ValueError, LRU, 0)
    small, large = _seconds_per_op(50), _seconds_per_op(10_000)
    assert large < 5 * small, (
        f"scenario 'constant time': an operation on 10,000 objects took {large / small:.0f}x as "
        "long as on 50 objects; get and put should not search or shift a list"
    )
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: effective latency from the hit ratio (3 points)
#
# Write two functions, with times in seconds:
#
# - `effective_latency(p_hit, t_cache, t_db)`: the mean read latency of cache-aside, where every
#   read asks the cache and a miss then also reads the database (section 1). Raise `ValueError`
#   if `p_hit` is outside [0, 1] or a time is negative.
# - `hit_ratio_needed(t_target, t_cache, t_db)`: the smallest hit ratio whose effective latency
#   is at most `t_target`. Return `0.0` when even a cache that never hits meets the target, and
#   raise `ValueError` when no hit ratio can (the target is below `t_cache`), or when `t_db`
#   is not positive.
#
# Use arithmetic: the library's `mean_latency` is switched off while the hidden checks run.


# %% nbgrader={"grade": false, "grade_id": "latency", "locked": false, "schema_version": 3, "solution": true, "task": false}
def effective_latency(p_hit, t_cache, t_db):
    """Mean read latency (s) of cache-aside with hit ratio p_hit."""
    ### BEGIN SOLUTION
    if not 0 <= p_hit <= 1:
        raise ValueError(f"p_hit must be in [0, 1]; got {p_hit}")
    if t_cache < 0 or t_db < 0:
        raise ValueError("t_cache and t_db must be >= 0")
    return t_cache + (1 - p_hit) * t_db
    ### END SOLUTION


def hit_ratio_needed(t_target, t_cache, t_db):
    """Smallest hit ratio whose effective latency (s) is at most t_target (s)."""
    ### BEGIN SOLUTION
    if t_db <= 0:
        raise ValueError(f"t_db must be > 0; got {t_db}")
    if t_cache < 0:
        raise ValueError(f"t_cache must be >= 0; got {t_cache}")
    if t_target < t_cache:
        raise ValueError(
            f"no hit ratio reaches {t_target} s: every read costs t_cache = {t_cache} s"
        )
    return max(0.0, 1 - (t_target - t_cache) / t_db)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_latency_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a 0.5 ms cache in front of a 10 ms database."""
from scalelab.checks import expect_close

expect_close(effective_latency(0.9, 0.0005, 0.010), 0.0015, what="latency at 90 % hits (s)")
expect_close(effective_latency(0.0, 0.0005, 0.010), 0.0105, what="latency at 0 % hits (s)")
expect_close(hit_ratio_needed(0.002, 0.0005, 0.010), 0.85, what="hit ratio for a 2 ms target")
print("Visible check passed: the hidden checks try other numbers, the edges and the errors.")

# %% nbgrader={"grade": true, "grade_id": "test_latency_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: other numbers, the edges (0 and 1), invalid inputs, no library helper."""
### BEGIN HIDDEN TESTS
from scalelab.checks import expect_close, expect_raises, library_disabled

with library_disabled("scalelab.cache.mean_latency"):
    expect_close(
        effective_latency(0.97, 0.0002, 0.025),
        0.0002 + 0.03 * 0.025,
        rel=1e-9,
        what="scenario 'fast cache, slow database': latency",
    )
    expect_close(
        effective_latency(1.0, 0.001, 0.5),
        0.001,
        rel=1e-9,
        what="scenario 'every read hits': latency",
    )
    expect_close(
        hit_ratio_needed(0.0012, 0.0002, 0.005),
        0.8,
        rel=1e-9,
        what="scenario 'tight target': hit ratio needed",
    )
    expect_close(
        hit_ratio_needed(0.0005, 0.0005, 0.010),
        1.0,
        rel=1e-9,
        what="scenario 'target equals a cache read': hit ratio needed",
    )
    expect_close(
        hit_ratio_needed(0.050, 0.0005, 0.010),
        0.0,
        abs_tol=1e-12,
        what="scenario 'loose target': hit ratio needed (never below 0)",
    )
    expect_close(
        effective_latency(0.4, 0.0, 0.010),
        0.006,
        rel=1e-9,
        what="scenario 'a cache read costs nothing (t_cache = 0 is allowed)': latency",
    )
    expect_close(
        effective_latency(0.4, 0.001, 0.0),
        0.001,
        rel=1e-9,
        what="scenario 'a free database (t_db = 0 is allowed)': latency",
    )
    expect_close(
        hit_ratio_needed(0.002, 0.0, 0.010),
        0.8,
        rel=1e-9,
        what="scenario 'a free cache read (t_cache = 0 is allowed)': hit ratio needed",
    )
    for bad in [(-0.1, 0.001, 0.01), (1.5, 0.001, 0.01), (0.5, -0.001, 0.01), (0.5, 0.001, -1)]:
        expect_raises(ValueError, effective_latency, *bad)
    for bad in [(0.0001, 0.0005, 0.010), (0.002, 0.0005, 0.0)]:
        expect_raises(ValueError, hit_ratio_needed, *bad)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: which policy wins on a scan-heavy trace? (3 points)
#
# The shop's nightly report scans thousands of cold product rows while customers browse.
# Write `best_policy(trace, n_capacity)` that replays `trace` through each policy in `POLICIES`
# at the given `n_capacity` (use the library's `hit_ratio`: here you are the engineer choosing,
# not implementing) and returns the **name** of the policy with the highest hit ratio, as a
# string. If two policies tie, return the one that comes first in `POLICIES`.
#
# The visible check runs the scan-heavy trace below (1 point); the hidden checks (2 points) use
# other workloads, where the winner changes, so no fixed answer passes them.


# %% nbgrader={"grade": false, "grade_id": "best_policy", "locked": false, "schema_version": 3, "solution": true, "task": false}
def best_policy(trace, n_capacity):
    """Name of the policy in POLICIES with the highest hit ratio on trace (ties: the first)."""
    ### BEGIN SOLUTION
    ratios = [hit_ratio(trace, policy, n_capacity) for policy in POLICIES]
    return POLICIES[int(np.argmax(ratios))]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_best_policy_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: the scan-heavy trace (seed 1, 1,000 objects, scans of 300 keys, cache 100)."""
scan_heavy = make_trace(
    "scan", n_objects=1_000, n_requests=10_000, alpha=0.9, n_scan=300, rng=np.random.default_rng(1)
)
choice = best_policy(scan_heavy, 100)
assert type(choice) is str and choice in POLICIES, f"return one of {POLICIES}; got {choice!r}"
assert choice == "sieve", (
    f"on this trace another policy has a higher hit ratio than {choice!r}: replay all four "
    "(replay it in the widget: scan trace, skew 0.9)"
)
print("Visible check passed: the hidden checks use workloads where another policy wins.")

# %% nbgrader={"grade": true, "grade_id": "test_best_policy_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: a second scan trace, a sliding working set and a tie, each with its winner."""
### BEGIN HIDDEN TESTS
_scan = make_trace(
    "scan", n_objects=1_000, n_requests=10_000, alpha=0.9, n_scan=300, rng=np.random.default_rng(3)
)
_rng = np.random.default_rng(4)
_phases = np.concatenate(
    [_rng.integers(0, 50, 3_000), _rng.integers(50, 100, 3_000), _rng.integers(100, 150, 3_000)]
)
_i = np.arange(10_000)
_sliding = _i // 10 + _rng.integers(0, 30, 10_000)
for _name, _trace, _size, _want in [
    ("another scan-heavy day", _scan, 100, "lfu"),
    ("sliding working set", _sliding, 30, "lru"),
    ("phases, LRU and FIFO tie", _phases, 60, "lru"),
]:
    _got = best_policy(_trace, _size)
    assert type(_got) is str and _got == _want, (
        f"scenario {_name!r}: expected {_want!r}, got {_got!r}"
    )
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (written, 3 points): stale data and expiry
#
# A shop caches product pages with cache-aside and a TTL of 10 minutes. Prices are updated by
# writing to the database only (write-around). After a price drop, some customers still see
# the old price. In four to six sentences: explain why, say how long the old price can be
# shown, and propose two changes that shorten or remove the stale window, giving the cost of
# each (in misses, database load, complexity or the races that remain). Graded by hand
# against `grading/rubrics/07-caching.md`.

# %% [markdown] nbgrader={"grade": true, "grade_id": "stale_expiry", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# The write changed the database but not the cached copy, and cache-aside only reloads a key
# on a miss; the old page stays a hit until it expires or is evicted, so a customer can see the
# old price for up to the full TTL, 10 minutes after the write. First change: invalidate on
# write (delete the key after updating the database), so the next read misses and loads the
# new price; it costs one extra miss per write and leaves a small race (a slow read that
# fetched the old row can store it after the delete), which a short TTL or memcache-style
# leases close. Second change: a much shorter TTL (say 30 s) bounds staleness for every key,
# even ones we forget to invalidate, but multiplies misses and database load for hot pages and
# makes stampedes on expiry more likely. Write-through (updating the cache on every write) is
# another option: fresh reads but more cache writes, and values cached that may never be read.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar.
# 3. **Self-paced?** Run `make check NB=07-caching` at the top of the repository for feedback
#    from the hidden checks without seeing them.
# 4. **In a class?** Submit as your instructor says.

# %% [markdown]
# ## Summary
#
# Where Shutterstall stands after this chapter, and the limit it meets next:

# %%
print(opening("caching").sentence_after)  # the product with its cache
print(bottleneck("caching").sentence)  # what breaks next: chapter 08

# %% [markdown]
# - A cache tier answers most reads from memory; with cache-aside a read costs
#   $t_c + (1-h)\,t_{db}$ on average and the database sees $\lambda(1-h)$ reads/s, so the
#   **miss** ratio is the lever: 90 % → 99 % hits divides database load by ten.
# - When the cache is full an eviction policy chooses the victim: FIFO by age, LRU by recency,
#   LFU by count, SIEVE by a visited bit and a moving hand. None wins everywhere: scans punish
#   LRU and FIFO, bursts punish LFU's memory, and modern policies mix recency and frequency.
# - LRU's hit ratio for **every** size comes from one pass over a trace (stack distances), and
#   under independent requests Che's approximation predicts it within a fraction of a percent.
# - TTLs and write policies trade stale reads against misses; invalidation still has a race
#   that leases close. A lone cache node is a single point of failure for the database, and a
#   hot key's expiry can stampede it: spread the cache over nodes, leave headroom, coalesce.
#
# **Measured for this chapter** (one `make bench` run on a shared 2-core machine, CPU time, a
# million Zipf requests, α = 0.8, 100,000 objects, cache of 1,000): `cachetools.LRUCache`
# 1.4 million requests/s; a plain `OrderedDict` LRU 6.2 million (4.3× cachetools); the
# library's single-size LRU 8.0 million (1.3× the OrderedDict); the exact miss-ratio curve for
# all 96,500 sizes in 0.63 s, the cost of four single-size replays. Simulation against the
# approximations: LRU +0.19 % (α 0.8, 1 %) and −0.30 % (α 1.0, 10 %) from Che; FIFO +0.18 % and
# −0.16 % from its characteristic-time formula.
#
# The cache took the listings' reads off the replicas, but half of Shutterstall's requests
# are for photos and thumbnails, and every one of their bytes still leaves through the
# origin's single link. In the next chapter the same machinery moves to the edge of the
# network: a CDN is a cache tier placed near the users, built on this chapter's
# `scalelab.cache`.
#
# ## References
#
# - Breslau, L., Cao, P., Fan, L., Phillips, G. and Shenker, S. (1999). *Web caching and
#   Zipf-like distributions: evidence and implications.* IEEE INFOCOM.
#   https://doi.org/10.1109/INFCOM.1999.749260
# - Che, H., Tung, Y. and Wang, Z. (2002). *Hierarchical Web caching systems: modeling, design
#   and experimental results.* IEEE JSAC 20(7). https://doi.org/10.1109/JSAC.2002.801752
# - Dean, J. (2009). *Designs, lessons and advice from building large distributed systems*
#   (LADIS keynote; "numbers everyone should know").
#   https://www.cs.cornell.edu/projects/ladis2009/talks/dean-keynote-ladis2009.pdf
# - Einziger, G., Friedman, R. and Manes, B. (2017). *TinyLFU: a highly efficient cache
#   admission policy.* ACM Transactions on Storage 13(4). https://doi.org/10.1145/3149371
# - Fricker, C., Robert, P. and Roberts, J. (2012). *A versatile and accurate approximation for
#   LRU cache performance.* ITC 24. https://arxiv.org/abs/1202.3974
# - Martina, V., Garetto, M. and Leonardi, E. (2014). *A unified approach to the performance
#   analysis of caching systems.* IEEE INFOCOM. https://arxiv.org/abs/1307.6702
# - Mattson, R. L., Gecsei, J., Slutz, D. R. and Traiger, I. L. (1970). *Evaluation techniques
#   for storage hierarchies.* IBM Systems Journal 9(2). https://doi.org/10.1147/sj.92.0078
# - Megiddo, N. and Modha, D. S. (2003). *ARC: a self-tuning, low overhead replacement cache.*
#   USENIX FAST. https://www.usenix.org/conference/fast-03/arc-self-tuning-low-overhead-replacement-cache
# - Nishtala, R. et al. (2013). *Scaling Memcache at Facebook.* USENIX NSDI.
#   https://www.usenix.org/conference/nsdi13/technical-sessions/presentation/nishtala
# - Vattani, A., Chierichetti, F. and Lowenstein, K. (2015). *Optimal probabilistic cache
#   stampede prevention.* PVLDB 8(8). https://doi.org/10.14778/2757807.2757813
# - Yang, J., Zhang, Y., Qiu, Z., Yue, Y. and Vinayak, R. (2023). *FIFO queues are all you need
#   for cache eviction* (S3-FIFO). ACM SOSP. https://doi.org/10.1145/3600006.3613147
# - Zhang, Y., Yang, J., Yue, Y., Vigfusson, Y. and Rashmi, K. V. (2024). *SIEVE is simpler than
#   LRU: an efficient turn-key eviction algorithm for web caches.* USENIX NSDI.
#   https://www.usenix.org/conference/nsdi24/presentation/zhang-yazhuo
