"""Grade every submission safely, each in its own throwaway course root, with a reason.

``python -m coursekit.grade`` (``make grade``) is the instructor's autograder. It wraps nbgrader;
this module grades one submission and orchestrates a class, with its parts beside it:

- **Isolation** (:mod:`coursekit.sandbox_users`, :mod:`coursekit.sandbox`). Each submission is
  graded by ``nbgrader autograde`` in a fresh temporary course root (mode 0700) holding only the
  release, that one submission and its own gradebook. The kernel that runs the student's code is
  an allow-list view of the machine built by bubblewrap (the runtime read-only, a copy of its own
  folder, no network, its own PIDs), as one of a fixed pool of unprivileged users (one per job),
  with resource limits; nbgrader's per-cell timeout plus a wall-clock cap per notebook bound the
  time (:mod:`coursekit.runner` runs and stops nbgrader and reads its phases).
- **Fair partial scores** (:mod:`coursekit.repair`): missing test cells restored from the
  release, a cell that kills the kernel emptied and the notebook graded again, output cut.
- **A recorded result and a reason for every submission** (:mod:`coursekit.diagnosis`): a
  corrupt or missing notebook, a timeout, a dead kernel, edited or deleted cells, each lost point
  with its cause; saved as JSON beside the gradebook and exported by
  ``coursekit.export.ReasonExportPlugin``.
- **One writer** (:mod:`coursekit.gradebook`). Results are merged into the instructor's
  gradebook by this process only; a manual score already given survives a regrade.
- **Feedback that does not leak** (``coursekit.feedback``): checks passed and failed with their
  messages, points per exercise, never the source of a hidden test.
- **Parallel and resumable** (``--jobs``): submissions are independent, so they are graded on
  every core; a finished result is saved at once, so an interrupted run loses nothing and the
  next run grades only what is missing (or changed).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import shutil
import signal
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
from coursekit.gradebook import merge, write_feedback
from coursekit.nbg import CellScore, course_root, read_scores, run_nbgrader
from coursekit.paths import GRADING, assignments
from coursekit.repair import OUTPUT_LIMIT, blank_cell, cap_outputs, dying_cell, restore_cells
from coursekit.runner import (
    PHASES,
    GradingInterrupted,
    kill_user,
    run_grader,
    stop_all,
    stopped,
)
from coursekit.sandbox_users import (
    KERNEL_NAME,
    claim_sandbox_user,
    remove_sandbox_users,
    sandbox_mode,
    write_kernel,
)

__all__ = [
    "Result",
    "Template",
    "make_template",
    "grade_submission",
    "merge",
    "write_feedback",
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

WALL_SECONDS = 300  # the most one notebook may take, all cells together


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
            "JUPYTER_PATH": str(write_kernel(tmp, uid, gid, home, sub, trace)),
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
            returncode, log, ran = run_grader(args, root, env, wall_seconds)
        finally:
            kill_user(uid)
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
            if stopped():
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
                if stopped():
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if stopped():
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
