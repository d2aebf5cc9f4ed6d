"""Build a test class of submissions: correct, partly correct, blank and broken work.

    python tests/support/make_class.py <course-dir>      # a class to grade by hand: make grade-like demo

Used by tests/grading/test_grading_integrity.py (importable in every test: pytest puts
tests/support/ on the path, see pyproject.toml). Every student is described by a ``Case``: how the
submission is made and what grading must give it (points at most/at least, status, words that
must appear in the reason). Nothing here is committed as notebooks: the class is generated from
``solutions/`` and the release each time.
"""

from __future__ import annotations

import os
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from answers import solved_notebook, with_answer
from coursekit.nbg import HIDDEN_BEGIN, HIDDEN_END
from coursekit.paths import ROOT, assignments, source_notebook

WELCOME = "00-welcome"
WRONG_DIR = Path(__file__).parents[1] / "grading" / "wrong_answers"
SOLUTION_GRADEBOOK = ROOT / "grading" / "gradebook.db"

ALWAYS_EQUAL = """class _Anything(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __float__(self):
        return 2.0

def peak_requests_per_second(daily_users, requests_per_user, peak_factor):
    return _Anything(2.0)
"""

CHEAT_GRADEBOOK = """import glob, sqlite3
for path in ["../../../gradebook.db", "../../gradebook.db", {instructor!r}] + glob.glob("/tmp/*/course/gradebook.db"):
    try:
        db = sqlite3.connect(path)
        db.execute("update grade set auto_score = 100, manual_score = 100")
        db.commit()
    except Exception as err:
        print("could not tamper with", path, type(err).__name__)
"""

CHEAT_SOLUTIONS = """source = open({path!r}).read()
start = source.index("def peak_requests_per_second")
exec(source[start:source.index("### END SOLUTION", start)].replace("### BEGIN SOLUTION", ""))
"""

# Looks everywhere a student's code could: every file for the hidden-test marker (outside the
# read-only Python runtime, whose nbgrader package holds the marker as a constant), gradebooks and
# other *.db files, other processes' command lines, a TCP port the test listens on. The marker is
# assembled at run time, so this cell's own source never matches.
PROBE = """import json, os, socket, sys
needle = "### BEGIN " + "HIDDEN TESTS"
runtime = tuple(p + "/" for p in {{sys.prefix, sys.base_prefix, "/usr"}})
found = {{"hidden": [], "db": [], "cmdline": [], "connected": False}}
for top, dirs, files in os.walk("/"):
    if top.startswith(("/proc", "/dev", "/sys")) or (top + "/").startswith(runtime):
        dirs[:] = []
        continue
    for name in files:
        path = os.path.join(top, name)
        if name.endswith(".db"):
            found["db"].append(path)
        try:
            with open(path, errors="ignore") as fh:
                if needle in fh.read(2_000_000):
                    found["hidden"].append(path)
        except OSError:
            pass
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            cmd = open(f"/proc/{{pid}}/cmdline").read().replace("\\0", " ")
        except OSError:
            continue
        if "nbgrader" in cmd or "autograde" in cmd or "jupyter" in cmd:
            found["cmdline"].append(cmd[:200])
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    found["connected"] = True
except OSError:
    pass
print("PROBE " + json.dumps(found))
"""

# 40 MB on stdout: graded, and the output cut to 1 MB in the autograded notebook and feedback.
HUGE_OUTPUT = """import sys
for _ in range(40):
    sys.stdout.write(("0123456789" * 100 + "\\n") * 1000)
"""

FORK_BOMB = """import os, time
children = 0
while children < 10_000:
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    children += 1
"""

FILL_DISK = """with open("ballast.bin", "wb") as f:
    for _ in range(4000):
        f.write(b"0" * 1_000_000)
"""


@dataclass
class Case:
    """One student's submission and what grading must give it."""

    student: str
    assignment: str
    notebook: object  # NotebookNode, bytes, None (empty folder), or {filename: content}
    max_points: float | None = None  # autograded points at most
    min_points: float | None = None  # autograded points at least
    status: str = "graded"
    reason: list[str] = field(default_factory=list)  # words the reason must contain
    needs_root: bool = False  # only meaningful inside the sandbox (a fork bomb)
    pending: tuple[str, ...] = ()  # written answers that must wait for the instructor


def _answer_ids_of(nb, kind: str) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == kind
    ]


def _answer_id(nb, index: int = 0) -> str:
    ids = [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    ]
    return ids[index]


