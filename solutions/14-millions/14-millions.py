# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 14 · Millions of users: estimate, compose, break, and grade the design
#
# Ten chapters built the parts one at a time: DNS, a pool of web servers, replicas, a cache, a
# CDN, stateless servers, several data centres, a queue, shards. This last chapter puts them all
# in one system, drives a day of traffic through it, breaks pieces of it on purpose, and grades
# a design the way a production team would: against service level objectives.
#
# **You will learn to**
# - make back-of-the-envelope estimates (rates, storage, bandwidth) with powers of two and the
#   latency figures every engineer should know, then check them by simulation;
# - read a composed model: each tier is another chapter's time-bucketed model, wired together;
# - run failure drills (a server, the cache, the database master, the CDN, a data centre) and
#   say what each costs in latency, errors, data and money;
# - turn goals into SLOs and error budgets, and write an alert rule that pages for real
#   incidents but not for busy evenings;
# - defend a design in a short design review.
#
# **Time:** about 60 minutes. **Points:** 16 (13 autograded, 3 for a written design review).

# %% [markdown]
# ## Setup
#
# Run this cell first. `SEED` fixes the random parts (traffic noise, shard load counts).

# %%
import textwrap

import numpy as np
import plotly.graph_objects as go

from scalelab.architecture import (
    AlertRule,
    Design,
    Failure,
    Scenario,
    burn_rate,
    check_slos,
    evaluate_alert,
    simulate,
)
from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.estimate import (
    LATENCY_FIGURES,
    POWERS_OF_TWO,
    Product,
    estimate_product,
    human_bytes,
)
from scalelab.predict import predict, reveal
from scalelab.product import (
    PRODUCT,
    capstone_slo,
    capstone_workload,
    peak_rate,
    shop_design,
    stage,
)
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from scalelab.widgets.architecture import explore_architecture

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)
H = 3600.0  # seconds in an hour

# %% [markdown]
# ## Back of the envelope
#
# Shutterstall, the photo-print shop this course has followed from its first server, has reached
# its last stage. The capstone's day is its day:

# %%
shop = stage("millions")
print(f"{PRODUCT.name}'s day: {shop.daily_users / 1e6:g} million daily users, "
      f"{PRODUCT.requests_per_user:g} requests each, the 20:00 peak {PRODUCT.peak_factor:g} × the average")
print(f"built so far: {shop.n_web_servers} web servers in {len(shop.dc_regions)} data centres, a CDN, "
      "a cache, a queue,")
print(f"and {shop.n_shards} shards, each a primary and {shop.n_replicas} replicas")

# %% [markdown]
# Before a design there is arithmetic. Interviewers and architects alike ask for estimates that
# are right to within a factor of two or so, made in minutes: how many requests per second, how
# many bytes a year, how many bits per second leave the building. Three habits make it fast.
#
# **Powers of two.** Data sizes grow by a factor of about a thousand per unit, and
# $2^{10} = 1024$ is close enough to a thousand that the two scales are used interchangeably:

# %%
for power, words, unit in POWERS_OF_TWO:
    print(f"2^{power:<3} ≈ 1 {words:<12} bytes = 1 {unit}")

# %% [markdown]
# **Round the day.** A day has 86,400 seconds; call it $10^5$ and every "per day" becomes
# "per second" by dropping five zeros (an error of 16 %, well inside the band). Then multiply
# by a **peak factor** (2 is a common guess) for the busiest hour.
#
# **Predict first**: round the day that way for Shutterstall. Its 100 million daily users send
# 20 requests each, and 20:00 runs at 1.8 times the average. How many thousand requests/s at
# 20:00?

# %%
predict("capstone-peak", ..., question="Shutterstall's requests/s at 20:00, in thousands: 100 "
        "million users, 20 requests a day each, peak 1.8 × the average", unit="thousand requests/s")

# %%
rough = shop.daily_users * PRODUCT.requests_per_user / 1e5 * PRODUCT.peak_factor
print(f"with a day of 10^5 s: {rough:,.0f} requests/s at 20:00")
print(f"{PRODUCT.name}'s day: {shop.daily_users / 1e6:g} million daily users, "
      f"{peak_rate('millions'):,.0f} requests/s at 20:00.")
reveal("capstone-peak", peak_rate("millions") / 1e3, why="2 billion requests over 86,400 s, times 1.8; "
       "a day of 10^5 s gives 36,000, 14 % low")

# %% [markdown]
# **Know the latencies.** Jeff Dean's list of numbers "everyone should know" (a 2009 talk, in
# the version that circulated in 2012) and Colin Scott's projection of the same list to 2020
# put the costs side by side. Memory and network
# round trips barely moved in a decade; SSDs and sequential reads got an order of magnitude
# faster; network round trips between continents did not move at all, because light in fibre
# has not sped up. Read the last line carefully: its 150 ms is a packet from **California** to
# the Netherlands and back, a continent plus an ocean. Across the Atlantic alone it is less:
# New York to London pings about 70 to 80 ms, and this course's own table of measured round
# trips (`BACKBONE_RTT`, used since chapter 10) puts Virginia to Frankfurt at 90 ms. That is the
# figure we use for "across the Atlantic"; 150 ms is Virginia to Tokyo.

