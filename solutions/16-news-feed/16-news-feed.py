# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 16 · Practice design: a news feed, graded by simulation
#
# The second of three practice problems after the capstone (chapter 15 was a URL shortener,
# chapter 17 is a chat service). A news feed shows each user the newest posts of everyone they
# follow, and the whole design turns on one question: is a feed assembled when a post is
# written, or when a feed is read? You estimate the load, hand in a design as plain data, drill
# it with something broken, and an evening of simulated traffic grades it against four SLOs.
#
# **You will learn to**
# - turn a feed's product numbers into load (posts, reads, fan-out inserts, cache size) and
#   check the estimate by simulation ("estimate, then verify");
# - weigh fan-out on write against fan-out on read, and compute what a hybrid with a celebrity
#   threshold costs per post and per read;
# - see the celebrity as a hot key (chapter 13) and the feed cache as the cure;
# - design a feed that meets latency, availability, data-loss and cost SLOs, run failure drills
#   on it, and review a colleague's design in writing.
#
# **Time:** about 50 minutes. **Points:** 15 (11 autograded, 4 for a written design review).

# %% [markdown]
# ## Setup
#
# Run this cell first. `SEED` fixes the random parts (traffic noise, the sampled graph).

# %%
import numpy as np
import plotly.graph_objects as go

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.practice import (
    FEED_TARGETS,
    Drill,
    FeedDesign,
    FeedWorkload,
    Scenario,
    drill_table,
    fanout_cost,
    follow_graph,
    practice_drills,
    simulate_fanout,
    slo_results,
    timeline_load,
)
from scalelab.predict import predict, reveal
from scalelab.product import stage
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from scalelab.widgets.practice import explore_feed

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## A yardstick: Shutterstall's day
#
# The course's product, Shutterstall, reached the capstone's day in chapter 14. Its evening
# peak is the yardstick for this problem, which keeps its own numbers:

# %%
day = stage("millions")
feed_day = FeedWorkload()
rate_feed_peak = (feed_day.rate_posts + feed_day.rate_reads) * feed_day.peak_factor
print(f"Shutterstall's day: {day.rate_peak:,.0f} requests/s at 20:00, from "
      f"{day.daily_users / 1e6:,.0f} million daily users.")
print(f"This problem: {rate_feed_peak:,.0f} posts and feed reads/s at its peak, "
      f"{rate_feed_peak / day.rate_peak:.0%} of Shutterstall's,")
print("but every post may have to reach hundreds of feeds.")

# %% [markdown]
# ## How the problem is walked and graded
#
# 1. **Requirements and estimates.** From the product's numbers, estimate the load by hand,
#    graded within a factor of 1.5; the estimate then sizes a simulated system.
# 2. **A design, as data**: a `FeedDesign` built from the course's parts: GeoDNS regions
#    (chapter 10), web servers (chapter 02), a feed cache (chapter 07), a queue with fan-out
#    workers (chapter 11), a posts store with replicas (chapter 03) and shards (chapter 13).
# 3. **Failure drills.** The evening window, 19:00 to 21:00, in one-minute buckets, with one
#    thing broken: a **feed-cache node**, the **data centre** of the primary databases, or a
#    **spike** of 1.5 times the traffic.
# 4. **SLOs**, one point each when met in every hidden scenario: p99 feed read at most 300 ms
#    in 99 % of the minutes, at least 99.5 % of requests served, at most 1,000 posts or feed
#    entries lost, at most USD 25 an hour.
#
# `drill_table` (from `scalelab.practice`) runs a design through a quiet evening and the three
# practice drills and prints what each drill costs it: p99 minutes met, availability, failed requests and records
# lost. You will use it on the starter design and on your own.

