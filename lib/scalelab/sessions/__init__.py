"""Stateful and stateless web tiers: where a logged-in user's session lives, and what it costs.

A user logs in once and then sends many requests. Something must remember that they are logged
in (and what is in their cart) between those requests: that memory is the *session*. Where it
lives decides what happens when the web tier changes size or loses a machine.

- **Stateful, sticky sessions** (``mode="sticky"``): each web server keeps its users' sessions in
  its own memory, so the load balancer must send every request of a user to the same server.
  It pins users either with a cookie it sets at login (``routing="cookie"``: the user goes to the
  server with the fewest sessions, ``scalelab.load_balancer.least_connections`` with sessions
  as connections, and stays there) or by hashing the user id over the configured
  servers (``routing="hash"``: server ``peers[user_id % n_peers]``, as nginx's ``hash``
  directive does). When a server dies or the autoscaler removes it, the sessions in its memory
  are gone and those users are logged out. With hash routing a failure re-hashes only the failed
  server's users (the configured list stays), but a scale event changes the list, so
  ``user_id % n_peers`` moves most users to a server that never saw them, and they are logged
  out too (:mod:`~scalelab.sessions.peers`).
- **Stateless, shared session store** (``mode="store"``): servers keep nothing between
  requests; every request reads the session from a shared store (Redis, Memcached, a database)
  by the id in the user's cookie. Any server can serve any request, so the load balancer
  spreads requests evenly and servers come and go freely. The price: a store round trip on
  every request, and the store is now a dependency that can fail. While it is down no request
  can be authenticated; if it loses its memory when it comes back, every user is logged out.
- **Stateless, signed client tokens** (``mode="token"``): the session travels with the request
  as a token signed by the server (a JSON Web Token, RFC 7519, here with HMAC-SHA256 from the
  standard library). Any server checks the signature with a shared key in microseconds and
  needs no store; nothing is lost when servers or stores fail. The price: a token cannot be
  taken back. Until it expires (``t_token_ttl``) a stolen or logged-out token stays valid,
  unless servers check a revocation list, which is a store lookup again.

``simulate_sessions(params, rng=rng)`` runs a tier of servers in time buckets: users of unequal
activity send Poisson requests, the traffic can rise and fall over the run, servers can be
killed, scaled to a size by hand or by an autoscaler, and the session store can go down. It
measures, per bucket, sessions lost (users logged out), requests per server and the imbalance
(busiest server over the mean), errors (overload, store down, no server) and mean latency.
``sessions_buckets`` is a smaller, deterministic form that the capstone composes (the contract
of :mod:`scalelab.buckets`: requests/s per bucket and a ``SessionTier`` in).

One module per idea; import from the package (``from scalelab.sessions import
simulate_sessions``): :mod:`~scalelab.sessions.routing` (pinning users, load and imbalance),
:mod:`~scalelab.sessions.peers` (hash routing over a configured list: failures and scale events),
:mod:`~scalelab.sessions.simulation` (the tier run bucket by bucket),
:mod:`~scalelab.sessions.buckets` (the capstone's form), :mod:`~scalelab.sessions.store` (a
session store) and :mod:`~scalelab.sessions.tokens` (signed tokens).

Simplifications: a dead server is detected at once (no requests are lost to a stale health
check; chapter 02 models that); a logged-out user logs in again straight away; stateless
requests are spread by round robin, so stateless servers differ by at most one request per
bucket; latency is the mean of an M/M/1 queue per server (service time ``t_app``) plus the
session mechanism's cost; overload sheds the requests above a server's capacity.

>>> import numpy as np
>>> run = simulate_sessions(SessionParams(mode="sticky", kills=((100.0, 0),)),
...                         rng=np.random.default_rng(1))
>>> int(run.n_lost), int(simulate_sessions(SessionParams(mode="store", kills=((100.0, 0),)),
...                                         rng=np.random.default_rng(1)).n_lost)
(500, 0)
"""

from __future__ import annotations

from scalelab.sessions.buckets import SessionBuckets, SessionTier, sessions_buckets
from scalelab.sessions.peers import N_REHASH, moved_users, route_peers
from scalelab.sessions.routing import hash_route, imbalance, sticky_load, user_activity
from scalelab.sessions.simulation import (
    MODES,
    ROUTINGS,
    STORE_RTT,
    TOKEN_VERIFY,
    SessionEvent,
    SessionParams,
    SessionRun,
    simulate_sessions,
)
from scalelab.sessions.store import SessionStore, StoreUnavailable
from scalelab.sessions.tokens import _b64 as _b64  # not in __all__
from scalelab.sessions.tokens import _unb64 as _unb64  # not in __all__
from scalelab.sessions.tokens import sign_token, verify_token

__all__ = [
    "hash_route",
    "sticky_load",
    "imbalance",
    "user_activity",
    "N_REHASH",
    "route_peers",
    "moved_users",
    "MODES",
    "ROUTINGS",
    "STORE_RTT",
    "TOKEN_VERIFY",
    "SessionParams",
    "SessionEvent",
    "SessionRun",
    "simulate_sessions",
    "SessionTier",
    "SessionBuckets",
    "sessions_buckets",
    "StoreUnavailable",
    "SessionStore",
    "sign_token",
    "verify_token",
]
