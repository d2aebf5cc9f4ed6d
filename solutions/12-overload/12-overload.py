# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 12 · Overload: timeouts, retries, backpressure, rate limits and the tail
#
# Chapter 11 put a queue between producers and consumers and watched a backlog grow and
# drain. That queue had patient messages. Requests from people are not patient: a user, or
# the program acting for them, waits a second or two, gives up, and very often **tries
# again**. This chapter is about the minute when demand exceeds what the system has, which
# is where most large outages grow: retries that multiply load, queues that stay full long
# after the trigger is gone, and one slow server in a fan-out that makes every request slow.
#
# **You will learn to**
# - compute how retries amplify load across layers, and why backoff needs jitter and
#   retries need a budget;
# - recognise a *metastable failure*, where a short spike leaves a system down after the
#   spike has passed, and bring it back with a retry budget, load shedding or a breaker;
# - compare five rate limiters on one bursty trace (what each admits, what each costs);
# - choose a queue discipline for overload (bounded FIFO, shedding, LIFO, a delay target);
# - predict tail latency: the Pollaczek–Khinchine formula, fan-out amplification and
#   hedged requests, each checked against a simulation.
#
# **Time:** about 60 minutes. **Points:** 13 (10 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. It imports the chapter's model, `scalelab.overload`, and makes `rng`,
# the one random-number generator the chapter uses.

# %%
import math

import numpy as np
import plotly.graph_objects as go

from scalelab.cache import database_load
from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.overload import (
    ClientPolicy,
    LeafLatency,
    Server,
    ServiceTime,
    Spike,
    backoff_delays,
    bursty_trace,
    drill_policies,
    fanout_p_slow,
    fixed_window,
    hedge_load,
    hedged_quantile,
    leaky_bucket,
    max_in_window,
    pk_mean_wait,
    retry_amplification,
    simulate_contention,
    simulate_discipline,
    simulate_hedged,
    simulate_mg1,
    simulate_overload,
    simulate_retry_tree,
    sliding_counter,
    sliding_log,
    summarize_drill,
    token_bucket,
)
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, bottleneck, opening, stage
from scalelab.widgets import DASHES, PALETTE, base_layout, show
from scalelab.widgets.overload import explore_overload

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## When demand exceeds capacity
#
# Chapter 11 took the photo processing of Shutterstall, our photo-print shop, off the request
# path. Its page and API requests still call the database through three layers (the app, the
# web server, the database client), and each layer retries a failed call three times. Nobody
# notices while the database is healthy; on the day it fails, every request multiplies:

# %%
shop = stage("overload")
attempts = opening("overload").value  # attempts at the database per request while it fails
queries = shop.rate_writes + database_load(shop.rate_reads, shop.p_hit)  # past the cache
print(opening("overload").sentence)
print(f"{PRODUCT.name} now: {shop.daily_users:,} daily users, {shop.rate_peak:,.0f} requests/s "
      "at 20:00")
print(f"While the database fails, its {queries:,.0f} queries/s at 20:00 become "
      f"{queries * attempts:,.0f} attempts/s.")

# %% [markdown]
# Every tier of the course so far was sized for a peak. Peaks get exceeded: a marketing
# email lands, a cache is flushed, a data centre fails over and its traffic arrives at the
# others. For those minutes the question is no longer "how fast?" but "which requests fail,
# and does the system come back by itself?". The defences sit at every hop of a request:
#
# ```mermaid
# flowchart TB
#     C["Clients: timeout, retries with backoff<br/>and jitter, retry budget, circuit breaker"] --> G["API gateway: rate limits per key"]
#     G --> LB[Load balancer]
#     LB --> W1["Web server: bounded queue, load<br/>shedding, LIFO or a delay target"]
#     LB --> W2[Web server]
#     W1 -- "fan-out, hedged" --> S1[(Shard 1)]
#     W1 --> S2[(Shard 2)]
#     W1 --> S3[(Shard ...n)]
#     W2 --> S1
#     W2 --> S2
#     W2 --> S3
# ```
#
# One word before we start: **goodput**, the requests per second that finish *in time for
# someone who is still waiting*. Throughput counts every completion; goodput counts the
# useful ones. In overload the two can be very different.

# %% [markdown]
# ## Timeouts and retries
#
# A retry is the right answer to a *transient* failure: a lost packet, a server restarting,
# a request that landed on the one overloaded machine. It is the wrong answer to a system
# that is failing because it has too much to do, since every retry is more to do. Worse,
# retries compound across layers. If the browser, the front end and the back end each make
# up to three retries, one request that fails at the database is tried $4 \times 4 \times 4
# = 64$ times there; the SRE book uses exactly this example (Beyer et al. 2016, chapter 22).
# With a probability $p$ that one attempt at the bottom fails, a layer whose calls fail with
# probability $f$ and cost $e$ bottom attempts each costs $e(1 + f + \dots + f^{r})$ and fails
# with $f^{r+1}$. **Predict first**: when half of the attempts at the database fail ($p = 0.5$),
# how many attempts reach it per request, with three retries at each of three layers?

# %%
predict("amplification-half", ..., question="attempts at the database per request when half "
        "fail (3 retries, 3 layers)", unit="attempts")

