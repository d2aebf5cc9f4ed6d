"""What a benchmark module returns, and the tools to measure it honestly.

A module's ``run() -> list[Row]`` gives rows; a plain ``Row(name, value, unit, note)`` still
works. A row that states a goal also carries ``target`` and ``better`` (``"higher"`` or
``"lower"``): the report prints it as MET or MISSED. Ratios against a baseline measured in the
same run are the preferred targets (a loaded machine slows both sides alike).

:func:`compare` times several implementations of one job in interleaved rounds (A, B, C, A, B,
C, ...) so load drift hits them alike, in CPU time (``time.process_time``: what the process
itself used, the figure that matters on a shared machine) and wall time, keeps the min and the
median of each, and checks that every implementation returned the same output.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Row:
    """One reported figure: a name, a value with its unit, and a note (a target, a ratio).

    Optional: ``target`` and ``better`` (``"higher"``/``"lower"``) make the row a goal, printed
    MET or MISSED; ``cpu_min``, ``cpu_median``, ``wall_min``, ``wall_median`` (s) say how the
    value was measured.
    """

    name: str
    value: float
    unit: str
    note: str = ""
    target: float | None = None
    better: str = "higher"
    cpu_min: float | None = None
    cpu_median: float | None = None
    wall_min: float | None = None
    wall_median: float | None = None

    @property
    def status(self) -> str:
        """``"MET"``, ``"MISSED"`` or ``""`` (no target)."""
        if self.target is None:
            return ""
        ok = self.value >= self.target if self.better == "higher" else self.value <= self.target
        return "MET" if ok else "MISSED"


@dataclass(frozen=True)
class Timing:
    """One implementation's times over the rounds (s) and its last output."""

    cpu: tuple
    wall: tuple
    out: object = None

    @property
    def cpu_min(self) -> float:
        return min(self.cpu)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def wall_min(self) -> float:
        return min(self.wall)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    def fields(self) -> dict:
        """The timing fields of a :class:`Row`."""
        return {
            "cpu_min": self.cpu_min,
            "cpu_median": self.cpu_median,
            "wall_min": self.wall_min,
            "wall_median": self.wall_median,
        }


def same(a, b, rtol: float = 0.0) -> bool:
    """Whether two outputs are equal: arrays element for element (NaN equal to NaN), else ==;
    with ``rtol`` > 0, equal to that relative tolerance (for a closed form that rounds
    differently from a loop)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        if rtol:
            return bool(np.allclose(a, b, rtol=rtol, atol=0.0, equal_nan=True))
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f"))
    return a == b


def compare(
    fns: dict[str, Callable[[], object]],
    rounds: int = 5,
    *,
    check: Callable[[object], object] | None = None,
    rtol: float = 0.0,
) -> dict[str, Timing]:
    """Time each of ``fns`` ``rounds`` times, interleaved, in CPU and wall time.

    ``check`` maps an output to what must be equal across implementations (default: the output
    itself); a difference raises ``AssertionError`` naming the two implementations, so a fast
    wrong answer never reaches the report. Outputs must be equal exactly unless ``rtol`` says
    otherwise.
    """
    cpu = {name: [] for name in fns}
    wall = {name: [] for name in fns}
    outs: dict = {}
    for _ in range(rounds):
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            out = fn()
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - w0)
            outs[name] = out
    key = check or (lambda x: x)
    names = list(fns)
    ref = key(outs[names[0]])
    for name in names[1:]:
        if not same(ref, key(outs[name]), rtol):
            raise AssertionError(f"{name} and {names[0]} disagree: outputs must be equal")
    return {n: Timing(tuple(cpu[n]), tuple(wall[n]), outs[n]) for n in names}


def ratio_row(
    name: str, ours: Timing, base: Timing, target: float, note: str = "", *, per: float = 1.0
) -> Row:
    """A speed ratio (baseline's median CPU time / ours, scaled by ``per`` when the two did
    different amounts of work) as a goal: higher is better."""
    ratio = per * base.cpu_median / ours.cpu_median
    wall = per * base.wall_median / ours.wall_median
    return Row(
        name,
        ratio,
        "x",
        f"target >= {target:g}x (CPU medians; wall {wall:.2f}x){'; ' + note if note else ''}",
        target=target,
        **ours.fields(),
    )


def best_of(fn, repeats: int = 3) -> tuple[float, object]:
    """(fastest wall time in seconds over ``repeats`` calls of ``fn``, the last result)."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
