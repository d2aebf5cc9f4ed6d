"""Explorer moves that unit tests used to time, against the figure's own redraw as the baseline.

Unit tests check what each move changes; how long it takes is measured here, where a loaded
machine cannot fail a build. For each move that a test once timed:

- the median CPU time of the move (the model, one batched figure update, the caption), moved
  there and back several times, against 50 ms (wall time beside it);
- that time as a multiple of the *redraw floor*: the same figure's traces given new data of the
  same size in one ``batch_update``, with no model run. About 1 means the model costs nothing
  beside plotly; a large multiple says the model is where the time goes.

And the geo explorer's model on its own (``simulate_failover``, called on every move), against
the 200-resolver simulation it stands in for.
"""

from __future__ import annotations

import importlib
import statistics
import time

import numpy as np
import plotly.graph_objects as go
from common import Row, best_of

# (module in scalelab.widgets, explorer, moves as (control, value)); the moves the tests made.
MOVES = [
    ("cache", "explore_cache", [("size", 500)]),
    (
        "cdn",
        "explore_cdn",
        [
            ("t_ttl", 10**3.0),
            ("shield", True),
            ("outage", (10, 40)),
            ("scope", "europe"),
            ("strategy", "redundant"),
            ("strategy", "multi-cdn"),
            ("p_second", 0.2),
            ("p_local", 0.25),
        ],
    ),
    (
        "geo",
        "explore_failover",
        [
            ("p_sticky", 2.0),
            ("dc_down", "dc-asia"),
            ("policy", "capacity"),
            ("capacity", 12_000),
            ("users_europe", 30.0),
            ("users_oceania", 10.0),
            ("t_ttl", 0),
        ],
    ),
    ("queueing", "explore_message_queue", [("<first>", "<max>")]),
    # Every other explorer: its first control to the top of its range and back.
    *[
        (module, factory, [("<first>", "<max>")])
        for module, factory in [
            ("architecture", "explore_architecture"),
            ("dns", "explore_resolver_cache"),
            ("dns", "explore_resolution"),
            ("estimate", "explore_daily_traffic"),
            ("load_balancer", "explore_load_balancer"),
            ("overload", "explore_overload"),
            ("quorum", "explore_quorum"),
            ("replication", "explore_multi_master"),
            ("sharding", "explore_sharding"),
        ]
    ],
    (
        "practice",
        "explore_practice",
        [("problem", "feed"), ("problem", "chat"), ("drill", "spike"), ("n_servers", 40)],
    ),
    ("practice", "explore_shortener", [("drill", "spike"), ("n_cache_nodes", 0)]),
    ("practice", "explore_feed", [("drill", "spike"), ("n_cache_nodes", 2)]),
    ("practice", "explore_chat", [("drill", "spike"), ("n_partitions", 4)]),
    (
        "netsim",
        "explore_run",
        [("seed", 1), ("protocol", "quorum register (ABD)"), ("p_loss", 0.3)],
    ),
    ("replication", "explore_failover", [("t_lag_mean", 1.0)]),
    (
        "sessions",
        "explore_sessions",
        [("mode", m) for m in ("sticky-cookie", "sticky-hash", "store", "token")],
    ),
]
ROUNDS = 5  # each move made there and back this many times


TARGET_MS = 50.0


def _timed_set(control, value) -> tuple[float, float]:
    """(CPU, wall) seconds of one move."""
    w0, c0 = time.perf_counter(), time.process_time()
    control.value = value
    return time.process_time() - c0, time.perf_counter() - w0


def move_times(ex, moves) -> list[tuple[float, float]]:
    """(CPU, wall) seconds per move: every move made ``ROUNDS`` times there and back."""
    times = []
    for _ in range(ROUNDS):
        for name, value in moves:
            control = ex.controls[name] if name != "<first>" else next(iter(ex.controls.values()))
            value = control.max if value == "<max>" else value
            start = control.value
            if value == start:
                continue
            times.append(_timed_set(control, value))
            times.append(_timed_set(control, start))
    return times


def redraw_floor(figure, rounds: int = 2 * ROUNDS) -> float:
    """Median seconds to give every numeric trace array of ``figure`` new values of the same size
    in one ``batch_update`` (a copy of the figure; no model runs)."""
    fig = go.Figure(figure)
    arrays = []
    for trace in fig.data:
        for key in ("x", "y", "z"):
            value = getattr(trace, key, None)
            if value is None:
                continue
            try:
                arrays.append((trace, key, np.asarray(value, dtype=float)))
            except (TypeError, ValueError):  # category labels: left as they are
                continue
    times = []
    for r in range(rounds):
        t0 = time.perf_counter()
        with fig.batch_update():
            for trace, key, value in arrays:
                setattr(trace, key, value + (r + 1) * 1e-9)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run() -> list[Row]:
    rows = []
    for module, factory, moves in MOVES:
        ex = getattr(importlib.import_module(f"scalelab.widgets.{module}"), factory)()
        cpu, wall = zip(*move_times(ex, moves), strict=True)
        median = statistics.median(cpu)
        floor = redraw_floor(ex.figure)
        rows.append(
            Row(
                f"explorer move {module}.{factory} (median of {len(cpu)})",
                median * 1000,
                "ms",
                f"CPU median, target <= {TARGET_MS:g} ms; wall median "
                f"{statistics.median(wall) * 1000:.1f} ms; {statistics.median(wall) / floor:.1f}x "
                f"its figure's redraw ({floor * 1000:.1f} ms wall); slowest {max(cpu) * 1000:.0f} ms",
                target=TARGET_MS,
                better="lower",
                cpu_min=min(cpu),
                cpu_median=median,
                wall_min=min(wall),
                wall_median=statistics.median(wall),
            )
        )
    from scalelab.geo import FailoverParams, default_world, simulate_failover, simulate_resolvers

    world = default_world()
    p = FailoverParams(t_ttl=37)
    model, _ = best_of(lambda: simulate_failover(world, p), 5)
    short = FailoverParams(t_ttl=37, t_end=300.0)
    fast, _ = best_of(lambda: simulate_failover(world, short), 5)
    slow, _ = best_of(
        lambda: simulate_resolvers(world, short, rng=np.random.default_rng(3), n_resolvers=200), 1
    )
    rows.append(
        Row(
            "geo explorer model: simulate_failover, TTL 37 s, 900 s",
            model * 1000,
            "ms",
            f"target < 50 ms per move; 300 s of it is {slow / fast:.0f}x faster than "
            "200 simulated resolvers",
        )
    )
    return rows