# %% [markdown]
# The formula and a simulated retry tree, for four failure rates:

# %%
lines = []
for p_fail in [0.01, 0.5, 0.9, 1.0]:
    formula = retry_amplification(n_retries=3, n_layers=3, p_fail=p_fail)
    simulated = simulate_retry_tree(3, 3, p_fail, 20_000, rng=rng).mean()
    lines.append(f"p_fail {p_fail:4.2f}: {formula:6.2f} attempts per request at the bottom "
                 f"(simulated {simulated:6.2f})")
print("\n".join(lines))
reveal("amplification-half", retry_amplification(3, 3, 0.5), why="the bottom layer nearly "
       "doubles the load; a call above fails only if all four below do (1 in 16)")

# %% [markdown]
# At a 1 % failure rate retries cost almost nothing. At 50 % they double the load, and when
# everything fails they multiply it by 64, at exactly the moment the database can least
# afford it. Retry at *one* layer (usually the one closest to the user), not at all of them.
#
# **When** to retry matters as much as how often. Clients that failed together and wait the
# same time collide again. Capped exponential backoff waits $\min(\text{cap},
# \text{base}\cdot 2^k)$ before retry $k$; Marc Brooker's 2015 post on the AWS Architecture
# Blog compared adding *full* jitter (a uniform wait up to that), *equal* jitter (half fixed,
# half random) and *decorrelated* jitter (a random walk: $\min(\text{cap},
# U(\text{base}, 3 \times \text{previous}))$). Here are the waits of one client:

# %%
for jitter in ["none", "full", "equal", "decorrelated"]:
    waits = backoff_delays(6, 0.1, 2.0, jitter, rng=rng)[0]
    print(f"{jitter:>12}: " + "  ".join(f"{1000 * w:5.0f}" for w in waits) + "  ms")

# %% [markdown]
# and here is a small version of his experiment: 100 clients race for one slot of 10 ms;
# an attempt succeeds only if it is alone in its slot, and every collision is retried.

# %%
lines = []
for jitter in ["none", "full", "equal", "decorrelated"]:
    runs = [simulate_contention(100, jitter, rng=np.random.default_rng([SEED, k]))
            for k in range(5)]
    calls, t_done = np.mean(runs, axis=0)
    lines.append(f"{jitter:>12}: {calls:6.0f} attempts, all done after {t_done:5.1f} s")
print("\n".join(lines))

# %% [markdown]
# Without jitter the clients stay in lock step and collide on every attempt until they give
# up (60 attempts each). Any jitter spreads them out, and they finish in about ten attempts
# each. In Brooker's runs full jitter did the least work, and equal jitter took the longest;
# the finer differences depend on the workload (here decorrelated jitter is the slowest).
#
# A per-request limit ("at most three retries") does not stop the amplification when
# *everything* fails: every request still retries three times. A **retry budget** limits
# retries as a share of all requests instead; Google's clients allow retries only while they
# are under 10 % of requests (Beyer et al. 2016, chapter 21), so a total failure adds at most
# 10 % load instead of 300 %.

# %% [markdown]
# ## Metastable failure: a spike that outlives itself
#
# Bronson, Aghayev, Charapko and Zhu named the pattern in 2021: a system runs busy but
# healthy (the *vulnerable* state); a *trigger* overloads it; a *sustaining effect* keeps it
# overloaded after the trigger is gone, and it does not recover until someone intervenes.
# Huang et al. (2022) found retries among the most common sustaining effects in real
# incidents at large cloud providers.
#
# The drill: a server completes 1,000 requests/s (50 ms each); clients send 800 requests/s,
# give up after 1 s and retry up to three times with full-jitter backoff from 100 ms. At
# 20 s a spike brings 2,000 requests/s for 10 s. The model, `simulate_overload`, is a fluid
# model: it moves expected amounts of requests every 0.1 s, which makes it fast and exactly
# repeatable. **Predict first**: with no retries at all, what goodput does the server keep
# during the spike, in requests/s?

# %%
predict("spike-goodput", ..., question="goodput during the 2,000/s spike, capacity 1,000/s, no "
        "retries", unit="requests/s")

# %%
load = Spike()  # 800/s, 2,000/s from 20 s to 30 s, three minutes in all
drill = {}
for name, (server, policy) in drill_policies().items():
    drill[name] = simulate_overload(load, server, policy)
lines = [f"{'policy':>16}  during  last 30 s  recovery  success  peak offered"]
for name, res in drill.items():
    s = summarize_drill(res, load)
    lines.append(f"{name:>16}  {s.rate_goodput_during:5.0f}/s  {s.rate_goodput_after:6.0f}/s  "
                 f"{s.t_recover:6.1f} s  {s.p_success:6.1%}  {s.rate_offered_peak:7,.0f}/s")
print("\n".join(lines))
reveal("spike-goodput", summarize_drill(drill["no retries"], load).rate_goodput_during,
       why="the server stays busy, but mostly on requests that waited past their 1 s timeout")

# %%
drill_fig = go.Figure(layout=base_layout(
    "Goodput through a 10 s spike", "time (s)", "goodput (requests/s)"))
