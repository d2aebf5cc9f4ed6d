"""What every practice design is graded on: drills, targets, a run and its SLO results.

The three practice problems (a URL shortener, a news feed, a chat service) are each simulated
over the same **evening window**: two hours from 19:00, in one-minute buckets, at the daily
wave of :func:`scalelab.estimate.diurnal_rate` (peak at 20:00) with a little multiplicative
noise. Into that window a :class:`Drill` injects one thing going wrong: ``"node"`` (one cache
node, or for chat one connection server, goes down), ``"datacenter"`` (the data centre that
holds the primary databases goes down) or ``"spike"`` (traffic jumps by ``spike_factor``).

A simulation returns a :class:`PracticeRun` (per-bucket offered and failed requests/s, p99
latency, records lost and cost); :func:`check_targets` compares it with :class:`Targets`, four
service level objectives as in the capstone (:class:`scalelab.architecture.SLO`): p99 latency
in enough minutes, availability over the window, data lost and cost per hour. The result, an
:class:`SLOCheck`, gives each SLO's measured value and whether it was met, so a grader can give
one point per SLO.

The shared pieces of the three simulations live here too (private): the window's rate, where
users go (the nearest of the data-centre sites :data:`SITES`, with the course's measured round
trips ``scalelab.geo.BACKBONE_RTT``), a pool of servers as an M/M/c queue
(``scalelab.queueing``), and what a data-centre drill costs in failed requests and lost writes
(the replication chapter's picture: unshipped writes are lost when a replica is promoted).

Simplifications: each bucket is a steady state; a region's users all sit at one point; failed
requests count against availability, never latency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scalelab.buckets import NOT_PER_BUCKET, Buckets, bucket_times
from scalelab.estimate import diurnal_rate
from scalelab.geo import BACKBONE_RTT, DEFAULT_USERS_M, REGIONS, T_ACCESS
from scalelab.queueing import mmc_wait_quantile
from scalelab.validate import check_rng, check_type, param, validate_fields

__all__ = [
    "DRILLS",
    "SITES",
    "T_WINDOW",
    "T_FAILOVER",
    "T_LAG",
    "Drill",
    "Targets",
    "PracticeRun",
    "SLOCheck",
    "check_targets",
]

DRILLS = ("none", "node", "datacenter", "spike")
"""What a :class:`Drill` breaks: nothing, one node (a cache node; for chat a connection
server), the data centre holding the primary databases, or nothing but traffic (a spike)."""

SITES = ("na-east", "europe", "asia")
"""Data-centre sites in the order a design adds them (``n_regions`` = 1, 2 or 3); the first
holds the primary databases."""

T_WINDOW = 7_200.0
"""The graded window, seconds: 19:00 to 21:00, around the evening peak."""

T_FAILOVER = 60.0
"""Seconds from a primary database's loss until a replica in another region is promoted
(the capstone's ``T_FAILOVER_DB``: managed databases quote one to two minutes, AWS RDS 2024)."""

T_LAG = 0.1
"""Mean asynchronous replication lag, seconds (``scalelab.replication.ReplicaSet``'s default):
writes acknowledged within it are lost when the primary's data centre is lost."""

_T_OPEN = 19 * 3_600.0  # the window opens at 19:00
_T_DETECT = 30.0  # seconds for health checks to mark a data centre down (3 checks of 10 s)
_P99 = 0.99


@dataclass(frozen=True)
class Drill:
    """One thing that goes wrong in the window: ``kind`` (:data:`DRILLS`) from ``t_start`` for
    ``t_len`` seconds (both measured from 19:00); a spike multiplies traffic by
    ``spike_factor``.

    >>> Drill("datacenter", 1_800.0, 1_800.0).kind
    'datacenter'
    >>> Drill("spike", spike_factor=0.5)
    Traceback (most recent call last):
    ...
    ValueError: spike_factor must be in [1, 20]; got 0.5
    """

    kind: str = param("none", kind="choice", choices=DRILLS, doc="what goes wrong")
    t_start: float = param(
        1_800.0, low=0, high=T_WINDOW, doc="when it starts, after 19:00", unit="s"
    )
    t_len: float = param(1_800.0, low=0, high=T_WINDOW, doc="how long it lasts", unit="s")
    spike_factor: float = param(2.0, low=1, high=20, doc="traffic multiplier during a spike")

    def __post_init__(self):
        validate_fields(self)

    def share_active(self, t: np.ndarray, t_bucket: float, delay: float = 0.0) -> np.ndarray:
        """Share of each bucket (starting at ``t``, s) inside the drill, from ``delay`` s after
        its start (0 for no drill).

        >>> Drill("node", 60.0, 90.0).share_active(np.array([0.0, 60.0, 120.0]), 60.0).tolist()
        [0.0, 1.0, 0.5]
        """
        if self.kind == "none":
            return np.zeros(np.shape(t))
        lo, hi = self.t_start + delay, self.t_start + self.t_len
        overlap = np.clip(np.minimum(t + t_bucket, hi) - np.maximum(t, lo), 0.0, None)
        return overlap / t_bucket


@dataclass(frozen=True)
class Targets:
    """Service level objectives of a practice problem: p99 latency at most ``p99_max`` s in at
    least ``p_buckets`` of the minutes; at least ``availability_min`` of all requests succeed;
    at most ``data_lost_max`` records lost (writes, click records, feed entries, messages); an
    average cost of at most ``cost_max_hour`` dollars per hour."""

    p99_max: float = param(0.3, low=0, low_open=True, doc="p99 latency at most", unit="s")
    p_buckets: float = param(
        0.99, low=0, high=1, doc="share of minutes that must meet the latency objective"
    )
    availability_min: float = param(
        0.999, low=0, high=1, doc="successful share of all requests at least"
    )
    data_lost_max: float = param(100.0, low=0, doc="records lost at most")
    cost_max_hour: float = param(50.0, low=0, low_open=True, doc="average cost at most", unit="$/h")

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True, eq=False, kw_only=True)
class PracticeRun(Buckets):
    """Per-bucket results of a practice simulation (one entry per minute of the window).

    ``rate_offered``/``rate_failed``: requests/s users sent and that failed; ``p99``: p99
    latency of successful requests (s); ``data_lost``: records lost in the bucket;
    ``cost_per_hour``: $/h; ``metrics``: other named series (hit ratio, backlog, connections,
    ...), one entry per bucket.
    """

    rate_offered: np.ndarray
    rate_failed: np.ndarray
    p99: np.ndarray
    data_lost: np.ndarray
    cost_per_hour: np.ndarray
    metrics: dict = field(default_factory=dict, repr=False, metadata=NOT_PER_BUCKET)

    @property
    def availability(self) -> float:
        """Share of all requests of the window that succeeded."""
        total = float(np.sum(self.rate_offered))
        return 1.0 - float(np.sum(self.rate_failed)) / total if total > 0 else 1.0


