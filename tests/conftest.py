"""Shared test set-up: tier markers for doctests and nbval cells, and CI's no-skip rule."""

from __future__ import annotations

import os

import pytest

CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    for item in items:
        kind = type(item).__name__
        if kind == "DoctestItem":
            item.add_marker(pytest.mark.lib)
        elif kind == "IPyNbCell":  # nbval's cells of a solution notebook
            item.add_marker(pytest.mark.notebooks)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {reason}"
