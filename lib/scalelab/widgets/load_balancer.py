"""Explorer for a pool of servers behind a load balancer (02-scaling-out)."""

from __future__ import annotations

import math

import ipywidgets as widgets
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

__all__ = ["explore_load_balancer", "T_END", "T_KILL", "T_BACK"]

T_END = 60.0
"""Length of each run in the explorer (s)."""
T_KILL, T_BACK = 20.3, 40.3
"""When the "kill a server" toggle crashes server 1, and when it comes back (s)."""
_BUCKET = 2.0
_QUEUE_MAX = 50


def explore_load_balancer(
    traffic: int = 40,
    n_servers: int = 4,
    capacity: int = 20,
    policy: str = "round_robin",
    kill: bool = True,
    t_check: float = 5.0,
    seed: int = 2026,
) -> Explorer:
    """Traffic, servers, capacity, policy, a crash and the health-check interval -> latency
    percentiles (ms) and error rate (%) over one minute."""
    style = {"description_width": "initial"}
    controls = {
        "traffic": widgets.IntSlider(
            value=traffic,
            min=10,
            max=160,
            step=5,
            description="Traffic (requests/s)",
            continuous_update=False,
            style=style,
        ),
        "n_servers": widgets.IntSlider(
            value=n_servers,
            min=1,
            max=8,
            description="Servers",
            continuous_update=False,
            style=style,
        ),
        "capacity": widgets.IntSlider(
            value=capacity,
            min=5,
            max=50,
            step=5,
            description="Capacity per server (requests/s)",
            continuous_update=False,
            style=style,
        ),
        "policy": widgets.Dropdown(
            options=[(name.replace("_", " "), name) for name in POLICIES[:4]],
            value=policy,
            description="Policy",
            style=style,
        ),
        "kill": widgets.Checkbox(
            value=kill,
            description=f"Kill server 1 at {T_KILL:g} s (back at {T_BACK:g} s)",
            indent=False,
        ),
        "t_check": widgets.FloatSlider(
            value=t_check,
            min=0.5,
            max=15.0,
            step=0.5,
            description="Health check every (s)",
            continuous_update=False,
            style=style,
        ),
    }
    n_buckets = int(T_END / _BUCKET)
    t_mid = (np.arange(n_buckets) + 0.5) * _BUCKET
    fig = go.FigureWidget(
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
            yaxis=dict(title=dict(text="latency (ms, log scale)"), type="log"),
            yaxis2=dict(
                title=dict(text="requests failed or turned away (%)"),
                overlaying="y",
                side="right",
                range=[0, 100],
                showgrid=False,
            ),
            margin=dict(l=60, r=60, t=50, b=50),
        ),
    )

    def update(ex: Explorer) -> None:
        c = {k: w.value for k, w in ex.controls.items()}
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
        ex.figure.layout.shapes = shapes
        top = np.nanmax(tl.t_p99) * 1000 if np.isfinite(tl.t_p99).any() else 1000.0
        ex.figure.layout.yaxis.range = [
            math.log10(max(1.0, np.nanmin(tl.t_p50) * 1000 / 2)),
            math.log10(max(top * 1.5, 10.0)),
        ]
        ex.caption.value = caption_html(*sentences)

    return Explorer(
        title="Explore: a pool of servers behind a load balancer",
        controls=controls,
        figure=fig,
        update=update,
    )
