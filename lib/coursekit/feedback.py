"""Feedback that teaches and does not leak hidden tests.

nbgrader's own feedback is the autograded notebook rendered to HTML, hidden tests and their
tracebacks included (nbgrader #917). Ours is built from the same notebook, sanitised:

- a summary first: every exercise with its checks, passed or failed, points earned and available,
  written answers with their score (or "waiting for the instructor"), and the total;
- a test cell that holds hidden checks shows only its one-line docstring, never its code;
- an error shows its type and message (our checks write helpful messages), never a traceback,
  which would quote the hidden code;
- once a written answer is graded, its rubric from ``grading/rubrics/<assignment>.md`` follows it;
- a comment the instructor typed in the formgrader follows the answer it is about.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

from coursekit.nbg import HIDDEN_BEGIN, CellScore
from coursekit.paths import GRADING, source_notebook

__all__ = ["sanitise", "render", "rubric_sections", "HIDDEN_NOTE", "COMMENT_HEADING"]

HIDDEN_NOTE = "# (hidden checks: their code is not shown; the result is below)"
COMMENT_HEADING = "**Comment from your instructor**"


def rubric_sections(assignment: str, rubrics: Path = GRADING / "rubrics") -> dict[str, str]:
    """{grade_id: markdown} from the rubric file, split at headings that name a grade id."""
    path = Path(rubrics) / f"{assignment}.md"
    if not path.exists():
        return {}
    out, current = {}, None
    for line in path.read_text().splitlines():
        m = re.match(r"^#+ .*?`([^`]+)`", line)
        if m:
            current = m.group(1)
            out[current] = line + "\n"
        elif current:
            out[current] += line + "\n"
    return out


def _docstring(source: str) -> str:
    m = re.match(r'\s*"""(.*?)"""', source, re.S)
    return f'"""{m.group(1).strip()}"""' if m else '"""Checks."""'


def sanitise(
    nb,
    assignment: str,
    scores: dict[str, CellScore],
    manual_graded: set[str] = frozenset(),
    comments: dict[str, str] | None = None,
) -> nbformat.NotebookNode:
    """A copy of the autograded ``nb`` safe to show the student, with a summary on top.

    ``comments``: {grade_id: the instructor's comment (markdown)} from the formgrader; each
    follows the answer cell it is about.
    """
    comments = comments or {}
    nb = nbformat.from_dict(nb)
    src = nbformat.read(source_notebook(assignment), as_version=4)
    hidden = {
        c.metadata["nbgrader"]["grade_id"]
        for c in src.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") and HIDDEN_BEGIN in c.source
    }
    rubrics = rubric_sections(assignment)
    cells = []
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code":
            if gid in hidden or HIDDEN_BEGIN in cell.source:
                cell.source = _docstring(cell.source) + "\n" + HIDDEN_NOTE
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    out.traceback = [f"{out.ename}: {out.evalue}"]
        cells.append(cell)
        if gid and (comments.get(gid) or "").strip():
            cells.append(nbformat.v4.new_markdown_cell(f"{COMMENT_HEADING}\n\n{comments[gid]}"))
        if cell.cell_type == "markdown" and gid in manual_graded and gid in rubrics:
            cells.append(nbformat.v4.new_markdown_cell("**Rubric**\n\n" + rubrics[gid]))
    nb.cells = [nbformat.v4.new_markdown_cell(summary(nb, scores, manual_graded))] + cells
    return nb


def summary(nb, scores: dict[str, CellScore], manual_graded: set[str] = frozenset()) -> str:
    """A markdown table: each graded cell, passed or not, and the points."""
    lines = ["# Feedback", "", "| check | result | points |", "|---|---|---|"]
    total = possible = 0.0
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid not in scores:
            continue
        s = scores[gid]
        possible += s.max_score
        if s.autograded:
            got = s.score or 0.0
            result = "passed" if got == s.max_score else ("partly" if got else "failed")
        elif s.score is None:
            got, result = 0.0, "written answer: waiting for the instructor"
        elif gid not in manual_graded and not s.score:
            got, result = 0.0, "written answer: left blank"
        else:
            got, result = s.score, "written answer: graded"
        total += got
        lines.append(f"| `{gid}` | {result} | {got:g} / {s.max_score:g} |")
    lines += [
        "",
        f"**Total: {total:g} / {possible:g}**",
        "",
        "Failed checks show their message below, at the cell. Hidden checks show what they "
        "test, not their code.",
    ]
    return "\n".join(lines)


# nbconvert's classic page loads jQuery, require.js, Mermaid and MathJax from a CDN; feedback is read
# offline (a file on the learner's machine) and needs none of them: formulas stay as TeX text.
_OFFLINE_TEMPLATE = """{%- extends 'classic/index.html.j2' -%}
{%- block html_head_js_jquery -%}{%- endblock html_head_js_jquery -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
"""


def render(nb) -> str:
    """HTML of a sanitised notebook (nbconvert's classic page, nothing fetched from the web)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="classic",
        template_file="offline.html.j2",
        extra_loaders=[DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


def text_of(html_text: str) -> str:
    """The visible text of an HTML page (tags dropped, entities decoded), for leak checks."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))
