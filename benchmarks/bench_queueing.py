"""scalelab.queueing beside SimPy and a plain-Python heap, and its errors against theory.

Every simulator serves the *same* arrival and service times (an M/M/c queue) and must return
the same start times, exactly (the bench stops otherwise; one server, where simulate_fifo uses
Lindley's recursion in closed form, to 1e-9 relative), so the speeds are for identical work.
Times are CPU time (``time.process_time``) over interleaved rounds; ratios are of medians.

Baselines:

- the plain heap loop, the simplest good code a learner would write: it takes the same numpy
  arrays, iterates them as lists and returns its list of start times (no other conversion);
  up to 1e6 customers the note also gives the ratio to the same loop handed lists made
  beforehand (no conversion at all; not a target: simulate_fifo takes arrays);
- SimPy, what a modeller would otherwise pick: two idioms (a ``Resource`` requested by one
  process per customer, and ``c`` server processes pulling from a ``Store``, the faster), on
  the first ``N_SIMPY`` customers of the same stream; the ratio is per customer against the
  faster idiom.

Goals: >= 1x the heap loop in every regime (moderate load, rho = 0.99 with 4 and 100 servers,
overload at 1.1 c mu) and at every size (1e5 to 1e7); >= 50x SimPy at every size for M/M/4 and
M/M/10; the per-customer rate at 1e7 at least 2/3 of the rate at 1e5 (roughly flat).
``BENCH_QUEUE_SIZES`` (comma-separated, default ``1e5,1e6,1e7``) picks the sizes.
"""

from __future__ import annotations

import heapq
import math
import os

import numpy as np
from common import Row, compare, ratio_row
from scalelab import queueing as q

N = 1_000_000
N_SIMPY = 200_000
"""SimPy serves at most the first 200,000 customers of the same stream (its rate per customer
does not depend on the run's length; a million would take a minute per idiom)."""
CASES = [(3.5, 1.0, 4), (9.0, 1.0, 10)]
"""(lambda, mu, c) of the SimPy comparisons."""
REGIMES = [
    ("M/M/1 rho=0.9", 0.9, 1.0, 1),
    ("M/M/4 rho=0.875", 3.5, 1.0, 4),
    ("M/M/10 rho=0.9", 9.0, 1.0, 10),
    ("M/M/4 rho=0.99", 3.96, 1.0, 4),
    ("M/M/100 rho=0.99", 99.0, 1.0, 100),
    ("M/M/4 overload lam=1.1 c mu", 4.4, 1.0, 4),
    ("M/M/100 overload lam=1.1 c mu", 110.0, 1.0, 100),
]
TARGET_HEAP, TARGET_SIMPY, TARGET_FLAT = 1.0, 50.0, 2 / 3


def _sizes() -> list[int]:
    raw = os.environ.get("BENCH_QUEUE_SIZES", "1e5,1e6,1e7")
    return [int(float(x)) for x in raw.split(",") if x.strip()]


def _stream(lam: float, mu: float, n: int):
    rng = np.random.default_rng(2026)
    return q.poisson_arrivals(lam, rng=rng, n=n), rng.exponential(1 / mu, n)


def simpy_resource(a, s, c):
    import simpy

    env = simpy.Environment()
    res = simpy.Resource(env, capacity=c)
    start = np.empty(len(a))
    al, sl = a.tolist(), s.tolist()

    def customer(i):
        with res.request() as req:
            yield req
            start[i] = env.now
            yield env.timeout(sl[i])

    def source():
        prev = 0.0
        for i, t in enumerate(al):
            yield env.timeout(t - prev)
            prev = t
            env.process(customer(i))

    env.process(source())
    env.run()
    return start


def simpy_store(a, s, c):
    import simpy

    env = simpy.Environment()
    store = simpy.Store(env)
    start = np.empty(len(a))
    al, sl = a.tolist(), s.tolist()

    def source():
        prev = 0.0
        for i, t in enumerate(al):
            yield env.timeout(t - prev)
            prev = t
            store.put(i)

    def server():
        while True:
            i = yield store.get()
            start[i] = env.now
            yield env.timeout(sl[i])

    env.process(source())
    for _ in range(c):
        env.process(server())
    env.run()
    return start


