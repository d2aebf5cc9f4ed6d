"""``make progress``: where a learner stands, read from their own work copy, offline.

For every chapter in ``work/`` (``NN-topic/NN-topic.ipynb``, as ``make lab`` copied it): the
visible checks passed (a visible check cell that was run and saved without an error), the
predictions made and revealed (``predictions.json`` beside the notebook, written by
``scalelab.predict``) and how far off they were (the median relative error). Nothing is graded
and nothing leaves the machine; the hidden checks are the grader's (``make check NB=...``).

    python -m coursekit.progress [WORK_FOLDER]      # default: work/ of this repository

00-welcome has a cell that shows the same table (``show_progress("..")``).
"""

from __future__ import annotations

import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from scalelab.predict import how_far_off, load_predictions

__all__ = [
    "ChapterProgress",
    "chapter_progress",
    "work_progress",
    "progress_table",
    "show_progress",
]


@dataclass(frozen=True)
class ChapterProgress:
    """One chapter of a work copy: visible checks passed of all, predictions made, revealed, and
    the median relative error of the revealed ones (``None`` without any)."""

    chapter: str
    n_visible: int
    n_visible_passed: int
    n_predictions: int
    n_revealed: int
    median_off: float | None


def _visible_checks(nb) -> tuple[int, int]:
    total = passed = 0
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type != "code" or not gid.endswith("_visible"):
            continue
        total += 1
        ran = cell.get("execution_count") is not None
        failed = any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        passed += ran and not failed
    return total, passed


def chapter_progress(folder: Path) -> ChapterProgress:
    """Progress in one chapter folder of a work copy (its notebook may be missing or broken)."""
    folder = Path(folder)
    try:
        nb = nbformat.read(folder / f"{folder.name}.ipynb", as_version=4)
        total, passed = _visible_checks(nb)
    except (OSError, ValueError):  # missing, or not a notebook (nbformat's NotJSONError too)
        total = passed = 0
    made = [e for e in load_predictions(folder).values() if isinstance(e, dict)]
    made = [e for e in made if e.get("predicted") is not None]
    offs = [how_far_off(e["predicted"], e.get("actual")) for e in made]
    offs = [o for o in offs if o is not None]
    return ChapterProgress(
        chapter=folder.name,
        n_visible=total,
        n_visible_passed=passed,
        n_predictions=len(made),
        n_revealed=len(offs),
        median_off=statistics.median(offs) if offs else None,
    )


def work_progress(work: Path) -> list[ChapterProgress]:
    """Every chapter folder of the work copy ``work``, in course order."""
    work = Path(work)
    if not work.is_dir():
        return []
    return [
        chapter_progress(p)
        for p in sorted(work.iterdir())
        if p.is_dir() and re.fullmatch(r"\d\d-[a-z0-9-]+", p.name)
    ]


def progress_table(rows: list[ChapterProgress]) -> str:
    """The rows as a plain-text table (fits a notebook's output width)."""
    if not rows:
        return "No chapters in this work copy yet (make lab copies them into work/)."
    lines = [f"{'chapter':<20} {'visible checks':>14} {'predictions':>11} {'median off':>10}"]
    for r in rows:
        off = "-" if r.median_off is None else f"{r.median_off:.0%}"
        lines.append(
            f"{r.chapter:<20} {f'{r.n_visible_passed} / {r.n_visible}':>14} "
            f"{f'{r.n_revealed} / {r.n_predictions}':>11} {off:>10}"
        )
    passed = sum(r.n_visible_passed for r in rows)
    total = sum(r.n_visible for r in rows)
    made = sum(r.n_predictions for r in rows)
    lines.append(f"{'all':<20} {f'{passed} / {total}':>14} {made:>11}")
    lines.append(
        "visible checks: passed / in the chapter, as last saved; predictions: compared with the "
        "model / made;"
    )
    lines.append("median off: the typical relative distance of a prediction from the result.")
    return "\n".join(lines)


def show_progress(work: str | Path = "..") -> None:
    """Print the progress table of the work copy ``work`` (from a chapter's folder: ``..``)."""
    print(progress_table(work_progress(Path(work))))


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[2]
    work = Path(argv[0]) if argv else root / "work"
    print(f"Progress in {work}:")
    show_progress(work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
