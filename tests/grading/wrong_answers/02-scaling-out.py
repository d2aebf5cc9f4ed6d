from answers import WrongAnswer

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
