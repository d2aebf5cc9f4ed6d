from answers import WrongAnswer

# Full marks: 13 autograded points (estimates 1 + 3, budget 1 + 1, design 1 + 4, alert 1 + 1).


def _estimates(avg="20e6 * 30 / 86_400", copies=3, bits=8, peak=2):
    return (
        "def my_estimates():\n"
        f"    avg = {avg}\n"
        f"    storage = avg * 0.05 * 86_400 * 500e3 * 365 * 10 * {copies}\n"
        f"    egress = avg * 0.95 * 100e3 * {peak} * {bits}\n"
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
            max_points=9,
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
            "    return (1 - availability_target) * days * 24\n",
            max_points=11,
            why="hours, not minutes",
        ),
    ],
    "design": [
        WrongAnswer(
            "def my_design():\n    return Design(n_servers=40, dns_ttl=30)\n",
            max_points=12,
            passes=("test_design_visible",),
            why="meets latency, availability and data but 40 servers per DC break the budget",
        ),
        WrongAnswer(
            "def my_design():\n    return Design(n_servers=24, dns_ttl=30, n_replicas=0)\n",
            max_points=12,
            passes=("test_design_visible",),
            why="no replicas: a master failure loses every write since the nightly backup",
        ),
        WrongAnswer(
            "def my_design():\n    return Design()\n",
            max_points=11,
            passes=("test_design_visible",),
            why="the default design: too few servers to carry a lost data centre",
        ),
        WrongAnswer(
            "def my_design():\n"
            "    return Design(regions=('na-east',), n_servers=8, cdn=False, n_cache_nodes=0,\n"
            "                  n_replicas=0, n_shards=64, n_workers=200)\n",
            max_points=9,
            passes=("test_design_visible",),
            why="one small data centre, no cache, no replica, many shards: misses every SLO",
        ),
    ],
    "alert": [
        WrongAnswer(
            "def should_page(metrics):\n    return np.asarray(metrics['p99_s']) > 0.3\n",
            max_points=12.8,
            passes=("test_alert_visible",),
            why="pages on latency only: misses incidents that fail requests without slowing "
            "the successful ones (the CDN down)",
        ),
        WrongAnswer(
            "def should_page(metrics):\n    return np.asarray(metrics['rho_web']) > 0.8\n",
            max_points=12.4,
            passes=("test_alert_visible",),
            why="alerts on a cause (busy servers), not on a symptom users feel",
        ),
        WrongAnswer(
            "def should_page(metrics):\n    return np.asarray(metrics['error_rate']) > 0\n",
            max_points=12,
            why="pages on any error at all: a false alarm every evening",
        ),
    ],
}
