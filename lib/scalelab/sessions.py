"""Stateful and stateless web tiers: where a logged-in user's session lives, and what it costs.

A user logs in once and then sends many requests. Something must remember that they are logged
in (and what is in their cart) between those requests: that memory is the *session*. Where it
lives decides what happens when the web tier changes size or loses a machine.

- **Stateful, sticky sessions** (``mode="sticky"``): each web server keeps its users' sessions in
  its own memory, so the load balancer must send every request of a user to the same server.
  It pins users either with a cookie it sets at login (``routing="cookie"``: the user goes to the
  server with the fewest sessions, ``scalelab.load_balancer.least_connections`` with sessions
  as connections, and stays there) or by hashing the user id over the live
  servers (``routing="hash"``: server ``live[user_id % n_live]``). When a server dies or the
  autoscaler removes it, the sessions in its memory are gone and those users are logged out;
  with hash routing every change in the number of servers also moves users whose hash lands
  on a different server, and they are logged out too.
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

``simulate_sessions(params, rng)`` runs a tier of servers in time buckets: users of unequal
activity send Poisson requests, the traffic can rise and fall over the run, servers can be
killed, scaled to a size by hand or by an autoscaler, and the session store can go down. It
measures, per bucket, sessions lost (users logged out), requests per server and the imbalance
(busiest server over the mean), errors (overload, store down, no server) and mean latency.
``sessions_buckets`` is a smaller, deterministic form that the capstone composes.

Simplifications: a dead server is detected at once (no requests are lost to a stale health
check; chapter 02 models that); a logged-out user logs in again straight away; stateless
requests are spread by round robin, so stateless servers differ by at most one request per
bucket; latency is the mean of an M/M/1 queue per server (service time ``t_app``) plus the
session mechanism's cost; overload sheds the requests above a server's capacity.

>>> run = simulate_sessions(SessionParams(mode="sticky", kills=((100.0, 0),)),
...                         np.random.default_rng(1))
>>> int(run.n_lost), int(simulate_sessions(SessionParams(mode="store", kills=((100.0, 0),)),
...                                         np.random.default_rng(1)).n_lost)
(500, 0)
"""

from __future__ import annotations

import base64
import copy
import heapq
import hmac
import json
import math
from dataclasses import dataclass, field

import numpy as np

from scalelab.validate import check_choice, check_int, check_number, check_rng

__all__ = [
    "MODES",
    "ROUTINGS",
    "STORE_RTT",
    "TOKEN_VERIFY",
    "SessionParams",
    "SessionEvent",
    "SessionRun",
    "simulate_sessions",
    "SessionBuckets",
    "sessions_buckets",
    "hash_route",
    "sticky_load",
    "imbalance",
    "user_activity",
    "StoreUnavailable",
    "SessionStore",
    "sign_token",
    "verify_token",
]

MODES = ("sticky", "store", "token")
"""Where sessions live: server memory (sticky), a shared store, or a signed client token."""

ROUTINGS = ("cookie", "hash")
"""How sticky routing pins a user: a load-balancer cookie set at login, or hash(user) mod n."""

STORE_RTT = 0.0005
"""One round trip to a session store in the same data center (s): 500 µs in Dean (2009),
'Designs, Lessons and Advice from Building Large Distributed Systems' (LADIS keynote); Redis's
latency guide (redis.io, 2024) gives about 200 µs on a 1 Gbit/s network."""

TOKEN_VERIFY = 3e-6
"""Checking an HMAC-SHA256 token signature (s): about 2.5-3 µs for a 200-byte token with
CPython 3.11's ``hmac`` (OpenSSL), measured on the course's 2-core build machine in 2026."""


# --------------------------------------------------------------------------------------------
# Routing and imbalance: the pieces the simulation is built from


