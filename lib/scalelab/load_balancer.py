"""Load balancers and scaling out: a pool of servers behind one public address.

The picture. A web site that has outgrown one machine has two ways to go. It can buy a bigger
machine (*vertical scaling*, "scale up"): simple, but there is a largest machine for sale, and that
one machine is still a single point of failure. Or it can run several ordinary machines side by
side (*horizontal scaling*, "scale out") and put a **load balancer** in front: clients connect to
the balancer's public address, and the balancer forwards each request over a private network to
one of the servers. If a server dies, the balancer stops sending it traffic and the others carry
on: failover and redundancy come with the design.

This module models that pool, request by request:

- each server has a capacity ``mu`` (requests/s it can finish) and its own first-in, first-out
  queue; a request waits for the requests ahead of it on *its* server, never for the others;
- the balancer picks a server for every request with a **policy**: ``round_robin``, ``random``,
  ``least_connections``, ``power_of_two`` (ask two servers at random, take the less busy), and
  the weighted variants ``weighted_round_robin`` (nginx's smooth algorithm), ``weighted_random``
  and ``weighted_least_connections``; a learner's own function can be plugged in as well;
- the balancer learns about failures only through **health checks** every ``t_check_interval``
  seconds: a server that crashes keeps receiving requests, which fail, until the next check
  notices; a server that recovers (or joins the pool) gets traffic from the first check after;
- a crashed server loses the requests it was working on; a server whose queue is full
  (``n_queue_max``) turns new requests away.

Around the simulation: the formulas it is checked against (:func:`wait_random_split`,
:func:`wait_round_robin`, :func:`wait_shared_queue`, :func:`wait_power_of_two_limit`); the
availability of n servers (:func:`availability`, with random :func:`failure_schedule` s and
:func:`fraction_time_up` to check it); and the bill, vertical against horizontal
(:func:`plan_vertical` with its hard limit, :func:`plan_horizontal` with spares and a balancer,
priced per server-hour from a cited cloud price list, :data:`M7I`).

What it leaves out, on purpose: arrivals are a Poisson process and service times exponential
(the textbook M/M case, so every number can be checked against a formula); a health check is a
single probe with no "n failures in a row" rule and takes no time; the balancer itself never
fails and adds no latency; there are no retries, sessions or keep-alive connections.

The same pool also has a **time-bucketed form**, :func:`bucketed_pool` (offered requests/s per
bucket in; served, dropped and failed requests/s, mean latency and cost out), built from exact
steady-state formulas so the capstone can compose it with the other chapters' models; a test
checks it against the request-by-request simulation.

It is built on :mod:`scalelab.queueing`: Poisson arrivals and service times come from there,
each server's queue under an oblivious policy with unlimited queues is
:func:`scalelab.queueing.simulate_fifo` (Lindley's recursion, vectorised), the
M/M/1, M/M/c (Erlang C) and M/M/c/K formulas and the percentiles are queueing's. What is new
here is the balancer: the policies, the health checks, failures, and the event-by-event loop
that state-aware policies need (they look at every server's queue at every arrival). The round
robin formula (an E_c/M/1 queue, a G/M/1 case that queueing does not cover) is here too.

>>> import numpy as np
>>> res = simulate_pool(PoolParams(lam=30.0, n_servers=4, mu=10.0, t_end=60.0),
...                     np.random.default_rng(1))
>>> s = summarize(res)
>>> s.n_arrivals == s.n_served + s.n_errors + s.n_dropped
True
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from scalelab.queueing import (
    exponential_service,
    mm1,
    mmc,
    mmck,
    mmck_drop_probability,
    percentiles,
    poisson_arrivals,
    simulate_fifo,
)
from scalelab.validate import check_choice, check_int, check_number, check_probability, check_rng

__all__ = [
    "POLICIES",
    "STATE_AWARE",
    "SERVED",
    "ERROR",
    "DROPPED",
    "Outage",
    "PoolParams",
    "PoolResult",
    "PoolSummary",
    "Timeline",
    "simulate_pool",
    "summarize",
    "timeline",
    "round_robin",
    "least_connections",
    "power_of_two",
    "wait_random_split",
    "wait_round_robin",
    "wait_shared_queue",
    "wait_power_of_two_limit",
    "availability",
    "failure_schedule",
    "fraction_time_up",
    "InstanceType",
    "M7I",
    "ALB_PRICE_PER_HOUR",
    "ScalingPlan",
    "usl_capacity",
    "plan_vertical",
    "plan_horizontal",
    "PoolBuckets",
    "bucketed_pool",
]

POLICIES = (
    "round_robin",
    "random",
    "least_connections",
    "power_of_two",
    "weighted_round_robin",
    "weighted_random",
    "weighted_least_connections",
)
"""The balancing policies :func:`simulate_pool` knows by name."""

SERVED, ERROR, DROPPED = 0, 1, 2
"""Outcome codes of a request: answered; failed (sent to a dead server, or lost when its server
crashed); turned away (queue full, or no server the balancer believes healthy: an HTTP 503)."""


# --------------------------------------------------------------------------------------------
# Parameters and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outage:
    """Server ``server`` (0-based) is down from ``t_down`` until ``t_up`` (seconds)."""

    server: int
    t_down: float
    t_up: float = math.inf

    def __post_init__(self):
        check_int("server", self.server, low=0)
        check_number("t_down", self.t_down, low=0)
        if not (isinstance(self.t_up, int | float) and self.t_up > self.t_down):
            raise ValueError(f"t_up must be > t_down = {self.t_down}; got {self.t_up!r}")


Policy = str | Callable[[list, list], int]


@dataclass(frozen=True)
class PoolParams:
    """A pool of servers behind a load balancer, and the traffic it gets.

    ``lam``: offered load (requests/s, Poisson). ``n_servers``: servers in the pool.
    ``mu``: capacity of each server (requests/s; exponential service times of mean ``1/mu``), a
    number or one per server. ``policy``: a name from :data:`POLICIES`, or a function
    ``policy(active, healthy) -> index`` given each server's requests in progress and the
    balancer's view of its health. ``weights``: for the weighted policies (default: ``mu``).
    ``n_queue_max``: most requests a server holds (waiting + in service) before it turns new
    ones away (None: no limit). ``t_check_interval``: seconds between health checks (0: the
    balancer knows at once). ``outages``: :class:`Outage` s. ``t_join``: when each server joins
    the pool (s; default all at 0). ``t_end``: length of the run (s).
    """

    lam: float
    n_servers: int
    mu: float | tuple[float, ...] = 1.0
    policy: Policy = "round_robin"
    weights: tuple[float, ...] | None = None
    n_queue_max: int | None = None
    t_check_interval: float = 5.0
    outages: tuple[Outage, ...] = ()
    t_join: tuple[float, ...] | None = None
    t_end: float = 1000.0

    def __post_init__(self):
        check_number("lam", self.lam, low=0, high=1e6)
        n = check_int("n_servers", self.n_servers, low=1, high=1000)
        mus = self.mu if isinstance(self.mu, tuple | list) else (self.mu,) * n
        if len(mus) != n:
            raise ValueError(
                f"mu must be a number or {n} numbers (one per server); got {self.mu!r}"
            )
        for m in mus:
            check_number("mu", m, low=0, low_open=True, high=1e6)
        if isinstance(self.policy, str):
            check_choice("policy", self.policy, POLICIES)
        elif not callable(self.policy):
            raise ValueError(f"policy must be one of {POLICIES} or a function; got {self.policy!r}")
        if self.weights is not None:
            if len(self.weights) != n:
                raise ValueError(f"weights must hold {n} numbers; got {self.weights!r}")
            for w in self.weights:
                check_number("weights", w, low=0, low_open=True)
        if self.n_queue_max is not None:
            check_int("n_queue_max", self.n_queue_max, low=1)
        check_number("t_check_interval", self.t_check_interval, low=0, high=1e6)
        check_number("t_end", self.t_end, low=0, low_open=True, high=1e7)
        if self.t_join is not None:
            if len(self.t_join) != n:
                raise ValueError(f"t_join must hold {n} times; got {self.t_join!r}")
            for t in self.t_join:
                check_number("t_join", t, low=0)
        by_server: dict[int, list[Outage]] = {}
        for o in self.outages:
            if not isinstance(o, Outage):
                raise ValueError(f"outages must be Outage objects; got {o!r}")
            if o.server >= n:
                raise ValueError(f"server must be in [0, {n - 1}]; got {o.server}")
            by_server.setdefault(o.server, []).append(o)
        for server, outs in by_server.items():
            outs.sort(key=lambda o: o.t_down)
            for a, b in zip(outs, outs[1:], strict=False):
                if b.t_down < a.t_up:
                    raise ValueError(f"outages of server {server} overlap: {a} and {b}")

    @property
    def mus(self) -> np.ndarray:
        """Capacity of each server (requests/s)."""
        if isinstance(self.mu, tuple | list):
            return np.asarray(self.mu, dtype=float)
        return np.full(self.n_servers, float(self.mu))

    @property
    def capacity(self) -> float:
        """Total capacity of the pool with every server up (requests/s)."""
        return float(self.mus.sum())

    @property
    def utilisation(self) -> float:
        """Offered load over total capacity (above 1 the pool cannot keep up)."""
        return self.lam / self.capacity


@dataclass(frozen=True)
class PoolResult:
    """One run of :func:`simulate_pool`: one entry per request, in arrival order.

    ``t_arrival`` (s); ``server`` (index, -1 when none was picked); ``outcome`` (:data:`SERVED`,
    :data:`ERROR`, :data:`DROPPED`); ``t_wait`` and ``t_response`` (s, queueing delay and
    queueing + service; NaN unless served). ``t_detect``: for each outage, when the balancer's
    health check first saw the server down (s).
    """

    params: PoolParams
    t_arrival: np.ndarray
    server: np.ndarray
    outcome: np.ndarray
    t_wait: np.ndarray
    t_response: np.ndarray
    t_detect: tuple[float, ...] = field(default=())


@dataclass(frozen=True)
class PoolSummary:
    """Totals over a run (requests arriving in ``[t_from, t_to)``); times in seconds."""

    n_arrivals: int
    n_served: int
    n_errors: int
    n_dropped: int
    t_wait_mean: float
    t_response_mean: float
    t_p50: float
    t_p95: float
    t_p99: float
    per_server: np.ndarray  # requests served by each server

    @property
    def error_rate(self) -> float:
        """Share of requests that failed or were turned away."""
        return (self.n_errors + self.n_dropped) / self.n_arrivals if self.n_arrivals else 0.0


@dataclass(frozen=True)
class Timeline:
    """Per time bucket (by arrival time): ``t`` bucket starts (s), counts, latency percentiles
    of the served requests (s; NaN for a bucket with none), and ``per_server`` load
    (requests/s each server served, shape ``(buckets, servers)``)."""

    t: np.ndarray
    n_arrivals: np.ndarray
    n_served: np.ndarray
    n_errors: np.ndarray
    n_dropped: np.ndarray
    t_p50: np.ndarray
    t_p99: np.ndarray
    per_server: np.ndarray

    @property
    def error_rate(self) -> np.ndarray:
        """Share of each bucket's requests that failed or were turned away (0 when empty)."""
        bad = (self.n_errors + self.n_dropped).astype(float)
        return np.divide(bad, self.n_arrivals, out=np.zeros_like(bad), where=self.n_arrivals > 0)


