# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · CDNs: caches near the users, and what to do when they fail
#
# Chapter 07 put a cache between the web servers and the database. This chapter moves caching to
# the other end of the system: out of your data centre and into hundreds of buildings close to
# your users, run by a **content delivery network** (CDN). Most of the bytes a page needs
# (images, scripts, style sheets, video) are the same for everyone, so they can be served from
# near the user without ever reaching your servers. A CDN is also a dependency you do not
# control: when it goes down, your site can go down with it.
#
# **You will learn to**
# - explain how an edge cache serves static content, and compute the share of requests it keeps
#   away from your servers (the **offload**) from the TTL and the request rates;
# - show why many edges multiply the load on your origin, and how an **origin shield** fixes it;
# - decide which **dynamic content** a CDN can cache, and for how long;
# - ship new versions of files safely with **versioned URLs** instead of waiting for TTLs or purges;
# - measure what a CDN outage does with automatic **failover to the origin** and why that is
#   slow, and compare **multi-CDN**, **origin shields**, **redundant edges** and **local caching**
#   on failures, latency and cost.
#
# **Time:** about 60 minutes. **Points:** 13 (10 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. `SEED` fixes the random request traces of the chapter.

# %%
import numpy as np
import plotly.graph_objects as go

from scalelab.cache import hit_ratio, make_trace, zipf_popularity
from scalelab.cdn import (
    CDN,
    REGIONS,
    T_EDGE,
    Outage,
    Plan,
    Scenario,
    assign_regions,
    cache_key,
    cdn_buckets,
    origin_rate,
    p_stale,
    rtt_to_origin,
    run_drill,
    simulate_cdn,
    summarise,
    ttl_hit_ratio,
)
from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.estimate import diurnal_rate, human_bytes
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, T_CDN_TTL, bottleneck, opening, stage
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from scalelab.widgets.cdn import explore_cdn

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The problem: too many bytes, too far from the users
#
# Chapter 07 took most listing reads off Shutterstall's database. Half of its requests, though,
# fetch a photo or a thumbnail, and every byte of those leaves through the one link of the data
# centre, the **origin**:

# %%
print(opening("cdn").sentence)  # where chapter 07 left the shop
shop = stage("cdn")
print(f"{PRODUCT.name} now: {shop.daily_users:,} daily users, "
      f"{shop.rate_peak:,.0f} requests/s at 20:00")  # fmt: skip
rate_bytes_static = shop.rate_static * PRODUCT.bytes_static  # a photo 2 MB, a thumbnail 20 kB
print(f"{shop.rate_static:,.0f} of them fetch photos and thumbnails: "
      f"{human_bytes(rate_bytes_static)}/s to send.")  # fmt: skip

# %% [markdown]
# A bigger link would carry the bytes, but not make them arrive sooner. The origin stands in
# one region, North America east, and Shutterstall's users are everywhere. However fast the
# servers are, every round trip to them costs the time light needs to cross the distance in
# fibre and back, plus the detours of real cables. From each user region (the same round-trip
# table as chapter 10), compared with a server in the user's own metro area:

# %%
print(f"{'users in':<10} {'to the origin':>14} {'to a nearby edge':>17}")
for region in REGIONS:
    print(f"{region:<10} {rtt_to_origin(region) * 1000:>11.0f} ms {T_EDGE * 1000:>14.0f} ms")

# %% [markdown]
# A page is not one request. A typical page needs dozens of files, fetched over a few
# connections, and each new connection costs extra round trips for the TCP and TLS handshakes
# before the first byte arrives. For a user in Sydney, 220 ms per round trip turns into seconds
# of waiting; 20 ms does not.
#
# Most of those files are **static**: the same bytes for every user until the next release
# (images, fonts, JavaScript, CSS, video segments). That is what makes a CDN possible.
#
# ## How a CDN serves static content
#
# A CDN runs caches in many data centres around the world, its **edges** or points of presence
# (in 2010 Akamai alone ran more than 61,000 servers in nearly 1,000 networks in 70 countries;
# Nygren, Sitaraman and Sun). DNS
# (chapter 01) or anycast routing sends each user to a nearby edge. The edge works like the
# cache-aside tier of chapter 07, but for HTTP:
#
# 1. The user asks the edge for `https://cdn.example.com/img/logo.png`. The **cache key** is the
#    URL (plus whatever headers the CDN is told to include).
# 2. **Hit**: the edge has a fresh copy and answers in one short round trip.
# 3. **Miss**: the edge fetches the object from the origin, stores it, and answers. The origin's
#    response says how long the copy may be served, for example `Cache-Control: max-age=3600`:
#    the **time to live (TTL)**, one hour here (HTTP caching is specified in RFC 9111).
# 4. When the TTL runs out, the copy is **expired**; the next request fetches it again.
#
# The stage the system reaches in this chapter:
#
# ```mermaid
# flowchart TB
#     U1[Users in Europe] --> E1[CDN edge: Frankfurt]
#     U2[Users in Asia] --> E2[CDN edge: Tokyo]
#     U3[Users in America] --> E3[CDN edge: Virginia]
#     U1 -. repeat visits .-> L[Browser cache]
#     E1 -- miss --> S[(Origin shield)]
#     E2 -- miss --> S
#     E3 -- miss --> S
#     S -- miss --> LB[Load balancer]
#     U1 -. "API calls, HTML" .-> LB
#     LB --> W1[Web servers]
#     W1 --> C[(Cache)]
#     W1 --> DB[(Database + replicas)]
# ```
#
# The library models each edge as a cache from chapter 07 (`scalelab.cache`), with a TTL, one
# per region, an optional **origin shield** in front of the origin (more on it below), and an
# origin that publishes new versions of objects.

# %% [markdown]
# ## One edge is a cache from chapter 07
#
# With one edge, no shield and no TTL, a CDN edge is exactly the LRU cache of chapter 07: the
# share of requests it answers, its offload, is the cache's hit ratio on the same requests.
# Here are 60,000 requests for 5,000 files with Zipf popularity, arriving at 60 per second for
# 1,000 seconds, through an edge that holds 500 of them:

