# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 15 · Practice designs: a URL shortener, a news feed and a chat service, graded by simulation
#
# The capstone (chapter 14) built one system from every part of the course and graded it
# against service level objectives. This chapter is practice on three classic design problems,
# the ones interviewers and design reviews return to again and again. Books and guides show a
# worked answer to read; here your answer is *run*: you estimate the load, hand in a design as
# plain data, and an evening of simulated traffic with something broken in it grades the design
# against four SLOs, one point each.
#
# **You will learn to**
# - turn product numbers into load (requests/s, storage, bandwidth, connections) and check the
#   estimate by simulation ("estimate, then verify");
# - choose ids for a URL shortener (counter ranges, random ids and the birthday bound,
#   Snowflake) and see what a 301 does to click analytics;
# - weigh fan-out on write against fan-out on read for a news feed, and handle celebrities;
# - place long-lived chat connections, track presence, keep messages in order and survive a
#   lost data centre without losing the inbox;
# - run failure drills on your own designs and defend one in a written design review.
#
# **Time:** about 60 minutes. **Points:** 28 (24 autograded, 4 for a written design review).

# %% [markdown]
# ## Setup
#
# Run this cell first. `SEED` fixes the random parts (traffic noise, the sampled graphs).

# %%
import math

import numpy as np
import plotly.graph_objects as go

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.practice import (
    CHAT_TARGETS,
    FEED_TARGETS,
    SHORTENER_TARGETS,
    ChatDesign,
    Drill,
    FeedDesign,
    Scenario,
    ShortenerDesign,
    SnowflakeLayout,
    collision_probability,
    fanout_cost,
    follow_graph,
    id_space,
    misorder_share,
    presence_rate,
    reconnect_peak,
    share_counted,
    simulate_collisions,
    simulate_fanout,
    simulate_reconnects,
    slo_results,
    t_presence_detect,
    timeline_load,
)
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from scalelab.widgets.practice import explore_practice

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## How each problem is walked and graded
#
# Every problem goes through the same four steps:
#
# 1. **Requirements and estimates.** From the product's numbers, estimate the load by hand. The
#    exercise grades each figure within a factor of 1.5, then feeds your estimate into the
#    simulation, so you see what a system sized from it would do.
# 2. **A design, as data**: a frozen dataclass (`ShortenerDesign`, `FeedDesign`, `ChatDesign`)
#    holding the choices that matter for that problem, built from the course's parts: GeoDNS
#    regions (chapter 10), pools of servers (chapter 02), a cache (chapter 07), a store with
#    replicas (chapter 03) and shards (chapter 13), a queue (chapter 11).
# 3. **Failure drills.** The design runs through the evening window, 19:00 to 21:00, in
#    one-minute buckets, with one thing broken: a **node** (a cache node; for chat, a
#    connection server restarts), the **data centre** that holds the primary databases, or a
#    **spike** of 1.5 times the traffic.
# 4. **SLOs**, one point each when met in every hidden scenario: p99 latency within a bound in
#    99 % of the minutes, availability over the window, records lost, and cost per hour.
#
# | problem | p99 at most | availability at least | lost at most | cost at most |
# |---|---|---|---|---|
# | URL shortener | 300 ms | 99.5 % | 100 records (links or click records) | $15/h |
# | news feed | 300 ms | 99.5 % | 1,000 posts or feed entries | $25/h |
# | chat | 500 ms | 99.5 % | 1,000 messages | $30/h |
#
# The helper below runs a design through the three practice drills and prints what each one
# costs. You will use it on every design in this chapter, your own included.

# %%
PRACTICE_DRILLS = [
    Scenario("a node", drill=Drill("node", 1_200, 1_200), seed=41),
    Scenario("a data centre", drill=Drill("datacenter", 1_800, 1_800), seed=42),
    Scenario("a 1.5x spike", drill=Drill("spike", 3_600, 1_200, spike_factor=1.5), seed=43),
]


def drill_table(design):
    """Print what each practice drill costs ``design``: p99 minutes met, availability, lost."""
    print(f"{'drill':<14} {'p99 ok':>7} {'availability':>12} {'lost':>12} {'$/hour':>7}  SLOs met")
    for sc, r in zip(PRACTICE_DRILLS, slo_results(design, PRACTICE_DRILLS), strict=True):
        print(f"{sc.name:<14} {r.p99_ok_share:>7.1%} {r.availability:>12.3%} "
              f"{r.data_lost:>12,.0f} {r.cost_per_hour:>7.2f}  {r.n_met} of 4")


