"""Metastable failure: a short spike that leaves a server down after the spike is gone.

The picture (Bronson, Aghayev, Charapko and Zhu, "Metastable Failures in Distributed
Systems", HotOS 2021): a system runs busy but healthy (the *vulnerable* state); a *trigger*,
here a ten-second burst of traffic, overloads it; and a *sustaining effect* keeps it
overloaded after the trigger ends. The commonest sustaining effect is retries: requests time
out in the long queue the burst left behind, their clients send them again, and the queue
stays long, so the new requests time out too. The server works flat out, but nearly all it
finishes is for clients that have already given up: its **goodput** (useful completions per
second) collapses while its throughput stays at capacity. Huang et al. ("Metastable Failures
in the Wild", OSDI 2022) found retries among the most common sustaining effects in 22
incidents they studied at large cloud companies.

:func:`simulate_overload` is a *fluid* model (expected values, no randomness) of one server
and its clients, stepped every ``t_step`` seconds:

- clients send new requests at ``Spike.rate_base`` (``rate_spike`` during the spike); an
  attempt that gets no answer within ``ClientPolicy.t_timeout`` fails, and so does a rejected
  one, at once; a failed attempt is retried up to ``n_retries`` times after a capped
  exponential backoff (spread over the jitter's range, see :mod:`scalelab.overload.retries`);
- the server completes ``Server.rate_capacity`` requests/s from one queue (FIFO, LIFO or a
  CoDel-like delay limit); a request's service takes an exponential time of mean
  ``t_service``; the server does not know when a client has given up, so it still spends
  capacity on requests nobody waits for.

Four defences can be switched on: a **retry budget** (retries limited to ``p_retry_budget``
of the requests sent over the last 10 s; the SRE book's per-client budget is 10 %, Beyer et
al. 2016, ch. 21), **load shedding** (reject a request at once when the queue already holds
more than ``t_shed`` seconds of work), a client-side **circuit breaker** (stop sending for
``t_breaker_open`` s when more than half of recent attempts failed) and the queue
**discipline** (:mod:`scalelab.overload.discipline` has the per-request version).
:func:`drill_policies` holds the chapter's drill, and :func:`summarize_drill` its numbers.

Simplifications: one server, identical clients, no client ever abandons a request for good
(it retries until its retries run out), a rejection costs a fixed share of a request's work
(``Server.p_reject_cost``, 5 % by default), the breaker has
no half-open probing (it closes after its open time), and the p99 is an estimate (the longest
queue wait of the work started in a step, plus the 99th percentile of the service time).

>>> r = simulate_overload(Spike(), Server(), ClientPolicy(n_retries=0))
>>> round(float(r.rate_goodput[-10:].mean()))  # recovered: all 800 requests/s succeed
800
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from scalelab.overload.retries import JITTERS
from scalelab.validate import (
    check_number,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "DISCIPLINES",
    "Spike",
    "Server",
    "ClientPolicy",
    "OverloadResult",
    "simulate_overload",
    "DrillSummary",
    "summarize_drill",
    "drill_policies",
]

DISCIPLINES = ("fifo", "lifo", "codel")
"""Queue disciplines of :class:`Server`: first in first out, last in first out, and a
CoDel-like limit on the time a request may wait (Nichols and Jacobson, ACM Queue, 2012)."""

_T_WINDOW = 10.0  # s over which the retry budget counts requests and retries
_T_BREAKER_WINDOW = 1.0  # s of outcomes the breaker looks at


@dataclass(frozen=True)
class Spike:
    """The load: ``rate_base`` new requests/s, ``rate_spike`` from ``t_spike_start`` for
    ``t_spike`` seconds, over ``t_end`` seconds."""

    rate_base: float = param(
        800.0, low=0, doc="new requests/s outside the spike", unit="requests/s"
    )
    rate_spike: float = param(
        2000.0, low=0, doc="new requests/s during the spike", unit="requests/s"
    )
    t_spike_start: float = param(20.0, low=0, doc="when the spike starts", unit="s")
    t_spike: float = param(10.0, low=0, doc="how long the spike lasts", unit="s")
    t_end: float = 180.0

    def __post_init__(self):
        validate_fields(self)
        check_number("t_end", self.t_end, low=self.t_spike_start + self.t_spike, low_open=True)

    def rate(self, t) -> np.ndarray:
        """New requests/s at times ``t`` (s)."""
        t = np.asarray(t, dtype=float)
        inside = (t >= self.t_spike_start) & (t < self.t_spike_start + self.t_spike)
        return np.where(inside, float(self.rate_spike), float(self.rate_base))


@dataclass(frozen=True)
class Server:
    """One server: ``rate_capacity`` requests/s, mean service ``t_service`` s, a queue
    ``discipline``, optional shedding above ``t_shed`` s of queued work (None: never), the
    CoDel-like limits ``t_codel_target``/``t_codel_interval`` (s, used by ``"codel"``), and
    ``p_reject_cost``, the share of one request's work that rejecting a request costs."""

    rate_capacity: float = param(
        1000.0,
        low=0,
        low_open=True,
        doc="requests/s the server finishes at most",
        unit="requests/s",
    )
    t_service: float = param(0.05, low=0, low_open=True, doc="mean service time", unit="s")
    discipline: str = param(
        "fifo", kind="choice", choices=DISCIPLINES, doc="order the queue serves requests in"
    )
    t_shed: float | None = param(
        None, low=0, doc="queued work above which requests are shed (None: never)", unit="s"
    )
    t_codel_target: float = param(
        0.1, low=0, low_open=True, doc="CoDel's target queueing delay", unit="s"
    )
    t_codel_interval: float = 1.0
    p_reject_cost: float = param(
        0.05, kind="probability", doc="share of one request's work a rejection costs"
    )

    def __post_init__(self):
        validate_fields(self)
        check_number("t_codel_interval", self.t_codel_interval, low=self.t_codel_target)