# %%
trace = make_trace("zipf", n_objects=5_000, n_requests=60_000, alpha=0.8, rate=60.0, rng=rng)
one_edge = simulate_cdn(trace, n_capacity=500)
print(
    f"edge offload:               {one_edge.offload:.4f}\n"
    f"chapter 07's LRU hit ratio: {hit_ratio(trace, 'lru', 500):.4f}"
)

# %% [markdown]
# The same number, because it is the same computation. Everything chapter 07 taught about
# sizes, policies and skew carries over. Real edges hold terabytes, so for a CDN the size is
# often not the limit: the TTL is.
#
# ## The TTL decides the offload
#
# Shutterstall's photos and thumbnails carry a TTL of one day. **Predict first**: a thumbnail
# from the long tail of the catalogue is requested at one edge once an hour. What share of
# those requests does the edge answer from its copy?

# %%
predict("ttl-hit", ..., unit="%",
        question="hits at one edge: a thumbnail requested once an hour, with a one-day TTL")

# %% [markdown]
# Take one file requested at `λ` requests per second, with TTL `T`. The first request after the
# copy expires misses; during the next `T` seconds about `λT` more requests arrive, and all of
# them hit. So out of every `1 + λT` requests, one misses:
#
# $$\text{hit share of one object} = \frac{\lambda T}{1 + \lambda T}.$$
#
# A popular file (λ = 10 per second) with a one-minute TTL hits 600 times out of 601; a rarely
# requested file (one request per hour) almost never hits with that TTL. An edge's offload is
# this share averaged over its objects, **weighted by their request rates**. The formula
# against a replay of the trace through an edge big enough to hold everything (the first half
# of the trace, 500 seconds, warms it up), then Shutterstall's thumbnail:

# %%
popularity = zipf_popularity(5_000, 0.8)
lines = []
for t_ttl in (1, 10, 60, 300):
    run = simulate_cdn(trace, n_capacity=5_000, t_ttl=float(t_ttl))
    replayed = float(np.mean(run.served_by[30_000:] != 2))
    formula = ttl_hit_ratio(60.0 * popularity, t_ttl)
    lines.append(f"TTL {t_ttl:>5} s: offload {formula:.3f} by the formula, {replayed:.3f} replayed")
print("\n".join(lines))
rate_thumbnail = 1 / 3_600  # Shutterstall's long-tail thumbnail at one edge, requests/s
p_thumbnail = ttl_hit_ratio([rate_thumbnail], T_CDN_TTL)
n_per_ttl = rate_thumbnail * T_CDN_TTL  # requests that arrive while one copy lives
reveal("ttl-hit", 100 * p_thumbnail, why=f"a copy kept a day serves the {n_per_ttl:.0f} requests "
       f"after the miss that fetched it: 1 miss in {1 + n_per_ttl:.0f}")

# %% [markdown]
# Longer TTLs raise the offload, quickly at first and then slowly: the popular files already
# hit, and each extra minute only helps the long tail of rarely requested files. What limits
# the TTL is **freshness**: a copy at the edge is served until it expires even if the origin
# has changed it. We come back to that below: Shutterstall can keep its files for a day only
# because a new version of a photo gets a new URL.
#
# ## Many edges, and the origin shield
#
# A CDN has an edge in every region, and **each edge fetches its own copy**. With six regions
# and a short TTL the origin receives up to six misses per object per TTL instead of one. An
# **origin shield** is one more cache layer, run by the CDN next to the origin: edges that miss
# ask the shield, and only the shield asks the origin. Six edges that miss the same file within
# one TTL cost the origin one request. The formula (`origin_rate`) for the same 60 requests/s,
# spread over our six regions, follows. **Predict first**: with a TTL of ten minutes, how many
# times fewer requests reach the origin with a shield than without one?

# %%
predict("shield-factor", ..., unit="times fewer",
        question="origin requests without a shield over with one: six edges, TTL 600 s")

# %%
region_share = np.array(CDN().users) / sum(CDN().users)
rate_edge = np.outer(60.0 * region_share, popularity)  # [edge][object], requests/s
lines = []
for t_ttl in (10, 60, 600):
    alone = origin_rate(rate_edge, t_ttl)
    shielded = origin_rate(rate_edge, t_ttl, shield=True)
    lines.append(
        f"TTL {t_ttl:>4} s: origin receives {alone:6.1f} requests/s without a shield, "
        f"{shielded:5.1f} with one ({alone / shielded:.1f}x fewer)"
    )
print("\n".join(lines))
factor = origin_rate(rate_edge, 600) / origin_rate(rate_edge, 600, shield=True)
reveal("shield-factor", factor, why="six only for files every edge fetches each TTL; a rare "
       "file misses at the shield too")

# %% [markdown]
# The replay agrees: the same trace spread over six edges of 5,000 objects each, TTL 60 s.

# %%
user_region = assign_regions(len(trace), rng=rng)  # each request's region, by user numbers
lines = []
for with_shield in (False, True):
    run = simulate_cdn(
        trace, regions=user_region, n_regions=6, n_capacity=5_000, t_ttl=60.0, shield=with_shield
    )
    lines.append(
        f"shield {'on ' if with_shield else 'off'}: edges answer {run.edge_hit_ratio:.1%}, "
        f"origin serves {run.n_origin:,} of {len(trace):,} requests"
    )
print("\n".join(lines))

# %% [markdown]
# The edges hit exactly as often either way (the shield sits behind them), but the origin
# serves about 40 % fewer requests; the more edges and the longer the TTL, the bigger the saving
# (3.3 times at 600 s above). Shields cost a little (a fee per request that reaches
# them, and one more hop on a miss), and they matter most when there are many edges, short TTLs,
# or edges that are **empty**: after a restart, a purge, or an outage. That last case is where
# they earn their keep, as the failure drill will show.
#
# ## Dynamic content can be cached too
#
# Not everything is static. An API answer (`GET /api/products/42`), a search result or a home
# page is produced by code for each request. Three cases:
#
# - **The same for everyone, changing often** (prices, a news front page, a sports score): cache
#   it with a short TTL, one to a few seconds, sometimes called **microcaching**. One second
#   is invisible to users, and a busy URL requested 500 times a second then costs the origin one
#   request a second instead of 500.
# - **Different per user** (a shopping cart, a personal feed): the cache key would have to
#   include the user, each key is requested rarely, and the cache almost never hits. Such
#   responses are marked `Cache-Control: private` and go to the origin, although the CDN still
#   helps them with its fast, already-open connections to the origin.
# - **Assembled from parts**: cache the shared parts (the page frame, the product data) and add
#   the personal part in the browser or at the edge.
#
# The same TTL formula tells the story:

