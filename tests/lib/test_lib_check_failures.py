"""A failed check, as the learner sees it in a kernel: its message and line, not a traceback."""

from __future__ import annotations

import nbclient
import nbformat
import pytest

pytestmark = pytest.mark.lib

CELLS = {
    "helper": "expect_close(3, 4, what='mean wait (s)')",
    "assert": "assert 1 == 2, 'scenario one: expected 2, got 1'",
    "bare": "assert False",
    "learner": "def f():\n    assert False, 'inside my function'\nf()",
    "other": "1 / 0",
}


@pytest.fixture(scope="module")
def errors():
    """Each cell's error output (ename, evalue, traceback lines) from a real kernel."""
    setup = "from scalelab.checks import expect_close, plain_check_failures\nplain_check_failures()"
    cells = [nbformat.v4.new_code_cell(setup)]
    cells += [nbformat.v4.new_code_cell(src) for src in CELLS.values()]
    nb = nbformat.v4.new_notebook(cells=cells)
    nbclient.NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60).execute()
    out = {}
    for key, cell in zip(CELLS, nb.cells[1:], strict=True):
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        out[key] = (error.ename, error.evalue, "\n".join(error.traceback))
    return out


@pytest.mark.parametrize("key", ["helper", "assert", "bare"])
def test_a_failed_check_shows_its_message_and_line_only(errors, key):
    ename, evalue, shown = errors[key]
    assert ename == "AssertionError"  # nbgrader and Validate still see a failure
    assert shown.count("\n") <= 1, shown
    assert "Check failed:" in shown and "checks.py" not in shown and "Traceback" not in shown
    assert evalue in shown and CELLS[key].splitlines()[-1] in shown


def test_an_assert_without_a_message_says_so(errors):
    assert "an assert without a message failed" in errors["bare"][2]


@pytest.mark.parametrize("key", ["learner", "other"])
def test_errors_in_the_learners_code_keep_their_traceback(errors, key):
    ename, _, shown = errors[key]
    assert "Traceback" in shown and "Check failed" not in shown, shown
