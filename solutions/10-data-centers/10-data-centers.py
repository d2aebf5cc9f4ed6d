# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Several data centres: GeoDNS, failover and data across regions
#
# Our product now has millions of daily users, and they do not all live near Virginia. In this
# chapter the system grows from one data centre to three, one per large region; a **GeoDNS**
# service sends every user to the nearest one that is healthy; and when a data centre goes down
# its users are moved to the others. You will measure how long that move really takes, what it
# costs in failed requests and overloaded neighbours, and what happens to the data that had not
# yet been copied to another region.
#
# **You will learn to**
# - explain why distance alone puts a floor under latency, with real round-trip times;
# - describe how GeoDNS picks an answer per client, built on the DNS model of chapter 01;
# - route users to the nearest healthy data centre, and see when capacity makes "nearest" wrong;
# - work out how health checks and the DNS TTL together decide how long a failover takes;
# - size data centres to survive the loss of any one of them;
# - estimate the writes lost when a region fails before its data was shipped elsewhere, and
#   choose replication and failover to meet an RPO, an RTO and a write-latency SLO.
#
# **Time:** about 60 minutes. **Points:** 15 (12 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. It imports the chapter's model, `scalelab.geo`, and fixes the seed of the
# one random-number generator the chapter uses.

# %%
import numpy as np
import plotly.graph_objects as go
from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.geo import (
    BACKBONE_RTT,
    DEFAULT_USERS_M,
    DOMAIN,
    REGIONS,
    SITES,
    FailoverParams,
    GeoDNS,
    SyncParams,
    brute_force_assignment,
    capacity_aware,
    capacity_for_one_loss,
    dc_load,
    default_world,
    detection_time,
    failover_summary,
    great_circle_km,
    make_world,
    mean_rtt,
    nearest_healthy,
    rtt_lower_bound,
    simulate_failover,
    simulate_resolvers,
    simulate_sync,
)
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, bottleneck, opening, stage
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from scalelab.widgets.geo import explore_failover

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Why one data centre is not enough: the speed of light
#
# Chapter 09 left Shutterstall, our photo-print shop, with a stateless web tier: any web server
# can take any request. All of it still stands in one data centre in Virginia, while the shop's
# users live on every continent. Its objective is a mean round trip under 100 ms, because a page
# needs several round trips. **Predict first**: weighting each region by its users (Asia,
# Europe and North America hold most of them), what is the mean round trip from Shutterstall's
# users to Virginia?

# %%
predict("rtt-one-dc", ..., question="mean round trip from Shutterstall's users to Virginia",
        unit="ms")

# %%
virginia = make_world(dc_regions=["na-east"])  # the users of every region, one data centre
t_virginia = mean_rtt(virginia.demand, virginia.rtt, nearest_healthy(virginia.rtt, [True]))
shop = stage("data-centers")
print(opening("data-centers").sentence)
print(f"{PRODUCT.name} now: {shop.daily_users:,} daily users, {shop.rate_peak:,.0f} requests/s "
      "at 20:00")
reveal("rtt-one-dc", t_virginia * 1000, why="only North America East is close; Europe and Asia, "
       "half the users, are 110-170 ms away")

# %% [markdown]
# The cure is to put servers near the users. First, why distance costs so much: until now every
# request of ours travelled to one building. For a user in Frankfurt or Sydney that building is
# far away, and no amount of servers makes it closer. Light in optical fibre covers about 200 km
# per millisecond (two thirds of its speed in a vacuum), so a round trip over a distance *d*
# takes at least
#
# $$\text{RTT}_{\min} = \frac{2d}{200\ \text{km/ms}}.$$
#
# Real paths are longer than the great circle (cables follow coasts and cross oceans where they
# can), and routers add a little at every hop. The table compares the bound with round trips
# measured between cloud regions (CloudPing and WonderNetwork, 2024, rounded to 5 ms):

# %%
print(f"{'from':<10} {'to':<10} {'distance':>9} {'fibre bound':>12} {'measured':>9}")
for a, b in [
    ("na-east", "europe"),
    ("na-east", "na-west"),
    ("europe", "asia"),
    ("asia", "oceania"),
    ("s-america", "oceania"),
]:
    km = great_circle_km(*SITES[a][1:], *SITES[b][1:])
    measured = BACKBONE_RTT[REGIONS.index(a), REGIONS.index(b)]  # seconds, like every time
    bound = rtt_lower_bound(km)
    print(f"{a:<10} {b:<10} {km:>7,.0f} km {bound * 1000:>9.0f} ms {measured * 1000:>6.0f} ms")

# %% [markdown]
# Measured round trips are between 1.1 and 2.5 times the bound: São Paulo to Sydney has no
# direct cable, so its packets go through North America. Why does 200 ms matter when a page
# "only" makes one request? Because a new HTTPS connection costs several round trips before the
# first byte of the page arrives: one for the TCP handshake, one or two for TLS, one for the
# request itself. A user in Sydney served from Virginia waits four round trips of about 220 ms,
# close to a second, before anything renders. Every extra round trip (a redirect, an API call
# after the page loads) adds the same again.
#
# The chapter's drills use a world a little larger than the shop is today: 59 million daily
# users, spread over the regions as Shutterstall's 40 million are (the shop passes that size two
# chapters from now). Its users and the round trip from each region to three candidate data
# centres (the user's own access network adds about 20 ms everywhere):

# %%
world = default_world()
print("Average requests/s per region:")
print(", ".join(f"{r} {d:,.0f}" for r, d in zip(world.regions, world.demand, strict=True)))
rtt_fig = go.Figure(
    go.Heatmap(
        z=world.rtt * 1000,  # the library works in seconds; show milliseconds
        x=world.dc_names,
        y=list(world.regions),
        colorscale="Cividis",
        texttemplate="%{z:.0f} ms",
        colorbar=dict(title=dict(text="RTT (ms)")),
    ),
    layout=base_layout(
        "Round trip from each user region to each data centre",
        "data centre",
        "user region",
        height=360,
    ),
)
rtt_fig.update_yaxes(autorange="reversed")
rtt_fig

# %% [markdown]
# ## The stage we reach: one data centre per region
#
# Each data centre runs a complete copy of the system of the previous chapters: load balancer,
# stateless web tier, cache, database. A user talks to one data centre only, chosen by DNS. The
# databases copy their writes to each other asynchronously, so each region also holds the
# others' data (more on this in the section on data below).
#
# ```mermaid
# flowchart LR
#     U["Users in the Americas,<br/>Europe and Asia"] -- "1. resolve www.example.com" --> G{{"GeoDNS"}}
#     HC["Health checker: probes each<br/>data centre every 10 s"] -. "marks it up or down" .-> G
#     U == "2. HTTPS to the answered address" ==> DCS
#     subgraph DCS ["Data centres: each a full stack"]
#         direction TB
#         DC1["dc-na-east · Virginia"] -. "async replication" .- DC2["dc-europe · Frankfurt"]
#         DC2 -. "async replication" .- DC3["dc-asia · Tokyo"]
#     end
# ```
#
# This is called **active-active**: every data centre serves users all the time. The cheaper
# alternative, **active-passive**, keeps a standby that takes traffic only after the primary
# fails; it helps availability but not latency, and a standby that never serves traffic tends
# to be broken on the day it is needed.