def _source(nb, gid: str) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def cases(
    release: Path,
    names: list[str] | None = None,
    *,
    port: int = 9,
    everyday: tuple[str, ...] | None = None,
) -> list[Case]:
    """The class: three students (solved, blank, one wrong answer) on every assignment in
    ``everyday`` (default: all), the broken kinds on 00-welcome."""
    names = names or assignments()
    out: list[Case] = []
    for a in names:
        if everyday is not None and a not in everyday:
            continue
        solved = solved_notebook(a, release)
        blank = nbformat.read(release / a / f"{a}.ipynb", as_version=4)
        full = sum(
            c.metadata["nbgrader"].get("points", 0)
            for c in solved.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
        )
        written = bool(_answer_ids_of(solved, "markdown"))
        out.append(
            Case(
                f"ada-{a}",
                a,
                solved,
                min_points=full,
                max_points=full,
                reason=["waiting for the instructor"] if written else [],
                pending=tuple(_answer_ids_of(solved, "markdown")),
            )
        )
        out.append(
            Case(
                f"bo-{a}",
                a,
                blank,
                max_points=0,
                reason=["NotImplementedError", "lost points"] + (["left blank"] if written else []),
            )
        )
        wrong = (
            runpy.run_path(str(WRONG_DIR / f"{a}.py"))["WRONG"]
            if (WRONG_DIR / f"{a}.py").exists()
            else {}
        )
        for gid, answers in list(wrong.items())[:1]:
            w = answers[0]
            out.append(
                Case(
                    f"cy-{a}",
                    a,
                    with_answer(solved, gid, w.source),
                    max_points=w.max_points,
                    reason=["lost points"],
                )
            )
    if WELCOME not in names:
        return out
    a = WELCOME
    solved = solved_notebook(a, release)
    blank = nbformat.read(release / a / f"{a}.ipynb", as_version=4)
    gid = _answer_id(solved)
    answer = _source(solved, gid)
    deleted = nbformat.from_dict(solved)
    deleted.cells = [
        c
        for c in deleted.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") not in (gid, f"test_{gid}_visible")
    ]
    stripped = nbformat.from_dict(solved)
    for c in stripped.cells:
        c.metadata.pop("nbgrader", None)
    edited = nbformat.from_dict(blank)
    for c in edited.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.source = "pass" if c.cell_type == "code" else "full marks please"
    huge = with_answer(solved, gid, HUGE_OUTPUT + answer)
    older = nbformat.from_dict(solved)  # a copy from a release that had no visible check yet
    older.cells = [
        c
        for c in older.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") != f"test_{gid}_visible"
    ]
    pending = tuple(_answer_ids_of(solved, "markdown"))
    out += [
        Case(
            "corrupt",
            a,
            b'{"cells": [ not json',
            0,
            status="not graded",
            reason=["not a readable notebook"],
        ),
        Case("renamed", a, {"my-work.ipynb": solved}, min_points=3, reason=["named"]),
        Case(
            "missing",
            a,
            {"notes.txt": "I forgot the notebook"},
            0,
            status="not graded",
            reason=["no notebook"],
        ),
        Case("empty", a, None, 0, status="not graded", reason=["no notebook"]),
        Case(
            "loop",
            a,
            with_answer(solved, gid, "while True:\n    pass\n" + answer),
            0,
            reason=["longer than"],
        ),
        Case(
            "os-exit",
            a,
            with_answer(solved, gid, "import os\nos._exit(1)\n"),
            0,
            reason=[f"{gid} stopped the kernel", "emptied"],
            pending=pending,
        ),
        Case(
            "system-exit",
            a,
            with_answer(solved, gid, "raise SystemExit(3)\n" + answer),
            0,
            reason=["SystemExit"],
        ),
        Case(
            "segfault",
            a,
            with_answer(solved, gid, "import ctypes\nctypes.string_at(0)\n"),
            0,
            reason=[f"{gid} stopped the kernel"],
            pending=pending,
        ),
        Case(
            "memory-hog",
            a,
            with_answer(solved, gid, "import numpy as np\nhog = np.ones(10**12)\n" + answer),
            0,
            reason=["memory"],
        ),
        Case("huge-output", a, huge, min_points=3, reason=["output truncated"], pending=pending),
        Case(
            "older-release",
            a,
            older,
            3,
            3,
            reason=["restored", f"test_{gid}_visible"],
            pending=pending,
        ),
        Case(
            "permission",
            a,
            with_answer(solved, gid, "open('/etc/passwd', 'a')\n" + answer),
            0,
            reason=["PermissionError", "permission"],
            needs_root=True,
        ),
        Case("probe", a, with_answer(solved, gid, PROBE.format(port=port) + answer), min_points=3),
        Case(
            "fork-bomb",
            a,
            with_answer(solved, gid, FORK_BOMB + answer),
            0,
            reason=["process limit"],
            needs_root=True,
        ),
        Case(
            "fill-disk", a, with_answer(solved, gid, FILL_DISK + answer), 0, reason=["file larger"]
        ),
        Case("deleted-cells", a, deleted, 0, reason=["deleted", "restored"]),
        Case("edited-tests", a, edited, 0, reason=["edited"]),
        # Correct work whose nbgrader metadata an editor stripped: restored by cell id, graded.
        Case("stripped-metadata", a, stripped, 3, 3, reason=["metadata restored"], pending=pending),
        Case("always-equal", a, with_answer(solved, gid, ALWAYS_EQUAL), 0, reason=["lost points"]),
        Case(
            "calls-library",
            a,
            with_answer(
                solved,
                gid,
                "from scalelab.estimate import average_rate, peak_rate\n\n"
                "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
                "    return peak_rate(average_rate(daily_users, requests_per_user), peak_factor)\n",
            ),
            1,
            reason=["library"],
        ),
        Case(
            "writes-gradebook",
            a,
            with_answer(solved, gid, CHEAT_GRADEBOOK.format(instructor=str(SOLUTION_GRADEBOOK))),
            0,
            reason=["lost points"],
        ),
        Case(
            "reads-solutions",
            a,
            with_answer(
                solved, gid, CHEAT_SOLUTIONS.format(path=str(ROOT / "solutions" / a / f"{a}.py"))
            ),
            0,
            reason=["lost points"],
        ),
    ]
    if EXIT_IN_CHECK[0] in names:
        out.append(exit_in_check(release))
    return out


