"""What a benchmark module returns."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One reported figure: a name, a value with its unit, and a note (a target, a ratio)."""

    name: str
    value: float
    unit: str
    note: str = ""


def best_of(fn, repeats: int = 3) -> tuple[float, object]:
    """(fastest wall time in seconds over ``repeats`` calls of ``fn``, the last result)."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
