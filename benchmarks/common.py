"""What a benchmark module returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One reported figure: a name, a value with its unit, and a note (a target, a ratio)."""

    name: str
    value: float
    unit: str
    note: str = ""
