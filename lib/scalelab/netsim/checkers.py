"""Checkers, as in Jepsen and Maelstrom: read a run's history and say whether it was allowed.

- **Convergence** (:func:`check_broadcast`, :func:`check_counter`): once every partition has
  healed and the network has had time, every node answers a read with the same, complete
  answer: every acknowledged broadcast value, or the sum of every acknowledged increment.
  A broadcast check can also hold a **message budget** (messages between nodes per broadcast),
  as Gossip Glomers' efficiency challenges do, so that flooding everything to everyone forever
  does not pass.
- **CRDT laws** (:func:`check_crdt_laws`): a state-based CRDT's merge must be commutative,
  associative and idempotent (Shapiro et al., 2011); then replicas that have seen the same
  updates, in any order and any number of times, hold the same state.
- **Linearizability** (:func:`check_linearizable`, :func:`check_register`) of one register's
  history (Herlihy and Wing, 1990): is there one order of the operations, consistent with
  real time (an operation that finished before another began comes first), in which every read
  returns the latest write? The search is Wing and Gong's (1993): try each operation that may
  come next, recurse, backtrack; with Lowe's (2017) memo of the configurations already tried
  (the set of operations placed, the register's value), which keeps it fast. A write that
  timed out may have happened at any time after it was invoked, or never. When the history
  fails, the checker shrinks it: the shortest failing prefix (with the writes its reads returned),
  then every operation whose removal still fails, so what it reports is a handful of operations
  a person can read. ABD's **write-back** (a read stores the pair it returns on a majority before
  answering, Attiya, Bar-Noy and Dolev 1995) is needed for linearizability, but a run shows its
  absence only when two reads fall in the few milliseconds while a write is still spreading;
  ``check_register(run, write_back=True)`` checks the rule itself in the message log.

:func:`check_schedules` runs a build on many fault schedules of a scenario, one seed each, and
reports the first failure with its seed, to replay in ``scalelab.widgets.netsim.explore_run``.

>>> from scalelab.netsim import Op
>>> w = Op("c0", "n0", "write", 1, 0.0, 1.0, True)
>>> r_old = Op("c1", "n1", "read", None, 2.0, 3.0, True)  # begins after the write finished
>>> check_linearizable([w, r_old]).ok, check_linearizable([w, r_old._replace(t_invoke=0.5)]).ok
(False, True)
"""

from __future__ import annotations

import copy
import itertools
import math
import sys
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from scalelab.netsim.clients import Op
from scalelab.netsim.network import Run
from scalelab.netsim.schedules import Scenario, simulate_scenario
from scalelab.validate import check_int, check_number, check_type

__all__ = [
    "Verdict",
    "Linearizability",
    "LawViolation",
    "check_linearizable",
    "check_register",
    "check_broadcast",
    "check_counter",
    "check_crdt_laws",
    "check_run",
    "Report",
    "check_schedules",
]


@dataclass(frozen=True)
class Verdict:
    """A checker's answer: ``ok``; the ``check`` that ran; the ``problem`` in words (empty if
    ok); the ``nodes`` at fault and the operations (``ops``) it rejected, for the picture."""

    ok: bool
    check: str
    problem: str = ""
    nodes: tuple = ()
    ops: tuple = ()


@dataclass(frozen=True)
class Linearizability:
    """The linearizability of a history: ``ok``, and when not, ``ops``, the smallest failing
    sub-history found (in invocation order), and ``n_ops``, the size of the whole history.
    ``decided`` is False when the search gave up (``ok`` is then False and ``ops`` empty)."""

    ok: bool
    ops: tuple
    n_ops: int
    decided: bool = True


class _GaveUp(Exception):
    """The search tried more configurations than it was allowed."""


class LawViolation(NamedTuple):
    """A CRDT law that failed: ``law`` (``"commutative"``, ``"associative"`` or
    ``"idempotent"``), the ``states`` it was tried on, and the two sides that differed."""

    law: str
    states: tuple
    left: object
    right: object


