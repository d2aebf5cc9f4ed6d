"""A news feed: fan-out on write, on read, or both, and the celebrity problem.

The picture. Users follow other users; each opens a feed of the newest posts of everyone they
follow. Where does the work go?

- **Fan-out on write** (push): a new post is inserted into the cached feed of every follower.
  A feed read is one cache read, but a post costs one write per follower: ``n_following``
  writes per post on average (everyone's followers add up to everyone's followings), and a
  celebrity's post costs millions at once.
- **Fan-out on read** (pull): a post is written once; a feed read asks the timeline of every
  account the reader follows, ``n_following`` queries per read, merged on the spot.
- **Hybrid**: push for ordinary authors, pull for *celebrities*, authors with at least
  ``n_threshold`` followers: writes per post fall to ``n_following (1 - W)`` and each read
  pulls ``n_following W`` celebrity timelines, where ``W`` is the share of all follows that go
  to celebrities (Silberstein et al. 2010 choose push or pull per producer-consumer pair by
  their rates; the threshold is the simplest such rule).

:func:`fanout_cost` gives those costs in closed form for a follower graph whose popularity is
Zipf-like (``scalelab.sharding.zipf_weights``, a heavy tail); :func:`follow_graph` draws such a
graph and :func:`simulate_fanout` measures the same costs on it. A celebrity's timeline is also
a **hot key** (chapter 13): :func:`timeline_load` says how much of the pull traffic lands on
the busiest shard (``scalelab.sharding``).

:func:`simulate_feed` runs a :class:`FeedDesign` through the evening window of a
:class:`FeedWorkload`: fan-out jobs go through the message-queue chapter's bucketed queue
(``scalelab.queueing.queue_buckets``; jobs beyond the buffer are dropped, and a dropped job is a
feed entry lost), feed reads through the feed cache (a miss rebuilds the feed by pulling),
pulls to the posts store. Simplifications: a follow may repeat (the graph is a multigraph);
every user posts at the same rate; a minute's fan-out is spread over the minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from scalelab.architecture import PRICE_CACHE_NODE_HOUR, PRICE_DB_HOUR, PRICE_SERVER_HOUR
from scalelab.buckets import bucket_times
from scalelab.cache import T_CACHE_HIT, T_DB_READ
from scalelab.estimate import SECONDS_PER_DAY
from scalelab.load_balancer import ALB_PRICE_PER_HOUR
from scalelab.messaging import PRICE_PER_WORKER_HOUR
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
from scalelab.queueing import WorkQueue, queue_buckets
from scalelab.sharding import LoadStats, hash_keys, load_stats, place, shard_loads, zipf_weights
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
    "FANOUTS",
    "RATE_FEED_SERVER",
    "RATE_FANOUT_WORKER",
    "RATE_POSTS_NODE",
    "N_FEEDS_PER_NODE",
    "N_FANOUT_BUFFER",
    "FEED_TARGETS",
    "FanoutCost",
    "fanout_cost",
    "FollowGraph",
    "follow_graph",
    "simulate_fanout",
    "timeline_load",
    "FeedDesign",
    "FeedWorkload",
    "feed_buckets",
    "simulate_feed",
]

FANOUTS = ("write", "read", "hybrid")
"""Where a feed is assembled: when a post is written (push), when a feed is read (pull), or
push for ordinary authors and pull for celebrities."""

RATE_FEED_SERVER = 1_000.0
"""Feed requests/s one web server answers (illustrative)."""

RATE_FANOUT_WORKER = 20_000.0
"""Feed-cache inserts/s one fan-out worker makes (pipelined cache writes; illustrative)."""

RATE_POSTS_NODE = 10_000.0
"""Timeline reads/s one posts-store node serves (a wide-column store node; illustrative)."""

N_FEEDS_PER_NODE = 10e6
"""Users' feeds one cache node holds: about 13 GB (cache.r7g.large, AWS 2024) at about 1.3 KB
per feed of a few hundred post ids (illustrative)."""

N_FANOUT_BUFFER = 50e6
"""Fan-out jobs the queue holds before it drops new ones (illustrative)."""

FEED_TARGETS = Targets(
    p99_max=0.3, p_buckets=0.99, availability_min=0.995, data_lost_max=1_000.0, cost_max_hour=25.0
)
"""The feed's SLOs: p99 feed read within 300 ms in 99 % of minutes, 99.5 % of requests succeed,
at most 1,000 posts or feed entries lost, at most $25 an hour."""

_N_MODEL = 200_000  # users in the popularity model behind the closed forms of a workload


@dataclass(frozen=True)
class FanoutCost:
    """What a post and a feed read cost: ``writes_per_post`` (feed-cache inserts, mean),
    ``reads_per_read`` (timelines pulled per feed read, mean), ``writes_max_post`` (the post of
    the most-followed pushed author) and ``p_celebrity`` (share of follows that go to authors
    pulled rather than pushed)."""

    writes_per_post: float
    reads_per_read: float
    writes_max_post: float
    p_celebrity: float


def _costs(followers: np.ndarray, n_following: float, fanout: str, n_threshold: float, n_authors):
    """FanoutCost from each author's (expected or counted) followers, posts spread evenly over
    ``n_authors`` authors (those not in ``followers`` have none)."""
    total = float(np.sum(followers))
    if fanout == "write":
        celeb = np.zeros(followers.shape, dtype=bool)
    elif fanout == "read":
        celeb = np.ones(followers.shape, dtype=bool)
    else:
        celeb = followers >= n_threshold
    p_c = float(np.sum(followers[celeb])) / total if total > 0 else 0.0
    pushed = followers[~celeb]
    return FanoutCost(
        writes_per_post=float(np.sum(pushed)) / n_authors,
        reads_per_read=n_following * p_c,
        writes_max_post=float(pushed.max()) if pushed.size else 0.0,
        p_celebrity=p_c,
    )


def fanout_cost(
    n_users: int, n_following: float, zipf_s: float, fanout: str, n_threshold: float = 10_000
) -> FanoutCost:
    """Closed-form cost of ``fanout`` when ``n_users`` users each follow ``n_following``
    authors chosen by Zipf popularity (skew ``zipf_s``): author ``i`` expects
    ``n_users n_following w_i`` followers. Push: ``n_following`` inserts per post, nothing to
    pull; pull: nothing pushed, ``n_following`` timelines per read; hybrid: authors expecting at
    least ``n_threshold`` followers are pulled (``W``: their share of follows), so
    ``n_following (1 - W)`` inserts per post and ``n_following W`` pulls per read.

    >>> c = fanout_cost(100_000, 100, 1.0, "hybrid", n_threshold=10_000)
    >>> round(c.writes_per_post, 1), round(c.reads_per_read, 1), round(c.p_celebrity, 3)
    (58.7, 41.3, 0.413)
    """
    n_users = check_int("n_users", n_users, low=1, high=5_000_000)
    n_following = check_number("n_following", n_following, low=0, high=100_000)
    zipf_s = check_number("zipf_s", zipf_s, low=0, high=3)
    fanout = check_choice("fanout", fanout, FANOUTS)
    n_threshold = check_number("n_threshold", n_threshold, low=0)
    followers = n_users * n_following * zipf_weights(n_users, zipf_s)
    return _costs(followers, n_following, fanout, n_threshold, n_users)


@dataclass(frozen=True, eq=False)
class FollowGraph:
    """A follower graph: user ``u`` follows ``followees[u]`` (``n_users`` rows of
    ``n_following`` author indices); ``followers[a]`` counts author ``a``'s followers."""

    followees: np.ndarray
    followers: np.ndarray

    @property
    def n_users(self) -> int:
        """Users in the graph."""
        return int(self.followees.shape[0])


