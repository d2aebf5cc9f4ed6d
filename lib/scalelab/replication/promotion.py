"""Failover: promote a replica when the primary dies, and count what is lost.

:func:`promote` picks the replica to promote from each replica's log position, by one of the
:data:`POLICIES` or a function of your own. :func:`failover` applies it to a run of
:func:`~scalelab.replication.simulate_replication` at the moment the primary dies and returns a
:class:`Failover`: with asynchronous shipping the writes the primary acknowledged but had not
shipped to the promoted replica are lost (listed exactly); replicas *ahead* of the promoted one
hold writes the new primary lacks; replicas behind copy the missing entries; a new replica
replaces the dead machine by copying the whole log. Times in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from scalelab.replication.primary import ReplicationResult
from scalelab.validate import check_choice, check_int, check_number, check_rng, check_type

__all__ = [
    "POLICIES",
    "promote",
    "Failover",
    "failover",
]


POLICIES = ("most_advanced", "lowest_id", "random")
"""Named promotion policies (a callable ``positions -> index`` is accepted too)."""


def promote(
    positions: Sequence[int | None],
    policy="most_advanced",
    *,
    rng: np.random.Generator | None = None,
) -> int:
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
    *,
    rate_copy: float = 2_000.0,
    rng: np.random.Generator | None = None,
) -> Failover:
    """Kill the primary of ``run`` at ``t_fail`` seconds and promote a replica by ``policy``.

    ``rate_copy``: log entries per second a replica can copy during recovery.

    >>> from scalelab.replication import ReplicationParams, simulate_replication
    >>> import numpy as np
    >>> p = ReplicationParams(n_replicas=2, mode="sync", t_end=10.0)
    >>> fo = failover(simulate_replication(p, rng=np.random.default_rng(3)), t_fail=4.0)
    >>> fo.lost  # synchronous: every acknowledged write is on every replica
    ()
    """
    check_type("run", run, ReplicationResult)
    check_number("t_fail", t_fail, low=0, high=run.params.t_end)
    check_number("rate_copy", rate_copy, low=0, low_open=True)
    primary = run.primary_position(t_fail)
    down = run.params.t_replica_fail
    positions = [
        None if (r == 0 and down is not None and down <= t_fail) else int(pos)
        for r, pos in enumerate(run.replica_positions(t_fail))
    ]
    chosen = promote(positions, policy, rng=rng)
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