# %%
busy = ttl_hit_ratio([500.0], 1.0)
per_user = ttl_hit_ratio([500.0 / 100_000] * 100_000, 1.0)
print(
    f"one URL at 500 requests/s, TTL 1 s:              offload {busy:.1%}\n"
    f"the same traffic split over 100,000 users' URLs: offload {per_user:.2%}"
)

# %% [markdown]
# ## Changing content: TTLs, purges and versioned URLs
#
# Say `app.css` changes with a release. Three ways to get the new file to users:
#
# 1. **Wait for the TTL.** Simple, but every edge serves the old file until its copy expires:
#    with a one-day TTL, for up to a day. Users may get new HTML with old CSS.
# 2. **Purge.** Call the CDN's API to delete the object from every edge. Purges take time to
#    propagate (seconds on a fast CDN, minutes on some), must be called for every changed file,
#    and a purged object is fetched again from the origin by every edge at once.
# 3. **Version the URL.** Put a version in the file's **name**, `app.3f2a9c1b.css`, and make
#    the HTML point at the new URL. A new version is a **new cache key**: no edge holds it,
#    so the first request fetches it, and no user can get an older version from a newer page.
#    Old versions simply stop being requested. Versioned files never change, so they can carry
#    a very long TTL (`Cache-Control: max-age=31536000, immutable`), which maximises offload.
#    Only the HTML that references them needs a short TTL.
#
# Why in the name and not in a query string such as `app.css?v=3f2a9c1b`? Because the query
# is part of the cache key only if the CDN is told so. Many CDNs leave query strings out of the
# key for static content: CloudFront's managed *CachingOptimized* policy, the usual choice for
# assets, includes no query strings at all. Then `app.css?v=1` and `app.css?v=2` are one cache
# entry, and the edge keeps serving the old file until its TTL ends, which with a one-year TTL
# is a year. A fingerprinted file name is a new key on every CDN, whatever its settings:

# %%
old_css, new_css = "/static/app.css?v=1a2b3c4d", "/static/app.css?v=9f8e7d6c"
print(
    f"query version, query left out of the key: "
    f"{cache_key(old_css) != cache_key(new_css)} (a new key?)\n"
    f"query version, query in the key:          "
    f"{cache_key(old_css, query_strings='all') != cache_key(new_css, query_strings='all')}\n"
    f"version in the file name:                 "
    f"{cache_key('/static/app.1a2b3c4d.css') != cache_key('/static/app.9f8e7d6c.css')}"
)

# %% [markdown]
# A replay of 20 releases of a few files, through an edge with a 10-minute TTL:

# %%
small = make_trace("zipf", n_objects=20, n_requests=30_000, alpha=0.8, rate=10.0, rng=rng)
release_times = np.sort(rng.uniform(0, small.t[-1], 20))
release_keys = rng.integers(0, 20, 20)
releases = (release_times, release_keys)
ways = {
    "wait for the TTL": dict(t_ttl=600.0, updates=releases),
    "purge (30 s to propagate)": dict(t_ttl=600.0, updates=releases, purges=releases, t_purge=30.0),
    "versioned URLs": dict(t_ttl=600.0, updates=releases, versioned=True),
}
lines = []
for name, options in ways.items():
    run = simulate_cdn(small, n_capacity=20, **options)
    lines.append(f"{name:<26} stale responses: {run.n_stale:>5,}   offload {run.offload:.3f}")
print("\n".join(lines))

# %% [markdown]
# The library's `p_stale(t_ttl, rate_update, invalidation)` gives the same picture as a
# formula: the share of hits that return an outdated copy. For a file that changes about once an
# hour, cached for an hour:

# %%
print(
    "\n".join(
        f"{way:<10} {p_stale(3_600, 1 / 3_600, way, t_purge=5):.2%} of hits are stale"
        for way in ("ttl", "purge", "versioned")
    )
)

# %% [markdown]
# ## When the CDN fails
#
# A CDN is one of the most reliable systems on the internet, and it still fails, all at once,
# for everyone who uses it:
#
# - **Fastly, 8 June 2021.** A customer pushed a valid configuration change that triggered a
#   latent software bug; 85 % of Fastly's network returned errors. Major news sites, Amazon,
#   Reddit and government sites were down for most of an hour; 95 % of the network was back
#   within 49 minutes (Rockwell, Fastly, 2021).
# - **Akamai, 22 July 2021.** A configuration update triggered a bug in Akamai's Edge DNS
#   service; sites of banks, airlines and retailers could not be resolved for about an hour
#   (Akamai, 2021).
# - **Cloudflare, 2 July 2019.** One regular expression in a firewall rule pushed every CPU
#   serving HTTP to 100 % worldwide for 27 minutes (Graham-Cumming, Cloudflare, 2019).
#
# Most CDNs offer **automatic failover to the origin**: when edges cannot be reached, traffic is
# sent straight to your own servers (by your DNS provider's health checks, or by the CDN itself
# when only its cache layer is broken). That keeps the site reachable *in principle*, but it is
# slow, for four reasons the model measures:
#
# 1. **Detection**: health checks must fail a few times and DNS answers must expire before
#    clients move (chapter 10); requests in between fail. The model uses 2 minutes.
# 2. **Distance**: users now cross oceans for every file (the table at the top).
# 3. **Load**: an origin sized for the CDN's misses, a few tenths of the traffic, suddenly
#    receives all of it. It queues, then refuses what it cannot serve.
# 4. **Cold caches afterwards**: when the CDN comes back its edges may be empty, and every
#    edge refills from the origin at once.
#
# The drill: 10,000 requests/s for two hours, in one-minute steps; the whole CDN (every
# region, and its shield) fails from minute 30 to minute 60 and comes back empty; the origin
# can serve 4,000 requests/s. 20 % of requests are dynamic (TTL 2 s), the rest static (TTL one
# hour). Failover to the origin, without and with a shield. **Predict first**: without a shield,
# what share of the two hours' requests fail?

