"""Every explorer, driven without a browser: built on the shared helpers, and every control it
leaves enabled changes the figure's data when moved (a control with no visible effect is greyed
out with a reason, ``scalelab.widgets.disable``). The browser tier checks the same on the page."""

from __future__ import annotations

import importlib
import inspect
import json

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import pytest
from scalelab.widgets import Explorer

MODULES = [
    "architecture",
    "cache",
    "cdn",
    "dns",
    "estimate",
    "geo",
    "load_balancer",
    "netsim",
    "overload",
    "practice",
    "queueing",
    "quorum",
    "replication",
    "sessions",
    "sharding",
]


def factories():
    for name in MODULES:
        module = importlib.import_module(f"scalelab.widgets.{name}")
        for attr in module.__all__:
            if attr.startswith("explore_"):
                yield f"{name}.{attr}", getattr(module, attr)


FACTORIES = dict(factories())


def drawn(ex: Explorer) -> list:
    """What the figure draws: each trace's names and labels, and its numbers."""
    out = []
    for trace in ex.figure.data:
        spec = trace.to_plotly_json()
        numbers = {}
        for key in ("x", "y", "z", "base"):
            value = spec.pop(key, None)
            if value is None:
                continue
            try:
                numbers[key] = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                spec[key] = list(value)
        out.append((json.dumps(spec, default=str, sort_keys=True), numbers))
    return out


def visibly_different(a: list, b: list) -> bool:
    """True when a trace's labels changed or a number moved by 0.5 % of its axis' span."""
    if len(a) != len(b):
        return True
    for (spec_a, num_a), (spec_b, num_b) in zip(a, b, strict=True):
        if spec_a != spec_b or num_a.keys() != num_b.keys():
            return True
        for key in num_a:
            x, y = num_a[key], num_b[key]
            if x.shape != y.shape or not np.array_equal(np.isnan(x), np.isnan(y)):
                return True
            both = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)]])
            span = np.ptp(both) if both.size else 0.0
            if not np.allclose(x, y, rtol=0, atol=0.005 * span + 1e-12, equal_nan=True):
                return True
    return False


def other_values(control: widgets.Widget) -> list:
    """A few values to move ``control`` to: its neighbours and far ends."""
    if isinstance(control, widgets.IntRangeSlider):
        lo, hi = control.value
        return [(lo, min(hi + control.step * 2, control.max)), (max(lo - control.step, 0), hi)]
    if hasattr(control, "options") and control.options:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [v for v in values if v != control.value]
    if isinstance(control, widgets.Checkbox):
        return [not control.value]
    if isinstance(control, (widgets.IntText,)):
        return [control.value + 1]
    if isinstance(control, widgets.FloatLogSlider):
        return [control.base**control.max, control.base**control.min]
    if hasattr(control, "min"):
        return [control.max, control.min, (control.min + control.max) / 2]
    raise AssertionError(f"no way to move {type(control).__name__}")


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_explorer_uses_the_shared_helpers(name):
    ex = FACTORIES[name]()
    assert type(ex.figure) is go.Figure, f"{name}: build a go.Figure, never a FigureWidget"
    assert ex.result is not None, f"{name}: update(ex) returns the model's result"
    params = inspect.signature(FACTORIES[name]).parameters
    bad = [p for p in params if p.endswith(("_ms", "_rps")) or p in ("capacity", "traffic")]
    assert bad == [], f"{name}: keywords outside the vocabulary: {bad}"
    for trace in ex.figure.data:
        assert trace.name, f"{name}: an unnamed trace shows in the legend as 'trace N'"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_enabled_control_changes_the_figure(name):
    ex = FACTORIES[name]()
    silent = []
    for key, control in ex.controls.items():
        if control.disabled:
            assert control.tooltip, f"{name}: '{key}' is disabled without a reason"
            continue
        start = control.value
        before = drawn(ex)
        moved = False
        for value in other_values(control):
            try:
                control.value = value
            except Exception:  # noqa: BLE001 - a value the control refuses (a TraitError)
                continue
            if visibly_different(drawn(ex), before) or control.disabled:
                moved = True
                break
        if not moved:
            silent.append(key)
        control.value = start
    assert silent == [], f"{name}: controls that change nothing in the figure: {silent}"


def test_geo_routing_is_greyed_out_only_when_it_changes_nothing():
    """The shortcut behind greying out 'GeoDNS routing': with no DC over capacity under the
    nearest-healthy router, the capacity-aware router routes the same."""
    from dataclasses import replace

    from scalelab.geo import REGIONS, FailoverParams, make_world, simulate_failover

    rng = np.random.default_rng(1)
    for _ in range(20):
        users = {r: float(rng.uniform(0, 40)) for r in REGIONS}
        cap = float(rng.choice(np.arange(2_000, 16_001, 500)))
        world = make_world(users, ("na-east", "europe", "asia"), cap)
        p = FailoverParams(dc=int(rng.integers(-1, 3)), t_ttl=60.0, policy="nearest")
        out = simulate_failover(world, p)
        if (out.rate_load <= cap).all():
            other = simulate_failover(world, replace(p, policy="capacity"))
            np.testing.assert_allclose(other.rate_load, out.rate_load)