def _prepare(history) -> list:
    """The operations a register check places: completed reads and writes, and the writes that
    timed out but whose value some read returned (they took effect); reads that timed out
    returned nothing."""
    for op in history:
        check_type("history[i]", op, Op)
    read = {op.value for op in history if op.kind == "read" and op.ok}
    ops = [
        op
        for op in history
        if (op.kind == "read" and op.ok) or (op.kind == "write" and (op.ok or op.value in read))
    ]  # a timed-out write nobody read can always be left out: it changes no read's answer
    return sorted(ops, key=lambda o: (o.t_invoke, o.client))


def _search(ops: list, initial=None, n_configs_max: int = 300_000) -> bool:
    """Wing and Gong's search with Lowe's memo: can ``ops`` be linearized?"""
    n = len(ops)
    if n == 0:
        return True
    t_inv = [o.t_invoke for o in ops]
    t_end = [o.t_complete for o in ops]
    reads = [o.kind == "read" for o in ops]
    values = [o.value for o in ops]
    required = 0
    for i, o in enumerate(ops):
        if o.ok:
            required |= 1 << i
    tried: set = set()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * n + 200))

    def place(done: int, state) -> bool:
        if done & required == required:
            return True
        key = (done, state)
        if key in tried:
            return False
        tried.add(key)
        if len(tried) > n_configs_max:
            raise _GaveUp
        frontier = math.inf
        for i in range(n):
            if not done >> i & 1 and t_end[i] < frontier:
                frontier = t_end[i]
        for i in range(n):
            if done >> i & 1:
                continue
            if t_inv[i] > frontier:
                break  # invoked after some remaining operation had finished
            if reads[i]:
                if values[i] != state:
                    continue
                nxt = state
            else:
                nxt = values[i]
            if place(done | 1 << i, nxt):
                return True
        return False

    try:
        return place(0, initial)
    finally:
        sys.setrecursionlimit(limit)


def _closed_prefix(ops: list, k: int) -> list:
    """The first ``k`` operations (by invocation) and the writes whose values they read: a read
    may begin before the write it returns (they overlap), and without that write it could only
    fail."""
    head = ops[:k]
    read = {o.value for o in head if o.kind == "read"}
    writes = [o for o in ops[k:] if o.kind == "write" and o.value in read]
    return sorted(head + writes, key=lambda o: (o.t_invoke, o.client))


def _shrink(ops: list, initial=None) -> list:
    """A small failing sub-history: the shortest failing prefix (closed under the writes its
    reads returned), then drop what is not needed (never a write whose value a remaining read
    returned)."""
    lo, hi = 1, len(ops)
    while lo < hi:  # a closed sub-history of a linearizable history is linearizable: bisect
        mid = (lo + hi) // 2
        if _search(_closed_prefix(ops, mid), initial):
            lo = mid + 1
        else:
            hi = mid
    kept = _closed_prefix(ops, hi)
    i = len(kept) - 1
    while i >= 0:
        op = kept[i]
        read_values = {o.value for o in kept if o.kind == "read" and o is not op}
        if not (op.kind == "write" and op.value in read_values):
            trial = kept[:i] + kept[i + 1 :]
            if not _search(trial, initial):
                kept = trial
        i -= 1
    return kept


