"""One product from the first server to millions: Shutterstall, a photo-sharing shop.

Every chapter follows the same product: Shutterstall, a fictional shop where photographers sell
prints of their photos. People browse listing pages (one photo each, with its thumbnail in
every grid), like and buy; photographers upload. :data:`PRODUCT` holds what the product is (its
traffic per user, read/write mix, object sizes and growth) and :data:`STAGES` where it stands at
each chapter: its daily users at that point of its growth, the rates they send at the evening
peak, and the design the chapters so far have built for it (web servers, replicas, cache, CDN,
data centres, shards). Chapters are named by topic (:data:`TOPICS`), never by number.

Each stage exposes one **bottleneck** that the next chapter fixes (:func:`bottleneck`, a
:class:`Bottleneck`): what is over its limit, by how much, and the same number one stage later,
after the fix, with more users. A chapter opens from :func:`opening` (the bottleneck it fixes,
with a sentence to print) and ends with its ``sentence_after``. Every number comes from the
course's own models (``scalelab.estimate``, ``scalelab.queueing``, ``scalelab.load_balancer``,
``scalelab.replication``, ``scalelab.cache``, ``scalelab.cdn``, ``scalelab.geo``,
``scalelab.quorum``, ``scalelab.overload``, ``scalelab.sharding``); nothing here draws, so
everything is deterministic. :func:`capstone_workload` turns the last stage into the capstone's
``scalelab.architecture.Workload``: the capstone's day is the product's day.

Simplifications: one database operation per page or API request (as in the capstone); a web
server and a database server each have one capacity (requests/s), the one chapter 02 and the
capstone assume; users spread over the world like ``scalelab.geo.DEFAULT_USERS_M``; a
bottleneck's limit is a design objective of the product (utilisation at most
:data:`RHO_MAX`, round trips under :data:`T_RTT_MAX`, ...), stated beside it.

>>> s = stage("scaling-out")
>>> round(s.rate_peak), s.n_web_servers
(3667, 15)
>>> b = bottleneck("scaling-out")
>>> b.what, round(b.value, 2), b.fixed_by
('the single database', 0.92, 'replication')
>>> b.value > b.limit >= b.value_after
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from scalelab import estimate
from scalelab.architecture import SLO, T_FAILOVER_DB, Design, Workload
from scalelab.cache import che_hit_ratio, database_load, zipf_popularity
from scalelab.cdn import REGIONS as CDN_REGIONS
from scalelab.cdn import origin_rate
from scalelab.geo import DEFAULT_USERS_M, REGIONS, mean_rtt, nearest_healthy, rtt_matrix
from scalelab.load_balancer import M7I, plan_horizontal, usl_capacity
from scalelab.overload import retry_amplification, retry_budget
from scalelab.queueing import littles_law, mmc
from scalelab.quorum import GITHUB_2018, majority
from scalelab.replication import lww_merge, merge_counts, replicas_needed
from scalelab.sharding import shards_needed
from scalelab.validate import check_array, check_choice, check_type, param, validate_fields

__all__ = [
    "TOPICS",
    "GROWTH",
    "RATE_PER_VCPU",
    "WEB_INSTANCE",
    "RATE_SERVER",
    "RATE_DB",
    "RHO_MAX",
    "RHO_WRITES_MAX",
    "N_CACHE_OBJECTS",
    "T_CDN_TTL",
    "RATE_BYTES_ORIGIN_LINK",
    "DC_REGIONS",
    "T_RTT_MAX",
    "T_PROCESS_UPLOAD",
    "T_PUBLISH",
    "T_WAIT_MAX",
    "N_RETRIES",
    "N_LAYERS",
    "P_RETRY_BUDGET",
    "Product",
    "PRODUCT",
    "Stage",
    "STAGES",
    "Bottleneck",
    "stage",
    "peak_rate",
    "measure",
    "bottleneck",
    "opening",
    "capstone_workload",
    "shop_design",
    "CAPSTONE_COST_MAX_HOUR",
    "capstone_slo",
]

TOPICS: tuple[str, ...] = (
    "welcome",
    "single-server",
    "scaling-out",
    "replication",
    "multi-master",
    "quorums",
    "protocol-lab",
    "caching",
    "cdn",
    "stateless-web",
    "data-centers",
    "message-queues",
    "overload",
    "sharding",
    "millions",
    "shortener",
    "news-feed",
    "chat",
)
"""The chapters' topics in the order of the journey (a chapter's folder is ``NN-<topic>``); the
last three are the practice designs after the capstone (a URL shortener, a news feed, a chat
service), which keep their own products and use the capstone's day as a yardstick."""

