"""Explorer for the stateless web tier (09-stateless-web): where sessions live, what is lost."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from scalelab.sessions import SessionParams, SessionRun, simulate_sessions
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import checkbox, disable, dropdown, slider

__all__ = ["MODE_CHOICES", "explore_sessions", "describe_run"]

MODE_CHOICES = {
    "sticky-cookie": ("Sticky sessions (cookie)", dict(mode="sticky", routing="cookie")),
    "sticky-hash": ("Sticky sessions (hash mod n)", dict(mode="sticky", routing="hash")),
    "store": ("Stateless + shared session store", dict(mode="store")),
    "token": ("Stateless + signed tokens", dict(mode="token")),
}
"""Control value -> (label, SessionParams fields)."""

_SERVER_COLOURS = [PALETTE[0], PALETTE[5], PALETTE[2], "#7F9FBF", "#6BAF92", "#004C7A"]
N_TRACES = 16  # server lines drawn at most (12 from the autoscaler plus replacements)
T_KILL, T_STORE_DOWN, T_STORE_UP = 200.0, 300.0, 360.0


def describe_run(run: SessionRun, label: str) -> list[str]:
    """The caption's sentences for one run: losses by cause, imbalance, errors, latency."""
    p = run.params
    by = run.lost_by_kind()
    parts = [f"{label}, {p.n_servers} servers at the start."]
    causes = []
    if any(e.kind == "kill" for e in run.events):
        causes.append(f"the server killed at {T_KILL:.0f} s logged out {by['kill']:,} users")
    n_in = sum(1 for e in run.events if e.kind == "scale-in")
    n_out = sum(1 for e in run.events if e.kind == "scale-out")
    if n_in or n_out:
        causes.append(
            f"{n_out} scale-outs and {n_in} scale-ins logged out "
            f"{by['scale-in'] + by['scale-out']:,}"
        )
    if by["store-wipe"]:
        causes.append(f"the session store came back empty and logged out {by['store-wipe']:,}")
    if causes:
        parts.append("; ".join(causes).capitalize() + ".")
    parts.append(
        f"Sessions lost in all: {run.n_lost:,}, or {run.n_lost / p.n_users:.2f} logouts per "
        f"user (of {p.n_users:,})."
    )
    parts.append(
        f"Busiest server at worst {run.peak_imbalance:.2f}× the mean load; "
        f"{run.error_ratio:.1%} of requests failed;"
    )
    latency_ms = float(np.nanmean(run.latency)) * 1000
    extra = {
        "sticky": "no session lookup",
        "store": f"each request waits {run.t_added * 1000:.1f} ms for the store",
        "token": f"a signature check adds {run.t_added * 1e6:.0f} µs, and a revoked token "
        f"stays valid up to {run.t_revocation_window / 60:.0f} min",
    }[p.mode]
    parts.append(f"mean latency {latency_ms:.0f} ms ({extra}).")
    return parts


def _figure() -> go.Figure:
    """Two stacked panels sharing one time axis, laid out by hand (make_subplots is slow)."""
    server_lines = [
        go.Scatter(
            x=[],
            y=[],
            name="servers (one line each)" if k == 0 else f"server {k}",
            legendgroup="servers",
            showlegend=k == 0,
            mode="lines",
            # Blues and greens only: vermilion and black belong to the lines in the legend.
            line=dict(
                color=_SERVER_COLOURS[k % len(_SERVER_COLOURS)],
                dash=DASHES[(k // len(_SERVER_COLOURS)) % len(DASHES)],
                width=1.5,
            ),
        )
        for k in range(N_TRACES)
    ]
    failed = go.Scatter(
        x=[], y=[], name="failed requests/s", line=dict(color=PALETTE[7], dash="dot", width=3)
    )
    logged_out = go.Scatter(
        x=[],
        y=[],
        name="users logged out (cumulative)",
        yaxis="y2",
        line=dict(color=PALETTE[3], dash="solid", width=3, shape="hv"),
    )
    layout = base_layout("Requests per server (one line each) and users logged out", "time (s)", "")
    layout.update(
        height=520,
        xaxis=dict(title=dict(text="time (s)"), anchor="y2"),
        yaxis=dict(
            title=dict(text="requests/s per server"), domain=[0.42, 1.0], rangemode="tozero"
        ),
        yaxis2=dict(title=dict(text="users logged out"), domain=[0.0, 0.3], rangemode="tozero"),
    )
    return go.Figure(data=[*server_lines, failed, logged_out], layout=layout)


def explore_sessions(
    n_servers: int = 4,
    mode: str = "sticky-cookie",
    autoscale: bool = False,
    kill: bool = True,
    store_outage: bool = False,
    seed: int = 2026,
) -> Explorer:
    """Servers, mode, autoscaling, a server killed, the store down -> load per server over time
    (requests/s) and users logged out."""
    controls = {
        "n_servers": slider("Servers at start", n_servers, 2, 12),
        "mode": dropdown(
            "Where sessions live", [(label, key) for key, (label, _) in MODE_CHOICES.items()], mode
        ),
        "autoscale": checkbox("Autoscaling", autoscale),
        "kill": checkbox(f"Kill a server at {T_KILL:.0f} s", kill),
        "store_outage": checkbox(
            f"Session store down {T_STORE_DOWN:.0f}-{T_STORE_UP:.0f} s", store_outage
        ),
    }
    figure = _figure()

    def update(ex: Explorer) -> SessionRun:
        c = {k: w.value for k, w in ex.controls.items()}
        label, fields = MODE_CHOICES[c["mode"]]
        disable(
            ex.controls["store_outage"],
            None if fields["mode"] == "store" else "only the shared-store mode has a session store",
        )
        params = SessionParams(
            n_servers=c["n_servers"],
            autoscale=c["autoscale"],
            kills=((T_KILL, 0),) if c["kill"] else (),
            t_store_down=T_STORE_DOWN if c["store_outage"] else None,
            t_store_up=T_STORE_UP if c["store_outage"] else None,
            peak_factor=2.0,
            t_session=900.0,
            **fields,
        )
        run = simulate_sessions(params, rng=np.random.default_rng(seed))
        t = run.t + params.t_bucket / 2
        for k in range(N_TRACES):
            trace = ex.figure.data[k]
            if k < run.load.shape[1]:
                trace.x = t
                trace.y = np.where(run.live[:, k], run.load[:, k], np.nan)
                trace.visible = True
            else:
                trace.x, trace.y, trace.visible = [], [], False
        ex.figure.data[N_TRACES].x = t
        ex.figure.data[N_TRACES].y = run.n_errors / params.t_bucket
        ex.figure.data[N_TRACES + 1].x = run.t
        ex.figure.data[N_TRACES + 1].y = np.cumsum(run.lost)
        ex.caption.value = caption_html(*describe_run(run, label))
        ex.run = run  # the name earlier releases used; ex.result is the same run
        return run

    return Explorer(
        title="Explore: sticky sessions, a shared store or signed tokens",
        controls=controls,
        figure=figure,
        update=update,
    )