# %% [markdown]
# ## Problem 1: a URL shortener
#
# **The product.** Users paste a long URL and get a short one back, `https://sho.rt/aZ3kQ9x`;
# whoever clicks it is redirected to the long URL. Links never expire, and clicks are counted
# for the link's owner (analytics is a requirement). The numbers: 30 million new links a day,
# 40 clicks per link on average, links kept 5 years, about 500 bytes per stored link, the
# evening peak at twice the average. Reads outnumber writes 40 to 1.
#
# ```mermaid
# flowchart TB
#     U[Browser] --> G["GeoDNS (ch. 10)"]
#     G --> LB["Web servers (ch. 02)"]
#     LB -->|new link| ID["Id maker"]
#     LB -->|click| C["Cache (ch. 07)"]
#     C -->|miss| KV[("Key-value store (ch. 03, 13)")]
#     LB -.->|302 + record| A["Analytics"]
# ```
#
# ### Making the short id
#
# Three ways, each failing differently:
#
# - **A counter.** One central sequence would be a bottleneck and a single point of failure,
#   so each server takes a *range* of, say, 10,000 ids at a time: the counter then sees one
#   request per range, and a server that crashes wastes the rest of its range, which costs
#   nothing real. Sequential ids are guessable, which matters if links should stay private.
# - **Random ids** of $n$ characters from 62 (`0-9a-zA-Z`) give $62^n$ possible ids. Two
#   random ids collide more often than intuition says: the **birthday bound** gives the
#   chance that $k$ ids drawn from $N$ are not all different as $1 - e^{-k(k-1)/2N}$. So every
#   new id is looked up before it is stored (one more read per write), and the key length must
#   leave the space mostly empty even after years of links.
# - **A Snowflake-style id** (Twitter, 2010): 41 bits of milliseconds since an epoch, 10 bits
#   of machine number and 12 bits of sequence in a 64-bit integer. Every machine makes ids on
#   its own; they sort by time.
#
# The bound against a simulation, then the capacity of each scheme:

# %%
for k, big_n in [(23, 365), (2_000, id_space(4)), (1_000_000, id_space(7))]:
    p = collision_probability(k, big_n)
    sim = f"simulated {simulate_collisions(k, big_n, 2_000, rng=rng):.3f}" if k <= 2_000 else ""
    print(f"{k:>9,} ids from {big_n:>17,}: P(collision) = {p:.3f} {sim}")
s = SnowflakeLayout()
print(f"Snowflake: {s.n_machines:,} machines x {s.n_per_ms:,} ids per ms, for {s.years:.1f} years")
print(f"7 random characters: {id_space(7):.2e} ids; links kept in 5 years: {30e6 * 365 * 5:.2e}")

# %% [markdown]
# A million random 7-character ids already carry a 13 % chance of one collision, and five years
# of links (55 billion) fill 1.6 % of the 7-character space: one new id in 64 is taken and needs
# a second try. Six characters (57 billion ids) would be almost full, and most writes would
# fail. Snowflake ids need no lookup, but they are 64-bit numbers: 11 base-62 characters.
#
# ### 301 or 302: who counts the clicks?
#
# RFC 9110 defines both redirects. A **301 Moved Permanently** (section 15.4.2) is
# *heuristically cacheable*: a browser may keep it and send later clicks on the same short link
# straight to the long URL, without asking the shortener. That saves load, and every such click
# is missing from the analytics. A **302 Found** (section 15.4.3) is a temporary redirect and is
# not on the list of heuristically cacheable codes (section 15.1), so unless the response
# carries explicit freshness (`Cache-Control: max-age`), every click comes back. How many clicks
# would a 301 hide? If a link's clicks come from browsers at random, only each browser's first
# click is seen:

# %%
for clicks, browsers in [(100, 1_000), (1_000, 1_000), (10_000, 1_000)]:
    seen = share_counted(clicks, browsers, "301")
    print(f"{clicks:>6,} clicks from {browsers:,} browsers: a 301 lets the shortener see {seen:.0%}")

# %% [markdown]
# The shortener's design (`help(ShortenerDesign)`) chooses regions, servers, cache nodes, the
# store's partitions and replicas, the id scheme and the redirect. Here is a one-region
# starter design through the three drills:

# %%
starter = ShortenerDesign()
print(f"{starter.n_regions} region, {starter.n_servers} servers, {starter.n_cache_nodes} cache nodes, "
      f"{starter.n_shards} partitions + {starter.n_replicas} replica, {starter.redirect}")
drill_table(starter)

# %% [markdown]
# Read the drills: a lost cache node does not show (the one left still holds the hottest
# links); the 1.5x spike pushes 20 servers past their 40,000 redirects/s and 1.5 % of the
# evening's requests fail; and losing the only data centre is an outage for the half hour it
# lasts, three quarters availability over the window. Nothing is lost, because the data waits
# on disk: it is simply out of reach.

# %% [markdown]
# ## Problem 2: a news feed
#
# **The product.** 20 million daily users post twice a day, open their feed 20 times a day
# and follow 200 accounts each; popularity has a heavy tail, a few accounts with millions of
# followers and most with a handful. A feed shows the newest posts of everyone you follow.
#
# ```mermaid
# flowchart TB
#     P[Post] --> W["Web servers"]
#     W --> S[("Posts store")]
#     W -->|push| Q["Queue + workers (ch. 11)"]
#     Q --> FC["Feed cache"]
#     R[Feed read] --> W
#     W -->|read| FC
#     W -->|"pull: celebrities, misses"| S
# ```
#
# **Fan-out on write** (push) inserts each post into every follower's cached feed: a read is
# one cache read, but a post costs as many writes as the author has followers; on average that
# is the number of accounts a user follows (every follow is one follower somewhere), and a
# celebrity's post costs millions at once. **Fan-out on read** (pull) writes a post once and
# makes every feed read query all 200 followed timelines. **Hybrid** pushes ordinary authors
# and pulls celebrities, authors above a follower threshold. Silberstein et al. (2010) showed
# that choosing push or pull per author and reader, by comparing how often one posts with how
# often the other reads, minimises the total cost; a follower threshold is the simplest such
# rule. If a share $W$ of all follows point to celebrities, a post costs $200(1-W)$ inserts on
# average and a read pulls $200W$ timelines. The closed form against a sampled graph:

# %%
graph = follow_graph(20_000, 20, 1.0, rng=rng)
print(f"{'fan-out':<8} {'inserts/post':>14} {'(simulated)':>12} {'pulls/read':>11} {'(simulated)':>12}")
for mode in ("write", "read", "hybrid"):
    want = fanout_cost(20_000, 20, 1.0, mode, n_threshold=2_000)
    got = simulate_fanout(graph, mode, 2_000, rng=rng)
    print(f"{mode:<8} {want.writes_per_post:>14.1f} {got.writes_per_post:>12.1f} "
          f"{want.reads_per_read:>11.1f} {got.reads_per_read:>12.1f}")

# %% [markdown]
# As followings grow, push costs grow with them on every post, pull costs on every read, and
# reads are ten times more frequent here. The threshold moves work between the two:

# %%
thresholds = np.logspace(2, 8, 25)
costs = [fanout_cost(200_000, 200, 0.8, "hybrid", x) for x in thresholds]
fig = go.Figure(layout=base_layout("Hybrid fan-out: where the celebrity threshold puts the work",
                                   "celebrity threshold (followers, log scale)", "per post or read"))
fig.add_scatter(x=thresholds, y=[c.writes_per_post for c in costs], name="inserts per post",
                line=dict(color=PALETTE[0], dash=DASHES[0]))
fig.add_scatter(x=thresholds, y=[c.reads_per_read for c in costs], name="timelines pulled per read",
                line=dict(color=PALETTE[1], dash=DASHES[1]))
fig.update_xaxes(type="log")
fig

# %% [markdown]
# **The celebrity is a hot key** (chapter 13). Pulled timelines are read in proportion to
# followers, so the shard that holds the most-followed account takes far more than its share:

# %%
for s_skew in (0.0, 1.0, 1.5):
    st = timeline_load(20_000, s_skew, 8)
    print(f"Zipf skew {s_skew}: the hottest of 8 shards takes {st.hottest_share:.0%} of pulls "
          f"({st.peak_to_mean:.1f} x an even share)")

# %% [markdown]
# With a flat popularity the hottest shard is only the unluckiest arc of the hash ring; with a
# heavy tail it is whichever shard holds the top account. The cure is the cache: a few thousand
# celebrity timelines fit in any cache node and are read there, not from their shard. A hybrid
# starter design with two regions, through the drills:

# %%
drill_table(FeedDesign())

# %% [markdown]
# The spike and the cache node pass; the data-centre drill costs about 1 % of the window's
# requests: na-east's users keep its address until their DNS answers expire, and the
# asynchronous replicas lose the last tenth of a second of posts (about a hundred).

# %% [markdown]
# ## Problem 3: a chat service
#
# **The product.** 20 million daily users send 40 messages each a day; at the evening peak one
# user in ten is connected. Every connected client keeps a WebSocket open and sends a heartbeat
# every 30 s; one connection server holds 50,000 connections (an illustrative figure: the C10K
# problem, ten thousand connections on one machine, was a challenge in 1999; today's limits are
# memory and TLS state).
#
# ```mermaid
# flowchart TB
#     A[Sender] --> CS1["Connection server (ch. 02)"]
#     CS1 -->|"key: conversation"| Q["Queue partitions (ch. 11)"]
#     Q --> CS2["Recipient's server"]
#     CS2 --> B[Recipient]
#     Q -->|offline| IN[("Inbox store (ch. 03)")]
#     CS1 -.->|heartbeats| PR["Presence"]
# ```
#
# **Connections are long-lived**, so the balancer's choice sticks for hours. When one server
# restarts, its users reconnect at once. Round robin deals them out evenly over all servers,
# the restarted one included, so it ends nearly empty and every other server holds $1/n$ more
# than before; least connections sends them to the empty server until the fleet is even. The
# closed form against chapter 02's balancers:

# %%
for n in (4, 10, 40):
    rr = simulate_reconnects(n, 1_000 * n, "round_robin", rng=rng)
    lc = simulate_reconnects(n, 1_000 * n, "least_connections", rng=rng)
    print(f"{n:>3} servers, fullest / mean after a restart: round robin {rr:.3f} "
          f"(formula {reconnect_peak(n, 'round_robin'):.3f}), least conn. {lc:.3f}")

# %% [markdown]
# **Presence** comes from heartbeats: 2 million connected users pinging every 30 s send
# tens of thousands of pings a second, and a user who vanishes still looks online until two
# periods pass in silence. **Order** is kept per conversation: a queue partition delivers in
# the order it received, so hashing the conversation id to a partition keeps each conversation
# in order; spreading messages at random over partitions that lag differently reorders some.
# **Offline delivery**: a message for a user who is away waits in an inbox; in a connection
# server's memory it dies with the server, in a replicated store it survives.

# %%
print(f"heartbeats: {presence_rate(2e6, 30.0):,.0f}/s; a vanished user looks online "
      f"{t_presence_detect(30.0, 2):.0f} s on average")
for key in ("conversation", "random"):
    print(f"by {key}: {misorder_share(16, 2.0, 0.2, key):.1%} of consecutive messages out of order "
          "(16 partitions, 2 s gaps, 0.2 s lag)")
