"""scalelab.overload: closed forms against simulation, the drill's numbers, and speeds.

Agreement rows give the relative error (%) of a simulation against its formula, with the
sampling error in the note; the drill rows give goodput during and after the spike for each
policy; speed rows time the fluid model (the explorer's step and the chapter's) and the
explorer's whole update (model, figure and caption), whose target is 50 ms.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np
from common import Row, best_of
from scalelab import overload as ov


def agreement_rows() -> list[Row]:
    rows = []
    for service in (
        ov.ServiceTime("exponential", 0.01),
        ov.ServiceTime("lognormal", 0.01, 1.0),
        ov.ServiceTime("pareto", 0.01, 4.5),
    ):
        n, reps = 200_000, 8
        means = [
            ov.simulate_mg1(70.0, service, n, rng=np.random.default_rng([26, k]))[n // 10 :].mean()
            for k in range(reps)
        ]
        want = ov.pk_mean_wait(70.0, service)
        se = 100 * np.std(means, ddof=1) / math.sqrt(reps) / want
        rows.append(
            Row(
                f"M/G/1 {service.kind}, rho 0.7: simulated mean wait vs P-K {want * 1000:.2f} ms",
                100 * (np.mean(means) / want - 1),
                "%",
                f"{reps} runs of {n:,}; standard error {se:.1f} %",
            )
        )
    leaf, rng = ov.LeafLatency(), np.random.default_rng(2026)
    p = 1 - float(leaf.cdf(1.0))
    n = 20_000
    slow = (leaf.sample(n * 100, rng=rng).reshape(n, 100).max(axis=1) > 1.0).mean()
    want = ov.fanout_p_slow(p, 100)
    rows.append(
        Row(
            f"fan-out 100: P(slower than 1 s) simulated vs 1-(1-p)^k = {want:.3f}",
            100 * (slow / want - 1),
            "%",
            f"{n:,} requests; standard error {100 * math.sqrt(want * (1 - want) / n) / want:.1f} %",
        )
    )
    hedge_leaf = ov.LeafLatency(p_slow=0.002)
    for t_hedge in (0.02, hedge_leaf.quantile(0.95)):
        lat, extra = ov.simulate_hedged(hedge_leaf, t_hedge, 100, 40_000, rng=rng)
        want = ov.hedged_quantile(hedge_leaf, 0.99, t_hedge, n_fanout=100)
        rows.append(
            Row(
                f"hedge after {t_hedge * 1000:.1f} ms, fan-out 100: simulated p99 vs formula "
                f"{want * 1000:.1f} ms",
                100 * (np.quantile(lat, 0.99) / want - 1),
                "%",
                f"extra load simulated {extra:.4f}, formula {ov.hedge_load(hedge_leaf, t_hedge):.4f}",
            )
        )
    got = ov.simulate_retry_tree(3, 3, 0.5, 50_000, rng=rng).mean()
    want = ov.retry_amplification(3, 3, 0.5)
    rows.append(
        Row(
            f"retry tree 3 retries x 3 layers, p_fail 0.5: simulated vs formula {want:.4f}",
            100 * (got / want - 1),
            "%",
            "50,000 requests",
        )
    )
    return rows


def drill_rows() -> list[Row]:
    load, rows = ov.Spike(), []
    for name, (server, policy) in ov.drill_policies().items():
        s = ov.summarize_drill(ov.simulate_overload(load, server, policy), load)
        note = (
            f"after (last 30 s) {s.rate_goodput_after:.0f}/s; recovery {s.t_recover:.1f} s; "
            f"success {s.p_success:.1%}; offered peak {s.rate_offered_peak:.0f}/s"
        )
        rows.append(
            Row(f"drill '{name}': goodput during the spike", s.rate_goodput_during, "req/s", note)
        )
    return rows


def speed_rows() -> list[Row]:
    from scalelab.widgets.overload import explore_overload

    load, (server, policy) = ov.Spike(), ov.drill_policies()["retries"]
    rows = []
    for t_step in (0.1, 0.2):
        t, _ = best_of(lambda dt=t_step: ov.simulate_overload(load, server, policy, t_step=dt), 5)
        rows.append(Row(f"simulate_overload, 180 s at {t_step} s steps", 1000 * t, "ms", ""))
    ex = explore_overload()
    times = []
    for name, value in [
        ("spike_factor", 3.5),
        ("n_retries", 5),
        ("discipline", "codel"),
        ("shed", True),
        ("budget", True),
        ("breaker", True),
    ]:
        control = ex.controls[name]
        for target in (value, control.value) * 3:
            t0 = time.perf_counter()
            control.value = target
            times.append(time.perf_counter() - t0)
    rows.append(
        Row(
            "explore_overload: one control change (median)",
            1000 * statistics.median(times),
            "ms",
            f"max {1000 * max(times):.1f} ms; target 50 ms",
        )
    )
    return rows


def run() -> list[Row]:
    return agreement_rows() + drill_rows() + speed_rows()


if __name__ == "__main__":
    for row in run():
        print(f"{row.name:<85} {row.value:>10.3f} {row.unit:<5} {row.note}")
