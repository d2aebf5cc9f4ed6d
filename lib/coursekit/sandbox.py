"""A kernel launcher that runs a student's code as an unprivileged user, hidden from the course.

nbgrader has no sandbox: the kernel that runs a submission can read whatever the grading user can
read (``solutions/``, the gradebook, other students' work) and write to it. While grading, this
module is the kernel's command (a kernelspec named ``scalelab-sandbox``, written by
``coursekit.grade``), so nbgrader itself runs as the grader but the student's code does not:

1. ``unshare -m`` gives the launcher a private mount namespace (when the grader is root);
2. it covers every path in ``hide`` with an empty read-only tmpfs (the repository's
   ``solutions/``, ``grading/``, ``tests/`` and ``.git/``, the throwaway gradebook, other
   submissions, the grader's home);
3. it mounts a small tmpfs (``disk_mb``) over the kernel's working folder, with a copy of the
   files that were there, so filling the disk fills only that;
4. it sets resource limits: address space, CPU seconds, file size, open files, processes;
5. it drops to the sandbox user (``uid``/``gid``) and ``exec``s ``ipykernel``.

Without root (an instructor's laptop) steps 1-3 and 5 are skipped and only the limits apply;
``coursekit.grade`` says so in its summary. This protects against accidents and casual cheating,
not against a determined attacker with a kernel exploit: use containers for that.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["main", "LIMITS"]

LIMITS = {
    "address_space_mb": 2048,  # a numpy array larger than this fails with MemoryError
    "cpu_seconds": 120,  # per process; the grader also caps wall-clock time per notebook
    "file_size_mb": 32,  # one file; writes past it fail with "File too large"
    "open_files": 256,
    "processes": 64,  # per sandbox user: a fork bomb stops here (threads count too)
    "disk_mb": 64,  # the kernel's working folder is a tmpfs of this size
}


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _hide(paths: list[str]) -> None:
    for p in paths:
        path = Path(p)
        if not path.exists():
            continue
        if path.is_dir():
            _mount("-t", "tmpfs", "-o", "size=4k,mode=0555,ro", "tmpfs", str(path))
        else:
            _mount("--bind", "-o", "ro", "/dev/null", str(path))


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


def _private_workdir(workdir: Path, size_mb: int, uid: int, gid: int) -> None:
    """Mount a size-limited tmpfs over ``workdir`` holding a copy of what was there."""
    stash = Path("/dev/shm") / f"scalelab-sandbox-{os.getpid()}"
    shutil.copytree(workdir, stash)
    _mount("-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", str(workdir))
    for item in stash.iterdir():
        dest = workdir / item.name
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, dest)
    shutil.rmtree(stash, ignore_errors=True)
    for dirpath, _dirs, files in os.walk(workdir):
        os.chown(dirpath, uid, gid)
        for f in files:
            os.chown(os.path.join(dirpath, f), uid, gid)


def _limit(limits: dict) -> None:
    mb = 1024 * 1024
    for res, value in [
        (resource.RLIMIT_AS, limits["address_space_mb"] * mb),
        (resource.RLIMIT_CPU, limits["cpu_seconds"]),
        (resource.RLIMIT_FSIZE, limits["file_size_mb"] * mb),
        (resource.RLIMIT_NOFILE, limits["open_files"]),
        (resource.RLIMIT_NPROC, limits["processes"]),
    ]:
        resource.setrlimit(res, (value, value))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connection-file", help="the kernel's connection file")
    parser.add_argument(
        "--probe",
        action="store_true",
        help="instead of a kernel, check that the course imports in the sandbox",
    )
    parser.add_argument("--policy", required=True, help="JSON: uid, gid, home, hide, limits")
    args = parser.parse_args(argv)
    policy = json.loads(Path(args.policy).read_text())
    limits = {**LIMITS, **policy.get("limits", {})}
    isolate = os.geteuid() == 0 and policy.get("uid") is not None
    connection = args.connection_file
    home = Path(policy["home"])
    if isolate:
        uid, gid = int(policy["uid"]), int(policy["gid"])
        workdir = Path.cwd()
        _expose([sys.base_prefix, sys.prefix, *policy.get("expose", [])])
        _private_workdir(workdir, limits["disk_mb"], uid, gid)
        # HOME and the connection file live outside the (root-only) grading folder.
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The kernel reads its connection file after dropping privileges: give it a copy.
        os.chown(home, uid, gid)
        if not args.probe:
            copy = home / "kernel-connection.json"
            shutil.copy(connection, copy)
            os.chown(copy, uid, gid)
            connection = str(copy)
        _hide(policy.get("hide", []))
        os.chdir(workdir)
    else:
        home.mkdir(parents=True, exist_ok=True)
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "autograde"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": str(home / ".mpl"),
        "IPYTHONDIR": str(home / ".ipython"),
        "OPENBLAS_NUM_THREADS": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    _limit(limits)
    if isolate:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    if args.probe:
        code = "import scalelab, ipykernel, numpy, os; print('sandbox ok', os.getuid())"
        os.execve(sys.executable, [sys.executable, "-c", code], env)
    os.execve(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection], env)


if __name__ == "__main__":
    main()
