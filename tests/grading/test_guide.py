"""The instructor's guide works as written: grading/README.md, sections 1-7, run by a test.

The test reads the guide's ```bash blocks of the local workflow (release, roster, collect,
autograde, grade written answers, feedback, export) and runs every command in the order written,
from the folder the guide names in the sentence just above the block ("From the repository
root" or "From `grading/`"; a block without one fails the test). It runs them in a throwaway copy
of the repository (the files git knows, as they are in the working tree), so the guide meets a
fresh course with no gradebook, no submissions and no results.

Environment. The copy gets the project's environment as a hard-linked clone (``cp -al``: no
bytes copied, about half a second) in which only the files that name the original checkout are
replaced by new files: the editable install's ``.pth`` (so the copy's own ``lib/`` is what runs,
and ``coursekit.paths.ROOT`` is the copy), the scripts in ``bin/`` and ``direct_url.json``.
Nothing of the original environment is written to. The Makefile's stamps are new files too, so
``make`` sees an environment that is up to date and never rebuilds it.

Every command must exit 0, print none of the spurious warnings of issue #20 ("Unwritable
directory", "root '.' is not absolute", "No rule to make target", ...), and do what the guide
says it does (checked below, command by command). A command the test cannot run as written has
an explicit substitute or a reason in ``SKIPPED``/``SUBSTITUTED``; a command the test does not
know fails it, so a new command in the guide needs its expected effect written here. At the
end, every file the workflow wrote (roster, submissions, results, feedback, gradebook, export)
must be git-ignored. The test prints each command with its time (about 70-90 s in all on the
2-core machine).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from answers import solved_notebook
from coursekit.feedback import text_of
from coursekit.paths import ROOT, assignments

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("guide")]

GUIDE = ROOT / "grading" / "README.md"
A = "07-caching"  # the assignment the guide's examples name
WRITTEN = "stale_expiry"  # its written answer
# Where a block runs, from the sentence above it; the first "from ..." in it wins.
WHERE = re.compile(r"\bfrom (the repository root|`grading/`)", re.IGNORECASE)
FOLDERS = {"the repository root": ".", "`grading/`": "grading"}
# Spurious output a local course must never print (issue #20, item 6).
NEVER = [
    "Unwritable directory",
    "is not absolute",
    "No rule to make target",
    "root_dir only accepts one value",
    "Traceback (most recent call last)",
]

SKIPPED = {
    "make test": "runs every test tier (tens of minutes), this test among them; the release "
    "check it stands for is tests/notebooks/test_release.py",
}
SUBSTITUTED = {
    "make formgrader": "a person opens the formgrader in a browser and types scores: the test "
    "starts the server with the guide's PORT= variant on a free port, checks that the "
    "formgrader lists every assignment and shows the manual-grading page, sends one score and "
    "one comment through the formgrader's own API (what its form sends), then stops the server "
    "(tests/browser/test_browser.py types them into the real form in Chromium)",
}
# The guide's roster holds real names: the test writes a made-up one where the guide says.
ROSTER = "id,first_name,last_name,email\nalice,Alice,Example,alice@example.org\nbob,Bob,Sample,\n"
# alice and carol hand in the solved notebook (carol is not on the roster), bob the release.
STUDENTS = ("alice", "bob", "carol")


@dataclass
class Block:
    section: str
    folder: str  # "." or "grading", relative to the repository
    commands: list[str]


def guide_blocks(text: str) -> list[Block]:
    """The ```bash blocks of sections 1-7, with the folder the sentence above each names."""
    start = text.index("\n## 1. ")
    end = text.index("\n## ", text.index("\n## 7. ") + 1)
    part = text[start:end]
    blocks = []
    for m in re.finditer(r"```bash\n(.*?)```", part, re.S):
        before = part[: m.start()]
        section = re.findall(r"\n## (\d+\. [^\n]*)", before)[-1]
        paragraph = before.rstrip().split("\n\n")[-1]
        where = WHERE.search(paragraph)
        assert where, (
            f"section {section!r}: the sentence above a command block does not say where it "
            f"runs ('From the repository root' or 'From `grading/`'): {paragraph!r}"
        )
        commands = [re.sub(r"\s+#.*$", "", line).strip() for line in m.group(1).splitlines()]
        blocks.append(Block(section, FOLDERS[where.group(1).lower()], [c for c in commands if c]))
    return blocks


def test_the_guide_names_the_folder_of_every_block_of_the_local_workflow():
    blocks = guide_blocks(GUIDE.read_text())
    sections = {b.section.split(".")[0] for b in blocks}
    assert {"1", "2", "4", "5", "6", "7"} <= sections, sections
    assert [c for b in blocks for c in b.commands if c.startswith("make")] and all(
        b.folder == "." for b in blocks if any(c.startswith("make") for c in b.commands)
    ), "make runs from the repository root (the Makefile is there)"


# ---------------------------------------------------------------------------------------------
# The throwaway copy


def _unignored(repo: Path) -> set[str]:
    """Files of ``repo`` that git would commit: tracked, or new and not ignored."""
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    return {p.decode() for p in listed if p}


def _copy_repository(dest: Path) -> set[str]:
    """Every file git knows, as in the working tree, mtimes kept; a fresh git repository."""
    files = {rel for rel in _unignored(ROOT) if (ROOT / rel).is_file()}
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    # No history, no commits: only so that the copy's .gitignore can be asked at the end.
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    return files


def _replace(path: Path, data: bytes) -> None:
    """Write ``path`` as a new file: a hard link's other name (the original) is left alone."""
    mode = path.stat().st_mode if path.exists() else 0o644
    path.unlink(missing_ok=True)
    path.write_bytes(data)
    path.chmod(mode & 0o7777)


def _clone_environment(venv: Path, dest: Path, repo: Path) -> None:
    """A hard-linked clone of ``venv`` at ``dest`` whose editable install points at ``repo``."""
    subprocess.run(["cp", "-al", str(venv), str(dest)], check=True)
    old, new = str(venv).encode(), str(dest).encode()
    for script in (dest / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if old in data:
                _replace(script, data.replace(old, new))
    site = next((dest / "lib").glob("python3*/site-packages"))
    pth = list(site.glob("__editable__.scalelab-*.pth"))
    if not pth:
        pytest.skip(f"{venv} has no editable install of the course (pip install -e .)")
    for path in pth:
        _replace(path, f"{repo / 'lib'}\n".encode())
    for path in site.glob("scalelab-*.dist-info/direct_url.json"):
        _replace(path, path.read_bytes().replace(str(ROOT).encode(), str(repo).encode()))
    for stamp in (".runtime", ".dev", ".bench"):
        if (dest / stamp).exists():
            _replace(dest / stamp, b"")  # newer than requirements/: make rebuilds nothing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Guide:
    """The copy, its environment, and a log of every command run with its time."""

    def __init__(self, base: Path):
        self.repo = base / "repo"
        self.repo.mkdir()
        self.files = _copy_repository(self.repo)
        _clone_environment(Path(sys.prefix), self.repo / ".venv", self.repo)
        self.grading = self.repo / "grading"
        own_bin = str(Path(sys.prefix) / "bin")
        path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != own_bin]
        # nothing of this process's environment, or of a `make test` around it, leaks in
        drop = {"PYTHONPATH", "VIRTUAL_ENV", "NBGRADER_EXECUTION"}
        drop |= {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
        self.env = {k: v for k, v in os.environ.items() if k not in drop}
        self.env.update(
            PATH=os.pathsep.join(path),
            JUPYTER_CONFIG_DIR=str(base / "jupyter-config"),
            JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"),
            JUPYTER_DATA_DIR=str(base / "jupyter-data"),
            IPYTHONDIR=str(base / "ipython"),
        )
        self.log: list[str] = []
        # The copy runs its own code: the course library the clone imports is the copy's.
        where = self.run("python -c 'import coursekit.paths as p; print(p.ROOT)'", self.repo)
        assert where.strip() == str(self.repo), where

    def shell(self, command: str) -> str:
        """``command`` with the environment active (the guide's set-up), as bash -c."""
        return f"source {self.repo / '.venv/bin/activate'} && {command}"

    def run(self, command: str, cwd: Path, timeout: float = 300) -> str:
        start = time.perf_counter()
        proc = subprocess.run(
            ["bash", "-c", self.shell(command)],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        took = time.perf_counter() - start
        where = cwd.relative_to(self.repo)
        self.log.append(f"{took:6.1f} s  {str(where) + '/':10s} {command} -> {proc.returncode}")
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, (
            f"`{command}` in {where}/ exited {proc.returncode}:\n{out[-4000:]}"
        )
        spurious = [phrase for phrase in NEVER if phrase in out]
        assert spurious == [], f"`{command}` in {where}/ printed {spurious}:\n{out[-4000:]}"
        return out


# ---------------------------------------------------------------------------------------------
# What each command of the guide must have done


def _results(g: Guide) -> dict[str, dict]:
    folder = g.grading / "results" / A
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def _auto(result: dict) -> tuple[float, float]:
    cells = [c for c in result["scores"].values() if c["autograded"]]
    return sum(c["score"] or 0 for c in cells), sum(c["max_score"] for c in cells)


def check_sync(g: Guide, out: str, state: dict) -> None:
    for name in assignments():  # jupytext read every chapter's pair
        assert f"{name}.ipynb" in out, f"make sync did not sync {name}:\n{out[-2000:]}"


def check_release(g: Guide, out: str, state: dict) -> None:
    names = assignments()
    assert f"released {len(names)} assignment(s)" in out, out[-2000:]
    for name in names:
        path = g.repo / "course" / name / f"{name}.ipynb"
        assert path.stat().st_mtime >= state["started"], f"course/{name} was not regenerated"


def check_import(g: Guide, out: str, state: dict) -> None:
    assert (g.grading / "gradebook.db").exists(), "no gradebook after the roster import"


def check_list(g: Guide, out: str, state: dict) -> None:
    assert "There are 2 students in the database" in out, out
    assert "alice (Example, Alice) -- alice@example.org" in out, out


def place_submissions(g: Guide) -> None:
    """Section 3: the test is the learning-management system, at the path the guide gives."""
    text = GUIDE.read_text()
    section = text[text.index("\n## 3. ") : text.index("\n## 4. ")]
    pattern = re.search(r"`(grading/submitted/[^`]+\.ipynb)`", section).group(1)
    assert pattern == "grading/submitted/<student-id>/<assignment>/<assignment>.ipynb", pattern
    release = g.repo / "course"
    solved = solved_notebook(A, release)
    blank = nbformat.read(release / A / f"{A}.ipynb", as_version=4)
    for student, nb in zip(STUDENTS, (solved, blank, solved), strict=True):
        rel = pattern.replace("<student-id>", student).replace("<assignment>", A)
        (g.repo / rel).parent.mkdir(parents=True)
        nbformat.write(nb, g.repo / rel)


def check_grade(g: Guide, out: str, state: dict) -> None:
    results = _results(g)
    assert sorted(results) == sorted(STUDENTS), results
    for student in ("alice", "carol"):
        got, full = _auto(results[student])
        assert full > 0 and got == full, results[student]
        assert results[student]["status"] == "graded"
        assert f"waiting for the instructor: {WRITTEN}" in results[student]["reason"]
    assert _auto(results["bob"])[0] == 0, results["bob"]
    assert "left as released" in results["bob"]["reason"], results["bob"]["reason"]
    assert f"left blank (0): {WRITTEN}" in results["bob"]["reason"], results["bob"]["reason"]
    for student in STUDENTS:
        feedback = g.grading / "feedback" / student / A / f"{A}.html"
        assert feedback.exists(), f"no feedback for {student}"
    assert "3 submission(s): 3 graded, 0 not graded" in out, out[-2000:]
    if Path("/usr/bin/bwrap").exists():
        assert "NOT ISOLATED" not in out, out[:1000]
        assert "sandbox: bubblewrap" in out, out[:1000]
    state["graded"] = {s: p.stat().st_mtime_ns for s, p in _result_files(g).items()}


def _result_files(g: Guide) -> dict[str, Path]:
    return {p.stem: p for p in (g.grading / "results" / A).glob("*.json")}


def check_grade_one_assignment(g: Guide, out: str, state: dict) -> None:
    # Nothing changed since `make grade`: every result is kept, none graded again.
    now = {s: p.stat().st_mtime_ns for s, p in _result_files(g).items()}
    assert now == state["graded"], "unchanged submissions were graded again"
    for student in STUDENTS:
        assert student in out, out[-2000:]


def check_regrade_alice(g: Guide, out: str, state: dict) -> None:
    now = {s: p.stat().st_mtime_ns for s, p in _result_files(g).items()}
    assert now["alice"] > state["graded"]["alice"], "--student alice --force did not regrade"
    assert {s: now[s] for s in ("bob", "carol")} == {
        s: state["graded"][s] for s in ("bob", "carol")
    }, "regrading alice touched another student's result"
    assert "1 submission(s): 1 graded" in out, out[-2000:]


def formgrader(g: Guide, command: str, cwd: Path, state: dict) -> None:
    """``make formgrader PORT=<free port>`` (the guide's variant); see SUBSTITUTED."""
    port = _free_port()
    log_path = g.repo.parent / "formgrader.log"
    start = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            ["bash", "-c", g.shell(f"{command} PORT={port}")],
            cwd=cwd,
            env=g.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped below by this id
        )
    try:
        url = token = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            m = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)", log_path.read_text())
            if m:
                url, token = f"http://127.0.0.1:{port}", m.group(1)
                break
            time.sleep(0.3)
        assert url, f"make formgrader printed no URL:\n{log_path.read_text()[-3000:]}"
        api = _Api(url, token)
        listed = {a["name"] for a in api.get("/formgrader/api/assignments")}
        assert set(assignments()) <= listed, f"the formgrader lists {sorted(listed)}"
        subs = api.get(f"/formgrader/api/submitted_notebooks/{A}/{A}")
        by_student = {s["student"]: s for s in subs}
        assert set(by_student) == set(STUDENTS), subs
        assert by_student["alice"]["needs_manual_grade"] is True, by_student["alice"]
        assert by_student["bob"]["needs_manual_grade"] is False, by_student["bob"]
        alice = by_student["alice"]["id"]
        page = api.get(f"/formgrader/submissions/{alice}/", raw=True)
        assert f'id="{WRITTEN}"' in page, "the manual-grading page has no score box"
        grade = next(
            x
            for x in api.get(f"/formgrader/api/grades?submission_id={alice}")
            if x["name"] == WRITTEN
        )
        saved = api.put(f"/formgrader/api/grade/{grade['id']}", {"manual_score": 2})
        assert saved["manual_score"] == 2 and saved["needs_manual_grade"] is False, saved
        comment = next(
            x
            for x in api.get(f"/formgrader/api/comments?submission_id={alice}")
            if x["name"] == WRITTEN
        )
        api.put(f"/formgrader/api/comment/{comment['id']}", {"manual_comment": "See the rubric."})
    finally:
        os.killpg(proc.pid, 15)  # the group this test started (make, bash, JupyterLab)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
    out = log_path.read_text()
    g.log.append(
        f"{time.perf_counter() - start:6.1f} s  {'./':10s} {command} PORT={port} (substituted)"
    )
    assert "--allow-root" in out or os.geteuid() != 0, out[:2000]
    spurious = [phrase for phrase in NEVER if phrase in out]
    assert spurious == [], f"the formgrader's log has {spurious}:\n{out[-4000:]}"