# %%
fig = go.Figure()
for k, year in enumerate((2012, 2020)):
    rows = [f for f in LATENCY_FIGURES if f.year == year]
    fig.add_trace(
        go.Bar(
            y=[f.name for f in rows],
            x=[f.t_seconds * 1e9 for f in rows],
            orientation="h",
            name=f"{year} ({'Dean' if year == 2012 else 'Scott'})",
            marker=dict(color=PALETTE[k], pattern_shape=["", "/"][k]),
        )
    )
fig.update_layout(**base_layout("Latency figures", "time (ns, log scale)", "", height=520))
fig.update_xaxes(type="log")
fig

# %%
from scalelab.geo import BACKBONE_RTT, REGIONS

for a, b in [("na-east", "europe"), ("na-west", "asia"), ("na-east", "asia")]:
    t_rtt = BACKBONE_RTT[REGIONS.index(a), REGIONS.index(b)]
    print(f"{a:>8} <-> {b:<7} {t_rtt * 1000:4.0f} ms round trip")

# %% [markdown]
# Read it as a ladder: each step down costs roughly ten to a thousand times more. A request
# that makes ten sequential round trips inside a data centre spends 5 ms on the network alone;
# one that crosses the Atlantic spends about 90 ms per round trip (Virginia to Frankfurt), ten of
# them almost a second, which is why chapter 10 put a data centre near each group of users.
#
# The library turns a product description into the usual figures. Here is a chat product:

# %%
chat = Product(
    daily_users=50e6,
    actions_per_user=40,
    p_write=0.25,
    kb_per_write=1,
    kb_per_read=5,
    retention_years=5,
    n_copies=3,
    peak_factor=2,
)
e = estimate_product(chat)
print(f"average {e.rate_mean:,.0f} requests/s, peak {e.rate_peak:,.0f} requests/s")
print(f"new data {human_bytes(e.storage_bytes_per_day)} a day; {human_bytes(e.storage_bytes)} "
      f"over 5 years in 3 copies")
print(f"data sent at the peak {e.rate_bytes_egress_peak * 8 / 1e9:.1f} Gbit/s")

# %% [markdown]
# Notice the unit trap in the last line: storage is counted in bytes, network links in **bits**
# per second, a factor of 8.
#
# Now Shutterstall, through the same function. Half its requests fetch a photo or a thumbnail;
# of the other half a tenth write, and one write in twenty uploads a photo of 2 MB. **Predict
# first**: how many terabytes of new photos does the shop store a day (one copy, 1 TB = 10¹²
# bytes)?

# %%
predict("storage-day", ..., question="terabytes of photos Shutterstall's users upload a day, one "
        "copy", unit="TB")

# %%
p_upload = (1 - PRODUCT.p_static) * PRODUCT.p_write * PRODUCT.p_upload  # share of all requests
kb_mean = (PRODUCT.p_static * PRODUCT.bytes_static + (1 - PRODUCT.p_static) * PRODUCT.bytes_page) / 1e3
shop_e = estimate_product(
    Product(daily_users=shop.daily_users, actions_per_user=PRODUCT.requests_per_user,
            p_write=p_upload, kb_per_write=PRODUCT.bytes_photo / 1e3, kb_per_read=kb_mean,
            retention_years=1, n_copies=3, peak_factor=PRODUCT.peak_factor)
)
print(f"{shop_e.rate_writes * 86_400:,.0f} uploads a day: {human_bytes(shop_e.storage_bytes_per_day)} "
      f"of photos a day, {human_bytes(shop_e.storage_bytes)} a year in 3 copies")
print(f"data sent at 20:00 {shop_e.rate_bytes_egress_peak * 8 / 1e9:.0f} Gbit/s, most of it photos "
      "from the CDN's edges")
reveal("storage-day", shop_e.storage_bytes_per_day / 1e12, why="1 request in 400 uploads: 5 million "
       "photos of 2 MB a day, 10^13 bytes")

# %% [markdown]
# ## The whole system, composed
#
# The design at the end of the journey, with every part the course built:
#
# ```mermaid
# flowchart TB
#     U["Users (6 regions)"] --> DNS["DNS resolvers (ch. 01)"]
#     U --> CDN["CDN edges: static files (ch. 08)"]
#     DNS --> G["GeoDNS: nearest healthy DC (ch. 10)"]
#     G --> LB["Load balancer per DC (ch. 02)"]
#     LB --> WEB["Stateless web servers<br/>+ session store (ch. 09)"]
#     WEB --> C["Cache tier (ch. 07)"]
#     C --> DB[("Shards (ch. 13), each<br/>primary + replicas (ch. 03)")]
#     WEB --> Q["Message queue (ch. 11)"]
#     Q --> WK["Workers"]
#     WEB -. "logs, metrics" .-> M["Monitoring and alerts"]
# ```
#
# `scalelab.architecture.simulate` does not model any of these parts again. It cuts the day into
# one-minute buckets and calls each chapter's **time-bucketed** model in turn, feeding one tier's
# output to the next: the CDN takes the static share of requests, GeoDNS splits the rest over
# data centres, each data centre's pool serves what it can, the cache turns reads into
# database reads, the shards and replicas take those and the writes, and every successful write
# queues a background job for the workers. What only the whole has is computed on top: the
# latency of a request end to end (network round trip + server + data + sometimes a DNS lookup),
# errors, data lost and the bill.
#
# A design is plain data. `shop_design()` is the one the chapters built for Shutterstall: the
# stage's web servers (m7i.xlarge machines of 400 requests/s each) spread evenly over three data
# centres, a CDN, a shared session store, a cache tier holding 20,000 listings, the stage's
# shards and replicas, and enough workers for the evening's writes. `capstone_workload()` is
# the shop's day: 100 million daily users, 20 requests each, the 1.8 evening peak, half the
# requests static, a tenth of the rest writes, over 200,000 listings. The drills and the
# exercises below all run on this design and this day.