# %% [markdown]
# ## GeoDNS: an answer that depends on who asks
#
# In chapter 01 an authoritative DNS server gave the same answer to everyone. A **GeoDNS**
# server gives different answers to different askers. It does not see the user, only the
# recursive resolver that asks on the user's behalf; it locates that resolver's IP address in a
# geolocation database (or, with the EDNS Client Subnet extension, RFC 7871, a prefix of the
# user's own address) and answers with the address of the data centre it picks for that place.
# Managed DNS services offer several policies: by country or continent (*geolocation*), by
# measured latency, by weight, or "primary unless unhealthy" (*failover*).
#
# The course's `GeoDNS` is a zone of the DNS model from chapter 01 (`scalelab.dns`): the zone
# `example.com.` holds one `A` record per data centre, and an **answer policy** keeps only the
# record of the data centre picked for the asking resolver's region. Here is a resolver in
# Europe looking up the name for the first time, with the trace of every question it asks:

# %%
geodns = GeoDNS(world, t_ttl=60)
resolver_eu = geodns.resolver("europe")
lookup = resolver_eu.resolve(DOMAIN, t_now=0.0)
for hop in lookup.hops:
    print(
        f"{hop.server:<14} {hop.kind:<11} {1000 * hop.t_latency:5.0f} ms",
        [r.value for r in hop.records],
    )
print(
    "Europe is sent to",
    world.dc_names[geodns.dc_of(lookup.addresses[0])],
    "| a resolver in Asia gets",
    world.dc_names[geodns.dc_of(geodns.resolver("asia").resolve(DOMAIN).addresses[0])],
)

# %% [markdown]
# The root sends the resolver to `com.`, `com.` sends it to `example.com.`, and that zone's
# server, holding three `A` records, answers with one: Frankfurt's. The resolver caches the
# answer for its TTL (60 s here) and every user behind it goes to Frankfurt until then.
#
# ### Routing each region to its nearest healthy data centre
#
# The simplest policy, and the usual default, sends each region to the healthy data centre with
# the smallest round trip. `nearest_healthy(rtt, up)` returns one data-centre index per region:

# %%
everyone_up = np.array([True, True, True])
choice = nearest_healthy(world.rtt, everyone_up)
for region, d in zip(world.regions, choice, strict=True):
    t_rtt = world.rtt[REGIONS.index(region), d]  # s
    print(f"{region:<10} -> {world.dc_names[d]:<11} {t_rtt * 1000:4.0f} ms")
print(
    f"mean round trip: {mean_rtt(world.demand, world.rtt, choice) * 1000:.1f} ms;",
    "load per DC (requests/s):",
    dc_load(world.demand, choice, 3).round().tolist(),
)

# %% [markdown]
# When capacity does not matter, no assignment can beat this: the mean round trip is a sum of
# one term per region, and nearest-healthy makes every term as small as it can be. (The course
# library checks this claim against every possible assignment in its tests.)
#
# ### When capacity matters, "nearest" stops being best
#
# Take Frankfurt down. Nearest-healthy sends all of Europe to Virginia, which then carries
# 9,259 requests/s, more than its 8,000. A **capacity-aware** router spills whole regions to
# the next-nearest data centre with room, biggest region first. How good is that greedy rule?
# With three data centres and six regions there are only 3⁶ = 729 assignments, so we can try
# them all and compare:

# %%
europe_down = np.array([True, False, True])
plans = {
    "nearest healthy": nearest_healthy(world.rtt, europe_down),
    "capacity-aware (greedy)": capacity_aware(world.demand, world.rtt, world.capacity, europe_down),
    "best of all 729": brute_force_assignment(world.demand, world.rtt, world.capacity, europe_down),
}
for name, plan in plans.items():
    load = dc_load(world.demand, plan, 3)
    print(
        f"{name:<24} mean RTT {mean_rtt(world.demand, world.rtt, plan) * 1000:5.1f} ms, "
        f"load {', '.join(f'{dc[3:]} {x:,.0f}' for dc, x in zip(world.dc_names, load, strict=True))}/s"
    )
    print(
        "    " + ", ".join(f"{r}->{world.dc_names[d][3:]}" for r, d in zip(world.regions, plan, strict=True))
    )

# %% [markdown]
# The greedy rule keeps every data centre under capacity but pays 81 ms on average, against
# 72 ms for the best assignment. It placed North America West in Virginia early (it is the
# bigger region), which left no room for South America, sent on a 275 ms detour to Tokyo. The
# optimum sends the US West Coast across the Pacific instead (+35 ms for 1,852 requests/s) and
# keeps South America in Virginia (−140 ms for 1,389 requests/s). Real traffic managers solve
# this as an optimisation problem, fractional and continuous, rather than with a greedy rule;
# brute force is only for checking them on small cases.

# %% [markdown]
# ## Failover: health checks, then the DNS TTL
#
# When a data centre dies, two clocks run before its users are elsewhere.
#
# 1. **Detection.** A health checker probes every data centre every `t_check` seconds (10 s or
#    30 s at AWS Route 53) and marks it down only after `n_fail` failed probes in a row (3 by
#    default there), so that one lost packet does not trigger a failover. A failure that happens
#    just after a probe is seen at the next one, and confirmed `n_fail − 1` probes later.
# 2. **Cache expiry.** From the moment it is marked down, GeoDNS stops handing out its
#    address. But resolvers keep the old answer until its TTL runs out. Many resolvers, each
#    having fetched the answer at a different moment, expire at moments spread evenly over one
#    TTL, so the share of users still sent to the dead data centre falls in a straight line,
#    from 100 % at detection to 0 % one TTL later.
#
# All requests fail until detection, then on average half of them for one more TTL, so a
# failure costs about rate × (detection delay + TTL / 2) failed requests.

# %%
t_detect = detection_time(t_fail=65.0, t_check=10.0, n_fail=3)
print(f"failure at 65 s: first failed probe at 70 s, marked down at {t_detect:.0f} s")
for ttl in (60, 300):
    print(f"TTL {ttl:>3} s: the last user leaves {t_detect - 65 + ttl:.0f} s after the failure")

# %% [markdown]
# The straight-line claim rests on an assumption: resolvers' expiry moments are spread evenly.
# The library checks it the hard way: it gives each region 50 resolvers of the chapter-01 DNS
# model (`scalelab.dns.Resolver`, each with its own TTL cache), starts each at a random point
# of its TTL, and lets every one look the name up again only when its cache says the answer has
# expired. The dots are the share of Europe's resolvers still holding Frankfurt's address; the
# line is the straight-line model.

