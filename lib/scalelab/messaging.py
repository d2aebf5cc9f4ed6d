"""Message queues: producers, a broker and consumers (chapter 11's model).

A web server that must send an e-mail, resize a photo or charge a card does not make the user
wait: it publishes a *message* to a queue (Amazon SQS, RabbitMQ, Kafka) and answers at once;
*consumers* take messages off the queue and do the work at their own pace. Two questions follow,
and this module answers each with a small model.

**Delivery guarantees.** A broker with *at-least-once* delivery redelivers a message whose
consumer crashed before acknowledging it, so a consumer can see the same message twice.
:func:`payment_messages` makes a seeded stream of payments, :func:`deliver_at_least_once` every
delivery attempt a broker makes (each a :class:`DeliveryAttempt` ending as one of
:data:`CRASHES`), and :func:`run_consumer` replays them through a handler: the naive
:func:`credit` pays twice after a crash, the idempotent :func:`credit_once` does not, and
:func:`exactly_once_balances` is the goal both are measured against.

**Autoscaling consumers.** :func:`simulate_consumers` runs consumers that an autoscaling rule
(:func:`target_utilisation_rule`, or your own) adds and removes bucket by bucket against a
workload (:func:`workload_rates` of a :class:`~scalelab.queueing.ArrivalProcess`), with workers
that take ``t_boot`` seconds to start and cost :data:`PRICE_PER_WORKER_HOUR`; queue dynamics
follow :func:`scalelab.queueing.queue_buckets`, and the result is a :class:`ConsumerResult` of
per-bucket arrays (backlog, waits, workers, cost).

Simplifications: one queue, no ordering guarantees, no dead-letter queue; a crash is a coin flip
per attempt; consumers are identical and the backlog is a fluid (see :mod:`scalelab.queueing`).
Units: seconds, messages/s, dollars.

These names were part of :mod:`scalelab.queueing` before it became a package, and stay
importable from there.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from scalelab.queueing import ArrivalProcess
from scalelab.queueing.fluid import _mmc_wait_vec
from scalelab.validate import check_array, check_int, check_number, check_rng, check_type

__all__ = [
    "CRASHES",
    "DeliveryAttempt",
    "payment_messages",
    "deliver_at_least_once",
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
]


CRASHES = ("none", "before", "after")
"""How a delivery attempt ends: acknowledged (``"none"``), the consumer crashed *before*
processing (no effect) or *after* processing but before acknowledging (effect applied)."""


@dataclass(frozen=True)
class DeliveryAttempt:
    """One delivery of ``message`` (a dict with an ``"id"``) to a consumer.

    ``attempt``: 1 for the first delivery, 2 for the first redelivery, ...; ``t``: when it is
    delivered (s); ``crash``: one of :data:`CRASHES`. Only the last attempt of a message is
    acknowledged (``crash == "none"``); every earlier one crashed, so the broker redelivered
    the message after its visibility timeout.
    """

    message: dict
    attempt: int
    t: float
    crash: str


def payment_messages(
    n_messages: int, *, accounts=("alice", "bob", "carol", "dan"), rng: np.random.Generator
) -> list[dict]:
    """``n_messages`` payment messages ``{"id", "account", "amount"}`` (amounts in whole euros).

    Ids are unique (``"m-0"``, ``"m-1"``, ...); accounts and amounts (1-20) are drawn from
    ``rng``, so two different messages can carry the same account and amount.

    >>> payment_messages(2, rng=np.random.default_rng(0))
    [{'id': 'm-0', 'account': 'dan', 'amount': 11}, {'id': 'm-1', 'account': 'carol', 'amount': 6}]
    """
    n = check_int("n_messages", n_messages, low=0)
    check_rng(rng)
    if len(accounts) == 0:
        raise ValueError("accounts must name at least one account")
    who = rng.integers(0, len(accounts), n)
    amount = rng.integers(1, 21, n)
    return [
        {"id": f"m-{i}", "account": accounts[int(w)], "amount": int(x)}
        for i, (w, x) in enumerate(zip(who, amount, strict=True))
    ]


def deliver_at_least_once(
    messages,
    *,
    p_crash_after: float = 0.1,
    p_crash_before: float = 0.0,
    t_gap: float = 1.0,
    t_visibility: float = 30.0,
    rng: np.random.Generator,
) -> list[DeliveryAttempt]:
    """Every delivery attempt a broker with at-least-once delivery makes, in delivery order.

    Messages are published ``t_gap`` seconds apart. Each attempt crashes after processing with
    probability ``p_crash_after``, before processing with ``p_crash_before``, and otherwise is
    acknowledged; a crashed attempt is redelivered ``t_visibility`` seconds later (the
    visibility timeout of Amazon SQS, the ack deadline of Google Pub/Sub), so redeliveries
    interleave with newer messages. Every message is eventually acknowledged once.

    >>> log = deliver_at_least_once([{"id": "a"}, {"id": "b"}], p_crash_after=0.5,
    ...                             t_visibility=1.5, rng=np.random.default_rng(0))
    >>> [(d.message["id"], d.attempt, d.crash) for d in log]
    [('a', 1, 'after'), ('b', 1, 'none'), ('a', 2, 'none')]
    """
    check_rng(rng)
    check_probability_pair(p_crash_after, p_crash_before)
    check_number("t_gap", t_gap, low=0)
    check_number("t_visibility", t_visibility, low=0, low_open=True)
    messages = list(messages)
    for m in messages:
        if not isinstance(m, dict) or "id" not in m:
            raise ValueError(f"messages must be dicts with an 'id'; got {m!r}")
    p_fail = p_crash_after + p_crash_before
    log = []
    for i, m in enumerate(messages):
        n_fail = int(rng.geometric(1.0 - p_fail)) - 1 if p_fail > 0 else 0
        after = rng.uniform(0, p_fail, n_fail) < p_crash_after if n_fail else []
        t0 = i * t_gap
        for j in range(n_fail):
            kind = "after" if after[j] else "before"
            log.append(DeliveryAttempt(m, j + 1, t0 + j * t_visibility, kind))
        log.append(DeliveryAttempt(m, n_fail + 1, t0 + n_fail * t_visibility, "none"))
    log.sort(key=lambda d: (d.t, d.attempt))
    return log


def check_probability_pair(p_crash_after, p_crash_before) -> None:
    """Both crash probabilities in [0, 1) and their sum below 1 (else nothing is ever acked)."""
    check_number("p_crash_after", p_crash_after, low=0, high=1, high_open=True)
    check_number("p_crash_before", p_crash_before, low=0, high=1, high_open=True)
    if p_crash_after + p_crash_before >= 1:
        raise ValueError(
            "p_crash_after + p_crash_before must be < 1 (else no delivery is ever "
            f"acknowledged); got {p_crash_after + p_crash_before:g}"
        )


def run_consumer(attempts, handle, state: dict | None = None) -> dict:
    """Replay delivery ``attempts`` through ``handle(message, state)``; return ``state``.

    An attempt that crashed *before* processing never reaches ``handle``; every other attempt
    does (a crash *after* processing happens once ``handle`` has run, so the message comes
    back and ``handle`` sees it again).

    >>> log = [DeliveryAttempt({"id": "a", "account": "x", "amount": 5}, 1, 0.0, "after"),
    ...        DeliveryAttempt({"id": "a", "account": "x", "amount": 5}, 2, 30.0, "none")]
    >>> run_consumer(log, credit)["balances"]
    {'x': 10}
    >>> run_consumer(log, credit_once)["balances"]
    {'x': 5}
    """
    state = {} if state is None else state
    for d in attempts:
        if not isinstance(d, DeliveryAttempt):
            raise ValueError(f"attempts must be DeliveryAttempt objects; got {d!r}")
        if d.crash != "before":
            handle(d.message, state)
    return state


def credit(message: dict, state: dict) -> None:
    """A naive payment consumer: add ``amount`` to ``account`` every time a message arrives."""
    balances = state.setdefault("balances", {})
    balances[message["account"]] = balances.get(message["account"], 0) + message["amount"]


def credit_once(message: dict, state: dict) -> None:
    """An idempotent payment consumer: remember processed ids and skip a message seen before.

    In a real system the id is recorded in the same transaction as the balance change (or the
    change is keyed by the id, as with an upsert), so a crash cannot split the two.
    """
    seen = state.setdefault("seen", set())
    if message["id"] in seen:
        return
    credit(message, state)
    seen.add(message["id"])


def exactly_once_balances(messages) -> dict:
    """The balances if every message were processed exactly once (the goal).

    >>> exactly_once_balances([{"id": "a", "account": "x", "amount": 5}])
    {'x': 5}
    """
    state: dict = {}
    for m in messages:
        credit(m, state)
    return state.get("balances", {})


# ---------------------------------------------------------------------------------------------
# Autoscaling consumers (time-bucketed)
# ---------------------------------------------------------------------------------------------

PRICE_PER_WORKER_HOUR = 0.10
"""Illustrative cost of one consumer (a small cloud VM or container) per hour, in dollars.
On-demand prices for 2 vCPU instances were about $0.04-0.10 an hour in 2024 (AWS EC2 pricing
page, https://aws.amazon.com/ec2/pricing/on-demand/); the course uses a round figure."""


N_WORKERS_MAX = 1000
"""The most consumers :func:`simulate_consumers` accepts from a rule (a guard against typos)."""


def target_utilisation_rule(
    t_service: float,
    *,
    rho_target: float = 0.7,
    t_drain: float = 300.0,
    n_min: int = 1,
    n_max: int = 50,
):
    """An autoscaling rule: enough consumers for the arrival rate at ``rho_target`` utilisation,
    plus enough to drain the backlog within ``t_drain`` seconds, between ``n_min`` and ``n_max``.

    Returns ``rule(backlog, n_workers, rate) -> int`` (the workers wanted next), the
    signature :func:`simulate_consumers` calls each bucket. It is the shape of target tracking
    on "backlog per instance" that AWS documents for SQS consumers.

    >>> rule = target_utilisation_rule(0.2, rho_target=0.8, n_min=1, n_max=30)
    >>> rule(0, 3, 40.0), rule(6000, 10, 40.0)  # 40 msg/s x 0.2 s = 8 busy -> 10 at 80 %
    (10, 14)
    """
    check_number("t_service", t_service, low=0, low_open=True)
    check_number("rho_target", rho_target, low=0, high=1, low_open=True)
    check_number("t_drain", t_drain, low=0, low_open=True)
    n_min = check_int("n_min", n_min, low=0)
    n_max = check_int("n_max", n_max, low=max(1, n_min))

    def rule(backlog: float, n_workers: int, rate: float) -> int:
        busy = rate * t_service / rho_target
        drain = backlog * t_service / t_drain
        return int(min(n_max, max(n_min, math.ceil(busy + drain - 1e-9))))

    return rule


@dataclass(frozen=True)
class ConsumerResult:
    """Per-bucket arrays of :func:`simulate_consumers` (bucket ``i`` covers ``t[i]`` to
    ``t[i] + t_bucket`` seconds) and the totals.

    ``rate_offered`` (messages/s arriving), ``n_workers`` (paid for: running or starting),
    ``n_active`` (running), ``backlog`` (messages waiting at the bucket's end), ``rate_served``
    (messages/s processed, the throughput), ``t_wait`` (mean wait of the bucket's messages, s),
    ``t_wait_p95`` (approximate 95th percentile, s), ``dropped`` (messages), ``cost`` (dollars spent so far).
    ``total_cost`` (dollars), ``max_wait`` (the worst bucket's mean wait, s), ``t_wait_mean``
    (s, weighted by arrivals), ``max_backlog`` (messages).
    """

    t: np.ndarray
    rate_offered: np.ndarray
    n_workers: np.ndarray
    n_active: np.ndarray
    backlog: np.ndarray
    rate_served: np.ndarray
    t_wait: np.ndarray
    t_wait_p95: np.ndarray
    dropped: np.ndarray
    cost: np.ndarray
    t_bucket: float

    @property
    def total_cost(self) -> float:
        return float(self.cost[-1]) if self.cost.size else 0.0

    @property
    def max_wait(self) -> float:
        return float(self.t_wait.max()) if self.t_wait.size else 0.0

    @property
    def t_wait_mean(self) -> float:
        """Mean wait over the whole run, weighting each bucket by its arrivals (s)."""
        total = self.rate_offered.sum()
        return float((self.t_wait * self.rate_offered).sum() / total) if total > 0 else 0.0

    @property
    def max_backlog(self) -> float:
        return float(self.backlog.max()) if self.backlog.size else 0.0


def simulate_consumers(
    rate,
    t_bucket: float,
    t_service: float,
    rule,
    *,
    n_start: int = 1,
    t_boot: float = 120.0,
    price_per_worker_hour: float = PRICE_PER_WORKER_HOUR,
    n_buffer: float | None = None,
) -> ConsumerResult:
    """Consumers that an autoscaling ``rule`` adds and removes, against a workload per bucket.

    ``rate``: messages/s arriving in each bucket of ``t_bucket`` seconds; ``t_service``:
    seconds one consumer spends on one message. ``rule(backlog, n_workers, rate)``
    (or a whole number for a fixed count) is asked at the end of every bucket, with the
    backlog then, the workers paid for, and the arrival rate seen in the bucket, and returns
    the workers wanted (a whole number; below 1 counts as 1, above :data:`N_WORKERS_MAX` is an
    error). Added workers are paid from the moment they are asked for but start
    taking messages only after ``t_boot`` seconds (rounded up to whole buckets); removed
    workers stop at once. Queue dynamics follow :func:`~scalelab.queueing.queue_buckets`.

    >>> r = simulate_consumers([10.0] * 4, 60.0, 0.5, 6, n_start=6)
    >>> r.backlog.tolist(), round(r.total_cost, 2)
    ([0.0, 0.0, 0.0, 0.0], 0.04)
    """
    lam = check_array("rate", rate, low=0, nonempty=False, unit="messages/s")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_number("t_service", t_service, low=0, low_open=True)
    check_number("t_boot", t_boot, low=0)
    check_number("price_per_worker_hour", price_per_worker_hour, low=0)
    n_start = check_int("n_start", n_start, low=1)
    if n_buffer is not None:
        check_number("n_buffer", n_buffer, low=0)
    if not callable(rule):
        fixed = check_int("rule", rule, low=1)

        def rule(backlog, n_workers, rate):  # noqa: ARG001
            return fixed

    mu = 1.0 / t_service
    delay = math.ceil(t_boot / t_bucket - 1e-9)
    n = lam.size
    limit = np.inf if n_buffer is None else float(n_buffer)
    paid, active, backlog, served, dropped, q_before = _autoscaled_queue(
        lam, t_bucket, mu, rule, n_start, delay, limit
    )
    cap = np.maximum(active, 1) * mu
    some = active > 0
    drain = np.where(some, (q_before + backlog) / 2.0 / cap, np.inf)
    c_arr = np.maximum(active, 1)
    stationary = _mmc_wait_vec(lam, mu, c_arr)
    p95 = _mmc_wait_vec(lam, mu, c_arr, 0.95)
    if n_buffer is not None:
        stationary = np.minimum(stationary, limit / cap)
        p95 = np.minimum(p95, limit / cap)
    t_wait = drain + stationary
    spend = np.cumsum(paid) * t_bucket / 3600.0 * price_per_worker_hour
    return ConsumerResult(
        t=np.arange(n) * float(t_bucket),
        rate_offered=lam,
        n_workers=paid,
        n_active=active,
        backlog=backlog,
        rate_served=served / t_bucket,
        t_wait=t_wait,
        t_wait_p95=np.maximum(t_wait, np.where(some, backlog / cap, np.inf) + p95),
        dropped=dropped,
        cost=spend,
        t_bucket=float(t_bucket),
    )


def _autoscaled_queue(
    lam: np.ndarray, t_bucket: float, mu: float, rule, n_start: int, delay: int, limit
):
    """The consumers bucket by bucket: the fluid backlog (as in
    :func:`~scalelab.queueing.queue_buckets`), the rule asked at each bucket's end, and workers
    that start ``delay`` buckets after they are asked for. Per bucket: workers paid for, workers
    running, backlog at the end, messages served and dropped, backlog at the start."""
    n = lam.size
    paid = np.empty(n, dtype=int)
    active = np.empty(n, dtype=int)
    backlog = np.empty(n)
    served = np.empty(n)
    dropped = np.zeros(n)
    q_before = np.empty(n)
    running = n_start
    booting: list[int] = []  # buckets left before each starting worker runs
    q = 0.0
    for i in range(n):
        booting = [b - 1 for b in booting]
        running += sum(1 for b in booting if b <= 0)
        booting = [b for b in booting if b > 0]
        c = max(running, 0)
        paid[i] = c + len(booting)
        active[i] = c
        q_before[i] = q
        out = min(q + lam[i] * t_bucket, c * mu * t_bucket)
        q = q + lam[i] * t_bucket - out
        if q > limit:
            dropped[i] = q - limit
            q = limit
        served[i] = out
        backlog[i] = q
        want = rule(q, int(paid[i]), float(lam[i]))
        if (
            isinstance(want, bool)
            or not isinstance(want, (numbers.Integral, np.integer))
            or want > N_WORKERS_MAX
        ):
            raise ValueError(
                f"the rule must return a whole number of workers up to {N_WORKERS_MAX}; "
                f"got {want!r} (at t = {i * t_bucket:g} s)"
            )
        want = max(1, int(want))
        have = running + len(booting)
        if want > have:
            booting += [delay] * (want - have)
            if delay == 0:
                running += len(booting)
                booting = []
        elif want < have:
            cut = have - want
            drop_boot = min(cut, len(booting))  # cancel starting workers first
            booting = booting[: len(booting) - drop_boot]
            running -= cut - drop_boot
    return paid, active, backlog, served, dropped, q_before


def workload_rates(
    process: ArrivalProcess, t_end: float, t_bucket: float, *, rng: np.random.Generator
) -> np.ndarray:
    """Messages/s seen in each bucket when ``process`` runs for ``t_end`` seconds.

    Counts per bucket are Poisson with the process's mean for that bucket (drawn from ``rng``),
    divided by ``t_bucket``: the input :func:`simulate_consumers` and
    :func:`~scalelab.queueing.queue_buckets` take.

    >>> rates = workload_rates(ArrivalProcess(rate_base=2.0), 30.0, 10.0, rng=np.random.default_rng(0))
    >>> rates.tolist()
    [2.2, 0.9, 2.1]
    """
    check_type("process", process, ArrivalProcess)
    check_number("t_end", t_end, low=0, low_open=True)
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_rng(rng)
    n = max(1, math.ceil(t_end / t_bucket - 1e-9))
    edges = np.arange(n + 1) * t_bucket
    fine = np.linspace(0.0, 1.0, 9)
    grid = edges[:-1, None] + fine[None, :] * t_bucket
    mean_rate = process.rate(grid).mean(axis=1)
    return rng.poisson(mean_rate * t_bucket) / t_bucket
