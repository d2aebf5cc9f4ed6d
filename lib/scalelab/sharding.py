"""Sharding: splitting one database's rows across many database servers.

Replicas (chapter 03) multiply the *reads* a database can serve, but every write still lands on
one primary, and every row still has to fit on it. When the writes or the data outgrow the
biggest machine money can buy, the data itself is split: each row goes to one of several
independent databases, the **shards**, chosen from a **shard key** (a user id, say). This module
models where keys go and what that costs:

- ``stable_hash`` / ``hash_keys`` turn keys into 64-bit numbers with BLAKE2b, so every process
  and every machine agrees on them (Python's own ``hash()`` is salted per process);
- placement by **hash mod N** (``place(..., scheme="mod")``), by **consistent hashing** on a ring
  with virtual nodes (``HashRing``, ``scheme="consistent"``) and by **key range**
  (``range_boundaries``, ``place_by_range``);
- **resharding**: add or remove shards and count the keys that move (``reshard``);
- **load per shard** under a skewed key popularity (``zipf_weights``, ``shard_loads``,
  ``load_stats``), a **celebrity** (hot key, ``with_hot_key``) and splitting it (``split_key``);
- **cross-shard queries**: how many shards a query over several keys touches
  (``shards_touched``, ``expected_shards_touched``);
- capacity: ``shards_needed`` for a write rate, and a time-bucketed form
  (``shard_buckets``, the contract of :mod:`scalelab.buckets`) the capstone composes.

Simplifications: a shard is one server with a fixed capacity in operations per second; keys
are independent (no transactions, no secondary indexes); moving a key is counted, not timed;
a key's popularity is fixed over time.

>>> keys = hash_keys(range(10_000))
>>> reshard(keys, (0, 1, 2, 3), (0, 1, 2, 3, 4), scheme="mod").fraction_moved
0.8048
>>> reshard(keys, (0, 1, 2, 3), (0, 1, 2, 3, 4), scheme="consistent").fraction_moved
0.1946
"""

from __future__ import annotations

import functools
import hashlib
import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from scalelab.buckets import NOT_PER_BUCKET, Buckets, bucket_times
from scalelab.validate import (
    check_array,
    check_choice,
    check_int,
    check_number,
    check_probability,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "HASH_SPACE",
    "SCHEMES",
    "LARGEST_INSTANCE_MEMORY_GIB",
    "LARGEST_INSTANCE_VCPUS",
    "stable_hash",
    "hash_keys",
    "HashRing",
    "place",
    "range_boundaries",
    "place_by_range",
    "Reshard",
    "reshard",
    "moved_fraction",
    "zipf_weights",
    "with_hot_key",
    "split_key",
    "shard_loads",
    "LoadStats",
    "load_stats",
    "shards_touched",
    "expected_shards_touched",
    "shards_needed",
    "message_workload",
    "ShardedDatabase",
    "ShardLoad",
    "shard_buckets",
]

HASH_SPACE = 2**64
"""Size of the hash space: ``stable_hash`` returns an integer in ``[0, 2**64)``."""

SCHEMES = ("mod", "consistent")
"""Hash placements ``place`` knows: hash mod N, and consistent hashing on a ring."""

# The biggest single machines on offer set the ceiling of vertical scaling. Amazon EC2 High
# Memory instance u-24tb1.metal: 448 vCPUs, 24 TiB of memory (AWS, "Amazon EC2 High Memory
# instances", https://aws.amazon.com/ec2/instance-types/high-memory/, checked 2024).
LARGEST_INSTANCE_MEMORY_GIB = 24 * 1024
LARGEST_INSTANCE_VCPUS = 448


