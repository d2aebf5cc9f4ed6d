# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 17 · Practice design: a chat service, graded by simulation
#
# The last of three practice problems after the capstone (chapter 15 was a URL shortener,
# chapter 16 a news feed). Chat turns the course's usual request around: a client does not ask
# and leave, it stays connected for hours, and the server must find it to deliver a message,
# in order, even if it was away. You estimate the load, hand in a design as plain data, drill
# it with something broken, and an evening of simulated traffic grades it against four SLOs.
#
# **You will learn to**
# - turn a chat service's product numbers into load (connections, servers, messages and
#   heartbeats per second) and check the estimate by simulation ("estimate, then verify");
# - size a fleet of connection servers for long-lived connections, and see how a balancer
#   spreads them after a restart;
# - track presence by heartbeats, keep messages in order through a partitioned queue, and keep
#   offline messages safe;
# - design a chat service that meets latency, availability, data-loss and cost SLOs, run
#   failure drills on it, and review a colleague's design in writing.
#
# **Time:** about 50 minutes. **Points:** 15 (11 autograded, 4 for a written design review).

# %% [markdown]
# ## Setup
#
# Run this cell first. `SEED` fixes the random parts (traffic noise, the balancers' start).

# %%
import numpy as np

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.practice import (
    CHAT_TARGETS,
    ChatDesign,
    ChatWorkload,
    Drill,
    Scenario,
    drill_table,
    misorder_share,
    practice_drills,
    reconnect_peak,
    simulate_ordering,
    simulate_reconnects,
    slo_results,
    t_presence_detect,
)
from scalelab.predict import predict, reveal
from scalelab.product import stage
from scalelab.widgets import show
from scalelab.widgets.practice import explore_chat

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
chat_day = ChatWorkload()
print(f"Shutterstall's day: {day.rate_peak:,.0f} requests/s at 20:00, from "
      f"{day.daily_users / 1e6:,.0f} million daily users.")
print(f"This problem: {chat_day.rate_messages * chat_day.peak_factor:,.0f} messages/s at its peak, "
      f"from {chat_day.daily_users / 1e6:,.0f} million daily users,")
print(f"and {chat_day.daily_users * chat_day.p_online / 1e6:,.0f} million connections held open "
      "the whole evening.")

# %% [markdown]
# ## How the problem is walked and graded
#
# 1. **Requirements and estimates.** From the product's numbers, estimate the load by hand,
#    graded within a factor of 1.5; the estimate then sizes a simulated fleet.
# 2. **A design, as data**: a `ChatDesign` built from the course's parts: GeoDNS regions
#    (chapter 10), connection servers behind a balancer (chapter 02), a partitioned queue
#    (chapter 11), an inbox store with replicas (chapter 03).
# 3. **Failure drills.** The evening window, 19:00 to 21:00, in one-minute buckets, with one
#    thing broken: a **connection server** restarts, the **data centre** of the primary
#    databases is lost, or a **spike** brings 1.5 times the messages.
# 4. **SLOs**, one point each when met in every hidden scenario: p99 delivery at most 500 ms
#    in 99 % of the minutes, at least 99.5 % of messages accepted, at most 1,000 messages
#    lost, at most USD 30 an hour.
#
# `drill_table` (from `scalelab.practice`) runs a design through a quiet evening and the three
# practice drills and prints what each drill costs it: p99 minutes met, availability, failed messages and messages
# lost. You will use it on the starter design and on your own.

# %% [markdown]
# ## The problem
#
# **The product.** 20 million daily users send 40 messages each a day; at the evening peak one
# user in ten is connected. Every connected client keeps a WebSocket open and sends a heartbeat
# every 30 s; one connection server holds 50,000 connections (an illustrative figure: the C10K
# problem, ten thousand connections on one machine, was a challenge in 1999; today's limits are
# memory and TLS state).
#
# ```mermaid
# flowchart TD
#     A[Sender] --> CS1["Connection server"]
#     CS1 -->|"key: conversation"| Q["Queue partitions"]
#     Q --> CS2["Recipient's server"]
#     Q -->|offline| IN[("Inbox store")]
#     CS2 --> B[Recipient]
# ```
#
# **Connections are long-lived**, so the balancer's choice sticks for hours. When one server
# restarts, its users reconnect at once. Round robin deals them out evenly over all servers,
# the restarted one included; least connections sends them to the empty server until the
# fleet is even.
#
# **Predict first**: 10 equally full servers; one restarts and its users reconnect through
# round robin. How full is the fullest server then, as a multiple of the mean?