drill_table(ChatDesign())

# %% [markdown]
# The starter chat design keeps inboxes in memory: the restarted server takes its users' waiting
# messages with it (hundreds of thousands), and the data-centre drill leaves na-east's users
# without a connection until DNS moves them.

# %% [markdown]
# ## Explore
#
# Pick a problem and a drill, then change regions, servers per region, cache nodes and the DNS
# TTL. The plot shows p99 latency against its target, the share of requests failing and the
# cache's hit ratio over the evening window; the caption lists the four SLOs.
#
# *Try:* for the shortener, break the data centre with one region, then with three: what does
# the TTL change? For the feed, take the cache away: which SLO goes first? For chat, find the
# fewest servers per region that survive the data-centre drill.

# %%
explorer = show(explore_practice)

# %% [markdown]
# ## Exercises
#
# Six autograded exercises (an estimate and a design per problem) and one written design
# review for the whole chapter (Exercise 7, on the chat service). Each estimate figure is
# graded within a **factor of 1.5**; each design earns 1 point per SLO met in every hidden
# scenario (a node, a data centre, a spike, with their own timings and seeds). Visible checks
# run the practice drills on your design and print the numbers, never the answer.
#
# ### Exercise 1: estimate the shortener (3 points)
#
# With the product numbers of Problem 1 (30 million new links a day, 40 clicks per link, kept
# 5 years, 500 bytes per stored link **in 3 copies**, peak twice the average, a redirect
# response of **500 bytes**), return your estimates as plain numbers: `rate_writes` (new links
# per second, average), `rate_clicks_peak` (clicks per second at the peak), `storage_tb`
# (terabytes after 5 years, all copies; 1 TB = 10¹² bytes) and `egress_peak_mbps` (megabits per
# second of redirect responses at the peak). The visible check (1 point) checks the form, then
# sizes the web tier from your peak and runs it; the hidden checks give 0.5 points per figure.

# %% nbgrader={"grade": false, "grade_id": "shortener_estimates", "locked": false, "schema_version": 3, "solution": true, "task": false}
def shortener_estimates():
    """Return {"rate_writes", "rate_clicks_peak", "storage_tb", "egress_peak_mbps"}."""
    ### BEGIN SOLUTION
    writes = 30e6 / 1e5  # a day is about 10^5 s: 300 links/s (exact 347)
    clicks_peak = writes * 40 * 2
    storage = 30e6 * 365 * 5 * 500 * 3  # bytes
    return {
        "rate_writes": writes,
        "rate_clicks_peak": clicks_peak,
        "storage_tb": storage / 1e12,
        "egress_peak_mbps": clicks_peak * 500 * 8 / 1e6,
    }
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_shortener_estimates_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: four positive numbers, then a web tier sized from your peak is simulated."""
import math
from collections.abc import Mapping

import numpy as np

from scalelab.checks import as_float
from scalelab.practice import (
    RATE_REDIRECT_SERVER,
    ShortenerDesign,
    ShortenerWorkload,
    simulate_shortener,
)

_est = shortener_estimates()
assert isinstance(_est, Mapping), f"return a dict, got {type(_est).__name__}"
_v = {}
for _key in ("rate_writes", "rate_clicks_peak", "storage_tb", "egress_peak_mbps"):
    _v[_key] = as_float(_est.get(_key), _key)
    assert math.isfinite(_v[_key]) and _v[_key] > 0, f"{_key} should be a positive number"
# verify: one region's servers sized from your peak at 70 % busy, run on the product
_n = min(500, max(1, math.ceil(_v["rate_clicks_peak"] / (RATE_REDIRECT_SERVER * 0.7))))
_run = simulate_shortener(ShortenerDesign(n_servers=_n),
                          ShortenerWorkload(n_links_day=30e6, clicks_per_link=40),
                          rng=np.random.default_rng(1))
print(f"Form right. Verify: {_n} servers sized from your peak give {_run.availability:.3%}")
print("availability over the evening (seed 1). Below 100 %? Your peak may be too low.")

# %% nbgrader={"grade": true, "grade_id": "test_shortener_estimates_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: each figure within a factor of 1.5 of the exact one (0.5 points each)."""
### BEGIN HIDDEN TESTS
import math

from scalelab.checks import as_float, library_disabled, partial_credit

_writes = 30e6 / 86_400
_want = {
    "rate_writes": _writes,
    "rate_clicks_peak": _writes * 40 * 2,
    "storage_tb": 30e6 * 365 * 5 * 500 * 3 / 1e12,
    "egress_peak_mbps": _writes * 40 * 2 * 500 * 8 / 1e6,
}
_score = 0.0
with library_disabled("scalelab.estimate.estimate_product"):
    _got = shortener_estimates()
for _key, _exact in _want.items():
    try:
        _x = as_float(_got.get(_key), _key)
    except AssertionError as _short_err:
        print(_short_err)
        continue
    _ok = _x > 0 and abs(math.log(_x / _exact)) <= math.log(1.5)
    _score += 0.5 * _ok
    print(f"scenario 'the shortener's {_key}': {'within' if _ok else 'outside'} a factor of 1.5")