def stable_hash(key) -> int:
    """A 64-bit hash of ``key`` (``str``, ``int`` or ``bytes``) that never changes between runs.

    BLAKE2b with an 8-byte digest of the key's bytes (``str(key)`` encoded as UTF-8 unless it is
    already ``bytes``), read as a big-endian unsigned integer. The same on every machine and in
    every process, unlike Python's ``hash()``, which is salted per process for strings.

    >>> stable_hash("user:42")
    15647646390214308482
    >>> stable_hash(42) == stable_hash("42")
    True
    """
    data = key if isinstance(key, bytes) else str(key).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def hash_keys(keys: Iterable) -> np.ndarray:
    """``stable_hash`` of every key, as a ``uint64`` array (hash once, then place many times).

    >>> hash_keys(["a", "b"]).dtype
    dtype('uint64')
    """
    keys = list(keys)
    return np.fromiter((stable_hash(k) for k in keys), dtype=np.uint64, count=len(keys))


def _as_hashes(hashes) -> np.ndarray:
    """``hashes`` as a ``uint64`` array (Python ints above 2**63 included), checked."""
    if isinstance(hashes, np.ndarray) and hashes.dtype == np.uint64:
        return hashes
    arr = np.asarray(hashes)
    if arr.dtype.kind not in "iu":  # big Python ints arrive as object or float: check each
        arr = np.asarray(hashes, dtype=object)
        flat = arr.ravel().tolist()
        if not all(isinstance(h, numbers.Integral) and 0 <= h < HASH_SPACE for h in flat):
            raise ValueError("hashes must be whole numbers in [0, 2**64) (use hash_keys)")
        return np.array(flat, dtype=np.uint64).reshape(arr.shape)
    if arr.size and arr.min() < 0:
        raise ValueError("hashes must be whole numbers in [0, 2**64) (use hash_keys)")
    return arr.astype(np.uint64)


def _check_shards(name: str, shards) -> tuple[int, ...]:
    shards = tuple(shards)
    if not shards:
        raise ValueError(f"{name} must hold at least 1 shard id; got ()")
    for s in shards:
        check_int(f"{name} entry", s, low=0)
    if len(set(shards)) != len(shards):
        raise ValueError(f"{name} must not repeat a shard id; got {shards}")
    return tuple(int(s) for s in shards)


@functools.lru_cache(maxsize=4096)
def _vnode_points(shard: int, n_vnodes: int) -> np.ndarray:
    points = hash_keys(f"shard-{shard}#vnode-{v}" for v in range(n_vnodes))
    points.flags.writeable = False
    return points


