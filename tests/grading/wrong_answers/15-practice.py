from answers import CorrectAnswer, WrongAnswer

# Full marks: 24 autograded points (three estimates of 1 + 2, three designs of 1 + 4).
# An estimate figure outside the factor-1.5 band costs 0.5; a design's missed SLO costs 1.


def _shortener(day="86_400", copies=3, bits=8, peak=2):
    return (
        "def shortener_estimates():\n"
        f"    writes = 30e6 / {day}\n"
        f"    clicks_peak = writes * 40 * {peak}\n"
        f"    storage = 30e6 * 365 * 5 * 500 * {copies}\n"
        "    return {'rate_writes': writes, 'rate_clicks_peak': clicks_peak,\n"
        "            'storage_tb': storage / 1e12,\n"
        f"            'egress_peak_mbps': clicks_peak * 500 * {bits} / 1e6}}\n"
    )


def _feed(peak_fanout=2, bytes_per_id=8, reads_peak=2):
    return (
        "def feed_estimates():\n"
        "    posts = 20e6 * 2 / 86_400\n"
        "    return {'rate_posts_peak': posts * 2,\n"
        f"            'rate_reads_peak': 20e6 * 20 / 86_400 * {reads_peak},\n"
        f"            'rate_fanout_peak': posts * {peak_fanout} * 200,\n"
        f"            'feed_cache_gb': 20e6 * 500 * {bytes_per_id} / 1e9}}\n"
    )


def _chat(online=0.10, per_s=30):
    return (
        "def chat_estimates():\n"
        f"    connections = 20e6 * {online}\n"
        "    return {'n_connections_peak': connections, 'n_servers': connections / 50_000,\n"
        "            'rate_messages_peak': 20e6 * 40 / 86_400 * 2,\n"
        f"            'rate_heartbeats': connections / {per_s}}}\n"
    )


def _design(name, cls, args):
    return f"def {name}():\n    return {cls}({args})\n"


