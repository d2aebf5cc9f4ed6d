# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 15 · Practice design: a URL shortener, graded by simulation
#
# The capstone (chapter 14) built one system from every part of the course and graded it
# against service level objectives. This chapter and the next two are practice on three classic
# design problems, the ones design reviews and interviews come back to: a URL shortener here, a
# news feed in chapter 16, a chat service in chapter 17. Guides show a worked answer to read;
# here your answer is *run*. You estimate the load, hand in a design as plain data, drill it
# with something broken, and an evening of simulated traffic grades it against four SLOs.
#
# **You will learn to**
# - turn a shortener's product numbers into load (writes, clicks, storage, bandwidth) and check
#   the estimate by simulation ("estimate, then verify");
# - choose how to make short ids (counter ranges, random ids and the birthday bound, Snowflake)
#   and size a random id so collisions stay rare;
# - say what a 301 and a 302 redirect do to click analytics;
# - design a shortener that meets latency, availability, data-loss and cost SLOs, run failure
#   drills on it, and review a colleague's design in writing.
#
# **Time:** about 50 minutes. **Points:** 15 (11 autograded, 4 for a written design review).

# %% [markdown]
# ## Setup
#
# Run this cell first. `SEED` fixes the random parts (traffic noise, the sampled ids).

# %%
import numpy as np

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.practice import (
    SHORTENER_TARGETS,
    Drill,
    Scenario,
    ShortenerDesign,
    ShortenerWorkload,
    SnowflakeLayout,
    collision_probability,
    drill_table,
    id_space,
    practice_drills,
    share_counted,
    simulate_clicks,
    simulate_collisions,
    slo_results,
)
from scalelab.predict import predict, reveal
from scalelab.product import stage
from scalelab.widgets import show
from scalelab.widgets.practice import explore_shortener

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## A yardstick: Shutterstall's day
#
# Every chapter so far followed one product, Shutterstall, up to the capstone's day. Its
# evening peak is the yardstick for the three practice problems, which keep their own numbers:

# %%
day = stage("millions")
clicks = ShortenerWorkload()
print(f"Shutterstall's day: {day.rate_peak:,.0f} requests/s at 20:00, from "
      f"{day.daily_users / 1e6:,.0f} million daily users.")
print(f"This problem: {clicks.rate_clicks * clicks.peak_factor:,.0f} clicks/s at its peak, "
      f"{clicks.rate_clicks * clicks.peak_factor / day.rate_peak:.0%} of Shutterstall's peak,")
print("but almost every request is one lookup and a tiny response.")

# %% [markdown]
# ## How the problem is walked and graded
#
# 1. **Requirements and estimates.** From the product's numbers, estimate the load by hand.
#    The exercise grades each figure within a factor of 1.5, then feeds your estimate into the
#    simulation, so you see what a system sized from it would do.
# 2. **A design, as data**: a frozen dataclass, `ShortenerDesign`, holding the choices that
#    matter, built from the course's parts: GeoDNS regions (chapter 10), a pool of web servers
#    (chapter 02), a cache (chapter 07), a key-value store with replicas (chapter 03) and
#    partitions (chapter 13).
# 3. **Failure drills.** The design runs through the evening window, 19:00 to 21:00, in
#    one-minute buckets, with one thing broken: a **cache node**, the **data centre** that holds
#    the primary partitions, or a **spike** of 1.5 times the traffic.
# 4. **SLOs**, one point each when met in every hidden scenario: p99 redirect latency at most
#    300 ms in 99 % of the minutes, at least 99.5 % of requests served, at most 100 records
#    lost (links, or click records the analytics never sees), at most USD 15 an hour.
#
# `drill_table` (from `scalelab.practice`) runs a design through a quiet evening and the three
# practice drills and prints what each drill costs it: the minutes within the p99 target, the availability, the
# requests that failed and the records lost. You will use it on every design here, yours too.