GROWTH: tuple[float, ...] = (
    200_000,
    800_000,
    8_800_000,
    12_000_000,
    14_000_000,
    16_000_000,
    18_000_000,
    24_000_000,
    28_000_000,
    32_000_000,
    40_000_000,
    48_000_000,
    70_000_000,
    80_000_000,
    100_000_000,
    100_000_000,
    100_000_000,
    100_000_000,
)
"""Daily users of the product at each stage, one per topic of :data:`TOPICS` (never fewer than
the stage before): from a launch to the capstone's day, which the three practice chapters
after it keep."""

# --------------------------------------------------------------------------------------------
# The machines and the objectives (the course's own assumptions, with where they come from)
# --------------------------------------------------------------------------------------------

RATE_PER_VCPU = 100.0
"""Requests/s one virtual CPU of a web server serves: chapter scaling-out's assumption for its
price list (measure your own application)."""

WEB_INSTANCE = M7I[1]
"""The web server: AWS EC2 m7i.xlarge, 4 vCPUs (``scalelab.load_balancer.M7I``, prices of 2024)."""

RATE_SERVER = usl_capacity(WEB_INSTANCE.n_vcpu, RATE_PER_VCPU)
"""Requests/s one web server (an m7i.xlarge, 4 vCPUs at :data:`RATE_PER_VCPU`) serves: 400."""

RATE_DB = 2_000.0
"""Operations/s one database server (primary, replica or shard) serves: the capstone's figure
(``scalelab.architecture``'s ``MU_DB``, illustrative)."""

RHO_MAX = 0.7
"""Highest utilisation a server may run at the peak: chapter scaling-out's target (the default
of ``scalelab.load_balancer.plan_horizontal``), which leaves room for a burst and a lost server."""

RHO_WRITES_MAX = 0.35
"""Share of a shard's capacity its writes may take when the shards are counted, leaving the rest
for the reads its replicas replay beside them (the product's sizing rule)."""

N_CACHE_OBJECTS = 20_000
"""Listings the cache tier holds (a tenth of the catalogue; the product's sizing)."""

T_CDN_TTL = 86_400.0
"""The CDN's time to live for photos and thumbnails, seconds: a day, safe because their URLs are
versioned (chapter cdn)."""

RATE_BYTES_ORIGIN_LINK = 1.25e9
"""Bytes/s the origin's link to the internet carries: 10 Gbit/s (the product's data centre;
illustrative)."""

DC_REGIONS: tuple[str, ...] = ("na-east", "europe", "asia")
"""Where the data centres stand from chapter data-centers on (before it: ``na-east`` only), the
capstone's default regions."""

T_RTT_MAX = 0.100
"""The product's objective for the mean round trip from a user to the data centre serving them,
seconds (a page needs several round trips)."""

T_PROCESS_UPLOAD = 1.5
"""Seconds a web server spends on an upload done synchronously: resize the photo into three
thumbnails, store them, notify followers (the product's assumption)."""

T_PUBLISH = 0.005
"""Seconds a web server spends publishing an upload's message to the queue instead (the
product's assumption)."""

T_WAIT_MAX = 1.0
"""Longest a user should wait for an answer without losing the flow of thought, seconds
(Nielsen, 'Response Times: The 3 Important Limits', 1993,
https://www.nngroup.com/articles/response-times-3-important-limits/)."""

N_RETRIES = 3
"""Retries each layer makes of a failed call before the overload chapter (a common default)."""

N_LAYERS = 3
"""Layers that retry before the overload chapter: the app, the web server, the database client."""

P_RETRY_BUDGET = 0.1
"""Retries allowed as a share of requests after the overload chapter (Beyer et al., 'Site
Reliability Engineering', 2016, ch. 21: a per-client retry budget of 10 %)."""


