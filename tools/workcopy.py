"""Copy course/ into work/ for the learner, once per notebook (never overwrite their edits).

Also writes work/nbgrader_config.py (the course's configuration, for the Validate button).

New chapters that arrive with `git pull` are copied in; a notebook already in work/ is left alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    course, work = ROOT / "course", ROOT / "work"
    work.mkdir(exist_ok=True)
    # Validate (nbgrader's button) reads nbgrader_config.py in the folder the lab runs in: the
    # course's own, so a learner's check runs each cell under the grader's time limit.
    (work / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(ROOT / 'grading' / 'nbgrader_config.py')!r})  # noqa: F821\n"
    )
    for nb in sorted(course.glob("*/*.ipynb")):
        target = work / nb.relative_to(course)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(nb, target)
            print(f"copied {nb.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    print(f"Your working copy is {work}: edit freely, course/ stays as released.")


if __name__ == "__main__":
    main()
