"""The export's copy check (coursekit.export): identical answers are flagged, nothing else is.

Pure functions on notebooks and strings, plus the plugin on a tiny gradebook: no nbgrader run.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import nbformat
import pytest
from coursekit import export
from coursekit.export import (
    MIN_CHARS,
    answer_cells,
    describe_identical,
    identical_answers,
    normalise,
    read_answers,
)
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from traitlets.config import Configurable

pytestmark = pytest.mark.lib

ANSWER = (
    "def effective_latency(p_hit, t_cache, t_db):\n"
    "    return p_hit * t_cache + (1 - p_hit) * (t_cache + t_db)\n"
)
RELEASED = (
    "def effective_latency(p_hit, t_cache, t_db):\n"
    "    # YOUR CODE HERE\n"
    "    raise NotImplementedError()\n"
)
WRITTEN = "Until the TTL runs out a reader may get the old value from the cache, not the new one."


def _meta(gid: str, *, solution: bool = True, grade: bool = False) -> dict:
    return {"nbgrader": {"grade_id": gid, "solution": solution, "grade": grade, "locked": False}}


def _nb(**answers: str) -> nbformat.NotebookNode:
    """A notebook with an intro, one answer cell per keyword (markdown if it starts with '#md')."""
    cells = [new_markdown_cell("# Exercises", metadata=_meta("intro", solution=False))]
    for gid, source in answers.items():
        if source.startswith("#md "):
            cells.append(new_markdown_cell(source[4:], metadata=_meta(gid, grade=True)))
        else:
            cells.append(new_code_cell(source, metadata=_meta(gid)))
    cells.append(new_code_cell("assert True", metadata=_meta("test", solution=False, grade=True)))
    return new_notebook(cells=cells)


def test_whitespace_is_all_that_normalise_drops():
    assert normalise(" a =\t1\n\n b = 2 ") == "a=1b=2"
    assert normalise("a = 1") != normalise("a = 2")


def test_answer_cells_are_the_solution_cells_only():
    nb = _nb(latency=ANSWER, stale="#md " + WRITTEN)
    assert answer_cells(nb) == {"latency": ANSWER, "stale": WRITTEN}


def test_the_same_answer_with_other_whitespace_is_flagged_both_ways():
    reformatted = ANSWER.replace("    ", "\t").replace(" * ", "*") + "\n\n"
    got = identical_answers({"s1": {"latency": ANSWER}, "s2": {"latency": reformatted}})
    assert got == {"s1": {"latency": ["s2"]}, "s2": {"latency": ["s1"]}}


def test_three_students_with_one_answer_each_name_the_other_two():
    got = identical_answers({s: {"stale": WRITTEN} for s in ("a", "b", "c")})
    assert got["b"] == {"stale": ["a", "c"]}
    assert describe_identical(got["a"]) == "stale: b, c"


def test_different_answers_are_not_flagged():
    other = ANSWER.replace("(1 - p_hit)", "(1.0 - p_hit)")
    assert identical_answers({"s1": {"latency": ANSWER}, "s2": {"latency": other}}) == {}


def test_the_same_answer_in_different_cells_is_not_a_match():
    assert identical_answers({"s1": {"q1": WRITTEN}, "s2": {"q2": WRITTEN}}) == {}


def test_answers_left_as_released_are_not_flagged():
    answers = {s: {"latency": RELEASED} for s in ("s1", "s2", "s3")}
    assert len(normalise(RELEASED)) >= MIN_CHARS  # long enough: only the release rule saves it
    assert identical_answers(answers, {"latency": RELEASED}) == {}
    # without the release to compare with, the same cells would be flagged
    assert identical_answers(answers) != {}


def test_blank_answers_are_not_flagged():
    answers = {s: {"latency": "", "stale": "   \n"} for s in ("s1", "s2")}
    assert identical_answers(answers) == {}


def test_short_answers_are_not_flagged_and_the_threshold_is_the_documented_one():
    short = "x" * (MIN_CHARS - 1)
    enough = "x" * MIN_CHARS
    assert identical_answers({"s1": {"q": short}, "s2": {"q": " " + short}}) == {}
    assert identical_answers({"s1": {"q": enough}, "s2": {"q": enough}}) == {
        "s1": {"q": ["s2"]},
        "s2": {"q": ["s1"]},
    }
    assert MIN_CHARS == 40  # grading/README.md states this number


def test_only_the_matching_cells_are_named():
    got = identical_answers(
        {
            "s1": {"latency": ANSWER, "stale": WRITTEN},
            "s2": {"latency": ANSWER, "stale": WRITTEN + " Also, invalidate on write."},
        }
    )
    assert got == {"s1": {"latency": ["s2"]}, "s2": {"latency": ["s1"]}}


def test_read_answers_skips_a_corrupt_notebook_and_reads_the_rest(tmp_path):
    folder = tmp_path / "submitted" / "s1" / "07-caching"
    folder.mkdir(parents=True)
    (folder / "07-caching.ipynb").write_text('{"cells": [ not json')
    (folder / "notes.ipynb").write_bytes(b"\x00\xff binary")
    nbformat.write(_nb(stale="#md " + WRITTEN), folder / "copy.ipynb")
    assert read_answers(folder) == {"stale": WRITTEN}
    assert read_answers(tmp_path / "missing") == {}


def test_read_answers_of_only_a_corrupt_notebook_is_empty(tmp_path):
    (tmp_path / "a.ipynb").write_text("not a notebook")
    assert read_answers(tmp_path) == {}


class _Coursedir:
    def __init__(self, root: Path):
        self.root = str(root)


def test_the_export_writes_the_column_for_each_student(tmp_path, monkeypatch):
    """The plugin on a small gradebook: two copies, one own answer, one corrupt notebook."""
    from nbgrader.api import Gradebook

    course = tmp_path / "grading"
    gb_url = f"sqlite:///{course / 'gradebook.db'}"
    course.mkdir()
    # nbgrader runs the environment's `alembic` to create a gradebook: its bin/ must be on PATH
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    with Gradebook(gb_url) as gb:
        gb.add_assignment("07-caching")
        gb.add_notebook("07-caching", "07-caching")
        gb.add_solution_cell("latency", "07-caching", "07-caching")
        gb.add_source_cell("latency", "07-caching", "07-caching", cell_type="code", source=RELEASED)
        for s in ("ann", "ben", "cat", "dan", "eve"):
            gb.add_student(s)
    own = ANSWER.replace("t_cache + t_db", "t_db + t_cache")
    for student, nb in [
        ("ann", _nb(latency=ANSWER)),
        ("ben", _nb(latency="  " + ANSWER.replace("\n", "\n\n"))),
        ("cat", _nb(latency=own)),
        ("dan", _nb(latency=RELEASED)),
        ("eve", None),
    ]:
        folder = course / "submitted" / student / "07-caching"
        folder.mkdir(parents=True)
        if nb is None:
            (folder / "07-caching.ipynb").write_text("{ corrupt")
        else:
            nbformat.write(nb, folder / "07-caching.ipynb")
    monkeypatch.chdir(tmp_path)  # the plugin reads the course root from nbgrader, not the cwd
    app = Configurable()  # stands in for nbgrader's ExportApp, which has the course directory
    app.coursedir = _Coursedir(course)
    plugin = export.ReasonExportPlugin(parent=app)
    plugin.to = str(tmp_path / "grades.csv")
    with Gradebook(gb_url) as gb:
        plugin.export(gb)
    with open(tmp_path / "grades.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert list(rows["ann"])[-1] == "identical_answers"
    got = {s: r["identical_answers"] for s, r in rows.items()}
    assert got == {"ann": "latency: ben", "ben": "latency: ann", "cat": "", "dan": "", "eve": ""}