partial_credit(_score, 2)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: design the shortener (5 points: 1 visible, 1 per SLO)
#
# Return a `ShortenerDesign` (fields in `help(ShortenerDesign)`) that meets the shortener's four
# SLOs (the table at the top) in every hidden scenario: a cache node, the primaries' data
# centre and a 1.5x spike, each at its own time in the evening window. Analytics must count
# every click. The visible check runs the practice drills on your design and prints the
# numbers (replay them with `drill_table(my_shortener_design())`).

# %% nbgrader={"grade": false, "grade_id": "shortener_design", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_shortener_design():
    """Return a scalelab.practice.ShortenerDesign."""
    ### BEGIN SOLUTION
    # Three regions: losing one is a failover, not an outage; a 30 s TTL keeps the failover
    # short; 10 servers per region carry a spike and a neighbour's users; a 302 keeps analytics.
    return ShortenerDesign(n_regions=3, n_servers=10, t_dns_ttl=30, n_cache_nodes=2)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_shortener_design_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a ShortenerDesign, run through the practice drills (numbers printed)."""
from scalelab.practice import SHORTENER_TARGETS, Drill, Scenario, ShortenerDesign, slo_results

_d = my_shortener_design()
assert type(_d) is ShortenerDesign, f"return a ShortenerDesign, got {type(_d).__name__}"
_drills = [Scenario("a node", drill=Drill("node", 1_200, 1_200), seed=41),
           Scenario("a data centre", drill=Drill("datacenter", 1_800, 1_800), seed=42),
           Scenario("a spike", drill=Drill("spike", 3_600, 1_200, spike_factor=1.5), seed=43)]
for _sc, _r in zip(_drills, slo_results(_d, _drills, SHORTENER_TARGETS), strict=True):
    print(f"practice '{_sc.name}' (seed {_sc.seed}): availability {_r.availability:.3%}, "
          f"lost {_r.data_lost:,.0f}, ${_r.cost_per_hour:.2f}/h, SLOs met {_r.n_met} of 4")

# %% nbgrader={"grade": true, "grade_id": "test_shortener_design_hidden", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the shortener design against four SLOs in hidden scenarios (1 point each)."""
### BEGIN HIDDEN TESTS
from scalelab.checks import partial_credit
from scalelab.practice import SHORTENER_TARGETS, Drill, Scenario, ShortenerDesign, grade_design

_hidden = [Scenario("a cache node", drill=Drill("node", 1_800, 1_800), seed=151),
           Scenario("a data centre", drill=Drill("datacenter", 2_400, 1_800), seed=152),
           Scenario("a spike", drill=Drill("spike", 3_000, 1_200, spike_factor=1.5), seed=153)]
_score = 0.0
_d = my_shortener_design()
if type(_d) is ShortenerDesign:
    _met = grade_design(_d, _hidden, SHORTENER_TARGETS)
    for _name, _ok in _met.items():
        print(f"SLO {_name}: {'met' if _ok else 'missed'} in the hidden scenarios")
    _score = float(sum(bool(v) for v in _met.values()))
partial_credit(_score, 4)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: estimate the feed (3 points)
#
# With the numbers of Problem 2 (20 million daily users, 2 posts and 20 feed reads each a day,
# 200 accounts followed, peak twice the average, a cached feed of **500 post ids of 8 bytes**
# per user), return `rate_posts_peak` (posts per second at the peak), `rate_reads_peak` (feed
# reads per second at the peak), `rate_fanout_peak` (feed-cache inserts per second at the peak
# with pure fan-out on write) and `feed_cache_gb` (gigabytes of cached feeds for every daily
# user, ids only; 1 GB = 10⁹ bytes). Graded as Exercise 1.

# %% nbgrader={"grade": false, "grade_id": "feed_estimates", "locked": false, "schema_version": 3, "solution": true, "task": false}
def feed_estimates():
    """Return {"rate_posts_peak", "rate_reads_peak", "rate_fanout_peak", "feed_cache_gb"}."""
    ### BEGIN SOLUTION
    posts_peak = 20e6 * 2 / 86_400 * 2
    return {
        "rate_posts_peak": posts_peak,
        "rate_reads_peak": 20e6 * 20 / 86_400 * 2,
        "rate_fanout_peak": posts_peak * 200,  # every follow is a follower somewhere
        "feed_cache_gb": 20e6 * 500 * 8 / 1e9,
    }
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_feed_estimates_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: four positive numbers, then fan-out workers sized from your estimate run."""
import math
from collections.abc import Mapping

import numpy as np

from scalelab.checks import as_float
from scalelab.practice import RATE_FANOUT_WORKER, FeedDesign, FeedWorkload, simulate_feed

_est = feed_estimates()
assert isinstance(_est, Mapping), f"return a dict, got {type(_est).__name__}"
_v = {}
for _key in ("rate_posts_peak", "rate_reads_peak", "rate_fanout_peak", "feed_cache_gb"):
    _v[_key] = as_float(_est.get(_key), _key)
    assert math.isfinite(_v[_key]) and _v[_key] > 0, f"{_key} should be a positive number"
# verify: push fan-out with workers sized from your estimate at 70 % busy
_n = min(2_000, max(1, math.ceil(_v["rate_fanout_peak"] / (RATE_FANOUT_WORKER * 0.7))))
_run = simulate_feed(FeedDesign(fanout="write", n_workers=_n), FeedWorkload(),
                     rng=np.random.default_rng(1))
print(f"Form right. Verify: {_n} fan-out workers sized from your estimate drop")
print(f"{float(_run.data_lost.sum()):,.0f} feed entries in the evening (seed 1).")

# %% nbgrader={"grade": true, "grade_id": "test_feed_estimates_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: each figure within a factor of 1.5 of the exact one (0.5 points each)."""
### BEGIN HIDDEN TESTS
import math