# %%
drill = FailoverParams(dc=1, t_fail=60.0, t_recover=600.0, t_ttl=60.0, t_end=300.0)
fluid = simulate_failover(world, drill)
resolvers = simulate_resolvers(world, drill, rng=rng, n_resolvers=50)
eu, dc_eu = world.regions.index("europe"), 1
cache_fig = go.Figure(
    [
        go.Scatter(
            x=fluid.t,
            y=100 * fluid.share[:, eu, dc_eu],
            name="straight-line model",
            line=dict(color=PALETTE[0], dash=DASHES[0], width=3),
        ),
        go.Scatter(
            x=fluid.t[::3],
            y=100 * resolvers[::3, eu, dc_eu],
            name="50 resolvers with TTL caches",
            mode="markers",
            marker=dict(color=PALETTE[1], symbol="circle-open", size=7),
        ),
    ],
    layout=base_layout(
        "Share of Europe's users still sent to dc-europe (TTL 60 s)",
        "time (s)",
        "share (%)",
        height=340,
    ),
)
cache_fig.add_vline(x=60, line=dict(color="grey", dash="dot"), annotation_text="fails")
cache_fig.add_vline(x=80, line=dict(color="grey", dash="dot"), annotation_text="marked down")
cache_fig

# %% [markdown]
# ## A failure drill: Frankfurt goes down
#
# Now the whole system over fifteen minutes: Frankfurt fails at 60 s and comes back at 600 s;
# probes every 10 s, three failures to mark down, two successes to mark up again. We run it
# with a one-minute TTL and with a five-minute one, a common default for DNS records.
# **Predict first**: with the one-minute TTL, how many seconds after the failure is the last of
# Frankfurt's users sent somewhere else?

# %%
predict("failover-time", ..., question="seconds until no user is sent to the failed Frankfurt "
        "(probes every 10 s, 3 failures, TTL 60 s)", unit="s")

# %%
print(
    f"{'TTL':>5} {'detected':>9} {'half moved':>11} {'all moved':>10} {'failed':>10} "
    f"{'dropped':>10} {'back after return':>18}"
)
runs, summaries = {}, {}
for ttl in (60, 300):
    params = FailoverParams(dc=1, t_fail=60.0, t_recover=600.0, t_ttl=float(ttl), t_end=900.0)
    runs[ttl] = simulate_failover(world, params)
    s = summaries[ttl] = failover_summary(world, params, runs[ttl])
    back = "not within the run" if np.isnan(s.t_back) else f"{s.t_back:.0f} s"
    print(
        f"{ttl:>4}s {s.t_detected:>8.0f}s {s.t_half_moved:>10.0f}s {s.t_all_moved:>9.0f}s "
        f"{s.failed_requests:>10,.0f} {s.dropped_requests:>10,.0f} {back:>18}"
    )
reveal("failover-time", summaries[60].t_all_moved, why="it fails right at a probe, so it is marked "
       "down after 20 s, then caches expire over one 60 s TTL")

# %%
drill_fig = go.Figure(
    layout=base_layout(
        "Traffic arriving at each data centre (Frankfurt down 60-600 s)",
        "time (s)",
        "requests/s",
        height=380,
    )
)
for k, ttl in enumerate((60, 300)):
    for d, name in ((1, "dc-europe"), (0, "dc-na-east")):
        drill_fig.add_scatter(
            x=runs[ttl].t,
            y=runs[ttl].rate_load[:, d],
            name=f"{name}, TTL {ttl} s",
            line=dict(color=PALETTE[d], dash=DASHES[2 * k]),
        )
drill_fig.add_hline(y=8000, line=dict(color="grey", dash="dot"), annotation_text="capacity")
drill_fig

# %% [markdown]
# What the drill shows:
#
# - **The traffic shift takes detection + one TTL.** With a 60 s TTL, Frankfurt is marked down
#   20 s after it fails, half its 3,241 requests/s have moved after 50 s and all of it after
#   80 s; about 162,000 requests fail on the way. With a 300 s TTL the same failure takes
#   320 s to drain and fails about 551,000 requests, more than three times as many.
# - **Moving users moves load.** Virginia receives Europe's traffic on top of its own, peaks at
#   9,259 requests/s against a capacity of 8,000, and drops the excess for as long as the
#   outage lasts. A failover plan is also a capacity plan (exercise 2).
# - **Recovery is slow too.** When Frankfurt returns, two good probes mark it up and users drift
#   back over one TTL: 70 s with the short TTL; with the long one, not within the run.
# - **Short TTLs are not free, and not always obeyed.** Each expiry sends a query to the
#   authoritative servers and makes a user wait for a lookup (chapter 01); Moura et al. (2019)
#   weigh that cost against agility when choosing a TTL. And some resolvers, browsers and
#   runtimes keep answers longer than told: with a 20 s TTL, Flavel, Mani and Maltz (2014) saw
#   90 % of requests switch to a new answer within 60 s, but 2 % still used the old one after
#   15 minutes (Pang et al. had found the same kind of tail in 2004). A real failover has a long
#   tail after the model's "all moved".

# %% [markdown]
# ### Shutterstall's data centres: room for a lost neighbour
#
# Back to the shop's own size: 40 million daily users, spread as above, served from Virginia,
# Frankfurt and Tokyo by nearest-healthy routing. Whichever data centre fails, the other two
# must absorb its users without going over capacity. **Predict first**: what capacity must each
# of the three have, in requests/s at the day's average rate, to survive the loss of any one?

# %%
predict("capacity-one-loss", ..., question="capacity per data centre for Shutterstall to survive "
        "losing any one (average rate)", unit="requests/s")

# %%
scale = shop.daily_users / 1e6 / sum(DEFAULT_USERS_M.values())  # the chapter's world, resized
shop_world = make_world({r: users * scale for r, users in DEFAULT_USERS_M.items()})
normal = dc_load(shop_world.demand, nearest_healthy(shop_world.rtt, everyone_up), 3)
needed = capacity_for_one_loss(shop_world.demand, shop_world.rtt)
print(f"{PRODUCT.name}: {shop_world.demand.sum():,.0f} requests/s on average; every DC up: "
      + ", ".join(f"{n[3:]} {x:,.0f}" for n, x in zip(shop_world.dc_names, normal, strict=True)))
reveal("capacity-one-loss", needed, why=f"losing Tokyo sends Asia and Oceania to Virginia: "
       f"{needed / normal.max():.1f} times its everyday load")

# %% [markdown]
# At their evening peaks the regions carry up to 1.8 times their average (the shop's peak
# factor), so a real plan needs more headroom than this. Exercise 2 asks you to write this
# calculation yourself.