class _Api:
    def __init__(self, url: str, token: str):
        self.url, self.headers = url, {"Authorization": f"token {token}"}

    def get(self, path: str, raw: bool = False):
        req = urllib.request.Request(self.url + path, headers=self.headers)
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read().decode()
        return body if raw else json.loads(body)

    def put(self, path: str, data: dict):
        req = urllib.request.Request(
            self.url + path,
            data=json.dumps(data).encode(),
            headers={**self.headers, "Content-Type": "application/json"},
            method="PUT",
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read().decode())


def check_feedback(g: Guide, out: str, state: dict) -> None:
    assert "wrote 3 feedback file(s)" in out, out
    alice = text_of((g.grading / "feedback" / "alice" / A / f"{A}.html").read_text())
    row = rf"{WRITTEN}\s*written answer: graded\s*2 / 3"
    assert re.search(row, alice), "the manual score is not in alice's feedback summary"
    carol = text_of((g.grading / "feedback" / "carol" / A / f"{A}.html").read_text())
    assert "waiting for the instructor" in carol


def check_export(g: Guide, out: str, state: dict) -> None:
    with open(g.grading / "grades.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh) if r["assignment"] == A}
    assert sorted(rows) == sorted(STUDENTS), rows  # carol was added without a roster entry
    assert rows["alice"]["first_name"] == "Alice"
    assert float(rows["alice"]["manual_score"]) == 2.0, rows["alice"]
    assert rows["alice"]["needs_manual_grade"] == "False", rows["alice"]
    assert rows["carol"]["needs_manual_grade"] == "True", rows["carol"]
    assert rows["bob"]["needs_manual_grade"] == "False", rows["bob"]
    for student in STUDENTS:
        assert rows[student]["status"] == "graded" and rows[student]["reason"], rows[student]
    # alice and carol handed in the same notebook: the copy check names each for the other
    assert "carol" in rows["alice"]["identical_answers"], rows["alice"]
    assert "alice" in rows["carol"]["identical_answers"], rows["carol"]
    assert rows["bob"]["identical_answers"] == "", rows["bob"]


CHECKS = {
    "make sync": check_sync,
    "make release": check_release,
    "nbgrader db student import roster.csv": check_import,
    "nbgrader db student list": check_list,
    "make grade": check_grade,
    f".venv/bin/python -m coursekit.grade {A} --jobs 2": check_grade_one_assignment,
    f".venv/bin/python -m coursekit.grade {A} --student alice --force": check_regrade_alice,
    ".venv/bin/python -m coursekit.grade --feedback": check_feedback,
    "nbgrader export": check_export,
}


def test_the_local_workflow_runs_as_written(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    g = Guide(tmp_path)
    state = {"started": time.time() - 1}
    blocks = guide_blocks(GUIDE.read_text())
    ran, skipped = [], []
    for block in blocks:
        if block.section.startswith("2."):
            (g.grading / "roster.csv").write_text(ROSTER)  # see ROSTER
        if block.section.startswith("4."):
            place_submissions(g)  # section 3 has no command: see place_submissions
        cwd = g.repo / block.folder
        for command in block.commands:
            if command.startswith("cd "):
                cwd = (cwd / command[3:].strip()).resolve()
                assert cwd.is_dir() and g.repo in (cwd, *cwd.parents), command
                continue
            if command in SKIPPED:
                skipped.append(f"{command}: {SKIPPED[command]}")
                continue
            if command in SUBSTITUTED:
                formgrader(g, command, cwd, state)
                ran.append(command)
                continue
            assert command in CHECKS, (
                f"the guide has a command this test does not know: {command!r} "
                f"({block.section}); add what it must do to CHECKS"
            )
            out = g.run(command, cwd)
            CHECKS[command](g, out, state)
            ran.append(command)
    gone = sorted(set(CHECKS) - set(ran))
    assert gone == [], f"commands this test expects are gone from the guide: {gone}"
    # Student data (roster, submissions, results, feedback, gradebook, export) is git-ignored.
    unignored = sorted(_unignored(g.repo) - g.files)
    assert unignored == [], f"the workflow wrote files git would commit: {unignored}"
    print("\nthe guide, sections 1-7, in a copy of the repository:\n" + "\n".join(g.log))
    print("not run, with the reason:\n" + "\n".join(skipped))
