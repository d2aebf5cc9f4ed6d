"""An nbgrader export plugin whose CSV says *why* each submission got its grade.

Configured in ``grading/nbgrader_config.py`` (``c.ExportApp.plugin_class``), so
``nbgrader export`` (run from ``grading/``) writes ``grades.csv`` with nbgrader's usual columns
plus ``autograded_score``, ``manual_score``, ``needs_manual_grade``, ``status``, ``reason`` and
``identical_answers``.
The status and reason come from the result files ``coursekit.grade`` saves in
``results/<assignment>/<student>.json``; a student without one gets ``no submission``.

``identical_answers`` is a small copy check, for the instructor to look at; it changes no grade.
It names, for each answer cell (nbgrader ``solution`` cells: code and written answers) of a
submission in ``submitted/<student>/<assignment>/*.ipynb``, the other students who handed in the
same answer, compared with all whitespace removed (indentation, line breaks, spaces), for
example ``lru_class: student002, student007; stale_expiry: student003``. Answers left as released
and answers shorter than :data:`MIN_CHARS` characters (whitespace not counted) are never
flagged: many students leave a cell blank or write the same one-liner on their own.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

__all__ = [
    "ReasonExportPlugin",
    "COLUMNS",
    "MIN_CHARS",
    "normalise",
    "answer_cells",
    "read_answers",
    "identical_answers",
    "describe_identical",
]

COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
    "autograded_score",
    "manual_score",
    "needs_manual_grade",
    "status",
    "reason",
    "identical_answers",
]

# An answer shorter than this (whitespace not counted) is never flagged as a copy: a one-line
# formula or a short sentence is written the same way by students working on their own.
MIN_CHARS = 40

_SPACE = re.compile(r"\s+")


def normalise(source: str) -> str:
    """An answer with every whitespace character removed, the form answers are compared in.

    >>> normalise("def f(x):\\n    return  x + 1\\n") == normalise("def f(x):\\n\\treturn x+1")
    True
    """
    return _SPACE.sub("", source)


def answer_cells(nb) -> dict[str, str]:
    """{grade_id: source} of the answer cells (nbgrader ``solution`` cells) of a notebook."""
    out = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        if meta.get("solution") and gid and gid not in out:
            source = cell.get("source", "")
            out[gid] = "".join(source) if isinstance(source, list) else str(source)
    return out


def read_answers(folder: Path) -> dict[str, str]:
    """{grade_id: source} of the answer cells of every notebook in a submission folder.

    A notebook that cannot be read (corrupt JSON, not a notebook) is skipped: the grader's
    reason already says so, and the copy check has nothing to compare.
    """
    answers: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - any unreadable file: nothing to compare
            continue
        for gid, source in answer_cells(nb).items():
            answers.setdefault(gid, source)
    return answers


def identical_answers(
    answers: dict[str, dict[str, str]],
    released: dict[str, str] | None = None,
    min_chars: int = MIN_CHARS,
) -> dict[str, dict[str, list[str]]]:
    """{student: {grade_id: [other students with the same answer]}} for one assignment.

    ``answers`` is {student: {grade_id: source}}; ``released`` is {grade_id: source} of the
    release. Answers are compared after :func:`normalise`; an answer equal to the released cell,
    or shorter than ``min_chars`` characters, is left out. Students without a match are absent.

    >>> long = "The cache holds stale data until the TTL runs out, so readers see old values."
    >>> identical_answers({"a": {"q": long}, "b": {"q": "  " + long}, "c": {"q": "No."}})
    {'a': {'q': ['b']}, 'b': {'q': ['a']}}
    """
    released_norm = {gid: normalise(src) for gid, src in (released or {}).items()}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for student in sorted(answers):
        for gid, source in answers[student].items():
            norm = normalise(source)
            if len(norm) < min_chars or norm == released_norm.get(gid):
                continue
            groups[(gid, norm)].append(student)
    out: dict[str, dict[str, list[str]]] = {}
    for (gid, _norm), students in sorted(groups.items()):
        if len(students) < 2:
            continue
        for student in students:
            out.setdefault(student, {})[gid] = [s for s in students if s != student]
    return out


def describe_identical(matches: dict[str, list[str]]) -> str:
    """``"gid: student2, student3; gid2: student4"`` for one student's matches ("" if none)."""
    return "; ".join(f"{gid}: {', '.join(others)}" for gid, others in sorted(matches.items()))


class ReasonExportPlugin(ExportPlugin):
    """CSV export with the grading status and reason of every submission."""

    def _course_root(self) -> Path:
        coursedir = getattr(self.parent, "coursedir", None)
        return Path(coursedir.root) if coursedir is not None else Path.cwd()

    def _copies(self, gradebook: Gradebook, assignment) -> dict[str, dict[str, list[str]]]:
        """The identical answers of every submission of ``assignment`` in ``submitted/``."""
        submitted = self._course_root() / "submitted"
        answers = {
            folder.parent.name: read_answers(folder)
            for folder in sorted(submitted.glob(f"*/{assignment.name}"))
            if folder.is_dir()
        }
        released = {
            cell.name: cell.source or "" for nb in assignment.notebooks for cell in nb.source_cells
        }
        return identical_answers(answers, released)

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "grades.csv"
        results = self._course_root() / "results"
        rows = []
        for assignment in gradebook.assignments:
            if self.assignment and assignment.name not in self.assignment:
                continue
            copies = self._copies(gradebook, assignment)
            for student in gradebook.students:
                if self.student and student.id not in self.student:
                    continue
                row = {
                    "assignment": assignment.name,
                    "duedate": assignment.duedate or "",
                    "student_id": student.id,
                    "last_name": student.last_name or "",
                    "first_name": student.first_name or "",
                    "email": student.email or "",
                    "max_score": assignment.max_score,
                    "identical_answers": describe_identical(copies.get(student.id, {})),
                }
                saved = results / assignment.name / f"{student.id}.json"
                info = json.loads(saved.read_text()) if saved.exists() else {}
                try:
                    sub = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    row.update(
                        timestamp="",
                        raw_score=0.0,
                        late_submission_penalty=0.0,
                        score=0.0,
                        autograded_score=0.0,
                        manual_score=0.0,
                        needs_manual_grade=False,
                        status=info.get("status", "no submission"),
                        reason=info.get("reason", "nothing was submitted"),
                    )
                    rows.append(row)
                    continue
                auto = manual = 0.0
                for nb in sub.notebooks:
                    for g in nb.grades:
                        if g.manual_score is not None:
                            manual += g.manual_score
                        elif g.auto_score is not None:
                            auto += g.auto_score
                row.update(
                    timestamp=sub.timestamp or "",
                    raw_score=sub.score,
                    late_submission_penalty=sub.late_submission_penalty or 0.0,
                    score=sub.score - (sub.late_submission_penalty or 0.0),
                    autograded_score=auto,
                    manual_score=manual,
                    needs_manual_grade=sub.needs_manual_grade,
                    status=info.get("status", "graded by nbgrader"),
                    reason=info.get("reason", ""),
                )
                rows.append(row)
        with open(dest, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        flagged = sum(bool(r["identical_answers"]) for r in rows)
        self.log.info("Exported %d rows with reasons to %s", len(rows), dest)
        if flagged:
            self.log.info(
                "%d submission(s) share an answer with another student's (column "
                "identical_answers): worth a look, no grade was changed",
                flagged,
            )