# --------------------------------------------------------------------------------------------
# The product
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A product as the chapters see it: ``name``; each daily user sends ``requests_per_user``
    requests a day, and the evening peak runs ``peak_factor`` times the average (1-2, the
    capstone's daily wave). A share ``p_static`` of requests fetch a photo (``p_photo`` of them,
    ``bytes_photo`` bytes each) or a thumbnail (``bytes_thumbnail`` bytes); the others are page
    or API requests of ``bytes_page`` bytes, of which ``p_write`` write (the rest read:
    :attr:`p_read`) and ``p_upload`` of those writes upload a photo. Reads go to ``n_listings``
    listings of Zipf skew ``zipf_s``; each daily user makes one visit a day, of ``t_visit``
    seconds. ``growth`` gives the daily users at each stage (one per topic of :data:`TOPICS`,
    never decreasing).

    >>> p = Product()
    >>> p.name, p.p_read, p.daily_users
    ('Shutterstall', 0.9, 100000000)
    >>> Product(p_write=1.5)
    Traceback (most recent call last):
    ...
    ValueError: p_write must be in [0, 1]; got 1.5
    """

    name: str = "Shutterstall"
    requests_per_user: float = param(
        20.0, low=0, low_open=True, high=10_000, doc="requests per user per day"
    )
    peak_factor: float = param(1.8, low=1, high=2, doc="peak rate of the daily wave over the mean")
    p_static: float = param(
        0.5, kind="probability", high=0.99, doc="share of requests for photos and thumbnails"
    )
    p_photo: float = param(
        0.2, kind="probability", doc="share of static requests for a full photo, not a thumbnail"
    )
    p_write: float = param(0.1, kind="probability", doc="share of page/API requests that write")
    p_upload: float = param(0.05, kind="probability", doc="share of writes that upload a photo")
    bytes_page: float = param(
        50_000.0, low=0, low_open=True, high=1e9, doc="size of a page or API response", unit="bytes"
    )
    bytes_photo: float = param(
        2_000_000.0, low=0, low_open=True, high=1e9, doc="size of a full photo", unit="bytes"
    )
    bytes_thumbnail: float = param(
        20_000.0, low=0, low_open=True, high=1e9, doc="size of a thumbnail", unit="bytes"
    )
    n_listings: int = param(
        200_000, kind="int", low=10, high=200_000, doc="listings (photos for sale) in the shop"
    )
    zipf_s: float = param(0.9, low=0, high=3, doc="Zipf skew of the listings' popularity")
    t_visit: float = param(600.0, low=1, high=86_400, doc="how long one visit lasts", unit="s")
    growth: tuple = field(default=GROWTH)

    def __post_init__(self):
        validate_fields(self)
        users = check_array("growth", self.growth, low=0, unit="daily users")
        if users.size != len(TOPICS):
            raise ValueError(
                f"growth must give {len(TOPICS)} daily-user counts, one per topic; got {users.size}"
            )
        drop = np.flatnonzero(np.diff(users) < 0)
        if drop.size:
            i = int(drop[0]) + 1
            raise ValueError(
                f"growth must never decrease; got {users[i]:g} at {TOPICS[i]!r} after "
                f"{users[i - 1]:g}"
            )
        object.__setattr__(self, "growth", tuple(float(u) for u in users))

    @property
    def p_read(self) -> float:
        """Share of page/API requests that only read: ``1 - p_write``."""
        return 1.0 - self.p_write

    @property
    def daily_users(self) -> int:
        """Daily users on the capstone's day (the last stage of ``growth``)."""
        return int(self.growth[-1])

    @property
    def bytes_static(self) -> float:
        """Mean size of a static file (photo or thumbnail), bytes."""
        return self.p_photo * self.bytes_photo + (1 - self.p_photo) * self.bytes_thumbnail


PRODUCT = Product()
"""Shutterstall, the photo-sharing shop every chapter follows."""


