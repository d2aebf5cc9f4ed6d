"""Play a class through a live JupyterHub on 127.0.0.1, with its REST API (run as root).

Not part of CI (the course environment has no JupyterHub): run it from a throwaway environment
that has JupyterHub and sees the course environment's packages, with the proxy from npm:

    python3 -m venv /tmp/hub/venv          # the same Python version as the course's .venv
    echo "$PWD/.venv/lib/python3.11/site-packages" > /tmp/hub/venv/lib/python3.11/site-packages/course.pth
    /tmp/hub/venv/bin/pip install jupyterhub==6.1.1
    (mkdir -p /tmp/hub/chp && cd /tmp/hub/chp && npm install configurable-http-proxy@5.3.0)
    sudo PYTHONPATH=$PWD/lib /tmp/hub/venv/bin/python grading/shared-server/check_live_hub.py \
        --proxy /tmp/hub/chp/node_modules/.bin/configurable-http-proxy

It creates four Unix users (a grading account, an instructor, two students), the exchange
(setup-exchange.sh, under a temporary folder), and starts the hub with the shipped
jupyterhub_config.py (loaded as a subconfig; only ports, paths, the authenticator and an admin
service token for the test are overridden). Then, through the hub's REST API and the proxy:
the formgrader service (as the instructor) releases the assignment; each student's server is
started and lists, fetches, writes (solved / blank) and submits through nbgrader's
assignment-list API; a student is refused by the formgrader; the instructor collects; the
isolated grader grades; feedback is released from the formgrader and each student fetches their
own. Everything it made is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
from coursekit import exchange
from coursekit.nbg import solved_notebook
from coursekit.paths import COURSE, GRADING, ROOT, SOLUTIONS

SHARED = GRADING / "shared-server"
A = "00-welcome"
CID = exchange.COURSE_ID
PORT, API_PORT, HUB_PORT, FG_PORT = 18000, 18001, 18081, 18999
BASE_URL = f"http://127.0.0.1:{PORT}"


def http(method: str, path: str, token: str, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE_URL + path, data=data, method=method)
    req.add_header("Authorization", f"token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode()
            head = text.strip()[:1]
            return resp.status, (json.loads(text) if head and head in "[{" else text)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()[:500]


def form(method: str, path: str, token: str, fields: dict, timeout=120):
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(BASE_URL + path, data=data, method=method)
    req.add_header("Authorization", f"token {token}")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read().decode())
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()[:500]


def check(cond, what, log):
    log.append(("ok  " if cond else "FAIL") + " " + what)
    print(log[-1], flush=True)
    if not cond:
        raise SystemExit(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxy", required=True, help="configurable-http-proxy executable")
    parser.add_argument("--keep", action="store_true", help="keep users and files (debugging)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root: the hub starts each user's server as that Unix user")
        return 2
    venv_bin = Path(sys.executable).parent
    base = Path(tempfile.mkdtemp(prefix="scalelab-hub-", dir="/tmp"))
    base.chmod(0o755)
    names = {"grader": "hl-grader", "instructor": "hl-instr", "alice": "hl-alice", "bob": "hl-bob"}
    created, hub, log = [], None, []
    try:
        (base / "home").mkdir(mode=0o755)
        for name in names.values():
            home = base / "home" / name
            subprocess.run(
                ["useradd", "--home-dir", str(home), "--no-create-home", "--shell", "/bin/sh"]
                + ["--user-group", name],
                check=True,
            )
            created.append(name)
            home.mkdir(mode=0o700)
            os.chown(home, pwd.getpwnam(name).pw_uid, pwd.getpwnam(name).pw_gid)
        xroot = base / "exchange"
        subprocess.run(
            ["bash", str(SHARED / "setup-exchange.sh"), str(xroot), CID, names["grader"]],
            check=True,
            capture_output=True,
        )
        override = f"\nc.Exchange.root = {str(xroot)!r}\n"
        etc = base / "etc-jupyter"
        etc.mkdir(mode=0o755)
        (etc / "nbgrader_config.py").write_text(
            (SHARED / "student/nbgrader_config.py").read_text() + override
        )
        clone = base / "home" / names["grader"] / "scale-from-zero"
        (clone / "grading").mkdir(parents=True)
        for f in ("nbgrader_config.py", "header.ipynb"):
            shutil.copy(GRADING / f, clone / "grading" / f)
        shutil.copytree(SOLUTIONS / A, clone / "solutions" / A)
        shutil.copytree(COURSE / A, clone / "course" / A)
        dotj = clone.parent / ".jupyter"
        dotj.mkdir()
        (dotj / "nbgrader_config.py").write_text(
            (SHARED / "instructor/nbgrader_config.py").read_text() + override
        )
        shutil.copy(SHARED / "jupyter_server_config.py", dotj / "jupyter_server_config.py")
        subprocess.run(["chown", "-R", f"{names['grader']}:", str(clone.parent)], check=True)

        token = secrets.token_hex(32)
        hubdir = base / "hub"
        hubdir.mkdir(mode=0o700)
        cfg_path = ROOT / ".venv" / "etc" / "jupyter"
        jcp = f"{etc}:{cfg_path}"
        # The throwaway environment sees the course's packages but not its share/jupyter
        # (nbconvert's templates for the formgrader, the Lab extensions): point at it.
        jp = str(ROOT / ".venv" / "share" / "jupyter")
        path = f"{venv_bin}:{ROOT / '.venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin"
        (hubdir / "jupyterhub_config.py").write_text(
            f"""c = get_config()
