"""The time-bucketed form of the web tier's sessions (for the capstone).

:func:`sessions_buckets` is a smaller, deterministic form of
:func:`~scalelab.sessions.simulate_sessions` that the capstone composes (the contract of
:mod:`scalelab.buckets`): offered requests/s per bucket, a :class:`SessionTier` and the servers up
per bucket in; sessions lost, failed requests/s, utilisation and mean latency per bucket out (a
:class:`SessionBuckets`). Times in seconds, rates in requests/s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.buckets import Buckets, bucket_times
from scalelab.sessions.simulation import MODES, ROUTINGS, STORE_RTT, TOKEN_VERIFY
from scalelab.validate import check_array, check_number, check_type, param, validate_fields

__all__ = [
    "SessionTier",
    "SessionBuckets",
    "sessions_buckets",
]


@dataclass(frozen=True)
class SessionTier:
    """A web tier and where it keeps sessions, for the bucketed form (:func:`sessions_buckets`).

    ``mode``: where sessions live (:data:`~scalelab.sessions.MODES`); ``routing``: how sticky
    sessions find their server (:data:`~scalelab.sessions.ROUTINGS`); ``n_sessions``: logged-in
    users, spread evenly; ``store_durable``: a session store that comes back up keeps its
    sessions; each server serves at most ``rate_capacity`` requests/s, taking ``t_app`` s when
    idle, plus ``t_store`` s to read a session from the store or ``t_verify`` s to check a token.
    """

    mode: str = param("store", kind="choice", choices=MODES, doc="where sessions live")
    routing: str = param(
        "cookie", kind="choice", choices=ROUTINGS, doc="how sticky sessions find their server"
    )
    n_sessions: int = param(10_000, kind="int", low=0, doc="logged-in users, spread evenly")
    store_durable: bool = False
    rate_capacity: float = param(
        80.0, low=0, low_open=True, doc="requests/s one server serves at most", unit="requests/s"
    )
    t_app: float = param(
        0.020, low=0, low_open=True, high=10, doc="time the application takes per request", unit="s"
    )
    t_store: float = param(
        STORE_RTT, low=0, high=10, doc="time to read a session from the store", unit="s"
    )
    t_verify: float = param(TOKEN_VERIFY, low=0, high=10, doc="time to check a token", unit="s")

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True)
class SessionBuckets(Buckets):
    """Per-bucket results of ``sessions_buckets``: sessions ``lost``, ``rate_failed``
    (requests/s), ``rho`` (mean server utilisation, 0-1+) and mean ``latency`` (s) of the web tier
    (besides ``t`` and ``t_bucket``)."""

    lost: np.ndarray
    rate_failed: np.ndarray
    rho: np.ndarray
    latency: np.ndarray


def sessions_buckets(
    rate, t_bucket: float, tier: SessionTier, *, n_servers, store_up=None
) -> SessionBuckets:
    """The web tier ``tier`` over time buckets of ``t_bucket`` s, deterministic: per bucket the
    offered requests/s ``rate``, the number of servers up ``n_servers`` and whether the session
    store is up ``store_up`` (default: always; arrays of one length).

    Sessions are spread evenly. When the tier shrinks from ``a`` to ``b`` servers, sticky cookie
    routing loses the removed servers' share ``(a - b) / a`` of the sessions; hash routing loses
    every session whose ``user_id % n`` changes (users ``0 .. n_sessions-1``), on growth too.
    A store that comes back up empty (``store_durable=False``) loses every session (store mode).
    Requests above ``rate_capacity`` per server, or needing a store that is down, fail.

    >>> tier = SessionTier(mode="sticky", n_sessions=1000)
    >>> out = sessions_buckets([100.0, 100.0, 100.0], 60.0, tier, n_servers=[4, 3, 3])
    >>> out.lost.tolist(), out.rate_failed.tolist()
    ([0, 250, 0], [0.0, 0.0, 0.0])
    """
    offered = check_array("rate", rate, low=0, nonempty=False, unit="requests/s")
    n = np.asarray(n_servers)
    if n.shape != offered.shape:
        raise ValueError(
            f"rate and n_servers must be 1-d and the same length; got shapes "
            f"{offered.shape} and {n.shape}"
        )
    if not np.issubdtype(n.dtype, np.integer) or np.any(n < 0):
        raise ValueError(f"n_servers must be whole numbers >= 0; got {n.tolist()}")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_type("tier", tier, SessionTier)
    mode, routing, n_sessions = tier.mode, tier.routing, tier.n_sessions
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
        if mode == "store" and not tier.store_durable and up[b] and not up[b - 1]:
            lost[b] = n_sessions
    capacity = n * tier.rate_capacity
    served = np.minimum(offered, capacity)
    if mode == "store":
        served = np.where(up, served, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(capacity > 0, offered / np.maximum(capacity, 1e-12), np.inf)
    rho = np.minimum(util, 0.95)
    added = {"sticky": 0.0, "store": tier.t_store, "token": tier.t_verify}[mode]
    latency = np.where(served > 0, tier.t_app / (1.0 - rho) + added, np.nan)
    return SessionBuckets(
        lost,
        offered - served,
        util,
        latency,
        t=bucket_times(offered.size, t_bucket),
        t_bucket=float(t_bucket),
    )
