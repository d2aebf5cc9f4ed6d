"""The explorers' controls and number formats: one way to make a slider, one look.

Every control is labelled (``description``, read by screen readers), keyboard usable, wide
enough for its label and track (``Explorer`` sets a minimum width), and styled alike
(``STYLE``). A slow model asks for ``continuous=False``: the figure then follows on release.

>>> s = slider("TTL (s)", 60, 1, 600, 1)
>>> type(s).__name__, s.value, s.style.description_width
('IntSlider', 60, 'initial')
>>> type(slider("Hit ratio", 0.9, 0.0, 1.0, 0.01)).__name__
'FloatSlider'
>>> type(slider("Rate (requests/s)", 100, 1, 10_000, log=True)).__name__
'FloatLogSlider'
>>> fmt_ms(0.0834), fmt_pct(0.1234), fmt_rate(12_345.6)
('83 ms', '12.3 %', '12,346 requests/s')
"""

from __future__ import annotations

import math
import numbers

import ipywidgets as widgets

__all__ = [
    "STYLE",
    "slider",
    "dropdown",
    "checkbox",
    "toggle",
    "disable",
    "cap",
    "fmt_ms",
    "fmt_pct",
    "fmt_rate",
]

STYLE = {"description_width": "initial"}
"""The controls' style: the whole label is shown, never cut to the default 90 px."""


def slider(
    description: str,
    value: float,
    low: float,
    high: float,
    step: float | None = None,
    *,
    log: bool = False,
    continuous: bool = True,
    readout_format: str | None = None,
) -> widgets.Widget:
    """A labelled slider from ``low`` to ``high``: an ``IntSlider`` when the value, bounds and step
    are whole numbers, a ``FloatLogSlider`` (base 10) when ``log``, else a ``FloatSlider``.

    ``continuous=False`` updates on release only (for models slower than the 50 ms target).
    """
    # Wide enough for the whole label, a usable track (about 200 px) and the readout.
    width = widgets.Layout(min_width=f"{max(420, 7 * len(description) + 270)}px")
    common = dict(description=description, continuous_update=continuous, style=STYLE, layout=width)
    if readout_format is not None:
        common["readout_format"] = readout_format
    if log:
        if not 0 < low < high:
            raise ValueError(f"a log slider needs 0 < low < high; got low={low}, high={high}")
        span = math.log10(high) - math.log10(low)
        return widgets.FloatLogSlider(
            value=value,
            base=10,
            min=math.log10(low),
            max=math.log10(high),
            step=step if step is not None else span / 100,
            **common,
        )
    whole = all(
        isinstance(x, numbers.Integral) and not isinstance(x, bool)
        for x in (value, low, high, 1 if step is None else step)
    )
    if whole:
        return widgets.IntSlider(value=value, min=low, max=high, step=step or 1, **common)
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step if step is not None else (high - low) / 100,
        **common,
    )


def dropdown(description: str, options, value=None) -> widgets.Dropdown:
    """A labelled drop-down; ``options`` as ipywidgets takes them (values or (label, value))."""
    kwargs = dict(options=options, description=description, style=STYLE)
    if value is not None:
        kwargs["value"] = value
    return widgets.Dropdown(**kwargs)


def checkbox(description: str, value: bool = False) -> widgets.Checkbox:
    """A labelled checkbox (the label is shown beside the box, never indented)."""
    return widgets.Checkbox(value=value, description=description, indent=False, style=STYLE)


def toggle(description: str, options, value=None) -> widgets.ToggleButtons:
    """A labelled row of toggle buttons, for two to four choices seen at a glance."""
    kwargs = dict(options=options, description=description, style=STYLE)
    if value is not None:
        kwargs["value"] = value
    return widgets.ToggleButtons(**kwargs)


def disable(control: widgets.Widget, reason: str | None) -> None:
    """Grey ``control`` out with ``reason`` as its tooltip (``None`` enables it again): a control
    that would have no visible effect says why instead of silently doing nothing."""
    control.disabled = reason is not None
    control.tooltip = reason or ""


def cap(control: widgets.Widget, high) -> None:
    """Limit a slider's range to ``high``, the largest value the model can use now (it follows
    another control: a quorum of at most N replicas); a value above it moves down to it."""
    if control.max != high:
        control.max = high


def fmt_ms(t: float) -> str:
    """Seconds shown as milliseconds: ``0.0834 -> '83 ms'`` (the API is in seconds)."""
    return f"{t * 1000:,.0f} ms" if t >= 0.0095 else f"{t * 1000:.1f} ms"


def fmt_pct(p: float) -> str:
    """A share shown as a percentage with one decimal: ``0.1234 -> '12.3 %'``."""
    return f"{p * 100:.1f} %"


def fmt_rate(rate: float, what: str = "requests") -> str:
    """A rate with thousands separators: ``12345.6 -> '12,346 requests/s'``."""
    return f"{rate:,.0f} {what}/s"