@dataclass(frozen=True, eq=False)
class HashRing:
    """A consistent-hashing ring: each shard owns ``n_vnodes`` points on a circle of 2**64.

    A key belongs to the first point at or after its hash, going clockwise and wrapping past
    2**64 - 1 back to 0 (Karger et al. 1997). ``points`` is sorted; ``owners[i]`` is the shard
    of ``points[i]``. Build one with ``HashRing.build``; ``with_shard``/``without_shard`` give
    a new ring with a shard added or removed (only that shard's points change).

    >>> ring = HashRing.build((0, 1, 2), n_vnodes=2)
    >>> len(ring.points), sorted(set(ring.owners.tolist()))
    (6, [0, 1, 2])
    """

    shards: tuple[int, ...]
    n_vnodes: int
    points: np.ndarray
    owners: np.ndarray

    @classmethod
    def build(cls, shards: Sequence[int], n_vnodes: int = 100) -> HashRing:
        """A ring with ``n_vnodes`` points (virtual nodes) for each shard id in ``shards``."""
        shards = _check_shards("shards", shards)
        n_vnodes = check_int("n_vnodes", n_vnodes, low=1, high=10_000)
        points = np.concatenate([_vnode_points(s, n_vnodes) for s in shards])
        owners = np.repeat(np.array(shards, dtype=np.int64), n_vnodes)
        order = np.argsort(points, kind="stable")
        return cls(shards, n_vnodes, points[order], owners[order])

    def lookup(self, hashes) -> np.ndarray:
        """The shard id of each hash: the owner of the first point at or after it (wrapping).

        >>> ring = HashRing.build((7,), n_vnodes=3)
        >>> ring.lookup([0, 2**64 - 1]).tolist()
        [7, 7]
        """
        h = _as_hashes(hashes)
        idx = np.atleast_1d(np.searchsorted(self.points, h, side="left"))
        idx[idx == len(self.points)] = 0  # past the last point: wrap around to the first
        return self.owners[idx].reshape(h.shape)

    def with_shard(self, shard: int) -> HashRing:
        """A new ring with ``shard`` added (same number of virtual nodes)."""
        return HashRing.build((*self.shards, shard), self.n_vnodes)

    def without_shard(self, shard: int) -> HashRing:
        """A new ring with ``shard`` removed."""
        if shard not in self.shards:
            raise ValueError(f"shard must be one of {self.shards}; got {shard!r}")
        return HashRing.build(tuple(s for s in self.shards if s != shard), self.n_vnodes)

    def ownership(self) -> np.ndarray:
        """The share of the hash space each shard owns (same order as ``shards``; sums to 1).

        With uniform keys this is each shard's expected share of the keys.

        >>> float(HashRing.build((0, 1, 2, 3), 50).ownership().sum())
        1.0
        """
        p = self.points.astype(np.float64)
        arcs = np.diff(p, prepend=p[-1] - HASH_SPACE)  # arc (previous point, this point]
        by_shard = {s: 0.0 for s in self.shards}
        totals = np.bincount(
            np.searchsorted(np.array(sorted(self.shards)), self.owners), weights=arcs
        )
        for s, t in zip(sorted(self.shards), totals, strict=True):
            by_shard[s] = t
        share = np.array([by_shard[s] for s in self.shards]) / HASH_SPACE
        return share / share.sum()


def place(hashes, shards: Sequence[int], scheme: str = "consistent", n_vnodes: int = 100):
    """The shard id of each key hash under ``scheme`` (``"mod"`` or ``"consistent"``).

    ``"mod"``: ``shards[hash % len(shards)]``. ``"consistent"``: a ``HashRing`` of ``shards``
    with ``n_vnodes`` virtual nodes each. Every key maps to exactly one shard of ``shards``.

    >>> place([10, 11, 12], (0, 1, 2, 3), scheme="mod").tolist()
    [2, 3, 0]
    """
    check_choice("scheme", scheme, SCHEMES)
    shards = _check_shards("shards", shards)
    h = _as_hashes(hashes)
    if scheme == "mod":
        return np.array(shards, dtype=np.int64)[h % np.uint64(len(shards))]
    return HashRing.build(shards, n_vnodes).lookup(h)


def range_boundaries(values, n_shards: int) -> np.ndarray:
    """``n_shards - 1`` split points that cut the sorted ``values`` into equal-sized ranges.

    Range sharding keeps neighbouring keys together (good for range scans) and needs a table
    of boundaries; shard ``i`` holds values in ``[b[i-1], b[i])``.

    >>> range_boundaries(np.arange(100), 4).tolist()
    [25.0, 50.0, 75.0]
    """
    n_shards = check_int("n_shards", n_shards, low=1)
    v = np.sort(np.asarray(values, dtype=np.float64))
    if v.size == 0:
        raise ValueError("values must not be empty")
    idx = (np.arange(1, n_shards) * v.size) // n_shards
    return v[idx]


def place_by_range(values, boundaries) -> np.ndarray:
    """The shard index (0 .. len(boundaries)) of each value under range sharding.

    >>> place_by_range([0, 24, 25, 99], [25.0, 50.0, 75.0]).tolist()
    [0, 0, 1, 3]
    """
    b = np.asarray(boundaries, dtype=np.float64)
    if b.size > 1 and np.any(np.diff(b) < 0):
        raise ValueError("boundaries must be sorted in increasing order")
    return np.searchsorted(b, np.asarray(values, dtype=np.float64), side="right")


