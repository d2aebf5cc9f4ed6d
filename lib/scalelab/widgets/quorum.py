"""Explorer for quorums, leaders and split brain (chapter 05-quorums)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scalelab.quorum import (
    Delay,
    Quorum,
    SplitBrainParams,
    p_stale,
    p_stale_k,
    quorum_cdf,
    quorum_quantile,
    replica_delays,
    simulate_split_brain,
    simulate_staleness,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import cap, disable, dropdown, slider

__all__ = ["explore_quorum", "REPLY", "RATE_WRITES_SIDE", "T_ELECTION"]

REPLY = Delay(t_floor=0.001, t_tail=0.004)
"""A healthy replica's reply time in the explorer: 1 ms floor plus a 4 ms exponential tail (an
assumed figure for replicas in one data centre)."""

RATE_WRITES_SIDE = 100.0
"""Writes/s from the clients on each side of the partition in the explorer's drill (assumed)."""

T_ELECTION = 5.0
"""Seconds from suspicion to a promoted leader in the explorer's drill (assumed)."""

_MODE_NAMES = {"none": "no protection", "fencing": "fencing tokens", "majority": "majority quorum"}


def _controls() -> dict[str, widgets.Widget]:
    def ask(text, value, low, high, step):
        return slider(text, value, low, high, step, continuous=False)

    return {
        "n_replicas": ask("Replicas N", 3, 1, 7, 1),
        "n_read": ask("Read quorum R", 2, 1, 7, 1),
        "n_write": ask("Write quorum W", 2, 1, 7, 1),
        "lag_ms": ask("Replication lag, mean (ms)", 20.0, 1.0, 200.0, 1.0),
        "slow_ms": ask("Slow replica, mean reply (ms)", 5.0, 5.0, 500.0, 5.0),
        "n_cut": ask("Replicas cut off from the leader", 1, 0, 6, 1),
        "partition_s": ask("Partition (s)", 43.0, 1.0, 120.0, 1.0),
        "timeout_s": ask("Detector timeout (s)", 10.0, 1.0, 60.0, 1.0),
        "mode": dropdown(
            "Split-brain protection", [(v, k) for k, v in _MODE_NAMES.items()], "none"
        ),
    }


def _figure() -> go.Figure:
    fig = make_subplots(rows=3, cols=1, vertical_spacing=0.11, row_heights=[0.33, 0.33, 0.34])
    line = dict(mode="lines")
    series = [
        (1, "P(stale read), exact", PALETTE[0], DASHES[0], line),
        (1, "P(stale read), simulated", PALETTE[0], None, dict(mode="markers")),
        (1, "R = W = 1, for comparison", PALETTE[5], DASHES[3], line),
        (2, "read: R-th reply", PALETTE[1], DASHES[0], line),
        (2, "write: W-th reply", PALETTE[3], DASHES[1], line),
        (2, "p99 read / write", PALETTE[7], None, dict(mode="markers")),
        (3, "writes acknowledged, leader's side", PALETTE[2], DASHES[0], line),
        (3, "writes acknowledged, other side", PALETTE[4], DASHES[2], line),
        (3, "leaderless store (W replicas), leader's side", PALETTE[6], DASHES[4], line),
        (3, "leaderless store (W replicas), other side", PALETTE[5], DASHES[5], line),
    ]
    for row, name, color, dash, kind in series:
        style = dict(line=dict(color=color, dash=dash, width=2)) if dash else {}
        if kind["mode"] == "markers":
            style = dict(marker=dict(color=color, symbol="circle-open", size=8))
        shape = dict(line_shape="hv") if row == 3 else {}
        fig.add_trace(go.Scatter(x=[], y=[], name=name, **kind, **style, **shape), row=row, col=1)
    layout = base_layout("Quorums, latency and a partition", "", "")
    for key in ("xaxis", "yaxis"):
        layout.pop(key)
    layout.update(height=720, margin=dict(l=60, r=20, t=60, b=50))
    fig.update_layout(**layout)
    titles = [
        ("time since the write was acknowledged (ms)", "P(read is stale)"),
        ("latency (ms)", "P(done by then)"),
        ("time since the partition began (s)", "writes/s acknowledged"),
    ]
    for row, (x_title, y_title) in enumerate(titles, start=1):
        fig.update_xaxes(title_text=x_title, row=row, col=1)
        fig.update_yaxes(title_text=y_title, row=row, col=1)
    return fig