@dataclass(frozen=True)
class SLOCheck:
    """Measured values and whether each SLO was met (``met``: name -> bool, in the order
    latency, availability, data_lost, cost)."""

    p99_ok_share: float
    availability: float
    data_lost: float
    cost_per_hour: float
    met: dict

    @property
    def n_met(self) -> int:
        """How many of the four SLOs were met."""
        return sum(bool(v) for v in self.met.values())


def check_targets(run: PracticeRun, targets: Targets) -> SLOCheck:
    """Which of ``targets`` the ``run`` meets, with the measured values.

    >>> t = bucket_times(2, 60.0)
    >>> run = PracticeRun(t=t, t_bucket=60.0, rate_offered=np.array([100.0, 100.0]),
    ...                   rate_failed=np.array([0.0, 1.0]), p99=np.array([0.1, 0.5]),
    ...                   data_lost=np.zeros(2), cost_per_hour=np.array([10.0, 10.0]))
    >>> check_targets(run, Targets()).met
    {'latency': False, 'availability': False, 'data_lost': True, 'cost': True}
    """
    check_type("run", run, PracticeRun)
    check_type("targets", targets, Targets)
    p99 = np.where(np.isfinite(run.p99), run.p99, 0.0)
    ok_share = float(np.mean(p99 <= targets.p99_max + 1e-12))
    avail = run.availability
    lost = float(np.sum(run.data_lost))
    cost = float(np.mean(run.cost_per_hour))
    met = {
        "latency": ok_share >= targets.p_buckets,
        "availability": avail >= targets.availability_min,
        "data_lost": lost <= targets.data_lost_max + 1e-9,
        "cost": cost <= targets.cost_max_hour + 1e-9,
    }
    return SLOCheck(ok_share, avail, lost, cost, met)


# ---------------------------------------------------------------------------------------------
# Shared pieces of the three simulations (private: each problem module composes them)
# ---------------------------------------------------------------------------------------------


def _window(rate_mean: float, peak_factor: float, drill: Drill, noise: float, t_bucket, rng):
    """(bucket starts, requests/s per bucket) over the window: the daily wave, the spike, noise."""
    rng = check_rng(rng)
    t = bucket_times(int(round(T_WINDOW / t_bucket)), t_bucket)
    hours = (_T_OPEN + t + t_bucket / 2) / 3_600.0
    rate = diurnal_rate(hours, rate_mean, peak_factor)
    if drill.kind == "spike":
        rate = rate * (1.0 + (drill.spike_factor - 1.0) * drill.share_active(t, t_bucket))
    rate = rate * np.exp(noise * rng.standard_normal(t.size) - noise**2 / 2)
    return t, rate


