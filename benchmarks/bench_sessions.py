"""Sessions (chapter 09): simulation speed, and users logged out against simple counting.

- a web tier of 20,000 users and 8 servers for an hour in 5 s buckets: buckets simulated per
  second, per mode;
- one of 4 servers dies: sticky sessions lose that server's share of users (with cookie routing,
  which balances sessions, about n_users / 4); hash-mod-n routing also moves every user whose
  ``user_id % 3`` server differs from the ``user_id % 4`` one (counted exactly); a
  shared store and signed tokens lose none.
"""

from __future__ import annotations

import numpy as np
from common import Row, best_of
from scalelab.sessions import MODES, SessionParams, simulate_sessions


def run() -> list[Row]:
    rows = []
    for mode in MODES:
        p = SessionParams(
            mode=mode, n_users=20_000, n_servers=8, rate_capacity=400.0, t_end=3_600.0
        )
        best, out = best_of(lambda p=p: simulate_sessions(p, rng=np.random.default_rng(0)))
        rows.append(
            Row(
                f"sessions {mode}: 20,000 users, 8 servers, 1 h",
                out.t.size / best,
                "buckets/s",
                f"{out.t.size} buckets in {best * 1000:.0f} ms",
            )
        )
    n_users = 2_000
    expected = {
        ("sticky", "cookie"): n_users / 4,
        # user u was on server u % 4; with server 0 gone it goes to [1, 2, 3][u % 3]
        ("sticky", "hash"): sum(u % 4 == 0 or (1, 2, 3)[u % 3] != u % 4 for u in range(n_users)),
        ("store", "cookie"): 0,
        ("token", "cookie"): 0,
    }
    for (mode, routing), want in expected.items():
        p = SessionParams(mode=mode, routing=routing, n_users=n_users, kills=((100.0, 0),))
        lost = [simulate_sessions(p, rng=np.random.default_rng(s)).n_lost for s in range(5)]
        rows.append(
            Row(
                f"logged out when 1 of 4 servers dies ({mode}, {routing})",
                float(np.mean(lost)),
                "users",
                f"counting argument {want:.0f}; 5 seeds, range {min(lost)}-{max(lost)}",
            )
        )
    return rows
