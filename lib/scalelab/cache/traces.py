"""Seeded request traces: which key each request asks for, and when.

:func:`make_trace` returns a :class:`Trace` of independent requests with Zipf popularity of skew
``alpha`` (the *independent reference model*, :func:`zipf_popularity`), arriving as a Poisson
stream, and three variations that real caches meet: one-off **scans** (a batch job reading cold
keys once), **bursts** of new content that is hot for a while, and a **stampede** trace with one
very hot key. Keys are integers; key 0 is the most popular of the Zipf catalogue. Every random
choice comes from the ``numpy.random.Generator`` you pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.validate import check_array, check_choice, check_int, check_number, check_rng

__all__ = [
    "TRACE_KINDS",
    "Trace",
    "zipf_popularity",
    "make_trace",
]


TRACE_KINDS = ("zipf", "scan", "burst", "stampede")
"""Trace kinds accepted by :func:`make_trace`."""


@dataclass(frozen=True, eq=False)
class Trace:
    """A request trace: ``keys[i]`` is requested at time ``t[i]`` (seconds, non-decreasing).

    ``is_write[i]`` marks writes (updates of the key in the database); all-False when the
    trace is read-only. ``n_objects`` is the size of the popular catalogue (keys
    ``0..n_objects-1``, key 0 the most popular); scans and bursts use keys beyond it.
    """

    kind: str
    keys: np.ndarray
    t: np.ndarray
    is_write: np.ndarray
    n_objects: int
    alpha: float
    rate: float

    def __len__(self) -> int:
        return int(self.keys.size)

    @property
    def n_distinct(self) -> int:
        """How many different keys the trace requests."""
        return int(np.unique(self.keys).size)


def zipf_popularity(n_objects: int, alpha: float) -> np.ndarray:
    """Request probabilities of a catalogue whose ``k``-th most popular object gets ∝ k^-alpha.

    ``alpha`` (the skew) is 0 for uniform popularity; web and video workloads measure 0.6-1.0
    (Breslau et al., INFOCOM 1999).

    >>> p = zipf_popularity(3, 1.0)
    >>> [round(float(x), 3) for x in p]
    [0.545, 0.273, 0.182]
    """
    n = check_int("n_objects", n_objects, low=1)
    a = check_number("alpha", alpha, low=0, high=3)
    q = np.arange(1, n + 1, dtype=float) ** -a
    return q / q.sum()


def _sample(popularity: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    cdf = np.cumsum(popularity)
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int64)


def make_trace(
    kind: str = "zipf",
    *,
    n_objects: int = 10_000,
    n_requests: int = 100_000,
    alpha: float = 0.8,
    rate: float = 1_000.0,
    p_scan: float = 0.3,
    n_scan: int | None = None,
    p_burst: float = 0.3,
    n_burst: int | None = None,
    p_hot: float = 0.2,
    p_write: float = 0.0,
    rng: np.random.Generator,
) -> Trace:
    """A seeded request trace of ``n_requests`` over a Zipf catalogue of ``n_objects``.

    Requests arrive as a Poisson stream of ``rate`` requests/s. ``kind``:

    - ``"zipf"``: every request independently picks a key with :func:`zipf_popularity`.
    - ``"scan"``: a share ``p_scan`` of the requests come in *scans*: runs of ``n_scan``
      (default ``n_objects // 5``) consecutive requests for new keys, each requested once
      (a backup or a report reading cold rows); the rest is Zipf.
    - ``"burst"``: a share ``p_burst`` of the requests go to *bursts*: new content (``n_burst``
      keys, default 20) that is hot for a stretch of the trace and then never requested again
      (a news story, a viral post); popularity inside a burst is Zipf too.
    - ``"stampede"``: a share ``p_hot`` of the requests go to one hot key, ``-1``; the rest is
      Zipf. With a TTL, every expiry of the hot key sends a crowd to the database.

    ``p_write`` marks that share of requests as writes (random, any kind).

    >>> tr = make_trace("scan", n_objects=100, n_requests=1_000, rng=np.random.default_rng(0))
    >>> len(tr), tr.kind, bool(tr.keys.max() >= 100)
    (1000, 'scan', True)
    """
    check_choice("kind", kind, TRACE_KINDS)
    n_obj = check_int("n_objects", n_objects, low=1, high=10_000_000)
    n = check_int("n_requests", n_requests, low=1, high=20_000_000)
    check_number("alpha", alpha, low=0, high=3)
    check_rng(rng)
    check_number("rate", rate, low=0, low_open=True)
    for name, p in (("p_scan", p_scan), ("p_burst", p_burst), ("p_hot", p_hot)):
        check_number(name, p, low=0, high=0.95)
    check_number("p_write", p_write, low=0, high=1)
    pop = zipf_popularity(n_obj, alpha)
    keys = _sample(pop, n, rng)
    if kind == "scan":
        length = check_int("n_scan", n_obj // 5 if n_scan is None else n_scan, low=1)
        n_runs = min(int(round(n * p_scan / length)), n // length)
        if n_runs:
            # runs at random places that never overlap: n_runs starts in the free room
            free = n - n_runs * length
            starts = np.sort(rng.integers(0, free + 1, size=n_runs)) + np.arange(n_runs) * length
            pos = (starts[:, None] + np.arange(length)).reshape(-1)
            keys[pos] = n_obj + np.arange(pos.size)
    elif kind == "burst":
        size = check_int("n_burst", 20 if n_burst is None else n_burst, low=1)
        in_burst = rng.random(n) < p_burst
        n_bursts = max(1, n // 10_000 * 2 + 2)
        # burst b covers requests [b, b+2) * n / (n_bursts + 1): overlapping, always some active
        which = np.minimum((np.arange(n) * (n_bursts + 1) // n), n_bursts)
        which = np.where(rng.random(n) < 0.5, which, np.maximum(which - 1, 0))
        local = _sample(zipf_popularity(size, alpha), n, rng)
        keys = np.where(in_burst, n_obj + which * size + local, keys)
    elif kind == "stampede":
        keys = np.where(rng.random(n) < p_hot, -1, keys)
    t = np.cumsum(rng.exponential(1.0 / rate, size=n))
    is_write = rng.random(n) < p_write if p_write > 0 else np.zeros(n, dtype=bool)
    return Trace(kind, keys, t, is_write, n_obj, float(alpha), float(rate))


def _keys_of(trace) -> np.ndarray:
    keys = trace.keys if isinstance(trace, Trace) else np.asarray(trace)
    check_array("trace", keys, dtype=None, unit="keys")
    return keys
