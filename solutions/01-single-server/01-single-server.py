# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · One server: from a name to a page
#
# Every system in this course starts the same way: one machine runs the website, its data and
# its logic, and people reach it by typing a name. Before the first byte of a page arrives, the
# name has to become an address (that is DNS's job), and a request has to travel to the server
# and an answer has to travel back (that is HTTP's job). This chapter takes both apart, with
# numbers.
#
# **You will learn to**
# - explain what DNS does, who runs it, and follow one lookup from the root servers down to the
#   answer;
# - read a zone file: `A`, `AAAA`, `CNAME` and `NS` records and their TTLs;
# - predict how often a resolver's cache answers, from the TTL and the query rate, and what that
#   means for lookup time and for the load on the authoritative servers;
# - describe one exchange between a client and the web server: HTML for browsers, JSON for apps,
#   status codes and content types;
# - split a page load into DNS, connection, request and response, and see which part dominates;
# - estimate how busy one server is at the evening peak, and what that does to its response time.
#
# **Time:** about 60 minutes. **Points:** 10 (8 autograded, 2 for a written answer).

# %% [markdown]
# ## Setup
#
# Run this cell first. It imports what the chapter uses and creates `rng`, the chapter's one
# random-number generator.

# %%
import json

import numpy as np

from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.dns import (
    EXAMPLE_ZONES,
    QueryStream,
    Resolver,
    ResolverCache,
    example_namespace,
    expected_cache_stats,
    hit_ratio,
    parse_zone,
    resolver_buckets,
    simulate_cache,
)
from scalelab.estimate import diurnal_rate
from scalelab.http import Response, WebServer, page_load, request_from, sample_users
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, RATE_SERVER, bottleneck, stage
from scalelab.queueing import mmc
from scalelab.widgets import show
from scalelab.widgets.dns import (
    explore_resolution,
    explore_resolver_cache,
    page_load_figure,
    trace_figure,
)

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The single-server setup
#
# At the start, one computer does everything: it runs the web application, keeps the database
# and serves the files. That is where Shutterstall stands today. It is the product this course
# follows from its first server to millions of users: a shop where photographers sell prints of
# their photos. People browse listings (one photo each, with its thumbnail in every grid), like
# them and buy; photographers upload. Its numbers come from the library (`scalelab.product`),
# and every chapter opens with them:

# %%
shop = stage("single-server")
print(f"{PRODUCT.name} now: {shop.daily_users:,} daily users, {shop.rate_peak:,.0f} requests/s "
      "at 20:00, all on one machine")
print(f"Of those, {shop.rate_static:,.0f}/s fetch a photo or a thumbnail, {shop.rate_reads:,.0f}/s "
      f"read a page or the API, {shop.rate_writes:,.0f}/s write")

# %% [markdown]
# Every one of those requests begins the same way. What happens when someone visits the site:
#
# ```mermaid
# sequenceDiagram
#     participant U as User (browser or app)
#     participant D as DNS (a third-party service)
#     participant S as Web server 192.0.2.10 (app + database)
#     U->>D: 1. where is www.example.com?
#     D-->>U: 2. 192.0.2.10
#     U->>S: 3. HTTP request: GET /users/12
#     S-->>U: 4. HTML page or JSON data
# ```
#
# 1. The user types or taps a **domain name**. Computers route packets to **IP addresses**, not
#    names, so the name has to be looked up first. The browser (or the phone's operating system)
#    asks a **DNS resolver**.
# 2. The resolver returns the server's IP address.
# 3. With the address in hand, the client sends its **HTTP request** straight to the web server.
#    DNS is not involved again until the cached answer expires.
# 4. The server replies: an **HTML** page for a browser to render, or **JSON** data for a mobile
#    app or another program.
#
# The examples use `www.example.com`, a name reserved for documentation (RFC 2606): read it as
# Shutterstall's.
#
# A site's owner rarely runs DNS servers: it is usually bought as a service from a registrar or a
# DNS host (GoDaddy, Cloudflare, Amazon Route 53 and many others). They run servers in many
# places at once (one *anycast* address served from dozens of sites), absorb attacks, and charge
# little: Route 53, for example, lists about USD 0.50 a month per zone plus USD 0.40 per million
# queries. Cheap is not the same as unimportant: if DNS fails, a perfectly healthy site is
# unreachable. On 21 October 2016 a botnet flooded the DNS provider Dyn, and for hours many
# users in North America and Europe could not reach Twitter, GitHub, Netflix and other sites
# whose servers were running fine. Large sites now often use two DNS providers at once.

# %% [markdown]
# ## Names and addresses: how DNS is organised
#
# DNS is one huge distributed database, split along the dots of a name and read from right to
# left. `www.example.com.` (the last dot stands for the **root**) lives under the top-level domain
# (TLD) `com.`, which lives under the root:
#
# - the **root servers** know only who runs each TLD. There are 13 root server identities
#   (`a` to `m.root-servers.net`), run by 12 organisations from well over a thousand sites;
# - the **TLD servers** for `com.` know only who runs each name under `com.`;
# - the **authoritative servers** for `example.com.` (the DNS host the owner pays) hold the
#   actual records.
#
# Handing a part of the tree to someone else is a **delegation**, written as `NS` (name server)
# records in the parent. Each part someone administers is a **zone**, described in a standard
# text format, the *zone file*. Here is the zone of our example site:

