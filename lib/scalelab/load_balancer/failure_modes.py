"""How a dead server fails decides how much traffic a balancer sends it.

The picture. A server in a pool breaks, and the balancer's health checks have not noticed yet.
What the balancer sees depends on *how* the server is broken:

- **fail fast** (``"fail_fast"``): the process is gone but the machine is up, so the kernel
  answers every new connection with a TCP reset, or a broken application answers ``500`` at
  once. Each request fails in a fraction of a millisecond, and the server never holds a
  connection. To a least-connections balancer it is the least busy server in the pool, every
  time: it becomes a **black hole** that swallows far more than its share.
- **hang** (``"hang"``): the machine is frozen, overloaded or cut off, so connection attempts get
  no reply at all. The balancer holds each one until its **connect timeout** ``t_timeout`` runs
  out, then gives up with an error (a ``502``/``504``). A hung server piles up connections, so
  least connections sends it *less* than round robin would; each of its failures, though, costs
  the client the whole timeout.

This module runs that window: one server (index 0) dead for the whole run, no health check, no
retry, so the difference between the two failure modes and between the policies stands alone.
The live servers are as in :func:`scalelab.load_balancer.simulate_pool`: Poisson arrivals at
``rate`` requests/s, exponential service at ``rate_service`` requests/s, one FIFO queue each.
Ties in least connections go round robin, as in nginx and HAProxy. Simplifications: a timeout
is a fixed number of seconds; a hung server accepts any number of pending connections.

>>> import numpy as np
>>> params = DeadServerParams(rate=60.0, n_servers=4, rate_service=20.0, failure="hang")
>>> res = simulate_dead_server(params, rng=np.random.default_rng(1))
>>> res.n_errors == res.n_to_dead
True
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from scalelab.queueing import exponential_service, poisson_arrivals
from scalelab.validate import check_choice, check_int, check_number, check_rng

__all__ = ["FAILURE_MODES", "DeadServerParams", "DeadServerResult", "simulate_dead_server"]

FAILURE_MODES = ("fail_fast", "hang")
"""How the dead server fails: a reset or an instant error, or no answer until a timeout."""

_POLICIES = ("round_robin", "random", "least_connections", "power_of_two")


@dataclass(frozen=True)
class DeadServerParams:
    """A pool with server 0 dead: ``rate`` requests/s offered to ``n_servers`` servers of
    ``rate_service`` requests/s each, chosen by ``policy``; the dead server fails in mode
    ``failure`` (one of :data:`FAILURE_MODES`); a hung connection is abandoned after
    ``t_timeout`` seconds; the run lasts ``t_end`` seconds."""

    rate: float = 60.0
    n_servers: int = 4
    rate_service: float = 20.0
    policy: str = "least_connections"
    failure: str = "fail_fast"
    t_timeout: float = 1.0
    t_end: float = 60.0

    def __post_init__(self):
        check_number("rate", self.rate, low=0)
        check_int("n_servers", self.n_servers, low=2)
        check_number("rate_service", self.rate_service, low=0, low_open=True)
        check_choice("policy", self.policy, _POLICIES)
        check_choice("failure", self.failure, FAILURE_MODES)
        check_number("t_timeout", self.t_timeout, low=0, low_open=True)
        check_number("t_end", self.t_end, low=0, low_open=True)


@dataclass(frozen=True)
class DeadServerResult:
    """What the run gave: ``n_requests`` arrivals, ``n_to_dead`` of them sent to the dead
    server, ``n_errors`` failed (all of those), ``p_to_dead`` their share,
    ``t_error_mean`` how long a client waited to learn its request failed (s),
    ``t_response_mean`` the mean response time of the requests that were served (s), and
    ``n_dead_active_mean`` the connections the dead server held on average."""

    params: DeadServerParams
    n_requests: int
    n_to_dead: int
    n_errors: int
    p_to_dead: float
    t_error_mean: float
    t_response_mean: float
    n_dead_active_mean: float

    @property
    def p_errors(self) -> float:
        """Share of all requests that failed."""
        return self.n_errors / self.n_requests if self.n_requests else 0.0


def simulate_dead_server(params: DeadServerParams, *, rng: np.random.Generator) -> DeadServerResult:
    """Run a pool whose server 0 is dead and unnoticed; see the module docstring.

    >>> import numpy as np
    >>> fast = simulate_dead_server(DeadServerParams(failure="fail_fast"), rng=np.random.default_rng(2))
    >>> hung = simulate_dead_server(DeadServerParams(failure="hang"), rng=np.random.default_rng(2))
    >>> fast.p_to_dead > 0.25 > hung.p_to_dead
    True
    """
    if not isinstance(params, DeadServerParams):
        raise ValueError(f"params must be a DeadServerParams; got {type(params).__name__}")
    check_rng(rng)
    p = params
    c = p.n_servers
    arrivals = poisson_arrivals(p.rate, t_end=p.t_end, rng=rng) if p.rate > 0 else np.zeros(0)
    n = len(arrivals)
    service = exponential_service(p.rate_service, n, rng=rng).tolist()
    u1 = rng.random(n).tolist()
    u2 = rng.random(n).tolist()
    hang = p.failure == "hang"
    active = [0] * c
    free_at = [0.0] * c
    leave: list[tuple[float, int]] = []  # heap of (time a connection ends, server)
    rr = 0
    n_dead = 0
    t_err, t_ok = [], []
    dead_area, t_last = 0.0, 0.0  # integral of the dead server's open connections
    for i, t in enumerate(arrivals.tolist()):
        while leave and leave[0][0] <= t:
            te, j = heapq.heappop(leave)
            if j == 0:
                dead_area += active[0] * (te - t_last)
                t_last = te
            active[j] -= 1
        dead_area += active[0] * (t - t_last)
        t_last = t
        if p.policy == "round_robin":
            j = rr % c
            rr += 1
        elif p.policy == "random":
            j = int(u1[i] * c)
        elif p.policy == "least_connections":
            s = rr % c
            rr += 1
            order = list(range(s, c)) + list(range(s))
            j = min(order, key=active.__getitem__)
        else:  # power_of_two
            a = int(u1[i] * c)
            b = int(u2[i] * (c - 1))
            b = b + 1 if b >= a else b
            j = b if active[b] < active[a] else a
        if j == 0:
            n_dead += 1
            if hang:
                active[0] += 1
                heapq.heappush(leave, (t + p.t_timeout, 0))
                t_err.append(p.t_timeout)
            else:
                t_err.append(0.0)
            continue
        start = max(t, free_at[j])
        done = start + service[i]
        free_at[j] = done
        active[j] += 1
        heapq.heappush(leave, (done, j))
        t_ok.append(done - t)
    t_span = max(t_last, 1e-12)
    return DeadServerResult(
        params=p,
        n_requests=n,
        n_to_dead=n_dead,
        n_errors=n_dead,
        p_to_dead=n_dead / n if n else 0.0,
        t_error_mean=float(np.mean(t_err)) if t_err else math.nan,
        t_response_mean=float(np.mean(t_ok)) if t_ok else math.nan,
        n_dead_active_mean=dead_area / t_span if n else 0.0,
    )
