"""`make bench` runs for most of an hour: a name it imports that has moved must fail here, in
seconds, not at the end of a run (the autograde part once imported helpers that had moved to
the tests' support folder, and the run stopped before printing a single figure)."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lib
ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
FILES = sorted(BENCH.glob("*.py"))


def _imports(path: Path) -> list[tuple[str, str]]:
    """Every ``from module import name`` in the file, at any depth (parts import inside
    functions so that one part's packages are not needed by another)."""
    tree = ast.parse(path.read_text())
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        for alias in node.names
    ]


def _missing(path: Path) -> list[str]:
    """The names ``path`` imports from the course's own modules that do not exist."""
    for folder in (str(BENCH), str(ROOT / "tests" / "support")):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    missing = []
    for module, name in _imports(path):
        if module == "__future__":
            continue
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:  # an optional package (SimPy, cachetools) may be absent
            if module.split(".")[0] in ("scalelab", "coursekit", "common", "answers"):
                missing.append(f"{module}: {e}")
            continue
        if not hasattr(mod, name) and not _is_submodule(module, name):
            missing.append(f"from {module} import {name}")
    return missing


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_exists(path):
    assert _missing(path) == [], path.name


def test_a_moved_name_is_caught(tmp_path):
    """The import that once broke a run, inside a function as it was, is reported."""
    bad = tmp_path / "bench_bad.py"
    bad.write_text("def autograde_rows():\n    from coursekit.nbg import autograde, course_root\n")
    assert _missing(bad) == ["from coursekit.nbg import autograde"]


def _is_submodule(module: str, name: str) -> bool:
    try:
        importlib.import_module(f"{module}.{name}")
    except ModuleNotFoundError:
        return False
    return True


def test_every_benchmark_part_has_a_run_function():
    parts = [p for p in FILES if p.name.startswith("bench_")]
    assert parts
    for p in parts:
        assert any(
            isinstance(n, ast.FunctionDef) and n.name == "run"
            for n in ast.parse(p.read_text()).body
        ), f"{p.name} has no run()"