# %%
print(EXAMPLE_ZONES["example.com."])

# %% [markdown]
# Reading it line by line: `$TTL 300` gives every record without its own TTL a **time to
# live** of 300 seconds. `@` stands for the zone's own name. The record types this chapter uses:
#
# | type | means | example value |
# |---|---|---|
# | `A` | the IPv4 address of the name | `192.0.2.10` |
# | `AAAA` | the IPv6 address of the name | `2001:db8::10` |
# | `CNAME` | "this name is an alias; look up that one instead" | `www.example.com.` |
# | `NS` | "the servers of this zone (or of a delegated child zone) are..." | `ns1.dnshost.test.` |
#
# `SOA` (start of authority) is the zone's header. Its last field, `MINIMUM` (60 here), sets how
# long a resolver may remember that a name does *not* exist, but not on its own: RFC 2308 (§3 and
# §5) makes the negative-caching TTL the **smaller** of that field and the TTL of the `SOA` record
# itself. Here the `SOA` has no TTL of its own, so it takes `$TTL 300`, and the negative TTL is
# min(60, 300) = 60 s. The library parses zone files with dnspython, the same parser real tools
# use, and checks them:

# %%
zone = parse_zone(EXAMPLE_ZONES["example.com."], "example.com")
[(r.name, r.rtype, r.t_ttl, r.value) for r in zone.records]

# %%
# The negative TTL the parser derived, and a zone whose SOA record has a TTL of 30 s but a
# MINIMUM of 600 s: the record's own TTL wins, because it is smaller.
short_soa = parse_zone(
    "$TTL 300\n@ 30 SOA ns1.dnshost.test. hostmaster 1 7200 900 1209600 600\nwww A 192.0.2.10",
    "example.com",
)
print(f"example.com: negative answers cached {zone.t_negative:.0f} s; "
      f"the short-SOA zone: {short_soa.t_negative:.0f} s (not 600)")

# %% [markdown]
# A mistake in a zone file is an error with a message, not a silent surprise:

# %% tags=["raises-exception"]
parse_zone("www 60 MX 10 mail.example.com.", "example.com")

# %% [markdown]
# ## A lookup, step by step
#
# A **recursive resolver** does the walking for the client. With an empty cache it asks the
# root, follows the referral to the TLD, follows the next referral to the authoritative servers,
# and gets the answer. The library's resolver records every question it asks and how long the
# round trip took (the latencies are illustrative: a resolver near the user, anycast root and
# TLD servers, authoritative servers farther away):

# %%
resolver = Resolver(example_namespace())
cold = resolver.resolve("www.example.com", t_now=0.0)
for hop in cold.hops:
    print(f"{hop.server:>14}  {hop.kind:<11} {hop.t_latency * 1000:5.0f} ms")
print(f"answer {cold.addresses} in {cold.t_total * 1000:.0f} ms")

# %% [markdown]
# The first line is the leg between the browser and the resolver; the other three are the
# resolver's questions to the root, `com.` and `example.com.`. Drawn on a time line:

# %%
trace_figure(cold)

# %% [markdown]
# Ask again a minute later. The answer is in the resolver's cache, so only the first leg is
# paid:

# %%
warm = resolver.resolve("www.example.com", t_now=60.0)
print(warm.rcode, warm.addresses, f"{warm.t_total * 1000:.0f} ms", [h.kind for h in warm.hops])
print("remaining TTL of the cached record:", warm.answers[0].t_ttl, "s")

# %% [markdown]
# Two more cases every resolver meets. `static.example.com` is an alias (`CNAME`) for a name in a
# CDN's zone, so the resolver has to start a second lookup, this time for the alias's target.
# It cached the referrals to `com.` and `example.com.` a moment ago, so it goes straight to the
# servers it already knows and never asks the root. And a name that does not exist gets an
# answer too (`NXDOMAIN`, "no such domain"), which is cached for the zone's negative TTL (60 s):

# %%
for name in ["static.example.com", "nope.example.com"]:
    res = resolver.resolve(name, t_now=61.0)
    print(f"{name}: {res.rcode} {res.addresses}, {res.t_total * 1000:.0f} ms,",
          "asked", [h.server for h in res.hops[1:]])

# %% [markdown]
# Step through a lookup yourself. Move **Step** to walk along the trace; pick another name; tick
# *warm cache* to see what a cache hit leaves of it.

# %%
trace_explorer = show(explore_resolution)

# %% [markdown]
# ## Caching and TTL: why most lookups are fast
#
# Most lookups never leave the resolver. How many? **Predict first**: a resolver whose users ask
# it for Shutterstall's name once a second, on average, keeps the answer for the zone's TTL of
# 300 s. What share of their lookups does it answer from its cache?

# %%
predict("dns-hit", ..., question="share of lookups a resolver answers from its cache, "
        "for a name asked once a second with a TTL of 300 s", unit="%")