def python_heap(a, s, c):
    """The plain heap loop: the servers' free times in a heap; each customer starts at the
    later of its arrival and the first free time."""
    free = [0.0] * c
    out = []
    for t, x in zip(a.tolist(), s.tolist(), strict=True):
        f = free[0]
        if f > t:
            t = f
        heapq.heapreplace(free, t + x)
        out.append(t)
    return out


def python_heap_lists(a: list, s: list, c: int) -> list:
    """The same loop handed Python lists (what it would get from ``random``), for comparison."""
    free = [0.0] * c
    out = []
    for t, x in zip(a, s, strict=True):
        f = free[0]
        if f > t:
            t = f
        heapq.heapreplace(free, t + x)
        out.append(t)
    return out


def _starts(x):
    return np.asarray(x.t_start if hasattr(x, "t_start") else x, dtype=float)


def speed_rows() -> list[Row]:
    rows = []
    sizes = _sizes()
    rate = {}  # (regime, size) -> customers/s of simulate_fifo
    for label, lam, mu, c in REGIMES:
        for n in sizes:
            a, s = _stream(lam, mu, n)
            rounds = 3  # at 1e7 too: a first run there pays the machine's first touch of
            # fresh memory (0.2-0.4 s of system time on these VMs), which is not the model's speed
            fns = {
                "heap": lambda a=a, s=s, c=c: python_heap(a, s, c),
                "scalelab": lambda a=a, s=s, c=c: q.simulate_fifo(a, s, c),
            }
            if n <= 1_000_000:  # for comparison: the loop handed lists made beforehand
                al, sl = a.tolist(), s.tolist()
                fns["heap on lists"] = lambda al=al, sl=sl, c=c: python_heap_lists(al, sl, c)
            t = compare(
                fns,
                rounds=rounds,
                check=_starts,
                rtol=1e-9 if c == 1 else 0.0,  # one server: Lindley's closed form rounds apart
            )
            ours = t["scalelab"]
            rate[label, n] = n / ours.cpu_median
            lists = ""
            if "heap on lists" in t:
                lists = (
                    f"; vs the loop handed ready-made lists "
                    f"{t['heap on lists'].cpu_median / ours.cpu_median:.2f}x"
                )
            rows.append(
                ratio_row(
                    f"{label}, {n:.0e} customers: simulate_fifo vs the plain heap loop",
                    ours,
                    t["heap"],
                    TARGET_HEAP,
                    f"{n / ours.cpu_median / 1e6:.1f} M customers/s, heap "
                    f"{n / t['heap'].cpu_median / 1e6:.1f} M/s; {rounds} rounds{lists}",
                )
            )
        lo, hi = min(sizes), max(sizes)
        if hi > lo:
            flat = rate[label, hi] / rate[label, lo]
            rows.append(
                Row(
                    f"{label}: customers/s at {hi:.0e} / at {lo:.0e}",
                    flat,
                    "x",
                    f"target >= {TARGET_FLAT:.2f} (roughly flat); {rate[label, lo] / 1e6:.1f} "
                    f"-> {rate[label, hi] / 1e6:.1f} M customers/s",
                    target=TARGET_FLAT,
                )
            )
    for lam, mu, c in CASES:
        for n in [x for x in sizes if x <= 1_000_000]:
            a, s = _stream(lam, mu, n)
            n_sp = min(n, N_SIMPY)
            t = compare(
                {
                    "SimPy Resource": lambda a=a, s=s, c=c, m=n_sp: simpy_resource(a[:m], s[:m], c),
                    "SimPy Store": lambda a=a, s=s, c=c, m=n_sp: simpy_store(a[:m], s[:m], c),
                },
                rounds=2,
            )
            ours = compare({"scalelab": lambda a=a, s=s, c=c: q.simulate_fifo(a, s, c)}, 3)
            ours = ours["scalelab"]
            if not np.array_equal(ours.out.t_start[:n_sp], t["SimPy Store"].out):
                raise AssertionError("SimPy and simulate_fifo disagree")
            fastest = min(t.values(), key=lambda x: x.cpu_median)
            rows.append(
                ratio_row(
                    f"M/M/{c} (lam={lam:g}, mu={mu:g}), {n:.0e} customers: vs SimPy's fastest idiom",
                    ours,
                    fastest,
                    TARGET_SIMPY,
                    f"per customer; SimPy on the first {n_sp:,}; "
                    f"Resource {n_sp / t['SimPy Resource'].cpu_median / 1e3:.0f} k/s, "
                    f"Store {n_sp / t['SimPy Store'].cpu_median / 1e3:.0f} k/s",
                    per=n / n_sp,
                )
            )
    return rows


