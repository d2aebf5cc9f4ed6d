"""Explorer for sharding (13-sharding): placement, resharding and load per shard."""

from __future__ import annotations

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
from scalelab.widgets.controls import disable, fmt_pct, slider, toggle

__all__ = ["explore_sharding"]


def _figure() -> go.Figure:
    """Bars of each shard's share of traffic before and after, and the even share."""
    fig = go.Figure(
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
    return fig


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
        "n_shards": slider("Shards", n_shards, 2, 16),
        "n_vnodes": slider("Virtual nodes per shard", n_vnodes, 1, 500),
        "zipf_s": slider("Key skew (Zipf s)", zipf_s, 0.0, 1.5, 0.1),
        "p_hot": slider("Celebrity's share of traffic", p_hot, 0.0, 0.5, 0.05),
        "scheme": toggle(
            "Placement", [("consistent hashing", "consistent"), ("hash mod N", "mod")], scheme
        ),
        "change": toggle(
            "Resharding", [("add a shard", "add"), ("remove a shard", "remove")], change
        ),
    }
    fig = _figure()

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        disable(
            ex.controls["n_vnodes"],
            "hash mod N has no ring, so no virtual nodes" if c["scheme"] == "mod" else None,
        )
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
            f"{fmt_pct(r.fraction_moved)} of the {n_keys:,} keys ({_versus_ideal(r)}) and "
            f"{fmt_pct(traffic_moved)} of the traffic.",
            f"Afterwards the hottest shard, S{hottest}, takes {stats.hottest_share:.1%} of all "
            f"requests: {stats.peak_to_mean:.2f} times an even share.{celebrity}",
        )
        return r

    return Explorer(
        title="Explore: where do the keys go when shards come and go?",
        controls=controls,
        figure=fig,
        update=update,
    )


def _versus_ideal(r) -> str:
    """The moved share against an even split's (a ring's uneven arcs can move fewer keys than
    an even split would: the shard that left or arrived owned less than its fair share)."""
    ideal = fmt_pct(r.ideal_fraction)
    if abs(r.fraction_moved - r.ideal_fraction) < 0.0005:
        return f"the least possible with even shards, {ideal}"
    if r.fraction_moved < r.ideal_fraction:
        return (
            f"an even split would move {ideal}; fewer move because the shard that changed owns "
            "less than an even share"
        )
    return f"an even split would move only {ideal}"
