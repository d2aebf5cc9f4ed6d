"""Service level objectives, scenarios, and grading a design against them.

An :class:`SLO` sets targets for p99 latency, availability, data lost and cost; :func:`check_slos`
says which a :class:`~scalelab.architecture.Run` meets (an :class:`SLOResult`). A
:class:`Scenario` is a graded run (a workload, failures, a time window and a seed), and
:func:`grade_design` says whether a design meets each SLO in every scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.architecture.design import Design, Run, Workload
from scalelab.architecture.simulation import simulate
from scalelab.validate import check_type, param, validate_fields

__all__ = [
    "SLO",
    "SLOResult",
    "check_slos",
    "Scenario",
    "grade_design",
]


@dataclass(frozen=True)
class SLO:
    """Service level objectives: p99 latency of successful requests at most ``p99_max`` s in at
    least ``p_buckets`` of the buckets; availability (successful share of all requests) at least
    ``availability_min``; at most ``data_lost_max`` writes or jobs lost; at most
    ``cost_max_hour`` dollars per hour on average."""

    p99_max: float = param(
        0.3, low=0, low_open=True, doc="p99 latency of successful requests at most", unit="s"
    )
    p_buckets: float = param(
        0.99, low=0, high=1, doc="share of buckets that must meet the latency objective"
    )
    availability_min: float = param(
        0.995, low=0, high=1, doc="successful share of all requests at least"
    )
    data_lost_max: float = param(100.0, low=0, doc="writes or jobs lost at most")
    cost_max_hour: float = param(
        145.0, low=0, low_open=True, doc="average cost at most", unit="$/h"
    )

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True)
class SLOResult:
    """Measured values and whether each SLO was met (``met``: name -> bool)."""

    p99_ok_share: float
    availability: float
    data_lost: float
    cost_per_hour: float
    met: dict

    @property
    def n_met(self) -> int:
        return sum(bool(v) for v in self.met.values())


def check_slos(run: Run, slo: SLO) -> SLOResult:
    """Which SLOs ``run`` meets.

    >>> r = check_slos(simulate(Design(), Workload(), t_end=3_600.0,
    ...                         rng=np.random.default_rng(1)), SLO())
    >>> r.met
    {'latency': True, 'availability': True, 'data_lost': True, 'cost': True}
    """
    check_type("run", run, Run)
    check_type("slo", slo, SLO)
    p99 = np.where(np.isfinite(run.p99), run.p99, 0.0)
    ok_share = float(np.mean(p99 <= slo.p99_max))
    avail = run.total_availability
    lost = float(np.sum(run.data_lost))
    cost = float(np.mean(run.cost_per_hour))
    met = {
        "latency": ok_share >= slo.p_buckets,
        "availability": avail >= slo.availability_min,
        "data_lost": lost <= slo.data_lost_max + 1e-9,
        "cost": cost <= slo.cost_max_hour,
    }
    return SLOResult(ok_share, avail, lost, cost, met)


@dataclass(frozen=True)
class Scenario:
    """A graded run: ``workload`` with ``failures`` from ``t_start`` to ``t_end`` (s since
    midnight), random draws from ``seed``."""

    name: str
    workload: Workload = Workload()
    failures: tuple = ()
    t_start: float = 19 * 3_600.0
    t_end: float = 21 * 3_600.0
    seed: int = 0

    def run(self, design: Design, t_bucket: float = 60.0) -> Run:
        """Simulate ``design`` through this scenario."""
        return simulate(
            design,
            self.workload,
            self.failures,
            t_start=self.t_start,
            t_end=self.t_end,
            t_bucket=t_bucket,
            rng=np.random.default_rng(self.seed),
        )


def grade_design(design: Design, scenarios, slo: SLO) -> dict:
    """Whether ``design`` meets each SLO in *every* one of ``scenarios`` (name -> bool).

    >>> grade_design(Design(), [Scenario("quiet hour", t_end=20 * 3_600.0)], SLO())
    {'latency': True, 'availability': True, 'data_lost': True, 'cost': True}
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("scenarios must hold at least one Scenario")
    met = {"latency": 0, "availability": 0, "data_lost": 0, "cost": 0}
    for sc in scenarios:
        if not isinstance(sc, Scenario):
            raise ValueError(f"scenarios must hold Scenario objects; got {type(sc).__name__}")
        result = check_slos(sc.run(design), slo)
        for name, ok in result.met.items():
            met[name] += bool(ok)
    return {name: count == len(scenarios) for name, count in met.items()}