# %% [markdown]
# ## Data across regions: asynchronous sync and lost writes
#
# Routing users elsewhere is only half of a failover; their data must be there too. Each
# region's database commits its users' writes locally, answers at once, and ships them to the
# other regions in the background: every half second it sends a batch of its log, which takes
# half a round trip to arrive plus some queueing delay. This **asynchronous** replication keeps
# writes fast (no user waits for an ocean crossing) at a price: at any moment the other regions
# are some writes behind. If the region fails, those writes are lost to everybody else; they may
# come back when the region does, or they may not.
#
# How many writes are in flight? **Little's law**: the average number of items in a system is
# the arrival rate times the average time each spends there. At 200 writes/s and a mean lag of
# 0.25 s (half a batch) + 0.045 s (one way) + 0.2 s (queueing) ≈ 0.5 s, about 100 writes are
# always on their way. The simulation commits writes for 60 s, then kills the region:

# %%
sync = simulate_sync(
    SyncParams(rate_writes=200, t_rtt=0.090, t_batch=0.5, t_jitter=0.2, t_fail=60.0, n_keys=20_000),
    rng=rng,
)
print(
    f"writes committed in Frankfurt: {sync.n_committed:,}; applied in Virginia by the failure: "
    f"{sync.n_applied:,}"
)
print(
    f"lost at failover: {sync.n_lost} writes (Little's law expects {sync.expected_lost:.0f} on "
    f"average)"
)
print(
    f"reads after the failover: {100 * sync.p_stale_read:.2f} % of records stale, "
    f"{100 * sync.p_missing_read:.2f} % missing"
)

# %%
last = sync.t_commit > sync.t_commit[-1] - 5.0
lost = last & (sync.t_applied > 60.0)
sync_fig = go.Figure(
    [
        go.Scatter(
            x=sync.t_commit[last & ~lost],
            y=sync.t_applied[last & ~lost] - sync.t_commit[last & ~lost],
            mode="markers",
            name="applied in Virginia before the failure",
            marker=dict(color=PALETTE[0], size=4),
        ),
        go.Scatter(
            x=sync.t_commit[lost],
            y=sync.t_applied[lost] - sync.t_commit[lost],
            mode="markers",
            name="still in flight: lost",
            marker=dict(color=PALETTE[3], size=6, symbol="x"),
        ),
    ],
    layout=base_layout(
        "Replication lag of the writes of the last 5 s before Frankfurt fails",
        "commit time (s)",
        "lag until applied in Virginia (s)",
        height=340,
    ),
)
sync_fig

# %% [markdown]
# Each batch shows as a slanted stripe: writes early in a batch wait longest. The crosses are
# the writes still travelling when the region died: 108 in this run, close to Little's 99. Runs
# vary by about ±40, mostly because of head-of-line blocking: a log is applied in order, so one
# slow batch delays every write behind it, and a slow batch just before the failure strands
# them all.
#
# After the failover, European users read from Virginia. Most of the records written during
# that minute are there and up to date, but about 0.6 % come back one version old and another
# 0.6 % not at all: a profile edit undone, an order that "never happened". What real systems
# do:
#
# - **Decide what may be lost.** A like or a view counter can be asynchronous. A payment or a
#   password change can be committed **synchronously** in two regions (the user waits one
#   round trip between them), or through a consensus protocol across three or more regions, as
#   Google Spanner does, so that losing one region loses nothing acknowledged.
# - **Keep each user's data at home.** Many designs give every user a home region that owns
#   their writes; failing over a user then means accepting some loss or waiting for the home.
# - **Reconcile when the region returns.** The writes stranded in the failed region come back
#   with it and conflict with what happened meanwhile: the recovery scripts of chapter 03 and
#   the conflict rules (last write wins, version vectors, business rules) of chapter 04.
# - **Measure the lag.** Replication lag is a first-class metric; alert on it, because it is the
#   amount of data a region failure would cost right now.

# %% [markdown]
# ### Choosing a plan: RPO, RTO and the write-latency SLO
#
# Disaster-recovery plans are stated with two targets. The **recovery point objective** (RPO)
# is how much recent data the business may lose, in seconds of writes; the **recovery time
# objective** (RTO) is how long it may go without taking writes. A third target comes from the
# users: how long a write may take to be acknowledged. Two decisions meet them.
# **Asynchronous** replication loses about one replication lag of writes and keeps writes
# local; **synchronous** replication loses nothing acknowledged and adds one inter-region round
# trip to every write. **Automatic** failover promotes the standby as soon as health checks give
# up on the region; **manual** failover waits for a person, which is slower but never fails over
# on a false alarm or a network partition (where an automatic failover with asynchronous
# replication throws away the in-flight writes and leaves two primaries). Either way, clients
# then wait out the DNS TTL. `recovery_outcome` puts numbers on the four plans for Virginia
# with a standby in Frankfurt, 90 ms away:

# %%
from scalelab.geo import RecoveryTargets, RegionPair, recovery_outcome

pair = RegionPair()
payments = RecoveryTargets(t_rpo=0.0, t_rto=300.0, t_write_max=0.2)
for replication in ("async", "sync"):
    for failover in ("manual", "automatic"):
        out = recovery_outcome(replication, failover, payments, pair)
        print(
            f"{replication:>5} + {failover:<9}: lose {out.t_data_loss:.1f} s of writes, "
            f"back after {out.t_recovery / 60:4.1f} min, write {out.t_write * 1000:3.0f} ms; "
            f"meets {'/'.join(k for k, ok in out.met.items() if ok)}"
        )

# %% [markdown]
# For a payment service that may lose nothing and must take writes again within five minutes,
# only synchronous replication with automatic failover meets every target, and each payment
# pays the 90 ms round trip. A social feed that tolerates five seconds of loss and an hour of
# read-only mode is better served by the lightest plan, asynchronous and manual. Some targets
# cannot be met together at all: no plan loses nothing *and* acknowledges a write in less than
# one round trip to the standby. Exercise 4 asks you to pick the plan.

# %% [markdown]
# ## What it means in production
#
# - **Regions fail as a whole.** On 7 December 2021 an internal network problem in AWS's
#   us-east-1 region disrupted many services for hours, including some of AWS's own; companies
#   running only there were down with it. On 4 October 2021 Facebook, Instagram and WhatsApp
#   vanished for about six hours: a configuration change cut their backbone, their DNS servers
#   withdrew themselves from the Internet, and no name resolved at all. DNS is both the tool for
#   failover and a single point of failure of its own.
# - **Practise the failover.** Netflix drains whole AWS regions on purpose and serves all users
#   from the others; a failover that is never exercised usually fails when needed.
# - **Anycast is the other way to route by location.** CDNs and DNS providers announce the same
#   IP address from many sites and let Internet routing (BGP) deliver each packet to the
#   nearest; failover then happens in seconds as routes are withdrawn, without DNS caches.
# - **Capacity for N − 1.** Each region must be able to absorb its neighbours' users, which
#   means running every data centre well below full most of the time.

