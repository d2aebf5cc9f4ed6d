from answers import CorrectAnswer, WrongAnswer

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

RIGHT = {
    "quorum_p99": [
        CorrectAnswer(
            'import itertools\nimport math\n\n\ndef quorum_p99(t_means, n_read):\n    """p99 (s) of the n_read-th fastest of independent exponential replies with these means."""\n\n    def p_at_least(t):\n        p = [1 - math.exp(-t / m) for m in t_means]\n        total = 0.0\n        for answered in itertools.product((False, True), repeat=len(p)):\n            if sum(answered) >= n_read:\n                total += math.prod(pi if a else 1 - pi for pi, a in zip(p, answered))\n        return total\n\n    lo, hi = 0.0, 50 * max(t_means)\n    while hi - lo > 1e-9:\n        mid = (lo + hi) / 2\n        if p_at_least(mid) < 0.99:\n            lo = mid\n        else:\n            hi = mid\n    return hi\n',
            why="A. Enumerate which replicas have answered (exact, fine for N up to about 15)",
        ),
        CorrectAnswer(
            'import numpy as np\n\n\ndef quorum_p99(t_means, n_read):\n    """p99 (s) of the n_read-th fastest of independent exponential replies with these means."""\n    draws = np.random.default_rng(0).exponential(t_means, size=(2_000_000, len(t_means)))\n    kth = np.partition(draws, n_read - 1, axis=1)[:, n_read - 1]\n    return float(np.quantile(kth, 0.99))\n',
            why="B. Monte Carlo with enough draws (within the 2 % tolerance: about 0.3 % at 2,000,000)",
        ),
        CorrectAnswer(
            'import numpy as np\n\n\ndef quorum_p99(t_means, n_read):\n    """p99 (s) of the n_read-th fastest of independent exponential replies with these means."""\n    t = np.linspace(0, 20 * max(t_means), 400_001)\n    dist = np.zeros((len(t_means) + 1, t.size))\n    dist[0] = 1.0\n    for m in t_means:\n        p = 1 - np.exp(-t / m)\n        dist[1:] = dist[1:] * (1 - p) + dist[:-1] * p\n        dist[0] *= 1 - p\n    cdf = dist[n_read:].sum(axis=0)\n    return float(t[np.searchsorted(cdf, 0.99)])\n',
            why="C. The recurrence with numpy and `np.searchsorted` on a fine grid",
        ),
    ],
    "fenced_store": [
        CorrectAnswer(
            'class FencedStore:\n    """A key-value store that rejects writes with a fencing token older than the newest seen."""\n\n    def __init__(self):\n        self.values = {}\n        self.accepted_tokens = []\n\n    def write(self, key, value, token):\n        if self.accepted_tokens and token < max(self.accepted_tokens):\n            return False\n        self.accepted_tokens.append(token)\n        self.values[key] = value\n        return True\n\n    def read(self, key):\n        return self.values.get(key)\n',
            why="A. Remember every accepted token and compare with the largest",
        ),
        CorrectAnswer(
            'class FencedStore:\n    """A key-value store that rejects writes with a fencing token older than the newest seen."""\n\n    def __init__(self):\n        self.log = []  # accepted (key, value, token), in order\n\n    def write(self, key, value, token):\n        if self.log and token < self.log[-1][2]:  # accepted tokens never decrease\n            return False\n        self.log.append((key, value, token))\n        return True\n\n    def read(self, key):\n        for k, v, _ in reversed(self.log):\n            if k == key:\n                return v\n        return None\n',
            why="B. An append-only log; reads scan it backwards",
        ),
    ],
    "choose_quorum": [
        CorrectAnswer(
            'def choose_quorum(workload):\n    """Return {"n_replicas": N, "n_read": R, "n_write": W} meeting the workload\'s three SLOs."""\n    for n in range(1, workload["n_max"] + 1):\n        delays = replica_delays(n, workload["reply"], slow=workload["slow"])\n        p99 = [float(quorum_quantile(0.99, k, delays)) for k in range(1, n + 1)]\n        for r in range(1, n + 1):\n            if p99[r - 1] > workload["t_read_p99"]:\n                break  # a bigger read quorum is only slower\n            for w in range(1, n + 1):\n                if p99[w - 1] > workload["t_write_p99"]:\n                    break\n                stale = float(p_stale(workload["t_after"], Quorum(n, r, w), workload["lag"]))\n                if stale <= workload["p_stale_max"]:\n                    return {"n_replicas": n, "n_read": r, "n_write": w}\n    n = workload["n_max"]\n    return {"n_replicas": n, "n_read": n // 2 + 1, "n_write": n // 2 + 1}\n',
            why="A. Smallest N first, then the smallest R and W that meet all three SLOs",
        ),
        CorrectAnswer(
            'import itertools\n\n\ndef choose_quorum(workload):\n    """Return {"n_replicas": N, "n_read": R, "n_write": W} meeting the workload\'s three SLOs."""\n    best, best_key = None, None\n    for n in range(1, workload["n_max"] + 1):\n        delays = replica_delays(n, workload["reply"], slow=workload["slow"])\n        for r, w in itertools.product(range(1, n + 1), repeat=2):\n            met = (\n                (quorum_quantile(0.99, r, delays) <= workload["t_read_p99"])\n                + (quorum_quantile(0.99, w, delays) <= workload["t_write_p99"])\n                + (p_stale(workload["t_after"], Quorum(n, r, w), workload["lag"])\n                   <= workload["p_stale_max"])\n            )\n            key = (int(met), -n)\n            if best_key is None or key > best_key:\n                best, best_key = (n, r, w), key\n    n, r, w = best\n    return {"n_replicas": n, "n_read": r, "n_write": w}\n',
            why="B. Score every design and keep the best, preferring fewer replicas",
        ),
    ],
}