for i, (name, res) in enumerate(drill.items()):
    drill_fig.add_scatter(x=res.t, y=res.rate_goodput, name=name,
                          line=dict(color=PALETTE[i], dash=DASHES[i]))
drill_fig.add_vrect(x0=20, x1=30, fillcolor="grey", opacity=0.15, line_width=0)
drill_fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
drill_fig

# %% [markdown]
# Read the figure from the top. With **no retries** the spike fills the queue with ten
# seconds of excess work; everything waits longer than its timeout, so goodput drops
# during the spike (the server is busy, but with requests nobody waits for), and it comes
# back once the queue has drained at the spare 200 requests/s, 50 s later. With **retries**
# the drained queue never comes: each timed-out request is sent up to four times, the
# offered load settles at 3,200 requests/s against a capacity of 1,000, and goodput stays at
# zero for as long as you care to watch. The trigger lasted ten seconds; the failure is
# permanent. That is a metastable failure.
#
# The defences break the loop in different places. The **retry budget** caps the
# amplification (offered load stays near 880/s), but the server still works through the
# doomed backlog before goodput returns, 96 s after the spike. **Load shedding** refuses
# requests beyond half a second of queued work, so everything admitted finishes in time:
# goodput stays at 709/s through the spike instead of 187/s (below capacity, because the
# refused requests come back as retries and every refusal costs a little work).
# The client's **circuit breaker** stops sending when most recent attempts fail, the queue
# drains in the silence, and goodput returns within 10 s.

# %% [markdown]
# ## Rate limiting
#
# A rate limiter refuses requests beyond an agreed rate *before* they cost anything, usually
# per client or per API key, so that one caller's burst does not become everybody's
# overload. Five algorithms are in common use. Each runs below on the same trace: a client
# sending 100 requests/s for 30 s, plus four bursts of 150 requests within 0.3 s, against a
# limit of 120 requests/s (the bucket algorithms also allow a burst of 60).

# %%
trace = bursty_trace(100.0, 30.0, n_bursts=4, n_per_burst=150, t_burst=0.3, rng=rng)
limiters = {
    "token bucket": token_bucket(trace, rate=120.0, n_burst=60),
    "leaky bucket (queue)": leaky_bucket(trace, rate=120.0, n_burst=60),
    "fixed window": fixed_window(trace, rate=120.0),
    "sliding-window log": sliding_log(trace, rate=120.0),
    "sliding-window counter": sliding_counter(trace, rate=120.0),
}
lines = [f"{trace.size:,} requests. {'limiter':>22}  admitted  most in 1 s  memory"]
for name, res in limiters.items():
    most = max_in_window(trace[res.admitted], 1.0)
    lines.append(f"{'':>16}{name:>22}  {res.n_admitted:8,}  {most:11}  {res.n_bytes:4} bytes")
print("\n".join(lines))

# %% [markdown]
# - The **token bucket** admits bursts up to its size and then the rate: never more than
#   $\text{rate}\cdot t + \text{burst}$ in any $t$ seconds (you will prove it with a property
#   test in Exercise 1). Two numbers of state; it is what most API gateways implement.
# - The **leaky bucket** as a queue admits about as many but *delays* them to a perfectly
#   smooth output; the cost is latency (here up to half a second) and a queue per client.
# - The **fixed window** counts per calendar second: one counter, but up to twice the limit
#   can pass around a boundary (the most in 1 s above is well over 120).
# - The **sliding-window log** is exact (never more than 120 in any second) but stores one
#   timestamp per admitted request: 960 bytes here, per client.
# - The **sliding-window counter** weighs the previous window's count by its overlap: three
#   numbers, and close to the log's answer.
#
# **Where the limiter lives** changes what it can protect. In the *client* library it is
# free and cooperative, but only well-behaved clients use it. At the *gateway* it sees every
# caller and can enforce per-key quotas, but it does not know how busy the service behind it
# is. In the *service* it knows its own load (that is load shedding, next section), but
# refusing still costs it a little work. Gateways run as many replicas, so a limit of 120/s
# per key must be shared: either each of $n$ replicas enforces $120/n$ (simple, but unfair
# when one replica receives most of a key's traffic), or the replicas share a counter in a
# store such as Redis, updated on every request or every few hundred milliseconds, which
# trades accuracy (a burst can slip through between syncs) for the number of round trips.

# %% [markdown]
# ## Backpressure and queue discipline
#
# The server's own queue is the last defence. Below, 50 workers (capacity 1,000 requests/s)
# face 1,200 requests/s for 10 s, with clients that give up after 1 s; the per-request
# simulation `simulate_discipline` serves the *same* requests under five rules.

# %%
n = 12_000
arrivals = np.cumsum(rng.exponential(1 / 1200, n))
service = rng.exponential(0.05, n)
rules = {
    "FIFO, unbounded": dict(),
    "FIFO, 40 places": dict(n_buffer=40),
    "shed above 0.5 s": dict(t_shed=0.5),
    "LIFO": dict(discipline="lifo"),
    "delay target (CoDel-like)": dict(discipline="codel", t_target=0.1, t_interval=1.0),
}
lines = [f"{'rule':>26}  goodput  on time   p99 (ok)  work wasted"]
for name, kw in rules.items():
    r = simulate_discipline(arrivals, service, n_servers=50, t_timeout=1.0, **kw)
    lines.append(f"{name:>26}  {r.rate_goodput:5.0f}/s  {r.p_ok:6.1%}  {1000 * r.t_p99:6.0f} ms"
                 f"  {r.p_wasted:9.1%}")
