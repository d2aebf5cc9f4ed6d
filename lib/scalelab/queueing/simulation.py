"""Per-request simulation of a first-in, first-out queue with ``c`` servers.

:func:`simulate_fifo` takes arrival times and service times and returns every request's start,
wait and response time (a :class:`FifoResult`), for ``c`` servers and an optional finite buffer.
It is exact (the tests compare it with a plain loop) and fast: one server uses Lindley's
recursion in closed form (numpy's running maximum, a block at a time); several servers split the
requests into segments simulated side by side and then stitched together (a segment whose
starting state differs from where the previous one ends is redone: side by side once, then in
order, one request at a time, until every seam agrees). Near saturation and in overload, where
a line outlasts most segments, the requests go one at a time through a heap of the servers' free
times from the start. :func:`simulate_mmc` runs an M/M/c queue in one
call. :func:`summarize` gives means, percentiles (:func:`percentiles`), utilisation and
throughput (a :class:`QueueSummary`); :func:`backlog_over_time` counts requests waiting, in
service, departed and dropped at given times (a :class:`BacklogTrace`).

Simplifications: servers are identical and never fail; service times are whatever you pass
(exponential in :func:`simulate_mmc`); nobody gives up waiting. Units: seconds, requests/s.
"""

from __future__ import annotations

import functools
import heapq
import math
from array import array
from collections import deque
from dataclasses import dataclass

import numpy as np

from scalelab.queueing.arrivals import poisson_arrivals
from scalelab.queueing.erlang import _check_rates
from scalelab.validate import check_array, check_int, check_number, check_rng, check_type

__all__ = [
    "FifoResult",
    "simulate_fifo",
    "simulate_mmc",
    "percentiles",
    "QueueSummary",
    "summarize",
    "BacklogTrace",
    "backlog_over_time",
]


@dataclass(frozen=True)
class FifoResult:
    """Every request of one FIFO run (arrays indexed by request, in arrival order).

    ``t_arrival``, ``t_service`` (s) as given; ``t_start`` (s, when service begins; NaN if
    dropped); ``dropped`` (bool). Derived: ``t_wait`` and ``t_response`` (s, NaN if dropped),
    ``t_depart`` (s). Counts: ``n_arrived``, ``n_served``, ``n_dropped``.
    """

    t_arrival: np.ndarray
    t_service: np.ndarray
    t_start: np.ndarray
    dropped: np.ndarray
    n_servers: int
    n_buffer: int | None = None

    # Derived on first use (a long run need not pay for arrays nobody reads), then kept.
    @functools.cached_property
    def t_wait(self) -> np.ndarray:
        return self.t_start - self.t_arrival

    @functools.cached_property
    def t_depart(self) -> np.ndarray:
        return self.t_start + self.t_service

    @functools.cached_property
    def t_response(self) -> np.ndarray:
        return self.t_wait + self.t_service

    @property
    def n_arrived(self) -> int:
        return int(self.t_arrival.size)

    @property
    def n_dropped(self) -> int:
        return int(np.count_nonzero(self.dropped))

    @property
    def n_served(self) -> int:
        return self.n_arrived - self.n_dropped


def _check_times(t_arrival, t_service) -> tuple[np.ndarray, np.ndarray]:
    a = check_array("t_arrival", t_arrival, nonempty=False, unit="times (s)")
    s = check_array("t_service", t_service, ndim=None, nonempty=False, unit="times (s)")
    if s.shape != a.shape:
        raise ValueError(
            f"t_arrival and t_service must be 1-d arrays of the same length; got shapes "
            f"{a.shape} and {s.shape}"
        )
    if a.size and (a[0] < 0 or np.any(a[1:] < a[:-1])):
        raise ValueError("t_arrival must be sorted times >= 0 (seconds)")
    if a.size and s.min() < 0:
        raise ValueError(f"t_service must be >= 0 seconds; got a minimum of {s.min():g}")
    return a, s


