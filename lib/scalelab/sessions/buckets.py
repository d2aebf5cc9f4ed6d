"""The time-bucketed form of the web tier's sessions (for the capstone).

:func:`sessions_buckets` is a smaller, deterministic form of
:func:`~scalelab.sessions.simulate_sessions` that the capstone composes: offered requests/s and
servers per bucket in; sessions lost, failed requests/s, utilisation and mean latency per bucket
out (a :class:`SessionBuckets`). Times in seconds, rates in requests/s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.sessions.simulation import MODES, ROUTINGS, STORE_RTT, TOKEN_VERIFY
from scalelab.validate import check_choice, check_int, check_number

__all__ = [
    "SessionBuckets",
    "sessions_buckets",
]


@dataclass(frozen=True)
class SessionBuckets:
    """Per-bucket results of ``sessions_buckets``: sessions lost, failed requests/s, mean server
    utilisation (0-1+) and mean latency (s) of the web tier."""

    lost: np.ndarray
    errors_rps: np.ndarray
    utilisation: np.ndarray
    latency: np.ndarray


def sessions_buckets(
    offered_rps,
    n_servers,
    *,
    t_bucket: float,
    mode: str = "store",
    routing: str = "cookie",
    n_sessions: int = 10_000,
    store_up=None,
    store_durable: bool = False,
    rate_capacity: float = 80.0,
    t_app: float = 0.020,
    t_store: float = STORE_RTT,
    t_verify: float = TOKEN_VERIFY,
) -> SessionBuckets:
    """The web tier over time buckets, deterministic: per bucket the offered requests/s, the
    number of servers up and whether the session store is up (arrays of one length).

    Sessions are spread evenly. When the tier shrinks from ``a`` to ``b`` servers, sticky cookie
    routing loses the removed servers' share ``(a - b) / a`` of the sessions; hash routing loses
    every session whose ``user_id % n`` changes (users ``0 .. n_sessions-1``), on growth too.
    A store that comes back up empty (``store_durable=False``) loses every session (store mode).
    Requests above ``rate_capacity`` per server, or needing a store that is down, fail.

    >>> out = sessions_buckets([100.0, 100.0, 100.0], [4, 3, 3], t_bucket=60.0, mode="sticky",
    ...                        n_sessions=1000)
    >>> out.lost.tolist(), out.errors_rps.tolist()
    ([0, 250, 0], [0.0, 0.0, 0.0])
    """
    offered = np.asarray(offered_rps, dtype=float)
    n = np.asarray(n_servers)
    if offered.ndim != 1 or n.shape != offered.shape:
        raise ValueError(
            f"offered_rps and n_servers must be 1-d and the same length; got shapes "
            f"{offered.shape} and {n.shape}"
        )
    if np.any(offered < 0) or not np.all(np.isfinite(offered)):
        raise ValueError("offered_rps must be finite and >= 0 in every bucket")
    if not np.issubdtype(n.dtype, np.integer) or np.any(n < 0):
        raise ValueError(f"n_servers must be whole numbers >= 0; got {n.tolist()}")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_choice("mode", mode, MODES)
    check_choice("routing", routing, ROUTINGS)
    check_int("n_sessions", n_sessions, low=0)
    check_number("rate_capacity", rate_capacity, low=0, low_open=True)
    up = np.ones(offered.size, bool) if store_up is None else np.asarray(store_up, dtype=bool)
    if up.shape != offered.shape:
        raise ValueError(f"store_up must have {offered.size} buckets; got {up.size}")
    lost = np.zeros(offered.size, np.int64)
    uid = np.arange(n_sessions)
    for b in range(1, offered.size):
        a, c = int(n[b - 1]), int(n[b])
        if mode == "sticky" and a != c:
            if a == 0 or c == 0:
                lost[b] = n_sessions if a else 0
            elif routing == "cookie":
                lost[b] = round(n_sessions * max(0, a - c) / a)
            else:
                lost[b] = int(np.count_nonzero(uid % a != uid % c))
        if mode == "store" and not store_durable and up[b] and not up[b - 1]:
            lost[b] = n_sessions
    capacity = n * rate_capacity
    served = np.minimum(offered, capacity)
    if mode == "store":
        served = np.where(up, served, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(capacity > 0, offered / np.maximum(capacity, 1e-12), np.inf)
    rho = np.minimum(util, 0.95)
    added = {"sticky": 0.0, "store": t_store, "token": t_verify}[mode]
    latency = np.where(served > 0, t_app / (1.0 - rho) + added, np.nan)
    return SessionBuckets(lost, offered - served, util, latency)