from scalelab.checks import as_float, library_disabled, partial_credit

_posts = 20e6 * 2 / 86_400 * 2
_want = {
    "rate_posts_peak": _posts,
    "rate_reads_peak": 20e6 * 20 / 86_400 * 2,
    "rate_fanout_peak": _posts * 200,
    "feed_cache_gb": 20e6 * 500 * 8 / 1e9,
}
_score = 0.0
with library_disabled("scalelab.practice.fanout_cost"):
    _got = feed_estimates()
for _key, _exact in _want.items():
    try:
        _x = as_float(_got.get(_key), _key)
    except AssertionError as _feed_err:
        print(_feed_err)
        continue
    _ok = _x > 0 and abs(math.log(_x / _exact)) <= math.log(1.5)
    _score += 0.5 * _ok
    print(f"scenario 'the feed's {_key}': {'within' if _ok else 'outside'} a factor of 1.5")
partial_credit(_score, 2)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: design the feed (5 points: 1 visible, 1 per SLO)
#
# Return a `FeedDesign` (`help(FeedDesign)`) that meets the feed's four SLOs in every hidden
# scenario (a feed-cache node, the primaries' data centre, a 1.5x spike). Try the drills on
# your design with `drill_table(my_feed_design())`.

# %% nbgrader={"grade": false, "grade_id": "feed_design", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_feed_design():
    """Return a scalelab.practice.FeedDesign."""
    ### BEGIN SOLUTION
    # Hybrid fan-out (celebrities pulled from the cache), three regions and a 30 s TTL so a lost
    # region is a short failover; 8 servers per region carry a spike and a neighbour's users.
    return FeedDesign(n_regions=3, n_servers=8, t_dns_ttl=30)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_feed_design_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a FeedDesign, run through the practice drills (numbers printed)."""
from scalelab.practice import FEED_TARGETS, Drill, FeedDesign, Scenario, slo_results

_d = my_feed_design()
assert type(_d) is FeedDesign, f"return a FeedDesign, got {type(_d).__name__}"
_drills = [Scenario("a node", drill=Drill("node", 1_200, 1_200), seed=41),
           Scenario("a data centre", drill=Drill("datacenter", 1_800, 1_800), seed=42),
           Scenario("a spike", drill=Drill("spike", 3_600, 1_200, spike_factor=1.5), seed=43)]
for _sc, _r in zip(_drills, slo_results(_d, _drills, FEED_TARGETS), strict=True):
    print(f"practice '{_sc.name}' (seed {_sc.seed}): availability {_r.availability:.3%}, "
          f"lost {_r.data_lost:,.0f}, ${_r.cost_per_hour:.2f}/h, SLOs met {_r.n_met} of 4")

# %% nbgrader={"grade": true, "grade_id": "test_feed_design_hidden", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the feed design against four SLOs in hidden scenarios (1 point each)."""
### BEGIN HIDDEN TESTS
from scalelab.checks import partial_credit
from scalelab.practice import FEED_TARGETS, Drill, FeedDesign, Scenario, grade_design

_hidden = [Scenario("a feed-cache node", drill=Drill("node", 1_800, 1_800), seed=251),
           Scenario("a data centre", drill=Drill("datacenter", 2_400, 1_800), seed=252),
           Scenario("a spike", drill=Drill("spike", 3_000, 1_200, spike_factor=1.5), seed=253)]
_score = 0.0
_d = my_feed_design()
if type(_d) is FeedDesign:
    _met = grade_design(_d, _hidden, FEED_TARGETS)
    for _name, _ok in _met.items():
        print(f"SLO {_name}: {'met' if _ok else 'missed'} in the hidden scenarios")
    _score = float(sum(bool(v) for v in _met.values()))
partial_credit(_score, 4)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5: estimate the chat service (3 points)
#
# With the numbers of Problem 3 (20 million daily users, 10 % connected at the peak, 40
# messages each a day, peak twice the average, a heartbeat every 30 s, 50,000 connections per
# server), return `n_connections_peak`, `n_servers` (connection servers for those connections,
# no headroom), `rate_messages_peak` (messages per second at the peak) and `rate_heartbeats`
# (heartbeats per second at the peak). Graded as Exercise 1.