print("\n".join(lines))

# %% [markdown]
# The unbounded FIFO queue is the worst choice: nearly half of its work goes to requests
# whose clients have left, and the share grows for as long as the overload lasts. Every
# other rule keeps goodput near capacity by failing the excess
# *early*: a bounded queue or admission shedding refuses at the door (**backpressure**: a
# fast "no" the caller can act on), LIFO serves the freshest request, whose client is still
# there (Facebook's servers switch to LIFO under load; Maurer 2015), and the delay target
# drops requests that have waited too long once a standing queue forms, in the spirit of
# CoDel (Nichols and Jacobson 2012), which does this for network packets with a 5 ms
# target and a 100 ms interval. LIFO's price is unfairness: the requests it passes over
# wait until the overload ends and are then served late, as wasted work, so its goodput is a
# little lower; production servers pair it with a limit on queueing time.

# %% [markdown]
# ## The tail
#
# **Variable service times** make queues longer. For one server with Poisson arrivals at
# rate $\lambda$ and service times $S$ (the M/G/1 queue), the Pollaczek–Khinchine formula
# gives the mean wait: $W_q = \lambda\,E[S^2] / (2(1-\rho))$. At the same mean and load, a
# service time with a heavier tail has a larger $E[S^2]$ and waits longer. Formula against
# simulation, at 70 % load and a 10 ms mean:

# %%
lines = []
for svc in [ServiceTime("exponential", 0.01), ServiceTime("lognormal", 0.01, 1.0),
            ServiceTime("lognormal", 0.01, 1.5), ServiceTime("pareto", 0.01, 4.5)]:
    waits = simulate_mg1(70.0, svc, 200_000, rng=rng)[20_000:]
    lines.append(f"{svc.kind:>11} (shape {svc.shape}): P-K {1000 * pk_mean_wait(70.0, svc):5.1f}"
                 f" ms, simulated {1000 * waits.mean():5.1f} ms")
print("\n".join(lines))

# %% [markdown]
# (One run's mean wait is noisy, more so for heavy tails; `benchmarks/bench_overload.py`
# averages eight runs, within 0.5 % of the formula.)
#
# **Fan-out** makes the tail everyone's problem. Dean and Barroso's example: servers with a
# 10 ms median whose 99th percentile is 1 s, so one request in 100 takes a second or more.
# **Predict first**: a request is sent to 100 such servers at once and needs every answer. What
# share of such requests take more than 1 s?

# %%
predict("fanout-slow", ..., question="share of requests over 1 s when each waits for 100 "
        "servers with a 1 % tail", unit="%")

# %% [markdown]
# A request that needs all of $k$ answers is as slow as the slowest: if each server is slow
# with probability $p$, the request is slow with probability $1-(1-p)^k$. Formula against a
# simulation of 20,000 requests:

# %%
leaf = LeafLatency()  # 10 ms median, one request in about 100 takes a second or more
p_slow = 1 - float(leaf.cdf(1.0))
sample = leaf.sample(100 * 20_000, rng=rng).reshape(20_000, 100).max(axis=1)
print(f"one server slower than 1 s: {p_slow:.2%}; fan-out of 100: formula "
      f"{fanout_p_slow(p_slow, 100):.1%}, simulated {(sample > 1.0).mean():.1%}")
reveal("fanout-slow", 100 * fanout_p_slow(p_slow, 100), why="a request is fast only if all 100 "
       "servers are: 0.99 to the power 100 is about a third")

# %% [markdown]
# **Hedged requests** mask it: send the request to one replica, and if no answer has come
# after a delay $d$, send it to a second and use whichever answers first. With independent
# replicas the hedged latency has CDF $1-(1-F(t))(1-F(t-d))$ for $t \ge d$, and the extra
# load is the share still unanswered at $d$, $1-F(d)$. Dean and Barroso suggest hedging after
# the 95th percentile, about 5 % more requests; in their BigTable benchmark a hedge after
# 10 ms cut the 99.9th percentile of reading 1,000 keys from 100 servers from 1,800 ms to
# 74 ms for 2 % more requests. For a leaf whose hiccups are rarer (one in 500):

# %%
leaf = LeafLatency(p_slow=0.002)
lines = [f"no hedge: p99 of a fan-out of 100 = {1000 * hedged_quantile(leaf, 0.99, n_fanout=100):,.0f} ms"]
for d in [0.01, 0.02, leaf.quantile(0.95), 0.05]:
    lat, extra = simulate_hedged(leaf, d, 100, 20_000, rng=rng)
    lines.append(f"hedge after {1000 * d:4.1f} ms: p99 {1000 * hedged_quantile(leaf, 0.99, d, n_fanout=100):5.1f} ms"
                 f" (simulated {1000 * np.quantile(lat, 0.99):5.1f}), extra load "
                 f"{hedge_load(leaf, d):6.2%} (simulated {extra:6.2%})")
print("\n".join(lines))

