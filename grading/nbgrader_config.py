"""nbgrader configuration for the course. Run nbgrader from this folder (``grading/``).

The repository's folders map onto nbgrader's steps: ``solutions/`` is the source (instructor
notebooks with solutions and hidden tests), ``course/`` the release (what learners get). Student
submissions, autograded notebooks, feedback and the gradebook live here in ``grading/`` and are
never committed (see ``.gitignore``).
"""

import os

c = get_config()  # noqa: F821

# The course root is the folder holding this file, as an absolute path (nbgrader warns about a
# relative one), wherever nbgrader runs; source and release are relative to it.
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "scale-from-zero"
c.CourseDirectory.root = HERE
c.CourseDirectory.source_directory = "../solutions"
c.CourseDirectory.release_directory = "../course"
# Only notebooks are released: nothing else beside a source notebook (a jupytext pair holding
# hidden tests, a scratch file) may leak into course/ (`make release` passes its own list). The
# two text files are what `nbgrader collect` must keep from a submission: the time stamp (late
# work) and the secret that feedback release needs.
c.CourseDirectory.include = ["*.ipynb", "timestamp.txt", "submission_secret.txt"]
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.py", "feedback"]

# Every released notebook opens with the same "how to work" header.
c.IncludeHeaderFooter.header = "header.ipynb"

# Per-cell execution timeout while autograding (seconds); an infinite loop costs its own cell only.
c.Execute.timeout = 20
c.ExecutePreprocessor.timeout = 20
# Widgets are not built while grading (scalelab.widgets.show checks NBGRADER_EXECUTION).

# A release notebook must not keep stored outputs.
c.ClearOutput.enabled = True

# `nbgrader export` writes grades.csv with a status and a reason for every submission.
c.ExportApp.plugin_class = "coursekit.export.ReasonExportPlugin"


# No exchange in a course on one machine, and no alarm about it. The formgrader (and JupyterLab's
# Assignments list) ask nbgrader's exchange for released assignments on every page; with no
# exchange configured, nbgrader's default root does not exist and each request logged a critical
# "Unwritable directory, please contact your instructor" (nbgrader 0.9.6,
# exchange/default/exchange.py: Exchange.ensure_root, called by Exchange.start unless
# CourseDirectory.groupshared). This listing reports "no exchange" quietly in exactly that case:
# the root is nbgrader's own default and does not exist. Everything else is nbgrader's: on a
# shared server the exchange root is set by the server's configs (grading/shared-server/), which
# this file leaves alone (it is loaded last, so setting Exchange.root here would override them),
# and a missing or unwritable root there is still reported as before.
def _quiet_list():
    from nbgrader.exchange import ExchangeError
    from nbgrader.exchange.default import ExchangeList

    class CourseExchangeList(ExchangeList):
        """nbgrader's exchange listing; no critical log where no exchange was configured."""

        def ensure_root(self):
            if self.root == ExchangeList.root.default_value and not os.path.isdir(self.root):
                raise ExchangeError(f"no exchange configured (nbgrader's default {self.root})")
            super().ensure_root()

    return CourseExchangeList


c.ExchangeFactory.list = _quiet_list()
