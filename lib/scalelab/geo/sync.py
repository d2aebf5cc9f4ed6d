"""Asynchronous cross-region sync: writes that had not reached the other regions when a DC died.

Each DC holds the data of its users and ships every write to the other regions asynchronously:
writes commit at their home DC and are applied at the other regions in order, after a one-way
network delay plus a random queueing/batching delay. :func:`apply_times` gives the in-order apply
times, :func:`unsynced_writes` counts the writes lost (or stranded) when a DC fails at a given
time, and :func:`simulate_sync` runs a seeded stream of writes (:class:`SyncParams`,
:class:`SyncResult`). Times in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scalelab.validate import (
    check_array,
    check_number,
    check_rng,
    param,
    validate_fields,
)

__all__ = [
    "apply_times",
    "unsynced_writes",
    "SyncParams",
    "SyncResult",
    "simulate_sync",
]


def apply_times(t_commit, t_lag) -> np.ndarray:
    """When (s) each write is applied in the other region, shipping in commit order.

    Write ``i`` commits at ``t_commit[i]`` (sorted) and travels for ``t_lag[i]`` seconds; a write
    is applied only after every earlier one (a log is replayed in order), so its apply time is
    the running maximum of commit + lag.

    >>> apply_times([0.0, 1.0, 2.0], [5.0, 1.0, 1.0]).tolist()
    [5.0, 5.0, 5.0]
    """
    commit = check_array("t_commit", t_commit, nonempty=False, unit="times (s)")
    lag = check_array("t_lag", t_lag, ndim=None, low=0, nonempty=False, unit="delays (s)")
    if commit.shape != lag.shape:
        raise ValueError(
            f"t_commit and t_lag must be 1-d arrays of the same length; "
            f"got shapes {commit.shape} and {lag.shape}"
        )
    if np.any(np.diff(commit) < 0):
        raise ValueError("t_commit must be sorted (writes in commit order)")
    return np.maximum.accumulate(commit + lag) if commit.size else commit.copy()


def unsynced_writes(t_commit, t_lag, t_fail: float) -> int:
    """Writes committed by ``t_fail`` but not yet applied in the other region: lost at failover.

    >>> unsynced_writes([0.0, 1.0, 2.0, 9.0], [5.0, 1.0, 1.0, 1.0], 4.0)
    3
    """
    check_number("t_fail", t_fail, low=0)
    commit = np.asarray(t_commit, dtype=float)
    applied = apply_times(commit, t_lag)
    return int(np.count_nonzero((commit <= t_fail) & (applied > t_fail)))


@dataclass(frozen=True)
class SyncParams:
    """Writes in one region shipped asynchronously to another, then the home region fails.

    ``rate_writes``: writes/s at the home DC (Poisson); ``t_rtt``: RTT between the regions
    (s), half of which is the one-way delay; ``t_batch``: the home DC ships its log every
    ``t_batch`` seconds; ``t_jitter``: mean extra delay of a batch (s, exponential: queueing,
    retransmits, a busy replica); ``t_fail``: when the home DC fails (s); ``n_keys``: distinct
    records the writes update, each write picks one uniformly.
    """

    rate_writes: float = param(
        200.0, low=0, high=1e5, doc="writes/s at the home DC (Poisson)", unit="writes/s"
    )
    t_rtt: float = param(0.090, low=0, high=10, doc="round trip between the regions", unit="s")
    t_batch: float = param(
        0.5, low=0.001, high=3600, doc="time between shipments of the log", unit="s"
    )
    t_jitter: float = param(0.2, low=0, high=3600, doc="mean extra delay of a batch", unit="s")
    t_fail: float = param(60.0, low=0, high=86_400, doc="when the home DC fails", unit="s")
    n_keys: int = param(
        20_000, kind="int", low=1, high=10_000_000, doc="distinct records the writes update"
    )

    def validate(self) -> None:
        validate_fields(self)
        if self.rate_writes * self.t_fail > 5_000_000:
            raise ValueError("rate_writes * t_fail must be <= 5,000,000 writes (keep runs small)")

    @property
    def t_lag_mean(self) -> float:
        """Mean time (s) a write waits before the other region applies it (ignoring reordering):
        half a batch interval + one-way delay + mean jitter."""
        return self.t_batch / 2 + self.t_rtt / 2 + self.t_jitter


@dataclass(frozen=True)
class SyncResult:
    """What the other region had when the home DC failed.

    ``n_committed``: writes committed at home by ``t_fail``; ``n_applied``: of those, applied in
    the other region (its log position); ``n_lost`` = ``n_committed - n_applied``;
    ``expected_lost``: Little's law, write rate × mean lag (``SyncParams.t_lag_mean``);
    ``p_stale_read``: share of the written keys whose copy in the other region is an older
    version; ``p_missing_read``: share whose copy does not exist there at all; ``t_commit``,
    ``t_applied``: per write (s).
    """

    n_committed: int
    n_applied: int
    n_lost: int
    expected_lost: float
    p_stale_read: float
    p_missing_read: float
    t_commit: np.ndarray = field(repr=False)
    t_applied: np.ndarray = field(repr=False)


def simulate_sync(params: SyncParams, *, rng: np.random.Generator) -> SyncResult:
    """Poisson writes, batched in-order asynchronous shipping, and the home DC failing at ``t_fail``.

    Reads after the failover go to the other region; a read of a key whose latest write was not
    applied there sees an older version (stale) or nothing (missing).

    >>> r = simulate_sync(SyncParams(), rng=np.random.default_rng(7))
    >>> r.n_lost == r.n_committed - r.n_applied, r.n_lost > 0
    (True, True)
    """
    params.validate()
    check_rng(rng)
    n = int(rng.poisson(params.rate_writes * params.t_fail))
    commit = np.sort(rng.uniform(0.0, params.t_fail, size=n))
    phase = rng.uniform(0.0, params.t_batch)  # shipping runs on its own clock
    batch = np.floor((commit + phase) / params.t_batch).astype(int)  # the batch of each write
    n_batches = int(batch.max()) + 1 if n else 0
    jitter = (
        rng.exponential(params.t_jitter, size=n_batches)
        if params.t_jitter > 0
        else np.zeros(n_batches)
    )
    sent = (batch + 1) * params.t_batch - phase
    lag = sent - commit + params.t_rtt / 2 + (jitter[batch] if n else 0.0)
    applied = apply_times(commit, lag)
    keys = rng.integers(0, params.n_keys, size=n)
    done = applied <= params.t_fail
    n_applied = int(np.count_nonzero(done))
    # latest version of each key at home, and the latest applied in the other region
    last_home = np.full(params.n_keys, -1)
    last_home[keys] = np.arange(n)  # later writes overwrite earlier ones
    last_there = np.full(params.n_keys, -1)
    idx_done = np.flatnonzero(done)
    last_there[keys[idx_done]] = idx_done
    written = last_home >= 0
    n_written = int(np.count_nonzero(written))
    stale = written & (last_there >= 0) & (last_there < last_home)
    missing = written & (last_there < 0)
    return SyncResult(
        n_committed=n,
        n_applied=n_applied,
        n_lost=n - n_applied,
        expected_lost=float(params.rate_writes * params.t_lag_mean),
        p_stale_read=float(np.count_nonzero(stale) / n_written) if n_written else 0.0,
        p_missing_read=float(np.count_nonzero(missing) / n_written) if n_written else 0.0,
        t_commit=commit,
        t_applied=applied,
    )
