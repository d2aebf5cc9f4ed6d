"""The time-bucketed form of geo routing (for the capstone) and the failover scenario.

:func:`geo_buckets` takes per-bucket offered load, a :class:`GeoRouting` and DC health and returns
per-bucket load, failures and latency (a :class:`GeoBuckets`; the contract of
:mod:`scalelab.buckets`): GeoDNS routes each region (nearest healthy DC, or
capacity-aware), health checks and the DNS TTL delay every change, a DC that is down fails the
requests sent to it, and a live DC serves up to its capacity and drops the rest (no queueing
delay is modelled). :func:`simulate_failover` runs the chapter's scenario (a DC dies and comes
back, :class:`FailoverParams`) and :func:`failover_summary` reduces it to a
:class:`FailoverSummary`. Rates in requests/s, times (round trips too) in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalelab.buckets import Buckets, bucket_times
from scalelab.geo.health import client_shares, health_marks
from scalelab.geo.routing import _as_rtt, capacity_aware, nearest_healthy
from scalelab.geo.world import World
from scalelab.validate import (
    check_array,
    check_int,
    check_number,
    check_type,
    param,
    validate_fields,
)

_POLICIES = ("nearest", "capacity")

__all__ = [
    "GeoRouting",
    "GeoBuckets",
    "geo_buckets",
    "FailoverParams",
    "simulate_failover",
    "failover_summary",
    "FailoverSummary",
]


@dataclass(frozen=True)
class GeoRouting:
    """GeoDNS in front of the data centres, for the bucketed form (:func:`geo_buckets`).

    ``t_rtt[r][d]``: round trip (s) from user region ``r`` to DC ``d``; ``rate_capacity[d]``:
    requests/s DC ``d`` serves at most. GeoDNS answers each region by ``policy`` ("nearest":
    the nearest healthy DC; "capacity": :func:`~scalelab.geo.capacity_aware` with each bucket's
    demand) from what health checks every ``t_check`` s say (``n_fail`` failed checks in a row
    mark a DC down, ``n_ok`` good ones up again); clients keep an answer for the DNS TTL
    ``t_ttl`` s, except a share ``p_sticky`` of them that keep it ``t_sticky`` s (browsers,
    runtimes and resolvers that cache longer than told). Arrays may be given for ``t_rtt`` and
    ``rate_capacity``; they are kept as tuples (``rtt`` and ``capacity`` give arrays).
    """

    t_rtt: tuple
    rate_capacity: tuple
    t_ttl: float = param(60.0, low=0, doc="time to live of GeoDNS answers", unit="s")
    t_check: float = param(10.0, low=0, low_open=True, doc="time between health checks", unit="s")
    n_fail: int = param(
        3, kind="int", low=1, high=1000, doc="failed checks in a row that mark a DC down"
    )
    n_ok: int = param(2, kind="int", low=1, high=1000, doc="good checks in a row that mark a DC up")
    policy: str = param("nearest", kind="choice", choices=_POLICIES, doc="how GeoDNS picks a DC")
    p_sticky: float = param(
        0.0, kind="probability", doc="share of clients that keep an answer longer than told"
    )
    t_sticky: float = param(
        900.0, low=0, high=7 * 86_400, doc="how long sticky clients keep an answer", unit="s"
    )

    def __post_init__(self):
        validate_fields(self)
        rtt = _as_rtt(self.t_rtt)
        cap = check_array("rate_capacity", self.rate_capacity, low=0, unit="requests/s")
        if cap.shape != (rtt.shape[1],):
            raise ValueError(
                f"rate_capacity must hold one rate >= 0 requests/s per DC ({rtt.shape[1]}); "
                f"got {self.rate_capacity!r}"
            )
        object.__setattr__(self, "t_rtt", tuple(tuple(float(x) for x in row) for row in rtt))
        object.__setattr__(self, "rate_capacity", tuple(float(x) for x in cap))

    @classmethod
    def from_world(cls, world: World, **options) -> GeoRouting:
        """The routing of ``world``'s data centres (its round trips and capacities), with
        ``options`` for the other fields."""
        return cls(world.t_rtt, tuple(dc.rate_capacity for dc in world.dcs), **options)

    @property
    def rtt(self) -> np.ndarray:
        """Round trips (s), regions × DCs."""
        return np.asarray(self.t_rtt, dtype=float)

    @property
    def capacity(self) -> np.ndarray:
        """Requests/s each DC serves at most."""
        return np.asarray(self.rate_capacity, dtype=float)


@dataclass(frozen=True)
class GeoBuckets(Buckets):
    """Per-step results of ``geo_buckets`` (rates in requests/s, round trips in s), besides ``t``
    and ``t_bucket``.

    ``share``: steps × regions × DCs, expected traffic share; ``answers``: steps × regions,
    GeoDNS's answer; ``marked_up``: steps × DCs, health-check view; ``rate_load`` (offered to
    each DC) / ``rate_served``: steps × DCs; ``rate_failed``: steps, every request not served:
    ``rate_dead`` (sent to a DC that is down) plus ``rate_dropped`` (above a live DC's
    capacity); ``t_rtt_region``: steps × regions, mean RTT of the requests sent to live DCs (nan
    if none); ``t_rtt_mean``: steps, over all those requests.
    """

    share: np.ndarray
    answers: np.ndarray
    marked_up: np.ndarray
    rate_load: np.ndarray
    rate_served: np.ndarray
    rate_failed: np.ndarray
    rate_dead: np.ndarray
    rate_dropped: np.ndarray
    t_rtt_region: np.ndarray
    t_rtt_mean: np.ndarray


def _router(policy: str, demand: np.ndarray, rtt: np.ndarray, cap: np.ndarray):
    """``route(marked, demand=None)``: GeoDNS's answer per region, memoised per distinct input."""
    cache: dict[bytes, np.ndarray] = {}

    def route(marked: np.ndarray, now_demand: np.ndarray | None = None) -> np.ndarray:
        d = demand if now_demand is None else now_demand
        key = marked.tobytes() + (d.tobytes() if policy == "capacity" else b"")
        if key not in cache:
            if policy == "nearest":
                cache[key] = nearest_healthy(rtt, marked)
            else:
                cache[key] = capacity_aware(d, rtt, cap, marked)
        return cache[key]

    return route


