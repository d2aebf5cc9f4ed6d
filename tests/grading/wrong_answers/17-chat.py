from answers import CorrectAnswer, WrongAnswer

# Full marks: 11 autograded points (estimates 1 + 2, connection servers 1 + 2, design 1 + 4).
# An estimate figure outside the factor-1.5 band costs 0.5; the fleet's hidden checks are worth
# 2 together; a design's missed SLO costs 1.


def _chat(online=0.10, per_s=30):
    return (
        "def chat_estimates():\n"
        f"    connections = 20e6 * {online}\n"
        "    return {'n_connections_peak': connections, 'n_servers': connections / 50_000,\n"
        "            'rate_messages_peak': 20e6 * 40 / 86_400 * 2,\n"
        f"            'rate_heartbeats': connections / {per_s}}}\n"
    )


def _servers(traffic="2 * rate_messages + n_connections / t_heartbeat", low="1", up="math.ceil"):
    return (
        "import math\n\n"
        "def connection_servers(n_connections, rate_messages, t_heartbeat):\n"
        f"    by_connections = {up}(n_connections / 50_000)\n"
        f"    by_traffic = {up}(({traffic}) / 20_000)\n"
        f"    return int(max({low}, by_connections, by_traffic))\n"
    )


def _design(args):
    return f"def my_chat_design():\n    return ChatDesign({args})\n"


WRONG = {
    "chat_estimates": [
        WrongAnswer(
            _chat(online=1.0),
            max_points=9.5,
            passes=("test_chat_estimates_visible",),
            why="every daily user connected at once: connections, servers and pings 10x",
        ),
        WrongAnswer(
            _chat(per_s=0.5),
            max_points=10.5,
            passes=("test_chat_estimates_visible",),
            why="heartbeats per minute mixed with seconds: a factor of 60",
        ),
    ],
    "connection_servers": [
        WrongAnswer(
            _servers(traffic="0"),
            max_points=9,
            passes=("test_connection_servers_visible",),
            why="counts connections only: a fleet with fast heartbeats or busy chats overloads",
        ),
        WrongAnswer(
            _servers(traffic="rate_messages + n_connections / t_heartbeat"),
            max_points=9,
            passes=("test_connection_servers_visible",),
            why="a message counted once, though it passes the sender's and the recipient's server",
        ),
        WrongAnswer(
            _servers(up="round"),
            max_points=9,
            passes=("test_connection_servers_visible",),
            why="rounds to the nearest server: 40.2 servers' load on 40",
        ),
        WrongAnswer(
            _servers(low="0"),
            max_points=9,
            passes=("test_connection_servers_visible",),
            why="no server at all when nobody is connected, against the prompt's rule",
        ),
    ],
    "chat_design": [
        WrongAnswer(
            _design(""),
            max_points=9,
            passes=("test_chat_design_visible",),
            why="inboxes in memory and two regions: messages lost and the failover too slow",
        ),
        WrongAnswer(
            _design("n_regions=3, n_servers=30, t_dns_ttl=30, lb_policy='least_connections'"),
            max_points=10,
            passes=("test_chat_design_visible",),
            why="inboxes in memory: a restarted server loses its users' waiting messages",
        ),
        WrongAnswer(
            _design(
                "n_regions=3, n_servers=30, t_dns_ttl=30, lb_policy='least_connections', "
                "inbox='store', n_partitions=4"
            ),
            max_points=10,
            passes=("test_chat_design_visible",),
            why="4 partitions: the spike backs the queue up and delivery takes minutes",
        ),
        WrongAnswer(
            _design("n_regions=1, n_servers=160, n_partitions=1"),
            max_points=7,
            passes=("test_chat_design_visible",),
            why="one region, one partition, inboxes in memory, many servers: misses every SLO",
        ),
    ],
}


RIGHT = {
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
    "connection_servers": [
        CorrectAnswer(
            "def connection_servers(n_connections, rate_messages, t_heartbeat):\n"
            "    n = 1\n"
            "    load = 2 * rate_messages + n_connections / t_heartbeat\n"
            "    while n_connections / n > 50_000 or load / n > 20_000:\n"
            "        n += 1\n"
            "    return n\n",
            why="counts servers up until both limits hold, instead of dividing",
        ),
        CorrectAnswer(
            "import numpy as np\n\n"
            "def connection_servers(n_connections, rate_messages, t_heartbeat):\n"
            "    beats = n_connections / t_heartbeat\n"
            "    needs = np.ceil([n_connections / 50_000, (2 * rate_messages + beats) / 20_000])\n"
            "    return max(1, int(needs.max()))\n",
            why="numpy's ceil over both limits at once, heartbeats computed first",
        ),
    ],
    "chat_design": [
        CorrectAnswer(
            _design(
                "n_regions=3, n_servers=32, t_dns_ttl=20, lb_policy='least_connections', "
                "inbox='store', sync_writes=True"
            ),
            why="synchronous inbox writes: nothing lost at failover, for a little latency",
        ),
        CorrectAnswer(
            _design(
                "n_regions=3, n_servers=34, t_dns_ttl=30, inbox='store', n_shards=3, n_replicas=2"
            ),
            why="round robin with more headroom, a smaller store with two replicas",
        ),
    ],
}
