# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Scaling out: load balancers, failover and redundancy
#
# In chapter 01 one web server answered every request. This chapter follows the site when that
# server is no longer enough. There are two ways to grow: buy a **bigger machine** (vertical
# scaling) or run **more machines** behind a **load balancer** (horizontal scaling). You will
# measure what each one buys and what it costs: latency, failed requests, availability and
# dollars per hour.
#
# **You will learn to**
# - explain why vertical scaling hits a hard limit and leaves a single point of failure;
# - describe how a load balancer spreads requests over a pool and hides failed servers;
# - compare balancing policies (round robin, random, least connections, power of two choices,
#   weighted variants) with simulations and with the queueing formulas that predict them;
# - run a failure drill and read how the health-check interval turns into failed requests;
# - size a pool for a utilisation target and compute the availability of n servers;
# - design a pool that meets latency and failover objectives within a budget.
#
# **Time:** about 65 minutes. **Points:** 16 (13 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. It imports the chapter's model, `scalelab.load_balancer`, and makes
# `rng`, the one random-number generator the chapter uses.

# %%
import math

import numpy as np
import plotly.graph_objects as go

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.load_balancer import (
    M7I,
    POLICIES,
    DeadServerParams,
    Outage,
    PoolParams,
    availability,
    failure_schedule,
    fraction_time_up,
    plan_horizontal,
    plan_vertical,
    simulate_dead_server,
    simulate_pool,
    summarize,
    usl_capacity,
    wait_power_of_two_limit,
    wait_random_split,
    wait_round_robin,
    wait_shared_queue,
)
from scalelab.predict import predict, reveal
from scalelab.product import (
    PRODUCT,
    RATE_PER_VCPU,
    RHO_MAX,
    bottleneck,
    opening,
    peak_rate,
    stage,
)
from scalelab.queueing import simulate_mmc
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from scalelab.widgets.load_balancer import explore_load_balancer

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Scaling up: one bigger machine
#
# Chapter 01 left Shutterstall, the photo-print shop this course follows, on one machine that was
# already too busy at the evening peak. Since then the shop has grown elevenfold:

# %%
print(opening("scaling-out").sentence)
shop = stage("scaling-out")
print(f"{PRODUCT.name} now: {shop.daily_users:,} daily users, {shop.rate_peak:,.0f} requests/s "
      "at 20:00")

# %% [markdown]
# The one server finishes 400 requests/s, and eleven times 333 is far beyond that. Something
# has to change. The first answer to "the server is too slow" is usually the right first
# answer: give it more CPUs and memory. Nothing in the code changes, nothing new can break, and
# in a cloud it is a resize and a reboot. This is **vertical scaling**, or *scaling up*.
#
# It has two problems that no amount of money fixes:
#
# 1. **A hard limit.** There is a largest machine for sale. In the general-purpose family used
#    below (AWS EC2 `m7i`) it has 192 virtual CPUs; bigger specialist machines exist, but every
#    family has a top, and a growing product reaches it.
# 2. **No failover, no redundancy.** One machine is one **single point of failure**. When it
#    crashes, is patched or is resized, the site is down, however large it is.
#
# Here is the price list of that family, and the machine each traffic level needs if one
# virtual CPU serves 100 requests/s and we keep the machine at most 70 % busy (an assumption
# for the example; measure your own application). The list of peaks includes Shutterstall's.
#
# **Predict first**: can one machine of this family carry Shutterstall's 3,667 requests/s at
# 20:00 and stay at most 70 % busy?

# %%
predict("vertical-fits", ..., question="does one m7i machine carry 3,667 requests/s at most "
        "70 % busy?", options=("yes", "no"))

# %%
lines = []
for m in M7I:
    lines.append(
        f"{m.name:<13} {m.n_vcpu:>4} vCPUs  ${m.price_per_hour:>7.4f}/h  "
        f"${m.price_per_hour / m.n_vcpu:.4f} per vCPU-hour"
    )
print("\n".join(lines) + "\n")
lines = []
for peak in [1_000, peak_rate("scaling-out"), 5_000, 13_000, 20_000]:
    plan = plan_vertical(peak, rate_per_vcpu=100.0, rho_target=0.7)
    verdict = "fits" if plan.feasible else "DOES NOT FIT: even the largest machine is too small"
    lines.append(
        f"peak {peak:>6,.0f} requests/s -> {plan.instance.name:<13} ${plan.cost_per_hour:.2f}/h, "
        f"{verdict}"
    )
print("\n".join(lines))
shop_vertical = plan_vertical(shop.rate_peak, rate_per_vcpu=RATE_PER_VCPU, rho_target=RHO_MAX)
reveal("vertical-fits", "yes" if shop_vertical.feasible else "no",
       why=f"an {shop_vertical.instance.name} ({shop_vertical.instance.n_vcpu} vCPUs) carries "
       f"{shop_vertical.rate_capacity:,.0f} requests/s at 70 %; the family tops out at "
       f"{M7I[-1].n_vcpu * RATE_PER_VCPU * RHO_MAX:,.0f}")

# %% [markdown]
# Two things stand out. The cloud charges the same per CPU at every size (about 5 cents per
# vCPU-hour here), so scaling up is not a bad deal until the ceiling; and above about 13,400
# requests/s no machine in the family will do. Shutterstall could still scale up today, for
# about USD 3.23 an hour; what it cannot buy that way is a second machine to take over when the
# first one fails.
#
# The ceiling often comes sooner than the price list suggests, because one program rarely gets
# twice the throughput from twice the CPUs: threads queue for the same locks and keep shared
# data in sync. Gunther's **Universal Scalability Law** captures this with a contention
# coefficient σ and a coherency coefficient κ. With illustrative values σ = 1 % and κ = 0.001 %:

# %%
lines = []
for n_vcpu in [2, 16, 48, 192]:
    linear = usl_capacity(n_vcpu, 100.0)
    real = usl_capacity(n_vcpu, 100.0, sigma=0.01, kappa=0.00001)
    lines.append(f"{n_vcpu:>4} vCPUs: {real:>7,.0f} requests/s ({real / linear:.0%} of linear)")
print("\n".join(lines))