def geo_buckets(rate, t_bucket: float, routing: GeoRouting, *, up=None) -> GeoBuckets:
    """GeoDNS, health checks and cached answers over time, one bucket of ``t_bucket`` s at a time.

    ``rate``: buckets × regions (requests/s each region's users send); ``routing``: the data
    centres and GeoDNS (a :class:`GeoRouting`); ``up``: buckets × DCs (True when the DC really
    works; default: always). GeoDNS answers each region from the health checker's view; clients
    follow with the TTL delay of ``client_shares`` (the sticky share with ``t_sticky``).

    >>> from scalelab.geo import default_world
    >>> w = default_world()
    >>> up = np.ones((3, 3), bool); up[1:, 1] = False
    >>> routing = GeoRouting.from_world(w, t_ttl=0, n_fail=1)
    >>> out = geo_buckets(np.tile(w.demand, (3, 1)), 60.0, routing, up=up)
    >>> out.rate_load[:, 1].round().tolist(), out.rate_failed.round().tolist()
    ([3241.0, 0.0, 0.0], [0.0, 1259.0, 1259.0])
    """
    check_type("routing", routing, GeoRouting)
    rtt = routing.rtt
    n_r, n_d = rtt.shape
    offered = check_array("rate", rate, ndim=2, low=0, unit="requests/s")
    if offered.shape[1] != n_r:
        raise ValueError(f"rate must be buckets × regions ({n_r}); got shape {offered.shape}")
    up = np.ones((offered.shape[0], n_d), dtype=bool) if up is None else np.asarray(up, bool)
    if up.shape != (offered.shape[0], n_d):
        raise ValueError(f"up must be buckets × DCs {offered.shape[0], n_d}; got {up.shape}")
    cap = routing.capacity
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    policy, p_sticky = routing.policy, routing.p_sticky
    marked = health_marks(up, t_bucket, routing.t_check, routing.n_fail, routing.n_ok)
    route = _router(policy, offered.mean(axis=0), rtt, cap)
    answers = np.stack([route(m, o) for m, o in zip(marked, offered, strict=True)])
    share = client_shares(answers, n_d, t_bucket, routing.t_ttl)
    if p_sticky > 0:
        sticky = client_shares(answers, n_d, t_bucket, routing.t_sticky)
        share = (1 - p_sticky) * share + p_sticky * sticky
    to_dc = offered[:, :, None] * share  # buckets × regions × DCs
    load = to_dc.sum(axis=1)
    served = np.where(up, np.minimum(load, cap[None, :]), 0.0)
    dead = np.where(up, 0.0, load).sum(axis=1)
    dropped = np.where(up, np.clip(load - cap[None, :], 0.0, None), 0.0).sum(axis=1)
    unrouted = offered.sum(axis=1) - load.sum(axis=1)  # regions with no answer at all
    dead = dead + np.where(np.abs(unrouted) < 1e-9, 0.0, unrouted)
    failed = dead + dropped
    live = to_dc * up[:, None, :]
    live_rate = live.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        rtt_region = np.where(live_rate > 0, (live * rtt[None]).sum(axis=2) / live_rate, np.nan)
        total_live = live_rate.sum(axis=1)
        rtt_mean = np.where(
            total_live > 0, (live * rtt[None]).sum(axis=(1, 2)) / total_live, np.nan
        )
    return GeoBuckets(
        share,
        answers,
        marked,
        load,
        served,
        failed,
        dead,
        dropped,
        rtt_region,
        rtt_mean,
        t=bucket_times(offered.shape[0], t_bucket),
        t_bucket=float(t_bucket),
    )


