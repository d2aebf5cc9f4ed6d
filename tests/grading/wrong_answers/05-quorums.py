from answers import WrongAnswer

# Full marks for the autograded part of 05-quorums: 3 + 3 + 4 = 10.

WRONG = {
    "quorum_p99": [
        WrongAnswer(
            "import math\n\n"
            "def quorum_p99(t_means, n_read):\n"
            "    m = sum(t_means) / len(t_means)\n"
            "    n = len(t_means)\n"
            "    def p_at_least(t):\n"
            "        f = 1 - math.exp(-t / m)\n"
            "        return sum(math.comb(n, k) * f**k * (1 - f) ** (n - k)\n"
            "                   for k in range(n_read, n + 1))\n"
            "    lo, hi = 0.0, 50 * m\n"
            "    for _ in range(100):\n"
            "        mid = (lo + hi) / 2\n"
            "        lo, hi = (mid, hi) if p_at_least(mid) < 0.99 else (lo, mid)\n"
            "    return hi\n",
            max_points=8,
            passes=("test_quorum_p99_visible",),
            why="treats every replica as having the average mean: wrong as soon as one is slow",
        ),
        WrongAnswer(
            "import numpy as np\n\n"
            "def quorum_p99(t_means, n_read):\n"
            "    means = [float(m) for m in t_means]\n"
            "    k = len(means) - n_read + 1  # the k-th fastest, counted from the slowest\n"
            "    def p_at_least(t):\n"
            "        dist = [1.0] + [0.0] * len(means)\n"
            "        for m in means:\n"
            "            p = 1.0 - np.exp(-t / m)\n"
            "            dist = [dist[0] * (1 - p)] + [dist[i] * (1 - p) + dist[i - 1] * p\n"
            "                                          for i in range(1, len(dist))]\n"
            "        return sum(dist[k:])\n"
            "    lo, hi = 0.0, 50.0 * max(means)\n"
            "    for _ in range(100):\n"
            "        mid = (lo + hi) / 2\n"
            "        lo, hi = (mid, hi) if p_at_least(mid) < 0.99 else (lo, mid)\n"
            "    return hi\n",
            max_points=8,
            passes=("test_quorum_p99_visible",),
            why="waits for the n_read-th *slowest* reply: the same as the fastest only for 2 of 3",
        ),
        WrongAnswer(
            "import math\n\n"
            "def quorum_p99(t_means, n_read):\n"
            "    p99s = sorted(-m * math.log(0.01) for m in t_means)\n"
            "    return p99s[n_read - 1]\n",
            max_points=7,
            why="the R-th smallest of the replicas' p99s is not the p99 of the R-th reply",
        ),
        WrongAnswer(
            "from scalelab.quorum import Delay, quorum_quantile\n\n"
            "def quorum_p99(t_means, n_read):\n"
            "    return float(quorum_quantile(0.99, n_read, [Delay(0.0, m) for m in t_means]))\n",
            max_points=8,
            passes=("test_quorum_p99_visible",),
            why="calls the library's quorum_quantile, which the exercise asks the learner to write",
        ),
    ],
    "fenced_store": [
        WrongAnswer(
            "class FencedStore:\n"
            "    def __init__(self):\n"
            "        self.data, self.newest = {}, {}\n"
            "    def write(self, key, value, token):\n"
            "        if key in self.newest and token < self.newest[key]:\n"
            "            return False\n"
            "        self.newest[key] = token\n"
            "        self.data[key] = value\n"
            "        return True\n"
            "    def read(self, key):\n"
            "        return self.data.get(key)\n",
            max_points=8,
            passes=("test_fenced_store_visible",),
            why="one token per key: a deposed leader can still write every key it has not touched",
        ),
        WrongAnswer(
            "class FencedStore:\n"
            "    def __init__(self):\n"
            "        self.data, self.newest = {}, None\n"
            "    def write(self, key, value, token):\n"
            "        if self.newest is not None and token <= self.newest:\n"
            "            return False\n"
            "        self.newest = token\n"
            "        self.data[key] = value\n"
            "        return True\n"
            "    def read(self, key):\n"
            "        return self.data.get(key)\n",
            max_points=8,
            passes=("test_fenced_store_visible",),
            why="rejects equal tokens: the current leader can write only once",
        ),
        WrongAnswer(
            "class FencedStore:\n"
            "    def __init__(self):\n"
            "        self.data, self.last = {}, None\n"
            "    def write(self, key, value, token):\n"
            "        ok = self.last is None or token >= self.last\n"
            "        self.last = token\n"
            "        if ok:\n"
            "            self.data[key] = value\n"
            "        return ok\n"
            "    def read(self, key):\n"
            "        return self.data.get(key)\n",
            max_points=8,
            passes=("test_fenced_store_visible",),
            why="compares with the last token *seen*, even a rejected one, not the newest accepted",
        ),
        WrongAnswer(
            "from scalelab.quorum import FencedStore as _Library\n\n"
            "class FencedStore(_Library):\n"
            "    pass\n",
            max_points=8,
            passes=("test_fenced_store_visible",),
            why="inherits the library's store, which the exercise asks the learner to write",
        ),
    ],
    "choose_quorum": [
        WrongAnswer(
            "def choose_quorum(workload):\n"
            "    return {'n_replicas': 3, 'n_read': 2, 'n_write': 2}  # Dynamo's default\n",
            max_points=9,
            passes=("test_choose_quorum_visible",),
            why="a fixed (3, 2, 2): misses the read p99 whenever one replica is slow or R=2 is too slow",
        ),
        WrongAnswer(
            "def choose_quorum(workload):\n"
            "    return {'n_replicas': 3, 'n_read': 1, 'n_write': 1}\n",
            max_points=9,
            passes=("test_choose_quorum_visible",),
            why="fastest possible quorums: every staleness SLO fails",
        ),
        WrongAnswer(
            "def choose_quorum(workload):\n"
            "    n = workload['n_max']\n"
            "    return {'n_replicas': n, 'n_read': n // 2 + 1, 'n_write': n // 2 + 1}\n",
            max_points=9,
            passes=("test_choose_quorum_visible",),
            why="majorities of the most replicas: always fresh, but too slow for the latency SLOs",
        ),
        WrongAnswer(
            "def choose_quorum(workload):\n"
            "    return {'n_replicas': 6, 'n_read': 2, 'n_write': 3}\n",
            max_points=9,
            why="ignores the replica budget n_max",
        ),
    ],
}