def follow_graph(n_users: int, n_following: int, zipf_s: float, *, rng) -> FollowGraph:
    """A random graph in which each of ``n_users`` users follows ``n_following`` authors drawn
    by Zipf popularity of skew ``zipf_s`` (a heavy tail: a few celebrities, many small
    accounts).

    >>> g = follow_graph(1_000, 10, 1.0, rng=np.random.default_rng(1))
    >>> g.followees.shape, int(g.followers.sum()), int(g.followers.max())
    ((1000, 10), 10000, 1363)
    """
    n_users = check_int("n_users", n_users, low=1, high=2_000_000)
    n_following = check_int("n_following", n_following, low=1, high=10_000)
    zipf_s = check_number("zipf_s", zipf_s, low=0, high=3)
    rng = check_rng(rng)
    w = zipf_weights(n_users, zipf_s)
    followees = rng.choice(n_users, size=(n_users, n_following), p=w)
    return FollowGraph(followees, np.bincount(followees.ravel(), minlength=n_users))


def simulate_fanout(
    graph: FollowGraph,
    fanout: str,
    n_threshold: float = 10_000,
    n_posts: int = 20_000,
    n_reads: int = 20_000,
    *,
    rng,
) -> FanoutCost:
    """The costs of :func:`fanout_cost`, measured: ``n_posts`` posts by uniformly drawn authors
    are pushed to their (non-celebrity) followers, ``n_reads`` feed reads by uniformly drawn
    users pull their celebrity followees; celebrities are the authors with at least
    ``n_threshold`` followers in ``graph``.

    >>> g = follow_graph(20_000, 20, 1.0, rng=np.random.default_rng(1))
    >>> c = simulate_fanout(g, "hybrid", 1_000, rng=np.random.default_rng(2))
    >>> round(c.writes_per_post, 1), round(c.reads_per_read, 1)
    (12.3, 8.1)
    """
    graph = check_type("graph", graph, FollowGraph)
    fanout = check_choice("fanout", fanout, FANOUTS)
    n_threshold = check_number("n_threshold", n_threshold, low=0)
    n_posts = check_int("n_posts", n_posts, low=1, high=10_000_000)
    n_reads = check_int("n_reads", n_reads, low=1, high=10_000_000)
    rng = check_rng(rng)
    f = graph.followers
    celeb = {"write": np.zeros(f.shape, bool), "read": np.ones(f.shape, bool)}.get(
        fanout, f >= n_threshold
    )
    authors = rng.integers(0, graph.n_users, n_posts)
    pushes = np.where(celeb[authors], 0, f[authors])
    readers = rng.integers(0, graph.n_users, n_reads)
    pulls = celeb[graph.followees[readers]].sum(axis=1)
    pushed = f[~celeb]
    return FanoutCost(
        writes_per_post=float(pushes.mean()),
        reads_per_read=float(pulls.mean()),
        writes_max_post=float(pushed.max()) if pushed.size else 0.0,
        p_celebrity=float(f[celeb].sum()) / float(f.sum()),
    )