@dataclass(frozen=True)
class FailoverParams:
    """A failure drill: DC number ``dc`` dies at ``t_fail`` and comes back at ``t_recover`` (s).

    ``t_ttl``: DNS TTL of GeoDNS's answers (s); ``t_check``: seconds between health checks;
    ``n_fail``/``n_ok``: checks in a row that mark a DC down/up; ``t_end``: length of the run (s);
    ``t_step``: time step (s); ``policy``: "nearest" or "capacity"; ``p_sticky``: share of
    clients that ignore the TTL and keep an answer for ``t_sticky`` seconds.
    """

    dc: int = 1
    t_fail: float = 60.0
    t_recover: float = 600.0
    t_ttl: float = param(60.0, low=0, high=86_400, doc="time to live of GeoDNS answers", unit="s")
    t_check: float = param(10.0, low=0.01, high=3600, doc="time between health checks", unit="s")
    n_fail: int = param(
        3, kind="int", low=1, high=100, doc="failed checks in a row that mark a DC down"
    )
    n_ok: int = param(2, kind="int", low=1, high=100, doc="good checks in a row that mark a DC up")
    t_end: float = param(
        900.0, low=0, high=7 * 86_400, low_open=True, doc="length of the run", unit="s"
    )
    t_step: float = param(1.0, low=0.01, high=3600, doc="time step", unit="s")
    policy: str = param("nearest", kind="choice", choices=_POLICIES, doc="how GeoDNS picks a DC")
    p_sticky: float = param(0.0, kind="probability", doc="share of clients that ignore the TTL")
    t_sticky: float = param(
        900.0, low=0, high=86_400, doc="how long sticky clients keep an answer", unit="s"
    )

    def validate(self, n_dcs: int) -> None:
        validate_fields(self)
        check_int("dc", self.dc, low=-1, high=n_dcs - 1)
        check_number("t_fail", self.t_fail, low=0, high=self.t_end)
        check_number("t_recover", self.t_recover, low=self.t_fail)
        if self.t_end / self.t_step > 100_000:
            raise ValueError(
                f"t_end / t_step must be <= 100000 steps; got {self.t_end / self.t_step}"
            )


