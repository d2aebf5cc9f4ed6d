"""A whole class graded the way an instructor does: isolated, with a result and a reason for all.

The class (tests/support/make_class.py) mixes correct, partly correct, blank and broken work across the
released assignments; `python -m coursekit.grade` grades it in one command, in parallel.
"""

from __future__ import annotations

import csv
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import make_class
import nbformat
import pytest
from coursekit.feedback import text_of
from coursekit.grade import Result
from coursekit.nbg import run_nbgrader
from coursekit.paths import ROOT
from coursekit.release import release

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("integrity")]
ROOTED = os.geteuid() == 0
EVERYDAY = ("00-welcome", "07-caching", "14-millions")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    # The course root lies outside the repository, and a decoy checkout with a solutions
    # notebook sits elsewhere on the machine while the class is graded: the probe must see neither.
    course = make_class.course_dir(tmp_path_factory.mktemp("class") / "grading")
    decoy = tmp_path_factory.mktemp("decoy-checkout") / "solutions" / "00-welcome"
    decoy.mkdir(parents=True)
    (decoy / "00-welcome.ipynb").write_text(
        (ROOT / "solutions" / "00-welcome" / "00-welcome.ipynb").read_text()
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    release(course / "release")
    # Solved, blank and wrong work on every assignment is the round trip's job (graded there
    # once); here three assignments carry them through the instructor's command.
    cases = [
        c
        for c in make_class.cases(course / "release", port=port, everyday=EVERYDAY)
        if ROOTED or not c.needs_root
    ]
    for case in cases:
        make_class.write(course, case)
    cmd = [
        sys.executable,
        "-m",
        "coursekit.grade",
        "--course",
        str(course),
        "--jobs",
        "2",
        "--timeout",
        "10",
    ]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    listener.settimeout(0)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        try:
            listener.accept()
            accepted = True
        except OSError:
            accepted = False
    finally:
        listener.close()
    print(proc.stdout[-6000:])
    results = {}
    for path in (course / "results").glob("*/*.json"):
        r = Result.from_json(path.read_text())
        results[(r.student, r.assignment)] = r
    return {
        "course": course,
        "cases": cases,
        "proc": proc,
        "results": results,
        "cmd": cmd,
        "env": env,
        "accepted": accepted,
        "decoy": decoy,
    }


def test_grading_ends_with_a_summary_table_and_exit_0(graded):
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "student" in proc.stdout and "reason" in proc.stdout
    assert f"{len(graded['cases'])} submission(s)" in proc.stdout


def test_sandbox_is_active_when_root(graded):
    out = graded["proc"].stdout
    if ROOTED:
        assert "sandbox: bubblewrap, as an unprivileged sandbox user" in out, out[:500]
        # A fixed pool, one user per job, and the summary names the users that ran code.
        assert "student code ran as: scalelab-grader0, scalelab-grader1" in out, out[-800:]
        assert "scalelab-grader2" not in out


def test_the_probe_finds_nothing_and_connects_nowhere(graded):
    """Hidden tests, gradebooks, other processes, the network: none reachable from student code."""
    nb_path = graded["course"] / "autograded" / "probe" / "00-welcome" / "00-welcome.ipynb"
    if not ROOTED:
        pytest.skip("the allow-list sandbox needs bubblewrap as root here")
    nb = nbformat.read(nb_path, as_version=4)
    texts = [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])]
    line = next(t for t in texts if "PROBE " in t)
    found = json.loads(line.split("PROBE ", 1)[1].splitlines()[0])
    assert found == {"hidden": [], "db": [], "cmdline": [], "connected": False}, found
    assert not graded["accepted"], "the probe's TCP connection reached the test's listener"
    r = graded["results"][("probe", "00-welcome")]
    assert r.status == "graded" and _autograded(r) == 3, r.reason


def test_written_answers_reach_the_instructor(graded):
    """A filled written answer waits for a manual grade; one left as released is 0, blank."""
    course = graded["course"]
    rows = _export(course)
    waiting = written = 0
    for case in graded["cases"]:
        if not case.pending and not case.student.startswith("bo-"):
            continue
        row = rows[(case.student, case.assignment)]
        r = graded["results"][(case.student, case.assignment)]
        feedback = course / "feedback" / case.student / case.assignment
        html = text_of(next(feedback.glob("*.html")).read_text())
        if case.pending:
            written += 1
            waiting += row["needs_manual_grade"] == "True"
            assert row["needs_manual_grade"] == "True", (case.student, row)
            assert "waiting for the instructor" in html, case.student
            assert all(r.scores[g].score is None for g in case.pending), r.scores
        elif case.student.startswith("bo-") and "left blank" in " ".join(case.reason):
            assert row["needs_manual_grade"] == "False", (case.student, row)
            assert "left blank" in html, case.student
    print(f"written answers waiting for grading / written: {waiting}/{written}")
    assert written >= 8 and waiting == written


def _export(course: Path) -> dict[tuple[str, str], dict]:
    """``nbgrader export`` run as the instructor does: {(student, assignment): row}."""
    proc = run_nbgrader("export", cwd=course, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(course / "grades.csv") as fh:
        return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(fh)}


def _autograded(r: Result) -> float:
    return sum(c.score or 0 for c in r.scores.values() if c.autograded)