def check_linearizable(history, *, initial=None, n_configs_max: int = 300_000) -> Linearizability:
    """Is ``history`` (a sequence of :class:`~scalelab.netsim.Op` on one register, whose value
    starts as ``initial``) linearizable? If not, the smallest failing sub-history found.
    The search gives up (``decided=False``, counted as a failure) after ``n_configs_max``
    configurations, so that a pathological history cannot hang a graded cell.

    >>> from scalelab.netsim import Op
    >>> h = [Op("c0", "n0", "write", 1, 0.0, 2.0, True), Op("c1", "n1", "read", 1, 0.5, 1.0, True),
    ...      Op("c2", "n2", "read", None, 1.5, 3.0, True)]
    >>> result = check_linearizable(h)
    >>> result.ok, [op.client for op in result.ops]
    (False, ['c0', 'c1', 'c2'])
    """
    check_int("n_configs_max", n_configs_max, low=1)
    ops = _prepare(history)
    try:
        if _search(ops, initial, n_configs_max):
            return Linearizability(True, (), len(ops))
        return Linearizability(False, tuple(_shrink(ops, initial)), len(ops))
    except _GaveUp:
        return Linearizability(False, (), len(ops), decided=False)


def _early_read(run: Run) -> str:
    """The first read answered before a majority of nodes acknowledged storing (``put_ok``) the
    value it returns, in words; ``""`` if every read waited (ABD's write-back)."""
    nodes = set(run.node_ids)
    majority = len(nodes) // 2 + 1
    requests, puts, acks = {}, {}, {}
    for m in run.messages:
        kind = m.body.get("type")
        if m.src not in nodes and m.dst in nodes and m.fate == "delivered":
            requests.setdefault((m.src, m.dst, m.body.get("msg_id")), m.t_deliver)
        elif kind == "put" and m.src in nodes:
            puts.setdefault(m.src, []).append((m.t_send, m.body.get("msg_id"), m.body.get("value")))
        elif kind == "put_ok" and m.dst in nodes and m.fate == "delivered":
            acks.setdefault((m.dst, m.body.get("in_reply_to")), []).append((m.t_deliver, m.src))
    for m in run.messages:
        if m.body.get("type") != "read_ok" or m.src not in nodes or m.dst in nodes or m.copy:
            continue
        node, t, value = m.src, m.t_send, m.body.get("value")
        t_asked = requests.get((m.dst, node, m.body.get("in_reply_to")), -math.inf)
        stored = set()
        for t_put, call, put_value in puts.get(node, ()):
            if t_asked <= t_put <= t and put_value == value:
                stored |= {src for t_ack, src in acks.get((node, call), ()) if t_ack <= t}
        if len(stored) < majority:
            return (
                f"no write-back: {m.dst}'s read via {node} answered {value!r} at {t * 1000:.0f} ms "
                f"when {len(stored)} of the {majority} nodes of a majority had acknowledged "
                "storing it (a 'put' of the pair it returns, answered by a majority, comes first)"
            )
    return ""


def check_register(run: Run, *, p_complete_min: float = 0.0, write_back: bool = False) -> Verdict:
    """A register run passes if its history is linearizable and at least ``p_complete_min`` of
    its operations were answered (a node that never answers is trivially linearizable).

    With ``write_back=True`` every read must also have waited until a majority acknowledged
    (``put_ok``) a ``put`` of the value it returns (ABD's write-back): the rule linearizability
    needs, checked in the message log, since a run rarely shows its absence in the history.
    """
    check_type("run", run, Run)
    check_number("p_complete_min", p_complete_min, low=0, high=1)
    check_type("write_back", write_back, bool)
    if write_back and (problem := _early_read(run)):
        return Verdict(False, "register", problem)
    history = [op for op in run.history if op.kind in ("read", "write")]
    n_ok = sum(op.ok for op in history)
    n_all = len(history)
    if history and n_ok < p_complete_min * n_all:
        return Verdict(
            False,
            "register",
            f"only {n_ok} of {n_all} operations were answered (at least "
            f"{p_complete_min:.0%} must be): is a majority reached, are requests resent?",
            (),
            tuple(op for op in history if not op.ok)[:5],
        )
    result = check_linearizable(history)
    if result.ok:
        return Verdict(True, "register")
    if not result.decided:
        return Verdict(
            False, "register",
            f"the linearizability search gave up on these {result.n_ops} operations: too many "
            "overlapping operations whose effect is uncertain (do reads return values of "
            "writes that never completed?)",
        )  # fmt: skip
    lines = "; ".join(
        f"{op.client} {op.kind} {op.value!r} via {op.node} "
        f"[{op.t_invoke * 1000:.0f}-{op.t_complete * 1000:.0f} ms]"
        for op in result.ops
    )
    return Verdict(
        False,
        "register",
        f"not linearizable: no order of these {len(result.ops)} operations (of "
        f"{result.n_ops}) respects real time and returns the latest write: {lines}",
        tuple(sorted({op.node for op in result.ops})),
        result.ops,
    )