# --------------------------------------------------------------------------------------------
# Policies, readable versions (the simulation inlines the same rules for speed)
# --------------------------------------------------------------------------------------------


def _healthy_indices(healthy: Sequence[bool]) -> list[int]:
    idx = [i for i, h in enumerate(healthy) if h]
    if not idx:
        raise ValueError("healthy must mark at least one server True; got none")
    return idx


def round_robin(n_requests: int, healthy: Sequence[bool]) -> list[int]:
    """Servers picked for ``n_requests`` in a row by round robin, skipping unhealthy ones.

    >>> round_robin(5, [True, False, True])
    [0, 2, 0, 2, 0]
    """
    check_int("n_requests", n_requests, low=0)
    idx = _healthy_indices(healthy)
    return [idx[k % len(idx)] for k in range(n_requests)]


def least_connections(active: Sequence[int], healthy: Sequence[bool]) -> int:
    """The healthy server with the fewest requests in progress (ties: the lowest index).

    ``active[i]``: requests server ``i`` is working on or holding in its queue.

    >>> least_connections([3, 1, 0, 1], [True, True, False, True])
    1
    """
    if len(active) != len(healthy):
        raise ValueError(
            f"active and healthy must have the same length; got {len(active)}, {len(healthy)}"
        )
    idx = _healthy_indices(healthy)
    return min(idx, key=lambda i: (active[i], i))


