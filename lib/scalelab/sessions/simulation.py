"""A web tier simulated in time buckets: where sessions live, and what each choice costs.

:func:`simulate_sessions` runs a tier of servers (:class:`SessionParams`) in each of the
:data:`MODES`: sticky sessions in server memory (pinned by one of the :data:`ROUTINGS`), a shared
session store (a round trip of :data:`STORE_RTT` on every request), or signed client tokens
(:data:`TOKEN_VERIFY` to check each). Users of unequal activity send Poisson requests, the
traffic can rise and fall, servers can be killed, scaled by hand or by an autoscaler, and the
store can go down. The result, a :class:`SessionRun`, holds per-bucket sessions lost (users
logged out), requests per server and the imbalance, errors and mean latency, and the
:class:`SessionEvent` s of the run. Times in seconds, rates per second.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from scalelab.sessions.peers import route_peers
from scalelab.sessions.routing import user_activity
from scalelab.validate import (
    check_int,
    check_number,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "MODES",
    "ROUTINGS",
    "STORE_RTT",
    "TOKEN_VERIFY",
    "SessionParams",
    "SessionEvent",
    "SessionRun",
    "simulate_sessions",
]


MODES = ("sticky", "store", "token")
"""Where sessions live: server memory (sticky), a shared store, or a signed client token."""

ROUTINGS = ("cookie", "hash")
"""How sticky routing pins a user: a load-balancer cookie set at login, or hash(user) mod n_peers
over the configured servers (a failure re-hashes only the failed server's users)."""

STORE_RTT = 0.0005
"""One round trip to a session store in the same data center (s): 500 µs in Dean (2009),
'Designs, Lessons and Advice from Building Large Distributed Systems' (LADIS keynote); Redis's
latency guide (redis.io, 2024) gives about 200 µs on a 1 Gbit/s network."""

TOKEN_VERIFY = 3e-6
"""Checking an HMAC-SHA256 token signature (s): about 2.5-3 µs for a 200-byte token with
CPython 3.11's ``hmac`` (OpenSSL), measured on the course's 2-core build machine in 2026."""


@dataclass(frozen=True)
class SessionParams:
    """A web tier and what happens to it during one run. Times in seconds, rates per second.

    ``kills``: ``(t, k)`` pairs; at time ``t`` the ``k``-th live server (ids in increasing order,
    ``k`` taken modulo the number live) dies. ``scale_to``: ``(t, n)`` pairs; at ``t`` the tier is
    resized to ``n`` servers by hand (a scale-in removes the newest servers). ``autoscale``:
    every ``t_autoscale`` seconds the tier is resized to ``ceil(rate / (rate_capacity *
    rho_target))`` servers, within ``[n_min, n_max]``, from the mean request rate over the last
    ``t_autoscale`` seconds. The
    session store is down from ``t_store_down`` to ``t_store_up``; unless ``store_durable`` it
    comes back empty. The traffic rises smoothly from its mean to ``peak_factor`` times the
    mean at mid-run and back.
    """

    mode: str = param("sticky", kind="choice", choices=MODES, doc="where sessions live")
    routing: str = param(
        "cookie", kind="choice", choices=ROUTINGS, doc="how sticky sessions find their server"
    )
    n_users: int = param(2_000, kind="int", low=1, high=1_000_000, doc="users")
    rate_user: float = param(
        0.05, low=0, low_open=True, doc="mean requests/s of one user", unit="requests/s"
    )
    sigma_activity: float = param(1.0, low=0, high=3, doc="log-scale spread of users' activity")
    n_servers: int = param(4, kind="int", low=1, high=1000, doc="web servers at the start")
    rate_capacity: float = param(
        80.0, low=0, low_open=True, doc="requests/s one server serves at most", unit="requests/s"
    )
    peak_factor: float = param(1.0, low=1, high=10, doc="traffic at mid-run over the mean")
    t_end: float = param(600.0, low=0, low_open=True, doc="length of the run", unit="s")
    t_bucket: float = 5.0
    kills: tuple[tuple[float, int], ...] = ()
    scale_to: tuple[tuple[float, int], ...] = ()
    autoscale: bool = False
    rho_target: float = param(
        0.6, low=0, high=1, low_open=True, doc="utilisation the autoscaler aims for"
    )
    n_min: int = param(2, kind="int", low=1, high=1000, doc="fewest servers the autoscaler keeps")
    n_max: int = 12
    t_autoscale: float = 60.0
    t_store_down: float | None = None
    t_store_up: float | None = None
    store_durable: bool = False
    t_session: float = math.inf
    t_app: float = param(
        0.020, low=0, high=10, low_open=True, doc="time the application takes per request", unit="s"
    )
    t_store: float = param(
        STORE_RTT, low=0, high=10, doc="time to read a session from the store", unit="s"
    )
    t_verify: float = param(TOKEN_VERIFY, low=0, high=10, doc="time to check a token", unit="s")
    t_token_ttl: float = param(900.0, low=0, low_open=True, doc="lifetime of a token", unit="s")

    def __post_init__(self):
        validate_fields(self)
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
        check_int("n_max", self.n_max, low=self.n_min, high=1_000)
        check_number("t_autoscale", self.t_autoscale, low=self.t_bucket)
        if (self.t_store_down is None) != (self.t_store_up is None):
            raise ValueError("t_store_down and t_store_up must be given together (or neither)")
        if self.t_store_down is not None:
            check_number("t_store_down", self.t_store_down, low=0)
            check_number("t_store_up", self.t_store_up, low=self.t_store_down, low_open=True)
        if not (isinstance(self.t_session, float) and math.isinf(self.t_session)):
            check_number("t_session", self.t_session, low=0, low_open=True)


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
    bucket ``b``, before that bucket's events (sticky mode; zero otherwise). ``n_offered``,
    ``n_served``, ``n_errors``: requests per bucket; ``load[b, k]``: requests/s server ``k``
    served in bucket ``b``; ``rate_users``: each user's request rate (requests/s).
    """

    params: SessionParams
    t: np.ndarray
    n_live: np.ndarray
    live: np.ndarray
    n_offered: np.ndarray
    n_served: np.ndarray
    n_errors: np.ndarray
    load: np.ndarray
    sessions: np.ndarray
    lost: np.ndarray
    imbalance: np.ndarray
    latency: np.ndarray
    events: tuple[SessionEvent, ...]
    rate_users: np.ndarray
    server_of: np.ndarray
    t_added: float = field(default=0.0)

    @property
    def n_lost(self) -> int:
        """Sessions lost over the run (a user logged out twice counts twice)."""
        return int(self.lost.sum())

    @property
    def error_ratio(self) -> float:
        """Share of offered requests that failed (overload, store down or no server)."""
        total = float(self.n_offered.sum())
        return float(self.n_errors.sum()) / total if total else 0.0

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
        # Hash routing hashes over the configured upstream list, which a failure leaves alone
        # and a scale event rewrites (nginx's ``hash`` directive without ``consistent``).
        self.peers: list[int] = list(range(p.n_servers))
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
            self.server_of[users] = route_peers(users, self.peers, up=live)
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

    def change(self, removed: list[int], added: list[int], *, failure: bool = False) -> int:
        """Apply a change of the live set; return the sessions it destroyed (sticky mode).

        A ``failure`` takes servers down but leaves the configured list; a scale event (the
        default) rewrites it."""
        self.live = sorted((set(self.live) - set(removed)) | set(added))
        if not failure:
            self.peers = list(self.live)
        if not self.sticky:
            return 0
        gone = np.isin(self.server_of, removed) | (self.server_of < 0)
        if self.p.routing == "hash" and self.live:
            # After a scale event the hash points most users at a server that never saw their
            # session; after a failure only the failed server's users are hashed again.
            gone |= route_peers(self.uid, self.peers, up=self.live) != self.server_of
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


def simulate_sessions(params: SessionParams, *, rng: np.random.Generator) -> SessionRun:
    """Run the web tier of ``params`` and measure it bucket by bucket (see ``SessionRun``).

    Each bucket, in order: the failures and scaling scheduled for it (and the autoscaler's
    decision) change the live servers, sessions end and their users log in again, and the
    bucket's requests are drawn and served.

    >>> run = simulate_sessions(SessionParams(n_servers=4, sigma_activity=0.0, t_end=60.0),
    ...                         rng=np.random.default_rng(3))
    >>> int(run.n_offered.sum() - run.n_served.sum() - run.n_errors.sum()), int(run.n_lost)
    (0, 0)
    """
    check_type("params", params, SessionParams)
    check_rng(rng)
    p = params
    n_b = int(math.ceil(p.t_end / p.t_bucket - 1e-9))
    t = np.arange(n_b) * p.t_bucket
    rates = user_activity(p.n_users, p.rate_user, p.sigma_activity, rng=rng)
    profile = 1.0 + (p.peak_factor - 1.0) * np.sin(np.pi * (t + p.t_bucket / 2) / p.t_end)
    tier = _Tier(p)
    plan = _Schedule.of(p, t)
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
        for event in _changes(tier, plan, b, float(t[b]), offered):
            events.append(event)
            lost[b] += event.n_lost
        # 2. Natural churn: sessions end (log out, expire) and users log in again; not a loss.
        if p_churn > 0 and tier.sticky and p.routing == "cookie":
            ended = np.flatnonzero(rng.random(p.n_users) < p_churn)
            tier.relogin(ended)
        # 3. Traffic.
        live, load, offered[b], served[b], latency[b] = _serve(
            tier, b, rates, total_rate, profile[b], bool(plan.store_down[b]), t_added, rng
        )
        n_live[b] = live.size
        errors[b] = offered[b] - served[b]
        loads.append(load / p.t_bucket)
        mask = np.zeros(tier.next_id, bool)
        mask[live] = True
        lives.append(mask)

    slots = tier.next_id
    load_arr = _per_slot(loads, slots, float)
    live_arr = _per_slot(lives, slots, bool)
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
        n_offered=offered,
        n_served=served,
        n_errors=errors,
        load=load_arr,
        sessions=_per_slot(held, slots, np.int64),
        lost=lost,
        imbalance=imb,
        latency=latency,
        events=tuple(events),
        rate_users=rates,
        server_of=tier.server_of.copy(),
        t_added=t_added,
    )


@dataclass(frozen=True)
class _Schedule:
    """What ``SessionParams`` schedules, by bucket: kills (bucket -> server positions), manual
    scaling (bucket -> servers wanted), the autoscaler's period in buckets, whether the store
    is down in each bucket, and the bucket in which a non-durable store comes back empty."""

    params: SessionParams
    kills: dict
    scales: dict
    every: int
    store_down: np.ndarray
    wipe_at: int | None

    @classmethod
    def of(cls, p: SessionParams, t: np.ndarray) -> _Schedule:
        n_b = t.size

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
        return cls(p, kills, scales, every, down, wipe_at)


def _changes(tier: _Tier, plan: _Schedule, b: int, t_b: float, offered: np.ndarray):
    """The events of bucket ``b`` (starting at ``t_b`` s), applied to ``tier`` in order: kills,
    then manual scaling and the autoscaler (which reads the requests ``offered`` so far), then a
    store that comes back empty."""
    p = plan.params
    events = []
    for k in plan.kills.get(b, []):
        if tier.live:
            victim = sorted(tier.live)[k % len(tier.live)]
            n = tier.change([victim], [], failure=True)
            events.append(SessionEvent(t_b, "kill", (victim,), n))
    targets = []
    if b in plan.scales:
        targets.append(plan.scales[b])
    if p.autoscale and b > 0 and b % plan.every == 0:
        rate = offered[b - plan.every : b].mean() / p.t_bucket  # over the last period
        want = math.ceil(rate / (p.rate_capacity * p.rho_target) - 1e-9)
        targets.append(min(p.n_max, max(p.n_min, want)))
    for n_target in targets:
        removed, added = tier.resize(n_target)
        if removed or added:
            n = tier.change(removed, added)
            kind = "scale-in" if removed else "scale-out"
            events.append(SessionEvent(t_b, kind, tuple(removed or added), n))
    if plan.wipe_at == b and p.mode == "store":
        events.append(SessionEvent(t_b, "store-wipe", (), p.n_users))
    return events


def _serve(
    tier: _Tier,
    b: int,
    rates,
    total_rate: float,
    level: float,
    store_down: bool,
    t_added: float,
    rng: np.random.Generator,
):
    """Draw bucket ``b``'s requests (at ``level`` times the base rate) and serve them: the live
    servers, each server's requests, requests offered and served, mean latency (s; NaN when
    nothing is served)."""
    p = tier.p
    cap = p.rate_capacity * p.t_bucket  # requests one server can serve per bucket
    # A sum of independent Poisson streams is Poisson: draw per server, not per user.
    live = np.asarray(tier.live, dtype=np.int64)
    load = np.zeros(tier.next_id, np.int64)
    scale = level * p.t_bucket
    if tier.sticky:
        pinned = tier.server_of >= 0
        lam = np.bincount(tier.server_of[pinned], weights=rates[pinned], minlength=tier.next_id)
        load[live] = rng.poisson(lam[live] * scale)
        total = int(load.sum())
    else:
        total = int(rng.poisson(total_rate * scale))
    if live.size and not tier.sticky:
        # Round robin over the live servers, starting where the last bucket stopped.
        share = np.full(live.size, total // live.size, np.int64)
        extra = (np.arange(live.size) - b) % live.size < total % live.size
        share[extra] += 1
        load[live] = share
    ok = np.minimum(load, int(cap))
    if live.size == 0 or (store_down and p.mode == "store"):
        ok = np.zeros_like(load)
    served = int(ok.sum())
    latency = np.nan
    if served > 0:
        rho = np.minimum(load / cap, 0.95)
        latency = float((ok * (p.t_app / (1.0 - rho))).sum() / served) + t_added
    return live, load, total, served, latency


def _per_slot(rows, slots: int, dtype) -> np.ndarray:
    """Rows of different lengths (servers added over the run) as one buckets x slots array."""
    out = np.zeros((len(rows), slots), dtype)
    for i, r in enumerate(rows):
        out[i, : r.size] = r
    return out