def _final_answer(run: Run, node: str, key: str):
    answer = run.final.get(node)
    if not isinstance(answer, dict) or key not in answer:
        return None
    return answer[key]


def check_broadcast(run: Run, *, n_messages_per_op_max: float | None = None) -> Verdict:
    """Every broadcast was acknowledged and every node's final read holds exactly the values
    broadcast; and, if ``n_messages_per_op_max`` is given, the nodes sent at most that many
    messages to each other per broadcast."""
    check_type("run", run, Run)
    ops = [op for op in run.history if op.kind == "broadcast"]
    unanswered = [op for op in ops if not op.ok]
    if unanswered:
        return Verdict(
            False, "broadcast", f"{len(unanswered)} broadcasts were never acknowledged",
            tuple(sorted({op.node for op in unanswered})), tuple(unanswered[:5]),
        )  # fmt: skip
    want = {op.value for op in ops}
    faults = []
    for node in run.node_ids:
        got = _final_answer(run, node, "messages")
        if got is None:
            faults.append((node, "gave no read_ok with 'messages'"))
            continue
        got = set(got)
        missing, extra = sorted(want - got), sorted(got - want)
        if missing:
            faults.append((node, f"misses {len(missing)} of {len(want)}: {missing[:8]}"))
        elif extra:
            faults.append((node, f"holds values never broadcast: {extra[:8]}"))
    if faults:
        text = "; ".join(f"{n} {why}" for n, why in faults)
        return Verdict(
            False, "broadcast",
            f"did not converge by {run.t_end:.1f} s (the network healed at "
            f"{run.faults.t_healed:.1f} s): {text}",
            tuple(n for n, _ in faults),
        )  # fmt: skip
    if n_messages_per_op_max is not None and ops:
        per_op = run.n_messages / len(ops)
        if per_op > n_messages_per_op_max:
            return Verdict(
                False, "broadcast",
                f"converged, but sent {run.n_messages} messages between nodes for {len(ops)} "
                f"broadcasts: {per_op:.1f} per broadcast, over the budget of "
                f"{n_messages_per_op_max:g}",
            )  # fmt: skip
    return Verdict(True, "broadcast")


def check_counter(run: Run) -> Verdict:
    """Every increment was acknowledged, and every node's final read is their exact sum."""
    check_type("run", run, Run)
    ops = [op for op in run.history if op.kind == "add"]
    unanswered = [op for op in ops if not op.ok]
    if unanswered:
        return Verdict(
            False, "counter", f"{len(unanswered)} increments were never acknowledged",
            tuple(sorted({op.node for op in unanswered})), tuple(unanswered[:5]),
        )  # fmt: skip
    want = sum(op.value for op in ops)
    faults = []
    for node in run.node_ids:
        got = _final_answer(run, node, "value")
        if got is None:
            faults.append((node, "gave no read_ok with 'value'"))
        elif got != want:
            faults.append((node, f"reads {got!r}"))
    if faults:
        text = "; ".join(f"{n} {why}" for n, why in faults)
        return Verdict(
            False, "counter",
            f"the increments add up to {want}, but at {run.t_end:.1f} s {text}",
            tuple(n for n, _ in faults),
        )  # fmt: skip
    return Verdict(True, "counter")


