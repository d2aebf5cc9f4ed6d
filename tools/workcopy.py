"""Copy course/ into work/ for the learner, once per notebook (never overwrite their edits).

Also writes work/nbgrader_config.py (the course's configuration, for the Validate button).

New chapters that arrive with `git pull` are copied in; a notebook already in work/ is left alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def follow_moves(work: Path) -> None:
    """Chapters renumbered since the learner's copy was made (tools/moved.json, written by
    tools/renumber.py): move their folder and notebook to the new name, keeping every edit, and
    say so. A chapter already present under its new name is left alone, and so is the old one."""
    moved_file = ROOT / "tools" / "moved.json"
    moved = json.loads(moved_file.read_text()) if moved_file.exists() else {}
    # Highest numbers first, so 05 -> 06 never lands on a 06 that is about to move to 07.
    for old in sorted(moved, reverse=True):
        new, src = moved[old], work / old
        if not src.is_dir() or (work / new).exists():
            if src.is_dir():
                print(f"{old} is now {new}; both are in work/: your edits stay in work/{old}/")
            continue
        src.rename(work / new)
        for nb in (work / new).glob(f"{old}*.ipynb"):
            nb.rename(nb.with_name(nb.name.replace(old, new, 1)))
        print(f"moved your work/{old}/ to work/{new}/ (the chapter was renumbered)")


def main() -> None:
    course, work = ROOT / "course", ROOT / "work"
    work.mkdir(exist_ok=True)
    follow_moves(work)
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
