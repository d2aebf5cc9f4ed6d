"""Explorer for overload: a spike, retrying clients and the defences (12-overload)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from scalelab.overload import (
    JITTERS,
    ClientPolicy,
    Server,
    Spike,
    simulate_overload,
    summarize_drill,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import checkbox, disable, dropdown, slider

__all__ = ["explore_overload", "RATE_CAPACITY", "RATE_BASE", "T_STEP"]

RATE_CAPACITY = 1000.0
"""Requests/s the explorer's server completes when busy (mean service 50 ms)."""
RATE_BASE = 800.0
"""New requests/s outside the spike: the server runs 80 % busy (the vulnerable state)."""
T_STEP = 0.2
"""Step of the explorer's fluid model (s); the chapter's drill uses 0.1 s."""
_T_END = 180.0
_T_SPIKE_START = 20.0


def _controls(
    spike_factor,
    t_spike,
    t_timeout,
    n_retries,
    t_backoff_base,
    jitter,
    budget,
    p_retry_budget,
    shed,
    t_shed,
    discipline,
    breaker,
) -> dict:
    return {
        "spike_factor": slider(
            "Spike size (x normal load)", spike_factor, 1.0, 4.0, 0.1, continuous=False
        ),
        "t_spike": slider("Spike length (s)", int(t_spike), 0, 60, 1, continuous=False),
        "timeout_ms": slider(
            "Client timeout (ms)", int(t_timeout * 1000), 200, 5000, 100, continuous=False
        ),
        "n_retries": slider("Retries per request", n_retries, 0, 5, 1, continuous=False),
        "backoff_ms": slider(
            "First backoff (ms; doubles, cap 16x)",
            int(t_backoff_base * 1000),
            50,
            2000,
            50,
            continuous=False,
        ),
        "jitter": dropdown("Backoff jitter", list(JITTERS), jitter),
        "budget": checkbox("Retry budget", budget),
        "p_retry_budget": slider(
            "Budget (retries as % of requests)",
            int(round(p_retry_budget * 100)),
            5,
            100,
            5,
            continuous=False,
        ),
        "shed": checkbox("Load shedding", shed),
        "shed_ms": slider(
            "Shed above queued work of (ms)", int(t_shed * 1000), 100, 3000, 100, continuous=False
        ),
        "discipline": dropdown(
            "Queue discipline",
            [("FIFO", "fifo"), ("LIFO", "lifo"), ("CoDel-like delay target", "codel")],
            discipline,
        ),
        "breaker": checkbox("Client circuit breaker", breaker),
    }


def _figure() -> go.Figure:
    t = np.arange(int(_T_END / T_STEP)) * T_STEP
    zeros = t * 0
    traces = [
        ("new requests (requests/s)", "y", 0, 2),
        ("offered incl. retries (requests/s)", "y", 1, 2),
        ("goodput (requests/s)", "y", 2, 3),
        ("queue (requests)", "y2", 3, 2),
        ("p99 response (ms)", "y3", 4, 2),
        ("client timeout (ms)", "y3", 5, 1),
    ]
    data = [
        go.Scatter(
            x=t,
            y=zeros,
            name=name,
            yaxis=axis,
            line=dict(color=PALETTE[k], dash=DASHES[k % len(DASHES)], width=w),
        )
        for name, axis, k, w in traces
    ]
    fig = go.Figure(
        data=data,
        layout=base_layout(
            "A spike, and what the clients' retries do after it", "time (s)", "requests/s"
        ),
    )
    fig.update_layout(
        height=640,
        margin=dict(l=70, r=20, t=50, b=110),
        xaxis=dict(range=[0, _T_END], anchor="y3"),
        yaxis=dict(domain=[0.62, 1.0], title=dict(text="requests/s"), rangemode="tozero"),
        yaxis2=dict(domain=[0.33, 0.57], title=dict(text="queue (requests)"), rangemode="tozero"),
        yaxis3=dict(domain=[0.0, 0.28], title=dict(text="p99 (ms)"), type="log"),
        legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0.0),
        shapes=[
            dict(
                type="rect",
                xref="x",
                yref="paper",
                x0=20,
                x1=30,
                y0=0,
                y1=1,
                fillcolor="rgba(128,128,128,0.15)",
                line=dict(width=0),
                layer="below",
            )
        ],
    )
    return fig


