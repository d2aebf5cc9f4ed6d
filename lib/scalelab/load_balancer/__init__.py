"""Load balancers and scaling out: a pool of servers behind one public address.

The picture. A web site that has outgrown one machine has two ways to go. It can buy a bigger
machine (*vertical scaling*, "scale up"): simple, but there is a largest machine for sale, and that
one machine is still a single point of failure. Or it can run several ordinary machines side by
side (*horizontal scaling*, "scale out") and put a **load balancer** in front: clients connect to
the balancer's public address, and the balancer forwards each request over a private network to
one of the servers. If a server dies, the balancer stops sending it traffic and the others carry
on: failover and redundancy come with the design.

This package models that pool, request by request:

- each server has a service rate ``rate_service`` (requests/s it can finish) and its own first-in, first-out
  queue; a request waits for the requests ahead of it on *its* server, never for the others;
- the balancer picks a server for every request with a **policy**: ``round_robin``, ``random``,
  ``least_connections``, ``power_of_two`` (ask two servers at random, take the less busy), and
  the weighted variants ``weighted_round_robin`` (nginx's smooth algorithm), ``weighted_random``
  and ``weighted_least_connections``; a learner's own function can be plugged in as well;
- the balancer learns about failures only through **health checks** every ``t_check_interval``
  seconds: a server that crashes keeps receiving requests, which fail, until the next check
  notices; a server that recovers (or joins the pool) gets traffic from the first check after;
- a crashed server loses the requests it was working on; a server whose queue is full
  (``n_queue_max``) turns new requests away.

Around the simulation: the formulas it is checked against (:func:`wait_random_split`,
:func:`wait_round_robin`, :func:`wait_shared_queue`, :func:`wait_power_of_two_limit`); the
availability of n servers (:func:`availability`, with random :func:`failure_schedule` s and
:func:`fraction_time_up` to check it); and the bill, vertical against horizontal
(:func:`plan_vertical` with its hard limit, :func:`plan_horizontal` with spares and a balancer,
priced per server-hour from a cited cloud price list, :data:`M7I`).

What it leaves out, on purpose: arrivals are a Poisson process and service times exponential
(the textbook M/M case, so every number can be checked against a formula); a health check is a
single probe with no "n failures in a row" rule and takes no time; the balancer itself never
fails and adds no latency; there are no retries, sessions or keep-alive connections.

The same pool also has a **time-bucketed form**, :func:`pool_buckets` (offered requests/s per
bucket and a :class:`ServerPool` in; served, dropped and failed requests/s, mean latency and cost
out; the contract of :mod:`scalelab.buckets`), built from exact
steady-state formulas so the capstone can compose it with the other chapters' models; a test
checks it against the request-by-request simulation.

One module per idea; import from the package (``from scalelab.load_balancer import
simulate_pool``): :mod:`~scalelab.load_balancer.policies` (the readable policies),
:mod:`~scalelab.load_balancer.pool` (parameters and results),
:mod:`~scalelab.load_balancer.simulation` (the request-by-request simulation),
:mod:`~scalelab.load_balancer.waits` (the formulas), :mod:`~scalelab.load_balancer.redundancy`
(availability), :mod:`~scalelab.load_balancer.scaling` (vertical against horizontal),
:mod:`~scalelab.load_balancer.buckets` (the time-bucketed form) and
:mod:`~scalelab.load_balancer.failure_modes` (a dead server that hangs or fails fast).

It is built on :mod:`scalelab.queueing`: Poisson arrivals and service times come from there,
each server's queue under an oblivious policy with unlimited queues is
:func:`scalelab.queueing.simulate_fifo` (Lindley's recursion, vectorised), the
M/M/1, M/M/c (Erlang C) and M/M/c/K formulas and the percentiles are queueing's. What is new
here is the balancer: the policies, the health checks, failures, and the event-by-event loop
that state-aware policies need (they look at every server's queue at every arrival). The round
robin formula (an E_c/M/1 queue, a G/M/1 case that queueing does not cover) is here too.

>>> import numpy as np
>>> res = simulate_pool(PoolParams(rate=30.0, n_servers=4, rate_service=10.0, t_end=60.0),
...                     rng=np.random.default_rng(1))
>>> s = summarize(res)
>>> s.n_arrivals == s.n_served + s.n_errors + s.n_dropped
True
"""

from __future__ import annotations

from scalelab.load_balancer.buckets import PoolBuckets, ServerPool, pool_buckets
from scalelab.load_balancer.failure_modes import (
    FAILURE_MODES,
    DeadServerParams,
    DeadServerResult,
    simulate_dead_server,
)
from scalelab.load_balancer.policies import POLICIES, least_connections, power_of_two, round_robin
from scalelab.load_balancer.pool import (
    DROPPED,
    ERROR,
    SERVED,
    Outage,
    PoolParams,
    PoolResult,
    PoolSummary,
    Timeline,
)
from scalelab.load_balancer.pool import Policy as Policy  # not in __all__
from scalelab.load_balancer.redundancy import availability, failure_schedule, fraction_time_up
from scalelab.load_balancer.scaling import (
    ALB_PRICE_PER_HOUR,
    M7I,
    InstanceType,
    ScalingPlan,
    plan_horizontal,
    plan_vertical,
    usl_capacity,
)
from scalelab.load_balancer.simulation import STATE_AWARE, simulate_pool, summarize, timeline
from scalelab.load_balancer.simulation import _simulate as _simulate  # not in __all__
from scalelab.load_balancer.waits import (
    wait_power_of_two_limit,
    wait_random_split,
    wait_round_robin,
    wait_shared_queue,
)

__all__ = [
    "POLICIES",
    "round_robin",
    "least_connections",
    "power_of_two",
    "SERVED",
    "ERROR",
    "DROPPED",
    "Outage",
    "PoolParams",
    "PoolResult",
    "PoolSummary",
    "Timeline",
    "STATE_AWARE",
    "simulate_pool",
    "summarize",
    "timeline",
    "wait_random_split",
    "wait_round_robin",
    "wait_shared_queue",
    "wait_power_of_two_limit",
    "availability",
    "failure_schedule",
    "fraction_time_up",
    "InstanceType",
    "M7I",
    "ALB_PRICE_PER_HOUR",
    "ScalingPlan",
    "usl_capacity",
    "plan_vertical",
    "plan_horizontal",
    "FAILURE_MODES",
    "DeadServerParams",
    "DeadServerResult",
    "simulate_dead_server",
    "ServerPool",
    "PoolBuckets",
    "pool_buckets",
]
