"""Explorer for the capstone (11-millions): build a design, drive a day, break a component."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scalelab.architecture import FAILURE_KINDS, Design, Failure, Workload, check_slos, simulate
from scalelab.architecture import SLO as _SLO
from scalelab.widgets import DASHES, PALETTE, Explorer, caption_html

__all__ = ["explore_architecture"]

_STYLE = {"description_width": "initial"}


def explore_architecture(
    n_servers: int = 16,
    failure: str = "datacenter",
    failure_hour: int = 20,
    n_cache_nodes: int = 4,
    n_replicas: int = 2,
    cdn: bool = True,
    daily_users_m: float = 30.0,
    seed: int = 2026,
) -> Explorer:
    """A day (one-minute buckets) of the design -> p99 latency, errors, data lost and cost.

    A day takes about a third of a second to simulate, so sliders update on release
    (``continuous_update=False``); arrow keys update at once.
    """
    controls = {
        "n_servers": widgets.IntSlider(
            value=n_servers,
            min=4,
            max=40,
            description="Servers per DC",
            continuous_update=False,
            style=_STYLE,
        ),
        "failure": widgets.Dropdown(
            options=["none", *FAILURE_KINDS], value=failure, description="Break", style=_STYLE
        ),
        "failure_hour": widgets.IntSlider(
            value=failure_hour,
            min=0,
            max=23,
            description="Failure at (h)",
            continuous_update=False,
            style=_STYLE,
        ),
        "n_cache_nodes": widgets.IntSlider(
            value=n_cache_nodes,
            min=0,
            max=8,
            description="Cache nodes",
            continuous_update=False,
            style=_STYLE,
        ),
        "n_replicas": widgets.IntSlider(
            value=n_replicas,
            min=0,
            max=3,
            description="Replicas per shard",
            continuous_update=False,
            style=_STYLE,
        ),
        "cdn": widgets.Checkbox(value=cdn, description="CDN for static files"),
        "daily_users_m": widgets.FloatSlider(
            value=daily_users_m,
            min=5.0,
            max=60.0,
            step=5.0,
            description="Daily users (M)",
            continuous_update=False,
            style=_STYLE,
        ),
        "seed": widgets.IntText(value=seed, description="Seed (replay)", style=_STYLE),
    }
    fig = go.FigureWidget(
        make_subplots(
            rows=3,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.06,
            subplot_titles=("p99 latency (ms)", "errors (% of requests)", "cost ($/h)"),
        )
    )
    for row, name in enumerate(("p99 latency", "error rate", "cost per hour")):
        fig.add_trace(
            go.Scatter(
                x=[0.0],
                y=[0.0],
                name=name,
                line=dict(color=PALETTE[row], dash=DASHES[row], width=2),
            ),
            row=row + 1,
            col=1,
        )
    fig.update_layout(
        template="plotly_white",
        height=560,
        title=dict(text="A day of the design", x=0.02),
        margin=dict(l=60, r=20, t=70, b=50),
        showlegend=False,
    )
    fig.update_yaxes(title_text="ms", row=1, col=1)
    fig.update_yaxes(title_text="%", row=2, col=1)
    fig.update_yaxes(title_text="$/h", row=3, col=1)
    fig.update_xaxes(title_text="time of day (hours)", row=3, col=1)

    def update(ex: Explorer) -> None:
        c = {k: w.value for k, w in ex.controls.items()}
        design = Design(
            n_servers=int(c["n_servers"]),
            n_cache_nodes=int(c["n_cache_nodes"]),
            n_replicas=int(c["n_replicas"]),
            cdn=bool(c["cdn"]),
        )
        workload = Workload(daily_users=float(c["daily_users_m"]) * 1e6)
        failures = ()
        if c["failure"] != "none":
            t0 = float(c["failure_hour"]) * 3600.0
            failures = (Failure(c["failure"], t0, t0 + 3600.0, 1),)
        run = simulate(design, workload, failures, rng=np.random.default_rng(int(c["seed"])))
        hours = run.t / 3600.0
        ex.figure.data[0].x, ex.figure.data[0].y = hours, np.round(run.p99 * 1000, 3)
        ex.figure.data[1].x, ex.figure.data[1].y = hours, np.round(run.error_rate * 100, 5)
        ex.figure.data[2].x, ex.figure.data[2].y = hours, np.round(run.cost_per_hour, 4)
        res = check_slos(run, _SLO())
        met = [k for k, v in res.met.items() if v]
        broken = "nothing broken" if not failures else f"{c['failure']} broken for an hour"
        ex.caption.value = caption_html(
            f"{c['n_servers']} servers in each of 3 data centres, {broken}:",
            f"availability {res.availability:.3%} over the day,",
            f"worst p99 {np.nanmax(run.p99) * 1000:.0f} ms,",
            f"data lost {res.data_lost:,.0f} writes or jobs,",
            f"cost ${res.cost_per_hour:,.2f} an hour on average.",
            f"SLOs met: {', '.join(met) if met else 'none'} (seed {c['seed']}).",
        )

    return Explorer(
        title="Explore: build a design, drive a day, break a component",
        controls=controls,
        figure=fig,
        update=update,
    )
