"""Explorers for caches (07-caching): eviction policies, cache size and popularity skew.

The size slider only reads precomputed curves: LRU's exact miss-ratio curve (one pass over the
trace) and the other policies' hit ratios at a grid of sizes, computed once per (trace kind,
skew) and memoised, so moving the size or the policy redraws at once.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scalelab.cache import (
    POLICIES,
    T_CACHE_HIT,
    T_DB_READ,
    che_hit_ratio,
    database_load,
    hit_ratio,
    make_trace,
    mean_latency,
    miss_ratio_curve,
    zipf_popularity,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, caption_html
from scalelab.widgets.controls import dropdown, slider, toggle

__all__ = ["explore_cache", "cache_curves", "N_OBJECTS", "N_REQUESTS", "GRID"]

N_OBJECTS = 1_000
"""Objects in the explorer's popular catalogue."""

N_REQUESTS = 8_000
"""Requests in each explorer trace (seeded: the same for everyone)."""

GRID = np.array([10, 20, 50, 100, 200, 500, 1_000])
"""Cache sizes (objects) at which the non-LRU policies are replayed."""

NAMES = {"lru": "LRU", "lfu": "LFU", "fifo": "FIFO", "sieve": "SIEVE"}
KIND_NAMES = {"zipf": "independent Zipf", "scan": "Zipf + scans", "burst": "Zipf + bursts"}
_SEED = 2026
_MEMO: dict = {}


def cache_curves(kind: str, alpha: float, seed: int = _SEED) -> dict:
    """Hit-ratio curves of every policy on one seeded trace (memoised).

    Returns ``{"sizes": GRID, "lru": exact LRU hit ratio for sizes 0..n_distinct, "lru_grid",
    "lfu", "fifo", "sieve": hit ratios at GRID, "che": Che's approximation at GRID or None}``.
    """
    key = (kind, round(float(alpha), 3), seed)
    if key not in _MEMO:
        trace = make_trace(
            kind,
            n_objects=N_OBJECTS,
            n_requests=N_REQUESTS,
            alpha=alpha,
            n_scan=N_OBJECTS // 2,
            rng=np.random.default_rng(seed),
        )
        curve = miss_ratio_curve(trace)
        out = {"sizes": GRID, "curve": curve, "lru_grid": np.array([curve.at(c) for c in GRID])}
        for policy in POLICIES:
            if policy != "lru":
                out[policy] = np.array([hit_ratio(trace, policy, int(c)) for c in GRID])
        q = zipf_popularity(N_OBJECTS, alpha)
        out["che"] = np.array([che_hit_ratio(q, int(c)) for c in GRID]) if kind == "zipf" else None
        _MEMO[key] = out
    return _MEMO[key]


def _at(curves: dict, policy: str, size: int) -> float:
    if policy == "lru":
        return curves["curve"].at(size)
    return float(np.interp(np.log(size), np.log(GRID), curves[policy]))


def explore_cache(
    n_capacity: int = 100,
    alpha: float = 0.9,
    kind: str = "scan",
    policy: str = "lru",
    rate: float = 10_000.0,
) -> Explorer:
    """Cache size, skew, trace kind and policy -> hit-ratio curves, database load and latency.

    ``n_capacity`` is the cache's size (objects); ``rate`` is the offered read rate
    (requests/s) used for the database load.
    """
    controls = {
        "size": slider("Cache size (objects)", n_capacity, 10, N_OBJECTS, 10),
        "alpha": slider(
            "Popularity skew α", alpha, 0.5, 1.3, 0.1, continuous=False, readout_format=".1f"
        ),
        "kind": dropdown("Trace", [(v, k) for k, v in KIND_NAMES.items()], kind),
        "policy": toggle("Policy", [(NAMES[p], p) for p in POLICIES], policy),
    }
    fig = _figure(n_capacity)
    sizes = np.unique(np.geomspace(10, N_OBJECTS, 60).astype(int))

    def update(ex: Explorer) -> dict:
        c = {k: w.value for k, w in ex.controls.items()}
        curves = cache_curves(c["kind"], c["alpha"])
        lru_sizes = np.arange(10, curves["curve"].hit_ratio.size)
        for i, p in enumerate(POLICIES):
            tr = ex.figure.data[i]
            if p == "lru":
                tr.x, tr.y = lru_sizes, curves["curve"].hit_ratio[10:]
            else:
                tr.y = curves[p]
            tr.line.width = 4 if p == c["policy"] else 1.5
        che = ex.figure.data[4]
        che.y = curves["che"] if curves["che"] is not None else GRID * np.nan
        che.visible = curves["che"] is not None
        h = _at(curves, c["policy"], c["size"])
        ex.figure.data[5].x, ex.figure.data[5].y = [c["size"]], [h]
        hits = np.array([_at(curves, c["policy"], int(s)) for s in sizes])
        ex.figure.data[6].x = sizes
        ex.figure.data[6].y = rate * (1 - hits)
        ex.figure.data[7].x = sizes
        ex.figure.data[7].y = 1000 * (T_CACHE_HIT + (1 - hits) * T_DB_READ)
        ex.figure.layout.shapes[0].x0 = ex.figure.layout.shapes[0].x1 = c["size"]
        ex.figure.layout.shapes[1].x0 = ex.figure.layout.shapes[1].x1 = c["size"]
        at_size = {p: _at(curves, p, c["size"]) for p in POLICIES}
        best = max(POLICIES, key=lambda p: at_size[p])
        db = database_load(rate, h)
        t_ms = 1000 * mean_latency(h, T_CACHE_HIT, T_DB_READ)
        ranking = ", ".join(f"{NAMES[p]} {at_size[p]:.0%}" for p in POLICIES)
        ex.caption.value = caption_html(
            f"{NAMES[c['policy']]} with {c['size']:,} objects "
            f"({c['size'] / N_OBJECTS:.0%} of the catalogue) on the "
            f"{KIND_NAMES[c['kind']]} trace, skew {c['alpha']:.1f}:",
            f"hit ratio {h:.0%}, so {db:,.0f} of {rate:,.0f} reads/s reach the database "
            f"and a read takes {t_ms:.1f} ms on average.",
            f"At this size: {ranking}; best is {NAMES[best]}.",
        )
        return curves

    return Explorer(
        title="Explore: which policy, how big a cache?",
        controls=controls,
        figure=fig,
        update=update,
    )


