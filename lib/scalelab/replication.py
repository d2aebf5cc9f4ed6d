"""Database replication: one primary and its replicas, failover, multi-master and rings.

**Primary and replicas (master-slave).** A bank keeps its ledger in one head office (the
*primary*, or master); each branch (a *replica*, or slave) receives a copy of every new ledger
line by courier and can answer customers' questions about balances, but only the head office may
write a new line. Every write the primary commits gets the next *log position* (1, 2, 3, ...);
the primary ships its log to every replica, and each replica applies the entries *in log order*
after a random delay, the *replication lag*. Reads may go to a replica, which is cheaper and
scales out, but a replica that has not yet applied the latest entry answers with old data: a
*stale read*.

**Failover.** When the primary dies, one replica is *promoted* to be the new primary. With
asynchronous shipping the primary acknowledged each write to its client at once, so the writes it
committed but had not yet shipped to the promoted replica are lost; they are listed exactly.
Other replicas that are *ahead* of the promoted one hold writes the new primary lacks (data
recovery scripts must reconcile them); replicas that are behind copy the missing entries from the
new primary; a new replica replaces the dead machine by copying the whole data set.
Synchronous (wait for every replica) and semi-synchronous (wait for one) modes acknowledge a write
only after replicas have it: slower writes, no acknowledged write lost.

**Multi-master.** Every node accepts writes and ships them to the others. Concurrent writes to
the same key conflict; *last write wins* (LWW) keeps the version with the largest
``(timestamp, node id)`` and silently discards the others. Node clocks disagree (*clock skew*),
so a write made later in real time can lose to an earlier one. *Version vectors* detect
concurrent writes instead of hiding them, and a business rule (merge two shopping carts by
union) can resolve them. In a *ring* (circular replication, A → B → C → A) each node forwards what
it receives to the next, hop by hop; a cut link or a stopped node stops everything behind it.

Simplifications: time is continuous and in seconds; a write costs a server as much work as a
read; replication lags are independent exponential draws (the in-order apply makes a replica's
lag bursty anyway); the network never corrupts, duplicates or reorders log entries on their way
to a replica in master-slave mode (in multi-master mode messages may overtake each other, which
LWW and version vectors tolerate); a failed primary never comes back (no split brain).

>>> import numpy as np
>>> run = simulate_replication(ReplicationParams(n_replicas=2, t_end=10.0), np.random.default_rng(1))
>>> fo = failover(run, t_fail=5.0)
>>> fo.n_lost == fo.primary_position - fo.replica_positions[fo.promoted]
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from scalelab.validate import (
    check_choice,
    check_int,
    check_number,
    check_probability,
    check_rng,
)

__all__ = [
    "MODES",
    "POLICIES",
    "TOPOLOGIES",
    "ReplicationParams",
    "ReplicationResult",
    "simulate_replication",
    "in_order_apply_times",
    "promote",
    "Failover",
    "failover",
    "read_capacity",
    "replicas_needed",
    "availability_at_least_one",
    "simulate_availability",
    "ReplicationTimeline",
    "replication_timeline",
    "lww_merge",
    "lww_winner",
    "compare_vv",
    "merge_vv",
    "merge_carts",
    "ring_arrival_times",
    "MultiMasterParams",
    "MultiMasterResult",
    "simulate_multi_master",
]

MODES = ("async", "semisync", "sync")
"""Replication modes: acknowledge at once, after one replica has the write, after all have it."""

POLICIES = ("most_advanced", "lowest_id", "random")
"""Named promotion policies (a callable ``positions -> index`` is accepted too)."""

TOPOLOGIES = ("mesh", "ring")
"""Multi-master topologies: every node ships to every other, or each forwards to the next."""


# --------------------------------------------------------------------------------------------
# Primary and replicas
# --------------------------------------------------------------------------------------------


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

    n_replicas: int = 3
    rate_writes: float = 20.0
    rate_reads: float = 200.0
    t_lag_mean: float = 0.3
    p_read_replica: float = 0.9
    t_end: float = 60.0
    mode: str = "async"
    t_replica_fail: float | None = None

    def __post_init__(self):
        check_int("n_replicas", self.n_replicas, low=1, high=50)
        check_number("rate_writes", self.rate_writes, low=0, high=10_000)
        check_number("rate_reads", self.rate_reads, low=0, high=100_000)
        check_number("t_lag_mean", self.t_lag_mean, low=0, high=3_600)
        check_probability("p_read_replica", self.p_read_replica)
        check_number("t_end", self.t_end, low=0, high=86_400, low_open=True)
        check_choice("mode", self.mode, MODES)
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


def simulate_replication(params: ReplicationParams, rng: np.random.Generator) -> ReplicationResult:
    """Run asynchronous (or semi-/fully synchronous) log shipping for ``params.t_end`` seconds.

    >>> import numpy as np
    >>> p = ReplicationParams(n_replicas=2, rate_writes=10, rate_reads=100, t_end=20.0)
    >>> run = simulate_replication(p, np.random.default_rng(7))
    >>> bool(np.all(np.diff(run.t_apply, axis=1) >= 0))  # replicas apply in log order
    True
    >>> 0.0 <= run.stale_read_rate <= p.p_read_replica
    True
    """
    if not isinstance(params, ReplicationParams):
        raise ValueError(f"params must be a ReplicationParams; got {params!r}")
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


def promote(positions: Sequence[int | None], policy="most_advanced", rng=None) -> int:
    """Index of the replica to promote, given each replica's log position (``None`` = down).

    ``"most_advanced"``: the highest log position (lowest index on a tie); ``"lowest_id"``: the
    first live replica, however stale; ``"random"``: any live replica (needs ``rng``); or a
    callable ``positions -> index``.

    >>> promote([40, 42, None, 42])
    1
    >>> promote([40, 42, None], policy="lowest_id")
    0
    """
    positions = list(positions)
    live = [i for i, pos in enumerate(positions) if pos is not None]
    if not live:
        raise ValueError(f"positions must include at least one live replica; got {positions!r}")
    for i in live:
        check_int(f"positions[{i}]", positions[i], low=0)
    if callable(policy):
        choice = policy(positions)
        check_int("policy(positions)", choice, low=0, high=len(positions) - 1)
        if positions[choice] is None:
            raise ValueError(f"policy(positions) chose replica {choice}, which is down")
        return int(choice)
    check_choice("policy", policy, POLICIES)
    if policy == "most_advanced":
        return max(live, key=lambda i: (positions[i], -i))
    if policy == "lowest_id":
        return live[0]
    check_rng(rng)
    return int(live[int(rng.integers(len(live)))])


@dataclass(frozen=True)
class Failover:
    """The outcome of promoting a replica when the primary dies at ``t_fail`` seconds.

    Log positions are 1-based. ``lost``: acknowledged writes the new primary never received;
    ``unacknowledged``: writes committed on the old primary whose clients got an error instead
    of an acknowledgement (they may retry); ``divergent``: replica -> positions it holds that the
    new primary lacks (recovery scripts must roll them back or copy them over);
    ``behind``: replica -> writes it must copy from the new primary; ``t_recovery``: seconds to
    bring every surviving replica level; ``t_replacement``: seconds for a new replica to copy the
    whole log.
    """

    t_fail: float
    primary_position: int
    replica_positions: tuple
    promoted: int
    lost: tuple[int, ...]
    unacknowledged: tuple[int, ...]
    divergent: dict = field(default_factory=dict)
    behind: dict = field(default_factory=dict)
    t_recovery: float = 0.0
    t_replacement: float = 0.0

    @property
    def n_lost(self) -> int:
        return len(self.lost)


def failover(
    run: ReplicationResult,
    t_fail: float,
    policy="most_advanced",
    rng: np.random.Generator | None = None,
    rate_copy: float = 2_000.0,
) -> Failover:
    """Kill the primary of ``run`` at ``t_fail`` seconds and promote a replica by ``policy``.

    ``rate_copy``: log entries per second a replica can copy during recovery.

    >>> import numpy as np
    >>> p = ReplicationParams(n_replicas=2, mode="sync", t_end=10.0)
    >>> fo = failover(simulate_replication(p, np.random.default_rng(3)), t_fail=4.0)
    >>> fo.lost  # synchronous: every acknowledged write is on every replica
    ()
    """
    if not isinstance(run, ReplicationResult):
        raise ValueError(f"run must be a ReplicationResult; got {type(run).__name__}")
    check_number("t_fail", t_fail, low=0, high=run.params.t_end)
    check_number("rate_copy", rate_copy, low=0, low_open=True)
    primary = run.primary_position(t_fail)
    down = run.params.t_replica_fail
    positions = [
        None if (r == 0 and down is not None and down <= t_fail) else int(pos)
        for r, pos in enumerate(run.replica_positions(t_fail))
    ]
    chosen = promote(positions, policy, rng)
    new_pos = positions[chosen]
    committed = np.arange(1, primary + 1)
    acked = run.t_ack[:primary] <= t_fail
    lost = tuple(int(i) for i in committed[acked] if i > new_pos)
    unacked = tuple(int(i) for i in committed[~acked])
    divergent, behind = {}, {}
    for r, pos in enumerate(positions):
        if pos is None or r == chosen:
            continue
        if pos > new_pos:
            divergent[r] = tuple(range(new_pos + 1, pos + 1))
        elif pos < new_pos:
            behind[r] = new_pos - pos
    worst = max([len(v) for v in divergent.values()] + list(behind.values()) + [0])
    return Failover(
        t_fail=float(t_fail),
        primary_position=primary,
        replica_positions=tuple(positions),
        promoted=chosen,
        lost=lost,
        unacknowledged=unacked,
        divergent=divergent,
        behind=behind,
        t_recovery=worst / rate_copy,
        t_replacement=new_pos / rate_copy,
    )


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
    rate_reads: float, rate_writes: float, rate_server: float, u_max: float = 0.7
) -> int:
    """Fewest replicas that serve ``rate_reads`` with each replica busy at most ``u_max``.

    Each replica replays all ``rate_writes`` and takes an equal share of the reads, so
    ``k`` replicas suffice when ``rate_writes + rate_reads / k <= u_max * rate_server``.
    Raises ``ValueError`` when the writes alone exceed ``u_max * rate_server``: no number of
    replicas helps (shard instead).

    >>> replicas_needed(rate_reads=9_000, rate_writes=500, rate_server=2_000, u_max=0.75)
    9
    """
    check_number("rate_reads", rate_reads, low=0)
    check_number("rate_writes", rate_writes, low=0)
    check_number("rate_server", rate_server, low=0, low_open=True)
    check_number("u_max", u_max, low=0, high=1, low_open=True)
    room = u_max * rate_server - rate_writes
    if room <= 0:
        raise ValueError(
            f"rate_writes must be below u_max * rate_server = {u_max * rate_server:g}; "
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
    p_up: float, n: int, n_trials: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Monte Carlo estimate of "at least one of ``n`` copies up": (availability, std error).

    >>> import numpy as np
    >>> a, se = simulate_availability(0.5, 2, 100_000, np.random.default_rng(0))
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
class ReplicationTimeline:
    """Per-bucket outputs of ``replication_timeline`` (arrays of one value per bucket)."""

    t_lag: np.ndarray  # mean replication lag, seconds
    p_stale: np.ndarray  # share of all reads that are stale
    read_capacity: np.ndarray  # reads/s the replicas can serve
    u_primary: np.ndarray  # primary utilisation (0-1+)
    u_replica: np.ndarray  # replica utilisation (0-1+)


def replication_timeline(
    rate_writes,
    rate_reads,
    *,
    n_replicas: int = 3,
    rate_server: float = 2_000.0,
    t_lag: float = 0.1,
    p_read_replica: float = 0.9,
) -> ReplicationTimeline:
    """Time-bucketed form for the capstone: per-bucket writes/s and reads/s in, lag and more out.

    A replica's lag grows like a queue's wait as it gets busy (``t_lag / (1 - u)``, capped at
    ``u = 0.99``); the share of stale reads is the chance that at least one write is still in
    flight, ``1 - exp(-rate_writes * lag)``, for the share of reads sent to replicas.

    >>> tl = replication_timeline([100.0, 100.0], [1000.0, 4000.0])
    >>> bool(tl.t_lag[1] > tl.t_lag[0])
    True
    """
    w = np.asarray(rate_writes, dtype=float)
    q = np.asarray(rate_reads, dtype=float)
    if w.shape != q.shape:
        raise ValueError(
            f"rate_writes and rate_reads must have the same shape; got {w.shape}, {q.shape}"
        )
    if np.any(~np.isfinite(w)) or np.any(w < 0) or np.any(~np.isfinite(q)) or np.any(q < 0):
        raise ValueError("rate_writes and rate_reads must be finite and >= 0 in every bucket")
    check_int("n_replicas", n_replicas, low=1)
    check_number("rate_server", rate_server, low=0, low_open=True)
    check_number("t_lag", t_lag, low=0)
    check_probability("p_read_replica", p_read_replica)
    u_rep = (w + p_read_replica * q / n_replicas) / rate_server
    u_pri = (w + (1 - p_read_replica) * q) / rate_server
    lag = t_lag / (1.0 - np.minimum(u_rep, 0.99))
    p_stale = p_read_replica * (1.0 - np.exp(-w * lag))
    cap = np.full_like(w, 0.0) + np.maximum(rate_server - w, 0.0) * n_replicas
    return ReplicationTimeline(lag, p_stale, cap, u_pri, u_rep)


# --------------------------------------------------------------------------------------------
# Multi-master: LWW, version vectors, business rules
# --------------------------------------------------------------------------------------------


def _order(version) -> tuple:
    return (version[0], version[1])


def lww_winner(a, b):
    """The versioned value ``(timestamp, node, value)`` that last-write-wins keeps.

    Larger timestamp wins; on equal timestamps the larger node id wins. A ``(timestamp, node)``
    pair names one write, so the value never has to be compared.

    >>> lww_winner((10.0, 1, "blue"), (10.0, 2, "red"))
    (10.0, 2, 'red')
    """
    return a if _order(a) >= _order(b) else b


def lww_merge(a: Mapping, b: Mapping) -> dict:
    """Merge two replicas' states ``{key: (timestamp, node, value)}`` by last write wins.

    Commutative, associative and idempotent, so replicas that merge the same writes in any
    order, any number of times, end in the same state.

    >>> lww_merge({"x": (1.0, 0, "a")}, {"x": (2.0, 1, "b"), "y": (1.5, 1, "c")})
    {'x': (2.0, 1, 'b'), 'y': (1.5, 1, 'c')}
    """
    out = dict(a)
    for key, version in b.items():
        out[key] = lww_winner(out[key], version) if key in out else version
    return out


def compare_vv(a: Mapping, b: Mapping) -> str:
    """Compare version vectors ``{node: counter}``: 'equal', 'before', 'after' or 'concurrent'.

    ``a`` is 'before' ``b`` when every counter of ``a`` is <= ``b``'s and one is smaller
    (missing entries count as 0); 'concurrent' when each has a counter larger than the other's.

    >>> compare_vv({"A": 2, "B": 1}, {"A": 2, "B": 3})
    'before'
    >>> compare_vv({"A": 2}, {"B": 1})
    'concurrent'
    """
    keys = set(a) | set(b)
    less = any(a.get(k, 0) < b.get(k, 0) for k in keys)
    more = any(a.get(k, 0) > b.get(k, 0) for k in keys)
    if less and more:
        return "concurrent"
    return "before" if less else "after" if more else "equal"


def merge_vv(a: Mapping, b: Mapping) -> dict:
    """Element-wise maximum of two version vectors (what a node knows after seeing both).

    >>> merge_vv({"A": 2, "B": 1}, {"B": 3})
    {'A': 2, 'B': 3}
    """
    return {k: max(a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b))}


def merge_carts(a: Mapping, b: Mapping) -> dict:
    """A business rule for a shopping-cart conflict: keep every item, the larger quantity.

    Nothing a customer added is lost (Amazon's Dynamo merges carts this way); the price is that an
    item deleted on one side may come back.

    >>> merge_carts({"book": 1, "pen": 2}, {"pen": 1, "mug": 1})
    {'book': 1, 'mug': 1, 'pen': 2}
    """
    return {k: max(a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b))}


def ring_arrival_times(
    n_nodes: int,
    origin: int,
    t_hop: float,
    cut_link: tuple[int, int] | None = None,
    stopped_node: int | None = None,
) -> list[float]:
    """Seconds until a write made at ``origin`` reaches each node of a ring (``inf``: never).

    Node ``i`` forwards to node ``(i + 1) % n_nodes``; each hop takes ``t_hop`` seconds. A cut
    link ``(a, a + 1)`` or a stopped node blocks everything downstream of it.

    >>> ring_arrival_times(4, 1, 0.5)
    [1.5, 0.0, 0.5, 1.0]
    >>> ring_arrival_times(4, 1, 0.5, cut_link=(2, 3))
    [inf, 0.0, 0.5, inf]
    """
    check_int("n_nodes", n_nodes, low=1, high=10_000)
    check_int("origin", origin, low=0, high=n_nodes - 1)
    check_number("t_hop", t_hop, low=0)
    if cut_link is not None:
        _check_ring_link(cut_link, n_nodes)
    if stopped_node is not None:
        check_int("stopped_node", stopped_node, low=0, high=n_nodes - 1)
        if stopped_node == origin:
            raise ValueError(f"stopped_node must differ from origin {origin}; got {stopped_node}")
    out = [math.inf] * n_nodes
    out[origin] = 0.0
    node = origin
    for hop in range(1, n_nodes):
        nxt = (node + 1) % n_nodes
        if (cut_link is not None and tuple(cut_link) == (node, nxt)) or nxt == stopped_node:
            break
        out[nxt] = hop * t_hop
        node = nxt
    return out


def _check_ring_link(link, n_nodes):
    if (
        not isinstance(link, tuple | list)
        or len(link) != 2
        or any(isinstance(x, bool) or not isinstance(x, int | np.integer) for x in link)
        or not (0 <= link[0] < n_nodes)
        or link[1] != (link[0] + 1) % n_nodes
    ):
        raise ValueError(
            f"cut_link must be a ring link (a, (a + 1) % n_nodes) with 0 <= a < {n_nodes}; "
            f"got {link!r}"
        )


@dataclass(frozen=True)
class MultiMasterParams:
    """``n_nodes`` masters sharing ``n_keys`` keys, Poisson writes spread over the live nodes.

    ``rate_writes``: writes/s over all nodes; ``t_delay``: mean one-way replication delay in
    seconds (per link in a mesh, per hop in a ring; exponential); ``t_skew``: node clocks are
    offset evenly across ``[-t_skew, +t_skew]`` seconds (node 0 slowest, the last node fastest);
    ``topology``: ``"mesh"`` (each node ships its own writes to every other) or ``"ring"`` (each
    node forwards what it receives to the next); ``cut_link``: a link ``(a, b)`` that carries
    nothing; ``stopped_node``: a node that neither writes nor receives nor forwards.
    """

    n_nodes: int = 3
    n_keys: int = 5
    rate_writes: float = 5.0
    t_delay: float = 0.2
    t_skew: float = 0.0
    t_end: float = 30.0
    topology: str = "mesh"
    cut_link: tuple[int, int] | None = None
    stopped_node: int | None = None

    def __post_init__(self):
        check_int("n_nodes", self.n_nodes, low=2, high=20)
        check_int("n_keys", self.n_keys, low=1, high=1_000)
        check_number("rate_writes", self.rate_writes, low=0, high=200)
        check_number("t_delay", self.t_delay, low=0, high=60)
        check_number("t_skew", self.t_skew, low=0, high=60)
        check_number("t_end", self.t_end, low=0, high=600, low_open=True)
        check_choice("topology", self.topology, TOPOLOGIES)
        if self.cut_link is not None:
            if self.topology == "ring":
                _check_ring_link(self.cut_link, self.n_nodes)
            else:
                a, b = self.cut_link
                check_int("cut_link[0]", a, low=0, high=self.n_nodes - 1)
                check_int("cut_link[1]", b, low=0, high=self.n_nodes - 1)
                if a == b:
                    raise ValueError(f"cut_link must join two different nodes; got {self.cut_link}")
        if self.stopped_node is not None:
            check_int("stopped_node", self.stopped_node, low=0, high=self.n_nodes - 1)


@dataclass(frozen=True)
class MultiMasterResult:
    """Every write, when it reached each node, and what LWW and version vectors make of it.

    Arrays over writes ``w``: ``t_write`` (real time, s), ``origin``, ``key``, ``timestamp``
    (the origin's clock), ``vv`` (version vector per key, shape writes × nodes),
    ``delivered`` (arrival time at each node, ``inf`` if never; shape writes × nodes).
    ``lost``: writes whose value LWW replaced, at their own node, by a write that had never seen
    them (a concurrent write, or an earlier one with a faster clock): silently discarded updates;
    ``lost_to_earlier``: those beaten by a write made earlier in real time (only clock skew
    does that);
    ``concurrent``: writes concurrent with at least one other write to the same key.
    ``winner``: the LWW value per node and key (write index, -1 if none), shape nodes × keys.
    ``siblings``: versions a version-vector store keeps per node and key (nodes × keys).
    """

    params: MultiMasterParams
    t_write: np.ndarray
    origin: np.ndarray
    key: np.ndarray
    timestamp: np.ndarray
    vv: np.ndarray
    delivered: np.ndarray
    lost: np.ndarray
    lost_to_earlier: np.ndarray
    concurrent: np.ndarray
    winner: np.ndarray
    siblings: np.ndarray
    live: np.ndarray

    @property
    def n_writes(self) -> int:
        return int(self.t_write.size)

    @property
    def n_lost(self) -> int:
        return int(self.lost.sum())

    @property
    def n_lost_to_earlier(self) -> int:
        return int(self.lost_to_earlier.sum())

    @property
    def n_conflicts(self) -> int:
        """Keys whose version-vector store ends with more than one version (a conflict)."""
        return int((self.siblings[self.live].max(axis=0) > 1).sum()) if self.live.any() else 0

    @property
    def converged(self) -> bool:
        """True when every live node ends with the same value for every key."""
        w = self.winner[self.live]
        return bool(np.all(w == w[0]))

    @property
    def t_converged(self) -> float:
        """Real time (s) from which every live node holds its final value for every key."""
        if not self.converged:
            return math.inf
        final = self.winner[self.live][0]
        has = final >= 0
        if not has.any():
            return 0.0
        return float(self.delivered[final[has]][:, self.live].max())

    def disagreement(self, times) -> np.ndarray:
        """Number of keys on which the live nodes' LWW values differ, at each of ``times``."""
        times = np.asarray(times, dtype=float)
        out = np.zeros(times.size, dtype=int)
        order = np.lexsort((self.origin, self.timestamp))
        rank = np.empty(self.n_writes, dtype=int)
        rank[order] = np.arange(self.n_writes)
        for k in range(self.params.n_keys):
            sel = self.key == k
            if not sel.any():
                continue
            d = self.delivered[sel][:, self.live]  # (W_k, N_live)
            seen = d[None, :, :] <= times[:, None, None]
            cur = np.where(seen, rank[sel][None, :, None], -1).max(axis=1)  # (T, N_live)
            out += cur.max(axis=1) != cur.min(axis=1)
        return out


def _deliveries(p: MultiMasterParams, t_write, origin, rng) -> np.ndarray:
    n_w, n = t_write.size, p.n_nodes
    d = np.full((n_w, n), np.inf)
    if p.topology == "mesh":
        jitter = rng.exponential(p.t_delay, (n_w, n)) if p.t_delay else np.zeros((n_w, n))
        d[:] = t_write[:, None] + jitter
        d[np.arange(n_w), origin] = t_write
        if p.cut_link is not None:
            a, b = p.cut_link
            d[origin == a, b] = np.inf
    else:
        hops = rng.exponential(p.t_delay, (n_w, n - 1)) if p.t_delay else np.zeros((n_w, n - 1))
        arrive = t_write[:, None] + np.concatenate([np.zeros((n_w, 1)), np.cumsum(hops, axis=1)], 1)
        nodes = (origin[:, None] + np.arange(n)[None, :]) % n  # node reached after h hops
        blocked = np.zeros((n_w, n), dtype=bool)
        if p.cut_link is not None:
            a, _ = p.cut_link
            blocked[:, 1:] |= nodes[:, :-1] == a  # the hop leaving node a is cut
        if p.stopped_node is not None:
            blocked |= nodes == p.stopped_node
        blocked = np.logical_or.accumulate(blocked, axis=1)
        arrive[blocked] = np.inf
        d[np.arange(n_w)[:, None], nodes] = arrive
    if p.stopped_node is not None:
        d[:, p.stopped_node] = np.inf
    return d


def _causal_past(seen: np.ndarray) -> np.ndarray:
    """Reflexive-transitive closure of the direct "had seen" relation (boolean matrix).

    ``seen[i, j]`` means write ``i`` had reached write ``j``'s node before ``j`` was made, so
    ``i < j`` in time order and one pass over the columns in order suffices.
    """
    m = seen.shape[0]
    past = np.eye(m, dtype=bool)
    for j in range(m):
        direct = np.flatnonzero(seen[:j, j])
        if direct.size:
            past[:j, j] = past[:j, direct].any(axis=1)
    return past


def _displacers(idx, rank, delivered, origin, t_write) -> np.ndarray:
    """For each write of one key, the index (into ``idx``) of the write whose value replaced it
    at its own node, or -1 if it is still there at the end."""
    at = delivered[np.ix_(idx, origin[idx])]  # at[i, j]: arrival of write i at j's origin
    before = at < t_write[idx][None, :]
    higher = rank[:, None] > rank[None, :]
    held = np.where(before, rank[:, None], -1).max(axis=0)  # value held when j was written
    by_rank = np.empty(idx.size, dtype=int)
    by_rank[rank] = np.arange(idx.size)
    out = np.where(held > rank, by_rank[np.maximum(held, 0)], -1)
    later = np.where(higher & ~before & np.isfinite(at), at, np.inf)
    first = later.argmin(axis=0)
    has_later = np.isfinite(later.min(axis=0))
    return np.where(out >= 0, out, np.where(has_later, first, -1))


def simulate_multi_master(params: MultiMasterParams, rng: np.random.Generator) -> MultiMasterResult:
    """Run a multi-master (mesh or ring) store for ``params.t_end`` seconds.

    >>> import numpy as np
    >>> run = simulate_multi_master(MultiMasterParams(t_skew=0.5), np.random.default_rng(4))
    >>> run.converged, run.n_lost >= run.n_lost_to_earlier
    (True, True)
    """
    if not isinstance(params, MultiMasterParams):
        raise ValueError(f"params must be a MultiMasterParams; got {params!r}")
    check_rng(rng)
    p = params
    n = p.n_nodes
    live = np.ones(n, dtype=bool)
    if p.stopped_node is not None:
        live[p.stopped_node] = False
    writers = np.flatnonzero(live)
    n_w = rng.poisson(p.rate_writes * p.t_end)
    t_write = np.sort(rng.uniform(0.0, p.t_end, n_w))
    origin = writers[rng.integers(0, writers.size, n_w)]
    key = rng.integers(0, p.n_keys, n_w)
    offsets = np.linspace(-p.t_skew, p.t_skew, n)
    timestamp = t_write + offsets[origin]
    delivered = _deliveries(p, t_write, origin, rng)

    vv = np.zeros((n_w, n), dtype=int)
    lost = np.zeros(n_w, dtype=bool)
    lost_early = np.zeros(n_w, dtype=bool)
    concurrent = np.zeros(n_w, dtype=bool)
    winner = np.full((n, p.n_keys), -1)
    siblings = np.zeros((n, p.n_keys), dtype=int)
    for k in range(p.n_keys):
        idx = np.flatnonzero(key == k)  # in real-time order
        if idx.size == 0:
            continue
        at = delivered[np.ix_(idx, origin[idx])]
        seen = (at < t_write[idx][None, :]) & ~np.eye(idx.size, dtype=bool)
        past = _causal_past(seen)  # past[i, j]: write i is in j's causal past (or i == j)
        onehot = np.zeros((idx.size, n), dtype=np.float32)
        onehot[np.arange(idx.size), origin[idx]] = 1.0
        vv[idx] = np.rint(past.T.astype(np.float32) @ onehot).astype(int)
        hb = past & ~np.eye(idx.size, dtype=bool)  # i happened before j
        conc = ~(hb | hb.T) & ~np.eye(idx.size, dtype=bool)
        concurrent[idx] = conc.any(axis=1)
        rank = np.empty(idx.size, dtype=int)
        rank[np.lexsort((origin[idx], timestamp[idx]))] = np.arange(idx.size)
        disp = _displacers(idx, rank, delivered, origin, t_write)
        beaten = disp >= 0
        lost_here = beaten & ~hb[np.arange(idx.size), np.maximum(disp, 0)]
        lost[idx] = lost_here
        lost_early[idx] = lost_here & (t_write[idx[np.maximum(disp, 0)]] < t_write[idx])
        for node in np.flatnonzero(live):
            got = np.isfinite(delivered[idx, node])
            if not got.any():
                continue
            sub = idx[got]
            winner[node, k] = sub[np.lexsort((origin[sub], timestamp[sub]))[-1]]
            hb_sub = hb[np.ix_(got, got)]
            siblings[node, k] = int((~hb_sub.any(axis=1)).sum())
    return MultiMasterResult(
        p,
        t_write,
        origin,
        key,
        timestamp,
        vv,
        delivered,
        lost,
        lost_early,
        concurrent,
        winner,
        siblings,
        live,
    )
