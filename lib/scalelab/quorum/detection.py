"""Failure detection and leader election: heartbeats, timeouts, and the window without a leader.

A leader proves it is alive by sending a *heartbeat* to its followers every ``t_heartbeat``
seconds; a follower that has heard nothing for ``t_timeout`` seconds *suspects* it is dead. The
network cannot tell a dead leader from a slow one, so the timeout is a bet: short, and a late or
lost heartbeat makes a follower suspect a healthy leader (a *false suspicion*, which in a
replicated database starts a needless election or, worse, a second leader); long, and a real
crash goes unnoticed for longer, while nobody can write. Chen, Toueg and Aguilera ("On the
quality of service of failure detectors", IEEE Trans. Computers 2002) made this trade-off
precise; :func:`p_false_suspicion` and :func:`mean_detection_time` compute it exactly for the
model below and :func:`simulate_detector` measures it.

Once followers suspect the leader, they elect a new one. Raft (Ongaro and Ousterhout, "In Search
of an Understandable Consensus Algorithm", USENIX ATC 2014) gives each follower a random election
timeout, 150-300 ms in the paper, so that one of them usually times out clearly first, asks the
others for their votes and wins before anyone else stands. If a second follower times out before
the first one's vote request reaches it, the vote may split and everyone waits again.
:func:`p_contested` and :func:`mean_election_time` give the chance of that and the expected
time without a leader; :func:`simulate_election` runs the rounds.

Simplifications: heartbeats are independent; each is lost with ``p_loss`` or delayed by a
:class:`~scalelab.quorum.latency.Delay` draw; a follower suspects when no heartbeat *arrived* in
the last ``t_timeout`` seconds (Raft's rule). In the election every surviving follower heard the
last heartbeat at the same moment, a vote request or reply takes ``t_vote`` seconds, and a
contested round is wasted whole (real Raft candidates sometimes still win it, so this is
pessimistic). Times in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalelab.quorum.latency import Delay
from scalelab.validate import check_int, check_number, check_rng, check_type, param, validate_fields

__all__ = [
    "HeartbeatDetector",
    "DetectorRun",
    "p_false_suspicion",
    "mean_detection_time",
    "simulate_detector",
    "ElectionRun",
    "p_contested",
    "mean_election_time",
    "simulate_election",
]

_TAIL = 1e-12  # delays beyond this quantile are treated as never happening


@dataclass(frozen=True)
class HeartbeatDetector:
    """Heartbeats every ``t_heartbeat`` s, each lost with ``p_loss`` or delayed by ``delay``;
    suspect after ``t_timeout`` s without one."""

    t_heartbeat: float = param(0.05, low=0.001, high=60, doc="time between heartbeats", unit="s")
    t_timeout: float = param(
        0.15,
        low=0,
        high=600,
        low_open=True,
        doc="silence after which a node is suspected",
        unit="s",
    )
    delay: Delay = Delay(0.001, 0.005)
    p_loss: float = param(0.0, low=0, high=0.99, doc="share of heartbeats lost")

    def __post_init__(self):
        validate_fields(self)
        check_type("delay", self.delay, Delay)

    def _n_back(self) -> int:
        """How many earlier heartbeats can still matter (their delay reaching this far)."""
        reach = self.t_timeout + float(self.delay.quantile(1 - _TAIL))
        return min(int(math.ceil(reach / self.t_heartbeat)) + 2, 20_000)


@dataclass(frozen=True)
class DetectorRun:
    """What :func:`simulate_detector` measured: the share of time a live leader was suspected,
    and the detection time (s) of each simulated crash."""

    p_false_suspicion: float
    t_detect: np.ndarray

    @property
    def t_detect_mean(self) -> float:
        """Mean detection time (s)."""
        return float(self.t_detect.mean())


def p_false_suspicion(detector: HeartbeatDetector, n_phase: int = 400) -> float:
    """P(a follower suspects a *live* leader at a random moment), exactly for this model.

    At ``u`` s after the latest send, heartbeat ``j`` (sent at ``-j * t_heartbeat``) lands in
    the last ``t_timeout`` s with probability ``(1 - p_loss) (F(u + j h) - F(u - T + j h))``;
    the follower suspects if none does (independent heartbeats), averaged over ``u``.

    >>> round(p_false_suspicion(HeartbeatDetector(0.05, 0.06, Delay(0.001, 0.01))), 4)
    0.036
    """
    d = _check_detector(detector)
    check_int("n_phase", n_phase, low=10, high=100_000)
    u = (np.arange(n_phase) + 0.5) / n_phase * d.t_heartbeat
    j = np.arange(d._n_back())
    sent_ago = u[:, None] + j[None, :] * d.t_heartbeat
    p_in = (1 - d.p_loss) * (d.delay.cdf(sent_ago) - d.delay.cdf(sent_ago - d.t_timeout))
    return float(np.prod(1 - p_in, axis=1).mean())


def mean_detection_time(detector: HeartbeatDetector, n_phase: int = 200) -> float:
    """Mean seconds from a crash to the follower's suspicion, exactly for this model.

    The crash comes ``u`` s after the leader's last send (``u`` uniform over a heartbeat
    interval); the follower suspects ``t_timeout`` s after the last heartbeat that arrives, or
    at once if it already did. ``E[D] = integral of P(D > x) dx``, computed on a fine grid.

    >>> round(mean_detection_time(HeartbeatDetector(0.05, 0.15, Delay(0.001, 0.005))), 4)
    0.131
    """
    d = _check_detector(detector)
    check_int("n_phase", n_phase, low=10, high=10_000)
    u = (np.arange(n_phase) + 0.5) / n_phase * d.t_heartbeat
    x_max = d.t_timeout + float(d.delay.quantile(1 - _TAIL))
    x = np.linspace(0.0, x_max, 2001)
    j = np.arange(d._n_back())
    # arrival of heartbeat j relative to the crash: -u - j h + delay; A <= a for all of them
    a = (x[None, :, None] - d.t_timeout) + u[:, None, None] + j[None, None, :] * d.t_heartbeat
    p_all_before = np.prod(d.p_loss + (1 - d.p_loss) * d.delay.cdf(a), axis=2)
    survive = 1 - p_all_before  # P(D > x), phases × x
    return float(np.trapezoid(survive, x, axis=1).mean())


def simulate_detector(
    detector: HeartbeatDetector, n_heartbeats: int, n_crashes: int, *, rng: np.random.Generator
) -> DetectorRun:
    """Send ``n_heartbeats`` from a live leader and measure the share of time it was suspected;
    then crash it ``n_crashes`` times at a random phase and measure each detection time.

    >>> import numpy as np
    >>> run = simulate_detector(HeartbeatDetector(), 20_000, 2_000, rng=np.random.default_rng(1))
    >>> run.p_false_suspicion < 0.01, 0.10 < run.t_detect_mean < 0.16
    (True, True)
    """
    d = _check_detector(detector)
    check_int("n_heartbeats", n_heartbeats, low=100, high=10_000_000)
    check_int("n_crashes", n_crashes, low=1, high=1_000_000)
    check_rng(rng)
    h, big_t = d.t_heartbeat, d.t_timeout
    sent = np.arange(n_heartbeats) * h
    kept = rng.random(n_heartbeats) >= d.p_loss
    arrive = np.sort(sent[kept] + d.delay.sample(int(kept.sum()), rng=rng))
    t0, t1 = d._n_back() * h, sent[-1]  # measure after a warm-up, until the last send
    start = np.clip(arrive[:-1] + big_t, t0, t1)  # suspected from here ...
    stop = np.clip(arrive[1:], t0, t1)  # ... until the next heartbeat arrives
    p_false = float(np.maximum(stop - start, 0).sum() / (t1 - t0)) if t1 > t0 else math.nan
    n_back = d._n_back()
    u = rng.random(n_crashes) * h
    rel = (
        -u[:, None] - np.arange(n_back)[None, :] * h + d.delay.sample((n_crashes, n_back), rng=rng)
    )
    rel[rng.random((n_crashes, n_back)) < d.p_loss] = -np.inf
    t_detect = np.maximum(rel.max(axis=1) + big_t, 0.0)
    return DetectorRun(p_false_suspicion=p_false, t_detect=t_detect)


@dataclass(frozen=True)
class ElectionRun:
    """What :func:`simulate_election` measured: seconds without a leader in each trial (from
    the last heartbeat; ``inf`` if no majority survives) and the share of contested first rounds."""

    t_unavailable: np.ndarray
    p_contested: float


def _check_election(n_nodes, t_timeout_min, t_timeout_max, t_vote) -> None:
    check_int("n_nodes", n_nodes, low=1, high=101)
    check_number("t_timeout_min", t_timeout_min, low=0, high=600)
    check_number("t_timeout_max", t_timeout_max, low=t_timeout_min, high=600, low_open=True)
    check_number("t_vote", t_vote, low=0, high=60)


def p_contested(n_nodes: int, t_timeout_min: float, t_timeout_max: float, t_vote: float) -> float:
    """P(a second follower times out within ``t_vote`` s of the first), after the leader died.

    The ``m = n_nodes - 1`` surviving followers draw timeouts uniform in [min, max]; the gap
    between the two smallest of ``m`` uniforms exceeds ``t_vote`` with probability
    ``(1 - t_vote / (max - min)) ** m``.

    >>> round(p_contested(5, 0.150, 0.300, 0.010), 4)  # Raft's 150-300 ms, 10 ms one way
    0.2412
    """
    _check_election(n_nodes, t_timeout_min, t_timeout_max, t_vote)
    m = n_nodes - 1
    if m < 2:
        return 0.0
    return 1.0 - max(1.0 - t_vote / (t_timeout_max - t_timeout_min), 0.0) ** m


def mean_election_time(
    n_nodes: int, t_timeout_min: float, t_timeout_max: float, t_vote: float
) -> float:
    """Expected seconds from the last heartbeat to a new leader (``inf``: no majority left).

    Every round costs ``t_timeout_min`` plus the first follower's extra wait plus a vote round
    trip ``2 t_vote``; rounds repeat while contested, and the extra wait of the first of ``m``
    uniforms averages ``(max - min) / (m + 1)`` over all rounds, so the mean is
    ``(min + (max - min) / (m + 1) + 2 t_vote) / (1 - p_contested)``.

    >>> round(mean_election_time(5, 0.150, 0.300, 0.010) * 1000)
    264
    """
    _check_election(n_nodes, t_timeout_min, t_timeout_max, t_vote)
    m = n_nodes - 1
    if m < n_nodes // 2 + 1:
        return math.inf
    c = p_contested(n_nodes, t_timeout_min, t_timeout_max, t_vote)
    if c >= 1.0:
        return math.inf
    spread = (t_timeout_max - t_timeout_min) / (m + 1)
    return (t_timeout_min + spread + 2 * t_vote) / (1 - c)


def simulate_election(
    n_nodes: int,
    t_timeout_min: float,
    t_timeout_max: float,
    t_vote: float,
    n_trials: int,
    *,
    rng: np.random.Generator,
) -> ElectionRun:
    """Run ``n_trials`` elections after the leader of ``n_nodes`` dies; rounds repeat while
    contested (at most 200).

    >>> import numpy as np
    >>> run = simulate_election(5, 0.15, 0.3, 0.01, 20_000, rng=np.random.default_rng(1))
    >>> round(run.p_contested, 2), round(float(run.t_unavailable.mean()) * 1000)
    (0.25, 265)
    """
    _check_election(n_nodes, t_timeout_min, t_timeout_max, t_vote)
    check_int("n_trials", n_trials, low=1, high=10_000_000)
    check_rng(rng)
    m = n_nodes - 1
    if m < n_nodes // 2 + 1:
        return ElectionRun(np.full(n_trials, math.inf), math.nan)
    total = np.zeros(n_trials)
    open_ = np.ones(n_trials, dtype=bool)
    first_contested = None
    for _ in range(200):
        k = int(open_.sum())
        if k == 0:
            break
        draws = rng.uniform(t_timeout_min, t_timeout_max, (k, m))
        two = np.sort(draws, axis=1)[:, :2] if m >= 2 else np.c_[draws, np.full(k, np.inf)]
        contested = two[:, 1] < two[:, 0] + t_vote
        if first_contested is None:
            first_contested = float(contested.mean())
        total[open_] += two[:, 0] + 2 * t_vote
        idx = np.flatnonzero(open_)
        open_[idx[~contested]] = False
    total[open_] = math.inf
    return ElectionRun(t_unavailable=total, p_contested=first_contested)


def _check_detector(detector) -> HeartbeatDetector:
    check_type("detector", detector, HeartbeatDetector)
    return detector