# %% [markdown]
# Hedging turns a multi-second p99 into tens of milliseconds for a few per cent more
# requests. Hedging earlier buys little latency for much more load, and under overload the
# extra requests add queueing, so production hedgers cap their rate, a budget again. *Tied
# requests* (both replicas queue the request and the first to start it cancels the other)
# cut the extra load further.

# %% [markdown]
# ## Explore
#
# The explorer runs the drill's fluid model (in 0.2 s steps) on every change. Things to try:
#
# 1. With the defaults (3 retries, no defences), shorten the spike until the system
#    recovers by itself. How long a spike tips it over? Then set retries to 1.
# 2. Turn on the retry budget and slide it from 5 % to 100 %. Where does recovery stop?
# 3. Turn on load shedding and move its threshold past the client timeout (1,000 ms).
# 4. Switch the queue to LIFO or the delay target with shedding off.
# 5. Double the timeout. Why does that help less than you might expect?

# %%
explorer = show(explore_overload)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: a token bucket (3 points)
#
# Write `token_bucket_admit(t_arrival, rate, n_burst)`: given sorted arrival times (s), a
# refill rate (tokens/s) and a bucket size, return a list of booleans, `True` for each
# request admitted. The bucket starts full; tokens refill continuously at `rate` per second
# up to `n_burst`; an admitted request takes one token. Raise `ValueError` if `rate <= 0` or
# `n_burst < 1`. The hidden checks test the promise with a property test: in *any*
# interval of length $t$, at most $\text{rate}\cdot t + \text{n\_burst}$ requests are
# admitted. The library's `token_bucket` is switched off during the hidden checks.

# %% nbgrader={"grade": false, "grade_id": "token_bucket", "locked": false, "schema_version": 3, "solution": true, "task": false}
def token_bucket_admit(t_arrival, rate, n_burst):
    """Admit (True) or refuse (False) each request of a sorted arrival trace (s)."""
    ### BEGIN SOLUTION
    if not rate > 0 or not n_burst >= 1:
        raise ValueError(f"rate must be > 0 and n_burst >= 1; got {rate}, {n_burst}")
    tokens, last, out = float(n_burst), None, []
    for now in t_arrival:
        if last is not None:
            tokens = min(float(n_burst), tokens + (now - last) * rate)
        last = now
        if tokens >= 1.0:
            tokens -= 1.0
            out.append(True)
        else:
            out.append(False)
    return out
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_token_bucket_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a burst at the start, then the refill rate."""
from scalelab.checks import as_list

got = as_list(token_bucket_admit([0.0, 0.0, 0.0, 0.5, 1.0, 1.0], 2.0, 2), "admitted")
assert [bool(x) for x in got] == [True, True, False, True, True, False], (
    f"with rate 2/s and a bucket of 2: two admitted at 0 s, one token back at 0.5 s, one "
    f"more at 1.0 s; expected [True, True, False, True, True, False], got {got}"
)
print("Visible check passed: the hidden checks run a property test and the argument checks.")

# %% nbgrader={"grade": true, "grade_id": "test_token_bucket_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: never more than rate * t + n_burst in any interval; saturation; arguments."""
### BEGIN HIDDEN TESTS
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scalelab.checks import as_list, expect_raises, library_disabled


def _excess(t, ok, rate):
    t = np.asarray(t, dtype=float)[np.asarray(ok, dtype=bool)]
    if t.size == 0:
        return -1.0
    i, j = np.triu_indices(t.size)
    return float(((j - i + 1) - rate * (t[j] - t[i])).max())


with library_disabled("scalelab.overload.token_bucket"):
    _t = [0.0, *[10.0] * 30]  # a quiet spell, then a burst: the bucket holds 5, no more
    _n = sum(bool(x) for x in as_list(token_bucket_admit(_t, 1.0, 5), "admitted"))
    assert _n == 6, (
        f"scenario 'quiet, then a burst': one request, 10 s of quiet, then 30 at once with "
        f"rate 1/s and a bucket of 5 should admit 1 + 5 = 6; got {_n} (cap the tokens)")

    @settings(max_examples=40, derandomize=True, deadline=None, database=None)
    @given(st.lists(st.floats(0.0, 3.0, allow_nan=False), min_size=1, max_size=80).map(sorted),
           st.floats(0.5, 30.0), st.integers(1, 10))
    def _bound(t, rate, n_burst):
        ok = [bool(x) for x in as_list(token_bucket_admit(t, rate, n_burst), "admitted")]
        assert len(ok) == len(t), "one answer per request"
        assert _excess(t, ok, rate) <= n_burst + 1e-9, (
            "scenario 'property': more than rate * t + n_burst admitted in some interval")
        assert ok[0], "scenario 'property': the bucket starts full, the first request passes"

    _bound()
    t = np.sort(np.random.default_rng(4).uniform(0.0, 20.0, 5000)).tolist()
    n_ok = sum(bool(x) for x in as_list(token_bucket_admit(t, 50.0, 20), "admitted"))
    want = 50.0 * (t[-1] - t[0]) + 20
    assert want - 2 <= n_ok <= want, (
        f"scenario 'saturated': 250 requests/s against 50/s for 20 s should admit about "
        f"{want:.0f}; got {n_ok} (refill continuously, and cap the tokens at n_burst)")
    for bad in [(0.0, 5), (-1.0, 5), (5.0, 0)]:
        expect_raises(ValueError, token_bucket_admit, [0.0, 1.0], *bad)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: defences against the drill (4 points)