# %% [markdown]
# Take one name that a resolver's users look up at random moments, on average $\lambda$ times
# per second (a Poisson stream), with a TTL of $T$ seconds. Time then falls into cycles:
#
# - a query arrives and **misses**; the resolver fetches the record and keeps it for $T$ seconds;
# - during those $T$ seconds, on average $\lambda T$ queries arrive, and all of them **hit**;
# - after the record expires, the next query (on average $1/\lambda$ seconds later) misses again.
#
# Each cycle has one miss and $\lambda T$ hits on average, so the hit ratio is
#
# $$h = \frac{\lambda T}{1 + \lambda T}.$$
#
# (Jung, Berger and Balakrishnan derived this and more general forms in 2003, and found it
# matched real DNS traces well.) A simulation agrees, here for a quieter name asked 0.1 times
# a second; the last lines answer the prediction (one lookup a second, a TTL of 300 s):

# %%
for t_ttl in [10, 60, 300, 3600]:
    sim = simulate_cache(QueryStream(0.1), t_ttl, 200_000.0, rng=rng)
    print(f"TTL {t_ttl:>5} s: formula {hit_ratio(0.1, t_ttl):.3f}, "
          f"simulated {sim.hit_ratio:.3f} over {sim.n_queries:,.0f} lookups")
reveal("dns-hit", hit_ratio(1.0, 300.0) * 100,
       why="each miss buys 300 s of hits, about 300 of them at one lookup a second: h = 300/301")

# %% [markdown]
# Three consequences follow.
#
# - **Lookup time.** A hit costs only the trip to the resolver ($t_\text{hit}$); a miss costs
#   that plus at least one trip to the authoritative servers ($t_\text{miss}$). On average a
#   lookup takes $h\,t_\text{hit} + (1-h)\,t_\text{miss}$.
# - **Load on the authoritative servers.** Each resolver sends one query per cycle, about
#   $\lambda/(1+\lambda T)$ per second, which is close to $1/T$ when the name is popular. So the
#   load a DNS host sees depends on the TTL and on how many resolvers ask, hardly at all on how
#   many users you have.
# - **Many resolvers, each with its own cache.** Your users are spread over thousands of ISP and
#   public resolvers. Each one sees only its share of the traffic, so each has a lower hit ratio
#   than one big cache would.

# %%
stream = QueryStream(rate_queries=50.0, n_resolvers=500)  # 50 lookups/s over 500 resolvers
for t_ttl in [30, 300, 3600]:
    s = expected_cache_stats(stream, t_ttl)
    print(f"TTL {t_ttl:>4} s: hit ratio {s.hit_ratio:.1%}, mean lookup {s.t_mean_lookup * 1000:.1f} ms, "
          f"authoritative load {s.rate_upstream:.2f} queries/s")

# %% [markdown]
# The same model also comes in a time-bucketed form, which the capstone chapter will plug into a
# whole system: give it the lookups per second in each hour of a day and it returns the hit
# ratio and the authoritative load hour by hour.

# %%
hours = np.arange(24) + 0.5
resolvers = ResolverCache(t_ttl=300.0, n_resolvers=500)
day = resolver_buckets(diurnal_rate(hours, 50.0, 1.8), 3600.0, resolvers)
for h in [4, 12, 20]:
    print(f"{h:02d}:00  hit ratio {day.hit_ratio[h]:.1%}, "
          f"authoritative {day.rate_upstream[h]:.2f} queries/s")
print(f"queries reaching the DNS host in the whole day: {day.n_upstream.sum():,.0f}")

# %% [markdown]
# Traffic swings about ninefold between night and evening, yet the load on the DNS host hardly
# moves: once each resolver sees the name often enough, it asks about once per TTL whatever the
# traffic. The hit ratio, not the load, is what rises with traffic.

# %% [markdown]
# ## The web server: HTML for people, JSON for programs
#
# With the address known, the client talks to the server directly over **HTTP**. A request
# names a **method** (`GET` to read), a **path** (`/users/12`) and headers; the `Accept` header
# says which formats the client can use. The response carries a **status code** (200 OK, 400 Bad
# Request, 404 Not Found, 405 Method Not Allowed...), a **Content-Type** and a body.
#
# Who asks matters:
#
# - a **web app** splits its work. Server-side code (routing, business rules, database queries)
#   runs on the server; client-side code (HTML, CSS, JavaScript) runs in the browser and handles
#   presentation. The browser asks for `text/html`;
# - a **mobile app** already has its presentation built in. It needs only the data, so it
#   calls an **API** and gets **JSON** back: plain text made of objects `{...}`, arrays `[...]`,
#   strings, numbers, `true`, `false` and `null`, which every language can read.
#
# Our one server holds a small table of users. The same path, asked for by two kinds of client:

# %%
server = WebServer(sample_users(50, rng=rng))
for client in ["browser", "mobile"]:
    r = server.handle(request_from(client, "/users/12"))
    print(f"--- {client} (Accept: {request_from(client, '/users/12').accept})")
    print(r.head() + r.body)

# %% [markdown]
# The JSON answer is smaller than even this tiny page (a real page, with its markup, styles and
# scripts, is many times larger), and a program can read it in one call:

# %%
api_reply = server.handle(request_from("api", "/users/12"))
print(json.loads(api_reply.body)["name"], "|", api_reply.n_bytes, "bytes as JSON vs",
      server.handle(request_from("browser", "/users/12")).n_bytes, "bytes as HTML")

# %% [markdown]
# Errors are answers too, with a status code saying what went wrong, in the format the client
# asked for:

# %%
for path in ["/users/999", "/users/twelve", "/no/such/page"]:
    r = server.handle(request_from("api", path))
    print(f"{path:<15} {r.status} {r.reason:<12} {r.body}")

# %% [markdown]
# ## Where a page load's time goes
#
# A first visit pays for everything in turn: the DNS lookup, the connection (one round trip for
# TCP, one more for a TLS 1.3 handshake), the request reaching the server plus the server's work,
# and the response coming back. Below, a 50 kB page on a 50 ms round-trip path; the cold lookup is
# the one traced above, the warm one a cache hit (all figures illustrative):

# %%
loads = {
    "cold DNS (first visit)": page_load(cold.t_total, n_bytes=50_000),
    "DNS from the resolver cache": page_load(warm.t_total, n_bytes=50_000),
    "mobile app, JSON (cached DNS)": page_load(warm.t_total, n_bytes=api_reply.n_bytes),
}
for name, p in loads.items():
    print(f"{name:<30} {p.t_total * 1000:4.0f} ms  (DNS share {p.t_dns / p.t_total:.0%})")
page_load_figure(loads)

# %% [markdown]
# A cold lookup is a large slice of a first visit; once the resolver has the answer, the round
# trips to the one server dominate. That server is also the whole system: if it fails, nothing
# answers, and everything it can do is bounded by one machine. How close is Shutterstall to
# that bound?
#
# ## How busy is the one server?
#
# A server finishes only so many requests a second. Take Shutterstall's machine to be an AWS EC2
# `m7i.xlarge`, 4 virtual CPUs at 100 requests/s each: 400 requests/s (the course's assumption
# for its web servers; measure your own application). Its **utilisation** ρ is the share of the
# time it is busy: the requests arriving each second divided by the requests it can finish,
# $\rho = \lambda/\mu$. This course keeps every server at most 70 % busy at the peak, to leave
# room for a burst.
#
# **Predict first**: how busy is the one server at 20:00?

# %%
predict("one-server-busy", ..., question="utilisation of the one server (400 requests/s) at 20:00",
        unit="%")

# %%
load = mmc(shop.rate_peak, RATE_SERVER, 1)  # arrivals/s, what the server finishes/s, one server
print(f"{shop.rate_peak:,.0f} requests/s on a server that finishes {RATE_SERVER:,.0f}/s: "
      f"{load.rho * 100:.0f} % busy")
reveal("one-server-busy", load.rho * 100,
       why="ρ = λ/μ = 333/400; a thumbnail counts as one request, just as a page does")

# %% [markdown]
# Busy is not yet slow: the server still finishes 400 requests a second, one every 2.5 ms on
# average (this treats its four CPUs as one fast server, the simplification chapter 02 and the
# capstone make too). But requests arrive at random moments, so now and then several arrive
# together and the later ones wait.
#
# **Predict first**: at 83 % busy, what is the mean response time, waiting included?

# %%
predict("one-server-response", ..., question="mean response time of the one server at 20:00, "
        "83 % busy, 2.5 ms per request", unit="ms")

# %%
# The same server as the shop grows (requests/s in proportion to daily users)
print(f"{'daily users':>11} {'requests/s':>11} {'busy':>6} {'mean response':>14}")
for users in [200_000, 400_000, 600_000, 800_000, 900_000]:
    rate = shop.rate_peak * users / shop.daily_users
    q = mmc(rate, RATE_SERVER, 1)
    print(f"{users:>11,} {rate:>11,.0f} {q.rho * 100:>4.0f} % {q.t_response * 1000:>11.1f} ms")
reveal("one-server-response", load.t_response * 1000,
       why="random arrivals queue: at 83 % busy a request spends 1/(1 − 0.83) = 6 service times")

# %% [markdown]
# With random (Poisson) arrivals and random service times, the M/M/1 queue that chapter 02
# explains, the mean response time is $1/(\mu - \lambda)$, that is $1/(1-\rho)$ service times:
# 2 at 50 % busy, 6 at 83 %, 16 at 94 %. At 83 % Shutterstall's server is already over the 70 %
# target: a burst of traffic, or a few more users, pushes it into the steep part of that curve,
# and one machine has nowhere to grow. The next chapter starts there.
#
# ## Explore
#
# The widget puts the caching model under your hands: the TTL, the lookups per second for
# `www.example.com` from all users together, and the number of resolvers they are spread over.
# The curves are the formula; the green diamond is a seeded simulation that starts with empty
# caches. The caption gives the hit ratio, the mean lookup time and the load on the
# authoritative servers.
#
# *Try:* drag the TTL from 300 s down to 30 s. How much slower is the average lookup, and how
# many times more queries does your DNS host receive? Now set 1,000 resolvers: why does the hit
# ratio fall when the same traffic is spread more thinly? With a TTL of a day, when does the
# simulation disagree with the formula, and why (think about the empty caches at the start)?