# %% [markdown]
# ## Scaling out behind a load balancer
#
# **Horizontal scaling**, or *scaling out*, adds more ordinary machines instead. Users must still
# see one site, so a **load balancer** stands in front:
#
# ```mermaid
# flowchart TB
#     U["Users (web and mobile)"] -->|"1. look up api.example.com"| DNS[DNS]
#     DNS -->|"2. the balancer's public IP"| U
#     U -->|"3. HTTPS request"| LB["Load balancer (public IP)"]
#     LB -->|"private network"| S1["Web server 1<br/>(private IP)"]
#     LB --> S2["Web server 2<br/>(private IP)"]
#     LB --> S3["Web server 3<br/>(private IP)"]
#     LB -.->|"health checks"| S3
# ```
#
# - DNS now returns the **balancer's** public address. The web servers get private addresses
#   that the internet cannot reach: only the balancer talks to them, which also shrinks what an
#   attacker can touch.
# - For every request the balancer picks one server, using a **policy**, and forwards it.
# - The balancer probes every server with a **health check** (say `GET /health` every few
#   seconds). A server that stops answering is taken out of rotation and its share goes to the
#   others: that is **failover**. A server that comes back, or a new one, is put into rotation:
#   that is how the pool grows. Having more servers than the minimum is **redundancy**.
#
# A balancer that works on TCP connections (layer 4) forwards bytes without reading them; one
# that reads HTTP (layer 7) can route each request by its path, host or headers, rewrite it and
# retry it. Both kinds can terminate TLS: AWS's Network Load Balancer, a layer-4 balancer, has TLS
# listeners that decrypt at the balancer, and the same balancer with a plain TCP listener passes
# the encrypted bytes through to the servers. The difference is HTTP awareness, not encryption.
# Either way the balancer must not become
# the new single point of failure: managed cloud balancers run on several machines, and
# self-hosted ones (HAProxy, nginx, Envoy) run in pairs that share a floating IP.

# %% [markdown]
# ## Queueing in five minutes: utilisation, waits and Little's law
#
# Three ideas from queueing theory explain most of this chapter (chapter 11 develops them).
#
# - **Utilisation** ρ is the share of time the servers are busy: the arrival rate λ divided by
#   what the servers can finish, $\rho = \lambda / (n\mu)$ for n servers of μ requests/s each.
# - **Waits explode as ρ → 1.** Requests arrive in random bunches, so a server that is idle half
#   the time still builds a queue now and then. For one server with random (Poisson) arrivals
#   and random (exponential) service times, the **M/M/1** queue, the mean wait before service is
#   $\rho/(1-\rho)$ service times: 1 at 50 % busy, 9 at 90 %. From 50 % to 90 % the *wait*
#   grows nine-fold; the whole time in the system, wait plus service, $1/(1-\rho)$ service times,
#   grows five-fold (from 2 to 10).
# - **Little's law**: in a steady state the number of requests inside a system equals their
#   arrival rate times the time each spends there, $L = \lambda W$, whatever the policy or the
#   distributions. It turns a latency into the connections, threads or memory a server must hold.
#
# One simulated server with a mean service time of 1 s, 200,000 requests at each load:

# %%
primer_rng = np.random.default_rng(SEED + 1)  # its own generator: later numbers stay as quoted
lines = []
for rho in [0.5, 0.7, 0.9]:
    run = simulate_mmc(rho, 1.0, 1, 200_000, rng=primer_rng)
    w = float(np.nanmean(run.t_wait[20_000:]))
    lines.append(f"ρ = {rho:.0%}: mean wait {w:4.2f} s simulated; ρ/(1 − ρ) = {rho / (1 - rho):4.2f}")
# Little's law at 90 %: count the requests inside at 5,000 random moments
t_probe = primer_rng.uniform(run.t_arrival[20_000], run.t_arrival[-1], 5_000)
n_inside = np.searchsorted(run.t_arrival, t_probe) - np.searchsorted(np.sort(run.t_depart), t_probe)
w_system = float(np.mean(run.t_response[20_000:]))
lines.append(
    f"Little's law at 90 %: λW = 0.9/s × {w_system:.2f} s = {0.9 * w_system:.1f} requests; "
    f"counted: {n_inside.mean():.1f}"
)
print("\n".join(lines))

# %% [markdown]
# ## How the balancer chooses: policies and their queues
#
# The model `scalelab.load_balancer` simulates a pool request by request. Each server has a
# capacity μ (requests/s it can finish) and **its own queue**: once the balancer has sent a
# request to a server, the request waits there even if a neighbour is idle. That is why the
# policy matters. The policies in the model:
#
# | policy | how it picks | needs to know |
# |---|---|---|
# | round robin | the next server in turn | nothing |
# | random | any server, uniformly | nothing |
# | least connections | the server with the fewest requests in progress | every server's count |
# | power of two choices | two servers at random, the less busy one | two servers' counts |
# | weighted … | the same, with shares proportional to a weight (its capacity) | the weights |
#
# Queueing theory predicts three of them exactly. Take 4 servers that each finish μ = 1
# request/s on average (exponential service times) and λ = 3.5 requests/s arriving at random
# (a Poisson stream): the pool is 87.5 % busy.
#
# **Predict first**: the balancer sends each request to a server picked at random. How long
# does a request wait in its server's queue, on average, before its service starts?

# %%
predict("random-wait", ..., question="mean wait in queue: 4 servers of 1 request/s, 3.5 "
        "requests/s, random picks", unit="s")

# %% [markdown]
# The formulas:
#
# - **random**: each server receives a Poisson stream of λ/4, so it is an M/M/1 queue, and the
#   mean wait is $W_q = \frac{\rho}{\mu - \lambda/4} = 7.0$ s;
# - **round robin**: each server gets every 4th request, so the gaps between its arrivals are
#   much more regular (Erlang-4 distributed): an $E_4/M/1$ queue, $W_q ≈ 4.135$ s;
# - **one shared queue** feeding whichever server frees up first (M/M/4, the Erlang C formula):
#   $W_q ≈ 1.476$ s. No balancer that must commit each request to one server's queue can
#   beat it.
#
# The cell prints the formulas, then simulates each policy: 40,000 simulated seconds per policy
# (about 140,000 requests), ignoring the first 1,000 s while the queues fill up. The shared queue
# is simulated with `simulate_mmc` from chapter 11's module `scalelab.queueing` (the load
# balancer model is built on it).

# %%
formulas = {
    "random": wait_random_split(3.5, 1.0, 4),
    "round_robin": wait_round_robin(3.5, 1.0, 4),
    "shared queue (M/M/4)": wait_shared_queue(3.5, 1.0, 4),
    "power of two, many servers": wait_power_of_two_limit(3.5, 1.0, 4),
}
lines = []
for name, w in formulas.items():
    lines.append(f"{name:<28} Wq = {w:.3f} s (formula)")
