"""Explorer for a message queue between producers and consumers (11-message-queues)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from scalelab.queueing import (
    PRICE_PER_WORKER_HOUR,
    ArrivalProcess,
    simulate_consumers,
    target_utilisation_rule,
    workload_rates,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import checkbox, disable, slider

__all__ = ["explore_message_queue", "T_BUCKET", "T_BOOT", "N_MAX"]

T_BUCKET = 300.0
"""Bucket length of the explorer's day (s): 288 five-minute buckets."""
T_BOOT = 180.0
"""Seconds a new consumer takes to start (a container pulling its image and warming up)."""
N_MAX = 80
"""Most consumers the autoscaler may run."""
_DAY = 86_400.0


def _day_shape(seed: int) -> np.ndarray:
    """Relative traffic per bucket (mean about 1): a daily wave peaking at 20:00, with noise."""
    wave = ArrivalProcess("daily", rate_base=1000.0, peak_factor=1.8, t_peak=20 * 3600.0)
    return workload_rates(wave, _DAY, T_BUCKET, rng=np.random.default_rng(seed)) / 1000.0


def _workload(shape: np.ndarray, rate: float, burst: bool) -> np.ndarray:
    rates = shape * rate
    if burst:  # a flash sale: three times the traffic from 12:00 for half an hour
        t = np.arange(rates.size) * T_BUCKET
        rates = np.where((t >= 12 * 3600) & (t < 12.5 * 3600), rates * 3.0, rates)
    return rates


def _figure(hours) -> go.Figure:
    """Four stacked panels: rates, backlog, p95 wait and cost, one day."""
    zeros = hours * 0
    fig = go.Figure(
        data=[
            go.Scatter(
                x=hours,
                y=zeros,
                name="producers (messages/s)",
                line=dict(color=PALETTE[0], dash=DASHES[0], width=2),
            ),
            go.Scatter(
                x=hours,
                y=zeros,
                name="consumer capacity (messages/s)",
                line=dict(color=PALETTE[2], dash=DASHES[1], width=2, shape="hv"),
            ),
            go.Scatter(
                x=hours,
                y=zeros,
                name="backlog (messages)",
                yaxis="y2",
                line=dict(color=PALETTE[1], dash=DASHES[2], width=3),
            ),
            go.Scatter(
                x=hours,
                y=zeros,
                name="p95 wait (s)",
                yaxis="y3",
                line=dict(color=PALETTE[3], dash=DASHES[3], width=2),
            ),
            go.Scatter(
                x=hours,
                y=zeros,
                name="cost so far ($)",
                yaxis="y4",
                line=dict(color=PALETTE[4], dash=DASHES[4], width=2),
            ),
        ],
        layout=base_layout("A day of messages", "time of day (hours)", "messages/s"),
    )
    fig.update_layout(
        height=680,
        xaxis=dict(range=[0, 24], dtick=3, anchor="y4"),
        yaxis=dict(domain=[0.78, 1.0], title=dict(text="messages/s"), rangemode="tozero"),
        yaxis2=dict(domain=[0.53, 0.73], title=dict(text="backlog (messages)"), rangemode="tozero"),
        yaxis3=dict(domain=[0.27, 0.48], title=dict(text="p95 wait (s)"), rangemode="tozero"),
        yaxis4=dict(domain=[0.0, 0.22], title=dict(text="cost so far ($)"), rangemode="tozero"),
    )
    return fig


def explore_message_queue(
    rate: int = 40,
    t_service: float = 0.2,
    n_consumers: int = 16,
    autoscale: bool = False,
    rho_target: float = 0.7,
    burst: bool = True,
    seed: int = 2026,
) -> Explorer:
    """Producer rate (messages/s), service time (s, shown in ms), consumers and an autoscaling
    rule -> backlog, p95 wait and cost over one day (five-minute buckets)."""
    controls = {
        "rate": slider("Producer rate, daily mean (messages/s)", rate, 10, 200, 5),
        "t_service_ms": slider(
            "Service time per message (ms)", int(round(t_service * 1000)), 50, 1000, 50
        ),
        "n_consumers": slider("Consumers (minimum if autoscaling)", n_consumers, 1, N_MAX),
        "autoscale": checkbox("Autoscale consumers", autoscale),
        "rho_target": slider("Autoscaler's target utilisation", rho_target, 0.3, 0.95, 0.05),
        "burst": checkbox("Flash sale at 12:00 (3x traffic for 30 min)", burst),
    }
    shape = _day_shape(seed)
    hours = (np.arange(int(_DAY / T_BUCKET)) + 0.5) * T_BUCKET / 3600.0
    fig = _figure(hours)

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        disable(ex.controls["rho_target"], None if c["autoscale"] else "autoscaling is off")
        t_service = c["t_service_ms"] / 1000.0
        offered = _workload(shape, float(c["rate"]), c["burst"])
        if c["autoscale"]:
            rule = target_utilisation_rule(
                t_service, rho_target=c["rho_target"], n_min=c["n_consumers"], n_max=N_MAX
            )
            n_start = rule(0.0, c["n_consumers"], float(offered[0]))  # sized for midnight
        else:
            rule = n_start = c["n_consumers"]
        res = simulate_consumers(offered, T_BUCKET, t_service, rule, n_start=n_start, t_boot=T_BOOT)
        ex.figure.data[0].y = offered
        ex.figure.data[1].y = res.n_active / t_service
        ex.figure.data[2].y = res.backlog
        ex.figure.data[3].y = np.minimum(res.t_wait_p95, 1e7)
        ex.figure.data[4].y = res.cost
        worst = int(np.argmax(res.t_wait_p95))
        mode = (
            f"autoscaling between {c['n_consumers']} and {int(res.n_workers.max())} consumers "
            f"(target {c['rho_target']:.0%} busy, {T_BOOT:.0f} s to start one)"
            if c["autoscale"]
            else f"{c['n_consumers']} fixed consumers"
        )
        capacity = c["n_consumers"] / t_service
        ex.caption.value = caption_html(
            f"Producers send {offered.mean():.0f} messages/s on average and "
            f"{offered.max():.0f} at the busiest five minutes;",
            f"{mode} can take {capacity:.0f} messages/s"
            + (" at the minimum." if c["autoscale"] else "."),
            f"The backlog peaks at {res.max_backlog:,.0f} messages"
            + (
                f" and {res.backlog[-1]:,.0f} are still waiting at midnight;"
                if res.backlog[-1] >= 1
                else ";"
            ),
            f"the worst five minutes have a p95 wait of {_duration(res.t_wait_p95[worst])}"
            f" (at {_clock(hours[worst])}).",
            f"Consumers cost ${res.total_cost:,.2f} for the day "
            f"(${PRICE_PER_WORKER_HOUR:.2f} per worker-hour).",
        )
        return res

    return Explorer(
        title="Explore: producers, a queue and consumers over one day",
        controls=controls,
        figure=fig,
        update=update,
    )


def _clock(hours: float) -> str:
    minutes = int(round(hours * 60)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _duration(seconds: float) -> str:
    if not np.isfinite(seconds) or seconds > 86_400:
        return "more than a day"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.2f} s"
