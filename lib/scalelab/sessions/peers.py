"""Hash routing over a configured peer list: what a failure moves, and what a scale event moves.

A load balancer that pins users by hashing (nginx's ``hash $cookie_user;`` without
``consistent``) maps each user to ``peers[hash % n_peers]``, where ``peers`` is the *configured*
upstream list, not the servers that happen to be up. When a peer fails its health checks the
list does not change: only the requests whose hash lands on the failed peer are hashed again
(nginx retries with a fresh hash up to 20 times, then falls back to round robin), so a failure
moves, and logs out, only that server's users. A scale event is different: the operator (or an
autoscaler) rewrites the list, ``n_peers`` changes, and ``hash % n_peers`` changes for most users
(from 4 to 3 peers, three users in four). Consistent hashing (chapter 13) limits that second case.

Simplifications: user ids stand for hashes (non-negative integers); the re-hash on a failed
peer is a fixed mixing function of the user and the attempt, not nginx's CRC32.

>>> route_peers([0, 1, 2, 3], [0, 1, 2, 3], up=[1, 2, 3]).tolist()[1:]
[1, 2, 3]
>>> moved_users(range(12), [0, 1, 2, 3], [0, 1, 2, 3], up_after=[1, 2, 3])
3
>>> moved_users(range(12), [0, 1, 2, 3], [0, 1, 2])
9
"""

from __future__ import annotations

import numpy as np

__all__ = ["N_REHASH", "route_peers", "moved_users"]

N_REHASH = 20
"""Fresh hashes nginx tries before falling back to round robin (ngx_http_upstream_hash_module)."""


def _mix(uid: np.ndarray, attempt: int) -> np.ndarray:
    """A deterministic re-hash of each user for one retry (MurmurHash3's 32-bit finaliser)."""
    m = np.uint64(0xFFFFFFFF)
    x = (uid.astype(np.uint64) * np.uint64(31) + np.uint64(attempt)) & m
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & m
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & m
    x ^= x >> np.uint64(16)
    return x.astype(np.int64)


def route_peers(user_ids, peers, *, up=None) -> np.ndarray:
    """Server of each user under hash routing over the configured list ``peers``.

    The first choice is ``peers[user_id % len(peers)]``; if that peer is not in ``up`` (default:
    all of them), the user is hashed again, up to :data:`N_REHASH` times, and then goes to the
    next up peer after its first choice in list order.

    >>> route_peers([0, 1, 2, 3, 4], [10, 11]).tolist()
    [10, 11, 10, 11, 10]
    >>> route_peers([1, 3], [10, 11], up=[10]).tolist()
    [10, 10]
    """
    uid = np.asarray(user_ids, dtype=np.int64).reshape(-1)
    peers = np.asarray(peers, dtype=np.int64).reshape(-1)
    if peers.size == 0:
        raise ValueError("peers must name at least one server; got none")
    if uid.size and uid.min() < 0:
        raise ValueError(f"user_ids must be >= 0; got {int(uid.min())}")
    is_up = np.ones(peers.size, bool) if up is None else np.isin(peers, np.asarray(up))
    if not is_up.any():
        raise ValueError("up must contain at least one of the peers; got none")
    first = uid % peers.size
    pick = first.copy()
    todo = ~is_up[pick]
    for attempt in range(1, N_REHASH + 1):
        if not todo.any():
            break
        again = _mix(uid[todo], attempt) % peers.size
        ok = is_up[again]
        idx = np.flatnonzero(todo)
        pick[idx[ok]] = again[ok]
        todo[idx[ok]] = False
    for i in np.flatnonzero(todo):  # round-robin fallback: the next up peer in list order
        k = (first[i] + 1 + np.arange(peers.size)) % peers.size
        pick[i] = k[is_up[k]][0]
    return peers[pick]


def moved_users(user_ids, peers_before, peers_after, *, up_after=None) -> int:
    """How many users a change sends to a different server (sticky sessions: logged out).

    A failure keeps the list and marks a peer down (``peers_after = peers_before``,
    ``up_after`` without it); a scale event changes the list itself.

    >>> moved_users(range(100), [0, 1, 2, 3], [0, 1, 2, 3, 4])
    80
    """
    uid = np.asarray(list(user_ids) if not isinstance(user_ids, np.ndarray) else user_ids)
    before = route_peers(uid, peers_before)
    after = route_peers(uid, peers_after, up=up_after)
    return int(np.count_nonzero(before != after))