def moved_fraction(before, after, weights=None) -> float:
    """The fraction of keys (or of ``weights``, e.g. traffic) whose shard differs.

    >>> moved_fraction([0, 1, 2, 3], [0, 1, 2, 0])
    0.25
    """
    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape:
        raise ValueError(
            f"before and after must have the same shape; got {before.shape}, {after.shape}"
        )
    if before.size == 0:
        return 0.0
    moved = before != after
    if weights is None:
        return float(moved.mean())
    w = np.asarray(weights, dtype=np.float64)
    return float(w[moved].sum() / w.sum())


@dataclass(frozen=True, eq=False)
class Reshard:
    """What changing the set of shards did to ``n`` keys.

    ``before``/``after``: shard id of each key; ``fraction_moved``: share of keys that changed
    shard; ``ideal_fraction``: the least any placement could move while keeping shards equal
    (keys of removed shards plus the share new shards must receive, e.g. 1/(N+1) for N -> N+1);
    ``moved_to``: {shard id: number of keys that arrived there}.
    """

    before: np.ndarray
    after: np.ndarray
    fraction_moved: float
    ideal_fraction: float
    moved_to: dict[int, int]


def reshard(
    hashes,
    shards_before: Sequence[int],
    shards_after: Sequence[int],
    scheme: str = "consistent",
    n_vnodes: int = 100,
) -> Reshard:
    """Place ``hashes`` on ``shards_before`` and on ``shards_after``; count the keys that move.

    >>> r = reshard(hash_keys(range(5000)), (0, 1, 2), (0, 1), scheme="consistent")
    >>> sorted(r.moved_to), bool(np.all(r.before[r.before != r.after] == 2))
    ([0, 1], True)
    """
    sb, sa = (
        _check_shards("shards_before", shards_before),
        _check_shards("shards_after", shards_after),
    )
    before = place(hashes, sb, scheme, n_vnodes)
    after = place(hashes, sa, scheme, n_vnodes)
    moved = before != after
    ids, counts = np.unique(after[moved], return_counts=True)
    ideal = sum(
        max(0.0, (1 / len(sb) if s in sb else 0.0) - (1 / len(sa) if s in sa else 0.0))
        for s in set(sb) | set(sa)
    )
    return Reshard(
        before,
        after,
        float(moved.mean()) if moved.size else 0.0,
        float(ideal),
        {int(i): int(c) for i, c in zip(ids, counts, strict=True)},
    )


