"""A pool of servers behind a balancer: its parameters and its results, as data.

:class:`PoolParams` describes a run: arrivals at ``rate`` requests/s, ``n_servers`` servers of
service rate ``rate_service`` requests/s each with its own FIFO queue of at most ``n_queue_max``, a policy, the
health-check interval and the :class:`Outage` s (a server down from one time to another). A run
returns a :class:`PoolResult` (every request's server, outcome (:data:`SERVED`, :data:`ERROR`,
:data:`DROPPED`), wait and response time), which reduces to a :class:`PoolSummary` or a
per-bucket :class:`Timeline`. Times in seconds, rates in requests/s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from scalelab.load_balancer.policies import POLICIES
from scalelab.validate import check_choice, check_number, param, validate_fields

__all__ = [
    "SERVED",
    "ERROR",
    "DROPPED",
    "Outage",
    "PoolParams",
    "PoolResult",
    "PoolSummary",
    "Timeline",
]


SERVED, ERROR, DROPPED = 0, 1, 2
"""Outcome codes of a request: answered; failed (sent to a dead server, or lost when its server
crashed); turned away (queue full, or no server the balancer believes healthy: an HTTP 503)."""


@dataclass(frozen=True)
class Outage:
    """Server ``server`` (0-based) is down from ``t_down`` until ``t_up`` (seconds)."""

    server: int = param(kind="int", low=0, doc="the server that is down (0-based)")
    t_down: float = param(low=0, doc="when the server goes down", unit="s")
    t_up: float = math.inf

    def __post_init__(self):
        validate_fields(self)
        if not (isinstance(self.t_up, int | float) and self.t_up > self.t_down):
            raise ValueError(f"t_up must be > t_down = {self.t_down}; got {self.t_up!r}")


Policy = str | Callable[[list, list], int]


@dataclass(frozen=True)
class PoolParams:
    """A pool of servers behind a load balancer, and the traffic it gets.

    ``rate``: offered load (requests/s, Poisson; λ). ``n_servers``: servers in the pool.
    ``rate_service``: service rate μ of each server (requests/s; exponential service times of
    mean ``1/rate_service``), a number or one per server. ``policy``: a name from :data:`POLICIES`, or a function
    ``policy(active, healthy) -> index`` given each server's requests in progress and the
    balancer's view of its health. ``weights``: for the weighted policies (default:
    ``rate_service``).
    ``n_queue_max``: most requests a server holds (waiting + in service) before it turns new
    ones away (None: no limit). ``t_check_interval``: seconds between health checks (0: the
    balancer knows at once). ``outages``: :class:`Outage` s. ``t_join``: when each server joins
    the pool (s; default all at 0). ``t_end``: length of the run (s).
    """

    rate: float = param(low=0, high=1e6, doc="offered load (Poisson)", unit="requests/s")
    n_servers: int = param(kind="int", low=1, high=1000, doc="servers in the pool")
    rate_service: float | tuple[float, ...] = 1.0
    policy: Policy = "round_robin"
    weights: tuple[float, ...] | None = None
    n_queue_max: int | None = param(
        None, kind="int", low=1, doc="most requests a server holds (None: no limit)"
    )
    t_check_interval: float = param(
        5.0, low=0, high=1e6, doc="time between health checks (0: known at once)", unit="s"
    )
    outages: tuple[Outage, ...] = ()
    t_join: tuple[float, ...] | None = None
    t_end: float = param(1000.0, low=0, high=1e7, low_open=True, doc="length of the run", unit="s")

    def __post_init__(self):
        validate_fields(self)
        n = self.n_servers
        mus = (
            self.rate_service
            if isinstance(self.rate_service, tuple | list)
            else (self.rate_service,) * n
        )
        if len(mus) != n:
            raise ValueError(
                f"rate_service must be a number or {n} numbers (one per server); "
                f"got {self.rate_service!r}"
            )
        for m in mus:
            check_number("rate_service", m, low=0, low_open=True, high=1e6)
        if isinstance(self.policy, str):
            check_choice("policy", self.policy, POLICIES)
        elif not callable(self.policy):
            raise ValueError(f"policy must be one of {POLICIES} or a function; got {self.policy!r}")
        if self.weights is not None:
            if len(self.weights) != n:
                raise ValueError(f"weights must hold {n} numbers; got {self.weights!r}")
            for w in self.weights:
                check_number("weights", w, low=0, low_open=True)
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
        """Service rate of each server (requests/s), an array."""
        if isinstance(self.rate_service, tuple | list):
            return np.asarray(self.rate_service, dtype=float)
        return np.full(self.n_servers, float(self.rate_service))

    @property
    def capacity(self) -> float:
        """Total capacity of the pool with every server up (requests/s)."""
        return float(self.mus.sum())

    @property
    def utilisation(self) -> float:
        """Offered load over total capacity (above 1 the pool cannot keep up)."""
        return self.rate / self.capacity


@dataclass(frozen=True)
class PoolResult:
    """One run of :func:`~scalelab.load_balancer.simulate_pool`: one entry per request, in
    arrival order.

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