#
# Write `my_defences()`, returning a `Server` and a `ClientPolicy` for the drill's system.
# The grader keeps what you cannot change (capacity 1,000 requests/s, 50 ms service, a 5 %
# cost per refusal, and the users' 1 s timeout) and uses everything else you choose: the
# queue discipline, the shedding threshold, the CoDel-like limits, the retries, backoff,
# jitter, retry budget and breaker. Each spike is graded against two service-level
# objectives (SLOs):
#
# - **recovery**: goodput back to 95 % of demand within 10 s of the spike's end, for good;
# - **success**: at least 96 % of the requests sent from the spike's start to the end of
#   the run succeed within their timeout, so a policy that never retries, and lets clients
#   absorb the failures, does not pass.
#
# The visible check runs the drill's spike (1 point); the hidden checks run three other
# spikes (half a point per SLO per spike, 3 points). Try ideas with `grade_defences` below or
# the explorer.

# %%
import dataclasses

FIXED = dict(rate_capacity=1000.0, t_service=0.05, p_reject_cost=0.05)


def grade_defences(server, policy, load):
    """Run one spike with your defences; return (recovery SLO met, success SLO met, summary)."""
    server = dataclasses.replace(server, **FIXED)
    policy = dataclasses.replace(policy, t_timeout=1.0)
    s = summarize_drill(simulate_overload(load, server, policy), load)
    return s.t_recover <= 10.0, s.p_success >= 0.96, s


# %% nbgrader={"grade": false, "grade_id": "defences", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_defences():
    """Return (Server(...), ClientPolicy(...)) for the drill's system."""
    ### BEGIN SOLUTION
    # Serve the newest request first, so that what the server finishes is still wanted, and
    # retry patiently (1 s, 2 s, 4 s ... up to 30 s) so that most retries land after a spike.
    server = Server(discipline="lifo")
    policy = ClientPolicy(n_retries=5, t_backoff_base=1.0, t_backoff_cap=30.0, jitter="full")
    return server, policy
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_defences_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: both SLOs on the drill's spike (2,000 requests/s for 10 s)."""
import dataclasses

from scalelab.overload import ClientPolicy, Server, Spike, simulate_overload, summarize_drill


def _grade(answer, load):
    server, policy = answer
    assert type(server) is Server and type(policy) is ClientPolicy, (
        "my_defences() should return (Server(...), ClientPolicy(...))")
    server = dataclasses.replace(server, rate_capacity=1000.0, t_service=0.05, p_reject_cost=0.05)
    policy = dataclasses.replace(policy, t_timeout=1.0)
    s = summarize_drill(simulate_overload(load, server, policy), load)
    return s.t_recover <= 10.0, s.p_success >= 0.96, s


_ok_recover, _ok_success, _s = _grade(my_defences(), Spike())
_summary = (f"recovery {_s.t_recover:.1f} s after the spike (SLO 10 s); success "
            f"{_s.p_success:.1%} (SLO 96 %); goodput during the spike "
            f"{_s.rate_goodput_during:.0f}/s")
assert _ok_recover and _ok_success, _summary + (
    "\nReplay: grade_defences(*my_defences(), Spike()), or try it in the explorer.")
print(_summary + "\nVisible check passed: the hidden checks run three other spikes.")

# %% nbgrader={"grade": true, "grade_id": "test_defences_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: three other spikes, half a point per SLO met on each."""
### BEGIN HIDDEN TESTS
import dataclasses

from scalelab.checks import partial_credit
from scalelab.overload import ClientPolicy, Server, Spike, simulate_overload, summarize_drill

_score, _lines = 0.0, []
for _name, _load in {
    "a short, sharp spike": Spike(rate_spike=2500.0, t_spike=5.0),
    "a burst three times capacity": Spike(rate_base=700.0, rate_spike=3000.0, t_spike=4.0),
    "a long, mild spike": Spike(rate_base=850.0, rate_spike=1600.0, t_spike=15.0),
}.items():
    try:
        _server, _policy = my_defences()
        assert type(_server) is Server and type(_policy) is ClientPolicy, "wrong types"
        _server = dataclasses.replace(_server, rate_capacity=1000.0, t_service=0.05,
                                      p_reject_cost=0.05)
        _policy = dataclasses.replace(_policy, t_timeout=1.0)
        _s = summarize_drill(simulate_overload(_load, _server, _policy), _load)
    except Exception as err:  # a policy that fails on one spike loses that spike only
        _lines.append(f"scenario {_name!r}: {type(err).__name__}: {err}")
        continue
    _r, _p = _s.t_recover <= 10.0, _s.p_success >= 0.96
    _score += 0.5 * bool(_r) + 0.5 * bool(_p)
    _lines.append(f"scenario {_name!r}: recovery SLO {'met' if _r else 'missed'}, "
                  f"success SLO {'met' if _p else 'missed'}")
