"""Fencing tokens: storage that refuses writes from a leader that has been replaced.

A leader (or a lock holder) can be stopped without knowing it: a long garbage-collection pause,
a virtual machine migrated, a network cut. Meanwhile its lease expires and another node takes
over. When the old one resumes, it still believes it is in charge and sends the writes it was
about to make. Checking "am I still the leader?" first does not help: the pause can fall between
the check and the write.

Kleppmann ("How to do distributed locking", 2016) describes the fix: whoever grants leadership
hands out a *fencing token*, a number that grows with every grant (Raft's term, ZooKeeper's
``zxid``, an epoch), and the writer sends it with every write. The **storage** remembers the
largest token it has seen and rejects any write carrying a smaller one. A write from the paused
leader (token 33) that arrives after the new leader's first write (token 34) is refused.

:class:`FencedStore` is such a store, one token per store (one leader for all keys);
:func:`fenced_apply` applies a sequence of writes to a new one and reports which were accepted.

Simplifications: one storage node (or a storage service that behaves as one); a token equal to
the largest seen is accepted (the current leader writes many times with its token).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from scalelab.validate import check_int

__all__ = ["FencedStore", "fenced_apply"]


class FencedStore:
    """A key-value store that rejects writes whose fencing token is older than the newest seen.

    >>> s = FencedStore()
    >>> s.write("x", "from leader 33", 33), s.write("x", "from leader 34", 34)
    (True, True)
    >>> s.write("x", "late write of 33", 33), s.read("x"), s.max_token
    (False, 'from leader 34', 34)
    """

    def __init__(self) -> None:
        self._data: dict = {}
        self._max_token: int | None = None
        self.n_rejected = 0
        """Writes refused so far for a stale token."""

    @property
    def max_token(self) -> int | None:
        """The largest token any accepted write carried (``None`` before the first)."""
        return self._max_token

    def write(self, key, value, token: int) -> bool:
        """Store ``value`` under ``key`` if ``token`` is at least the largest seen; True if so."""
        check_int("token", token, low=0)
        if self._max_token is not None and token < self._max_token:
            self.n_rejected += 1
            return False
        self._max_token = token
        self._data[key] = value
        return True

    def read(self, key, default=None):
        """The value last accepted for ``key`` (``default`` if none)."""
        return self._data.get(key, default)

    def items(self) -> Iterator[tuple]:
        """(key, value) pairs stored."""
        return iter(self._data.items())


def fenced_apply(writes: Iterable[tuple]) -> tuple[dict, list[bool]]:
    """Apply ``(key, value, token)`` writes in arrival order to a new :class:`FencedStore`.

    Returns the final ``{key: value}`` and, per write, whether it was accepted.

    >>> fenced_apply([("a", 1, 1), ("a", 2, 2), ("b", 3, 1)])
    ({'a': 2}, [True, True, False])
    """
    store = FencedStore()
    accepted = [store.write(key, value, token) for key, value, token in writes]
    return dict(store.items()), accepted
