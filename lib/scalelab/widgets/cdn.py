"""Explorer for CDNs (08-cdn): TTL, shield, an outage and a failover strategy over two hours."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from scalelab.cdn import CDN, REGIONS, Outage, cdn_buckets, summarise
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import STYLE, disable, dropdown, slider, toggle

__all__ = ["explore_cdn"]

_STRATEGY_LABELS = [
    ("do nothing", "none"),
    ("fail over to origin", "origin"),
    ("second CDN", "multi-cdn"),
    ("redundant edges", "redundant"),
]
_STRATEGY_TEXT = {
    "none": "no failover",
    "origin": "failover to the origin",
    "multi-cdn": "failover to a second CDN",
    "redundant": "rerouting to healthy edges",
}


def _figure(minutes) -> go.Figure:
    """Origin load (top) and user latency (bottom), minute by minute."""
    fig = go.Figure(
        data=[
            go.Scatter(
                x=minutes,
                y=minutes * 0,
                name="offered to the origin",
                line=dict(color=PALETTE[0], dash=DASHES[0], width=3),
            ),
            go.Scatter(
                x=[0, minutes[-1]],
                y=[0, 0],
                name="origin capacity",
                line=dict(color=PALETTE[7], dash=DASHES[1]),
            ),
            go.Scatter(
                x=minutes,
                y=minutes * 0,
                name="failed requests",
                line=dict(color=PALETTE[3], dash=DASHES[2], width=2),
            ),
            go.Scatter(
                x=minutes,
                y=minutes * 0,
                name="median latency, all users",
                line=dict(color=PALETTE[2], dash=DASHES[0]),
                xaxis="x2",
                yaxis="y2",
            ),
            go.Scatter(
                x=minutes,
                y=minutes * 0,
                name="p99 latency, all users",
                line=dict(color=PALETTE[1], dash=DASHES[3]),
                xaxis="x2",
                yaxis="y2",
            ),
        ],
        layout=base_layout(
            "Origin load (top) and user latency (bottom) through a CDN outage",
            "",
            "requests/s",
            height=520,
            xaxis=dict(domain=[0, 1], anchor="y", showticklabels=False, matches="x2"),
            yaxis=dict(domain=[0.55, 1], title=dict(text="requests/s")),
            xaxis2=dict(domain=[0, 1], anchor="y2", title=dict(text="time (minutes)")),
            yaxis2=dict(domain=[0, 0.45], type="log", title=dict(text="latency (ms, log scale)")),
        ),
    )
    return fig


def explore_cdn(
    t_ttl: float = 10**2.5,
    shield: bool = False,
    outage_minutes: tuple[int, int] = (30, 60),
    scope: str = "all",
    strategy: str = "origin",
    p_second: float = 0.0,
    p_local: float = 0.0,
    rate: float = 10_000.0,
    t_total: float = 7_200.0,
    t_bucket: float = 60.0,
) -> Explorer:
    """TTL, shield, outage window and scope, strategy -> origin load and user latency over time."""
    controls = {
        "t_ttl": slider("Static TTL (s)", t_ttl, 1.0, 1e5, 0.5, log=True, readout_format=".3g"),
        "shield": toggle("Shield", [("no shield", False), ("origin shield", True)], shield),
        "outage": widgets.IntRangeSlider(
            value=list(outage_minutes),
            min=0,
            max=int(t_total // 60),
            step=5,
            description="CDN outage (minutes)",
            style=STYLE,
        ),
        "scope": dropdown(
            "Outage in", [("every region (whole CDN)", "all")] + [(r, r) for r in REGIONS], scope
        ),
        "strategy": toggle("Strategy", _STRATEGY_LABELS, strategy),
        "p_second": slider("Second CDN's everyday share", p_second, 0.0, 0.5, 0.05),
        "p_local": slider("Answered by users' own caches", p_local, 0.0, 0.5, 0.05),
    }
    n = max(1, int(round(t_total / t_bucket)))
    minutes = (np.arange(n) + 0.5) * t_bucket / 60
    rates = np.full(n, float(rate))
    fig = _figure(minutes)

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        disable(
            ex.controls["p_second"],
            None
            if c["strategy"] == "multi-cdn"
            else "only the 'second CDN' strategy sends everyday traffic to a second CDN",
        )
        start, end = c["outage"]
        idle = None if end > start else "no outage scheduled: move the outage range apart"
        disable(ex.controls["scope"], idle)
        everyday = c["strategy"] == "multi-cdn" and c["p_second"] > 0  # acts with no outage too
        disable(ex.controls["strategy"], None if everyday else idle)
        regions = REGIONS if c["scope"] == "all" else (c["scope"],)
        outage = Outage(start * 60.0, end * 60.0, regions) if end > start else None
        cdn = CDN(t_ttl=float(c["t_ttl"]), shield=c["shield"], p_local=float(c["p_local"]))
        out = cdn_buckets(
            rates, t_bucket, cdn, outage=outage, strategy=c["strategy"], p_second=c["p_second"]
        )
        s = summarise(out, outage)
        f = ex.figure.data
        f[0].y = out.rate_origin
        f[1].y = [cdn.rate_origin_max] * 2
        f[2].y = out.rate_failed
        f[3].y = out.p50_all * 1000
        f[4].y = out.p99_all * 1000
        _write_caption(ex, c, cdn, out, s, outage, rate)
        return out

    return Explorer(
        title="Explore: a CDN outage, minute by minute",
        controls=controls,
        figure=fig,
        update=update,
    )


def _write_caption(ex, c: dict, cdn: CDN, out, s, outage, rate: float) -> None:
    """Offload before the outage, then the outage in words: origin load, failures, the worst p99."""
    start, end = c["outage"]
    normal = float(out.rate_origin[0])
    where = "in every region" if c["scope"] == "all" else f"in {c['scope']}"
    if outage is None:
        drill = "No outage is scheduled: move the outage range apart to start one."
    else:
        drill = (
            f"The CDN is down {where} from minute {start} to {end}, handled by "
            f"{_STRATEGY_TEXT[c['strategy']]}: the origin is offered up to "
            f"{s.peak_origin:,.0f} requests/s (capacity {cdn.rate_origin_max:,.0f}), "
            f"{s.failed_share:.2%} of all requests fail, and the worst region's p99 "
            f"reaches {s.worst_p99 * 1000:,.0f} ms."
        )
        if s.peak_origin_after > 0:
            drill += (
                f" After it ends the origin peaks at {s.peak_origin_after:,.0f} requests/s, "
                f"{s.peak_origin_after / max(normal, 1e-9):.2f} times its normal load."
            )
    ex.caption.value = caption_html(
        f"Static TTL {c['t_ttl']:,.3g} s, {'with' if c['shield'] else 'without'} an origin "
        f"shield: before any outage {out.offload[0]:.1%} of {rate:,.0f} requests/s never "
        f"reach the origin, which is offered {normal:,.0f} requests/s.",
        drill,
        f"Cost: ${s.cost_per_hour:,.2f} per hour.",
    )
