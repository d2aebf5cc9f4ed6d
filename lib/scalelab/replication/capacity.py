"""Read capacity and availability of a replicated database, and its time-bucketed form.

Replication scales reads, never writes: every replica replays every write.
:func:`read_capacity` gives the reads/s a primary and its replicas can serve and
:func:`replicas_needed` the fewest replicas for a read load at a utilisation cap;
:func:`availability_at_least_one` (with its Monte Carlo check :func:`simulate_availability`) the
chance that at least one copy is up. :func:`replication_buckets` is the time-bucketed form the
capstone composes (the contract of :mod:`scalelab.buckets`): per-bucket writes/s and reads/s and a
:class:`ReplicaSet` in; lag, stale reads, read capacity and utilisations out (a
:class:`ReplicationTimeline`). Rates in operations/s, times in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalelab.buckets import Buckets, bucket_times
from scalelab.validate import (
    check_array,
    check_int,
    check_number,
    check_probability,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "read_capacity",
    "replicas_needed",
    "availability_at_least_one",
    "simulate_availability",
    "ReplicaSet",
    "ReplicationTimeline",
    "replication_buckets",
]


def read_capacity(
    n_replicas: int, rate_server: float, rate_writes: float = 0.0, primary_reads: bool = False
) -> float:
    """Reads/s the database can serve: every replica must also apply every write.

    Each server does ``rate_server`` operations/s; a replica spends ``rate_writes`` of them
    replaying the primary's writes, and the primary spends them committing. Replication scales
    reads, never writes.

    >>> read_capacity(3, rate_server=1_000, rate_writes=200)
    2400.0
    """
    check_int("n_replicas", n_replicas, low=0)
    check_number("rate_server", rate_server, low=0, low_open=True)
    check_number("rate_writes", rate_writes, low=0)
    spare = max(rate_server - rate_writes, 0.0)
    return float(spare * (n_replicas + (1 if primary_reads else 0)))


def replicas_needed(
    rate_reads: float, rate_writes: float, rate_server: float, rho_max: float = 0.7
) -> int:
    """Fewest replicas that serve ``rate_reads`` with each replica's utilisation at most
    ``rho_max``.

    Each replica replays all ``rate_writes`` and takes an equal share of the reads, so
    ``k`` replicas suffice when ``rate_writes + rate_reads / k <= rho_max * rate_server``.
    Raises ``ValueError`` when the writes alone exceed ``rho_max * rate_server``: no number of
    replicas helps (shard instead).

    >>> replicas_needed(rate_reads=9_000, rate_writes=500, rate_server=2_000, rho_max=0.75)
    9
    """
    check_number("rate_reads", rate_reads, low=0)
    check_number("rate_writes", rate_writes, low=0)
    check_number("rate_server", rate_server, low=0, low_open=True)
    check_number("rho_max", rho_max, low=0, high=1, low_open=True)
    room = rho_max * rate_server - rate_writes
    if room <= 0:
        raise ValueError(
            f"rate_writes must be below rho_max * rate_server = {rho_max * rate_server:g}; "
            f"got {rate_writes!r} (replicas cannot absorb writes: every one replays them all)"
        )
    return max(1, math.ceil(rate_reads / room - 1e-9))


def availability_at_least_one(p_up: float, n: int) -> float:
    """Probability that at least one of ``n`` independent copies is up: ``1 - (1 - p_up)**n``.

    >>> round(availability_at_least_one(0.99, 3), 8)
    0.999999
    """
    check_probability("p_up", p_up)
    check_int("n", n, low=1)
    return 1.0 - (1.0 - p_up) ** n


def simulate_availability(
    p_up: float, n: int, n_trials: int, *, rng: np.random.Generator
) -> tuple[float, float]:
    """Monte Carlo estimate of "at least one of ``n`` copies up": (availability, std error).

    >>> import numpy as np
    >>> a, se = simulate_availability(0.5, 2, 100_000, rng=np.random.default_rng(0))
    >>> abs(a - 0.75) < 4 * se
    True
    """
    check_probability("p_up", p_up)
    check_int("n", n, low=1)
    check_int("n_trials", n_trials, low=1, high=100_000_000)
    check_rng(rng)
    # All n copies down in a trial happens with probability (1 - p)^n; drawing the number of
    # copies up per trial as a binomial count is the same experiment, vectorised.
    up = rng.binomial(n, p_up, n_trials)
    avail = float(np.mean(up >= 1))
    return avail, math.sqrt(max(avail * (1 - avail), 1e-300) / n_trials)


@dataclass(frozen=True)
class ReplicaSet:
    """A primary and its replicas, for the bucketed form (:func:`replication_buckets`).

    ``n_replicas`` replicas; every server (primary or replica) does ``rate_service``
    operations/s; an idle replica lags ``t_lag`` s behind the primary; a share
    ``p_read_replica`` of reads goes to the replicas (the rest to the primary).
    """

    n_replicas: int = param(3, kind="int", low=1, doc="replicas")
    rate_service: float = param(
        2_000.0, low=0, low_open=True, doc="operations/s every server does", unit="operations/s"
    )
    t_lag: float = param(0.1, low=0, doc="lag of an idle replica behind the primary", unit="s")
    p_read_replica: float = param(
        0.9, kind="probability", doc="share of reads sent to the replicas"
    )

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True)
class ReplicationTimeline(Buckets):
    """Per-bucket outputs of ``replication_buckets`` (arrays of one value per bucket, besides
    ``t`` and ``t_bucket``)."""

    t_lag: np.ndarray  # mean replication lag, seconds
    p_stale: np.ndarray  # share of all reads that are stale
    rate_read_capacity: np.ndarray  # reads/s the replicas can serve
    rho_primary: np.ndarray  # primary utilisation (0-1+)
    rho_replica: np.ndarray  # replica utilisation (0-1+)


def replication_buckets(
    rate_writes, t_bucket: float, replicas: ReplicaSet, *, rate_reads
) -> ReplicationTimeline:
    """Time-bucketed form for the capstone: per-bucket writes/s and reads/s in, lag and more out.

    ``rate_writes``/``rate_reads``: operations/s offered in each bucket of ``t_bucket`` s to
    ``replicas``. A replica's lag grows like a queue's wait as it gets busy
    (``t_lag / (1 - u)``, capped at ``u = 0.99``); the share of stale reads is the chance that
    at least one write is still in flight, ``1 - exp(-rate_writes * lag)``, for the share of
    reads sent to replicas.

    >>> tl = replication_buckets([100.0, 100.0], 60.0, ReplicaSet(), rate_reads=[1000.0, 4000.0])
    >>> bool(tl.t_lag[1] > tl.t_lag[0])
    True
    """
    w = check_array("rate_writes", rate_writes, low=0, nonempty=False, unit="writes/s")
    q = check_array("rate_reads", rate_reads, ndim=None, low=0, nonempty=False, unit="reads/s")
    if w.shape != q.shape:
        raise ValueError(
            f"rate_writes and rate_reads must be 1-d of one length; got {w.shape}, {q.shape}"
        )
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_type("replicas", replicas, ReplicaSet)
    n_replicas, rate_server = replicas.n_replicas, replicas.rate_service
    t_lag, p_read_replica = replicas.t_lag, replicas.p_read_replica
    u_rep = (w + p_read_replica * q / n_replicas) / rate_server
    u_pri = (w + (1 - p_read_replica) * q) / rate_server
    lag = t_lag / (1.0 - np.minimum(u_rep, 0.99))
    p_stale = p_read_replica * (1.0 - np.exp(-w * lag))
    cap = np.full_like(w, 0.0) + np.maximum(rate_server - w, 0.0) * n_replicas
    return ReplicationTimeline(
        lag, p_stale, cap, u_pri, u_rep, t=bucket_times(w.size, t_bucket), t_bucket=float(t_bucket)
    )