load_subconfig({str(SHARED / "jupyterhub_config.py")!r})
c.JupyterHub.bind_url = {BASE_URL!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{HUB_PORT}"
c.ConfigurableHTTPProxy.command = [{args.proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{API_PORT}"
c.JupyterHub.db_url = "sqlite:///{hubdir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{hubdir}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"  # only the API is used; never on a real server
c.Spawner.environment.update({{"JUPYTER_CONFIG_PATH": {jcp!r}, "JUPYTER_PATH": {jp!r}}})
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
svc = c.JupyterHub.services[0]
svc["environment"]["JUPYTER_CONFIG_PATH"] = {jcp!r}
svc["environment"]["JUPYTER_PATH"] = {jp!r}
# alembic (the gradebook's migrations) is in the course environment, not the throwaway one
svc["environment"]["PATH"] = {path!r}
c.Spawner.environment["PATH"] = {path!r}
c.JupyterHub.services.append({{"name": "live-check", "api_token": {token!r}}})
c.JupyterHub.load_roles.append({{"name": "live-check", "services": ["live-check"],
    "scopes": ["admin:users", "admin:servers", "tokens", "admin:groups", "list:services",
               "read:services"]}})
"""
        )
        env = dict(
            os.environ,
            SCALELAB_INSTRUCTORS=names["instructor"],
            SCALELAB_STUDENTS=f"{names['alice']},{names['bob']}",
            SCALELAB_GRADER=names["grader"],
            SCALELAB_GRADER_CLONE=str(clone),
            SCALELAB_VENV_BIN=str(venv_bin),
            SCALELAB_FORMGRADER_PORT=str(FG_PORT),
            PATH=f"{venv_bin}:{os.environ['PATH']}",
            PYTHONPATH=str(ROOT / "lib"),
        )
        # The hub runs in a mount namespace where this Python (under /root) is reachable by the
        # users it starts servers for (coursekit.exchange's way, as in the exchange test).
        cmd = [str(venv_bin / "jupyterhub"), "-f", str(hubdir / "jupyterhub_config.py")]
        if exchange.needs_namespace():
            cmd = ["unshare", "-m", "--propagation", "private", sys.executable, "-m"]
            cmd += ["coursekit.exchange", "_expose-and-run", "--"]
            cmd += [str(venv_bin / "jupyterhub"), "-f", str(hubdir / "jupyterhub_config.py")]
        hub_log = open(hubdir / "hub.log", "w")  # noqa: SIM115
        hub = subprocess.Popen(cmd, cwd=hubdir, env=env, stdout=hub_log, stderr=hub_log)
        t0 = time.time()
        while time.time() - t0 < 60:
            try:
                status, info = http("GET", "/hub/api/", token)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        check(status == 200, f"hub answers on {BASE_URL} ({info.get('version')})", log)

        status, services = http("GET", "/hub/api/services", token)
        check(status == 200 and CID in services, f"service {CID!r} registered", log)
        status, groups = http("GET", "/hub/api/groups", token)
        fg = {g["name"]: g["users"] for g in groups}
        check(fg.get(f"formgrade-{CID}") == [names["instructor"]], "instructor group loaded", log)

        def user_token(name):
            status, tok = http(
                "POST", f"/hub/api/users/{name}/tokens", token, {"note": "live check"}
            )
            assert status in (200, 201), tok
            return tok["token"]

        tok = {r: user_token(n) for r, n in names.items() if r != "grader"}
        fgapi = f"/services/{CID}/formgrader/api"
        # The formgrader service starts with the hub; wait until it answers.
        t0 = time.time()
        while time.time() - t0 < 90:
            status, body = http("GET", f"{fgapi}/status", tok["instructor"])
            if status == 200:
                break
            time.sleep(1)
        check(status == 200, f"instructor reaches the formgrader ({body})", log)
        status, _ = http("GET", f"{fgapi}/status", tok["alice"])
        check(status in (403, 404), f"a student is refused by the formgrader (HTTP {status})", log)
        status, assignments = http("GET", f"{fgapi}/assignments", tok["instructor"])
        check(
            status == 200, f"formgrader lists assignments: {[a['name'] for a in assignments]}", log
        )
        status, res = form("POST", f"{fgapi}/assignment/{A}/assign", tok["instructor"], {})
        check(status == 200 and res.get("success"), "formgrader generates the assignment", log)
        status, res = form("POST", f"{fgapi}/assignment/{A}/release", tok["instructor"], {})
        check(status == 200 and res.get("success"), f"formgrader releases {A} to the exchange", log)
        check((xroot / CID / "outbound" / A / f"{A}.ipynb").exists(), "release in outbound", log)

        for role in ("alice", "bob"):
            user = names[role]
            status, _ = http("POST", f"/hub/api/users/{user}/server", token)
            t0 = time.time()
            while time.time() - t0 < 120:
                _, info = http("GET", f"/hub/api/users/{user}", token)
                if info.get("servers", {}).get("", {}).get("ready"):
                    break
                time.sleep(1)
            check(info["servers"][""]["ready"], f"{role}'s server started as {user}", log)
            up = f"/user/{user}"
            status, listing = http("GET", f"{up}/assignments?course_id={CID}", tok[role])
            ids = [a["assignment_id"] for a in listing.get("value", [])]
            check(status == 200 and A in ids, f"{role} lists {ids} through the hub", log)
            status, res = form(
                "POST", f"{up}/assignments/fetch", tok[role], {"course_id": CID, "assignment_id": A}
            )
            check(status == 200 and res.get("success"), f"{role} fetches {A}", log)
            if role == "alice":
                nb = json.loads(nbformat.writes(solved_notebook(A, COURSE)))
                status, _ = http(
                    "PUT",
                    f"{up}/api/contents/{A}/{A}.ipynb",
                    tok[role],
                    {"type": "notebook", "format": "json", "content": nb},
                )
                check(status in (200, 201), "alice saves her solved notebook (contents API)", log)
            status, res = form(
                "POST",
                f"{up}/assignments/submit",
                tok[role],
                {"course_id": CID, "assignment_id": A},
            )
            check(status == 200 and res.get("success"), f"{role} submits", log)

        status, res = form("POST", f"{fgapi}/assignment/{A}/collect", tok["instructor"], {})
        check(status == 200 and res.get("success"), "formgrader collects", log)
        sub = clone / "grading" / "submitted" / names["alice"] / A
        kept = (sub / "submission_secret.txt").exists()
        log.append(f"note formgrader's Collect kept submission_secret.txt: {kept}")
        print(log[-1])
        if not kept:  # the course config copies only notebooks: collect again, keeping them
            proc = exchange.run_as(
                names["grader"],
                [sys.executable, "-m", "coursekit.exchange", "collect", A, "--update"],
                cwd=clone / "grading",
                env={"JUPYTER_CONFIG_PATH": jcp, "PYTHONPATH": str(ROOT / "lib")},
            )
            check(
                proc.returncode == 0 and (sub / "submission_secret.txt").exists(),
                "coursekit.exchange collect keeps the secrets",
                log,
            )
        grade = subprocess.run(
            [ROOT / ".venv/bin/python", "-m", "coursekit.grade", "--course", clone / "grading", A],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=dict(os.environ, PATH=f"{ROOT / '.venv/bin'}:{os.environ['PATH']}"),
        )
        check(grade.returncode == 0, "isolated grader grades the collected work", log)
        print(grade.stdout[-800:])
        subprocess.run(["chown", "-R", f"{names['grader']}:", str(clone)], check=True)
        proc = exchange.run_as(
            names["grader"],
            [
                sys.executable,
                "-m",
                "coursekit.exchange",
                "feedback",
                "--course",
                clone / "grading",
                A,
            ],
            cwd=clone / "grading",
            env={"PYTHONPATH": str(ROOT / "lib")},
        )
        check("for 2 student(s)" in proc.stdout, "feedback readied for release", log)
        status, res = form(
            "POST", f"{fgapi}/assignment/{A}/release_feedback", tok["instructor"], {}
        )
        check(status == 200 and res.get("success"), "formgrader releases feedback", log)
        for role in ("alice", "bob"):
            up = f"/user/{names[role]}"
            status, res = form(
                "POST",
                f"{up}/assignments/fetch_feedback",
                tok[role],
                {"course_id": CID, "assignment_id": A},
            )
            check(status == 200 and res.get("success"), f"{role} fetches feedback", log)
            got = list((base / "home" / names[role] / A / "feedback").glob("*/*.html"))
            want = clone / "grading" / "feedback" / names[role] / A / f"{A}.html"
            check(
                len(got) == 1 and got[0].read_bytes() == want.read_bytes(),
                f"{role} got exactly their own feedback",
                log,
            )
        print("\nlive JupyterHub check passed:\n" + "\n".join(log))
        return 0
    finally:
        if hub is not None:
            hub.send_signal(signal.SIGTERM)
            try:
                hub.wait(20)
            except subprocess.TimeoutExpired:
                hub.kill()
        if not args.keep:
            for name in created:
                uid = pwd.getpwnam(name).pw_uid
                subprocess.run(["pkill", "-KILL", "-U", str(uid)], capture_output=True)
                subprocess.run(["userdel", name], capture_output=True)
                subprocess.run(["groupdel", name], capture_output=True)
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"kept: {base}")


if __name__ == "__main__":
    sys.exit(main())
