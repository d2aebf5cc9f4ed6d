from answers import CorrectAnswer, WrongAnswer

# Full marks: 12 autograded points (4 exercises × (1 visible + 2 hidden)).
_PLAN_TAIL = (
    "    if pair.t_manual + pair.t_promote + pair.t_ttl <= targets.t_rto:\n"
    "        failover = 'manual'\n"
    "    elif pair.t_detect + pair.t_promote + pair.t_ttl <= targets.t_rto:\n"
    "        failover = 'automatic'\n"
    "    else:\n"
    "        raise ValueError('no failover policy meets the RTO')\n"
    "    return replication, failover\n"
)
_PLAN_HEAD = (
    "def recovery_plan(targets, pair):\n"
    "    if pair.t_lag <= targets.t_rpo and pair.t_write_local <= targets.t_write_max:\n"
    "        replication = 'async'\n"
    "    elif pair.t_write_local + pair.t_rtt <= targets.t_write_max:\n"
    "        replication = 'sync'\n"
    "    else:\n"
    "        raise ValueError('no replication mode meets the RPO and the write SLO')\n"
)

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
        WrongAnswer(
            "import math\n\n"
            "def requests_failed(rate, t_fail, t_check, n_fail, t_ttl):\n"
            "    if rate < 0 or t_fail < 0 or t_ttl <= 0 or t_check <= 0 or n_fail < 1:\n"
            "        raise ValueError('bad input')\n"
            "    detected = math.ceil(t_fail / t_check) * t_check + (n_fail - 1) * t_check\n"
            "    return float(rate * (detected - t_fail + t_ttl / 2))\n",
            max_points=9,
            why="refuses a TTL of zero, which the prompt allows (only negative TTLs are errors)",
        ),
    ],
    "recovery_plan": [
        WrongAnswer(
            "def recovery_plan(targets, pair):\n"
            "    if pair.t_lag <= targets.t_rpo:\n"
            "        replication = 'async'\n"
            "    elif pair.t_write_local + pair.t_rtt <= targets.t_write_max:\n"
            "        replication = 'sync'\n"
            "    else:\n"
            "        raise ValueError('no replication mode')\n"
            "    if pair.t_detect + pair.t_promote + pair.t_ttl <= targets.t_rto:\n"
            "        return replication, 'automatic'\n"
            "    raise ValueError('no failover policy')\n",
            max_points=11,
            passes=("test_recovery_plan_visible",),
            why="always fails over automatically, even where a person could decide within the "
            "RTO (and where a false alarm would cost writes)",
        ),
        WrongAnswer(
            "def recovery_plan(targets, pair):\n"
            "    if 0.005 + 0.090 <= targets.t_write_max and targets.t_rpo < 0.5:\n"
            "        replication = 'sync'\n"
            "    elif targets.t_rpo >= 0.5 and targets.t_write_max >= 0.005:\n"
            "        replication = 'async'\n"
            "    else:\n"
            "        raise ValueError('no replication mode')\n" + _PLAN_TAIL,
            max_points=11.5,
            passes=("test_recovery_plan_visible",),
            why="hard-codes Frankfurt's 90 ms and the default lag instead of using the pair",
        ),
        WrongAnswer(
            "def recovery_plan(targets, pair):\n"
            "    if pair.t_lag < targets.t_rpo and pair.t_write_local < targets.t_write_max:\n"
            "        replication = 'async'\n"
            "    elif pair.t_write_local + pair.t_rtt < targets.t_write_max:\n"
            "        replication = 'sync'\n"
            "    else:\n"
            "        raise ValueError('no replication mode')\n"
            "    if pair.t_manual + pair.t_promote + pair.t_ttl < targets.t_rto:\n"
            "        return replication, 'manual'\n"
            "    if pair.t_detect + pair.t_promote + pair.t_ttl < targets.t_rto:\n"
            "        return replication, 'automatic'\n"
            "    raise ValueError('no failover policy')\n",
            max_points=11.75,
            passes=("test_recovery_plan_visible",),
            why="strict comparisons: a target met exactly is refused",
        ),
        WrongAnswer(
            "def recovery_plan(targets, pair):\n"
            "    if pair.t_write_local + pair.t_rtt <= targets.t_write_max:\n"
            "        replication = 'sync'\n"
            "    elif pair.t_lag <= targets.t_rpo and pair.t_write_local <= targets.t_write_max:\n"
            "        replication = 'async'\n"
            "    else:\n"
            "        raise ValueError('no replication mode')\n" + _PLAN_TAIL,
            max_points=11.75,
            passes=("test_recovery_plan_visible",),
            why="safety first: synchronous whenever the write SLO allows it, which the prompt "
            "asks only when asynchronous misses the RPO",
        ),
        WrongAnswer(
            _PLAN_HEAD.replace(
                "raise ValueError('no replication mode meets the RPO and the write SLO')",
                "replication = 'sync'",
            )
            + _PLAN_TAIL.replace(
                "raise ValueError('no failover policy meets the RTO')", "failover = 'automatic'"
            ),
            max_points=11.75,
            passes=("test_recovery_plan_visible",),
            why="never raises: returns the strongest plan even when it misses a target",
        ),
        WrongAnswer(
            "def recovery_plan(targets, pair):\n    raise ValueError('no plan')\n",
            max_points=10.25,
            why="always says no plan exists",
        ),
    ],
}