def _failover_inputs(world: World, p: FailoverParams):
    p.validate(len(world.dcs))
    n_t = int(round(p.t_end / p.t_step))
    t = np.arange(n_t) * p.t_step
    up = np.ones((n_t, len(world.dcs)), dtype=bool)
    if p.dc >= 0:
        up[(t >= p.t_fail) & (t < p.t_recover), p.dc] = False
    offered = np.tile(world.demand, (n_t, 1))
    return t, up, offered


def simulate_failover(world: World, params: FailoverParams = FailoverParams()) -> GeoBuckets:
    """Run a failure drill on ``world`` with constant demand (expected values, no randomness).

    >>> from scalelab.geo import default_world
    >>> out = simulate_failover(default_world(), FailoverParams(dc=1, t_ttl=60))
    >>> round(float(out.share[150, 3, 1]), 2)  # Europe's users still on dc-europe at t = 150 s
    0.0
    """
    t, up, offered = _failover_inputs(world, params)
    routing = GeoRouting.from_world(
        world,
        t_ttl=params.t_ttl,
        t_check=params.t_check,
        n_fail=params.n_fail,
        n_ok=params.n_ok,
        policy=params.policy,
        p_sticky=params.p_sticky,
        t_sticky=params.t_sticky,
    )
    return geo_buckets(offered, params.t_step, routing, up=up)


@dataclass(frozen=True)
class FailoverSummary:
    """Key numbers of a failure drill (seconds are measured from the failure)."""

    t_detected: float  # s after the failure when health checks marked the DC down
    t_half_moved: float  # s until half the dead DC's traffic was going elsewhere
    t_all_moved: float  # s until no traffic went to the dead DC
    failed_requests: float  # requests sent to the dead DC (they time out or are refused)
    dropped_requests: float  # requests above a live DC's capacity (overload after failover)
    rate_peak: dict[str, float]  # highest load (requests/s) on each DC during the run
    t_back: float  # s after recovery until the DC had its traffic back (nan if it never did)


def failover_summary(world: World, params: FailoverParams, out: GeoBuckets) -> FailoverSummary:
    """The numbers of ``simulate_failover(world, params)``'s result ``out``, stated plainly.

    >>> from scalelab.geo import default_world
    >>> w = default_world(); p = FailoverParams(dc=1, t_fail=65, t_ttl=60)
    >>> s = failover_summary(w, p, simulate_failover(w, p))
    >>> s.t_detected, s.t_all_moved, round(s.failed_requests), round(s.dropped_requests)
    (25.0, 85.0, 178241, 608613)
    """
    d, dt = params.dc, params.t_step
    t = out.t
    before = out.rate_load[t < params.t_fail, d].mean() if np.any(t < params.t_fail) else 0.0
    after = t >= params.t_fail
    down_now = after & (t < params.t_recover)
    marked_down = np.flatnonzero(down_now & ~out.marked_up[:, d])
    t_det = float(t[marked_down[0]] - params.t_fail) if marked_down.size else math.nan
    load_d = out.rate_load[:, d]

    def first(mask) -> float:
        idx = np.flatnonzero(mask)
        return float(t[idx[0]] - params.t_fail) if idx.size else math.nan

    t_half = first(down_now & (load_d <= 0.5 * before + 1e-9))
    t_all = first(down_now & (load_d <= 1e-9))
    back = (t >= params.t_recover) & (load_d >= before - 1e-6)
    idx = np.flatnonzero(back)
    t_back = float(t[idx[0]] - params.t_recover) if idx.size and before > 0 else math.nan
    return FailoverSummary(
        t_detected=t_det,
        t_half_moved=t_half,
        t_all_moved=t_all,
        failed_requests=float(out.rate_dead.sum() * dt),
        dropped_requests=float(out.rate_dropped.sum() * dt),
        rate_peak={
            n: float(x) for n, x in zip(world.dc_names, out.rate_load.max(axis=0), strict=True)
        },
        t_back=t_back,
    )