def test_every_case_gets_the_expected_result_and_reason(graded):
    problems = []
    for case in graded["cases"]:
        r = graded["results"].get((case.student, case.assignment))
        if r is None:
            problems.append(f"{case.student}/{case.assignment}: no recorded result")
            continue
        got = _autograded(r)
        if case.max_points is not None and got > case.max_points + 1e-9:
            problems.append(f"{case.student}: {got} points > {case.max_points} ({r.reason})")
        if case.min_points is not None and got < case.min_points - 1e-9:
            problems.append(f"{case.student}: {got} points < {case.min_points} ({r.reason})")
        if r.status != case.status:
            problems.append(f"{case.student}: status {r.status!r}, expected {case.status!r}")
        for word in case.reason:
            if word.lower() not in r.reason.lower():
                problems.append(f"{case.student}: reason {r.reason!r} lacks {word!r}")
        if not r.reason:
            problems.append(f"{case.student}: empty reason")
        waiting = [g for g in case.pending if r.scores.get(g) and r.scores[g].score is not None]
        if waiting:
            problems.append(f"{case.student}: written answers not waiting: {waiting}")
    kinds = {
        c.student.split("-")[0] if c.student[:3] in ("ada", "bo-", "cy-") else c.student
        for c in graded["cases"]
    }
    print(
        f"kinds with the expected result and reason / kinds: "
        f"{len(kinds) - len({p.split(':')[0] for p in problems})}/{len(kinds)}"
    )
    assert problems == [], "\n".join(problems)


def test_every_lost_point_names_its_check_and_cause(graded):
    """A check that lost points is named in the reason with its cause in brackets."""
    unexplained = []
    for r in graded["results"].values():
        if r.status != "graded":
            continue
        for c in r.scores.values():
            # Named in a group of checks that ends with its cause: "a, b (cause)".
            named = re.search(rf"[:;,] {c.grade_id}(, \w+)* \([^)]", r.reason)
            if c.autograded and (c.score or 0) < c.max_score and not named:
                unexplained.append(f"{r.student}/{r.assignment}: {c.grade_id} in {r.reason!r}")
    assert unexplained == [], "\n".join(unexplained[:10])
    loop = graded["results"][("loop", "00-welcome")].reason
    assert "test_peak_rps_visible, test_peak_rps_hidden (NameError" in loop, loop


def test_huge_output_is_cut_in_the_autograded_notebook_and_feedback(graded):
    """40 MB printed by one cell: graded, and at most about 1 MB of it kept, with a marker."""
    course = graded["course"]
    nb_path = course / "autograded" / "huge-output" / "00-welcome" / "00-welcome.ipynb"
    html = course / "feedback" / "huge-output" / "00-welcome" / "00-welcome.html"
    sizes = {"autograded": nb_path.stat().st_size, "feedback": html.stat().st_size}
    print(f"40 MB of output kept as: {sizes}")
    assert all(size < 2_000_000 for size in sizes.values()), sizes
    assert "output truncated by the grader" in text_of(html.read_text())


def test_gradebook_and_export_hold_every_submission_with_its_reason(graded):
    course = graded["course"]
    rows = _export(course)
    for case in graded["cases"]:
        row = rows.get((case.student, case.assignment))
        assert row is not None, f"no export row for {case.student}/{case.assignment}"
        r = graded["results"][(case.student, case.assignment)]
        assert row["reason"] == r.reason and row["status"] == r.status
        # The instructor's gradebook holds exactly the isolated result: tampering changed nothing.
        assert float(row["autograded_score"]) == pytest.approx(_autograded(r)), case.student


def test_correct_work_earns_full_marks_beside_broken_work(graded):
    for case in graded["cases"]:
        if case.student.startswith("ada-"):
            r = graded["results"][(case.student, case.assignment)]
            full = sum(c.max_score for c in r.scores.values() if c.autograded)
            assert _autograded(r) == full, f"{case.student}: {r.reason}"


def _submitted_source(course: Path, student: str, assignment: str) -> str:
    """The code and text the student handed in (all notebooks in their folder)."""
    parts = []
    for nb_path in (course / "submitted" / student / assignment).glob("*.ipynb"):
        try:
            parts += [c.source for c in nbformat.read(nb_path, as_version=4).cells]
        except Exception:  # noqa: BLE001 - an unreadable submission wrote nothing of its own
            continue
    return "\n".join(parts)


def test_feedback_never_shows_hidden_tests(graded):
    course = graded["course"]
    files = list((course / "feedback").rglob("*.html"))
    assert len(files) >= len([c for c in graded["cases"] if c.status == "graded"]) - 1
    leaks = []
    for path in files:
        assignment = path.parent.name
        text = text_of(path.read_text())
        assert "Feedback" in text and "Total:" in text, path
        own = _submitted_source(course, path.parent.parent.name, assignment)
        # A hidden-test line is a leak unless the student wrote it themselves (a wrong answer
        # may well contain `order.remove(key)`, as a hidden reference implementation does).
        leaks += [
            f"{path}: {line}"
            for line in make_class.hidden_lines(assignment)
            if line in text and line not in own
        ]
    assert leaks == [], "\n".join(leaks[:10])


def test_rerun_grades_only_what_is_missing(graded):
    course = graded["course"]
    victim = graded["cases"][0]
    (course / "results" / victim.assignment / f"{victim.student}.json").unlink()
    proc = subprocess.run(
        graded["cmd"], capture_output=True, text=True, env=graded["env"], cwd=ROOT
    )
    assert proc.returncode == 0
    assert "1/1 graded" in proc.stderr, proc.stderr[-1000:]
    assert (course / "results" / victim.assignment / f"{victim.student}.json").exists()
