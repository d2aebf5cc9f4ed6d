"""nbgrader's exchange on a shared server: its permissions, running as a class member, feedback.

The set-up itself is ``grading/shared-server/`` (``setup-exchange.sh``, the instructor's and the
students' ``nbgrader_config.py``, ``jupyterhub_config.py``); this module holds what the set-up and
its test need in Python:

- ``check_exchange``: the exchange folder's modes and owners, as nbgrader needs them and no looser;
- ``run_as``: run a command as another Unix user (a student, the instructor) with this
  environment's Python, even when that Python lies under a folder others cannot enter
  (``/root/.pyenv``): the command then runs in a private mount namespace in which only the
  interpreter's folders are made reachable (``coursekit.sandbox``'s way of exposing them);
- ``prepare_feedback``: put each submission's ``timestamp.txt`` and ``submission_secret.txt``
  beside the feedback HTML that ``python -m coursekit.grade`` wrote, which is where
  ``nbgrader release_feedback`` looks for them (it names each student's feedback file by a hash
  of that secret, so a student can fetch only their own);
- ``collect``: ``nbgrader collect`` that keeps those two files whatever the course config's
  ``CourseDirectory.include`` says (``grading/nbgrader_config.py`` lists them today; nbgrader
  loads it last, so no other config file could widen a narrower list);
- ``impersonations``: submissions in the inbound folder whose name claims a student other than
  the Unix user who owns them (``nbgrader submit --student someone-else``).

    python -m coursekit.exchange check --root /srv/nbgrader/exchange --instructor grader-scale-from-zero
    python -m coursekit.exchange collect 00-welcome          # from grading/, as the grading account
    python -m coursekit.exchange feedback --course ~/scale-from-zero/grading 00-welcome
    python -m coursekit.exchange impersonations --root /srv/nbgrader/exchange
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from coursekit.paths import GRADING

__all__ = [
    "COURSE_ID",
    "EXCHANGE_ROOT",
    "SHARED_SERVER",
    "LAYOUT",
    "check_exchange",
    "needs_namespace",
    "run_as",
    "prepare_feedback",
    "collect_args",
    "impersonations",
    "main",
]

COURSE_ID = "scale-from-zero"
EXCHANGE_ROOT = Path("/srv/nbgrader/exchange")
SHARED_SERVER = GRADING / "shared-server"

# path inside the exchange -> (mode with its special bits, owner: "root" or "instructor").
# The root is world-writable with the sticky bit (like /tmp): nbgrader checks it is o+rwx, and
# the sticky bit stops a student renaming or deleting a course folder (nbgrader #1225).
# inbound: students may create a submission but not list the folder (733); setgid gives every
# submission the instructor's group; sticky stops a student deleting another's submission.
# feedback: 711, so a student can open a file whose (secret-derived) name they know, not list.
LAYOUT = {
    ".": (0o1777, "root"),
    "{course}": (0o755, "instructor"),
    "{course}/outbound": (0o755, "instructor"),
    "{course}/inbound": (0o3733, "instructor"),
    "{course}/feedback": (0o711, "instructor"),
}


def check_exchange(
    root: Path, course_id: str = COURSE_ID, instructor: str | None = None
) -> list[str]:
    """Problems with the exchange at ``root`` for ``course_id`` (an empty list: all is well)."""
    problems = []
    inst_uid = pwd.getpwnam(instructor).pw_uid if instructor else None
    for rel, (mode, owner) in LAYOUT.items():
        path = Path(root) / rel.format(course=course_id)
        if not path.is_dir():
            problems.append(f"{path}: missing (run grading/shared-server/setup-exchange.sh)")
            continue
        st = path.stat()
        got = stat.S_IMODE(st.st_mode)
        if got != mode:
            problems.append(f"{path}: mode {got:04o}, expected {mode:04o}")
        want = 0 if owner == "root" else inst_uid
        if want is not None and st.st_uid != want:
            name = pwd.getpwuid(st.st_uid).pw_name if _has_uid(st.st_uid) else st.st_uid
            problems.append(f"{path}: owned by {name}, expected {owner} ({instructor or 'root'})")
    for parent in Path(root).resolve().parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            problems.append(
                f"{parent}: others cannot enter it, so students cannot reach the exchange"
            )
    return problems


def _has_uid(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def _blocked(paths: list[Path]) -> list[Path]:
    """Ancestors of ``paths`` that others cannot traverse (no o+x)."""
    out = []
    for raw in paths:
        target = Path(raw).resolve()
        for parent in [*reversed(target.parents), target]:
            if parent != Path("/") and not parent.stat().st_mode & stat.S_IXOTH:
                out.append(parent)
    return out


def _interpreter_paths() -> list[Path]:
    """This Python, its environment and the course library (``lib/``, for ``coursekit``)."""
    lib = Path(__file__).resolve().parents[1]
    return [Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).parent, lib]


def needs_namespace() -> bool:
    """True when another user could not run this Python (it lies under a private folder)."""
    return bool(_blocked(_interpreter_paths()))


def _user_env(user: str, home: Path | None, extra: dict[str, str] | None) -> dict[str, str]:
    entry = pwd.getpwnam(user)
    env = {
        "HOME": str(home or entry.pw_dir),
        "USER": user,
        "LOGNAME": user,
        "SHELL": "/bin/sh",
        "LANG": "C.UTF-8",
        # nbgrader runs `alembic` for the gradebook: the environment's bin/ comes first.
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
    }
    env.update(extra or {})
    return env


def run_as(
    user: str,
    args: list[str],
    *,
    cwd: Path,
    home: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """Run ``args`` as Unix ``user`` (needs root), in ``cwd``, with a clean environment.

    The environment holds only HOME, USER, LOGNAME, SHELL, LANG, a PATH that starts with this
    Python's ``bin/``, and ``env``. When this Python sits under a folder others cannot enter,
    the command runs in a private mount namespace (``unshare -m``) in which the interpreter's
    folders are made reachable and nothing else of those private folders is visible.
    """
    if os.geteuid() != 0:
        raise PermissionError("run_as needs root (runuser)")
    full = _user_env(user, home, env)
    inner = ["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in full.items())]
    inner += [str(a) for a in args]
    if needs_namespace():
        cmd = ["unshare", "-m", "--propagation", "private", sys.executable, "-m", __name__]
        cmd += ["_expose-and-run", "--", *inner]
    else:
        cmd = inner
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_root_env()
    )


def _root_env() -> dict[str, str]:
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[1])  # lib/: coursekit importable for the helper
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _expose(paths: list[str]) -> None:
    """Make each path reachable by an unprivileged user inside this mount namespace.

    A Python installed under a private home (``/root/.pyenv``, mode 0700 on ``/root``) cannot be
    run by another user. For each ancestor that others cannot traverse, put a 0755 tmpfs over it
    holding only the child on the way to the path (bound back from the original), so nothing
    else in that folder becomes visible.
    """
    blocked: dict[Path, set[str]] = {}
    for raw in paths:
        target = Path(raw).resolve()
        chain = [*reversed(target.parents), target]
        for parent, child in zip(chain, chain[1:], strict=False):
            if parent != Path("/") and not parent.stat().st_mode & 0o001:
                blocked.setdefault(parent, set()).add(child.name)
    for i, folder in enumerate(sorted(blocked, key=lambda p: len(p.parts))):
        stash = Path("/dev/shm") / f"scalelab-expose-{os.getpid()}-{i}"
        names = sorted(blocked[folder])
        for name in names:
            (stash / name).mkdir(parents=True, exist_ok=True)
            _mount("--bind", str(folder / name), str(stash / name))
        _mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(folder))
        for name in names:
            (folder / name).mkdir()
            _mount("--bind", str(stash / name), str(folder / name))
            subprocess.run(["umount", str(stash / name)], check=True, capture_output=True)
        shutil.rmtree(stash, ignore_errors=True)


def _expose_and_run(argv: list[str]) -> None:
    """Inside a fresh mount namespace (as root): expose the interpreter, then exec ``argv``."""
    _expose([str(p) for p in _interpreter_paths()])
    os.execvp(argv[0], argv)


def prepare_feedback(course: Path, assignment: str) -> list[str]:
    """Copy each submission's timestamp and secret beside its feedback HTML; return the students.

    ``python -m coursekit.grade`` writes ``feedback/<student>/<assignment>/<assignment>.html``;
    ``nbgrader release_feedback`` also needs ``timestamp.txt`` and ``submission_secret.txt``
    there (``nbgrader generate_feedback`` would copy them, but its feedback shows hidden tests).
    """
    course = Path(course)
    ready = []
    for html in sorted((course / "feedback").glob(f"*/{assignment}/*.html")):
        student = html.parent.parent.name
        submitted = course / "submitted" / student / assignment
        copied = 0
        for name in EXCHANGE_FILES:
            if (submitted / name).exists():
                shutil.copy(submitted / name, html.parent / name)
                copied += 1
        if copied == 2:
            ready.append(student)
    return ready


EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")


def collect_args(course: Path, assignment: str, *extra: str) -> list[str]:
    """``nbgrader collect`` arguments that keep the exchange's files beside each notebook."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    include = ["*"]
    try:
        cfg = PyFileConfigLoader("nbgrader_config.py", str(course)).load_config()
        if "include" in cfg.CourseDirectory:
            include = list(cfg.CourseDirectory.include)
    except ConfigFileNotFound:
        pass
    if "*" not in include:
        include += [f for f in EXCHANGE_FILES if f not in include]
    return ["collect", assignment, f"--CourseDirectory.include={json.dumps(include)}", *extra]