# %% [markdown]
# ## Explore
#
# The widget runs the failure drill of this chapter for the settings you choose. The top-left
# plot shows the traffic arriving at each data centre and the requests that fail; the heatmap
# shows where each region's traffic went, on average, during the outage (with each round trip);
# the bottom plot shows each region's round trip over time. The caption states the key numbers.
#
# *Try:*
# - Drag the **DNS TTL** from 60 s to 300 s and watch the dead data centre's traffic drain more
#   slowly. How many more requests fail? Set it to 0: what is left of the failover time?
# - Back at 60 s, let 2 % of **clients ignore the TTL** (they keep an answer for 15 minutes).
#   What happens to the tail of the dead data centre's traffic, and to "all moved"?
# - Take **dc-asia** down. Oceania's users now travel to Virginia (220 ms); which
#   data centre goes over its capacity? Switch **GeoDNS routing** to capacity-aware: what happens
#   to the dropped requests, and where does Oceania go now?
# - After exercise 2, set **capacity per DC** to your answer (rounded up to the slider's step)
#   and take each data centre down in turn: nearest-healthy routing should drop nothing.
# - Double the users in Europe (28 M). Which failure hurts most now?

# %%
explorer = show(explore_failover)

# %% [markdown]
# ## Exercises
#
# Four exercises with checks, and one written answer. Each code exercise has a visible check
# (1 point) you can run now and hidden checks (2 points) run at grading time, which try other
# cases. Where an exercise asks you to write something the library already does, the library's
# version is switched off while the hidden checks run.
#
# ### Exercise 1: nearest-healthy routing (3 points)
#
# Write `nearest_healthy_dc(t_rtt, up)`. `t_rtt` is a list of rows, one per region, each with
# the round trip (s) to every data centre; `up` is a list of booleans, one per data centre.
# Return a list of `int`, one per region: the index of the data centre with the smallest round
# trip among those that are up. On a tie, pick the lower index. If no data centre is up, return
# `-1` for every region. Raise `ValueError` if `up` does not have one entry per data centre.
# (Do not call the library's `nearest_healthy`, `capacity_aware` or `brute_force_assignment`.)


# %% nbgrader={"grade": false, "grade_id": "nearest_healthy_dc", "locked": false, "schema_version": 3, "solution": true, "task": false}
def nearest_healthy_dc(t_rtt, up):
    """For each region, the index of the healthy data centre with the smallest RTT (-1 if none)."""
    ### BEGIN SOLUTION
    up = [bool(u) for u in up]
    rows = [[float(x) for x in row] for row in t_rtt]
    for row in rows:
        if len(row) != len(up):
            raise ValueError(f"up must have one entry per data centre ({len(row)}); got {len(up)}")
    choice = []
    for row in rows:
        best = -1
        for d, rtt in enumerate(row):
            if up[d] and (best < 0 or rtt < row[best]):
                best = d
        choice.append(best)
    return choice
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_nearest_healthy_dc_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: three regions and three data centres, all up, then the middle one down."""
from scalelab.checks import as_int, as_list

rtt = [[0.020, 0.110, 0.170], [0.110, 0.020, 0.245], [0.170, 0.245, 0.020]]  # s
got = [as_int(x, "a DC index") for x in as_list(nearest_healthy_dc(rtt, [True, True, True]))]
assert got == [0, 1, 2], f"all up: every region should use its own DC [0, 1, 2]; got {got}"
got = [as_int(x, "a DC index") for x in as_list(nearest_healthy_dc(rtt, [True, False, True]))]
assert got == [0, 0, 2], (
    f"DC 1 down: region 1 should move to DC 0 (110 ms); expected [0, 0, 2], got {got}"
)
print(
    "Visible check passed: the hidden checks try ties, every DC down, bad input and random worlds."
)

# %% nbgrader={"grade": true, "grade_id": "test_nearest_healthy_dc_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: ties, every DC down, a wrong-length `up`, random worlds, no library router."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_int, as_list, expect_raises, library_disabled


def _plain_choice(value):
    return [as_int(x, "a DC index") for x in as_list(value, "nearest_healthy_dc(...)")]


def _reference_choice(rtt, up):
    out = []
    for row in rtt:
        live = [(row[d], d) for d in range(len(up)) if up[d]]
        out.append(min(live)[1] if live else -1)
    return out


with library_disabled(
    "scalelab.geo.nearest_healthy",
    "scalelab.geo.capacity_aware",
    "scalelab.geo.brute_force_assignment",
):
    got = _plain_choice(nearest_healthy_dc([[0.05, 0.05, 0.01], [0.07, 0.07, 0.07]], [True, True, False]))
    assert got == [0, 0], (
        f"scenario 'ties': equal RTTs go to the lower index; expected [0, 0], got {got}"
    )
    got = _plain_choice(nearest_healthy_dc([[0.02, 0.03], [0.04, 0.01]], [False, False]))
    assert got == [-1, -1], f"scenario 'all down': expected [-1, -1], got {got}"
    expect_raises(ValueError, nearest_healthy_dc, [[0.02, 0.03]], [True])
    gen = np.random.default_rng(808)
    for case in range(40):
        n_r, n_d = int(gen.integers(1, 7)), int(gen.integers(1, 5))
        rtt = (gen.integers(5, 60, size=(n_r, n_d)) / 1000).tolist()  # 5 to 59 ms, in s
        up = (gen.random(n_d) < 0.7).tolist()
        want = _reference_choice(rtt, up)
        got = _plain_choice(nearest_healthy_dc(rtt, up))
        assert got == want, (
            f"scenario 'random world {case}' ({n_r} regions, {n_d} DCs): expected {want}, got {got}"
        )
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: capacity to survive the loss of any one data centre (3 points)
#
# GeoDNS sends every region to its nearest healthy data centre (capacity ignored). How much
# capacity must **each** data centre have (all the same) so that, whichever single data centre
# fails, no surviving one receives more traffic than its capacity?
#
# Write `capacity_for_any_one_loss(rate_demand, t_rtt)`: `rate_demand` is one rate (requests/s)
# per region, `t_rtt` as in exercise 1. Return a `float`: the largest load any data centre
# carries, over every scenario in which exactly one data centre is down. Raise `ValueError` if
# there are fewer than two data centres. You may use your `nearest_healthy_dc`, or the
# library's `nearest_healthy` and `dc_load`; the library's `capacity_for_one_loss` is switched
# off during the hidden checks.


# %% nbgrader={"grade": false, "grade_id": "capacity_one_loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def capacity_for_any_one_loss(rate_demand, t_rtt):
    """Capacity (requests/s) per DC so nearest-healthy routing survives losing any one DC."""
    ### BEGIN SOLUTION
    demand = np.asarray(rate_demand, dtype=float)
    rtt = np.asarray(t_rtt, dtype=float)
    n_dcs = rtt.shape[1]
    if n_dcs < 2:
        raise ValueError(f"need at least two data centres; got {n_dcs}")
    worst = 0.0
    for lost in range(n_dcs):
        up = np.array([d != lost for d in range(n_dcs)])
        load = dc_load(demand, nearest_healthy(rtt, up), n_dcs)
        worst = max(worst, float(load.max()))
    return worst
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_capacity_one_loss_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: two data centres, then three in a symmetric world."""
from scalelab.checks import expect_close

