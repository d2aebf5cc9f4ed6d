"""Explorer for the protocol lab (chapter 14-protocol-lab): replay any run as a message-sequence
diagram.

Nodes are the rows (clients on top), time runs left to right, and each message is a line from
where and when it was sent to where and when it arrived: lost messages end in a cross, messages
a partition dropped in a dashed line, duplicates dotted. Open partitions are shaded, pauses and
crashes drawn on their node's row, and what the checker rejected is marked: the operations of
the smallest non-linearizable sub-history, or the nodes that did not converge.

``explore_run(protocol=..., scenario=..., seed=...)`` replays exactly the run that
``scalelab.netsim.check_schedules`` reported for that scenario and seed; ``node=`` replays your
own class.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from scalelab.netsim import (
    PROTOCOLS,
    SCENARIOS,
    Node,
    Scenario,
    Workload,
    check_run,
    simulate_scenario,
)
from scalelab.validate import check_choice, check_int, check_probability
from scalelab.widgets import PALETTE, Explorer, base_layout, caption_html, disable
from scalelab.widgets.controls import checkbox, dropdown, slider

__all__ = ["explore_run", "CUSTOM", "BUDGET"]

CUSTOM = {
    "broadcast": Workload(kind="broadcast", n_ops=8, t_stop=2.0),
    "counter": Workload(kind="counter", n_ops=8, t_stop=2.0),
    "register": Workload(kind="register", n_clients=2, t_stop=1.5, t_timeout=0.5, t_think=0.15),
}
"""The small workloads of the explorer's "custom" scenario, one per kind (few enough messages
to follow one by one)."""

BUDGET = 30.0
"""Messages between nodes per broadcast that the explorer's check allows (the chapter's
budget)."""

_YOURS = "your node"


def _scenario_names(kind: str) -> list[str]:
    return ["custom", *[name for name, s in SCENARIOS.items() if s.workload.kind == kind]]


def _controls(protocol, scenario, seed, p_loss, p_duplicate, partition, kind, node):
    names = ([_YOURS] if node is not None else []) + list(PROTOCOLS)
    return {
        "protocol": dropdown("Protocol", names, protocol),
        "scenario": dropdown("Scenario", _scenario_names(kind), scenario),
        "seed": slider("Seed", seed, 0, 9999, 1, continuous=False),
        "p_loss": slider("Messages lost (share)", p_loss, 0.0, 0.5, 0.05, continuous=False),
        "p_duplicate": slider(
            "Messages duplicated (share)", p_duplicate, 0.0, 0.5, 0.05, continuous=False
        ),
        "partition": checkbox("A partition opens and heals", partition),
    }


_TRACES = [
    ("messages delivered", dict(color=PALETTE[0], width=1), "lines"),
    ("duplicate copies", dict(color=PALETTE[4], width=1, dash="dot"), "lines"),
    ("lost by the network", dict(color=PALETTE[3], width=1, dash="dashdot"), "lines+markers"),
    ("dropped by the partition", dict(color=PALETTE[1], width=1, dash="dash"), "lines+markers"),
    ("client requests and answers", dict(color="#999999", width=1), "lines"),
    ("partition open", dict(color=PALETTE[1], width=0), "lines"),
    ("node paused or crashed", dict(color=PALETTE[7], width=8), "lines"),
    ("rejected by the checker", dict(color=PALETTE[3], width=0), "markers"),
]


def _figure(node_ids) -> go.Figure:
    rows = ["clients", *node_ids]
    fig = go.Figure(layout=base_layout("Messages between nodes", "time (ms)", "node"))
    for name, line, mode in _TRACES:
        trace = go.Scatter(x=[], y=[], name=name, mode=mode, line=line, hoverinfo="skip")
        if mode == "lines+markers":
            trace.marker = dict(symbol=["x"], size=8, color=line["color"])
        if name == "partition open":
            trace.fill, trace.fillcolor = "toself", "rgba(230,159,0,0.18)"
        if name == "rejected by the checker":
            trace.marker = dict(
                symbol="diamond-open", size=14, color=PALETTE[3], line=dict(width=2)
            )
        fig.add_trace(trace)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=rows[::-1])
    fig.update_layout(height=430)
    return fig


def _segments(messages):
    x, y, symbols = [], [], []
    for m in messages:
        x += [m.t_send * 1000, m.t_deliver * 1000, None]
        y += [_row(m.src), _row(m.dst), None]
        symbols += ["circle-open", "x", "circle"]
    return x, y, symbols


def _row(who: str) -> str:
    return who if who.startswith("n") else "clients"


def _scenario(kind: str, name: str, p_loss, p_duplicate, partition) -> Scenario:
    if name != "custom":
        return SCENARIOS[name]
    workload = CUSTOM[kind]
    return Scenario(
        workload,
        t_end=workload.t_stop + 1.5,
        p_loss=p_loss,
        p_duplicate=p_duplicate,
        n_partitions=1 if partition else 0,
        t_partition=0.8 * workload.t_stop,
    )


def _draw(fig: go.Figure, run, verdict) -> None:
    between = [m for m in run.messages if m.src[0] == "n" and m.dst[0] == "n"]
    groups = [
        [m for m in between if m.fate == "delivered" and not m.copy],
        [m for m in between if m.fate == "delivered" and m.copy],
        [m for m in between if m.fate in ("lost", "crashed")],
        [m for m in between if m.fate == "partitioned"],
        [m for m in run.messages if m.src[0] == "c" or m.dst[0] == "c"],
    ]
    for trace, group in zip(fig.data[:5], groups, strict=True):
        x, y, symbols = _segments(group)
        trace.x, trace.y = x, y
        if trace.mode == "lines+markers":
            trace.marker.symbol = symbols
    ids = list(run.node_ids)
    px, py = [], []
    for p in run.faults.partitions:
        t0, t1 = p.t_start * 1000, p.t_heal * 1000
        px += [t0, t1, t1, t0, t0, None]
        py += [ids[0], ids[0], ids[-1], ids[-1], ids[0], None]
    fig.data[5].x, fig.data[5].y = px, py
    sx, sy = [], []
    for p in run.faults.pauses:
        sx += [p.t_start * 1000, p.t_end * 1000, None]
        sy += [p.node, p.node, None]
    fig.data[6].x, fig.data[6].y = sx, sy
    rx, ry = [], []
    for op in verdict.ops:
        t = op.t_complete if np.isfinite(op.t_complete) else op.t_invoke
        rx.append(t * 1000)
        ry.append(op.node)
    if not verdict.ops:
        rx += [run.t_end * 1000] * len(verdict.nodes)
        ry += list(verdict.nodes)
    fig.data[7].x, fig.data[7].y = rx, ry


def _caption(name, scenario_name, seed, run, verdict) -> str:
    between = [m for m in run.messages if m.src[0] == "n" and m.dst[0] == "n"]
    lost = sum(m.fate != "delivered" for m in between)
    ops = len(run.history)
    result = (
        "The checker accepts the run."
        if verdict.ok
        else f"The checker rejects it: {verdict.problem}"
    )
    if len(result) > 400:
        result = result[:397] + "..."
    return caption_html(
        f"'{name}' on scenario '{scenario_name}', seed {seed}: {ops} client operations, "
        f"{len(between)} messages between nodes ({len(between) / max(ops, 1):.1f} per operation), "
        f"{lost} of them lost or dropped.",
        *[
            f"Partition: {', '.join(p.side)} cut off from the others from {p.t_start * 1000:.0f} "
            f"to {p.t_heal * 1000:.0f} ms."
            for p in run.faults.partitions
        ],
        result,
        f"Replay: explore_run(protocol={name!r}, scenario={scenario_name!r}, seed={seed}).",
    )


def explore_run(
    seed: int = 0,
    protocol: str = "gossip",
    scenario: str = "custom",
    p_loss: float = 0.1,
    p_duplicate: float = 0.0,
    partition: bool = True,
    node: type | None = None,
    kind: str = "broadcast",
) -> Explorer:
    """A message-sequence diagram of one run: ``protocol`` (a name in
    ``scalelab.netsim.PROTOCOLS``, or ``"your node"`` with ``node=`` your class and ``kind=``
    its workload) on ``scenario`` (a name in ``scalelab.netsim.SCENARIOS``, or ``"custom"``:
    a small workload with ``p_loss``, ``p_duplicate`` and one ``partition``) and ``seed``.
    The same scenario and seed replay exactly the run ``check_schedules`` checked."""
    if node is not None:
        if not (isinstance(node, type) and issubclass(node, Node)):
            raise ValueError(f"node must be a subclass of scalelab.netsim.Node; got {node!r}")
        protocol = _YOURS if protocol == "gossip" else protocol
        check_choice("kind", kind, tuple(CUSTOM))
    else:
        check_choice("protocol", protocol, tuple(PROTOCOLS))
        kind = PROTOCOLS[protocol].kind
    check_choice("scenario", scenario, tuple(_scenario_names(kind)))
    check_int("seed", seed, low=0, high=9999)
    check_probability("p_loss", p_loss)
    check_probability("p_duplicate", p_duplicate)
    controls = _controls(protocol, scenario, seed, p_loss, p_duplicate, partition, kind, node)
    node_ids = tuple(f"n{i}" for i in range(5))
    fig = _figure(node_ids)
    state = {"kind": kind}

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        chosen = c["protocol"]
        this_kind = kind if chosen == _YOURS else PROTOCOLS[chosen].kind
        factory = node if chosen == _YOURS else PROTOCOLS[chosen].node
        if this_kind != state["kind"]:  # another workload: offer its scenarios
            state["kind"] = this_kind
            box = ex.controls["scenario"]
            box.unobserve(ex.update, names="value")
            box.options = _scenario_names(this_kind)
            box.value = "custom"
            box.observe(ex.update, names="value")
            c["scenario"] = "custom"
        custom = c["scenario"] == "custom"
        for key in ("p_loss", "p_duplicate", "partition"):
            disable(ex.controls[key], None if custom else f"set by the scenario {c['scenario']!r}")
        sc = _scenario(this_kind, c["scenario"], c["p_loss"], c["p_duplicate"], c["partition"])
        run = simulate_scenario(factory, sc, rng=np.random.default_rng(c["seed"]))
        options = {"n_messages_per_op_max": BUDGET} if this_kind == "broadcast" else {}
        verdict = check_run(run, **options)
        _draw(ex.figure, run, verdict)
        ex.figure.layout.title.text = (
            f"{chosen}: {'accepted' if verdict.ok else 'rejected'} by the checker"
        )
        ex.caption.value = _caption(chosen, c["scenario"], c["seed"], run, verdict)
        return run

    return Explorer(
        title="Explore: replay a run, message by message", controls=controls, figure=fig,
        update=update,
    )  # fmt: skip