def timeline_load(n_users: int, zipf_s: float, n_shards: int) -> LoadStats:
    """How pull traffic spreads over ``n_shards`` shards of authors' timelines (placed by
    consistent hashing, ``scalelab.sharding.place``) when each author's timeline is read in
    proportion to its followers: the celebrity is a hot key, and its shard the hottest.

    >>> s = timeline_load(100_000, 1.0, 8)
    >>> round(s.hottest_share, 3), round(s.peak_to_mean, 2)
    (0.192, 1.53)
    """
    n_users = check_int("n_users", n_users, low=1, high=5_000_000)
    zipf_s = check_number("zipf_s", zipf_s, low=0, high=3)
    n_shards = check_int("n_shards", n_shards, low=1, high=1_024)
    return _timeline_load(n_users, zipf_s, n_shards)


@lru_cache(maxsize=64)
def _timeline_load(n_users: int, zipf_s: float, n_shards: int) -> LoadStats:
    shards = tuple(range(n_shards))
    assignment = place(hash_keys(range(n_users)), shards)
    return load_stats(shard_loads(assignment, shards, zipf_weights(n_users, zipf_s)))


@dataclass(frozen=True)
class FeedDesign:
    """A news feed, as plain data.

    ``n_regions`` data centres (``scalelab.practice.SITES``) with GeoDNS of TTL ``t_dns_ttl``;
    ``n_servers`` web servers per region (``RATE_FEED_SERVER`` requests/s each); ``fanout``
    (``FANOUTS``) with celebrities from ``n_threshold`` followers; ``n_cache_nodes`` feed-cache
    nodes per region (``N_FEEDS_PER_NODE`` feeds each; celebrities' timelines are cached there
    too); ``n_workers`` fan-out workers; a posts store of ``n_shards`` nodes with ``n_replicas``
    replicas each in other regions, written synchronously when ``sync_writes``.

    >>> round(FeedDesign().cost_per_hour(), 2)
    17.86
    """

    n_regions: int = param(2, kind="int", low=1, high=len(SITES), doc="data-centre regions")
    t_dns_ttl: float = param(60.0, low=0, high=86_400, doc="GeoDNS answers' TTL", unit="s")
    n_servers: int = param(16, kind="int", low=1, high=500, doc="web servers per region")
    fanout: str = param("hybrid", kind="choice", choices=FANOUTS, doc="where feeds are built")
    n_threshold: float = param(
        1e6, low=1, high=1e10, doc="followers from which an author is pulled (hybrid)"
    )
    n_cache_nodes: int = param(4, kind="int", low=0, high=256, doc="feed-cache nodes per region")
    n_workers: int = param(16, kind="int", low=0, high=2_000, doc="fan-out workers")
    n_shards: int = param(8, kind="int", low=1, high=1_024, doc="posts-store nodes")
    n_replicas: int = param(1, kind="int", low=0, high=5, doc="replicas per posts-store node")
    sync_writes: bool = param(False, kind="bool", doc="a post waits for one replica")

    def __post_init__(self):
        validate_fields(self)

    def cost_per_hour(self) -> float:
        """Hourly price ($/h): servers, a balancer and cache nodes per region, workers, the
        posts store and its replicas."""
        return (
            self.n_regions
            * (
                self.n_servers * PRICE_SERVER_HOUR
                + ALB_PRICE_PER_HOUR
                + self.n_cache_nodes * PRICE_CACHE_NODE_HOUR
            )
            + self.n_workers * PRICE_PER_WORKER_HOUR
            + self.n_shards * (1 + self.n_replicas) * PRICE_DB_HOUR
        )