def power_of_two(active: Sequence[int], healthy: Sequence[bool], rng: np.random.Generator) -> int:
    """Ask two different healthy servers picked at random; return the less busy (tie: the first).

    With one healthy server, that one.

    >>> power_of_two([5, 0], [True, True], np.random.default_rng(0))
    1
    """
    check_rng(rng)
    idx = _healthy_indices(healthy)
    if len(idx) == 1:
        return idx[0]
    a, b = rng.choice(len(idx), size=2, replace=False)
    i, j = idx[int(a)], idx[int(b)]
    return j if active[j] < active[i] else i


# --------------------------------------------------------------------------------------------
# The simulation
# --------------------------------------------------------------------------------------------


STATE_AWARE = ("least_connections", "power_of_two", "weighted_least_connections")
"""Policies that look at the servers' queues: the pool is then simulated event by event."""


def _up_periods(params: PoolParams, server: int) -> list[tuple[float, float]]:
    """The intervals (s) during which ``server`` is up: from joining, between its outages."""
    start = params.t_join[server] if params.t_join is not None else 0.0
    periods = []
    for o in sorted((o for o in params.outages if o.server == server), key=lambda o: o.t_down):
        if o.t_down > start:
            periods.append((start, float(o.t_down)))
        start = max(start, float(o.t_up))
    if math.isfinite(start):
        periods.append((start, math.inf))
    return periods


def _first_check(t: float, dt: float) -> float:
    """Time (s) of the first health check at or after ``t`` (checks at ``k * dt``, k >= 0)."""
    k = math.ceil(t / dt)
    while k * dt < t:
        k += 1
    while k > 0 and (k - 1) * dt >= t:
        k -= 1
    return float(k * dt)


def _true_up(params: PoolParams, server: int, t: float) -> bool:
    """Whether ``server`` is really up at time ``t`` (joined, and not in an outage)."""
    return any(t0 <= t < t1 for t0, t1 in _up_periods(params, server))


def simulate_pool(params: PoolParams, rng: np.random.Generator) -> PoolResult:
    """Run the pool request by request and return every request's fate.

    The balancer's view of server ``i`` at time ``t`` is the server's true state at the last
    health check (times ``k * t_check_interval``); with ``t_check_interval = 0`` it is the true
    state. A request sent to a server that is down fails (:data:`ERROR`); requests a server is
    holding when it crashes fail too; a server that recovers starts with an empty queue.

    Randomness (arrivals, service times, random choices) comes from ``rng`` in a fixed order,
    so one seed gives one run.

    >>> p = PoolParams(lam=2.0, n_servers=2, mu=5.0, t_end=30.0,
    ...                outages=(Outage(0, 10.0, 20.0),), t_check_interval=4.0)
    >>> r = simulate_pool(p, np.random.default_rng(3))
    >>> r.t_detect
    (12.0,)
    >>> bool(np.all(r.server[(r.t_arrival >= 12.0) & (r.t_arrival < 20.0)] == 1))
    True

    How it runs: arrivals are :func:`scalelab.queueing.poisson_arrivals`. A policy that ignores
    the queues (round robin, random and their weighted forms) is decided request by request,
    and then, if queues are unlimited, each server's share, one up-period at a time, goes
    through :func:`scalelab.queueing.simulate_fifo` (one server: Lindley's recursion,
    vectorised). A policy that reads the queues (least connections, power of two, a function)
    needs each server's count at every arrival, and a queue limit needs it too, so then the
    whole pool runs event by event here, with the same FIFO rule inline; the tests check the
    two paths against each other.
    """
    return _simulate(params, rng, event_by_event=False)


