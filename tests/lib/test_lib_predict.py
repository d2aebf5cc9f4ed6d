"""Predict, then verify: what a prediction cell records and shows, and the progress view that
reads a learner's work copy (blank, part done, completed, broken)."""

from __future__ import annotations

import json
import shutil

import nbclient
import nbformat
import pytest
from coursekit.paths import COURSE, ROOT
from coursekit.progress import chapter_progress, main, progress_table, work_progress
from scalelab.predict import PREDICTIONS_FILE, how_far_off, load_predictions, predict, reveal

pytestmark = pytest.mark.lib


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return tmp_path


def test_a_prediction_is_recorded_then_compared(in_tmp, capsys):
    predict("rate", 500, question="requests/s", unit="requests/s")
    reveal("rate", 231.48, why="86,400 s in a day")
    out = capsys.readouterr().out
    assert "Prediction for 'rate': 500 requests/s" in out
    assert "You predicted 500 requests/s; the model gives 231.5 requests/s (off by 116%)" in out
    assert "Why: 86,400 s in a day" in out
    entry = load_predictions(in_tmp)["rate"]
    assert entry["predicted"] == 500 and entry["actual"] == 231.48
    assert entry["question"] == "requests/s" and entry["unit"] == "requests/s"


def test_large_numbers_read_as_whole_numbers_not_exponents(in_tmp, capsys):
    predict("peak", 40_000, unit="requests/s")
    reveal("peak", 41_666.67)
    out = capsys.readouterr().out
    assert "You predicted 40,000 requests/s; the model gives 41,667 requests/s" in out
    assert "e+0" not in out


def test_a_cell_left_blank_records_no_prediction(in_tmp, capsys):
    predict("rate", ...)
    reveal("rate", 10.0)
    out = capsys.readouterr().out
    assert "No prediction for 'rate' yet" in out and "no prediction was recorded" in out
    assert load_predictions(in_tmp)["rate"]["predicted"] is None


def test_an_option_is_checked_and_compared(in_tmp, capsys):
    with pytest.raises(ValueError, match="pick one of"):
        predict("policy", "fifo", options=("lru", "lfu"))
    predict("policy", "lru", options=("lru", "lfu"))
    reveal("policy", "lfu")
    assert "You picked 'lru'; the model says 'lfu': not what the model says." in (
        capsys.readouterr().out
    )
    assert how_far_off("lru", "lfu") == 1.0 and how_far_off("lru", "lru") == 0.0


@pytest.mark.parametrize("bad", [True, None, float("nan"), [1, 2], {"a": 1}])
def test_a_prediction_must_be_a_number_or_an_option(in_tmp, bad):
    with pytest.raises(ValueError):
        predict("x", bad)


def test_a_later_prediction_replaces_the_earlier_one(in_tmp):
    predict("x", 1)
    predict("x", 2.5)
    assert load_predictions(in_tmp)["x"]["predicted"] == 2.5


def test_nothing_is_written_while_nbgrader_grades(in_tmp, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    predict("x", 1)
    reveal("x", 2)
    assert not (in_tmp / PREDICTIONS_FILE).exists()


def test_an_edited_or_broken_file_counts_as_no_predictions(in_tmp):
    (in_tmp / PREDICTIONS_FILE).write_text("{not json")
    assert load_predictions(in_tmp) == {}
    predict("x", 3)  # and the next prediction starts a clean file
    assert load_predictions(in_tmp)["x"]["predicted"] == 3


def test_how_far_off_is_relative_and_absolute_at_zero():
    assert how_far_off(110, 100) == pytest.approx(0.1)
    assert how_far_off(0.5, 0) == 0.5
    assert how_far_off(None, 3) is None and how_far_off(3, None) is None


def _work_copy(tmp_path, names):
    work = tmp_path / "work"
    for name in names:
        shutil.copytree(COURSE / name, work / name)
    return work


def test_progress_of_a_blank_work_copy(tmp_path, capsys):
    names = sorted(p.name for p in COURSE.iterdir() if p.is_dir() and p.name[:2].isdigit())
    work = _work_copy(tmp_path, names)
    rows = work_progress(work)
    assert [r.chapter for r in rows] == names
    assert all(r.n_visible >= 1 and r.n_visible_passed == 0 for r in rows)
    assert all(r.n_predictions == 0 and r.median_off is None for r in rows)
    assert main([str(work)]) == 0
    out = capsys.readouterr().out
    assert "00-welcome" in out and "0 / " in out
    assert max(len(line) for line in out.splitlines()) <= 104  # fits a notebook's output


def test_progress_of_an_empty_or_missing_folder(tmp_path):
    assert work_progress(tmp_path / "nowhere") == []
    assert "No chapters" in progress_table(work_progress(tmp_path))


def test_progress_counts_only_checks_run_without_an_error(tmp_path):
    work = _work_copy(tmp_path, ["00-welcome"])
    path = work / "00-welcome" / "00-welcome.ipynb"
    nb = nbformat.read(path, as_version=4)
    visible = [
        c for c in nb.cells if "_visible" in c.metadata.get("nbgrader", {}).get("grade_id", "")
    ]
    visible[0].execution_count = 3
    nbformat.write(nb, path)
    assert chapter_progress(work / "00-welcome").n_visible_passed == 1
    visible[0].outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="no",
                                                 traceback=[])]  # fmt: skip
    nbformat.write(nb, path)
    assert chapter_progress(work / "00-welcome").n_visible_passed == 0
    path.write_text("{broken")  # a corrupt notebook: counted as nothing, never a crash
    assert chapter_progress(work / "00-welcome").n_visible == 0


def test_progress_of_a_completed_chapter_run_in_a_kernel(tmp_path):
    """00-welcome answered, a prediction made, run in a real kernel as a learner would and saved:
    every visible check passed, one prediction made and compared, and how far off it was."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "support"))
    from answers import solved_notebook

    work = _work_copy(tmp_path, ["00-welcome"])
    folder = work / "00-welcome"
    nb = solved_notebook("00-welcome", COURSE)
    for cell in nb.cells:
        if cell.source.startswith('predict("average-rate", ...'):
            cell.source = cell.source.replace(
                'predict("average-rate", ...', 'predict("average-rate", 500', 1
            )
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(folder)}}).execute()  # fmt: skip
    nbformat.write(nb, folder / "00-welcome.ipynb")
    row = chapter_progress(folder)
    assert row.n_visible >= 1 and row.n_visible_passed == row.n_visible
    assert (row.n_predictions, row.n_revealed) == (1, 1)
    assert row.median_off == pytest.approx(500 / (1e6 * 20 / 86_400) - 1, rel=1e-6)
    saved = json.loads((folder / PREDICTIONS_FILE).read_text())
    assert saved["average-rate"]["predicted"] == 500
