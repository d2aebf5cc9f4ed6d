"""Helpers for the graded test cells of the notebooks.

The autograder (nbgrader) scores a test cell from its outputs: any error, or any text on stderr,
scores 0; a value left as the cell's last expression is read as partial credit. These helpers keep
test cells honest and short:

- ``as_float``/``as_int``/``as_list`` turn an answer into a *plain* Python value before it is
  compared, so an object whose ``__eq__`` always returns True earns nothing;
- ``expect_close`` asserts with a message that tells the learner what was expected;
- ``partial_credit`` clamps a score to ``[0, points]`` and returns a plain ``float`` (a numpy
  scalar's repr does not parse, and nbgrader would silently give full marks);
- ``library_disabled`` switches off the library's own implementation while an "implement X"
  exercise is graded;
- ``plain_check_failures`` (called once in a notebook's setup cell) shows a failed check as its
  message and the line that failed, instead of a traceback through this module.

>>> partial_credit(3.5, 2)
2.0
>>> expect_close(0.5, 0.5, what="hit ratio")
"""

from __future__ import annotations

import contextlib
import importlib
import math
import numbers
import sys
from collections.abc import Iterator
from unittest import mock

import numpy as np

__all__ = [
    "as_float",
    "as_int",
    "as_list",
    "expect_close",
    "partial_credit",
    "library_disabled",
    "warnings_to_stdout",
    "expect_raises",
    "plain_check_failures",
]


def as_float(value, what: str = "your answer") -> float:
    """Return ``value`` as a plain ``float``; fail with a clear message if it is not a number.

    >>> as_float(np.float64(2.5))
    2.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.number):
        raise AssertionError(
            f"{what} should be a number, but it is {type(value).__name__}: {value!r}"
        )
    out = float(value)
    if not math.isfinite(out):
        raise AssertionError(f"{what} should be a finite number, got {out}")
    return out


def as_int(value, what: str = "your answer") -> int:
    """Return ``value`` as a plain ``int``; fail clearly if it is not a whole number.

    >>> as_int(np.int64(7))
    7
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | np.integer):
        raise AssertionError(
            f"{what} should be a whole number (int), but it is {type(value).__name__}: {value!r}"
        )
    return int(value)


def as_list(value, what: str = "your answer") -> list:
    """Return ``value`` as a plain ``list`` (from a list, tuple or 1-d array).

    >>> as_list((1, 2))
    [1, 2]
    """
    if isinstance(value, np.ndarray):
        return value.tolist()
    if type(value) not in (list, tuple):
        raise AssertionError(f"{what} should be a list, but it is {type(value).__name__}")
    return list(value)


def expect_close(
    got, want: float, *, rel: float = 1e-6, abs_tol: float = 0.0, what: str = "your answer"
) -> None:
    """Assert that ``got`` is within ``rel`` (relative) or ``abs_tol`` of ``want``.

    >>> expect_close(1.0, 2.0, what="mean wait (s)")
    Traceback (most recent call last):
    ...
    AssertionError: mean wait (s): expected about 2 (relative tolerance 1e-06), got 1
    """
    value = as_float(got, what)
    if not math.isclose(value, float(want), rel_tol=rel, abs_tol=abs_tol):
        tol = f"relative tolerance {rel:g}" + (f", absolute {abs_tol:g}" if abs_tol else "")
        raise AssertionError(f"{what}: expected about {want:g} ({tol}), got {value:g}")


def partial_credit(earned: float, points: float) -> float:
    """Clamp ``earned`` to ``[0, points]`` and return it as a plain ``float``.

    Put ``partial_credit(...)`` as the last line of a partial-credit test cell.

    >>> partial_credit(-1, 3)
    0.0
    """
    earned = float(earned)
    if not math.isfinite(earned):
        return 0.0
    return float(min(max(earned, 0.0), float(points)))


def _raiser(target: str):
    def disabled(*args, **kwargs):
        raise RuntimeError(
            f"{target} is switched off while this exercise is graded: the exercise asks you to "
            "write this yourself, so your function must not call the library's version."
        )

    return disabled


