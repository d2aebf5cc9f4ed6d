"""A URL shortener: short ids, a key-value store with a cache in front, and 301 versus 302.

The picture. A user posts a long URL and gets back a short one, ``https://sho.rt/aZ3kQ9x``;
everyone who clicks the short one gets an HTTP redirect to the long one. Writes (new links) are
rare, reads (clicks) are many, every link is kept for years, and a click must be fast because
it stands between the user and the page they wanted. Four design decisions:

- **The id.** Three ways to make one, each with its own failure mode:
  a **counter** (a central sequence hands each server a *range* of ids, so the counter sees one
  request per range, :func:`counter_rate`; a server that crashes wastes the rest of its range;
  sequential ids are easy to guess); **random ids** of ``n_chars`` base-62 characters
  (:func:`id_space`), which collide by the birthday bound (:func:`collision_probability`, checked
  against :func:`simulate_collisions`), so every new id is looked up before it is stored; and a
  **Snowflake-style** 64-bit id (:class:`SnowflakeLayout`: a 41-bit millisecond timestamp, a
  10-bit machine number and a 12-bit sequence; Twitter, 2010), unique without coordination.
- **A key-value store** holding short id -> long URL, partitioned (``n_shards``), with read
  replicas, and a **cache** in front, whose hit ratio comes from the cache chapter's Che
  approximation (``scalelab.cache.che_hit_ratio``) over Zipf-popular links.
- **301 or 302.** RFC 9110 makes a 301 (Moved Permanently, section 15.4.2) heuristically
  cacheable, so a browser may keep it and send later clicks straight to the long URL: they
  never reach the shortener, which saves load but loses them from click analytics. A 302
  (Found, section 15.4.3) is a temporary redirect and not heuristically cacheable (it is not in
  the list of section 15.1), so without explicit freshness every click comes back.
  :func:`share_counted` gives the share of clicks a shortener sees (closed form), checked
  against :func:`simulate_clicks`.
- **Regions and replication**, as in the capstone.

:func:`simulate_shortener` runs a :class:`ShortenerDesign` through the evening window of a
:class:`ShortenerWorkload` with one :class:`~scalelab.practice.Drill`, in well under a second.
Click records lost to a browser's cached 301 count as data lost: analytics is a requirement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from scalelab.architecture import PRICE_CACHE_NODE_HOUR, PRICE_DB_HOUR, PRICE_SERVER_HOUR
from scalelab.buckets import bucket_times
from scalelab.cache import T_CACHE_HIT, T_DB_READ, che_hit_ratio, zipf_popularity
from scalelab.estimate import SECONDS_PER_DAY
from scalelab.geo import BACKBONE_RTT, REGIONS
from scalelab.load_balancer import ALB_PRICE_PER_HOUR
from scalelab.practice.slos import (
    SITES,
    Drill,
    PracticeRun,
    Targets,
    _lost_on_failover,
    _pool,
    _regions,
    _window,
    _writes_failing,
)
from scalelab.validate import (
    check_array,
    check_choice,
    check_int,
    check_number,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "ID_SCHEMES",
    "REDIRECTS",
    "N_ALPHABET",
    "RATE_REDIRECT_SERVER",
    "RATE_KV_READS",
    "RATE_KV_WRITES",
    "N_LINKS_PER_CACHE_NODE",
    "SHORTENER_TARGETS",
    "id_space",
    "collision_probability",
    "ids_for_collision",
    "simulate_collisions",
    "SnowflakeLayout",
    "snowflake_id",
    "snowflake_parts",
    "counter_rate",
    "share_counted",
    "simulate_clicks",
    "ShortenerDesign",
    "ShortenerWorkload",
    "shortener_buckets",
    "simulate_shortener",
]

ID_SCHEMES = ("counter", "random", "snowflake")
"""How a shortener makes ids: ranges of a central counter, random base-62 strings, or
Snowflake-style 64-bit ids."""

REDIRECTS = ("301", "302")
"""The redirect status: 301 Moved Permanently (browsers may cache it) or 302 Found (not
cached without explicit freshness). RFC 9110, sections 15.4.2 and 15.4.3."""

N_ALPHABET = 62
"""Characters an id may use: ``0-9``, ``a-z``, ``A-Z`` (base 62)."""

RATE_REDIRECT_SERVER = 2_000.0
"""Redirects/s one web server answers (a lookup and a tiny response; illustrative)."""

RATE_KV_READS = 3_000.0
"""Reads/s one key-value partition serves: a DynamoDB partition's limit of 3,000 read units/s
(AWS, 'Understanding DynamoDB warm throughput in different scenarios', 2024,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html)."""

RATE_KV_WRITES = 1_000.0
"""Writes/s one key-value partition's primary takes: a DynamoDB partition's limit of 1,000 write
units/s (same source)."""

N_LINKS_PER_CACHE_NODE = 25e6
"""Links one cache node holds: about 13 GB of memory (cache.r7g.large, AWS 2024) at about 500
bytes per entry, key, long URL and overhead (illustrative)."""

SHORTENER_TARGETS = Targets(
    p99_max=0.3, p_buckets=0.99, availability_min=0.995, data_lost_max=100.0, cost_max_hour=15.0
)
"""The shortener's SLOs: p99 redirect within 300 ms in 99 % of minutes, 99.5 % of requests
succeed, at most 100 records lost (links or click records), at most $15 an hour."""

_N_MODEL = 20_000  # objects in the popularity model behind the hit ratio
_TRIES = 3  # random ids: attempts before a write gives up


def id_space(n_chars: int, n_alphabet: int = N_ALPHABET) -> int:
    """How many different ids ``n_chars`` characters of an ``n_alphabet``-letter alphabet make.

    >>> id_space(7)
    3521614606208
    """
    n_chars = check_int("n_chars", n_chars, low=1, high=64)
    return check_int("n_alphabet", n_alphabet, low=2, high=256) ** n_chars


def collision_probability(n_ids: float, n_space: float) -> float:
    """Probability that ``n_ids`` ids drawn uniformly from ``n_space`` values are not all
    different: the birthday bound ``1 - exp(-n (n - 1) / (2 N))``.

    >>> round(collision_probability(23, 365), 3)  # the birthday problem (exact: 0.507)
    0.5
    >>> round(collision_probability(1e6, id_space(7)), 3)
    0.132
    """
    n = check_number("n_ids", n_ids, low=0)
    big_n = check_number("n_space", n_space, low=1)
    return float(-math.expm1(-n * (n - 1) / (2 * big_n)))


def ids_for_collision(p_collision: float, n_space: float) -> float:
    """How many random ids give a collision with probability ``p_collision``:
    ``sqrt(2 N ln(1 / (1 - p)))`` (the birthday bound inverted).

    >>> round(ids_for_collision(0.5, 365), 1)
    22.5
    """
    p = check_number("p_collision", p_collision, low=0, high=1, high_open=True)
    big_n = check_number("n_space", n_space, low=1)
    return math.sqrt(2 * big_n * -math.log1p(-p))


def simulate_collisions(n_ids: int, n_space: int, n_trials: int = 2_000, *, rng) -> float:
    """Share of ``n_trials`` trials in which ``n_ids`` uniform draws from ``n_space`` values
    repeat one (compare :func:`collision_probability`).

    >>> simulate_collisions(23, 365, 4_000, rng=np.random.default_rng(1))
    0.52075
    """
    n_ids = check_int("n_ids", n_ids, low=1, high=1_000_000)
    n_space = check_int("n_space", n_space, low=1)
    n_trials = check_int("n_trials", n_trials, low=1, high=1_000_000)
    rng = check_rng(rng)
    draws = np.sort(rng.integers(0, n_space, size=(n_trials, n_ids)), axis=1)
    return float(np.mean(np.any(np.diff(draws, axis=1) == 0, axis=1)))


@dataclass(frozen=True)
class SnowflakeLayout:
    """The bits of a Snowflake-style id: ``n_bits_time`` of milliseconds since an epoch,
    ``n_bits_machine`` of machine number, ``n_bits_sequence`` of a per-millisecond counter
    (Twitter's 2010 layout, the most each may have here: 41, 10 and 12 bits under a sign
    bit, 64 in all).

    >>> s = SnowflakeLayout()
    >>> s.n_machines, s.n_per_ms, round(s.years, 1)
    (1024, 4096, 69.7)
    """

    n_bits_time: int = param(41, kind="int", low=1, high=41, doc="bits of milliseconds")
    n_bits_machine: int = param(10, kind="int", low=0, high=10, doc="bits of machine number")
    n_bits_sequence: int = param(12, kind="int", low=0, high=12, doc="bits of sequence")

    def __post_init__(self):
        validate_fields(self)  # at most 41 + 10 + 12 = 63 bits: a positive signed 64-bit id

    @property
    def n_machines(self) -> int:
        """Machines that can make ids at once."""
        return 2**self.n_bits_machine

    @property
    def n_per_ms(self) -> int:
        """Ids one machine can make in one millisecond."""
        return 2**self.n_bits_sequence

    @property
    def years(self) -> float:
        """Years of milliseconds the timestamp lasts (365.25-day years)."""
        return 2**self.n_bits_time / 1000 / (365.25 * SECONDS_PER_DAY)


def snowflake_id(
    n_millis: int, machine: int, sequence: int, layout: SnowflakeLayout | None = None
) -> int:
    """The id of the ``sequence``-th id made by ``machine`` in millisecond ``n_millis`` (since the
    epoch): time in the high bits, so ids sort by time.

    >>> snowflake_id(0, 1, 0), snowflake_id(0, 0, 1), snowflake_id(1, 0, 0)
    (4096, 1, 4194304)
    """
    layout = check_type("layout", layout, (SnowflakeLayout, None)) or SnowflakeLayout()
    n_millis = check_int("n_millis", n_millis, low=0, high=2**layout.n_bits_time - 1)
    machine = check_int("machine", machine, low=0, high=layout.n_machines - 1)
    sequence = check_int("sequence", sequence, low=0, high=layout.n_per_ms - 1)
    shift = layout.n_bits_machine + layout.n_bits_sequence
    return (n_millis << shift) | (machine << layout.n_bits_sequence) | sequence


def snowflake_parts(value: int, layout: SnowflakeLayout | None = None) -> tuple[int, int, int]:
    """(n_millis, machine, sequence) of a Snowflake-style id: :func:`snowflake_id` undone.

    >>> snowflake_parts(snowflake_id(1_700_000, 7, 42))
    (1700000, 7, 42)
    """
    layout = check_type("layout", layout, (SnowflakeLayout, None)) or SnowflakeLayout()
    value = check_int("value", value, low=0, high=2**63 - 1)
    sequence = value & (layout.n_per_ms - 1)
    machine = (value >> layout.n_bits_sequence) & (layout.n_machines - 1)
    return value >> (layout.n_bits_machine + layout.n_bits_sequence), machine, sequence


def counter_rate(rate_writes: float, n_range: int) -> float:
    """Requests/s the central counter sees when each server takes ``n_range`` ids at a time
    (one request per range); a crashed server wastes on average half a range.

    >>> counter_rate(1_000.0, 10_000)
    0.1
    """
    rate_writes = check_number("rate_writes", rate_writes, low=0)
    return rate_writes / check_int("n_range", n_range, low=1)


def share_counted(n_clicks: float, n_browsers: float, redirect: str) -> float:
    """Share of ``n_clicks`` on one link, spread uniformly at random over ``n_browsers``
    browsers, that reach the shortener: every click with a 302; with a 301, only each
    browser's first, ``n_browsers (1 - (1 - 1/n_browsers)^n_clicks) / n_clicks`` (the expected
    number of browsers that click at least once).

    >>> share_counted(1_000, 1_000, "302"), round(share_counted(1_000, 1_000, "301"), 3)
    (1.0, 0.632)
    """
    n = check_number("n_clicks", n_clicks, low=0, low_open=True)
    b = check_number("n_browsers", n_browsers, low=1)
    if check_choice("redirect", redirect, REDIRECTS) == "302":
        return 1.0
    return float(-b * math.expm1(n * math.log1p(-1 / b)) / n) if b > 1 else 1.0 / n


def simulate_clicks(n_clicks: int, n_browsers: int, redirect: str, *, rng) -> float:
    """Share of ``n_clicks`` (each from a browser drawn uniformly from ``n_browsers``) that
    reach the shortener, by simulation: with a 301 a browser's repeat clicks are answered from
    its cache (compare :func:`share_counted`).

    >>> simulate_clicks(1_000, 1_000, "301", rng=np.random.default_rng(1))
    0.632
    """
    n_clicks = check_int("n_clicks", n_clicks, low=1, high=100_000_000)
    n_browsers = check_int("n_browsers", n_browsers, low=1)
    redirect = check_choice("redirect", redirect, REDIRECTS)
    rng = check_rng(rng)
    if redirect == "302":
        return 1.0
    browsers = rng.integers(0, n_browsers, size=n_clicks)
    return np.unique(browsers).size / n_clicks


@dataclass(frozen=True)
class ShortenerDesign:
    """A URL shortener, as plain data.

    ``n_regions`` data centres (the first 1-3 of ``scalelab.practice.SITES``) with GeoDNS of
    TTL ``t_dns_ttl``; ``n_servers`` web servers per region (each ``RATE_REDIRECT_SERVER``
    redirects/s); ``n_cache_nodes`` cache nodes per region (0: no cache); a key-value store of
    ``n_shards`` partitions, each with ``n_replicas`` replicas in other regions, written
    synchronously to one of them when ``sync_writes``; ids by ``id_scheme`` (``ID_SCHEMES``;
    ``n_chars`` characters for random ids); ``redirect`` ``"301"`` or ``"302"``.

    >>> round(ShortenerDesign().cost_per_hour(), 2)
    8.49
    """

    n_regions: int = param(1, kind="int", low=1, high=len(SITES), doc="data-centre regions")
    t_dns_ttl: float = param(60.0, low=0, high=86_400, doc="GeoDNS answers' TTL", unit="s")
    n_servers: int = param(20, kind="int", low=1, high=500, doc="web servers per region")
    n_cache_nodes: int = param(2, kind="int", low=0, high=64, doc="cache nodes per region")
    n_shards: int = param(4, kind="int", low=1, high=256, doc="key-value partitions")
    n_replicas: int = param(1, kind="int", low=0, high=5, doc="replicas per partition")
    sync_writes: bool = param(False, kind="bool", doc="a write waits for one replica")
    id_scheme: str = param("random", kind="choice", choices=ID_SCHEMES, doc="how ids are made")
    n_chars: int = param(7, kind="int", low=4, high=12, doc="characters of a random id")
    redirect: str = param("302", kind="choice", choices=REDIRECTS, doc="redirect status")

    def __post_init__(self):
        validate_fields(self)

    def cost_per_hour(self) -> float:
        """Hourly price of the machines ($/h): servers and a balancer per region, cache nodes
        per region, key-value partitions and their replicas."""
        return (
            self.n_regions
            * (
                self.n_servers * PRICE_SERVER_HOUR
                + ALB_PRICE_PER_HOUR
                + self.n_cache_nodes * PRICE_CACHE_NODE_HOUR
            )
            + self.n_shards * (1 + self.n_replicas) * PRICE_DB_HOUR
        )


@dataclass(frozen=True)
class ShortenerWorkload:
    """A shortener's traffic: ``n_links_day`` new links a day, ``clicks_per_link`` clicks per
    new link (so clicks/s = links/s x clicks per link), ``n_links_stored`` links kept,
    ``n_links_hot`` links clicked in a day (Zipf popularity of skew ``zipf_s``), ``p_repeat``
    of clicks repeating a browser's earlier click on the same link; the daily wave peaks at
    ``peak_factor`` times the mean, with multiplicative ``noise``.

    >>> w = ShortenerWorkload()
    >>> round(w.rate_writes), round(w.rate_clicks)
    (347, 13889)
    """

    n_links_day: float = param(30e6, low=1, high=1e10, doc="new links a day")
    clicks_per_link: float = param(40.0, low=0, high=1e5, doc="clicks per new link")
    n_links_stored: float = param(55e9, low=1, high=1e13, doc="links kept")
    n_links_hot: float = param(100e6, low=1, high=1e12, doc="links clicked in a day")
    zipf_s: float = param(1.0, low=0, high=3, doc="Zipf skew of links' popularity")
    p_repeat: float = param(0.3, kind="probability", doc="share of clicks that repeat a browser's")
    peak_factor: float = param(2.0, low=1, high=3, doc="peak rate over the mean")
    noise: float = param(0.02, low=0, high=0.5, doc="standard deviation of the noise")

    def __post_init__(self):
        validate_fields(self)

    @property
    def rate_writes(self) -> float:
        """New links per second, on average over the day."""
        return self.n_links_day / SECONDS_PER_DAY

    @property
    def rate_clicks(self) -> float:
        """Clicks per second, on average over the day."""
        return self.rate_writes * self.clicks_per_link


@lru_cache(maxsize=256)
def _hit_ratio(n_nodes: int, n_links_hot: float, zipf_s: float) -> float:
    """Hit ratio of ``n_nodes`` cache nodes over Zipf-popular hot links (Che's approximation on
    a model catalogue, the cache's share of the hot links kept)."""
    if n_nodes <= 0:
        return 0.0
    share = min(1.0, n_nodes * N_LINKS_PER_CACHE_NODE / n_links_hot)
    if share >= 1.0:
        return 1.0
    return float(che_hit_ratio(zipf_popularity(_N_MODEL, zipf_s), max(1.0, share * _N_MODEL)))


def simulate_shortener(
    design: ShortenerDesign,
    workload: ShortenerWorkload,
    drill: Drill | None = None,
    *,
    t_bucket: float = 60.0,
    rng,
) -> PracticeRun:
    """The evening window (19:00-21:00) of ``workload`` through ``design`` with ``drill``.

    Clicks (a 301 lets ``p_repeat`` of them end in the browser) and new links reach the
    region GeoDNS picks, its servers, the cache and the key-value store; a random id is looked
    up before it is stored and a write gives up after three taken ids. Data lost: click records
    a cached 301 keeps from analytics, and writes lost when the primaries' region fails over.

    >>> run = simulate_shortener(ShortenerDesign(), ShortenerWorkload(),
    ...                          rng=np.random.default_rng(1))
    >>> run.n_buckets, round(run.availability, 4), round(float(run.p99.max()), 3)
    (120, 1.0, 0.243)
    """
    check_type("design", design, ShortenerDesign)
    w = check_type("workload", workload, ShortenerWorkload)
    drill = check_type("drill", drill, (Drill, None)) or Drill("none")
    t_bucket = check_number("t_bucket", t_bucket, low=1, high=3_600)
    _, clicks = _window(w.rate_clicks, w.peak_factor, drill, w.noise, t_bucket, rng)
    return shortener_buckets(clicks, t_bucket, design, workload=w, drill=drill)


def shortener_buckets(
    rate_clicks,
    t_bucket: float,
    design: ShortenerDesign,
    *,
    workload: ShortenerWorkload | None = None,
    drill: Drill | None = None,
) -> PracticeRun:
    """The shortener's bucketed form (the capstone contract): ``rate_clicks`` (clicks/s offered
    in each bucket of ``t_bucket`` s, the first starting at 19:00, where a drill's times start)
    through ``design``, with ``workload``'s other numbers (new links per click, popularity,
    repeat clicks; its default if ``None``) and ``drill`` (``None``: nothing breaks).
    :func:`simulate_shortener` draws the evening's clicks and calls it.

    >>> run = shortener_buckets(np.full(3, 20_000.0), 60.0, ShortenerDesign())
    >>> run.n_buckets, round(run.availability, 4), round(float(run.cost_per_hour[0]), 2)
    (3, 1.0, 8.49)
    """
    d = check_type("design", design, ShortenerDesign)
    w = check_type("workload", workload, (ShortenerWorkload, None)) or ShortenerWorkload()
    drill = check_type("drill", drill, (Drill, None)) or Drill("none")
    t_bucket = check_number("t_bucket", t_bucket, low=0, low_open=True, high=3_600)
    clicks = check_array("rate_clicks", rate_clicks, ndim=1, low=0, unit="requests/s")
    t = bucket_times(clicks.size, t_bucket)
    writes = (
        clicks / w.clicks_per_link if w.clicks_per_link > 0 else np.full_like(clicks, w.rate_writes)
    )
    p_reach = 1.0 - w.p_repeat if d.redirect == "301" else 1.0
    redirects = clicks * p_reach
    rate = redirects + writes
    loads, failed, rtt99, down = _regions(rate, t, t_bucket, d.n_regions, drill, d.t_dns_ttl)
    t_server = np.zeros_like(rate)
    rho_web = np.zeros_like(rate)  # the busiest region's web servers: load over capacity
    for k in range(d.n_regions):
        f, t99 = _pool(loads[:, k], d.n_servers, RATE_REDIRECT_SERVER)
        rho_web = np.maximum(rho_web, loads[:, k] / (d.n_servers * RATE_REDIRECT_SERVER))
        failed = failed + f
        t_server = np.maximum(t_server, np.where(loads[:, k] > 0, t99, 0.0))
    ok = np.clip(1.0 - failed / rate, 0.0, 1.0)
    node = drill.share_active(t, t_bucket) if drill.kind == "node" else np.zeros_like(rate)
    hit_all = _hit_ratio(d.n_cache_nodes, w.n_links_hot, w.zipf_s)
    hit_less = _hit_ratio(d.n_cache_nodes - 1, w.n_links_hot, w.zipf_s) if d.n_cache_nodes else 0.0
    p_hit = hit_all * (1 - node) + hit_less * node
    # a random id is looked up first; three taken ids in a row and the write gives up
    p_taken = min(1.0, w.n_links_stored / id_space(d.n_chars)) if d.id_scheme == "random" else 0.0
    writes_ok = writes * ok
    failed = failed + writes_ok * p_taken**_TRIES
    db_reads = redirects * ok * (1 - p_hit) + (writes_ok if d.id_scheme == "random" else 0.0)
    # the primaries' region down: replicas elsewhere serve reads, writes wait for a promotion
    n_read_copies = d.n_shards * (1 + d.n_replicas)
    survivors = d.n_shards * d.n_replicas if d.n_regions > 1 else 0
    cap_reads = n_read_copies - (n_read_copies - survivors) * down
    dc_reads = np.clip(db_reads - cap_reads * RATE_KV_READS, 0.0, None)
    wfail = _writes_failing(down, t, t_bucket, drill, d.n_regions, d.n_replicas)
    cap_writes = d.n_shards * RATE_KV_WRITES
    failed = failed + dc_reads + writes_ok * wfail + np.clip(writes_ok - cap_writes, 0.0, None)
    _, t_db = _pool(
        np.minimum(db_reads, 0.98 * cap_reads * RATE_KV_READS), n_read_copies, RATE_KV_READS
    )
    t_read = np.where(1 - p_hit >= 0.01, T_DB_READ + t_db, T_CACHE_HIT)
    t_sync = (
        BACKBONE_RTT[REGIONS.index(SITES[0]), REGIONS.index(SITES[1])] if d.sync_writes else 0.0
    )
    t_write = T_DB_READ * (2 if d.id_scheme == "random" else 1) + t_sync
    p_write = writes / rate
    p99 = rtt99 + t_server + np.where(p_write >= 0.01, np.maximum(t_read, t_write), t_read)
    lost = _lost_on_failover(writes, down, d.n_regions, d.n_replicas, d.sync_writes)
    lost = lost + clicks * (1 - p_reach) * t_bucket  # clicks a cached 301 hides from analytics
    return PracticeRun(
        t=t,
        t_bucket=t_bucket,
        rate_offered=clicks + writes,
        rate_failed=np.minimum(failed, clicks + writes),
        p99=p99,
        data_lost=lost,
        cost_per_hour=np.full(t.shape, d.cost_per_hour()),
        metrics={
            "p_hit": p_hit,
            "rate_db_reads": db_reads,
            "rate_redirects": redirects,
            "rho_web": rho_web,
        },
    )