# %%
predict("reconnect-rr", ..., question="fullest server over the mean, 10 servers, round robin",
        unit="x the mean")

# %% [markdown]
# The closed form against chapter 02's balancers, for three fleet sizes. Under round robin the
# restarted server ends nearly empty and every other one holds $1/n$ more than before, so the
# fullest holds $1 + 1/n$ times the mean:

# %%
for n in (4, 10, 40):
    rr = simulate_reconnects(n, 1_000 * n, "round_robin", rng=rng)
    lc = simulate_reconnects(n, 1_000 * n, "least_connections", rng=rng)
    print(f"{n:>3} servers, fullest / mean after a restart: round robin {rr:.3f} "
          f"(formula {reconnect_peak(n, 'round_robin'):.3f}), least conn. {lc:.3f}")
reveal("reconnect-rr", reconnect_peak(10, "round_robin"),
       why="each of the 10 gets a tenth of the returning users, the restarted one too")

# %% [markdown]
# **Presence** comes from heartbeats: each connected user pings every period, and a user who
# vanishes still looks online until two periods pass in silence, on average
# $2.5 \times 30 = 75$ s. **Order** is kept per conversation: a queue partition delivers in the
# order it received, so hashing the conversation id to a partition keeps each conversation in
# order; spreading messages at random over partitions that lag differently reorders some.
#
# **Predict first**: messages of one conversation 2 s apart on average, spread at random over
# 16 partitions that each lag 0.2 s on average. What share of consecutive messages arrives in
# the wrong order?

# %%
predict("misorder", ..., question="share of consecutive messages reordered, random partitions",
        unit="%")

# %%
print(f"a vanished user looks online {t_presence_detect(30.0, 2):.0f} s on average (30 s beats)")
for key in ("conversation", "random"):
    sim = simulate_ordering(16, 2.0, 0.2, key, rng=rng)
    print(f"by {key}: {misorder_share(16, 2.0, 0.2, key):.1%} of consecutive messages out of "
          f"order (simulated {sim:.1%})")
reveal("misorder", 100 * misorder_share(16, 2.0, 0.2, "random"),
       why="two partitions 15 times in 16, and the lag difference beats a 2 s gap rarely")

# %% [markdown]
# A few percent sounds small until it is your conversation: a reply that lands above the
# question. Keying by conversation costs nothing. **Offline delivery**: a message for a user
# who is away waits in an inbox; in a connection server's memory it dies with the server, in a
# replicated store it survives.
#
# ## The starter design through the drills
#
# The starter (`help(ChatDesign)`) has two regions (na-east and Europe) of 40 connection
# servers behind round robin, 16 queue partitions keyed by conversation, and inboxes in the
# connection servers' memory.
#
# **Predict first**: one of na-east's servers restarts. How many waiting inbox messages does
# it take with it?

# %%
predict("inbox-lost", ..., question="inbox messages lost when one connection server restarts",
        unit="messages")

# %%
starter = ChatDesign()
drill_table(starter)
drilled = slo_results(starter, practice_drills(starter)[1:2])[0]
reveal("inbox-lost", round(drilled.data_lost),
       why="an hour of offline messages waits in memory, a fortieth of na-east's on each server")

# %% [markdown]
# The restarted server takes a quarter of a million waiting messages with it, against an SLO
# of 1,000; the data-centre drill leaves na-east's users without a connection until DNS moves
# them (about 1 % of the window's messages). The spike passes.
#
# **In production**, chat systems keep the connections on servers that hold little else and
# the messages in durable, replicated storage, for the reason the first drill shows: Discord,
# for one, stores its messages in Cassandra, a database that writes each one to several
# replicas (Vishnevskiy, 2017).

# %% [markdown]
# ## Explore
#
# Pick a drill, then change regions, connection servers per region, queue partitions and the
# DNS TTL. The plot shows p99 delivery against its target and the share of messages failing
# over the evening window; the caption lists the four SLOs.
#
# *Try:* with the spike, find the fewest partitions that keep p99 under 500 ms. With the
# data-centre drill, find the fewest servers per region that survive it in three regions.

# %%
explorer = show(explore_chat)