WRONG = {
    "shortener_estimates": [
        WrongAnswer(
            _shortener(copies=1),
            max_points=23.5,
            passes=("test_shortener_estimates_visible",),
            why="forgets the three copies: storage a factor of 3 too small",
        ),
        WrongAnswer(
            _shortener(bits=1),
            max_points=23.5,
            passes=("test_shortener_estimates_visible",),
            why="megabytes per second where megabits were asked: a factor of 8",
        ),
        WrongAnswer(
            _shortener(peak=1),
            max_points=23,
            passes=("test_shortener_estimates_visible",),
            why="clicks at the average, not the peak: the peak and the egress a factor 2 low",
        ),
        WrongAnswer(
            _shortener(day="3_600"),
            max_points=22.5,
            passes=("test_shortener_estimates_visible",),
            why="divides by the seconds of an hour: every rate 24 times too big",
        ),
    ],
    "shortener_design": [
        WrongAnswer(
            _design("my_shortener_design", "ShortenerDesign", ""),
            max_points=23,
            passes=("test_shortener_design_visible",),
            why="one region: losing the data centre is a half-hour outage",
        ),
        WrongAnswer(
            _design(
                "my_shortener_design",
                "ShortenerDesign",
                "n_regions=3, n_servers=10, t_dns_ttl=30, n_cache_nodes=2, redirect='301'",
            ),
            max_points=23,
            passes=("test_shortener_design_visible",),
            why="a 301: browsers answer repeat clicks, millions of click records lost",
        ),
        WrongAnswer(
            _design(
                "my_shortener_design",
                "ShortenerDesign",
                "n_regions=3, n_servers=10, t_dns_ttl=30, n_cache_nodes=2, n_chars=5",
            ),
            max_points=23,
            passes=("test_shortener_design_visible",),
            why="5-character random ids: 55 billion links fill the space, writes fail",
        ),
        WrongAnswer(
            _design(
                "my_shortener_design",
                "ShortenerDesign",
                "n_regions=1, n_servers=80, n_cache_nodes=0, n_shards=1, n_replicas=0, "
                "redirect='301'",
            ),
            max_points=20,
            passes=("test_shortener_design_visible",),
            why="many servers, no cache, one partition, a 301: misses every SLO",
        ),
    ],
    "feed_estimates": [
        WrongAnswer(
            _feed(peak_fanout=1),
            max_points=23.5,
            passes=("test_feed_estimates_visible",),
            why="fan-out at the average posting rate, not the peak",
        ),
        WrongAnswer(
            _feed(bytes_per_id=1),
            max_points=23.5,
            passes=("test_feed_estimates_visible",),
            why="counts ids, not bytes: the cache a factor of 8 too small",
        ),
        WrongAnswer(
            _feed(reads_peak=1, peak_fanout=1),
            max_points=23,
            passes=("test_feed_estimates_visible",),
            why="reads and fan-out at the average: two figures a factor of 2 low",
        ),
    ],
    "feed_design": [
        WrongAnswer(
            _design("my_feed_design", "FeedDesign", ""),
            max_points=23,
            passes=("test_feed_design_visible",),
            why="two regions and a 60 s TTL: the data-centre drill fails 1 % of requests",
        ),
        WrongAnswer(
            _design(
                "my_feed_design",
                "FeedDesign",
                "n_regions=3, n_servers=8, t_dns_ttl=30, fanout='read'",
            ),
            max_points=22,
            passes=("test_feed_design_visible",),
            why="fan-out on read: 200 timelines per read swamp the posts store",
        ),
        WrongAnswer(
            _design(
                "my_feed_design",
                "FeedDesign",
                "n_regions=3, n_servers=8, t_dns_ttl=30, n_replicas=0",
            ),
            max_points=23,
            passes=("test_feed_design_visible",),
            why="no replicas: losing the primaries' region stops every post and pull",
        ),
        WrongAnswer(
            _design(
                "my_feed_design",
                "FeedDesign",
                "n_regions=1, n_servers=110, n_cache_nodes=0, n_workers=0, n_replicas=0",
            ),
            max_points=20,
            passes=("test_feed_design_visible",),
            why="no cache, no fan-out workers, one region, many servers: misses every SLO",
        ),
    ],
    "chat_estimates": [
        WrongAnswer(
            _chat(online=1.0),
            max_points=22.5,
            passes=("test_chat_estimates_visible",),
            why="every daily user connected at once: connections, servers and pings 10x",
        ),
        WrongAnswer(
            _chat(per_s=0.5),
            max_points=23.5,
            passes=("test_chat_estimates_visible",),
            why="heartbeats per minute mixed with seconds: a factor of 60",
        ),
    ],
    "chat_design": [
        WrongAnswer(
            _design("my_chat_design", "ChatDesign", ""),
            max_points=22,
            passes=("test_chat_design_visible",),
            why="inboxes in memory and two regions: messages lost and the failover too slow",
        ),
        WrongAnswer(
            _design(
                "my_chat_design",
                "ChatDesign",
                "n_regions=3, n_servers=30, t_dns_ttl=30, lb_policy='least_connections'",
            ),
            max_points=23,
            passes=("test_chat_design_visible",),
            why="inboxes in memory: a restarted server loses its users' waiting messages",
        ),
        WrongAnswer(
            _design(
                "my_chat_design",
                "ChatDesign",
                "n_regions=3, n_servers=30, t_dns_ttl=30, lb_policy='least_connections', "
                "inbox='store', n_partitions=4",
            ),
            max_points=23,
            passes=("test_chat_design_visible",),
            why="4 partitions: the spike backs the queue up and delivery takes minutes",
        ),
        WrongAnswer(
            _design("my_chat_design", "ChatDesign", "n_regions=1, n_servers=160, n_partitions=1"),
            max_points=20,
            passes=("test_chat_design_visible",),
            why="one region, one partition, inboxes in memory, many servers: misses every SLO",
        ),
    ],
}