@dataclass(frozen=True)
class FeedWorkload:
    """A feed's traffic: ``daily_users`` each posting ``posts_per_user`` and reading their feed
    ``reads_per_user`` times a day, following ``n_following`` authors of Zipf popularity
    ``zipf_s``; the daily wave peaks at ``peak_factor`` times the mean, with ``noise``.

    >>> w = FeedWorkload()
    >>> round(w.rate_posts), round(w.rate_reads)
    (463, 4630)
    """

    daily_users: float = param(20e6, low=1, high=1e10, doc="users active each day")
    posts_per_user: float = param(2.0, low=0, high=1_000, doc="posts per user per day")
    reads_per_user: float = param(20.0, low=0, high=10_000, doc="feed reads per user per day")
    n_following: float = param(200.0, low=1, high=10_000, doc="authors each user follows")
    zipf_s: float = param(0.8, low=0, high=2, doc="Zipf skew of authors' popularity")
    peak_factor: float = param(2.0, low=1, high=3, doc="peak rate over the mean")
    noise: float = param(0.02, low=0, high=0.5, doc="standard deviation of the noise")

    def __post_init__(self):
        validate_fields(self)

    @property
    def rate_posts(self) -> float:
        """Posts per second, on average over the day."""
        return self.daily_users * self.posts_per_user / SECONDS_PER_DAY

    @property
    def rate_reads(self) -> float:
        """Feed reads per second, on average over the day."""
        return self.daily_users * self.reads_per_user / SECONDS_PER_DAY