# %%
design = shop_design()
workload = capstone_workload()
day = simulate(design, workload, rng=rng)
print("\n".join(textwrap.wrap(repr(design), 100, subsequent_indent="    ")))
print(f"{workload.rate_mean:,.0f} requests/s on average; availability {day.total_availability:.4%}; "
      f"worst p99 {np.nanmax(day.p99) * 1000:.0f} ms;")
print(f"${np.mean(day.cost_per_hour):.2f} an hour")

# %%
hours = day.t / H
fig = go.Figure(
    layout=base_layout("Shutterstall's day on its design", "time of day (hours)", "milliseconds")
)
fig.add_scatter(x=hours, y=day.p50 * 1000, name="p50", line=dict(color=PALETTE[0], dash=DASHES[0]))
fig.add_scatter(x=hours, y=day.p99 * 1000, name="p99", line=dict(color=PALETTE[1], dash=DASHES[1]))
fig.add_scatter(x=hours, y=day.static_p99 * 1000, name="static p99 (CDN)",
                line=dict(color=PALETTE[2], dash=DASHES[2]))
fig

# %% [markdown]
# Latency follows the evening peak a little (servers get busier) but is dominated by distance:
# users in South America and Oceania have no data centre of their own. Static files come from
# CDN edges near everyone, so their p99 is flat.

# %% [markdown]
# ## Failure drills
#
# Now break things, one at a time, for half an hour at 20:00, the busiest moment. Each row is
# one drill; the numbers are over the evening window (19:00 to 21:00). **Predict first**: when
# the Europe data centre, one of three, is gone for that half hour, what share of the evening's
# requests still succeed?

# %%
predict("dc-loss-availability", ..., question="% of requests that succeed from 19:00 to 21:00 "
        "when the Europe data centre fails for half an hour", unit="%")

# %%
drills = {
    "nothing": (),
    "one web server": (Failure("server", 20 * H, 20.5 * H, 0),),
    "a cache node": (Failure("cache", 20 * H, 20.5 * H),),
    "a shard's master": (Failure("master", 20 * H, 20.5 * H),),
    "the CDN": (Failure("cdn", 20 * H, 20.5 * H),),
    "the Europe DC": (Failure("datacenter", 20 * H, 20.5 * H, 1),),
}
print(f"{'broken':<17} {'availability':>12} {'worst p99':>10} {'data lost':>10} {'$/hour':>8}")
drill_availability = {}
for name, failures in drills.items():
    run = simulate(design, workload, failures, t_start=19 * H, t_end=21 * H,
                   rng=np.random.default_rng(SEED))
    s = check_slos(run, capstone_slo())
    drill_availability[name] = s.availability
    print(f"{name:<17} {s.availability:>12.4%} {np.nanmax(run.p99) * 1000:>8.0f} ms "
          f"{s.data_lost:>10,.0f} {s.cost_per_hour:>8.2f}")
reveal("dc-loss-availability", 100 * drill_availability["the Europe DC"], why="users fail over "
       f"within the {design.dns_ttl:.0f} s DNS TTL; the survivors' {design.n_servers} servers "
       "each drop the overflow")

# %% [markdown]
# What the drills show:
#
# - **Nothing broken**: even then a fraction of a percent of the evening's requests fail. Users
#   do not split evenly over the data centres, and the busiest one's servers, sized for an
#   average one, run over 90 % busy at 20:00 and drop requests in the busiest minutes.
# - **One web server**: the balancer keeps sending it traffic until a health check notices
#   (chapter 02), then the others absorb its share. A blip.
# - **A cache node**: its share of keys is gone and comes back cold (chapter 07); the
#   database takes the extra reads. With four nodes and five replicas per shard to read from,
#   it does not show in these numbers at all.
# - **A shard's master**: writes to that shard fail until a replica is promoted (about a
#   minute), and the writes the master had acknowledged but not yet shipped are lost
#   (chapter 03). A few dozen here; with no replica at all it would be everything since the
#   last backup.
# - **The CDN**: until clients are moved to the origin (two minutes of detection), static files
#   fail (chapter 08). The availability hit is large because half of all requests are static.
# - **A data centre**: its users keep its address until their DNS answers expire (chapter 10),
#   and then the nearest other data centre must carry them. The stage's servers per data
#   centre, sized for a healthy evening, are not enough for that: errors and latency climb.

