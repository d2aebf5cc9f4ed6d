"""The capstone contract: one shape for every tier's time-bucketed form.

The capstone (:mod:`scalelab.architecture`) follows a day of traffic through every tier of a
system in buckets of time, a minute each by default. Each chapter it composes offers its model
in a *bucketed form*, and every bucketed form has the same shape, so one tier's output is the
next tier's input and a new chapter plugs in by adding one stage to the capstone::

    def <tier>_buckets(rate, t_bucket, config, *, <more inputs>, rng) -> <Tier result>

- ``rate`` (first): requests/s offered to the tier in each bucket, a numpy array whose first
  axis is the buckets (a second axis where the tier needs one: regions for GeoDNS). Named
  ``rate`` or ``rate_<what>`` (``rate_queries``, ``rate_writes``).
- ``t_bucket`` (second): the length of one bucket, seconds.
- ``config`` (third): the tier's parameters as one frozen dataclass (``CDN``, ``CacheTier``,
  ``ShardedDatabase``, ...), its fields named by kind: ``t_`` seconds, ``rate_`` requests/s,
  ``n_`` counts, ``p_`` shares.
- keyword-only, everything else: inputs that change from bucket to bucket, aligned with the
  buckets (servers up, cache nodes down, a second rate such as ``rate_reads``), a scenario (an
  outage) and options; ``rng`` (a ``numpy.random.Generator``) comes last, and only in forms
  that draw random numbers.
- the result: a frozen dataclass that extends :class:`Buckets`, so it carries ``t`` (each
  bucket's start time, s since the start of the first bucket) and ``t_bucket`` (s) besides the
  tier's own per-bucket arrays, buckets on their first axis. A field that is not per bucket
  (one share per shard, say) says so with ``field(metadata=NOT_PER_BUCKET)``.

Why a base class and not a ``typing.Protocol``: a dataclass base gives every result the same
two fields with one docstring, an ``isinstance`` check, and a subclass cannot forget them.
Frozen dataclasses inherit cleanly as long as the subclass is frozen too; the base's fields are
keyword-only, so a result's own fields keep their positional order and ``t`` and ``t_bucket``
are passed by name.

Simplifications: a bucket is a steady state (each form evaluates its model at the bucket's
average rate, carrying over only the state it names, such as a backlog or a cache's warmth);
all buckets have one length.

>>> import numpy as np
>>> bucket_times(3, 60.0).tolist()
[0.0, 60.0, 120.0]
>>> b = Buckets(t=bucket_times(3, 60.0), t_bucket=60.0)
>>> b.n_buckets, b.t_bucket
(3, 60.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "NOT_PER_BUCKET",
    "Buckets",
    "bucket_times",
]

NOT_PER_BUCKET = {"per_bucket": False}
"""Field metadata of a result field that does not hold one entry per bucket
(``field(metadata=NOT_PER_BUCKET)``); every other array field has the buckets on its first axis."""


@dataclass(frozen=True, kw_only=True)
class Buckets:
    """What every bucketed form returns: the buckets' start times and length.

    ``t``: start time of each bucket, seconds since the start of the first bucket (numpy array,
    one entry per bucket); ``t_bucket``: the length of a bucket, seconds. A tier's result extends
    this class with its own per-bucket arrays (a frozen dataclass too).
    """

    t: np.ndarray
    t_bucket: float

    @property
    def n_buckets(self) -> int:
        """The number of buckets."""
        return int(np.shape(self.t)[0])


def bucket_times(n_buckets: int, t_bucket: float) -> np.ndarray:
    """Start times (s) of ``n_buckets`` buckets of ``t_bucket`` s, the first starting at 0.

    >>> bucket_times(4, 0.5).tolist()
    [0.0, 0.5, 1.0, 1.5]
    """
    return np.arange(n_buckets) * float(t_bucket)