@lru_cache(maxsize=256)
def _workload_costs(n_following: float, zipf_s: float, fanout: str, n_threshold: float, users):
    """FanoutCost of a workload: the closed form on a model population, followers scaled to the
    product's users."""
    w = zipf_weights(_N_MODEL, zipf_s)
    return _costs(users * n_following * w, n_following, fanout, n_threshold, users)


def _p99_max_of(k: float, t_mean: float) -> float:
    """p99 of the slowest of ``k`` parallel reads, each exponential of mean ``t_mean``:
    ``-t ln(1 - 0.99^(1/k))``."""
    if k <= 0:
        return 0.0
    return -t_mean * math.log(-math.expm1(math.log(0.99) / max(k, 1.0)))


def simulate_feed(
    design: FeedDesign,
    workload: FeedWorkload,
    drill: Drill | None = None,
    *,
    t_bucket: float = 60.0,
    rng,
) -> PracticeRun:
    """The evening window (19:00-21:00) of ``workload`` through ``design`` with ``drill``.

    Posts fan out through the queue to feed caches (or not, by ``fanout``); a feed read is a
    cache read plus the pulls of its celebrities (or, on a miss, of all its followees), in
    parallel, from the posts store (celebrity timelines come from the cache when there is one;
    without one their hot shard takes them). Data lost: fan-out jobs dropped by a full queue
    and posts lost when the primaries' region fails over.

    >>> run = simulate_feed(FeedDesign(), FeedWorkload(), rng=np.random.default_rng(1))
    >>> run.n_buckets, round(run.availability, 4), round(float(run.p99.max()), 3)
    (120, 1.0, 0.225)
    """
    check_type("design", design, FeedDesign)
    w = check_type("workload", workload, FeedWorkload)
    drill = check_type("drill", drill, (Drill, None)) or Drill("none")
    t_bucket = check_number("t_bucket", t_bucket, low=1, high=3_600)
    _, reads = _window(w.rate_reads, w.peak_factor, drill, w.noise, t_bucket, rng)
    return feed_buckets(reads, t_bucket, design, workload=w, drill=drill)


