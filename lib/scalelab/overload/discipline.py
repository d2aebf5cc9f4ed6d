"""Backpressure and queue discipline: which requests a busy server serves, and which it refuses.

In overload some requests will fail; the only choice is which. A server with an unbounded
first-in-first-out (FIFO) queue makes the worst choice: every request waits behind everything
that came before it, so once the queue holds more than a client's timeout of work the
server completes only requests whose clients have gone. Its throughput is full and its
goodput is zero. Four remedies, on the same overload (:func:`simulate_discipline`):

- a **bounded queue** (``n_buffer``): refuse a request that finds the queue full; a refusal is
  *backpressure*, a fast, cheap signal the caller can act on (retry elsewhere, later, or not);
- **admission shedding** (``t_shed``): refuse a request when the queue already holds more than
  ``t_shed`` seconds of work, so that everything admitted can still finish in time;
- **LIFO** (last in, first out): serve the newest request first; in overload it is the one
  most likely to still have a client waiting, while the oldest wait (and time out) instead.
  Facebook's servers switch to LIFO when the queue builds up ("adaptive LIFO", Maurer, "Fail
  at Scale", ACM Queue 13(8), 2015);
- a **delay target** in the style of CoDel (Nichols and Jacobson, "Controlling Queue Delay",
  ACM Queue 10(5), 2012), which drops packets from the head of a queue whose delay has stayed
  above a 5 ms *target* for a 100 ms *interval*. The request version here drops a queued
  request (and tells its client at once) once it has waited ``t_target`` while the queue has
  not been empty for ``t_interval``, and ``t_interval`` otherwise, so a short burst still
  queues but a standing queue is kept short.

Simplifications: ``n_servers`` identical servers; the server cannot see client timeouts, so
it serves a request even when its client has left (a deadline carried with the request
would let it skip them); refusing or dropping a request costs nothing; the shedding rule
estimates the wait as queued requests × mean service time / servers. Units: seconds.

>>> r = simulate_discipline([0.0, 0.0, 0.0], [1.0, 1.0, 1.0], discipline="lifo", t_timeout=2.5)
>>> r.outcome.tolist()  # the newest of the two waiting goes first
['ok', 'late', 'ok']
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from scalelab.validate import check_array, check_choice, check_int, check_number

__all__ = ["QUEUE_DISCIPLINES", "OUTCOMES", "DisciplineResult", "simulate_discipline"]

QUEUE_DISCIPLINES = ("fifo", "lifo", "codel")
"""Disciplines of :func:`simulate_discipline`."""

OUTCOMES = ("ok", "late", "rejected", "dropped")
"""What happened to a request: served within the timeout, served after it (wasted work),
refused at admission, or dropped from the queue by the delay target."""


@dataclass(frozen=True)
class DisciplineResult:
    """Per request (arrival order): ``outcome`` (one of :data:`OUTCOMES`), ``t_response``
    (s, NaN unless served); over the run: ``rate_goodput`` (on-time completions/s from the
    first arrival to the last completion), ``p_ok`` (share on time), ``t_p99`` (p99 response of the requests
    served on time, s), ``p_wasted`` (share of the servers' work spent on late requests)."""

    outcome: np.ndarray
    t_response: np.ndarray
    rate_goodput: float
    p_ok: float
    t_p99: float
    p_wasted: float


def _start(queue, free, now, arrivals, discipline, state, t_target, t_interval, dropped):
    """The next queued request to start at ``now`` (or None); drops stale ones under CoDel."""
    if discipline == "lifo":
        return queue.pop()
    if discipline == "codel":
        standing = now - state["t_empty"] >= t_interval
        limit = t_target if standing else t_interval
        while queue and now - arrivals[queue[0]] > limit:
            dropped.append(queue.popleft())
        if not queue:
            state["t_empty"] = now
            return None
    return queue.popleft()


def simulate_discipline(
    t_arrival,
    t_service,
    *,
    n_servers: int = 1,
    discipline: str = "fifo",
    t_timeout: float,
    n_buffer: int | None = None,
    t_shed: float | None = None,
    t_target: float = 0.005,
    t_interval: float = 0.1,
) -> DisciplineResult:
    """Serve requests (sorted arrival times and service times, s) under a queue discipline.

    ``discipline``: ``"fifo"``, ``"lifo"`` or ``"codel"`` (drop after ``t_target`` in a
    standing queue, ``t_interval`` otherwise); ``n_buffer``: most requests waiting (None:
    unbounded); ``t_shed``: refuse when the estimated wait exceeds it (None: never);
    ``t_timeout``: the client's patience, which decides on time or late.

    >>> r = simulate_discipline([0.0, 0.0, 0.0], [1.0, 1.0, 1.0], t_timeout=1.5, n_buffer=1)
    >>> r.outcome.tolist(), r.t_response.tolist()
    (['ok', 'late', 'rejected'], [1.0, 2.0, nan])
    """
    a = check_array("t_arrival", t_arrival, nonempty=False, unit="times (s)")
    s = check_array("t_service", t_service, nonempty=False, unit="times (s)")
    if s.shape != a.shape or (a.size and np.any(np.diff(a) < 0)):
        raise ValueError("t_arrival (sorted) and t_service must be 1-d arrays of one length (s)")
    c = check_int("n_servers", n_servers, low=1)
    check_choice("discipline", discipline, QUEUE_DISCIPLINES)
    check_number("t_timeout", t_timeout, low=0, low_open=True)
    if n_buffer is not None:
        check_int("n_buffer", n_buffer, low=0)
    if t_shed is not None:
        check_number("t_shed", t_shed, low=0)
    check_number("t_target", t_target, low=0, low_open=True)
    check_number("t_interval", t_interval, low=t_target)
    start = np.full(a.size, np.nan)
    code = np.zeros(a.size, dtype=np.int8)  # 0 served, 2 rejected, 3 dropped
    t_mean = float(s.mean()) if s.size else 0.0
    free = [0.0] * c
    queue: deque[int] = deque()
    state, dropped = {"t_empty": 0.0}, []
    arrivals = a.tolist()
    for i, now in enumerate([*arrivals, math.inf]):
        while queue and free[0] <= now:
            j = _start(
                queue, free, free[0], arrivals, discipline, state, t_target, t_interval, dropped
            )
            if j is None:
                break
            start[j] = max(free[0], arrivals[j])
            heapq.heapreplace(free, start[j] + s[j])
            if not queue:
                state["t_empty"] = start[j]
        if i == a.size:
            break
        if free[0] <= now and not queue:
            start[i] = now
            heapq.heapreplace(free, now + s[i])
            state["t_empty"] = now
        elif (n_buffer is not None and len(queue) >= n_buffer) or (
            t_shed is not None and (len(queue) + 1) * t_mean / c > t_shed
        ):
            code[i] = 2
        else:
            queue.append(i)
    code[dropped] = 3
    return _summarize(a, s, start, code, t_timeout)


def _summarize(a, s, start, code, t_timeout) -> DisciplineResult:
    response = start + s - a
    served = code == 0
    ok = served & (response <= t_timeout)
    names = np.array(OUTCOMES)
    outcome = names[np.where(ok, 0, np.where(served, 1, code))]
    end = max(float(a[-1]), float(np.nanmax(start + s, initial=a[-1]))) if a.size else 0.0
    span = max(end - float(a[0]), 1e-12) if a.size else 1.0
    work = float(s[served].sum())
    return DisciplineResult(
        outcome=outcome,
        t_response=np.where(served, response, np.nan),
        rate_goodput=float(ok.sum() / span),
        p_ok=float(ok.mean()) if a.size else math.nan,
        t_p99=float(np.percentile(response[ok], 99)) if ok.any() else math.nan,
        p_wasted=float(s[served & ~ok].sum() / work) if work > 0 else 0.0,
    )