# %% [markdown]
# ## Exercises
#
# Three autograded exercises and a written design review. Estimate figures are graded within a
# **factor of 1.5**; the design earns 1 point per SLO met in every hidden scenario (a
# connection server, a data centre, a spike, each with its own timing and seed). Visible checks
# run your answer and print numbers, never the answer.
#
# ### Exercise 1: estimate the chat service (3 points)
#
# With the product numbers above (20 million daily users, 10 % connected at the peak, 40
# messages each a day, peak twice the average, a heartbeat every 30 s, 50,000 connections per
# server), return `n_connections_peak`, `n_servers` (connection servers for those connections,
# no headroom), `rate_messages_peak` (messages per second at the peak) and `rate_heartbeats`
# (heartbeats per second at the peak). The visible check (1 point) checks the form, then runs
# a fleet of your size; the hidden checks give 0.5 points per figure.

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
# ### Exercise 2: size the connection fleet (3 points)
#
# Exercise 1 counted servers by connections alone. A connection server has two limits:
# `N_CONN_SERVER` = 50,000 open connections and `RATE_CHAT_SERVER` = 20,000 messages/s. Write
# `connection_servers(n_connections, rate_messages, t_heartbeat)`: the fewest servers such
# that, with connections and traffic spread evenly, no server holds more than 50,000
# connections and none handles more than 20,000 messages/s, where every chat message passes
# through **two** servers (the sender's and the recipient's) and every connection sends one
# heartbeat per `t_heartbeat` seconds to its own server. Return a whole number (an `int`), and
# at least 1, even with no connections. The library's `presence_rate` is switched off while
# the hidden checks run. The visible check (1 point) tries the form and that more load never
# needs fewer servers; the hidden checks (2 points) compare values.

