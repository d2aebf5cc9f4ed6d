"""Monitoring: alert rules, error budgets and burn rates.

An :class:`AlertRule` fires when a metric stays above (or below) a threshold for some buckets,
like Prometheus's ``for:`` clause; :func:`evaluate_alert` evaluates it on a run's metrics and
:func:`incident_caught` checks that it fired during every failure. :func:`error_budget_minutes`
gives the outage an availability target allows and :func:`burn_rate` how fast errors spend it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.validate import check_number, param, validate_fields

__all__ = [
    "AlertRule",
    "evaluate_alert",
    "burn_rate",
    "error_budget_minutes",
    "incident_caught",
]


@dataclass(frozen=True)
class AlertRule:
    """Fire when ``metric`` is above (``above=True``) or below ``threshold`` in each of the last
    ``for_buckets`` buckets (Prometheus's ``for:`` clause)."""

    metric: str
    threshold: float = param(doc="value the metric is compared with")
    above: bool = True
    for_buckets: int = param(
        1, kind="int", low=1, high=10_000, doc="buckets in a row the condition must hold"
    )

    def __post_init__(self):
        validate_fields(self)
        if not isinstance(self.metric, str):
            raise ValueError(f"metric must be a metric name; got {self.metric!r}")


def evaluate_alert(rule: AlertRule, metrics: dict) -> np.ndarray:
    """Per bucket, True where ``rule`` fires on ``metrics`` (name -> per-bucket array).

    >>> evaluate_alert(AlertRule("x", 1.0, for_buckets=2), {"x": [0, 2, 2, 0, 2]}).tolist()
    [False, False, True, False, False]
    """
    if rule.metric not in metrics:
        raise ValueError(f"metric must be one of {sorted(metrics)}; got {rule.metric!r}")
    x = np.nan_to_num(np.asarray(metrics[rule.metric], dtype=float), nan=0.0)
    bad = x > rule.threshold if rule.above else x < rule.threshold
    run = np.zeros(x.size, dtype=int)
    count = 0
    for i, b in enumerate(bad.tolist()):
        count = count + 1 if b else 0
        run[i] = count
    return run >= rule.for_buckets


def error_budget_minutes(availability_target: float, days: float = 30.0) -> float:
    """Minutes of total outage an availability target allows over ``days``.

    >>> round(error_budget_minutes(0.999), 1)
    43.2
    """
    check_number("availability_target", availability_target, low=0, high=1)
    check_number("days", days, low=0)
    return (1.0 - availability_target) * days * 24 * 60


def burn_rate(error_rate, availability_target: float):
    """How fast errors spend the budget: the error rate over the allowed ``1 - target``
    (1: the budget lasts exactly the SLO window; 14.4: a 30-day budget's 2 % in one hour).

    >>> round(float(burn_rate(0.0144, 0.999)), 6)
    14.4
    """
    check_number("availability_target", availability_target, low=0, high=1, high_open=True)
    return np.asarray(error_rate, dtype=float) / (1.0 - availability_target)


def incident_caught(firing, t, failures, t_grace: float = 600.0) -> bool:
    """True when ``firing`` (per bucket at times ``t``) is True at least once in every failure's
    window (from one minute before it starts to ``t_grace`` s after it ends).

    >>> from scalelab.architecture import Failure
    >>> incident_caught([False, True, False], [0, 60, 120], [Failure("cache", 50, 100)])
    True
    """
    firing = np.asarray(firing, dtype=bool)
    t = np.asarray(t, dtype=float)
    for f in failures:
        inside = (t + 1e-9 >= f.t_start - 60.0) & (t < f.t_end + t_grace)
        if not np.any(firing & inside):
            return False
    return True
