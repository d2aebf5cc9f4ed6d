"""Explorers for the practice designs: one per problem (``explore_shortener`` for 15-shortener,
``explore_feed`` for 16-news-feed, ``explore_chat`` for 17-chat), and ``explore_practice``, which
switches between the three (the explorer of the former single practice chapter)."""

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

__all__ = ["explore_shortener", "explore_feed", "explore_chat", "explore_practice"]

_DRILLS = [
    ("nothing", "none"),
    ("a cache node (chat: a connection server)", "node"),
    ("the primaries' data centre", "datacenter"),
    ("a 1.5x spike", "spike"),
]
_NODE = {"shortener": "a cache node", "feed": "a feed-cache node", "chat": "a connection server"}


def _drills(problem: str | None) -> list:
    """The drill choices, the node named for ``problem`` (``None``: for all three)."""
    if problem is None:
        return _DRILLS
    return [(_NODE[problem] if v == "node" else label, v) for label, v in _DRILLS]


def _figure() -> go.Figure:
    """p99 latency (ms) with its target, and the shares of requests failing, of cache hits and of
    the busiest servers' capacity in use."""
    fig = go.Figure(
        layout=base_layout(
            "Evening window, 19:00-21:00", "minutes after 19:00", "p99 latency (ms)",
            yaxis2=dict(title=dict(text="share (%)"), overlaying="y", side="right",
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
    fig.add_scatter(
        x=[], y=[], name="busiest servers' load (%)", yaxis="y2",
        line=dict(color=PALETTE[4], dash=DASHES[4]),
    )  # fmt: skip
    fig.add_scatter(
        x=[], y=[], name="feed cache filled (%)", yaxis="y2",
        line=dict(color=PALETTE[6], dash=DASHES[5]),
    )  # fmt: skip
    return fig


def _design(c: dict):
    """The chosen problem's design from the controls (other fields at their defaults)."""
    common = dict(n_regions=c["n_regions"], n_servers=c["n_servers"], t_dns_ttl=c["t_dns_ttl"])
    if c["problem"] == "shortener":
        return ShortenerDesign(n_cache_nodes=c["n_cache_nodes"], **common)
    if c["problem"] == "feed":
        return FeedDesign(n_cache_nodes=c["n_cache_nodes"], **common)
    if "n_partitions" in c:
        return ChatDesign(n_partitions=c["n_partitions"], **common)
    return ChatDesign(**common)


def _draw(ex: Explorer, c: dict, seed: int):
    """Run the design of the controls ``c`` through its drill; redraw the figure and caption."""
    disable(
        ex.controls["t_dns_ttl"],
        None
        if c["drill"] == "datacenter" and c["n_regions"] > 1
        else "the TTL matters only when a data centre fails and another can take its users",
    )
    run = run_design(
        _design(c), Scenario("explore", drill=Drill(c["drill"], 1_800, 1_800, 1.5), seed=seed)
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
    # the busiest region's servers (over 100 % they turn requests away); it answers the
    # servers slider even where the p99 does not move (below ~80 % a request rarely waits)
    ex.figure.data[4].x = minutes
    ex.figure.data[4].y = np.minimum(100 * run.metrics["rho_web"], 105)
    # the feed cache saturates the hit ratio from 2 nodes up: its fill answers every node count
    full = run.metrics.get("p_cache_full")
    ex.figure.data[5].x = minutes if full is not None else []
    ex.figure.data[5].y = np.minimum(100 * full, 105) if full is not None else []
    ex.figure.data[5].showlegend = full is not None
    top = 1.3 * max(targets.p99_max, float(np.nanmax(run.p99))) * 1000
    ex.figure.layout.yaxis.range = [0, top]
    ex.caption.value = _caption(check_targets(run, targets), targets)
    return run


def _controls(problem, drill, n_regions, n_servers, t_dns_ttl, *, servers_high=80) -> dict:
    """The controls every practice explorer shares."""
    return {
        "drill": dropdown("What breaks at 19:30", _drills(problem), drill),
        "n_regions": slider("Regions (data centres)", n_regions, 1, 3),
        "n_servers": slider("Servers per region", n_servers, 1, servers_high),
        "t_dns_ttl": slider("DNS TTL (s)", t_dns_ttl, 0.0, 300.0, 10.0),
    }


def _single(problem: str, title: str, controls: dict, seed: int) -> Explorer:
    """An explorer of one problem."""

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        c["problem"] = problem
        return _draw(ex, c, seed)

    return Explorer(title=title, controls=controls, figure=_figure(), update=update)


def explore_shortener(
    drill: str = "datacenter",
    n_regions: int = 1,
    n_servers: int = 20,
    n_cache_nodes: int = 2,
    t_dns_ttl: float = 60.0,
    seed: int = 1,
) -> Explorer:
    """A URL shortener's design (regions, servers, cache nodes, DNS TTL) through a drill: p99
    and failures over the evening window, the four SLOs in the caption."""
    controls = _controls("shortener", drill, n_regions, n_servers, t_dns_ttl)
    controls["n_cache_nodes"] = slider("Cache nodes per region", n_cache_nodes, 0, 8)
    return _single("shortener", "Explore: a URL shortener through a broken evening", controls, seed)


def explore_feed(
    drill: str = "datacenter",
    n_regions: int = 2,
    n_servers: int = 16,
    n_cache_nodes: int = 4,
    t_dns_ttl: float = 60.0,
    seed: int = 1,
) -> Explorer:
    """A news feed's design (regions, servers, feed-cache nodes, DNS TTL) through a drill: p99
    and failures over the evening window, the four SLOs in the caption."""
    controls = _controls("feed", drill, n_regions, n_servers, t_dns_ttl)
    controls["n_cache_nodes"] = slider("Feed-cache nodes per region", n_cache_nodes, 0, 8)
    return _single("feed", "Explore: a news feed through a broken evening", controls, seed)


def explore_chat(
    drill: str = "datacenter",
    n_regions: int = 2,
    n_servers: int = 40,
    n_partitions: int = 16,
    t_dns_ttl: float = 60.0,
    seed: int = 1,
) -> Explorer:
    """A chat service's design (regions, connection servers, queue partitions, DNS TTL) through
    a drill: p99 delivery and failures over the evening window, the four SLOs in the caption."""
    controls = _controls("chat", drill, n_regions, n_servers, t_dns_ttl)
    controls["n_partitions"] = slider("Queue partitions", n_partitions, 1, 32)
    return _single("chat", "Explore: a chat service through a broken evening", controls, seed)


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
    evening window, and the four SLOs in the caption (the three problems in one explorer)."""
    controls = {
        "problem": toggle(
            "Problem", [("URL shortener", "shortener"), ("news feed", "feed"), ("chat", "chat")],
            problem,
        ),
        **_controls(None, drill, n_regions, n_servers, t_dns_ttl),
        "n_cache_nodes": slider("Cache nodes per region", n_cache_nodes, 0, 8),
    }  # fmt: skip

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        disable(
            ex.controls["n_cache_nodes"],
            "the chat model has no cache tier" if c["problem"] == "chat" else None,
        )
        return _draw(ex, c, seed)

    return Explorer(
        title="Explore: a practice design through an evening with something broken",
        controls=controls,
        figure=_figure(),
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
