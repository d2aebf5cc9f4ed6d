"""Argument checks shared by every model.

Models validate at the edge: a public function checks its arguments before it does any work and
raises ``ValueError`` with a message that names the parameter, the value it got and the range it
allows, so a learner who drags a slider too far or passes minutes for seconds sees what to fix.

>>> check_number("t_ttl", 30, low=0)
30
>>> check_number("p_hit", 1.5, low=0, high=1)
Traceback (most recent call last):
...
ValueError: p_hit must be in [0, 1]; got 1.5
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["check_number", "check_int", "check_probability", "check_choice", "check_rng"]


def _range_text(low, high, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return "a finite number"


def check_number(
    name: str, value, *, low=None, high=None, low_open: bool = False, high_open: bool = False
):
    """Return ``value`` if it is a finite real number in the range, else raise ``ValueError``.

    ``low``/``high`` are the bounds (``None`` for unbounded); ``low_open``/``high_open`` make a
    bound strict. Booleans are rejected: ``True`` is not a rate.

    >>> check_number("rate", 0.0, low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: rate must be > 0; got 0.0
    """
    rng_text = _range_text(low, high, low_open, high_open)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number {rng_text}; got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number {rng_text}; got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        raise ValueError(f"{name} must be {rng_text}; got {value!r}")
    return value


def check_int(name: str, value, *, low=None, high=None) -> int:
    """Return ``value`` as ``int`` if it is a whole number in ``[low, high]``.

    >>> check_int("n_servers", 3, low=1)
    3
    >>> check_int("n_servers", 2.5, low=1)
    Traceback (most recent call last):
    ...
    ValueError: n_servers must be a whole number >= 1; got 2.5
    """
    text = f"{name} must be a whole number {_range_text(low, high, False, False)}; got {value!r}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(text)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(text)
    return int(value)


def check_probability(name: str, value) -> float:
    """Return ``value`` if it is a probability in [0, 1].

    >>> check_probability("p_up", 0.99)
    0.99
    """
    return check_number(name, value, low=0, high=1)


def check_choice(name: str, value, choices) -> str:
    """Return ``value`` if it is one of ``choices``.

    >>> check_choice("policy", "lru", ("lru", "lfu"))
    'lru'
    >>> check_choice("policy", "mru", ("lru", "lfu"))
    Traceback (most recent call last):
    ...
    ValueError: policy must be one of 'lru', 'lfu'; got 'mru'
    """
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_rng(rng) -> np.random.Generator:
    """Return ``rng`` if it is a ``numpy.random.Generator`` (make one with ``default_rng(SEED)``).

    >>> check_rng(42)
    Traceback (most recent call last):
    ...
    ValueError: rng must be a numpy.random.Generator, e.g. np.random.default_rng(42); got 42
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator, e.g. np.random.default_rng(42); got {rng!r}"
        )
    return rng
