"""``make check NB=07-caching``: grade your own working copy, with the hidden checks, safely.

For a learner without an instructor. Your notebook in ``work/NN-topic/`` is graded by the same
isolated grader an instructor uses (``coursekit.grade``), against the chapter's hidden checks,
and you get the same leak-free feedback: which checks passed, their messages, your points. The
hidden checks' code is never shown. Your copy is not changed.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import webbrowser
from pathlib import Path

from coursekit.grade import grade_submission, make_template, write_feedback
from coursekit.paths import ROOT, assignments

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in assignments():
        print(f"usage: make check NB=<one of: {', '.join(assignments())}>")
        return 2
    name = argv[0]
    folder = ROOT / "work" / name
    if not (folder / f"{name}.ipynb").exists():
        print(f"no working copy at {folder}: run `make lab` first, then save your notebook")
        return 2
    with tempfile.TemporaryDirectory(prefix="scalelab-check-") as tmp:
        course = Path(tmp)
        template = make_template(name, course / "templates")
        result = grade_submission(template, "me", folder, keep=course / "autograded")
        shutil.copy(template.root / "gradebook.db", course / "gradebook.db")
        from coursekit.grade import merge

        merge(result, f"sqlite:///{course / 'gradebook.db'}")
        html = write_feedback(course, result)
        out = ROOT / "work" / "feedback" / f"{name}.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        if html:
            shutil.copy(html, out)
    auto = [c for c in result.scores.values() if c.autograded]
    print(
        f"\n{name}: {sum(c.score or 0 for c in auto):g} / {sum(c.max_score for c in auto):g} "
        f"autograded points ({result.status}: {result.reason})"
    )
    for c in result.scores.values():
        if c.autograded:
            mark = "passed" if c.score == c.max_score else "FAILED"
            print(f"  {mark:<7} {c.grade_id:<40} {c.score or 0:g}/{c.max_score:g}")
    print(
        "  Written answers are graded by a person: compare yours with solutions/ and the "
        "rubric in grading/rubrics/."
    )
    if html:
        print(f"\nFeedback (with each failed check's message): {out}")
        try:
            webbrowser.open(out.as_uri())
        except Exception:  # noqa: BLE001 - no browser is fine, the path is printed
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
