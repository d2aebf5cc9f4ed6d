"""Where things are in the repository."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "ROOT",
    "SOLUTIONS",
    "COURSE",
    "GRADING",
    "assignments",
    "source_notebook",
    "release_notebook",
]

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
COURSE = ROOT / "course"
GRADING = ROOT / "grading"

_NAME = re.compile(r"^\d\d-[a-z0-9-]+$")


def assignments() -> list[str]:
    """Names of the assignments (``NN-topic``), one per folder of ``solutions/``, in order."""
    return sorted(
        p.name
        for p in SOLUTIONS.iterdir()
        if p.is_dir() and _NAME.match(p.name) and (p / f"{p.name}.ipynb").exists()
    )


def source_notebook(assignment: str) -> Path:
    return SOLUTIONS / assignment / f"{assignment}.ipynb"


def release_notebook(assignment: str, release_dir: Path = COURSE) -> Path:
    return Path(release_dir) / assignment / f"{assignment}.ipynb"
