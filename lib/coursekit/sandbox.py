"""A kernel launcher that runs a student's code in an allow-list sandbox (bubblewrap).

nbgrader has no sandbox: the kernel that runs a submission can read whatever the grading user can
read (``solutions/``, gradebooks, other students' work, other checkouts) and write to it. While
grading, this module is the kernel's command (a kernelspec named ``scalelab-sandbox``, written by
``coursekit.grade``). It builds the kernel's view of the machine from nothing with bubblewrap
(``bwrap``, Debian's ``bubblewrap``: the sandbox Flatpak uses), so student code sees only:

- the Python runtime and the course environment, read-only (``/usr``, the interpreter's prefix,
  the virtual environment, the course library);
- a size-limited private folder holding a copy of its own submission folder (its working folder
  and ``HOME``), a private ``/tmp``;
- its own ``/proc`` (a new PID namespace: no other process on the machine is visible), no network
  (a new network namespace: nothing to connect to, not even the host's 127.0.0.1), its own IPC
  and host name;
- the folder of its kernel connection: nbgrader talks to the kernel over Unix sockets there
  (``--KernelManager.transport=ipc``), since TCP cannot cross the network namespace.

Nothing else of the machine exists inside: no checkout, no course root, no gradebook, wherever
they are. Inside, before the kernel starts, the launcher sets resource limits (address space,
CPU seconds, file size, open files, processes) and, when the grader is root, drops to an
unprivileged sandbox user. The outer launcher runs as the grader; it only builds the command and
``exec``s ``bwrap``, which dies with nbgrader (``--die-with-parent``), taking every process of
the submission with it.

Without ``bwrap`` (a laptop without it, no user namespaces) only the limits apply, and
``coursekit.grade`` says plainly that submissions were graded without isolation. This protects
against accidents and cheating, not against a kernel exploit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
from pathlib import Path

__all__ = ["main", "LIMITS", "bwrap_command", "BWRAP", "INSIDE_HOME"]

LIMITS = {
    "address_space_mb": 2048,  # a numpy array larger than this fails with MemoryError
    "cpu_seconds": 120,  # per process; the grader also caps wall-clock time per notebook
    "file_size_mb": 32,  # one file; writes past it fail with "File too large"
    "open_files": 256,
    "processes": 64,  # per sandbox user: a fork bomb stops here (threads count too)
    "disk_mb": 64,  # the kernel's private folder is a tmpfs of this size
}
BWRAP = shutil.which("bwrap") or "/usr/bin/bwrap"
INSIDE_HOME = "/home/student"  # the kernel's HOME and working folder inside the sandbox
INSIDE_SUBMISSION = "/mnt/submission"  # the submission folder, read-only, copied into HOME
INSIDE_POLICY = "/mnt/policy.json"
INSIDE_LAUNCHER = "/mnt/sandbox.py"
# The few files of /etc a Python kernel reads; the rest of /etc stays outside.
ETC = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "passwd", "group"]


def _runtime_paths(expose: list[str]) -> list[str]:
    """Folders to bind read-only: the interpreter, the environment and the course library."""
    paths = [sys.base_prefix, sys.prefix, *expose]
    out: list[str] = []
    for p in sorted({str(Path(p).resolve()) for p in paths}, key=len):
        if p == "/usr" or p.startswith("/usr/"):
            continue  # bound whole below
        if not any(p == q or p.startswith(q + "/") for q in out):
            out.append(p)
    return out


def bwrap_command(
    inner: list[str],
    *,
    submission: Path,
    connection_dir: Path,
    expose: list[str],
    disk_mb: int,
    as_root: bool,
    policy: Path,
) -> list[str]:
    """The ``bwrap`` command that runs ``inner`` in the allow-list view described above."""
    cmd = [BWRAP, "--die-with-parent", "--new-session"]
    if as_root:
        # Root needs no user namespace to mount; the launcher drops to the sandbox user inside.
        cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        cmd += ["--unshare-cgroup-try"]
    else:
        cmd += ["--unshare-all"]  # user namespace too: needed to build the view unprivileged
    cmd += ["--ro-bind", "/usr", "/usr"]
    for top in ("lib", "lib64", "bin", "sbin"):
        path = Path("/") / top
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.exists():
            cmd += ["--ro-bind", str(path), str(path)]
    for name in ETC:
        cmd += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    # /tmp first: a bind below /tmp (the kernel's sockets) must land on the private /tmp.
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    binds = [(p, "--ro-bind") for p in _runtime_paths(expose)]
    binds += [(str(connection_dir), "--bind")]
    made: set[str] = set()
    for dest, _kind in binds:
        # bwrap makes missing parents 0700, which an unprivileged user cannot cross: 0755 them.
        for parent in reversed(Path(dest).parents):
            if str(parent) in ("/", "/usr") or str(parent) in made:
                continue
            cmd += ["--perms", "0755", "--dir", str(parent)]
            made.add(str(parent))
    for dest, kind in binds:
        cmd += [kind, dest, dest]
    cmd += ["--perms", "0755", "--dir", "/home"]
    cmd += ["--size", str(disk_mb * 1024 * 1024), "--tmpfs", INSIDE_HOME]
    cmd += ["--ro-bind", str(submission), INSIDE_SUBMISSION]
    cmd += ["--ro-bind", str(policy), INSIDE_POLICY]
    cmd += ["--ro-bind", str(Path(__file__).resolve()), INSIDE_LAUNCHER]
    cmd += ["--chdir", INSIDE_HOME, "--", *inner]
    return cmd


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


# An IPython start-up hook: before each cell, the kernel appends "<count> <sha256 of the source>"
# to a file outside the sandbox's private folder, so the grader can tell which cell was running
# when a kernel died (os._exit, a crash) and grade the notebook again without it.
TRACE_HOOK = """def _grader_trace(info, _count=[0], _path={path!r}):
    import hashlib
    _count[0] += 1
    digest = hashlib.sha256(info.raw_cell.encode("utf-8", "replace")).hexdigest()
    with open(_path, "a") as fh:
        fh.write(f"{{_count[0]}} {{digest}}\\n")
