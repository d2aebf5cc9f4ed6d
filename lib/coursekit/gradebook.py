"""The instructor's gradebook: one writer merges each result; feedback reads it back.

Only the grading process writes the gradebook, through ``nbgrader.api``: a manual score already
given survives a regrade; a written answer that differs from the release waits for the
instructor (``needs_manual_grade``); feedback shows manual scores, rubrics and comments.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from coursekit.nbg import CellScore

if TYPE_CHECKING:
    from coursekit.grade import Result

__all__ = ["merge", "write_feedback"]


def merge(result: Result, db_url: str) -> None:
    """Write ``result`` into the instructor's gradebook (the only writer); keep manual scores."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        gb.update_or_create_student(result.student)
        try:
            sub = gb.find_submission(result.assignment, result.student)
        except MissingEntry:
            sub = gb.add_submission(result.assignment, result.student)
        for nb in sub.notebooks:
            for g in nb.grades:
                cell = result.scores.get(g.name)
                if g.cell_type == "code":
                    g.auto_score = cell.score if cell and cell.score is not None else 0.0
                    g.needs_manual_grade = False
                elif g.manual_score is None:
                    # A written answer: 0 if it was left as released, else waiting for the instructor.
                    blank = cell is not None and cell.score == 0.0
                    g.auto_score = 0.0 if blank else None
                    g.needs_manual_grade = not blank
        gb.db.commit()


def write_feedback(course: Path, result: Result) -> Path | None:
    """Leak-free HTML feedback for one result, with manual scores and rubrics once graded."""
    from nbgrader.api import Gradebook, MissingEntry

    from coursekit.feedback import render, sanitise

    if not result.autograded or not Path(result.autograded).exists():
        return None
    scores = dict(result.scores)
    manual = set()
    comments: dict[str, str] = {}  # the instructor's comment on a cell reaches the student
    with Gradebook(f"sqlite:///{(Path(course) / 'gradebook.db').resolve()}") as gb:
        try:
            sub = gb.find_submission(result.assignment, result.student)
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell_type != "code" and g.manual_score is not None:
                        manual.add(g.name)
                        scores[g.name] = CellScore(g.name, g.manual_score, g.max_score, False)
                for comment in nb.comments:
                    if comment.manual_comment:
                        comments[comment.name] = comment.manual_comment
        except MissingEntry:
            pass
    nb = nbformat.read(result.autograded, as_version=4)
    out = (
        Path(course) / "feedback" / result.student / result.assignment / f"{result.assignment}.html"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(sanitise(nb, result.assignment, scores, manual, comments)))
    return out