# %% [markdown]
# ## The problem
#
# **The product.** 20 million daily users post twice a day, open their feed 20 times a day
# and follow 200 accounts each; popularity has a heavy tail, a few accounts with millions of
# followers and most with a handful. A feed shows the newest posts of everyone you follow.
#
# ```mermaid
# flowchart LR
#     P[Post] --> W["Web servers"]
#     W -->|push| Q["Queue + workers"]
#     Q --> FC["Feed cache"]
#     W -->|read| FC
#     W -->|pull| S[("Posts store")]
# ```
#
# **Fan-out on write** (push) inserts each post into every follower's cached feed: a read is
# one cache read, but a post costs as many writes as the author has followers. On average that
# is the number of accounts a user follows (every follow is one follower somewhere), and a
# celebrity's post costs millions at once. **Fan-out on read** (pull) writes a post once and
# makes every feed read query all 200 followed timelines. **Hybrid** pushes ordinary authors
# and pulls celebrities, authors above a follower threshold. Silberstein et al. (2010) showed
# that choosing push or pull per author and reader, by comparing how often one posts with how
# often the other reads, minimises the total cost; a follower threshold is the simplest such
# rule. If a share $W$ of all follows point to celebrities, a post costs $200(1-W)$ inserts on
# average and a read pulls $200W$ timelines.
#
# **Predict first**: a sampled graph of 20,000 users who each follow 20 accounts, popularity
# Zipf-like (skew 1). With pure push, how many feed inserts does one post by the most-followed
# account cost?

# %%
predict("celebrity-post", ..., question="inserts for one post by the most-followed of 20,000",
        unit="inserts")

# %% [markdown]
# The closed form (`fanout_cost`) against the sampled graph, for the three ways of fanning out:

# %%
graph = follow_graph(20_000, 20, 1.0, rng=rng)
print(f"{'fan-out':<8} {'inserts/post':>14} {'(simulated)':>12} {'pulls/read':>11} {'(simulated)':>12}")
for mode in ("write", "read", "hybrid"):
    want = fanout_cost(20_000, 20, 1.0, mode, n_threshold=2_000)
    got = simulate_fanout(graph, mode, 2_000, rng=rng)
    print(f"{mode:<8} {want.writes_per_post:>14.1f} {got.writes_per_post:>12.1f} "
          f"{want.reads_per_read:>11.1f} {got.reads_per_read:>12.1f}")
reveal("celebrity-post", int(graph.followers.max()),
       why="the mean post costs 20 inserts; the top account holds a tenth of all follows")

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
# followers, so the shard that holds the most-followed account takes far more than its share.
#
# **Predict first**: 20,000 authors' timelines on 8 shards by consistent hashing, popularity
# Zipf-like with skew 1. What share of all pulls lands on the busiest shard (an even share
# would be 12.5 %)?

# %%
predict("hot-shard", ..., question="share of pulls on the busiest of 8 shards at Zipf skew 1",
        unit="%")

# %%
for s_skew in (0.0, 1.0, 1.5):
    st = timeline_load(20_000, s_skew, 8)
    print(f"Zipf skew {s_skew}: the hottest of 8 shards takes {st.hottest_share:.0%} of pulls "
          f"({st.peak_to_mean:.1f} x an even share)")
reveal("hot-shard", 100 * timeline_load(20_000, 1.0, 8).hottest_share,
       why="the top account alone draws about a tenth of all pulls, on one shard")

# %% [markdown]
# With a flat popularity the hottest shard is only the unluckiest arc of the hash ring; with a
# heavy tail it is whichever shard holds the top account. The cure is the cache: a few
# thousand celebrity timelines fit in any cache node and are read there, not from their shard.
#
# ## The starter design through the drills
#
# The starter design (`help(FeedDesign)`) is a hybrid with a threshold of a million followers,
# two regions (na-east and Europe) of 16 servers, 4 feed-cache nodes each, 16 fan-out workers
# and 8 posts-store nodes with a replica each.
#
# **Predict first**: the na-east data centre, which holds the primaries, is lost for 30 minutes.
# What share of the window's requests does the two-region starter still serve?

# %%
predict("feed-dc", ..., question="availability over the window, two regions, na-east lost",
        unit="%")

# %%
starter = FeedDesign()
drill_table(starter)
drilled = slo_results(starter, practice_drills(starter)[2:3])[0]
reveal("feed-dc", 100 * drilled.availability,
       why="Europe takes over, but only after health checks and na-east's 60 s DNS TTL")