def _figure(n_capacity: int) -> go.Figure:
    """Hit ratio by size (left); the selected policy's database load and latency (right)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.58, 0.42],
        horizontal_spacing=0.12,
        specs=[[{}, {"secondary_y": True}]],
        subplot_titles=("Hit ratio by cache size", "Selected policy: database and latency"),
    )
    for i, p in enumerate(POLICIES):
        fig.add_trace(
            go.Scatter(
                x=GRID,
                y=GRID * 0.0,
                name=NAMES[p],
                mode="lines+markers" if p != "lru" else "lines",
                line=dict(color=PALETTE[i], dash=DASHES[i], width=2),
                marker=dict(size=6),
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=GRID,
            y=GRID * 0.0,
            name="Che (LRU, approx.)",
            mode="markers",
            marker=dict(symbol="x", size=8, color=PALETTE[7]),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[n_capacity],
            y=[0.0],
            name="this size",
            mode="markers",
            marker=dict(size=13, color="rgba(0,0,0,0)", line=dict(width=2, color=PALETTE[7])),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=GRID,
            y=GRID * 0.0,
            name="database reads/s",
            line=dict(color=PALETTE[3], dash="solid", width=3),
            showlegend=False,
        ),
        row=1,
        col=2,
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=GRID,
            y=GRID * 0.0,
            name="mean latency (ms)",
            line=dict(color=PALETTE[5], dash="dash", width=2),
            showlegend=False,
        ),
        row=1,
        col=2,
        secondary_y=True,
    )
    _dress(fig, n_capacity)
    return fig


def _dress(fig: go.Figure, n_capacity: int) -> None:
    """Layout, the dotted marks at the chosen size, and the axes (log sizes, hit ratio 0-1)."""
    fig.update_layout(
        template="plotly_white",
        height=420,
        margin=dict(l=60, r=20, t=70, b=50),
        legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.08),
        shapes=[
            dict(
                type="line",
                xref="x",
                yref="paper",
                x0=n_capacity,
                x1=n_capacity,
                y0=0,
                y1=1,
                line=dict(color="#555", dash="dot", width=1),
            ),
            dict(
                type="line",
                xref="x2",
                yref="paper",
                x0=n_capacity,
                x1=n_capacity,
                y0=0,
                y1=1,
                line=dict(color="#555", dash="dot", width=1),
            ),
        ],
    )
    fig.update_xaxes(type="log", title_text="cache size (objects, log scale)")
    fig.update_yaxes(title_text="hit ratio", range=[0, 1], row=1, col=1)
    fig.update_yaxes(
        title_text="database reads/s", rangemode="tozero", row=1, col=2, secondary_y=False
    )
    fig.update_yaxes(
        title_text="mean read latency (ms)",
        rangemode="tozero",
        row=1,
        col=2,
        secondary_y=True,
        showgrid=False,
        tickmode="auto",  # its own round ticks, not synced to the reads/s axis (plotly.js 3)
    )
