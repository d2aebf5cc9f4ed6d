"""Grade a generated class serially and in parallel in the same run (issue: grade on every core).

The class: BENCH_STUDENTS students (default 30) × every released assignment (or the ones named
in BENCH_ASSIGNMENTS, comma-separated), mostly solved, some blank, some wrong. The same class is
graded with --jobs 1 and with --jobs 2 (and every core if more), each into a fresh course root,
and the results are compared submission by submission. Where the time goes is measured apart:
nbgrader's start-up, a kernel's start-up, and one gradebook merge.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Row

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def _build(course: Path, n: int, names: list[str]) -> int:
    import make_class
    from coursekit.release import release

    make_class.course_dir(course)
    release(course / "release", names)
    cases = make_class.big_class(course / "release", n, names)
    for case in cases:
        make_class.write(course, case)
    return len(cases)


def _view(results) -> dict:
    return {
        (r.student, r.assignment): (r.status, sorted((k, v.score) for k, v in r.scores.items()))
        for r in results
    }


def run() -> list[Row]:
    from coursekit.grade import grade_class, merge, sandbox_mode
    from coursekit.paths import assignments

    n = int(os.environ.get("BENCH_STUDENTS", "30"))
    names = [a for a in os.environ.get("BENCH_ASSIGNMENTS", "").split(",") if a] or assignments()
    cores = os.cpu_count() or 1
    rows, times, views = [], {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for jobs in sorted({1, 2, cores}):
            course = Path(tmp) / f"jobs{jobs}"
            total = _build(course, n, names)
            start = time.perf_counter()
            results = grade_class(course, names, jobs=jobs, progress=False)
            times[jobs] = time.perf_counter() - start
            views[jobs] = _view(results)
            rows.append(
                Row(
                    f"grade {total} submissions, --jobs {jobs}",
                    times[jobs],
                    "s",
                    f"{times[jobs] / total:.2f} s per submission",
                )
            )
        for jobs in times:
            if jobs > 1:
                rows.append(
                    Row(
                        f"speed-up with --jobs {jobs}",
                        times[1] / times[jobs],
                        "x",
                        f"target >= 1.4 on 2 cores; identical results: {views[jobs] == views[1]}",
                    )
                )
        # Where the time goes, measured apart.
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "--version"],
            env=env,
            capture_output=True,
            check=True,
        )
        rows.append(
            Row(
                "nbgrader start-up (nbgrader --version)",
                time.perf_counter() - t0,
                "s",
                "paid once per submission",
            )
        )
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import numpy, plotly.graph_objects, scalelab"],
            capture_output=True,
            check=True,
        )
        rows.append(
            Row(
                "kernel-side imports (numpy, plotly, scalelab)",
                time.perf_counter() - t0,
                "s",
                "paid once per notebook",
            )
        )
        from jupyter_client.manager import start_new_kernel

        t0 = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3")
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        rows.append(
            Row("kernel start + shutdown", time.perf_counter() - t0, "s", "paid once per notebook")
        )
        last = results[-1]
        db = f"sqlite:///{Path(tmp) / 'jobs1' / 'gradebook.db'}"
        t0 = time.perf_counter()
        for _ in range(10):
            merge(last, db)
        rows.append(
            Row(
                "gradebook merge of one result",
                (time.perf_counter() - t0) / 10,
                "s",
                "the single writer's share",
            )
        )
        rows.append(Row(f"sandbox: {sandbox_mode(0)[2]}", 0, "", ""))
    return rows
