"""One primary and its replicas: the replication log, the lag and the modes.

Every write the primary commits gets the next *log position* (1, 2, 3, ...); the primary ships its
log to every replica, and each replica applies the entries *in log order* after a random delay,
the *replication lag* (:func:`in_order_apply_times`). Reads may go to a replica, which is cheaper
and scales out, but a replica that has not yet applied the latest entry answers with old data: a
*stale read*. :func:`simulate_replication` runs a seeded stream of writes and reads
(:class:`ReplicationParams`) and returns every write's commit, apply and acknowledgement times
and every read's staleness (a :class:`ReplicationResult`), for each of the :data:`MODES`:
asynchronous (acknowledge at once), semi-synchronous (after one replica has the write) and
synchronous (after all have it). Times in seconds, rates per second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.validate import (
    check_number,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "MODES",
    "ReplicationParams",
    "ReplicationResult",
    "simulate_replication",
    "in_order_apply_times",
]


MODES = ("async", "semisync", "sync")
"""Replication modes: acknowledge at once, after one replica has the write, after all have it."""


@dataclass(frozen=True)
class ReplicationParams:
    """One primary, ``n_replicas`` replicas, Poisson writes and reads.

    ``rate_writes``/``rate_reads``: writes/s and reads/s offered to the database;
    ``t_lag_mean``: mean replication lag in seconds (exponential, per replica and write);
    ``p_read_replica``: share of reads sent to a replica (the rest go to the primary);
    ``t_end``: seconds simulated; ``mode``: one of ``MODES``;
    ``t_replica_fail``: if set, replica 0 stops at this time and its reads fall back to the
    other replicas (or to the primary if none is left).
    """

    n_replicas: int = param(3, kind="int", low=1, high=50, doc="replicas")
    rate_writes: float = param(
        20.0, low=0, high=10_000, doc="writes/s offered to the database", unit="writes/s"
    )
    rate_reads: float = param(
        200.0, low=0, high=100_000, doc="reads/s offered to the database", unit="reads/s"
    )
    t_lag_mean: float = param(0.3, low=0, high=3600, doc="mean replication lag", unit="s")
    p_read_replica: float = param(0.9, kind="probability", doc="share of reads sent to a replica")
    t_end: float = param(60.0, low=0, high=86_400, low_open=True, doc="length of the run", unit="s")
    mode: str = param("async", kind="choice", choices=MODES, doc="how writes reach the replicas")
    t_replica_fail: float | None = None

    def __post_init__(self):
        validate_fields(self)
        if self.t_replica_fail is not None:
            check_number("t_replica_fail", self.t_replica_fail, low=0, high=self.t_end)


def in_order_apply_times(t_write, lags) -> np.ndarray:
    """Time each write is applied by a replica that applies its log strictly in order.

    Write ``i`` arrives at ``t_write[i] + lags[i]`` but cannot be applied before write ``i - 1``,
    so its apply time is the running maximum of the arrival times. ``lags`` may be 2-d
    (replicas × writes).

    >>> in_order_apply_times([1.0, 2.0, 3.0], [5.0, 0.5, 0.5]).tolist()
    [6.0, 6.0, 6.0]
    """
    arrive = np.asarray(t_write, dtype=float) + np.asarray(lags, dtype=float)
    return np.maximum.accumulate(arrive, axis=-1)


@dataclass(frozen=True)
class ReplicationResult:
    """What happened: times of writes, applies, acknowledgements and reads (all in seconds).

    Log position ``i + 1`` is write ``i``. ``t_apply[r, i]`` is when replica ``r`` applied it
    (``inf`` if the replica had failed first); ``t_ack[i]`` when the client was told it succeeded.
    ``read_target[j]`` is ``-1`` for the primary, else the replica index; ``read_stale[j]`` is
    True when that replica was behind the primary; ``read_age[j]`` how far behind (seconds).
    """

    params: ReplicationParams
    t_write: np.ndarray
    t_apply: np.ndarray
    t_ack: np.ndarray
    t_read: np.ndarray
    read_target: np.ndarray
    read_stale: np.ndarray
    read_age: np.ndarray

    @property
    def n_writes(self) -> int:
        return int(self.t_write.size)

    @property
    def stale_read_rate(self) -> float:
        """Share of all reads that returned data older than the primary's (0-1)."""
        return float(self.read_stale.mean()) if self.read_stale.size else 0.0

    @property
    def mean_stale_age(self) -> float:
        """Mean seconds a stale read was behind: now minus the commit time of its first missing
        write (0 if no read was stale)."""
        return float(self.read_age[self.read_stale].mean()) if self.read_stale.any() else 0.0

    @property
    def mean_ack_latency(self) -> float:
        """Mean seconds from commit on the primary to the client's acknowledgement."""
        return float((self.t_ack - self.t_write).mean()) if self.t_write.size else 0.0

    def primary_position(self, t) -> np.ndarray | int:
        """Log position of the primary at time(s) ``t`` (writes committed so far)."""
        out = np.searchsorted(self.t_write, t, side="right")
        return int(out) if np.ndim(out) == 0 else out

    def replica_positions(self, t) -> np.ndarray:
        """Log position of each replica at time(s) ``t``: shape (replicas,) or (replicas, T)."""
        return np.stack([np.searchsorted(row, t, side="right") for row in self.t_apply])

    def lag_writes(self, times) -> np.ndarray:
        """Writes each replica is behind the primary at ``times``: shape (replicas, T)."""
        times = np.asarray(times, dtype=float)
        return self.primary_position(times)[None, :] - self.replica_positions(times)


