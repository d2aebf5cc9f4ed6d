"""The grader's notebook repairs and reasons, on small notebooks made here (no nbgrader run)."""

from __future__ import annotations

import hashlib

import nbformat
import pytest
from coursekit.diagnosis import cause_of, check_causes, lost_points, structure_notes
from coursekit.nbg import CellScore
from coursekit.repair import (
    BLANKED,
    TRUNCATED,
    blank_cell,
    cap_outputs,
    code_cells_run,
    dying_cell,
    restore_cells,
)

pytestmark = pytest.mark.lib
v4 = nbformat.v4


def _cell(kind, source, gid=None, *, cell_id, grade=False, solution=False, locked=False):
    cell = (v4.new_code_cell if kind == "code" else v4.new_markdown_cell)(source)
    cell.id = cell_id
    if gid:
        cell.metadata["nbgrader"] = {
            "grade_id": gid,
            "grade": grade,
            "solution": solution,
            "locked": locked,
            "points": 1 if grade else 0,
            "schema_version": 3,
        }
    return cell


def _release():
    nb = v4.new_notebook()
    nb.cells = [
        _cell("markdown", "# Intro", cell_id="intro"),
        _cell("code", "import math", cell_id="setup"),
        _cell("code", "raise NotImplementedError()", "f", cell_id="f", solution=True),
        _cell("code", "assert f(1) == 2", "test_f_visible", cell_id="tfv", grade=True, locked=True),
        _cell("code", '"""Hidden."""', "test_f_hidden", cell_id="tfh", grade=True, locked=True),
        _cell("code", "raise NotImplementedError()", "g", cell_id="g", solution=True),
        _cell("code", "assert g() == 0", "test_g_visible", cell_id="tgv", grade=True, locked=True),
        _cell("markdown", "YOUR ANSWER HERE", "why", cell_id="why", grade=True, solution=True),
    ]
    return nb


def _solved():
    nb = nbformat.from_dict(_release())
    nb.cells[2].source = "def f(x):\n    return 2 * x"
    nb.cells[5].source = "def g():\n    return 0"
    nb.cells[7].source = "Because."
    return nb


def _ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") or c.get("id") for c in nb.cells]


def test_a_deleted_check_is_put_back_where_it_was():
    nb = _solved()
    del nb.cells[3]  # an older release had no visible check for f
    fixed, restored, relabelled = restore_cells(nb, _release())
    assert restored == ["test_f_visible"] and relabelled == []
    assert _ids(fixed) == _ids(_release())
    assert fixed.cells[3].source == "assert f(1) == 2"


def test_a_complete_copy_is_left_alone():
    fixed, restored, relabelled = restore_cells(_solved(), _release())
    assert (restored, relabelled) == ([], []) and fixed == _solved()


def test_stripped_metadata_comes_back_by_cell_id_and_an_answer_keeps_its_text():
    nb = _solved()
    nb.cells[3].source = "pass"
    for c in nb.cells:
        c.metadata.pop("nbgrader", None)
    fixed, restored, relabelled = restore_cells(nb, _release())
    assert restored == [] and set(relabelled) == {
        "f",
        "test_f_visible",
        "test_f_hidden",
        "g",
        "test_g_visible",
        "why",
    }
    assert fixed.cells[2].source.startswith("def f") and fixed.cells[7].source == "Because."
    assert fixed.cells[3].source == "assert f(1) == 2"  # a test is the release's, not "pass"


def test_without_cell_ids_a_missing_check_goes_after_the_nearest_graded_cell():
    nb = _solved()
    for c in nb.cells:
        c.pop("id", None)
    del nb.cells[6]  # test_g_visible
    fixed, restored, _ = restore_cells(nb, _release())
    assert restored == ["test_g_visible"]
    assert _ids(fixed)[5:7] == ["g", "test_g_visible"]


def test_a_deleted_answer_is_not_invented_and_is_named():
    nb = _solved()
    del nb.cells[5]
    fixed, restored, _ = restore_cells(nb, _release())
    assert restored == []
    cells = {
        c.metadata["nbgrader"]["grade_id"]: {
            "locked": c.metadata["nbgrader"]["locked"],
            "source": c.source,
        }
        for c in _release().cells
        if "nbgrader" in c.metadata
    }
    notes = structure_notes(fixed, cells)
    assert any("deleted" in n and "g" in n.split(":")[1] for n in notes), notes


