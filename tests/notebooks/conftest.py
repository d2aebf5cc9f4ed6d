"""Every test in this folder belongs to the notebooks tier (`make test-notebooks`; budgets in tools/run_tiers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.notebooks)