policies = ["random", "round_robin", "power_of_two", "least_connections"]
waits = {}
for policy in policies:
    params = PoolParams(rate=3.5, n_servers=4, rate_service=1.0, policy=policy, t_end=40_000.0)
    s = summarize(simulate_pool(params, rng=rng), t_from=1_000.0)
    waits[policy] = s.t_wait_mean
    lines.append(f"{policy:<18} mean wait {s.t_wait_mean:5.2f} s   p99 response {s.t_p99:5.1f} s")
shared = simulate_mmc(3.5, 1.0, 4, 140_000, rng=rng)
waits["shared_queue"] = float(shared.t_wait[3_500:].mean())
lines.append(f"{'shared queue':<18} mean wait {waits['shared_queue']:5.2f} s")
print("\n".join(lines))
reveal("random-wait", formulas["random"],
       why="each server is an M/M/1 queue 87.5 % busy: ρ/(1 − ρ) = 7 service times of waiting")

# %%
names = [p.replace("_", " ") for p in waits]
policy_fig = go.Figure(
    [
        go.Bar(
            x=names,
            y=list(waits.values()),
            name="simulated",
            marker=dict(color=PALETTE[0], pattern=dict(shape="/")),
        ),
        go.Scatter(
            x=names[:2],
            y=[formulas["random"], formulas["round_robin"]],
            mode="markers",
            name="formula (M/M/1, E4/M/1)",
            marker=dict(color=PALETTE[1], symbol="diamond", size=14),
        ),
        go.Scatter(
            x=[names[0], names[-1]],
            y=[formulas["shared queue (M/M/4)"]] * 2,
            mode="lines",
            name="M/M/4 formula (the floor)",
            line=dict(color=PALETTE[2], dash=DASHES[1]),
        ),
    ],
    layout=base_layout(
        "Mean wait by policy: 4 servers, 87.5 % busy", "policy", "mean wait in queue (s)"
    ),
)
policy_fig

# %% [markdown]
# Same servers, same traffic, and the mean wait changes by a factor of four:
#
# - **Random** matches its M/M/1 formula: by bad luck it often sends a request to a busy server
#   while another sits idle.
# - **Round robin** matches $E_4/M/1$: it never sends two requests in a row to the same server,
#   which already cuts the wait by about 40 %, but it still ignores how busy each server is. Its weakness
#   shows when requests differ in cost or servers differ in speed.
# - **Least connections** looks at every server's count of requests in progress and lands
#   closest to the shared-queue floor (about 1.8 s against 1.48 s).
# - **Power of two choices** asks only two random servers and still gets most of the benefit
#   (about 2.2 s). For a big pool, Mitzenmacher showed that two choices instead of one changes
#   the queue-length tail from geometric to doubly exponential; the many-servers formula above
#   (1.39 s) is that limit. With only 4 servers, two random picks often both land on busy ones,
#   so the small pool does worse than the limit.
#
# Look at p99 as well as the mean. A page that needs ten requests to render waits for the
# slowest of them, so the tail decides how fast the site feels (Dean and Barroso, 2013): here
# the better policies cut p99 from about 34 s to about 13 s.
#
# Why not always use least connections? Because the balancer must know each server's count. One
# balancer sees its own connections; ten balancers in front of the same pool each see only a
# tenth, and probing every server for every request costs time. Power of two choices needs two
# probes, which is why large systems (and many service meshes) use it.

# %% [markdown]
# ### Servers of different sizes: weights
#
# Pools are rarely uniform: a newer, faster machine joins older ones. Round robin gives each
# server the same number of requests, so the slow one drowns. The **weighted** policies give a
# server a share proportional to its weight (here its capacity). Two servers of 30 and 10
# requests/s, 30 requests/s arriving (75 % of the total capacity), queues capped at 100:

# %%
lines = []
for policy in ["round_robin", "weighted_round_robin", "least_connections"]:
    params = PoolParams(
        rate=30.0, n_servers=2, rate_service=(30.0, 10.0), policy=policy, n_queue_max=100, t_end=600.0
    )
    s = summarize(simulate_pool(params, rng=rng))
    share = s.per_server / s.per_server.sum()
    lines.append(
        f"{policy:<21} shares {share[0]:.0%} / {share[1]:.0%}   p99 {s.t_p99:5.2f} s   "
        f"turned away {s.n_dropped / s.n_arrivals:.1%}"
    )
print("\n".join(lines))

# %% [markdown]
# Plain round robin sends the small server half of the traffic, 15 requests/s for a capacity of
# 10: its queue fills, its requests wait seconds, and many are turned away. Weighted round
# robin (nginx's "smooth" version, which interleaves 0, 0, 1, 0, … rather than sending bursts)
# and least connections both adapt: least connections needs no weights at all, because a slow
# server simply holds its requests longer.

# %% [markdown]
# ## Health checks and failover: a failure drill
#
# A balancer does not know that a server has crashed. It finds out from its health checks, and
# until the next check it keeps sending that server its share of the traffic, and every one of
# those requests fails. The requests the server was holding when it died are lost too.
#
# The drill: 40 requests/s on 4 servers of 20 requests/s (50 % busy). Server 0 crashes at
# t = 31.3 s and stays down. How many requests fail, for different check intervals? Each line
# averages 5 runs.

# %%
lines = []
for interval in [1.0, 5.0, 10.0, 30.0]:
    errors = []
    for _ in range(5):
        params = PoolParams(
            rate=40.0,
            n_servers=4,
            rate_service=20.0,
            t_end=90.0,
            t_check_interval=interval,
            outages=(Outage(server=0, t_down=31.3),),
        )
        res = simulate_pool(params, rng=rng)
        errors.append(summarize(res).n_errors)
    blind = res.t_detect[0] - 31.3
    lines.append(
        f"check every {interval:>2.0f} s: noticed at {res.t_detect[0]:>2.0f} s, "
        f"{blind:4.1f} s blind -> {np.mean(errors):5.1f} failed "
        f"(10/s × {blind:4.1f} s = {10 * blind:3.0f}, + in flight)"
    )
print("\n".join(lines))

# %% [markdown]
# The arithmetic is simple and worth remembering: **failed requests ≈ (traffic to that server)
# × (time until the check notices)**. On average a crash happens half an interval before the
# next check; real balancers also wait for several failed checks in a row before they give up
# on a server, to avoid flapping. AWS's Application Load Balancer, for example, checks every
# 30 s by default and marks a target unhealthy after 2 failures, so a dead server can keep
# receiving traffic for up to about a minute. Shorter intervals cost a little probe traffic and
# risk removing a server that was only slow.
#
# Does the policy change the damage? That depends on *how* the server is broken, which the drill
# above did not ask. Its crashed server **fails fast**: the machine is up but the web server
# process is gone, so the kernel refuses every connection at once with a TCP reset (a broken
# application answering `500` at once behaves the same). A server can also **hang**: frozen,
# swapping or cut off, it never answers, and the balancer holds each connection until its
# **connect timeout** gives up (then a `504`). `simulate_dead_server` runs the window before the
# health check notices, with one server of four dead, 60 requests/s on servers of 20 requests/s
# (75 % busy) and no retries, for two minutes:

# %%
dead_rng = np.random.default_rng(SEED + 2)  # its own generator: later numbers stay as quoted
lines = [
    f"{'policy':<18} {'dead server':<12} {'its share':>9} {'errors/s':>9} "
    f"{'error after':>12} {'others answer in':>17}"
]
for policy in ["round_robin", "random", "least_connections", "power_of_two"]:
    for failure, t_timeout in [("fail_fast", 1.0), ("hang", 1.0), ("hang", 10.0)]:
        dead = DeadServerParams(
            rate=60.0,
            n_servers=4,
            rate_service=20.0,
            policy=policy,
            failure=failure,
            t_timeout=t_timeout,
            t_end=120.0,
        )
        res = simulate_dead_server(dead, rng=dead_rng)
        how = "fails fast" if failure == "fail_fast" else f"hangs, {t_timeout:.0f} s"
        lines.append(
            f"{policy:<18} {how:<12} {res.p_to_dead:>9.0%} {res.n_errors / dead.t_end:>9.1f} "
            f"{res.t_error_mean * 1000:>9.0f} ms {res.t_response_mean * 1000:>14.0f} ms"
        )
print("\n".join(lines))

# %% [markdown]
# Round robin and random never look at the servers, so the dead server gets its quarter of the
# traffic however it fails: about 15 errors a second. The queue-aware policies split sharply:
#
# - A server that **fails fast** never holds a connection, so to least connections it is always
#   the least busy server. It becomes a **black hole**: it swallows 45 % of the requests, 27
#   errors a second, almost twice what round robin loses. Power of two does the same whenever the
#   dead server is one of its two picks (40 %). The requests that do reach a live server are fast
#   (49 ms), so latency dashboards look *better* while errors soar.
# - A server that **hangs** is the opposite case. Each request sent to it occupies a connection
#   for the whole timeout, so by Little's law it holds (its request rate) × (the timeout)
#   connections and looks *busier* than the live servers: least connections sends it less than
#   round robin does, 7 % with a 1 s timeout and 2 % with 10 s. Fewer errors, but each one costs
#   its user the full timeout, and the three live servers now carry nearly all 60 requests/s on
#   60 of capacity, so everyone waits longer (470 ms against 164 ms).
#
# So the black hole is the server that fails *fast*, and the hung server is a slow poison. The
# cures are the same for both: **passive** health checking, or outlier detection, ejects a server
# after a few errors in a row without waiting for the next probe (nginx's `max_fails` and
# `fail_timeout`, Envoy's consecutive-5xx and gateway-failure ejection), and short connect
# timeouts with one retry on another server cap what a hung server costs. This model has
# neither, so you can see the problem they solve.
#
# After the detection the survivors carry the load, 40 requests/s on three servers of 20 (67 %
# busy): slower, but up. Had the pool run at 80 %, the survivors would be at 107 % and the
# failure of one server would become an outage of all. That is why pools keep **headroom**:
# enough spare capacity to lose a server (the "N+1" rule). The Explore section lets you try it.

# %% [markdown]
# ## Redundancy: how many nines?
#
# Suppose each server is up a fraction p of the time, independently of the others (failures
# from shared causes, such as one power supply or one bad deploy, break that assumption). The
# site is up while at least one server is up, so
#
# $$A(n) = 1 - (1 - p)^n .$$
#
# With p = 0.99 (about 3.7 days down a year), two servers give 0.9999 and three 0.999999. The
# model can check the formula by letting servers fail and recover at random (mean 30 s up,
# 10 s down, so p = 0.75, chosen low so that outages are frequent in a short run):

# %%
t_mttf, t_mttr, t_end = 30.0, 10.0, 200_000.0
p_up = t_mttf / (t_mttf + t_mttr)
lines = []
for n in [1, 2, 3]:
    outages = failure_schedule(n, t_mttf, t_mttr, t_end, rng=rng)
    simulated = fraction_time_up(outages, n, t_end)
    lines.append(f"{n} server(s): simulated {simulated:.4f}, formula {availability(n, p_up):.4f}")
print("\n".join(lines))

# %% [markdown]
# A site that needs *k* servers to carry its peak is up only while *k* of its *n* are up, a
# binomial tail that the library's `availability(n, p, n_needed=k)` computes. That is where the
# N+1 rule gets tricky: one spare is plenty for a pool of 4, but a pool of 50 loses two servers
# at once surprisingly often:

# %%
lines = []
for needed in [4, 20, 49]:
    a1 = availability(needed + 1, 0.995, n_needed=needed)
    a3 = availability(needed + 3, 0.995, n_needed=needed)
    lines.append(
        f"need {needed:>2} servers (each up 99.5 %): one spare -> {a1:.4f}, three -> {a3:.5f}"
    )
print("\n".join(lines))

# %% [markdown]
# ## Vertical or horizontal: the bill
#
# `plan_vertical` picks the smallest single machine for a peak; `plan_horizontal` picks enough
# 4-vCPU machines (`m7i.xlarge`) plus one spare, and adds the balancer's hourly price. Both keep
# servers at most 70 % busy, and each machine is up 99.5 % of the time. Shutterstall's peak is
# the second row.
#
# **Predict first**: how many `m7i.xlarge` servers (400 requests/s each) does Shutterstall's
# peak of 3,667 requests/s need, at most 70 % busy and with one spare?

# %%
predict("servers-needed", ..., question="m7i.xlarge servers for 3,667 requests/s at most 70 % "
        "busy, with one spare", unit="servers")

# %%
lines = []
for peak in [1_000, peak_rate("scaling-out"), 5_000, 13_000, 20_000]:
    v = plan_vertical(peak, 100.0, rho_target=0.7, p_up=0.995)
    h = plan_horizontal(peak, 100.0, rho_target=0.7, n_spare=1, p_up=0.995)
    vertical = (
        f"{v.instance.name:<12} ${v.cost_per_hour:5.2f}/h {v.availability:6.1%}"
        if v.feasible
        else "none is big enough"
    )
    lines.append(
        f"{peak:>6,.0f} | {vertical:<28} | {h.n_servers:>2} × {h.instance.name} "
        f"${h.cost_per_hour:5.2f}/h {h.availability:6.2%}"
    )
