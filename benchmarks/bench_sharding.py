"""Sharding: placement speed, key movement on resharding, and load spread against virtual nodes.

100,000 keys (``key-0`` ...). Reports the cost of hashing (BLAKE2b, once per key), the
vectorised ring lookup beside the readable ``bisect`` loop it is checked against, the fraction of
keys moved from N to N+1 shards under hash mod N and consistent hashing (with the ideal
1/(N+1)), and the busiest shard's share of the hash space (relative to an even share) as the
number of virtual nodes grows.
"""

from __future__ import annotations

import bisect

from common import Row, best_of
from scalelab.sharding import HashRing, hash_keys, load_stats, reshard

N_KEYS = 100_000


def run() -> list[Row]:
    rows = []
    t_hash, hashes = best_of(lambda: hash_keys(f"key-{i}" for i in range(N_KEYS)), 1)
    rows.append(Row(f"hash_keys, {N_KEYS:,} keys (BLAKE2b)", N_KEYS / t_hash, "keys/s"))
    ring = HashRing.build(range(16), 200)
    t_vec, fast = best_of(lambda: ring.lookup(hashes))
    points, owners = ring.points.tolist(), ring.owners.tolist()
    plain = [int(h) for h in hashes]

    def loop():
        return [owners[bisect.bisect_left(points, h) % len(points)] for h in plain]

    t_loop, slow = best_of(loop, 1)
    assert fast.tolist() == slow
    rows.append(Row("ring lookup, numpy searchsorted", N_KEYS / t_vec, "keys/s", "16 × 200 points"))
    rows.append(
        Row("ring lookup, bisect loop", N_KEYS / t_loop, "keys/s", f"{t_loop / t_vec:.0f}× slower")
    )
    for n in (4, 8, 16):
        for scheme, v in (("mod", 1), ("consistent", 100), ("consistent", 1000)):
            r = reshard(hashes, range(n), range(n + 1), scheme, n_vnodes=v)
            ideal = n / (n + 1) if scheme == "mod" else 1 / (n + 1)
            label = scheme if scheme == "mod" else f"{scheme}, {v} vnodes"
            rows.append(
                Row(
                    f"keys moved {n} -> {n + 1} shards, {label}",
                    r.fraction_moved,
                    "frac",
                    f"theory {ideal:.3f}",
                )
            )
    for v in (1, 10, 100, 1000):
        spread = load_stats(HashRing.build(range(8), v).ownership()).peak_to_mean
        rows.append(Row(f"busiest of 8 shards, {v} virtual nodes", spread, "× even"))
    return rows
