"""Every solution notebook runs headless, without errors, twice with identical outputs."""

from __future__ import annotations

import json
import time

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


@pytest.mark.parametrize("name", assignments())
def test_solution_runs_deterministically(name, tmp_path):
    """Run twice in fresh kernels; no errors or stderr; every cell's output identical."""
    runs, took = [], []
    for _ in range(2):
        start = time.perf_counter()
        nb = execute(source_notebook(name), cwd=tmp_path, timeout=120)
        took.append(time.perf_counter() - start)
        assert _errors(nb) == [], f"{name}: {_errors(nb)}"
        runs.append(comparable_outputs(nb))
    for i, (a, b) in enumerate(zip(*runs, strict=True)):
        assert a == b, f"{name}: code cell {i} gave different outputs on a second run"
    TIMES.mkdir(parents=True, exist_ok=True)
    (TIMES / f"{name}.json").write_text(json.dumps({"runs_s": took}))
    print(f"{name}: {took[0]:.1f} s, {took[1]:.1f} s")