get_ipython().events.register("pre_run_cell", _grader_trace)
del _grader_trace
"""


def _install_trace(home: Path, trace: str | None) -> None:
    if trace:
        startup = home / ".ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True, exist_ok=True)
        (startup / "00-grader-trace.py").write_text(TRACE_HOOK.format(path=trace))


def _kernel_env(home: str) -> dict[str, str]:
    env = {
        "HOME": home,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "autograde"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": f"{home}/.mpl",
        "IPYTHONDIR": f"{home}/.ipython",
        "OPENBLAS_NUM_THREADS": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env  # no JPY_PARENT_PID: the parent is in another PID namespace; bwrap watches it


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


def _start(env: dict[str, str], connection: str | None, probe: bool) -> None:
    """Become the kernel (or, for ``probe``, a one-line import check)."""
    if probe:
        code = "import scalelab, ipykernel, numpy, os; print('sandbox ok', os.getuid())"
        os.execve(sys.executable, [sys.executable, "-c", code], env)
    os.execve(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection], env)


def _inside(policy: dict, connection: str | None, probe: bool) -> None:
    """Inside bwrap: copy the submission in, set limits, drop to the sandbox user, start."""
    limits = {**LIMITS, **policy.get("limits", {})}
    home = Path(INSIDE_HOME)
    src = Path(INSIDE_SUBMISSION)
    for item in src.iterdir() if src.is_dir() else []:
        dest = home / item.name
        if item.is_dir():
            shutil.copytree(item, dest, symlinks=True)
        elif item.is_file():
            shutil.copy(item, dest)
    uid, gid = policy.get("uid"), policy.get("gid")
    switch = os.geteuid() == 0 and uid is not None
    if connection and not probe:
        copy = home / ".kernel-connection.json"
        shutil.copy(connection, copy)
        connection = str(copy)
    _install_trace(home, policy.get("trace"))
    if switch:
        _chown_tree(home, int(uid), int(gid))
    env = _kernel_env(str(home))
    _limit(limits)
    if switch:
        os.setgroups([])
        os.setgid(int(gid))
        os.setuid(int(uid))
    _start(env, connection, probe)


def _outside_limits_only(policy: dict, connection: str | None, probe: bool) -> None:
    """No bubblewrap: the kernel runs as the grader with resource limits only."""
    limits = {**LIMITS, **policy.get("limits", {})}
    home = Path(policy["home"])
    home.mkdir(parents=True, exist_ok=True)
    _install_trace(home, policy.get("trace"))
    env = _kernel_env(str(home))
    _limit(limits)
    _start(env, connection, probe)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connection-file", help="the kernel's connection file")
    parser.add_argument(
        "--probe",
        action="store_true",
        help="instead of a kernel, check that the course imports in the sandbox",
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--policy", required=True, help="JSON: uid, gid, home, expose, limits, trace"
    )
    args = parser.parse_args(argv)
    policy_path = Path(args.policy)
    policy = json.loads(policy_path.read_text())
    if args.inside:
        _inside(policy, args.connection_file, args.probe)
        return
    if not policy.get("bwrap"):
        _outside_limits_only(policy, args.connection_file, args.probe)
        return
    limits = {**LIMITS, **policy.get("limits", {})}
    as_root = os.geteuid() == 0
    # The connection file's folder holds the kernel's sockets: bind it, writable by the user.
    if args.connection_file:
        connection_dir = Path(args.connection_file).resolve().parent
    else:
        connection_dir = policy_path.resolve().parent
    uid, gid = policy.get("uid"), policy.get("gid")
    if as_root and uid is not None:
        os.chown(connection_dir, int(uid), int(gid))
        os.chmod(connection_dir, 0o700)
    # Inside, this file runs as a plain script (standard library only), so the rest of the
    # grader's package need not be visible to student code.
    inner = [sys.executable, INSIDE_LAUNCHER, "--inside", "--policy", INSIDE_POLICY]
    if args.connection_file:
        inner += ["--connection-file", str(Path(args.connection_file).resolve())]
    if args.probe:
        inner.append("--probe")
    cmd = bwrap_command(
        inner,
        submission=Path(policy.get("submission") or Path.cwd()),
        connection_dir=connection_dir,
        expose=policy.get("expose", []),
        disk_mb=limits["disk_mb"],
        as_root=as_root,
        policy=policy_path.resolve(),
    )
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
