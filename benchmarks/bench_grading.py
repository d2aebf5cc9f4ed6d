"""Grade a generated class serially and in parallel in the same run (issue: grade on every core).

The class: BENCH_STUDENTS students (default 5, the fewest with a solved, a blank and a wrong
submission of each assignment: with 18 assignments 90 submissions per job count, about seven
minutes serially; 30 took an hour) × every released assignment (or the ones named
in BENCH_ASSIGNMENTS, comma-separated), mostly solved, some blank, some wrong. The same class is
graded with each job count in BENCH_JOBS (default: 1, 2 and every core), each into a fresh
course root, and the results are compared submission by submission.

Where the time goes: every result carries its phases (``coursekit.grade.PHASES``: our own
preparation, nbgrader's start-up, its bookkeeping, the sandboxed kernel and cells, collection,
and the instructor process's serial merge and feedback), read from nbgrader's time-stamped log.
The report gives each phase's mean per submission for every job count (phases stretch when two
submissions share two cores), the CPU the whole run used (this process and every process it
waited for) as a share of the machine, and the speed-up Amdahl's law allows given the serial
part (set-up plus the one writer's merge and feedback). Also measured apart: nbgrader's bare
start-up, a plain kernel's start-up and one gradebook merge.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Row

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "support"))  # make_class builds the class


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


def _cpu() -> float:
    """CPU seconds of this process and of every child process it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _machine() -> float:
    """CPU seconds the whole machine has been busy (not idle, not waiting for disk) since boot,
    from the first line of /proc/stat. Unlike ``_cpu`` it counts every process: the sandboxed
    kernels' time reaches ``_cpu`` only through the processes that reap them, and it missed
    about a third of the work (with 3 or 4 jobs on 2 cores the run was no faster than with 2,
    so the cores were full, while ``_cpu`` said 63 % busy)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def _job_counts(cores: int) -> list[int]:
    raw = os.environ.get("BENCH_JOBS", "")
    asked = [int(j) for j in raw.split(",") if j.strip()] if raw else [1, 2, cores]
    return sorted({1, *asked})


def run() -> list[Row]:
    from coursekit.grade import PHASES, grade_class, merge, sandbox_mode
    from coursekit.paths import assignments

    n = int(os.environ.get("BENCH_STUDENTS", "5"))
    names = [a for a in os.environ.get("BENCH_ASSIGNMENTS", "").split(",") if a] or assignments()
    cores = os.cpu_count() or 1
    rows, times, views, phases, busy, total, cpus = [], {}, {}, {}, {}, 0, {}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        for jobs in _job_counts(cores):
            course = Path(tmp) / f"jobs{jobs}"
            total = _build(course, n, names)
            cpu0, busy0, start = _cpu(), _machine(), time.perf_counter()
            results = grade_class(course, names, jobs=jobs, progress=False)
            times[jobs] = time.perf_counter() - start
            cpu = _cpu() - cpu0
            cpus[jobs] = _machine() - busy0
            views[jobs] = _view(results)
            phases[jobs] = {
                p: statistics.fmean(r.phases.get(p, 0.0) for r in results) for p in PHASES
            }
            busy[jobs] = statistics.fmean(r.seconds for r in results)
            occupancy = total * busy[jobs] / (times[jobs] * jobs)
            rows.append(
                Row(
                    f"grade {total} submissions, --jobs {jobs}",
                    times[jobs],
                    "s",
                    f"{times[jobs] / total:.2f} s per submission; {busy[jobs]:.2f} s each in a "
                    f"worker; workers busy {100 * occupancy:.0f} % of the run; machine busy "
                    f"{cpus[jobs]:.0f} s = {100 * cpus[jobs] / (times[jobs] * cores):.0f} % of "
                    f"{cores} cores (this process and its reaped children: {cpu:.0f} s)",
                )
            )
        for jobs in times:
            if jobs > 1:
                stretch = busy[jobs] / busy[1]
                occ = times[1] / (times[jobs] * jobs) * stretch  # occupancy vs serial
                usable = min(jobs, cores)
                speed_up = times[1] / times[jobs]
                rows.append(
                    Row(
                        f"speed-up with --jobs {jobs}",
                        speed_up,
                        "x",
                        f"target >= {0.7 * usable:.1f} (70 % of {usable} cores); = {jobs} jobs x "
                        f"{occ:.2f} (occupancy vs serial) / {stretch:.2f} (each submission takes "
                        f"this much longer); identical results: {views[jobs] == views[1]}",
                        target=0.7 * usable,
                    )
                )
                rows.append(
                    Row(
                        f"parallel efficiency with --jobs {jobs}",
                        speed_up / usable,
                        "x",
                        f"speed-up per usable core, target >= 0.7; wall {times[jobs]:.1f} s vs "
                        f"{times[1]:.1f} s serial",
                        target=0.7,
                    )
                )
                share = cpus[jobs] / (times[jobs] * usable)
                rows.append(
                    Row(
                        f"CPU-busy share with --jobs {jobs}",
                        share,
                        "x",
                        f"machine busy (/proc/stat; run on a quiet machine) / (wall x {usable} "
                        f"cores), target >= 0.8 (serial: {cpus[1] / times[1]:.2f} of one core); "
                        "low means waiting, not working",
                        target=0.8,
                    )
                )
        for phase in PHASES:
            per_job = ", ".join(f"--jobs {j}: {phases[j][phase]:.3f}" for j in times)
            rows.append(Row(f"phase {phase} (mean per submission)", phases[1][phase], "s", per_job))
        # The set-up before the first submission can start: one template and one release into
        # the instructor's gradebook per assignment (overlapped with grading when jobs > 1).
        from coursekit.grade import make_template
        from coursekit.nbg import run_nbgrader

        course = Path(tmp) / "jobs1"
        t0 = time.perf_counter()
        for a in names:
            make_template(a, Path(tmp) / "setup")
            run_nbgrader(
                "generate_assignment",
                a,
                "--force",
                f"--CourseDirectory.release_directory={Path(tmp) / 'setup' / 'release'}",
                cwd=course,
            )
        rows.append(
            Row(
                f"set-up for {len(names)} assignment(s), serial",
                time.perf_counter() - t0,
                "s",
                "templates + instructor releases; the workers build templates in parallel",
            )
        )
        # Where the time goes, measured apart.
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        for module, note in (
            ("nbgrader", "plain nbgrader"),
            ("coursekit.nbgrader_main", "as the grader starts it, once per submission"),
        ):
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", module, "--version"],
                env=env,
                capture_output=True,
                check=True,
            )
            rows.append(
                Row(f"start-up: python -m {module} --version", time.perf_counter() - t0, "s", note)
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
        rows.append(Row(f"sandbox: {sandbox_mode()[1]}", 0, "", ""))
    return rows