def error_rows(reps: int = 8, n: int = 100_000) -> list[Row]:
    rows = []
    for lam, mu, c in [(0.9, 1.0, 1), *CASES]:
        theory = q.mmc(lam, mu, c)
        waits, ls = [], []
        for k in range(reps):
            r = q.simulate_mmc(lam, mu, c, n, rng=np.random.default_rng([2026, k]))
            waits.append(r.t_wait[n // 20 :].mean())
            t0, t1 = r.t_arrival[n // 20], r.t_arrival[-1]
            trace = q.backlog_over_time(r, np.linspace(t0, t1, 50_001))
            l_time = (trace.n_queue + trace.n_service).mean()  # sampled in time
            inside = (r.t_arrival >= t0) & (r.t_arrival < t1)
            lam_hat = inside.sum() / (t1 - t0)
            ls.append(l_time / (lam_hat * r.t_response[inside].mean()))
        w = np.array(waits)
        rows.append(
            Row(
                f"M/M/{c} lam={lam:g}: simulated Wq vs Erlang C {theory.t_wait:.4f}",
                100 * (w.mean() / theory.t_wait - 1),
                "%",
                f"mean of {reps} runs of {n:,}; one run's relative sd "
                f"{100 * w.std(ddof=1) / w.mean():.1f} %, standard error "
                f"{100 * w.std(ddof=1) / w.mean() / math.sqrt(reps):.1f} %",
            )
        )
        rows.append(
            Row(
                f"M/M/{c} lam={lam:g}: Little's law, L / (lam W) - 1",
                100 * (np.mean(ls) - 1),
                "%",
                "L sampled at 50,001 times; lam and W from the requests",
            )
        )
    # the fluid form in overload: backlog after 2,000 s against per-request runs
    lam, mu, c, t_end = 6.0, 1.0, 4, 2000.0
    f = q.queue_buckets(np.full(20, lam), t_end / 20, q.WorkQueue(mu), n_servers=c)
    ends = []
    for k in range(reps):
        rng = np.random.default_rng([99, k])
        a = q.poisson_arrivals(lam, rng=rng, t_end=t_end)
        r = q.simulate_fifo(a, rng.exponential(1 / mu, a.size), c)
        ends.append(q.backlog_over_time(r, [t_end]).n_queue[0])
    rows.append(
        Row(
            "queue_buckets backlog vs simulation, M/M/4 at lam=6 after 2,000 s",
            100 * (f.backlog[-1] / np.mean(ends) - 1),
            "%",
            f"fluid {f.backlog[-1]:.0f}, simulated mean {np.mean(ends):.0f} ({reps} runs); at "
            "a steady load below 1 the fluid wait equals Erlang C exactly (see the rows above)",
        )
    )
    return rows


def run() -> list[Row]:
    return speed_rows() + error_rows()


if __name__ == "__main__":
    for row in run():
        print(f"{row.name:<75} {row.value:>10.3f} {row.unit:<4} {row.note}")