expect_close(
    capacity_for_any_one_loss([300, 500], [[0.020, 0.100], [0.100, 0.020]]),
    800.0,
    what="two DCs: the survivor carries everything",
)
sym = [[0.020, 0.090, 0.150], [0.090, 0.020, 0.100], [0.150, 0.100, 0.020]]
expect_close(
    capacity_for_any_one_loss([100, 100, 100], sym),
    200.0,
    what="three DCs of 100 requests/s, each loss moving one region to a neighbour",
)
print("Visible check passed: the hidden checks use the chapter's world and uneven ones.")

# %% nbgrader={"grade": true, "grade_id": "test_capacity_one_loss_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the chapter's world, worlds where a lost DC's users split, and bad input."""
### BEGIN HIDDEN TESTS
from scalelab.checks import expect_close, expect_raises, library_disabled


def _reference_capacity(demand, rtt):
    n_d = len(rtt[0])
    worst = 0.0
    for lost in range(n_d):
        load = [0.0] * n_d
        for r, row in enumerate(rtt):
            load[min((row[j], j) for j in range(n_d) if j != lost)[1]] += demand[r]
        worst = max(worst, max(load))
    return worst


with library_disabled("scalelab.geo.capacity_for_one_loss"):
    chapter = default_world()
    expect_close(
        capacity_for_any_one_loss(chapter.demand.tolist(), chapter.rtt.tolist()),
        10416.666666666668,
        rel=1e-6,
        what="scenario 'chapter world'",
    )
    split = [  # s
        [0.02, 0.05, 0.06, 0.2],
        [0.06, 0.02, 0.2, 0.05],
        [0.05, 0.2, 0.02, 0.06],
        [0.2, 0.06, 0.05, 0.02],
    ]
    expect_close(
        capacity_for_any_one_loss([100, 100, 100, 100], split),
        200.0,
        rel=1e-9,
        what="scenario 'four DCs in a ring'",
    )
    expect_raises(ValueError, capacity_for_any_one_loss, [100.0], [[0.020]])
    gen = np.random.default_rng(8080)
    for case in range(25):
        n_r, n_d = int(gen.integers(2, 8)), int(gen.integers(2, 5))
        demand = gen.integers(0, 1000, size=n_r).astype(float).tolist()
        rtt = (gen.uniform(10, 300, size=(n_r, n_d)) / 1000).tolist()  # 10 to 300 ms, in s
        expect_close(
            capacity_for_any_one_loss(demand, rtt),
            _reference_capacity(demand, rtt),
            rel=1e-9,
            what=f"scenario 'random world {case}'",
        )
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: how many requests does a failover cost? (3 points)
#
# A data centre receiving `rate` requests/s fails at time `t_fail` (s). Health checks probe
# at 0, `t_check`, 2·`t_check`, … seconds; a probe at the very moment of the failure already
# sees it; the data centre is marked down at the `n_fail`-th failed probe in a row. From then
# on the share of its users still sent there falls in a straight line to zero over one TTL of
# `t_ttl` seconds (the model of this chapter).
#
# Write `requests_failed(rate, t_fail, t_check, n_fail, t_ttl)` returning the expected
# number of requests sent to the dead data centre, as a `float`. Raise `ValueError` if
# `rate`, `t_fail` or `t_ttl` is negative, `t_check` is not positive, or `n_fail` is below 1.
# (The library's `detection_time`, `failover_seconds` and `expected_failed_requests` are
# switched off during the hidden checks.)


# %% nbgrader={"grade": false, "grade_id": "requests_failed", "locked": false, "schema_version": 3, "solution": true, "task": false}
def requests_failed(rate, t_fail, t_check, n_fail, t_ttl):
    """Expected requests sent to a data centre after it failed, until every client has moved."""
    ### BEGIN SOLUTION
    import math

    if rate < 0 or t_fail < 0 or t_ttl < 0:
        raise ValueError("rate, t_fail and t_ttl must be >= 0")
    if t_check <= 0:
        raise ValueError(f"t_check must be > 0; got {t_check}")
    if n_fail < 1:
        raise ValueError(f"n_fail must be >= 1; got {n_fail}")
    first_failed_probe = math.ceil(t_fail / t_check) * t_check
    detected = first_failed_probe + (n_fail - 1) * t_check
    return float(rate * (detected - t_fail + t_ttl / 2))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_requests_failed_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: two failures that fall between probes."""
from scalelab.checks import expect_close

expect_close(
    requests_failed(100, 65, 10, 3, 60),
    5500.0,
    what="100 requests/s, failure at 65 s, probes every 10 s, 3 failures, TTL 60 s",
)
expect_close(
    requests_failed(1000, 125, 10, 2, 0),
    15000.0,
    what="1000 requests/s, failure at 125 s, 2 failures, TTL 0 s",
)
print(
    "Visible check passed: the hidden checks try other timings, the chapter's drill and bad input."
)

# %% nbgrader={"grade": true, "grade_id": "test_requests_failed_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: failures on and just after a probe, the chapter's drill, invalid inputs."""
### BEGIN HIDDEN TESTS
from scalelab.checks import expect_close, expect_raises, library_disabled

with library_disabled(
    "scalelab.geo.detection_time",
    "scalelab.geo.failover_seconds",
    "scalelab.geo.expected_failed_requests",
):
    expect_close(requests_failed(100, 60, 10, 3, 60), 5000.0, what="scenario 'failure on a probe'")
    expect_close(requests_failed(100, 61, 10, 3, 60), 5900.0, what="scenario 'just after a probe'")
    expect_close(requests_failed(50, 0, 30, 1, 300), 7500.0, what="scenario 'at time zero'")
    expect_close(requests_failed(0, 61, 10, 3, 60), 0.0, abs_tol=1e-9, what="scenario 'no traffic'")
    expect_close(requests_failed(100, 60, 10, 3, 0), 2000.0, what="scenario 'a TTL of zero'")
    chapter = default_world()
    drill_params = FailoverParams(dc=1, t_fail=63.0, t_recover=899.0, t_ttl=120.0, t_end=900.0)
    simulated = failover_summary(chapter, drill_params, simulate_failover(chapter, drill_params))
    expect_close(
        requests_failed(float(chapter.demand[3]), 63, 10, 3, 120),
        simulated.failed_requests,
        rel=1e-6,
        what="scenario 'the chapter drill, simulated'",
    )
    for bad in [
        (-1, 60, 10, 3, 60),
        (100, 60, 0, 3, 60),
        (100, 60, 10, 0, 60),
        (100, 60, 10, 3, -5),
        (100, -1, 10, 3, 60),
    ]:
        expect_raises(ValueError, requests_failed, *bad)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: a recovery plan for a product (3 points)
