"""Plans graded against scenarios: pick a CDN strategy that survives an outage on budget.

A :class:`Scenario` is a drill to survive (a request rate, an outage, a latency target and a
budget); a :class:`Plan` is a learner's answer (a failover strategy, an origin shield or not, a
share of traffic for a second CDN). :func:`run_drill` runs the plan through the scenario with
:func:`~scalelab.cdn.cdn_buckets` and says whether both targets are met.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.cdn.drill import (
    CDN,
    STRATEGIES,
    DrillSummary,
    Outage,
    cdn_buckets,
    summarise,
)
from scalelab.validate import check_type, param, validate_fields

__all__ = [
    "Plan",
    "Scenario",
    "run_drill",
]


@dataclass(frozen=True)
class Plan:
    """A resilience plan: a failover ``strategy``, an origin ``shield`` or not, and the share
    ``p_second`` of traffic a second CDN carries all the time (multi-CDN only)."""

    strategy: str = param(
        "origin", kind="choice", choices=STRATEGIES, doc="what clients do when the CDN is down"
    )
    shield: bool = param(
        False, kind="bool", doc="an origin shield between the edges and the origin"
    )
    p_second: float = param(
        0.0, low=0, high=0.5, doc="share of traffic a second CDN carries all the time"
    )

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True)
class Scenario:
    """A drill to survive: ``rate`` requests/s for ``t_total`` s in buckets of ``t_bucket`` s,
    an ``outage``, the site's ``cdn`` (its ``shield`` field is replaced by the plan's), and the
    targets: at most ``max_failed`` of requests fail, the run costs at most ``budget_hour``
    dollars per hour."""

    name: str
    rate: float = 10_000.0
    outage: Outage = Outage()
    cdn: CDN = CDN()
    max_failed: float = 0.01
    budget_hour: float = 200.0
    t_total: float = 7_200.0
    t_bucket: float = 120.0


def run_drill(scenario: Scenario, plan: Plan) -> tuple[DrillSummary, bool]:
    """Run ``plan`` through ``scenario``: its summary, and whether both targets are met.

    >>> sc = Scenario("one region down", outage=Outage(regions=("europe",)))
    >>> summary, ok = run_drill(sc, Plan("redundant"))
    >>> ok, round(summary.failed_share, 4)
    (True, 0.0005)
    """
    check_type("scenario", scenario, Scenario)
    check_type("plan", plan, Plan)
    n = max(1, int(round(scenario.t_total / scenario.t_bucket)))
    cdn = CDN(**{**scenario.cdn.__dict__, "shield": plan.shield})
    out = cdn_buckets(
        np.full(n, float(scenario.rate)),
        scenario.t_bucket,
        cdn,
        outage=scenario.outage,
        strategy=plan.strategy,
        p_second=plan.p_second,
    )
    s = summarise(out, scenario.outage)
    ok = s.failed_share <= scenario.max_failed and s.cost_per_hour <= scenario.budget_hour
    return s, bool(ok)
