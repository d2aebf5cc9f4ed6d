"""Timeouts and retries: how much load a retry policy adds, and when the retries go out.

A client that gets no answer within its **timeout** usually tries again. One retry is cheap
insurance against a lost packet; the same habit at every layer of a deep stack is how a
small overload becomes a large one. If each of ``n_layers`` layers (browser, front end,
back end, ...) makes up to ``n_retries`` retries, a request that fails at the bottom is tried
``(n_retries + 1) ** n_layers`` times there: three retries at each of three layers is
4 × 4 × 4 = 64 attempts on the database for one user action (Beyer et al., *Site Reliability
Engineering*, 2016, ch. 22 "Addressing Cascading Failures", section "Retries").
:func:`retry_amplification` gives the expected attempts for any failure probability and
:func:`simulate_retry_tree` counts them in a simulation of the same tree.

*When* the retries go out matters as much as how many: clients that failed together and
wait the same time collide again. :func:`backoff_delays` draws the waits of capped
exponential backoff with the three jitters that Marc Brooker compared on the AWS
Architecture Blog ("Exponential Backoff And Jitter", 2015): *full* (uniform in
``[0, min(cap, base·2^k)]``), *equal* (half of it fixed, half uniform) and *decorrelated*
(``min(cap, uniform(base, 3·previous))``); :func:`simulate_contention` replays his experiment
in small: clients race for one slot and every collision is retried. Without jitter the
clients collide on every attempt; any jitter lets them finish in a few attempts each. (The
blog found full jitter the cheapest in calls and equal jitter the slowest; the finer
differences depend on the workload, and this slot model need not reproduce them.)

A **retry budget** bounds retries as a share of traffic rather than per request:
:func:`retry_budget` admits retries only while they stay under ``p_ratio`` of requests. The
SRE book's *Handling Overload* chapter (ch. 21) describes a per-client budget of 10 %; a
per-request limit alone still lets every request retry when everything fails, which is the
amplification above.

Simplifications: attempts fail independently with one probability; layers are identical;
a slot model stands in for the blog's optimistic-concurrency workload. Units: seconds.

>>> retry_amplification(n_retries=3, n_layers=3, p_fail=1.0)
64.0
"""

from __future__ import annotations

import numpy as np

from scalelab.validate import check_choice, check_int, check_number, check_probability, check_rng

__all__ = [
    "JITTERS",
    "retry_amplification",
    "simulate_retry_tree",
    "backoff_delays",
    "simulate_contention",
    "retry_budget",
]

JITTERS = ("none", "full", "equal", "decorrelated")
"""Backoff jitters of Brooker (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015):
no jitter, full, equal and decorrelated jitter."""


def retry_amplification(n_retries: int, n_layers: int, p_fail: float) -> float:
    """Expected attempts at the bottom layer per request from the top (a number >= 1).

    Every layer retries a failed call up to ``n_retries`` times; an attempt at the bottom fails
    with probability ``p_fail``, independently. A layer's call fails only if all its attempts
    fail, so with ``f`` the failure probability of one call to the layer below and ``e`` the
    bottom attempts it costs, the layer above costs ``e·(1 + f + … + f^n_retries)`` and fails
    with ``f^(n_retries + 1)``. With ``p_fail = 1`` this is ``(n_retries + 1) ** n_layers``.

    >>> round(retry_amplification(3, 3, 0.5), 4), retry_amplification(2, 1, 0.0)
    (2.0, 1.0)
    """
    r = check_int("n_retries", n_retries, low=0)
    k = check_int("n_layers", n_layers, low=1)
    p = check_probability("p_fail", p_fail)
    cost, fail = 1.0, p
    for _ in range(k):
        cost *= float(r + 1) if fail == 1.0 else (1.0 - fail ** (r + 1)) / (1.0 - fail)
        fail = fail ** (r + 1)
    return cost


