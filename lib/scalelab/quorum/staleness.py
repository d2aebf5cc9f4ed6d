"""Leaderless (Dynamo-style) replication: how often a quorum read returns stale data.

Amazon's Dynamo (DeCandia et al., SOSP 2007) and its descendants (Cassandra, Riak, Voldemort)
have no leader. A client's write goes to all N replicas of a key and is acknowledged once W of
them have stored it; a read asks the replicas and returns the newest version among the first R
replies. Dynamo's common configuration was (N, R, W) = (3, 2, 2). If R + W > N every read
quorum shares a replica with every write quorum, so a read sees the latest *acknowledged*
write; with R + W <= N (a *partial* quorum, chosen for speed) it may not.

Bailis et al. ("Probabilistically Bounded Staleness for Practical Partial Quorums", VLDB 2012)
measured how often. If the read quorum is any R of the N replicas, equally likely, the
probability that it misses all W replicas of the newest write is ``C(N-W, R) / C(N, R)``, and of
missing the last ``k`` writes that to the power ``k`` (*k-staleness*, :func:`p_stale_k`). But the
write keeps spreading after it is acknowledged: the other N - W replicas receive it after their
own replication lag. *t-visibility* is the probability that a read starting ``t`` seconds after
the write was acknowledged still returns an older value; PBS writes it as a sum over the number
``c`` of replicas holding the write by then, ``sum_c P(c replicas have it) C(N-c, R) / C(N, R)``.

Here the lag of every replica is a :class:`~scalelab.quorum.latency.Delay` (a floor plus an
exponential tail). The write is acknowledged when the W-th replica has it; because the
exponential forgets how long it has waited, each of the other N - W replicas, independently,
has the write ``t`` seconds later with probability ``1 - exp(-t / t_tail)``, so ``c - W`` is
binomial and :func:`p_stale` is exact. :func:`simulate_staleness` draws the lags of many writes
and reads directly; the tests compare the two.

Simplifications (PBS's WARS model with the acknowledgement, read-request and read-response
delays set to 0): the read's R replicas are a uniformly random subset; no read repair or
anti-entropy during the window (both only make reads fresher); one write at a time per key.
Times in seconds.
"""

from __future__ import annotations

import math

import numpy as np

from scalelab.quorum.latency import Delay, Quorum
from scalelab.validate import check_array, check_int, check_number, check_rng, check_type

__all__ = ["p_stale_k", "p_stale", "simulate_staleness"]


def p_stale_k(quorum: Quorum, k: int = 1) -> float:
    """P(a read misses the last ``k`` writes): ``(C(N-W, R) / C(N, R)) ** k`` (Bailis et al.).

    0 for a strict quorum (R + W > N); read just as the writes are acknowledged.

    >>> p_stale_k(Quorum(3, 1, 1))  # R = W = 1 of 3: the read misses 2 times in 3
    0.6666666666666666
    >>> p_stale_k(Quorum(3, 2, 2))
    0.0
    """
    _check_quorum(quorum)
    check_int("k", k, low=1, high=1_000)
    n, r, w = quorum.n_replicas, quorum.n_read, quorum.n_write
    return (math.comb(n - w, r) / math.comb(n, r)) ** k


def p_stale(t, quorum: Quorum, lag: Delay) -> np.ndarray:
    """P(a read ``t`` seconds after a write was acknowledged returns an older value).

    ``lag``: each replica's replication lag (the write reaches replica ``i`` after its own
    draw). Exact for this model: ``sum_b Binomial(b; N-W, q) C(N-W-b, R) / C(N, R)`` with
    ``q = 1 - exp(-t / lag.t_tail)``. ``t`` in seconds, a number or an array (``t >= 0``).

    >>> q = Quorum(3, 1, 1)
    >>> [round(float(p), 3) for p in p_stale([0.0, 0.01, 0.1], q, Delay(0.0, 0.01))]
    [0.667, 0.245, 0.0]
    """
    _check_quorum(quorum)
    check_type("lag", lag, Delay)
    t = check_array("t", t, ndim=None, low=0, nonempty=False, unit="times (s)")
    n, r, w = quorum.n_replicas, quorum.n_read, quorum.n_write
    q = -np.expm1(-t / lag.t_tail) if lag.t_tail > 0 else np.ones(t.shape)
    m = n - w
    b = np.arange(m + 1).reshape((-1,) + (1,) * t.ndim)
    pmf = np.array([math.comb(m, k) for k in range(m + 1)]).reshape(b.shape) * q**b
    pmf = pmf * (1 - q) ** (m - b)
    miss = np.array([math.comb(m - k, r) for k in range(m + 1)]).reshape(b.shape)
    out = (pmf * miss).sum(axis=0) / math.comb(n, r)
    return out if out.ndim else float(out)


def simulate_staleness(
    t, quorum: Quorum, lag: Delay, n_writes: int, *, rng: np.random.Generator
) -> np.ndarray:
    """The share of ``n_writes`` simulated writes whose read ``t`` s after the ack was stale.

    Each write draws one lag per replica; it is acknowledged at the W-th smallest; a read at
    ``ack + t`` asks R replicas chosen at random and is stale if none of them has the write.
    Any lag distribution with a ``sample(size, *, rng)`` method works here (the closed form
    needs the exponential tail of :class:`Delay`).

    >>> import numpy as np
    >>> sim = simulate_staleness([0.0, 0.01], Quorum(3, 1, 1), Delay(0.0, 0.01), 20_000,
    ...                          rng=np.random.default_rng(1))
    >>> [round(float(s), 2) for s in sim]
    [0.67, 0.24]
    """
    _check_quorum(quorum)
    check_int("n_writes", n_writes, low=1, high=10_000_000)
    check_rng(rng)
    t = np.atleast_1d(np.asarray(t, dtype=float))
    for x in t:
        check_number("t", float(x), low=0)
    n, r, w = quorum.n_replicas, quorum.n_read, quorum.n_write
    lags = lag.sample((n_writes, n), rng=rng)
    ack = np.partition(lags, w - 1, axis=1)[:, w - 1]
    readers = np.argsort(rng.random((n_writes, n)), axis=1)[:, :r]  # R distinct replicas
    seen = np.take_along_axis(lags, readers, axis=1)  # lags of the replicas read
    fresh = (seen[:, :, None] <= ack[:, None, None] + t[None, None, :]).any(axis=1)
    return 1.0 - fresh.mean(axis=0)


def _check_quorum(quorum) -> None:
    check_type("quorum", quorum, Quorum, hint="(n_replicas, n_read, n_write)")