RIGHT = {
    "shortener_estimates": [
        CorrectAnswer(
            "from collections import defaultdict\n\n"
            "def shortener_estimates():\n"
            "    out = defaultdict(float)\n"
            "    out['rate_writes'] = 30e6 / (24 * 60 * 60)\n"
            "    out['rate_clicks_peak'] = 2 * 40 * out['rate_writes']\n"
            "    out['storage_tb'] = 3 * 500 * 30e6 * 365.25 * 5 / 1e12\n"
            "    out['egress_peak_mbps'] = out['rate_clicks_peak'] * 4_000 / 1e6\n"
            "    return out\n",
            why="exact seconds in a day, 365.25-day years, bits per response, a defaultdict",
        ),
        CorrectAnswer(
            "def shortener_estimates():\n"
            "    keys = ('rate_writes', 'rate_clicks_peak', 'storage_tb', 'egress_peak_mbps')\n"
            "    return dict(zip(keys, (350, 28_000, 80, 110)))\n",
            why="rounded figures worked out by hand, built with dict(zip(...))",
        ),
    ],
    "shortener_design": [
        CorrectAnswer(
            _design(
                "my_shortener_design",
                "ShortenerDesign",
                "n_regions=3, n_servers=10, t_dns_ttl=20, n_cache_nodes=2, n_shards=3, "
                "id_scheme='snowflake'",
            ),
            why="Snowflake ids (no lookup per write), a 20 s TTL, three partitions",
        ),
        CorrectAnswer(
            "import dataclasses\n\n"
            "def my_shortener_design():\n"
            "    return dataclasses.replace(ShortenerDesign(), n_regions=3, n_servers=11,\n"
            "                               t_dns_ttl=20, n_cache_nodes=2)\n",
            why="built with dataclasses.replace from the starter, one more server per region",
        ),
    ],
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
    "feed_design": [
        CorrectAnswer(
            _design(
                "my_feed_design",
                "FeedDesign",
                "fanout='write', n_regions=3, n_servers=10, t_dns_ttl=30, n_workers=24",
            ),
            why="pure fan-out on write with enough workers for the celebrities' posts",
        ),
        CorrectAnswer(
            _design(
                "my_feed_design",
                "FeedDesign",
                "n_regions=3, n_servers=9, t_dns_ttl=20, n_threshold=5e5",
            ),
            why="a lower celebrity threshold, a 20 s TTL, one more server per region",
        ),
    ],
    "chat_estimates": [
        CorrectAnswer(
            "import math\n\n"
            "def chat_estimates():\n"
            "    online = 20_000_000 // 10\n"
            "    return {'n_connections_peak': online,\n"
            "            'n_servers': math.ceil(online / 50_000),\n"
            "            'rate_messages_peak': 2 * 20e6 * 40 / 1e5,\n"
            "            'rate_heartbeats': online / 30.0}\n",
            why="whole numbers for the counts, a day of 10^5 seconds",
        ),
        CorrectAnswer(
            "def chat_estimates():\n"
            "    figures = [('n_connections_peak', 2e6), ('n_servers', 40),\n"
            "               ('rate_messages_peak', 18_500), ('rate_heartbeats', 2e6 / 30)]\n"
            "    return dict(figures)\n",
            why="rounded figures as a list of pairs turned into a dict",
        ),
    ],
    "chat_design": [
        CorrectAnswer(
            _design(
                "my_chat_design",
                "ChatDesign",
                "n_regions=3, n_servers=32, t_dns_ttl=20, lb_policy='least_connections', "
                "inbox='store', sync_writes=True",
            ),
            why="synchronous inbox writes: nothing lost at failover, for a little latency",
        ),
        CorrectAnswer(
            _design(
                "my_chat_design",
                "ChatDesign",
                "n_regions=3, n_servers=34, t_dns_ttl=30, inbox='store', n_shards=3, n_replicas=2",
            ),
            why="round robin with more headroom, a smaller store with two replicas",
        ),
    ],
}