# %%
predict("outage-failed", ..., unit="%",
        question="requests failed in two hours: the whole CDN down 30 minutes, failover to origin")

# %%
minutes = np.arange(120) + 0.5
steady = np.full(120, 10_000.0)
outage = Outage(t_start=1_800, t_end=3_600)
drill = {
    with_shield: cdn_buckets(steady, 60.0, CDN(shield=with_shield), outage=outage)
    for with_shield in (False, True)
}
lines = []
for with_shield, out in drill.items():
    s = summarise(out, outage)
    lines.append(
        f"shield {'on ' if with_shield else 'off'}: origin {out.rate_origin[0]:6,.0f}/s normally, "
        f"{s.peak_origin:6,.0f}/s in the outage, {s.peak_origin_after:6,.0f}/s after; "
        f"{s.failed_share:.1%} failed"
    )
print("\n".join(lines))
p_failed = summarise(drill[False], outage).failed_share  # no shield
reveal("outage-failed", 100 * p_failed, why="the outage is a quarter of the two hours, and in it "
       "the origin serves 4,000 of 10,000 requests/s")

drill_fig = go.Figure(
    [
        go.Scatter(
            x=minutes,
            y=drill[False].rate_origin,
            name="origin load, no shield",
            line=dict(color=PALETTE[0], dash=DASHES[0]),
        ),
        go.Scatter(
            x=minutes,
            y=drill[True].rate_origin,
            name="origin load, with shield",
            line=dict(color=PALETTE[2], dash=DASHES[1]),
        ),
        go.Scatter(
            x=[0, 120],
            y=[4_000, 4_000],
            name="origin capacity",
            line=dict(color=PALETTE[7], dash=DASHES[2]),
        ),
    ],
    layout=base_layout(
        "Failover to the origin: a 30-minute CDN outage", "time (minutes)", "requests/s"
    ),
)
drill_fig

# %% [markdown]
# Read the plot from left to right:
#
# - **Before**: the origin sees only misses, about 2,250 requests/s without a shield and 1,050
#   with one.
# - **Minutes 30-32**: the CDN is down but clients have not moved yet: those requests fail.
# - **Minutes 32-60**: every request goes to the origin, 2.5 times what it can serve. It runs
#   flat out with long queues and refuses the rest: well over half the requests in the outage
#   fail, and the ones that succeed wait behind a full queue after crossing an ocean. A shield
#   cannot help here: it belonged to the CDN that is down.
# - **After**: the edges come back **empty**. Without a shield every edge refills from the
#   origin at once and the load jumps to about 1.6 times normal; with a shield, the edges'
#   misses meet in one place and the spike is half as high.
#
# Latency by region tells the users' side. The median and the 99th percentile in three regions,
# before the outage and at minute 45, a failed request counting as a 10 s timeout; then the same
# for a smaller failure, Europe's edges alone, also handled by failover to the origin:

# %%
plain = drill[False]
europe_only = cdn_buckets(steady, 60.0, CDN(), outage=Outage(1_800, 3_600, ("europe",)))
lines = []
for label, out, region in [
    ("whole CDN", plain, "na-east"),
    ("whole CDN", plain, "europe"),
    ("whole CDN", plain, "oceania"),
    ("Europe only", europe_only, "europe"),
]:
    i = REGIONS.index(region)
    lines.append(
        f"{label:<11} {region:<8} before: p50 {out.p50[0, i] * 1000:3.0f} ms, "
        f"p99 {out.p99[0, i] * 1000:3.0f} ms | minute 45: p50 {out.p50[45, i] * 1000:6,.0f} ms, "
        f"p99 {out.p99[45, i] * 1000:6,.0f} ms"
    )
print("\n".join(lines))

# %% [markdown]
# With the whole CDN down, more than half of the requests fail, so even the median user waits
# for a timeout. When only Europe's edges fail, the origin receives Europe's 2,500 requests/s on
# top of everyone's misses, slightly more than it can serve: it runs at full utilisation, its
# queue grows, and the median European waits about three seconds per file instead of 20 ms. That
# is the most common way failover to the origin "works but is slow".

# %% [markdown]
# ## Strategies against a CDN failure
#
# The seed notes name the options; here is what each one does, in the model and in practice.
#
# - **Multi-CDN.** Contract a second CDN and move traffic to it when the first fails (DNS-based
#   traffic steering, again after a detection delay). A *cold standby* receives nothing day to
#   day, so its caches are empty at the switch and the origin takes its misses; a *warm* setup
#   sends it a share of traffic every day (`p_second`), which keeps its caches filled but
#   splits the traffic, so each CDN's caches hit a little less often. Either way you pay a second
#   contract, usually with a monthly minimum, and you must keep two configurations (cache
#   rules, TLS certificates, purge calls) in step.
# - **Origin shield.** Protects the origin from many edges at once, every day and after
#   restarts. It does not help when the whole provider is down, because it is part of it.
# - **Edge caching with redundancy.** A large CDN can serve a region from its next-nearest
#   edges when one location fails, without waiting for DNS: the users pay a longer round trip,
#   but those edges already hold the popular files. It works for regional failures; it cannot
#   help when a bug takes down every edge at once, as in 2019 and 2021.
# - **Local caching.** Files already in the user's browser or app (a long `max-age`, a service
#   worker, an app's offline storage) need no network at all, outage or not. A response header
#   such as `stale-if-error` (RFC 5861) also lets a cache serve an expired copy when the origin
#   errors. It protects returning users, not new ones.
#
# The same model, one run per strategy, for a regional failure (the European edges, 30 minutes)
# and for the whole CDN failing; cost is per hour of the two-hour drill:

