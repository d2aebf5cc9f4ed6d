"""Test support for the grading tiers: solved and wrong submissions, submitting, autograding.

Built on :mod:`coursekit.nbg` (the product's nbgrader wrapper); lives here because only tests use
it. ``tests/support`` is on pytest's ``pythonpath``, so tests ``from answers import ...``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from coursekit.nbg import run_nbgrader
from coursekit.paths import release_notebook, source_notebook

__all__ = [
    "submit",
    "autograde",
    "solved_notebook",
    "with_answer",
    "strip_solution_markers",
    "WrongAnswer",
    "CorrectAnswer",
]


def submit(root: Path, assignment: str, student: str, notebook) -> Path:
    """Place a submission: a notebook node, raw bytes/str (maybe corrupt), or None (empty folder)."""
    folder = Path(root) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    if notebook is None:
        return folder
    if isinstance(notebook, bytes):
        path.write_bytes(notebook)
    elif isinstance(notebook, str):
        path.write_text(notebook)
    else:
        nbformat.write(notebook, path)
    return path


def autograde(root: Path, assignment: str, *extra: str) -> subprocess.CompletedProcess:
    """Autograde every submission of ``assignment`` in ``root``; exit 1 if any student failed."""
    return run_nbgrader("autograde", assignment, "--force", *extra, cwd=root, check=False)


_SOLUTION_BLOCK = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.MULTILINE)


def strip_solution_markers(source: str) -> str:
    """The source a learner who solved the cell would have: the solution without its markers."""
    return _SOLUTION_BLOCK.sub("", source)


def solved_notebook(assignment: str, release_dir: Path) -> nbformat.NotebookNode:
    """The released notebook with every answer cell filled in from ``solutions/``."""
    source = nbformat.read(source_notebook(assignment), as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = nbformat.read(release_notebook(assignment, release_dir), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = strip_solution_markers(answers[meta["grade_id"]])
    return nb


def with_answer(nb: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose answer cell ``grade_id`` holds ``source``."""
    nb = nbformat.from_dict(nb)
    hits = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    if len(hits) != 1:
        raise KeyError(f"no single answer cell with grade_id {grade_id!r}")
    hits[0].source = source
    return nb


@dataclass(frozen=True)
class WrongAnswer:
    """A plausible wrong answer for one answer cell, registered in ``tests/grading/wrong_answers/``.

    ``max_points``: the most the whole notebook may earn (autograded points) with this answer in
    place of the solution; it must be below full marks. ``passes``: grade ids of visible test
    cells this answer is expected to pass (it fools the visible checks, not the hidden ones).
    """

    source: str
    max_points: float
    passes: tuple[str, ...] = field(default_factory=tuple)
    why: str = ""


@dataclass(frozen=True)
class CorrectAnswer:
    """Another valid way to write one answer cell, registered next to the wrong answers (as
    ``RIGHT`` in ``tests/grading/wrong_answers/NN-topic.py``): written differently from the
    reference (another data structure, algorithm, order of checks, type the prompt allows). The
    round trip proves it earns full marks in every check of its exercise."""

    source: str
    why: str = ""
