"""Thin interactive views over the models: ipywidgets controls wired to a plotly figure.

Every explorer is built the same way, so tests, benchmarks and the browser tier can drive any of
them without knowing its topic:

- an ``Explorer`` is an ``ipywidgets.VBox`` with ``controls`` (name -> widget, made with
  ``slider``, ``dropdown``, ``checkbox``, ``toggle`` from ``scalelab.widgets.controls``), a
  ``figure`` (a plotly ``go.Figure``), a ``caption`` (``ipywidgets.HTML`` stating the key numbers
  in words, which screen readers read and tests check) and ``result``, the model's last result;
- its ``update(ex)`` reads the controls, calls a pure model function, rewrites ``ex.figure`` and
  ``ex.caption`` and returns the model's result (kept as ``ex.result``, for learners who want the
  numbers behind the plot); it runs inside ``figure.batch_update()`` once at build time and on
  every control change; a control that would have no visible effect is greyed out with a reason
  (``disable``);
- the figure is shown through a ``FigureView`` (``scalelab.widgets.figureview``), which carries
  the whole current figure as widget state. A plotly ``FigureWidget`` is never displayed: its
  anywidget front end drops every update for good when its 5 MB module takes over 2 s to load,
  and a busy machine showed learners blank figures that never recovered (issue #24);
- factories are named ``explore_<something>`` and live in one submodule per topic
  (``scalelab.widgets.<topic>``), each taking only keyword arguments with defaults;
- ``show(factory)`` displays an explorer, except while nbgrader executes the notebook
  (``NBGRADER_EXECUTION`` is set), where it builds nothing and grading stays fast and headless;
- a figure that does not move is a ``StaticFigure``; numbers in captions use ``fmt_ms``,
  ``fmt_pct`` and ``fmt_rate`` (the API is in seconds; milliseconds only on display).

Plots use the Okabe-Ito palette (safe for colour-blind readers) plus dashes, axis titles with
units, and the legend beside the plot, never over the title (``base_layout``).
"""

from __future__ import annotations

import html
import os
import sys
from collections.abc import Callable

# Start-up time: plotly's FigureWidget and renderers import nbformat, whose jsonschema imports
# the optional rfc3987_syntax, which compiles a grammar at import (1.5 s of CPU, 5-10 s on a busy
# machine) only to check "iri" string formats that no notebook schema uses. Marking it absent
# before jsonschema loads makes jsonschema skip that one optional check (it imports it under
# `suppress(ImportError)`), and every chapter's kernel starts seconds sooner.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

import ipywidgets as widgets  # noqa: E402
import plotly.graph_objects as go  # noqa: E402

from scalelab.widgets.controls import (  # noqa: E402
    STYLE,
    checkbox,
    disable,
    dropdown,
    fmt_ms,
    fmt_pct,
    fmt_rate,
    slider,
    toggle,
)
from scalelab.widgets.figureview import FigureView, StaticFigure  # noqa: E402

__all__ = [
    "PALETTE",
    "DASHES",
    "STYLE",
    "Explorer",
    "FigureView",
    "StaticFigure",
    "base_layout",
    "caption_html",
    "checkbox",
    "disable",
    "dropdown",
    "fmt_ms",
    "fmt_pct",
    "fmt_rate",
    "in_grading",
    "show",
    "slider",
    "toggle",
]

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
"""Okabe & Ito (2008), 'Color Universal Design': distinguishable with every common colour-vision
deficiency."""

DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
"""Line dashes paired with ``PALETTE`` so series differ by more than colour."""


def in_grading() -> bool:
    """True while nbgrader executes the notebook (autograde or Validate)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def base_layout(title: str, x_title: str, y_title: str, **extra) -> dict:
    """A plotly layout dict with the course's look: white template, titled axes, fixed height."""
    layout = dict(
        template="plotly_white",
        title=dict(text=title, x=0.02),
        xaxis=dict(title=dict(text=x_title)),
        yaxis=dict(title=dict(text=y_title)),
        height=380,
        margin=dict(l=60, r=20, t=50, b=50),
        # Beside the plot, top-aligned: never over the title, however many entries it has.
        legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02),
    )
    layout.update(extra)
    for key, axis in layout.items():
        # plotly.js 3 syncs an overlaying axis's ticks to the axis below it by default, which
        # labels it with non-round numbers (13.5, 26.9, ...): give it its own round ticks.
        if key.startswith("yaxis") and isinstance(axis, dict) and axis.get("overlaying"):
            mode = "array" if "tickvals" in axis else "linear" if "dtick" in axis else "auto"
            layout[key] = {
                "tickmode": mode,
                "showgrid": False,
                **axis,
            }  # the caller's dict as given
    return layout


def caption_html(*sentences: str) -> str:
    """Join plain-text sentences into the caption's HTML (escaped, one paragraph)."""
    return (
        "<p role='status' aria-live='polite'>"
        + " ".join(html.escape(s) for s in sentences)
        + "</p>"
    )


class Explorer(widgets.VBox):
    """Controls above a live figure and a text caption; ``update()`` redraws from the model."""

    def __init__(
        self,
        *,
        title: str,
        controls: dict[str, widgets.Widget],
        figure: go.Figure,
        update: Callable[[Explorer], object],
    ):
        self.title = title
        self.controls = controls
        self.figure = figure
        self.caption = widgets.HTML(layout=widgets.Layout(min_height="2.5em"))
        self._update = update
        self._updating = self._again = False
        self.result = None
        heading = widgets.HTML(f"<b>{html.escape(title)}</b>")
        for control in controls.values():
            # Room for a long label and a usable track: rows wrap instead of squeezing sliders.
            if control.layout.width is None and control.layout.min_width is None:
                control.layout.min_width = "420px"
        rows = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        self.view: FigureView | None = None
        for control in controls.values():
            control.observe(self.update, names="value")
        self.update()
        # Built after the first update: the view's state holds the complete figure from the start.
        self.view = FigureView(figure)
        super().__init__([heading, rows, self.view, self.caption])

    def update(self, change=None) -> None:
        """Recompute from the current control values and redraw (the whole figure, as state).

        An update may change another control (a slider's range follows another's value, which
        can clamp its value): that change does not start a nested update halfway through this
        one; this one runs again, from the new values, once it is done."""
        if self._updating:
            self._again = True
            return
        self._updating = True
        try:
            self._again = True
            while self._again:
                self._again = False
                with self.figure.batch_update():
                    result = self._update(self)
        finally:
            self._updating = False
        if result is not None:
            self.result = result
        if self.view is not None:
            self.view.refresh()


def show(factory: Callable[..., Explorer], **kwargs) -> Explorer | None:
    """Build and display ``factory(**kwargs)``; skip it (return None) while nbgrader grades."""
    from IPython.display import display

    if in_grading():
        print(f"({factory.__name__} is not built while the notebook is being graded.)")
        return None
    explorer = factory(**kwargs)
    display(explorer)
    return explorer
