"""A class on a shared server: nbgrader's exchange with real Unix users, and the set-up's files.

The configuration in grading/shared-server/ is loaded and checked without root. The class itself
needs root (CI runs as root): the test creates an instructor (the grading account) and three
students with ``useradd``, sets up an exchange folder with ``setup-exchange.sh`` under a
temporary root (never /srv), and plays a class with nbgrader's own commands run as those users:
release, list, fetch, submit, collect, grade (``python -m coursekit.grade``), release and fetch
feedback; and checks what a third student can and cannot see. Users and folders are removed
afterwards, also when a step fails.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from answers import solved_notebook
from coursekit import exchange
from coursekit.grade import Result
from coursekit.paths import COURSE, GRADING, ROOT, SOLUTIONS
from traitlets.config.loader import PyFileConfigLoader

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("exchange")]

SHARED = GRADING / "shared-server"
A = "00-welcome"  # the fast assignment
COURSE_ID = "scale-from-zero"


def _load(path: Path, **env: str):
    """Execute a config file the way Jupyter does (traitlets, with get_config/load_subconfig)."""
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return PyFileConfigLoader(path.name, str(path.parent)).load_config()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---------------------------------------------------------------------------------------------
# The configuration files (no root needed)


def test_every_shared_server_file_is_there():
    for rel in [
        "setup-exchange.sh",
        "student/nbgrader_config.py",
        "instructor/nbgrader_config.py",
        "jupyterhub_config.py",
        "jupyter_server_config.py",
    ]:
        assert (SHARED / rel).is_file(), rel
    proc = subprocess.run(["bash", "-n", str(SHARED / "setup-exchange.sh")], capture_output=True)
    assert proc.returncode == 0, proc.stderr


def test_students_config_names_the_exchange_and_the_course():
    cfg = _load(SHARED / "student" / "nbgrader_config.py")
    assert cfg.Exchange.root == str(exchange.EXCHANGE_ROOT)
    assert cfg.CourseDirectory.course_id == COURSE_ID
    assert "root" not in cfg.CourseDirectory  # a student has no course root


def test_instructors_config_with_the_course_config_as_nbgrader_loads_them():
    # nbgrader reads ~/.jupyter/nbgrader_config.py, then the one in the folder it runs in
    # (grading/ of the grading account's clone), which wins where both set a value.
    cfg = _load(SHARED / "instructor" / "nbgrader_config.py")
    assert cfg.Exchange.root == str(exchange.EXCHANGE_ROOT)
    assert cfg.CourseDirectory.course_id == COURSE_ID
    assert cfg.CollectApp.check_owner is True
    course = _load(GRADING / "nbgrader_config.py")
    cfg.merge(course)
    assert cfg.CourseDirectory.course_id == COURSE_ID  # one course id everywhere
    assert cfg.CourseDirectory.root == str(GRADING)  # absolute: nbgrader warns about "."
    assert cfg.CourseDirectory.source_directory == "../solutions"
    assert cfg.Exchange.root == str(exchange.EXCHANGE_ROOT)
    assert f'course="${{2:-{COURSE_ID}}}"' in (SHARED / "setup-exchange.sh").read_text()
    # The course config copies only notebooks; collect through coursekit.exchange keeps the
    # exchange's timestamp and secret (late work; the name of each student's feedback file).
    args = exchange.collect_args(GRADING, A)
    include = json.loads(args[2].split("=", 1)[1])
    assert args[:2] == ["collect", A]
    assert set(include) == {*course.CourseDirectory.include, *exchange.EXCHANGE_FILES}


def test_jupyterhub_config_gives_the_instructor_group_the_formgrader():
    cfg = _load(
        SHARED / "jupyterhub_config.py",
        SCALELAB_INSTRUCTORS="ada,grace",
        SCALELAB_STUDENTS="s1,s2",
        SCALELAB_VENV_BIN="/opt/venv/bin",
    )
    (service,) = cfg.JupyterHub.services
    assert service["name"] == COURSE_ID  # nbgrader finds the formgrader by the course id
    assert service["user"] == f"grader-{COURSE_ID}"
    assert service["command"][0] == "/opt/venv/bin/jupyterhub-singleuser"
    assert service["url"].startswith("http://127.0.0.1:")
    clone = f"/home/grader-{COURSE_ID}/scale-from-zero"
    assert service["cwd"] == f"{clone}/grading"  # nbgrader reads grading/nbgrader_config.py
    assert f"--ServerApp.root_dir={clone}" in service["command"]  # course root inside the root
    groups = cfg.JupyterHub.load_groups
    assert groups[f"formgrade-{COURSE_ID}"]["users"] == ["ada", "grace"]
    assert groups[f"nbgrader-{COURSE_ID}"]["users"] == ["s1", "s2"]
    roles = {r["name"]: r for r in cfg.JupyterHub.load_roles}
    instr = roles[f"formgrade-{COURSE_ID}"]
    assert instr["groups"] == [f"formgrade-{COURSE_ID}"]
    assert f"access:services!service={COURSE_ID}" in instr["scopes"]
    # Students get no access to the formgrader service.
    assert not any("access:services" in s for s in roles[f"nbgrader-{COURSE_ID}"]["scopes"])
    assert roles["server"]["scopes"] == ["inherit"]
    assert cfg.Authenticator.allowed_users == {"ada", "grace", "s1", "s2"}
    assert cfg.Spawner.cmd == ["/opt/venv/bin/jupyterhub-singleuser"]


def test_formgrader_server_config_allows_the_formgrader_frame():
    cfg = _load(SHARED / "jupyter_server_config.py")
    csp = cfg.ServerApp.tornado_settings["headers"]["Content-Security-Policy"]
    assert csp == "frame-ancestors 'self'"


# ---------------------------------------------------------------------------------------------
# A class with real users (root)


class Class:
    """The users, folders and a log of the steps of one class on this machine."""

    def __init__(self, base: Path, names: dict[str, str], tag: str):
        self.base = base
        self.tag = tag
        self.names = names  # role -> Unix user name
        self.exchange = base / "exchange"
        self.etc = base / "etc-jupyter"  # stands in for /etc/jupyter
        self.log: list[str] = []

    def home(self, role: str) -> Path:
        return self.base / "home" / self.names[role]

    @property
    def repo(self) -> Path:
        return self.home("instructor") / "scale-from-zero"

    @property
    def grading(self) -> Path:
        return self.repo / "grading"

    def run(self, role: str, *args: str, cwd: Path | None = None, ok: bool = True):
        start = time.perf_counter()
        proc = exchange.run_as(
            self.names[role],
            list(args),
            cwd=cwd or self.home(role),
            home=self.home(role),
            env={"JUPYTER_CONFIG_PATH": str(self.etc)},
        )
        took = time.perf_counter() - start
        shown = " ".join(args).splitlines()[0][:90]
        self.log.append(f"{took:5.1f} s  {role:10s} {shown} -> {proc.returncode}")
        if ok:
            assert proc.returncode == 0, (
                f"{role}: {' '.join(args)} failed ({proc.returncode})\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def nbgrader(self, role: str, *args: str, cwd: Path | None = None, ok: bool = True):
        return self.run(role, "nbgrader", *args, cwd=cwd, ok=ok)

    def py(self, role: str, code: str):
        """Run Python code as ``role``; return its stdout (the code prints what it found)."""
        return self.run(role, sys.executable, "-c", code).stdout.strip()


def _chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for dirpath, dirs, files in os.walk(path):
        os.chown(dirpath, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(dirpath, name), entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def _remove_user(name: str) -> None:
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    # Only processes of the users this test created (by uid), never by a broad name.
    subprocess.run(["pkill", "-KILL", "-U", str(uid)], capture_output=True)
    subprocess.run(["userdel", name], capture_output=True)
    subprocess.run(["groupdel", name], capture_output=True)  # if userdel left the user group


@pytest.fixture
def klass():
    if os.geteuid() != 0:
        pytest.skip("the class on a shared server creates Unix users: run as root (CI does)")
    missing = [
        t for t in ("useradd", "userdel", "runuser", "unshare", "pkill") if not shutil.which(t)
    ]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    # Not pytest's tmp_path: /tmp/pytest-of-root is 0700 and the students could not enter it.
    base = Path(tempfile.mkdtemp(prefix="scalelab-exchange-", dir="/tmp"))
    base.chmod(0o755)
    tag = f"sx{os.getpid() % 100000}"
    names = {r: f"{tag}-{r[:5]}" for r in ("instructor", "alice", "bob", "carol")}
    created: list[str] = []
    try:
        (base / "home").mkdir(mode=0o755)
        for name in names.values():
            home = base / "home" / name
            subprocess.run(
                ["useradd", "--home-dir", str(home), "--no-create-home", "--shell", "/bin/sh"]
                + ["--user-group", name],
                check=True,
                capture_output=True,
            )
            created.append(name)
            home.mkdir(mode=0o700)
            _chown_tree(home, name)
        yield Class(base, names, tag)
    finally:
        # with the grader's sandbox users of this test (see the grading step)
        created += [f"{tag}-sbox{slot}" for slot in (0, 1) if _exists(f"{tag}-sbox{slot}")]
        for name in created:
            _remove_user(name)
        shutil.rmtree(base, ignore_errors=True)
        leftovers = [n for n in created if _exists(n)]
        assert not leftovers, f"users not removed: {leftovers}"


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _install_configs(k: Class) -> None:
    """The shipped configs, pointed at this test's exchange instead of /srv/nbgrader/exchange."""
    override = (
        f"\n# test_exchange.py: a temporary exchange\nc.Exchange.root = {str(k.exchange)!r}\n"
    )
    k.etc.mkdir(mode=0o755)
    (k.etc / "nbgrader_config.py").write_text(
        (SHARED / "student" / "nbgrader_config.py").read_text() + override
    )
    (k.etc / "nbgrader_config.py").chmod(0o644)
    # The grading account's clone of the repository: what nbgrader needs for this assignment.
    repo = k.repo
    (repo / "grading").mkdir(parents=True)
    for name in ("nbgrader_config.py", "header.ipynb"):
        shutil.copy(GRADING / name, repo / "grading" / name)
    shutil.copytree(SOLUTIONS / A, repo / "solutions" / A)
    shutil.copytree(COURSE / A, repo / "course" / A)
    jupyter = k.home("instructor") / ".jupyter"
    jupyter.mkdir()
    (jupyter / "nbgrader_config.py").write_text(
        (SHARED / "instructor" / "nbgrader_config.py").read_text() + override
    )
    _chown_tree(k.home("instructor"), k.names["instructor"])


