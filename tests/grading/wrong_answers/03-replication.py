from answers import CorrectAnswer, WrongAnswer

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
        WrongAnswer(
            "import math\n\n"
            "def replicas_needed(rate_reads, rate_writes, rate_server, rho_max):\n"
            "    room = rho_max * rate_server - rate_writes\n"
            "    if room < 0:\n"
            "        raise ValueError('the writes alone exceed the target')\n"
            "    return max(1, math.ceil(rate_reads / room - 1e-9))\n",
            max_points=8,
            passes=("test_replicas_needed_visible",),
            why="raises only when the writes exceed the target strictly: writes that use up all "
            "the room divide by zero instead of raising ValueError",
        ),
    ],
}

RIGHT = {
    "choose_replica": [
        CorrectAnswer(
            "def choose_replica(positions):\n"
            "    live = [(pos, -i) for i, pos in enumerate(positions) if pos is not None]\n"
            "    if not live:\n"
            "        raise ValueError('no live slave to promote')\n"
            "    return -max(live)[1]\n",
            why="the maximum of (position, -index) pairs: on a tie the larger -index is the lower index",
        ),
        CorrectAnswer(
            "def choose_replica(positions):\n"
            "    if all(pos is None for pos in positions):\n"
            "        raise ValueError('no live slave (or no slave at all)')\n"
            "    candidates = [i for i, pos in enumerate(positions) if pos is not None]\n"
            "    return max(candidates, key=lambda i: positions[i])\n",
            why="checks first (all() of an empty list is True), then max with a key, which keeps "
            "the first of equal maxima",
        ),
    ],
    "lost_writes": [
        CorrectAnswer(
            "import numpy as np\n\n"
            "def lost_writes(t_write, lags, t_fail):\n"
            "    t_write, lags = np.asarray(t_write, dtype=float), np.asarray(lags, dtype=float)\n"
            "    if t_write.shape != lags.shape:\n"
            "        raise ValueError('t_write and lags differ in length')\n"
            "    applied = np.maximum.accumulate(t_write + lags) if t_write.size else t_write\n"
            "    hit = np.flatnonzero((t_write <= t_fail) & (applied > t_fail))\n"
            "    return [int(i) + 1 for i in hit]\n",
            why="vectorised with numpy: a running maximum gives the in-order apply times",
        ),
        CorrectAnswer(
            "from itertools import accumulate\n\n"
            "def lost_writes(t_write, lags, t_fail):\n"
            "    if len(lags) != len(t_write):\n"
            "        raise ValueError('one lag per write, please')\n"
            "    arrivals = [t + lag for t, lag in zip(t_write, lags)]\n"
            "    applied = list(accumulate(arrivals, max))\n"
            "    return sorted(pos for pos, (t, done) in enumerate(zip(t_write, applied), start=1)\n"
            "                  if t <= t_fail and done > t_fail)\n",
            why="itertools.accumulate with max for the apply times, positions counted from 1",
        ),
    ],
    "replicas_needed": [
        CorrectAnswer(
            "def replicas_needed(rate_reads, rate_writes, rate_server, rho_max):\n"
            "    room = rho_max * rate_server - rate_writes\n"
            "    if not room > 0:\n"
            "        raise ValueError('no room for reads: the writes use up the target')\n"
            "    n = 1\n"
            "    while n * room < rate_reads * (1 - 1e-12):\n"
            "        n += 1\n"
            "    return n\n",
            why="adds slaves one at a time until their spare room covers the reads",
        ),
        CorrectAnswer(
            "from fractions import Fraction\n\n"
            "def replicas_needed(rate_reads, rate_writes, rate_server, rho_max):\n"
            "    exact = [Fraction(str(x)) for x in (rate_reads, rate_writes, rate_server, rho_max)]\n"
            "    reads, writes, server, rho = exact\n"
            "    room = rho * server - writes\n"
            "    if room <= 0:\n"
            "        raise ValueError('the writes alone use up rho_max * rate_server')\n"
            "    return max(1, int(-(-reads // room)))\n",
            why="exact decimal fractions and ceiling division by negated floor division",
        ),
    ],
}