# %% nbgrader={"grade": false, "grade_id": "connection_servers", "locked": false, "schema_version": 3, "solution": true, "task": false}
def connection_servers(n_connections, rate_messages, t_heartbeat):
    """Fewest connection servers for ``n_connections`` and ``rate_messages`` (messages/s)."""
    ### BEGIN SOLUTION
    import math

    by_connections = math.ceil(n_connections / 50_000)
    by_traffic = math.ceil((2 * rate_messages + n_connections / t_heartbeat) / 20_000)
    return max(1, by_connections, by_traffic)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_connection_servers_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: a whole number of servers, and more load never needs fewer."""
from scalelab.checks import as_int

_n = as_int(connection_servers(2e6, 18_519.0, 30.0), "connection_servers(2e6, 18_519.0, 30.0)")
assert _n >= 1, f"expected at least one server, got {_n}"
_more_conn = as_int(connection_servers(3e6, 18_519.0, 30.0), "servers for 3 million connections")
_more_msgs = as_int(connection_servers(2e6, 50_000.0, 30.0), "servers for 50,000 messages/s")
_more_beats = as_int(connection_servers(2e6, 18_519.0, 5.0), "servers with 5 s heartbeats")
assert min(_more_conn, _more_msgs, _more_beats) >= _n, "more load should never need fewer servers"
print("Form right: a whole number of servers, never fewer for more load. Verify your count in")
print("the explorer: in two regions, GeoDNS does not split users evenly.")

# %% nbgrader={"grade": true, "grade_id": "test_connection_servers_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: fleets where connections, messages or heartbeats are the limit, and none."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_int, library_disabled

_cases = {
    (2e6, 18_518.5, 30.0): 40,  # connections
    (2_010_000, 0.0, 30.0): 41,  # connections, a fraction over 40
    (2e6, 18_518.5, 1.0): 102,  # heartbeats
    (1e6, 500_000.0, 60.0): 51,  # messages, twice each
    (3e5, 152_000.0, 5.0): 19,  # messages and heartbeats, 18.2
    (0, 0.0, 30.0): 1,  # nobody: still one server
}
with library_disabled("scalelab.practice.presence_rate"):
    for _args, _want in _cases.items():
        _got = as_int(connection_servers(*_args), f"connection_servers{_args}")
        assert _got == _want, f"connection_servers{_args}: expected {_want} servers, got {_got}"
print("scenario 'six fleets': right")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: design the chat service (5 points: 1 visible, 1 per SLO)
#
# Return a `ChatDesign` (`help(ChatDesign)`) that meets the chat service's four SLOs in every
# hidden scenario (a connection server restarts, the primaries' data centre, a 1.5x spike of
# messages). The visible check runs the practice drills on your design and prints the numbers.

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
from scalelab.practice import CHAT_TARGETS, ChatDesign, practice_drills, slo_results

_d = my_chat_design()
assert type(_d) is ChatDesign, f"return a ChatDesign, got {type(_d).__name__}"
_drills = practice_drills(_d)[1:]  # a node, the data centre, a spike
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
# ### Failure drills on your design
#
# Now break your own design. The cell runs it through the quiet evening and the three drills
# and prints what each one costs: messages that failed and messages lost, beside the minutes
# within the p99 target. Compare with the starter's table: which drill cost you the most, and
# which part of your design paid for surviving it?

# %%
try:
    mine = my_chat_design()
except NotImplementedError:
    print("Exercise 3 first: until then, the starter design.")
    mine = ChatDesign()
drill_table(mine)

# %% [markdown]
# ### Exercise 4 (written, 4 points): a design review
#
# A colleague proposes: **one region** (na-east) with **45 connection servers** behind **round
# robin**, **heartbeats every 5 s**, inboxes **in the connection servers' memory**, **4 queue
# partitions** with messages spread **at random** over them. It costs USD 9.29 an hour, less than
# half the reference design. Run
# `drill_table(ChatDesign(n_regions=1, n_servers=45, t_heartbeat=5, n_partitions=4))` first.
# In six to ten sentences: name the three biggest risks, back each with a number (from the
# drills or your own estimate), and propose changes in priority order, each with what it costs.
# (Graded by hand with the rubric in `grading/rubrics/17-chat.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "chat_review", "locked": false, "points": 4, "schema_version": 3, "solution": true, "task": false}
# The biggest risk is the inbox in memory: a connection server that restarts takes its users'
# waiting messages with it (the drill loses about 290,000 messages), and losing the one region
# would lose them all; moving inboxes to a replicated store (4 nodes and a replica each, about
# USD 4 an hour) turns both into a few hundred messages at most, lost at failover. Second, one
# region makes a data-centre outage a total outage: the drill drops availability to 74.8 %,
# and users in Asia and Oceania pay 150-200 ms round trips on every message; three regions
# with a 30 s DNS TTL cost roughly twice the servers but keep a lost region to a minute or so
# of failures. Third, 4 queue partitions carry 20,000 messages/s, and the 1.5x spike's 28,000
# back the queue up: delivery p99 runs to minutes and meets its target in only half the
# evening's minutes; 16 partitions cost USD 0.60 an hour more. Fourth, a 5 s heartbeat from 2
# million connections is 400,000 pings/s, twenty times the messages and about half the
# servers' capacity; 30 s cuts that six-fold, and a vanished user then looks online for 75 s
# instead of 12 s, which users hardly notice. Random partitioning also reorders messages
# within a conversation (4 % of consecutive pairs with 2 s gaps and 0.2 s of lag, more in a
# fast exchange); keying by conversation id fixes it for free. Priority: durable inboxes,
# then regions, then partitions, heartbeat and partition key.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message.
# 2. Click **Validate** in the toolbar.
# 3. **Self-paced?** Run `make check NB=17-chat` for feedback with the hidden checks.

# %% [markdown]
# ## Summary
#
# - Estimate first: connections from daily users and the share online, servers from the
#   tighter of two limits (connections and messages), heartbeats from connections over the
#   period.
# - Long-lived connections make the balancer's choice stick: after a restart round robin
#   leaves servers $1/n$ fuller, least connections refills the empty one.
# - Presence costs one ping per user per period and is as late as two periods; order needs one
#   partition per conversation; offline inboxes need a replicated store, or a restart loses them.
# - A second and third region with a short DNS TTL turn a lost data centre from an outage into
#   a minute of errors.
#
# **The reference design** (Exercise 3) in the hidden scenarios: 3 regions x 30 connection
# servers behind least connections, 30 s heartbeats, 16 partitions keyed by conversation,
# inboxes in 4 store nodes with a replica each. It meets all four SLOs in every scenario: p99
# within 500 ms in every minute, availability 99.55 % in the worst scenario (the data centre),
# 203 messages lost (inbox writes of the last tenth of a second before the asynchronous
# replicas took over), USD 23.01 an hour against a budget of USD 30.
#
# ## References
#
# - Kegel, D. (1999, revised since). *The C10K problem*. http://www.kegel.com/c10k.html
# - Fette, I. and Melnikov, A. (2011). *RFC 6455: The WebSocket Protocol*. IETF.
#   https://www.rfc-editor.org/rfc/rfc6455
# - Vishnevskiy, S. (2017). *How Discord Stores Billions of Messages*. Discord blog.
#   https://discord.com/blog/how-discord-stores-billions-of-messages
# - Kreps, J., Narkhede, N. and Rao, J. (2011). Kafka: a distributed messaging system for log
#   processing. *NetDB 2011* (order within a partition only).
# - Martin, D. (2017 onwards). *The System Design Primer*.
#   https://github.com/donnemartin/system-design-primer
# - Amazon Web Services (2024). EC2, ElastiCache and RDS pricing pages (the course's prices).
#   https://aws.amazon.com/pricing/
