"""course/ is exactly what nbgrader generates from solutions/, and both are clean and well formed."""

from __future__ import annotations

import re

import jupytext
import nbformat
import pytest
from coursekit.nbg import HIDDEN_BEGIN, HIDDEN_END, MARKERS
from coursekit.notebooks import is_clean
from coursekit.paths import (
    COURSE,
    GRADING,
    SOLUTIONS,
    assignments,
    release_notebook,
    source_notebook,
)
from coursekit.release import release

pytestmark = pytest.mark.notebooks
ASSIGNMENTS = assignments()


def test_there_are_assignments():
    assert "00-welcome" in ASSIGNMENTS, ASSIGNMENTS


def _files(folder):
    """Files below ``folder``, leaving out hidden folders a local run leaves (``.hypothesis``,
    ``.ipynb_checkpoints``): git ignores them, and a clean clone has none."""
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def test_course_is_what_nbgrader_generates(tmp_path):
    """Regenerate every release into a temporary folder: it must equal the committed course/."""
    release(tmp_path)
    produced = _files(tmp_path)
    committed = _files(COURSE)
    assert produced == committed, "course/ has different files: run `make release`"
    for rel in produced:
        assert (tmp_path / rel).read_bytes() == (COURSE / rel).read_bytes(), (
            f"course/{rel} differs from what nbgrader generates: run `make release`"
        )


def test_only_notebooks_are_released():
    others = [p for p in _files(COURSE) if p.suffix != ".ipynb"]
    assert others == [], f"non-notebook files in course/: {others}"


def _hidden_lines(nb) -> set[str]:
    lines, outside = set(), set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            s = line.strip()
            if s.startswith(HIDDEN_BEGIN):
                inside = True
                continue
            if s.startswith(HIDDEN_END):
                inside = False
                continue
            (lines if inside else outside).add(s)
    # A line that also stands outside the hidden blocks (an import, `print(...)`) leaks nothing.
    return {s for s in lines - outside if len(s) > 3}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_leaks_no_solution_or_hidden_test(name):
    text = release_notebook(name).read_text()
    for marker in MARKERS:
        assert marker not in text, f"{marker!r} in course/{name}"
    released = {line.strip() for line in text.splitlines()}
    rel_nb = nbformat.read(release_notebook(name), as_version=4)
    rel_lines = {line.strip() for c in rel_nb.cells for line in c.source.splitlines()}
    leaked = sorted(_hidden_lines(nbformat.read(source_notebook(name), as_version=4)) & rel_lines)
    assert leaked == [], f"hidden-test lines in course/{name}: {leaked[:5]}"
    assert released  # the file was read


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebooks_are_clean(name):
    """No outputs, execution counts or stored widget state in source or release."""
    for path in (source_notebook(name), release_notebook(name)):
        nb = nbformat.read(path, as_version=4)
        assert is_clean(nb), f"{path} carries outputs or metadata noise: clear it"
        assert path.stat().st_size < 200_000, f"{path} is {path.stat().st_size} bytes"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_jupytext_pair_in_sync(name):
    """Each source notebook and its py:percent pair hold the same cells and metadata."""
    nb = nbformat.read(source_notebook(name), as_version=4)
    py = jupytext.read(SOLUTIONS / name / f"{name}.py")
    got = [(c.cell_type, c.source, dict(c.metadata)) for c in py.cells]
    want = [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]
    assert got == want, f"{name}.py and {name}.ipynb differ: run `make sync`"