# %%
cases = {
    "Europe's edges down": Outage(1_800, 3_600, regions=("europe",)),
    "the whole CDN down": Outage(1_800, 3_600),
}
plans = {
    "do nothing": Plan("none"),
    "failover to origin": Plan("origin"),
    "origin + shield": Plan("origin", shield=True),
    "redundant edges + shield": Plan("redundant", shield=True),
    "second CDN, cold": Plan("multi-cdn", shield=True),
    "second CDN, 20 % warm": Plan("multi-cdn", shield=True, p_second=0.2),
}
lines = []
for case, case_outage in cases.items():
    lines.append(f"{case}:")
    for label, plan in plans.items():
        s, _ = run_drill(Scenario(case, outage=case_outage, t_bucket=60.0), plan)
        lines.append(
            f"  {label:<25} failed {s.failed_share:6.2%}   peak origin {s.peak_origin:6,.0f}/s   "
            f"${s.cost_per_hour:6.1f}/h"
        )
print("\n".join(lines))

# %% [markdown]
# What the numbers say:
#
# - For a **regional** failure, rerouting to the CDN's other edges beats everything: it reacts
#   in seconds, and those edges are warm. Failover to the origin also works when the origin has
#   room for one region's traffic.
# - For a **provider-wide** failure, only a second CDN keeps failures near the unavoidable ones
#   before detection (2 of 120 minutes, about 1.7 %). Warm traffic on it lowers that a little,
#   because that share never fails, and costs more every day.
# - The second CDN's contract costs money **every hour**, outage or not; the table shows about
#   USD 40 an hour more than the cheapest plans in the drill, partly because it delivers the
#   requests the other plans lose. Outside outages a cold standby costs its minimum commitment,
#   USD 6 an hour in the model (about USD 52,000 a year). Whether that is worth it depends on what an
#   hour of downtime costs you, which is Exercise 4's question.
#
# Local caching is the one strategy that helps in every case: try the **Answered by users' own
# caches** slider below.
#
# ## A day for the capstone
#
# Chapter 14 composes every model over a day of traffic. This model's time-bucketed form takes
# the offered requests per second in each bucket and returns the offload, the origin load, the
# failures and the latency per bucket. A day with an evening peak 1.8 times the average of
# 8,000 requests/s, a shield, and a one-hour European outage at 20:00 handled by redundant edges:

# %%
hours = np.arange(0, 24, 0.25)
day_rate = diurnal_rate(hours, 8_000.0, 1.8)
day_outage = Outage(20 * 3_600, 21 * 3_600, regions=("europe",))
day = cdn_buckets(day_rate, 900.0, CDN(shield=True), outage=day_outage, strategy="redundant")
print(
    f"offload {day.offload.min():.1%}-{day.offload.max():.1%}; origin load peaks at "
    f"{day.rate_origin.max():,.0f} requests/s;"
)
print(
    f"{np.sum(day.rate_failed) / np.sum(day_rate):.3%} of the day's requests failed; "
    f"the day cost ${day.cost.sum():,.0f}"
)

# %% [markdown]
# ## Explore
#
# The widget runs the two-hour drill. The top panel shows the requests per second offered to the
# origin against its capacity, and the failed requests; the bottom panel shows the median and
# 99th-percentile latency of all users (log scale). The caption states the key numbers. Drag a
# slider, or click it and use the arrow keys.
#
# *Try:*
# - move **Static TTL** from 1 s up to a day: where does the offload stop improving, and why
#   (think of the dynamic requests and the edge's capacity)?
# - switch the **origin shield** on and off and watch the spike after minute 60;
# - choose **redundant edges**, then set **Outage in** to one region and back to every region;
# - choose **second CDN** and raise its everyday share: what happens to failures and to cost?
# - raise **Answered by users' own caches**: which strategy's failures does it reduce?

# %%
explorer = show(explore_cdn)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: the offload of one edge for a TTL (3 points)
#
# Write `edge_offload(rate, t_ttl)`. `rate` is a list (or array) of request rates, one per
# object, in requests per second, at one edge; `t_ttl` is the TTL in seconds. Return, as a float,
# the share of all requests the edge answers from its cache, using the hit share
# `λT / (1 + λT)` of each object (λ its rate, T the TTL), **weighted by the object's rate**. Return 0.0 if all rates are
# 0. Raise `ValueError` if `t_ttl` or any rate is negative.
#
# Write it with arithmetic (numpy is welcome): the library's `ttl_hit_ratio` and `origin_rate`
# are switched off while the hidden checks run.


# %% nbgrader={"grade": false, "grade_id": "edge_offload", "locked": false, "schema_version": 3, "solution": true, "task": false}
def edge_offload(rate, t_ttl):
    """Share of requests (0-1) that one TTL edge answers, for per-object rates (requests/s)."""
    ### BEGIN SOLUTION
    lam = np.asarray(rate, dtype=float)
    if t_ttl < 0:
        raise ValueError(f"t_ttl must be >= 0 seconds; got {t_ttl}")
    if np.any(lam < 0):
        raise ValueError("rate must be >= 0 requests/s")
    total = lam.sum()
    if total == 0:
        return 0.0
    hit_share = lam * t_ttl / (1 + lam * t_ttl)
    return float(np.sum(lam * hit_share) / total)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_edge_offload_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: one object at 10 requests/s with a 1 s TTL, and two equally popular objects."""
from scalelab.checks import expect_close

expect_close(
    edge_offload([10.0], 1.0), 10 / 11, rel=1e-9, what="one object, 10 requests/s, TTL 1 s"
)
expect_close(
    edge_offload([2.0, 2.0], 0.5), 0.5, rel=1e-9, what="two objects at 2 requests/s, TTL 0.5 s"
)
print("Visible check passed: the hidden checks use unequal rates, a zero TTL and bad inputs.")

# %% nbgrader={"grade": true, "grade_id": "test_edge_offload_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: skewed rates, a zero TTL, idle objects, bad inputs, and no library shortcut."""
### BEGIN HIDDEN TESTS
from scalelab.cache import zipf_popularity as _zipf
from scalelab.checks import expect_close, expect_raises, library_disabled


def _reference(rate, t):
    total = sum(rate)
    return sum(r * (r * t / (1 + r * t)) for r in rate) / total if total else 0.0


