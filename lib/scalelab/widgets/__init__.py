"""Thin interactive views over the models: ipywidgets controls wired to a plotly FigureWidget.

Every explorer is built the same way, so tests, benchmarks and the browser tier can drive any of
them without knowing its topic:

- an ``Explorer`` is an ``ipywidgets.VBox`` with ``controls`` (name -> widget), a ``figure``
  (``plotly.graph_objects.FigureWidget``) and a ``caption`` (``ipywidgets.HTML`` stating the key
  numbers in words, which screen readers read and tests check);
- its ``update()`` reads the controls, calls a pure model function and rewrites the figure inside
  ``figure.batch_update()``; it runs once at build time and on every control change;
- factories are named ``explore_<something>`` and live in one submodule per topic
  (``scalelab.widgets.<topic>``), each taking only keyword arguments with defaults;
- ``show(factory)`` displays an explorer, except while nbgrader executes the notebook
  (``NBGRADER_EXECUTION`` is set), where it builds nothing and grading stays fast and headless.

Plots use the Okabe-Ito palette (safe for colour-blind readers) plus dashes, and axis titles
with units.
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

__all__ = ["PALETTE", "DASHES", "Explorer", "base_layout", "caption_html", "in_grading", "show"]

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
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
    )
    layout.update(extra)
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
        figure: go.FigureWidget,
        update: Callable[[Explorer], None],
    ):
        self.title = title
        self.controls = controls
        self.figure = figure
        self.caption = widgets.HTML(layout=widgets.Layout(min_height="2.5em"))
        self._update = update
        heading = widgets.HTML(f"<b>{html.escape(title)}</b>")
        for control in controls.values():
            # Room for a long label and a usable track: rows wrap instead of squeezing sliders.
            if control.layout.width is None and control.layout.min_width is None:
                control.layout.min_width = "420px"
        rows = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([heading, rows, figure, self.caption])
        for control in controls.values():
            control.observe(self.update, names="value")
        self.update()

    def update(self, change=None) -> None:
        """Recompute from the current control values and redraw (one batched figure update)."""
        with self.figure.batch_update():
            self._update(self)


def show(factory: Callable[..., Explorer], **kwargs) -> Explorer | None:
    """Build and display ``factory(**kwargs)``; skip it (return None) while nbgrader grades."""
    from IPython.display import display

    if in_grading():
        print(f"({factory.__name__} is not built while the notebook is being graded.)")
        return None
    explorer = factory(**kwargs)
    display(explorer)
    return explorer
