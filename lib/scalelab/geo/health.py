"""Health checks and the DNS TTL: how long a dead data centre keeps receiving traffic.

Health checks probe every DC every ``t_check`` seconds; ``n_fail`` failed probes mark it down
(:func:`detection_time`), and clients keep their cached DNS answer for up to a TTL more
(:func:`failover_seconds`, :func:`expected_failed_requests`). :func:`health_marks` runs the
checks over a timeline in steps of ``t_step`` seconds, and :func:`client_shares` gives the share
of each region's traffic still using each answer: resolvers' cached answers expire at uniformly
spread moments, so the traffic share is a moving average of GeoDNS's answers over the last TTL
seconds (exact in expectation). Times in seconds.
"""

from __future__ import annotations

import math

import numpy as np

from scalelab.validate import check_array, check_int, check_number, check_probability

__all__ = [
    "detection_time",
    "failover_seconds",
    "expected_failed_requests",
    "health_marks",
    "client_shares",
]


def detection_time(t_fail: float, t_check: float, n_fail: int) -> float:
    """When (s) health checks mark a DC down that failed at ``t_fail``.

    Checks run at 0, ``t_check``, 2 ``t_check``, …; a check at the very moment of the failure
    already sees it. The DC is marked down at its ``n_fail``-th failed check in a row.

    >>> detection_time(65.0, 10.0, 3)
    90.0
    """
    check_number("t_fail", t_fail, low=0)
    check_number("t_check", t_check, low=0, low_open=True)
    check_int("n_fail", n_fail, low=1)
    first = math.ceil(t_fail / t_check - 1e-12) * t_check
    return float(first + (n_fail - 1) * t_check)


def failover_seconds(t_fail: float, t_check: float, n_fail: int, t_ttl: float) -> float:
    """Seconds from the failure until the last client has left the dead DC: detection + one TTL.

    >>> failover_seconds(65.0, 10.0, 3, 60.0)
    85.0
    """
    check_number("t_ttl", t_ttl, low=0)
    return detection_time(t_fail, t_check, n_fail) + t_ttl - t_fail


def expected_failed_requests(
    rate: float,
    t_fail: float,
    t_check: float,
    n_fail: int,
    t_ttl: float,
    *,
    p_sticky: float = 0.0,
    t_sticky: float = 900.0,
) -> float:
    """Expected requests that fail because ``rate`` of traffic kept going to a dead DC.

    All of it fails until detection; then the share still cached falls linearly to 0 over one
    TTL, so on average half a TTL's worth more fails: rate × (detection delay + TTL / 2). If a
    share ``p_sticky`` of clients keeps answers for ``t_sticky`` s instead, their half is
    ``t_sticky / 2``.

    >>> expected_failed_requests(100.0, 65.0, 10.0, 3, 60.0)
    5500.0
    >>> expected_failed_requests(100.0, 65.0, 10.0, 3, 60.0, p_sticky=0.1, t_sticky=900.0)
    9700.0
    """
    check_number("rate", rate, low=0)
    check_number("t_ttl", t_ttl, low=0)
    check_probability("p_sticky", p_sticky)
    check_number("t_sticky", t_sticky, low=0)
    delay = detection_time(t_fail, t_check, n_fail) - t_fail
    return rate * (delay + (1 - p_sticky) * t_ttl / 2 + p_sticky * t_sticky / 2)