# --------------------------------------------------------------------------------------------
# Stages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """Where the product stands at the chapter ``topic``, after that chapter's change.

    ``daily_users``; rates at the evening peak (requests/s): ``rate_mean`` (the day's average),
    ``rate_peak`` (all requests), ``rate_static`` (photos and thumbnails), ``rate_reads`` and
    ``rate_writes`` (page/API requests, one database operation each), ``rate_uploads``; the
    design so far: ``n_web_servers`` (the one machine before chapter scaling-out), ``n_replicas``
    per shard, ``n_shards``, ``p_hit`` (the cache's hit ratio, 0 without one), ``dc_regions``.
    ``has(topic)`` says whether the chapter ``topic``'s change is in place.
    """

    topic: str
    daily_users: int
    rate_mean: float
    rate_peak: float
    rate_static: float
    rate_reads: float
    rate_writes: float
    rate_uploads: float
    n_web_servers: int
    n_replicas: int
    n_shards: int
    p_hit: float
    dc_regions: tuple

    def has(self, topic: str) -> bool:
        """Whether chapter ``topic``'s change has been made by this stage.

        >>> stage("caching").has("replication"), stage("caching").has("cdn")
        (True, False)
        """
        check_choice("topic", topic, TOPICS)
        return TOPICS.index(self.topic) >= TOPICS.index(topic)

    @property
    def rate_dynamic(self) -> float:
        """Page/API requests/s at the peak (reads and writes)."""
        return self.rate_reads + self.rate_writes


def _popularity(product: Product) -> np.ndarray:
    return zipf_popularity(product.n_listings, product.zipf_s)


def _origin_static(product: Product, rate_static: float, cdn: bool) -> tuple[float, float]:
    """Static requests/s and bytes/s reaching the origin, with or without the CDN (its edges in
    every ``scalelab.cdn.REGIONS``, an origin shield, :data:`T_CDN_TTL`)."""
    if not cdn:
        return rate_static, rate_static * product.bytes_static
    pop, n_edges = _popularity(product), len(CDN_REGIONS)
    out_rate = out_bytes = 0.0
    for share, size in ((product.p_photo, product.bytes_photo),
                        (1 - product.p_photo, product.bytes_thumbnail)):  # fmt: skip
        per_edge = np.tile(rate_static * share * pop / n_edges, (n_edges, 1))
        r = origin_rate(per_edge, T_CDN_TTL, shield=True)
        out_rate, out_bytes = out_rate + r, out_bytes + r * size
    return out_rate, out_bytes


def _make_stage(product: Product, i: int, before: Stage | None) -> Stage:
    topic, users = TOPICS[i], product.growth[i]
    has = {t: i >= TOPICS.index(t) for t in TOPICS}
    mean = estimate.average_rate(users, product.requests_per_user)
    peak = estimate.peak_rate(mean, product.peak_factor)
    static = peak * product.p_static
    dynamic = peak - static
    writes = dynamic * product.p_write
    reads = dynamic - writes
    p_hit = 0.0
    if has["caching"]:
        p_hit = che_hit_ratio(_popularity(product), N_CACHE_OBJECTS)
    n_web, n_replicas, n_shards = 1, 0, 1
    if has["scaling-out"]:
        origin = _origin_static(product, static, has["cdn"])[0]
        n_web = plan_horizontal(dynamic + origin, RATE_PER_VCPU, instance=WEB_INSTANCE).n_servers
    if has["sharding"]:
        n_shards = shards_needed(writes, RATE_DB, RHO_WRITES_MAX)
    if has["replication"]:
        db_reads = database_load(reads, p_hit) / n_shards
        try:  # the fewest replicas for the reads, plus a spare for a lost replica
            n_replicas = replicas_needed(db_reads, writes / n_shards, RATE_DB, RHO_MAX) + 1
        except ValueError:  # writes alone fill a server: no replica count helps (shard)
            n_replicas = before.n_replicas
        if not has["caching"] and before is not None and before.has("replication"):
            n_replicas = before.n_replicas  # the replicas bought in chapter replication
    dcs = DC_REGIONS if has["data-centers"] else DC_REGIONS[:1]
    return Stage(
        topic, int(round(users)), mean, peak, static, reads, writes, writes * product.p_upload,
        n_web, n_replicas, n_shards, p_hit, dcs,
    )  # fmt: skip


def _make_stages(product: Product) -> dict[str, Stage]:
    out: dict[str, Stage] = {}
    before = None
    for i, topic in enumerate(TOPICS):
        before = out[topic] = _make_stage(product, i, before)
    return out


STAGES: dict[str, Stage] = _make_stages(PRODUCT)
"""The product at each chapter, by topic, in the order of :data:`TOPICS`."""


def stage(topic: str) -> Stage:
    """The product at chapter ``topic`` (a name of :data:`TOPICS`).

    >>> s = stage("single-server")
    >>> s.daily_users, round(s.rate_peak, 1)
    (800000, 333.3)
    """
    check_choice("topic", topic, TOPICS)
    return STAGES[topic]


def peak_rate(at) -> float:
    """Requests/s at the evening peak at a stage (a :class:`Stage` or a topic name).

    >>> round(peak_rate("millions"))
    41667
    """
    s = stage(at) if isinstance(at, str) else check_type("at", at, Stage)
    return s.rate_peak


# --------------------------------------------------------------------------------------------
# Bottlenecks: one per stage, measured with the course's models
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bottleneck:
    """What the product hits at the stage ``topic``, and the chapter ``fixed_by`` that fixes it.

    ``what`` is saturated; ``value`` is its number at ``topic``'s stage, in ``unit``, against
    ``limit`` (the objective it breaks); ``value_after`` is the same number at ``fixed_by``'s
    stage, with that chapter's change and that stage's users; ``sentence`` is the line a chapter
    prints to open, ``sentence_after`` the line it ends with.
    """

    topic: str
    what: str
    value: float
    limit: float
    unit: str
    fixed_by: str
    value_after: float
    sentence: str
    sentence_after: str

    @property
    def over(self) -> bool:
        """Whether the value breaks the limit at its stage."""
        return self.value > self.limit


def _db_rho(s: Stage) -> float:
    """Utilisation of the busiest database server at the peak."""
    writes = s.rate_writes / s.n_shards
    if s.n_replicas == 0:  # one server takes every read and write
        return mmc(writes + s.rate_reads / s.n_shards, RATE_DB, 1).rho
    reads = database_load(s.rate_reads, s.p_hit) / s.n_shards / s.n_replicas
    return mmc(writes + reads, RATE_DB, 1).rho


def _web_rho(s: Stage) -> float:
    rate = s.rate_peak if not s.has("scaling-out") else s.rate_dynamic + _origin(s)[0]
    return mmc(rate, RATE_SERVER, s.n_web_servers).rho


def _origin(s: Stage, product: Product = PRODUCT) -> tuple[float, float]:
    return _origin_static(product, s.rate_static, s.has("cdn"))


def _write_stop(s: Stage) -> float:
    """Seconds without any accepted write when a master dies."""
    return 0.0 if s.has("multi-master") else T_FAILOVER_DB


def _diverged(s: Stage) -> float:
    """Acknowledged writes on the cut-off side of a GitHub-2018-length partition that the other
    side never sees: every side that can write takes its clients' writes; with a majority
    quorum only the side holding a majority of the voters can."""
    n_leader, n_other = GITHUB_2018.n_voters_leader_side, GITHUB_2018.n_voters_other_side
    sides = (n_leader, n_other)
    if s.has("quorums"):
        writable = [n >= majority(n_leader + n_other) for n in sides]
    else:  # every master takes writes, whatever it can reach
        writable = [True, True]
    if sum(writable) <= 1:  # one history: the other side catches up after the heal
        return 0.0
    far_share = n_other / (n_leader + n_other)  # clients on the far side, like its voters
    return s.rate_writes * far_share * GITHUB_2018.t_partition


def _likes_lost(s: Stage) -> float:
    """Of two likes made at once on two replicas of a photo's counter, how many the merged
    counter loses: last write wins keeps one, a G-counter (built in chapter protocol-lab) both."""
    if s.has("protocol-lab"):
        merged = merge_counts({"A": 1}, {"B": 1})
        return 2.0 - sum(merged.values())
    merged = lww_merge({"likes": (10.0, 0, 1)}, {"likes": (10.0, 1, 1)})
    return 2.0 - merged["likes"][2]


def _sessions_lost(s: Stage) -> float:
    """Users logged out when one web server goes (a crash or a scale-in at night): its share of
    the visits in progress (Little's law), while sessions live in the servers' memory."""
    if s.has("stateless-web"):
        return 0.0
    rate_visits = estimate.peak_rate(estimate.average_rate(s.daily_users, 1.0), PRODUCT.peak_factor)
    return littles_law(rate=rate_visits, t_response=PRODUCT.t_visit) / s.n_web_servers


def _rtt(s: Stage) -> float:
    users = np.array([DEFAULT_USERS_M[r] for r in REGIONS])
    rtt = rtt_matrix(REGIONS, s.dc_regions)
    return mean_rtt(users, rtt, nearest_healthy(rtt, [True] * len(s.dc_regions)))


def _upload_wait(s: Stage) -> float:
    return T_PUBLISH if s.has("message-queues") else T_PROCESS_UPLOAD


def _amplification(s: Stage) -> float:
    """Attempts reaching the database per request while it fails every call."""
    if not s.has("overload"):
        return retry_amplification(N_RETRIES, N_LAYERS, 1.0)
    wanted = s.rate_dynamic * (retry_amplification(N_RETRIES, 1, 1.0) - 1.0)
    allowed = float(retry_budget([s.rate_dynamic], [wanted], P_RETRY_BUDGET)[0])
    return (s.rate_dynamic + allowed) / s.rate_dynamic


def _writes_rho(s: Stage) -> float:
    return mmc(s.rate_writes / s.n_shards, RATE_DB, 1).rho


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def _ms(t: float) -> str:
    return f"{t * 1000:,.0f} ms"


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _users(s: Stage) -> str:
    u = s.daily_users
    return f"{u / 1e6:g} million" if u >= 1e6 else f"{u:,.0f}"


def _bytes(rate_bytes: float) -> str:
    return f"{estimate.human_bytes(rate_bytes)}/s"


# Each stage's bottleneck (by the topic where it shows): what, unit, limit, the measure, and the
# opening and closing lines (from the stage and the measured value). The chapter after the
# topic fixes it.
_SPECS = {
    "single-server": (
        "the one server", "", RHO_MAX, _web_rho,
        lambda s, v: f"At {_n(s.rate_peak)} requests/s the one server is {_pct(v)} busy "
        f"(mean response {_ms(mmc(s.rate_peak, RATE_SERVER, 1).t_response)}): scale out.",
        lambda s, v: f"{s.n_web_servers} web servers behind a balancer are {_pct(v)} busy at "
        f"{_n(s.rate_peak)} requests/s.",
    ),
    "scaling-out": (
        "the single database", "", RHO_MAX, _db_rho,
        lambda s, v: f"At {_n(s.rate_peak)} requests/s the single database is {_pct(v)} busy: "
        "replicate it.",
        lambda s, v: f"A primary and {s.n_replicas} replicas: the busiest database server is "
        f"{_pct(v)} busy at {_n(s.rate_dynamic)} queries/s.",
    ),
    "replication": (
        "writes during a master failover", "s", 0.0, _write_stop,
        lambda s, v: f"When the master dies, writes stop for {v:.0f} s: "
        f"{_n(s.rate_writes * v)} refused at the peak: several masters.",
        lambda s, v: f"With several masters a dead one stops no writes ({v:.0f} s without any); "
        "conflicts appear instead.",
    ),
    "multi-master": (
        "writes that diverge in a partition", "writes", 0.0, _diverged,
        lambda s, v: f"In a {GITHUB_2018.t_partition:.0f} s partition both sides keep writing: "
        f"{_n(v)} acknowledged writes diverge: quorums.",
        lambda s, v: f"With a majority quorum the cut-off side refuses writes: {_n(v)} diverge.",
    ),
    "quorums": (
        "likes lost when two replicas count at once", "likes", 0.0, _likes_lost,
        lambda s, v: f"Two likes at once on two replicas: last write wins keeps one, "
        f"{_n(v)} lost: build a CRDT counter.",
        lambda s, v: f"A G-counter merges two concurrent likes into two: {_n(v)} lost.",
    ),
    "protocol-lab": (
        "the database replicas", "", RHO_MAX, _db_rho,
        lambda s, v: f"At {_n(s.rate_reads)} reads/s the {s.n_replicas} replicas are {_pct(v)} "
        "busy: cache the reads.",
        lambda s, v: f"A cache answers {_pct(s.p_hit)} of {_n(s.rate_reads)} reads/s: the "
        f"busiest database server is {_pct(v)} busy.",
    ),
    "caching": (
        "the origin's link", "bytes/s", RATE_BYTES_ORIGIN_LINK, lambda s: _origin(s)[1],
        lambda s, v: f"{_n(s.rate_static)} photos and thumbnails a second: the origin sends {_bytes(v)}, "
        f"over its {_bytes(RATE_BYTES_ORIGIN_LINK)} link: a CDN.",
        lambda s, v: f"With a CDN {_n(_origin(s)[0])} of {_n(s.rate_static)} static requests/s reach the "
        f"origin: it sends {_bytes(v)}.",
    ),
    "cdn": (
        "users logged out when a web server goes", "users", 0.0, _sessions_lost,
        lambda s, v: f"Sessions live in the web servers' memory: losing one of "
        f"{s.n_web_servers} logs out {_n(v)} users: go stateless.",
        lambda s, v: f"Sessions in a shared store: losing a web server logs out {_n(v)} users.",
    ),
    "stateless-web": (
        "the round trip to one data centre", "s", T_RTT_MAX, _rtt,
        lambda s, v: f"One data centre (Virginia): mean round trip {_ms(v)}, over the "
        f"{_ms(T_RTT_MAX)} objective: more data centres.",
        lambda s, v: f"Data centres in {', '.join(s.dc_regions)}: the mean round trip is "
        f"{_ms(v)}.",
    ),
    "data-centers": (
        "an upload's wait", "s", T_WAIT_MAX, _upload_wait,
        lambda s, v: f"{_n(s.rate_uploads)} uploads/s each keep their user waiting {v:.1f} s "
        "while the web server resizes: a queue.",
        lambda s, v: f"With a queue an upload answers in {_ms(v)}; workers resize "
        f"{_n(s.rate_uploads)} photos/s behind it.",
    ),
    "message-queues": (
        "retries when the database fails", "attempts per request", 1.0 + P_RETRY_BUDGET,
        _amplification,
        lambda s, v: f"{N_RETRIES} retries at each of {N_LAYERS} layers: a failing database "
        f"gets {v:.0f} attempts per request: handle overload.",
        lambda s, v: f"One layer retries, within a {_pct(P_RETRY_BUDGET)} budget: "
        f"{v:.2f} attempts per request.",
    ),
    "overload": (
        "the primary's writes", "", RHO_MAX, _writes_rho,
        lambda s, v: f"{_n(s.rate_writes)} writes/s keep every database server {_pct(v)} busy "
        "with writes alone: shard.",
        lambda s, v: f"{s.n_shards} shards: writes keep each one {_pct(v)} busy.",
    ),
}  # fmt: skip


def _spec(topic: str):
    check_choice("topic", topic, TOPICS)
    if topic not in _SPECS:
        raise ValueError(f"topic must be one of {', '.join(_SPECS)} (a stage with a bottleneck); "
                         f"got {topic!r}")  # fmt: skip
    return _SPECS[topic]


def measure(topic: str, at) -> float:
    """The number of the bottleneck that shows at stage ``topic``, measured at the stage ``at``
    (a :class:`Stage` or a topic name): before the fix it is over its limit, from the fix on
    under it.

    >>> round(measure("scaling-out", "scaling-out"), 3), round(measure("scaling-out", "millions"), 3)
    (0.917, 0.587)
    """
    fn = _spec(topic)[3]
    return float(fn(stage(at) if isinstance(at, str) else check_type("at", at, Stage)))


def bottleneck(topic: str) -> Bottleneck:
    """The bottleneck the product hits at stage ``topic``, fixed by the next chapter.

    Stages with one: every topic from ``"single-server"`` to ``"overload"``.

    >>> b = bottleneck("single-server")
    >>> b.what, round(b.value, 3), b.fixed_by
    ('the one server', 0.833, 'scaling-out')
    >>> print(b.sentence)
    At 333 requests/s the one server is 83 % busy (mean response 15 ms): scale out.
    """
    what, unit, limit, _, opening_line, closing_line = _spec(topic)
    fixed_by = TOPICS[TOPICS.index(topic) + 1]
    value, after = measure(topic, topic), measure(topic, fixed_by)
    return Bottleneck(
        topic, what, value, limit, unit, fixed_by, after,
        opening_line(STAGES[topic], value), closing_line(STAGES[fixed_by], after),
    )  # fmt: skip


def opening(topic: str) -> Bottleneck | None:
    """The bottleneck chapter ``topic`` fixes (the one the stage before it exposed), or ``None``
    for a chapter that opens without one (``"welcome"``, ``"single-server"``, ``"millions"`` and
    the practice chapters after it, ``"shortener"``, ``"news-feed"``, ``"chat"``, which take the
    capstone's day as a yardstick).

    >>> opening("replication").what
    'the single database'
    >>> opening("welcome") is None
    True
    """
    check_choice("topic", topic, TOPICS)
    i = TOPICS.index(topic)
    return bottleneck(TOPICS[i - 1]) if i > 0 and TOPICS[i - 1] in _SPECS else None


def capstone_workload(**changes) -> Workload:
    """The capstone's day of traffic for the product's last stage (a
    ``scalelab.architecture.Workload``); keywords override its fields (``spike_factor=3``).

    >>> w = capstone_workload()
    >>> w.daily_users, w.requests_per_user, w.peak_factor, w.p_static, w.n_objects
    (100000000, 20.0, 1.8, 0.5, 200000)
    """
    fields = dict(
        daily_users=PRODUCT.daily_users,
        requests_per_user=PRODUCT.requests_per_user,
        peak_factor=PRODUCT.peak_factor,
        p_static=PRODUCT.p_static,
        p_write=PRODUCT.p_write,
        n_objects=PRODUCT.n_listings,
        zipf_s=PRODUCT.zipf_s,
    )
    fields.update(changes)
    return Workload(**fields)


def shop_design(**changes) -> Design:
    """The design the chapters built for the product's last stage, as a
    ``scalelab.architecture.Design``; keywords override its fields (``n_servers=48``).

    The stage's web servers spread evenly over its data centres (``n_servers`` per data centre,
    each an m7i.xlarge serving :data:`RATE_SERVER` = 400 requests/s), its shards and replicas
    per shard, a cache of :data:`N_CACHE_OBJECTS` listings, and enough workers for its writes at
    the evening peak (one job per write, each worker doing ``Design().rate_worker`` = 50 jobs/s).
    It is sized for a healthy evening (servers at most :data:`RHO_MAX` busy), not for a lost
    data centre on top of a spike.

    >>> d = shop_design()
    >>> d.regions, d.n_servers, d.rate_server, d.cache_objects
    (('na-east', 'europe', 'asia'), 26, 400.0, 20000)
    >>> d.n_shards, d.n_replicas, d.n_workers
    (3, 5, 42)
    >>> shop_design(n_servers=48).n_servers
    48
    """
    s = STAGES["millions"]
    fields = dict(
        regions=s.dc_regions,
        n_servers=math.ceil(s.n_web_servers / len(s.dc_regions)),
        rate_server=RATE_SERVER,
        cache_objects=N_CACHE_OBJECTS,
        n_shards=s.n_shards,
        n_replicas=s.n_replicas,
        n_workers=math.ceil(s.rate_writes / Design().rate_worker),
    )
    fields.update(changes)
    return Design(**fields)


CAPSTONE_COST_MAX_HOUR = 450.0
"""The capstone's cost objective, dollars per hour on average over a graded window ($/h).

The graded windows are evenings (19:00 to 21:00), when the product's day peaks, and most of the
bill there is traffic, not machines: the CDN's traffic costs about $370 an hour over such a
window, about $395 with the graded 30 % spike (about $205 an hour averaged over the whole day),
while the machines of :func:`shop_design` cost about $30 an hour and each extra web server
about $0.20. So a design that survives a lost data centre at a 30 % spike (about 48 servers per
data centre, about $440 an hour in those windows) meets $450, and one with twice those servers
(about $468) misses it. ``SLO()``'s $145 an hour is for a smaller shop: the product's CDN
traffic alone is over it."""


def capstone_slo(**changes) -> SLO:
    """The capstone's objectives for the product's day (a ``scalelab.architecture.SLO``):
    ``SLO()``'s latency (p99 at most 300 ms in 99 % of the minutes), availability (99.5 %) and
    data-lost (100 writes or jobs) objectives, and a cost objective of
    :data:`CAPSTONE_COST_MAX_HOUR` = $450 an hour the product's day can meet. Keywords override
    its fields.

    >>> slo = capstone_slo()
    >>> slo.p99_max, slo.p_buckets, slo.availability_min, slo.data_lost_max, slo.cost_max_hour
    (0.3, 0.99, 0.995, 100.0, 450.0)
    >>> capstone_slo(cost_max_hour=500.0).cost_max_hour
    500.0
    """
    return replace(SLO(), **{"cost_max_hour": CAPSTONE_COST_MAX_HOUR, **changes})