# os._exit in one exercise of a notebook with several: only that exercise's checks lose points.
EXIT_IN_CHECK = ("07-caching", "latency", "effective_latency")


def exit_in_check(release: Path) -> Case:
    """A solved 07-caching whose ``effective_latency`` calls os._exit when a check calls it."""
    a, gid, func = EXIT_IN_CHECK
    solved = solved_notebook(a, release)
    points = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points", 0)
        for c in solved.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }
    full = sum(points.values())
    lost = sum(p for g, p in points.items() if g.startswith(f"test_{gid}_"))
    sabotage = f"\nimport os\n\ndef {func}(*args, **kwargs):\n    os._exit(3)\n"
    return Case(
        "os-exit-in-check",
        a,
        with_answer(solved, gid, _source(solved, gid) + sabotage),
        full - lost,
        full - lost,
        reason=[f"{gid} stopped the kernel", f"test_{gid}_visible"],
        pending=tuple(_answer_ids_of(solved, "markdown")),
    )


def hidden_lines(assignment: str) -> set[str]:
    """Lines of hidden tests that stand nowhere else (not in the release, not in a solution)."""
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    release_text = (ROOT / "course" / assignment / f"{assignment}.ipynb").read_text()
    hidden, outside = set(), set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            s = line.strip()
            if s.startswith(HIDDEN_BEGIN):
                inside = True
            elif s.startswith(HIDDEN_END):
                inside = False
            else:
                (hidden if inside else outside).add(s)
    # A line that also stands in a solution (`return worst`) may rightly be in a solved notebook.
    return {s for s in hidden - outside if len(s) > 8 and s not in release_text}


def write(course: Path, case: Case) -> None:
    """Place a case's submission in ``course/submitted/<student>/<assignment>/``."""
    folder = Path(course) / "submitted" / case.student / case.assignment
    folder.mkdir(parents=True, exist_ok=True)
    nb = case.notebook
    if nb is None:
        return
    if isinstance(nb, bytes):
        (folder / f"{case.assignment}.ipynb").write_bytes(nb)
    elif isinstance(nb, dict) and not hasattr(nb, "cells"):
        for name, content in nb.items():
            path = folder / name
            if hasattr(content, "cells"):
                nbformat.write(content, path)
            else:
                path.write_text(content)
    else:
        nbformat.write(nb, folder / f"{case.assignment}.ipynb")


def course_dir(course: Path) -> Path:
    """An instructor's course root like grading/, with its own gradebook, at ``course``."""
    course = Path(course)
    course.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "grading" / "nbgrader_config.py").read_text()
    config = config.replace('"../solutions"', repr(str(ROOT / "solutions")))
    config = config.replace('"../course"', repr(str(course / "release")))
    (course / "nbgrader_config.py").write_text(config)
    (course / "header.ipynb").write_bytes((ROOT / "grading" / "header.ipynb").read_bytes())
    return course


if __name__ == "__main__":
    target = course_dir(Path(sys.argv[1]))
    from coursekit.release import release

    release(target / "release")
    made = cases(target / "release")
    for case in made:
        if case.needs_root and os.geteuid() != 0:
            continue
        write(target, case)
    print(
        f"{len(made)} submissions in {target / 'submitted'}; grade them with:\n"
        f"  python -m coursekit.grade --course {target}"
    )


def big_class(release: Path, n_students: int, names: list[str] | None = None) -> list[Case]:
    """``n_students`` × every assignment: mostly solved, some blank, some with a wrong answer."""
    names = names or assignments()
    out = []
    for a in names:
        solved = solved_notebook(a, release)
        blank = nbformat.read(release / a / f"{a}.ipynb", as_version=4)
        wrong_file = WRONG_DIR / f"{a}.py"
        wrong = runpy.run_path(str(wrong_file))["WRONG"] if wrong_file.exists() else {}
        firsts = [(gid, answers[0]) for gid, answers in wrong.items()]
        for i in range(n_students):
            student = f"student{i:03d}"
            if i % 5 == 3:
                out.append(Case(student, a, blank))
            elif i % 5 == 4 and firsts:
                gid, w = firsts[i % len(firsts)]
                out.append(Case(student, a, with_answer(solved, gid, w.source)))
            else:
                out.append(Case(student, a, solved))
    return out
