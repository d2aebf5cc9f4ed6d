"""Explorer for the practice designs (15-practice): one problem at a time, one drill."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from scalelab.practice import (
    PROBLEMS,
    ChatDesign,
    Drill,
    FeedDesign,
    Scenario,
    ShortenerDesign,
    check_targets,
    run_design,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import disable, dropdown, fmt_pct, slider, toggle

__all__ = ["explore_practice"]

_DRILLS = [
    ("nothing", "none"),
    ("a cache node (chat: a connection server)", "node"),
    ("the primaries' data centre", "datacenter"),
    ("a 1.5x spike", "spike"),
]


def _figure() -> go.Figure:
    """p99 latency (ms) with its target, and the shares of requests failing and of cache hits."""
    fig = go.Figure(
        layout=base_layout(
            "Evening window, 19:00-21:00", "minutes after 19:00", "p99 latency (ms)",
            yaxis2=dict(title=dict(text="share of requests (%)"), overlaying="y", side="right",
                        range=[0, 105]),
            legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.1),
        )
    )  # fmt: skip
    fig.add_scatter(x=[], y=[], name="p99 latency", line=dict(color=PALETTE[0], dash=DASHES[0]))
    fig.add_scatter(
        x=[], y=[], name="p99 target", mode="lines", line=dict(color=PALETTE[7], dash=DASHES[1])
    )
    fig.add_scatter(
        x=[], y=[], name="failing (%)", yaxis="y2", line=dict(color=PALETTE[3], dash=DASHES[2])
    )
    fig.add_scatter(
        x=[], y=[], name="cache hit ratio (%)", yaxis="y2",
        line=dict(color=PALETTE[2], dash=DASHES[3]),
    )  # fmt: skip
    return fig


def _design(c: dict):
    """The chosen problem's design from the controls (other fields at their defaults)."""
    common = dict(n_regions=c["n_regions"], n_servers=c["n_servers"], t_dns_ttl=c["t_dns_ttl"])
    if c["problem"] == "shortener":
        return ShortenerDesign(n_cache_nodes=c["n_cache_nodes"], **common)
    if c["problem"] == "feed":
        return FeedDesign(n_cache_nodes=c["n_cache_nodes"], **common)
    return ChatDesign(**common)


def explore_practice(
    problem: str = "shortener",
    drill: str = "datacenter",
    n_regions: int = 1,
    n_servers: int = 20,
    n_cache_nodes: int = 2,
    t_dns_ttl: float = 60.0,
    seed: int = 1,
) -> Explorer:
    """Problem, drill, regions, servers, cache nodes, DNS TTL -> p99 and failures over the
    evening window, and the four SLOs in the caption."""
    controls = {
        "problem": toggle(
            "Problem", [("URL shortener", "shortener"), ("news feed", "feed"), ("chat", "chat")],
            problem,
        ),
        "drill": dropdown("What breaks at 19:30", _DRILLS, drill),
        "n_regions": slider("Regions (data centres)", n_regions, 1, 3),
        "n_servers": slider("Servers per region", n_servers, 1, 80),
        "n_cache_nodes": slider("Cache nodes per region", n_cache_nodes, 0, 8),
        "t_dns_ttl": slider("DNS TTL (s)", t_dns_ttl, 0.0, 300.0, 10.0),
    }  # fmt: skip
    fig = _figure()

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        disable(
            ex.controls["n_cache_nodes"],
            "the chat model has no cache tier" if c["problem"] == "chat" else None,
        )
        disable(
            ex.controls["t_dns_ttl"],
            None
            if c["drill"] == "datacenter" and c["n_regions"] > 1
            else "the TTL matters only when a data centre fails and another can take its users",
        )
        design = _design(c)
        run = run_design(
            design, Scenario("explore", drill=Drill(c["drill"], 1_800, 1_800, 1.5), seed=seed)
        )
        targets = PROBLEMS[c["problem"]][3]
        minutes = run.t / 60
        ex.figure.data[0].x, ex.figure.data[0].y = minutes, run.p99 * 1000
        ex.figure.data[1].x, ex.figure.data[1].y = [0, minutes[-1]], [targets.p99_max * 1000] * 2
        ex.figure.data[2].x = minutes
        ex.figure.data[2].y = 100 * run.rate_failed / np.maximum(run.rate_offered, 1e-12)
        hit = run.metrics.get("p_hit")
        ex.figure.data[3].x = minutes if hit is not None else []
        ex.figure.data[3].y = 100 * hit if hit is not None else []
        top = 1.3 * max(targets.p99_max, float(np.nanmax(run.p99))) * 1000
        ex.figure.layout.yaxis.range = [0, top]
        ex.caption.value = _caption(check_targets(run, targets), targets)
        return run

    return Explorer(
        title="Explore: a practice design through an evening with something broken",
        controls=controls,
        figure=fig,
        update=update,
    )


def _caption(s, targets) -> str:
    met = ", ".join(f"{k} {'met' if v else 'missed'}" for k, v in s.met.items())
    return caption_html(
        f"p99 within {targets.p99_max * 1000:.0f} ms in {fmt_pct(s.p99_ok_share)} of minutes;",
        f"availability {s.availability:.3%} (target {targets.availability_min:.1%});",
        f"{s.data_lost:,.0f} records lost (at most {targets.data_lost_max:,.0f});",
        f"${s.cost_per_hour:.2f} an hour (at most ${targets.cost_max_hour:.0f}).",
        f"SLOs: {met}.",
    )