# %% [markdown]
# The spike and the cache node pass. The data-centre drill costs about 1 % of the window's
# requests: na-east's users keep its address until their DNS answers expire, and the
# asynchronous replicas lose the last tenth of a second of posts (about a hundred). One
# percent is twice what the availability SLO allows.
#
# **In production**, large feeds are hybrids for the reason the plot shows. Kleppmann (2017,
# chapter 1) describes Twitter's home timelines that way, after Krikorian's 2012 talk: most
# tweets fanned out to cached timelines when they are posted, while the tweets of the few
# accounts with very many followers are fetched and merged in when a timeline is read. The
# drills test what such a design leans on: the cache, and the region that holds the primaries.

# %% [markdown]
# ## Explore
#
# Pick a drill, then change regions, servers per region, feed-cache nodes and the DNS TTL. The
# plot shows p99 latency against its target, the share of requests failing and the cache's
# hit ratio over the evening window; the caption lists the four SLOs.
#
# *Try:* take the cache away: which SLO goes first? With the data-centre drill, find the
# fewest servers per region in three regions that still pass, and the TTL that makes it work.

# %%
explorer = show(explore_feed)

# %% [markdown]
# ## Exercises
#
# Three autograded exercises and a written design review. Estimate figures are graded within a
# **factor of 1.5**; the design earns 1 point per SLO met in every hidden scenario (a
# feed-cache node, a data centre, a spike, each with its own timing and seed). Visible checks
# run your answer and print numbers, never the answer.
#
# ### Exercise 1: estimate the feed (3 points)
#
# With the product numbers above (20 million daily users, 2 posts and 20 feed reads each a day,
# 200 accounts followed, peak twice the average, a cached feed of **500 post ids of 8 bytes**
# per user), return `rate_posts_peak` (posts per second at the peak), `rate_reads_peak` (feed
# reads per second at the peak), `rate_fanout_peak` (feed-cache inserts per second at the peak
# with pure fan-out on write) and `feed_cache_gb` (gigabytes of cached feeds for every daily
# user, ids only; 1 GB = 10⁹ bytes). The visible check (1 point) checks the form, then sizes
# fan-out workers from your estimate and runs them; the hidden checks give 0.5 points a figure.

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
# ### Exercise 2: what a celebrity threshold costs (3 points)
#
# Write `hybrid_fanout(n_users, n_following, zipf_s, n_threshold)` for hybrid fan-out in the
# chapter's model: the author of popularity rank $i$ (1 is the most popular, $n$ = `n_users`)
# has weight $w_i \propto 1/i^{s}$ (`zipf_s`), the weights summing to 1, and each user follows
# `n_following` authors drawn by weight, so author $i$ expects $n \cdot$ `n_following` $\cdot
# w_i$ followers. Authors who expect **at least** `n_threshold` followers are celebrities and
# are pulled; the others are pushed. Return two numbers, as a tuple or a list: the mean
# feed-cache inserts per post (a post by a uniformly chosen author) and the mean timelines
# pulled per feed read.
# The library's `fanout_cost` is switched off while the hidden checks run. The visible check
# (1 point) tries the two extremes and a split; the hidden checks (2 points) compare values.