@dataclass(frozen=True)
class ClientPolicy:
    """What clients do: give up after ``t_timeout`` s, retry up to ``n_retries`` times after a
    backoff (``t_backoff_base``, ``t_backoff_cap`` s, ``jitter``), within a retry budget of
    ``p_retry_budget`` (None: no budget), behind a circuit breaker (``breaker``) that opens for
    ``t_breaker_open`` s when more than ``p_breaker_open`` of the last second's attempts failed."""

    t_timeout: float = param(
        1.0, low=0, low_open=True, doc="time after which a client gives up", unit="s"
    )
    n_retries: int = param(3, kind="int", low=0, high=10, doc="retries after the first attempt")
    t_backoff_base: float = param(0.1, low=0, low_open=True, doc="first backoff", unit="s")
    t_backoff_cap: float = 2.0
    jitter: str = param("full", kind="choice", choices=JITTERS, doc="how the backoff is randomised")
    p_retry_budget: float | None = param(
        None, kind="probability", doc="retries allowed as a share of requests (None: no budget)"
    )
    breaker: bool = False
    p_breaker_open: float = param(
        0.5, kind="probability", doc="failed share that opens the circuit breaker"
    )
    t_breaker_open: float = param(5.0, low=0, doc="time the breaker stays open", unit="s")

    def __post_init__(self):
        validate_fields(self)
        check_number("t_backoff_cap", self.t_backoff_cap, low=self.t_backoff_base)


@dataclass(frozen=True)
class OverloadResult:
    """Per-step arrays of :func:`simulate_overload` (step ``t_step`` s; ``t`` each step's start).

    ``rate_demand`` new requests/s; ``rate_offered`` attempts/s reaching the server (first
    tries and retries); ``rate_retries`` retries/s among them; ``rate_admitted`` attempts/s
    queued; ``rate_served`` requests/s the server completed (its throughput); ``rate_goodput``
    completions/s in time for a waiting client; ``n_queue`` requests queued at the step's end;
    ``t_p99`` estimated p99 response time (s) of the work started in the step (NaN if none).
    """

    t: np.ndarray
    t_step: float
    rate_demand: np.ndarray
    rate_offered: np.ndarray
    rate_retries: np.ndarray
    rate_admitted: np.ndarray
    rate_served: np.ndarray
    rate_goodput: np.ndarray
    n_queue: np.ndarray
    t_p99: np.ndarray