print("\n".join(_lines))
partial_credit(_score, 3)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: the cheapest hedge (3 points)
#
# A request fans out to `n_fanout` leaves, each with the latency of a `LeafLatency` (its
# `cdf(t)` and `quantile(q)` methods are yours to use). Write
# `hedge_delay(leaf, n_fanout, t_p99_target)`, the hedging delay (s) that keeps the p99 of
# the whole request at or below `t_p99_target` **with the least extra load**. Since the extra
# load $1-F(d)$ falls as $d$ grows, that is the *largest* delay that meets the target. Return
# `math.inf` if the target is met without hedging, and raise `ValueError` if even hedging at
# once ($d = 0$) cannot meet it. Hint: the request meets the target when every leaf does,
# with probability $0.99^{1/k}$ each, and the hedged CDF is $1-(1-F(T))(1-F(T-d))$. The
# library's `hedged_quantile` and `hedged_cdf` are switched off during the hidden checks.

# %% nbgrader={"grade": false, "grade_id": "hedging", "locked": false, "schema_version": 3, "solution": true, "task": false}
def hedge_delay(leaf, n_fanout, t_p99_target):
    """The largest hedging delay (s) meeting the fan-out's p99 target (inf: no hedge needed)."""
    ### BEGIN SOLUTION
    q_leaf = 0.99 ** (1.0 / n_fanout)  # each leaf must be on time with this probability
    f_target = float(leaf.cdf(t_p99_target))
    if f_target >= q_leaf:
        return math.inf
    # (1 - F(T)) (1 - F(T - d)) <= 1 - q_leaf  <=>  F(T - d) >= 1 - (1 - q_leaf) / (1 - F(T))
    need = 1.0 - (1.0 - q_leaf) / (1.0 - f_target)
    d = t_p99_target - leaf.quantile(need) if need > 0 else t_p99_target
    if d < 0:
        raise ValueError(f"a p99 of {t_p99_target} s is out of reach even hedging at once")
    return d
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_hedging_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a fan-out of 100 with a 100 ms p99 target."""
from scalelab.checks import as_float
from scalelab.overload import LeafLatency, hedge_load, hedged_quantile

_leaf = LeafLatency(p_slow=0.002)
_d = as_float(hedge_delay(_leaf, 100, 0.1), "hedging delay (s)")
_p99 = hedged_quantile(_leaf, 0.99, _d, n_fanout=100)
assert _p99 <= 0.1 * (1 + 1e-6), f"hedging after {_d * 1000:.1f} ms gives a p99 of {_p99 * 1000:.1f} ms, over 100 ms"
_later = hedged_quantile(_leaf, 0.99, _d * 1.02, n_fanout=100)
assert _later > 0.1, (
    f"hedging after {_d * 1000:.1f} ms meets the target, but so does hedging 2 % later (p99 "
    f"{_later * 1000:.1f} ms), which costs less extra load: return the largest delay that meets it"
)
print(f"Visible check passed: hedge after {_d * 1000:.1f} ms, {hedge_load(_leaf, _d):.2%} extra "
      "load.")
print("The hidden checks try other leaves, targets and the two special cases.")

# %% nbgrader={"grade": true, "grade_id": "test_hedging_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: other leaves and fan-outs, the least-load delay, no hedge needed, out of reach."""
### BEGIN HIDDEN TESTS
import math

from scalelab.checks import as_float, expect_close, expect_raises, library_disabled
from scalelab.overload import LeafLatency, hedged_quantile

_cases = {
    "ten leaves, 60 ms": (LeafLatency(t_median=0.005, p_slow=0.004), 10, 0.06),
    "a slow median": (LeafLatency(t_median=0.02, sigma=0.3, p_slow=0.003), 50, 0.12),
    "a wide fan-out": (LeafLatency(p_slow=0.001, t_slow_median=0.5), 300, 0.08),
}
_best = {}
for _name, (_leaf, _k, _target) in _cases.items():  # the least-load delay, by bisection
    lo, hi = 0.0, _target
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if hedged_quantile(_leaf, 0.99, mid, n_fanout=_k) <= _target else (lo, mid)
    _best[_name] = lo
with library_disabled("scalelab.overload.hedged_quantile", "scalelab.overload.hedged_cdf"):
    for _name, (_leaf, _k, _target) in _cases.items():
        _d = as_float(hedge_delay(_leaf, _k, _target), f"scenario {_name!r}: the delay")
        expect_close(_d, _best[_name], rel=0.01, what=f"scenario {_name!r}: the delay (s)")
    _got = hedge_delay(LeafLatency(p_slow=0.0001), 10, 0.5)
    assert isinstance(_got, float) and math.isinf(_got), (
        f"scenario 'no hedge needed': expected math.inf, got {_got!r}")
    expect_raises(ValueError, hedge_delay, LeafLatency(p_slow=0.05), 100, 0.05)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (written, 3 points)
