"""Semi-synchronous replication and its silent fallback to asynchronous.

The picture. MySQL's semi-synchronous replication makes the source (master) wait, before it
tells a client "committed", until one replica acknowledges that it has *received* the
transaction and written it to its relay log (not applied it: a read on that replica can still
be stale). While that holds, a failover to that replica loses no acknowledged write. But the
wait is bounded: if no replica acknowledges within ``rpl_semi_sync_source_timeout``
(``rpl_semi_sync_master_timeout`` before MySQL 8.0.26; 10,000 ms by default), the source
**falls back to asynchronous replication** and acknowledges every later write at once. The
client is not told: the only signals are the status variables ``Rpl_semi_sync_source_status``
(``OFF``) and ``Rpl_semi_sync_source_no_tx`` (commits no replica acknowledged). When a replica
catches up, semi-synchronous replication switches back on.

The drill this module runs: writes arrive at ``rate_writes`` per second (Poisson); each reaches
the one semi-synchronous replica ``t_ship`` seconds after its commit. At ``t_stall`` the replica
stops receiving (a stalled I/O thread, a full disk, a network cut); at ``t_recover`` it resumes
and receives the backlog at once. Writes committed during a stall wait for an
acknowledgement; when the oldest has waited ``t_timeout`` the source falls back, and every
waiting write is acknowledged then. At ``t_fail`` the source dies and the replica is promoted:
every acknowledged write it never received is lost; writes still waiting are unacknowledged
(their clients saw an error or a timeout, though the dead source may have committed them).

Simplifications: one replica; the wait is at the ``AFTER_SYNC`` point (the default), so a write
nobody acknowledged was never visible to other clients; a recovered replica receives its
backlog instantly; the source never comes back after ``t_fail``.

>>> import numpy as np
>>> run = simulate_semisync(SemiSyncParams(), rng=np.random.default_rng(1))
>>> round(run.t_fallback, 1)  # the first write after the stall, plus 10 s
30.0
>>> run.n_lost == run.n_no_ack > 0
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalelab.queueing import poisson_arrivals
from scalelab.validate import check_number, check_rng

__all__ = ["SemiSyncParams", "SemiSyncResult", "simulate_semisync"]


@dataclass(frozen=True)
class SemiSyncParams:
    """The drill: ``rate_writes`` writes/s; shipping takes ``t_ship`` s; the replica stalls
    from ``t_stall`` to ``t_recover`` (``inf``: never recovers); the source falls back after
    ``t_timeout`` s without an acknowledgement (MySQL's default: 10 s); the source dies at
    ``t_fail`` (all times in seconds from the start)."""

    rate_writes: float = 20.0
    t_ship: float = 0.001
    t_timeout: float = 10.0
    t_stall: float = 20.0
    t_recover: float = math.inf
    t_fail: float = 45.0

    def __post_init__(self):
        check_number("rate_writes", self.rate_writes, low=0)
        check_number("t_ship", self.t_ship, low=0)
        check_number("t_timeout", self.t_timeout, low=0)
        check_number("t_stall", self.t_stall, low=0)
        if not (isinstance(self.t_recover, int | float) and self.t_recover >= self.t_stall):
            raise ValueError(
                f"t_recover must be >= t_stall ({self.t_stall}); got {self.t_recover!r}"
            )
        check_number("t_fail", self.t_fail, low=0)


@dataclass(frozen=True)
class SemiSyncResult:
    """Per write (log position ``i + 1``): ``t_write`` its commit time, ``t_ack`` when the
    client was told it succeeded (``nan``: not before the failure), ``replica_has`` whether the
    replica had received it by ``t_fail``. ``t_fallback`` is when the source fell back to
    asynchronous (``nan``: never); ``n_no_ack`` counts the acknowledged writes no replica had
    acknowledged (MySQL's ``Rpl_semi_sync_source_no_tx``); ``lost`` lists the acknowledged
    positions the promoted replica lacks, ``unacknowledged`` those still waiting at the failure."""

    params: SemiSyncParams
    t_write: np.ndarray
    t_ack: np.ndarray
    replica_has: np.ndarray
    t_fallback: float
    n_no_ack: int
    lost: tuple[int, ...]
    unacknowledged: tuple[int, ...]

    @property
    def n_lost(self) -> int:
        """Acknowledged writes lost at the failover."""
        return len(self.lost)

    @property
    def t_ack_max(self) -> float:
        """The longest a client waited for its acknowledgement (s)."""
        waits = self.t_ack - self.t_write
        waits = waits[np.isfinite(waits)]
        return float(waits.max()) if waits.size else 0.0


def simulate_semisync(params: SemiSyncParams, *, rng: np.random.Generator) -> SemiSyncResult:
    """Run the stall, fallback and failover drill of the module docstring.

    >>> import numpy as np
    >>> short = SemiSyncParams(t_stall=20.0, t_recover=25.0)  # shorter than the timeout
    >>> run = simulate_semisync(short, rng=np.random.default_rng(1))
    >>> (math.isnan(run.t_fallback), run.n_lost, round(run.t_ack_max, 1))
    (True, 0, 5.0)
    """
    if not isinstance(params, SemiSyncParams):
        raise ValueError(f"params must be a SemiSyncParams; got {type(params).__name__}")
    check_rng(rng)
    p = params
    t_w = (
        poisson_arrivals(p.rate_writes, t_end=p.t_fail, rng=rng)
        if p.rate_writes > 0
        else np.zeros(0)
    )
    t_w = t_w[t_w <= p.t_fail]
    n = t_w.size
    # when the replica receives each write (inf: never, or not before the failure)
    t_recv = t_w + p.t_ship
    in_stall = (t_recv > p.t_stall) & (t_recv < p.t_recover)
    t_recv = np.where(in_stall, p.t_recover + p.t_ship, t_recv)
    # the source falls back when the first write caught in the stall has waited t_timeout,
    # unless the replica is back before that
    t_fallback = math.nan
    if in_stall.any():
        t_first = float(t_w[in_stall][0])
        if t_first + p.t_timeout < min(p.t_recover + p.t_ship, p.t_fail):
            t_fallback = t_first + p.t_timeout
    t_on_again = p.t_recover + p.t_ship  # the replica catches up: semi-sync resumes
    t_ack = np.empty(n)
    no_ack = np.zeros(n, dtype=bool)
    for i in range(n):
        t = t_w[i]
        fell_back = not math.isnan(t_fallback) and t_fallback <= t_recv[i]
        if fell_back and t < t_on_again:
            t_ack[i] = max(t, t_fallback)  # released at the fallback, or at once after it
            no_ack[i] = t_ack[i] < t_recv[i]
        else:
            t_ack[i] = t_recv[i]
    t_ack = np.where(t_ack <= p.t_fail, t_ack, np.nan)
    replica_has = t_recv <= p.t_fail
    acked = np.isfinite(t_ack)
    lost = tuple(int(i) + 1 for i in np.flatnonzero(acked & ~replica_has))
    waiting = tuple(int(i) + 1 for i in np.flatnonzero(~acked))
    return SemiSyncResult(
        params=p,
        t_write=t_w,
        t_ack=t_ack,
        replica_has=replica_has,
        t_fallback=float(t_fallback),
        n_no_ack=int((no_ack & acked).sum()),
        lost=lost,
        unacknowledged=waiting,
    )
