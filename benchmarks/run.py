"""`make bench`: speed and memory figures, printed as one report (never asserted in unit tests).

Every ``benchmarks/bench_*.py`` module defines ``run() -> list[Row]``; this script adds the
course-wide figures itself:

- each solution notebook's headless run time;
- each explorer's Python-side update time (model call + ``batch_update``), the median CPU time
  of repeated moves of each of its sliders (min and wall time beside it), against 50 ms for
  every explorer;
- the time nbgrader takes to autograde one submission.

Rows with a target print MET or MISSED, and a closing note counts them. ``BENCH_ONLY`` (a
comma-separated list of module names without ``bench_``, e.g. ``cache,queueing``, or
``widgets``, ``notebooks``, ``autograde``) runs only those parts: on a shared machine, measure
what you changed. The report is printed and saved to ``build/bench.json``.

The run keeps freed memory in the process (glibc's ``MALLOC_MMAP_MAX_=0`` and a high
``MALLOC_TRIM_THRESHOLD_``; the script starts itself again with them). On the virtual machines
the course runs on, memory handed back to the system and touched again costs system time: a
simulation of 1e7 customers spent 0.6-2.9 s of system time beside 0.7 s of its own work when the
heap loop ran between its rounds, which measured the machine, not the model. Python objects
(the plain loops' floats) come from Python's own arenas, which these settings do not change.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Row, Timing  # noqa: E402

TARGET_EXPLORER_MS = 50.0


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
            cpu, wall = [], []
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
                    w0, c0 = time.perf_counter(), time.process_time()
                    control.value = v
                    cpu.append(time.process_time() - c0)
                    wall.append(time.perf_counter() - w0)
                control.value = start
            if cpu:
                t = Timing(tuple(cpu), tuple(wall))
                rows.append(
                    Row(
                        f"widget update {info.name}.{name} (median of {len(cpu)})",
                        t.cpu_median * 1000,
                        "ms",
                        f"CPU median (min {t.cpu_min * 1000:.1f} ms, wall median "
                        f"{t.wall_median * 1000:.1f} ms); target <= {TARGET_EXPLORER_MS:g} ms",
                        target=TARGET_EXPLORER_MS,
                        better="lower",
                        **t.fields(),
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
    sys.path.insert(0, str(HERE.parent / "tests" / "support"))  # the tests' nbgrader helpers
    from answers import autograde, solved_notebook, submit
    from coursekit.nbg import course_root

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


def _wanted(name: str) -> bool:
    only = os.environ.get("BENCH_ONLY", "").strip()
    return not only or name in {x.strip() for x in only.split(",")}


def report(rows: list[Row]) -> str:
    """The report: one line per row (value, unit, MET/MISSED, note) and a closing count."""
    if not rows:
        return "nothing measured (see BENCH_ONLY)"
    width = max(len(r.name) for r in rows)
    lines = [f"{'benchmark':<{width}}  {'value':>12}  unit   {'status':<6}  note"]
    for r in rows:
        lines.append(f"{r.name:<{width}}  {r.value:>12.4g}  {r.unit:<5}  {r.status:<6}  {r.note}")
    goals = [r for r in rows if r.status]
    missed = [r for r in goals if r.status == "MISSED"]
    lines.append(f"\n{len(goals) - len(missed)} of {len(goals)} targets met.")
    lines += [f"  MISSED: {r.name}: {r.value:.4g} {r.unit} ({r.note})" for r in missed]
    return "\n".join(lines)


def _save(rows: list[Row]) -> Path:
    out = HERE.parent / "build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps([{**r.__dict__, "status": r.status} for r in rows], indent=1))
    return out


def _part(name: str, part) -> list[Row]:
    """One part's rows; a part that stops with an error is one MISSED row saying why, and the
    other parts still run (a crash in the last part once lost a 40-minute run's figures)."""
    try:
        return part()
    except Exception as e:  # noqa: BLE001 - reported as a missed row, never hidden
        print(f"  {name} stopped: {type(e).__name__}: {e}", flush=True)
        return [
            Row(f"{name}: did not finish", float("nan"), "", f"{type(e).__name__}: {e}", target=0)
        ]


KEEP_MEMORY = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


def main() -> None:
    if any(os.environ.get(k) != v for k, v in KEEP_MEMORY.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **KEEP_MEMORY})
    rows: list[Row] = []
    parts = [
        (path.stem, lambda path=path: importlib.import_module(path.stem).run())
        for path in sorted(HERE.glob("bench_*.py"))
        if _wanted(path.stem.removeprefix("bench_"))
    ]
    parts += [
        (name, part)
        for name, part in (
            ("widgets", widget_rows),
            ("notebooks", notebook_rows),
            ("autograde", autograde_rows),
        )
        if _wanted(name)
    ]
    for name, part in parts:
        print(f"running {name} ...", flush=True)
        rows += _part(name, part)
        _save(rows)  # what is measured so far survives a later part's crash
    print("\n" + report(rows))
    print(f"\nsaved {_save(rows)}")


if __name__ == "__main__":
    main()
