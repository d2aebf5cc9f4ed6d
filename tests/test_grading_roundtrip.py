"""The nbgrader round trip on real submissions, for every assignment in solutions/.

For each assignment one throwaway course root grades a small class in one `nbgrader autograde`
run: the solved notebook, the untouched release, every registered wrong answer, and three broken
submissions (corrupt JSON, an infinite loop, edited test cells). New notebooks get all of this for
free; their wrong answers live in tests/wrong_answers/<assignment>.py.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import nbformat
import pytest
from coursekit.nbg import (
    WrongAnswer,
    autograde,
    course_root,
    read_scores,
    solved_notebook,
    submit,
    with_answer,
)
from coursekit.paths import assignments

pytestmark = pytest.mark.grading
WRONG_DIR = Path(__file__).parent / "wrong_answers"
TIMEOUT = 10  # seconds per cell; solutions run in well under a second per cell


def wrong_answers(name: str) -> dict[str, list[WrongAnswer]]:
    path = WRONG_DIR / f"{name}.py"
    return runpy.run_path(str(path))["WRONG"] if path.exists() else {}


def _params():
    return [pytest.param(a, marks=pytest.mark.xdist_group(a), id=a) for a in assignments()]


def _answer_ids(nb, kind="code") -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == kind
    ]


_CLASSES: dict[str, dict] = {}


def graded_class(name: str, tmp_root: Path) -> dict:
    """Grade the test class for ``name`` once per test process; return scores and context."""
    if name in _CLASSES:
        return _CLASSES[name]
    root = course_root(tmp_root / name, [name], timeout=TIMEOUT)
    release_dir = root / "release"
    solved = solved_notebook(name, release_dir)
    blank = nbformat.read(release_dir / name / f"{name}.ipynb", as_version=4)
    students = {"solved": solved, "blank": blank}
    wrong = wrong_answers(name)
    wrong_students = {}
    for gid, answers in wrong.items():
        for i, answer in enumerate(answers):
            student = f"wrong-{gid}-{i}".replace("_", "-")
            students[student] = with_answer(solved, gid, answer.source)
            wrong_students[student] = (gid, answer)
    first = _answer_ids(solved)[0]
    students["loop"] = with_answer(
        solved,
        first,
        "while True:\n    pass\n"
        + next(
            c.source
            for c in solved.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") == first
        ),
    )
    students["corrupt"] = b'{"cells": [ this is not json'
    edited = nbformat.from_dict(blank)
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.source = "pass"
    students["edited-tests"] = edited
    for student, nb in students.items():
        submit(root, name, student, nb)
    proc = autograde(root, name)
    result = {
        "scores": read_scores(root, name),
        "solved": solved,
        "wrong": wrong_students,
        "first": first,
        "log": proc.stdout + proc.stderr,
        "root": root,
        "returncode": proc.returncode,
    }
    _CLASSES[name] = result
    return result


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory):
    return tmp_path_factory.mktemp("classes")


def auto(cells) -> dict:
    return {g: c for g, c in cells.items() if c.autograded}


@pytest.mark.parametrize("name", _params())
def test_solution_scores_full_marks(name, tmp_root):
    cls = graded_class(name, tmp_root)
    cells = auto(cls["scores"]["solved"])
    assert cells, f"{name}: no autograded cells"
    short = {g: (c.score, c.max_score) for g, c in cells.items() if c.score != c.max_score}
    assert short == {}, f"{name}: the solution loses points in {short}\n{cls['log'][-3000:]}"


@pytest.mark.parametrize("name", _params())
def test_blank_release_scores_zero(name, tmp_root):
    cells = auto(graded_class(name, tmp_root)["scores"]["blank"])
    earned = {g: c.score for g, c in cells.items() if c.score}
    assert earned == {}, f"{name}: the untouched release earns points in {earned}"
    written = {
        g: c.score
        for g, c in graded_class(name, tmp_root)["scores"]["blank"].items()
        if not c.autograded
    }
    # Left as released: scored 0 ("left blank"), never waiting for a grader.
    assert all(s == 0.0 for s in written.values()), f"{name}: blank written answers: {written}"


@pytest.mark.parametrize("name", _params())
def test_written_answers_of_the_solution_wait_for_the_instructor(name, tmp_root):
    """A filled written answer is not scored by the autograder: it waits for a person."""
    scores = graded_class(name, tmp_root)["scores"]["solved"]
    written = {g: c.score for g, c in scores.items() if not c.autograded and c.max_score > 0}
    assert written, f"{name}: no written answer"
    assert all(s is None for s in written.values()), f"{name}: written answers scored {written}"


@pytest.mark.parametrize("name", _params())
def test_every_exercise_has_a_wrong_answer_the_hidden_tests_catch(name, tmp_root):
    cls = graded_class(name, tmp_root)
    registered = {gid for gid, answer in cls["wrong"].values() if answer.passes}
    missing = set(_answer_ids(cls["solved"])) - registered
    assert not missing, (
        f"{name}: register in tests/wrong_answers/{name}.py a plausible wrong answer that passes "
        f"the visible checks (non-empty `passes`) for: {sorted(missing)}"
    )


@pytest.mark.parametrize("name", _params())
def test_wrong_answers_lose_points(name, tmp_root):
    cls = graded_class(name, tmp_root)
    full = sum(c.max_score for c in auto(cls["scores"]["solved"]).values())
    problems = []
    for student, (_gid, answer) in cls["wrong"].items():
        cells = auto(cls["scores"][student])
        total = sum(c.score or 0 for c in cells.values())
        if not answer.max_points < full:
            problems.append(f"{student}: max_points {answer.max_points} is not below {full}")
        if total > answer.max_points + 1e-9:
            problems.append(f"{student} ({answer.why}): earned {total} > {answer.max_points}")
        for visible in answer.passes:
            c = cells[visible]
            if c.score != c.max_score:
                problems.append(f"{student}: expected to pass {visible}, got {c.score}")
    assert problems == [], f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", _params())
def test_broken_submissions_get_a_clear_result(name, tmp_root):
    cls = graded_class(name, tmp_root)
    scores, log = cls["scores"], cls["log"]
    # The infinite loop costs its own exercise only; the timeout is reported.
    loop = auto(scores["loop"])
    solved = auto(scores["solved"])
    assert "Timeout" in log or "timeout" in log, "the loop's timeout is not reported"
    assert sum(c.score or 0 for c in loop.values()) < sum(c.max_score for c in solved.values())
    # Edited test cells are restored from the gradebook and run as written: a blank earns 0.
    # (nbgrader logs "checksum ... has changed" for every hidden-test cell, so the log proves
    # nothing here: read the graded notebook and see the real checks back in place of "pass".)
    graded_nb = nbformat.read(
        cls["root"] / "autograded" / "edited-tests" / name / f"{name}.ipynb", as_version=4
    )
    restored = [
        c.source
        for c in graded_nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    ]
    assert restored and all(src.strip() != "pass" for src in restored), restored[:2]
    assert all(not c.score for c in auto(scores["edited-tests"]).values())
    # Corrupt JSON: reported for that student alone, no points; others are graded in full.
    assert "corrupt" in log
    assert all(not c.score for c in scores.get("corrupt", {}).values())
    assert all(c.score == c.max_score for c in solved.values())