# %% nbgrader={"grade": false, "grade_id": "hybrid_fanout", "locked": false, "schema_version": 3, "solution": true, "task": false}
def hybrid_fanout(n_users, n_following, zipf_s, n_threshold):
    """(inserts per post, timelines pulled per read) of hybrid fan-out."""
    ### BEGIN SOLUTION
    w = 1.0 / np.arange(1, n_users + 1, dtype=float) ** zipf_s
    followers = n_users * n_following * w / w.sum()
    celebrity = followers >= n_threshold
    p_celebrity = followers[celebrity].sum() / followers.sum()
    return float(n_following * (1 - p_celebrity)), float(n_following * p_celebrity)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_hybrid_fanout_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: pure push and pure pull at the extremes, and a split that adds up."""
from scalelab.checks import as_float, as_list, expect_close

_out = as_list(hybrid_fanout(10_000, 50, 1.0, 1e12), "hybrid_fanout(10_000, 50, 1.0, 1e12)")
assert len(_out) == 2, f"return two numbers (inserts per post, pulls per read), got {len(_out)}"
_push, _pull = (as_float(x, "each number") for x in _out)
_tol = {"rel": 1e-6, "abs_tol": 1e-9}
expect_close(_push, 50, **_tol, what="inserts per post when nobody reaches the threshold")
expect_close(_pull, 0, **_tol, what="pulls per read when nobody reaches the threshold")
_push, _pull = (as_float(x, "each number") for x in hybrid_fanout(10_000, 50, 1.0, 0))
expect_close(_push, 0, **_tol, what="inserts per post when every author is a celebrity")
expect_close(_pull, 50, **_tol, what="pulls per read when every author is a celebrity")
_push, _pull = (as_float(x, "each number") for x in hybrid_fanout(10_000, 50, 1.0, 1_000))
assert _push > 0 and _pull > 0, "a threshold of 1,000 should push some authors and pull others"
expect_close(_push + _pull, 50, **_tol, what="inserts per post + pulls per read")
print("Form right: the extremes are pure push and pure pull, and a split adds up.")

# %% nbgrader={"grade": true, "grade_id": "test_hybrid_fanout_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the costs against the closed form for several graphs and thresholds."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_float, as_list, expect_close, library_disabled
from scalelab.practice import fanout_cost as _fanout_cost

_cases = [(100_000, 100, 1.0, 10_000), (200_000, 200, 0.8, 1e5), (50_000, 30, 1.5, 500),
          (30_000, 10, 0.5, 40), (4, 2, 0.0, 2)]
_closed = {c: _fanout_cost(*c[:3], "hybrid", c[3]) for c in _cases}
with library_disabled("scalelab.practice.fanout_cost"):
    for _c in _cases:
        _out = as_list(hybrid_fanout(*_c), f"hybrid_fanout{_c}")
        _push, _pull = (as_float(x, "each number") for x in _out)
        expect_close(_push, _closed[_c].writes_per_post, rel=1e-6, abs_tol=1e-9,
                     what=f"inserts per post for {_c}")
        expect_close(_pull, _closed[_c].reads_per_read, rel=1e-6, abs_tol=1e-9,
                     what=f"pulls per read for {_c}")
print("scenario 'several graphs and thresholds': right")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: design the feed (5 points: 1 visible, 1 per SLO)
#
# Return a `FeedDesign` (`help(FeedDesign)`) that meets the feed's four SLOs in every hidden
# scenario (a feed-cache node, the primaries' data centre, a 1.5x spike). The visible check
# runs the practice drills on your design and prints the numbers.

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
from scalelab.practice import FEED_TARGETS, FeedDesign, practice_drills, slo_results

_d = my_feed_design()
assert type(_d) is FeedDesign, f"return a FeedDesign, got {type(_d).__name__}"
_drills = practice_drills(_d)[1:]  # a node, the data centre, a spike
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
# ### Failure drills on your design
#
# Now break your own design. The cell runs it through the quiet evening and the three drills
# and prints what each one costs: requests that failed and posts or feed entries lost, beside
# the minutes within the p99 target. Compare with the starter's table: which drill cost you the
# most, and which part of your design paid for surviving it?

# %%
try:
    mine = my_feed_design()
except NotImplementedError:
    print("Exercise 3 first: until then, the starter design.")
    mine = FeedDesign()
drill_table(mine)

# %% [markdown]
# ### Exercise 4 (written, 4 points): a design review
#
# A colleague proposes **pure fan-out on write** "so every read is one cache hit": **one
# region** (na-east) with **40 web servers**, **2 feed-cache nodes** (exactly enough for every
# daily user's feed), **4 fan-out workers** and the starter's posts store. It costs USD 16.93 an
# hour. Run `drill_table(FeedDesign(fanout="write", n_regions=1, n_servers=40,
# n_cache_nodes=2, n_workers=4))` first. In six to ten sentences: name the three biggest risks,
# back each with a number (from the drills or your own estimate), and propose changes in
# priority order, each with what it costs. (Graded by hand with the rubric in
# `grading/rubrics/16-news-feed.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "feed_review", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# The biggest risk is the fan-out itself: pure push costs 200 inserts per post, about 185,000
# inserts/s at the peak, and 4 workers make 80,000, so the queue fills and drops feed entries
# every evening, about 700 million in the quiet window alone (the SLO allows 1,000). Enough
# workers for the peak at 70 % busy would be 14 (USD 0.10/h each, USD 1.40/h); a hybrid that pulls
# celebrities also removes the posts of accounts with millions of followers, each of which is
# millions of inserts at once. Second, the two cache nodes have no spare: losing one halves the
# hit ratio, half the reads rebuild their feed by pulling 200 timelines, and the posts store
# gives way (p99 met in 83 % of the minutes, 87.4 % availability in the drill); a third and
# fourth node per region cost USD 0.22/h each. Third, one region makes a lost data centre an
# outage (74.8 % availability in the drill); three regions with a 30 s TTL need only 8 servers
# each, so the reference design (hybrid, 3 x 8 servers, 4 cache nodes each, 16 workers) costs
# USD 17.15 an hour, 22 cents more than this one. Priority: the fan-out (data lost every day), then
# the cache's spare node, then the regions; the trade-off of the hybrid is slower reads for
# users who follow celebrities, whose timelines are merged at read time.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message.
# 2. Click **Validate** in the toolbar.
# 3. **Self-paced?** Run `make check NB=16-news-feed` for feedback with the hidden checks.

# %% [markdown]
# ## Summary
#
# - Estimate first: posts and reads per second from daily numbers and a peak factor, fan-out
#   inserts from posts times followings, the feed cache from users times ids times bytes.
# - Push makes reads cheap and posts expensive, pull the opposite; a celebrity threshold moves
#   a share $W$ of the follows from one side to the other, $200(1-W)$ inserts per post and
#   $200W$ pulls per read.
# - A celebrity's timeline is a hot key: its shard melts unless the cache holds it.
# - A cache with no spare node turns a lost node into a storm of rebuilt feeds; a second and
#   third region with a short DNS TTL turn a lost data centre into a minute of errors.
#
# **The reference design** (Exercise 3) in the hidden scenarios: hybrid fan-out (celebrities
# from a million followers), 3 regions x 8 servers, 4 feed-cache nodes each, 16 workers, 8
# posts-store nodes with a replica each. It meets all four SLOs in every scenario: p99 within
# 300 ms in every minute, availability 99.58 % in the worst scenario (the data centre), 95
# posts lost (the last tenth of a second before the asynchronous replicas took over), USD 17.15
# an hour against a budget of USD 25.
#
# ## References
#
# - Silberstein, A., Terrace, J., Cooper, B. F. and Ramakrishnan, R. (2010). Feeding frenzy:
#   selectively materializing users' event feeds. *Proceedings of SIGMOD 2010*, ACM.
#   https://doi.org/10.1145/1807167.1807257
# - Kleppmann, M. (2017). *Designing Data-Intensive Applications*, chapter 1 ("Describing
#   load": Twitter's home timelines). O'Reilly. https://dataintensive.net/
# - Krikorian, R. (2012). *Timelines at Scale*. QCon San Francisco 2012, InfoQ.
#   https://www.infoq.com/presentations/Twitter-Timeline-Scalability/
# - Martin, D. (2017 onwards). *The System Design Primer* (design the Twitter timeline and
#   search). https://github.com/donnemartin/system-design-primer
# - Breslau, L., Cao, P., Fan, L., Phillips, G. and Shenker, S. (1999). Web caching and
#   Zipf-like distributions: evidence and implications. *IEEE INFOCOM '99*.
#   https://doi.org/10.1109/INFCOM.1999.749260
# - Amazon Web Services (2024). EC2, ElastiCache and RDS pricing pages (the course's prices).
#   https://aws.amazon.com/pricing/