def check_run(run: Run, **options) -> Verdict:
    """The checker for the run's workload: :func:`check_broadcast`, :func:`check_counter` or
    :func:`check_register` (``options`` go to it)."""
    check_type("run", run, Run)
    kind = run.workload.kind
    if kind == "broadcast":
        return check_broadcast(run, **options)
    if kind == "counter":
        return check_counter(run, **options)
    if kind == "register":
        return check_register(run, **options)
    return Verdict(all(op.ok for op in run.history), kind)


def check_crdt_laws(merge, states) -> tuple:
    """Try ``merge`` on every pair and triple of ``states``: a tuple of the
    :class:`LawViolation` s found (empty if the merge is commutative, associative and
    idempotent on them). Each call gets fresh copies, so a merge that mutates cannot hide.

    >>> from scalelab.netsim import merge_counts
    >>> check_crdt_laws(merge_counts, [{"n0": 1}, {"n0": 2, "n1": 1}, {}])
    ()
    >>> [v.law for v in check_crdt_laws(lambda a, b: {k: a.get(k, 0) + b.get(k, 0)
    ...                                              for k in {**a, **b}}, [{"n0": 1}])]
    ['idempotent']
    """
    states = list(states)

    def m(a, b):
        return merge(copy.deepcopy(a), copy.deepcopy(b))

    found = []
    for a in states:
        if m(a, a) != a:
            found.append(LawViolation("idempotent", (a,), m(a, a), a))
    for a, b in itertools.combinations(states, 2):
        left, right = m(a, b), m(b, a)
        if left != right:
            found.append(LawViolation("commutative", (a, b), left, right))
    for a, b, c in itertools.product(states, repeat=3):
        left, right = m(m(a, b), c), m(a, m(b, c))
        if left != right:
            found.append(LawViolation("associative", (a, b, c), left, right))
    return tuple(found)


@dataclass(frozen=True)
class Report:
    """What :func:`check_schedules` found: the ``scenario``'s name, ``n_schedules`` run,
    ``n_failed``, the first failing ``seed`` (``None`` if none failed) and its ``verdict``."""

    scenario: str
    n_schedules: int
    n_failed: int
    seed: int | None
    verdict: Verdict | None

    @property
    def ok(self) -> bool:
        """True when every schedule passed."""
        return self.n_failed == 0


def check_schedules(node_factory, scenario, seeds, *, stop_at_first=True, **options) -> Report:
    """Run ``node_factory``'s nodes on one fault schedule of ``scenario`` per seed in ``seeds``
    (``np.random.default_rng(seed)`` each, so any one can be replayed) and check each run with
    :func:`check_run` (``options`` go to it). Stops at the first failure unless
    ``stop_at_first=False``.

    >>> from scalelab.netsim import GossipNoRetry, SCENARIOS
    >>> r = check_schedules(GossipNoRetry, SCENARIOS["broadcast: lossy"], range(3))
    >>> r.ok, r.seed, r.verdict.check
    (False, 0, 'broadcast')
    """
    from scalelab.netsim.schedules import SCENARIOS

    name = scenario if isinstance(scenario, str) else "custom"
    if isinstance(scenario, str):
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {sorted(SCENARIOS)}; got {scenario!r}")
        scenario = SCENARIOS[scenario]
    else:
        check_type("scenario", scenario, Scenario)
        name = next((k for k, v in SCENARIOS.items() if v == scenario), "custom")
    n_run, n_failed, first_seed, first = 0, 0, None, None
    for seed in seeds:
        seed = check_int("seed", seed, low=0)
        run = simulate_scenario(node_factory, scenario, rng=np.random.default_rng(seed))
        verdict = check_run(run, **options)
        n_run += 1
        if not verdict.ok:
            n_failed += 1
            if first is None:
                first_seed, first = seed, verdict
            if stop_at_first:
                break
    return Report(name, n_run, n_failed, first_seed, first)
