"""JupyterHub for one class of the course on one server: students, instructors and a formgrader.

Install as /etc/jupyterhub/jupyterhub_config.py and start ``jupyterhub -f`` that file as root (the
hub starts every notebook server as its own Unix user). Accounts are real Unix users, signed in
with their password (PAM). The formgrader runs as a hub *service* under the grading account
(``grader-scale-from-zero``, which holds the course root and owns the course in the exchange);
members of the group ``formgrade-scale-from-zero`` reach it from the hub's Services menu, so
several instructors and teaching assistants grade in one gradebook without sharing a password.

Edit the rosters below (or set SCALELAB_INSTRUCTORS / SCALELAB_STUDENTS, comma-separated).
Names of the course id, the group and the service must agree: nbgrader finds a course's
formgrader by the service name, and its course list by the ``formgrade-<course id>`` group.
"""

import os

c = get_config()  # noqa: F821

COURSE_ID = "scale-from-zero"
GRADER = os.environ.get("SCALELAB_GRADER", f"grader-{COURSE_ID}")
# The grading account's clone of the course repository (its grading/ is the course root).
CLONE = os.environ.get("SCALELAB_GRADER_CLONE", f"/home/{GRADER}/scale-from-zero")
INSTRUCTORS = [u for u in os.environ.get("SCALELAB_INSTRUCTORS", "instructor1").split(",") if u]
STUDENTS = [u for u in os.environ.get("SCALELAB_STUDENTS", "student1,student2").split(",") if u]
# The course's virtual environment (make venv in a clone everyone can read, e.g. /opt).
VENV_BIN = os.environ.get("SCALELAB_VENV_BIN", "/opt/scale-from-zero/.venv/bin")
FORMGRADER_PORT = int(os.environ.get("SCALELAB_FORMGRADER_PORT", "9999"))

c.JupyterHub.bind_url = os.environ.get("SCALELAB_HUB_URL", "http://:8000")
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
c.Authenticator.admin_users = set(os.environ.get("SCALELAB_ADMINS", "").split(",")) - {""}

# Every user's server: JupyterLab from the course environment, which has nbgrader's extensions
# (Assignments tab for students; Formgrader and Course List for instructors).
c.Spawner.cmd = [os.path.join(VENV_BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin"}

c.JupyterHub.load_groups = {
    # Must start with "formgrade-" followed by the course id (nbgrader's course list).
    f"formgrade-{COURSE_ID}": {"users": INSTRUCTORS},
    # Students of the course; only needed for several courses on one hub (JupyterHubAuthPlugin).
    f"nbgrader-{COURSE_ID}": {"users": STUDENTS},
}

c.JupyterHub.load_roles = [
    {
        "name": f"formgrade-{COURSE_ID}",
        "groups": [f"formgrade-{COURSE_ID}"],
        "scopes": [
            f"access:services!service={COURSE_ID}",  # open the formgrader
            "list:services",  # nbgrader's course list finds the service
            f"read:services!service={COURSE_ID}",
        ],
    },
    {
        "name": f"nbgrader-{COURSE_ID}",
        "groups": [f"nbgrader-{COURSE_ID}"],
        # JupyterHubAuthPlugin reads the student's own groups (several courses on one hub).
        "scopes": ["list:services", f"read:services!service={COURSE_ID}"],
    },
    # A user's server token gets the user's own permissions (the course list needs them).
    {"name": "server", "scopes": ["inherit"]},
]

# The formgrader: a notebook server run by the hub as the grading account, started in its
# clone's grading/ (nbgrader reads grading/nbgrader_config.py there, whose root "." is that
# folder) with the clone as the server's root (formgrader wants the course root inside it).
c.JupyterHub.services = [
    {
        "name": COURSE_ID,  # must be the course id
        "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
        "command": [
            os.path.join(VENV_BIN, "jupyterhub-singleuser"),
            f"--ServerApp.root_dir={CLONE}",
        ],
        "user": GRADER,
        "cwd": os.path.join(CLONE, "grading"),
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/lab",
            "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",  # alembic for the gradebook
        },
        "oauth_no_confirm": True,
    }
]