def _offsets(policy: ClientPolicy, dt: float) -> list[tuple[int, int]]:
    """Steps after a failure over which retry ``k`` (k = 1 … n_retries) is spread evenly: the
    jitter's range (for decorrelated jitter, [base, min(cap, 3·base·2^(k-1))] stands in for its
    random walk)."""
    spans = []
    for k in range(1, policy.n_retries + 1):
        ceiling = min(policy.t_backoff_cap, policy.t_backoff_base * 2.0 ** (k - 1))
        lo, hi = {
            "none": (ceiling, ceiling),
            "full": (0.0, ceiling),
            "equal": (ceiling / 2, ceiling),
            "decorrelated": (
                policy.t_backoff_base,
                min(policy.t_backoff_cap, 3 * policy.t_backoff_base * 2.0 ** (k - 1)),
            ),
        }[policy.jitter]
        a = 1 + int(lo / dt)
        spans.append((a, max(a + 1, 1 + int(math.ceil(hi / dt - 1e-9)))))
    return spans


def _serve(queue, i, budget, server, policy, dt, adm, remaining, ok, waits):
    """Serve up to ``budget`` requests from the cohorts in ``queue``: (on time, served)."""
    good, start = 0.0, budget
    lifo = server.discipline == "lifo"
    while budget > 1e-12 and queue:
        j = queue[-1] if lifo else queue[0]
        take = min(budget, remaining[j])
        wait = (i - j) * dt
        slack = policy.t_timeout - wait
        p_ok = 1.0 - math.exp(-slack / server.t_service) if slack > 0 else 0.0
        ok[j] += take * p_ok
        good += take * p_ok
        waits.append((wait, take))
        remaining[j] -= take
        budget -= take
        if remaining[j] <= 1e-9:
            remaining[j] = 0.0
            queue.pop() if lifo else queue.popleft()
    return good, start - budget


def _codel_drop(queue, i, dt, server, state, remaining, adm) -> list[tuple[int, float]]:
    """Drop (from the head) cohorts waiting longer than the CoDel-like limit: ``t_codel_target``
    while the queue has not been empty for ``t_codel_interval``, else ``t_codel_interval``."""
    if not queue:
        state["t_empty"] = i * dt
        return []
    standing = i * dt - state["t_empty"] >= server.t_codel_interval
    limit = server.t_codel_target if standing else server.t_codel_interval
    dropped = []
    while queue and (i - queue[0]) * dt > limit:
        j = queue.popleft()
        dropped.append((j, remaining[j]))
        adm[j] -= remaining[j]
        remaining[j] = 0.0
    return dropped


def _p99(waits, t_service: float) -> float:
    if not waits:
        return math.nan
    total = sum(m for _, m in waits)
    acc = 0.0
    for w, m in sorted(waits, reverse=True):
        acc += m
        if acc >= 0.01 * total:
            return w + t_service * math.log(100.0)
    return math.nan  # pragma: no cover


