"""Back-of-the-envelope estimates: from a product description to requests per second.

Before anyone buys a server, someone estimates: how many people use the product each day, how
often each one sends a request, how much sharper the busiest hour is than the average. These
helpers turn those guesses into rates. They are deliberately simple (a day is 86,400 seconds,
traffic follows one smooth daily wave). For the capstone chapter it also holds the other
back-of-the-envelope tools: powers of two (``POWERS_OF_TWO``, ``power_of_two``, ``human_bytes``),
the latency figures every engineer should know, each with its source and year
(``LATENCY_FIGURES``, ``latency``), and a product description turned into rates, storage and
bandwidth (``Product``, ``estimate_product``), plus ``within_factor``, the tolerance band the
chapter grades estimates with (a factor of 2 on a log scale).

>>> round(average_rate(10_000_000, 10), 1)
1157.4
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from scalelab.validate import check_choice, check_number, check_type, param, validate_fields

__all__ = [
    "SECONDS_PER_DAY",
    "average_rate",
    "peak_rate",
    "diurnal_rate",
    "POWERS_OF_TWO",
    "power_of_two",
    "human_bytes",
    "LatencyFigure",
    "LATENCY_FIGURES",
    "latency",
    "Product",
    "Estimate",
    "estimate_product",
    "within_factor",
]

SECONDS_PER_DAY = 86_400
"""Seconds in a day (24 × 60 × 60)."""


def average_rate(daily_users: float, requests_per_user: float) -> float:
    """Average request rate (requests/s) of ``daily_users`` each sending ``requests_per_user`` a day.

    >>> average_rate(86_400, 1)
    1.0
    """
    check_number("daily_users", daily_users, low=0)
    check_number("requests_per_user", requests_per_user, low=0)
    return daily_users * requests_per_user / SECONDS_PER_DAY


def peak_rate(rate_mean: float, peak_factor: float = 2.0) -> float:
    """Peak request rate (requests/s): the average ``rate_mean`` times ``peak_factor`` (1 to 10;
    2 is common).

    >>> peak_rate(1000.0)
    2000.0
    """
    check_number("rate_mean", rate_mean, low=0)
    check_number("peak_factor", peak_factor, low=1, high=10)
    return rate_mean * peak_factor


def diurnal_rate(t_hours, rate_mean: float, peak_factor: float = 2.0, peak_hour: float = 20.0):
    """Request rate (requests/s) at clock times ``t_hours`` (0-24) for one smooth daily wave.

    The wave is a cosine around ``rate_mean`` that reaches ``rate_mean * peak_factor`` at
    ``peak_hour`` and its minimum twelve hours later; ``peak_factor`` must be in [1, 2] so the
    rate never goes negative. The mean over a whole day is exactly ``rate_mean``.

    >>> float(diurnal_rate(20.0, 100.0, 1.5))
    150.0
    """
    check_number("rate_mean", rate_mean, low=0)
    check_number("peak_factor", peak_factor, low=1, high=2)
    check_number("peak_hour", peak_hour, low=0, high=24)
    t = np.asarray(t_hours, dtype=float)
    return rate_mean * (1.0 + (peak_factor - 1.0) * np.cos(2 * np.pi * (t - peak_hour) / 24.0))


# --------------------------------------------------------------------------------------------
# Powers of two
# --------------------------------------------------------------------------------------------

POWERS_OF_TWO: tuple[tuple[int, str, str], ...] = (
    (10, "thousand", "KB"),
    (20, "million", "MB"),
    (30, "billion", "GB"),
    (40, "trillion", "TB"),
    (50, "quadrillion", "PB"),
)
"""(power, approximate value in words, unit): 2**10 is about a thousand bytes, a kilobyte, and so
on. Binary units (KiB = 1,024 bytes) differ from decimal ones (kB = 1,000) by 2.4 % at KB and
12.6 % at PB; estimates ignore the difference."""


def power_of_two(n_bytes: float) -> tuple[int, str]:
    """The power of two nearest to ``n_bytes`` (rounded down) and its unit name.

    >>> power_of_two(3 * 2**30)
    (31, 'GB')
    >>> power_of_two(500)
    (8, 'B')
    """
    check_number("n_bytes", n_bytes, low=1)
    p = int(math.floor(math.log2(n_bytes)))
    unit = "B"
    for power, _, name in POWERS_OF_TWO:
        if p >= power:
            unit = name
    return p, unit


def human_bytes(n_bytes: float) -> str:
    """``n_bytes`` in decimal units with three significant figures (``'1.5 TB'``).

    >>> human_bytes(1_500_000_000_000), human_bytes(999)
    ('1.5 TB', '999 B')
    """
    check_number("n_bytes", n_bytes, low=0)
    for power, unit in ((15, "PB"), (12, "TB"), (9, "GB"), (6, "MB"), (3, "KB")):
        if n_bytes >= 10**power:
            return f"{n_bytes / 10**power:.3g} {unit}"
    return f"{n_bytes:.3g} B"


# --------------------------------------------------------------------------------------------
# Latency figures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatencyFigure:
    """One commonly quoted latency: what, how long (seconds), who published it and when."""

    name: str
    t_seconds: float
    source: str
    year: int


_DEAN = (
    "Jeff Dean, 'Numbers everyone should know' (LADIS 2009 keynote), as circulated in 2012 "
    "(https://gist.github.com/jboner/2841832, which adds the SSD lines)"
)
_SCOTT = "Colin Scott, 'Latency numbers every programmer should know' (interactive, projected)"

LATENCY_FIGURES: tuple[LatencyFigure, ...] = (
    LatencyFigure("L1 cache reference", 0.5e-9, _DEAN, 2012),
    LatencyFigure("L1 cache reference", 1e-9, _SCOTT, 2020),
    LatencyFigure("branch mispredict", 5e-9, _DEAN, 2012),
    LatencyFigure("L2 cache reference", 7e-9, _DEAN, 2012),
    LatencyFigure("L2 cache reference", 4e-9, _SCOTT, 2020),
    LatencyFigure("mutex lock/unlock", 25e-9, _DEAN, 2012),
    LatencyFigure("main memory reference", 100e-9, _DEAN, 2012),
    LatencyFigure("main memory reference", 100e-9, _SCOTT, 2020),
    LatencyFigure("compress 1 KB with a fast compressor", 3e-6, _DEAN, 2012),
    LatencyFigure("send 1 KB over a 1 Gbps network", 10e-6, _DEAN, 2012),
    LatencyFigure("read 4 KB randomly from SSD", 150e-6, _DEAN, 2012),
    LatencyFigure("read 4 KB randomly from SSD", 16e-6, _SCOTT, 2020),
    LatencyFigure("read 1 MB sequentially from memory", 250e-6, _DEAN, 2012),
    LatencyFigure("read 1 MB sequentially from memory", 3e-6, _SCOTT, 2020),
    LatencyFigure("round trip within a data centre", 500e-6, _DEAN, 2012),
    LatencyFigure("round trip within a data centre", 500e-6, _SCOTT, 2020),
    LatencyFigure("read 1 MB sequentially from SSD", 1e-3, _DEAN, 2012),
    LatencyFigure("read 1 MB sequentially from SSD", 49e-6, _SCOTT, 2020),
    LatencyFigure("disk seek", 10e-3, _DEAN, 2012),
    LatencyFigure("disk seek", 2e-3, _SCOTT, 2020),
    LatencyFigure("read 1 MB sequentially from disk", 20e-3, _DEAN, 2012),
    LatencyFigure("read 1 MB sequentially from disk", 825e-6, _SCOTT, 2020),
    LatencyFigure("packet California -> Netherlands -> California", 150e-3, _DEAN, 2012),
    LatencyFigure("packet California -> Netherlands -> California", 150e-3, _SCOTT, 2020),
)
"""Latency figures engineers quote, each with its source and year. Jeff Dean's list (2009, in
the version circulated in 2012) and
Colin Scott's interactive update, which projects hardware trends to 2020
(https://colin-scott.github.io/personal_website/research/interactive_latency.html). Memory
and network round trips barely moved; SSDs and sequential reads got much faster; the speed of
light did not change. Orders of magnitude, not benchmarks."""


def latency(name: str, source: str = "latest") -> LatencyFigure:
    """The figure called ``name``: the most recent one (``source="latest"``) or the oldest
    (``"oldest"``).

    >>> latency("disk seek").t_seconds, latency("disk seek", "oldest").year
    (0.002, 2012)
    """
    check_choice("source", source, ("latest", "oldest"))
    hits = [f for f in LATENCY_FIGURES if f.name == name]
    if not hits:
        names = sorted({f.name for f in LATENCY_FIGURES})
        raise ValueError(f"name must be one of {names}; got {name!r}")
    hits.sort(key=lambda f: f.year)
    return hits[-1] if source == "latest" else hits[0]


# --------------------------------------------------------------------------------------------
# From a product description to rates, storage and bandwidth
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A product to estimate: ``daily_users`` active each day, ``actions_per_user`` requests each
    a day, of which a share ``p_write`` create data of ``kb_per_write`` kilobytes (the rest read
    ``kb_per_read`` kilobytes each); data kept ``retention_years`` in ``n_copies`` copies; the
    busiest hour runs ``peak_factor`` times the average."""

    daily_users: float = param(10_000_000, low=0, doc="users active each day")
    actions_per_user: float = param(20.0, low=0, doc="requests per user per day")
    p_write: float = param(0.1, low=0, high=1, doc="share of requests that create data")
    kb_per_write: float = param(10.0, low=0, doc="data one write creates", unit="kB")
    kb_per_read: float = param(50.0, low=0, doc="data one read returns", unit="kB")
    retention_years: float = param(5.0, low=0, high=100, doc="how long data is kept", unit="years")
    n_copies: int = param(3, kind="int", low=1, high=10, doc="copies of the data kept")
    peak_factor: float = param(2.0, low=1, high=10, doc="busiest hour's rate over the average")

    def __post_init__(self):
        validate_fields(self)


@dataclass(frozen=True)
class Estimate:
    """Back-of-the-envelope figures for a ``Product`` (requests/s, bytes, bytes/s)."""

    rate_mean: float  # average requests/s
    rate_peak: float  # requests/s in the busiest hour
    rate_writes: float  # average writes/s
    rate_reads: float  # average reads/s
    storage_bytes: float  # all copies, over the whole retention
    storage_bytes_per_day: float  # one copy
    rate_bytes_egress: float  # average data sent to users, bytes/s
    rate_bytes_egress_peak: float  # bytes/s in the busiest hour


def estimate_product(product: Product) -> Estimate:
    """Rates, storage and bandwidth of ``product`` (1 KB = 1,000 bytes; a year = 365 days).

    >>> e = estimate_product(Product(daily_users=8_640_000, actions_per_user=10, p_write=0.5,
    ...                              kb_per_write=1, kb_per_read=1, retention_years=1,
    ...                              n_copies=1, peak_factor=2))
    >>> e.rate_mean, e.rate_peak, e.rate_writes, e.storage_bytes / 1e12  # terabytes
    (1000.0, 2000.0, 500.0, 15.768)
    """
    check_type("product", product, Product)
    avg = average_rate(product.daily_users, product.actions_per_user)
    writes = avg * product.p_write
    reads = avg - writes
    per_day = writes * SECONDS_PER_DAY * product.kb_per_write * 1_000
    storage = per_day * 365 * product.retention_years * product.n_copies
    egress = reads * product.kb_per_read * 1_000
    return Estimate(
        avg,
        peak_rate(avg, product.peak_factor),
        writes,
        reads,
        storage,
        per_day,
        egress,
        egress * product.peak_factor,
    )


def within_factor(estimate: float, truth: float, factor: float = 2.0) -> bool:
    """True when ``estimate`` is within ``factor`` of ``truth`` on a log scale (both > 0).

    >>> within_factor(150, 100), within_factor(30, 100), within_factor(100, 100, 1.0)
    (True, False, True)
    """
    check_number("estimate", estimate, low=0, low_open=True)
    check_number("truth", truth, low=0, low_open=True)
    check_number("factor", factor, low=1)
    return abs(math.log(estimate / truth)) <= math.log(factor) + 1e-12


_DEPRECATED = {
    # old name (release before the vocabulary of #22): its replacement, same units
    "average_qps": "average_rate",
    "peak_qps": "peak_rate",
}


def __getattr__(name: str):
    # names from before the vocabulary (#22), kept (deprecated, outside __all__) so that
    # notebooks of an older release still run
    if name in _DEPRECATED:
        new = _DEPRECATED[name]
        warnings.warn(f"{name} is deprecated; use {new}", DeprecationWarning, stacklevel=2)
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
