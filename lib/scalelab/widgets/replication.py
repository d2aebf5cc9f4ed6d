"""Explorers for database replication: a failover drill (03) and multi-master conflicts (04)."""

from __future__ import annotations

import copy

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scalelab.replication import (
    MultiMasterParams,
    ReplicationParams,
    failover,
    read_capacity,
    simulate_multi_master,
    simulate_replication,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import disable, dropdown, slider

__all__ = ["explore_failover", "explore_multi_master", "table", "RATE_SERVER", "NODE_NAMES"]

RATE_SERVER = 1_000.0
"""Operations/s one database server handles in the explorers (a round, assumed figure)."""

NODE_NAMES = "ABCDEFGH"

_N_STALE_SHOWN = 150  # reads in the window drawn at most (stale ones are marked)

_POLICY_NAMES = {"most_advanced": "most advanced", "lowest_id": "lowest id", "random": "random"}


def _span(positions: tuple[int, ...]) -> str:
    if not positions:
        return "none"
    if len(positions) == 1:
        return str(positions[0])
    return f"{positions[0]}–{positions[-1]}"


def table(headers, rows):
    """A Markdown table for a notebook cell's result (one output, the same on every run).

    >>> table(["mode", "lost"], [["async", 14]]).data.splitlines()[2]
    '| async | 14 |'
    """
    from IPython.display import Markdown

    lines = ["| " + " | ".join(str(h) for h in headers) + " |"]
    lines.append("|" + "---|" * len(headers))
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return Markdown("\n".join(lines))


def _stale_reads(run, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
    """Times of a sample of the stale reads between t0 and t1 (one in k of all reads there, so
    the markers' density shows the stale share) and how many writes their replica was behind."""
    window = (run.t_read >= t0) & (run.t_read <= t1)
    stride = max(1, -(-int(window.sum()) // _N_STALE_SHOWN))
    pick = np.flatnonzero(window & run.read_stale & (run.read_target >= 0))[::stride]
    t, targets = run.t_read[pick], run.read_target[pick]
    if not t.size:
        return t, t
    behind = run.lag_writes(t)
    return t, behind[targets, np.arange(t.size)]


def _failover_figure(n_max: int) -> go.Figure:
    """Writes behind per replica, lost writes, the failure and a sample of stale reads."""
    traces = [
        go.Scatter(
            x=[],
            y=[],
            name=f"replica {r}",
            mode="lines",
            line_shape="hv",
            line=dict(color=PALETTE[r % len(PALETTE)], dash=DASHES[r % len(DASHES)], width=2),
        )
        for r in range(n_max)
    ]
    traces.append(
        go.Scatter(
            x=[],
            y=[],
            name="acknowledged writes lost",
            mode="markers",
            marker=dict(symbol="x", size=10, color=PALETTE[3], line=dict(width=1)),
        )
    )
    traces.append(
        go.Scatter(
            x=[],
            y=[],
            name="primary fails",
            mode="lines",
            line=dict(color=PALETTE[7], dash="dot", width=1),
        )
    )
    traces.append(
        go.Scatter(
            x=[],
            y=[],
            name="stale reads (a sample)",
            mode="markers",
            marker=dict(symbol="circle", size=4, color="#888888", opacity=0.5),
        )
    )
    return go.Figure(
        data=traces,
        layout=base_layout(
            "Writes each replica is behind the primary, before the failure",
            "time (s)",
            "writes behind the primary",
        ),
    )


def explore_failover(seed: int = 2026, t_end: float = 60.0) -> Explorer:
    """Lag, failure time, write rate, replicas, read share, mode, policy -> a failover drill.

    The figure shows how many writes each replica is behind the primary in the ten seconds
    before the primary dies, and marks the acknowledged writes lost at promotion.
    """

    def ask(text, value, low, high, step=None):
        return slider(text, value, low, high, step, continuous=False)

    controls = {
        "t_lag_mean": ask("Replica lag, mean (s)", 0.3, 0.0, 2.0, 0.05),
        "t_fail": ask("Primary fails at (s)", 30.0, 10.0, t_end, 0.5),
        "rate_writes": ask("Writes/s", 20, 1, 100),
        "n_replicas": ask("Replicas", 3, 1, 6),
        "p_read_replica": ask("Share of reads to replicas", 0.9, 0.0, 1.0, 0.05),
        "mode": dropdown(
            "Mode",
            [("asynchronous", "async"), ("semi-synchronous", "semisync"), ("synchronous", "sync")],
            "async",
        ),
        "policy": dropdown("Promote", [(v, k) for k, v in _POLICY_NAMES.items()], "most_advanced"),
    }
    n_max = controls["n_replicas"].max
    fig = _failover_figure(n_max)

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        params = ReplicationParams(
            n_replicas=c["n_replicas"],
            rate_writes=float(c["rate_writes"]),
            rate_reads=10.0 * c["rate_writes"],
            t_lag_mean=c["t_lag_mean"],
            p_read_replica=c["p_read_replica"],
            t_end=t_end,
            mode=c["mode"],
        )
        rng = np.random.default_rng(seed)
        run = simulate_replication(params, rng=rng)
        picks = {
            p: failover(run, c["t_fail"], policy=p, rng=copy.deepcopy(rng)).promoted
            for p in _POLICY_NAMES
        }
        fo = failover(run, c["t_fail"], policy=c["policy"], rng=rng)
        disable(
            ex.controls["policy"],
            f"every policy promotes replica {fo.promoted} at this moment: move 'Primary fails "
            "at' to a moment when the replicas disagree"
            if len(set(picks.values())) == 1
            else None,
        )
        t0 = max(0.0, fo.t_fail - 10.0)
        grid = np.linspace(t0, fo.t_fail, 400)
        behind = run.lag_writes(grid)
        for r in range(n_max):
            tr = ex.figure.data[r]
            if r < params.n_replicas:
                tr.x, tr.y, tr.visible = grid, behind[r], True
                tr.name = f"replica {r}" + (" (promoted)" if r == fo.promoted else "")
            else:
                tr.x, tr.y, tr.visible = [], [], False
        lost_t = run.t_write[np.asarray(fo.lost, dtype=int) - 1] if fo.lost else []
        ex.figure.data[n_max].x = lost_t
        ex.figure.data[n_max].y = [0] * len(lost_t)
        top = max(float(behind.max()) if behind.size else 0.0, 1.0)
        ex.figure.data[n_max + 1].x = [fo.t_fail, fo.t_fail]
        ex.figure.data[n_max + 1].y = [0, top]
        ex.figure.data[n_max + 2].x, ex.figure.data[n_max + 2].y = _stale_reads(run, t0, fo.t_fail)
        _failover_caption(ex, c, fo, run, params, lost_t)
        return fo

    return Explorer(
        title="Explore: kill the primary and count the lost writes",
        controls=controls,
        figure=fig,
        update=update,
    )


def _multi_master_figure() -> go.Figure:
    """Cumulative lost and concurrent writes (top), keys in disagreement (bottom)."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12, row_heights=[0.6, 0.4]
    )
    series = [
        ("silently discarded by LWW", PALETTE[3], DASHES[0]),
        ("… beaten by an earlier write (skew)", PALETTE[1], DASHES[1]),
        ("flagged concurrent by version vectors", PALETTE[0], DASHES[2]),
    ]
    for name, color, dash in series:
        fig.add_trace(
            go.Scatter(
                x=[],
                y=[],
                name=name,
                mode="lines",
                line_shape="hv",
                line=dict(color=color, dash=dash, width=2),
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=[],
            y=[],
            name="keys on which nodes disagree",
            mode="lines",
            line_shape="hv",
            line=dict(color=PALETTE[2], dash=DASHES[3], width=2),
        ),
        row=2,
        col=1,
    )
    layout = base_layout("Multi-master: lost updates and disagreement", "", "writes (cumulative)")
    layout.pop("xaxis")
    layout.pop("yaxis")
    layout["height"] = 480
    fig.update_layout(**layout)
    fig.update_yaxes(title_text="writes (cumulative)", row=1, col=1)
    fig.update_yaxes(title_text="keys", row=2, col=1)
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    return fig


def explore_multi_master(seed: int = 2026, t_end: float = 30.0) -> Explorer:
    """Clock skew, write rate, delay, nodes, topology and a cut link -> lost updates, conflicts.

    Top: cumulative writes silently discarded by LWW (and those beaten by an earlier write) and
    writes version vectors flag as concurrent, by the time they were made. Bottom: keys on which
    the nodes disagree over time; with a cut link that number never returns to 0.
    """

    def ask(text, value, low, high, step=None):
        return slider(text, value, low, high, step, continuous=False)

    controls = {
        "t_skew": ask("Clock skew ± (s)", 0.2, 0.0, 2.0, 0.05),
        "rate_writes": ask("Writes/s (all nodes)", 5, 1, 20),
        "t_delay": ask("Delay per link/hop (s)", 0.2, 0.01, 2.0, 0.01),
        "n_nodes": ask("Nodes", 3, 3, 6),
        "topology": dropdown(
            "Topology", [("mesh (all to all)", "mesh"), ("ring (A→B→C→A)", "ring")], "mesh"
        ),
        # "none" is (), not None: a Dropdown whose value is None shows an empty box.
        "cut": dropdown("Cut link", [("none", ()), ("A→B", (0, 1)), ("B→C", (1, 2))], ()),
    }
    fig = _multi_master_figure()

    grid = np.linspace(0.0, t_end + 3.0, 300)

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        params = MultiMasterParams(
            n_nodes=c["n_nodes"],
            n_keys=5,
            rate_writes=float(c["rate_writes"]),
            t_delay=c["t_delay"],
            t_skew=c["t_skew"],
            t_end=t_end,
            topology=c["topology"],
            cut_link=c["cut"] or None,
        )
        run = simulate_multi_master(params, rng=np.random.default_rng(seed))
        for i, mask in enumerate((run.lost, run.lost_to_earlier, run.concurrent)):
            ex.figure.data[i].x = np.r_[0.0, run.t_write, t_end]
            cum = np.cumsum(mask)
            ex.figure.data[i].y = np.r_[0, cum, cum[-1] if cum.size else 0]
        dis = run.disagreement(grid)
        ex.figure.data[3].x, ex.figure.data[3].y = grid, dis
        names = NODE_NAMES[: params.n_nodes]
        shape = "ring " + "→".join(names) + "→A" if params.topology == "ring" else "full mesh"
        end = (
            f"All nodes agree {max(run.t_converged - run.t_write.max(), 0.0):.2f} s after the "
            "last write."
            if run.converged and run.n_writes
            else f"Link {names[c['cut'][0]]}→{names[c['cut'][1]]} is cut: the nodes never "
            f"converge; {int(dis[-1])} of {params.n_keys} keys still differ at the end."
            if c["cut"]
            else "The nodes agree."
        )
        ex.caption.value = caption_html(
            f"{run.n_writes} writes in {t_end:.0f} s on {params.n_nodes} nodes ({shape}), clocks "
            f"spread over ±{params.t_skew:.2f} s.",
            f"Last write wins silently discarded {run.n_lost} of them "
            f"({run.n_lost / max(run.n_writes, 1):.0%}); {run.n_lost_to_earlier} lost to a write "
            f"made earlier in real time.",
            f"Version vectors flag {int(run.concurrent.sum())} writes as concurrent and would "
            f"keep both versions; {run.n_conflicts} keys end with conflicting versions.",
            end,
        )
        return run

    return Explorer(
        title="Explore: clock skew, conflicts and a cut link",
        controls=controls,
        figure=fig,
        update=update,
    )


def _failover_caption(ex, c: dict, fo, run, params: ReplicationParams, lost_t) -> None:
    """The drill in words: positions, the promoted replica, lost writes, recovery, stale reads."""
    positions = ", ".join(str(p) for p in fo.replica_positions)
    window = f" (committed in the last {fo.t_fail - lost_t[0]:.2f} s)" if fo.n_lost else ""
    capacity = read_capacity(params.n_replicas, RATE_SERVER, params.rate_writes)
    ex.caption.value = caption_html(
        f"The primary dies at {fo.t_fail:.1f} s at log position {fo.primary_position}; "
        f"the replicas are at {positions}.",
        f"Policy '{_POLICY_NAMES[c['policy']]}' promotes replica {fo.promoted} "
        f"(position {fo.replica_positions[fo.promoted]}):",
        f"{fo.n_lost} acknowledged writes are lost, positions {_span(fo.lost)}{window};",
        f"{len(fo.unacknowledged)} committed writes were never acknowledged.",
        f"Recovery levels {len(fo.behind) + len(fo.divergent)} other replicas "
        f"({sum(len(v) for v in fo.divergent.values())} entries ahead of the new primary "
        f"must be rolled back); a replacement replica copies {fo.replica_positions[fo.promoted]}"
        f" entries.",
        f"Before the failure {run.stale_read_rate:.1%} of reads were stale, "
        f"by {run.mean_stale_age:.2f} s on average; writes were acknowledged after "
        f"{run.mean_ack_latency * 1000:.0f} ms on average ({c['mode']}).",
        f"Read capacity with {params.n_replicas} replicas at {RATE_SERVER:,.0f} operations/s "
        f"each: {capacity:,.0f} reads/s.",
    )