class _Fluid:
    """The state of one :func:`simulate_overload` run (cohort ``j``: the attempts admitted in
    step ``j``; ``comp[j]``: their shares by attempt number, 0 for first tries)."""

    def __init__(self, load: Spike, server: Server, policy: ClientPolicy, dt: float):
        self.server, self.policy, self.dt = server, policy, dt
        self.n = n = int(round(load.t_end / dt))
        self.r = r = policy.n_retries
        self.t = np.arange(n) * dt
        self.demand = load.rate(self.t) * dt
        self.n_timeout = max(1, int(round(policy.t_timeout / dt)))
        self.spans = _offsets(policy, dt)
        pad = max((b for _, b in self.spans), default=1) + 2
        self.diff = np.zeros((n + pad, r + 1))  # changes of the retry arrival rate per step
        self.rate_due = [0.0] * (r + 1)
        self.adm, self.remaining, self.ok = np.zeros(n), np.zeros(n), np.zeros(n)
        self.comp = np.zeros((n, r + 1))
        self.queue: deque[int] = deque()
        self.queued = 0.0
        self.cap = server.rate_capacity * dt
        self.n_window = max(1, int(round(_T_WINDOW / dt)))
        self.sent = np.zeros((n + 1, 2))  # cumulative first tries and retries sent
        self.outcomes: deque = deque(maxlen=max(1, int(round(_T_BREAKER_WINDOW / dt))))
        self.open_until, self.codel = -1.0, {"t_empty": 0.0}

    def attempts(self, i: int) -> list[float]:
        """Attempts sent in step ``i`` by attempt number, after the breaker and the budget."""
        self.rate_due = [a + b for a, b in zip(self.rate_due, self.diff[i].tolist(), strict=True)]
        due = [float(self.demand[i])] + [max(x, 0.0) for x in self.rate_due[1:]]
        policy = self.policy
        if policy.breaker and self.t[i] < self.open_until:
            due = [0.0] * (self.r + 1)  # the breaker is open: fail fast, send nothing
        elif policy.p_retry_budget is not None and self.r:
            lo = max(0, i - self.n_window)
            first, retried = (self.sent[i] - self.sent[lo]).tolist()
            room = max(policy.p_retry_budget * (first + due[0]) - retried, 0.0)
            want = sum(due[1:])
            if want > room:
                due = [due[0]] + [x * room / want for x in due[1:]]
        self.sent[i + 1] = self.sent[i] + (due[0], sum(due[1:]))
        return due

    def admit(self, i: int, due: list[float]) -> tuple[float, list[float]]:
        """Queue what the server accepts; return (admitted, rejected by attempt number)."""
        offered = sum(due)
        server = self.server
        room = math.inf
        if server.t_shed is not None:
            room = max(server.rate_capacity * server.t_shed + self.cap - self.queued, 0.0)
        take = min(offered, room)
        if offered <= 0:
            return 0.0, [0.0] * (self.r + 1)
        if take > 0:
            self.adm[i] = self.remaining[i] = take
            self.comp[i] = [x / offered for x in due]
            self.queue.append(i)
            self.queued += take
        return take, [x * (1.0 - take / offered) for x in due]

    def fail(self, i: int, failed: list[float]) -> None:
        """Failed attempts (by attempt number) are retried over their backoff, or given up."""
        for k, (a, b) in enumerate(self.spans):
            if failed[k] > 0:
                rate = failed[k] / (b - a)
                self.diff[i + a, k + 1] += rate
                self.diff[i + b, k + 1] -= rate

    def breaker(self, i: int, n_ok: float, n_failed: float) -> None:
        """Open the breaker when more than ``p_breaker_open`` of the last second failed."""
        self.outcomes.append((n_ok, n_failed))
        if self.t[i] >= self.open_until:
            s_ok, s_fail = (sum(x) for x in zip(*self.outcomes, strict=True))
            if s_fail > self.policy.p_breaker_open * (s_ok + s_fail) and s_fail > 1.0:
                self.open_until = self.t[i] + self.policy.t_breaker_open
                self.outcomes.clear()


def _check_inputs(load, server, policy) -> None:
    for name, obj, kind in (("load", load, Spike), ("server", server, Server)):
        if not isinstance(obj, kind):
            raise ValueError(f"{name} must be a {kind.__name__}; got {type(obj).__name__}")
    check_type("policy", policy, ClientPolicy)


def simulate_overload(
    load: Spike, server: Server, policy: ClientPolicy, *, t_step: float = 0.1
) -> OverloadResult:
    """Step a server and its retrying clients through a spike (a deterministic fluid model).

    ``load``: new requests/s over time; ``server``: capacity (requests/s), service time (s),
    queue discipline and shedding; ``policy``: the clients' timeout, retries, backoff, retry
    budget and breaker; ``t_step``: the step (s), at most the timeout. See the module's
    docstring for the model. Returns an :class:`OverloadResult` of per-step arrays.

    >>> none = simulate_overload(Spike(), Server(), ClientPolicy(n_retries=3))
    >>> round(float(none.rate_goodput[-100:].mean()))  # the last 10 s: still down
    0
    """
    _check_inputs(load, server, policy)
    dt = check_number("t_step", t_step, low=0.001, high=policy.t_timeout)
    run = _Fluid(load, server, policy, dt)
    n = run.n
    out = np.zeros((7, n))  # offered, retries, admitted, served, goodput, queue, p99
    for i in range(n):
        due = run.attempts(i)
        take, failed = run.admit(i, due)
        if server.discipline == "codel":
            for j, mass in _codel_drop(run.queue, i, dt, server, run.codel, run.remaining, run.adm):
                failed = [f + mass * c for f, c in zip(failed, run.comp[j].tolist(), strict=True)]
                run.queued -= mass
        waits: list[tuple[float, float]] = []
        n_rejected = sum(failed)  # rejected and dropped: each costs a little work
        budget = max(run.cap - server.p_reject_cost * n_rejected, 0.0)
        good, served = _serve(
            run.queue, i, budget, server, policy, dt, run.adm, run.remaining, run.ok, waits
        )
        run.queued = max(run.queued - served, 0.0) if run.queue else 0.0
        j = i - run.n_timeout
        if j >= 0:
            late = max(run.adm[j] - run.ok[j], 0.0)
            failed = [f + late * c for f, c in zip(failed, run.comp[j].tolist(), strict=True)]
        run.fail(i, failed)
        if policy.breaker:
            run.breaker(i, run.ok[j] if j >= 0 else 0.0, sum(failed))
        p99 = _p99(waits, server.t_service)
        out[:, i] = (sum(due), sum(due[1:]), take, served, good, run.queued, p99)
    rates = out[:5] / dt
    return OverloadResult(
        t=run.t,
        t_step=dt,
        rate_demand=run.demand / dt,
        rate_offered=rates[0],
        rate_retries=rates[1],
        rate_admitted=rates[2],
        rate_served=rates[3],
        rate_goodput=rates[4],
        n_queue=out[5],
        t_p99=out[6],
    )


