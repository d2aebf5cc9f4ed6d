"""A thin wrapper over nbgrader: release, build throwaway course roots, autograde, read scores.

nbgrader is driven through its command line (exactly what an instructor runs) and its gradebook
API; nothing here changes how it grades. The same functions serve ``make release``, the release
test (regenerate into a temporary folder and compare with ``course/``) and the grading round trip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from coursekit.paths import GRADING, SOLUTIONS

__all__ = [
    "run_nbgrader",
    "nbgrader_env",
    "generate_release",
    "course_root",
    "read_scores",
    "CellScore",
    "HIDDEN_BEGIN",
    "HIDDEN_END",
    "MARKERS",
]

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", HIDDEN_BEGIN, HIDDEN_END)


def nbgrader_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment nbgrader runs in: this interpreter's bin/ on PATH, plus ``extra``."""
    env = dict(os.environ)
    # nbgrader runs `alembic` for gradebook migrations: the environment's bin/ must be on PATH.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("NBGRADER_EXECUTION", None)
    if extra:
        env.update(extra)
    return env


def run_nbgrader(
    *args: str, cwd: Path, check: bool = True, env: dict | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``cwd`` with this interpreter's environment; return the result.

    Started as ``python -m coursekit.nbgrader_main``: nbgrader's own command line without one
    slow optional import (see :mod:`coursekit.nbgrader_main`).
    """
    cmd = [sys.executable, "-m", "coursekit.nbgrader_main", *args]  # nbgrader, started sooner
    proc = subprocess.run(
        cmd, cwd=cwd, env=nbgrader_env(env), capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def generate_release(assignments: list[str], release_dir: Path, db_path: Path) -> None:
    """Release ``assignments`` from ``solutions/`` into ``release_dir`` (gradebook at ``db_path``)."""
    for name in assignments:
        run_nbgrader(
            "generate_assignment",
            name,
            "--force",
            f"--CourseDirectory.release_directory={Path(release_dir).resolve()}",
            f"--CourseDirectory.db_url=sqlite:///{Path(db_path).resolve()}",
            cwd=GRADING,
        )


def course_root(root: Path, assignments: list[str], *, timeout: int = 20) -> Path:
    """Make a throwaway nbgrader course root at ``root`` with ``assignments`` released into it.

    The root has its own config, header, gradebook and release; submissions go into
    ``root/submitted/<student>/<assignment>/``.
    """
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(GRADING / "header.ipynb", root / "header.ipynb")
    # One configuration: the course's own (grading/nbgrader_config.py), with only what a
    # throwaway root must change: where the root, the source and the release are, the timeout.
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(GRADING / 'nbgrader_config.py')!r})  # noqa: F821\n"
        # The folder of this file, wherever the root is copied to (a grader copies it).
        "import os\n"
        "c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))\n"
        f"c.CourseDirectory.source_directory = {str(SOLUTIONS)!r}\n"
        "c.CourseDirectory.release_directory = 'release'\n"
        f"c.Execute.timeout = {int(timeout)}\n"
        f"c.ExecutePreprocessor.timeout = {int(timeout)}\n"
    )
    for name in assignments:
        run_nbgrader("generate_assignment", name, "--force", cwd=root)
    return root


@dataclass(frozen=True)
class CellScore:
    """One graded cell of one submission."""

    grade_id: str
    score: float | None
    max_score: float
    autograded: bool  # a code test cell (False: a written answer graded by hand)


def _score_of(grade) -> float | None:
    """A cell's score; ``None`` for a written answer that waits for the instructor.

    nbgrader's ``Grade.score`` is 0.0 while neither an automatic nor a manual score is set, which
    would read a written answer that waits for grading as "left blank". A manual score wins; an
    answer nbgrader found unchanged from the release has ``auto_score`` 0 and needs no grading.
    """
    if grade.manual_score is not None:
        return float(grade.manual_score)
    if grade.cell_type != "code" and grade.needs_manual_grade:
        return None
    return float(grade.auto_score) if grade.auto_score is not None else 0.0


def read_scores(root: Path, assignment: str) -> dict[str, dict[str, CellScore]]:
    """{student: {grade_id: CellScore}} for every submission the gradebook has for ``assignment``."""
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, dict[str, CellScore]] = {}
    with Gradebook(f"sqlite:///{Path(root).resolve() / 'gradebook.db'}") as gb:
        for student in gb.students:
            try:
                sub = gb.find_submission(assignment, student.id)
            except MissingEntry:
                continue
            cells = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    cells[g.name] = CellScore(
                        g.name, _score_of(g), float(g.max_score), g.cell_type == "code"
                    )
            out[student.id] = cells
    return out
