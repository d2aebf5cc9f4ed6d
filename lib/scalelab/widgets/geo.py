"""Explorer for several data centres: take one down and watch GeoDNS move its users (10)."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scalelab.geo import (
    DEFAULT_USERS_M,
    REGIONS,
    FailoverParams,
    failover_summary,
    make_world,
    simulate_failover,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, caption_html
from scalelab.widgets.controls import disable, dropdown, slider

__all__ = ["explore_failover", "T_FAIL", "T_RECOVER", "T_END", "T_STICKY"]

T_FAIL, T_RECOVER, T_END = 60.0, 600.0, 900.0
"""The drill's clock (s): the DC fails at ``T_FAIL``, returns at ``T_RECOVER``; the run ends at
``T_END``."""
T_STICKY = 900.0
"""How long (s) clients that ignore the TTL keep an answer (Flavel et al. 2014 saw some still
on a 20 s-TTL answer after 15 minutes)."""

_DC_REGIONS = ("na-east", "europe", "asia")
_BLACK = PALETTE[7]


def _controls(t_ttl: float, dc_down: str, rate_capacity: float, dc_names: list[str]) -> dict:
    controls = {
        "t_ttl": slider("DNS TTL (s)", t_ttl, 0, 600, 10, continuous=False),
        "p_sticky": slider(
            "Clients ignoring the TTL (%)",
            0.0,
            0.0,
            10.0,
            0.5,
            continuous=False,
            readout_format=".1f",
        ),
        "dc_down": dropdown("Data centre down", ["none", *dc_names], dc_down),
        "policy": dropdown(
            "GeoDNS routing",
            [("nearest healthy", "nearest"), ("capacity-aware", "capacity")],
            "nearest",
        ),
        "capacity": slider(
            "Capacity per DC (requests/s)", rate_capacity, 2_000, 16_000, 500, continuous=False
        ),
    }
    for r in REGIONS:
        controls[f"users_{r}"] = slider(
            f"Users in {r} (M)", DEFAULT_USERS_M[r], 0.0, 40.0, 1.0, continuous=False
        )
    return controls


def _figure(dc_names: list[str], rate_capacity: float) -> go.Figure:
    """Traffic per DC (top), round trips per region (middle), the region × DC heatmap (bottom)."""
    fig = make_subplots(
        rows=3,
        cols=1,
        row_heights=[0.36, 0.3, 0.34],
        vertical_spacing=0.1,
        subplot_titles=(
            "Traffic arriving at each data centre",
            "Round-trip time of each region's successful requests",
            "Share of each region's traffic during the outage (and its round trip)",
        ),
    )
    t = np.arange(0, T_END, 1.0)
    for d, name in enumerate(dc_names):
        fig.add_trace(
            go.Scatter(
                x=t,
                y=t * 0,
                name=name,
                legendgroup="dc",
                legendgrouptitle_text="traffic (top)" if d == 0 else None,
                line=dict(color=PALETTE[d], dash=DASHES[d], width=2.5),
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=t,
            y=t * 0,
            name="failed or dropped",
            legendgroup="dc",
            line=dict(color=_BLACK, dash="dot", width=2),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Heatmap(
            z=np.zeros((len(REGIONS), len(dc_names))),
            x=dc_names,
            y=list(REGIONS),
            zmin=0,
            zmax=100,
            colorscale="Cividis",
            texttemplate="%{text}",
            textfont=dict(size=13),
            text=[[""] * len(dc_names)] * len(REGIONS),
            colorbar=dict(title=dict(text="% of traffic"), len=0.3, y=0.0, yanchor="bottom"),
            showscale=True,
            hovertemplate="%{y} → %{x}: %{z:.0f}% of traffic<extra></extra>",
            name="share of traffic",
            showlegend=False,
        ),
        row=3,
        col=1,
    )
    for i, r in enumerate(REGIONS):
        fig.add_trace(
            go.Scatter(
                x=t,
                y=t * 0,
                name=r,
                legendgroup="rtt",
                legendgrouptitle_text="round trip (middle)" if i == 0 else None,
                line=dict(color=PALETTE[i % len(PALETTE)], dash=DASHES[i % len(DASHES)]),
            ),
            row=2,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=[0.0, T_END],
            y=[rate_capacity, rate_capacity],
            name="capacity per DC",
            legendgroup="dc",
            mode="lines",
            line=dict(color="grey", dash="longdash", width=1.5),
        ),
        row=1,
        col=1,
    )
    _dress(fig)
    return fig


def _dress(fig: go.Figure) -> None:
    """The drill's marks (fails, returns), axis titles and the page layout."""
    for x, label in ((T_FAIL, "fails"), (T_RECOVER, "returns")):
        for row in (1, 2):
            fig.add_vline(x=x, line=dict(color="grey", dash="dot", width=1), row=row, col=1)
        fig.add_annotation(
            x=x, y=1.0, yref="y domain", text=label, showarrow=False, row=1, col=1, yshift=8
        )
    fig.update_xaxes(title_text="time (s)", row=1, col=1)
    fig.update_yaxes(title_text="requests/s", row=1, col=1, rangemode="tozero")
    fig.update_xaxes(title_text="data centre", type="category", row=3, col=1)
    fig.update_yaxes(title_text="user region", type="category", row=3, col=1, autorange="reversed")
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    fig.update_yaxes(title_text="round trip (ms)", row=2, col=1, rangemode="tozero")
    fig.update_layout(
        template="plotly_white",
        height=980,
        margin=dict(l=60, r=20, t=70, b=50),
        title=dict(text="Failure drill: one data centre goes down at 60 s", x=0.02),
        legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02),
    )