print(f"{'req/s':>6} | {'vertical: machine, cost, up':<28} | horizontal: servers, cost, up")
print("\n".join(lines))
shop_pool = plan_horizontal(shop.rate_peak, RATE_PER_VCPU, rho_target=RHO_MAX, n_spare=1)
reveal("servers-needed", shop_pool.n_servers,
       why="3,667 / (400 × 0.7) = 13.1: 14 servers and the spare; filled to 100 %, 10 would do")

# %% [markdown]
# Per hour the two cost about the same, because the price per CPU is flat. The pool pays for a
# spare server and a balancer; the single machine comes only in doubling sizes, so it often
# pays for capacity it does not use (5,000 requests/s needs 72 vCPUs and gets 96). What the
# money buys differs more:
#
# - the single machine is down whenever it is down (99.5 % here, about 44 hours a year), and it
#   stops at a ceiling;
# - the pool survives any one failure and grows by adding servers. Its "up" figure above is
#   the chance of having *every* server needed for the peak: at 13,000 requests/s with one spare
#   it is lower than the single machine's, but losing 2 of 48 servers leaves 96 % of the peak
#   capacity, a slowdown at the busiest hour, while losing the single machine is a full outage;
# - the pool asks more of the software: any server must be able to answer any request, so user
#   sessions cannot live in one server's memory. Chapter 09 (stateless web tier) deals with that.
#
# For Shutterstall the choice is easy: 15 `m7i.xlarge` cost about what one `m7i.16xlarge` does
# (USD 3.05 against USD 3.23 an hour), and the pool survives the loss of any one of them.
#
# The pool can also **shrink**: at night, when traffic is a third of the peak, a pool can drop
# servers (autoscaling), while a single big machine costs the same at 4 a.m. as at 8 p.m.

# %% [markdown]
# ## Explore
#
# The widget simulates one minute of a pool. A point is a 2-second window: the blue line is the
# median (p50) response time, the orange line the 99th percentile (p99), and the red dotted line
# the share of requests that failed or were turned away. Servers hold at most 50 requests each.
# With **Kill server 1** ticked, server 1 (index 0 in the model) crashes at 20.3 s and comes back at 40.3 s; the
# shaded band is the time the balancer has not noticed yet.
#
# *Try:*
# - Move **Traffic** up from 40 requests/s. Where does p99 take off, and why much sooner with a
#   server killed?
# - Set the health check to 15 s and back to 1 s: watch the error spike shrink.
# - At 70 requests/s, compare **random** with **least connections**. Which line moves more,
#   p50 or p99? And which one loses more requests while the dead server is still in rotation?
# - Set **Servers** to 1 and kill it: what is left?

# %%
explorer = show(explore_load_balancer)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: implement least connections (3 points)
#
# Write `pick_least_connections(active, healthy)`. `active[i]` is the number of requests server
# `i` holds right now; `healthy[i]` says whether the balancer currently believes server `i` is
# healthy. Return the index (an `int`) of the healthy server with the fewest active requests;
# on a tie, the lowest index. If no server is healthy, raise `ValueError` (a real balancer
# answers *503 Service Unavailable*); an empty pool has no healthy server either.
#
# The hidden checks switch off the library's own `least_connections`, try ties and unhealthy
# servers, and plug your function into `simulate_pool(PoolParams(..., policy=pick_least_connections))`
# (you can do that yourself too).


# %% nbgrader={"grade": false, "grade_id": "least_conn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pick_least_connections(active, healthy):
    """Index of the healthy server with the fewest active requests (ties: lowest index)."""
    ### BEGIN SOLUTION
    best = None
    for i, (count, ok) in enumerate(zip(active, healthy, strict=True)):
        if ok and (best is None or count < active[best]):
            best = i
    if best is None:
        raise ValueError("no healthy server: the balancer must answer 503")
    return best
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_least_conn_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: the least busy server, skipping one the balancer sees as unhealthy."""
from scalelab.checks import as_int

got = as_int(pick_least_connections([3, 1, 2], [True, True, True]), "the server index")
assert got == 1, f"active [3, 1, 2], all healthy: expected server 1, got {got}"
got = as_int(pick_least_connections([0, 5, 1], [False, True, True]), "the server index")
assert got == 2, f"active [0, 5, 1], server 0 unhealthy: expected server 2, got {got}"
print("Visible check passed: the hidden checks try ties, no healthy server and a full run.")

# %% nbgrader={"grade": true, "grade_id": "test_least_conn_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: ties, health, no healthy server, and a simulated pool using the policy."""
### BEGIN HIDDEN TESTS
import numpy as np

from scalelab.checks import as_int, expect_raises, library_disabled
from scalelab.load_balancer import Outage, PoolParams, simulate_pool, summarize


def _expected_server(active, healthy):
    ok = [i for i in range(len(active)) if healthy[i]]
    return min(ok, key=lambda i: (active[i], i))


with library_disabled(
    "scalelab.load_balancer.least_connections", "scalelab.load_balancer.power_of_two"
):
    cases = [
        ([2, 1, 1, 3], [True, True, True, True]),
        ([4, 4, 4], [True, True, True]),
        ([0, 0, 5], [False, True, True]),
        ([7], [True]),
        ([1, 0, 0, 2, 0], [True, False, True, True, True]),
    ]
    case_rng = np.random.default_rng(12)
    for _ in range(200):
        size = int(case_rng.integers(1, 9))
        flags = (case_rng.random(size) < 0.7).tolist()
        if any(flags):
            cases.append((case_rng.integers(0, 4, size).tolist(), flags))
    for active, healthy in cases:
        want = _expected_server(active, healthy)
        got = as_int(pick_least_connections(list(active), list(healthy)), "the server index")
        assert got == want, (
            f"scenario 'ties and health': active {active}, healthy {healthy}: "
            f"expected server {want}, got {got}"
        )
    expect_raises(ValueError, pick_least_connections, [0, 1], [False, False])
    expect_raises(ValueError, pick_least_connections, [], [])
    pool = PoolParams(
        rate=2.5,
        n_servers=4,
        rate_service=1.0,
        policy=pick_least_connections,
        t_end=3_000.0,
        t_check_interval=5.0,
        outages=(Outage(2, 1_000.0, 1_500.0),),
    )
    wait = summarize(simulate_pool(pool, rng=np.random.default_rng(7)), t_from=100.0).t_wait_mean
    assert wait < 0.8, (
        f"scenario 'a pool with a failure': mean wait {wait:.2f} s; least connections should "
        "stay well below random (about 2 s) and round robin (about 1.2 s)"
    )
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: how many servers? (3 points)
#
# Write `servers_needed(rate_peak, rate_capacity, rho_target, n_spare=1)`: the fewest servers
# so that at the peak each working server is busy at most `rho_target` of the time (its
# utilisation, between 0 and 1) **while `n_spare` servers are down**. Each server serves
# `rate_capacity` requests/s. At least one server must be working, even with no traffic.
# Return an `int`. Raise `ValueError` if `rate_peak` is negative, `rate_capacity` is not
# positive, `rho_target` is not in (0, 1], or `n_spare` is negative.
#
# (Why a target below 100 %? Because the mean wait grows like ρ/(1 − ρ) service times: at 90 %
# busy it is nine times what it is at 50 %, as the queueing primer showed.) The library's `plan_horizontal` is switched off in the hidden
# checks.