def hash_route(user_ids, live) -> np.ndarray:
    """Server of each user under hash routing: ``live[user_id % len(live)]``.

    ``user_ids`` stand for hashes of the user names (non-negative integers); ``live`` lists the
    ids of the servers that are up, in the order the load balancer knows them.

    >>> hash_route([0, 1, 2, 3, 4], [10, 11]).tolist()
    [10, 11, 10, 11, 10]
    """
    uid = np.asarray(user_ids, dtype=np.int64)
    live = np.asarray(live, dtype=np.int64)
    if live.size == 0:
        raise ValueError("live must name at least one server; got none")
    if uid.size and uid.min() < 0:
        raise ValueError(f"user_ids must be >= 0; got {int(uid.min())}")
    return live[uid % live.size]


def sticky_load(rates, server_of, n_servers: int) -> np.ndarray:
    """Requests/s reaching each of ``n_servers`` when user ``i`` (``rates[i]`` requests/s) is
    pinned to server ``server_of[i]``: the sum of activity per server.

    Readable reference: ``[sum(r for r, s in zip(rates, server_of) if s == k) for k in range(n)]``.

    >>> sticky_load([1.0, 2.0, 4.0], [0, 0, 2], 3).tolist()
    [3.0, 0.0, 4.0]
    """
    n_servers = check_int("n_servers", n_servers, low=1)
    rates = np.asarray(rates, dtype=float)
    server_of = np.asarray(server_of, dtype=np.int64)
    if rates.shape != server_of.shape:
        raise ValueError(
            f"rates and server_of must have the same length; got {rates.size} and {server_of.size}"
        )
    if server_of.size and (server_of.min() < 0 or server_of.max() >= n_servers):
        raise ValueError(f"server_of must be in [0, {n_servers - 1}]; got {server_of.tolist()}")
    return np.bincount(server_of, weights=rates, minlength=n_servers).astype(float)


def imbalance(load) -> float:
    """Peak-to-mean ratio of per-server load: 1.0 is perfectly even; ``n`` means one server of
    ``n`` does all the work. Idle servers count in the mean. ``nan`` if there is no load.

    >>> imbalance([30.0, 10.0, 20.0])
    1.5
    """
    load = np.asarray(load, dtype=float)
    if load.size == 0 or not np.any(load > 0):
        return float("nan")
    if np.any(load < 0):
        raise ValueError("load must be >= 0 on every server")
    return float(load.max() / load.mean())


def user_activity(n_users: int, rate_user: float, sigma_activity: float, rng) -> np.ndarray:
    """Mean request rate of each user (requests/s): lognormal with spread ``sigma_activity``
    (0 = everyone equal), scaled so the average over users is exactly ``rate_user``.

    Real audiences are skewed: a few heavy users send a large share of the requests.

    >>> r = user_activity(1000, 0.1, 1.0, np.random.default_rng(0))
    >>> round(float(r.mean()), 6), bool(r.max() > 5 * r.min())
    (0.1, True)
    """
    n_users = check_int("n_users", n_users, low=1)
    check_number("rate_user", rate_user, low=0, low_open=True)
    check_number("sigma_activity", sigma_activity, low=0, high=3)
    check_rng(rng)
    raw = rng.lognormal(0.0, sigma_activity, n_users) if sigma_activity > 0 else np.ones(n_users)
    return raw * (rate_user / raw.mean())


# --------------------------------------------------------------------------------------------
# The simulation