def _simulate(params: PoolParams, rng: np.random.Generator, event_by_event: bool) -> PoolResult:
    """:func:`simulate_pool`; ``event_by_event=True`` forces the plain loop for every policy."""
    if not isinstance(params, PoolParams):
        raise ValueError(f"params must be a PoolParams; got {type(params).__name__}")
    check_rng(rng)
    p = params
    c = p.n_servers
    arrivals = poisson_arrivals(p.lam, rng, t_end=p.t_end) if p.lam > 0 else np.zeros(0)
    n = len(arrivals)
    unit = exponential_service(1.0, n, rng)  # service times in units of 1/mu
    policy = p.policy
    custom = policy if callable(policy) else None
    # queueing.simulate_fifo is vectorised for one server with no queue limit (Lindley's
    # recursion); its finite-buffer path walks request by request, slower than the loop below.
    inline = (
        event_by_event or custom is not None or policy in STATE_AWARE or p.n_queue_max is not None
    )
    needs_u = policy in ("random", "weighted_random", "power_of_two")
    u1 = rng.random(n).tolist() if needs_u else None
    u2 = rng.random(n).tolist() if policy == "power_of_two" else None
    mus = p.mus.tolist()
    weights = list(p.weights) if p.weights is not None else mus
    k_max = p.n_queue_max if p.n_queue_max is not None else math.inf

    # Server up/down events, in time order; recoveries sort before crashes at the same time.
    join = list(p.t_join) if p.t_join is not None else [0.0] * c
    events = [(t, 0, j) for j, t in enumerate(join) if t > 0]
    for o in p.outages:
        events.append((float(o.t_down), 1, o.server))
        if math.isfinite(o.t_up):
            events.append((float(o.t_up), 0, o.server))
    events.sort()
    periods = [_up_periods(p, j) for j in range(c)]
    up = [any(t0 <= 0.0 < t1 for t0, t1 in periods[j]) for j in range(c)]
    starts = [{t0 for t0, _ in periods[j]} for j in range(c)]
    outage_ids: dict[tuple[int, float], list[int]] = {}
    for k, o in enumerate(p.outages):
        outage_ids.setdefault((o.server, float(o.t_down)), []).append(k)
    # Events at t = 0 are already in `up`; drop them from the queue.
    events = [e for e in events if e[0] > 0]
    view = list(up)
    dt = float(p.t_check_interval)
    n_check = 1  # checks happen at n_check * dt (a product, so no rounding drift)
    next_check = dt if dt > 0 else math.inf
    crash_pending: dict[int, list[int]] = {}  # server -> indices of outages not yet detected
    outage_list = list(p.outages)
    t_detect = [math.nan] * len(outage_list)
    for k, o in enumerate(outage_list):
        if o.t_down == 0:
            crash_pending.setdefault(o.server, []).append(k)

    free_at = [0.0] * c
    active = [0] * c  # requests each server holds (waiting + in service)
    gen = [0] * c  # bumped when a server crashes: its departures still in the heap are void
    departures: list[tuple[float, int, int]] = []  # heap of (departure time, server, gen)
    outcome = [SERVED] * n
    chosen = [-1] * n
    wait = [math.nan] * n
    resp = [math.nan] * n
    rr_next = 0
    wrr_current = [0.0] * c
    inv_w = [1.0 / w for w in weights]
    healthy = [j for j in range(c) if view[j]]
    cum_w = np.cumsum([weights[j] for j in healthy]).tolist()
    ev_i, n_ev = 0, len(events)
    next_ev = events[0][0] if n_ev else math.inf
    heappush, heappop = heapq.heappush, heapq.heappop

    def refresh(t_now: float) -> None:
        nonlocal healthy, cum_w
        for j in range(c):
            if view[j] != up[j]:
                view[j] = up[j]
                if not up[j]:
                    for k in crash_pending.pop(j, []):
                        t_detect[k] = t_now
        healthy = [j for j in range(c) if view[j]]
        cum_w = np.cumsum([weights[j] for j in healthy]).tolist()

    if dt == 0:
        refresh(0.0)
    arr = arrivals.tolist()
    unit_l = unit.tolist()
    for i in range(n):
        t = arr[i]
        while departures and departures[0][0] <= t:
            _, j, g = heappop(departures)
            if g == gen[j]:
                active[j] -= 1
        while next_ev <= t or next_check <= t:
            if next_ev <= next_check:
                te, kind, j = events[ev_i]
                ev_i += 1
                next_ev = events[ev_i][0] if ev_i < n_ev else math.inf
                if kind == 1:  # crash: the requests it holds are lost (marked after the loop)
                    up[j] = False
                    active[j] = 0
                    gen[j] += 1
                    crash_pending.setdefault(j, []).extend(outage_ids.get((j, te), ()))
                elif not up[j] and te in starts[j]:  # recovery or join: an empty queue
                    up[j] = True
                    free_at[j] = te
                if dt == 0:
                    refresh(te)
            else:
                refresh(next_check)
                n_check += 1
                next_check = n_check * dt
        m = len(healthy)
        if m == 0:
            outcome[i] = DROPPED
            continue
        if custom is not None:
            j = custom(list(active), list(view))
            if isinstance(j, bool) or not isinstance(j, int | np.integer) or not 0 <= j < c:
                raise ValueError(f"policy must return a server index in [0, {c - 1}]; got {j!r}")
            j = int(j)
            if not view[j]:
                raise ValueError(
                    f"policy returned server {j}, which the load balancer sees as unhealthy"
                )
        elif policy == "round_robin":
            j = healthy[rr_next % m]
            rr_next += 1
        elif policy == "random":
            j = healthy[int(u1[i] * m)]
        elif policy == "least_connections":
            s = rr_next % m  # ties go round robin, as in nginx and HAProxy
            rr_next += 1
            j = min(healthy[s:] + healthy[:s], key=active.__getitem__)
        elif policy == "power_of_two":
            if m == 1:
                j = healthy[0]
            else:
                a = int(u1[i] * m)
                b = int(u2[i] * (m - 1))
                if b >= a:
                    b += 1
                j, other = healthy[a], healthy[b]
                if active[other] < active[j]:
                    j = other
        elif policy == "weighted_random":
            j = healthy[min(bisect.bisect_right(cum_w, u1[i] * cum_w[-1]), m - 1)]
        elif policy == "weighted_round_robin":
            total, best, j = 0.0, -math.inf, healthy[0]
            for h in healthy:
                wrr_current[h] += weights[h]
                total += weights[h]
                if wrr_current[h] > best:
                    best, j = wrr_current[h], h
            wrr_current[j] -= total
        else:  # weighted_least_connections: fewest requests per unit of weight
            s = rr_next % m
            rr_next += 1
            j = min(healthy[s:] + healthy[:s], key=lambda h: active[h] * inv_w[h])
        chosen[i] = j
        if not up[j]:
            outcome[i] = ERROR
            continue
        if not inline:
            continue  # served by simulate_fifo below
        if active[j] >= k_max:
            outcome[i] = DROPPED
            continue
        start_t = free_at[j] if free_at[j] > t else t
        dep = start_t + unit_l[i] / mus[j]
        free_at[j] = dep
        active[j] += 1
        heappush(departures, (dep, j, gen[j]))
        wait[i] = start_t - t
        resp[i] = dep - t
    out_a = np.asarray(outcome, dtype=np.int8)
    srv = np.asarray(chosen, dtype=np.int64)
    wait_a = np.asarray(wait, dtype=float)
    resp_a = np.asarray(resp, dtype=float)
    if not inline:
        # Each server alone is a FIFO queue; a crash empties it, so each up-period is separate.
        to_serve = out_a == SERVED
        for j in range(c):
            mine = np.flatnonzero(to_serve & (srv == j))
            edges = np.searchsorted(arrivals[mine], np.asarray(periods[j]).ravel())
            for lo, hi in edges.reshape(-1, 2):
                idx = mine[lo:hi]
                if idx.size == 0:
                    continue
                fifo = simulate_fifo(arrivals[idx], unit[idx] / mus[j], 1)
                wait_a[idx] = fifo.t_wait
                resp_a[idx] = fifo.t_response
    # A crash ends an up-period: requests that arrived in it and were due to leave after are lost.
    for j in range(c):
        ends = [(t0, t1) for t0, t1 in periods[j] if math.isfinite(t1)]
        if not ends:
            continue
        mine = np.flatnonzero((srv == j) & (out_a == SERVED))
        edges = np.searchsorted(arrivals[mine], np.asarray(ends).ravel()).reshape(-1, 2)
        for (lo, hi), (_, t_crash) in zip(edges, ends, strict=True):
            held = mine[lo:hi]
            lost = held[arrivals[held] + resp_a[held] > t_crash]
            out_a[lost] = ERROR
            wait_a[lost] = np.nan
            resp_a[lost] = np.nan
    # Outages that start after the last arrival are still detected on schedule.
    for k, o in enumerate(outage_list):
        if math.isnan(t_detect[k]) and o.t_down < p.t_end:
            if dt == 0:
                t_detect[k] = float(o.t_down)
            else:
                first = _first_check(o.t_down, dt)
                if first < o.t_up:
                    t_detect[k] = first
    return PoolResult(
        params=p,
        t_arrival=arrivals,
        server=srv,
        outcome=out_a,
        t_wait=wait_a,
        t_response=resp_a,
        t_detect=tuple(t_detect),
    )