# %% nbgrader={"grade": false, "grade_id": "servers_needed", "locked": false, "schema_version": 3, "solution": true, "task": false}
def servers_needed(rate_peak, rate_capacity, rho_target, n_spare=1):
    """Servers for ``rate_peak`` at utilisation <= ``rho_target`` with ``n_spare`` of them down."""
    ### BEGIN SOLUTION
    if rate_peak < 0:
        raise ValueError(f"rate_peak must be >= 0; got {rate_peak}")
    if rate_capacity <= 0:
        raise ValueError(f"rate_capacity must be > 0; got {rate_capacity}")
    if not 0 < rho_target <= 1:
        raise ValueError(f"rho_target must be in (0, 1]; got {rho_target}")
    if n_spare < 0:
        raise ValueError(f"n_spare must be >= 0; got {n_spare}")
    working = max(1, math.ceil(rate_peak / (rate_capacity * rho_target) - 1e-9))
    return int(working + n_spare)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_servers_needed_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: two pools whose sizes come out as round numbers."""
from scalelab.checks import as_int

got = as_int(servers_needed(1_000, 100, 0.5), "servers_needed(1000, 100, 0.5)")
assert got == 21, f"1000 requests/s, 100 per server, 50 % busy, 1 spare: expected 21, got {got}"
got = as_int(servers_needed(900, 100, 0.75), "servers_needed(900, 100, 0.75)")
assert got == 13, f"900 requests/s, 100 per server, 75 % busy, 1 spare: expected 13, got {got}"
print("Visible check passed: the hidden checks try uneven numbers, spares and bad inputs.")

# %% nbgrader={"grade": true, "grade_id": "test_servers_needed_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: rounding up, other spare counts, no traffic, and invalid inputs."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_int, expect_raises, library_disabled

with library_disabled("scalelab.load_balancer.plan_horizontal"):
    for args, kwargs, want in [
        ((1_000, 300, 0.8), {}, 6),
        ((1_000, 300, 0.8), {"n_spare": 0}, 5),
        ((1_000, 300, 0.8), {"n_spare": 3}, 8),
        ((12_345, 97, 0.65), {}, 197),
        ((50, 100, 0.9), {}, 2),
        ((0, 100, 0.5), {}, 2),
        ((0, 100, 0.5), {"n_spare": 0}, 1),
        ((200, 100, 1.0), {"n_spare": 0}, 2),
    ]:
        got = as_int(servers_needed(*args, **kwargs), f"servers_needed{args}")
        assert got == want, (
            f"scenario 'sizing': servers_needed{args} with {kwargs or 'the default spare'}: "
            f"expected {want}, got {got}"
        )
    for bad_args in [(-1, 100, 0.5), (100, 0, 0.5), (100, 100, 0), (100, 100, 1.5)]:
        expect_raises(ValueError, servers_needed, *bad_args)
    expect_raises(ValueError, servers_needed, 100, 100, 0.5, n_spare=-1)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: availability of n servers (3 points)
#
# Write `availability_at_least(n_servers, p_up, n_needed=1)`: the probability that at least
# `n_needed` of `n_servers` servers are up, when each is up with probability `p_up`
# independently. With `n_needed=1` it is $1 - (1 - p)^n$; in general, add up the binomial
# probabilities $\binom{n}{i} p^i (1-p)^{n-i}$ for $i$ from `n_needed` to `n_servers`
# (`math.comb(n, i)` gives $\binom{n}{i}$). Return a `float`. Raise `ValueError` if `n_servers`
# is below 1, `p_up` is not in [0, 1], or `n_needed` is not in [0, `n_servers`].
#
# The library's `availability` is switched off in the hidden checks.


# %% nbgrader={"grade": false, "grade_id": "availability_n", "locked": false, "schema_version": 3, "solution": true, "task": false}
def availability_at_least(n_servers, p_up, n_needed=1):
    """Probability that at least ``n_needed`` of ``n_servers`` independent servers are up."""
    ### BEGIN SOLUTION
    if n_servers < 1:
        raise ValueError(f"n_servers must be >= 1; got {n_servers}")
    if not 0 <= p_up <= 1:
        raise ValueError(f"p_up must be in [0, 1]; got {p_up}")
    if not 0 <= n_needed <= n_servers:
        raise ValueError(f"n_needed must be in [0, {n_servers}]; got {n_needed}")
    return float(
        sum(
            math.comb(n_servers, i) * p_up**i * (1 - p_up) ** (n_servers - i)
            for i in range(n_needed, n_servers + 1)
        )
    )
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_availability_n_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: one, two and three servers, any one of which can serve the site."""
from scalelab.checks import expect_close

expect_close(availability_at_least(1, 0.99), 0.99, rel=1e-9, what="1 server up 99 %")
expect_close(availability_at_least(2, 0.99), 0.9999, rel=1e-9, what="2 servers up 99 %")
expect_close(availability_at_least(3, 0.9), 0.999, rel=1e-9, what="3 servers up 90 %")
print("Visible check passed: the hidden checks need more than one server up, and bad inputs.")

# %% nbgrader={"grade": true, "grade_id": "test_availability_n_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: k of n servers needed, the edge cases, and invalid inputs."""
### BEGIN HIDDEN TESTS
import math

from scalelab.checks import expect_close, expect_raises, library_disabled


def _at_least(n, p, k):
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