def explore_failover(
    t_ttl: int = 60, dc_down: str = "dc-europe", rate_capacity: int = 8_000
) -> Explorer:
    """DNS TTL, the DC that fails, routing, capacity (requests/s per DC) and users per region ->
    traffic per DC, failed requests and RTT by region over a 15-minute drill, plus a region × DC
    heatmap."""
    dc_names = [f"dc-{r}" for r in _DC_REGIONS]
    controls = _controls(t_ttl, dc_down, rate_capacity, dc_names)
    figure = _figure(dc_names, rate_capacity)
    n_dc = len(dc_names)
    i_failed, i_heat, i_rtt = n_dc, n_dc + 1, n_dc + 2
    i_cap = i_rtt + len(REGIONS)

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        users = {r: float(c[f"users_{r}"]) for r in REGIONS}
        world = make_world(users, _DC_REGIONS, float(c["capacity"]))
        dc = -1 if c["dc_down"] == "none" else dc_names.index(c["dc_down"])
        params = FailoverParams(
            dc=dc,
            t_fail=T_FAIL,
            t_recover=T_RECOVER,
            t_ttl=float(c["t_ttl"]),
            t_end=T_END,
            policy=c["policy"],
            p_sticky=float(c["p_sticky"]) / 100,
            t_sticky=T_STICKY,
        )
        out = simulate_failover(world, params)
        # With no DC ever over capacity the capacity-aware router routes as the nearest one does
        # (checked against the model in tests); only then is the second run needed to be sure.
        same = params.policy == "nearest" and (
            bool((out.rate_load <= float(c["capacity"])).all())
            or np.allclose(
                simulate_failover(world, replace(params, policy="capacity")).rate_load,
                out.rate_load,
            )
        )
        disable(
            ex.controls["policy"],
            "no data centre goes over its capacity: both routings send every user to the same DC"
            if same
            else None,
        )
        fig = ex.figure
        for d in range(n_dc):
            fig.data[d].y = out.rate_load[:, d]
        fig.data[i_failed].y = out.rate_failed
        outage = (out.t >= T_FAIL) & (out.t < T_RECOVER)
        share = out.share[outage].mean(axis=0) * 100  # regions × DCs, %
        rtt = world.rtt * 1000  # ms, for display
        fig.data[i_heat].z = share
        fig.data[i_heat].text = [
            [f"{share[i, d]:.0f}% · {rtt[i, d]:.0f} ms" for d in range(n_dc)]
            for i in range(len(REGIONS))
        ]
        for i in range(len(REGIONS)):
            fig.data[i_rtt + i].y = out.t_rtt_region[:, i] * 1000  # ms
        cap = float(c["capacity"])
        fig.data[i_cap].y = [cap, cap]
        alive = np.ones_like(out.rate_load, dtype=bool)
        if dc >= 0:
            alive[outage, dc] = False
        peak = np.where(alive, out.rate_load, 0.0).max(axis=0)  # while each DC is up
        over = [f"{dc_names[d]} peaks at {peak[d]:,.0f}" for d in range(n_dc) if peak[d] > cap]
        _write_caption(ex, c, dc_names, dc, world, params, out, outage, over, cap)
        return out

    return Explorer(
        title="Explore: take a data centre down", controls=controls, figure=figure, update=update
    )