# %% [markdown]
# ## The problem
#
# **The product.** Users paste a long URL and get a short one back, `https://sho.rt/aZ3kQ9x`;
# whoever clicks it is redirected to the long URL. Links never expire, and clicks are counted
# for the link's owner (analytics is a requirement). The numbers: 30 million new links a day,
# 40 clicks per link on average, links kept 5 years, about 500 bytes per stored link, the
# evening peak at twice the average. Reads outnumber writes 40 to 1.
#
# ```mermaid
# flowchart LR
#     U[Browser] --> G["GeoDNS"]
#     G --> W["Web servers"]
#     W -->|click| C["Cache"]
#     C -->|miss| KV[("Key-value store")]
#     W -->|new link| ID["Id maker"]
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
# - **Random ids** of $n$ characters from 62 (`0-9a-zA-Z`) give $N = 62^n$ possible ids. Two
#   random ids collide far sooner than intuition says (it is the birthday problem: 23 people
#   are enough for an even chance that two share a birthday). So every new id is looked up
#   before it is stored (one more read per write), and the key length must leave the space
#   mostly empty even after years of links.
# - **A Snowflake-style id**: Twitter's Snowflake (2010) packs 41 bits of milliseconds since
#   an epoch, 10 bits of machine number and 12 bits of sequence into a 64-bit integer. Every
#   machine makes ids on its own, with no lookup, and they sort by time.
#
# **Predict first**: a million random 7-character ids (3.5 trillion possible): what is the
# chance that two of them are the same?

# %%
predict("collision-1m", ..., question="chance that 1 million random 7-character ids collide",
        unit="%")

# %% [markdown]
# The **birthday bound** gives the chance that $k$ ids drawn from $N$ are not all different as
# about $1 - e^{-k(k-1)/2N}$. The bound against a simulation for two small spaces (where
# sampling is cheap), then the million ids, then what each scheme can hold:

# %%
for k, big_n in [(23, 365), (2_000, id_space(4))]:
    p = collision_probability(k, big_n)
    sim = simulate_collisions(k, big_n, 2_000, rng=rng)
    print(f"{k:>9,} ids from {big_n:>17,}: P(collision) = {p:.3f}, simulated {sim:.3f}")
p_million = collision_probability(1_000_000, id_space(7))
print(f"{1_000_000:>9,} ids from {id_space(7):>17,}: P(collision) = {p_million:.3f}")
s = SnowflakeLayout()
print(f"Snowflake: {s.n_machines:,} machines x {s.n_per_ms:,} ids per ms, for {s.years:.1f} years")
print(f"7 random characters: {id_space(7):.2e} ids; links kept in 5 years: {30e6 * 365 * 5:.2e}")
reveal("collision-1m", 100 * p_million,
       why="k^2/2N = 10^12 / 7x10^12: pairs grow with the square of the ids")

# %% [markdown]
# A million ids make half a trillion pairs, and each pair collides with a chance of one in 3.5
# trillion: a 13 % chance of at least one collision. Five years of links (55 billion) fill
# 1.6 % of the 7-character space, so one new id in 64 is already taken and needs a second try.
# Six characters (57 billion ids) would be almost full, and most writes would fail. Snowflake
# ids need no lookup, but a 64-bit number takes 11 base-62 characters.
#
# ### 301 or 302: who counts the clicks?
#
# RFC 9110 defines both redirects. A **301 Moved Permanently** (section 15.4.2) is
# *heuristically cacheable*: a browser may keep it and send later clicks on the same short link
# straight to the long URL, without asking the shortener. That saves load, and every such click
# is missing from the analytics. A **302 Found** (section 15.4.3) is a temporary redirect and is
# not on the list of heuristically cacheable codes (section 15.1), so unless the response
# carries explicit freshness (`Cache-Control: max-age`), every click comes back.
#
# **Predict first**: a link is clicked 1,000 times, each click from one of 1,000 browsers drawn
# at random. With a 301, what share of the clicks reaches the shortener?

# %%
predict("seen-301", ..., question="share of 1,000 clicks from 1,000 browsers a 301 lets through",
        unit="%")