DENIED = "PermissionError"
# The grader with sandbox users named by this test (coursekit.sandbox_users owns the pattern).
GRADE_AS = (
    "import sys, coursekit.grade as g, coursekit.sandbox_users as u\n"
    "u.SANDBOX_USER = sys.argv[1]\nsys.exit(g.main(sys.argv[2:]))"
)


def _try(code: str) -> str:
    """Python that prints the result of ``code`` or the name of the error it raised."""
    return f"try:\n    print({code})\nexcept Exception as e:\n    print(type(e).__name__)"


def test_a_class_on_a_shared_server(klass):
    k = klass
    n = k.names
    start = time.perf_counter()
    _install_configs(k)

    # 1. The administrator sets up the exchange with the shipped script.
    proc = subprocess.run(
        ["bash", str(SHARED / "setup-exchange.sh"), str(k.exchange), COURSE_ID, n["instructor"]],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert exchange.check_exchange(k.exchange, COURSE_ID, n["instructor"]) == []
    course_x = k.exchange / COURSE_ID

    # 2. The instructor releases the assignment to the exchange.
    k.nbgrader("instructor", "release_assignment", A, cwd=k.grading)
    released = course_x / "outbound" / A / f"{A}.ipynb"
    assert released.read_bytes() == (COURSE / A / f"{A}.ipynb").read_bytes()
    assert exchange.check_exchange(k.exchange, COURSE_ID, n["instructor"]) == [], (
        "nbgrader changed the exchange's modes"
    )

    # 3. Two students list, fetch, work on and submit it.
    solved = solved_notebook(A, COURSE)
    for role, notebook in [("alice", solved), ("bob", None)]:
        listing = k.nbgrader(role, "list")
        assert f"{COURSE_ID} {A}" in listing.stdout + listing.stderr, listing.stderr
        k.nbgrader(role, "fetch_assignment", A)
        work = k.home(role) / A / f"{A}.ipynb"
        assert work.exists() and work.stat().st_uid == pwd.getpwnam(n[role]).pw_uid
        # alice puts in a solved notebook; bob a blank one (the release, untouched)
        nbformat.write(notebook or nbformat.read(released, as_version=4), work)
        os.chown(work, pwd.getpwnam(n[role]).pw_uid, pwd.getpwnam(n[role]).pw_gid)
        out = k.nbgrader(role, "submit", A)
        assert "Submitted as" in out.stdout + out.stderr
    inbound = sorted((course_x / "inbound").iterdir())
    assert len(inbound) == 2
    instr_gid = pwd.getpwnam(n["instructor"]).pw_gid
    for sub in inbound:
        student, assignment, _stamp, secret = sub.name.split("+")  # a random part: unguessable
        assert assignment == A and len(secret) >= 12
        assert pwd.getpwuid(sub.stat().st_uid).pw_name == student  # owned by its student
        assert sub.stat().st_gid == instr_gid  # setgid inbound: the instructor's group

    # 4. A third student cannot see or read another's submission or work.
    alice_sub = next(p for p in inbound if p.name.startswith(n["alice"] + "+"))
    home_a = k.home("alice")
    seen = json.loads(
        k.py(
            "carol",
            "import glob, json, os\n"
            "def t(f):\n"
            "    try:\n        return f()\n"
            "    except Exception as e:\n        return type(e).__name__\n"
            "print(json.dumps({"
            f"'inbound': t(lambda: os.listdir({str(course_x / 'inbound')!r})),"
            f"'guess': glob.glob({str(course_x / 'inbound' / (n['alice'] + '+*'))!r}),"
            f"'home': t(lambda: open({str(home_a / A / f'{A}.ipynb')!r}).read()[:10]),"
            f"'cache': t(lambda: os.listdir({str(home_a / '.local/share/jupyter/nbgrader_cache')!r})),"
            f"'feedback': t(lambda: os.listdir({str(course_x / 'feedback')!r})),"
            f"'outbound': t(lambda: os.listdir({str(course_x / 'outbound')!r})),"
            f"'delete': t(lambda: os.rename({str(alice_sub)!r}, {str(course_x / 'inbound' / 'x')!r})),"
            "}))",
        )
    )
    assert seen["inbound"] == DENIED, seen  # cannot list the submissions
    assert seen["guess"] == [], seen  # nor find one by its student's name
    assert seen["home"] == DENIED and seen["cache"] == DENIED, seen  # nor read alice's files
    assert seen["feedback"] == DENIED, seen  # nor list the feedback
    assert seen["outbound"] == [A], seen  # but the released assignments are for everyone
    assert seen["delete"] == DENIED, seen  # sticky inbound: no moving another's submission

    # carol fetches too (allowed) but does not submit before the deadline.
    k.nbgrader("carol", "fetch_assignment", A)

    # 5. The instructor collects; the project's isolated grader grades (as root, for its sandbox).
    k.run("instructor", sys.executable, "-m", "coursekit.exchange", "collect", A, cwd=k.grading)
    for role in ("alice", "bob"):
        got = k.grading / "submitted" / n[role] / A
        for name in (f"{A}.ipynb", "timestamp.txt", "submission_secret.txt"):
            assert (got / name).exists(), f"collect did not keep {name} of {role}"
    assert not (k.grading / "submitted" / n["carol"]).exists()
    t0 = time.perf_counter()
    # `python -m coursekit.grade`, with sandbox users of this test's own: other grading tests
    # may grade at the same time (pytest-xdist), and the grader kills every process of its
    # slot's user after each submission, which would hit their kernels (and they ours).
    sandbox = f"{k.tag}-sbox{{slot}}"
    grade = subprocess.run(
        [sys.executable, "-c", GRADE_AS, sandbox, "--course", str(k.grading), A, "--jobs", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}"),
    )
    k.log.append(f"{time.perf_counter() - t0:5.1f} s  root       python -m coursekit.grade")
    assert grade.returncode == 0, grade.stdout[-3000:] + grade.stderr[-3000:]
    assert "sandbox: bubblewrap, as an unprivileged sandbox user" in grade.stdout, grade.stdout[
        :500
    ]
    assert f"student code ran as: {k.tag}-sbox" in grade.stdout, grade.stdout[-800:]
    _chown_tree(k.grading, n["instructor"])  # hand the results back to the grading account
    results = {
        r.student: r
        for r in (Result.from_json(p.read_text()) for p in (k.grading / "results" / A).glob("*"))
    }
    assert set(results) == {n["alice"], n["bob"]}

    def auto(r: Result) -> tuple[float, float]:
        cells = [c for c in r.scores.values() if c.autograded]
        return sum(c.score or 0 for c in cells), sum(c.max_score for c in cells)

    got, full = auto(results[n["alice"]])
    assert full > 0 and got == full, results[n["alice"]]
    assert auto(results[n["bob"]])[0] == 0, results[n["bob"]]

    # The grading account's export holds both students (its environment runs the export plugin).
    k.nbgrader("instructor", "export", cwd=k.grading)
    rows = (k.grading / "grades.csv").read_text()
    assert n["alice"] in rows and n["bob"] in rows and n["carol"] not in rows

    # A late, impersonated submission: carol submits under bob's name; it is flagged.
    k.nbgrader("carol", "submit", A, "--student", n["bob"])
    flagged = k.run(
        "instructor",
        sys.executable,
        "-m",
        "coursekit.exchange",
        "impersonations",
        "--root",
        str(k.exchange),
        ok=False,
    )
    assert flagged.returncode == 1 and f"claims {n['bob']} but is owned by {n['carol']}" in (
        flagged.stdout
    ), flagged.stdout + flagged.stderr

    # 6. Feedback: the grader's (leak-free) HTML, readied and released through the exchange.
    ready = k.run(
        "instructor",
        sys.executable,
        "-m",
        "coursekit.exchange",
        "feedback",
        "--course",
        str(k.grading),
        A,
    )
    assert "for 2 student(s)" in ready.stdout, ready.stdout
    k.nbgrader("instructor", "release_feedback", A, cwd=k.grading)
    released_fb = sorted((course_x / "feedback").glob("*.html"))
    assert len(released_fb) == 2
    for f in released_fb:  # named by a hash of the submission's secret, not by the student
        assert re.fullmatch(r"[0-9a-f]{32,}\.html", f.name), f.name
        assert not any(name in f.name for name in n.values())
        assert stat.S_IMODE(f.stat().st_mode) & 0o004  # readable by the one who knows the name

    # 7. Each student fetches their own feedback, and only that.
    mine = {}
    for role in ("alice", "bob", "carol"):
        k.nbgrader(role, "fetch_feedback", A)
        mine[role] = sorted((k.home(role) / A / "feedback").glob("*/*.html"))
    for role in ("alice", "bob"):
        assert len(mine[role]) == 1, (role, mine[role])
        expected = k.grading / "feedback" / n[role] / A / f"{A}.html"
        assert mine[role][0].read_bytes() == expected.read_bytes(), role
        assert mine[role][0].stat().st_uid == pwd.getpwnam(n[role]).pw_uid
    assert mine["alice"][0].read_bytes() != mine["bob"][0].read_bytes()
    assert mine["carol"] == [], "carol's submission under bob's name must not fetch bob's feedback"

    took = time.perf_counter() - start
    # The time is reported, not asserted: the grading tier's budget bounds it, and a loaded
    # 2-core machine (other grading tests run beside this one) can take several times longer.
    print(f"\nclass on a shared server: {took:.1f} s\n" + "\n".join(k.log))