def zipf_weights(n_keys: int, s: float) -> np.ndarray:
    """Popularity of ``n_keys`` keys under a Zipf law: key ``k`` (0-based) gets ∝ 1/(k+1)**s.

    ``s = 0`` is uniform; ``s`` near 1 is typical of web traffic (Breslau et al. 1999). The
    weights sum to 1; key 0 is the most popular.

    >>> zipf_weights(4, 0.0).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    n_keys = check_int("n_keys", n_keys, low=1)
    check_number("s", s, low=0, high=3)
    w = 1.0 / np.arange(1, n_keys + 1, dtype=np.float64) ** s
    return w / w.sum()


def with_hot_key(weights, p_hot: float, key: int = 0) -> np.ndarray:
    """Popularity where key index ``key`` (a celebrity) receives ``p_hot`` of all traffic.

    The other keys share the remaining ``1 - p_hot`` in their old proportions.

    >>> with_hot_key([0.5, 0.25, 0.25], 0.8).round(6).tolist()
    [0.8, 0.1, 0.1]
    """
    check_probability("p_hot", p_hot)
    w = np.asarray(weights, dtype=np.float64)
    key = check_int("key", key, low=0, high=w.size - 1)
    rest = w.sum() - w[key]
    out = w * ((1 - p_hot) / rest) if rest > 0 else np.zeros_like(w)
    out[key] = p_hot
    return out


def split_key(key, n_splits: int) -> list[str]:
    """The sub-keys ``key#0 .. key#(n_splits-1)`` a hot key is split into (salting).

    Readers pick one sub-key at random, so the key's reads spread over up to ``n_splits``
    shards; a writer must update every sub-key (or readers merge them).

    >>> split_key("user:1", 3)
    ['user:1#0', 'user:1#1', 'user:1#2']
    """
    n_splits = check_int("n_splits", n_splits, low=1)
    return [f"{key}#{i}" for i in range(n_splits)]


def shard_loads(assignment, shards: Sequence[int], weights=None) -> np.ndarray:
    """The load on each shard of ``shards`` (same order): key counts, or summed ``weights``.

    >>> shard_loads([0, 0, 2], (0, 1, 2)).tolist()
    [2.0, 0.0, 1.0]
    """
    shards = _check_shards("shards", shards)
    a = np.asarray(assignment)
    order = np.array(shards)
    sorter = np.argsort(order)
    pos = sorter[np.searchsorted(order, a, sorter=sorter)] if a.size else a
    if a.size and not np.all(order[pos] == a):
        raise ValueError("assignment holds a shard id that is not in shards")
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    return np.bincount(pos, weights=w, minlength=len(shards)).astype(np.float64)


@dataclass(frozen=True)
class LoadStats:
    """Spread of load over shards: ``hottest_share`` (share of the total on the busiest shard),
    ``peak_to_mean`` (busiest / average; 1 is perfectly even) and ``cv`` (std / mean)."""

    hottest_share: float
    peak_to_mean: float
    cv: float


def load_stats(loads) -> LoadStats:
    """``LoadStats`` of per-shard ``loads``.

    >>> load_stats([1, 1, 2])
    LoadStats(hottest_share=0.5, peak_to_mean=1.5, cv=0.3535533905932738)
    """
    x = np.asarray(loads, dtype=np.float64)
    if x.size == 0 or np.any(x < 0) or x.sum() <= 0:
        raise ValueError("loads must be non-negative with a positive total")
    mean = x.mean()
    return LoadStats(float(x.max() / x.sum()), float(x.max() / mean), float(x.std() / mean))


def shards_touched(assignment) -> int:
    """How many distinct shards a query over keys with these shard ids must visit.

    >>> shards_touched([3, 1, 3, 3])
    2
    """
    return int(np.unique(np.asarray(assignment)).size)


def expected_shards_touched(n_keys: int, n_shards: int) -> float:
    """Expected shards a query over ``n_keys`` randomly placed keys visits: N(1 - (1 - 1/N)^k).

    >>> round(expected_shards_touched(50, 8), 2)
    7.99
    """
    n_keys = check_int("n_keys", n_keys, low=0)
    n_shards = check_int("n_shards", n_shards, low=1)
    return n_shards * (1 - (1 - 1 / n_shards) ** n_keys)


def shards_needed(
    rate_ops: float, rate_shard: float, rho_max: float = 0.7, hottest_share: float | None = None
) -> int:
    """Fewest shards so that no shard runs above utilisation ``rho_max`` of its capacity.

    ``rate_ops``: operations/s the database must absorb; ``rate_shard``: operations/s one shard
    serves. With even load that is ``ceil(rate_ops / (rate_shard * rho_max))``. ``hottest_share``, if
    given, is the fraction of all traffic on the busiest shard (it does not fall below the
    share of a single hot key however many shards there are): then the busiest shard decides.

    >>> shards_needed(20_000, 5_000, 0.8)
    5
    >>> shards_needed(20_000, 5_000, 0.8, hottest_share=0.5)
    Traceback (most recent call last):
    ...
    ValueError: hottest_share 0.5 puts 10000 ops/s on one shard, above 4000 ops/s: no shard count helps (split the hot key)
    """
    check_number("rate_ops", rate_ops, low=0)
    check_number("rate_shard", rate_shard, low=0, low_open=True)
    check_number("rho_max", rho_max, low=0, high=1, low_open=True)
    budget = rate_shard * rho_max
    n = max(1, math.ceil(rate_ops / budget - 1e-12))
    if hottest_share is None:
        return n
    check_probability("hottest_share", hottest_share)
    if rate_ops * hottest_share > budget:
        raise ValueError(
            f"hottest_share {hottest_share} puts {rate_ops * hottest_share:.0f} ops/s on one "
            f"shard, above {budget:.0f} ops/s: no shard count helps (split the hot key)"
        )
    return n


def message_workload(
    n_requests: int,
    *,
    n_conversations: int = 4_000,
    n_users: int = 3_000,
    p_today: float = 0.9,
    zipf_s: float = 0.6,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Requests to a chat app's ``messages`` table, with three candidate shard keys.

    Each request reads or writes one message of a conversation; conversations are Zipf-popular
    (``zipf_s``) and have four members; user 0 (a very active account) is a member of about 30 %
    of them; ``p_today`` of the requests concern today's messages (day 19000), the rest the
    previous ten days. Returns arrays of length ``n_requests``: ``conversation_id``,
    ``user_id`` (the message's sender) and ``day``.

    >>> w = message_workload(1000, rng=np.random.default_rng(0))
    >>> sorted(w), w["day"].max()
    (['conversation_id', 'day', 'user_id'], np.int64(19000))
    """
    check_rng(rng)
    n_requests = check_int("n_requests", n_requests, low=1, high=10_000_000)
    n_conversations = check_int("n_conversations", n_conversations, low=1)
    n_users = check_int("n_users", n_users, low=2)
    check_probability("p_today", p_today)
    conv = rng.choice(n_conversations, size=n_requests, p=zipf_weights(n_conversations, zipf_s))
    members = rng.integers(1, n_users, size=(n_conversations, 4))
    members[:, 0] = np.where(rng.random(n_conversations) < 0.3, 0, members[:, 0])
    sender = members[conv, rng.integers(0, 4, size=n_requests)]
    today = rng.random(n_requests) < p_today
    day = np.where(today, 19_000, rng.integers(18_990, 19_000, size=n_requests))
    return {"conversation_id": conv, "user_id": sender, "day": day.astype(np.int64)}