# %%
explorer = show(explore_resolver_cache)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: resolve a name through the zones (3 points)
#
# Write `resolve(zones, qname)`, the heart of a recursive resolver (with no cache). `zones` maps
# each zone's origin (`"."`, `"com."`, `"example.com."`...) to a `Zone`; `qname` is a full name
# with its final dot, such as `"www.example.com."`. Start at the root zone `"."` and repeat:
#
# - ask the current zone with `zones[origin].answer(name, "A")`; it returns a reply whose `kind`
#   is `"referral"`, `"answer"`, `"cname"`, `"nxdomain"` or `"nodata"`;
# - on a **referral**, move to the zone `reply.next_zone`;
# - on an **answer**, return the address, `reply.records[0].value`;
# - on a **cname**, the new name is `reply.records[0].value`: start again **from the root** with
#   it. If a CNAME leads back to a name already met in this lookup, raise `ValueError` (a loop);
# - on **nxdomain** or **nodata**, there is no address: return `None`.
#
# Return a pair `(address, asked)`: the address (a string, or `None`) and the list of zone
# origins asked, in order. For `www.example.com.` that is
# `("192.0.2.10", [".", "com.", "example.com."])`.
#
# The library's `Resolver` is switched off while the hidden checks run. Visible check: 1 point;
# hidden checks (aliases, deeper trees, missing names, loops): 2 points.

# %% [markdown]
# Here is the shape of one reply: the `com.` zone, asked about `www.example.com.`, refers the
# resolver to the zone `example.com.` (`next_zone`) and lists its name server (`records`).

# %%
zones = example_namespace().zones  # {origin: Zone}
reply = zones["com."].answer("www.example.com.", "A")
print(f"kind={reply.kind!r}, next_zone={reply.next_zone!r}, records:")
for record in reply.records:
    print("   ", record)


# %% nbgrader={"grade": false, "grade_id": "resolve_walk", "locked": false, "schema_version": 3, "solution": true, "task": false}
def resolve(zones, qname):
    """Walk from the root zone to an IPv4 address for qname; return (address or None, asked)."""
    ### BEGIN SOLUTION
    asked, seen = [], {qname}
    name, origin = qname, "."
    while True:
        asked.append(origin)
        reply = zones[origin].answer(name, "A")
        if reply.kind == "referral":
            origin = reply.next_zone
        elif reply.kind == "answer":
            return reply.records[0].value, asked
        elif reply.kind == "cname":
            name = reply.records[0].value
            if name in seen:
                raise ValueError(f"CNAME loop: {name} was already met in this lookup")
            seen.add(name)
            origin = "."
        else:
            return None, asked
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_resolve_walk_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: www.example.com resolves through root, com. and example.com."""
from scalelab.checks import as_list

got = resolve(example_namespace().zones, "www.example.com.")
assert type(got) in (tuple, list) and len(got) == 2, f"return a pair (address, asked); got {got!r}"
address, asked = got
assert address == "192.0.2.10" and type(address) is str, f"address: expected '192.0.2.10', got {address!r}"
assert as_list(asked, "asked") == [".", "com.", "example.com."], (
    f"zones asked: expected ['.', 'com.', 'example.com.'], got {asked!r}"
)
print("Visible check passed: the hidden checks try aliases, deeper trees, missing names and loops.")

# %% nbgrader={"grade": true, "grade_id": "test_resolve_walk_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: CNAMEs within and across zones, a deeper tree, NXDOMAIN/nodata, a CNAME loop."""
### BEGIN HIDDEN TESTS
import signal

from scalelab.checks import as_list, expect_raises, library_disabled


def _too_slow(signum, frame):
    raise TimeoutError("resolve() did not finish within 3 s: does it follow a CNAME loop forever?")


def _check(zs, qname, want_address, want_asked, scenario):
    got = resolve(zs, qname)
    assert type(got) in (tuple, list) and len(got) == 2, f"{scenario}: return (address, asked)"
    address, asked = got
    assert address == want_address, f"{scenario}: address {address!r}, expected {want_address!r}"
    assert as_list(asked, "asked") == want_asked, f"{scenario}: asked {asked!r}, expected {want_asked!r}"


_example = dict(example_namespace().zones)
_deep = {
    o: parse_zone(t, o)
    for o, t in {
        ".": "uk. NS a.nic.uk.\ncom. NS a.gtld.test.",
        "uk.": "co NS ns.co.uk.",
        "co.uk.": "shop NS ns.shop.co.uk.\nalias CNAME www.shop.co.uk.",
        "shop.co.uk.": "www A 198.51.100.23\nv6 AAAA 2001:db8::23\nl1 CNAME l2\nl2 CNAME l1",
        "com.": "",
    }.items()
}
_chain = [".", "com.", "example.com."]
signal.signal(signal.SIGALRM, _too_slow)
signal.setitimer(signal.ITIMER_REAL, 3.0)
try:
    with library_disabled("scalelab.dns.Resolver", "scalelab.dns.Namespace"):
        _check(_example, "api.example.com.", "192.0.2.10", _chain + _chain, "alias in the same zone")
        _check(_example, "static.example.com.", "203.0.113.7", _chain + [".", "com.", "cdnhost.com."],
               "alias into a CDN's zone")
        _check(_deep, "www.shop.co.uk.", "198.51.100.23", [".", "uk.", "co.uk.", "shop.co.uk."],
               "four-level tree")
        _check(_deep, "alias.co.uk.", "198.51.100.23",
               [".", "uk.", "co.uk.", ".", "uk.", "co.uk.", "shop.co.uk."], "alias one level up")
        _check(_example, "nope.example.com.", None, _chain, "name that does not exist")
        _check(_deep, "v6.shop.co.uk.", None, [".", "uk.", "co.uk.", "shop.co.uk."],
               "name with no IPv4 address")
        _check(_deep, "nothing.com.", None, [".", "com."], "missing name in an empty TLD")
        expect_raises(ValueError, resolve, _deep, "l1.shop.co.uk.")
