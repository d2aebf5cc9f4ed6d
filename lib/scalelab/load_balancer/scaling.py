"""Vertical against horizontal scaling: capacity and cost.

A bigger machine (*vertical scaling*) is simple but has a hard limit, the largest machine for
sale, and stays a single point of failure; several ordinary machines behind a balancer
(*horizontal scaling*) need spares and a balancer but have no such limit. :func:`usl_capacity`
gives a machine's throughput by Gunther's Universal Scalability Law; :func:`plan_vertical` picks
the smallest single machine that serves the peak at a target utilisation (the largest, marked
infeasible, if none does) and :func:`plan_horizontal` the number of ordinary servers plus spares,
with the balancer's price and the availability of each plan (a :class:`ScalingPlan`). Prices per
server-hour come from a cited cloud price list (:data:`M7I`, :class:`InstanceType`,
:data:`ALB_PRICE_PER_HOUR`). Rates in requests/s, prices in dollars per hour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scalelab.load_balancer.redundancy import availability
from scalelab.validate import check_int, check_number, check_probability

__all__ = [
    "InstanceType",
    "M7I",
    "ALB_PRICE_PER_HOUR",
    "ScalingPlan",
    "usl_capacity",
    "plan_vertical",
    "plan_horizontal",
]


@dataclass(frozen=True)
class InstanceType:
    """A machine size for rent: ``n_vcpu`` virtual CPUs at ``price_per_hour`` (USD)."""

    name: str
    n_vcpu: int
    price_per_hour: float


# AWS EC2 on-demand prices, general-purpose m7i family, Linux, region us-east-1 (USD per hour),
# from https://aws.amazon.com/ec2/pricing/on-demand/ as listed in 2024. The price per vCPU is the
# same for every size; m7i.48xlarge (192 vCPUs, 768 GiB) is the largest of the family.
M7I = (
    InstanceType("m7i.large", 2, 0.1008),
    InstanceType("m7i.xlarge", 4, 0.2016),
    InstanceType("m7i.2xlarge", 8, 0.4032),
    InstanceType("m7i.4xlarge", 16, 0.8064),
    InstanceType("m7i.8xlarge", 32, 1.6128),
    InstanceType("m7i.12xlarge", 48, 2.4192),
    InstanceType("m7i.16xlarge", 64, 3.2256),
    InstanceType("m7i.24xlarge", 96, 4.8384),
    InstanceType("m7i.48xlarge", 192, 9.6768),
)

# AWS Application Load Balancer, us-east-1, 2024: USD 0.0225 per hour plus USD 0.008 per LCU-hour
# (https://aws.amazon.com/elasticloadbalancing/pricing/). Only the hourly part is modelled.
ALB_PRICE_PER_HOUR = 0.0225


def usl_capacity(
    n_vcpu: int, rate_per_vcpu: float, sigma: float = 0.0, kappa: float = 0.0
) -> float:
    """Requests/s one machine with ``n_vcpu`` CPUs can serve (Gunther's Universal Scalability Law).

    ``X(N) = N x1 / (1 + sigma (N - 1) + kappa N (N - 1))`` with ``x1 = rate_per_vcpu``:
    ``sigma`` is contention (the share of work that is serial), ``kappa`` coherency (the cost of
    CPUs keeping shared data consistent). With both 0 capacity grows linearly.

    >>> usl_capacity(8, 100.0)
    800.0
    >>> round(usl_capacity(64, 100.0, sigma=0.02, kappa=0.0001), 1)
    2403.1
    """
    n = check_int("n_vcpu", n_vcpu, low=1)
    check_number("rate_per_vcpu", rate_per_vcpu, low=0, low_open=True)
    check_number("sigma", sigma, low=0, high=1)
    check_number("kappa", kappa, low=0, high=1)
    return n * rate_per_vcpu / (1 + sigma * (n - 1) + kappa * n * (n - 1))


@dataclass(frozen=True)
class ScalingPlan:
    """A way to serve a peak: ``n_servers`` of ``instance`` (plus a balancer, if more than one).

    ``rate_capacity``: requests/s the servers can serve at the target utilisation with every
    server up; ``cost_per_hour`` (USD); ``availability``: probability that enough servers are up
    to carry the peak; ``feasible``: False when even the largest machine is too small.
    """

    kind: str
    instance: InstanceType
    n_servers: int
    rate_capacity: float
    cost_per_hour: float
    availability: float
    feasible: bool


def plan_vertical(
    rate_peak: float,
    rate_per_vcpu: float,
    *,
    rho_target: float = 0.7,
    p_up: float = 0.995,
    catalogue: Sequence[InstanceType] = M7I,
    sigma: float = 0.0,
    kappa: float = 0.0,
) -> ScalingPlan:
    """The smallest single machine in ``catalogue`` that serves ``rate_peak`` at ``rho_target``.

    If none does, the largest one, with ``feasible=False``: the hard limit of scaling up. One
    machine is a single point of failure, so availability is its own ``p_up``.

    >>> plan = plan_vertical(1000.0, 100.0)
    >>> plan.instance.name, plan.feasible
    ('m7i.4xlarge', True)
    >>> plan_vertical(20_000.0, 100.0).feasible
    False
    """
    check_number("rate_peak", rate_peak, low=0)
    check_number("rho_target", rho_target, low=0, low_open=True, high=1)
    check_probability("p_up", p_up)
    if not catalogue:
        raise ValueError("catalogue must list at least one InstanceType; got none")
    sizes = sorted(catalogue, key=lambda m: m.n_vcpu)
    for m in sizes:
        cap = usl_capacity(m.n_vcpu, rate_per_vcpu, sigma, kappa) * rho_target
        if cap >= rate_peak:
            return ScalingPlan("vertical", m, 1, cap, m.price_per_hour, p_up, True)
    best = max(sizes, key=lambda m: usl_capacity(m.n_vcpu, rate_per_vcpu, sigma, kappa))
    cap = usl_capacity(best.n_vcpu, rate_per_vcpu, sigma, kappa) * rho_target
    return ScalingPlan("vertical", best, 1, cap, best.price_per_hour, p_up, False)


def plan_horizontal(
    rate_peak: float,
    rate_per_vcpu: float,
    *,
    instance: InstanceType = M7I[1],
    rho_target: float = 0.7,
    n_spare: int = 1,
    p_up: float = 0.995,
    lb_price_per_hour: float = ALB_PRICE_PER_HOUR,
) -> ScalingPlan:
    """Enough copies of ``instance`` to serve ``rate_peak`` at ``rho_target``, plus ``n_spare``.

    ``n = ceil(rate_peak / (capacity * rho_target)) + n_spare``; the balancer's hourly price is added.
    Availability is the chance that at least ``n - n_spare`` servers are up.

    >>> plan = plan_horizontal(1000.0, 100.0)
    >>> plan.n_servers, round(plan.cost_per_hour, 4)
    (5, 1.0305)
    """
    check_number("rate_peak", rate_peak, low=0)
    check_number("rho_target", rho_target, low=0, low_open=True, high=1)
    spare = check_int("n_spare", n_spare, low=0)
    check_probability("p_up", p_up)
    check_number("lb_price_per_hour", lb_price_per_hour, low=0)
    per = usl_capacity(instance.n_vcpu, rate_per_vcpu) * rho_target
    needed = max(1, math.ceil(rate_peak / per - 1e-9))
    n = needed + spare
    cost = n * instance.price_per_hour + (lb_price_per_hour if n > 1 else 0.0)
    return ScalingPlan(
        "horizontal", instance, n, n * per, cost, availability(n, p_up, needed), True
    )