def _window(result: PoolResult, t_from: float, t_to: float | None) -> np.ndarray:
    t_to = result.params.t_end if t_to is None else t_to
    check_number("t_from", t_from, low=0)
    check_number("t_to", t_to, low=t_from)
    return (result.t_arrival >= t_from) & (result.t_arrival < t_to)


def summarize(result: PoolResult, t_from: float = 0.0, t_to: float | None = None) -> PoolSummary:
    """Totals and latency percentiles (s) of the requests arriving in ``[t_from, t_to)``.

    Use ``t_from`` to skip the warm-up of a run that starts empty.

    >>> r = simulate_pool(PoolParams(lam=5.0, n_servers=2, mu=5.0, t_end=100.0),
    ...                   np.random.default_rng(7))
    >>> s = summarize(r, t_from=10.0)
    >>> s.n_errors, s.n_dropped
    (0, 0)
    """
    sel = _window(result, t_from, t_to)
    out = result.outcome[sel]
    served = out == SERVED
    resp = result.t_response[sel][served]
    wait = result.t_wait[sel][served]
    q = percentiles(resp, (50, 95, 99))
    p50, p95, p99 = q["p50"], q["p95"], q["p99"]
    if resp.size:
        w_mean, r_mean = float(wait.mean()), float(resp.mean())
    else:
        w_mean = r_mean = math.nan
    per_server = np.bincount(result.server[sel][served], minlength=result.params.n_servers)
    return PoolSummary(
        n_arrivals=int(sel.sum()),
        n_served=int(served.sum()),
        n_errors=int((out == ERROR).sum()),
        n_dropped=int((out == DROPPED).sum()),
        t_wait_mean=w_mean,
        t_response_mean=r_mean,
        t_p50=float(p50),
        t_p95=float(p95),
        t_p99=float(p99),
        per_server=per_server,
    )