_cases = {
    "a Zipf catalogue at one edge": (list(800.0 * _zipf(2_000, 0.8)), 30.0),
    "one hot object, one cold": ([50.0, 0.01], 10.0),
    "no caching (TTL 0)": ([3.0, 4.0], 0.0),
    "idle objects count for nothing": ([0.0, 2.0, 0.0, 0.5], 1.5),
}
with library_disabled("scalelab.cdn.ttl_hit_ratio", "scalelab.cdn.origin_rate"):
    for _name, (_rates, _t) in _cases.items():
        expect_close(
            edge_offload(_rates, _t),
            _reference(_rates, _t),
            rel=1e-9,
            what=f"scenario '{_name}': offload",
        )
    expect_close(
        edge_offload(np.array([5.0, 1.0]), 2.0),
        _reference([5.0, 1.0], 2.0),
        rel=1e-9,
        what="scenario 'rates as a numpy array': offload",
    )
    expect_close(edge_offload([0.0, 0.0], 5.0), 0.0, abs_tol=1e-12, what="scenario 'no requests'")
    expect_raises(ValueError, edge_offload, [1.0, 2.0], -1.0)
    expect_raises(ValueError, edge_offload, [1.0, -2.0], 1.0)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: versioned asset URLs (3 points)
#
# Your build step publishes static files through a CDN whose cache policy, like CloudFront's
# managed CachingOptimized, **leaves query strings out of the cache key**. Write
# `versioned_url(path, content)`: `path` is the file's URL path (a string such as
# `"/static/app.css"`, maybe with a query string) and `content` the file's bytes. The version is
# the **first 8 hexadecimal characters of the SHA-256 digest of the content**
# (`hashlib.sha256(content).hexdigest()[:8]`). Put it in the **file name**, so that each version
# is a new cache key on this CDN: insert `.` and the version before the last extension of the
# last path segment (`"/static/app.css"` → `"/static/app.1a2b3c4d.css"`,
# `"/js/jquery.min.js"` → `"/js/jquery.min.1a2b3c4d.js"`); a file name with no extension gets
# `.` and the version at its end. Keep any query string unchanged after the new path
# (`"/static/app.js?lang=en"` → `"/static/app.1a2b3c4d.js?lang=en"`).
#
# Why a hash of the content, and not a release number or a timestamp? Think of two web servers
# rendering the same page, and of a release that changes only one file.


# %% nbgrader={"grade": false, "grade_id": "versioned_url", "locked": false, "schema_version": 3, "solution": true, "task": false}
def versioned_url(path, content):
    """``path`` with the first 8 hex digits of SHA-256(content) in its file name."""
    ### BEGIN SOLUTION
    import hashlib

    version = hashlib.sha256(content).hexdigest()[:8]
    path, mark, query = path.partition("?")
    folder, slash, name = path.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    name = f"{stem}.{version}.{ext}" if dot and stem else f"{name}.{version}"
    return f"{folder}{slash}{name}{mark}{query}"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_versioned_url_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: the URL keeps its folder and changes exactly when the content changes."""
import re as _re

_old = versioned_url("/static/app.css", b"body { color: black }")
_new = versioned_url("/static/app.css", b"body { color: navy }")
assert type(_old) is str and _old.startswith("/static/app"), (
    f"expected a URL under '/static/app', got {_old!r}"
)
assert _re.search(r"[0-9a-f]{8}", _old), f"the URL should carry 8 lowercase hex digits: {_old!r}"
assert _old != _new, "new content must give a new URL"
assert versioned_url("/static/app.css", b"body { color: black }") == _old, (
    "the same content must always give the same URL"
)
print("Visible check passed: the hidden checks compare exact URLs and this CDN's cache keys.")

# %% nbgrader={"grade": true, "grade_id": "test_versioned_url_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: a new cache key per version on this CDN, exact names, queries kept."""
### BEGIN HIDDEN TESTS
import hashlib as _hashlib

from scalelab.cdn import cache_key as _cache_key


def _vu_hash(content):
    return _hashlib.sha256(content).hexdigest()[:8]


_vu_a = versioned_url("/static/app.css", b"body { color: black }")
_vu_b = versioned_url("/static/app.css", b"body { color: navy }")
assert _cache_key(str(_vu_a)) != _cache_key(str(_vu_b)), (
    "scenario 'query strings left out of the cache key': two versions of app.css share the "
    f"cache key {_cache_key(str(_vu_a))!r} on this CDN, so the edges keep serving the old file"
)
for _path, _content, _want in [
    ("/static/app.css", b"body { color: black }", "/static/app.{v}.css"),
    ("/img/logo.png", bytes(range(256)) * 40, "/img/logo.{v}.png"),
    ("/static/empty.js", b"", "/static/empty.{v}.js"),
    ("/js/jquery.min.js", b"$", "/js/jquery.min.{v}.js"),
    ("/static/LICENSE", b"MIT", "/static/LICENSE.{v}"),
    ("/v1.2/app", b"x", "/v1.2/app.{v}"),
    ("/fonts/inter.woff2", "naïve café".encode(), "/fonts/inter.{v}.woff2"),
    ("/static/app.js?lang=en", b"console.log(1)", "/static/app.{v}.js?lang=en"),
]:
    _want = _want.format(v=_vu_hash(_content))
    _got = versioned_url(_path, _content)
    assert type(_got) is str and _got == _want, (
        f"scenario '{_path}': expected {_want!r}, got {_got!r}"
    )
