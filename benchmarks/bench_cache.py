"""LRU and FIFO speed beside the plain Python a learner would write, and the whole miss-ratio curve.

Traces of independent Zipf requests (alpha 0.8, 1e5 objects), 1e6 and 1e7 of them, and one
cache size (1 % of the catalogue, 1,000 objects). Every implementation is timed in interleaved
rounds (CPU and wall time, min and median) and must return the same hit count, else the bench
stops. Goals, as ratios measured in the same run:

- ``hit_ratio(..., "lru")`` from a ``Trace`` and from an array >= 1x an OrderedDict LRU;
- ``hit_ratio(..., "fifo")`` >= 1x a ring buffer + set, from a ``Trace`` (which reads its
  keys from the array one at a time; the baseline is handed them as a list, built beforehand)
  and from a list;
- the exact miss-ratio curve (every size at once) <= 3x one OrderedDict LRU pass, at 1e6 and
  at 1e7 requests, with its peak memory a small multiple of the trace (<= 10x its keys).

Also the relative error of simulation against Che's approximation at two checkpoints.
``BENCH_CACHE_SIZES`` (comma-separated, default ``1e6,1e7``) picks the trace lengths.
"""

from __future__ import annotations

import os
import tracemalloc
from collections import OrderedDict

import numpy as np
from common import Row, compare, ratio_row

N_OBJECTS, N_REQUESTS, SIZE = 100_000, 1_000_000, 1_000
MRC_TARGET = 3.0
MEMORY_TARGET = 10.0


def ordered_dict_lru(keys: list, capacity: int) -> int:
    """The textbook LRU: an OrderedDict, move_to_end on a hit, popitem(last=False) when full."""
    od: OrderedDict = OrderedDict()
    hits = 0
    for k in keys:
        if k in od:
            od.move_to_end(k)
            hits += 1
        else:
            od[k] = None
            if len(od) > capacity:
                od.popitem(last=False)
    return hits


def ring_fifo(keys: list, capacity: int) -> int:
    """The textbook FIFO: a ring buffer of the cached keys and a set to look them up."""
    empty = object()
    ring = [empty] * capacity
    inside = set()
    pos = hits = 0
    for k in keys:
        if k in inside:
            hits += 1
        else:
            old = ring[pos]
            if old is not empty:
                inside.discard(old)
            ring[pos] = k
            inside.add(k)
            pos = (pos + 1) % capacity
    return hits


def cachetools_lru(keys: list, capacity: int) -> int:
    import cachetools

    cache = cachetools.LRUCache(maxsize=capacity)
    missing = object()
    hits = 0
    for k in keys:
        if cache.get(k, missing) is missing:
            cache[k] = None
        else:
            hits += 1
    return hits


def _sizes() -> list[int]:
    raw = os.environ.get("BENCH_CACHE_SIZES", "1e6,1e7")
    return [int(float(x)) for x in raw.split(",") if x.strip()]


def _trace(n: int, alpha: float = 0.8):
    from scalelab.cache import make_trace

    return make_trace(
        "zipf", n_objects=N_OBJECTS, n_requests=n, alpha=alpha, rng=np.random.default_rng(2026)
    )


