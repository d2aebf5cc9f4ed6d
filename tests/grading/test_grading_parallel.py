"""Parallel grading gives exactly the serial results, and an interrupted run loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import make_class
import pytest
from coursekit.grade import Result, grade_class
from coursekit.release import release

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("parallel")]
A = "00-welcome"


def _class(course: Path) -> list:
    make_class.course_dir(course)
    release(course / "release", [A])
    cases = [
        c
        for c in make_class.cases(course / "release", [A])
        if c.student
        in (
            "ada-00-welcome",
            "bo-00-welcome",
            "cy-00-welcome",
            "corrupt",
            "calls-library",
            "always-equal",
            "empty",
        )
    ]
    for case in cases:
        make_class.write(course, case)
    return cases


def _view(results: list[Result]) -> dict:
    return {
        (r.student, r.assignment): (
            r.status,
            r.reason,
            sorted((k, v.score, v.max_score) for k, v in r.scores.items()),
        )
        for r in results
    }


def test_parallel_results_equal_serial(tmp_path):
    serial_course, parallel_course = tmp_path / "serial", tmp_path / "parallel"
    cases = _class(serial_course)
    _class(parallel_course)
    serial = grade_class(serial_course, [A], jobs=1, timeout=10, progress=False)
    parallel = grade_class(parallel_course, [A], jobs=2, timeout=10, progress=False)
    assert len(serial) == len(cases)
    assert _view(serial) == _view(parallel)


def test_interrupted_run_keeps_finished_results_and_resumes(tmp_path):
    course = tmp_path / "class"
    cases = _class(course)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    cmd = [
        sys.executable,
        "-m",
        "coursekit.grade",
        A,
        "--course",
        str(course),
        "--jobs",
        "1",
        "--timeout",
        "10",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = course / "results" / A
    deadline = time.monotonic() + 600
    graded = []
    while time.monotonic() < deadline:  # wait for the first notebook that really ran
        graded = (
            [p for p in results.glob("*.json") if Result.from_json(p.read_text()).seconds > 1]
            if results.exists()
            else []
        )
        if graded or proc.poll() is not None:
            break
        time.sleep(0.2)
    assert graded, "no result was saved before the run ended"
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err
    done = {p.name: p.stat().st_mtime for p in results.glob("*.json")}
    assert 0 < len(done) < len(cases), done
    assert not list(results.glob("*.part")), "a half-written result was left behind"
    for p in results.glob("*.json"):
        Result.from_json(p.read_text())  # every saved result is complete
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    left = len(cases) - len(done)
    assert f"{left}/{left} graded" in rerun.stderr, rerun.stderr[-1000:]
    after = {p.name: p.stat().st_mtime for p in results.glob("*.json")}
    assert len(after) == len(cases)
    assert all(after[name] == mtime for name, mtime in done.items()), "finished work was regraded"


def _grader_children(pid: int) -> list[int]:
    """PIDs of the nbgrader autograde processes that the grading run ``pid`` started.

    The grader starts nbgrader as ``python -m coursekit.nbgrader_main autograde ...``.
    """
    found = subprocess.run(
        ["pgrep", "-P", str(pid), "-f", r"(coursekit\.nbgrader_main|nbgrader) autograde "],
        capture_output=True,
        text=True,
    )
    return [int(p) for p in found.stdout.split()]


def test_killed_worker_loses_no_other_result_and_is_graded_next_run(tmp_path):
    """The out-of-memory killer (or an admin) kills one submission's nbgrader mid-run."""
    course = tmp_path / "class"
    cases = _class(course)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    cmd = [sys.executable, "-m", "coursekit.grade", A, "--course", str(course), "--jobs", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, victim = time.monotonic() + 600, None
    while time.monotonic() < deadline and proc.poll() is None:
        pids = _grader_children(proc.pid)
        if pids:
            time.sleep(1.0)  # let it get going: its kernel is starting or running cells
            if proc.poll() is None and pids[0] in _grader_children(proc.pid):
                victim = pids[0]
                os.kill(victim, signal.SIGKILL)
                break
        time.sleep(0.1)
    assert victim is not None, "no nbgrader process was seen to kill"
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, (out[-2000:], err[-2000:])
    assert "run the same command again" in err, err[-2000:]
    saved = {
        p.stem: Result.from_json(p.read_text()) for p in (course / "results" / A).glob("*.json")
    }
    assert len(saved) == len(cases), "every submission has a result, the killed one too"
    killed = [r for r in saved.values() if not r.final]
    assert len(killed) == 1, [(r.student, r.reason) for r in saved.values()]
    assert killed[0].status == "not graded" and "signal 9" in killed[0].reason
    assert killed[0].score == 0
    mtimes = {p.stem: p.stat().st_mtime for p in (course / "results" / A).glob("*.json")}
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "1/1 graded" in rerun.stderr, rerun.stderr[-1000:]
    after = {
        p.stem: Result.from_json(p.read_text()) for p in (course / "results" / A).glob("*.json")
    }
    again = after[killed[0].student]
    assert again.final and again.status == "graded" and "signal" not in again.reason
    for p in (course / "results" / A).glob("*.json"):
        if p.stem != killed[0].student:
            assert p.stat().st_mtime == mtimes[p.stem], f"{p.stem} was regraded"