@dataclass(frozen=True)
class SessionParams:
    """A web tier and what happens to it during one run. Times in seconds, rates per second.

    ``kills``: ``(t, k)`` pairs; at time ``t`` the ``k``-th live server (ids in increasing order,
    ``k`` taken modulo the number live) dies. ``scale_to``: ``(t, n)`` pairs; at ``t`` the tier is
    resized to ``n`` servers by hand (a scale-in removes the newest servers). ``autoscale``:
    every ``t_autoscale`` seconds the tier is resized to ``ceil(rate / (rate_capacity *
    p_target))`` servers, within ``[n_min, n_max]``, from the mean request rate over the last
    ``t_autoscale`` seconds. The
    session store is down from ``t_store_down`` to ``t_store_up``; unless ``store_durable`` it
    comes back empty. The traffic rises smoothly from its mean to ``peak_factor`` times the
    mean at mid-run and back.
    """

    mode: str = "sticky"
    routing: str = "cookie"
    n_users: int = 2_000
    rate_user: float = 0.05
    sigma_activity: float = 1.0
    n_servers: int = 4
    rate_capacity: float = 80.0
    peak_factor: float = 1.0
    t_end: float = 600.0
    t_bucket: float = 5.0
    kills: tuple[tuple[float, int], ...] = ()
    scale_to: tuple[tuple[float, int], ...] = ()
    autoscale: bool = False
    p_target: float = 0.6
    n_min: int = 2
    n_max: int = 12
    t_autoscale: float = 60.0
    t_store_down: float | None = None
    t_store_up: float | None = None
    store_durable: bool = False
    t_session: float = math.inf
    t_app: float = 0.020
    t_store: float = STORE_RTT
    t_verify: float = TOKEN_VERIFY
    t_token_ttl: float = 900.0

    def __post_init__(self):
        check_choice("mode", self.mode, MODES)
        check_choice("routing", self.routing, ROUTINGS)
        check_int("n_users", self.n_users, low=1, high=1_000_000)
        check_number("rate_user", self.rate_user, low=0, low_open=True)
        check_number("sigma_activity", self.sigma_activity, low=0, high=3)
        check_int("n_servers", self.n_servers, low=1, high=1_000)
        check_number("rate_capacity", self.rate_capacity, low=0, low_open=True)
        check_number("peak_factor", self.peak_factor, low=1, high=10)
        check_number("t_end", self.t_end, low=0, low_open=True)
        check_number("t_bucket", self.t_bucket, low=0, low_open=True, high=self.t_end)
        if self.t_end / self.t_bucket > 100_000:
            raise ValueError(
                f"t_end / t_bucket must be <= 100000; got {self.t_end / self.t_bucket}"
            )
        for t, k in self.kills:
            check_number("kills time", t, low=0)
            check_int("kills server index", k, low=0)
        for t, n in self.scale_to:
            check_number("scale_to time", t, low=0)
            check_int("scale_to servers", n, low=0, high=1_000)
        check_number("p_target", self.p_target, low=0, low_open=True, high=1)
        check_int("n_min", self.n_min, low=1, high=1_000)
        check_int("n_max", self.n_max, low=self.n_min, high=1_000)
        check_number("t_autoscale", self.t_autoscale, low=self.t_bucket)
        if (self.t_store_down is None) != (self.t_store_up is None):
            raise ValueError("t_store_down and t_store_up must be given together (or neither)")
        if self.t_store_down is not None:
            check_number("t_store_down", self.t_store_down, low=0)
            check_number("t_store_up", self.t_store_up, low=self.t_store_down, low_open=True)
        if not (isinstance(self.t_session, float) and math.isinf(self.t_session)):
            check_number("t_session", self.t_session, low=0, low_open=True)
        check_number("t_app", self.t_app, low=0, low_open=True, high=10)
        check_number("t_store", self.t_store, low=0, high=10)
        check_number("t_verify", self.t_verify, low=0, high=10)
        check_number("t_token_ttl", self.t_token_ttl, low=0, low_open=True)


@dataclass(frozen=True)
class SessionEvent:
    """Something that changed the tier: ``kind`` is 'kill', 'scale-in', 'scale-out' or
    'store-wipe'; ``servers`` the ids removed or added; ``n_lost`` the sessions it destroyed."""

    t: float
    kind: str
    servers: tuple[int, ...]
    n_lost: int


