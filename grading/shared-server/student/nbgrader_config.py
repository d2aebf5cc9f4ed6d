"""Every account's nbgrader configuration on the shared server: install as /etc/jupyter/nbgrader_config.py.

Students (and instructors, whose own config adds to this) find the exchange and the course here.
The course id must be the same string everywhere: here, in the instructor's config, in the
exchange folder's name (setup-exchange.sh) and in the JupyterHub service and group names
(jupyterhub_config.py).
"""

c = get_config()  # noqa: F821

# The exchange folder made by grading/shared-server/setup-exchange.sh (the same path on every
# machine that serves notebooks: on Kubernetes, a shared ReadWriteMany volume mounted here).
c.Exchange.root = "/srv/nbgrader/exchange"

# One course on this server: its id, so `nbgrader fetch_assignment 00-welcome` needs no --course
# and the Assignments tab lists it. For several courses on one server, leave course_id unset,
# set path_includes_course = True (fetched work goes to ./<course>/<assignment>) and let
# JupyterHub groups (nbgrader-<course>) decide who sees which course:
#     from nbgrader.auth import JupyterHubAuthPlugin
#     c.Authenticator.plugin_class = JupyterHubAuthPlugin
#     c.Exchange.path_includes_course = True
c.CourseDirectory.course_id = "scale-from-zero"
