"""Lock every requirement set: resolve ``requirements/X.in`` and pin every package in ``X.txt``.

Uses pip's own resolver (``pip install --dry-run --report``), so no extra tool is needed and the
result is what ``pip install -r X.txt`` will install on this platform (Linux, CPython 3.11).
Run through ``make lock``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "requirements"


def lock(name: str) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--report",
        "-",
        "-r",
        str(HERE / f"{name}.in"),
    ]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    pins = sorted(
        f"{item['metadata']['name'].lower()}=={item['metadata']['version']}"
        for item in report["install"]
    )
    header = [
        f"# Locked from requirements/{name}.in by `make lock` (tools/lock.py) on "
        f"Python {sys.version_info.major}.{sys.version_info.minor}, Linux.",
        "# Every transitive package is pinned: nbgrader's behaviour depends on nbclient,",
        "# ipykernel, jupyter_server and SQLAlchemy versions. Do not edit by hand.",
    ]
    (HERE / f"{name}.txt").write_text("\n".join(header + pins) + "\n")
    return pins


if __name__ == "__main__":
    for name in sys.argv[1:] or ["runtime", "dev", "bench"]:
        print(f"requirements/{name}.txt: {len(lock(name))} packages")