# %% nbgrader={"grade": false, "grade_id": "chat_estimates", "locked": false, "schema_version": 3, "solution": true, "task": false}
def chat_estimates():
    """Return {"n_connections_peak", "n_servers", "rate_messages_peak", "rate_heartbeats"}."""
    ### BEGIN SOLUTION
    connections = 20e6 * 0.10
    return {
        "n_connections_peak": connections,
        "n_servers": connections / 50_000,
        "rate_messages_peak": 20e6 * 40 / 86_400 * 2,
        "rate_heartbeats": connections / 30,
    }
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_chat_estimates_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: four positive numbers, then a fleet of your size is simulated."""
import math
from collections.abc import Mapping

import numpy as np

from scalelab.checks import as_float
from scalelab.practice import ChatDesign, ChatWorkload, simulate_chat

_est = chat_estimates()
assert isinstance(_est, Mapping), f"return a dict, got {type(_est).__name__}"
_v = {}
for _key in ("n_connections_peak", "n_servers", "rate_messages_peak", "rate_heartbeats"):
    _v[_key] = as_float(_est.get(_key), _key)
    assert math.isfinite(_v[_key]) and _v[_key] > 0, f"{_key} should be a positive number"
# verify: your server count, split over two regions, on the product
_n = min(2_000, max(1, math.ceil(_v["n_servers"] / 2)))
_run = simulate_chat(ChatDesign(n_servers=_n), ChatWorkload(), rng=np.random.default_rng(1))
print(f"Form right. Verify: {_n} servers in each of two regions accept {_run.availability:.3%}")
print("of the evening's messages (seed 1). GeoDNS does not split users evenly, and a")
print("fleet with no headroom turns the busiest minutes away.")

# %% nbgrader={"grade": true, "grade_id": "test_chat_estimates_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: each figure within a factor of 1.5 of the exact one (0.5 points each)."""
### BEGIN HIDDEN TESTS
import math

from scalelab.checks import as_float, library_disabled, partial_credit

_want = {
    "n_connections_peak": 2e6,
    "n_servers": 40.0,
    "rate_messages_peak": 20e6 * 40 / 86_400 * 2,
    "rate_heartbeats": 2e6 / 30,
}
_score = 0.0
with library_disabled("scalelab.practice.presence_rate"):
    _got = chat_estimates()
for _key, _exact in _want.items():
    try:
        _x = as_float(_got.get(_key), _key)
    except AssertionError as _chat_err:
        print(_chat_err)
        continue
    _ok = _x > 0 and abs(math.log(_x / _exact)) <= math.log(1.5)
    _score += 0.5 * _ok
    print(f"scenario 'the chat service's {_key}': {'within' if _ok else 'outside'} a factor of 1.5")
partial_credit(_score, 2)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6: design the chat service (5 points: 1 visible, 1 per SLO)
#
# Return a `ChatDesign` (`help(ChatDesign)`) that meets the chat service's four SLOs in every
# hidden scenario (a connection server restarts, the primaries' data centre, a 1.5x spike of
# messages). Try the drills on your design with `drill_table(my_chat_design())`.

# %% nbgrader={"grade": false, "grade_id": "chat_design", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_chat_design():
    """Return a scalelab.practice.ChatDesign."""
    ### BEGIN SOLUTION
    # Inboxes in a replicated store survive a lost server or region; three regions with 30
    # servers each hold a neighbour's connections; least connections rebalances after a restart.
    return ChatDesign(n_regions=3, n_servers=30, t_dns_ttl=30, lb_policy="least_connections",
                      inbox="store")
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_chat_design_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a ChatDesign, run through the practice drills (numbers printed)."""
from scalelab.practice import CHAT_TARGETS, ChatDesign, Drill, Scenario, slo_results

_d = my_chat_design()
assert type(_d) is ChatDesign, f"return a ChatDesign, got {type(_d).__name__}"
_drills = [Scenario("a node", drill=Drill("node", 1_200, 1_200), seed=41),
           Scenario("a data centre", drill=Drill("datacenter", 1_800, 1_800), seed=42),
           Scenario("a spike", drill=Drill("spike", 3_600, 1_200, spike_factor=1.5), seed=43)]
for _sc, _r in zip(_drills, slo_results(_d, _drills, CHAT_TARGETS), strict=True):
    print(f"practice '{_sc.name}' (seed {_sc.seed}): availability {_r.availability:.3%}, "
          f"lost {_r.data_lost:,.0f}, ${_r.cost_per_hour:.2f}/h, SLOs met {_r.n_met} of 4")

# %% nbgrader={"grade": true, "grade_id": "test_chat_design_hidden", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the chat design against four SLOs in hidden scenarios (1 point each)."""
### BEGIN HIDDEN TESTS
from scalelab.checks import partial_credit
from scalelab.practice import CHAT_TARGETS, ChatDesign, Drill, Scenario, grade_design

_hidden = [Scenario("a connection server", drill=Drill("node", 1_800, 1_800), seed=351),
           Scenario("a data centre", drill=Drill("datacenter", 2_400, 1_800), seed=352),
           Scenario("a spike", drill=Drill("spike", 3_000, 1_200, spike_factor=1.5), seed=353)]
_score = 0.0
_d = my_chat_design()
if type(_d) is ChatDesign:
    _met = grade_design(_d, _hidden, CHAT_TARGETS)
    for _name, _ok in _met.items():
        print(f"SLO {_name}: {'met' if _ok else 'missed'} in the hidden scenarios")
    _score = float(sum(bool(v) for v in _met.values()))
