"""Consensus as a building block: what a Raft or Paxos group guarantees, and what it costs.

Raft (Ongaro and Ousterhout, 2014), Multi-Paxos, ZooKeeper's Zab and etcd (which runs Raft) keep
one replicated log on an odd number of *voters*. A leader appends a client's command to its log,
sends it to the followers, and *commits* it once a **majority** of voters (itself included) has
stored it; only then does the client get its answer. Any two majorities share a voter, so a
committed entry survives the loss of any minority, a new leader can only be elected with the
votes of a majority (and must hold every committed entry to get them), and two leaders can never
both commit in the same term: at most one side of a partition holds a majority.

The price is latency. A commit waits for the ``majority - 1`` fastest followers to answer, so
its time is an order statistic of the leader's round-trip times: with voters in three regions,
the leader waits for its *nearer* remote region. :func:`commit_latency` computes it from a
matrix of round-trip times, :func:`client_write_latency` adds the client's own trip to the
leader, and :func:`commit_delays` turns the round trips plus a random jitter into
:class:`~scalelab.quorum.latency.Delay` objects, so that
:func:`~scalelab.quorum.latency.quorum_quantile` gives the commit's p99.

Simplifications: one round trip per commit (a stable leader, batching ignored), disk writes
free, a linearizable read costs one more majority round (Raft's ReadIndex) unless the leader
holds a lease. Round trips in seconds, as in every model of :mod:`scalelab.quorum` and in
chapter 10's table of round trips between regions (``scalelab.geo.BACKBONE_RTT``).
"""

from __future__ import annotations

import numpy as np

from scalelab.quorum.latency import Delay
from scalelab.validate import check_array, check_int, check_number

__all__ = [
    "majority",
    "tolerated_failures",
    "commit_latency",
    "client_write_latency",
    "best_leader",
    "commit_delays",
]


def majority(n_voters: int) -> int:
    """The smallest majority of ``n_voters``: ``n_voters // 2 + 1``.

    >>> [majority(n) for n in (1, 2, 3, 4, 5)]
    [1, 2, 2, 3, 3]
    """
    check_int("n_voters", n_voters, low=1, high=1_001)
    return n_voters // 2 + 1


def tolerated_failures(n_voters: int) -> int:
    """Voters that may fail (or be cut off) while a majority remains: ``(n_voters - 1) // 2``.

    Four voters tolerate one failure, like three: an even number buys cost, not safety.

    >>> [tolerated_failures(n) for n in (3, 4, 5)]
    [1, 1, 2]
    """
    check_int("n_voters", n_voters, low=1, high=1_001)
    return (n_voters - 1) // 2


def _check_rtt(t_rtt) -> np.ndarray:
    rtt = check_array("t_rtt", t_rtt, ndim=2, low=0, unit="round trips (s) between the voters")
    if rtt.shape[0] != rtt.shape[1]:
        raise ValueError(
            "t_rtt must be a square matrix of round-trip times >= 0 seconds between the voters; "
            f"got shape {rtt.shape}"
        )
    return rtt


def commit_latency(t_rtt, leader: int) -> float:
    """Seconds from the leader sending an entry to knowing it is committed.

    The leader counts as one vote, so it waits for the ``majority - 1`` fastest follower round
    trips: the ``(majority - 1)``-th smallest of its row of ``t_rtt`` (seconds, voters × voters).

    >>> rtt = [[0.0, 0.065, 0.090], [0.065, 0.0, 0.145], [0.090, 0.145, 0.0]]
    >>> commit_latency(rtt, 0)  # us-east leader, voters in us-west and Europe
    0.065
    """
    rtt = _check_rtt(t_rtt)
    n = rtt.shape[0]
    check_int("leader", leader, low=0, high=n - 1)
    need = majority(n) - 1
    if need == 0:
        return 0.0
    others = np.delete(rtt[leader], leader)
    return float(np.sort(others)[need - 1])


def client_write_latency(t_rtt, leader: int, t_client: float) -> float:
    """A client's write: its round trip ``t_client`` (s) to the leader plus the commit.

    >>> rtt = [[0.0, 0.065, 0.090], [0.065, 0.0, 0.145], [0.090, 0.145, 0.0]]
    >>> round(client_write_latency(rtt, 0, t_client=0.090), 3)  # a client in Europe
    0.155
    """
    check_number("t_client", t_client, low=0, high=60)
    return t_client + commit_latency(t_rtt, leader)


def best_leader(t_rtt) -> int:
    """The voter whose commits are fastest (lowest :func:`commit_latency`; first on a tie).

    >>> best_leader([[0.0, 0.065, 0.090], [0.065, 0.0, 0.145], [0.090, 0.145, 0.0]])
    0
    """
    rtt = _check_rtt(t_rtt)
    return int(np.argmin([commit_latency(rtt, i) for i in range(rtt.shape[0])]))


def commit_delays(t_rtt, leader: int, t_jitter: float) -> tuple[Delay, ...]:
    """Each follower's round trip as a :class:`Delay`: the matrix entry plus exponential jitter.

    Feed them to :func:`~scalelab.quorum.latency.quorum_quantile` with
    ``n_needed = majority(n) - 1`` for the commit's percentiles.

    >>> [d.t_floor for d in commit_delays([[0, 0.06], [0.06, 0]], 0, 0.005)]
    [0.06]
    """
    rtt = _check_rtt(t_rtt)
    check_int("leader", leader, low=0, high=rtt.shape[0] - 1)
    check_number("t_jitter", t_jitter, low=0, high=60)
    return tuple(Delay(float(x), t_jitter) for x in np.delete(rtt[leader], leader))