with library_disabled("scalelab.load_balancer.availability"):
    for n, p, k in [(3, 0.9, 2), (5, 0.99, 4), (4, 0.7, 4), (10, 0.95, 8), (50, 0.995, 49)]:
        expect_close(
            availability_at_least(n, p, n_needed=k),
            _at_least(n, p, k),
            rel=1e-9,
            what=f"scenario 'k of n': at least {k} of {n} servers up {p:.1%}",
        )
    expect_close(
        availability_at_least(4, 0.5, n_needed=0), 1.0, rel=1e-12, what="scenario 'none needed'"
    )
    expect_close(
        availability_at_least(2, 0.0), 0.0, abs_tol=1e-12, what="scenario 'servers never up'"
    )
    expect_close(
        availability_at_least(3, 1.0, n_needed=3), 1.0, rel=1e-12,
        what="scenario 'servers always up': p_up = 1 is allowed",
    )
    for bad_args, bad_kwargs in [
        ((0, 0.9), {}),
        ((3, 1.2), {}),
        ((3, -0.1), {}),
        ((4, 0.9), {"n_needed": 5}),
        ((4, 0.9), {"n_needed": -1}),
    ]:
        expect_raises(ValueError, availability_at_least, *bad_args, **bad_kwargs)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4: design the pool (4 points, graded on the SLOs it meets)
#
# A shop's web tier must carry its busiest hour: **100 requests/s** (Poisson). Each server
# serves **20 requests/s** (exponential service, mean 50 ms), holds at most 50 requests, and
# costs USD 0.1008 an hour; the balancer costs USD 0.0225 an hour. Your design is a number of servers,
# a policy (a name from `POLICIES`, imported in the setup cell: `"round_robin"`, `"random"`,
# `"least_connections"`, `"power_of_two"`, …) and a health-check interval in seconds. The rules:
#
# - **budget**: at most USD 1.00 an hour in total;
# - **health checks**: the health endpoint is expensive, so at most one probe every 2 s per
#   server (`t_check_interval >= 2`).
#
# The service-level objectives (SLOs), each checked on hidden seeded runs of two minutes:
#
# 1. **speed**: the 99th-percentile response time stays at or below **300 ms** with every
#    server up (1.5 points);
# 2. **failover**: when one server crashes at some moment during the two minutes (six
#    different moments and servers, averaged), at most **0.3 %** of requests fail or are turned
#    away (1.5 points).
#
# The visible check (1 point) checks the two rules and shows how your design does on one
# visible run, with the settings to replay it. Use `simulate_pool` and `summarize` to try
# designs first; the sections above tell you which way each choice pushes.


# %% nbgrader={"grade": false, "grade_id": "pool_design", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_pool_design():
    """Return {"n_servers": int, "policy": str, "t_check_interval": seconds}."""
    ### BEGIN SOLUTION
    # Speed needs a queue-aware policy: at 100 requests/s on 9 servers (56 % busy), p99 is
    # about 250 ms with least connections, 300 ms with power of two, 310-360 ms with round robin.
    # The model's crashed server fails fast (connections refused at once), which makes it a black
    # hole for least connections until the next check, so the interval must be short: 2 s (the
    # shortest allowed) keeps failed requests near 0.15 %.
    return {"n_servers": 9, "policy": "least_connections", "t_check_interval": 2.0}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_pool_design_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: the design is well formed, within budget and within the health-check rule."""
import numpy as np

from scalelab.checks import as_float, as_int
from scalelab.load_balancer import POLICIES, PoolParams, simulate_pool, summarize

design = my_pool_design()
assert type(design) is dict, f"my_pool_design() should return a dict, got {type(design).__name__}"
n_design = as_int(design.get("n_servers"), "n_servers")
policy_design = design.get("policy")
dt_design = as_float(design.get("t_check_interval"), "t_check_interval")
assert policy_design in POLICIES, f"policy should be one of {POLICIES}, got {policy_design!r}"
cost = n_design * 0.1008 + 0.0225
assert n_design >= 1 and cost <= 1.00, f"{n_design} servers cost ${cost:.4f}/h: over the budget"
assert dt_design >= 2.0, f"t_check_interval {dt_design} s: at most one probe every 2 s"
trial = PoolParams(
    rate=100.0,
    n_servers=n_design,
    rate_service=20.0,
    policy=policy_design,
    n_queue_max=50,
    t_check_interval=dt_design,
    t_end=120.0,
)
trial_p99 = summarize(simulate_pool(trial, rng=np.random.default_rng(1)), 10.0).t_p99
print(f"Visible check passed: ${cost:.2f}/h. Visible run (seed 1, all servers up): p99 "
      f"{trial_p99 * 1000:.0f} ms against the 300 ms SLO.")
print("The hidden runs score speed and failover. Replay the visible run:")
print(f"  simulate_pool(PoolParams(rate=100.0, n_servers={n_design}, rate_service=20.0,")
print(f"      policy={policy_design!r}, n_queue_max=50, t_check_interval={dt_design},")
print("      t_end=120.0), rng=np.random.default_rng(1))")

# %% nbgrader={"grade": true, "grade_id": "test_pool_design_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: the design against the two SLOs on hidden runs (1.5 points each)."""
### BEGIN HIDDEN TESTS
import numpy as np

from scalelab.checks import as_float, as_int, partial_credit
from scalelab.load_balancer import POLICIES, Outage, PoolParams, simulate_pool, summarize

_design = my_pool_design()
_n = as_int(_design["n_servers"], "n_servers")
_policy = _design["policy"]
_dt = as_float(_design["t_check_interval"], "t_check_interval")
_score = 0.0
if _policy in POLICIES and 1 <= _n and _n * 0.1008 + 0.0225 <= 1.00 and _dt >= 2.0:
    _pool = dict(
        rate=100.0,
        n_servers=_n,
        rate_service=20.0,
        policy=_policy,
        n_queue_max=50,
        t_check_interval=_dt,
        t_end=120.0,
    )
    _p99 = max(
        summarize(simulate_pool(PoolParams(**_pool), rng=np.random.default_rng(s)), 10.0).t_p99
        for s in (7101, 7102, 7103)
    )
    if _p99 <= 0.300:
        _score += 1.5
    print(f"scenario 'busy hour': worst p99 {_p99 * 1000:.0f} ms (SLO 300 ms)")
    _crashes = [(0, 23.7), (1, 38.1), (2, 51.4), (3, 66.9), (4, 79.3), (5, 95.6)]
    _failed = np.mean(
        [
            summarize(
                simulate_pool(
                    PoolParams(**_pool, outages=(Outage(srv % _n, t_crash),)),
                    rng=np.random.default_rng(7200 + k),
                )
            ).error_rate
            for k, (srv, t_crash) in enumerate(_crashes)
        ]
    )
    if _failed <= 0.003:
        _score += 1.5
    print(f"scenario 'a server crashes': {_failed:.2%} of requests failed (SLO 0.3 %)")
else:
    print("scenario 'rules': the design breaks the budget or the health-check rule")
