"""The grading account's nbgrader configuration on the shared server.

Install as ``~/.jupyter/nbgrader_config.py`` of the account that holds the course root (by
default ``grader-scale-from-zero``, which also runs the formgrader service for the instructors
group; see jupyterhub_config.py). That account keeps a clone of the course repository at
``~/scale-from-zero`` and runs every nbgrader command from its ``grading/`` folder, which is also
the formgrader service's working folder: nbgrader loads ``grading/nbgrader_config.py`` (source,
release, timeouts, export plugin) from there, *after* this file, and that file sets
``CourseDirectory.root`` to the absolute path of ``grading/`` itself. This file adds only what
the shared server needs: the exchange and the course id.
"""

c = get_config()  # noqa: F821

# The exchange made by setup-exchange.sh, in which this account owns the course's folders.
c.Exchange.root = "/srv/nbgrader/exchange"

# The same id as in /etc/jupyter/nbgrader_config.py, the exchange and the hub's service/groups.
c.CourseDirectory.course_id = "scale-from-zero"

# `nbgrader collect` warns when a submission's folder is owned by a user other than the student
# it names (`nbgrader submit --student someone-else`, which nbgrader allows); keep the check on
# and run `python -m coursekit.exchange impersonations` before collecting.
c.CollectApp.check_owner = True

# Collect with `python -m coursekit.exchange collect ASSIGNMENT` (it runs `nbgrader collect`).
# grading/nbgrader_config.py (loaded last) copies notebooks plus the timestamp.txt and
# submission_secret.txt the exchange puts beside each submission (the time, for late work, and
# the secret that names the student's feedback file for release_feedback); the exchange command
# also adds them itself should a local config narrow `include` again.