@dataclass(frozen=True)
class SessionRun:
    """Per-bucket measurements of one run (bucket ``b`` covers ``[t[b], t[b] + t_bucket)``).

    Server arrays have one column per server id ever used (``n_slots``); a server that is down
    shows zero load. ``sessions[b, k]``: sessions held in server ``k``'s memory at the start of
    bucket ``b``, before that bucket's events (sticky mode; zero otherwise).
    """

    params: SessionParams
    t: np.ndarray
    n_live: np.ndarray
    live: np.ndarray
    offered: np.ndarray
    served: np.ndarray
    errors: np.ndarray
    load: np.ndarray
    sessions: np.ndarray
    lost: np.ndarray
    imbalance: np.ndarray
    latency: np.ndarray
    events: tuple[SessionEvent, ...]
    rates: np.ndarray
    server_of: np.ndarray
    t_added: float = field(default=0.0)

    @property
    def n_lost(self) -> int:
        """Sessions lost over the run (a user logged out twice counts twice)."""
        return int(self.lost.sum())

    @property
    def error_ratio(self) -> float:
        """Share of offered requests that failed (overload, store down or no server)."""
        total = float(self.offered.sum())
        return float(self.errors.sum()) / total if total else 0.0

    @property
    def peak_imbalance(self) -> float:
        """The largest per-bucket imbalance (busiest server over the mean) in the run."""
        finite = self.imbalance[np.isfinite(self.imbalance)]
        return float(finite.max()) if finite.size else float("nan")

    @property
    def t_revocation_window(self) -> float:
        """Longest time (s) a revoked session stays usable: the token lifetime in token mode,
        zero when sessions live on the server side (deleting them takes effect at once)."""
        return float(self.params.t_token_ttl) if self.params.mode == "token" else 0.0

    def lost_by_kind(self) -> dict[str, int]:
        """Sessions lost per kind of event ('kill', 'scale-in', 'scale-out', 'store-wipe')."""
        out = {"kill": 0, "scale-in": 0, "scale-out": 0, "store-wipe": 0}
        for e in self.events:
            out[e.kind] += e.n_lost
        return out


class _Tier:
    """Mutable state of one run: live servers and where each session is."""

    def __init__(self, p: SessionParams):
        self.p = p
        self.next_id = p.n_servers
        self.live: list[int] = list(range(p.n_servers))
        self.uid = np.arange(p.n_users, dtype=np.int64)
        self.sticky = p.mode == "sticky"
        # Everyone logs in at the start, in id order: least-sessions and hash agree here.
        self.server_of = self.uid % p.n_servers if self.sticky else np.full(p.n_users, -1)

    def relogin(self, users: np.ndarray) -> None:
        """Give ``users`` (whose sessions are gone) new sessions on live servers."""
        if not self.sticky or users.size == 0:
            return
        if not self.live:
            self.server_of[users] = -1
            return
        live = np.asarray(self.live)
        if self.p.routing == "hash":
            self.server_of[users] = hash_route(users, live)
            return
        # Cookie routing: each login, in turn, goes to the live server with the fewest sessions
        # (ties to the lowest id): the load balancer's least-connections policy with sessions as
        # connections. A heap does it in O(log n) per login; the tests check it against
        # ``scalelab.load_balancer.least_connections`` called once per login.
        self.server_of[users] = -1
        active = np.bincount(self.server_of[self.server_of >= 0], minlength=self.next_id)
        heap = [(int(active[s]), int(s)) for s in live]
        heapq.heapify(heap)
        chosen = np.empty(users.size, np.int64)
        for k in range(users.size):
            n, s = heapq.heappop(heap)
            chosen[k] = s
            heapq.heappush(heap, (n + 1, s))
        self.server_of[users] = chosen

    def change(self, removed: list[int], added: list[int]) -> int:
        """Apply a change of the live set; return the sessions it destroyed (sticky mode)."""
        self.live = sorted((set(self.live) - set(removed)) | set(added))
        if not self.sticky:
            return 0
        gone = np.isin(self.server_of, removed) | (self.server_of < 0)
        if self.p.routing == "hash" and self.live:
            # The hash now points some users at a server that never saw their session.
            gone |= hash_route(self.uid, self.live) != self.server_of
        users = np.flatnonzero(gone)
        lost = int(np.count_nonzero(gone & (self.server_of >= 0)))
        self.relogin(users)
        return lost

    def resize(self, n: int) -> tuple[list[int], list[int]]:
        if n < len(self.live):
            return sorted(self.live)[n:], []
        added = list(range(self.next_id, self.next_id + n - len(self.live)))
        self.next_id += len(added)
        return [], added


