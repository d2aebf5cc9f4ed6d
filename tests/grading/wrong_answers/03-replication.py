from answers import WrongAnswer

# Full marks for the autograded part of 03-replication: 3 + 4 + 3 = 10.

WRONG = {
    "choose_replica": [
        WrongAnswer(
            "def choose_replica(positions):\n"
            "    best = None\n"
            "    for i, pos in enumerate(positions):\n"
            "        if pos is not None and (best is None or pos >= positions[best]):\n"
            "            best = i\n"
            "    if best is None:\n"
            "        raise ValueError('no live slave')\n"
            "    return best\n",
            max_points=8,
            passes=("test_choose_replica_visible",),
            why="a tie goes to the highest index (>= instead of >)",
        ),
        WrongAnswer(
            "def choose_replica(positions):\n"
            "    live = [(pos, i) for i, pos in enumerate(positions) if pos]\n"
            "    if not live:\n"
            "        raise ValueError('no live slave')\n"
            "    return max(live, key=lambda t: (t[0], -t[1]))[1]\n",
            max_points=8,
            passes=("test_choose_replica_visible",),
            why="treats a slave at position 0 as down (truthiness instead of `is not None`)",
        ),
        WrongAnswer(
            "from scalelab.replication import promote\n\n"
            "def choose_replica(positions):\n"
            "    return promote(positions)\n",
            max_points=8,
            passes=("test_choose_replica_visible",),
            why="calls the library's promote, which the exercise asks the learner to write",
        ),
        WrongAnswer(
            "def choose_replica(positions):\n"
            "    return max(p for p in positions if p is not None)\n",
            max_points=7,
            why="returns the log position instead of the slave's index",
        ),
    ],
    "lost_writes": [
        WrongAnswer(
            "def lost_writes(t_write, lags, t_fail):\n"
            "    if len(t_write) != len(lags):\n"
            "        raise ValueError('length')\n"
            "    return [i + 1 for i, (t, lag) in enumerate(zip(t_write, lags))\n"
            "            if t <= t_fail < t + lag]\n",
            max_points=7,
            passes=("test_lost_writes_visible",),
            why="ignores the log order: a fast entry stuck behind a slow one counts as applied",
        ),
        WrongAnswer(
            "def lost_writes(t_write, lags, t_fail):\n"
            "    done, out = float('-inf'), []\n"
            "    for i, (t, lag) in enumerate(zip(t_write, lags)):\n"
            "        done = max(done, t + lag)\n"
            "        if done > t_fail:\n"
            "            out.append(i + 1)\n"
            "    return out\n",
            max_points=7,
            passes=(),
            why="also lists writes made after the failure, which the master never committed",
        ),
        WrongAnswer(
            "def lost_writes(t_write, lags, t_fail):\n"
            "    done, out = float('-inf'), []\n"
            "    for i, (t, lag) in enumerate(zip(t_write, lags)):\n"
            "        done = max(done, t + lag)\n"
            "        if t <= t_fail < done:\n"
            "            out.append(i + 1)\n"
            "    return out\n",
            max_points=9,
            passes=("test_lost_writes_visible",),
            why="right, but no ValueError when the two lists differ in length",
        ),
        WrongAnswer(
            "def lost_writes(t_write, lags, t_fail):\n"
            "    if len(t_write) != len(lags):\n"
            "        raise ValueError('length')\n"
            "    done, out = float('-inf'), []\n"
            "    for i, (t, lag) in enumerate(zip(t_write, lags)):\n"
            "        done = max(done, t + lag)\n"
            "        if t < t_fail <= done:\n"
            "            out.append(i + 1)\n"
            "    return out\n",
            max_points=7,
            passes=("test_lost_writes_visible",),
            why="the boundaries swapped: applied exactly at the failure counts as lost",
        ),
    ],
    "replicas_needed": [
        WrongAnswer(
            "def replicas_needed(rate_reads, rate_writes, rate_server, rho_max):\n"
            "    room = rho_max * rate_server - rate_writes\n"
            "    if room <= 0:\n"
            "        raise ValueError('writes too high')\n"
            "    return max(1, round(rate_reads / room))\n",
            max_points=8,
            passes=("test_replicas_needed_visible",),
            why="rounds to the nearest whole number instead of up",
        ),
        WrongAnswer(
            "import math\n\n"
            "def replicas_needed(rate_reads, rate_writes, rate_server, rho_max):\n"
            "    return max(1, math.ceil(rate_reads / (rho_max * rate_server - rate_writes)))\n",
            max_points=8,
            passes=("test_replicas_needed_visible",),
            why="no ValueError when the writes alone exceed the target: returns 1 or fails oddly",
        ),
        WrongAnswer(
            "import math\n\n"
            "def replicas_needed(rate_reads, rate_writes, rate_server, rho_max):\n"
            "    return math.ceil(rate_reads / (rho_max * rate_server))\n",
            max_points=7,
            why="forgets that every slave replays every write",
        ),
    ],
}