def impersonations(root: Path, course_id: str = COURSE_ID) -> list[tuple[str, str, str]]:
    """(submission folder, claimed student, owner) for each inbound submission whose owner differs.

    Needs read access to the inbound folder (the instructor or root). ``nbgrader collect`` only
    logs a warning for these and then collects the newest submission under the claimed name.
    """
    out = []
    inbound = Path(root) / course_id / "inbound"
    for sub in sorted(inbound.iterdir()):
        claimed = sub.name.split("+", 1)[0]
        uid = sub.stat().st_uid
        owner = pwd.getpwuid(uid).pw_name if _has_uid(uid) else str(uid)
        if owner != claimed:
            out.append((sub.name, claimed, owner))
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_expose-and-run":
        rest = argv[1:]
        _expose_and_run(rest[1:] if rest and rest[0] == "--" else rest)
        return 1  # not reached
    parser = argparse.ArgumentParser(prog="python -m coursekit.exchange", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check", help="check the exchange folder's modes and owners")
    p.add_argument("--root", type=Path, default=EXCHANGE_ROOT)
    p.add_argument("--course-id", default=COURSE_ID)
    p.add_argument("--instructor", help="the Unix user who owns the course in the exchange")
    p = sub.add_parser("feedback", help="ready grader feedback for nbgrader release_feedback")
    p.add_argument("--course", type=Path, default=GRADING, help="the nbgrader course root")
    p.add_argument("assignment")
    p = sub.add_parser(
        "collect", help="nbgrader collect, keeping each submission's time and secret"
    )
    p.add_argument("assignment")
    p.add_argument("nbgrader_args", nargs=argparse.REMAINDER, help="more nbgrader collect options")
    p = sub.add_parser("impersonations", help="inbound submissions not owned by their student")
    p.add_argument("--root", type=Path, default=EXCHANGE_ROOT)
    p.add_argument("--course-id", default=COURSE_ID)
    args = parser.parse_args(argv)
    if args.cmd == "check":
        problems = check_exchange(args.root, args.course_id, args.instructor)
        print("\n".join(problems) or f"exchange at {args.root} is set up for {args.course_id}")
        return 1 if problems else 0
    if args.cmd == "feedback":
        ready = prepare_feedback(args.course, args.assignment)
        print(f"feedback ready to release for {len(ready)} student(s): {', '.join(ready)}")
        graded = {
            p.parent.parent.name for p in args.course.glob(f"feedback/*/{args.assignment}/*.html")
        }
        for student in sorted(graded - set(ready)):
            print(
                f"{student}: no timestamp.txt/submission_secret.txt in submitted/ (collected "
                "without `python -m coursekit.exchange collect`?): cannot be released"
            )
        print(f"now run: nbgrader release_feedback {args.assignment}")
        return 0
    if args.cmd == "collect":
        cmd = [sys.executable, "-m", "nbgrader", *collect_args(Path.cwd(), args.assignment)]
        cmd += args.nbgrader_args
        env = dict(os.environ)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        return subprocess.run(cmd, env=env).returncode
    found = impersonations(args.root, args.course_id)
    for name, claimed, owner in found:
        print(f"{name}: claims {claimed} but is owned by {owner}")
    print(f"{len(found)} submission(s) not owned by the student they name")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
