"""Sandbox users and the sandboxed kernel: who runs a student's code, and how it starts.

A fixed pool of unprivileged users (``scalelab-grader0`` .. ``N-1`` for ``--jobs N``), created
once and reused, each claimed under an exclusive lock; a kernelspec whose command is the
bubblewrap launcher of :mod:`coursekit.sandbox`; and a one-off probe that says whether student
code is isolated on this machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import pwd
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coursekit.paths import ROOT
from coursekit.runner import GradingInterrupted, stopped
from coursekit.sandbox import BWRAP

__all__ = [
    "KERNEL_NAME",
    "SANDBOX_USER",
    "claim_sandbox_user",
    "remove_sandbox_users",
    "sandbox_mode",
    "write_kernel",
]

KERNEL_NAME = "scalelab-sandbox"
SANDBOX_USER = "scalelab-grader{slot}"


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
        if stopped():
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


def write_kernel(tmp: Path, uid, gid, home: Path, submission: Path, trace: Path) -> Path:
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
