"""Overload: what a system does in the minute when demand exceeds what it has.

Earlier chapters size a system for its peak. This package models what happens past it, where
most large outages grow: timeouts that turn slow answers into failures, retries that multiply
the load, queues that stay full after the trigger has gone, limiters and shedding that turn
requests away on purpose, and the slow tail that fan-out magnifies. Five modules, all in
seconds and requests/s; import from the package (``from scalelab.overload import
token_bucket``):

- :mod:`~scalelab.overload.retries`: retry amplification across layers
  (:func:`retry_amplification`, checked by :func:`simulate_retry_tree`), capped exponential
  backoff with full, equal and decorrelated jitter (:func:`backoff_delays`,
  :func:`simulate_contention`) and a retry budget (:func:`retry_budget`);
- :mod:`~scalelab.overload.metastable`: a fluid model of a server and its retrying clients
  through a spike (:func:`simulate_overload`), the chapter's drill (:func:`drill_policies`,
  :func:`summarize_drill`) and the defences: retry budget, load shedding, circuit breaker,
  queue discipline;
- :mod:`~scalelab.overload.limiters`: token bucket, leaky bucket, fixed window, sliding-window
  log and sliding-window counter over one trace (:func:`token_bucket` and friends);
- :mod:`~scalelab.overload.discipline`: a per-request simulation of FIFO, LIFO, a CoDel-like
  delay target, bounded queues and admission shedding (:func:`simulate_discipline`);
- :mod:`~scalelab.overload.tail`: the M/G/1 queue and the Pollaczek–Khinchine formula
  (:func:`pk_mean_wait`, :func:`simulate_mg1`), fan-out (:func:`fanout_p_slow`) and hedged
  requests (:func:`hedged_quantile`, :func:`hedge_load`, :func:`simulate_hedged`).

Simplifications are listed in each module: one server or one limiter, identical clients,
independent replicas.

>>> retry_amplification(n_retries=3, n_layers=3, p_fail=1.0)
64.0
>>> round(fanout_p_slow(0.01, 100), 2)
0.63
"""

from __future__ import annotations

from scalelab.overload.discipline import (
    OUTCOMES,
    QUEUE_DISCIPLINES,
    DisciplineResult,
    simulate_discipline,
)
from scalelab.overload.limiters import (
    LimiterResult,
    bursty_trace,
    fixed_window,
    leaky_bucket,
    max_in_window,
    sliding_counter,
    sliding_log,
    token_bucket,
)
from scalelab.overload.metastable import (
    DISCIPLINES,
    ClientPolicy,
    DrillSummary,
    OverloadResult,
    Server,
    Spike,
    drill_policies,
    simulate_overload,
    summarize_drill,
)
from scalelab.overload.retries import (
    JITTERS,
    backoff_delays,
    retry_amplification,
    retry_budget,
    simulate_contention,
    simulate_retry_tree,
)
from scalelab.overload.tail import (
    SERVICE_KINDS,
    LeafLatency,
    ServiceTime,
    fanout_p_slow,
    hedge_load,
    hedged_cdf,
    hedged_quantile,
    pk_mean_wait,
    simulate_hedged,
    simulate_mg1,
)

__all__ = [
    # retries
    "JITTERS",
    "retry_amplification",
    "simulate_retry_tree",
    "backoff_delays",
    "simulate_contention",
    "retry_budget",
    # metastable
    "DISCIPLINES",
    "Spike",
    "Server",
    "ClientPolicy",
    "OverloadResult",
    "simulate_overload",
    "DrillSummary",
    "summarize_drill",
    "drill_policies",
    # limiters
    "LimiterResult",
    "token_bucket",
    "leaky_bucket",
    "fixed_window",
    "sliding_log",
    "sliding_counter",
    "bursty_trace",
    "max_in_window",
    # discipline
    "QUEUE_DISCIPLINES",
    "OUTCOMES",
    "DisciplineResult",
    "simulate_discipline",
    # tail
    "SERVICE_KINDS",
    "ServiceTime",
    "pk_mean_wait",
    "simulate_mg1",
    "fanout_p_slow",
    "LeafLatency",
    "hedged_cdf",
    "hedged_quantile",
    "hedge_load",
    "simulate_hedged",
]
