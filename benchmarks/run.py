"""`make bench`: speed and memory figures, printed as one report (never asserted in unit tests).

Every ``benchmarks/bench_*.py`` module defines ``run() -> list[Row]``; this script adds the
course-wide figures itself:

- each solution notebook's headless run time;
- each explorer's Python-side update time (model call + ``batch_update``), the median of
  repeated moves of each of its sliders;
- the time nbgrader takes to autograde one submission.

The report is printed and saved to ``build/bench.json``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Row  # noqa: E402


def widget_rows(repeats: int = 15) -> list[Row]:
    import ipywidgets as widgets
    import scalelab.widgets as pkg

    rows = []
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"scalelab.widgets.{info.name}")
        for name, factory in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("explore_") or factory.__module__ != module.__name__:
                continue
            ex = factory()
            times = []
            for control in ex.controls.values():
                if isinstance(control, widgets.FloatLogSlider):
                    lo, hi = control.min, control.max  # exponents of control.base
                    values = [
                        control.base ** (lo + (hi - lo) * k / (repeats - 1)) for k in range(repeats)
                    ]
                elif isinstance(control, widgets.IntSlider | widgets.FloatSlider):
                    lo, hi = control.min, control.max
                    values = [lo + (hi - lo) * k / (repeats - 1) for k in range(repeats)]
                    if isinstance(control, widgets.IntSlider):
                        values = [int(round(v)) for v in values]
                else:
                    continue
                start = control.value
                for v in values:
                    if v == control.value:
                        continue
                    t0 = time.perf_counter()
                    control.value = v
                    times.append(time.perf_counter() - t0)
                control.value = start
            if times:
                # An explorer whose sliders all update only on release (continuous_update=False)
                # runs a heavier model; its target is what one release may take.
                sliders = [c for c in ex.controls.values() if hasattr(c, "continuous_update")]
                on_release = bool(sliders) and not any(c.continuous_update for c in sliders)
                rows.append(
                    Row(
                        f"widget update {info.name}.{name} (median of {len(times)})",
                        statistics.median(times) * 1000,
                        "ms",
                        "target < 500 ms (updates on release)" if on_release else "target < 50 ms",
                    )
                )
    return rows


def notebook_rows() -> list[Row]:
    from coursekit.notebooks import execute
    from coursekit.paths import assignments, source_notebook

    rows = []
    for name in assignments():
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            execute(source_notebook(name), cwd=Path(tmp))
            rows.append(
                Row(f"notebook run {name}", time.perf_counter() - t0, "s", "headless, fresh kernel")
            )
    return rows


def autograde_rows() -> list[Row]:
    from coursekit.nbg import autograde, course_root, solved_notebook, submit

    with tempfile.TemporaryDirectory() as tmp:
        root = course_root(Path(tmp), ["00-welcome"])
        submit(root, "00-welcome", "alice", solved_notebook("00-welcome", root / "release"))
        t0 = time.perf_counter()
        autograde(root, "00-welcome")
        took = time.perf_counter() - t0
    return [
        Row(
            "autograde one submission (00-welcome, nbgrader CLI)",
            took,
            "s",
            "includes nbgrader start-up",
        )
    ]


def main() -> None:
    rows: list[Row] = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        print(f"running {path.name} ...", flush=True)
        rows += module.run()
    print("timing widgets, notebooks and autograding ...", flush=True)
    rows += widget_rows() + notebook_rows() + autograde_rows()
    width = max(len(r.name) for r in rows)
    print(f"\n{'benchmark':<{width}}  {'value':>12}  unit   note")
    for r in rows:
        print(f"{r.name:<{width}}  {r.value:>12.4g}  {r.unit:<5}  {r.note}")
    out = HERE.parent / "build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    print(f"\nsaved {out}")


if __name__ == "__main__":
    main()
