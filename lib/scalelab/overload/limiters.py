"""Rate limiters: five ways to say "no more than this many requests per second".

A rate limiter sits in front of a service (in the client library, at the gateway or in the
service itself) and turns away requests beyond an agreed rate, so that one noisy client cannot
take the capacity everyone else shares. All five classic algorithms are here, each as a pure
function over the *same* sorted arrival trace, returning which requests it admitted (a
:class:`LimiterResult` with a boolean mask) and what it has to remember (its memory cost):

- **token bucket** (:func:`token_bucket`): tokens drip in at ``rate`` per second up to
  ``n_burst``; a request takes one token or is refused. It never admits more than
  ``rate · t + n_burst`` requests in any interval of ``t`` seconds, and it allows bursts up to
  ``n_burst``. Memory: two numbers (tokens, last update).
- **leaky bucket as a queue** (:func:`leaky_bucket`): requests join a queue of ``n_burst``
  places that drains at ``rate``; the output is perfectly smooth, but admitted requests wait.
- **fixed window** (:func:`fixed_window`): count requests per calendar window of ``t_window``;
  one counter, but up to twice the limit can pass around a window boundary.
- **sliding-window log** (:func:`sliding_log`): keep every admitted timestamp of the last
  ``t_window`` seconds; exact, but memory grows with the limit.
- **sliding-window counter** (:func:`sliding_counter`): two fixed-window counters, the
  previous one weighted by how much of it still overlaps the sliding window; two numbers, an
  approximation of the log.

:func:`bursty_trace` makes the chapter's trace (a steady client plus bursts), and
:func:`max_in_window` measures the most requests admitted in any window (the bound's test).

Simplifications: one limiter, one key (per-client limiters keep one state per key, so their
memory is this times the number of keys); time is exact (a distributed limiter's shared
counter is updated with a delay, see the chapter). Memory counts stored numbers, 8 bytes each.

>>> t = np.array([0.0, 0.01, 0.02, 0.03, 1.5])
>>> token_bucket(t, rate=1.0, n_burst=2).admitted.tolist()
[True, True, False, False, True]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from scalelab.validate import check_array, check_int, check_number, check_rng

__all__ = [
    "LimiterResult",
    "token_bucket",
    "leaky_bucket",
    "fixed_window",
    "sliding_log",
    "sliding_counter",
    "bursty_trace",
    "max_in_window",
]

_BYTES = 8  # one stored number (a float64 time or a counter)


@dataclass(frozen=True)
class LimiterResult:
    """What a limiter did to a trace: ``admitted`` (bool per request), ``t_release`` (s, when
    each admitted request leaves the limiter; the arrival time except for the leaky bucket's
    queue; NaN if refused) and ``n_bytes`` (the most memory the limiter's state needed)."""

    admitted: np.ndarray
    t_release: np.ndarray
    n_bytes: int

    @property
    def n_admitted(self) -> int:
        """Requests admitted."""
        return int(np.count_nonzero(self.admitted))


def _check_trace(t_arrival) -> np.ndarray:
    t = check_array("t_arrival", t_arrival, nonempty=False, unit="times (s)")
    if t.size and np.any(np.diff(t) < 0):
        i = int(np.argmax(np.diff(t) < 0)) + 1
        raise ValueError(f"t_arrival must be sorted; got {t[i]} at index {i} after {t[i - 1]}")
    return t


def _result(t: np.ndarray, ok: np.ndarray, n_bytes: int, release=None) -> LimiterResult:
    rel = np.where(ok, t if release is None else release, np.nan)
    return LimiterResult(admitted=ok, t_release=rel, n_bytes=int(n_bytes))


def token_bucket(t_arrival, rate: float, n_burst: float) -> LimiterResult:
    """Admit a request if a token is left; tokens refill at ``rate``/s up to ``n_burst``.

    The bucket starts full. In any interval of ``t`` seconds at most ``rate · t + n_burst``
    requests are admitted.

    >>> token_bucket([0.0, 0.0, 0.0, 1.0], rate=1.0, n_burst=2).admitted.tolist()
    [True, True, False, True]
    """
    t = _check_trace(t_arrival)
    check_number("rate", rate, low=0)
    check_number("n_burst", n_burst, low=1)
    ok = np.zeros(t.size, dtype=bool)
    tokens, last = float(n_burst), 0.0 if t.size == 0 else float(t[0])
    for i, now in enumerate(t.tolist()):
        tokens = min(float(n_burst), tokens + (now - last) * rate)
        last = now
        if tokens >= 1.0:
            tokens -= 1.0
            ok[i] = True
    return _result(t, ok, 2 * _BYTES)


def leaky_bucket(t_arrival, rate: float, n_burst: int) -> LimiterResult:
    """Queue up to ``n_burst`` requests and release them one every ``1/rate`` s (a smooth
    output); a request that finds ``n_burst`` requests still waiting is refused.
    ``t_release`` holds when each admitted request leaves.

    >>> r = leaky_bucket([0.0, 0.0, 0.0, 0.0], rate=2.0, n_burst=2)
    >>> r.admitted.tolist(), r.t_release.tolist()
    ([True, True, True, False], [0.0, 0.5, 1.0, nan])
    """
    t = _check_trace(t_arrival)
    check_number("rate", rate, low=0, low_open=True)
    n = check_int("n_burst", n_burst, low=1)
    ok = np.zeros(t.size, dtype=bool)
    release = np.full(t.size, np.nan)
    pending: deque[float] = deque()  # release times of admitted requests not yet gone
    next_free = -np.inf
    for i, now in enumerate(t.tolist()):
        while pending and pending[0] <= now:
            pending.popleft()
        if len(pending) < n:
            next_free = max(now, next_free + 1.0 / rate)
            release[i] = next_free
            pending.append(next_free)
            ok[i] = True
    return _result(t, ok, n * _BYTES, release)


def fixed_window(t_arrival, rate: float, t_window: float = 1.0) -> LimiterResult:
    """Admit at most ``rate · t_window`` requests per window ``[k·t_window, (k+1)·t_window)``.

    >>> fixed_window([0.9, 0.95, 1.0, 1.05], rate=2.0).admitted.tolist()  # 4 within 0.15 s
    [True, True, True, True]
    """
    t = _check_trace(t_arrival)
    check_number("rate", rate, low=0)
    check_number("t_window", t_window, low=0, low_open=True)
    limit = int(np.floor(rate * t_window + 1e-9))
    window = np.floor(t / t_window).astype(np.int64)
    if t.size == 0:
        return _result(t, np.zeros(0, dtype=bool), 2 * _BYTES)
    start = np.r_[True, window[1:] != window[:-1]]
    group = np.cumsum(start) - 1
    first = np.flatnonzero(start)
    rank = np.arange(t.size) - first[group]  # position of each request within its window
    return _result(t, rank < limit, 2 * _BYTES)


def sliding_log(t_arrival, rate: float, t_window: float = 1.0) -> LimiterResult:
    """Admit a request if fewer than ``rate · t_window`` were admitted in the ``t_window`` s
    before it (a log of their times; memory grows with the limit).

    >>> sliding_log([0.9, 0.95, 1.0, 1.05], rate=2.0).admitted.tolist()
    [True, True, False, False]
    """
    t = _check_trace(t_arrival)
    check_number("rate", rate, low=0)
    check_number("t_window", t_window, low=0, low_open=True)
    limit = int(np.floor(rate * t_window + 1e-9))
    ok = np.zeros(t.size, dtype=bool)
    log: deque[float] = deque()
    most = 0
    for i, now in enumerate(t.tolist()):
        while log and log[0] <= now - t_window:
            log.popleft()
        if len(log) < limit:
            log.append(now)
            ok[i] = True
            most = max(most, len(log))
    return _result(t, ok, max(most, 1) * _BYTES)


def sliding_counter(t_arrival, rate: float, t_window: float = 1.0) -> LimiterResult:
    """Estimate the last ``t_window`` s from two fixed windows: the current count plus the
    previous window's count times the share of it still inside the sliding window.

    >>> sliding_counter([0.9, 0.95, 1.0, 1.05], rate=2.0).admitted.tolist()  # an estimate
    [True, True, False, True]
    """
    t = _check_trace(t_arrival)
    check_number("rate", rate, low=0)
    check_number("t_window", t_window, low=0, low_open=True)
    limit = rate * t_window
    ok = np.zeros(t.size, dtype=bool)
    current, previous, k_now = 0, 0, None
    for i, now in enumerate(t.tolist()):
        k = int(now // t_window)
        if k != k_now:
            previous = current if k_now is not None and k == k_now + 1 else 0
            current, k_now = 0, k
        overlap = 1.0 - (now - k * t_window) / t_window
        if current + previous * overlap < limit - 1e-9 and current + 1 <= limit + 1e-9:
            current += 1
            ok[i] = True
    return _result(t, ok, 3 * _BYTES)


def bursty_trace(
    rate: float,
    t_end: float,
    *,
    n_bursts: int = 3,
    n_per_burst: int = 50,
    t_burst: float = 0.2,
    rng: np.random.Generator,
) -> np.ndarray:
    """Sorted arrival times (s): Poisson at ``rate``/s over ``t_end`` s, plus ``n_bursts``
    bursts of ``n_per_burst`` requests spread over ``t_burst`` s at random times.

    >>> bursty_trace(10.0, 5.0, n_bursts=1, rng=np.random.default_rng(1)).size > 50
    True
    """
    check_number("rate", rate, low=0)
    check_number("t_end", t_end, low=0, low_open=True)
    check_int("n_bursts", n_bursts, low=0)
    check_int("n_per_burst", n_per_burst, low=0)
    check_number("t_burst", t_burst, low=0)
    check_rng(rng)
    steady = rng.uniform(0.0, t_end, rng.poisson(rate * t_end))
    starts = rng.uniform(0.0, max(t_end - t_burst, 0.0), n_bursts)
    bursts = (starts[:, None] + rng.uniform(0.0, t_burst, (n_bursts, n_per_burst))).ravel()
    return np.sort(np.concatenate([steady, bursts]))


def max_in_window(t_admitted, t_window: float) -> int:
    """The most requests among ``t_admitted`` (sorted, s) in any interval ``[s, s + t_window]``.

    >>> max_in_window([0.0, 0.5, 1.0, 1.01], 1.0)
    3
    """
    t = _check_trace(t_admitted)
    check_number("t_window", t_window, low=0)
    if t.size == 0:
        return 0
    ends = np.searchsorted(t, t + t_window, side="right")
    return int((ends - np.arange(t.size)).max())