def _inline_maths(paragraph: str) -> list[str]:
    """What JupyterLab would typeset as inline maths: the text between single ``$`` (code spans
    and ``$$`` display maths left out). An escaped ``\\$`` counts too: the markdown renderer
    turns it into a plain ``$`` before MathJax reads the page, so it pairs all the same
    (jupyterlab/jupyterlab#8645; seen in the browser: "about \\$370 an hour (about \\$395"
    set "370 an hour (about" in italics)."""
    text = re.sub(r"`[^`]*`", "", paragraph)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    return re.split(r"\$", text)[1::2]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_prices_are_not_typeset_as_maths(name):
    """'costs $0.10 an hour; the balancer $0.02' renders the words between the two dollars as
    italic maths, escaped or not: a price is written USD 0.10. Maths holds symbols, not two
    words in a row."""
    nb = nbformat.read(source_notebook(name), as_version=4)
    found = [
        span[:60]
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for paragraph in cell.source.split("\n\n")
        for span in _inline_maths(paragraph)
        if re.search(
            r"\b[a-zA-Z]{2,}\s+[a-zA-Z]{3,}\b", re.sub(r"\\[a-zA-Z]+(\{[^}]*\})?", "", span)
        )
    ]
    assert found == [], f"{name}: dollars that would pair up as maths (write USD 0.10): {found}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_predictions_come_before_their_experiments_and_the_product_runs_through(name):
    """#30: at least three predictions, each in its own ungraded cell left blank (``...``) and
    revealed in a later cell, keys unique; every chapter follows the product (Shutterstall)."""
    nb = nbformat.read(source_notebook(name), as_version=4)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    predicted, revealed = {}, {}
    for i, cell in code:
        for key in re.findall(r"\bpredict\(\s*\"([^\"]+)\"", cell.source):
            assert key not in predicted, f"{name}: prediction {key!r} asked twice"
            assert not _nbg(cell), f"{name}: prediction {key!r} sits in a graded cell"
            assert re.search(r"\bpredict\(\s*\"[^\"]+\",\s*\.\.\.", cell.source), (
                f"{name}: prediction {key!r} should be left as ... for the learner to fill in"
            )
            predicted[key] = i
        for key in re.findall(r"\breveal\(\s*\"([^\"]+)\"", cell.source):
            revealed[key] = i
    assert len(predicted) >= 3, f"{name}: {len(predicted)} predictions; ask at least 3"
    assert set(revealed) == set(predicted), (
        f"{name}: predicted but never revealed {sorted(set(predicted) - set(revealed))}, "
        f"revealed but never asked {sorted(set(revealed) - set(predicted))}"
    )
    early = [k for k in predicted if revealed[k] <= predicted[k]]
    assert early == [], f"{name}: revealed in or before the cell that asks for them: {early}"
    assert any("scalelab.product import" in c.source for _, c in code), (
        f"{name}: every chapter follows the product: import it from scalelab.product"
    )


def _nbg(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebook_structure(name):
    """Every chapter has the house sections, and every exercise a visible and a hidden check."""
    nb = nbformat.read(source_notebook(name), as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## Setup", "## Explore", "## Exercises", "## Summary", "## References"):
        assert re.search(rf"^{re.escape(heading)}", md, re.M), f"{name}: no '{heading}' section"
    assert "**Time:**" in md and "You will learn" in md, f"{name}: objectives and time missing"
    assert "show(" in "\n".join(c.source for c in nb.cells if c.cell_type == "code"), (
        f"{name}: the Explore section should display a widget with scalelab.widgets.show"
    )
    setup = next(c.source for c in nb.cells if "warnings_to_stdout()" in c.source)
    assert "plain_check_failures()" in setup, (
        f"{name}: the setup cell should call scalelab.checks.plain_check_failures() (a failed "
        "check shows its message, not a traceback)"
    )
    ids = [_nbg(c)["grade_id"] for c in nb.cells if _nbg(c)]
    assert len(ids) == len(set(ids)), f"{name}: duplicate grade ids"
    answers = [c for c in nb.cells if _nbg(c).get("solution") and c.cell_type == "code"]
    written = [c for c in nb.cells if _nbg(c).get("solution") and c.cell_type == "markdown"]
    tests = {
        _nbg(c)["grade_id"]: c for c in nb.cells if _nbg(c).get("grade") and c.cell_type == "code"
    }
    minimum = 1 if name == "00-welcome" else 3
    assert len(answers) >= minimum, f"{name}: {len(answers)} autograded exercises, need {minimum}"
    assert len(written) >= 1, f"{name}: needs a written answer graded by hand"
    assert len(answers) + len(written) <= 7, f"{name}: too many graded items for one sitting"
    assert len(nb.cells) <= 70, f"{name}: {len(nb.cells)} cells; aim for about 50"
    for cell in answers:
        gid = _nbg(cell)["grade_id"]
        visible, hidden = tests.get(f"test_{gid}_visible"), tests.get(f"test_{gid}_hidden")
        assert visible is not None and hidden is not None, (
            f"{name}: answer {gid} needs test cells test_{gid}_visible and test_{gid}_hidden"
        )
        assert HIDDEN_BEGIN not in visible.source and HIDDEN_BEGIN in hidden.source, gid
    for gid, cell in tests.items():
        assert _nbg(cell).get("locked") and _nbg(cell).get("points", 0) > 0, gid
        assert cell.source.lstrip().startswith('"""'), f"{name}: {gid} should open with a docstring"
        last = cell.source.rstrip().splitlines()[-1]
        assert not last.startswith((" ", "\t")) or "partial_credit" not in last, gid
    for cell in written:
        gid = _nbg(cell)["grade_id"]
        rubric = GRADING / "rubrics" / f"{name}.md"
        assert rubric.exists() and f"`{gid}`" in rubric.read_text(), (
            f"{name}: written answer {gid} needs a rubric section in grading/rubrics/{name}.md"
        )
