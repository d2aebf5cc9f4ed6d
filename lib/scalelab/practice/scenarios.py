"""Grading a practice design: scenarios (a workload, a drill, a seed) and one point per SLO.

A :class:`Scenario` names a graded run: the problem's workload, one
:class:`~scalelab.practice.Drill` and the seed of the traffic noise. :func:`run_design` runs any
of the three practice designs through a scenario (it picks the simulation by the design's type:
:class:`~scalelab.practice.ShortenerDesign`, :class:`~scalelab.practice.FeedDesign` or
:class:`~scalelab.practice.ChatDesign`), and :func:`grade_design` says whether the design meets
each SLO in *every* scenario, as the capstone's ``scalelab.architecture.grade_design`` does: a
grader gives one point per SLO met.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scalelab.practice.chat import CHAT_TARGETS, ChatDesign, ChatWorkload, simulate_chat
from scalelab.practice.feed import FEED_TARGETS, FeedDesign, FeedWorkload, simulate_feed
from scalelab.practice.shortener import (
    SHORTENER_TARGETS,
    ShortenerDesign,
    ShortenerWorkload,
    simulate_shortener,
)
from scalelab.practice.slos import Drill, PracticeRun, SLOCheck, Targets, check_targets
from scalelab.validate import check_type

__all__ = [
    "PROBLEMS",
    "Scenario",
    "run_design",
    "grade_design",
    "slo_results",
    "practice_drills",
    "drill_table",
]

PROBLEMS = {
    "shortener": (ShortenerDesign, ShortenerWorkload, simulate_shortener, SHORTENER_TARGETS),
    "feed": (FeedDesign, FeedWorkload, simulate_feed, FEED_TARGETS),
    "chat": (ChatDesign, ChatWorkload, simulate_chat, CHAT_TARGETS),
}
"""Each practice problem: (design class, workload class, simulation, its SLO targets)."""

_DESIGNS = (ShortenerDesign, FeedDesign, ChatDesign)


def _problem(design):
    check_type("design", design, _DESIGNS)
    return next(v for v in PROBLEMS.values() if type(design) is v[0])


@dataclass(frozen=True)
class Scenario:
    """A graded run: ``workload`` (the problem's workload class, or ``None`` for its default),
    ``drill`` and the traffic's ``seed``; ``name`` says what it tests (hidden checks print it,
    never the seed)."""

    name: str
    workload: object = None
    drill: Drill = field(default_factory=Drill)
    seed: int = 0


def run_design(design, scenario: Scenario) -> PracticeRun:
    """Simulate ``design`` (any practice design) through ``scenario``.

    >>> run = run_design(ShortenerDesign(), Scenario("quiet evening", seed=1))
    >>> run.n_buckets
    120
    """
    _, workload_cls, simulate, _ = _problem(design)
    check_type("scenario", scenario, Scenario)
    workload = workload_cls() if scenario.workload is None else scenario.workload
    check_type("scenario.workload", workload, workload_cls)
    return simulate(design, workload, scenario.drill, rng=np.random.default_rng(scenario.seed))


def slo_results(design, scenarios, targets: Targets | None = None) -> list[SLOCheck]:
    """The :class:`~scalelab.practice.SLOCheck` of ``design`` in each of ``scenarios`` (against
    ``targets``, the problem's own by default)."""
    targets = check_type("targets", targets, (Targets, None)) or _problem(design)[3]
    return [check_targets(run_design(design, sc), targets) for sc in scenarios]


def grade_design(design, scenarios, targets: Targets | None = None) -> dict:
    """Whether ``design`` meets each SLO in every one of ``scenarios`` (name -> bool; one
    point each for a grader).

    >>> grade_design(ShortenerDesign(), [Scenario("a spike", drill=Drill("spike"), seed=3)])
    {'latency': True, 'availability': False, 'data_lost': True, 'cost': True}
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("scenarios must hold at least one Scenario")
    checks = slo_results(design, scenarios, targets)
    return {name: all(c.met[name] for c in checks) for name in checks[0].met}


def practice_drills(design) -> tuple[Scenario, ...]:
    """The four runs the practice chapters drill a design through, on the problem's default
    workload: a quiet evening; a node lost for 20 minutes from 19:20 (a cache node; a connection
    server for chat); the data centre that holds the primaries lost for 30 minutes from 19:30;
    a spike of 1.5 times the traffic for 20 minutes from 20:00 (seeds 40-43)."""
    _problem(design)
    node = "a server" if isinstance(design, ChatDesign) else "a cache node"
    return (
        Scenario("quiet evening", seed=40),
        Scenario(node, drill=Drill("node", 1_200, 1_200), seed=41),
        Scenario("a data centre", drill=Drill("datacenter", 1_800, 1_800), seed=42),
        Scenario("a 1.5x spike", drill=Drill("spike", 3_600, 1_200, spike_factor=1.5), seed=43),
    )


def drill_table(design, scenarios=None) -> None:
    """Print what each of ``scenarios`` (:func:`practice_drills` by default) costs ``design``:
    the share of minutes within the p99 target, availability, requests (or messages) failed,
    records lost, $/hour and the SLOs met, one line each."""
    scenarios = practice_drills(design) if scenarios is None else tuple(scenarios)
    lines = [
        f"{'drill':<14} {'p99 ok':>7} {'availability':>12} {'failed':>12} {'lost':>12} "
        f"{'$/hour':>7}  SLOs met"
    ]
    targets = _problem(design)[3]
    for sc in scenarios:
        run = run_design(design, sc)
        r = check_targets(run, targets)
        failed = float(np.sum(run.rate_failed)) * run.t_bucket
        lines.append(
            f"{sc.name:<14} {r.p99_ok_share:>7.1%} {r.availability:>12.3%} {failed:>12,.0f} "
            f"{r.data_lost:>12,.0f} {r.cost_per_hour:>7.2f}  {r.n_met} of 4"
        )
    print("\n".join(lines))