@dataclass(frozen=True)
class ShardedDatabase:
    """A sharded database: ``n_shards`` primaries of ``rate_shard`` operations/s each.

    ``scheme``/``n_vnodes``: the placement; ``n_keys`` keys with Zipf popularity ``zipf_s``;
    ``p_hot``: share of traffic on one celebrity key (0 for none); ``n_read_replicas``: read
    replicas per shard (reads are spread over the primary and its replicas; writes hit only the
    primary).
    """

    n_shards: int = param(4, kind="int", low=1, high=1024, doc="shards (primaries)")
    rate_shard: float = param(
        5_000.0,
        low=0,
        low_open=True,
        doc="operations/s one shard's primary serves at most",
        unit="requests/s",
    )
    scheme: str = param(
        "consistent", kind="choice", choices=SCHEMES, doc="how keys are placed on shards"
    )
    n_vnodes: int = param(
        100, kind="int", low=1, high=10_000, doc="virtual nodes per shard on the hash ring"
    )
    n_keys: int = param(10_000, kind="int", low=1, high=1_000_000, doc="keys in the database")
    zipf_s: float = param(0.8, low=0, high=3, doc="Zipf skew of key popularity")
    p_hot: float = param(0.0, kind="probability", doc="share of traffic on one celebrity key")
    n_read_replicas: int = param(0, kind="int", low=0, high=100, doc="read replicas per shard")

    def __post_init__(self):
        validate_fields(self)

    def shares(self) -> np.ndarray:
        """Share of all traffic each shard receives (order: shard 0 .. n_shards-1; sums to 1)."""
        shards = tuple(range(self.n_shards))
        assignment = place(_key_hashes(self.n_keys), shards, self.scheme, self.n_vnodes)
        w = with_hot_key(zipf_weights(self.n_keys, self.zipf_s), self.p_hot)
        return shard_loads(assignment, shards, w)


