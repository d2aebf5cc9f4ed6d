"""Copy course/ into work/ for the learner, once per notebook (never overwrite their edits).

New chapters that arrive with `git pull` are copied in; a notebook already in work/ is left alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    course, work = ROOT / "course", ROOT / "work"
    for nb in sorted(course.glob("*/*.ipynb")):
        target = work / nb.relative_to(course)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(nb, target)
            print(f"copied {nb.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    print(f"Your working copy is {work}: edit freely, course/ stays as released.")


if __name__ == "__main__":
    main()
