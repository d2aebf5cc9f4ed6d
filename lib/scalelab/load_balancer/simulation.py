"""The load balancer simulated request by request, with health checks and failures.

:func:`simulate_pool` runs a :class:`~scalelab.load_balancer.PoolParams`: each server has a
service rate ``rate_service`` (requests/s it can finish) and its own first-in, first-out queue; the balancer
picks a server for every request with its policy and learns about failures only through
**health checks** every ``t_check_interval`` seconds (a server that crashes keeps receiving
requests, which fail, until the next check notices; a server that recovers gets traffic from the
first check after); a crashed server loses the requests it was working on; a full queue turns new
requests away. Oblivious policies with unlimited queues use
:func:`scalelab.queueing.simulate_fifo` per server (vectorised); state-aware policies
(:data:`STATE_AWARE`) look at every server's queue at every arrival, so the pool is then
simulated event by event. :func:`summarize` and :func:`timeline` reduce the result.
"""

from __future__ import annotations

import bisect
import heapq
import math

import numpy as np

from scalelab.load_balancer.pool import (
    DROPPED,
    ERROR,
    SERVED,
    PoolParams,
    PoolResult,
    PoolSummary,
    Timeline,
)
from scalelab.queueing import exponential_service, percentiles, poisson_arrivals, simulate_fifo
from scalelab.validate import check_number, check_rng, check_type

__all__ = [
    "STATE_AWARE",
    "simulate_pool",
    "summarize",
    "timeline",
]


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


def simulate_pool(params: PoolParams, *, rng: np.random.Generator) -> PoolResult:
    """Run the pool request by request and return every request's fate.

    The balancer's view of server ``i`` at time ``t`` is the server's true state at the last
    health check (times ``k * t_check_interval``); with ``t_check_interval = 0`` it is the true
    state. A request sent to a server that is down fails (:data:`ERROR`); requests a server is
    holding when it crashes fail too; a server that recovers starts with an empty queue.

    Randomness (arrivals, service times, random choices) comes from ``rng`` in a fixed order,
    so one seed gives one run.

    >>> from scalelab.load_balancer import Outage
    >>> p = PoolParams(rate=2.0, n_servers=2, rate_service=5.0, t_end=30.0,
    ...                outages=(Outage(0, 10.0, 20.0),), t_check_interval=4.0)
    >>> r = simulate_pool(p, rng=np.random.default_rng(3))
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
    check_type("params", params, PoolParams)
    check_rng(rng)
    p = params
    c = p.n_servers
    arrivals = poisson_arrivals(p.rate, t_end=p.t_end, rng=rng) if p.rate > 0 else np.zeros(0)
    n = len(arrivals)
    unit = exponential_service(1.0, n, rng=rng)  # service times in units of 1/rate_service
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

    events, periods, up, starts, outage_ids = _server_events(p)
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
        _serve_fifo(arrivals, unit, mus, periods, srv, out_a, wait_a, resp_a)
    _lose_at_crashes(arrivals, periods, srv, out_a, wait_a, resp_a)
    _detect_late(p, t_detect)
    return PoolResult(
        params=p,
        t_arrival=arrivals,
        server=srv,
        outcome=out_a,
        t_wait=wait_a,
        t_response=resp_a,
        t_detect=tuple(t_detect),
    )


def _server_events(p: PoolParams):
    """Server up/down events ``(time, kind, server)`` after t = 0, in time order (kind 1 is a
    crash; recoveries sort before crashes at the same time); each server's up-periods; who is
    up at t = 0; when each up-period starts; outage indices by ``(server, t_down)``."""
    c = p.n_servers
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
    return events, periods, up, starts, outage_ids


def _serve_fifo(arrivals, unit, mus, periods, srv, out_a, wait_a, resp_a) -> None:
    """Waits and responses (in place) when no request needed the event loop: each server alone
    is a FIFO queue (:func:`scalelab.queueing.simulate_fifo`); a crash empties it, so each
    up-period is separate."""
    to_serve = out_a == SERVED
    for j in range(len(periods)):
        mine = np.flatnonzero(to_serve & (srv == j))
        edges = np.searchsorted(arrivals[mine], np.asarray(periods[j]).ravel())
        for lo, hi in edges.reshape(-1, 2):
            idx = mine[lo:hi]
            if idx.size == 0:
                continue
            fifo = simulate_fifo(arrivals[idx], unit[idx] / mus[j], 1)
            wait_a[idx] = fifo.t_wait
            resp_a[idx] = fifo.t_response


def _lose_at_crashes(arrivals, periods, srv, out_a, wait_a, resp_a) -> None:
    """A crash ends an up-period: requests that arrived in it and were due to leave after are
    lost (in place: outcome ERROR, no wait or response)."""
    for j in range(len(periods)):
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


def _detect_late(p: PoolParams, t_detect: list) -> None:
    """Outages that start after the last arrival are still detected on schedule (in place)."""
    dt = float(p.t_check_interval)
    for k, o in enumerate(p.outages):
        if math.isnan(t_detect[k]) and o.t_down < p.t_end:
            if dt == 0:
                t_detect[k] = float(o.t_down)
            else:
                first = _first_check(o.t_down, dt)
                if first < o.t_up:
                    t_detect[k] = first


def _window(result: PoolResult, t_from: float, t_to: float | None) -> np.ndarray:
    t_to = result.params.t_end if t_to is None else t_to
    check_number("t_from", t_from, low=0)
    check_number("t_to", t_to, low=t_from)
    return (result.t_arrival >= t_from) & (result.t_arrival < t_to)


def summarize(result: PoolResult, t_from: float = 0.0, t_to: float | None = None) -> PoolSummary:
    """Totals and latency percentiles (s) of the requests arriving in ``[t_from, t_to)``.

    Use ``t_from`` to skip the warm-up of a run that starts empty.

    >>> r = simulate_pool(PoolParams(rate=5.0, n_servers=2, rate_service=5.0, t_end=100.0),
    ...                   rng=np.random.default_rng(7))
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

    >>> r = simulate_pool(PoolParams(rate=20.0, n_servers=2, rate_service=15.0, t_end=10.0),
    ...                   rng=np.random.default_rng(2))
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