# %% [markdown]
# ## Logging, metrics, automation
#
# Past a few servers nobody logs in to a machine to see what is wrong. Every server ships its
# **logs** to a central store; every tier exports **metrics**: host-level ones (CPU or
# utilisation, memory, disk) and service-level ones (request rate, error rate, latency
# percentiles, queue backlog, cache hit ratio, replication lag), plus **business** metrics
# (sign-ins, orders, writes per second) that tell you whether users are getting what they came
# for. A run of the model emits the same kinds of time series:

# %%
print("\n".join(textwrap.wrap(", ".join(sorted(day.metrics)), 100)))

# %% [markdown]
# **Automation** acts on them: an autoscaler adds servers when utilisation climbs, a
# deployment pipeline stops a release when the error rate rises, and **alerts** page a human
# when users are hurting. The Google SRE books argue for alerting on *symptoms* (errors and
# latency users feel) rather than causes (a busy CPU), and for tying alerts to the **error
# budget**.
#
# ## SLOs and error budgets
#
# A **service level indicator** (SLI) is a measurement, such as the share of requests that
# succeed. A **service level objective** (SLO) is a target for it over a window: "99.9 % of
# requests succeed over 30 days". The complement is the **error budget**: 0.1 % of 30 days is
# 43 minutes of full outage, or 86 minutes at half capacity. While budget remains, the team
# ships features; when it is spent, it ships reliability work.
#
# The **burn rate** is the error rate divided by the budget rate (1 − target). At a burn rate
# of 1 the budget lasts exactly the window; at 14.4 a 30-day budget loses 2 % in one hour,
# which the SRE workbook suggests is worth a page. Here is the burn rate through the Europe
# data-centre drill:

# %%
dc_run = simulate(design, workload, drills["the Europe DC"], t_start=19 * H, t_end=21 * H,
                  rng=np.random.default_rng(SEED))
burn = burn_rate(dc_run.error_rate, 0.999)
page = evaluate_alert(AlertRule("error_rate", 14.4 * 0.001, for_buckets=2), dc_run.metrics)
print(f"peak burn rate {burn.max():.0f}; the rule pages in {int(page.sum())} of "
      f"{page.size} minutes, first at {dc_run.t[page.argmax()] / H:.2f} h")

# %% [markdown]
# The chapter grades designs against four SLOs, over a two-hour evening window with something
# broken in it (`capstone_slo()` holds the numbers):
#
# | SLO | target |
# |---|---|
# | latency | p99 of successful requests at most 300 ms in at least 99 % of the minutes |
# | availability | at least 99.5 % of all requests succeed in the window |
# | data lost | at most 100 acknowledged writes or queued jobs lost |
# | cost | at most USD 450 an hour on average over the window (CDN traffic included) |
#
# The cost objective looks generous, but most of it is not machines: over the evening window
# the CDN's traffic alone costs about USD 370 an hour (about USD 395 with a 30 % spike), the
# machines of `shop_design()` about USD 30, a web server USD 0.20 an hour. What is left pays for a few
# dozen extra web servers per data centre, not for twice the servers a lost data centre needs.

# %% [markdown]
# ## Explore
#
# Build a design from parts, drive a day through it and break one component for an hour (a
# server or a data centre in Europe). The plot shows p99 latency, errors and cost over the day;
# the caption gives availability, data lost, cost and the SLOs met. It starts from
# `shop_design()` on the product's day. A day takes a few hundredths of a second to simulate
# and longer to draw, so the sliders redraw when you let go (arrow keys redraw at once).
# **Seed**, **Spike** and **Window** replay a graded run: the evening window with the seed a
# visible check prints reproduces that check's numbers exactly.
#
# *Try:* break the Europe data centre at 20:00 and find the fewest servers per data centre
# that keep availability above 99.5 %. Set the replicas to 0 and break the master. Take the
# cache away entirely: which SLO goes first?

# %%
explorer = show(explore_architecture)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: estimate, then verify (4 points)
#
# A photo-sharing app has **20 million daily users**, each making **30 requests a day**.
# **5 %** of requests upload a photo of **500 KB**; the rest each download **100 KB**. Photos
# are kept **10 years** in **3 copies**; the busiest hour runs at **twice** the average.
#
# Fill in `my_estimates()` with your estimates as plain numbers (work them out by hand or in
# a scratch cell; do not call `estimate_product`, which the hidden checks switch off):
# `rate_mean` (requests/s), `rate_peak`, `storage_pb` (petabytes over 10 years, all copies;
# 1 PB = 10¹⁵ bytes) and `peak_egress_gbps` (gigabits per second of downloads at the peak).
# Each figure within a **factor of 1.5** of the exact value earns 0.75 points (hidden checks,
# 3 points): rounding the day to 10⁵ seconds stays inside, a forgotten factor of 2 (the peak,
# say) does not. The visible check (1 point) checks the form of your answer and that your peak
# is twice your mean, then feeds your peak into a simulation to see whether a web tier sized
# from it holds the evening. It does not tell you whether your numbers are right: that is the
# point of estimating.

