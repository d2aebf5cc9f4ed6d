"""``FigureView``: a plotly figure shown from state, so every view of it draws the current figure.

Why not display the ``go.FigureWidget`` itself (issue #24): with plotly 6+/7 a FigureWidget is an
anywidget whose front-end model first imports a 5 MB ES module (plotly.js) from its ``_esm`` trait.
anywidget 0.11 holds every comm message for that model until the import and the module's
``initialize`` are done, and gives up after 2 s (``Runtime``: ``AbortSignal.timeout(2000)`` rejects
``ready``; ``AnyModel._handle_comm_msg`` awaits ``ready`` before applying a message). On a busy
machine the import takes longer, ``ready`` is rejected for good, and every later message to that
model is dropped: the figure's data and layout (sent after the comm opens, which carries empty
``_widget_data``/``_widget_layout``) and every ``_py2js_*`` update of a slider move. The view then
draws an empty figure (default axes -1..6, -1..4) and never changes. Nothing from the kernel can
repair a model in that state.

``FigureView`` is an ``ipywidgets.Output`` (a core widget: no module to load, no timeout) whose
``outputs`` state holds the whole figure as plotly's own MIME bundle, rendered by JupyterLab's
plotly extension (offline). ``refresh()`` replaces that state with the current figure, so a view
created late, re-created, or created while the kernel is still sending, draws the figure as it is
now; there is no delta to miss.
"""

from __future__ import annotations

import json

import ipywidgets as widgets
import plotly.io as pio
from plotly.basedatatypes import BaseFigure

__all__ = ["FigureView", "StaticFigure", "PLOTLY_MIME", "plotly_bundle"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
"""Plotly's MIME type, rendered offline by JupyterLab's plotly extension (jupyterlab-plotly)."""


def plotly_bundle(figure: BaseFigure) -> dict:
    """``figure`` as a display bundle: plotly's MIME type (JSON spec) plus a plain-text stand-in.

    Built with ``plotly.io.to_json`` directly, never through ``plotly.io``'s renderers, whose
    first use imports nbformat and jsonschema (seconds on a busy machine)."""
    spec = json.loads(pio.to_json(figure, validate=False, remove_uids=True))
    spec.setdefault("config", {})["responsive"] = True
    title = figure.layout.title.text or "figure"
    return {PLOTLY_MIME: spec, "text/plain": f"<plotly figure: {title}>"}


class StaticFigure:
    """A plotly ``Figure`` that a notebook displays as plotly's MIME type (see ``plotly_bundle``).

    ``.figure`` is the plotly figure; any other attribute is looked up on it.
    """

    def __init__(self, figure: BaseFigure):
        self.figure = figure

    def __getattr__(self, name):
        if name.startswith("_"):  # IPython probes _ipython_display_ & co: never the figure's
            raise AttributeError(name)
        return getattr(self.figure, name)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return plotly_bundle(self.figure)


class FigureView(widgets.Output):
    """Displays ``figure`` (a plotly ``Figure`` or ``FigureWidget``); call ``refresh()`` after
    changing it."""

    def __init__(self, figure: BaseFigure, **kwargs):
        height = figure.layout.height or 450
        # Keep the space while an output is replaced, so the page does not jump on a slider move.
        kwargs.setdefault("layout", widgets.Layout(min_height=f"{height}px"))
        super().__init__(**kwargs)
        self.figure = figure
        self.refresh()

    def refresh(self) -> None:
        """Send the figure's complete current state (one message; replaces the last one)."""
        self.outputs = (
            {"output_type": "display_data", "data": plotly_bundle(self.figure), "metadata": {}},
        )