def speed_rows() -> list[Row]:
    from scalelab.cache import hit_ratio, miss_ratio_curve

    rows = []
    trace = _trace(N_REQUESTS)
    keys, arr, n = trace.keys.tolist(), trace.keys, N_REQUESTS

    def hits(x):  # a hit count, or a hit ratio over the trace, as a count
        return x if isinstance(x, int) else round(x * n)

    lru = compare(
        {
            "OrderedDict": lambda: ordered_dict_lru(keys, SIZE),
            "from Trace": lambda: hit_ratio(trace, "lru", SIZE),
            "from array": lambda: hit_ratio(arr, "lru", SIZE),
            "cachetools": lambda: cachetools_lru(keys, SIZE),
        },
        check=hits,
    )
    od = lru["OrderedDict"]
    rows.append(
        Row(
            "OrderedDict LRU, 1e6 Zipf requests, 1,000 objects",
            n / od.cpu_median / 1e6,
            "M/s",
            f"CPU median; {lru['cachetools'].cpu_median / od.cpu_median:.2f}x cachetools",
            **od.fields(),
        )
    )
    for name in ("from Trace", "from array"):
        rows.append(
            ratio_row(f"scalelab hit_ratio('lru') {name} vs OrderedDict", lru[name], od, 1.0)
        )
    fifo = compare(
        {
            "ring buffer + set": lambda: ring_fifo(keys, SIZE),
            "from Trace": lambda: hit_ratio(trace, "fifo", SIZE),
            "from a list": lambda: hit_ratio(keys, "fifo", SIZE),
        },
        check=hits,
    )
    for name in ("from Trace", "from a list"):
        rows.append(
            ratio_row(
                f"scalelab hit_ratio('fifo') {name}, 1,000 objects, vs a ring buffer + set",
                fifo[name],
                fifo["ring buffer + set"],
                1.0,
                "the baseline gets the keys as a list" if name == "from Trace" else "",
            )
        )
    for size in _sizes():
        tr = trace if size == N_REQUESTS else _trace(size)
        ks = tr.keys.tolist()
        rounds = 3  # at 1e7 too: one cold run pays the VM's first touch of fresh memory
        mrc = compare(
            {
                "OrderedDict": lambda ks=ks, m=size: ordered_dict_lru(ks, SIZE),
                "curve": lambda tr=tr: miss_ratio_curve(tr.keys),
            },
            rounds=rounds,
            check=lambda x, m=size: x if isinstance(x, int) else round(x.hit_ratio[SIZE] * m),
        )
        ratio = mrc["curve"].cpu_median / mrc["OrderedDict"].cpu_median
        curve = mrc["curve"].out
        rows.append(
            Row(
                f"miss_ratio_curve, {size:.0e} requests, every size, vs one OrderedDict pass",
                ratio,
                "x",
                f"target <= {MRC_TARGET:g}x (CPU medians of {rounds}); curve "
                f"{mrc['curve'].cpu_median:.2f} s for {curve.n_distinct:,} sizes, OrderedDict "
                f"{mrc['OrderedDict'].cpu_median:.2f} s",
                target=MRC_TARGET,
                better="lower",
                **mrc["curve"].fields(),
            )
        )
        del curve, mrc
        tracemalloc.start()
        miss_ratio_curve(tr.keys)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append(
            Row(
                f"miss_ratio_curve, {size:.0e} requests: peak memory / the trace's keys",
                peak / tr.keys.nbytes,
                "x",
                f"target <= {MEMORY_TARGET:g}x; peak {peak / 2**20:,.0f} MiB (tracemalloc), "
                f"keys {tr.keys.nbytes / 2**20:,.0f} MiB",
                target=MEMORY_TARGET,
                better="lower",
            )
        )
    return rows


def run() -> list[Row]:
    from scalelab.cache import (
        che_hit_ratio,
        fifo_hit_ratio_approx,
        hit_ratio,
        make_trace,
        zipf_popularity,
    )

    trace = _trace(N_REQUESTS)
    rows = speed_rows()
    for alpha, size in ((0.8, 1_000), (1.0, 10_000)):
        tr = (
            trace
            if alpha == 0.8
            else make_trace(
                "zipf",
                n_objects=N_OBJECTS,
                n_requests=N_REQUESTS,
                alpha=alpha,
                rng=np.random.default_rng(2026),
            )
        )
        sim = hit_ratio(tr, "lru", size)
        che = che_hit_ratio(zipf_popularity(N_OBJECTS, alpha), size)
        rows.append(
            Row(
                f"LRU vs Che, alpha {alpha}, cache {size:,}",
                100 * (sim - che) / che,
                "%",
                f"simulated {sim:.4f}, Che {che:.4f}; target |error| < 1 %",
            )
        )
        sim = hit_ratio(tr, "fifo", size)
        approx = fifo_hit_ratio_approx(zipf_popularity(N_OBJECTS, alpha), size)
        rows.append(
            Row(
                f"FIFO vs its approximation, alpha {alpha}, cache {size:,}",
                100 * (sim - approx) / approx,
                "%",
                f"simulated {sim:.4f}, approximation {approx:.4f}; target |error| < 1 %",
            )
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