# %% nbgrader={"grade": false, "grade_id": "estimates", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_estimates():
    """Return {"rate_mean", "rate_peak", "storage_pb", "peak_egress_gbps"} as numbers."""
    ### BEGIN SOLUTION
    avg = 20e6 * 30 / 1e5  # a day is about 10^5 s: 6,000 requests/s (exact: 6,944)
    uploads = avg * 0.05  # 300 uploads/s
    storage = uploads * 1e5 * 500e3 * 365 * 10 * 3  # bytes: 164 PB
    egress = avg * 0.95 * 100e3 * 2 * 8  # bits/s at the peak
    return {
        "rate_mean": avg,
        "rate_peak": 2 * avg,
        "storage_pb": storage / 1e15,
        "peak_egress_gbps": egress / 1e9,
    }
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_estimates_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: four positive numbers, the peak twice the mean, then a simulation."""
import math
from collections.abc import Mapping

from scalelab.architecture import Design, Workload, simulate
from scalelab.checks import as_float

_est = my_estimates()
assert isinstance(_est, Mapping), (
    f"my_estimates() should return a dict, got {type(_est).__name__}")
_v = {}
for _key in ("rate_mean", "rate_peak", "storage_pb", "peak_egress_gbps"):
    _v[_key] = as_float(_est.get(_key), _key)
    assert math.isfinite(_v[_key]) and _v[_key] > 0, f"{_key} should be a positive number"
assert abs(_v["rate_peak"] / _v["rate_mean"] / 2 - 1) < 0.15, (
    "the busiest hour runs at twice the average: rate_peak should be about 2 x rate_mean")
# verify: a web tier sized from your peak, 70 % busy at 250 requests/s per server, 3 DCs
_n = max(1, math.ceil(_v["rate_peak"] / (250 * 0.7) / 3))
_wl = Workload(daily_users=20e6, requests_per_user=30, p_static=0.0, p_write=0.05,
               peak_factor=2.0)
_run = simulate(Design(n_servers=min(_n, 500), cdn=False), _wl, t_start=19 * 3600.0,
                t_end=21 * 3600.0, rng=np.random.default_rng(1))
print(f"Form right. Verify: {_n} servers per data centre (your peak / 3) give "
      f"{_run.total_availability:.3%} availability")
print("at the evening peak (seed 1). GeoDNS does not split users evenly:")
print("na-east serves the Americas, 44 % of them.")

# %% nbgrader={"grade": true, "grade_id": "test_estimates_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: each estimate within a factor of 1.5 of the exact figure (0.75 points each)."""
### BEGIN HIDDEN TESTS
import math

from scalelab.checks import as_float, library_disabled, partial_credit
from scalelab.estimate import Product, estimate_product

_truth = estimate_product(Product(20e6, 30, 0.05, 500, 100, 10, 3, 2.0))
_want = {
    "rate_mean": _truth.rate_mean,
    "rate_peak": _truth.rate_peak,
    "storage_pb": _truth.storage_bytes / 1e15,
    "peak_egress_gbps": _truth.rate_bytes_egress_peak * 8 / 1e9,
}
_score = 0.0
with library_disabled("scalelab.estimate.estimate_product"):
    _got = my_estimates()
for _key, _exact in _want.items():
    try:
        _v = as_float(_got.get(_key), _key)
    except AssertionError as err:
        print(err)
        continue
    _ok = _v > 0 and abs(math.log(_v / _exact)) <= math.log(1.5)
    _score += 0.75 * _ok
    print(f"{_key}: {'within' if _ok else 'outside'} a factor of 1.5")
partial_credit(_score, 3)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: an error budget (2 points)
#
# Write `budget_minutes(availability_target, days)`: the minutes of total outage that an
# availability target allows over `days` days. Raise `ValueError` when the target is not in
# [0, 1] or `days` is negative. The library's `error_budget_minutes` is switched off during the
# hidden checks.

# %% nbgrader={"grade": false, "grade_id": "budget", "locked": false, "schema_version": 3, "solution": true, "task": false}
def budget_minutes(availability_target, days=30):
    """Minutes of full outage allowed by ``availability_target`` over ``days`` days."""
    ### BEGIN SOLUTION
    if not 0 <= availability_target <= 1:
        raise ValueError(f"availability_target must be in [0, 1]; got {availability_target}")
    if days < 0:
        raise ValueError(f"days must be >= 0; got {days}")
    return (1 - availability_target) * days * 24 * 60
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_budget_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: the budget of 99.9 % over 30 days."""
from scalelab.checks import expect_close

expect_close(budget_minutes(0.999, 30), 43.2, rel=1e-9, what="99.9 % over 30 days (minutes)")
print("Visible check passed: the hidden checks try other targets, windows and errors.")

# %% nbgrader={"grade": true, "grade_id": "test_budget_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: other targets and windows, invalid inputs, no library helper."""
### BEGIN HIDDEN TESTS
from scalelab.checks import expect_close, expect_raises, library_disabled

with library_disabled("scalelab.architecture.error_budget_minutes"):
    expect_close(budget_minutes(0.99, 7), 100.8, rel=1e-9, what="scenario 'a week at 99 %'")
    expect_close(budget_minutes(0.9999, 365), 52.56, rel=1e-9, what="scenario 'a year at 99.99 %'")
    expect_close(budget_minutes(1.0, 30), 0.0, abs_tol=1e-12, what="scenario 'perfection'")
    expect_close(budget_minutes(0.0, 1), 1440.0, rel=1e-9, what="scenario 'no target at all'")
    expect_close(budget_minutes(0.99, 0), 0.0, abs_tol=1e-12, what="scenario 'an empty window'")
    for _bad in [(1.5, 30), (-0.1, 30), (0.99, -1)]:
        expect_raises(ValueError, budget_minutes, *_bad)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: grade the design (5 points: 1 visible, 1 per SLO)