finally:
    signal.setitimer(signal.ITIMER_REAL, 0)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2: expected lookup time (2 points)
#
# Write `expected_lookup_time(rate, t_ttl, t_hit, t_miss)`: the average time (seconds) of a
# lookup for one name that a resolver sees at `rate` lookups per second (a Poisson stream), with
# a TTL of `t_ttl` seconds, when a cache hit takes `t_hit` seconds and a miss `t_miss` seconds.
# First the hit ratio $h = \lambda T / (1 + \lambda T)$ (λ is `rate`), then the average
# $h\,t_\text{hit} + (1-h)\,t_\text{miss}$. Return a float. Raise `ValueError` if any argument is
# negative; zero is allowed everywhere (no traffic, or a TTL of 0, means every lookup misses).
#
# Use arithmetic: the library's `hit_ratio`, `mean_lookup_time` and `expected_cache_stats` are
# switched off during the hidden checks. Visible check: 1 point; hidden: 1 point.

# %% nbgrader={"grade": false, "grade_id": "lookup_time", "locked": false, "schema_version": 3, "solution": true, "task": false}
def expected_lookup_time(rate, t_ttl, t_hit, t_miss):
    """Mean DNS lookup time (s) through a TTL cache for a Poisson stream of rate lookups/s."""
    ### BEGIN SOLUTION
    for name, value in [("rate", rate), ("t_ttl", t_ttl), ("t_hit", t_hit), ("t_miss", t_miss)]:
        if value < 0:
            raise ValueError(f"{name} must be >= 0; got {value}")
    h = rate * t_ttl / (1 + rate * t_ttl)
    return float(h * t_hit + (1 - h) * t_miss)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_lookup_time_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: one lookup a second with a 9 s TTL hits 90% of the time."""
from scalelab.checks import expect_close

expect_close(expected_lookup_time(1.0, 9.0, 0.010, 0.110), 0.9 * 0.010 + 0.1 * 0.110, rel=1e-9,
             what="rate=1/s, TTL 9 s, hit 10 ms, miss 110 ms: mean lookup time (s)")
print("Visible check passed: the hidden checks try other rates, zero TTLs and bad inputs.")

# %% nbgrader={"grade": true, "grade_id": "test_lookup_time_hidden", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: other rates and TTLs, the edge cases, invalid inputs, no library helpers."""
### BEGIN HIDDEN TESTS
from scalelab.checks import expect_close, expect_raises, library_disabled

with library_disabled("scalelab.dns.hit_ratio", "scalelab.dns.mean_lookup_time",
                      "scalelab.dns.expected_cache_stats"):
    for rate, ttl, th, tm in [(0.05, 300.0, 0.004, 0.09), (20.0, 0.5, 0.01, 0.2), (3.0, 3600.0, 0.0, 1.0)]:
        h = rate * ttl / (1 + rate * ttl)
        expect_close(expected_lookup_time(rate, ttl, th, tm), h * th + (1 - h) * tm, rel=1e-9,
                     what=f"scenario 'rate={rate}, TTL {ttl}': mean lookup time")
    expect_close(expected_lookup_time(0.0, 300.0, 0.01, 0.1), 0.1, rel=1e-12, what="no traffic: every lookup misses")
    expect_close(expected_lookup_time(5.0, 0.0, 0.01, 0.1), 0.1, rel=1e-12, what="TTL 0: nothing is cached")
    for bad in [(-1.0, 60.0, 0.01, 0.1), (1.0, -60.0, 0.01, 0.1), (1.0, 60.0, -0.01, 0.1), (1.0, 60.0, 0.01, -0.1)]:
        expect_raises(ValueError, expected_lookup_time, *bad)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3: the JSON response for `GET /users/12` (3 points)
#
# A mobile app asks the server for `GET /users/12`. Write `get_user(users, path)`, the server's
# handler for such paths. `users` maps an integer id to a dict of fields, and `path` is a string
# such as `"/users/12"`. Return a `Response(status, content_type, body)` from `scalelab.http`:
#
# - the content type is always `"application/json"`, and the body is JSON text
#   (`json.dumps`);
# - if the id exists, status **200** and a JSON object holding `"id"` (the number, not a string)
#   followed by the user's fields, for example `{"id": 12, "name": "Ada Lovelace", ...}`;
# - if the id is a whole number but no such user exists, status **404** and a JSON object with
#   an `"error"` message;
# - if the part after `/users/` is not a whole number (like `/users/twelve`), status **400** and
#   a JSON object with an `"error"` message.
#
# Do not change the `users` table. The library's `WebServer` and `json_response` are switched off
# during the hidden checks. Visible check: 1 point; hidden: 2 points.

