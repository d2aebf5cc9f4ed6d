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
