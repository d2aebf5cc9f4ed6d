from answers import CorrectAnswer, WrongAnswer

# Full marks: 11 autograded points (estimates 1 + 2, ids 1 + 2, design 1 + 4).
# An estimate figure outside the factor-1.5 band costs 0.5; the ids' hidden checks are worth 2
# together; a design's missed SLO costs 1.


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


def _ids(body, check="not 0 < p_collision < 1"):
    return (
        "import math\n\n"
        "def ids_before_collision(n_chars, p_collision=0.01):\n"
        f"    if {check}:\n"
        "        raise ValueError('p_collision must be in (0, 1)')\n"
        "    if n_chars < 1:\n"
        "        raise ValueError('n_chars must be at least 1')\n"
        "    big_n = 62.0 ** n_chars\n"
        f"    return {body}\n"
    )


_EXACT = "math.sqrt(2 * big_n * math.log(1 / (1 - p_collision)))"


def _design(args):
    return f"def my_shortener_design():\n    return ShortenerDesign({args})\n"


WRONG = {
    "shortener_estimates": [
        WrongAnswer(
            _shortener(copies=1),
            max_points=10.5,
            passes=("test_shortener_estimates_visible",),
            why="forgets the three copies: storage a factor of 3 too small",
        ),
        WrongAnswer(
            _shortener(bits=1),
            max_points=10.5,
            passes=("test_shortener_estimates_visible",),
            why="megabytes per second where megabits were asked: a factor of 8",
        ),
        WrongAnswer(
            _shortener(peak=1),
            max_points=10,
            passes=("test_shortener_estimates_visible",),
            why="clicks at the average, not the peak: the peak and the egress a factor 2 low",
        ),
        WrongAnswer(
            _shortener(day="3_600"),
            max_points=9.5,
            passes=("test_shortener_estimates_visible",),
            why="divides by the seconds of an hour: every rate 24 times too big",
        ),
    ],
    "ids_before_collision": [
        WrongAnswer(
            _ids("math.sqrt(2 * big_n * p_collision)"),
            max_points=9,
            passes=("test_ids_before_collision_visible",),
            why="the small-p shortcut ln(1/(1-p)) ~ p: 18 % too few ids at p = 0.5",
        ),
        WrongAnswer(
            _ids("math.sqrt(big_n * math.log(1 / (1 - p_collision)))"),
            max_points=9,
            passes=("test_ids_before_collision_visible",),
            why="drops the 2 of k^2/2N: a factor of 1.41 too few ids",
        ),
        WrongAnswer(
            _ids(_EXACT, check="p_collision >= 1"),
            max_points=9,
            passes=("test_ids_before_collision_visible",),
            why="accepts a chance of 0 or below (returns 0 ids or fails oddly) instead of raising",
        ),
        WrongAnswer(
            _ids("math.sqrt(2 * 36.0 ** n_chars * math.log(1 / (1 - p_collision)))"),
            max_points=8,
            passes=(),
            why="36 characters (digits and one case): the space and the ids far too small",
        ),
    ],
    "shortener_design": [
        WrongAnswer(
            _design(""),
            max_points=10,
            passes=("test_shortener_design_visible",),
            why="one region: losing the data centre is a half-hour outage",
        ),
        WrongAnswer(
            _design("n_regions=3, n_servers=10, t_dns_ttl=30, n_cache_nodes=2, redirect='301'"),
            max_points=10,
            passes=("test_shortener_design_visible",),
            why="a 301: browsers answer repeat clicks, millions of click records lost",
        ),
        WrongAnswer(
            _design("n_regions=3, n_servers=10, t_dns_ttl=30, n_cache_nodes=2, n_chars=5"),
            max_points=10,
            passes=("test_shortener_design_visible",),
            why="5-character random ids: 55 billion links fill the space, writes fail",
        ),
        WrongAnswer(
            _design(
                "n_regions=1, n_servers=80, n_cache_nodes=0, n_shards=1, n_replicas=0, "
                "redirect='301'"
            ),
            max_points=7,
            passes=("test_shortener_design_visible",),
            why="many servers, no cache, one partition, a 301: misses every SLO",
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
    "ids_before_collision": [
        CorrectAnswer(
            "import math\n\n"
            "def ids_before_collision(n_chars, p_collision=0.01):\n"
            "    if n_chars < 1 or p_collision <= 0 or p_collision >= 1:\n"
            "        raise ValueError(f'bad input: {n_chars}, {p_collision}')\n"
            "    # k(k - 1) = 2 N ln(1 / (1 - p)), solved exactly for k\n"
            "    c = 2 * 62**n_chars * -math.log1p(-p_collision)\n"
            "    return (1 + math.sqrt(1 + 4 * c)) / 2\n",
            why="keeps k(k - 1) and solves the quadratic; checks in another order",
        ),
        CorrectAnswer(
            "import math\n\n"
            "def ids_before_collision(n_chars, p_collision=0.01):\n"
            "    if not (0 < p_collision < 1) or n_chars < 1:\n"
            "        raise ValueError('p_collision in (0, 1) and n_chars >= 1, please')\n"
            "    space = float(62) ** n_chars\n"
            "    lo, hi = 0.0, space\n"
            "    for _ in range(200):  # bisection on the bound itself\n"
            "        mid = (lo + hi) / 2\n"
            "        if -math.expm1(-mid * mid / (2 * space)) < p_collision:\n"
            "            lo = mid\n"
            "        else:\n"
            "            hi = mid\n"
            "    return lo\n",
            why="finds k by bisection on 1 - exp(-k^2 / 2N) instead of inverting it",
        ),
    ],
    "shortener_design": [
        CorrectAnswer(
            _design(
                "n_regions=3, n_servers=10, t_dns_ttl=20, n_cache_nodes=2, n_shards=3, "
                "id_scheme='snowflake'"
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
}