# %% nbgrader={"grade": false, "grade_id": "user_json", "locked": false, "schema_version": 3, "solution": true, "task": false}
def get_user(users, path):
    """Handle GET /users/<id> for an API client: a JSON Response with the right status."""
    ### BEGIN SOLUTION
    raw = path.removeprefix("/users/")
    if not (raw.isascii() and raw.isdigit()):
        return Response(400, "application/json",
                        json.dumps({"error": f"a user id is a whole number; got {raw!r}"}))
    user_id = int(raw)
    if user_id not in users:
        return Response(404, "application/json", json.dumps({"error": f"no user {user_id}"}))
    return Response(200, "application/json", json.dumps({"id": user_id, **users[user_id]}))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_user_json_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: user 12 comes back as JSON with status 200."""
from scalelab.checks import as_int

_users = {12: {"name": "Ada Lovelace", "email": "ada@example.com"}, 3: {"name": "Alan Turing"}}
r = get_user(_users, "/users/12")
assert all(hasattr(r, a) for a in ("status", "content_type", "body")), (
    f"return a Response(status, content_type, body) from scalelab.http; got {r!r}"
)
assert as_int(r.status, "status") == 200, f"status: expected 200, got {r.status!r}"
assert str(r.content_type).split(";")[0].strip() == "application/json", (
    f"content type: expected 'application/json', got {r.content_type!r}"
)
body = json.loads(r.body)
assert type(body) is dict and body == {"id": 12, "name": "Ada Lovelace", "email": "ada@example.com"}, (
    f"body: expected the user's fields with \"id\": 12, got {r.body!r}"
)
print("Visible check passed: the hidden checks try missing users, bad ids and other data.")

# %% nbgrader={"grade": true, "grade_id": "test_user_json_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: 404 and 400 with JSON errors, other users and text, id a number, users unchanged."""
### BEGIN HIDDEN TESTS
import copy

from scalelab.checks import as_int, library_disabled


def _expect(r, status, scenario):
    assert all(hasattr(r, a) for a in ("status", "content_type", "body")), f"{scenario}: not a Response"
    assert as_int(r.status, "status") == status, f"{scenario}: status {r.status!r}, expected {status}"
    assert str(r.content_type).split(";")[0].strip() == "application/json", f"{scenario}: content type {r.content_type!r}"
    try:
        out = json.loads(r.body)
    except (TypeError, ValueError):
        raise AssertionError(f"{scenario}: the body is not JSON text: {r.body!r}") from None
    assert type(out) is dict, f"{scenario}: the body should be a JSON object"
    return out


_people = {7: {"name": "Zoë Ñúñez", "tags": ["admin", "ops"], "active": True},
           12: {"name": "Grace Hopper", "email": "grace@example.com"}}
_before = copy.deepcopy(_people)
with library_disabled("scalelab.http.WebServer", "scalelab.http.json_response"):
    out = _expect(get_user(_people, "/users/7"), 200, "scenario 'unicode and lists'")
    assert out == {"id": 7, **_before[7]}, f"scenario 'unicode and lists': body {out!r}"
    assert type(out["id"]) is int, "the id in the body must be a number"
    out = _expect(get_user(_people, "/users/12"), 200, "scenario 'another table'")
    assert list(out) == ["id", "name", "email"], f"fields should be id then the user's fields: {list(out)}"
    for path, status in [("/users/99", 404), ("/users/0", 404), ("/users/twelve", 400), ("/users/-3", 400), ("/users/", 400)]:
        out = _expect(get_user(_people, path), status, f"scenario 'GET {path}'")
        assert isinstance(out.get("error"), str) and out["error"], f"GET {path}: the body needs an \"error\" message"
assert _people == _before, "get_user changed the users table (copy the fields instead of adding 'id' to them)"
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 4 (written, 2 points): the TTL trade-off
#
# `www.example.com` has an `A` record with a TTL of one day (86,400 s). Next week the site moves
# to a new server with a new address. In four to six sentences: what does a long TTL buy the site
# day to day, and what does it cost on moving day? What TTL would you run with normally, and what
# would you do with the TTL before and after the move? Use numbers from this chapter (hit ratio,
# lookup time, queries at the DNS host, how long old answers can linger). Graded by hand with the
# rubric in `grading/rubrics/01-single-server.md`.

# %% [markdown] nbgrader={"grade": true, "grade_id": "ttl_tradeoff", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# A long TTL makes almost every lookup a cache hit: at 0.1 lookups/s per resolver a day-long TTL
# gives a hit ratio above 99.9 %, so lookups cost only the trip to the resolver (about 10 ms
# instead of 60 ms or more), and the DNS host sees about one query per resolver per day. The cost
# is agility: after the address changes, resolvers may keep serving the old one for up to a
# day, so some users reach the old server (or nothing, if it is switched off) long after the
# move, and a failover done through DNS is just as slow. Day to day I would run a TTL of a few
# minutes to an hour (300-3600 s gives 97-99.7 % hits in the example). Before the move I would
# lower the TTL to about 60 s at least one old TTL (a day) ahead, so that every cache picks up the
# short TTL; then change the record, keep the old server answering until the short TTL has
# passed, check the traffic has moved, and raise the TTL again.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its message
#    and no cell should show a red error (except the one that demonstrates a zone-file error).
# 2. Click **Validate** in the notebook toolbar.
# 3. **Self-paced?** Run `make check NB=01-single-server` in a terminal at the top of the
#    repository to grade your copy with the hidden checks.
# 4. **In a class?** Submit as your instructor says.

