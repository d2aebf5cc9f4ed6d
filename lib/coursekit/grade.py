"""Grade every submission safely, each in its own throwaway course root, with a reason.

``python -m coursekit.grade`` (``make grade``) is the instructor's autograder. It wraps nbgrader:

- **Isolation.** Each submission is graded by ``nbgrader autograde`` in a fresh temporary course
  root (mode 0700) holding only the release, that one submission and its own gradebook. The
  kernel that runs the student's code is ``coursekit.sandbox``: an allow-list view of the machine
  built by bubblewrap (the runtime read-only, a copy of its own folder, no network, its own PIDs),
  one of a fixed pool of unprivileged users (one per job), and resource limits; nbgrader's
  per-cell timeout plus a wall-clock cap per notebook bound the time.
- **A recorded result and a reason for every submission**: a corrupt or missing notebook, a
  timeout, a dead kernel, edited test cells, deleted cells all get a row in the instructor's
  gradebook (zero where nothing could be graded) and a reason, saved as JSON beside the
  gradebook and exported by ``coursekit.export.ReasonExportPlugin``.
- **One writer.** Results are merged into the instructor's gradebook by this process only,
  through ``nbgrader.api``; a manual score already given survives a regrade.
- **Feedback that does not leak** (``coursekit.feedback``): checks passed and failed with their
  messages, points per exercise, never the source of a hidden test.
- **Parallel and resumable** (``--jobs``): submissions are independent, so they are graded on
  every core; a finished result is saved at once, so an interrupted run loses nothing and the
  next run grades only what is missing (or changed).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from coursekit.diagnosis import (
    check_causes,
    log_notes,
    lost_points,
    output_notes,
    structure_notes,
    written_answers,
)
from coursekit.nbg import CellScore, course_root, read_scores, run_nbgrader
from coursekit.nbg import _env as nbgrader_env
from coursekit.paths import GRADING, ROOT, assignments
from coursekit.repair import OUTPUT_LIMIT, blank_cell, cap_outputs, dying_cell, restore_cells
from coursekit.sandbox import BWRAP

__all__ = [
    "Result",
    "Template",
    "make_template",
    "grade_submission",
    "merge",
    "grade_class",
    "find_submissions",
    "sandbox_mode",
    "claim_sandbox_user",
    "remove_sandbox_users",
    "stop_all",
    "GradingInterrupted",
    "PHASES",
    "main",
]

KERNEL_NAME = "scalelab-sandbox"
SANDBOX_USER = "scalelab-grader{slot}"
WALL_SECONDS = 300  # the most one notebook may take, all cells together

# Phases of grading one submission, in order (seconds each, in ``Result.phases``):
PHASES = {
    "prepare": "read and check the notebook, claim a sandbox user, copy the course root",
    "nbgrader start-up": "Python, nbgrader and its config loading, up to its first log line",
    "nbgrader bookkeeping": "gradebook writes, sanitising, restoring locked cells, writing files",
    "execute": "the sandboxed kernel's start-up and shutdown, and every cell run",
    "collect": "read the scores, keep the autograded notebook, clear up",
    "merge": "write the result into the instructor's gradebook (the one writer, serial)",
    "feedback": "render the leak-free HTML feedback (in the instructor's process, serial)",
}
# nbgrader's log lines carry a Unix time with milliseconds, so its phases can be told apart.
LOG_FORMAT = "%(asctime)s.%(msecs)03d [%(name)s | %(levelname)s] %(message)s"
_STAMPED = re.compile(r"^(\d{9,11})\.(\d{3}) \[[^\]]*\] (.*)$", re.MULTILINE)


def _phases_from_log(log: str, started: float, ended: float) -> dict[str, float]:
    """Split one ``nbgrader autograde`` run (Unix times ``started``..``ended``) into phases."""
    stamps = [(int(s) + int(ms) / 1000, msg) for s, ms, msg in _STAMPED.findall(log)]
    total = max(ended - started, 0.0)
    at = next((i for i, (_t, msg) in enumerate(stamps) if msg.startswith("Autograding ")), None)
    begin = end = None
    if at is not None:
        begin = stamps[at][0]
        end = next((t for t, msg in stamps[at:] if msg.startswith("Writing ")), None)
    if not stamps or begin is None or end is None:
        return {"nbgrader bookkeeping": total}  # died early: no phases to tell apart
    first = stamps[0][0]
    # Log times have millisecond resolution and a different clock read: clamp into the run.
    first = min(max(first, started), ended)
    begin, end = min(max(begin, first), ended), min(max(end, begin), ended)
    return {
        "nbgrader start-up": first - started,
        "nbgrader bookkeeping": (begin - first) + (ended - end),
        "execute": end - begin,
    }


@dataclass
class Result:
    """What grading one submission produced."""

    student: str
    assignment: str
    status: str  # "graded" (scores from nbgrader; notes in reason) or "not graded"
    reason: str
    scores: dict[str, CellScore] = field(default_factory=dict)
    seconds: float = 0.0
    digest: str = ""  # sha256 of the submitted notebook: a changed submission is regraded
    autograded: str | None = None  # path of the autograded notebook, if any
    # Where the time went, seconds per phase (see PHASES); the instructor's process adds
    # "merge" and "feedback" (its own serial share) once the result is in.
    phases: dict[str, float] = field(default_factory=dict)
    # False when the grader's own process was killed: the next run grades it again.
    final: bool = True
    sandbox_user: str = ""  # the user the student's code ran as

    @property
    def score(self) -> float:
        return sum(c.score or 0.0 for c in self.scores.values())

    def to_json(self) -> str:
        d = asdict(self)
        d["scores"] = {k: asdict(v) for k, v in self.scores.items()}
        return json.dumps(d, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Result:
        d = json.loads(text)
        d["scores"] = {k: CellScore(**v) for k, v in d["scores"].items()}
        return cls(**d)


@dataclass(frozen=True)
class Template:
    """A course root with one assignment released into its gradebook, copied per submission."""

    assignment: str
    root: Path
    cells: dict[str, dict]  # grade_id -> {"points", "autograded", "grade", "kind", "source"}
    release: nbformat.NotebookNode | None = None  # the released notebook (cells to restore)


def make_template(assignment: str, base: Path, timeout: int = 20) -> Template:
    """Release ``assignment`` into a template course root under ``base`` (one nbgrader run)."""
    root = course_root(Path(base) / f"template-{assignment}", [assignment], timeout=timeout)
    nb = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    cells = {}
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade") or meta.get("solution"):
            cells[meta["grade_id"]] = {
                "points": float(meta.get("points", 0)),
                "autograded": bool(meta.get("grade")) and c.cell_type == "code",
                "grade": bool(meta.get("grade")),
                "kind": c.cell_type,
                "locked": bool(meta.get("locked")),
                "source": c.source,
            }
    return Template(assignment, root, cells, nb)


def _lock_path(slot: int) -> str:
    return f"/tmp/{SANDBOX_USER.format(slot=slot)}.lock"


@contextlib.contextmanager
def claim_sandbox_user(pool: int = 1):
    """Hold one of the ``pool`` sandbox users no other grading process uses right now.

    Yields (uid, gid, user name). The pool is fixed (``scalelab-grader0`` .. ``N-1`` for
    ``--jobs N``), created once and reused. Each user is guarded by an exclusive lock file, so
    concurrent runs (two instructors, two test workers) never share one at the same time: a
    process limit counts per user, and killing a user's leftover processes after a submission
    cannot touch anybody else's kernel. When every user is busy, wait for one. Without root
    there is no user to claim.
    """
    if os.geteuid() != 0:
        yield None, None, pwd.getpwuid(os.geteuid()).pw_name
        return
    pool = max(1, pool)
    while True:
        for index in range(pool):
            lock = open(_lock_path(index), "a")  # noqa: SIM115 - held below
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            try:
                uid, gid = _pool_user(index)
                yield uid, gid, SANDBOX_USER.format(slot=index)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
                lock.close()
            return
        if _STOP.is_set():
            raise GradingInterrupted("interrupted while waiting for a sandbox user")
        time.sleep(0.2)


@functools.cache
def _pool_user(slot: int) -> tuple[int, int]:
    """(uid, gid) of sandbox user ``slot``, created the first time it is needed."""
    name = SANDBOX_USER.format(slot=slot)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
            + ["--user-group", name],
            check=False,
            capture_output=True,
        )
        entry = pwd.getpwnam(name)  # KeyError here: sandbox_mode reported it already
    return entry.pw_uid, entry.pw_gid


def remove_sandbox_users() -> list[str]:
    """Delete every ``scalelab-grader*`` user and its lock file (``--cleanup``); their names."""
    removed = []
    for entry in pwd.getpwall():
        if re.fullmatch(SANDBOX_USER.format(slot=r"\d+"), entry.pw_name):
            subprocess.run(["pkill", "-KILL", "-U", str(entry.pw_uid)], capture_output=True)
            subprocess.run(["userdel", entry.pw_name], capture_output=True)
            removed.append(entry.pw_name)
            slot = entry.pw_name.removeprefix(SANDBOX_USER.format(slot=""))
            Path(_lock_path(int(slot))).unlink(missing_ok=True)
    _pool_user.cache_clear()
    return removed


@functools.cache
def sandbox_mode() -> tuple[bool, str]:
    """(isolated, description): whether student code runs in the allow-list sandbox here.

    Probes once per process, through the same launcher the kernels use, that the course
    environment imports inside the sandbox.
    """
    if not Path(BWRAP).exists():
        return False, (
            "NOT ISOLATED: bubblewrap (bwrap) is not installed, so submissions were graded "
            "without isolation (resource limits only); install it (apt-get install bubblewrap)"
        )
    uid = gid = None
    if os.geteuid() == 0:
        try:
            uid, gid = _pool_user(0)
        except KeyError:
            return False, "NOT ISOLATED: could not create the sandbox user (useradd failed)"
    with tempfile.TemporaryDirectory(prefix="scalelab-probe-") as tmp:
        policy = Path(tmp) / "policy.json"
        policy.write_text(json.dumps(_policy(uid, gid, Path(tmp) / "home")))
        (Path(tmp) / "work").mkdir()
        probe = subprocess.run(
            [sys.executable, "-m", "coursekit.sandbox", "--probe", "--policy", str(policy)],
            capture_output=True,
            text=True,
            cwd=Path(tmp) / "work",
        )
    if probe.returncode != 0 or "sandbox ok" not in probe.stdout:
        last = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        return False, (
            f"NOT ISOLATED: bubblewrap could not start a sandbox here ({last}), so submissions "
            "were graded without isolation (resource limits only)"
        )
    who = "as an unprivileged sandbox user" if uid is not None else "as you"
    return True, (
        f"bubblewrap, {who}: runtime read-only, only its own folder, private /tmp, own PIDs, "
        "no network, resource limits"
    )


def _policy(
    uid, gid, home: Path, submission: Path | None = None, trace: Path | None = None
) -> dict:
    return {
        "uid": uid,
        "gid": gid,
        "home": str(home),
        "bwrap": Path(BWRAP).exists(),
        # The models the notebooks import (an editable install), not the grader's own package.
        "expose": [str(ROOT / "lib" / "scalelab")],
        # What the student handed in; never nbgrader's working copy, which holds hidden tests.
        "submission": str(submission) if submission else None,
        # Where the kernel notes each cell it starts (see coursekit.sandbox.TRACE_HOOK).
        "trace": str(trace) if trace else None,
    }


def _write_kernel(tmp: Path, uid, gid, home: Path, submission: Path, trace: Path) -> Path:
    spec_dir = tmp / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    policy = tmp / "policy.json"
    policy.write_text(json.dumps(_policy(uid, gid, home, submission, trace)))
    launcher = [
        sys.executable,
        "-m",
        "coursekit.sandbox",
        "--connection-file",
        "{connection_file}",
        "--policy",
        str(policy),
    ]
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": launcher,
                "display_name": "Python 3 (sandboxed grading)",
                "language": "python",
                # A signal to the launcher stops at bwrap, which does not pass it on: interrupt
                # a timed-out cell with a message on the kernel's control channel instead.
                "interrupt_mode": "message",
            }
        )
    )
    return tmp / "jupyter"


def _find_notebook(folder: Path, assignment: str) -> tuple[Path | None, str]:
    expected = folder / f"{assignment}.ipynb"
    if expected.exists():
        return expected, ""
    found = sorted(p for p in folder.glob("*.ipynb")) if folder.exists() else []
    if len(found) == 1:
        return found[0], f"notebook was named {found[0].name}; graded it as {expected.name}"
    if not found:
        return None, f"no notebook in the submission (expected {expected.name})"
    names = ", ".join(p.name for p in found)
    return None, f"expected {expected.name}, found several notebooks ({names})"


def _zero(template: Template) -> dict[str, CellScore]:
    return {
        gid: CellScore(gid, 0.0, c["points"], c["autograded"])
        for gid, c in template.cells.items()
        if c["grade"]
    }


class GradingInterrupted(RuntimeError):
    """The run was stopped (Ctrl-C): this submission has no result and is graded next time."""


_STOP = threading.Event()
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def _run_grader(
    args: list[str], cwd: Path, env: dict, wall_seconds: int
) -> tuple[int | None, str, dict[str, float]]:
    """Run ``nbgrader ARGS`` in its own process group.

    Returns (returncode, or None on timeout; the log; seconds per phase).
    """
    full_env = nbgrader_env(env)
    if _STOP.is_set():
        raise GradingInterrupted("interrupted before start")
    # The log goes to a file, not a pipe: if nbgrader is killed, the kernel it started (in a
    # session of its own) still holds its output open, and reading a pipe to its end would
    # wait for that orphan. Waiting for nbgrader itself does not; the caller kills the orphan.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as out:
        started = time.time()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "coursekit.nbgrader_main",  # = nbgrader, a second sooner (see that module)
                *args,
                f"--Application.log_format={LOG_FORMAT}",
                "--Application.log_datefmt=%s",
            ],
            cwd=cwd,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with _RUNNING_LOCK:
            _RUNNING.add(proc)
        try:
            code: int | None = proc.wait(timeout=wall_seconds)
        except subprocess.TimeoutExpired:
            _killpg(proc)
            proc.wait()
            code = None
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(proc)
        ended = time.time()
        out.seek(0)
        log = out.read()
    return code, log, _phases_from_log(log, started, ended)


def _killpg(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_all() -> None:
    """Stop every grading subprocess now (on Ctrl-C); their submissions stay ungraded."""
    _STOP.set()
    with _RUNNING_LOCK:
        for proc in list(_RUNNING):
            _killpg(proc)


def _kill_user(uid: int | None) -> None:
    if uid is not None:
        subprocess.run(["pkill", "-KILL", "-U", str(uid)], capture_output=True)


MAX_REGRADES = 3  # kernel deaths one notebook may survive: each empties one more cell


@dataclass
class _Attempt:
    """One ``nbgrader autograde`` of one notebook, collected before its course root is removed."""

    returncode: int | None
    log: str
    phases: dict[str, float]
    trace: str  # one line per cell the kernel started (coursekit.sandbox.TRACE_HOOK)
    scores: dict[str, CellScore] | None
    graded: nbformat.NotebookNode | None  # the autograded notebook, if nbgrader wrote one

    @property
    def kernel_died(self) -> bool:
        return "DeadKernelError" in self.log or "Kernel died" in self.log


def _autograde_once(
    template: Template, student: str, nb, uid, gid, *, timeout: int, wall_seconds: int
) -> _Attempt:
    """Autograde ``nb`` once in a fresh copy of the template; the sandbox user is ``uid``."""
    a = template.assignment
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="scalelab-grade-"))  # 0700: the sandbox user cannot enter
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    home = Path(tempfile.mkdtemp(prefix="scalelab-home-", dir=shm))
    try:
        root = tmp / "course"
        shutil.copytree(template.root, root)
        sub = root / "submitted" / student / a
        sub.mkdir(parents=True)
        nbformat.write(nb, sub / f"{a}.ipynb")
        kernel_dir = tmp / "kernel"
        kernel_dir.mkdir()
        trace = kernel_dir / "cells.trace"  # the kernel's folder: the one it may write to
        env = {
            "JUPYTER_PATH": str(_write_kernel(tmp, uid, gid, home, sub, trace)),
            "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
            "JUPYTER_DATA_DIR": str(tmp / "data"),
            "HOME": str(tmp / "home"),
        }
        args = [
            "autograde",
            a,
            "--student",
            student,
            "--force",
            f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
            f"--Execute.timeout={timeout}",
            f"--ExecutePreprocessor.timeout={timeout}",
            # Unix sockets in a folder of their own: the sandbox has no network to use TCP.
            "--KernelManager.transport=ipc",
            f"--KernelManager.connection_file={kernel_dir / 'kernel.json'}",
        ]
        phases = {"prepare": time.perf_counter() - started}
        try:
            returncode, log, ran = _run_grader(args, root, env, wall_seconds)
        finally:
            _kill_user(uid)
        phases.update(ran)
        collect_start = time.perf_counter()
        if os.environ.get("SCALELAB_GRADE_DEBUG"):
            print(log, file=sys.stderr)
        path = root / "autograded" / student / a / f"{a}.ipynb"
        graded = nbformat.read(path, as_version=4) if path.exists() else None
        attempt = _Attempt(
            returncode,
            log,
            phases,
            trace.read_text(errors="replace") if trace.exists() else "",
            read_scores(root, a).get(student),
            graded,
        )
        phases["collect"] = time.perf_counter() - collect_start
        return attempt
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


def _label(nb, index: int) -> str:
    gid = nb.cells[index].metadata.get("nbgrader", {}).get("grade_id")
    return gid or f"the code cell at position {index + 1}"


def grade_submission(
    template: Template,
    student: str,
    folder: Path,
    *,
    pool: int = 1,
    keep: Path | None = None,
    wall_seconds: int = WALL_SECONDS,
    timeout: int = 20,
) -> Result:
    """Grade one submission folder in a throwaway course root; never raises for bad work.

    Test cells the copy lacks are restored from the release first. A cell that kills the
    kernel is emptied and the notebook graded again (up to ``MAX_REGRADES`` times), so only the
    checks of that answer lose points. Each cell's output is cut to ``repair.OUTPUT_LIMIT``.
    ``keep``: where to copy the autograded notebook (``keep/<student>/<assignment>/``).
    """
    a = template.assignment
    start = time.perf_counter()
    path, note = _find_notebook(Path(folder), a)
    notes = [note] if note else []
    if path is None:
        return Result(
            student, a, "not graded", "; ".join(notes), _zero(template), time.perf_counter() - start
        )
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        nb = nbformat.reads(raw.decode("utf-8", errors="replace"), as_version=4)
    except Exception as err:  # noqa: BLE001 - any unreadable file is a result, not a crash
        reason = f"not a readable notebook ({type(err).__name__}: {str(err)[:120]})"
        return Result(
            student, a, "not graded", reason, _zero(template), time.perf_counter() - start, digest
        )
    if template.release is not None:
        nb, restored, relabelled = restore_cells(nb, template.release)
        if restored:
            notes.append(
                "test cells missing from the copy (deleted, or an older release) were restored "
                f"from the release: {', '.join(restored)}"
            )
        if relabelled:
            notes.append(f"nbgrader metadata restored from the release: {', '.join(relabelled)}")
    notes += structure_notes(nb, template.cells)
    phases: dict[str, float] = {}
    emptied: set[int] = set()
    killed = None
    waiting = time.perf_counter()
    with claim_sandbox_user(pool) as (uid, gid, user):
        # Waiting for a free sandbox user (another grading run holds them all) counts as set-up.
        phases["prepare"] = time.perf_counter() - waiting
        for _ in range(MAX_REGRADES + 1):
            run = _autograde_once(
                template, student, nb, uid, gid, timeout=timeout, wall_seconds=wall_seconds
            )
            for name, took in run.phases.items():
                phases[name] = phases.get(name, 0.0) + took
            if _STOP.is_set():
                raise GradingInterrupted(f"{student}/{a}: grading was interrupted")
            if not run.kernel_died or run.returncode is None or run.returncode < 0:
                break
            index = dying_cell(nb, run.trace)
            if index is None or len(emptied) == MAX_REGRADES:
                break
            nb, target = blank_cell(nb, index, emptied)
            if target < 0 or target in emptied:
                break
            emptied.add(target)
            notes.append(
                f"{_label(nb, target)} stopped the kernel (os._exit, a crash or a resource "
                "limit): it was emptied and the notebook graded again, so only its checks "
                "lost points"
            )
    collect_start = time.perf_counter()
    if run.returncode is None:
        notes.append(f"grading took longer than {wall_seconds} s and was stopped")
    elif run.returncode < 0:
        # nbgrader itself (the grader's process, not the student's kernel) died of a signal:
        # the out-of-memory killer or someone's kill. Not the student's fault.
        killed = -run.returncode
        notes.append(
            f"the grader's own process was killed (signal {killed}) before it finished; "
            "recorded as 0 for now and graded again on the next run"
        )
    elif run.kernel_died:
        notes.append(
            "the kernel died (os._exit, a crash, or a resource limit) and the cell that "
            "stopped it could not be found; recorded as 0"
        )
    notes += log_notes(run.log, timeout)
    scores, graded, kept = run.scores, run.graded, None
    if graded is not None:
        graded, cut = cap_outputs(graded)
        if cut:
            notes.append(
                f"output cut to {OUTPUT_LIMIT // 1_000_000} MB per cell in the autograded "
                f"notebook and feedback ({len(cut)} cell(s): output truncated)"
            )
        notes += output_notes(graded)
        if keep is not None:
            dest = Path(keep) / student / a
            dest.mkdir(parents=True, exist_ok=True)
            nbformat.write(graded, dest / f"{a}.ipynb")
            kept = str(dest / f"{a}.ipynb")
    if not scores or graded is None or killed is not None:
        if killed is None:
            notes.append("nbgrader produced no grades; recorded as 0")
        status, scores = "not graded", _zero(template)
    else:
        for gid_, c in _zero(template).items():
            scores.setdefault(gid_, c)
        status = "graded"
        notes += lost_points(scores, check_causes(graded, timeout))
        notes += written_answers(scores)
    phases["collect"] = phases.get("collect", 0.0) + time.perf_counter() - collect_start
    return Result(
        student,
        a,
        status,
        "; ".join(dict.fromkeys(notes)) or "ok",
        scores,
        time.perf_counter() - start,
        digest,
        kept,
        phases,
        final=killed is None,
        sandbox_user=user,
    )


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


def find_submissions(submitted: Path, names: list[str]) -> list[tuple[str, str, Path]]:
    """(student, assignment, folder) for every student folder of every assignment in ``names``.

    A student with a folder for the assignment gets a row even if the folder is empty.
    """
    out = []
    for student_dir in sorted(p for p in Path(submitted).iterdir() if p.is_dir()):
        for a in names:
            if (student_dir / a).is_dir():
                out.append((student_dir.name, a, student_dir / a))
    return out


class Progress:
    """A one-line progress bar: done/total, failures, elapsed and estimated time left."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.failed = total, 0, 0
        self.start = time.perf_counter()
        self.stream = stream
        self.lock = threading.Lock()

    def step(self, result: Result) -> None:
        with self.lock:
            self.done += 1
            self.failed += result.status == "not graded"
            elapsed = time.perf_counter() - self.start
            left = elapsed / self.done * (self.total - self.done)
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(
                f"\r[{bar}] {self.done}/{self.total} graded, {self.failed} not graded, "
                f"{elapsed:.0f} s elapsed, ~{left:.0f} s left "
            )
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