def _drill_series(result, t_cut: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step lines of the writes/s each side can get acknowledged, from the drill's outcome."""
    t = np.array([-5.0, 0.0, result.t_promoted if result.promoted else t_cut, t_cut, t_cut + 20])
    on_leader = result.p_available_leader_side > 0
    leader = np.array([1, 1 if on_leader else 0, 1 if on_leader else 0, 1, 1]) * RATE_WRITES_SIDE
    other = np.array([1, 0, 1 if result.promoted else 0, 1, 1]) * RATE_WRITES_SIDE
    return t, leader, other


def explore_quorum(seed: int = 2026) -> Explorer:
    """N, R, W, lag, a slow replica, a partition, the detector timeout and the protection ->
    stale-read probability, quorum latencies, availability per side and divergent writes.

    Top: the probability that a read returns stale data, by the time since the write was
    acknowledged (exact line, simulated markers). Middle: the latency distribution of a read
    (R-th reply) and a write (W-th reply), one replica possibly slow. Bottom: the writes/s each
    side of the partition can get acknowledged during the drill.
    """
    fig = _figure()

    def update(ex: Explorer):
        n = ex.controls["n_replicas"].value
        # R and W reach at most N, the cut at most N - 1: past that a slider would change nothing
        for name, high in (("n_read", n), ("n_write", n), ("n_cut", max(n - 1, 1))):
            cap(ex.controls[name], high)
        c = {k: w.value for k, w in ex.controls.items()}
        r, w, cut = min(c["n_read"], n), min(c["n_write"], n), min(c["n_cut"], n - 1)
        alone = "one replica: every quorum is that replica" if n == 1 else None
        for name in ("n_read", "n_write"):
            disable(ex.controls[name], alone)
        disable(ex.controls["n_cut"], "one replica: nothing to cut off" if n == 1 else None)
        for name in ("partition_s", "timeout_s", "mode"):
            disable(ex.controls[name], None if cut else "no partition: cut replicas off first")
        quorum = Quorum(n, r, w)
        lag = Delay(0.0, c["lag_ms"] / 1000)
        t = np.linspace(0.0, 5 * lag.t_tail, 60)
        t_sim = t[::6]
        exact = p_stale(t, quorum, lag)
        sim = simulate_staleness(t_sim, quorum, lag, 2_000, rng=np.random.default_rng(seed))
        f = ex.figure.data
        f[0].x, f[0].y = t * 1000, exact
        f[1].x, f[1].y = t_sim * 1000, sim
        f[2].x, f[2].y = t * 1000, p_stale(t, Quorum(n, 1, 1), lag)
        slow = Delay(REPLY.t_floor, c["slow_ms"] / 1000 - REPLY.t_floor)
        delays = replica_delays(n, REPLY, slow=slow if slow.mean > REPLY.mean else None)
        p99 = [float(quorum_quantile(0.99, k, delays)) for k in (r, w)]
        x = np.linspace(0.0, max(p99) * 1.3, 200)
        f[3].x, f[3].y = x * 1000, quorum_cdf(x, r, delays)
        f[4].x, f[4].y = x * 1000, quorum_cdf(x, w, delays)
        f[5].x, f[5].y = [p * 1000 for p in p99], [0.99, 0.99]
        t_cut = c["partition_s"]
        params = SplitBrainParams(
            t_partition=t_cut,
            t_timeout=c["timeout_s"],
            t_election=T_ELECTION,
            t_lag=lag.t_tail,
            rate_writes_leader_side=RATE_WRITES_SIDE if cut else 0.0,
            rate_writes_other_side=RATE_WRITES_SIDE if cut else 0.0,
            n_voters_leader_side=n - cut,
            n_voters_other_side=cut,
            mode=c["mode"],
        )
        drill = simulate_split_brain(params, rng=np.random.default_rng(seed))
        steps, leader, other = _drill_series(drill, t_cut)
        f[6].x, f[6].y, f[7].x, f[7].y = steps, leader, steps, other
        cut_on = np.array([0, 1, 1, 0, 0], dtype=bool) if cut and t_cut else np.zeros(5, bool)
        for trace, side in ((f[8], n - cut), (f[9], cut)):
            trace.x = steps
            trace.y = np.where(cut_on & (side < w), 0.0, RATE_WRITES_SIDE)
        p_lag = float(p_stale(lag.t_tail, quorum, lag))
        ex.caption.value = caption_html(*_caption(c, quorum, p_lag, p99, drill, cut, t_cut))
        return drill

    return Explorer(
        title="Explore: quorums, a slow replica and a partition",
        controls=_controls(),
        figure=fig,
        update=update,
    )


def _caption(c, quorum, p_lag, p99, drill, cut, t_cut) -> list[str]:
    n, r, w = quorum.n_replicas, quorum.n_read, quorum.n_write
    kind = (
        "R + W > N: every read overlaps the last write quorum"
        if quorum.strict
        else (
            f"R + W ≤ N: a read right after the write misses it with probability {p_stale_k(quorum):.2f}"
        )
    )
    out = [
        f"N = {n}, R = {r}, W = {w}; {kind}.",
        f"With a {c['lag_ms']:.0f} ms mean replication lag, a read {c['lag_ms']:.0f} ms after "
        f"the write is stale with probability {p_lag:.3f}.",
        f"p99 read {p99[0] * 1000:.1f} ms, p99 write {p99[1] * 1000:.1f} ms"
        + (
            f" (one replica averages {c['slow_ms']:.0f} ms)."
            if c["slow_ms"] / 1000 > REPLY.mean
            else "."
        ),
    ]
    if cut == 0:
        return out + ["No partition: move 'Replicas cut off' to cut the cluster."]
    near, far = n - cut, cut
    out.append(
        f"A {t_cut:.0f} s partition leaves {near} replica(s) with the leader and {far} on the "
        f"other side. A leaderless store can read on the leader's side: "
        f"{'yes' if near >= r else 'no'}, write: {'yes' if near >= w else 'no'}; on the other "
        f"side read: {'yes' if far >= r else 'no'}, write: {'yes' if far >= w else 'no'}."
    )
    promoted = (
        f"promotes a leader after {drill.t_promoted:.0f} s"
        if drill.promoted
        else ("cannot promote a leader")
    )
    out.append(
        f"With a leader and {_MODE_NAMES[c['mode']]}, the other side {promoted}; writes are "
        f"possible {drill.p_available_leader_side:.0%} of the cut on the leader's side and "
        f"{drill.p_available_other_side:.0%} on the other; {drill.n_divergent} acknowledged "
        f"writes diverge ({drill.n_orphaned} orphaned on the old leader)."
    )
    return out