def feed_buckets(
    rate_reads,
    t_bucket: float,
    design: FeedDesign,
    *,
    workload: FeedWorkload | None = None,
    drill: Drill | None = None,
) -> PracticeRun:
    """The feed's bucketed form (the capstone contract): ``rate_reads`` (feed reads/s offered
    in each bucket of ``t_bucket`` s, the first starting at 19:00, where a drill's times start;
    posts follow them in ``workload``'s ratio) through ``design``, with ``workload``'s other
    numbers (followings, popularity; its default if ``None``) and ``drill`` (``None``: nothing
    breaks). :func:`simulate_feed` draws the evening's reads and calls it.

    >>> run = feed_buckets(np.full(3, 5_000.0), 60.0, FeedDesign())
    >>> run.n_buckets, round(run.availability, 4), round(float(run.cost_per_hour[0]), 2)
    (3, 1.0, 17.86)
    """
    d = check_type("design", design, FeedDesign)
    w = check_type("workload", workload, (FeedWorkload, None)) or FeedWorkload()
    drill = check_type("drill", drill, (Drill, None)) or Drill("none")
    t_bucket = check_number("t_bucket", t_bucket, low=0, low_open=True, high=3_600)
    reads = check_array("rate_reads", rate_reads, ndim=1, low=0, unit="requests/s")
    t = bucket_times(reads.size, t_bucket)
    posts = reads * (w.rate_posts / w.rate_reads) if w.rate_reads > 0 else reads * 0
    rate = reads + posts
    loads, failed, rtt99, down = _regions(rate, t, t_bucket, d.n_regions, drill, d.t_dns_ttl)
    t_server = np.zeros_like(rate)
    rho_web = np.zeros_like(rate)  # the busiest region's web servers: load over capacity
    for k in range(d.n_regions):
        f, t99 = _pool(loads[:, k], d.n_servers, RATE_FEED_SERVER)
        rho_web = np.maximum(rho_web, loads[:, k] / (d.n_servers * RATE_FEED_SERVER))
        failed = failed + f
        t_server = np.maximum(t_server, np.where(loads[:, k] > 0, t99, 0.0))
    ok = np.clip(1.0 - failed / np.maximum(rate, 1e-12), 0.0, 1.0)
    cost = _workload_costs(w.n_following, w.zipf_s, d.fanout, d.n_threshold, w.daily_users)
    # the feed cache: holds feeds (push and hybrid) of the active users
    node = drill.share_active(t, t_bucket) if drill.kind == "node" else np.zeros_like(rate)
    n_nodes = d.n_cache_nodes - node
    p_hit = np.minimum(1.0, n_nodes * N_FEEDS_PER_NODE / w.daily_users)
    # the share of the cache's room the feeds fill (NaN without a cache node)
    room = n_nodes * N_FEEDS_PER_NODE
    p_cache_full = np.divide(w.daily_users, room, out=np.full_like(rate, np.nan), where=room > 0)
    if d.fanout == "read":
        p_hit = np.zeros_like(rate)
    pulls_hit = cost.reads_per_read  # celebrities' timelines per read
    reads_ok = reads * ok
    pulls = reads_ok * (p_hit * pulls_hit + (1 - p_hit) * w.n_following)
    if d.n_cache_nodes > 0 and d.fanout != "read":
        pulls = pulls - reads_ok * p_hit * pulls_hit  # celebrity timelines come from the cache
    # fan-out jobs through the queue; dropped jobs are feed entries lost
    jobs = posts * ok * cost.writes_per_post
    if d.n_workers > 0:
        fq = queue_buckets(
            jobs, t_bucket, WorkQueue(RATE_FANOUT_WORKER, N_FANOUT_BUFFER), n_servers=d.n_workers
        )
        dropped, backlog = fq.dropped, fq.backlog
    else:
        dropped, backlog = jobs * t_bucket, np.zeros_like(jobs)
    # the posts store: pulls spread over nodes and replicas; the hottest shard takes more
    n_copies = d.n_shards * (1 + d.n_replicas)
    survivors = d.n_shards * d.n_replicas if d.n_regions > 1 else 0
    cap = (n_copies - (n_copies - survivors) * down) * RATE_POSTS_NODE
    hot = 1.0 if d.n_cache_nodes > 0 else _timeline_load(20_000, w.zipf_s, d.n_shards).peak_to_mean
    p_pull_fail = np.clip(pulls * hot - cap, 0.0, None) / hot / np.maximum(pulls, 1e-12)
    failed = failed + np.where(pulls > 0, reads_ok * np.clip(p_pull_fail, 0.0, 1.0), 0.0)
    wfail = _writes_failing(down, t, t_bucket, drill, d.n_regions, d.n_replicas)
    failed = failed + posts * ok * wfail
    _, t_db = _pool(np.minimum(pulls, 0.98 * cap), n_copies, RATE_POSTS_NODE)
    # the p99 read: a miss pulls every followee; a hit pulls the uncached celebrities
    k_hit = 0.0 if d.n_cache_nodes > 0 and d.fanout != "read" else pulls_hit
    k99 = np.where(1 - p_hit >= 0.01, w.n_following, k_hit)
    t_pull = np.array([_p99_max_of(k, T_DB_READ) for k in k99]) + np.where(k99 > 0, t_db, 0.0)
    t_read = np.maximum(T_CACHE_HIT, t_pull)
    p99 = rtt99 + t_server + t_read
    lost = _lost_on_failover(posts, down, d.n_regions, d.n_replicas, d.sync_writes) + dropped
    return PracticeRun(
        t=t,
        t_bucket=t_bucket,
        rate_offered=rate,
        rate_failed=np.minimum(failed, rate),
        p99=p99,
        data_lost=lost,
        cost_per_hour=np.full(t.shape, d.cost_per_hour()),
        metrics={
            "p_hit": p_hit,
            "rate_pulls": pulls,
            "rate_fanout": jobs,
            "backlog": backlog,
            "rho_web": rho_web,
            "p_cache_full": p_cache_full,
        },
    )