partial_credit(_score, 4)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 7 (written, 4 points): a design review
#
# One review for the chapter, on the chat service. A colleague proposes: **one region**
# (na-east) with **45 connection servers** behind **round robin**, **heartbeats every 5 s**,
# inboxes **in the connection servers' memory**, **4 queue partitions** with messages spread
# **at random** over them. It costs $9.29 an hour, less than half the reference design. Run
# `drill_table(ChatDesign(n_regions=1, n_servers=45, t_heartbeat=5, n_partitions=4))` first.
# In six to ten sentences: name the three biggest risks, back each with a number (from the
# drills or your own estimate), and propose changes in priority order, each with what it costs.
# (Graded by hand with the rubric in `grading/rubrics/15-practice.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "design_review", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# The biggest risk is the inbox in memory: a connection server that restarts takes its users'
# waiting messages with it (the drill loses about 290,000 messages), and losing the one region
# would lose them all; moving inboxes to a replicated store (4 nodes and a replica each, about
# $4 an hour) turns both into a few hundred messages at most, lost at failover. Second, one
# region makes a data-centre outage a total outage: the drill drops availability to 74.8 %,
# and users in Asia and Oceania pay 150-200 ms round trips on every message; three regions
# with a 30 s DNS TTL cost roughly twice the servers but keep a lost region to a minute or so
# of failures. Third, 4 queue partitions carry 20,000 messages/s, and the 1.5x spike's 28,000
# back the queue up: delivery p99 runs to minutes and meets its target in only half the
# evening's minutes; 16 partitions cost $0.60 an hour more. Fourth, a 5 s heartbeat from 2
# million connections is 400,000 pings/s, twenty times the messages and about half the
# servers' capacity; 30 s cuts that six-fold, and a vanished user then looks online for 75 s
# instead of 12 s, which users hardly notice. Random partitioning also reorders messages
# within a conversation (3 % of consecutive pairs with 2 s gaps and 0.2 s of lag, more in a
# fast exchange); keying by conversation id fixes it for free. Priority: durable inboxes,
# then regions, then partitions, heartbeat and partition key.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message.
# 2. Click **Validate** in the toolbar.
# 3. **Self-paced?** Run `make check NB=15-practice` for feedback with the hidden checks.

# %% [markdown]
# ## Summary
#
# - Estimate first: links, posts, messages and connections per second from daily numbers, a
#   peak factor, bytes per record and copies; then let the simulation say whether a system
#   sized from the estimate holds.
# - Shortener: reads dominate, so a cache and read replicas carry it; random ids need room
#   (the birthday bound) and a lookup, Snowflake ids need none; a 302 keeps every click in the
#   analytics, a 301 lets browsers answer repeat clicks themselves.
# - Feed: push makes reads cheap and posts expensive, pull the opposite; a celebrity threshold
#   splits the difference, and the cache must hold celebrities' timelines or their shard melts.
# - Chat: long-lived connections need least connections after a restart, presence costs one
#   ping per user per period, order needs one partition per conversation, and offline inboxes
#   need a replicated store.
# - In all three, a second and third region with a short DNS TTL turn a lost data centre from
#   an outage into a minute of errors.
#
# **The reference designs** (Exercises 2, 4 and 6) in the hidden scenarios. Each meets all
# four SLOs; the numbers are the worst of the three scenarios (always the data centre), and
# p99 met its target in every minute of every scenario:
#
# | problem | the design | availability | lost | cost |
# |---|---|---|---|---|
# | shortener | 3 regions x 10 servers, 2 cache nodes each, 4 partitions + 1 replica each, random 7-character ids, 302 | 99.62 % | 69 links | $11.44/h |
# | feed | hybrid (1 million followers), 3 regions x 8 servers, 4 cache nodes each, 16 workers, 8 store nodes + 1 replica each | 99.58 % | 95 posts | $17.15/h |
# | chat | 3 regions x 30 servers, least connections, 30 s heartbeat, 16 partitions, inbox in 4 store nodes + 1 replica each | 99.55 % | 203 messages | $23.01/h |
#
# Each stays inside its budget ($15, $25 and $30 an hour) with room to spare, and each loses a
# little data only where asynchronous replicas are promoted; synchronous writes would lose
# none, for one cross-region round trip per write.
#
# ## References
#
# - Fielding, R., Nottingham, M. and Reschke, J. (2022). *RFC 9110: HTTP Semantics*, sections
#   15.1 (heuristically cacheable status codes), 15.4.2 (301 Moved Permanently) and 15.4.3
#   (302 Found). IETF. https://www.rfc-editor.org/rfc/rfc9110
# - Fielding, R., Nottingham, M. and Reschke, J. (2022). *RFC 9111: HTTP Caching*, section
#   4.2.2 (heuristic freshness). IETF. https://www.rfc-editor.org/rfc/rfc9111
# - Twitter Engineering (2010). *Announcing Snowflake*. Twitter blog, 1 June 2010.
#   https://blog.twitter.com/engineering/en_us/a/2010/announcing-snowflake ; the layout (41 bits
#   of milliseconds, 10 of machine id, 12 of sequence) in the project's README:
#   https://github.com/twitter-archive/snowflake
# - Silberstein, A., Terrace, J., Cooper, B. F. and Ramakrishnan, R. (2010). Feeding frenzy:
#   selectively materializing users' event feeds. *Proceedings of SIGMOD 2010*, ACM.
#   https://doi.org/10.1145/1807167.1807257
# - Martin, D. (2017 onwards). *The System Design Primer* (design a Pastebin/Bit.ly, a Twitter
#   timeline). https://github.com/donnemartin/system-design-primer
# - Kegel, D. (1999, revised since). *The C10K problem*. http://www.kegel.com/c10k.html
# - Amazon Web Services (2024). *Understanding DynamoDB warm throughput in different
#   scenarios* (a partition's 3,000 reads and 1,000 writes per second).
#   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html
# - Amazon Web Services (2024). EC2, ElastiCache and RDS pricing pages (the course's prices).
#   https://aws.amazon.com/pricing/