def _lindley(a: np.ndarray, s: np.ndarray, block: int = 1 << 18) -> np.ndarray:
    """Start times for one FIFO server, vectorised: start_n = max_k<=n (a_k + s_k + ... + s_n-1).

    Computed a block at a time (the running sum and the running maximum carried from block to
    block, added in the same order as one pass), so long runs stay in the processor's cache.
    The blocks' working arrays are made once and reused (four fewer 2 MB allocations per block:
    fresh memory costs system time on first touch).
    """
    out = np.empty(a.size)
    m = min(block, a.size)
    head, before, run = np.empty(m), np.empty(m), np.empty(m)
    total, peak = 0.0, -math.inf  # services so far; max of (a - before) so far
    for i in range(0, a.size, block):
        ab, sb = a[i : i + block], s[i : i + block]
        k = ab.size
        bf, rn = before[:k], run[:k]
        bf[0] = total
        if k > 1:  # the running sum goes on from ``total``, in one pass's order
            hd = head[: k - 1]
            np.copyto(hd, sb[:-1])
            hd[0] = total + hd[0]
            np.cumsum(hd, out=bf[1:])
        total = bf[-1] + sb[-1]
        np.subtract(ab, bf, out=rn)
        np.maximum.accumulate(rn, out=rn)
        np.maximum(rn, peak, out=rn)
        peak = rn[-1]
        # (a - before) + before can round one step below a: nobody starts before arriving.
        np.add(bf, rn, out=bf)
        np.maximum(ab, bf, out=out[i : i + k])
    return out


def _heap_loop(a: np.ndarray, s: np.ndarray, c: int) -> np.ndarray:
    """Start times for ``c`` FIFO servers with an unlimited line, one request at a time: the
    servers' free times in a heap, each request served by the first server free (the readable
    loop; memoryviews hand it Python floats without building lists)."""
    free = [0.0] * c
    out = array("d")
    append, push = out.append, heapq.heapreplace
    for t, x in zip(
        memoryview(np.ascontiguousarray(a)), memoryview(np.ascontiguousarray(s)), strict=True
    ):
        f = free[0]
        if f > t:
            t = f
        push(free, t + x)
        append(t)
    return np.frombuffer(out, dtype=float)


def _offered_load(a: np.ndarray, s: np.ndarray, c: int) -> float:
    """Work brought per server per second over the run (its utilisation if it keeps up)."""
    span = float(a[-1] - a[0])
    return math.inf if span <= 0 else float(s.sum()) / (c * span)


def _sequential(a: np.ndarray, s: np.ndarray, c: int) -> bool:
    """Whether to serve requests one at a time rather than in segments side by side: near
    saturation or in overload a line outlasts most segments and they would mostly be redone
    (the result is the same exact one either way; this only picks the quicker way). A segment
    step costs more with more servers, so the bar is lower for many servers."""
    return _offered_load(a, s, c) > (0.97 if c <= 16 else 0.94)


def _segment_pass(A, S, F, R, start):
    """Simulate rows (segments) side by side for A.shape[1] steps; update F, R in place.

    ``F`` (rows x c): free times of the servers; ``R`` (rows x b): start times of the ``b``
    most recently accepted requests (None without a buffer limit). A request is dropped when
    the oldest of those has not started yet (the line holds ``b`` already).
    """
    rows, steps = A.shape
    c = F.shape[1]
    base = np.arange(rows) * c
    ff = F.reshape(-1)
    if R is not None:
        b = R.shape[1]
        rbase = np.arange(rows) * b
        rf = R.reshape(-1)
    for i in range(steps):
        a = A[:, i]
        k = base + F.argmin(axis=1)
        st = np.maximum(a, ff[k])
        if R is None:
            start[:, i] = st
            ff[k] = st + S[:, i]
            continue
        if b == 0:
            ok = ff[k] <= a
        else:
            kr = rbase + R.argmin(axis=1)
            ok = rf[kr] <= a
            rf[kr] = np.where(ok, st, rf[kr])
        start[:, i] = np.where(ok, st, np.nan)
        ff[k] = np.where(ok, st + S[:, i], ff[k])


def _state_key(F, R):
    key = np.sort(F, axis=1)
    if R is not None and R.shape[1]:
        key = np.concatenate([key, np.sort(R, axis=1)], axis=1)
    return key