#
# Return a `Design` for Shutterstall (fields in `help(Design)`) that meets the four SLOs of the
# table above (`capstone_slo()`) in **every** hidden scenario. Start from `shop_design()`, the
# design the chapters built, and change its fields with keywords (`shop_design(n_servers=...)`).
# The hardware is the product's: `rate_server` (what one web server serves) and `rate_worker`
# (what one worker does) are not design choices, so keep `shop_design()`'s values; a design
# that changes them fails the visible check and scores 0 in the hidden ones. The hidden
# scenarios are evening windows (19:00 to 21:00) of the product's day, `capstone_workload()`,
# with a 30 % traffic spike at 19:30, and each breaks one thing: a web server, a whole data
# centre, a cache node, a shard's master. Each SLO met in all of them earns 1 point (partial
# credit per SLO). The visible check runs a **practice scenario** (the Europe data centre fails
# at 19:30, seed 4242) and prints its results; replay it in the explorer or with
# `check_slos(practice.run(design), capstone_slo())`.

# %% nbgrader={"grade": false, "grade_id": "design", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_design():
    """Return a scalelab.architecture.Design."""
    ### BEGIN SOLUTION
    # Losing a data centre moves its users onto a neighbour at the spike: 48 servers per data
    # centre (26 carry a healthy evening) keep the survivors' overflow under the 0.5 % error
    # budget. The spike's writes outrun the stage's 42 workers and fill the queue until jobs are
    # dropped; 50 workers keep the backlog under the queue's limit. The stage's 5 replicas per
    # shard keep a master failure to a few dozen lost writes.
    return shop_design(n_servers=48, n_workers=50)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_design_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a Design on the product's hardware, run through the practice scenario
(results printed for replay)."""
from scalelab.architecture import Design, Failure, Scenario, check_slos
from scalelab.product import capstone_slo, capstone_workload, shop_design

_d = my_design()
assert type(_d) is Design, f"my_design() should return a Design, got {type(_d).__name__}"
_hw = shop_design()
assert (_d.rate_server, _d.rate_worker) == (_hw.rate_server, _hw.rate_worker), (
    "rate_server and rate_worker are the product's hardware, not design choices: keep "
    f"shop_design()'s ({_hw.rate_server:g} and {_hw.rate_worker:g}); got {_d.rate_server:g} and "
    f"{_d.rate_worker:g}")
practice = Scenario(
    "practice: Europe DC down",
    capstone_workload(spike_factor=1.3, t_spike=19.5 * 3600, t_spike_len=1800),
    (Failure("datacenter", 19.5 * 3600, 20.5 * 3600, 1),),
    seed=4242,
)
_r = check_slos(practice.run(_d), capstone_slo())
print(f"Practice scenario (seed 4242): p99 within 300 ms in {_r.p99_ok_share:.1%} of minutes, "
      f"availability {_r.availability:.3%},")
print(f"data lost {_r.data_lost:,.0f}, ${_r.cost_per_hour:.2f}/h. SLOs met: "
      f"{', '.join(k for k, ok in _r.met.items() if ok) or 'none'}")
print("Replay (other fields as in shop_design()):")
print(f"  show(explore_architecture, n_servers={_d.n_servers}, n_cache_nodes={_d.n_cache_nodes}, "
      f"n_replicas={_d.n_replicas}, n_workers={_d.n_workers},")
print(f"       cdn={_d.cdn}, dns_ttl={_d.dns_ttl}, spike=1.3, failure='datacenter', "
      "failure_hour=19.5,")
print("       window='evening 19-21 h', seed=4242)")
_mine = ("n_servers", "n_cache_nodes", "n_replicas", "n_workers", "cdn", "dns_ttl")
_other = [k for k in Design.__dataclass_fields__ if k not in _mine
          and getattr(_d, k) != getattr(_hw, k)]
if _other:
    print(f"  The explorer has no control for {', '.join(_other)}: its numbers will differ.")

# %% nbgrader={"grade": true, "grade_id": "test_design_hidden", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the design against four SLOs in hidden scenarios (1 point per SLO)."""
### BEGIN HIDDEN TESTS
from scalelab.architecture import Design, Failure, Scenario, grade_design
from scalelab.checks import partial_credit
from scalelab.product import capstone_slo, capstone_workload, shop_design

_h = 3600.0
_wl = capstone_workload(spike_factor=1.3, t_spike=19.5 * _h, t_spike_len=1800)
_hidden = [
    Scenario("a web server", _wl, (Failure("server", 19.2 * _h, 20 * _h, 0),), seed=811),
    Scenario("a data centre", _wl, (Failure("datacenter", 19.5 * _h, 20.5 * _h, 1),), seed=812),
    Scenario("a cache node", _wl, (Failure("cache", 19.5 * _h, 20 * _h),), seed=813),
    Scenario("a shard master", _wl, (Failure("master", 20 * _h, 20.2 * _h),), seed=814),
]
_score = 0.0
_d = my_design()
_hw = shop_design()
if type(_d) is not Design:
    print(f"my_design() returned a {type(_d).__name__}, not a Design: 0 points")
