"""Explorer for a pool of servers behind a load balancer (02-scaling-out)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from scalelab.load_balancer import (
    POLICIES,
    Outage,
    PoolParams,
    simulate_pool,
    summarize,
    timeline,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import checkbox, disable, dropdown, slider

__all__ = ["explore_load_balancer", "T_END", "T_KILL", "T_BACK"]

T_END = 60.0
"""Length of each run in the explorer (s)."""
T_KILL, T_BACK = 20.3, 40.3
"""When the "kill a server" toggle crashes server 1, and when it comes back (s)."""
_BUCKET = 2.0
_QUEUE_MAX = 50
_LOG_TICKS = [m * 10**e for e in range(0, 6) for m in (1, 2, 5)]  # 1, 2, 5, 10, ... ms


def _figure(t_mid) -> go.Figure:
    """p50 and p99 latency (log, left) and the error rate (%, right) per bucket."""
    fig = go.Figure(
        data=[
            go.Scatter(
                x=t_mid,
                y=t_mid * 0,
                name="p50 latency",
                mode="lines+markers",
                line=dict(color=PALETTE[0], dash=DASHES[0], width=3),
                marker=dict(symbol="circle", size=5),
            ),
            go.Scatter(
                x=t_mid,
                y=t_mid * 0,
                name="p99 latency",
                mode="lines+markers",
                line=dict(color=PALETTE[1], dash=DASHES[1], width=3),
                marker=dict(symbol="diamond", size=6),
            ),
            go.Scatter(
                x=t_mid,
                y=t_mid * 0,
                name="error rate",
                mode="lines+markers",
                yaxis="y2",
                line=dict(color=PALETTE[3], dash=DASHES[2], width=2),
                marker=dict(symbol="x", size=6),
            ),
        ],
        layout=base_layout(
            "Latency and errors over one minute",
            "time (s)",
            "latency (ms, log scale)",
            # 1-2-5 labels on the log axis; round percentages on the right, never synced to it.
            yaxis=dict(
                title=dict(text="latency (ms, log scale)"),
                type="log",
                tickmode="array",
                tickvals=_LOG_TICKS,
            ),
            yaxis2=dict(
                title=dict(text="requests failed or turned away (%)"),
                overlaying="y",
                side="right",
                range=[0, 100],
                tickmode="array",
                tickvals=[0, 20, 40, 60, 80, 100],
                showgrid=False,
            ),
            margin=dict(l=60, r=60, t=50, b=50),
            legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.1),
        ),
    )
    return fig


def explore_load_balancer(
    rate: float = 40,
    n_servers: int = 4,
    rate_service: float = 20,
    policy: str = "round_robin",
    kill: bool = True,
    t_check: float = 5.0,
    seed: int = 2026,
) -> Explorer:
    """Traffic ``rate`` and each server's ``rate_service`` (requests/s), servers, policy, a crash
    and the health-check interval (s) -> latency percentiles (ms) and error rate (%) over one
    minute."""
    controls = {
        "traffic": slider("Traffic (requests/s)", int(rate), 10, 160, 5, continuous=False),
        "n_servers": slider("Servers", n_servers, 1, 8, continuous=False),
        "capacity": slider(
            "Capacity per server (requests/s)", int(rate_service), 5, 50, 5, continuous=False
        ),
        "policy": dropdown(
            "Policy", [(name.replace("_", " "), name) for name in POLICIES[:4]], policy
        ),
        "kill": checkbox(f"Kill server 1 at {T_KILL:g} s (back at {T_BACK:g} s)", kill),
        "t_check": slider("Health check every (s)", t_check, 0.5, 15.0, 0.5, continuous=False),
    }
    n_buckets = int(T_END / _BUCKET)
    t_mid = (np.arange(n_buckets) + 0.5) * _BUCKET
    fig = _figure(t_mid)

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        disable(
            ex.controls["t_check"],
            None if c["kill"] else "no server crashes, so health checks never change a thing",
        )
        outages = (Outage(0, T_KILL, T_BACK),) if c["kill"] else ()
        params = PoolParams(
            rate=float(c["traffic"]),
            n_servers=c["n_servers"],
            rate_service=float(c["capacity"]),
            policy=c["policy"],
            n_queue_max=_QUEUE_MAX,
            t_check_interval=float(c["t_check"]),
            outages=outages,
            t_end=T_END,
        )
        res = simulate_pool(params, rng=np.random.default_rng(seed))
        tl = timeline(res, _BUCKET)
        s = summarize(res)
        ex.figure.data[0].y = tl.t_p50 * 1000
        ex.figure.data[1].y = tl.t_p99 * 1000
        ex.figure.data[2].y = tl.error_rate * 100
        sentences, shapes = _describe(c, params, res, s)
        ex.figure.layout.shapes = shapes
        top = np.nanmax(tl.t_p99) * 1000 if np.isfinite(tl.t_p99).any() else 1000.0
        ex.figure.layout.yaxis.range = [
            math.log10(max(1.0, np.nanmin(tl.t_p50) * 1000 / 2)),
            math.log10(max(top * 1.5, 10.0)),
        ]
        ex.caption.value = caption_html(*sentences)
        return res

    return Explorer(
        title="Explore: a pool of servers behind a load balancer",
        controls=controls,
        figure=fig,
        update=update,
    )


def _describe(c: dict, params: PoolParams, res, s) -> tuple[list[str], list[dict]]:
    """The caption's sentences, and the shaded span while a dead server still got traffic."""
    shapes = []
    plural = "s" if c["n_servers"] > 1 else ""
    answered = ", ".join(f"{x / T_END:.0f}" for x in s.per_server)
    sentences = [
        f"{c['traffic']} requests/s shared by {c['n_servers']} server{plural} of "
        f"{c['capacity']} requests/s each (utilisation {params.utilisation:.0%}),",
        f"{c['policy'].replace('_', ' ')}: p50 {s.t_p50 * 1000:,.0f} ms and "
        f"p99 {s.t_p99 * 1000:,.0f} ms over the minute;",
        f"{s.n_errors + s.n_dropped:,} of {s.n_arrivals:,} requests "
        f"({s.error_rate:.1%}) failed or were turned away.",
        f"Answered per server, on average: {answered} requests/s.",
    ]
    if c["kill"]:
        t_seen = res.t_detect[0]
        shapes.append(
            dict(
                type="rect",
                xref="x",
                yref="paper",
                x0=T_KILL,
                x1=t_seen,
                y0=0,
                y1=1,
                fillcolor=PALETTE[3],
                opacity=0.15,
                line=dict(width=0),
            )
        )
        blind = (res.t_arrival >= T_KILL) & (res.t_arrival < t_seen)
        lost = int((res.outcome[blind] != 0).sum())
        sentences.append(
            f"Server 1 crashed at {T_KILL:g} s; the health check noticed at {t_seen:g} s, "
            f"so for {t_seen - T_KILL:.1f} s (shaded) it still got traffic and {lost:,} "
            f"requests failed."
        )
        if params.n_servers == 1:
            sentences.append("With one server there is nothing to fail over to.")
        elif params.rate >= params.capacity * (params.n_servers - 1) / params.n_servers:
            sentences.append(
                "The survivors cannot carry the load: latency climbs and full queues "
                "turn requests away."
            )
    return sentences, shapes