assert versioned_url("/a.css", b"x") != versioned_url("/b.css", b"x"), "scenario 'two paths'"
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: pick a strategy for an outage, within a budget (4 points)
#
# Write `choose_plan(scenario)` that returns a `Plan` for the given `Scenario`. A `Plan` has a
# `strategy` (`"none"`, `"origin"`, `"multi-cdn"` or `"redundant"`), `shield` (True or False)
# and `p_second` (the second CDN's everyday share of traffic, 0 to 0.5; used only with
# `"multi-cdn"`). A `Scenario` describes the traffic, the outage, the site and two targets:
# at most `scenario.max_failed` of all requests may fail, and the run may cost at most
# `scenario.budget_hour` dollars per hour.
#
# `run_drill(scenario, plan)` runs a plan through a scenario and returns its `DrillSummary`
# (with `failed_share` and `cost_per_hour`) and whether both targets are met. Your plan should
# meet both targets; among plans that do, prefer the cheapest. The visible check uses the
# scenario below; the hidden checks use four other outages, sites and budgets, and give
# 0.5 points for each one your plan survives, and 0.25 more when it is also the cheapest: no
# surviving plan of this grid costs more than 0.5 % less than yours (strategies `"none"`,
# `"origin"`, `"redundant"` and `"multi-cdn"`, with and without a shield, and for `"multi-cdn"`
# `p_second` in 0, 0.1, …, 0.5). Try a few plans by hand first.

# %%
europe_down = Scenario(
    "Europe's edges down for 30 minutes",
    outage=Outage(1_800, 3_600, ("europe",)),
    max_failed=0.01,
    budget_hour=200.0,
)
summary, met = run_drill(europe_down, Plan("origin"))
print(
    f"failover to origin: {summary.failed_share:.2%} failed, ${summary.cost_per_hour:.1f}/h, targets met: {met}"
)


# %% nbgrader={"grade": false, "grade_id": "choose_plan", "locked": false, "schema_version": 3, "solution": true, "task": false}
def choose_plan(scenario):
    """A Plan that meets the scenario's failure target within its budget, as cheaply as possible."""
    ### BEGIN SOLUTION
    candidates = [
        Plan(s, shield) for s in ("none", "origin", "redundant") for shield in (False, True)
    ]
    candidates += [
        Plan("multi-cdn", shield, p)
        for shield in (False, True)
        for p in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    ]
    results = [(plan, *run_drill(scenario, plan)) for plan in candidates]
    passing = [(s.cost_per_hour, i) for i, (_, s, ok) in enumerate(results) if ok]
    if passing:
        return results[min(passing)[1]][0]
    return min(results, key=lambda r: (r[1].failed_share, r[1].cost_per_hour))[0]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_choose_plan_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: the plan survives Europe's 30-minute outage within $200 an hour."""
from scalelab.cdn import Outage, Plan, Scenario, run_drill

_scenario = Scenario(
    "Europe's edges down for 30 minutes",
    outage=Outage(1_800, 3_600, ("europe",)),
    max_failed=0.01,
    budget_hour=200.0,
)
_plan = choose_plan(_scenario)
assert type(_plan) is Plan, f"choose_plan should return a Plan, got {type(_plan).__name__}"
_s, _ok = run_drill(_scenario, _plan)
assert _ok, (
    f"{_plan}: {_s.failed_share:.2%} of requests failed (target 1 %), ${_s.cost_per_hour:.1f}/h "
    "(budget $200). Replay: run_drill(europe_down, your_plan)"
)
print(f"Visible check passed: {_plan} -> {_s.failed_share:.2%} failed, ${_s.cost_per_hour:.1f}/h.")

# %% nbgrader={"grade": true, "grade_id": "test_choose_plan_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: four other outages and budgets; 0.5 points per survival, 0.25 for the cheapest."""
### BEGIN HIDDEN TESTS
from scalelab.cdn import CDN, Outage, Plan, Scenario, run_drill
from scalelab.checks import partial_credit

# The cheapest surviving plan of the grid in the prompt, $/h (found by a search over the grid).
_cheapest = [188.970, 171.345, 207.318, 345.996]
_scenarios = [
    Scenario(
        "the whole CDN down for 30 minutes",
        outage=Outage(1_800, 3_600),
        max_failed=0.02,
        budget_hour=210.0,
    ),
    Scenario(
        "the whole CDN down, a big origin and fast DNS",
        outage=Outage(1_800, 3_600),
        cdn=CDN(rate_origin_max=12_000.0, t_detect=60.0),
        max_failed=0.01,
        budget_hour=175.0,
    ),
    Scenario(
        "the whole CDN down for an hour, strict target",
        outage=Outage(1_800, 5_400),
        max_failed=0.012,
        budget_hour=215.0,
    ),
    Scenario(
        "twice the traffic, North America east down",
        rate=20_000.0,
        outage=Outage(1_800, 3_600, ("na-east",)),
        max_failed=0.01,
        budget_hour=350.0,
    ),
]
_score, _lines = 0.0, []
for _sc, _best in zip(_scenarios, _cheapest):
    try:
        _plan = choose_plan(_sc)
        if type(_plan) is not Plan:
            raise TypeError(f"returned {type(_plan).__name__}, not a Plan")
        _s, _ok = run_drill(_sc, _plan)
    except Exception as err:  # a plan that fails on one scenario loses that scenario only
        _lines.append(f"scenario {_sc.name!r}: {type(err).__name__}: {err}")
        continue
    _cheap = bool(_ok) and float(_s.cost_per_hour) <= _best * 1.005
    _score += 0.5 * bool(_ok) + 0.25 * _cheap
    _lines.append(
        f"scenario {_sc.name!r}: {'survived' if _ok else 'missed'} "
        f"({_s.failed_share:.2%} failed, ${_s.cost_per_hour:.1f}/h)"
        + ("" if _cheap or not _ok else "; a cheaper plan also survives")
    )
