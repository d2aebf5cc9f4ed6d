"""Argument checks shared by every model.

Models validate at the edge: a public function checks its arguments before it does any work and
raises ``ValueError`` with a message that names the parameter, the value it got and the range it
allows, so a learner who drags a slider too far or passes minutes for seconds sees what to fix.

Validation is data. A parameter dataclass declares each field's bounds, one-line ``doc`` and
``unit`` with :func:`param`, and its ``__post_init__`` starts with :func:`validate_fields`, the
one validator that reads them (a rule between fields stays an explicit line after it). Arrays
go through :func:`check_array`, objects of a model's own classes through :func:`check_type`.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Pool:
...     n_servers: int = param(4, kind="int", low=1, doc="servers in the pool")
...     p_up: float = param(0.99, kind="probability", doc="share of time a server is up")
...     def __post_init__(self):
...         validate_fields(self)
>>> Pool(n_servers=0)
Traceback (most recent call last):
...
ValueError: n_servers must be a whole number >= 1; got 0

>>> check_number("t_ttl", 30, low=0)
30
>>> check_number("p_hit", 1.5, low=0, high=1)
Traceback (most recent call last):
...
ValueError: p_hit must be in [0, 1]; got 1.5
"""

from __future__ import annotations

import dataclasses
import math
import numbers

import numpy as np

__all__ = [
    "check_number",
    "check_int",
    "check_probability",
    "check_choice",
    "check_rng",
    "check_array",
    "check_type",
    "param",
    "validate_fields",
    "PARAM",
    "KINDS",
]

PARAM = "scalelab.param"
"""The key under which :func:`param` keeps a field's facts in ``dataclasses.Field.metadata``."""

KINDS = ("number", "int", "probability", "choice", "bool")
"""What :func:`param` can check: a real number, a whole number, a probability in [0, 1], one of
``choices``, or ``True``/``False``."""


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


def param(
    default=dataclasses.MISSING,
    *,
    low=None,
    high=None,
    low_open: bool = False,
    high_open: bool = False,
    kind: str = "number",
    choices=None,
    doc: str = "",
    unit: str = "",
    **field_kwargs,
):
    """A ``dataclasses.field`` that carries what :func:`validate_fields` checks, as metadata.

    ``kind`` is one of :data:`KINDS`; ``low``/``high`` (and ``low_open``/``high_open``) bound a
    number or a whole number; ``choices`` lists a choice's allowed values; ``doc`` says in one
    line what the field is and ``unit`` its unit from the vocabulary (``"s"``, ``"requests/s"``;
    empty for counts and shares). A field whose default is ``None`` may be ``None`` (not set);
    any other value is checked. Extra keywords (``repr=``, ``compare=``) go to ``field``.

    >>> f = param(60.0, low=0, doc="answers' time to live", unit="s")
    >>> f.default, f.metadata[PARAM]["low"], f.metadata[PARAM]["unit"]
    (60.0, 0, 's')
    >>> param(1, kind="ratio")
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of 'number', 'int', 'probability', 'choice', 'bool'; got 'ratio'
    """
    check_choice("kind", kind, KINDS)
    if kind == "choice" and not choices:
        raise ValueError(f"choices must list the allowed values of a choice; got {choices!r}")
    if kind == "probability":
        low, high = 0 if low is None else low, 1 if high is None else high
    if kind == "int":  # a whole number's open bound is the next whole number, closed
        low, low_open = (low + 1 if low_open else low), False
        high, high_open = (high - 1 if high_open else high), False
    facts = {
        "kind": kind,
        "low": low,
        "high": high,
        "low_open": low_open,
        "high_open": high_open,
        "choices": tuple(choices) if choices is not None else None,
        "doc": doc,
        "unit": unit,
    }
    metadata = {**field_kwargs.pop("metadata", {}), PARAM: facts}
    return dataclasses.field(default=default, metadata=metadata, **field_kwargs)


def validate_fields(obj) -> None:
    """Check every field of the dataclass ``obj`` declared with :func:`param`, in field order.

    Numbers and probabilities go through :func:`check_number`, whole numbers through
    :func:`check_int` (and are stored back as plain ``int``, even on a frozen dataclass),
    choices through :func:`check_choice`, booleans must be ``True`` or ``False``. A field whose
    default is ``None`` accepts ``None``. Call it first thing in ``__post_init__``.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Cache:
    ...     t_ttl: float = param(30.0, low=0, doc="time to live", unit="s")
    ...     n_capacity: int = param(100, kind="int", low=1, doc="objects held")
    ...     def __post_init__(self):
    ...         validate_fields(self)
    >>> type(Cache(n_capacity=np.int64(5)).n_capacity)
    <class 'int'>
    >>> Cache(t_ttl=-1)
    Traceback (most recent call last):
    ...
    ValueError: t_ttl must be >= 0; got -1
    """
    for f in dataclasses.fields(obj):
        facts = f.metadata.get(PARAM)
        if facts is None:
            continue
        name, value = f.name, getattr(obj, f.name)
        if value is None and f.default is None:
            continue
        kind = facts["kind"]
        if kind == "int":
            checked = check_int(name, value, low=facts["low"], high=facts["high"])
            if type(value) is not int:
                object.__setattr__(obj, name, checked)
        elif kind in ("number", "probability"):
            check_number(
                name,
                value,
                low=facts["low"],
                high=facts["high"],
                low_open=facts["low_open"],
                high_open=facts["high_open"],
            )
        elif kind == "choice":
            check_choice(name, value, facts["choices"])
        elif not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False; got {value!r}")


