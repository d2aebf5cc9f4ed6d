"""A session store small enough to read, standing in for Redis or Memcached.

:class:`SessionStore` keeps sessions in memory with an expiry, hands out copies (a real store
sends bytes over the network), and can be taken down: while it is down every call raises
:class:`StoreUnavailable`, and it can come back with its memory lost, logging every user out.
Times in seconds.
"""

from __future__ import annotations

import copy

from scalelab.validate import check_number

__all__ = [
    "StoreUnavailable",
    "SessionStore",
]


class StoreUnavailable(ConnectionError):
    """The session store cannot be reached (raised by ``SessionStore`` while it is down)."""


class SessionStore:
    """An in-memory session store with expiry, standing in for Redis or Memcached.

    ``get`` returns a *copy* of the session (a real store sends bytes over the network), so a
    change is kept only if you ``put`` it back. ``put`` (re)sets the expiry to ``now + t_ttl``
    (sliding expiration). Set ``up = False`` to make every call raise ``StoreUnavailable``.
    ``n_gets``/``n_puts`` count the round trips.

    >>> store = SessionStore(t_ttl=60.0)
    >>> store.put("s1", {"user": 7}, now=0.0)
    >>> store.get("s1", now=30.0), store.get("s1", now=61.0)
    ({'user': 7}, None)
    """

    def __init__(self, t_ttl: float = 1800.0):
        self.t_ttl = check_number("t_ttl", t_ttl, low=0, low_open=True)
        self.up = True
        self.n_gets = 0
        self.n_puts = 0
        self._data: dict[str, tuple[float, dict]] = {}

    def _check(self) -> None:
        if not self.up:
            raise StoreUnavailable("session store is down")

    def get(self, session_id: str, *, now: float) -> dict | None:
        """The session stored under ``session_id`` (a copy), or None if absent or expired."""
        self._check()
        self.n_gets += 1
        item = self._data.get(session_id)
        if item is None or now >= item[0]:
            return None
        return copy.deepcopy(item[1])

    def put(self, session_id: str, data: dict, *, now: float) -> None:
        """Store ``data`` under ``session_id`` until ``now + t_ttl``."""
        self._check()
        self.n_puts += 1
        self._data[session_id] = (now + self.t_ttl, copy.deepcopy(data))

    def delete(self, session_id: str) -> None:
        """Remove a session (logout, revocation): the next ``get`` returns None."""
        self._check()
        self._data.pop(session_id, None)

    def wipe(self) -> None:
        """Lose everything, as a store without persistence does when it restarts."""
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