def simulate_sessions(params: SessionParams, rng) -> SessionRun:
    """Run the web tier of ``params`` and measure it bucket by bucket (see ``SessionRun``).

    >>> run = simulate_sessions(SessionParams(n_servers=4, sigma_activity=0.0, t_end=60.0),
    ...                         np.random.default_rng(3))
    >>> int(run.offered.sum() - run.served.sum() - run.errors.sum()), int(run.n_lost)
    (0, 0)
    """
    if not isinstance(params, SessionParams):
        raise ValueError(f"params must be a SessionParams; got {type(params).__name__}")
    check_rng(rng)
    p = params
    n_b = int(math.ceil(p.t_end / p.t_bucket - 1e-9))
    t = np.arange(n_b) * p.t_bucket
    rates = user_activity(p.n_users, p.rate_user, p.sigma_activity, rng)
    profile = 1.0 + (p.peak_factor - 1.0) * np.sin(np.pi * (t + p.t_bucket / 2) / p.t_end)
    tier = _Tier(p)
    cap = p.rate_capacity * p.t_bucket  # requests one server can serve per bucket

    def bucket_of(time: float) -> int:
        return min(n_b - 1, int(time // p.t_bucket + 1e-9))

    kills: dict[int, list[int]] = {}
    for time, k in p.kills:
        if time < p.t_end:
            kills.setdefault(bucket_of(time), []).append(int(k))
    scales: dict[int, int] = {}
    for time, n in p.scale_to:
        if time < p.t_end:
            scales[bucket_of(time)] = int(n)
    every = max(1, int(round(p.t_autoscale / p.t_bucket)))
    down = np.zeros(n_b, bool)
    wipe_at = None
    if p.t_store_down is not None:
        ends = t + p.t_bucket
        down = (ends > p.t_store_down) & (t < p.t_store_up)
        if not p.store_durable and p.t_store_up < p.t_end:
            wipe_at = bucket_of(p.t_store_up)
    p_churn = 0.0 if math.isinf(p.t_session) else 1.0 - math.exp(-p.t_bucket / p.t_session)

    n_live = np.zeros(n_b, np.int64)
    offered = np.zeros(n_b, np.int64)
    served = np.zeros(n_b, np.int64)
    errors = np.zeros(n_b, np.int64)
    lost = np.zeros(n_b, np.int64)
    latency = np.full(n_b, np.nan)
    loads: list[np.ndarray] = []
    lives: list[np.ndarray] = []
    held: list[np.ndarray] = []
    events: list[SessionEvent] = []
    total_rate = float(rates.sum())
    t_added = {"sticky": 0.0, "store": p.t_store, "token": p.t_verify}[p.mode]

    for b in range(n_b):
        if tier.sticky:
            held.append(np.bincount(tier.server_of[tier.server_of >= 0], minlength=tier.next_id))
        else:
            held.append(np.zeros(tier.next_id, np.int64))
        # 1. Failures, manual scaling, the autoscaler, a store that comes back empty.
        for k in kills.get(b, []):
            if tier.live:
                victim = sorted(tier.live)[k % len(tier.live)]
                n = tier.change([victim], [])
                events.append(SessionEvent(float(t[b]), "kill", (victim,), n))
                lost[b] += n
        targets = []
        if b in scales:
            targets.append(scales[b])
        if p.autoscale and b > 0 and b % every == 0:
            rate = offered[b - every : b].mean() / p.t_bucket  # over the last period
            want = math.ceil(rate / (p.rate_capacity * p.p_target) - 1e-9)
            targets.append(min(p.n_max, max(p.n_min, want)))
        for n_target in targets:
            removed, added = tier.resize(n_target)
            if removed or added:
                n = tier.change(removed, added)
                kind = "scale-in" if removed else "scale-out"
                events.append(SessionEvent(float(t[b]), kind, tuple(removed or added), n))
                lost[b] += n
        if wipe_at == b and p.mode == "store":
            events.append(SessionEvent(float(t[b]), "store-wipe", (), p.n_users))
            lost[b] += p.n_users
        # 2. Natural churn: sessions end (log out, expire) and users log in again; not a loss.
        if p_churn > 0 and tier.sticky and p.routing == "cookie":
            ended = np.flatnonzero(rng.random(p.n_users) < p_churn)
            tier.relogin(ended)
        # 3. Traffic.
        # A sum of independent Poisson streams is Poisson: draw per server, not per user.
        live = np.asarray(tier.live, dtype=np.int64)
        n_live[b] = live.size
        load = np.zeros(tier.next_id, np.int64)
        scale = profile[b] * p.t_bucket
        if tier.sticky:
            pinned = tier.server_of >= 0
            lam = np.bincount(tier.server_of[pinned], weights=rates[pinned], minlength=tier.next_id)
            load[live] = rng.poisson(lam[live] * scale)
            total = int(load.sum())
        else:
            total = int(rng.poisson(total_rate * scale))
        offered[b] = total
        if live.size and not tier.sticky:
            # Round robin over the live servers, starting where the last bucket stopped.
            share = np.full(live.size, total // live.size, np.int64)
            extra = (np.arange(live.size) - b) % live.size < total % live.size
            share[extra] += 1
            load[live] = share
        ok = np.minimum(load, int(cap))
        if live.size == 0 or (down[b] and p.mode == "store"):
            ok = np.zeros_like(load)
        served[b] = int(ok.sum())
        errors[b] = total - served[b]
        if served[b] > 0:
            rho = np.minimum(load / cap, 0.95)
            latency[b] = float((ok * (p.t_app / (1.0 - rho))).sum() / served[b]) + t_added
        loads.append(load / p.t_bucket)
        mask = np.zeros(tier.next_id, bool)
        mask[live] = True
        lives.append(mask)

    slots = tier.next_id

    def stack(rows, dtype):
        out = np.zeros((n_b, slots), dtype)
        for i, r in enumerate(rows):
            out[i, : r.size] = r
        return out

    load_arr = stack(loads, float)
    live_arr = stack(lives, bool)
    n_up = live_arr.sum(axis=1)
    peak = np.where(live_arr, load_arr, -np.inf).max(axis=1, initial=-np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = load_arr.sum(axis=1) / n_up
        imb = np.where((n_up > 0) & (mean > 0), peak / mean, np.nan)
    return SessionRun(
        params=p,
        t=t,
        n_live=n_live,
        live=live_arr,
        offered=offered,
        served=served,
        errors=errors,
        load=load_arr,
        sessions=stack(held, np.int64),
        lost=lost,
        imbalance=imb,
        latency=latency,
        events=tuple(events),
        rates=rates,
        server_of=tier.server_of.copy(),
        t_added=t_added,
    )


# --------------------------------------------------------------------------------------------
# The time-bucketed form for the capstone


@dataclass(frozen=True)
class SessionBuckets:
    """Per-bucket results of ``sessions_buckets``: sessions lost, failed requests/s, mean server
    utilisation (0-1+) and mean latency (s) of the web tier."""

    lost: np.ndarray
    errors_rps: np.ndarray
    utilisation: np.ndarray
    latency: np.ndarray


def sessions_buckets(
    offered_rps,
    n_servers,
    *,
    t_bucket: float,
    mode: str = "store",
    routing: str = "cookie",
    n_sessions: int = 10_000,
    store_up=None,
    store_durable: bool = False,
    rate_capacity: float = 80.0,
    t_app: float = 0.020,
    t_store: float = STORE_RTT,
    t_verify: float = TOKEN_VERIFY,
) -> SessionBuckets:
    """The web tier over time buckets, deterministic: per bucket the offered requests/s, the
    number of servers up and whether the session store is up (arrays of one length).

    Sessions are spread evenly. When the tier shrinks from ``a`` to ``b`` servers, sticky cookie
    routing loses the removed servers' share ``(a - b) / a`` of the sessions; hash routing loses
    every session whose ``user_id % n`` changes (users ``0 .. n_sessions-1``), on growth too.
    A store that comes back up empty (``store_durable=False``) loses every session (store mode).
    Requests above ``rate_capacity`` per server, or needing a store that is down, fail.

    >>> out = sessions_buckets([100.0, 100.0, 100.0], [4, 3, 3], t_bucket=60.0, mode="sticky",
    ...                        n_sessions=1000)
    >>> out.lost.tolist(), out.errors_rps.tolist()
    ([0, 250, 0], [0.0, 0.0, 0.0])
    """
    offered = np.asarray(offered_rps, dtype=float)
    n = np.asarray(n_servers)
    if offered.ndim != 1 or n.shape != offered.shape:
        raise ValueError(
            f"offered_rps and n_servers must be 1-d and the same length; got shapes "
            f"{offered.shape} and {n.shape}"
        )
    if np.any(offered < 0) or not np.all(np.isfinite(offered)):
        raise ValueError("offered_rps must be finite and >= 0 in every bucket")
    if not np.issubdtype(n.dtype, np.integer) or np.any(n < 0):
        raise ValueError(f"n_servers must be whole numbers >= 0; got {n.tolist()}")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_choice("mode", mode, MODES)
    check_choice("routing", routing, ROUTINGS)
    check_int("n_sessions", n_sessions, low=0)
    check_number("rate_capacity", rate_capacity, low=0, low_open=True)
    up = np.ones(offered.size, bool) if store_up is None else np.asarray(store_up, dtype=bool)
    if up.shape != offered.shape:
        raise ValueError(f"store_up must have {offered.size} buckets; got {up.size}")
    lost = np.zeros(offered.size, np.int64)
    uid = np.arange(n_sessions)
    for b in range(1, offered.size):
        a, c = int(n[b - 1]), int(n[b])
        if mode == "sticky" and a != c:
            if a == 0 or c == 0:
                lost[b] = n_sessions if a else 0
            elif routing == "cookie":
                lost[b] = round(n_sessions * max(0, a - c) / a)
            else:
                lost[b] = int(np.count_nonzero(uid % a != uid % c))
        if mode == "store" and not store_durable and up[b] and not up[b - 1]:
            lost[b] = n_sessions
    capacity = n * rate_capacity
    served = np.minimum(offered, capacity)
    if mode == "store":
        served = np.where(up, served, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(capacity > 0, offered / np.maximum(capacity, 1e-12), np.inf)
    rho = np.minimum(util, 0.95)
    added = {"sticky": 0.0, "store": t_store, "token": t_verify}[mode]
    latency = np.where(served > 0, t_app / (1.0 - rho) + added, np.nan)
    return SessionBuckets(lost, offered - served, util, latency)


# --------------------------------------------------------------------------------------------
# A session store and signed tokens, small enough to read


class StoreUnavailable(ConnectionError):
    """The session store cannot be reached (raised by ``SessionStore`` while it is down)."""


class SessionStore:
    """An in-memory session store with expiry, standing in for Redis or Memcached.

    ``get`` returns a *copy* of the session (a real store sends bytes over the network), so a
    change is kept only if you ``put`` it back. ``put`` (re)sets the expiry to ``now + t_ttl``
    (sliding expiration). Set ``up = False`` to make every call raise ``StoreUnavailable``.
    ``n_gets``/``n_puts`` count the round trips.

    >>> store = SessionStore(t_ttl=60.0)
    >>> store.put("s1", {"user": 7}, now=0.0)
    >>> store.get("s1", now=30.0), store.get("s1", now=61.0)
    ({'user': 7}, None)
    """

    def __init__(self, t_ttl: float = 1800.0):
        self.t_ttl = check_number("t_ttl", t_ttl, low=0, low_open=True)
        self.up = True
        self.n_gets = 0
        self.n_puts = 0
        self._data: dict[str, tuple[float, dict]] = {}

    def _check(self) -> None:
        if not self.up:
            raise StoreUnavailable("session store is down")

    def get(self, session_id: str, *, now: float) -> dict | None:
        """The session stored under ``session_id`` (a copy), or None if absent or expired."""
        self._check()
        self.n_gets += 1
        item = self._data.get(session_id)
        if item is None or now >= item[0]:
            return None
        return copy.deepcopy(item[1])

    def put(self, session_id: str, data: dict, *, now: float) -> None:
        """Store ``data`` under ``session_id`` until ``now + t_ttl``."""
        self._check()
        self.n_puts += 1
        self._data[session_id] = (now + self.t_ttl, copy.deepcopy(data))

    def delete(self, session_id: str) -> None:
        """Remove a session (logout, revocation): the next ``get`` returns None."""
        self._check()
        self._data.pop(session_id, None)

    def wipe(self) -> None:
        """Lose everything, as a store without persistence does when it restarts."""
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_token(claims: dict, key: bytes, *, now: float, t_ttl: float = 900.0) -> str:
    """A JWT-style token ``header.payload.signature`` (base64url, HMAC-SHA256) carrying
    ``claims`` plus ``iat`` (issued at) and ``exp`` (expires at, ``now + t_ttl``), in seconds.

    >>> token = sign_token({"sub": "ada"}, b"secret", now=0.0, t_ttl=60.0)
    >>> token.count("."), verify_token(token, b"secret", now=10.0)["sub"]
    (2, 'ada')
    """
    if not isinstance(key, bytes) or not key:
        raise ValueError("key must be non-empty bytes")
    check_number("now", now)
    check_number("t_ttl", t_ttl, low=0, low_open=True)
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = dict(claims, iat=now, exp=now + t_ttl)
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{header}.{payload}".encode()
    return f"{header}.{payload}.{_b64(hmac.digest(key, signing_input, 'sha256'))}"


def verify_token(token: str, key: bytes, *, now: float, revoked=None) -> dict | None:
    """The claims of ``token`` if its signature is right for ``key``, it has not expired at
    ``now`` and its ``jti`` (token id) is not in ``revoked``; otherwise None.

    The signature is compared with ``hmac.compare_digest`` (constant time). Checking
    ``revoked`` is what makes a token revocable before it expires, and in a real tier that set
    lives in a shared store: the lookup the tokens were meant to save.

    >>> token = sign_token({"sub": "ada", "jti": "t1"}, b"k", now=0.0, t_ttl=60.0)
    >>> verify_token(token, b"k", now=61.0), verify_token(token, b"other", now=1.0)
    (None, None)
    >>> verify_token(token, b"k", now=1.0, revoked={"t1"}) is None
    True
    """
    try:
        header, payload, signature = token.split(".")
        expected = hmac.digest(key, f"{header}.{payload}".encode(), "sha256")
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, AttributeError, TypeError):
        return None
    if not isinstance(claims, dict) or not now < claims.get("exp", -math.inf):
        return None
    if revoked is not None and claims.get("jti") in revoked:
        return None
    return claims
