"""Explorer for sharding (12-sharding): placement, resharding and load per shard."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from scalelab.sharding import (
    hash_keys,
    load_stats,
    moved_fraction,
    place,
    reshard,
    shard_loads,
    with_hot_key,
    zipf_weights,
)
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html

__all__ = ["explore_sharding"]

_STYLE = {"description_width": "initial"}


def explore_sharding(
    n_shards: int = 4,
    n_vnodes: int = 50,
    zipf_s: float = 0.0,
    p_hot: float = 0.0,
    scheme: str = "consistent",
    change: str = "add",
    n_keys: int = 20_000,
) -> Explorer:
    """Shards, virtual nodes, key skew, a celebrity, add/remove a shard -> keys moved, load."""
    hashes = hash_keys(f"key-{i}" for i in range(n_keys))  # hashed once, placed on every move
    controls = {
        "n_shards": widgets.IntSlider(
            value=n_shards, min=2, max=16, description="Shards", style=_STYLE
        ),
        "n_vnodes": widgets.IntSlider(
            value=n_vnodes, min=1, max=500, description="Virtual nodes per shard", style=_STYLE
        ),
        "zipf_s": widgets.FloatSlider(
            value=zipf_s, min=0.0, max=1.5, step=0.1, description="Key skew (Zipf s)", style=_STYLE
        ),
        "p_hot": widgets.FloatSlider(
            value=p_hot,
            min=0.0,
            max=0.5,
            step=0.05,
            description="Celebrity's share of traffic",
            style=_STYLE,
        ),
        "scheme": widgets.ToggleButtons(
            options=[("consistent hashing", "consistent"), ("hash mod N", "mod")],
            value=scheme,
            description="Placement",
            style=_STYLE,
        ),
        "change": widgets.ToggleButtons(
            options=[("add a shard", "add"), ("remove a shard", "remove")],
            value=change,
            description="Resharding",
            style=_STYLE,
        ),
    }
    fig = go.FigureWidget(
        data=[
            go.Bar(x=[], y=[], name="before", marker=dict(color=PALETTE[0])),
            go.Bar(
                x=[],
                y=[],
                name="after",
                marker=dict(color=PALETTE[1], pattern=dict(shape="/")),
            ),
            go.Scatter(
                x=[],
                y=[],
                name="even share after",
                mode="lines",
                line=dict(color=PALETTE[7], dash=DASHES[1]),
            ),
        ],
        layout=base_layout(
            "Share of traffic on each shard, before and after resharding",
            "shard",
            "share of all requests (%)",
            barmode="group",
        ),
    )

    def update(ex: Explorer) -> None:
        c = {k: w.value for k, w in ex.controls.items()}
        ex.controls["n_vnodes"].disabled = c["scheme"] == "mod"  # mod-N has no ring
        n = c["n_shards"]
        before_shards = tuple(range(n))
        after_shards = tuple(range(n + 1)) if c["change"] == "add" else tuple(range(n - 1))
        weights = with_hot_key(zipf_weights(n_keys, c["zipf_s"]), c["p_hot"])
        r = reshard(hashes, before_shards, after_shards, c["scheme"], c["n_vnodes"])
        load_before = shard_loads(r.before, before_shards, weights) * 100
        load_after = shard_loads(r.after, after_shards, weights) * 100
        labels = [f"S{s}" for s in range(max(len(before_shards), len(after_shards)))]
        ex.figure.data[0].x = labels[: len(before_shards)]
        ex.figure.data[0].y = load_before
        ex.figure.data[0].name = f"before: {len(before_shards)} shards"
        ex.figure.data[1].x = labels[: len(after_shards)]
        ex.figure.data[1].y = load_after
        ex.figure.data[1].name = f"after: {len(after_shards)} shards"
        even = 100 / len(after_shards)
        ex.figure.data[2].x = [labels[0], labels[len(after_shards) - 1]]
        ex.figure.data[2].y = [even, even]
        stats = load_stats(load_after)
        hottest = int(np.argmax(load_after))
        traffic_moved = moved_fraction(r.before, r.after, weights)
        vn = c["n_vnodes"]
        how = (
            f"consistent hashing ({vn} virtual node{'s' if vn != 1 else ''} per shard)"
            if c["scheme"] == "consistent"
            else "hash mod N"
        )
        celebrity = (
            f" The celebrity (key-0, {c['p_hot']:.0%} of traffic) lives on "
            f"S{int(place(hashes[:1], after_shards, c['scheme'], c['n_vnodes'])[0])}."
            if c["p_hot"] > 0
            else ""
        )
        ex.caption.value = caption_html(
            f"Placement by {how}: going from {len(before_shards)} to {len(after_shards)} shards moves "
            f"{r.fraction_moved:.1%} of the {n_keys:,} keys (the least possible is "
            f"{r.ideal_fraction:.1%}) and {traffic_moved:.1%} of the traffic.",
            f"Afterwards the hottest shard, S{hottest}, takes {stats.hottest_share:.1%} of all "
            f"requests: {stats.peak_to_mean:.2f} times an even share.{celebrity}",
        )

    return Explorer(
        title="Explore: where do the keys go when shards come and go?",
        controls=controls,
        figure=fig,
        update=update,
    )
