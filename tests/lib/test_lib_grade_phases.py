"""Where grading time goes: nbgrader's time-stamped log is split into phases (no nbgrader run)."""

from __future__ import annotations

import logging

import pytest
from coursekit.runner import LOG_FORMAT, PHASES, phases_from_log

pytestmark = pytest.mark.lib


T0 = 1_796_186_400  # a Unix time in seconds (2026-12-02)


def _line(t: float, msg: str) -> str:
    """The log line nbgrader writes with LOG_FORMAT at ``T0 + t``."""
    record = logging.LogRecord("AutogradeApp", logging.INFO, __file__, 0, msg, None, None)
    record.created, record.msecs = T0 + t, round((t % 1) * 1000)
    return logging.Formatter(LOG_FORMAT, datefmt="%s").format(record)


LOG = "\n".join(
    [
        "NOTE: a kernel's own banner, no time stamp",
        _line(0.500, "root '.' is not absolute"),
        _line(0.600, "Creating/updating student with ID 'ada': {}"),
        _line(0.900, "Writing 14026 bytes to autograded/ada/a/a.ipynb"),
        _line(0.900, "Autograding autograded/ada/a/a.ipynb"),
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption.",
        _line(3.100, "Writing 20199 bytes to autograded/ada/a/a.ipynb"),
        _line(3.150, "Setting destination file permissions to 444"),
    ]
)


def test_phases_split_the_run_and_add_up():
    phases = phases_from_log(LOG, started=T0 - 1.0, ended=T0 + 3.4)
    assert phases == pytest.approx(
        {"nbgrader start-up": 1.5, "nbgrader bookkeeping": 0.4 + 0.3, "execute": 2.2}, abs=2e-3
    )
    assert sum(phases.values()) == pytest.approx(4.4, abs=2e-3)
    assert set(phases) <= set(PHASES)


def test_the_first_write_is_not_taken_for_the_end_of_execution():
    # nbgrader writes the sanitised copy in the same millisecond as "Autograding": the end of
    # execution is the first write *after* that line.
    phases = phases_from_log(LOG, started=T0 - 1.0, ended=T0 + 3.4)
    assert phases["execute"] > 2


def test_a_run_that_died_early_is_all_bookkeeping():
    log = _line(0.5, "root '.' is not absolute") + "\nTraceback: NotJSONError"
    assert phases_from_log(log, T0 - 1.0, T0 + 1.0) == pytest.approx({"nbgrader bookkeeping": 2.0})
    assert phases_from_log("", 5.0, 4.0) == {"nbgrader bookkeeping": 0.0}
