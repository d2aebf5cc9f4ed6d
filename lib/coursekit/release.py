"""``make release``: regenerate ``course/`` from ``solutions/`` with nbgrader.

The gradebook nbgrader needs while it releases is a throwaway one, so releasing never touches the
instructor's gradebook. Notebooks that disappeared from ``solutions/`` are removed from ``course/``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from coursekit.nbg import generate_release
from coursekit.paths import COURSE, assignments

__all__ = ["release"]


def release(release_dir: Path = COURSE, names: list[str] | None = None) -> list[str]:
    """Release ``names`` (default: every assignment) into ``release_dir``; return the names."""
    everything = names is None
    names = names or assignments()
    release_dir = Path(release_dir)
    with tempfile.TemporaryDirectory() as tmp:
        generate_release(names, release_dir, Path(tmp) / "gradebook.db")
    if everything:  # a full release also removes chapters that left solutions/
        for stale in release_dir.iterdir():
            if stale.is_dir() and stale.name not in names and stale.name[:2].isdigit():
                shutil.rmtree(stale)
    return names


if __name__ == "__main__":
    done = release(names=sys.argv[1:] or None)
    print(f"released {len(done)} assignment(s) into {COURSE}: {', '.join(done)}")