elif (_d.rate_server, _d.rate_worker) != (_hw.rate_server, _hw.rate_worker):
    print("rate_server or rate_worker changed: the hardware is the product's, not a design "
          "choice: 0 points")
else:
    _met = grade_design(_d, _hidden, capstone_slo())
    for _name, _ok in _met.items():
        print(f"SLO {_name}: {'met' if _ok else 'missed'} in the hidden scenarios")
    _score = float(sum(bool(v) for v in _met.values()))
partial_credit(_score, 4)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: an alert that pages for incidents, not for busy evenings (2 points)
#
# Write `should_page(metrics)`: given a run's metrics (a dict of per-minute numpy arrays, as
# in `day.metrics`), return a boolean array, True in each minute the on-call engineer should
# be paged. It is graded on hidden runs: incidents of several kinds must each be caught (at
# least one page during the incident), and quiet evenings, busy ones included, must raise no
# page at all. Hint: alert on a symptom users feel and on the error budget (target 99.9 %),
# not on a cause.

# %% nbgrader={"grade": false, "grade_id": "alert", "locked": false, "schema_version": 3, "solution": true, "task": false}
def should_page(metrics):
    """Per minute, True when someone should be paged."""
    ### BEGIN SOLUTION
    # page when errors burn a 30-day 99.9 % budget 14.4 times too fast (2 % in one hour)
    return np.asarray(metrics["error_rate"]) > 14.4 * (1 - 0.999)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_alert_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: catches the practice incident, and no page on a quiet evening."""
import numpy as np

from scalelab.architecture import Failure, incident_caught, simulate
from scalelab.product import capstone_workload, shop_design

_f = (Failure("datacenter", 19.5 * 3600, 20.5 * 3600, 1),)
_inc = simulate(shop_design(), capstone_workload(), _f, t_start=19 * 3600.0, t_end=21 * 3600.0,
                rng=np.random.default_rng(77))
_quiet = simulate(shop_design(n_servers=36), capstone_workload(), t_start=19 * 3600.0,
                  t_end=21 * 3600.0, rng=np.random.default_rng(78))
_p = np.asarray(should_page(_inc.metrics), dtype=bool)
assert _p.shape == _inc.t.shape, f"should_page should return one bool per minute, got {_p.shape}"
assert incident_caught(_p, _inc.t, _f), "the data-centre failure (seed 77) was not paged"
assert not np.any(np.asarray(should_page(_quiet.metrics), dtype=bool)), (
    "a page on a quiet evening (seed 78): a false alarm"
)
print("Visible check passed: the hidden runs try other incidents and busier evenings.")

# %% nbgrader={"grade": true, "grade_id": "test_alert_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: other incidents caught, no page on busy but healthy evenings."""
### BEGIN HIDDEN TESTS
import numpy as np

from scalelab.architecture import Failure, incident_caught, simulate
from scalelab.checks import partial_credit
from scalelab.product import capstone_workload, shop_design

_h = 3600.0
_busy = capstone_workload(spike_factor=1.4, t_spike=19.5 * _h, t_spike_len=1800)
_calm = capstone_workload()
_cases = [
    ("the CDN down, no failover", shop_design(cdn_strategy="none"), _calm,
     (Failure("cdn", 20 * _h, 20.3 * _h),), 91),
    ("the only cache node, a small database", shop_design(n_cache_nodes=1, n_shards=1), _calm,
     (Failure("cache", 19.7 * _h, 20.2 * _h),), 92),
    ("Asia DC at the peak", shop_design(), _calm,
     (Failure("datacenter", 20 * _h, 20.4 * _h, 2),), 93),
    ("busy evening", shop_design(n_servers=36), _busy, (), 94),
    ("busy evening, other seed", shop_design(n_servers=36), _busy, (), 95),
]
_good = 0
for _name, _d, _wl, _f, _seed in _cases:
    _run = simulate(_d, _wl, _f, t_start=19 * _h, t_end=21 * _h, rng=np.random.default_rng(_seed))
    _p = np.asarray(should_page(_run.metrics), dtype=bool)
    _ok = incident_caught(_p, _run.t, _f) if _f else not _p.any()
    _good += _ok
    print(f"scenario '{_name}': {'right' if _ok else 'wrong'}")
