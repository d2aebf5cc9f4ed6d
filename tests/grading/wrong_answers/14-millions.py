from answers import CorrectAnswer, WrongAnswer

# Full marks: 13 autograded points (estimates 1 + 3, budget 1 + 1, design 1 + 4, alert 1 + 1).


def _estimates(avg="20e6 * 30 / 86_400", copies=3, bits=8, peak=2, egress_peak=None):
    return (
        "def my_estimates():\n"
        f"    avg = {avg}\n"
        f"    storage = avg * 0.05 * 86_400 * 500e3 * 365 * 10 * {copies}\n"
        f"    egress = avg * 0.95 * 100e3 * {peak if egress_peak is None else egress_peak} * {bits}\n"
        "    return {'rate_mean': avg, 'rate_peak': "
        f"{peak} * avg, 'storage_pb': storage / 1e15,\n"
        "            'peak_egress_gbps': egress / 1e9}\n"
    )


WRONG = {
    "estimates": [
        WrongAnswer(
            _estimates(copies=1),
            max_points=12.25,
            passes=("test_estimates_visible",),
            why="forgets the three copies: storage a factor of 3 too small",
        ),
        WrongAnswer(
            _estimates(bits=1),
            max_points=12.25,
            passes=("test_estimates_visible",),
            why="gigabytes per second where gigabits were asked: a factor of 8",
        ),
        WrongAnswer(
            _estimates(egress_peak=1),
            max_points=12.25,
            passes=("test_estimates_visible",),
            why="the egress at the average, not at the peak: a forgotten factor of 2, outside "
            "the factor-1.5 band",
        ),
        WrongAnswer(
            "from scalelab.estimate import Product, estimate_product\n\n"
            "def my_estimates():\n"
            "    e = estimate_product(Product(20e6, 30, 0.05, 500, 100, 10, 3, 2.0))\n"
            "    return {'rate_mean': e.rate_mean, 'rate_peak': e.rate_peak,\n"
            "            'storage_pb': e.storage_bytes / 1e15,\n"
            "            'peak_egress_gbps': e.rate_bytes_egress_peak * 8 / 1e9}\n",
            max_points=10,
            passes=("test_estimates_visible",),
            why="calls the library's estimate_product, which the exercise switches off",
        ),
        WrongAnswer(
            _estimates(avg="20e6 * 30 / 3_600"),
            max_points=10,
            passes=("test_estimates_visible",),
            why="divides by the seconds of an hour, not of a day: everything 24 times too big",
        ),
    ],
    "budget": [
        WrongAnswer(
            "def budget_minutes(availability_target, days=30):\n"
            "    if not 0 <= availability_target <= 1 or days < 0:\n"
            "        raise ValueError('bad input')\n"
            "    return (1 - availability_target) * 30 * 24 * 60\n",
            max_points=12,
            passes=("test_budget_visible",),
            why="always a 30-day window, whatever days says",
        ),
        WrongAnswer(
            "def budget_minutes(availability_target, days=30):\n"
            "    return (1 - availability_target) * days * 24 * 60\n",
            max_points=12,
            passes=("test_budget_visible",),
            why="no input checks: a target of 150 % is accepted",
        ),
        WrongAnswer(
            "def budget_minutes(availability_target, days=30):\n"
            "    if not 0 < availability_target <= 1 or days <= 0:\n"
            "        raise ValueError('bad input')\n"
            "    return (1 - availability_target) * days * 24 * 60\n",
            max_points=12,
            passes=("test_budget_visible",),
            why="refuses an empty window (days = 0) and a target of 0, which the prompt allows",
        ),
        WrongAnswer(
            "def budget_minutes(availability_target, days=30):\n"
            "    return (1 - availability_target) * days * 24\n",
            max_points=11,
            why="hours, not minutes",
        ),
    ],
    "design": [
        WrongAnswer(
            "def my_design():\n    return shop_design(n_servers=96, n_workers=50)\n",
            max_points=12,
            passes=("test_design_visible",),
            why="meets latency, availability and data but twice the servers it needs (96 per "
            "DC, about $468/h) break the $450/h budget",
        ),
        WrongAnswer(
            "def my_design():\n    return shop_design(n_servers=48, n_workers=50, n_replicas=0)\n",
            max_points=10,
            passes=("test_design_visible",),
            why="no replicas: a master failure loses every write since the nightly backup, and "
            "the primaries alone cannot take the reads the cache misses",
        ),
        WrongAnswer(
            "def my_design():\n    return shop_design()\n",
            max_points=11,
            passes=("test_design_visible",),
            why="the design as built: 26 servers per DC, too few to carry a lost data centre at "
            "the spike",
        ),
        WrongAnswer(
            "def my_design():\n    return shop_design(n_servers=48)\n",
            max_points=12,
            passes=("test_design_visible",),
            why="enough servers but the stage's 42 workers: the spike's jobs overflow the queue "
            "and are dropped",
        ),
        WrongAnswer(
            "def my_design():\n    return Design(n_servers=4, rate_server=100_000)\n",
            max_points=8,
            why="buys faster hardware than exists: rate_server is the product's, not a design "
            "choice",
        ),
        WrongAnswer(
            "def my_design():\n    return Design(n_servers=48, n_workers=50)\n",
            max_points=8,
            why="the course's generic Design(): 250 requests/s servers, not the product's "
            "m7i.xlarge at 400",
        ),
        WrongAnswer(
            "def my_design():\n"
            "    return shop_design(regions=('na-east',), n_servers=8, cdn=False,\n"
            "                       n_cache_nodes=0, n_replicas=0, n_shards=64, n_workers=200)\n",
            max_points=10,
            passes=("test_design_visible",),
            why="one small data centre, no cache, no replica, many shards: misses every SLO "
            "but cost",
        ),
    ],
    "alert": [
        WrongAnswer(
            "def should_page(metrics):\n    return np.asarray(metrics['p99_s']) > 0.3\n",
            max_points=11.6,
            why="pages on latency only: misses incidents that fail requests without slowing "
            "the successful ones past 300 ms (the lost data centre of the visible check, the CDN "
            "down, the only cache node with a small database)",
        ),
        WrongAnswer(
            "def should_page(metrics):\n    return np.asarray(metrics['rho_web']) > 0.8\n",
            max_points=12.6,
            passes=("test_alert_visible",),
            why="alerts on a cause (busy servers), not on a symptom users feel: pages on both "
            "busy but healthy evenings",
        ),
        WrongAnswer(
            "def should_page(metrics):\n    return np.asarray(metrics['error_rate']) > 0\n",
            max_points=11.6,
            why="pages on any error at all: a false alarm on quiet and busy evenings",
        ),
    ],
}