# %% [markdown]
# ## Summary
#
# Where Shutterstall stands at the end of this chapter, and what breaks next:

# %%
print(f"{PRODUCT.name}: {shop.daily_users:,} daily users, {shop.rate_peak:,.0f} requests/s at "
      "20:00, on one machine (app, database, files)")
print(bottleneck("single-server").sentence)

# %% [markdown]
# - DNS turns names into addresses. It is a tree of zones: root → TLD → the site's authoritative
#   servers, usually run by a paid third-party provider. Zones are text files of records (`A`,
#   `AAAA`, `CNAME`, `NS`), each with a TTL.
# - A recursive resolver walks the tree for the client (a cold lookup costs several round trips)
#   and caches every answer for its TTL. Referrals and "no such name" answers are cached too,
#   the latter for the smaller of the `SOA`'s `MINIMUM` field and the `SOA` record's own TTL
#   (RFC 2308).
# - For one name queried at $\lambda$/s with TTL $T$, the hit ratio is $\lambda T/(1+\lambda T)$;
#   the mean lookup time is $h\,t_\text{hit} + (1-h)\,t_\text{miss}$; the authoritative load is
#   about one query per resolver per TTL. Longer TTLs are faster and cheaper; shorter ones let
#   changes spread sooner.
# - After DNS, the client sends HTTP straight to the one web server: HTML for browsers (a web app
#   splits server-side logic from client-side presentation), JSON for mobile apps and APIs, with a
#   status code and a content type on every answer.
# - A page load is DNS + connection + request + response; a cold lookup is a large part of a first
#   visit.
# - One server that finishes μ requests/s and receives λ is $\rho = \lambda/\mu$ busy; with
#   random arrivals its mean response time is $1/(\mu-\lambda)$, six service times at 83 % busy.
#   Shutterstall's one server is over the 70 % target at 20:00, and it is one point of failure:
#   chapter 02 begins there.
#
# ## References
#
# - Mockapetris, P. (1987). *RFC 1034: Domain names: concepts and facilities.* IETF.
#   https://www.rfc-editor.org/rfc/rfc1034
# - Mockapetris, P. (1987). *RFC 1035: Domain names: implementation and specification* (zone-file
#   format, section 5). IETF. https://www.rfc-editor.org/rfc/rfc1035
# - Andrews, M. (1998). *RFC 2308: Negative caching of DNS queries (DNS NCACHE)*, sections 3
#   and 5 (the negative TTL is the smaller of the SOA's MINIMUM field and the SOA record's own
#   TTL). IETF. https://www.rfc-editor.org/rfc/rfc2308
# - Jung, J., Sit, E., Balakrishnan, H. and Morris, R. (2002). DNS performance and the
#   effectiveness of caching. *IEEE/ACM Transactions on Networking* 10(5), 589-603.
#   https://doi.org/10.1109/TNET.2002.803905
# - Jung, J., Berger, A. W. and Balakrishnan, H. (2003). Modeling TTL-based Internet caches.
#   *IEEE INFOCOM 2003.* http://www.sds.lcs.mit.edu/publications/modeling-ttl.html
# - Hilton, S. (2016). *Dyn analysis summary of Friday October 21 attack.* Dyn blog.
#   https://dyn.com/blog/dyn-analysis-summary-of-friday-october-21-attack/
# - Root Server Technical Operations Association (2024). *Root servers.* https://root-servers.org/
# - Amazon Web Services (2024). *Amazon Route 53 pricing.* https://aws.amazon.com/route53/pricing/
# - Fielding, R., Nottingham, M. and Reschke, J. (2022). *RFC 9110: HTTP semantics* (methods,
#   status codes, content negotiation). IETF. https://www.rfc-editor.org/rfc/rfc9110
# - Bray, T. (2017). *RFC 8259: The JavaScript Object Notation (JSON) data interchange format.*
#   IETF. https://www.rfc-editor.org/rfc/rfc8259
# - Rescorla, E. (2018). *RFC 8446: The Transport Layer Security (TLS) protocol version 1.3*
#   (the one-round-trip handshake). IETF. https://www.rfc-editor.org/rfc/rfc8446
# - Grigorik, I. (2013). *High Performance Browser Networking*, chapters 1-4 (latency, TCP, TLS).
#   O'Reilly. https://hpbn.co/
# - Eastlake, D. and Panitz, A. (1999). *RFC 2606: Reserved top level DNS names* (`example.com`
#   is reserved for documentation). IETF. https://www.rfc-editor.org/rfc/rfc2606
# - Arkko, J., Cotton, M. and Vegoda, L. (2010). *RFC 5737: IPv4 address blocks reserved for
#   documentation*, and Huston, G., Lord, A. and Smith, P. (2004). *RFC 3849: IPv6 address
#   prefix reserved for documentation* (the example addresses used here).
#   https://www.rfc-editor.org/rfc/rfc5737 and https://www.rfc-editor.org/rfc/rfc3849
# - Xu, A. (2020). *System Design Interview: An Insider's Guide*, chapter 1, "Scale from zero to
#   millions of users". The study notes this course follows summarise it; this chapter reproduces
#   none of its text or figures.