# %% [markdown]
# Only each browser's first click is seen, so the share is the expected number of browsers
# that click at least once, over the clicks. The closed form against a simulation:

# %%
for n_clicks, n_browsers in [(100, 1_000), (1_000, 1_000), (10_000, 1_000)]:
    seen = share_counted(n_clicks, n_browsers, "301")
    sim = simulate_clicks(n_clicks, n_browsers, "301", rng=rng)
    print(f"{n_clicks:>6,} clicks from {n_browsers:,} browsers: a 301 lets the shortener see "
          f"{seen:.1%} (simulated {sim:.1%})")
reveal("seen-301", 100 * share_counted(1_000, 1_000, "301"),
       why="1 - (1 - 1/1000)^1000 = 1 - 1/e of the browsers click at least once")

# %% [markdown]
# ## The starter design through the drills
#
# The shortener's design (`help(ShortenerDesign)`) chooses regions, servers, cache nodes, the
# store's partitions and replicas, the id scheme and the redirect. The starter design has one
# region (na-east) with 20 web servers, 2 cache nodes and 4 partitions with a replica each.
#
# **Predict first**: the region's data centre is lost for 30 minutes of the 2-hour window.
# What share of the window's requests does the starter design still serve?

# %%
predict("dc-availability", ..., question="availability over the window, one region, 30 min lost",
        unit="%")

# %%
starter = ShortenerDesign()
drill_table(starter)
drilled = slo_results(starter, practice_drills(starter)[2:3])[0]
reveal("dc-availability", 100 * drilled.availability,
       why="30 of 120 minutes dark, but the busiest ones: more than a quarter of the traffic")

# %% [markdown]
# Read the drills: a lost cache node does not show (the one left still holds the hottest
# links); the 1.5x spike pushes 20 servers past their 40,000 redirects/s and 1.5 % of the
# evening's requests fail; and losing the only data centre is an outage for the half hour it
# lasts. It falls on the evening peak, so it takes more than a quarter of the window's
# requests. Nothing is lost, because the data waits on disk: it is simply out of reach.
#
# **In production**, shorteners are read-mostly key-value services: the redirect is one
# lookup, so a cache in front carries most clicks, and the write path (a new link, an id) is
# small. The hard parts are the ones the drills test: a region that goes dark, a spike from a
# link that goes viral, and analytics that must count every click.

# %% [markdown]
# ## Explore
#
# Pick a drill, then change regions, servers per region, cache nodes and the DNS TTL. The plot
# shows p99 latency against its target, the share of requests failing and the cache's hit
# ratio over the evening window; the caption lists the four SLOs.
#
# *Try:* break the data centre with one region, then with three: what does the TTL change?
# Take the cache away: which SLO goes first, and at how many servers does it come back?

# %%
explorer = show(explore_shortener)

# %% [markdown]
# ## Exercises
#
# Three autograded exercises and a written design review. Estimate figures are graded within a
# **factor of 1.5**; the design earns 1 point per SLO met in every hidden scenario (a cache
# node, a data centre, a spike, each with its own timing and seed). Visible checks run your
# answer and print numbers, never the answer.
#
# ### Exercise 1: estimate the shortener (3 points)
#
# With the product numbers above (30 million new links a day, 40 clicks per link, kept 5
# years, 500 bytes per stored link **in 3 copies**, peak twice the average, a redirect response
# of **500 bytes**), return your estimates as plain numbers: `rate_writes` (new links per
# second, average), `rate_clicks_peak` (clicks per second at the peak), `storage_tb`
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
# ### Exercise 2: how long may a random id be? (3 points)
#
# Write `ids_before_collision(n_chars, p_collision=0.01)`: how many random ids of `n_chars`
# base-62 characters can be handed out before the chance that two of them are the same
# reaches `p_collision`. Use the birthday bound above with $k(k-1) \approx k^2$, that is
# $p = 1 - e^{-k^2/2N}$ with $N = 62^{n}$, solved for $k$, and return $k$ as a float (it
# need not be whole). Raise `ValueError` when `p_collision` is not strictly between 0 and 1 or
# when `n_chars` is below 1. The library's `ids_for_collision` is switched off while the hidden
# checks run. The visible check (1 point) tries the form and how the count grows; the hidden
# checks (2 points) compare values and the errors.