def _trace(*sources):
    return "".join(
        f"{i} {hashlib.sha256(s.encode()).hexdigest()}\n" for i, s in enumerate(sources, 1)
    )


def test_the_dying_cell_is_found_by_its_source_or_by_position():
    nb = _solved()
    assert code_cells_run(nb) == [1, 2, 3, 4, 5, 6]
    assert dying_cell(nb, _trace("import math", nb.cells[2].source)) == 2
    # A test cell runs with hidden lines the copy does not have: found by its position.
    assert dying_cell(nb, _trace("import math", "x", "y", "hidden + more")) == 4
    assert dying_cell(nb, "") is None


def test_blanking_empties_the_answer_a_dying_check_called():
    nb, target = blank_cell(_solved(), 3)  # test_f_visible killed the kernel: f is to blame
    assert target == 2 and nb.cells[2].source == BLANKED
    nb, target = blank_cell(nb, 4, done={2})  # already emptied: nothing earlier to blame
    assert target == -1
    nb, target = blank_cell(_solved(), 1)  # a plain cell is emptied itself
    assert target == 1 and nb.cells[1].source == BLANKED


def test_outputs_are_cut_with_a_marker_and_errors_kept():
    nb = _solved()
    nb.cells[2].outputs = [
        v4.new_output("stream", name="stdout", text="x" * 5000),
        v4.new_output("error", ename="ValueError", evalue="bad", traceback=["t"] * 100),
    ]
    nb.cells[5].outputs = [v4.new_output("stream", name="stdout", text="small")]
    cut_nb, cut = cap_outputs(nb, limit=1000)
    assert cut == [2]
    outs = cut_nb.cells[2].outputs
    assert len(outs[0].text) <= 1000 and outs[1].ename == "ValueError"
    assert outs[-1].text.startswith(TRUNCATED.split("{")[0])
    assert cut_nb.cells[5].outputs == nb.cells[5].outputs


@pytest.mark.parametrize(
    ("ename", "evalue", "words"),
    [
        ("CellTimeoutError", "", "time limit"),
        ("KeyboardInterrupt", "", "interrupted"),
        ("MemoryError", "", "memory limit"),
        ("BlockingIOError", "[Errno 11] Resource temporarily unavailable", "process limit"),
        ("PermissionError", "[Errno 13] Permission denied: '/etc/passwd'", "permission"),
        ("OSError", "[Errno 27] File too large", "file size limit"),
        ("NotImplementedError", "", "left as released"),
        ("AssertionError", "expected 2, got 3", "AssertionError: expected 2, got 3"),
    ],
)
def test_each_cause_is_said_in_words(ename, evalue, words):
    assert words in cause_of(ename, evalue, timeout=10)


def test_lost_points_name_each_check_with_its_cause():
    nb = _solved()
    nb.cells[3].outputs = [
        v4.new_output("error", ename="AssertionError", evalue="no", traceback=[])
    ]
    nb.cells[6].outputs = [v4.new_output("stream", name="stderr", text="warning")]
    scores = {
        "test_f_visible": CellScore("test_f_visible", 0.0, 1.0, True),
        "test_f_hidden": CellScore("test_f_hidden", 1.0, 1.0, True),
        "test_g_visible": CellScore("test_g_visible", 0.0, 1.0, True),
    }
    (note,) = lost_points(scores, check_causes(nb, timeout=10))
    assert note.startswith("2 of 3 checks lost points")
    assert "test_f_visible (AssertionError: no)" in note
    assert "test_g_visible (wrote to stderr" in note and "test_f_hidden" not in note
    # Checks with the same cause are named together, the cause said once.
    same = {
        "test_f_visible": "answer left as released",
        "test_g_visible": "answer left as released",
    }
    (note,) = lost_points(scores, same)
    assert note.endswith("test_f_visible, test_g_visible (answer left as released)"), note
