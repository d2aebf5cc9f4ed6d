"""Feedback pages: readable offline (nothing fetched from the web)."""

from __future__ import annotations

import re

import nbformat
import pytest
from coursekit.feedback import render

pytestmark = pytest.mark.lib


def test_feedback_loads_no_script_or_style_from_the_web():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Feedback\n\nA formula: $\\rho = \\lambda / \\mu$"),
            nbformat.v4.new_markdown_cell("```mermaid\ngraph LR\n  a --> b\n```"),
            nbformat.v4.new_code_cell("1 + 1"),
        ]
    )
    html = render(nb)
    assert "Feedback" in html and "rho" in html
    fetched = re.findall(r"""(?:src=|href=|from\s+)["'](https?://[^"']+)""", html)
    assert fetched == [], fetched
