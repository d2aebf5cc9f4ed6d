"""Explorers and figures for DNS (01-single-server): resolver caching and a resolution trace.

- ``explore_resolver_cache``: TTL, lookup rate and number of resolvers -> hit ratio, mean lookup
  time and the load on the authoritative servers (formula curves, plus one seeded simulation).
- ``explore_resolution``: a lookup through ``scalelab.dns.example_namespace()`` drawn step by
  step, cold or with a warm cache.
- ``trace_figure(resolution)``: a static timeline of one ``Resolution``.
- ``page_load_figure(loads)``: stacked bars of where page-load time goes.

The two static figures come wrapped in the shared ``scalelab.widgets.StaticFigure`` (also
importable from here), which a notebook displays as plotly's own MIME type without going through
``plotly.io``'s renderer machinery.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from scalelab.dns import (
    T_AUTH,
    T_CLIENT,
    QueryStream,
    Resolution,
    Resolver,
    example_namespace,
    expected_cache_stats,
    simulate_cache,
)
from scalelab.http import PageLoad
from scalelab.widgets import DASHES, PALETTE, Explorer, StaticFigure, base_layout, caption_html
from scalelab.widgets.controls import checkbox, dropdown, slider

__all__ = [
    "StaticFigure",
    "explore_resolver_cache",
    "explore_resolution",
    "trace_figure",
    "trace_steps",
    "page_load_figure",
]

_KIND_TEXT = {
    "referral": "does not hold the name but refers the resolver to the servers of {next}",
    "answer": "answers: {records}",
    "cname": "answers with an alias: {records}; the resolver now looks that name up",
    "nxdomain": "says no such name exists (NXDOMAIN)",
    "nodata": "says the name exists but has no record of that type",
    "servfail": "cannot be reached (SERVFAIL)",
}


def _ms(t: float) -> str:
    """Whole milliseconds, as the trace has always shown them ('4 ms', '120 ms')."""
    return f"{t * 1000:.0f} ms"


def trace_steps(res: Resolution) -> list[dict]:
    """The trace as timeline steps: who talks to whom, start and duration (s), and a sentence.

    The stub leg (browser <-> resolver) is split into its two halves, so the steps run in time
    order: browser asks, resolver asks each server in turn, resolver replies.

    >>> from scalelab.dns import example_namespace
    >>> steps = trace_steps(Resolver(example_namespace()).resolve("www.example.com"))
    >>> [s["label"] for s in steps]
    ['browser → resolver', 'resolver ↔ root (.)', 'resolver ↔ com.', 'resolver ↔ example.com.', 'resolver → browser']
    """
    stub = res.hops[0]
    steps = []
    t = 0.0
    cached = "has a fresh answer cached" if stub.kind == "cache-hit" else "has no answer cached"
    steps.append(
        dict(
            label="browser → resolver",
            start=t,
            duration=stub.t_latency / 2,
            kind="stub",
            text=f"The browser asks the resolver for {res.qname} ({res.qtype}); "
            f"the resolver {cached}.",
        )
    )
    t += stub.t_latency / 2
    for h in res.hops[1:]:
        who = "root (.)" if h.server == "." else h.server
        nxt = next((r.name for r in h.records if r.rtype == "NS"), "?")
        records = ", ".join(f"{r.name} {r.rtype} {r.value} (TTL {r.t_ttl:g} s)" for r in h.records)
        text = _KIND_TEXT.get(h.kind, h.kind).format(next=nxt, records=records)
        steps.append(
            dict(
                label=f"resolver ↔ {who}",
                start=t,
                duration=h.t_latency,
                kind=h.kind,
                text=f"The {who} server, asked about {h.qname}, {text} "
                f"(round trip {_ms(h.t_latency)}).",
            )
        )
        t += h.t_latency
    final = ", ".join(res.addresses) if res.addresses else res.rcode
    steps.append(
        dict(
            label="resolver → browser",
            start=t,
            duration=stub.t_latency / 2,
            kind="stub",
            text=f"The resolver replies {final}; the lookup took {_ms(res.t_total)} in all.",
        )
    )
    return steps


_COLOURS = {
    "stub": PALETTE[5],
    "referral": PALETTE[1],
    "answer": PALETTE[2],
    "cname": PALETTE[4],
    "nxdomain": PALETTE[3],
    "nodata": PALETTE[3],
    "servfail": PALETTE[7],
}


def _trace_bars(steps: list[dict], n_shown: int) -> dict:
    shown = [i < n_shown for i in range(len(steps))]
    return dict(
        y=[f"{i + 1}. {s['label']}" for i, s in enumerate(steps)],
        x=[s["duration"] * 1000 if ok else 0.0 for s, ok in zip(steps, shown, strict=True)],
        base=[s["start"] * 1000 for s in steps],
        marker=dict(
            color=[_COLOURS.get(s["kind"], PALETTE[0]) for s in steps],
            pattern=dict(shape=["/" if s["kind"] == "stub" else "" for s in steps]),
            line=dict(color="#333", width=[1 if ok else 0 for ok in shown]),
        ),
        text=[
            f"{s['duration'] * 1000:.0f} ms" if ok else ""
            for s, ok in zip(steps, shown, strict=True)
        ],
    )


def trace_figure(res: Resolution, title: str | None = None) -> StaticFigure:
    """A timeline of one lookup: one bar per step, placed at its start time (ms)."""
    steps = trace_steps(res)
    fig = go.Figure(
        go.Bar(orientation="h", textposition="outside", name="round trip", **_trace_bars(steps, 99))
    )
    fig.update_layout(
        **base_layout(
            title or f"Resolving {res.qname}: {res.rcode}, {_ms(res.t_total)}",
            "time since the browser asked (ms)",
            "step",
            showlegend=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, res.t_total * 1000 * 1.2])
    return StaticFigure(fig)


def explore_resolution(name: str = "www.example.com", warm: bool = False) -> Explorer:
    """Step through one lookup in ``example_namespace()``: each step adds a bar and a sentence."""
    names = ["www.example.com", "static.example.com", "api.example.com", "nope.example.com"]
    controls = {
        "step": slider("Step", 1, 1, 6),
        "name": dropdown("Name to resolve", names, name),
        "warm": checkbox("warm cache (asked 1 s ago)", warm),
    }
    fig = go.Figure(
        data=[go.Bar(orientation="h", textposition="outside", name="round trip")],
        layout=base_layout(
            "A lookup, step by step", "time since the browser asked (ms)", "step", showlegend=False
        ),
    )
    fig.update_yaxes(autorange="reversed")
    cache: dict[tuple, list[dict]] = {}

    def steps_for(qname: str, is_warm: bool) -> tuple[list[dict], float]:
        key = (qname, is_warm)
        if key not in cache:
            resolver = Resolver(example_namespace())
            if is_warm:
                resolver.resolve(qname, t_now=0.0)
            res = resolver.resolve(qname, t_now=1.0 if is_warm else 0.0)
            cache[key] = (trace_steps(res), res.t_total)
        return cache[key]

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        steps, total = steps_for(c["name"], c["warm"])
        step_ctl = ex.controls["step"]
        if step_ctl.max != len(steps):
            step_ctl.max = len(steps)
        n = min(c["step"], len(steps))
        bars = _trace_bars(steps, n)
        bar = ex.figure.data[0]
        bar.y, bar.x, bar.base, bar.text = bars["y"], bars["x"], bars["base"], bars["text"]
        bar.marker = bars["marker"]
        ex.figure.layout.xaxis.range = [0, total * 1000 * 1.25]
        done = sum(s["duration"] for s in steps[:n])
        ex.caption.value = caption_html(
            f"Step {n} of {len(steps)} ({_ms(done)} so far):",
            steps[n - 1]["text"],
        )
        return steps

    return Explorer(
        title="Explore: a lookup, step by step", controls=controls, figure=fig, update=update
    )


def _num(x: float) -> str:
    """A rate or count for a caption: '12,000', '35', '2.5', '0.0123'."""
    return f"{x:,.0f}" if x >= 10 else f"{x:.3g}"


def _pct(p: float) -> str:
    """A ratio as a percentage with enough digits to tell 99.9 % from 100 %."""
    if 0.9999 <= p < 1:
        return "over 99.99%"
    return f"{100 * p:.2f}%" if 0.99 < p < 1 else f"{100 * p:.1f}%"


def _span(t: float) -> str:
    """A duration in words: '40 s', '12 min', '3.5 h', '2.1 days'."""
    if t < 120:
        return f"{t:.0f} s"
    if t < 7200:
        return f"{t / 60:.0f} min"
    if t < 172_800:
        return f"{t / 3600:.1f} h"
    return f"{t / 86_400:.1f} days"


def _sim_duration(rate: float, t_ttl: float, lam_each: float) -> float:
    """A simulated span long enough for ~20 TTL cycles per cache, capped at 30,000 lookups."""
    cycle = t_ttl + (1.0 / lam_each if lam_each > 0 else 0.0)
    return float(min(max(10_000.0 / rate, 20.0 * cycle), 30_000.0 / rate))


def _cache_figure(ttls, t_ttl, seed) -> go.Figure:
    """Hit ratio (left) and authoritative load (right, log) against the TTL."""
    fig = go.Figure(
        data=[
            go.Scatter(
                x=ttls,
                y=ttls * 0,
                name="hit ratio (formula)",
                line=dict(color=PALETTE[0], dash=DASHES[0], width=3),
            ),
            go.Scatter(
                x=ttls,
                y=ttls * 0,
                name="authoritative load (formula)",
                yaxis="y2",
                line=dict(color=PALETTE[1], dash=DASHES[1], width=2),
            ),
            go.Scatter(
                x=[t_ttl],
                y=[0.0],
                name="your TTL: hit ratio",
                mode="markers",
                marker=dict(color=PALETTE[0], size=16, symbol="circle"),
            ),
            go.Scatter(
                x=[t_ttl],
                y=[0.0],
                name=f"simulated hit ratio (seed {seed})",
                mode="markers",
                marker=dict(
                    color=PALETTE[2], size=11, symbol="diamond", line=dict(color="#000", width=1)
                ),
            ),
            go.Scatter(
                x=[t_ttl],
                y=[1.0],
                name="your TTL: load",
                mode="markers",
                yaxis="y2",
                marker=dict(color=PALETTE[1], size=13, symbol="square"),
            ),
        ],
        layout=base_layout(
            "Resolver caching: hit ratio and load on the authoritative servers",
            "TTL (seconds, log scale)",
            "hit ratio (%)",
            xaxis=dict(type="log", title=dict(text="TTL (seconds, log scale)")),
            yaxis=dict(title=dict(text="hit ratio (%)"), range=[0, 100]),
            yaxis2=dict(
                title=dict(text="queries/s at the authoritative servers (log)"),
                type="log",
                dtick=1,
                tickformat="~g",
                overlaying="y",
                side="right",
                showgrid=False,
            ),
            margin=dict(l=60, r=70, t=50, b=110),
            height=440,
            legend=dict(orientation="h", x=0.0, xanchor="left", y=-0.22, yanchor="top"),
        ),
    )
    return fig


def explore_resolver_cache(
    t_ttl: float = 300.0, rate_queries: float = 10.0, n_resolvers: int = 100, seed: int = 2026
) -> Explorer:
    """TTL, lookups/s and resolvers -> hit ratio, mean lookup time and authoritative load."""
    controls = {
        "t_ttl": slider("TTL (s)", t_ttl, 1.0, 1e5, 0.05, log=True, readout_format=".3g"),
        "rate_queries": slider(
            "Lookups/s (all users)", rate_queries, 0.01, 1e4, 0.1, log=True, readout_format=".3g"
        ),
        "n_resolvers": slider("Resolvers", n_resolvers, 1, 1000),
    }
    ttls = np.logspace(0, 5, 121)
    fig = _cache_figure(ttls, t_ttl, seed)

    def update(ex: Explorer):
        c = {k: w.value for k, w in ex.controls.items()}
        ttl, rate, n_res = float(c["t_ttl"]), float(c["rate_queries"]), int(c["n_resolvers"])
        lam = rate / n_res  # each resolver's share
        stream = QueryStream(rate, n_resolvers=n_res)
        curve_h = lam * ttls / (1 + lam * ttls)
        curve_up = n_res * lam / (1 + lam * ttls)
        now = expected_cache_stats(stream, ttl)
        t_sim = _sim_duration(rate, ttl, lam)
        sim = simulate_cache(stream, ttl, t_sim, rng=np.random.default_rng(seed))
        d = ex.figure.data
        d[0].y = 100 * curve_h
        d[1].y = curve_up
        d[2].x, d[2].y = [ttl], [100 * now.hit_ratio]
        d[3].x, d[3].y = [ttl], [100 * sim.hit_ratio]
        d[4].x, d[4].y = [ttl], [now.rate_upstream]
        one_in = rate / now.rate_upstream if now.rate_upstream > 0 else float("inf")
        ex.caption.value = caption_html(
            f"TTL {_num(ttl)} s, {_num(rate)} lookups/s shared by {n_res} resolvers "
            f"({_num(lam)}/s each):",
            f"{_pct(now.hit_ratio)} of lookups are answered from a resolver's cache "
            f"(a simulation of {_span(t_sim)} from empty caches: {_pct(sim.hit_ratio)});",
            f"a lookup takes {now.t_mean_lookup * 1000:.1f} ms on average "
            f"({T_CLIENT * 1000:.0f} ms on a hit, {(T_CLIENT + T_AUTH) * 1000:.0f} ms on a miss);",
            f"the authoritative servers receive {_num(now.rate_upstream)} queries/s, "
            f"one for every {_num(one_in)} lookups.",
        )
        return now

    return Explorer(title="Explore: what a TTL buys", controls=controls, figure=fig, update=update)


def page_load_figure(
    loads: dict[str, PageLoad], title: str = "Where a page load's time goes"
) -> StaticFigure:
    """Stacked horizontal bars (ms): one bar per named ``PageLoad``, one colour per part."""
    names = list(loads)
    parts = ["DNS", "connection", "request", "response"]
    patterns = ["", "/", ".", "x"]
    fig = go.Figure()
    for k, part in enumerate(parts):
        fig.add_bar(
            y=names,
            x=[loads[n].parts()[part] * 1000 for n in names],
            name=part,
            orientation="h",
            marker=dict(color=PALETTE[k], pattern=dict(shape=patterns[k])),
        )
    fig.update_layout(**base_layout(title, "time (ms)", "", barmode="stack", height=300))
    fig.update_layout(legend=dict(traceorder="normal"))
    fig.update_yaxes(autorange="reversed")
    return StaticFigure(fig)