def _tree(n_calls: int, level: int, r: int, p: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """(bottom attempts, success) of ``n_calls`` calls to a layer ``level`` steps above the
    bottom (level 1: the bottom layer itself)."""
    if level == 1:
        ok = rng.random((n_calls, r + 1)) >= p
        first = np.where(ok.any(axis=1), ok.argmax(axis=1), r)
        return first + 1.0, ok.any(axis=1)
    cost, ok = _tree(n_calls * (r + 1), level - 1, r, p, rng)
    cost, ok = cost.reshape(n_calls, r + 1), ok.reshape(n_calls, r + 1)
    last = np.where(ok.any(axis=1), ok.argmax(axis=1), r)  # the attempt that ends the call
    used = np.arange(r + 1) <= last[:, None]
    return (cost * used).sum(axis=1), ok.any(axis=1)


def simulate_retry_tree(
    n_retries: int, n_layers: int, p_fail: float, n_requests: int, *, rng: np.random.Generator
) -> np.ndarray:
    """Bottom-layer attempts of each of ``n_requests`` simulated requests (an array).

    Each attempt at the bottom fails with probability ``p_fail``; each layer retries a failed
    call up to ``n_retries`` times. The mean converges to :func:`retry_amplification`.
    Memory grows as ``n_requests * (n_retries + 1) ** n_layers``.

    >>> a = simulate_retry_tree(3, 3, 1.0, 5, rng=np.random.default_rng(1))
    >>> a.tolist()
    [64.0, 64.0, 64.0, 64.0, 64.0]
    """
    r = check_int("n_retries", n_retries, low=0)
    k = check_int("n_layers", n_layers, low=1)
    p = check_probability("p_fail", p_fail)
    n = check_int("n_requests", n_requests, low=1)
    check_rng(rng)
    if n * (r + 1) ** k > 20_000_000:
        raise ValueError(
            f"n_requests * (n_retries + 1) ** n_layers must be <= 20,000,000; got {n * (r + 1) ** k:,}"
        )
    return _tree(n, k, r, p, rng)[0]


def backoff_delays(
    n_attempts: int,
    t_base: float,
    t_cap: float,
    jitter: str = "full",
    *,
    n_clients: int = 1,
    rng: np.random.Generator,
) -> np.ndarray:
    """Waits (s) before retry ``k = 0 … n_attempts - 1``, one row per client.

    Capped exponential backoff: ``t_k = min(t_cap, t_base · 2**k)``; ``"none"`` waits ``t_k``,
    ``"full"`` a uniform time in ``[0, t_k]``, ``"equal"`` ``t_k/2`` plus a uniform time in
    ``[0, t_k/2]``, ``"decorrelated"`` ``min(t_cap, uniform(t_base, 3 · previous wait))``
    starting from ``t_base`` (Brooker, AWS Architecture Blog, 2015).

    >>> backoff_delays(4, 0.1, 0.5, "none", rng=np.random.default_rng(0)).tolist()
    [[0.1, 0.2, 0.4, 0.5]]
    """
    n = check_int("n_attempts", n_attempts, low=1)
    base = check_number("t_base", t_base, low=0, low_open=True)
    cap = check_number("t_cap", t_cap, low=base)
    check_choice("jitter", jitter, JITTERS)
    m = check_int("n_clients", n_clients, low=1)
    check_rng(rng)
    ceiling = np.minimum(cap, base * 2.0 ** np.arange(n))
    if jitter == "none":
        return np.broadcast_to(ceiling, (m, n)).copy()
    if jitter == "full":
        return rng.uniform(0.0, 1.0, (m, n)) * ceiling
    if jitter == "equal":
        return ceiling / 2 + rng.uniform(0.0, 1.0, (m, n)) * ceiling / 2
    out = np.empty((m, n))
    prev = np.full(m, base)
    for k in range(n):
        prev = np.minimum(cap, rng.uniform(base, 3.0 * prev))
        out[:, k] = prev
    return out


def simulate_contention(
    n_clients: int,
    jitter: str,
    *,
    t_slot: float = 0.01,
    t_base: float = 0.01,
    t_cap: float = 1.0,
    n_attempts_max: int = 60,
    rng: np.random.Generator,
) -> tuple[int, float]:
    """(total attempts, seconds until the last client succeeded) for clients racing for a slot.

    ``n_clients`` clients each need one write; all try at time 0. Time is cut into slots of
    ``t_slot`` seconds; an attempt succeeds if it is alone in its slot, and every attempt in a
    crowded slot fails and backs off (:func:`backoff_delays`). A client gives up after
    ``n_attempts_max`` attempts (its time still counts). A small version of Brooker's 2015
    experiment (AWS Architecture Blog), where jitter cut both the calls and the time.

    >>> simulate_contention(1, "none", rng=np.random.default_rng(0))
    (1, 0.01)
    """
    m = check_int("n_clients", n_clients, low=1)
    check_choice("jitter", jitter, JITTERS)
    check_number("t_slot", t_slot, low=0, low_open=True)
    n_max = check_int("n_attempts_max", n_attempts_max, low=1)
    waits = backoff_delays(n_max, t_base, t_cap, jitter, n_clients=m, rng=rng)
    slot = np.zeros(m, dtype=np.int64)  # the slot of each client's next attempt
    tries = np.zeros(m, dtype=np.int64)
    done = np.full(m, -1, dtype=np.int64)
    active = np.ones(m, dtype=bool)
    n_calls = 0
    while active.any():
        now = slot[active].min()
        here = np.flatnonzero(active & (slot == now))
        n_calls += here.size
        tries[here] += 1
        if here.size == 1:
            done[here] = now
            active[here] = False
            continue
        k = tries[here] - 1
        slot[here] = now + 1 + np.floor(waits[here, k] / t_slot).astype(np.int64)
        out = here[tries[here] >= n_max]
        done[out], active[out] = now, False
    return n_calls, float((done.max() + 1) * t_slot)


def retry_budget(rate_requests, rate_retries, p_ratio: float = 0.1) -> np.ndarray:
    """Retries/s a budget lets through: at most ``p_ratio`` of the requests/s, per interval.

    ``rate_requests``: first attempts per interval (requests/s); ``rate_retries``: retries the
    clients would like to send (requests/s). The SRE book's per-client budget allows retries
    while they are under 10 % of requests (Beyer et al. 2016, ch. 21 "Handling Overload").

    >>> retry_budget([100.0, 100.0], [5.0, 300.0]).tolist()
    [5.0, 10.0]
    """
    p = check_probability("p_ratio", p_ratio)
    first = np.asarray(rate_requests, dtype=float)
    wanted = np.asarray(rate_retries, dtype=float)
    if np.any(first < 0) or np.any(wanted < 0):
        raise ValueError("rate_requests and rate_retries must be >= 0 (requests/s)")
    return np.minimum(wanted, p * first)
