from answers import CorrectAnswer, WrongAnswer

WRONG = {
    "least_conn": [
        WrongAnswer(
            "def pick_least_connections(active, healthy):\n"
            "    best = None\n"
            "    for i in range(len(active)):\n"
            "        if healthy[i] and (best is None or active[i] <= active[best]):\n"
            "            best = i\n"
            "    if best is None:\n"
            "        raise ValueError('no healthy server')\n"
            "    return best\n",
            max_points=11,
            passes=("test_least_conn_visible",),
            why="`<=` breaks ties towards the highest index, not the lowest",
        ),
        WrongAnswer(
            "def pick_least_connections(active, healthy):\n"
            "    ok = [i for i in range(len(active)) if healthy[i]]\n"
            "    if not ok:\n"
            "        return -1\n"
            "    return min(ok, key=lambda i: active[i])\n",
            max_points=11,
            passes=("test_least_conn_visible",),
            why="returns -1 instead of raising ValueError when no server is healthy",
        ),
        WrongAnswer(
            "from scalelab.load_balancer import least_connections\n\n"
            "def pick_least_connections(active, healthy):\n"
            "    return least_connections(active, healthy)\n",
            max_points=11,
            passes=("test_least_conn_visible",),
            why="calls the library's least_connections, which the exercise asks to write",
        ),
        WrongAnswer(
            "def pick_least_connections(active, healthy):\n"
            "    return min(range(len(active)), key=lambda i: active[i])\n",
            max_points=10,
            why="ignores health: sends traffic to a server the balancer knows is down",
        ),
    ],
    "servers_needed": [
        WrongAnswer(
            "def servers_needed(rate_peak, rate_capacity, rho_target, n_spare=1):\n"
            "    if rate_peak < 0 or rate_capacity <= 0 or not 0 < rho_target <= 1 or n_spare < 0:\n"
            "        raise ValueError('bad input')\n"
            "    return max(1, round(rate_peak / (rate_capacity * rho_target))) + n_spare\n",
            max_points=11,
            passes=("test_servers_needed_visible",),
            why="rounds to the nearest whole server instead of up, so servers run too hot",
        ),
        WrongAnswer(
            "import math\n\n"
            "def servers_needed(rate_peak, rate_capacity, rho_target, n_spare=1):\n"
            "    if rate_peak < 0 or rate_capacity <= 0 or not 0 < rho_target <= 1 or n_spare < 0:\n"
            "        raise ValueError('bad input')\n"
            "    return max(1, math.ceil(rate_peak / (rate_capacity * rho_target))) + 1\n",
            max_points=11,
            passes=("test_servers_needed_visible",),
            why="always adds one spare, whatever n_spare says",
        ),
        WrongAnswer(
            "import math\n\n"
            "def servers_needed(rate_peak, rate_capacity, rho_target, n_spare=1):\n"
            "    return max(1, math.ceil(rate_peak / (rate_capacity * rho_target))) + n_spare\n",
            max_points=11,
            passes=("test_servers_needed_visible",),
            why="no input checks: a target above 100 % or a negative spare count is accepted",
        ),
        WrongAnswer(
            "import math\n\n"
            "def servers_needed(rate_peak, rate_capacity, rho_target, n_spare=1):\n"
            "    return math.ceil(rate_peak / rate_capacity) + n_spare\n",
            max_points=10,
            why="ignores the utilisation target: sizes the pool to run 100 % busy",
        ),
    ],
    "availability_n": [
        WrongAnswer(
            "def availability_at_least(n_servers, p_up, n_needed=1):\n"
            "    if n_servers < 1 or not 0 <= p_up <= 1 or not 0 <= n_needed <= n_servers:\n"
            "        raise ValueError('bad input')\n"
            "    return 1 - (1 - p_up) ** n_servers\n",
            max_points=11,
            passes=("test_availability_n_visible",),
            why="ignores n_needed: always the one-of-n formula",
        ),
        WrongAnswer(
            "import math\n\n"
            "def availability_at_least(n_servers, p_up, n_needed=1):\n"
            "    return sum(math.comb(n_servers, i) * p_up**i * (1 - p_up) ** (n_servers - i)\n"
            "               for i in range(n_needed, n_servers + 1))\n",
            max_points=11,
            passes=("test_availability_n_visible",),
            why="no input checks: a probability above 1 or n_needed above n is accepted",
        ),
        WrongAnswer(
            "from scalelab.load_balancer import availability\n\n"
            "def availability_at_least(n_servers, p_up, n_needed=1):\n"
            "    return availability(n_servers, p_up, n_needed)\n",
            max_points=11,
            passes=("test_availability_n_visible",),
            why="calls the library's availability, which the exercise asks to write",
        ),
        WrongAnswer(
            "def availability_at_least(n_servers, p_up, n_needed=1):\n"
            "    return p_up ** n_servers\n",
            max_points=10,
            why="the chance that all servers are up, not at least one",
        ),
        WrongAnswer(
            "import math\n\n"
            "def availability_at_least(n_servers, p_up, n_needed=1):\n"
            "    if n_servers < 1 or not 0 <= p_up < 1 or not 0 <= n_needed <= n_servers:\n"
            "        raise ValueError('bad input')\n"
            "    return float(sum(math.comb(n_servers, i) * p_up**i * (1 - p_up) ** (n_servers - i)\n"
            "                     for i in range(n_needed, n_servers + 1)))\n",
            max_points=11,
            passes=("test_availability_n_visible",),
            why="refuses p_up = 1 (a server that never fails), which the prompt's [0, 1] allows",
        ),
    ],
    "pool_design": [
        WrongAnswer(
            "def my_pool_design():\n"
            "    return {'n_servers': 9, 'policy': 'round_robin', 't_check_interval': 2.0}\n",
            max_points=11.5,
            passes=("test_pool_design_visible",),
            why="round robin ignores the queues: p99 misses the 300 ms SLO (failover is fine)",
        ),
        WrongAnswer(
            "def my_pool_design():\n"
            "    return {'n_servers': 9, 'policy': 'least_connections', 't_check_interval': 10.0}\n",
            max_points=11.5,
            passes=("test_pool_design_visible",),
            why="a 10 s health check leaves a dead server in rotation too long: failover SLO missed",
        ),
        WrongAnswer(
            "def my_pool_design():\n"
            "    return {'n_servers': 12, 'policy': 'least_connections', 't_check_interval': 2.0}\n",
            max_points=9,
            why="12 servers cost $1.23 an hour: over the budget, so no SLO counts",
        ),
        WrongAnswer(
            "def my_pool_design():\n"
            "    return {'n_servers': 9, 'policy': 'least_connections', 't_check_interval': 0.5}\n",
            max_points=9,
            why="probes every 0.5 s break the health-check rule",
        ),
    ],
}