# %% nbgrader={"grade": false, "grade_id": "ids_before_collision", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ids_before_collision(n_chars, p_collision=0.01):
    """Random base-62 ids of ``n_chars`` characters until a collision has ``p_collision``."""
    ### BEGIN SOLUTION
    if not 0 < p_collision < 1:
        raise ValueError(f"p_collision must be strictly between 0 and 1; got {p_collision}")
    if n_chars < 1:
        raise ValueError(f"n_chars must be at least 1; got {n_chars}")
    return float(np.sqrt(2 * 62.0**n_chars * -np.log1p(-p_collision)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ids_before_collision_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a positive number that grows with the id's length and with the risk allowed."""
import math

from scalelab.checks import as_float

_k7 = as_float(ids_before_collision(7, 0.01), "ids_before_collision(7, 0.01)")
assert math.isfinite(_k7) and _k7 > 0, f"expected a positive number of ids, got {_k7}"
_k8 = as_float(ids_before_collision(8, 0.01), "ids_before_collision(8, 0.01)")
assert 0.9 * _k8 / _k7 < math.sqrt(62) < 1.1 * _k8 / _k7, (
    f"one more character multiplies the space by 62; the ids by its square root, not {_k8 / _k7:.3g}"
)
_k7_half = as_float(ids_before_collision(7, 0.5), "ids_before_collision(7, 0.5)")
assert _k7_half > _k7, "allowing a larger chance of a collision should allow more ids"
print("Form right: one more character buys sqrt(62), about 7.9 times the ids.")

# %% nbgrader={"grade": true, "grade_id": "test_ids_before_collision_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the birthday bound inverted for several lengths and risks, and the errors."""
### BEGIN HIDDEN TESTS
import math

from scalelab.checks import as_float, expect_close, expect_raises, library_disabled

with library_disabled("scalelab.practice.ids_for_collision"):
    for _n, _p in [(4, 0.01), (6, 0.5), (7, 0.01), (9, 0.9), (12, 1e-6)]:
        _want = math.sqrt(2 * 62.0**_n * math.log(1 / (1 - _p)))
        _got = as_float(ids_before_collision(_n, _p), f"ids_before_collision({_n}, {_p})")
        expect_close(_got, _want, rel=0.005, what=f"ids for {_n} characters at p = {_p}")
    for _bad in [(7, 0.0), (7, 1.0), (7, 1.5), (7, -0.1), (0, 0.01)]:
        expect_raises(ValueError, ids_before_collision, *_bad)
print("scenario 'several lengths and risks': right")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: design the shortener (5 points: 1 visible, 1 per SLO)
#
# Return a `ShortenerDesign` (fields in `help(ShortenerDesign)`) that meets the shortener's four
# SLOs in every hidden scenario: a cache node, the primaries' data centre and a 1.5x spike,
# each at its own time in the evening window. Analytics must count every click. The visible
# check runs the practice drills on your design and prints the numbers.

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
from scalelab.practice import SHORTENER_TARGETS, ShortenerDesign, practice_drills, slo_results

_d = my_shortener_design()
assert type(_d) is ShortenerDesign, f"return a ShortenerDesign, got {type(_d).__name__}"
_drills = practice_drills(_d)[1:]  # a node, the data centre, a spike
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
# ### Failure drills on your design
#
# Now break your own design. The cell runs it through the quiet evening and the three drills
# and prints what each one costs: requests that failed and records lost, beside the minutes
# within the p99 target. Compare the rows with the starter's table above: which drill cost you
# the most, and which part of your design paid for surviving it?

# %%
try:
    mine = my_shortener_design()
except NotImplementedError:
    print("Exercise 3 first: until then, the starter design.")
    mine = ShortenerDesign()
drill_table(mine)

# %% [markdown]
# ### Exercise 4 (written, 4 points): a design review
#
# A colleague proposes: **one region** (na-east) with **30 web servers**, **no cache**, the
# store's **4 partitions** with a replica each, **6-character random ids** and **301**
# redirects "so repeat clicks cost nothing". It costs USD 10.07 an hour. Run
# `drill_table(ShortenerDesign(n_servers=30, n_cache_nodes=0, n_chars=6, redirect="301"))`
# first. In six to ten sentences: name the three biggest risks, back each with a number (from
# the drills or your own estimate), and propose changes in priority order, each with what it
# costs. (Graded by hand with the rubric in `grading/rubrics/15-shortener.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "shortener_review", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# The biggest risk is the id length: 55 billion links in 5 years in a 6-character space of 57
# billion leave almost no free ids, and the space fills up fast: with 97 % of ids taken, three
# tries fail nine times in ten, so even the quiet evening turns away about 4.5 million of its
# 5 million new links. Seven characters (3.5 trillion ids, 1.6 % full after 5 years) cost one
# character per link and nothing per hour. Second, the 301 breaks a requirement: browsers
# answer repeat clicks from their cache, so about 60 million clicks in the evening window
# (30 %) never reach the analytics. A 302 counts them, but it is not enough on its own: with no
# cache every click is then a read of the store, whose 4 partitions and 4 replicas serve
# 24,000 reads/s against about 29,000 clicks/s at the peak, and availability falls to about
# 85 %. So the 302 comes with two cache nodes per region (USD 0.22/h each), which take the store
# down to a few thousand reads/s. Third, one region makes a lost data centre a half-hour outage
# (80.5 % availability in the drill); three regions of 10 servers with a 30 s DNS TTL, USD 11.44
# an hour in all, keep it to about a minute of errors and 0.4 % of the window. Priority: ids
# and the 302 with its cache first (without them data is lost every day), then the regions.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message.
# 2. Click **Validate** in the toolbar.
# 3. **Self-paced?** Run `make check NB=15-shortener` for feedback with the hidden checks.

# %% [markdown]
# ## Summary
#
# - Estimate first: links and clicks per second from daily numbers and a peak factor, storage
#   from bytes, copies and years, bandwidth from the response size; then let the simulation
#   say whether a system sized from the estimate holds.
# - Ids: a counter needs ranges so the counter is no bottleneck; random ids need room, since
#   collisions grow with the square of the ids (the birthday bound), and a lookup per write;
#   Snowflake ids need neither, for 11 characters.
# - Reads dominate, so a cache and read replicas carry the clicks; a 302 keeps every click in
#   the analytics, a 301 lets browsers answer repeat clicks themselves.
# - A second and third region with a short DNS TTL turn a lost data centre from an outage into
#   a minute of errors.
#
# **The reference design** (Exercise 3) in the hidden scenarios: 3 regions x 10 servers, 2
# cache nodes each, 4 partitions with a replica each, random 7-character ids, 302 redirects.
# It meets all four SLOs in every scenario: p99 within 300 ms in every minute, availability
# 99.62 % in the worst scenario (the data centre), 69 links lost (written in the last tenth of
# a second before the asynchronous replicas took over), USD 11.44 an hour against a budget of USD 15.
# Synchronous writes would lose none, for one cross-region round trip per new link.
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
# - Martin, D. (2017 onwards). *The System Design Primer* (design Pastebin.com or Bit.ly).
#   https://github.com/donnemartin/system-design-primer
# - Amazon Web Services (2024). *Understanding DynamoDB warm throughput in different
#   scenarios* (a partition's 3,000 reads and 1,000 writes per second).
#   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html
# - Amazon Web Services (2024). EC2, ElastiCache and RDS pricing pages (the course's prices).
#   https://aws.amazon.com/pricing/
