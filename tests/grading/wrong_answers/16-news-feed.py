from answers import CorrectAnswer, WrongAnswer

# Full marks: 11 autograded points (estimates 1 + 2, hybrid fan-out 1 + 2, design 1 + 4).
# An estimate figure outside the factor-1.5 band costs 0.5; the fan-out's hidden checks are
# worth 2 together; a design's missed SLO costs 1.


def _feed(peak_fanout=2, bytes_per_id=8, reads_peak=2):
    return (
        "def feed_estimates():\n"
        "    posts = 20e6 * 2 / 86_400\n"
        "    return {'rate_posts_peak': posts * 2,\n"
        f"            'rate_reads_peak': 20e6 * 20 / 86_400 * {reads_peak},\n"
        f"            'rate_fanout_peak': posts * {peak_fanout} * 200,\n"
        f"            'feed_cache_gb': 20e6 * 500 * {bytes_per_id} / 1e9}}\n"
    )


def _hybrid(
    weights="1.0 / ranks ** zipf_s",
    celeb="followers >= n_threshold",
    share="followers[celeb].sum() / followers.sum()",
):
    return (
        "import numpy as np\n\n"
        "def hybrid_fanout(n_users, n_following, zipf_s, n_threshold):\n"
        "    ranks = np.arange(1, n_users + 1, dtype=float)\n"
        f"    w = {weights}\n"
        "    followers = n_users * n_following * w / w.sum()\n"
        f"    celeb = {celeb}\n"
        f"    p = {share}\n"
        "    return n_following * (1 - p), n_following * p\n"
    )


def _design(args):
    return f"def my_feed_design():\n    return FeedDesign({args})\n"


WRONG = {
    "feed_estimates": [
        WrongAnswer(
            _feed(peak_fanout=1),
            max_points=10.5,
            passes=("test_feed_estimates_visible",),
            why="fan-out at the average posting rate, not the peak",
        ),
        WrongAnswer(
            _feed(bytes_per_id=1),
            max_points=10.5,
            passes=("test_feed_estimates_visible",),
            why="counts ids, not bytes: the cache a factor of 8 too small",
        ),
        WrongAnswer(
            _feed(reads_peak=1, peak_fanout=1),
            max_points=10,
            passes=("test_feed_estimates_visible",),
            why="reads and fan-out at the average: two figures a factor of 2 low",
        ),
    ],
    "hybrid_fanout": [
        WrongAnswer(
            _hybrid(share="celeb.sum() / n_users"),
            max_points=9,
            passes=("test_hybrid_fanout_visible",),
            why="the share of celebrity authors, not of follows: a handful of authors hold most",
        ),
        WrongAnswer(
            _hybrid(weights="1.0 / ranks"),
            max_points=9,
            passes=("test_hybrid_fanout_visible",),
            why="ignores zipf_s: always a Zipf skew of 1",
        ),
        WrongAnswer(
            _hybrid(celeb="followers > n_threshold"),
            max_points=9,
            passes=("test_hybrid_fanout_visible",),
            why="'more than' where the prompt says 'at least' the threshold",
        ),
        WrongAnswer(
            _hybrid(weights="ranks ** zipf_s"),
            max_points=8,
            passes=(),
            why="the weights upside down: the least popular author gets the most followers",
        ),
    ],
    "feed_design": [
        WrongAnswer(
            _design(""),
            max_points=10,
            passes=("test_feed_design_visible",),
            why="two regions and a 60 s TTL: the data-centre drill fails 1 % of requests",
        ),
        WrongAnswer(
            _design("n_regions=3, n_servers=8, t_dns_ttl=30, fanout='read'"),
            max_points=9,
            passes=("test_feed_design_visible",),
            why="fan-out on read: 200 timelines per read swamp the posts store",
        ),
        WrongAnswer(
            _design("n_regions=3, n_servers=8, t_dns_ttl=30, n_replicas=0"),
            max_points=10,
            passes=("test_feed_design_visible",),
            why="no replicas: losing the primaries' region stops every post and pull",
        ),
        WrongAnswer(
            _design("n_regions=1, n_servers=110, n_cache_nodes=0, n_workers=0, n_replicas=0"),
            max_points=7,
            passes=("test_feed_design_visible",),
            why="no cache, no fan-out workers, one region, many servers: misses every SLO",
        ),
    ],
}


RIGHT = {
    "feed_estimates": [
        CorrectAnswer(
            "def feed_estimates():\n"
            "    day = 1e5  # about 86,400 s\n"
            "    posts_peak = 2 * 20e6 * 2 / day\n"
            "    return {'rate_posts_peak': posts_peak, 'rate_reads_peak': 2 * 20e6 * 20 / day,\n"
            "            'rate_fanout_peak': 200 * posts_peak, 'feed_cache_gb': 80.0}\n",
            why="a day of 10^5 seconds and the cache size worked out by hand",
        ),
        CorrectAnswer(
            "import math\n\n"
            "def feed_estimates():\n"
            "    users, per_day = 20e6, 86_400\n"
            "    out = {}\n"
            "    out['rate_reads_peak'] = users * 20 / per_day * 2\n"
            "    out['rate_posts_peak'] = out['rate_reads_peak'] / 10\n"
            "    out['rate_fanout_peak'] = math.prod((out['rate_posts_peak'], 200))\n"
            "    out['feed_cache_gb'] = users * 4_000 / 1e9\n"
            "    return out\n",
            why="posts as a tenth of reads, 4,000 bytes per feed, keys in another order",
        ),
    ],
    "hybrid_fanout": [
        CorrectAnswer(
            "from scalelab.sharding import zipf_weights\n\n"
            "def hybrid_fanout(n_users, n_following, zipf_s, n_threshold):\n"
            "    expected = n_users * n_following * zipf_weights(n_users, zipf_s)\n"
            "    pulled = expected[expected >= n_threshold].sum()\n"
            "    pushed = expected[expected < n_threshold].sum()\n"
            "    # every follow is one follower: inserts per post = pushed follows / authors\n"
            "    return [pushed / n_users, pulled / n_users]\n",
            why="the chapter 13 Zipf weights, follows counted on each side, a list",
        ),
        CorrectAnswer(
            "def hybrid_fanout(n_users, n_following, zipf_s, n_threshold):\n"
            "    weights = [1 / (i + 1) ** zipf_s for i in range(n_users)]\n"
            "    total = sum(weights)\n"
            "    celebrity_share = 0.0\n"
            "    for w in weights:\n"
            "        if n_users * n_following * w / total >= n_threshold:\n"
            "            celebrity_share += w / total\n"
            "    return (n_following - n_following * celebrity_share,\n"
            "            n_following * celebrity_share)\n",
            why="plain Python loops, the celebrities' share of the weight added up one by one",
        ),
    ],
    "feed_design": [
        CorrectAnswer(
            _design("fanout='write', n_regions=3, n_servers=10, t_dns_ttl=30, n_workers=24"),
            why="pure fan-out on write with enough workers for the celebrities' posts",
        ),
        CorrectAnswer(
            _design("n_regions=3, n_servers=9, t_dns_ttl=20, n_threshold=5e5"),
            why="a lower celebrity threshold, a 20 s TTL, one more server per region",
        ),
    ],
}
