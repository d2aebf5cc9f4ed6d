"""Run nbgrader as a process the grader can time, stop and read: its log, its phases.

Every submission is graded by its own ``nbgrader autograde`` process (started as
``python -m coursekit.nbgrader_main``), in a process group of its own so that Ctrl-C or a wall-
clock limit stops it whole; its log carries Unix times, so the time it took splits into phases.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from coursekit.nbg import nbgrader_env

__all__ = [
    "PHASES",
    "LOG_FORMAT",
    "GradingInterrupted",
    "run_grader",
    "stop_all",
    "stopped",
    "kill_user",
    "phases_from_log",
]

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


def phases_from_log(log: str, started: float, ended: float) -> dict[str, float]:
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


class GradingInterrupted(RuntimeError):
    """The run was stopped (Ctrl-C): this submission has no result and is graded next time."""


_STOP = threading.Event()
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def run_grader(
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
    return code, log, phases_from_log(log, started, ended)


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


def kill_user(uid: int | None) -> None:
    if uid is not None:
        subprocess.run(["pkill", "-KILL", "-U", str(uid)], capture_output=True)


def stopped() -> bool:
    """Whether a stop was asked for (Ctrl-C, TERM): workers finish the result in hand, no more."""
    return _STOP.is_set()