def _multi_server(a, s, c, n_buffer, segment):
    n = a.size
    segment = min(segment, max(500, 2 * math.isqrt(n)))  # shorter runs: shorter segments
    rows = max(1, n // segment)
    if rows == 1:  # a short run: one request at a time is quicker than numpy steps
        recent = None if n_buffer is None else np.full(n_buffer, -np.inf)
        return _loop_segment(a, s, np.zeros(c), recent)[0]
    steps = -(-n // rows)
    warm = min(steps, max(64, steps // 2)) if rows > 1 else 0
    pad = rows * steps - n
    A = np.concatenate([a, np.full(pad, np.inf)]).reshape(rows, steps)
    S = np.concatenate([s, np.zeros(pad)]).reshape(rows, steps)
    b = None if n_buffer is None else n_buffer

    def fresh(m):
        F = np.zeros((m, c))
        R = None if b is None else np.full((m, b), -np.inf)
        return F, R

    # Pass 1: every segment starts empty, after a warm-up on the tail of the previous segment,
    # which usually brings it to the state the previous segment really ends in.
    F, R = fresh(rows)
    if warm:
        Fw = F[1:].copy()
        Rw = None if R is None else R[1:].copy()
        _segment_pass(A[:-1, -warm:], S[:-1, -warm:], Fw, Rw, np.empty((rows - 1, warm)))
        F[1:] = Fw
        if R is not None:
            R[1:] = Rw
    F0 = F.copy()
    R0 = None if R is None else R.copy()
    start = np.empty((rows, steps))
    _segment_pass(A, S, F, R, start)
    # Pass 2: redo, side by side, each segment whose starting state differs from where its
    # predecessor ends (a segment's result depends only on its starting state).
    want_F = np.zeros((rows, c))
    want_F[1:] = F[:-1]
    want_R = None
    if R is not None:
        want_R = np.full((rows, b), -np.inf)
        want_R[1:] = R[:-1]
    bad = np.flatnonzero(np.any(_state_key(want_F, want_R) != _state_key(F0, R0), axis=1))
    if bad.size:
        F0[bad] = want_F[bad]
        Fb = want_F[bad].copy()
        Rb = None
        if R is not None:
            R0[bad] = want_R[bad]
            Rb = want_R[bad].copy()
        sub = np.empty((bad.size, steps))
        _segment_pass(A[bad], S[bad], Fb, Rb, sub)
        start[bad] = sub
        F[bad] = Fb
        if R is not None:
            R[bad] = Rb
    # Then a sweep in order: a seam that still disagrees (a backlog that outlasts a segment)
    # is redone one request at a time from the true state, so the result is always exact.
    for j in range(1, rows):
        same = np.array_equal(np.sort(F[j - 1]), np.sort(F0[j]))
        if R is not None:
            same = same and np.array_equal(np.sort(R[j - 1]), np.sort(R0[j]))
        if same:
            continue
        F0[j] = F[j - 1]
        if R is not None:
            R0[j] = R[j - 1]
        start[j], F[j], Rj = _loop_segment(A[j], S[j], F[j - 1], None if R is None else R[j - 1])
        if R is not None:
            R[j] = Rj
    return start.reshape(-1)[:n]


def _loop_segment(a, s, free0, recent0):
    """One segment, one request at a time, from a given state (the readable version).

    ``free0``: the servers' free times; ``recent0``: start times of the last ``b`` accepted
    requests (None: unlimited line). Returns starts (NaN if dropped) and the final state.
    """
    free = sorted(free0.tolist())
    heapq.heapify(free)
    b = None if recent0 is None else recent0.size
    recent = deque(sorted(recent0.tolist())) if recent0 is not None else None
    out = np.empty(a.size)
    for i, (x, y) in enumerate(zip(a.tolist(), s.tolist(), strict=True)):
        f = free[0]
        if b is not None:
            if (b == 0 and f > x) or (b > 0 and recent[0] > x):
                out[i] = math.nan
                continue
        st = x if x > f else f
        heapq.heapreplace(free, st + y)
        if b:
            recent.popleft()
            recent.append(st)
        out[i] = st
    final_r = None if b is None else np.array(recent, dtype=float)
    return out, np.array(free), final_r


def simulate_fifo(
    t_arrival,
    t_service,
    n_servers: int = 1,
    *,
    n_buffer: int | None = None,
    segment: int = 2000,
) -> FifoResult:
    """Serve requests first in, first out by ``n_servers`` identical servers.

    ``t_arrival``: sorted arrival times (s); ``t_service``: each request's service time (s);
    ``n_buffer``: places in the line (None: unlimited; 0: no line, a request that finds every
    server busy is dropped). A request starts at the later of its arrival and the moment the
    first server comes free; the result holds every request's start, wait and response.

    ``segment`` (most requests per segment; shorter runs use fewer, down to 500 or twice the
    square root of their length) tunes speed only; the result is exact for any value. Near
    saturation and in overload (offered load above 0.97, or 0.94 with more than 16 servers)
    and for runs no longer than a segment, requests are served one at a time (a heap of the
    servers' free times), which is then quicker. The
    readable reference this is checked against (tests/lib/test_lib_queueing.py)::

        free = [0.0] * n_servers
        for a, s in zip(t_arrival, t_service):
            k = free.index(min(free))
            start = max(a, free[k]); free[k] = start + s

    >>> r = simulate_fifo([0.0, 0.0, 1.0], [2.0, 2.0, 1.0], n_servers=1)
    >>> r.t_start.tolist(), r.t_wait.tolist()
    ([0.0, 2.0, 4.0], [0.0, 2.0, 3.0])
    >>> simulate_fifo([0.0, 0.0, 1.0], [2.0, 2.0, 1.0], 1, n_buffer=0).dropped.tolist()
    [False, True, True]
    """
    a, s = _check_times(t_arrival, t_service)
    c = check_int("n_servers", n_servers, low=1)
    if n_buffer is not None:
        n_buffer = check_int("n_buffer", n_buffer, low=0)
    segment = check_int("segment", segment, low=16)
    if a.size == 0:
        start = np.empty(0)
    elif c == 1 and n_buffer is None:
        start = _lindley(a, s)
    elif n_buffer is None and (a.size <= segment or _sequential(a, s, c)):
        start = _heap_loop(a, s, c)
    else:
        start = _multi_server(a, s, c, n_buffer, segment)
    return FifoResult(a, s, start, np.isnan(start), c, n_buffer)


def simulate_mmc(
    rate: float,
    rate_service: float,
    n_servers: int,
    n_requests: int,
    *,
    n_buffer: int | None = None,
    rng: np.random.Generator,
) -> FifoResult:
    """Simulate ``n_requests`` of an M/M/c queue (Poisson arrivals, exponential service).

    Unlike :func:`~scalelab.queueing.mmc` this also runs with ``rate >= n_servers * rate_service`` (the
    line just grows, or drops with a finite ``n_buffer``).

    >>> r = simulate_mmc(3.5, 1.0, 4, 1000, rng=np.random.default_rng(2))
    >>> r.n_arrived, r.n_dropped
    (1000, 0)
    """
    lam, mu, c = _check_rates(rate, rate_service, n_servers)
    check_number("rate", lam, low=0, low_open=True)
    n = check_int("n_requests", n_requests, low=0)
    check_rng(rng)
    a = poisson_arrivals(lam, n=n, rng=rng)
    s = rng.exponential(1.0 / mu, n)
    return simulate_fifo(a, s, c, n_buffer=n_buffer)


def percentiles(values, q=(50, 95, 99)) -> dict[str, float]:
    """Percentiles of ``values`` (NaNs, e.g. dropped requests, are left out) as ``{"p50": ...}``.

    >>> percentiles([1.0, 2.0, 3.0, 4.0, float("nan")], q=(50,))
    {'p50': 2.5}
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    qs = [check_number("q", v, low=0, high=100) for v in q]
    if x.size == 0:
        return {f"p{v:g}": float("nan") for v in qs}
    return {f"p{v:g}": float(p) for v, p in zip(qs, np.percentile(x, qs), strict=True)}


@dataclass(frozen=True)
class QueueSummary:
    """Key figures of a run, over requests that arrived in [``t_from``, ``t_to``).

    Times in seconds; ``rho`` (utilisation) is the busy fraction of the servers over the window;
    ``rate_served`` requests completed per second (throughput); ``wait_p``/``response_p`` percentiles
    (``{"p50", "p95", "p99"}``); ``p_drop`` the fraction of arrivals dropped.
    """

    n_arrived: int
    n_served: int
    n_dropped: int
    p_drop: float
    t_wait_mean: float
    t_response_mean: float
    wait_p: dict
    response_p: dict
    rho: float
    rate_served: float
    n_system_mean: float


def summarize(result: FifoResult, t_from: float = 0.0, t_to: float | None = None) -> QueueSummary:
    """Means, percentiles, utilisation and throughput of ``result`` over a window (s).

    Leave out a warm-up with ``t_from`` (the queue starts empty, which is not typical).

    >>> r = simulate_fifo([0.0, 1.0], [1.0, 1.0])
    >>> s = summarize(r, 0.0, 2.0)
    >>> s.rho, s.t_wait_mean
    (1.0, 0.0)
    """
    check_type("result", result, FifoResult)
    check_number("t_from", t_from, low=0)
    if t_to is None:
        last = result.t_depart[~result.dropped]
        t_to = float(max(last.max() if last.size else 0.0, result.t_arrival[-1:].max(initial=0)))
    check_number("t_to", t_to, low=t_from)
    span = max(t_to - t_from, 1e-300)
    sel = (result.t_arrival >= t_from) & (result.t_arrival < t_to)
    served = sel & ~result.dropped
    n_arr, n_srv = int(sel.sum()), int(served.sum())
    wait = result.t_wait[served]
    resp = result.t_response[served]
    ok = ~result.dropped
    busy = np.clip(result.t_depart[ok], t_from, t_to) - np.clip(result.t_start[ok], t_from, t_to)
    in_sys = np.clip(result.t_depart[ok], t_from, t_to) - np.clip(
        result.t_arrival[ok], t_from, t_to
    )
    done = ok & (result.t_depart >= t_from) & (result.t_depart < t_to)
    return QueueSummary(
        n_arrived=n_arr,
        n_served=n_srv,
        n_dropped=n_arr - n_srv,
        p_drop=(n_arr - n_srv) / n_arr if n_arr else 0.0,
        t_wait_mean=float(wait.mean()) if n_srv else float("nan"),
        t_response_mean=float(resp.mean()) if n_srv else float("nan"),
        wait_p=percentiles(wait),
        response_p=percentiles(resp),
        rho=float(busy.sum() / (result.n_servers * span)),
        rate_served=float(done.sum() / span),
        n_system_mean=float(in_sys.sum() / span),
    )


@dataclass(frozen=True)
class BacklogTrace:
    """Counts at each time in ``t`` (s): ``n_queue`` waiting, ``n_service`` being served, and
    the running totals ``n_arrived``, ``n_departed`` and ``n_dropped``.

    Conservation: ``n_arrived == n_departed + n_queue + n_service + n_dropped`` at every time.
    """

    t: np.ndarray
    n_queue: np.ndarray
    n_service: np.ndarray
    n_arrived: np.ndarray
    n_departed: np.ndarray
    n_dropped: np.ndarray


def backlog_over_time(result: FifoResult, t) -> BacklogTrace:
    """Requests waiting (the backlog), in service, departed and dropped at times ``t`` (s).

    Counts are taken just after each time (an arrival at exactly ``t`` is counted).

    >>> r = simulate_fifo([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    >>> backlog_over_time(r, [0.5, 1.5, 3.5]).n_queue.tolist()
    [2, 1, 0]
    """
    check_type("result", result, FifoResult)
    t = np.asarray(t, dtype=float)
    ok = ~result.dropped
    arrived = np.searchsorted(result.t_arrival, t, side="right")
    dropped = np.searchsorted(result.t_arrival[result.dropped], t, side="right")
    accepted = np.searchsorted(result.t_arrival[ok], t, side="right")
    started = np.searchsorted(np.sort(result.t_start[ok]), t, side="right")
    departed = np.searchsorted(np.sort(result.t_depart[ok]), t, side="right")
    return BacklogTrace(
        t=t,
        n_queue=accepted - started,
        n_service=started - departed,
        n_arrived=arrived,
        n_departed=departed,
        n_dropped=dropped,
    )
