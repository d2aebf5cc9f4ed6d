"""Make a submission gradable fairly before and after nbgrader runs it (pure notebook edits).

Three things nbgrader does not do, each a pure function over notebooks:

- :func:`restore_cells`: a test cell the student's copy lacks (deleted, or an older release that
  did not have it yet) is put back from the release where it belongs, and a cell whose nbgrader
  metadata was stripped (by an editor or a format round trip) gets it back, so correct work earns
  its marks. nbgrader then restores every test cell's hidden lines as usual.
- :func:`blank_cell`: a cell that killed the kernel (``os._exit``, a crash) is emptied, so the
  notebook can be graded again and that answer alone loses its points.
- :func:`cap_outputs`: a cell's output above a limit is cut, with a visible marker, so a
  submission that prints 40 MB does not make a 40 MB autograded notebook and feedback page.
"""

from __future__ import annotations

import hashlib
import json

import nbformat

__all__ = [
    "restore_cells",
    "blank_cell",
    "cap_outputs",
    "dying_cell",
    "code_cells_run",
    "OUTPUT_LIMIT",
    "BLANKED",
    "TRUNCATED",
]

OUTPUT_LIMIT = 1_000_000  # characters of output kept per cell (about 1 MB)
BLANKED = "# removed by the grader: this cell stopped the kernel (os._exit, a crash or a limit)\n"
TRUNCATED = "[output truncated by the grader: {more:,} more characters not shown]"


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _is_test(cell) -> bool:
    m = _meta(cell)
    return bool(m.get("grade")) and bool(m.get("locked")) and cell.cell_type == "code"


def restore_cells(nb, release) -> tuple[nbformat.NotebookNode, list[str], list[str]]:
    """``nb`` with every graded cell of ``release`` present: (notebook, restored, relabelled).

    ``restored``: grade ids of test cells that were missing and were inserted from the release,
    after the nearest earlier release cell the submission still has (matched by grade id, else
    by cell id). ``relabelled``: grade ids of cells found by cell id whose nbgrader metadata
    was stripped; a test cell is replaced by the release's, an answer keeps the student's text.
    Missing answer cells are not invented: the student's work is gone and its checks fail.
    """
    nb = nbformat.from_dict(nb)
    by_gid = {_meta(c).get("grade_id"): c for c in nb.cells if _meta(c).get("grade_id")}
    by_id = {c.get("id"): c for c in nb.cells if c.get("id")}
    restored, relabelled = [], []
    for r in release.cells:
        gid = _meta(r).get("grade_id")
        if not gid or gid in by_gid or not (_meta(r).get("grade") or _meta(r).get("solution")):
            continue
        twin = by_id.get(r.get("id"))
        if twin is not None and not _meta(twin) and twin.cell_type == r.cell_type:
            if _is_test(r):
                twin.source = r.source
                twin.outputs = []
            twin.metadata["nbgrader"] = dict(_meta(r))
            for key in ("deletable", "editable"):
                if key in r.metadata:
                    twin.metadata[key] = r.metadata[key]
            by_gid[gid] = twin
            relabelled.append(gid)
    # Insert the test cells still missing, each after the nearest earlier cell still present.
    for i, r in enumerate(release.cells):
        gid = _meta(r).get("grade_id")
        if not _is_test(r) or gid in by_gid:
            continue
        at = _place(nb, release.cells, i, by_gid, by_id)
        cell = nbformat.from_dict(r)
        cell.outputs, cell.execution_count = [], None
        nb.cells.insert(at, cell)
        by_gid[gid] = cell
        restored.append(gid)
    return nb, restored, relabelled


def _place(nb, cells, i: int, by_gid: dict, by_id: dict) -> int:
    """Where release cell ``i`` goes in ``nb``: after the nearest earlier cell present, else
    before the nearest later one, else at the end (after every answer it may need)."""

    def find(cell):
        anchor = by_gid.get(_meta(cell).get("grade_id")) or by_id.get(cell.get("id"))
        return None if anchor is None else next(k for k, c in enumerate(nb.cells) if c is anchor)

    for earlier in reversed(cells[:i]):
        k = find(earlier)
        if k is not None:
            return k + 1
    for later in cells[i + 1 :]:
        k = find(later)
        if k is not None:
            return k
    return len(nb.cells)


def code_cells_run(nb) -> list[int]:
    """Indices of the cells a kernel runs, in order: code cells with some source (nbclient's)
    and every test cell (nbgrader puts its source back before the run)."""
    return [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.source.strip() or _is_test(c))  # tests are restored
    ]


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "replace")).hexdigest()


def dying_cell(nb, trace: str) -> int | None:
    """Index of the cell of ``nb`` that was running when the kernel died, from its trace.

    ``trace`` has one line per cell the kernel started, ``<count> <sha256 of the source>``
    (written by the sandbox's IPython start-up hook). The last line names the cell: by its
    source where the submission has the same text, else by position (test cells run with
    hidden lines the submission does not have).
    """
    lines = [ln.split() for ln in trace.splitlines() if len(ln.split()) == 2]
    if not lines:
        return None
    count, digest = lines[-1]
    run = code_cells_run(nb)
    same = [i for i in run if _digest(nb.cells[i].source) == digest]
    if len(same) == 1:
        return same[0]
    n = int(count) if count.isdigit() else 0
    return run[n - 1] if 1 <= n <= len(run) else None


def blank_cell(nb, index: int, done: set[int] = frozenset()) -> tuple[nbformat.NotebookNode, int]:
    """Empty the cell that killed the kernel, or the answer a killed check called; which one.

    A test cell cannot be blamed (its code is the course's): the answer cell before it, not yet
    emptied (``done``), is emptied instead. Any other code cell is emptied itself.
    """
    nb = nbformat.from_dict(nb)
    target = index
    if _is_test(nb.cells[index]):
        earlier = [
            k
            for k in range(index - 1, -1, -1)
            if _meta(nb.cells[k]).get("solution")
            and nb.cells[k].cell_type == "code"
            and k not in done
        ]
        if not earlier:
            return nb, -1
        target = earlier[0]
    nb.cells[target].source = BLANKED
    nb.cells[target].outputs = []
    return nb, target


def _size(out) -> int:
    return len(json.dumps(out, separators=(",", ":")))


def cap_outputs(nb, limit: int = OUTPUT_LIMIT) -> tuple[nbformat.NotebookNode, list[int]]:
    """``nb`` with each code cell's outputs cut to about ``limit`` characters; cut cells' indices.

    Streams keep their first characters; a rich output that does not fit is dropped; an error
    is always kept (its cause matters) with its traceback cut; a marker says how much went.
    """
    nb = nbformat.from_dict(nb)
    cut = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or sum(_size(o) for o in cell.outputs) <= limit:
            continue
        room, kept, dropped = limit, [], 0
        for out in cell.outputs:
            size = _size(out)
            if size <= room:
                kept.append(out)
                room -= size
            elif out.output_type == "error":
                out.traceback = [line[:2000] for line in out.traceback[:20]]
                out.evalue = out.evalue[:2000]
                kept.append(out)
                dropped += size - _size(out)
            elif out.output_type == "stream" and room > 0:
                dropped += len(out.text) - room
                out.text = out.text[:room]
                kept.append(out)
                room = 0
            else:
                dropped += size
        marker = nbformat.v4.new_output(
            "stream", name="stdout", text=TRUNCATED.format(more=dropped)
        )
        cell.outputs = kept + [marker]
        cut.append(i)
    return nb, cut
