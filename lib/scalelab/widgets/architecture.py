"""Explorer for the capstone (14-millions): build Shutterstall's design, drive its day, break a
component."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scalelab.architecture import FAILURE_KINDS, SLO, Failure, check_slos, simulate
from scalelab.product import capstone_slo, capstone_workload, shop_design
from scalelab.widgets import DASHES, PALETTE, Explorer, caption_html
from scalelab.widgets.controls import STYLE, checkbox, disable, dropdown, fmt_ms, slider

__all__ = ["explore_architecture"]

_SHOP = shop_design()
_WINDOWS = {"whole day": (0.0, 24 * 3600.0), "evening 19-21 h": (19 * 3600.0, 21 * 3600.0)}


def explore_architecture(
    n_servers: int = _SHOP.n_servers,
    failure: str = "datacenter",
    failure_hour: float = 20.0,
    n_cache_nodes: int = _SHOP.n_cache_nodes,
    n_replicas: int = _SHOP.n_replicas,
    n_workers: int = _SHOP.n_workers,
    cdn: bool = True,
    dns_ttl: float = _SHOP.dns_ttl,
    daily_users_m: float = 100.0,
    spike: float = 1.0,
    window: str = "whole day",
    seed: int = 2026,
) -> Explorer:
    """A day (one-minute buckets) of Shutterstall's design -> p99 latency, errors, data lost and
    cost, against the capstone's objectives (``scalelab.product.capstone_slo``).

    The design is ``scalelab.product.shop_design`` with the controls' fields changed (servers
    per data centre, cache nodes, replicas per shard, workers, the CDN, the DNS TTL); the day is
    ``scalelab.product.capstone_workload`` with ``daily_users_m`` million daily users (100: the
    product's day). The failure lasts an hour and hits data centre 1 (Europe) when it is a server
    or a whole data centre; ``spike`` multiplies traffic from 19:30 for 30 minutes. The window
    "evening 19-21 h" with the same seed replays the chapter's practice scenario exactly
    (``scalelab.architecture.Scenario.run``). An update takes about 25 ms of CPU on the
    product's day, about 45 ms when the static files' traffic changes (daily users, spike,
    seed, window: the CDN stage runs again instead of being remembered; the cache tier's
    warm-up curve over the 200,000 listings is always remembered; ``make bench``). Drawing
    three curves of 1,440 minutes takes the browser longer, so sliders update on release
    (``continuous_update=False``); arrow keys at once.
    """
    controls = {
        "n_servers": slider("Servers per DC", n_servers, 4, 100, continuous=False),
        "failure": dropdown("Break", ["none", *FAILURE_KINDS], failure),
        "failure_hour": slider("Failure at (h)", failure_hour, 0.0, 23.0, 0.5, continuous=False),
        "n_cache_nodes": slider("Cache nodes", n_cache_nodes, 0, 8, continuous=False),
        "n_replicas": slider("Replicas per shard", n_replicas, 0, 6, continuous=False),
        "n_workers": slider("Workers", n_workers, 10, 100, continuous=False),
        "cdn": checkbox("CDN for static files", cdn),
        "daily_users_m": slider(
            "Daily users (M)", daily_users_m, 20.0, 150.0, 10.0, continuous=False
        ),
        "dns_ttl": slider("DNS TTL (s)", dns_ttl, 0.0, 600.0, 10.0, continuous=False),
        "spike": slider("Spike × at 19:30", spike, 1.0, 2.0, 0.1, continuous=False),
        "window": dropdown("Window", list(_WINDOWS), window),
        "seed": widgets.IntText(value=seed, description="Seed (replay)", style=STYLE),
    }
    fig = _figure()
    slo = capstone_slo()

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        disable(
            ex.controls["failure_hour"],
            "nothing is broken: choose what to break first" if c["failure"] == "none" else None,
        )
        run, res, failures = _simulate(c, slo)
        hours = run.t / 3600.0
        ex.figure.data[0].x, ex.figure.data[0].y = hours, np.round(run.p99 * 1000, 3)
        ex.figure.data[1].x, ex.figure.data[1].y = hours, np.round(run.error_rate * 100, 5)
        ex.figure.data[2].x, ex.figure.data[2].y = hours, np.round(run.cost_per_hour, 4)
        met = [k for k, v in res.met.items() if v]
        broken = "nothing broken" if not failures else f"{c['failure']} broken for an hour"
        ex.caption.value = caption_html(
            f"{c['n_servers']} servers in each of 3 data centres, {broken}:",
            f"availability {res.availability:.3%} over the {c['window']},",
            f"worst p99 {fmt_ms(np.nanmax(run.p99))},",
            f"data lost {res.data_lost:,.0f} writes or jobs,",
            f"cost ${res.cost_per_hour:,.2f} an hour on average.",
            f"p99 within {fmt_ms(slo.p99_max)} in {res.p99_ok_share:.1%} of the minutes.",
            f"SLOs met: {', '.join(met) if met else 'none'} (the capstone's: at most "
            f"${slo.cost_max_hour:,.0f} an hour; seed {c['seed']}).",
        )
        return run

    return Explorer(
        title="Explore: build a design, drive a day, break a component",
        controls=controls,
        figure=fig,
        update=update,
    )


def _simulate(c: dict, slo: SLO):
    """The day the controls describe: (run, SLO check, failures)."""
    design = shop_design(
        n_servers=int(c["n_servers"]),
        n_cache_nodes=int(c["n_cache_nodes"]),
        n_replicas=int(c["n_replicas"]),
        n_workers=int(c["n_workers"]),
        cdn=bool(c["cdn"]),
        dns_ttl=float(c["dns_ttl"]),
    )
    workload = capstone_workload(
        daily_users=float(c["daily_users_m"]) * 1e6,
        spike_factor=float(c["spike"]),
        t_spike=19.5 * 3600.0,
        t_spike_len=1800.0,
    )
    t_start, t_end = _WINDOWS[c["window"]]
    failures = ()
    if c["failure"] != "none":
        t0 = float(c["failure_hour"]) * 3600.0
        failures = (Failure(c["failure"], t0, t0 + 3600.0, 1),)
    run = simulate(
        design,
        workload,
        failures,
        t_start=t_start,
        t_end=t_end,
        rng=np.random.default_rng(int(c["seed"])),
    )
    return run, check_slos(run, slo), failures


def _figure() -> go.Figure:
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=("p99 latency (ms)", "errors (% of requests)", "cost ($/h)"),
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

    return fig