partial_credit(_score, 3)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 (written, 3 points)
#
# This chapter argued for scaling out. In four to six sentences in the cell below: describe a
# situation in which **scaling up** (one bigger machine) is the right call, explain why, say
# what you give up by choosing it, and say how you would limit that risk. Use at least one
# number from this chapter or your own estimate. (Graded by hand against the rubric in
# `grading/rubrics/02-scaling-out.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "when_vertical", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# Scaling up is the right call for a young product whose peak fits comfortably on one machine,
# say 1,000 requests/s on a 16-vCPU server at 70 % busy for about USD 0.81 an hour, and for parts
# that are hard to split, such as a relational database primary that must order every write in
# one place. One machine means no load balancer, no shared session store and no coordination,
# so the team ships faster, and cloud prices per CPU are flat, so it costs no more per unit of
# capacity. What you give up is failover: the machine is a single point of failure (99.5 % up is
# still about 44 hours of downtime a year), a resize means a restart, and there is a ceiling
# (192 vCPUs in the `m7i` family). I would limit the risk with a warm standby and tested
# backups, keep the servers stateless so a pool can be added later, and plan the move to
# horizontal scaling before traffic reaches about half the largest machine's capacity or the
# availability target exceeds what one machine delivers.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message.
# 2. Click **Validate** in the toolbar.
# 3. Self-paced: `make check NB=02-scaling-out` grades your copy with the hidden checks.

# %% [markdown]
# ## Summary
#
# Shutterstall after this chapter, and what breaks next:

# %%
print(opening("scaling-out").sentence_after)
print(bottleneck("scaling-out").sentence)

# %% [markdown]
# Its web tier has room and a spare. The database behind it has neither: half of the 3,667
# requests/s are pages and API calls, 1,833 a second, each with a query, and all of them go to
# one database server that can run 2,000. Chapter 03 copies it.
#
# - **Vertical scaling** is simple and, in a cloud, priced linearly per CPU, but it has a hard
#   ceiling (the largest machine) and leaves one machine as a single point of failure.
# - **Horizontal scaling** puts a load balancer with one public address in front of a pool of
#   servers on a private network. Health checks take failed servers out of rotation
#   (**failover**), and spare servers (**redundancy**) keep the site up: with independent
#   failures, $1 - (1-p)^n$ for one of n, a binomial tail for k of n.
# - The **policy** matters: at 87.5 % busy, random gives each server an M/M/1 queue (7.0 s mean
#   wait), round robin an $E_4/M/1$ queue (4.1 s), least connections and power of two choices
#   about 1.8 s and 2.2 s, close to the 1.48 s of a shared queue (M/M/4). Weights protect small
#   servers.
# - **Queueing basics**: utilisation ρ = λ/(nμ); the M/M/1 mean wait is ρ/(1 − ρ) service
#   times (9× longer at 90 % busy than at 50 %); Little's law L = λW links latency to the
#   requests in progress.
# - Until a health check notices a crash, that server's share of requests fails: **failed ≈
#   its traffic × time to detect**. How it fails matters: a server that **fails fast** (reset,
#   instant 5xx) holds no connections, so least connections and power of two turn it into a
#   **black hole** (45 % of the traffic instead of 25 % in the drill); a server that **hangs**
#   holds each connection until the connect timeout, so they send it *less* (2–7 %), but each of
#   its failures costs the timeout and the live servers run hotter. Passive health checks
#   (outlier detection) and short timeouts with a retry limit both. Headroom (N+1, more spares
#   for big pools) keeps one failure from becoming an outage.
# - Designing a pool is a trade: servers cost money, a queue-aware policy buys tail latency,
#   and short health checks buy failover at the price of probe traffic.
#
# ## References
#
# - Xu, A. (2020). *System Design Interview: An Insider's Guide*, chapter 1, "Scale from zero to
#   millions of users". Independently published.
#   https://bytebytego.com/courses/system-design-interview/scale-from-zero-to-millions-of-users
# - Harchol-Balter, M. (2013). *Performance Modeling and Design of Computer Systems: Queueing
#   Theory in Action*, chapters 14 and 24 (M/M/k; task assignment in server farms). Cambridge
#   University Press. https://www.cs.cmu.edu/~harchol/PerformanceModeling/book.html
# - Kleinrock, L. (1975). *Queueing Systems, Volume 1: Theory*, chapter 6 (the G/M/m queue).
#   Wiley. https://www.wiley.com/en-us/Queueing+Systems%2C+Volume+1%3A+Theory-p-9780471491101
# - Mitzenmacher, M. (2001). The power of two choices in randomized load balancing. *IEEE
#   Transactions on Parallel and Distributed Systems* 12(10), 1094–1104.
#   https://doi.org/10.1109/71.963420
# - Gunther, N. J. (2007). *Guerrilla Capacity Planning* (the Universal Scalability Law).
#   Springer. https://doi.org/10.1007/978-3-540-31010-5
# - Dean, J. and Barroso, L. A. (2013). The tail at scale. *Communications of the ACM* 56(2),
#   74–80. https://doi.org/10.1145/2408776.2408794
# - Beyer, B., Jones, C., Petoff, J. and Murphy, N. R. (2016). *Site Reliability Engineering*,
#   chapters 19 and 20 (load balancing at the frontend and in the datacenter). O'Reilly.
#   https://sre.google/sre-book/load-balancing-datacenter/
# - Amazon Web Services (2024). *Health checks for Application Load Balancer target groups.*
#   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
# - Amazon Web Services (2024). *Amazon EC2 On-Demand pricing* and *Elastic Load Balancing
#   pricing.* https://aws.amazon.com/ec2/pricing/on-demand/ and
#   https://aws.amazon.com/elasticloadbalancing/pricing/
# - F5/NGINX (2024). *HTTP load balancing* (round robin, least connections, weights, health
#   checks). https://docs.nginx.com/nginx/admin-guide/load-balancer/http-load-balancer/
# - F5/NGINX (2024). *HTTP health checks* (passive checks: `max_fails`, `fail_timeout`).
#   https://docs.nginx.com/nginx/admin-guide/load-balancer/http-health-check/
# - Envoy Project (2024). *Outlier detection* (consecutive 5xx and gateway-failure ejection).
#   https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier
# - Amazon Web Services (2024). *Listeners for your Network Load Balancers* (TCP and TLS
#   listeners: a layer-4 balancer that terminates TLS).
#   https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-listeners.html
# - Little, J. D. C. (1961). A proof for the queuing formula L = λW. *Operations Research* 9(3),
#   383–387. https://doi.org/10.1287/opre.9.3.383