_USERS = np.array([DEFAULT_USERS_M[r] for r in REGIONS])
_USERS = _USERS / _USERS.sum()
_SITE_INDEX = [REGIONS.index(s) for s in SITES]


def _routing(n_regions: int, down: int | None = None):
    """(share of users at each site, round trip of each user region to its site, s) when users
    go to the nearest site that is up (site ``down`` excluded)."""
    up = [k for k in range(n_regions) if k != down]
    share = np.zeros(n_regions)
    rtt = np.zeros(len(REGIONS))
    for u in range(len(REGIONS)):
        k = min(up, key=lambda k: BACKBONE_RTT[u, _SITE_INDEX[k]])
        share[k] += _USERS[u]
        rtt[u] = BACKBONE_RTT[u, _SITE_INDEX[k]] + T_ACCESS
    return share, rtt


def _p99_of(values: np.ndarray, weights: np.ndarray) -> float:
    """The 99th percentile of ``values`` held by ``weights`` of the users."""
    order = np.argsort(values)
    cum = np.cumsum(weights[order]) / np.sum(weights)
    return float(values[order][np.searchsorted(cum, _P99 - 1e-12)])


def _regions(rate: np.ndarray, t, t_bucket, n_regions: int, drill: Drill, t_ttl: float):
    """Where requests go in each bucket, given a data-centre drill on site 0.

    Returns (requests/s at each site [bucket, site], requests/s failed because their site is
    down and their DNS answer not yet expired, p99 round trip of users per bucket (s), share
    of each bucket with site 0 down)."""
    share_up, rtt_up = _routing(n_regions)
    p99_up = _p99_of(rtt_up, _USERS)
    loads = rate[:, None] * share_up[None, :]
    failed = np.zeros_like(rate)
    p99 = np.full(rate.shape, p99_up)
    down = drill.share_active(t, t_bucket) if drill.kind == "datacenter" else np.zeros_like(rate)
    if not down.any():
        return loads, failed, p99, down
    if n_regions == 1:
        failed = rate * down
        return loads * (1 - down)[:, None], failed, p99, down
    moved = drill.share_active(t, t_bucket, delay=_T_DETECT + t_ttl)
    stuck = down - moved  # site 0's users who still hold its address
    share_dn, rtt_dn = _routing(n_regions, down=0)
    failed = rate * share_up[0] * stuck
    loads = (
        rate[:, None] * (1 - down)[:, None] * share_up[None, :]
        + rate[:, None] * stuck[:, None] * np.where(np.arange(n_regions) == 0, 0.0, share_up)
        + rate[:, None] * moved[:, None] * share_dn[None, :]
    )
    p99 = np.where(moved > 0.5, _p99_of(rtt_dn, _USERS), p99_up)
    return loads, failed, p99, down


def _pool(rate: np.ndarray, n_servers: int, rate_service: float):
    """A pool of ``n_servers`` servers of ``rate_service`` requests/s each (an M/M/c queue per
    bucket): (requests/s turned away beyond capacity, p99 time in the pool in s)."""
    capacity = n_servers * rate_service
    failed = np.clip(rate - capacity, 0.0, None)
    t99 = np.empty(rate.shape)
    service = math.log(100.0) / rate_service
    for i, r in enumerate(rate):
        served = min(float(r), 0.98 * capacity)
        t99[i] = service + (
            mmc_wait_quantile(served, rate_service, n_servers, _P99) if served > 0 else 0.0
        )
    return failed, t99


def _lost_on_failover(rate_writes, down, n_regions: int, n_replicas: int, sync: bool):
    """Writes lost in each bucket when site 0 (the primaries) goes down: asynchronous replicas
    in another region miss the last ``T_LAG`` s of writes; synchronous ones miss nothing; with
    one region or no replica nothing is promoted (writes fail instead, nothing is lost)."""
    starts = np.diff(np.concatenate([[0.0], (down > 0).astype(float)])) > 0
    if n_regions == 1 or n_replicas == 0 or sync:
        return np.zeros_like(rate_writes)
    return np.where(starts, rate_writes * T_LAG, 0.0)


def _writes_failing(down, t, t_bucket, drill: Drill, n_regions: int, n_replicas: int):
    """Share of each bucket in which writes to the primaries fail: until a replica elsewhere is
    promoted (``T_FAILOVER``), or the whole drill when there is none to promote."""
    if drill.kind != "datacenter":
        return np.zeros_like(down)
    if n_regions == 1 or n_replicas == 0:
        return down
    return down - drill.share_active(t, t_bucket, delay=T_FAILOVER)