#
# A product runs in Virginia with a standby region; `pair` is a `RegionPair` (its round trip
# `t_rtt`, local commit `t_write_local`, asynchronous lag `t_lag`, and the failover times
# `t_detect`, `t_manual`, `t_promote`, `t_ttl`, all in seconds), and its owners state their
# targets in a `RecoveryTargets` (`t_rpo`, `t_rto`, `t_write_max`). Write
# `recovery_plan(targets, pair)` returning `(replication, failover)`, two strings, by the rules
# of the section above:
#
# - **replication**: `"async"` loses `t_lag` seconds of writes and acknowledges a write in
#   `t_write_local`; `"sync"` loses nothing and takes `t_write_local + t_rtt`. Prefer
#   `"async"` whenever it meets both the RPO and the write-latency SLO.
# - **failover**: `"manual"` restores writes after `t_manual + t_promote + t_ttl`,
#   `"automatic"` after `t_detect + t_promote + t_ttl`. Prefer `"manual"` whenever it meets
#   the RTO.
# - A target met exactly counts as met. Raise `ValueError` if no plan meets all three targets.
#
# Use the `pair` you are given: the hidden checks try other regions and teams. They grade
# eleven hidden products: a quarter point for each of seven that some plan can serve, and a
# quarter point for raising `ValueError` on all four that none can. `recovery_outcome` is
# yours to use.

