"""Predict, then verify: commit to a number before the model shows it.

A learner who writes down what they expect before a demonstration, then compares, learns more
from it than one who only watches: predict-observe-explain (Crouch, Fagen, Callan and Mazur 2004
found that predicting before a classroom demonstration improved understanding where watching
alone did not). A chapter asks for a prediction in one cell and runs the model in the next:

- ``predict(key, value, question=..., unit=...)`` records the learner's number (or option) for
  ``key``; the released notebook has ``...`` in place of the value, and a cell left that way
  records nothing and says so;
- ``reveal(key, actual, why=...)`` prints the prediction beside the model's result and how far
  off it was, and records the result.

Predictions are never graded for being right. They are kept in ``predictions.json`` beside the
notebook (the folder the kernel runs in), which the progress view reads (``make progress``,
``coursekit.progress``): a page of predictions against results across the course. Nothing is
written while nbgrader grades a submission (``NBGRADER_EXECUTION`` is set).

>>> import os, tempfile
>>> here = os.getcwd()
>>> os.chdir(tempfile.mkdtemp())
>>> predict("wait-90", 9, question="mean wait at 90 % busy, times the wait at 50 %")
Prediction for 'wait-90': 9
>>> reveal("wait-90", 9.0, why="rho/(1-rho): 9 at 90 %, 1 at 50 %")
You predicted 9; the model gives 9 (off by 0%).
Why: rho/(1-rho): 9 at 90 %, 1 at 50 %
>>> load_predictions(".")["wait-90"]["actual"]
9.0
>>> os.chdir(here)
"""

from __future__ import annotations

import json
import math
import numbers
import os
from pathlib import Path

__all__ = ["PREDICTIONS_FILE", "predict", "reveal", "load_predictions", "how_far_off"]

PREDICTIONS_FILE = "predictions.json"
"""The file, beside the notebook, that keeps a chapter's predictions and results (JSON)."""


def load_predictions(folder: str | os.PathLike = ".") -> dict[str, dict]:
    """The predictions recorded in ``folder`` (its ``predictions.json``), by key; ``{}`` if none.

    Each entry holds ``question``, ``unit``, ``predicted`` (``None`` until made) and ``actual``
    (``None`` until revealed). An unreadable file counts as none (a learner may have edited it).
    """
    path = Path(folder) / PREDICTIONS_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(key: str, **fields) -> None:
    if os.environ.get("NBGRADER_EXECUTION"):
        return
    data = load_predictions()
    entry = data.get(key) if isinstance(data.get(key), dict) else {}
    entry.update(fields)
    data[key] = entry
    try:
        Path(PREDICTIONS_FILE).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    except OSError:  # a read-only folder: the comparison is still printed
        pass


def _plain(value):
    """A number as a plain float/int, an option as a str; anything else is refused."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"a prediction is a number or one of the options; got {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if not math.isfinite(float(value)):
            raise ValueError(f"a prediction must be a finite number; got {value!r}")
        return float(value)
    if isinstance(value, str):
        return value
    raise ValueError(
        f"a prediction is a number or one of the options; got {type(value).__name__} {value!r}"
    )


def _show(value, unit: str = "") -> str:
    if isinstance(value, str):
        return repr(value)
    if 1e4 <= abs(value) < 1e15:  # whole numbers with thousands separators, never 4.167e+04
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.4g}" if abs(value) < 1e15 else f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def how_far_off(predicted, actual) -> float | None:
    """How far a prediction was from the result: the relative error ``|p - a| / |a|`` for
    numbers (the absolute error when ``a`` is 0), 0 or 1 for options, ``None`` if either is
    missing.

    >>> how_far_off(90, 100)
    0.1
    >>> how_far_off("lru", "lfu")
    1.0
    """
    if predicted is None or actual is None:
        return None
    if isinstance(predicted, str) or isinstance(actual, str):
        return 0.0 if predicted == actual else 1.0
    predicted, actual = float(predicted), float(actual)
    return abs(predicted - actual) / abs(actual) if actual else abs(predicted)


def predict(key: str, value=..., *, question: str = "", unit: str = "", options=None) -> None:
    """Record the prediction ``value`` (a number, or one of ``options``) for ``key``.

    Leave ``value`` as ``...`` and nothing is recorded: the cell says a prediction is still to
    be made. Returns nothing (a cell ending with it shows only its line).
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"key must be a non-empty string; got {key!r}")
    if value is ...:
        print(f"No prediction for {key!r} yet: write yours in place of ... and run this cell.")
        _save(key, question=question, unit=unit, predicted=None)
        return
    value = _plain(value)
    if options is not None and value not in options:
        raise ValueError(f"pick one of {list(options)}; got {value!r}")
    _save(key, question=question, unit=unit, predicted=value)
    print(f"Prediction for {key!r}: {_show(value, unit)}")


def reveal(key: str, actual, *, why: str = "") -> None:
    """Print the prediction for ``key`` beside the model's ``actual`` result (a number or an
    option) and how far off it was (``how_far_off``), and record the result."""
    actual = _plain(actual)
    entry = load_predictions().get(key, {})
    predicted, unit = entry.get("predicted"), entry.get("unit", "")
    _save(key, actual=actual)
    off = how_far_off(predicted, actual)
    if predicted is None:
        print(f"The model gives {_show(actual, unit)} (no prediction was recorded for {key!r}).")
    elif isinstance(actual, str) or isinstance(predicted, str):
        verdict = "right" if off == 0 else "not what the model says"
        print(f"You picked {_show(predicted)}; the model says {_show(actual)}: {verdict}.")
    else:
        print(f"You predicted {_show(predicted, unit)}; the model gives {_show(actual, unit)} "
              f"(off by {off:.0%}).")  # fmt: skip
    if why:
        print(f"Why: {why}")