def _index_text(index: tuple) -> str:
    return str(index[0]) if len(index) == 1 else str(tuple(int(i) for i in index))


def check_array(
    name: str,
    value,
    *,
    ndim=1,
    low=None,
    high=None,
    low_open: bool = False,
    high_open: bool = False,
    nonempty: bool = True,
    unit: str = "",
    dtype=float,
) -> np.ndarray:
    """Return ``value`` as a numpy array of ``dtype`` with ``ndim`` axes, every entry in range.

    ``ndim`` is a number of axes, a tuple of the allowed ones or ``None`` (any, a scalar too); ``low``/``high`` (strict with
    ``low_open``/``high_open``) bound every entry, which must also be finite when ``dtype`` is
    ``float``; ``nonempty`` asks for at least one entry; ``unit`` names what the entries are
    (``"requests/s"``). The ``ValueError`` names the parameter, what it expected and what it got:
    the shape, or the first offending entry and its index.

    >>> check_array("rate", [1, 2.5], low=0, unit="requests/s")
    array([1. , 2.5])
    >>> check_array("rate", np.ones((3, 2)), low=0, unit="requests/s")
    Traceback (most recent call last):
    ...
    ValueError: rate must be a non-empty 1-d array of requests/s >= 0; got shape (3, 2)
    >>> check_array("rate", [1, 2, 3, 4, 5, 6, 7, -5.0], low=0, unit="requests/s")
    Traceback (most recent call last):
    ...
    ValueError: rate must be a non-empty 1-d array of requests/s >= 0; got -5.0 at index 7
    """
    if ndim is None:
        ndims, dims = None, ""
    else:
        ndims = (ndim,) if isinstance(ndim, numbers.Integral) else tuple(ndim)
        dims = " or ".join(f"{d}-d" for d in ndims) + " "
    what = unit or ("numbers" if dtype is float else "values")
    bounds = (
        "" if low is None and high is None else " " + _range_text(low, high, low_open, high_open)
    )
    article = "a" if nonempty or dims else "an"
    expected = (
        f"{name} must be {article} {'non-empty ' if nonempty else ''}{dims}array of {what}{bounds}"
    )
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{expected}; got {_short(value)}") from None
    if (ndims is not None and arr.ndim not in ndims) or (nonempty and arr.size == 0):
        raise ValueError(f"{expected}; got shape {arr.shape}")
    if arr.dtype.kind in "fc" or low is not None or high is not None:
        bad = ~np.isfinite(arr) if arr.dtype.kind in "fc" else np.zeros(arr.shape, dtype=bool)
        if low is not None:
            bad |= arr <= low if low_open else arr < low
        if high is not None:
            bad |= arr >= high if high_open else arr > high
        if bad.any():
            index = np.unravel_index(int(np.argmax(bad)), arr.shape) if arr.ndim else ()
            got = arr[index] if arr.ndim else arr[()]
            where = f" at index {_index_text(index)}" if arr.ndim else ""
            raise ValueError(f"{expected}; got {got.item()!r}{where}")
    return arr


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_type(name: str, value, cls, *, hint: str = ""):
    """Return ``value`` if it is an instance of ``cls`` (a class or a tuple of them; ``None`` in
    the tuple allows ``None``), else raise ``ValueError`` naming the class and what came instead.
    ``hint`` (``"from make_trace"``) follows the class's name in the message.

    >>> check_type("pool", 3, dict)
    Traceback (most recent call last):
    ...
    ValueError: pool must be a dict; got int 3
    """
    classes = cls if isinstance(cls, tuple) else (cls,)
    classes = tuple(type(None) if c is None else c for c in classes)
    if isinstance(value, classes):
        return value
    names = [
        "None" if c is type(None) else f"{'an' if c.__name__[0] in 'AEIOU' else 'a'} {c.__name__}"
        for c in classes
    ]
    raise ValueError(
        f"{name} must be {' or '.join(names)}{' ' + hint if hint else ''}; "
        f"got {type(value).__name__} {_short(value)}"
    )
