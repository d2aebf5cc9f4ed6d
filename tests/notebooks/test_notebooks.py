"""Every solution notebook runs headless, without errors, twice with identical outputs.

This is also the tier's "the notebooks run" check: nbval's lax mode used to run each notebook a
third time to prove what the first run here proves already (every cell runs without an error;
nbval compares outputs only of cells tagged ``nbval-check-output``, and the committed solutions
carry no outputs to compare with). Here each run must also write nothing to stderr, and the two
runs, in fresh kernels, must give the same outputs cell by cell. ``nbval-*`` tags would now be
ignored silently, so a test makes sure no notebook relies on one.
"""

from __future__ import annotations

import json
import time

import nbformat
import pytest
from coursekit.notebooks import comparable_outputs, execute
from coursekit.paths import ROOT, assignments, source_notebook

pytestmark = pytest.mark.notebooks
TIMES = ROOT / "build" / "notebook-times"


def _errors(nb) -> list[str]:
    bad = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
            continue
        for out in cell.outputs:
            if out.output_type == "error":
                bad.append(f"cell {i}: {out.ename}: {out.evalue}")
            if out.output_type == "stream" and out.name == "stderr":
                bad.append(f"cell {i} wrote to stderr: {out.text[:200]}")
    return bad


# Characters of monospace text one output line holds in JupyterLab at a 1280 px wide window
# (840 px at 7.8 px a character, measured in Chromium): a longer printed line wraps, mid-number.
LINE_WIDTH = 104


def _wide_lines(nb) -> list[str]:
    """Printed lines (and plain-text results) too wide for the output area."""
    wide = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            plain = [data["text/plain"]] if list(data) == ["text/plain"] else []
            for text in ([out.text] if out.output_type == "stream" else []) + plain:
                wide += [
                    f"cell {i} ({len(line)} characters): {line[:60]}..."
                    for line in text.splitlines()
                    if len(line) > LINE_WIDTH
                ]
    return wide


@pytest.mark.parametrize("name", assignments())
def test_solution_runs_deterministically(name, tmp_path):
    """Run twice in fresh kernels; no errors or stderr; no line too wide to read; every cell's
    output identical."""
    runs, took = [], []
    for _ in range(2):
        start = time.perf_counter()
        nb = execute(source_notebook(name), cwd=tmp_path, timeout=120)
        took.append(time.perf_counter() - start)
        assert _errors(nb) == [], f"{name}: {_errors(nb)}"
        assert _wide_lines(nb) == [], f"{name}: lines wider than {LINE_WIDTH}: {_wide_lines(nb)}"
        runs.append(comparable_outputs(nb))
    for i, (a, b) in enumerate(zip(*runs, strict=True)):
        assert a == b, f"{name}: code cell {i} gave different outputs on a second run"
    TIMES.mkdir(parents=True, exist_ok=True)
    (TIMES / f"{name}.json").write_text(json.dumps({"runs_s": took}))
    print(f"{name}: {took[0]:.1f} s, {took[1]:.1f} s")


@pytest.mark.parametrize("name", assignments())
def test_no_cell_relies_on_nbval(name):
    """No solution cell carries an nbval tag or comment (nbval no longer runs the notebooks)."""
    nb = nbformat.read(source_notebook(name), as_version=4)
    tagged = [
        i
        for i, cell in enumerate(nb.cells)
        if any(t.startswith("nbval") for t in cell.metadata.get("tags", []))
        or cell.source.lstrip().startswith("# NBVAL")
    ]
    assert tagged == [], f"{name}: cells {tagged} carry nbval tags, which no test honours"