RIGHT = {
    "nearest_healthy_dc": [
        CorrectAnswer(
            "import numpy as np\n\n"
            "def nearest_healthy_dc(t_rtt, up):\n"
            "    rtt = np.asarray(t_rtt, dtype=float).reshape(len(t_rtt), -1)\n"
            "    alive = np.asarray(up, dtype=bool)\n"
            "    if rtt.shape[1] != alive.size:\n"
            "        raise ValueError('up must have one entry per data centre')\n"
            "    if not alive.any():\n"
            "        return [-1] * rtt.shape[0]\n"
            "    masked = np.where(alive, rtt, np.inf)\n"
            "    return np.argmin(masked, axis=1).tolist()\n",
            why="numpy: dead data centres masked with infinity, argmin takes the lower index "
            "on ties",
        ),
        CorrectAnswer(
            "def nearest_healthy_dc(t_rtt, up):\n"
            "    live = [d for d, ok in enumerate(up) if ok]\n"
            "    out = []\n"
            "    for row in t_rtt:\n"
            "        if len(row) != len(up):\n"
            "            raise ValueError('up must have one entry per data centre')\n"
            "        out.append(min(live, key=lambda d: (row[d], d)) if live else -1)\n"
            "    return tuple(out)\n",
            why="min over the live indices with a (rtt, index) key; a tuple, which the "
            "checks accept as a sequence",
        ),
    ],
    "capacity_one_loss": [
        CorrectAnswer(
            "from scalelab.geo import nearest_healthy\n\n"
            "def capacity_for_any_one_loss(rate_demand, t_rtt):\n"
            "    n_dcs = len(t_rtt[0])\n"
            "    if n_dcs < 2:\n"
            "        raise ValueError('need at least two data centres')\n"
            "    loads = []\n"
            "    for lost in range(n_dcs):\n"
            "        up = [d != lost for d in range(n_dcs)]\n"
            "        load = [0.0] * n_dcs\n"
            "        for r, dc in enumerate(nearest_healthy(t_rtt, up)):\n"
            "            load[dc] += float(rate_demand[r])\n"
            "        loads.extend(load)\n"
            "    return float(max(loads))\n",
            why="the library's router (allowed here), loads summed in plain lists",
        ),
        CorrectAnswer(
            "from collections import defaultdict\n\n"
            "def capacity_for_any_one_loss(rate_demand, t_rtt):\n"
            "    n_dcs = len(t_rtt[0])\n"
            "    if n_dcs < 2:\n"
            "        raise ValueError('need at least two data centres')\n"
            "    worst = 0.0\n"
            "    for lost in range(n_dcs):\n"
            "        load = defaultdict(float)\n"
            "        for demand, row in zip(rate_demand, t_rtt):\n"
            "            target = min((r, d) for d, r in enumerate(row) if d != lost)[1]\n"
            "            load[target] += demand\n"
            "        worst = max(worst, max(load.values(), default=0.0))\n"
            "    return float(worst)\n",
            why="no router at all: each region's nearest survivor by min over (rtt, index), "
            "loads in a defaultdict",
        ),
    ],
    "requests_failed": [
        CorrectAnswer(
            "def requests_failed(rate, t_fail, t_check, n_fail, t_ttl):\n"
            "    if n_fail < 1 or t_check <= 0:\n"
            "        raise ValueError('n_fail >= 1 and t_check > 0 are required')\n"
            "    if min(rate, t_fail, t_ttl) < 0:\n"
            "        raise ValueError('rate, t_fail and t_ttl must not be negative')\n"
            "    k = -(-t_fail // t_check)  # probes up to the failure, rounded up\n"
            "    t_detect = (k + n_fail - 1) * t_check - t_fail\n"
            "    return float(rate * t_detect + rate * t_ttl / 2)\n",
            why="ceiling by floor division, checks in another order, the TTL's triangle added "
            "separately",
        ),
        CorrectAnswer(
            "def requests_failed(rate, t_fail, t_check, n_fail, t_ttl):\n"
            "    for name, v in (('rate', rate), ('t_fail', t_fail), ('t_ttl', t_ttl)):\n"
            "        if v < 0:\n"
            "            raise ValueError(f'{name} must be >= 0')\n"
            "    if not t_check > 0 or not n_fail >= 1:\n"
            "        raise ValueError('t_check > 0 and n_fail >= 1')\n"
            "    k = 0  # the first probe at or after the failure\n"
            "    while k * t_check < t_fail:\n"
            "        k += 1\n"
            "    t_marked = (k + n_fail - 1) * t_check\n"
            "    return float(rate * ((t_marked - t_fail) + t_ttl / 2))\n",
            why="counts the probes one by one up to the failure",
        ),
    ],
    "recovery_plan": [
        CorrectAnswer(
            "from scalelab.geo import recovery_outcome\n\n"
            "def recovery_plan(targets, pair):\n"
            "    for plan in [('async', 'manual'), ('async', 'automatic'),\n"
            "                 ('sync', 'manual'), ('sync', 'automatic')]:\n"
            "        if all(recovery_outcome(*plan, targets, pair).met.values()):\n"
            "            return plan\n"
            "    raise ValueError('no plan meets every target')\n",
            why="tries the four plans in order of preference with the library's outcome model",
        ),
        CorrectAnswer(
            "def recovery_plan(targets, pair):\n"
            "    recovery = {\n"
            "        'manual': pair.t_manual + pair.t_promote + pair.t_ttl,\n"
            "        'automatic': pair.t_detect + pair.t_promote + pair.t_ttl,\n"
            "    }\n"
            "    fails = [f for f in ('manual', 'automatic') if recovery[f] <= targets.t_rto]\n"
            "    write = {'async': pair.t_write_local, 'sync': pair.t_write_local + pair.t_rtt}\n"
            "    loss = {'async': pair.t_lag, 'sync': 0.0}\n"
            "    reps = [r for r in ('async', 'sync')\n"
            "            if loss[r] <= targets.t_rpo and write[r] <= targets.t_write_max]\n"
            "    if not fails or not reps:\n"
            "        raise ValueError('no plan meets every target')\n"
            "    return [reps[0], fails[0]]\n",
            why="the failover decided first, both as filtered lists of candidates; returns a list",
        ),
    ],
}
