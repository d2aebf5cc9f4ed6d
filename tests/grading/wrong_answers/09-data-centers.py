from answers import WrongAnswer

# Full marks: 12 autograded points (4 exercises × (1 visible + 2 hidden)).
WRONG = {
    "nearest_healthy_dc": [
        WrongAnswer(
            "def nearest_healthy_dc(t_rtt, up):\n"
            "    if any(len(row) != len(up) for row in t_rtt):\n"
            "        raise ValueError('up must have one entry per data centre')\n"
            "    return [min((rtt, d) for d, rtt in enumerate(row) if up[d])[1] for row in t_rtt]\n",
            max_points=10,
            passes=("test_nearest_healthy_dc_visible",),
            why="forgets the case where every DC is down (min of an empty sequence)",
        ),
        WrongAnswer(
            "def nearest_healthy_dc(t_rtt, up):\n"
            "    if any(len(row) != len(up) for row in t_rtt):\n"
            "        raise ValueError('up must have one entry per data centre')\n"
            "    out = []\n"
            "    for row in t_rtt:\n"
            "        best = -1\n"
            "        for d, rtt in enumerate(row):\n"
            "            if up[d] and (best < 0 or rtt <= row[best]):\n"
            "                best = d\n"
            "        out.append(best)\n"
            "    return out\n",
            max_points=10,
            passes=("test_nearest_healthy_dc_visible",),
            why="breaks ties towards the higher index (<= instead of <)",
        ),
        WrongAnswer(
            "from scalelab.geo import nearest_healthy\n\n"
            "def nearest_healthy_dc(t_rtt, up):\n"
            "    return [int(x) for x in nearest_healthy(t_rtt, up)]\n",
            max_points=10,
            passes=("test_nearest_healthy_dc_visible",),
            why="calls the library's router, which the exercise asks the learner to write",
        ),
        WrongAnswer(
            "def nearest_healthy_dc(t_rtt, up):\n"
            "    return [min(range(len(row)), key=lambda d: row[d]) for row in t_rtt]\n",
            max_points=10,
            why="ignores health: sends users to a dead data centre",
        ),
    ],
    "capacity_one_loss": [
        WrongAnswer(
            "def capacity_for_any_one_loss(rate_demand, t_rtt):\n"
            "    n_dcs = len(t_rtt[0])\n"
            "    if n_dcs < 2:\n"
            "        raise ValueError('need two DCs')\n"
            "    normal = dc_load(rate_demand, nearest_healthy(t_rtt, [True] * n_dcs), n_dcs)\n"
            "    a, b = sorted(normal)[-2:]\n"
            "    return float(a + b)\n",
            max_points=10,
            passes=("test_capacity_one_loss_visible",),
            why="assumes the biggest DC's users all land on the next biggest: an over-estimate "
            "when a lost DC's regions split between neighbours",
        ),
        WrongAnswer(
            "from scalelab.geo import capacity_for_one_loss\n\n"
            "def capacity_for_any_one_loss(rate_demand, t_rtt):\n"
            "    return capacity_for_one_loss(rate_demand, t_rtt)\n",
            max_points=10,
            passes=("test_capacity_one_loss_visible",),
            why="calls the library's own answer, switched off during the hidden checks",
        ),
        WrongAnswer(
            "def capacity_for_any_one_loss(rate_demand, t_rtt):\n"
            "    n_dcs = len(t_rtt[0])\n"
            "    if n_dcs < 2:\n"
            "        raise ValueError('need two DCs')\n"
            "    return float(sum(rate_demand) / (n_dcs - 1))\n",
            max_points=10,
            why="spreads the total evenly over the survivors, as if GeoDNS balanced load",
        ),
    ],
    "requests_failed": [
        WrongAnswer(
            "def requests_failed(rate, t_fail, t_check, n_fail, t_ttl):\n"
            "    if rate < 0 or t_fail < 0 or t_ttl < 0 or t_check <= 0 or n_fail < 1:\n"
            "        raise ValueError('bad input')\n"
            "    return float(rate * ((n_fail - 0.5) * t_check + t_ttl / 2))\n",
            max_points=10,
            passes=("test_requests_failed_visible",),
            why="uses the average detection delay instead of the probe times",
        ),
        WrongAnswer(
            "def requests_failed(rate, t_fail, t_check, n_fail, t_ttl):\n"
            "    if rate < 0 or t_fail < 0 or t_ttl < 0 or t_check <= 0 or n_fail < 1:\n"
            "        raise ValueError('bad input')\n"
            "    first = (t_fail // t_check + 1) * t_check\n"
            "    return float(rate * (first + (n_fail - 1) * t_check - t_fail + t_ttl / 2))\n",
            max_points=10,
            passes=("test_requests_failed_visible",),
            why="a probe at the very moment of the failure is taken not to see it",
        ),
        WrongAnswer(
            "from scalelab.geo import expected_failed_requests\n\n"
            "def requests_failed(rate, t_fail, t_check, n_fail, t_ttl):\n"
            "    return expected_failed_requests(rate, t_fail, t_check, n_fail, t_ttl)\n",
            max_points=10,
            passes=("test_requests_failed_visible",),
            why="calls the library's formula, switched off during the hidden checks",
        ),
        WrongAnswer(
            "import math\n\n"
            "def requests_failed(rate, t_fail, t_check, n_fail, t_ttl):\n"
            "    first = math.ceil(t_fail / t_check) * t_check\n"
            "    return float(rate * (first + (n_fail - 1) * t_check - t_fail + t_ttl))\n",
            max_points=10,
            why="counts the whole TTL, as if every client kept the old answer until the end",
        ),
    ],
    "writes_lost": [
        WrongAnswer(
            "def writes_lost(t_commit, t_lag, t_fail):\n"
            "    if len(t_commit) != len(t_lag):\n"
            "        raise ValueError('lengths differ')\n"
            "    return sum(1 for c, g in zip(t_commit, t_lag) if c <= t_fail < c + g)\n",
            max_points=10,
            passes=("test_writes_lost_visible",),
            why="treats writes independently: forgets that the log is applied in order",
        ),
        WrongAnswer(
            "from scalelab.geo import unsynced_writes\n\n"
            "def writes_lost(t_commit, t_lag, t_fail):\n"
            "    return unsynced_writes(t_commit, t_lag, t_fail)\n",
            max_points=10,
            passes=("test_writes_lost_visible",),
            why="calls the library's count, switched off during the hidden checks",
        ),
        WrongAnswer(
            "def writes_lost(t_commit, t_lag, t_fail):\n"
            "    return sum(1 for c, g in zip(t_commit, t_lag) if c + g > t_fail)\n",
            max_points=10,
            why="also counts writes committed after the failure, which never happened",
        ),
    ],
}
