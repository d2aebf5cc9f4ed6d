"""An nbgrader export plugin whose CSV says *why* each submission got its grade.

Configured in ``grading/nbgrader_config.py`` (``c.ExportApp.plugin_class``), so
``nbgrader export`` (run from ``grading/``) writes ``grades.csv`` with nbgrader's usual columns
plus ``autograded_score``, ``manual_score``, ``needs_manual_grade``, ``status`` and ``reason``.
The status and reason come from the result files ``coursekit.grade`` saves in
``results/<assignment>/<student>.json``; a student without one gets ``no submission``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

__all__ = ["ReasonExportPlugin", "COLUMNS"]

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
]


class ReasonExportPlugin(ExportPlugin):
    """CSV export with the grading status and reason of every submission."""

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "grades.csv"
        results = Path.cwd() / "results"
        rows = []
        for assignment in gradebook.assignments:
            if self.assignment and assignment.name not in self.assignment:
                continue
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
        self.log.info("Exported %d rows with reasons to %s", len(rows), dest)