def timeline(result: PoolResult, t_bucket: float = 1.0) -> Timeline:
    """Bucket a run by arrival time (``t_bucket`` seconds per bucket): counts, p50/p99 latency.

    >>> r = simulate_pool(PoolParams(lam=20.0, n_servers=2, mu=15.0, t_end=10.0),
    ...                   np.random.default_rng(2))
    >>> tl = timeline(r, 2.0)
    >>> tl.t.tolist(), int(tl.n_arrivals.sum()) == len(r.t_arrival)
    ([0.0, 2.0, 4.0, 6.0, 8.0], True)
    """
    t_end = result.params.t_end
    check_number("t_bucket", t_bucket, low=0, low_open=True, high=t_end)
    nb = int(math.ceil(t_end / t_bucket - 1e-9))
    b = np.minimum((result.t_arrival // t_bucket).astype(np.int64), nb - 1)
    out = result.outcome

    def count(mask):
        return np.bincount(b[mask], minlength=nb)

    served = out == SERVED
    p50 = np.full(nb, np.nan)
    p99 = np.full(nb, np.nan)
    sb, sr = b[served], result.t_response[served]
    order = np.lexsort((sr, sb))
    sb, sr = sb[order], sr[order]
    edges = np.searchsorted(sb, np.arange(nb + 1))
    for k in range(nb):
        lo, hi = edges[k], edges[k + 1]
        if hi > lo:
            q = percentiles(sr[lo:hi], (50, 99))
            p50[k], p99[k] = q["p50"], q["p99"]
    c = result.params.n_servers
    per = np.zeros((nb, c))
    np.add.at(per, (b[served], result.server[served]), 1.0)
    return Timeline(
        t=np.arange(nb) * float(t_bucket),
        n_arrivals=np.bincount(b, minlength=nb),
        n_served=count(served),
        n_errors=count(out == ERROR),
        n_dropped=count(out == DROPPED),
        t_p50=p50,
        t_p99=p99,
        per_server=per / t_bucket,
    )


# --------------------------------------------------------------------------------------------
# Formulas the simulation is checked against (mean wait in queue Wq, seconds)
# --------------------------------------------------------------------------------------------


def _check_load(lam: float, mu: float, c: int) -> float:
    check_number("lam", lam, low=0)
    check_number("mu", mu, low=0, low_open=True)
    check_int("c", c, low=1)
    rho = lam / (c * mu)
    if rho >= 1:
        raise ValueError(f"lam / (c * mu) must be < 1 for a steady state; got {rho:g}")
    return rho


def wait_random_split(lam: float, mu: float, c: int) -> float:
    """Mean wait (s) when each request goes to one of ``c`` servers at random.

    Each server then sees a Poisson stream of rate ``lam / c``: an M/M/1 queue
    (:func:`scalelab.queueing.mm1`).

    >>> round(wait_random_split(3.5, 1.0, 4), 12)
    7.0
    """
    _check_load(lam, mu, c)
    return mm1(lam / c, mu).t_wait


def wait_round_robin(lam: float, mu: float, c: int) -> float:
    """Mean wait (s) under round robin: each server is an E_c/M/1 queue.

    Every ``c``-th arrival of a Poisson stream of rate ``lam`` goes to one server, so its gaps are
    Erlang-``c`` distributed, far more regular than Poisson. For a G/M/1 queue the wait is
    ``Wq = sigma / (mu (1 - sigma))`` with ``sigma`` the root in (0, 1) of
    ``sigma = (lam / (lam + mu (1 - sigma)))**c`` (Kleinrock 1975, chapter 6).

    >>> round(wait_round_robin(3.5, 1.0, 4), 3)
    4.135
    """
    _check_load(lam, mu, c)
    if lam == 0:
        return 0.0
    sigma = lam / (c * mu)  # the Poisson (c = 1) root; iterate to the fixed point
    for _ in range(10_000):
        new = (lam / (lam + mu * (1.0 - sigma))) ** c
        if abs(new - sigma) < 1e-15:
            break
        sigma = new
    return sigma / (mu * (1.0 - sigma))


def wait_shared_queue(lam: float, mu: float, c: int) -> float:
    """Mean wait (s) if all ``c`` servers shared one queue: M/M/c, ``Wq = C(c, a) / (c mu - lam)``.

    No balancer that must commit each request to one server can beat it. This is
    :func:`scalelab.queueing.mmc` (Erlang C).

    >>> round(wait_shared_queue(3.5, 1.0, 4), 3)
    1.476
    """
    _check_load(lam, mu, c)
    return mmc(lam, mu, c).t_wait


def wait_power_of_two_limit(lam: float, mu: float, c: int) -> float:
    """Mean wait (s) of power-of-two-choices in the limit of very many servers (mean field).

    Mitzenmacher (2001): with ``rho = lam / (c mu)`` the mean time in the system is
    ``sum_{i>=1} rho**(2**i - 2) / mu``; the wait is that minus the service time ``1/mu``. It is
    a lower bound for a small pool (with 4 servers, two random picks often land on busy ones).

    >>> round(wait_power_of_two_limit(3.5, 1.0, 4), 3)
    1.387
    """
    rho = _check_load(lam, mu, c)
    total, i = 0.0, 2
    while True:
        term = rho ** (2**i - 2)
        total += term
        if term < 1e-15 or i > 60:
            break
        i += 1
    return total / mu


# --------------------------------------------------------------------------------------------
# Availability
# --------------------------------------------------------------------------------------------


def availability(n_servers: int, p_up: float, n_needed: int = 1) -> float:
    """Probability that at least ``n_needed`` of ``n_servers`` are up, each independently up with
    probability ``p_up``. With ``n_needed = 1`` it is ``1 - (1 - p_up) ** n_servers``.

    >>> availability(2, 0.99)
    0.9999
    >>> round(availability(3, 0.9, n_needed=2), 3)
    0.972
    """
    n = check_int("n_servers", n_servers, low=1)
    check_probability("p_up", p_up)
    k = check_int("n_needed", n_needed, low=0, high=n)
    return float(sum(math.comb(n, i) * p_up**i * (1 - p_up) ** (n - i) for i in range(k, n + 1)))


def failure_schedule(
    n_servers: int, t_mttf: float, t_mttr: float, t_end: float, rng: np.random.Generator
) -> tuple[Outage, ...]:
    """Random outages: each server alternates up (mean ``t_mttf`` s) and down (mean ``t_mttr`` s).

    Up and down times are exponential, and each server starts up with its long-run probability
    ``p_up = t_mttf / (t_mttf + t_mttr)``, so the schedule is stationary from ``t = 0``.

    >>> outs = failure_schedule(2, 100.0, 10.0, 500.0, np.random.default_rng(0))
    >>> all(0 <= o.t_down < 500.0 for o in outs)
    True
    """
    n = check_int("n_servers", n_servers, low=1)
    check_number("t_mttf", t_mttf, low=0, low_open=True)
    check_number("t_mttr", t_mttr, low=0, low_open=True)
    check_number("t_end", t_end, low=0, low_open=True)
    check_rng(rng)
    p_up = t_mttf / (t_mttf + t_mttr)
    out = []
    for j in range(n):
        t = 0.0
        is_up = rng.random() < p_up
        while t < t_end:
            if is_up:
                t += rng.exponential(t_mttf)
                is_up = False
            else:
                t_up = t + rng.exponential(t_mttr)
                out.append(Outage(j, t, t_up))
                t, is_up = t_up, True
    return tuple(out)


def fraction_time_up(
    outages: Sequence[Outage], n_servers: int, t_end: float, n_needed: int = 1
) -> float:
    """Share of ``[0, t_end]`` during which at least ``n_needed`` servers are up.

    >>> fraction_time_up([Outage(0, 0.0, 5.0), Outage(1, 2.0, 4.0)], 2, 10.0)
    0.8
    """
    n = check_int("n_servers", n_servers, low=1)
    check_number("t_end", t_end, low=0, low_open=True)
    k = check_int("n_needed", n_needed, low=0, high=n)
    deltas = []
    for o in outages:
        a, b = min(o.t_down, t_end), min(o.t_up, t_end)
        if b > a:
            deltas += [(a, -1), (b, +1)]
    deltas.sort()
    t_prev, n_up, good = 0.0, n, 0.0
    for t, d in deltas:
        if n_up >= k:
            good += t - t_prev
        n_up += d
        t_prev = t
    if n_up >= k:
        good += t_end - t_prev
    return good / t_end


# --------------------------------------------------------------------------------------------
# Vertical against horizontal: capacity and cost
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceType:
    """A machine size for rent: ``n_vcpu`` virtual CPUs at ``price_per_hour`` (USD)."""

    name: str
    n_vcpu: int
    price_per_hour: float


# AWS EC2 on-demand prices, general-purpose m7i family, Linux, region us-east-1 (USD per hour),
# from https://aws.amazon.com/ec2/pricing/on-demand/ as listed in 2024. The price per vCPU is the
# same for every size; m7i.48xlarge (192 vCPUs, 768 GiB) is the largest of the family.
M7I = (
    InstanceType("m7i.large", 2, 0.1008),
    InstanceType("m7i.xlarge", 4, 0.2016),
    InstanceType("m7i.2xlarge", 8, 0.4032),
    InstanceType("m7i.4xlarge", 16, 0.8064),
    InstanceType("m7i.8xlarge", 32, 1.6128),
    InstanceType("m7i.12xlarge", 48, 2.4192),
    InstanceType("m7i.16xlarge", 64, 3.2256),
    InstanceType("m7i.24xlarge", 96, 4.8384),
    InstanceType("m7i.48xlarge", 192, 9.6768),
)

# AWS Application Load Balancer, us-east-1, 2024: USD 0.0225 per hour plus USD 0.008 per LCU-hour
# (https://aws.amazon.com/elasticloadbalancing/pricing/). Only the hourly part is modelled.
ALB_PRICE_PER_HOUR = 0.0225


def usl_capacity(
    n_vcpu: int, rate_per_vcpu: float, sigma: float = 0.0, kappa: float = 0.0
) -> float:
    """Requests/s one machine with ``n_vcpu`` CPUs can serve (Gunther's Universal Scalability Law).

    ``X(N) = N x1 / (1 + sigma (N - 1) + kappa N (N - 1))`` with ``x1 = rate_per_vcpu``:
    ``sigma`` is contention (the share of work that is serial), ``kappa`` coherency (the cost of
    CPUs keeping shared data consistent). With both 0 capacity grows linearly.

    >>> usl_capacity(8, 100.0)
    800.0
    >>> round(usl_capacity(64, 100.0, sigma=0.02, kappa=0.0001), 1)
    2403.1
    """
    n = check_int("n_vcpu", n_vcpu, low=1)
    check_number("rate_per_vcpu", rate_per_vcpu, low=0, low_open=True)
    check_number("sigma", sigma, low=0, high=1)
    check_number("kappa", kappa, low=0, high=1)
    return n * rate_per_vcpu / (1 + sigma * (n - 1) + kappa * n * (n - 1))


@dataclass(frozen=True)
class ScalingPlan:
    """A way to serve a peak: ``n_servers`` of ``instance`` (plus a balancer, if more than one).

    ``capacity_rps``: requests/s the servers can serve at the target utilisation with every
    server up; ``cost_per_hour`` (USD); ``availability``: probability that enough servers are up
    to carry the peak; ``feasible``: False when even the largest machine is too small.
    """

    kind: str
    instance: InstanceType
    n_servers: int
    capacity_rps: float
    cost_per_hour: float
    availability: float
    feasible: bool


def plan_vertical(
    peak_rps: float,
    rate_per_vcpu: float,
    *,
    rho_target: float = 0.7,
    p_up: float = 0.995,
    catalogue: Sequence[InstanceType] = M7I,
    sigma: float = 0.0,
    kappa: float = 0.0,
) -> ScalingPlan:
    """The smallest single machine in ``catalogue`` that serves ``peak_rps`` at ``rho_target``.

    If none does, the largest one, with ``feasible=False``: the hard limit of scaling up. One
    machine is a single point of failure, so availability is its own ``p_up``.

    >>> plan = plan_vertical(1000.0, 100.0)
    >>> plan.instance.name, plan.feasible
    ('m7i.4xlarge', True)
    >>> plan_vertical(20_000.0, 100.0).feasible
    False
    """
    check_number("peak_rps", peak_rps, low=0)
    check_number("rho_target", rho_target, low=0, low_open=True, high=1)
    check_probability("p_up", p_up)
    if not catalogue:
        raise ValueError("catalogue must list at least one InstanceType; got none")
    sizes = sorted(catalogue, key=lambda m: m.n_vcpu)
    for m in sizes:
        cap = usl_capacity(m.n_vcpu, rate_per_vcpu, sigma, kappa) * rho_target
        if cap >= peak_rps:
            return ScalingPlan("vertical", m, 1, cap, m.price_per_hour, p_up, True)
    best = max(sizes, key=lambda m: usl_capacity(m.n_vcpu, rate_per_vcpu, sigma, kappa))
    cap = usl_capacity(best.n_vcpu, rate_per_vcpu, sigma, kappa) * rho_target
    return ScalingPlan("vertical", best, 1, cap, best.price_per_hour, p_up, False)


def plan_horizontal(
    peak_rps: float,
    rate_per_vcpu: float,
    *,
    instance: InstanceType = M7I[1],
    rho_target: float = 0.7,
    n_spare: int = 1,
    p_up: float = 0.995,
    lb_price_per_hour: float = ALB_PRICE_PER_HOUR,
) -> ScalingPlan:
    """Enough copies of ``instance`` to serve ``peak_rps`` at ``rho_target``, plus ``n_spare``.

    ``n = ceil(peak / (capacity * rho_target)) + n_spare``; the balancer's hourly price is added.
    Availability is the chance that at least ``n - n_spare`` servers are up.

    >>> plan = plan_horizontal(1000.0, 100.0)
    >>> plan.n_servers, round(plan.cost_per_hour, 4)
    (5, 1.0305)
    """
    check_number("peak_rps", peak_rps, low=0)
    check_number("rho_target", rho_target, low=0, low_open=True, high=1)
    spare = check_int("n_spare", n_spare, low=0)
    check_probability("p_up", p_up)
    check_number("lb_price_per_hour", lb_price_per_hour, low=0)
    per = usl_capacity(instance.n_vcpu, rate_per_vcpu) * rho_target
    needed = max(1, math.ceil(peak_rps / per - 1e-9))
    n = needed + spare
    cost = n * instance.price_per_hour + (lb_price_per_hour if n > 1 else 0.0)
    return ScalingPlan(
        "horizontal", instance, n, n * per, cost, availability(n, p_up, needed), True
    )


# --------------------------------------------------------------------------------------------
# Time-bucketed form (for the capstone)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolBuckets:
    """Per bucket: offered, served, dropped and failed requests/s, mean response time (s) of
    the served requests, utilisation of the servers that are up, and cost (USD) of the bucket."""

    offered_rps: np.ndarray
    served_rps: np.ndarray
    dropped_rps: np.ndarray
    error_rps: np.ndarray
    t_response_mean: np.ndarray
    utilisation: np.ndarray
    cost: np.ndarray


def bucketed_pool(
    offered_rps,
    t_bucket: float,
    n_up,
    mu: float,
    n_queue_max: int,
    *,
    n_in_view=None,
    model: str = "random",
    price_per_server_hour: float = 0.0,
) -> PoolBuckets:
    """The pool at steady state, one time bucket at a time (for the capstone).

    ``offered_rps``: requests/s per bucket; ``t_bucket`` seconds per bucket; ``n_up``: servers
    up in each bucket (number or array); ``n_in_view``: servers the balancer sends traffic to
    (default ``n_up``; larger while a failure is not yet detected: those requests fail).
    ``model="random"``: each server an M/M/1/K queue fed a random share (exact for the random
    policy); ``model="pooled"``: one M/M/c/(cK) queue (exact for a shared queue, an optimistic
    bound for least connections). ``n_queue_max`` is K, requests a server holds at most. Both
    come from :func:`scalelab.queueing.mmck`.

    >>> b = bucketed_pool([10.0, 30.0], 60.0, 4, 5.0, 20)
    >>> b.utilisation.round(2).tolist(), bool(b.dropped_rps[1] > b.dropped_rps[0])
    ([0.5, 1.0], True)
    """
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_number("mu", mu, low=0, low_open=True)
    k = check_int("n_queue_max", n_queue_max, low=1, high=10_000)
    check_choice("model", model, ("random", "pooled"))
    check_number("price_per_server_hour", price_per_server_hour, low=0)
    lam = np.asarray(offered_rps, dtype=float)
    if lam.ndim != 1 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError("offered_rps must be a 1-d sequence of finite numbers >= 0")
    up = np.broadcast_to(np.asarray(n_up), lam.shape).astype(np.int64)
    view = up if n_in_view is None else np.broadcast_to(np.asarray(n_in_view), lam.shape)
    view = view.astype(np.int64)
    if np.any(up < 0) or np.any(view < up):
        raise ValueError("n_up must be >= 0 and n_in_view >= n_up in every bucket")
    to_up = np.divide(lam * up, view, out=np.zeros_like(lam), where=view > 0)
    error = np.where(view > 0, lam - to_up, 0.0)
    dropped = np.where(view > 0, 0.0, lam)
    served = np.zeros_like(lam)
    resp = np.full_like(lam, np.nan)
    for b in np.flatnonzero((up > 0) & (to_up > 0)):
        c = int(up[b])
        if model == "random":  # c independent M/M/1/K queues, each fed to_up / c
            lam_b, n_srv, n_buf = to_up[b] / c, 1, k - 1
        else:  # one M/M/c/(cK) queue
            lam_b, n_srv, n_buf = to_up[b], c, c * k - c
        metrics = mmck(lam_b, mu, n_srv, n_buf)
        blocked = mmck_drop_probability(lam_b, mu, n_srv, n_buf)
        served[b] = to_up[b] * (1.0 - blocked)
        dropped[b] += to_up[b] * blocked
        resp[b] = metrics.t_response
    util = np.divide(served, up * mu, out=np.zeros_like(lam), where=up > 0)
    cost = up * price_per_server_hour * t_bucket / 3600.0
    return PoolBuckets(lam, served, dropped, error, resp, util, cost)
