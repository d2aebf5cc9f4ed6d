"""Queues: requests that wait for one of ``n_servers`` servers, in theory and in simulation.

The picture is a post office with one line and ``n_servers`` counters (or a message queue with
``n_servers`` consumers, or a web server with ``n_servers`` worker threads). Customers arrive at random; each is
served by the first counter to come free, in arrival order (first in, first out); while every
counter is busy, newcomers wait in the line, and if the line has a fixed size (a *finite
buffer*) a newcomer who finds it full is turned away (*dropped*). Three things decide how long
people wait: the arrival rate ``rate`` (λ, customers/s), the service rate of one server
``rate_service`` (μ, customers/s, so a mean service time of ``1/rate_service`` seconds) and the
number of servers ``n_servers`` (c). Their ratio, the utilisation
``rho = rate / (n_servers * rate_service)``, must stay below 1 or the line grows without end.

The package has four modules, all with the same units (seconds, requests/s); import from the
package (``from scalelab.queueing import erlang_c``):

- :mod:`~scalelab.queueing.erlang`, **theory (steady state)**: :func:`mm1` and :func:`mmc` for
  the M/M/1 and M/M/c queues (Erlang C, :func:`erlang_c`; mean waits and counts),
  :func:`littles_law`, :func:`mmc_wait_quantile`, :func:`servers_for_wait`, and :func:`erlang_b`
  and :func:`mmck` for queues with a finite buffer.
- :mod:`~scalelab.queueing.arrivals`, **arrival processes**: :class:`ArrivalProcess`
  (``"poisson"``, ``"daily"``, ``"burst"``), :func:`generate_arrivals` (exact, by thinning),
  :func:`poisson_arrivals` and :func:`exponential_service`.
- :mod:`~scalelab.queueing.simulation`, **per-request simulation**: :func:`simulate_fifo` (every
  request's start, wait and response for ``n_servers`` servers and an optional finite buffer; exact and
  vectorised), :func:`simulate_mmc`, :func:`summarize`, :func:`percentiles` and
  :func:`backlog_over_time`.
- :mod:`~scalelab.queueing.fluid`, **the time-bucketed (fluid) form**: :func:`queue_buckets`,
  offered requests/s per bucket and a :class:`WorkQueue` in, requests/s served, backlog, mean wait and
  drops per bucket out (the contract of :mod:`scalelab.buckets`), fast enough for the capstone to
  run a whole day.

Simplifications: servers are identical and never fail; the line is one FIFO line shared by all
servers (a load balancer with a line per server is :mod:`scalelab.load_balancer`, built on
this package); service times are whatever you pass (exponential in :func:`simulate_mmc`);
nobody gives up waiting.

Chapter 11's message-queue model (delivery guarantees, autoscaling consumers) lives in
:mod:`scalelab.messaging`; its names stay importable from here too (``from scalelab.queueing
import simulate_consumers``), as they were before the split, but are not part of ``__all__``.

>>> import numpy as np
>>> m = mmc(rate=3.5, rate_service=1.0, n_servers=4)
>>> round(m.t_wait, 4), round(m.p_wait, 4)
(1.4757, 0.7379)
>>> rng = np.random.default_rng(1)
>>> res = simulate_mmc(rate=0.5, rate_service=1.0, n_servers=1, n_requests=20_000, rng=rng)
>>> round(float(res.t_wait.mean()), 1)  # theory: rho / (μ - λ) = 1.0
1.0
"""

from __future__ import annotations

import importlib

from scalelab.queueing.arrivals import (
    ARRIVAL_KINDS,
    ArrivalProcess,
    exponential_service,
    generate_arrivals,
    poisson_arrivals,
)
from scalelab.queueing.erlang import (
    QueueMetrics,
    erlang_b,
    erlang_c,
    littles_law,
    mm1,
    mmc,
    mmc_p_wait_longer,
    mmc_wait_quantile,
    mmck,
    mmck_drop_probability,
    servers_for_wait,
)
from scalelab.queueing.fluid import RHO_CAP as RHO_CAP
from scalelab.queueing.fluid import (
    FluidResult,
    WorkQueue,
    _fluid_queue,  # deprecated, see __getattr__
    queue_buckets,
)
from scalelab.queueing.simulation import (
    BacklogTrace,
    FifoResult,
    QueueSummary,
    backlog_over_time,
    percentiles,
    simulate_fifo,
    simulate_mmc,
    summarize,
)

__all__ = [
    "QueueMetrics",
    "mm1",
    "mmc",
    "erlang_b",
    "erlang_c",
    "mmck",
    "mmck_drop_probability",
    "mmc_p_wait_longer",
    "mmc_wait_quantile",
    "servers_for_wait",
    "littles_law",
    "ARRIVAL_KINDS",
    "ArrivalProcess",
    "poisson_arrivals",
    "generate_arrivals",
    "exponential_service",
    "FifoResult",
    "simulate_fifo",
    "simulate_mmc",
    "percentiles",
    "QueueSummary",
    "summarize",
    "BacklogTrace",
    "backlog_over_time",
    "WorkQueue",
    "FluidResult",
    "queue_buckets",
]

# Chapter 11's names, which lived in this module before the split: resolved on first use, so
# that scalelab.messaging (built on this package) and this package never import each other
# at import time.
_MESSAGING = (
    "CRASHES",
    "DeliveryAttempt",
    "payment_messages",
    "deliver_at_least_once",
    "check_probability_pair",
    "run_consumer",
    "credit",
    "credit_once",
    "exactly_once_balances",
    "PRICE_PER_WORKER_HOUR",
    "N_WORKERS_MAX",
    "target_utilisation_rule",
    "ConsumerResult",
    "simulate_consumers",
    "workload_rates",
)


def __getattr__(name: str):
    if name in _MESSAGING:
        return getattr(importlib.import_module("scalelab.messaging"), name)
    if name == "fluid_queue":  # the name before the capstone contract, for older notebooks
        return _fluid_queue
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_MESSAGING])