def _write_caption(ex, c, dc_names, dc, world, params, out, outage, over, cap) -> None:
    """The drill in words: who failed, how fast traffic moved, what was lost, who suffered."""
    if dc < 0:
        ex.caption.value = caption_html(
            "No data centre fails: every region uses its nearest DC;",
            f"mean round trip {np.nanmean(out.t_rtt_mean) * 1000:.0f} ms;",
            (
                f"{', '.join(over)} requests/s, above the {cap:,.0f} requests/s capacity, "
                f"so {out.rate_dropped.sum():,.0f} requests are dropped."
                if over
                else "no DC is above its capacity."
            ),
        )
        return
    s = failover_summary(world, params, out)
    name = dc_names[dc]
    before = out.rate_load[0, dc]
    moved = (
        f"all of it has moved {s.t_all_moved:.0f} s after the failure"
        if not math.isnan(s.t_all_moved)
        else "some of it never moves before the DC returns"
    )
    back = (
        f"After it returns at {T_RECOVER:.0f} s its traffic is back within {s.t_back:.0f} s."
        if not math.isnan(s.t_back)
        else f"After it returns at {T_RECOVER:.0f} s its users drift back as caches expire."
    )
    pre = out.t_rtt_region[0] * 1000  # ms
    with warnings.catch_warnings():
        # a region with no users has no round trip (NaN) in any bucket: not "hit hardest"
        warnings.simplefilter("ignore", RuntimeWarning)
        during = np.nanmax(out.t_rtt_region[outage], axis=0) * 1000
    worst = int(np.argmax(np.nan_to_num(during - pre, nan=-np.inf)))
    ex.caption.value = caption_html(
        f"{name} fails at {T_FAIL:.0f} s carrying {before:,.0f} requests/s.",
        f"Health checks mark it down after {s.t_detected:.0f} s; with a DNS TTL of "
        f"{c['t_ttl']} s, half its traffic has moved after {s.t_half_moved:.0f} s and "
        f"{moved}.",
        (
            f"{c['p_sticky']:g} % of clients ignore the TTL and keep the old answer for "
            f"{T_STICKY / 60:.0f} minutes."
            if c["p_sticky"] > 0
            else "Every client obeys the TTL."
        ),
        f"{s.failed_requests:,.0f} requests went to the dead DC.",
        (
            f"{', '.join(over)} requests/s, above the {cap:,.0f} requests/s capacity: "
            f"{s.dropped_requests:,.0f} requests dropped."
            if over
            else "No DC goes above its capacity."
        ),
        f"Users in {REGIONS[worst]} are hit hardest: their round trip goes from "
        f"{pre[worst]:.0f} ms to up to {during[worst]:.0f} ms.",
        back,
    )