# %% nbgrader={"grade": false, "grade_id": "recovery_plan", "locked": false, "schema_version": 3, "solution": true, "task": false}
def recovery_plan(targets, pair):
    """(replication, failover) meeting the RPO, RTO and write SLO, preferring async and manual."""
    ### BEGIN SOLUTION
    if pair.t_lag <= targets.t_rpo and pair.t_write_local <= targets.t_write_max:
        replication = "async"
    elif pair.t_write_local + pair.t_rtt <= targets.t_write_max:
        replication = "sync"
    else:
        raise ValueError("no replication mode meets both the RPO and the write-latency SLO")
    if pair.t_manual + pair.t_promote + pair.t_ttl <= targets.t_rto:
        failover = "manual"
    elif pair.t_detect + pair.t_promote + pair.t_ttl <= targets.t_rto:
        failover = "automatic"
    else:
        raise ValueError(f"no failover policy recovers within the RTO of {targets.t_rto} s")
    return replication, failover
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_recovery_plan_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a payment service in Virginia with its standby in Frankfurt."""
from scalelab.checks import as_list
from scalelab.geo import RecoveryTargets, RegionPair, recovery_outcome

_targets = RecoveryTargets(t_rpo=0.0, t_rto=300.0, t_write_max=0.2)
_plan = [str(x) for x in as_list(recovery_plan(_targets, RegionPair()), "the plan")]
assert len(_plan) == 2, f"return (replication, failover), two strings; got {_plan}"
_out = recovery_outcome(*_plan, _targets, RegionPair())
assert all(_out.met.values()), (
    f"the plan {tuple(_plan)} misses a target: {_out.met} (data lost {_out.t_data_loss} s, "
    f"recovery {_out.t_recovery:.0f} s, write {_out.t_write * 1000:.0f} ms)")
print(f"Visible check passed: {tuple(_plan)} meets the three targets.")
print("The hidden checks try other products, regions and teams, and whether you prefer the "
      "lighter plan.")

# %% nbgrader={"grade": true, "grade_id": "test_recovery_plan_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: seven products (a quarter point each) and four impossible ones (together)."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_list, partial_credit
from scalelab.geo import RecoveryTargets, RegionPair, recovery_outcome

_T, _P = RecoveryTargets, RegionPair
_cases = {
    "an order book": (_T(0.0, 600.0, 0.25), _P()),
    "a social feed": (_T(5.0, 3600.0, 0.2), _P()),
    "every target met exactly": (_T(0.5, 1920.0, 0.005), _P()),
    "a quick on-call team": (_T(1.0, 300.0, 0.05), _P(t_manual=120.0)),
    "an audit log": (_T(0.1, 7200.0, 0.2), _P()),
    "a short TTL": (_T(2.0, 130.0, 0.05), _P(t_detect=20.0, t_ttl=30.0)),
    "a slower lag": (_T(0.6, 600.0, 0.2), _P(t_lag=0.8)),
}
_impossible = {
    "fast writes, nothing lost": (_T(0.0, 600.0, 0.05), _P()),
    "a standby in Tokyo": (_T(0.0, 7200.0, 0.12), _P(t_rtt=0.15)),
    "an RTO nobody can meet": (_T(5.0, 100.0, 0.5), _P()),
    "a slow local commit": (_T(5.0, 3600.0, 0.05), _P(t_write_local=0.06)),
}


def _preferred(targets, pair):
    for rep in ("async", "sync"):
        for fail in ("manual", "automatic"):
            if all(recovery_outcome(rep, fail, targets, pair).met.values()):
                return rep, fail
    return None


def _answer(targets, pair):
    try:
        return tuple(str(x) for x in as_list(recovery_plan(targets, pair), "the plan"))
    except ValueError:
        return None
    except Exception as err:  # any other error loses this product only
        return type(err).__name__


_score = 0.0
for _name, (_targets, _pair) in _cases.items():
    _ok = _answer(_targets, _pair) == _preferred(_targets, _pair)
    _score += 0.25 * _ok
    print(f"scenario {_name!r}: {'right' if _ok else 'wrong'}")
_raised = [_answer(t, p) is None for t, p in _impossible.values()]
_score += 0.25 * all(_raised)
print(f"scenarios with no possible plan: ValueError in {sum(_raised)} of {len(_raised)}")
partial_credit(_score, 2)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 (written, 3 points): synchronising data across regions
#
# Our product stores three kinds of data: user profiles, shopping carts and payments. Frankfurt
# ships its writes to Virginia asynchronously with about half a second of lag, and the drill
# above lost about 100 writes when Frankfurt failed. In five to eight sentences, in the cell
# below: which of the three kinds of data would you keep asynchronous and which would you
# replicate differently, and how (name the cost of your choice to users)? What happens to the
# writes stranded in Frankfurt when it comes back? What do European users see right after the
# failover, and how could the product soften it? (Graded by hand against the rubric in
# `grading/rubrics/10-data-centers.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "sync_design", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# Profiles and carts can stay asynchronous: losing the last half second of edits is annoying but
# cheap, and it keeps every write as fast as a local one. Payments (and anything that moves money
# or stock) should not be acknowledged until a second region has them: synchronous replication to
# a nearby region, or a consensus write across three regions (as Spanner does). The cost is
# latency on exactly those writes, one inter-region round trip (about 90 ms Frankfurt–Virginia),
# and less availability if the partner region is unreachable. When Frankfurt comes back, its
# unshipped writes must not simply overwrite what happened meanwhile: a reconciliation job
# compares them with the current data and merges them by a rule (last write wins for a profile
# field, union of items for a cart, a human or a refund flow for a payment). Right after the
# failover, European users read from Virginia and may see a profile edit undone or an item
# missing from the cart, and every request is about 90 ms slower. The product can soften this by
# keeping recent writes on the client and replaying them, telling the user that some recent
# changes may take a moment to appear, and by monitoring the replication lag so the exposure
# stays small.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message, and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar: nbgrader runs the notebook as the grader will.
# 3. **Self-paced?** Run `make check NB=10-data-centers` in a terminal at the top of the
#    repository to grade your copy with the hidden checks.

# %% [markdown]
# ## Summary
#
# Shutterstall after this chapter, and what breaks next:

# %%
print(opening("data-centers").sentence_after)
print("Next:", bottleneck("data-centers").sentence)

# %% [markdown]
# - Distance sets a floor on latency: about 1 ms of round trip per 100 km of fibre, and real
#   paths take 1.1 to 2.5 times that. Serving a continent from another adds 100-300 ms to every
#   round trip, and a page needs several.
# - Several data centres, one per region, cut that to the access network's 20 ms. **GeoDNS**, an
#   authoritative DNS server whose answer depends on where the resolver is, sends each region to
#   its nearest healthy data centre, which is the best possible routing while capacity allows.
#   With capacity limits a greedy spill can be far from optimal (81 vs 72 ms in our example).
# - A failover takes **detection + one TTL**: in the drill, with probes every 10 s and a 60 s
#   TTL, Frankfurt's 3,241 requests/s were half moved after 50 s and fully moved after 80 s, at
#   a cost of about 162,000 failed requests; with a 300 s TTL it took 320 s and about 551,000.
# - The survivors must have room: with nearest-healthy routing each of our data centres needs
#   10,417 requests/s to survive any single loss, far above the 6,019 the busiest one carries
#   normally.
# - Asynchronous replication loses the writes in flight: on average the write rate × the
#   replication lag (Little's law), about 100 writes at 200 writes/s and 0.5 s; this chapter's
#   run lost 108, and about 1.2 % of the records written in the last minute read stale or
#   missing after the failover. Data that must not be lost needs synchronous or consensus
#   replication, paid for in latency.
# - A recovery plan answers three targets: the **RPO** (data that may be lost: asynchronous
#   replication loses about one lag, synchronous none), the **RTO** (time without writes:
#   detection or a human decision, plus promotion, plus the DNS TTL) and the write-latency SLO
#   (synchronous adds one inter-region round trip, 90 ms Virginia–Frankfurt). Choose the
#   lightest plan that meets all three, and say so when none can.
#
# ## References
#
# - Xu, A. (2020). *System Design Interview: An Insider's Guide*, chapter 1, "Scale from zero to
#   millions of users". Byte Code LLC. (The seed topics of this course; this notebook reproduces
#   none of its text or figures.)
# - Mockapetris, P. (1987). *RFC 1034: Domain names, concepts and facilities.*
#   https://www.rfc-editor.org/rfc/rfc1034
# - Contavalli, C., van der Gaast, W., Lawrence, D. and Kumari, W. (2016). *RFC 7871: Client
#   Subnet in DNS Queries.* https://www.rfc-editor.org/rfc/rfc7871
# - Amazon Web Services (2024). *Amazon Route 53 Developer Guide: choosing a routing policy;
#   how Route 53 checks the health of your resources.*
#   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy.html
# - Pang, J., Akella, A., Shaikh, A., Krishnamurthy, B. and Seshan, S. (2004). On the
#   responsiveness of DNS-based network control. *Internet Measurement Conference (IMC).*
#   https://research.ibm.com/publications/on-the-responsiveness-of-dns-based-network-control
# - Flavel, A., Mani, P. and Maltz, D. A. (2014). Re-evaluating the responsiveness of DNS-based
#   network control. *IEEE LANMAN.* https://doi.org/10.1109/LANMAN.2014.7028641
# - Moura, G. C. M., Heidemann, J., Schmidt, R. de O. and Hardaker, W. (2019). Cache me if you
#   can: effects of DNS time-to-live. *Internet Measurement Conference (IMC).*
#   https://doi.org/10.1145/3355369.3355568
# - Bozkurt, I. N., Aguirre, A., Chandrasekaran, B., Godfrey, P. B., Laughlin, G., Maggs, B. and
#   Singla, A. (2017). Why is the Internet so slow?! *Passive and Active Measurement (PAM).*
#   https://doi.org/10.1007/978-3-319-54328-4_13
# - CloudPing (2024). *AWS inter-region latency.* https://www.cloudping.co/grid ; WonderNetwork
#   (2024). *Global ping statistics.* https://wondernetwork.com/pings
# - Swanson, M., Bowen, P., Phillips, A. W., Gallup, D. and Lynes, D. (2010). *NIST SP 800-34
#   Rev. 1: Contingency planning guide for federal information systems* (definitions of RPO and
#   RTO). https://doi.org/10.6028/NIST.SP.800-34r1
# - Amazon Web Services (2021). *Disaster recovery of workloads on AWS: recovery in the cloud*
#   (RPO and RTO, backup to active-active strategies).
#   https://docs.aws.amazon.com/whitepapers/latest/disaster-recovery-workloads-on-aws/
# - Amazon Web Services (2024). *Amazon RDS Multi-AZ deployments* (synchronous standby,
#   automatic failover typically within one to two minutes).
#   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html
# - Little, J. D. C. (1961). A proof for the queuing formula L = λW. *Operations Research* 9(3),
#   383-387. https://doi.org/10.1287/opre.9.3.383
# - Kleppmann, M. (2017). *Designing Data-Intensive Applications*, chapter 5 (replication,
#   multi-datacenter operation). O'Reilly.
# - Corbett, J. C. et al. (2012). Spanner: Google's globally-distributed database. *OSDI.*
#   https://www.usenix.org/conference/osdi12/technical-sessions/presentation/corbett
# - Amazon Web Services (2021). *Summary of the AWS service event in the Northern Virginia
#   (US-EAST-1) Region, December 7, 2021.* https://aws.amazon.com/message/12721/
# - Janardhan, S. (2021). *More details about the October 4 outage.* Engineering at Meta.
#   https://engineering.fb.com/2021/10/05/networking-traffic/outage-details/
# - Meshenberg, R., Gopalani, N. and Kosewski, L. (2013). *Active-active for multi-regional
#   resiliency.* Netflix Technology Blog.
#   https://netflixtechblog.com/active-active-for-multi-regional-resiliency-c47719f6685b