RIGHT = {
    "estimates": [
        CorrectAnswer(
            "from collections import defaultdict\n\n"
            "def my_estimates():\n"
            "    out = defaultdict(float)\n"
            "    per_day = 20e6 * 30\n"
            "    out['rate_mean'] = per_day / 86_400\n"
            "    out['rate_peak'] = out['rate_mean'] * 2\n"
            "    bytes_per_day = per_day * 0.05 * 500e3\n"
            "    out['storage_pb'] = bytes_per_day * 3_650 * 3 / 1e15\n"
            "    out['peak_egress_gbps'] = out['rate_peak'] * 0.95 * 100e3 * 8 / 1e9\n"
            "    return out\n",
            why="exact seconds in a day, a defaultdict (a mapping, as the prompt allows), "
            "storage from bytes per day",
        ),
        CorrectAnswer(
            "def my_estimates():\n"
            "    keys = ('rate_mean', 'rate_peak', 'storage_pb', 'peak_egress_gbps')\n"
            "    mean = 7_000  # 6e8 requests a day over ~86,400 s, rounded\n"
            "    photos_a_year = 20e6 * 30 * 0.05 * 365\n"
            "    values = (mean, 2 * mean, photos_a_year * 10 * 0.5e6 * 3 / 1e15,\n"
            "              2 * mean * 0.95 * 0.1e6 * 8 / 1e9)\n"
            "    return dict(zip(keys, values))\n",
            why="a rounded mean and photos per year, built with dict(zip(...))",
        ),
    ],
    "budget": [
        CorrectAnswer(
            "from datetime import timedelta\n\n"
            "def budget_minutes(availability_target, days=30):\n"
            "    if days < 0:\n"
            "        raise ValueError('days must be >= 0')\n"
            "    if availability_target < 0 or availability_target > 1:\n"
            "        raise ValueError('availability_target must be in [0, 1]')\n"
            "    window = timedelta(days=days).total_seconds() / 60\n"
            "    return window * (1 - availability_target)\n",
            why="the window from a timedelta, the checks in the other order",
        ),
        CorrectAnswer(
            "def budget_minutes(availability_target, days=30):\n"
            "    ok = 0.0 <= availability_target <= 1.0 and days >= 0\n"
            "    if not ok:\n"
            "        raise ValueError(f'bad input: {availability_target}, {days}')\n"
            "    minutes = days * 1_440\n"
            "    return minutes - availability_target * minutes\n",
            why="one combined check; the allowed minutes as total minus available minutes",
        ),
    ],
    "design": [
        CorrectAnswer(
            "import dataclasses\n\n"
            "def my_design():\n"
            "    return dataclasses.replace(shop_design(), n_servers=50, dns_ttl=20, n_workers=60)\n",
            why="two more servers, more workers and a 20 s TTL, built with dataclasses.replace",
        ),
        CorrectAnswer(
            "def my_design():\n"
            "    choice = {'n_servers': 48, 'n_workers': 50, 'n_replicas': 3}\n"
            "    return shop_design(**choice)\n",
            why="three replicas per shard are enough for the data-loss SLO here",
        ),
    ],
    "alert": [
        CorrectAnswer(
            "def should_page(metrics):\n"
            "    return [float(e) > 14.4 * 0.001 for e in metrics['error_rate']]\n",
            why="the same burn-rate rule as a list of booleans",
        ),
        CorrectAnswer(
            "def should_page(metrics):\n"
            "    burn = np.asarray(metrics['error_rate'], dtype=float) / (1 - 0.999)\n"
            "    return np.where(burn > 10.0, True, False)\n",
            why="the burn rate written out, paging at ten times the budget's pace",
        ),
    ],
}