@functools.lru_cache(maxsize=16)
def _key_hashes(n_keys: int) -> np.ndarray:
    h = hash_keys(f"key-{i}" for i in range(n_keys))
    h.flags.writeable = False
    return h


@dataclass(frozen=True, eq=False)
class ShardLoad(Buckets):
    """Per-bucket results of ``shard_buckets`` (rows: buckets, columns: shards), besides ``t``
    and ``t_bucket``.

    ``load``: operations/s reaching each shard's primary (writes plus its part of the reads);
    ``rho``: utilisation, ``load / rate_shard``; ``rho_hottest``: the busiest shard's, per bucket;
    ``overload``: operations/s above capacity, summed over shards (they queue or fail);
    ``shares``: each shard's share of the traffic (one per shard, not per bucket).
    """

    load: np.ndarray
    rho: np.ndarray
    rho_hottest: np.ndarray
    overload: np.ndarray
    shares: np.ndarray = field(metadata=NOT_PER_BUCKET)


def shard_buckets(
    rate_writes, t_bucket: float, db: ShardedDatabase, *, rate_reads, rng: np.random.Generator
) -> ShardLoad:
    """Per-bucket load on each shard of ``db`` for offered write and read rates (operations/s).

    ``rate_writes``/``rate_reads``: arrays of offered operations/s per bucket of ``t_bucket``
    seconds. Each bucket's operations on each shard are Poisson with mean rate × share × bucket.

    >>> db = ShardedDatabase(n_shards=4, zipf_s=0.0)
    >>> out = shard_buckets([8000.0], 60.0, db, rate_reads=[0.0], rng=np.random.default_rng(1))
    >>> out.load.shape, bool(abs(out.load.sum() - 8000) < 200)
    ((1, 4), True)
    """
    check_rng(rng)
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_type("db", db, ShardedDatabase)
    w = np.atleast_1d(check_array("rate_writes", rate_writes, ndim=(0, 1), low=0, nonempty=False))
    r = np.atleast_1d(check_array("rate_reads", rate_reads, ndim=None, low=0, nonempty=False))
    if w.shape != r.shape:
        raise ValueError(
            f"rate_writes and rate_reads must be 1-d of one length; got {w.shape}, {r.shape}"
        )
    shares = db.shares()
    offered = (w + r / (1 + db.n_read_replicas))[:, None] * shares[None, :]
    load = rng.poisson(offered * t_bucket) / t_bucket
    util = load / db.rate_shard
    overload = np.clip(load - db.rate_shard, 0, None).sum(axis=1)
    return ShardLoad(
        load,
        util,
        util.max(axis=1),
        overload,
        shares,
        t=bucket_times(w.size, t_bucket),
        t_bucket=float(t_bucket),
    )


def _simulate_shard_load(db, rate_writes, rate_reads, t_bucket: float, rng: np.random.Generator):
    """``simulate_shard_load``, the name and signature before the capstone contract (notebooks
    of an older release import it): deprecated, returns :func:`shard_buckets`' result."""
    warnings.warn(
        "simulate_shard_load is deprecated; use shard_buckets(rate_writes, t_bucket, db, "
        "rate_reads=..., rng=...)",
        DeprecationWarning,
        stacklevel=2,
    )
    return shard_buckets(rate_writes, t_bucket, db, rate_reads=rate_reads, rng=rng)


def __getattr__(name: str):
    # a name from before the capstone contract, kept (deprecated, outside __all__) so that
    # notebooks of an older release still import it
    if name == "simulate_shard_load":
        return _simulate_shard_load
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
