# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · The stateless web tier: where does a login live?
#
# Chapter 02 put several web servers behind a load balancer so that one can fail and more can
# be added. That promise has a catch. A logged-in user carries a *session* (who they are, what
# is in their cart), and if that session sits in one server's memory, the user is tied to that
# server: lose the server, or let the autoscaler remove it at night, and the user is logged
# out. This chapter moves the session out of the web servers, so that any server can answer
# any request, and measures what that buys and what it costs.
#
# **You will learn to**
# - explain what makes a web tier *stateful* or *stateless*, and why REST APIs and serverless
#   functions insist on self-contained requests;
# - compare three places for a session: a server's memory with sticky routing, a shared
#   session store, and a signed token carried by the client;
# - measure the users logged out when a server dies, when the tier scales in and when the
#   session store fails, and the load imbalance that sticky routing causes;
# - write a stateless request handler, and weigh signed tokens against server-side sessions.
#
# **Time:** about 60 minutes. **Points:** 13 (10 autograded, 3 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. It imports the chapter's model, `scalelab.sessions`, and fixes the seed
# of the one random generator the chapter uses.

# %%
import numpy as np
from IPython.display import Markdown, display
from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, bottleneck, opening, stage
from scalelab.queueing import littles_law
from scalelab.sessions import (
    SessionParams,
    SessionStore,
    StoreUnavailable,
    imbalance,
    sign_token,
    simulate_sessions,
    sticky_load,
    verify_token,
)
from scalelab.widgets import show
from scalelab.widgets.sessions import explore_sessions

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The problem: HTTP forgets you between requests
#
# With a CDN in front of it, Shutterstall's web tier serves little but pages and API calls,
# from a couple of dozen servers that the autoscaler adds at the evening peak and removes at
# night. Each server keeps its users' sessions in memory, the way the framework set it up:

# %%
print(opening("stateless-web").sentence)  # where chapter 08 left the shop
shop = stage("stateless-web")
print(f"{PRODUCT.name} now: {shop.daily_users:,} daily users, "
      f"{shop.rate_peak:,.0f} requests/s at 20:00")  # fmt: skip

# %% [markdown]
# To see why a lost server costs so many logins, look at how a web server remembers anyone.
#
# HTTP is a *stateless* protocol: each request stands alone, and nothing in the protocol says
# that two requests come from the same person. Sites remember people with a **cookie**: at
# login the server answers with `Set-Cookie: sid=8f3a…`, and the browser sends `sid=8f3a…` back
# with every later request. The cookie holds only an identifier. The session itself (user id,
# roles, cart, the page they were on) has to live somewhere, and there are two broad choices.
#
# - **Stateful web tier.** Each web server keeps the sessions of its users in its own memory.
#   It is the easiest thing to build (a Java servlet container keeps each `HttpSession` in
#   memory, and so does Express's default `MemoryStore`) and the fastest: the session is a
#   dictionary lookup away.
# - **Stateless web tier.** The web servers keep *nothing* about a user between two requests.
#   Every request carries, or points to, everything needed to serve it; the state lives in a
#   shared data store, or in the request itself.
#
# The word *stateless* describes the web servers, not the system: the state still exists, it
# has just moved to a place built to keep it.
#
# How much state is that for Shutterstall? Each daily user makes one visit a day, of about ten
# minutes, and at 20:00 visits start 1.8 times as fast as on average. **Predict first**: how
# many visits are in progress at 20:00, each a session held in some web server's memory? Give
# your answer in thousands.

# %%
predict("visits-in-progress", ..., unit="thousand sessions",
        question=f"visits in progress at 20:00: {shop.daily_users / 1e6:.0f} million a day, "
        f"{PRODUCT.t_visit / 60:.0f} minutes each, peak factor {PRODUCT.peak_factor}")

# %%
rate_visits = shop.daily_users / 86_400 * PRODUCT.peak_factor  # visits starting per second
in_progress = littles_law(rate=rate_visits, t_response=PRODUCT.t_visit)  # sessions = rate × time
print(f"{rate_visits:,.0f} visits start per second at 20:00, "
      f"each lasting {PRODUCT.t_visit / 60:.0f} minutes")  # fmt: skip
print(f"{in_progress / shop.n_web_servers:,.0f} sessions in each web server's memory "
      f"({shop.n_web_servers} servers): what a lost server takes with it")  # fmt: skip
reveal("visits-in-progress", in_progress / 1000, why="Little's law: visits in progress = visits "
       "starting per second × seconds each one lasts")

# %% [markdown]
# ## A stateful tier needs sticky sessions
#
# If server A holds your session and the load balancer sends your next request to server B,
# B does not know you and asks you to log in again. A stateful tier therefore needs **sticky
# sessions** (also called session affinity): the load balancer pins each user to one server.
#
# ```mermaid
# flowchart LR
#     U1[User 1] --> LB["Load balancer<br/>sticky: user → server"]
#     U2[User 2] --> LB
#     U3[User 3] --> LB
#     LB -- "user 1, always" --> A["Web server A<br/>sessions: user 1"]
#     LB -- "user 2, always" --> B["Web server B<br/>sessions: user 2"]
#     LB -- "user 3, always" --> C["Web server C<br/>sessions: user 3"]
#     A --> DB[(Database)]
#     B --> DB
#     C --> DB
# ```
#
# Load balancers pin users in two common ways, and the model has both:
#
# - **by cookie** (`routing="cookie"`): at login the balancer picks a server (here, the one with
#   the fewest sessions) and sets its own cookie naming it; AWS's Application Load Balancer
#   does this with a cookie whose lifetime you choose;
# - **by hash** (`routing="hash"`): the balancer computes `hash(user) mod n` over the `n`
#   servers in its **configured** list, as nginx's `hash` directive (without `consistent`)
#   does. Nothing to store, but the answer depends on `n`, the length of that list.
#
# Stickiness works while nothing changes. Here is a tier of 4 servers and 2,000 logged-in users;
# at 200 s server 0 dies:

# %%
sticky_kill = SessionParams(mode="sticky", n_servers=4, peak_factor=2.0, kills=((200.0, 0),))
run = simulate_sessions(sticky_kill, rng=rng)
(event,) = run.events  # one event in this run: the kill
bucket = int(event.t // sticky_kill.t_bucket)  # the time bucket in which it happened
held = run.sessions[bucket, event.servers[0]]
display(
    Markdown(
        f"At t = {event.t:.0f} s: {event.kind} of server {event.servers[0]}, which held "
        f"**{held}** sessions just before. Users logged out: **{event.n_lost}**."
    )
)

# %% [markdown]
# A quarter of the users sat on the dead server, so a quarter were logged out: their carts
# emptied, their half-typed forms gone. The load balancer did its job (the other three servers
# carried on), but failover saved the *service*, not the *sessions*.
#
# With hash routing, what happens depends on *why* a server went away. nginx hashes over the
# list of servers in its configuration. When one of them fails its health checks, the list does
# not change: only the requests whose hash lands on the dead server are hashed again, onto the
# others, and everyone else stays put. So a failure logs out the same quarter as cookies do.
# A **scale event** is different: the operator or the autoscaler rewrites the list, `n` drops
# from 4 to 3, and `user mod 3` differs from `user mod 4` for most users, so most requests now
# land on a server that has never seen that user. Here are both, same users, same seed.
# **Predict first**: of the 2,000 users, how many does the scale-in from 4 servers to 3 log out?

# %%
predict("scale-in-mod-n", ..., unit="users",
        question="users of 2,000 logged out when hash mod n routing scales in from 4 servers to 3")

# %%
hashed = simulate_sessions(
    SessionParams(mode="sticky", routing="hash", n_servers=4, kills=((200.0, 0),)), rng=rng
)
rescaled = simulate_sessions(
    SessionParams(mode="sticky", routing="hash", n_servers=4, scale_to=((200.0, 3),)),
    rng=np.random.default_rng(SEED),
)
display(
    Markdown(
        "| hash routing, 4 servers, 2,000 users | users logged out |\n|---|---|\n"
        f"| server 0 dies (the list keeps 4 entries) | {hashed.n_lost:,} |\n"
        f"| scale-in 4→3 (the list is rewritten) | {rescaled.n_lost:,} |"
    )
)
reveal("scale-in-mod-n", rescaled.n_lost, why="user mod 3 and user mod 4 agree for only 3 users in "
       "12: the others land where no session waits")

# %% [markdown]
# A failure costs the dead server's users; a planned scale-in of the same single server costs
# three users in four. (Chapter 13 shows how *consistent hashing* limits a scale event's damage
# to the removed server's share too, which is why balancers offer it for sticky routing:
# nginx's `hash … consistent`, Envoy's ring hash and Maglev.)
#
# ## Sticky sessions also unbalance the load
#
# Users are not alike: a few heavy users send many requests, most send a few. The model draws
# each user's rate from a lognormal distribution. A sticky server's load is the **sum of the
# activity of the users pinned to it**, so a server that happens to hold two heavy users is
# busier than the rest, and the balancer cannot move their requests elsewhere. We measure
# imbalance as the busiest server's load divided by the mean load (1.0 is perfectly even).
# **Predict first**: 200 users of very uneven activity, pinned to 5 servers: what is the
# imbalance?

# %%
predict("sticky-imbalance", ..., unit="× the mean",
        question="busiest server's load over the mean: 200 uneven users pinned to 5 servers")

# %%
heavy = SessionParams(mode="sticky", n_users=200, n_servers=5, sigma_activity=1.5)
run = simulate_sessions(heavy, rng=rng)
stateless = simulate_sessions(SessionParams(**{**heavy.__dict__, "mode": "store"}), rng=rng)
per_server = sticky_load(run.rate_users, run.server_of, 5)
display(
    Markdown(
        "| | value |\n|---|---|\n"
        f"| requests/s per server, summed over its users | {np.round(per_server, 2).tolist()} |\n"
        f"| imbalance computed from user activity | {imbalance(per_server):.2f} |\n"
        f"| imbalance measured over the run | {imbalance(run.load.sum(axis=0)):.2f} |\n"
        f"| the same users on a stateless tier | {imbalance(stateless.load.sum(axis=0)):.2f} |"
    )
)
reveal("sticky-imbalance", imbalance(per_server), why="each server sums about 40 users, and one or "
       "two heavy users among them lift its total")

# %% [markdown]
# With sticky routing the busiest server here carries almost twice the mean load: the heaviest
# of the 200 users, who alone sends a fifth of all requests, is pinned to it. Fewer users per
# server or more skewed users make it worse. That server saturates first at the peak, so you
# have to buy capacity for the *busiest* server, not the average one. A stateless tier spreads
# each request on its own, so its servers differ by at most one request per bucket.
#
# Stickiness also blunts scaling out. A server added at the peak receives only users who log
# in *after* it starts; the users already pinned elsewhere stay there until their sessions
# end. And scaling in is a choice between waiting (connection draining keeps a server alive
# while its users drift away, which with long sessions can take hours) or logging people out.

# %% [markdown]
# ## A stateless tier: every request is self-contained
#
# The fix is to move the session out of the web servers. Then each request can go to any
# server, the load balancer spreads requests evenly, and a server can die or be removed at any
# moment without anyone noticing except the balancer.
#
# ```mermaid
# flowchart LR
#     U1[User 1] --> LB["Load balancer<br/>any request → any server"]
#     U2[User 2] --> LB
#     U3[User 3] --> LB
#     LB --> A["Web server A<br/>no sessions"]
#     LB --> B["Web server B<br/>no sessions"]
#     LB --> C["Web server C<br/>no sessions"]
#     A --> S[("Session store<br/>Redis or Memcached")]
#     B --> S
#     C --> S
#     A --> DB[(Database)]
#     B --> DB
#     C --> DB
# ```
#
# This is the same idea as two you may have met already:
#
# - **REST.** Fielding's REST architecture makes statelessness a constraint: each request from
#   client to server must contain all the information needed to understand it, and the server
#   may not rely on anything it stored from earlier requests. A REST API call carries its
#   credentials (a token) in every request for that reason.
# - **Serverless functions** (AWS Lambda, Google Cloud Functions). The platform starts and
#   stops function instances as it likes, and any instance may serve any call; an instance's
#   memory may survive between calls, but nothing guarantees it. A function that kept a user's
#   session in a global variable would see it vanish at random.
#
# A stateless tier puts the state in one of two places.
#
# **1. A shared session store.** The cookie still holds only a session id; every request reads
# the session from a store that all servers share, typically Redis or Memcached, which keep
# data in memory and expire keys after a time to live. The library's `SessionStore` behaves the
# same way, small enough to read:

# %%
store = SessionStore(t_ttl=1800.0)  # sessions expire after 30 minutes without a write
store.put("sid-ada", {"user": "ada", "cart": ["teapot"]}, now=0.0)
session = store.get("sid-ada", now=60.0)  # what any web server does on each request
read = dict(session, cart=list(session["cart"]))
session["cart"].append("mug")  # a change is local...
before_put = store.get("sid-ada", now=61.0)  # ...until it is written back
store.put("sid-ada", session, now=61.0)
print(
    f"session read by whichever server got the request: {read}\n"
    f"store after a local change:  {before_put}\n"
    f"store after put:             {store.get('sid-ada', now=62.0)}\n"
    f"round trips: {store.n_gets} reads, {store.n_puts} writes"
)

# %% [markdown]
# Two costs come with the store. Every request now pays a **network round trip** to it, about
# half a millisecond inside a data center (Redis's own latency guide quotes about 200 µs on a
# 1 Gbit/s network), small next to a typical 20-100 ms response but paid on every request.
# And the store is a new **dependency**: while it is down no request can be authenticated, so
# every logged-in page fails; and a store that keeps sessions only in memory comes back empty
# after a restart, logging out everyone at once. Production stores are therefore replicated
# (a Redis primary with replicas and automatic failover) and often persist to disk.

# %%
store.up = False
try:
    store.get("sid-ada", now=70.0)
except StoreUnavailable as err:
    print("while the store is down, every request gets:", repr(err))
store.up = True

# %% [markdown]
# **2. A signed token held by the client.** Instead of an id pointing to a session, the client
# carries the session itself, signed by the server so it cannot be forged. A JSON Web Token
# (JWT, RFC 7519) is three base64url parts, `header.payload.signature`, where the signature
# is computed over the first two parts with the algorithm the header names (`alg`, RFC 7518).
# The model uses **HS256**, an HMAC (a keyed hash, RFC 2104) with SHA-256 under a **shared
# secret**: every server that checks a token holds the same key, and so could also *mint* one.
# That is fine for one web tier. When many services verify tokens, the norm is **RS256** (RSA)
# or **ES256** (ECDSA): the login service alone holds the private signing key, and every other
# service checks signatures with the *public* key, typically fetched from a JWKS endpoint, so a
# breach of any verifier leaks no way to forge tokens. Either way, any server checks a token
# with no store and no network call: microseconds for an HMAC, somewhat more for a public-key
# check.

# %%
KEY = b"demo key; in production 32 random bytes from a secrets manager"
token = sign_token({"sub": "ada", "jti": "tok-1"}, KEY, now=0.0, t_ttl=900.0)
header, payload, signature = token.split(".")
forged = ("B" if payload[0] != "B" else "C") + payload[1:]  # tamper with the claims
print(
    f"{token[:60]}…\n"
    f"valid at 10 min:   {verify_token(token, KEY, now=600.0)}\n"
    f"expired at 16 min: {verify_token(token, KEY, now=960.0)}\n"
    f"tampered payload:  {verify_token(f'{header}.{forged}.{signature}', KEY, now=10.0)}"
)

# %% [markdown]
# Tokens trade the store's problems for a different one: **revocation**. A server-side session
# ends the moment you delete it. A token stays valid until its `exp` time, whatever happens:
# after the user logs out, after their password changes, after it is stolen. The usual answers
# are short-lived access tokens (minutes) renewed with a refresh token that the server *can*
# revoke, or a denylist of revoked token ids, which every server must consult on every request:
# a shared store again, though a much smaller one.

# %%
revoked = {"tok-1"}  # ada logged out; in production this set lives in a shared store
print(
    f"after logout, with the denylist:    {verify_token(token, KEY, now=700.0, revoked=revoked)}\n"
    f"after logout, without the denylist: {verify_token(token, KEY, now=700.0)}"
)

# %% [markdown]
# Two more facts shape the choice. The payload is only *signed*, not encrypted: anyone holding
# the token can read it, so it must not carry secrets. And browsers need only support 4,096 bytes
# per cookie (RFC 6265), so a token holds an identity and a few claims, not a shopping cart;
# the cart goes to a database either way.

# %% [markdown]
# ## Failure drill: a server dies, the tier scales in, the store dies
#
# Now the three designs side by side (sticky in both flavours), with the same 2,000 users, the
# same traffic (rising to twice its mean at mid-run and falling back) and the same seed. Three
# drills: server 0 dies at 200 s; the tier is scaled in from 4 servers to 3 at 400 s; the
# session store is down from 300 to 360 s and comes back empty.

# %%
MODES = {
    "sticky, cookie": dict(mode="sticky", routing="cookie"),
    "sticky, hash": dict(mode="sticky", routing="hash"),
    "shared store": dict(mode="store"),
    "signed tokens": dict(mode="token"),
}
DRILLS = {
    "server dies": dict(kills=((200.0, 0),)),
    "scale-in 4→3": dict(scale_to=((400.0, 3),)),
    "store dies": dict(t_store_down=300.0, t_store_up=360.0),
}
drill_lost = {}  # every design gets a generator with the same seed: the same users
rows = ["| users logged out | " + " | ".join(DRILLS) + " | requests failed (worst drill) |"]
rows.append("|---" * (len(DRILLS) + 2) + "|")
for label, mode in MODES.items():
    lost, failed = [], 0.0
    for change in DRILLS.values():
        params = SessionParams(n_servers=4, peak_factor=2.0, t_session=900.0, **mode, **change)
        result = simulate_sessions(params, rng=np.random.default_rng(SEED))
        lost.append(result.n_lost)
        failed = max(failed, result.error_ratio)
    drill_lost[label] = lost
    rows.append(f"| {label} | " + " | ".join(f"{n:,}" for n in lost) + f" | {failed:.1%} |")
display(Markdown("\n".join(rows)))

# %% [markdown]
# Read the table row by row:
#
# - **Sticky with cookies** loses exactly the sessions on the server that went away, about
#   one user in four with four servers, for a failure *and* for a routine scale-in.
# - **Sticky with a hash** loses the same quarter when a server dies (the configured list keeps
#   its length, and only the dead server's users are hashed again), but three users in four for
#   the scale-in, because changing `n` re-routes almost everyone.
# - **The shared store** loses nothing when servers come and go, but it is a single point of
#   failure of its own: one minute down fails about one request in ten over the run (the
#   last column), and coming back empty logs out *everyone*. Replication and
#   persistence make that rare; the drill shows why they are not optional.
# - **Signed tokens** lose nothing in any drill: there is no server-side session to lose. Their
#   cost is the revocation window, up to the token lifetime (15 minutes here).
#
# Autoscaling makes the sticky problem routine: an autoscaler that follows a daily traffic wave
# scales in every night, and every scale-in of a stateful tier logs users out.

# %%
rows = ["| design | servers (min-max) | lost by scale-ins | lost by scale-outs | peak imbalance |"]
rows.append("|---|---|---|---|---|")
for label, mode in MODES.items():
    params = SessionParams(n_servers=4, peak_factor=2.0, t_session=900.0, autoscale=True, **mode)
    result = simulate_sessions(params, rng=np.random.default_rng(SEED))
    kinds = result.lost_by_kind()
    rows.append(
        f"| {label} | {result.n_live.min()}-{result.n_live.max()} | {kinds['scale-in']:,} | "
        f"{kinds['scale-out']:,} | {result.peak_imbalance:.2f} |"
    )
display(Markdown("\n".join(rows)))

# %% [markdown]
# Nobody failed here and no server died: this is an ordinary day. Still, with cookies the
# scale-ins logged out about a third of the users, and the new servers, which only receive
# users who log in after they start, left the busiest server at about 1.5 times the mean. With
# `mod n` hashing every resize, up *or* down, re-routes most users: on average each user was
# logged out three times. The stateless designs resized just as often and lost nothing.

# %% [markdown]
# ## What it means in production
#
# - **Make the web tier stateless by default.** The Twelve-Factor App puts it plainly: processes
#   are stateless and share nothing; anything that must persist goes to a backing service;
#   sticky sessions are a violation to avoid. Deploys, autoscaling and failures then cost no
#   logins.
# - **Treat the session store as critical infrastructure**: replicated, monitored, with
#   persistence or a warm replica, sized for a read on every request. Its latency is added to
#   every request, so keep it in the same data center (or zone) as the web servers.
# - **Use short-lived tokens where a store lookup per request is too costly** (many services,
#   many regions, mobile clients), with refresh tokens or a small denylist for revocation, and
#   rotate the signing key.
# - **Sticky sessions still have uses**: WebSocket connections, in-memory caches that are
#   merely *helpful* (losing them costs speed, not logins), or legacy applications on the way
#   to statelessness. Then prefer consistent hashing or cookies to `mod n`, and drain
#   connections before removing a server.

# %% [markdown]
# ## Explore
#
# The widget runs the tier of the drills for 10 minutes. The top plot shows the requests per
# second reaching each server (one line per server; a line ends when its server dies or is
# removed, and a new one starts when the autoscaler adds one) and failed requests as a thick
# dotted line; the bottom plot counts users logged out. The caption states the numbers.
#
# *Try:*
# - Move **Servers at start** with sticky cookies: how does the share of users lost to one
#   failure change with the number of servers? Is more servers a fix?
# - Switch **Where sessions live** to the hash, then to the store and to tokens.
# - Tick **Autoscaling** in each mode. Which modes lose sessions during a perfectly ordinary
#   day? Watch the new servers' lines under sticky routing: how fast do they fill up?
# - Tick **Session store down**: which modes notice?

# %%
explorer = show(explore_sessions)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: a stateless request handler (4 points)
#
# Write `handle(request, store, now)`, the code a stateless web server runs for a tiny cart
# API. A request is a dict like
# `{"method": "POST", "path": "/cart", "cookies": {"sid": "s-42"}, "item": "pen"}`; `store` is a
# `SessionStore` shared by all servers; `now` is the time in seconds. Return a dict
# `{"status": <int>, "body": <anything>}`, deciding **in this order** (the first rule that
# applies gives the status):
#
# 1. no `sid` cookie: status **401** (there is nothing to look up);
# 2. the store is down (it raises `StoreUnavailable`): status **503**;
# 3. the store has no live session for the `sid`: status **401**;
# 4. a path other than `/cart`: status **404**;
# 5. a method other than `GET` or `POST` on `/cart`: status **405** (Method Not Allowed);
# 6. `GET /cart`: status **200**, body the session's cart as a list;
# 7. `POST /cart`: append `request["item"]` to the cart, **save the session back** to the store
#    with `store.put(sid, session, now=now)`, status **200**, body the new cart as a list.
#
# (So an anonymous request learns nothing about which paths exist: it gets 401 before any 404
# or 405, as RFC 9110 allows.)
#
# A session looks like `{"user": "ada", "cart": ["teapot"]}`. Your server must be stateless:
# keep nothing between calls, so that the next request can go to any other server. The hidden
# checks change the store behind your back, as other servers would.


# %% nbgrader={"grade": false, "grade_id": "stateless_handler", "locked": false, "schema_version": 3, "solution": true, "task": false}
def handle(request, store, now):
    """Serve GET/POST /cart with the session read from the shared ``store`` on every request."""
    ### BEGIN SOLUTION
    sid = request.get("cookies", {}).get("sid")
    if sid is None:
        return {"status": 401, "body": "please log in"}
    try:
        session = store.get(sid, now=now)
        if session is None:
            return {"status": 401, "body": "please log in"}
        if request.get("path") != "/cart":
            return {"status": 404, "body": "not found"}
        if request.get("method") == "GET":
            return {"status": 200, "body": list(session["cart"])}
        if request.get("method") == "POST":
            session["cart"] = list(session["cart"]) + [request["item"]]
            store.put(sid, session, now=now)
            return {"status": 200, "body": list(session["cart"])}
        return {"status": 405, "body": "method not allowed"}
    except StoreUnavailable:
        return {"status": 503, "body": "session store unavailable, try again"}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_stateless_handler_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: read a cart, add to it, read it again, and refuse a request with no cookie."""
from scalelab.checks import as_int, as_list
from scalelab.sessions import SessionStore

_store = SessionStore(t_ttl=600.0)
_store.put("s-ada", {"user": "ada", "cart": ["book"]}, now=0.0)
_get = {"method": "GET", "path": "/cart", "cookies": {"sid": "s-ada"}}
_post = {"method": "POST", "path": "/cart", "cookies": {"sid": "s-ada"}, "item": "pen"}
_r = handle(_get, _store, 10.0)
assert as_int(_r["status"], "status of GET /cart") == 200, f"GET /cart: expected 200, got {_r}"
assert as_list(_r["body"], "body of GET /cart") == ["book"], f"GET /cart body: {_r['body']!r}"
_r = handle(_post, _store, 20.0)
assert as_int(_r["status"], "status of POST") == 200 and as_list(_r["body"]) == ["book", "pen"], (
    f"POST /cart with item 'pen': expected 200 and ['book', 'pen'], got {_r}"
)
_r = handle(_get, _store, 30.0)
assert as_list(_r["body"]) == ["book", "pen"], (
    f"GET after POST should show the saved cart ['book', 'pen'], got {_r['body']!r}: "
    "did you put the session back into the store?"
)
_r = handle({"method": "GET", "path": "/cart", "cookies": {}}, _store, 30.0)
assert as_int(_r["status"]) == 401, f"a request without a sid cookie should get 401, got {_r}"
print("Visible check passed: the hidden checks change the store behind your back.")

# %% nbgrader={"grade": true, "grade_id": "test_stateless_handler_hidden", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: no state kept between calls, expiry, store down, unknown paths."""
### BEGIN HIDDEN TESTS
from scalelab.checks import as_int, as_list
from scalelab.sessions import SessionStore


def _status(request, store, now, what):
    response = handle(request, store, now)
    assert type(response) is dict, f"{what}: handle should return a dict, got {response!r}"
    return as_int(response["status"], f"{what}: status"), response.get("body")


_s = SessionStore(t_ttl=100.0)
_s.put("h-1", {"user": "bo", "cart": ["kettle"]}, now=0.0)
_g = {"method": "GET", "path": "/cart", "cookies": {"sid": "h-1"}}
_code, _body = _status(_g, _s, 1.0, "scenario 'first read'")
assert _code == 200 and as_list(_body) == ["kettle"], (
    f"scenario 'first read': got {_code}, {_body!r}"
)
_s.put("h-1", {"user": "bo", "cart": ["kettle", "tray"]}, now=2.0)  # another server wrote
_code, _body = _status(_g, _s, 3.0, "scenario 'another server wrote'")
assert _code == 200 and as_list(_body) == ["kettle", "tray"], (
    "scenario 'another server wrote': the cart changed in the store; a stateless server must "
    f"read it again on every request, got {_body!r}"
)
_s.delete("h-1")  # logged out on another server
assert _status(_g, _s, 4.0, "scenario 'logged out elsewhere'")[0] == 401, (
    "scenario 'logged out elsewhere': the session was deleted from the store, expected 401"
)
_s.put("h-2", {"user": "cy", "cart": []}, now=0.0)
_p = {"method": "POST", "path": "/cart", "cookies": {"sid": "h-2"}, "item": "cup"}
_g2 = {"method": "GET", "path": "/cart", "cookies": {"sid": "h-2"}}
_code, _body = _status(_p, _s, 90.0, "scenario 'sliding expiry'")
assert _code == 200 and as_list(_body) == ["cup"], f"POST to an empty cart: got {_code}, {_body!r}"
_code, _body = _status(_g2, _s, 150.0, "scenario 'sliding expiry'")
assert _code == 200 and as_list(_body) == ["cup"], (
    "scenario 'sliding expiry': the POST at 90 s should keep the session alive until 190 s"
)
assert _status(_g2, _s, 200.0, "scenario 'expired session'")[0] == 401, (
    "scenario 'expired session': expected 401"
)
_nobody = {"method": "GET", "path": "/cart", "cookies": {"sid": "nobody"}}
assert _status(_nobody, _s, 1.0, "scenario 'unknown session id'")[0] == 401, (
    "scenario 'unknown session id': expected 401"
)
_s.put("h-3", {"user": "di", "cart": []}, now=0.0)
_orders = {"method": "GET", "path": "/orders", "cookies": {"sid": "h-3"}}
assert _status(_orders, _s, 1.0, "scenario 'unknown path'")[0] == 404, (
    "scenario 'unknown path': expected 404"
)
_delete = {"method": "DELETE", "path": "/cart", "cookies": {"sid": "h-3"}}
assert _status(_delete, _s, 1.0, "scenario 'other method'")[0] == 405, (
    "scenario 'other method on /cart': expected 405"
)
_del_orders = {"method": "DELETE", "path": "/orders", "cookies": {"sid": "h-3"}}
assert _status(_del_orders, _s, 1.0, "scenario 'path before method'")[0] == 404, (
    "scenario 'other method on an unknown path': the path is decided first, expected 404"
)
_anon = {"method": "DELETE", "path": "/orders", "cookies": {}}
assert _status(_anon, _s, 1.0, "scenario 'anonymous'")[0] == 401, (
    "scenario 'anonymous request to an unknown path': 401 comes before 404 and 405"
)
_ghost = {"method": "GET", "path": "/orders", "cookies": {"sid": "nobody"}}
assert _status(_ghost, _s, 1.0, "scenario 'session before path'")[0] == 401, (
    "scenario 'unknown session on an unknown path': 401 comes before 404"
)
_s.up = False
_g3 = {"method": "GET", "path": "/cart", "cookies": {"sid": "h-3"}}
assert _status(_g3, _s, 1.0, "scenario 'store down'")[0] == 503, (
    "scenario 'store down': expected 503 (and no exception)"
)
assert (
    _status({"method": "GET", "path": "/cart"}, _s, 1.0, "scenario 'no cookie, store down'")[0]
    == 401
), "scenario 'no cookie while the store is down': rule 1 comes first, expected 401"
_o3 = {"method": "GET", "path": "/orders", "cookies": {"sid": "h-3"}}
assert _status(_o3, _s, 1.0, "scenario 'store down, unknown path'")[0] == 503, (
    "scenario 'store down, unknown path': the session is checked before the path, expected 503"
)
_s.up = True
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: imbalance under sticky routing (3 points)
#
# Write `sticky_imbalance(rate, server_of, n_servers)`: user `i` sends `rate[i]` requests/s
# and is pinned to server `server_of[i]` (a number from `0` to `n_servers - 1`). Return, as a
# float, the load of the busiest server divided by the mean load over **all** `n_servers`
# servers (a server with no users counts, with load 0). Raise `ValueError` if `rate` and
# `server_of` differ in length or `n_servers` is below 1. Inputs may be lists or numpy arrays.
#
# Write it yourself: the library's `sticky_load` and `imbalance` are switched off during the
# hidden checks.


# %% nbgrader={"grade": false, "grade_id": "sticky_imbalance", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sticky_imbalance(rate, server_of, n_servers):
    """Busiest server's load over the mean load, with users pinned to servers."""
    ### BEGIN SOLUTION
    if n_servers < 1:
        raise ValueError(f"n_servers must be >= 1; got {n_servers}")
    if len(rate) != len(server_of):
        raise ValueError("rate and server_of must have the same length")
    load = [0.0] * n_servers
    for r, server in zip(rate, server_of, strict=True):
        load[int(server)] += float(r)
    mean = sum(load) / n_servers
    return max(load) / mean
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sticky_imbalance_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: two servers, users of unequal activity."""
from scalelab.checks import expect_close

expect_close(
    sticky_imbalance([1.0, 1.0, 2.0, 4.0], [0, 1, 0, 1], 2),
    1.25,
    what="loads 3 and 5 requests/s: busiest 5 over mean 4",
)
expect_close(sticky_imbalance([2.0, 2.0, 2.0], [0, 1, 2], 3), 1.0, what="equal users, one each")
print("Visible check passed: the hidden checks try other tiers and the errors.")

# %% nbgrader={"grade": true, "grade_id": "test_sticky_imbalance_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: idle servers, numpy inputs, a large tier, errors, no library helpers."""
### BEGIN HIDDEN TESTS
import numpy as np
from scalelab.checks import expect_close, expect_raises, library_disabled

with library_disabled("scalelab.sessions.sticky_load", "scalelab.sessions.imbalance"):
    expect_close(
        sticky_imbalance([1.0, 1.0, 1.0], [0, 0, 1], 3),
        2.0,
        what="scenario 'idle server': loads 2, 1, 0",
    )
    _r = np.random.default_rng(7)
    _rates = _r.lognormal(0.0, 1.2, 500)
    _server = _r.integers(0, 9, 500)
    _load = np.array([_rates[_server == k].sum() for k in range(10)])
    expect_close(
        sticky_imbalance(_rates, _server, 10),
        _load.max() / _load.mean(),
        rel=1e-9,
        what="scenario '500 users on 10 servers, one idle' (numpy arrays)",
    )
    expect_close(
        sticky_imbalance([0.5, 1.5], [0, 0], 1),
        1.0,
        what="scenario 'a tier of one server' (n_servers = 1 is allowed)",
    )
    expect_raises(ValueError, sticky_imbalance, [1.0, 2.0], [0], 2)
    expect_raises(ValueError, sticky_imbalance, [1.0], [0], 0)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: users logged out by a scale-in (3 points)
#
# A tier of `n_before` servers (ids `0 … n_before-1`) holds one session per user in
# `user_ids` (non-negative integers standing in for hashed user names). Before the scale-in,
# both routings have user `u` on server `u % n_before`. The autoscaler then removes the newest
# servers, `n_after … n_before-1`.
#
# Write `logged_out_by_scale_in(user_ids, n_before, n_after, routing)` returning, as an int,
# how many users lose their session:
#
# - `routing="cookie"`: the load balancer's cookie keeps each user on their server, so only the
#   users of removed servers are logged out;
# - `routing="hash"`: after the scale-in user `u` is sent to server `u % n_after`; a user is
#   logged out whenever that is not the server that holds their session (a scale-in rewrites
#   the balancer's list of servers, so the hash is taken over the new, shorter list).
#
# Raise `ValueError` if `n_after < 1`, `n_after > n_before`, or `routing` is neither. The
# library's `hash_route` is switched off during the hidden checks.


# %% nbgrader={"grade": false, "grade_id": "scale_in_logouts", "locked": false, "schema_version": 3, "solution": true, "task": false}
def logged_out_by_scale_in(user_ids, n_before, n_after, routing):
    """Users whose session is lost when a sticky tier shrinks from n_before to n_after."""
    ### BEGIN SOLUTION
    if routing not in ("cookie", "hash"):
        raise ValueError(f"routing must be 'cookie' or 'hash'; got {routing!r}")
    if not 1 <= n_after <= n_before:
        raise ValueError(f"need 1 <= n_after <= n_before; got {n_after} and {n_before}")
    lost = 0
    for u in user_ids:
        before = int(u) % n_before
        if routing == "cookie":
            lost += before >= n_after
        else:
            lost += (int(u) % n_after) != before
    return int(lost)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_scale_in_logouts_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: eight users, two servers down to one, and a scale-in that removes nothing."""
from scalelab.checks import as_int

for _routing in ("cookie", "hash"):
    _got = as_int(logged_out_by_scale_in(range(8), 2, 1, _routing), f"{_routing}, 2 -> 1")
    assert _got == 4, f"{_routing}: 8 users, 2 -> 1 servers: expected 4 logged out, got {_got}"
    _got = as_int(logged_out_by_scale_in(range(8), 3, 3, _routing), f"{_routing}, 3 -> 3")
    assert _got == 0, f"{_routing}: no server removed: expected 0 logged out, got {_got}"
print("Visible check passed: the hidden checks try bigger scale-ins and the errors.")

# %% nbgrader={"grade": true, "grade_id": "test_scale_in_logouts_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: 4 -> 3 with both routings, scattered user ids, errors, no library routing."""
### BEGIN HIDDEN TESTS
import numpy as np
from scalelab.checks import as_int, expect_raises, library_disabled

with library_disabled("scalelab.sessions.hash_route"):
    _c = as_int(logged_out_by_scale_in(range(12), 4, 3, "cookie"), "cookie 4 -> 3")
    assert _c == 3, f"scenario 'cookie 4 -> 3, 12 users': expected 3, got {_c}"
    _h = as_int(logged_out_by_scale_in(range(12), 4, 3, "hash"), "hash 4 -> 3")
    assert _h == 9, f"scenario 'hash 4 -> 3, 12 users': expected 9, got {_h}"
    _ids = np.random.default_rng(11).integers(0, 10**9, 3000)
    _want_c = int(np.count_nonzero(_ids % 10 >= 7))
    _want_h = int(np.count_nonzero(_ids % 10 != _ids % 7))
    _got = as_int(logged_out_by_scale_in(_ids, 10, 7, "cookie"), "cookie 10 -> 7")
    assert _got == _want_c, f"scenario 'cookie 10 -> 7, scattered ids': expected {_want_c}"
    _got = as_int(logged_out_by_scale_in(_ids, 10, 7, "hash"), "hash 10 -> 7")
    assert _got == _want_h, f"scenario 'hash 10 -> 7, scattered ids': expected {_want_h}"
    expect_raises(ValueError, logged_out_by_scale_in, range(5), 3, 4, "cookie")
    expect_raises(ValueError, logged_out_by_scale_in, range(5), 3, 0, "hash")
    expect_raises(ValueError, logged_out_by_scale_in, range(5), 3, 2, "random")
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (written, 3 points)
#
# Your team is building the login for a shop with two million daily users, served from one
# region by an autoscaled web tier. One engineer proposes signed tokens (JWTs) only; another
# proposes server-side sessions in a replicated Redis store. In four to six sentences, compare
# the two for this shop: what each costs on every request, what each does when a user logs out
# or an account is stolen, what each depends on when something fails, and which you would
# choose (or how you would combine them) and why. Use at least one number from this chapter.
# (Graded by hand against the rubric in `grading/rubrics/09-stateless-web.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "tokens_vs_sessions", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# Both make the web tier stateless, so servers can die or be scaled in without logging anyone
# out (the drill lost 0 sessions in both modes, against 500 of 2,000 for sticky cookies). A
# Redis session costs a network round trip on every request, about 0.5 ms, and makes the
# store a dependency: while it is down nobody can be authenticated, and if it comes back empty
# everyone is logged out, so it must be replicated and persisted. A signed token costs only a
# few microseconds to check (an HMAC under a shared secret with HS256, or a public-key check
# with RS256 if other services verify too) and needs no store, but it cannot be taken back: after a
# logout or a theft it stays valid until it expires (15 minutes in our model), unless servers
# consult a denylist, which is a store lookup again. For a shop that must log out a stolen
# account at once, I would keep server-side sessions in a replicated Redis in the same zone, or
# combine both: short-lived access tokens (5 minutes) checked locally, renewed with a refresh
# token that is stored server-side and can be revoked.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message and no cell should show a red error.
# 2. Click **Validate** in the toolbar; nbgrader re-runs the notebook as the grader will.
# 3. Self-paced: run `make check NB=09-stateless-web` at the top of the repository.

# %% [markdown]
# ## Summary
#
# Where Shutterstall stands with its sessions in a shared store, and what breaks next:

# %%
print(opening("stateless-web").sentence_after)  # the product with a stateless web tier
print(bottleneck("stateless-web").sentence)  # what breaks next: chapter 10

# %% [markdown]
# Any web server can now go at any moment, in a crash or in the autoscaler's nightly scale-in.
# What no web tier in Virginia can fix is distance: a user in Sydney waits a long round trip
# for every request, and chapter 10 brings the servers closer.
#
# - A **stateful** web tier keeps sessions in server memory and needs **sticky sessions**; a
#   **stateless** tier keeps nothing between requests, so any server can serve any request, as
#   REST and serverless functions require.
# - State does not disappear: it moves to a **shared session store** (one round trip per
#   request, about 0.5 ms, and a dependency that must be replicated) or into a **signed
#   token** (microseconds to check, no store, but valid until it expires unless revoked
#   through a denylist).
# - Sticky routing ties load to users: the busiest server carries the summed activity of its
#   users, and new servers fill slowly. Hashing over the configured list (nginx's `hash`)
#   loses only a failed server's users, but every scale event re-routes most users.
# - A JWT signed with **HS256** is an HMAC under a secret every verifier shares; with many
#   verifying services, **RS256/ES256** let them hold only a public key.
# - Measured in the drills above (2,000 users, 4 servers, seed 2026), users logged out:
#
#   | design | a server dies | scale-in 4→3 | the store dies (comes back empty) |
#   |---|---|---|---|
#   | sticky, cookie | 500 | 500 | 0 |
#   | sticky, hash mod n | 500 | 1,499 | 0 |
#   | shared store | 0 | 0 | 2,000 (and about 12 % of requests failed) |
#   | signed tokens | 0 | 0 | 0 |
#
#   A stateless tier is simpler to operate, survives failures and scales freely; its price is
#   paid once, in a well-run store or a careful token design.
#
# ## References
#
# - Fielding, R. T. (2000). *Architectural Styles and the Design of Network-based Software
#   Architectures*, PhD dissertation, University of California, Irvine; chapter 5 (REST, the
#   stateless constraint). https://ics.uci.edu/~fielding/pubs/dissertation/rest_arch_style.htm
# - Barth, A. (2011). *RFC 6265: HTTP State Management Mechanism* (cookies, size limits).
#   https://www.rfc-editor.org/rfc/rfc6265
# - Jones, M., Bradley, J. and Sakimura, N. (2015). *RFC 7519: JSON Web Token (JWT).*
#   https://www.rfc-editor.org/rfc/rfc7519
# - Jones, M. (2015). *RFC 7518: JSON Web Algorithms (JWA)*, section 3 (HS256, RS256, ES256).
#   https://www.rfc-editor.org/rfc/rfc7518
# - Jones, M. (2015). *RFC 7517: JSON Web Key (JWK)* (publishing public verification keys).
#   https://www.rfc-editor.org/rfc/rfc7517
# - F5, Inc. (2024). *nginx documentation: Module ngx_http_upstream_module*, directive `hash`
#   (without `consistent`, adding or removing a server remaps most keys; `consistent` uses
#   ketama). https://nginx.org/en/docs/http/ngx_http_upstream_module.html#hash
# - Fielding, R., Nottingham, M. and Reschke, J. (2022). *RFC 9110: HTTP Semantics*, sections
#   15.5.2 (401), 15.5.5 (404), 15.5.6 (405) and 15.6.4 (503).
#   https://www.rfc-editor.org/rfc/rfc9110
# - Krawczyk, H., Bellare, M. and Canetti, R. (1997). *RFC 2104: HMAC: Keyed-Hashing for Message
#   Authentication.* https://www.rfc-editor.org/rfc/rfc2104
# - Hardt, D. (2012). *RFC 6749: The OAuth 2.0 Authorization Framework* (access and refresh
#   tokens). https://www.rfc-editor.org/rfc/rfc6749
# - Wiggins, A. (2011). *The Twelve-Factor App, VI: Processes.* https://12factor.net/processes
# - Amazon Web Services (2024). *Sticky sessions for your Application Load Balancer.*
#   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/sticky-sessions.html
# - Amazon Web Services (2024). *Understanding the Lambda execution environment lifecycle.*
#   https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
# - Redis (2024). *Diagnosing latency issues* and *Redis persistence.*
#   https://redis.io/docs/latest/operate/oss_and_stack/management/optimization/latency/ and
#   https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/
# - Dean, J. (2009). *Designs, Lessons and Advice from Building Large Distributed Systems*, LADIS
#   keynote (latency numbers). https://www.cs.cornell.edu/projects/ladis2009/talks/dean-keynote-ladis2009.pdf
# - OWASP Foundation (2024). *Session Management Cheat Sheet.*
#   https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
# - Karger, D. et al. (1997). *Consistent hashing and random trees.* STOC '97.
#   https://doi.org/10.1145/258533.258660