print("\n".join(_lines))
partial_credit(_score, 3)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (written, 3 points): is a second CDN worth it?
#
# Your site serves 10,000 requests/s around the clock and earns about USD 20,000 an hour. Your
# CDN has had one provider-wide outage of about an hour in each of the last two years. A
# colleague proposes adding a second CDN, as in the drill above.
#
# In four to six sentences: what would the second CDN cost per year (use the model's numbers, and
# name costs the model leaves out), what would it save in a typical year, and would you buy it?
# Say also what you would do first or instead if the answer is no, and how a warm or a cold
# standby changes the balance. (Graded by hand against the rubric in
# `grading/rubrics/08-cdn.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "multi_cdn_worth_it", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# Cost: a cold second CDN's minimum commitment is paid every hour, about USD 6 an hour in the model,
# roughly USD 52,000 a year, before what the model leaves out: a DNS traffic-steering service,
# engineering time to keep two sets of cache rules, TLS certificates and purge calls in step,
# and regular tests of the switch (an untested failover is a guess). Benefit: in the hour-long
# provider-wide drill, failover to the origin lost about 61 % of that hour's requests (the origin
# could serve 4,000 of 10,000 requests/s), a second CDN about 3 % (only those before DNS moved
# clients), so it saves roughly 0.58 × USD 20,000 ≈ USD 11,600 per outage, about USD 11,600 a year at
# one outage a year, plus goodwill. On these numbers I would not buy it yet. First I would add an
# origin shield, use versioned URLs with long TTLs and local caching so returning users need less
# network, give the origin room to absorb more of a failover, and measure again; a second CDN
# becomes worth it when revenue per hour, outage frequency or a contractual SLA grows by several
# times. A warm standby carrying part of the daily traffic keeps its caches filled and proves the
# switch works every day, but costs more every hour and lowers both CDNs' hit ratios; a cold one
# is cheaper but sends its misses to the origin at the worst moment.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message
#    and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar.
# 3. **Self-paced?** Run `make check NB=08-cdn` at the top of the repository to grade your copy
#    with the hidden checks; compare with `solutions/08-cdn/` when you are done.
# 4. **In a class?** Submit as your instructor says.

# %% [markdown]
# ## Summary
#
# Where Shutterstall stands with its CDN (edges in six regions, a shield and a one-day TTL on
# versioned URLs), and what breaks next:

# %%
print(opening("cdn").sentence_after)  # the product with its CDN
before, after = stage("caching").n_web_servers, stage("cdn").n_web_servers
print(f"Without the photos to send, the web tier needs {after} servers at the peak, "
      f"down from {before}.")  # fmt: skip
print(bottleneck("cdn").sentence)  # what breaks next: chapter 09

# %% [markdown]
# The offload is nearly total because Shutterstall's catalogue is small next to its traffic:
# through the shield, each photo and thumbnail is fetched from the origin at most once a day.
# A TTL that long is safe only because a changed photo gets a new URL.
#
# - A CDN serves **static content** from edge caches near users: a hit costs one short round trip
#   (20 ms here) instead of up to 220 ms to the origin. One edge is a cache from chapter 07: its
#   offload equals the cache's hit ratio on the same requests.
# - With a TTL `T`, an object requested at `λ` per second hits `λT/(1 + λT)` of the time; an
#   edge's offload is that share weighted by request rates. In the replay it rose from 12 % with
#   a 1 s TTL to 82 % with five minutes; in the drill's site it levels off near 77 %, where the
#   edges' capacity and the dynamic requests cap it (move the TTL slider to see it).
# - Every edge fetches its own copy; an **origin shield** collects their misses. In the drill it
#   cut the origin's normal load from about 2,250 to 1,050 requests/s.
# - **Dynamic content** can be cached when it is shared: a 1 s TTL turns 500 requests/s for one
#   URL into one origin request per second. Per-user responses stay private.
# - **Versioned URLs** make every release a new cache key: no stale files, and long TTLs. Put
#   the version in the file name (`app.3f9a1c2b.css`): many CDNs leave the query string out of
#   the cache key (CloudFront's CachingOptimized policy does), so `app.css?v=…` is a new key
#   only if the cache policy includes the query. Purges are the fallback for files whose URL
#   cannot change.
# - **Failover to the origin** is slow because of detection time, distance, an origin sized for
#   misses, and cold caches afterwards. In the drill a 30-minute outage of the whole CDN failed
#   about 16 % of two hours' requests; the origin was offered 10,000 requests/s against a capacity
#   of 4,000 during the outage with or without a shield, and right after it about 3,550 requests/s
#   without a shield against about 1,760 with one.
# - **Multi-CDN** is the only strategy that survives a provider-wide failure, at a price every
#   hour; **redundant edges** handle regional failures in seconds; **local caching** helps
#   returning users in every case.
#
# ## References
#
# - Nygren, E., Sitaraman, R. K. and Sun, J. (2010). *The Akamai network: a platform for
#   high-performance internet applications.* ACM SIGOPS Operating Systems Review 44(3).
#   https://doi.org/10.1145/1842733.1842736
# - Fielding, R., Nottingham, M. and Reschke, J. (2022). *RFC 9111: HTTP Caching.* IETF.
#   https://www.rfc-editor.org/rfc/rfc9111
# - Nottingham, M. (2010). *RFC 5861: HTTP Cache-Control Extensions for Stale Content.* IETF.
#   https://www.rfc-editor.org/rfc/rfc5861
# - Jung, J., Berger, A. W. and Balakrishnan, H. (2003). *Modeling TTL-based Internet caches.*
#   IEEE INFOCOM 2003, vol. 1, pp. 417-426.
#   https://ieeexplore.ieee.org/search/searchresult.jsp?queryText=Modeling%20TTL-based%20Internet%20caches
# - Rockwell, N. (2021). *Summary of June 8 outage.* Fastly blog.
#   https://www.fastly.com/blog/summary-of-june-8-outage
# - Akamai Technologies (2021). *Akamai summarizes service disruption (resolved)*, statement of
#   22 July 2021 on https://twitter.com/Akamai, as reported by Lowyat.NET:
#   https://lowyat.net/2021/246554/akamai-update-bug-caused-a-small-blackout-in-parts-of-the-internet
# - Graham-Cumming, J. (2019). *Details of the Cloudflare outage on July 2, 2019.* Cloudflare
#   blog. https://blog.cloudflare.com/details-of-the-cloudflare-outage-on-july-2-2019/
# - Amazon Web Services (2024). *Using Amazon CloudFront Origin Shield* and *Amazon CloudFront
#   pricing.* https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html
#   and https://aws.amazon.com/cloudfront/pricing/
# - Amazon Web Services (2024). *Use managed cache policies* (CachingOptimized: no query
#   strings, headers or cookies in the cache key) and *Control the cache key with a policy*.
#   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
#   and https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html
# - MDN Web Docs (2024). *HTTP caching.* https://developer.mozilla.org/en-US/docs/Web/HTTP/Caching