def grade_class(
    course: Path,
    names: list[str],
    *,
    jobs: int = 1,
    force: bool = False,
    students: list[str] | None = None,
    timeout: int = 20,
    wall_seconds: int = WALL_SECONDS,
    progress: bool = True,
) -> list[Result]:
    """Grade every submission in ``course/submitted`` for ``names``; merge; save each result.

    Results are saved as ``course/results/<assignment>/<student>.json`` as soon as they are
    merged. Without ``force`` a submission whose saved result has the same notebook digest is
    not graded again.
    """
    course = Path(course)
    db_url = f"sqlite:///{(course / 'gradebook.db').resolve()}"
    subs = find_submissions(course / "submitted", names)
    if students:
        subs = [s for s in subs if s[0] in students]
    work = Path(tempfile.mkdtemp(prefix="scalelab-templates-"))
    results: list[Result] = []
    try:
        todo = []
        for student, a, folder in subs:
            saved = course / "results" / a / f"{student}.json"
            if saved.exists() and not force:
                old = Result.from_json(saved.read_text())
                path, _ = _find_notebook(folder, a)
                digest = hashlib.sha256(path.read_bytes()).hexdigest() if path else ""
                if old.digest == digest and old.final:
                    results.append(old)
                    continue
            todo.append((student, a, folder))
        needed = [a for a in names if any(job[1] == a for job in todo)]
        bar = Progress(len(todo)) if progress and todo else None
        templates: dict[str, cf.Future] = {}

        def run(job):
            student, a, folder = job
            template = templates[a].result()  # queued first, so never waits on a queued job
            return grade_submission(
                template,
                student,
                folder,
                pool=max(1, jobs),
                keep=course / "autograded",
                timeout=timeout,
                wall_seconds=wall_seconds,
            )

        pool = cf.ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            # Each assignment's template (a throwaway course root) is built by the workers, and
            # its submissions start as soon as it is ready ...
            for a in needed:
                templates[a] = pool.submit(make_template, a, work, timeout)
            futures = [pool.submit(run, job) for job in todo]
            # ... while this thread, the gradebook's one writer, releases each assignment into
            # the instructor's gradebook, which must know its cells and points before a merge.
            for a in needed:
                run_nbgrader(
                    "generate_assignment",
                    a,
                    "--force",
                    f"--CourseDirectory.release_directory={work / 'release'}",
                    cwd=course,
                )
            for fut in cf.as_completed(futures):
                try:
                    res = fut.result()
                except GradingInterrupted:
                    continue
                t0 = time.perf_counter()
                merge(res, db_url)  # one writer: only this thread touches the gradebook
                t1 = time.perf_counter()
                write_feedback(course, res)
                res.phases.update(merge=t1 - t0, feedback=time.perf_counter() - t1)
                out = course / "results" / res.assignment / f"{res.student}.json"
                out.parent.mkdir(parents=True, exist_ok=True)
                partial = out.with_suffix(".json.part")
                partial.write_text(res.to_json())
                partial.replace(out)  # atomic: a result file is complete or absent
                results.append(res)
                if bar:
                    bar.step(res)
                if _STOP.is_set():
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if _STOP.is_set():
            raise KeyboardInterrupt
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return sorted(results, key=lambda r: (r.assignment, r.student))


