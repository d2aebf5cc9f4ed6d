"""Explorers for back-of-the-envelope traffic estimates (00-welcome, 14-millions)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from scalelab.estimate import average_rate, diurnal_rate
from scalelab.widgets import DASHES, PALETTE, Explorer, base_layout, caption_html
from scalelab.widgets.controls import slider

__all__ = ["explore_daily_traffic"]


def explore_daily_traffic(
    daily_users: int = 1_000_000, requests_per_user: int = 20, peak_factor: float = 1.8
) -> Explorer:
    """Daily users, requests per user and peak factor -> request rate over one day (requests/s)."""
    hours = np.linspace(0, 24, 97)
    controls = {
        "daily_users": slider("Daily users", daily_users, 100_000, 10_000_000, 100_000),
        "requests_per_user": slider("Requests/user/day", requests_per_user, 1, 100),
        "peak_factor": slider("Peak factor", peak_factor, 1.0, 2.0, 0.1),
    }
    fig = go.Figure(
        data=[
            go.Scatter(
                x=hours,
                y=hours * 0,
                name="request rate",
                line=dict(color=PALETTE[0], dash=DASHES[0], width=3),
            ),
            go.Scatter(
                x=[0, 24],
                y=[0, 0],
                name="daily average",
                line=dict(color=PALETTE[1], dash=DASHES[1]),
            ),
        ],
        layout=base_layout(
            "Requests per second over one day", "time of day (hours)", "requests per second"
        ),
    )

    def update(ex: Explorer) -> np.ndarray:
        c = {k: w.value for k, w in ex.controls.items()}
        mean = average_rate(c["daily_users"], c["requests_per_user"])
        rate = diurnal_rate(hours, mean, c["peak_factor"])
        ex.figure.data[0].y = rate
        ex.figure.data[1].y = [mean, mean]
        ex.caption.value = caption_html(
            f"{c['daily_users']:,} users sending {c['requests_per_user']} requests a day "
            f"average {mean:,.0f} requests/s;",
            f"the evening peak reaches {rate.max():,.0f} requests/s.",
        )
        return rate

    return Explorer(
        title="Explore: how busy is a day?", controls=controls, figure=fig, update=update
    )
