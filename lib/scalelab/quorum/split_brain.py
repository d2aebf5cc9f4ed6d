"""Split brain: two leaders after a partition, and what fencing tokens and majorities change.

A database cluster spans two sites. The leader (primary) is on one side; clients on both sides
write to it. Then the network between the sites is cut for ``t_partition`` seconds. The far
side's failure detector stops hearing heartbeats, suspects the leader after ``t_timeout`` and,
``t_election`` later, promotes one of its own replicas. The old leader is not dead: it never
heard that it was replaced and keeps acknowledging its own side's writes. When the cut heals
there are two histories, and writes acknowledged on one are missing from the other.

This is what happened to GitHub on 21 October 2018 (GitHub, "October 21 post-incident
analysis", 2018): 43 seconds of lost connectivity between the US East Coast network hub and the
primary US East Coast data centre; Orchestrator, whose Raft quorum the West Coast and public
cloud nodes still formed, promoted primaries in the US West Coast data centre; the East Coast
databases held a brief period of writes that had not reached the West; both sides then held
writes the other lacked, and the service was degraded for 24 hours and 11 minutes while they
were reconciled.

:func:`simulate_split_brain` replays such a drill with Poisson writes on each side, in one of
three :data:`MODES`:

- ``"none"``: replication is asynchronous and any side may promote; the old leader acknowledges
  writes until its clients move to the new leader, ``t_reroute`` s after the heal.
- ``"fencing"``: every promotion takes a larger *epoch* (a fencing token; Kleppmann, "How to
  do distributed locking", 2016) and storage rejects a write carrying an older epoch than the
  newest it has seen. The old leader's writes are rejected wherever the new epoch is known: on
  its own side, storage hears of it only when the partition heals, so fencing stops the
  "zombie" that comes back, not the writes it took while cut off.
- ``"majority"``: a write commits only on a majority of voters and only the side holding a
  majority can elect (Raft, Paxos). The minority side stops acknowledging writes at once; no
  acknowledged write diverges; the price is unavailability on the minority side and a wider
  write latency. With an even split nobody can write.

Simplifications: one leader, two sites, writes arrive at a constant rate on each side (Poisson);
in ``"none"``/``"fencing"`` a write is acknowledged by the leader alone and reaches the other
site ``t_lag`` s later; no client retries are counted as new writes; the election aborts if the
partition heals before it completes. Times in seconds, rates in writes/s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.quorum.consensus import majority
from scalelab.validate import (
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = ["MODES", "SplitBrainParams", "SplitBrainResult", "simulate_split_brain", "GITHUB_2018"]

MODES = ("none", "fencing", "majority")
"""How the cluster protects itself against two leaders (see the module docstring)."""


@dataclass(frozen=True)
class SplitBrainParams:
    """A partition drill. ``t_partition``: length of the cut (s); ``t_timeout``: the far side's
    failure-detector timeout (s); ``t_election``: promotion time after suspicion (s); ``t_lag``:
    asynchronous replication lag (s); ``t_reroute``: seconds after the heal during which the
    leader side's clients still write to the old leader; ``rate_writes_leader_side`` and
    ``rate_writes_other_side``: writes/s from clients on each side; ``n_voters_leader_side`` and
    ``n_voters_other_side``: voters (or replicas) on each side; ``mode``: one of :data:`MODES`.
    """

    t_partition: float = param(43.0, low=0, high=3600, doc="length of the network cut", unit="s")
    t_timeout: float = param(
        10.0, low=0, high=3600, doc="far side's failure-detector timeout", unit="s"
    )
    t_election: float = param(5.0, low=0, high=3600, doc="promotion time after suspicion", unit="s")
    t_lag: float = param(1.0, low=0, high=3600, doc="asynchronous replication lag", unit="s")
    t_reroute: float = param(
        0.0, low=0, high=3600, doc="time after the heal the old leader still gets writes", unit="s"
    )
    rate_writes_leader_side: float = param(
        100.0,
        low=0,
        high=1e6,
        doc="writes/s from clients on the leader's side",
        unit="writes/s",
    )
    rate_writes_other_side: float = param(
        100.0, low=0, high=1e6, doc="writes/s from clients on the other side", unit="writes/s"
    )
    n_voters_leader_side: int = param(
        2, kind="int", low=1, high=100, doc="voters on the leader's side"
    )
    n_voters_other_side: int = param(3, kind="int", low=0, high=100, doc="voters on the other side")
    mode: str = param(
        "none", kind="choice", choices=MODES, doc="how the cluster guards against split brain"
    )

    def __post_init__(self):
        validate_fields(self)

    @property
    def t_promote(self) -> float:
        """Seconds after the cut at which the far side would have a new leader."""
        return self.t_timeout + self.t_election


GITHUB_2018 = SplitBrainParams(
    t_partition=43.0,
    t_timeout=10.0,
    t_election=5.0,
    t_lag=2.0,
    t_reroute=0.0,
    rate_writes_leader_side=10.0,
    rate_writes_other_side=200.0,
    n_voters_leader_side=2,
    n_voters_other_side=3,
)
"""A drill shaped like GitHub's 21 October 2018 incident: a 43 s cut (GitHub's post-incident
analysis, 2018), the leader's data centre cut off from the hub that the users' traffic and the
voters' majority were on, clients moved to the new primaries at the heal. The timeout, election
time, lag, write rates and voter counts are this course's assumptions, not GitHub's figures."""


@dataclass(frozen=True)
class SplitBrainResult:
    """Counts of one drill (writes), and availability during the cut.

    ``promoted``: the far side elected a leader during the cut (at ``t_promoted`` s);
    ``n_orphaned``: writes the old leader acknowledged that the new leader never had (lag window,
    cut, and after the heal); ``n_new_branch``: writes the new leader acknowledged during the cut;
    ``n_divergent``: acknowledged writes on only one of two forked histories
    (``n_orphaned + n_new_branch`` when both are non-zero, else 0: one side just catches up);
    ``n_fenced``: writes storage rejected for a stale epoch; ``n_rejected_leader_side`` and
    ``n_rejected_other_side``: writes refused because no leader could take them;
    ``p_available_leader_side``/``p_available_other_side``: share of the cut during which
    each side could write.
    """

    params: SplitBrainParams
    promoted: bool
    t_promoted: float
    n_orphaned: int
    n_new_branch: int
    n_divergent: int
    n_fenced: int
    n_rejected_leader_side: int
    n_rejected_other_side: int
    p_available_leader_side: float
    p_available_other_side: float


def _count(rate: float, t0: float, t1: float, rng: np.random.Generator) -> int:
    """Poisson arrivals at ``rate`` per second in ``[t0, t1)`` (0 for an empty window)."""
    return int(rng.poisson(rate * (t1 - t0))) if t1 > t0 else 0


def simulate_split_brain(params: SplitBrainParams, *, rng: np.random.Generator) -> SplitBrainResult:
    """Replay a partition of ``params.t_partition`` s between the leader's side and the other.

    >>> import numpy as np
    >>> r = simulate_split_brain(SplitBrainParams(mode="majority"), rng=np.random.default_rng(1))
    >>> r.n_divergent, r.p_available_leader_side, round(r.p_available_other_side, 2)
    (0, 0.0, 0.65)
    """
    check_type("params", params, SplitBrainParams)
    check_rng(rng)
    p, cut = params, params.t_partition
    n_total = p.n_voters_leader_side + p.n_voters_other_side
    quorum_rule = p.mode == "majority"
    other_may_elect = not quorum_rule or p.n_voters_other_side >= majority(n_total)
    leader_keeps = not quorum_rule or p.n_voters_leader_side >= majority(n_total)
    promoted = other_may_elect and p.t_promote < cut
    t_new = min(p.t_promote, cut)
    rate_l, rate_o = p.rate_writes_leader_side, p.rate_writes_other_side
    # Every window is drawn in every mode, in one order: the modes replay the same writes.
    lag = _count(rate_l + rate_o, -p.t_lag, 0.0, rng)  # acknowledged, not yet replicated
    during_l = _count(rate_l, 0.0, cut, rng)
    after_l = _count(rate_l, cut, cut + p.t_reroute, rng)  # still sent to the old leader
    before_new = _count(rate_o, 0.0, t_new, rng)
    after_new = _count(rate_o, t_new, cut, rng)
    old_acked = during_l if leader_keeps else 0
    if promoted:
        # a majority commit means the lag window's writes are already on the new leader
        orphaned = (0 if quorum_rule else lag) + old_acked + (after_l if p.mode == "none" else 0)
        new_branch, fenced, refused_other = (
            after_new,
            after_l if p.mode != "none" else 0,
            before_new,
        )
    else:
        orphaned, new_branch, fenced, refused_other = 0, 0, 0, before_new + after_new
    return SplitBrainResult(
        params=p,
        promoted=promoted,
        t_promoted=p.t_promote if promoted else float("inf"),
        n_orphaned=orphaned,
        n_new_branch=new_branch,
        n_divergent=orphaned + new_branch if orphaned and new_branch else 0,
        n_fenced=fenced,
        n_rejected_leader_side=during_l - old_acked,
        n_rejected_other_side=refused_other,
        p_available_leader_side=1.0 if leader_keeps else 0.0,
        p_available_other_side=(cut - t_new) / cut if promoted and cut > 0 else 0.0,
    )