def summary_table(results: list[Result]) -> str:
    rows = [("student", "assignment", "score", "status", "time (s)", "reason")]
    for r in results:
        auto_max = sum(c.max_score for c in r.scores.values() if c.autograded)
        auto = sum(c.score or 0 for c in r.scores.values() if c.autograded)
        rows.append(
            (
                r.student,
                r.assignment,
                f"{auto:g}/{auto_max:g}",
                r.status,
                f"{r.seconds:.1f}",
                r.reason,
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    lines = []
    for row in rows:
        lines.append(
            "  ".join(str(v).ljust(w) for v, w in zip(row[:5], widths, strict=True)) + "  " + row[5]
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.grade",
        description="Autograde submissions in <course>/submitted, isolated and in parallel.",
    )
    parser.add_argument("assignments", nargs="*", help="default: every assignment")
    parser.add_argument("--course", type=Path, default=GRADING, help="nbgrader course root")
    parser.add_argument("--student", action="append", help="only these students (repeatable)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--force", action="store_true", help="regrade even unchanged work")
    parser.add_argument("--timeout", type=int, default=20, help="seconds per cell")
    parser.add_argument(
        "--feedback",
        action="store_true",
        help="only regenerate feedback (after grading written answers)",
    )
    parser.add_argument(
        "--cleanup",
        action="store_true",
        help="remove the sandbox users (scalelab-grader*) this command created, then exit",
    )
    args = parser.parse_args(argv)
    if args.cleanup:
        removed = remove_sandbox_users()
        print(
            f"removed {len(removed)} sandbox user(s){': ' if removed else ''}{', '.join(removed)}"
        )
        return 0
    submitted = args.course / "submitted"
    present = {p.name for p in submitted.glob("*/*") if p.is_dir()} if submitted.is_dir() else set()
    names = args.assignments or [a for a in assignments() if a in present]
    if args.feedback:
        made = 0
        for saved in sorted((args.course / "results").glob("*/*.json")):
            res = Result.from_json(saved.read_text())
            if res.assignment in names and (not args.student or res.student in args.student):
                made += write_feedback(args.course, res) is not None
        print(f"wrote {made} feedback file(s) under {args.course / 'feedback'}")
        return 0
    if not (args.course / "submitted").is_dir():
        print(
            f"nothing to grade: {args.course / 'submitted'} does not exist "
            "(see grading/README.md: collect submissions first)"
        )
        return 0
    warnings.filterwarnings("ignore", message=".*not in session.*")  # nbgrader's SQLAlchemy noise
    isolated, how = sandbox_mode()
    print(f"sandbox: {how}; {args.jobs} parallel job(s)")
    # Ctrl-C or a TERM: stop the workers, finish writing the result in hand, then exit 130.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop_all())
    try:
        results = grade_class(
            args.course,
            names,
            jobs=args.jobs,
            force=args.force,
            students=args.student,
            timeout=args.timeout,
        )
    except KeyboardInterrupt:
        print(
            "\ninterrupted: every finished result is saved and merged; run the same command "
            "again to grade only what is missing",
            file=sys.stderr,
        )
        return 130
    print(summary_table(results))
    users = sorted({r.sandbox_user for r in results if r.sandbox_user})
    if users:
        print(f"student code ran as: {', '.join(users)}")
    if not isolated:
        print(f"WARNING: {how}", file=sys.stderr)
    bad = sum(r.status == "not graded" for r in results)
    print(
        f"\n{len(results)} submission(s): {len(results) - bad} graded, {bad} not graded "
        f"(each has a reason above and in the export: nbgrader export)"
    )
    retry = [f"{r.student}/{r.assignment}" for r in results if not r.final]
    if retry:
        print(
            f"{len(retry)} submission(s) lost their grader process before it finished "
            f"({', '.join(retry[:5])}{', ...' if len(retry) > 5 else ''}): run the same "
            "command again to grade only those",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