partial_credit(_good / len(_cases), 1)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 (written, 3 points): a design review
#
# A colleague proposes this design for Shutterstall: **one data centre** (na-east) with **150
# web servers** (at 400 requests/s each, 70 % busy with the evening's 41,667 requests/s, static
# files included), **no CDN**, **sticky sessions** kept in server memory, **one cache node**,
# **three database shards with no replica**, 42 workers. It saves the CDN's bill, most of what
# `shop_design()` costs an hour. In five to eight sentences, review it as you would in a design
# review: name the two or three biggest risks, back each with a number from this chapter's
# drills or your own estimate, and propose concrete changes in priority order, saying what
# each costs. (Graded by hand with the rubric in `grading/rubrics/14-millions.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "design_review", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# The design has three single points of failure. The shards have no replica: if a master dies, every
# write to its shard since the last backup is lost (a third of about 80 million writes by 20:00, at
# up to 2,083 writes/s at the peak) and writes to it fail for the hour a restore takes, so I would
# add two replicas per shard first (six at about USD 0.50 an hour each), which turns a master failure
# into a minute of failed writes and a few dozen lost ones. The single data centre means a regional
# outage is a total outage, and users in Asia and Oceania pay 150 to 200 ms of round trip on every
# request; a second and third data centre with GeoDNS and a 30-60 s TTL (roughly doubling the server
# bill, partly offset by needing fewer servers per site) fixes both. The single cache node means its
# failure sends all 18,750 reads/s to three databases of 2,000 operations/s each, so errors and
# latency climb together; four smaller nodes cost about the same. Sticky sessions log out every user
# of a server that dies or is scaled in (about 8,300 per server here: 1.25 million visits in
# progress over 150 servers); a shared store costs half a millisecond per request. Finally, a CDN
# takes half the requests off the web servers, so about half the servers would do, and puts static
# files 20 ms from users, at a bandwidth price similar to serving them ourselves.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message.
# 2. Click **Validate** in the toolbar.
# 3. **Self-paced?** Run `make check NB=14-millions` for feedback with the hidden checks.

# %% [markdown]
# ## Summary
#
# Shutterstall's whole day, on the design the chapters built for it, `shop_design()` (the
# stage's web servers spread over its data centres, its shards and replicas, a cache of 20,000
# listings, workers for its writes):

# %%
shop_built = shop_design()
shop_day = simulate(shop_built, capstone_workload(), rng=np.random.default_rng(SEED))
cdn_cost = np.mean(shop_day.cost_per_hour) - shop_built.cost_per_hour()
print(f"{PRODUCT.name}'s day: {shop_built.n_dcs} data centres × {shop_built.n_servers} web servers, "
      f"{shop_built.n_shards} shards × (1 + {shop_built.n_replicas} replicas), "
      f"{shop_built.n_workers} workers")
print(f"availability {shop_day.total_availability:.3%}, worst p99 {np.nanmax(shop_day.p99) * 1000:.0f} ms, "
      f"${np.mean(shop_day.cost_per_hour):.0f} an hour (${cdn_cost:.0f} of it CDN traffic)")
print(f"busiest data centre's web servers at 20:00: {np.max(shop_day.metrics['rho_web']):.0%} busy "
      "(users do not split evenly)")

# %% [markdown]
# - Estimate first: powers of two, a day of about 10⁵ seconds, a peak factor, bits versus
#   bytes, and the latency ladder from nanoseconds in memory to about 90 ms across the Atlantic
#   (Virginia to Frankfurt in the course's `BACKBONE_RTT`; the list's 150 ms is California to
#   the Netherlands and back).
# - A large system is its parts composed: each tier's output is the next tier's input, and the
#   end-to-end numbers (latency, errors, data lost, cost) only exist for the whole.
# - Failure drills show which redundancy matters: replicas protect data, extra data centres and
#   spare capacity protect availability, a short DNS TTL shortens failover, a CDN halves the
#   load on the web tier.
# - SLOs turn goals into numbers, error budgets turn them into decisions, and alerts on
#   symptoms (error-budget burn) page for incidents without paging for busy evenings.
#
# ## References
#
# - Dean, J. (2009). *Designs, lessons and advice from building large distributed systems*
#   (LADIS keynote; "numbers everyone should know").
#   https://www.cs.cornell.edu/projects/ladis2009/talks/dean-keynote-ladis2009.pdf
# - Bonér, J. (2012). *Latency numbers every programmer should know* (Dean's list, with SSD
#   lines). https://gist.github.com/jboner/2841832
# - Scott, C. (2020). *Latency numbers every programmer should know* (interactive).
#   https://colin-scott.github.io/personal_website/research/interactive_latency.html
# - Beyer, B., Jones, C., Petoff, J. and Murphy, N. R. (2016). *Site Reliability Engineering*,
#   chapters 4 (service level objectives) and 6 (monitoring distributed systems). O'Reilly.
#   https://sre.google/sre-book/table-of-contents/
# - Beyer, B., Murphy, N. R., Rensin, D. K., Kawahara, K. and Thorne, S. (2018). *The Site
#   Reliability Workbook*, chapter 5 (alerting on SLOs: burn rates). O'Reilly.
#   https://sre.google/workbook/alerting-on-slos/
# - CloudPing (2024). *AWS inter-region latency* (us-east-1 to eu-central-1 about 90 ms).
#   https://www.cloudping.co/grid ; WonderNetwork (2024). *Global ping statistics* (New York to
#   London about 70 to 80 ms). https://wondernetwork.com/pings
# - Green, L. and Kolesar, P. (1991). The pointwise stationary approximation for queues with
#   nonstationary arrivals. *Management Science* 37(1), 84-97.
#   https://doi.org/10.1287/mnsc.37.1.84
# - Amazon Web Services (2024). EC2, ElastiCache, RDS and CloudFront pricing pages.
#   https://aws.amazon.com/pricing/
