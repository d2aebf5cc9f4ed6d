"""The test suite's own plumbing: an ``xdist_group`` keeps a module's tests on one worker.

The grading tier builds each assignment's class once per module (a fixture with
``scope="module"``) and relies on ``--dist loadgroup`` to keep the module's tests on one worker.
When that broke (pytest 9 reads a test's id where pytest-xdist 3.8 writes another field; the fix
is ``_keep_xdist_groups`` in ``tests/conftest.py``) every test still passed: the class was just
graded once per worker, and the grading tier took 720 s instead of 400 s. Only this check sees it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("xdist")

CONFTEST = Path(__file__).parents[1] / "conftest.py"

MODULE = """
import os
import pytest

pytestmark = pytest.mark.xdist_group("{group}")

@pytest.fixture(scope="module")
def built():
    with open(os.environ["BUILD_LOG"], "a") as log:
        log.write("{group} " + os.environ.get("PYTEST_XDIST_WORKER", "main") + "\\n")
    return True

@pytest.mark.parametrize("i", range(6))
def test_uses_the_module_fixture(built, i):
    assert built
"""


def test_a_grouped_modules_fixture_is_built_once_under_loadgroup(tmp_path):
    """Two grouped modules of six tests each, two workers: each module fixture is built once."""
    shutil.copy(CONFTEST, tmp_path / "conftest.py")  # the real hook, so its regressions show
    for group in ("alpha", "beta"):
        (tmp_path / f"test_{group}.py").write_text(MODULE.format(group=group))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the project's settings
    log = tmp_path / "builds.log"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]
        + ["--dist", "loadgroup", "-c", str(tmp_path / "pytest.ini"), str(tmp_path)],
        cwd=tmp_path,
        env={"BUILD_LOG": str(log), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    builds = sorted(log.read_text().split("\n")[:-1])
    assert [b.split()[0] for b in builds] == ["alpha", "beta"], (
        f"each grouped module's fixture must be built exactly once; builds: {builds}"
    )