def health_marks(
    up, t_step: float, t_check: float, n_fail: int = 3, n_ok: int = 2, *, up_before=None
) -> np.ndarray:
    """What the health checker believes (steps × DCs, True = marked up), from the true states.

    ``up`` is steps × DCs (True = the DC really works during that step). A check runs on every
    step whose start time is a multiple of ``t_check`` (rounded to the step grid); if steps are
    longer than ``t_check`` (the capstone's buckets), each step counts as ``t_step // t_check``
    checks. ``n_fail`` failed checks in a row mark a DC down, ``n_ok`` good ones mark it up
    again. Every DC starts marked as it was before the run (``up_before``, default the first
    step's state).

    >>> health_marks([[True], [False], [False], [False], [True], [True]], 10, 10, 2, 1)[:, 0].tolist()
    [True, True, False, False, True, True]
    """
    up = check_array("up", up, ndim=2, dtype=bool, unit="True/False (steps × DCs)")
    check_number("t_step", t_step, low=0, low_open=True)
    check_number("t_check", t_check, low=0, low_open=True)
    check_int("n_fail", n_fail, low=1, high=1000)
    check_int("n_ok", n_ok, low=1, high=1000)
    every = max(1, int(round(t_check / t_step)))
    per_step = max(1, int(t_step // t_check))  # checks that fit in one step
    init = up[0].copy() if up_before is None else np.asarray(up_before, bool).copy()
    # The checks, all at once: the failed (good) checks in a row ending at each check, the
    # checks that mark a DC down (up), and the state after each check is the last mark so far.
    # The loop it replaces, step by step (bad = good = 0, state = init):
    #     if i % every == 0:
    #         bad = np.where(up[i], 0, bad + per_step); good = np.where(up[i], good + per_step, 0)
    #         state = np.where(state & (bad >= n_fail), False, state)
    #         state = np.where(~state & (good >= n_ok), True, state)
    #     marked[i] = state
    now = up[::every]
    j = np.arange(now.shape[0])[:, None]
    bad = (j - np.maximum.accumulate(np.where(now, j, -1), axis=0)) * per_step
    good = (j - np.maximum.accumulate(np.where(now, -1, j), axis=0)) * per_step
    mark = np.where(now, good >= n_ok, bad >= n_fail)
    last = np.maximum.accumulate(np.where(mark, j, -1), axis=0)
    cols = np.arange(now.shape[1])[None, :]
    state = np.where(last >= 0, now[np.maximum(last, 0), cols], init[None, :])
    marked = state[np.arange(up.shape[0]) // every]
    return marked


def client_shares(answers, n_dcs: int, t_step: float, t_ttl: float) -> np.ndarray:
    """Expected share of each region's traffic going to each DC (steps × regions × DCs).

    ``answers`` (steps × regions) is GeoDNS's answer (a DC index, -1 for none) during each step.
    Resolvers cache an answer for ``t_ttl`` seconds and their caches expire at moments spread
    uniformly, so at time t the clients hold answers given during (t - TTL, t]: the share at t is
    the average of the one-hot answers over that window. Each step reports the mean share over
    the step (exact when the TTL is a whole number of steps). Before the first step the answers
    are taken to be those of the first step.

    >>> client_shares([[0], [1], [1], [1]], 2, 10, 20)[:, 0, 1].tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    answers = check_array(
        "answers", answers, ndim=2, nonempty=False, dtype=int, unit="DC indices (steps × regions)"
    )
    check_int("n_dcs", n_dcs, low=1)
    check_number("t_step", t_step, low=0, low_open=True)
    check_number("t_ttl", t_ttl, low=0, high=7 * 86_400)
    n_t, n_r = answers.shape
    onehot = np.zeros((n_t, n_r, n_dcs))
    ti, ri = np.nonzero(answers >= 0)
    onehot[ti, ri, answers[ti, ri]] = 1.0
    if t_ttl == 0:
        return onehot
    lag = t_ttl / t_step  # window length in steps
    pad = int(math.ceil(lag)) + 1
    padded = np.concatenate([np.repeat(onehot[:1], pad, axis=0), onehot], axis=0)
    cum = np.concatenate([np.zeros((1, n_r, n_dcs)), np.cumsum(padded, axis=0)], axis=0)
    ends = np.arange(n_t) + 1 + pad  # index into cum of each step's end time
    starts = ends - lag
    lo = np.floor(starts).astype(int)
    frac = (starts - lo)[:, None, None]
    c_start = cum[lo] + frac * (cum[lo + 1] - cum[lo])
    at_end = (cum[ends] - c_start) / lag  # share at the end of each step
    at_start = np.concatenate([onehot[:1], at_end[:-1]], axis=0)
    return 0.5 * (at_start + at_end)
