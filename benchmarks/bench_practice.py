"""Practice designs: how long grading one design takes.

A hidden check grades a design on three scenarios (a cache node, a data centre, a spike), each
a two-hour evening window of one-minute buckets. Reports, per problem, the median CPU time of
grading one design (min and wall time beside it) against the goal of well under a second, and
one scenario of the feed on its own.
"""

from __future__ import annotations

from common import Row, compare
from scalelab.practice import (
    ChatDesign,
    Drill,
    FeedDesign,
    Scenario,
    ShortenerDesign,
    grade_design,
    run_design,
)

HIDDEN = [
    Scenario("a cache node", drill=Drill("node", 1_800, 1_800), seed=11),
    Scenario("a data centre", drill=Drill("datacenter", 2_400, 1_800), seed=12),
    Scenario("a spike", drill=Drill("spike", 3_000, 1_200, spike_factor=1.5), seed=13),
]
DESIGNS = {
    "shortener": ShortenerDesign(n_regions=3, n_servers=10, t_dns_ttl=30, n_cache_nodes=2),
    "feed": FeedDesign(n_regions=3, n_servers=8, t_dns_ttl=30),
    "chat": ChatDesign(n_regions=3, n_servers=30, lb_policy="least_connections", inbox="store"),
}
TARGET = 1.0  # seconds to grade one design (three scenarios)


def run() -> list[Row]:
    rows = []
    for name, design in DESIGNS.items():
        t = compare({name: lambda d=design: grade_design(d, HIDDEN)}, rounds=5)[name]
        rows.append(
            Row(
                f"practice: grade a {name} design (3 scenarios)",
                t.cpu_median,
                "s",
                f"target < {TARGET:g} s (CPU median; wall {t.wall_median:.3f} s)",
                target=TARGET,
                better="lower",
                **t.fields(),
            )
        )
    t = compare({"one": lambda: run_design(DESIGNS["feed"], HIDDEN[1])}, rounds=5)["one"]
    rows.append(
        Row("practice: one feed scenario (2 h, 120 buckets)", t.cpu_median, "s", "", **t.fields())
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row.name:<50} {row.value * 1000:8.1f} ms  {row.status:<6} {row.note}")