def simulate_replication(
    params: ReplicationParams, *, rng: np.random.Generator
) -> ReplicationResult:
    """Run asynchronous (or semi-/fully synchronous) log shipping for ``params.t_end`` seconds.

    >>> import numpy as np
    >>> p = ReplicationParams(n_replicas=2, rate_writes=10, rate_reads=100, t_end=20.0)
    >>> run = simulate_replication(p, rng=np.random.default_rng(7))
    >>> bool(np.all(np.diff(run.t_apply, axis=1) >= 0))  # replicas apply in log order
    True
    >>> 0.0 <= run.stale_read_rate <= p.p_read_replica
    True
    """
    check_type("params", params, ReplicationParams)
    check_rng(rng)
    p = params
    n_w = rng.poisson(p.rate_writes * p.t_end)
    t_write = np.sort(rng.uniform(0.0, p.t_end, n_w))
    lags = rng.exponential(p.t_lag_mean, (p.n_replicas, n_w)) if p.t_lag_mean > 0 else 0.0
    t_apply = in_order_apply_times(t_write, np.broadcast_to(lags, (p.n_replicas, n_w)))
    t_down = np.full(p.n_replicas, np.inf)
    if p.t_replica_fail is not None:
        t_down[0] = p.t_replica_fail
        t_apply[0, t_apply[0] > p.t_replica_fail] = np.inf
    t_ack = _ack_times(t_write, t_apply, p.mode)

    n_r = rng.poisson(p.rate_reads * p.t_end)
    t_read = np.sort(rng.uniform(0.0, p.t_end, n_r))
    to_replica = rng.random(n_r) < p.p_read_replica
    target = np.where(to_replica, rng.integers(0, p.n_replicas, n_r), -1)
    if p.t_replica_fail is not None:
        moved = (target == 0) & (t_read >= p.t_replica_fail)
        if p.n_replicas == 1:
            target[moved] = -1  # no replica left: the primary takes the reads
        else:
            target[moved] = rng.integers(1, p.n_replicas, int(moved.sum()))
    primary_pos = np.searchsorted(t_write, t_read, side="right")
    replica_pos = np.zeros(n_r, dtype=int)
    for r in range(p.n_replicas):
        sel = target == r
        replica_pos[sel] = np.searchsorted(t_apply[r], t_read[sel], side="right")
    stale = (target >= 0) & (replica_pos < primary_pos)
    age = np.zeros(n_r)
    age[stale] = t_read[stale] - t_write[replica_pos[stale]]
    return ReplicationResult(p, t_write, t_apply, t_ack, t_read, target, stale, age)


def _ack_times(t_write, t_apply, mode) -> np.ndarray:
    if mode == "async" or t_write.size == 0:
        return t_write.copy()
    applied = np.where(np.isfinite(t_apply), t_apply, np.nan)
    with np.errstate(all="ignore"):
        if mode == "sync":  # every live replica (a failed one leaves the synchronous set)
            ack = np.nanmax(applied, axis=0) if applied.size else t_write
        else:  # semisync: the first replica to apply it
            ack = np.nanmin(applied, axis=0) if applied.size else t_write
    # No live replica at all: the primary falls back to acknowledging at once (MySQL semisync
    # does this after its timeout).
    return np.where(np.isnan(ack), t_write, ack)