#
# A ticket-selling site runs: clients (a mobile app that retries three times) → a CDN → an
# API gateway → 20 stateless web servers → a *seat-reservation* service (the only one that
# touches the seat database) and a *recommendations* service (nice to have, slow under load).
# At 10:00 a popular concert goes on sale and traffic jumps to five times normal. In four to
# six sentences: **where** would you shed load (name at least two places), **what** each
# place protects and what the rejected user sees, and **one** place where you would *not*
# shed load and why. (Graded by hand against the rubric.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "where_to_shed", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# First at the API gateway: a per-user token bucket and a global admission limit sized to
# what the seat-reservation service can really do, with a fast 429/503 and a Retry-After
# header, turn the excess away before it costs the web tier or the database anything; the
# rejected user sees a "you are in the queue, we will retry" page (a virtual waiting room),
# and the app's retries honour the header with jittered backoff within a budget. Second, in
# the web servers: drop the recommendations call first (serve the page without it, or from
# cache) so that all capacity goes to the critical path, and bound each server's queue
# (shedding above a few hundred milliseconds of work, newest first) so that no server builds
# a backlog of requests whose users have already given up. I would not shed *inside* the
# seat-reservation service once a reservation has started: a half-finished reservation that
# is dropped wastes the work already done and can leave a seat locked, so that service
# should be protected by admission in front of it, not by dropping work in the middle.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message and no cell should show a red error.
# 2. Click **Validate** in the notebook toolbar.
# 3. **Self-paced?** Run `make check NB=12-overload` in a terminal at the top of the
#    repository to grade your copy with the hidden checks.

# %% [markdown]
# ## Summary
#
# Shutterstall after this chapter, and what breaks next:

# %%
print(opening("overload").sentence_after)
print("Next:", bottleneck("overload").sentence)

# %% [markdown]
# - Retries multiply load when failures are widespread: $(r+1)^k$ attempts for $r$ retries
#   at each of $k$ layers. Retry at one layer, back off exponentially with jitter, and cap
#   retries with a budget (a share of requests), not only per request.
# - A metastable failure outlives its trigger: timed-out requests are retried, the queue
#   stays full, and the server works flat out for clients who have left.
# - Rate limiters differ in bursts, smoothness, accuracy and memory; the token bucket's
#   promise is at most $\text{rate}\cdot t + \text{burst}$ in any $t$ seconds.
# - In overload, fail the excess early: bounded queues, admission shedding, LIFO or a delay
#   target keep goodput at capacity where an unbounded FIFO queue drops it near zero.
# - Tails add up: the P-K formula shows waits growing with $E[S^2]$, fan-out turns a 1 %
#   tail into a 63 % one, and hedging after about the 95th percentile buys most of it back
#   for about 5 % more requests.
#
# **The drill's numbers** (`benchmarks/bench_overload.py`; goodput in requests/s, demand 800
# before and after the spike, 2,000 during it, capacity 1,000): no retries 187 during the
# spike, 800 in the last 30 s, recovered 50 s after it; retries without a defence 187 during
# and 0 after (never recovered, 1.3 % of requests succeed); a 10 % retry budget 187 during,
# 800 after, recovered after 96 s; load shedding 709 during, 800 after, recovered after
# 1.6 s (91 % succeed); a client circuit breaker 374 during, 800 after, recovered after
# 9.5 s. The closed forms agree with simulation: P-K mean waits within 0.5 % (eight runs of
# 200,000 requests, standard errors 0.6-1.1 %), the fan-out tail within 0.2 %, hedged p99s
# within 1 % and their extra load within 0.001, the retry tree within 0.7 %.
#
# ## References
#
# - Beyer, B., Jones, C., Petoff, J. and Murphy, N. R. (eds.) (2016). *Site Reliability
#   Engineering*, chapter 21 "Handling Overload" (per-client retry budget of 10 %) and
#   chapter 22 "Addressing Cascading Failures" (retries at several layers, 64 attempts).
#   O'Reilly. https://sre.google/sre-book/addressing-cascading-failures/
# - Brooker, M. (2015). *Exponential Backoff And Jitter.* AWS Architecture Blog.
#   https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
# - Bronson, N., Aghayev, A., Charapko, A. and Zhu, T. (2021). *Metastable Failures in
#   Distributed Systems.* HotOS '21. https://doi.org/10.1145/3458336.3465286
# - Huang, L., Magnusson, M., Muralikrishna, A. B., Estyak, S., Isaacs, R., Aghayev, A.,
#   Zhu, T. and Charapko, A. (2022). *Metastable Failures in the Wild.* OSDI '22.
#   https://www.usenix.org/conference/osdi22/presentation/huang-lexiang
# - Dean, J. and Barroso, L. A. (2013). *The Tail at Scale.* Communications of the ACM
#   56(2), 74-80. https://doi.org/10.1145/2408776.2408794
# - Nichols, K. and Jacobson, V. (2012). *Controlling Queue Delay.* ACM Queue 10(5).
#   https://queue.acm.org/detail.cfm?id=2209336
# - Maurer, B. (2015). *Fail at Scale: Reliability in the face of rapid change.* ACM Queue
#   13(8). https://queue.acm.org/detail.cfm?id=2839461
# - Harchol-Balter, M. (2013). *Performance Modeling and Design of Computer Systems*,
#   chapter 23 (the M/G/1 queue and the Pollaczek–Khinchine formula). Cambridge University
#   Press.
# - Xu, A. (2020). *System Design Interview: An Insider's Guide*, chapter 4 (design a rate
#   limiter). Independently published.