@contextlib.contextmanager
def library_disabled(*targets: str) -> Iterator[None]:
    """Within the block, make each dotted ``module.attr`` raise ``RuntimeError`` when called.

    >>> import scalelab.checks as c
    >>> with library_disabled("scalelab.checks.partial_credit"):
    ...     c.partial_credit(1, 2)
    Traceback (most recent call last):
    ...
    RuntimeError: scalelab.checks.partial_credit is switched off while this exercise is graded: the exercise asks you to write this yourself, so your function must not call the library's version.
    """
    main = sys.modules.get("__main__")
    with contextlib.ExitStack() as stack:
        for target in targets:
            module_name, attr = target.rsplit(".", 1)
            module = importlib.import_module(module_name)
            original = getattr(module, attr)
            disabled = _raiser(target)
            stack.enter_context(mock.patch.object(module, attr, disabled))
            # A model split into a package calls the name from the submodule that defines or
            # imports it: switch it off there too, as it was when the model was one module.
            for other in _holders(module_name, getattr(original, "__module__", None)):
                if other is not module and vars(other).get(attr) is original:
                    stack.enter_context(mock.patch.object(other, attr, disabled))
            # A learner who wrote `from module import attr` holds the original under a name in
            # the notebook's namespace: switch those names off too.
            for name, value in list(vars(main).items()) if main is not None else []:
                if value is original:
                    stack.enter_context(mock.patch.object(main, name, disabled))
        yield


def _holders(*module_names: str | None) -> list:
    """The loaded modules of the ``scalelab`` models named (each package with its submodules)."""
    roots = {
        ".".join(name.split(".")[:2])
        for name in module_names
        if name and name.startswith("scalelab.")
    }
    return [
        module
        for name, module in sorted(sys.modules.items())
        if module is not None and any(name == r or name.startswith(r + ".") for r in roots)
    ]


def warnings_to_stdout() -> None:
    """Print Python warnings on stdout instead of stderr (call once in a notebook's setup cell).

    nbgrader scores a test cell 0 if it writes anything to stderr, so a harmless warning raised by
    correct code (a numpy ``RuntimeWarning``, a deprecation notice) would cost the points. The
    warning stays visible, on stdout.
    """
    import warnings

    def showwarning(message, category, filename, lineno, file=None, line=None):
        print(f"{category.__name__}: {message}", file=sys.stdout)

    warnings.showwarning = showwarning


def expect_raises(error: type[BaseException], func, *args, **kwargs) -> None:
    """Assert that ``func(*args, **kwargs)`` raises ``error``.

    >>> expect_raises(ValueError, int, "ten")
    >>> expect_raises(ValueError, int, "10")
    Traceback (most recent call last):
    ...
    AssertionError: int('10') should raise ValueError, but it returned 10
    """
    shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
    name = getattr(func, "__name__", "the function")
    try:
        result = func(*args, **kwargs)
    except error:
        return
    raise AssertionError(
        f"{name}({shown}) should raise {error.__name__}, but it returned {result!r}"
    )


_THIS_FILE = __file__.removesuffix("c")  # checks.py, also when loaded from a .pyc


def _check_failure_lines(value: AssertionError, tb) -> list[str] | None:
    """The short report of a failed check, or ``None`` when the failure is not a check's own.

    A check's own failure is an ``AssertionError`` raised by the test cell itself (an ``assert``
    line) or by this module's helpers called from it. One raised inside the learner's code
    (their own ``assert``) keeps its full traceback: that is where they need to look.
    """
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    # IPython's own frames come first; the cell is the first frame compiled from a cell.
    cells = [i for i, t in enumerate(frames) if t.tb_frame.f_globals.get("__name__") == "__main__"]
    if not cells:
        return None
    cell, inner = frames[cells[0]], frames[cells[0] + 1 :]
    if any(t.tb_frame.f_code.co_filename != _THIS_FILE for t in inner):
        return None
    import linecache

    line = linecache.getline(cell.tb_frame.f_code.co_filename, cell.tb_lineno).strip()
    message = str(value) or "an assert without a message failed"
    red, bold, reset = "\x1b[31m", "\x1b[1m", "\x1b[0m"
    out = [f"{red}{bold}Check failed:{reset} {message}"]
    if line:
        out.append(f"  (line {cell.tb_lineno} of this check: {line})")
    return out


def plain_check_failures() -> None:
    """Show a failed check as one clear message, not a traceback (call once in the setup cell).

    A failed check raises ``AssertionError``; by default Jupyter shows ~15 lines of traceback
    through this module's source with the message at the bottom. This installs an IPython
    handler that shows the message and the failing line instead. The cell still fails with an
    ``AssertionError`` (nbgrader scores it 0, ``Validate`` reports it); an error from inside the
    learner's own code keeps its full traceback. Outside IPython it does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        lines = _check_failure_lines(value, tb)
        if lines is None:
            lines = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
        shell._showtraceback(etype, value, lines)
        return lines

    shell.set_custom_exc((AssertionError,), handler)