RIGHT = {
    "least_conn": [
        CorrectAnswer(
            "def pick_least_connections(active, healthy):\n"
            "    candidates = [(count, i) for i, (count, ok) in enumerate(zip(active, healthy)) if ok]\n"
            "    if not candidates:\n"
            "        raise ValueError('no healthy server: 503')\n"
            "    return min(candidates)[1]\n",
            why="the minimum of (count, index) pairs: tuple order breaks ties by the lower index",
        ),
        CorrectAnswer(
            "import numpy as np\n\n"
            "def pick_least_connections(active, healthy):\n"
            "    if not any(healthy):\n"
            "        raise ValueError('no healthy server')\n"
            "    load = np.asarray(active, dtype=float)\n"
            "    load[~np.asarray(healthy, dtype=bool)] = np.inf\n"
            "    return int(np.argmin(load))\n",
            why="numpy: unhealthy servers masked with infinity, argmin returns the first minimum",
        ),
    ],
    "servers_needed": [
        CorrectAnswer(
            "def servers_needed(rate_peak, rate_capacity, rho_target, n_spare=1):\n"
            "    if n_spare < 0:\n"
            "        raise ValueError('n_spare must be >= 0')\n"
            "    if not 0 < rho_target <= 1:\n"
            "        raise ValueError('rho_target must be in (0, 1]')\n"
            "    if rate_capacity <= 0:\n"
            "        raise ValueError('rate_capacity must be > 0')\n"
            "    if rate_peak < 0:\n"
            "        raise ValueError('rate_peak must be >= 0')\n"
            "    working = 1\n"
            "    while working * rate_capacity * rho_target < rate_peak * (1 - 1e-12):\n"
            "        working += 1\n"
            "    return working + n_spare\n",
            why="counts servers up one by one until the target holds; the checks in reverse order",
        ),
        CorrectAnswer(
            "import math\n"
            "from fractions import Fraction\n\n"
            "def servers_needed(rate_peak, rate_capacity, rho_target, n_spare=1):\n"
            "    exact = {k: Fraction(str(v)) for k, v in [('rate_peak', rate_peak),\n"
            "             ('rate_capacity', rate_capacity), ('rho_target', rho_target)]}\n"
            "    if exact['rate_peak'] < 0 or exact['rate_capacity'] <= 0 or n_spare < 0:\n"
            "        raise ValueError('rate_peak >= 0, rate_capacity > 0 and n_spare >= 0')\n"
            "    if not 0 < exact['rho_target'] <= 1:\n"
            "        raise ValueError('rho_target must be in (0, 1]')\n"
            "    per_server = exact['rate_capacity'] * exact['rho_target']\n"
            "    return max(1, math.ceil(exact['rate_peak'] / per_server)) + int(n_spare)\n",
            why="exact decimal arithmetic with fractions, so no tolerance is needed for exact fits",
        ),
    ],
    "availability_n": [
        CorrectAnswer(
            "import math\n\n"
            "def availability_at_least(n_servers, p_up, n_needed=1):\n"
            "    if not 0 <= p_up <= 1:\n"
            "        raise ValueError('p_up must be in [0, 1]')\n"
            "    if n_servers < 1:\n"
            "        raise ValueError('n_servers must be >= 1')\n"
            "    if n_needed < 0 or n_needed > n_servers:\n"
            "        raise ValueError('n_needed must be in [0, n_servers]')\n"
            "    too_few = sum(math.comb(n_servers, i) * p_up**i * (1 - p_up) ** (n_servers - i)\n"
            "                  for i in range(n_needed))\n"
            "    return float(1 - too_few)\n",
            why="the complement: one minus the chance that fewer than n_needed are up",
        ),
        CorrectAnswer(
            "def availability_at_least(n_servers, p_up, n_needed=1):\n"
            "    checks = [(n_servers >= 1, 'n_servers'), (0 <= p_up <= 1, 'p_up'),\n"
            "              (0 <= n_needed <= n_servers, 'n_needed')]\n"
            "    for ok, name in checks:\n"
            "        if not ok:\n"
            "            raise ValueError(f'{name} is out of range')\n"
            "    dist = [1.0]  # dist[k]: probability that k of the servers so far are up\n"
            "    for _ in range(n_servers):\n"
            "        dist = [(dist[k] if k < len(dist) else 0.0) * (1 - p_up)\n"
            "                + (dist[k - 1] * p_up if k > 0 else 0.0) for k in range(len(dist) + 1)]\n"
            "    return sum(dist[n_needed:])\n",
            why="dynamic programming: adds one server at a time to the distribution of servers up",
        ),
    ],
    "pool_design": [
        CorrectAnswer(
            "import numpy as np\n\n"
            "def my_pool_design():\n"
            "    return {'n_servers': np.int64(8), 'policy': 'least_connections',\n"
            "            't_check_interval': 2}\n",
            why="another passing design: one server fewer (cheaper), a numpy count and a whole-number "
            "interval",
        ),
        CorrectAnswer(
            "def my_pool_design():\n"
            "    keys = ('n_servers', 'policy', 't_check_interval')\n"
            "    return dict(zip(keys, (9, 'weighted_least_connections', 2.0)))\n",
            why="another queue-aware policy from POLICIES (equal weights), the dict built with zip",
        ),
    ],
}