@dataclass(frozen=True)
class DrillSummary:
    """The drill's numbers for one run (requests/s, seconds, shares).

    ``rate_goodput_before``/``_during``/``_after``: mean goodput over the 10 s before the spike,
    during it, and over the last 30 s of the run; ``t_recover``: seconds from the spike's end
    until goodput (averaged over 5 s) is back to 95 % of demand for good (``inf`` if never);
    ``p_success``: completions in time per new request, from the spike's start to the end;
    ``rate_offered_peak``: the highest offered load (attempts/s, 1 s average).
    """

    rate_goodput_before: float
    rate_goodput_during: float
    rate_goodput_after: float
    t_recover: float
    p_success: float
    rate_offered_peak: float


def _moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Mean of the ``n`` values ending at each index (shorter at the start)."""
    c = np.concatenate(([0.0], np.cumsum(x)))
    idx = np.arange(1, x.size + 1)
    lo = np.maximum(idx - n, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def summarize_drill(result: OverloadResult, load: Spike) -> DrillSummary:
    """Goodput before, during and after the spike, recovery time and success share.

    >>> s = summarize_drill(simulate_overload(Spike(), Server(), ClientPolicy(n_retries=0)), Spike())
    >>> round(s.rate_goodput_before), round(s.rate_goodput_after), s.t_recover < 60
    (800, 800, True)
    """
    check_type("result", result, OverloadResult)
    t, dt = result.t, result.t_step
    end = load.t_spike_start + load.t_spike
    g = result.rate_goodput

    def mean(a, b):
        sel = (t >= a) & (t < b)
        return float(g[sel].mean()) if sel.any() else math.nan

    smooth = _moving_mean(g, max(1, int(round(5.0 / dt))))
    bad = np.flatnonzero((t >= end) & (smooth < 0.95 * result.rate_demand))
    t_recover = 0.0 if bad.size == 0 else float(t[bad[-1]] + dt - end)
    if bad.size and bad[-1] == t.size - 1:
        t_recover = math.inf
    after = t >= load.t_spike_start
    return DrillSummary(
        rate_goodput_before=mean(load.t_spike_start - 10.0, load.t_spike_start),
        rate_goodput_during=mean(load.t_spike_start, end),
        rate_goodput_after=mean(t[-1] + dt - 30.0, math.inf),
        t_recover=t_recover,
        p_success=float(g[after].sum() / max(result.rate_demand[after].sum(), 1e-12)),
        rate_offered_peak=float(_moving_mean(result.rate_offered, int(round(1.0 / dt))).max()),
    )


def drill_policies() -> dict[str, tuple[Server, ClientPolicy]]:
    """The chapter's drill: the same clients (1 s timeout, 3 retries, full-jitter backoff from
    0.1 s capped at 2 s) and server (1,000 requests/s, 50 ms service) under five policies:
    ``"no retries"``, ``"retries"`` (no defence), ``"retry budget"`` (10 %), ``"load shedding"``
    (reject above 0.5 s of queued work) and ``"circuit breaker"``.

    >>> sorted(drill_policies())
    ['circuit breaker', 'load shedding', 'no retries', 'retries', 'retry budget']
    """
    clients = ClientPolicy()
    return {
        "no retries": (Server(), ClientPolicy(n_retries=0)),
        "retries": (Server(), clients),
        "retry budget": (Server(), ClientPolicy(p_retry_budget=0.1)),
        "load shedding": (Server(t_shed=0.5), clients),
        "circuit breaker": (Server(), ClientPolicy(breaker=True)),
    }