def _model(c: dict) -> tuple:
    load = Spike(
        rate_base=RATE_BASE,
        rate_spike=RATE_BASE * c["spike_factor"],
        t_spike_start=_T_SPIKE_START,
        t_spike=float(c["t_spike"]),
        t_end=_T_END,
    )
    server = Server(
        rate_capacity=RATE_CAPACITY,
        t_service=0.05,
        discipline=c["discipline"],
        t_shed=c["shed_ms"] / 1000 if c["shed"] else None,
    )
    base = c["backoff_ms"] / 1000
    policy = ClientPolicy(
        t_timeout=c["timeout_ms"] / 1000,
        n_retries=c["n_retries"],
        t_backoff_base=base,
        t_backoff_cap=16 * base,
        jitter=c["jitter"],
        p_retry_budget=c["p_retry_budget"] / 100 if c["budget"] else None,
        breaker=c["breaker"],
    )
    return load, server, policy


def explore_overload(
    spike_factor: float = 2.5,
    t_spike: float = 10.0,
    t_timeout: float = 1.0,
    n_retries: int = 3,
    t_backoff_base: float = 0.1,
    jitter: str = "full",
    budget: bool = False,
    p_retry_budget: float = 0.1,
    shed: bool = False,
    t_shed: float = 0.5,
    discipline: str = "fifo",
    breaker: bool = False,
) -> Explorer:
    """Spike, timeout (s), retries and backoff (s), retry budget, shedding (s), discipline and
    a breaker -> offered load, goodput, queue and p99 over three minutes (a fluid model)."""
    controls = _controls(
        spike_factor,
        t_spike,
        t_timeout,
        n_retries,
        t_backoff_base,
        jitter,
        budget,
        p_retry_budget,
        shed,
        t_shed,
        discipline,
        breaker,
    )

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        no_retries = "clients do not retry" if c["n_retries"] == 0 else None
        for name in ("backoff_ms", "jitter", "budget"):
            disable(ex.controls[name], no_retries)
        disable(ex.controls["p_retry_budget"], no_retries or (None if c["budget"] else "no budget"))
        disable(ex.controls["shed_ms"], None if c["shed"] else "load shedding is off")
        load, server, policy = _model(c)
        res = simulate_overload(load, server, policy, t_step=T_STEP)
        p99_ms = np.where(np.isfinite(res.t_p99), res.t_p99 * 1000, None)
        for k, y in enumerate(
            [
                res.rate_demand,
                res.rate_offered,
                res.rate_goodput,
                res.n_queue,
                p99_ms,
                np.full(res.t.size, c["timeout_ms"]),
            ]
        ):
            ex.figure.data[k].y = y
        ex.figure.layout.shapes[0].x1 = _T_SPIKE_START + max(c["t_spike"], 0.2)
        ex.caption.value = caption_html(*_caption(res, load, c))
        return res

    return Explorer(
        title="Explore: a spike, retries and the defences",
        controls=controls,
        figure=_figure(),
        update=update,
    )


def _caption(res, load: Spike, c: dict) -> list[str]:
    s = summarize_drill(res, load)
    end = load.t_spike_start + load.t_spike
    after = res.t >= end + 30
    p99 = np.nanmedian(res.t_p99[after]) * 1000 if np.isfinite(res.t_p99[after]).any() else math.nan
    if math.isinf(s.t_recover):
        recovery = "goodput has not recovered by the end (a metastable failure)"
    else:
        recovery = f"goodput is back to 95 % of demand {s.t_recover:.0f} s after the spike"
    return [
        f"Clients send {load.rate_base:.0f} requests/s to a server that completes "
        f"{RATE_CAPACITY:.0f}/s, then {load.rate_spike:.0f}/s for {load.t_spike:.0f} s.",
        f"Goodput: {s.rate_goodput_before:.0f}/s before, {s.rate_goodput_during:.0f}/s during "
        f"and {s.rate_goodput_after:.0f}/s in the last 30 s; {recovery}.",
        f"Offered load peaks at {s.rate_offered_peak:.0f} requests/s; "
        f"{s.p_success:.0%} of requests from the spike on succeed within "
        f"{c['timeout_ms']} ms;",
        f"p99 response 30 s after the spike: {p99:,.0f} ms."
        if math.isfinite(p99)
        else "nothing is served 30 s after the spike.",
    ]
