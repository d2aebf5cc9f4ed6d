from answers import CorrectAnswer, WrongAnswer

FULL = 10  # autograded points of 12-overload

_BUCKET_HEAD = (
    "def token_bucket_admit(t_arrival, rate, n_burst):\n"
    "    if not rate > 0 or not n_burst >= 1:\n"
    "        raise ValueError('rate must be > 0 and n_burst >= 1')\n"
)
_HEDGE_HEAD = (
    "import math\n\n"
    "def hedge_delay(leaf, n_fanout, t_p99_target):\n"
    "    q_leaf = 0.99 ** (1.0 / n_fanout)\n"
    "    f_target = float(leaf.cdf(t_p99_target))\n"
)

WRONG = {
    "token_bucket": [
        WrongAnswer(
            _BUCKET_HEAD + "    tokens, last, out = float(n_burst), None, []\n"
            "    for now in t_arrival:\n"
            "        if last is not None:\n"
            "            tokens += (now - last) * rate\n"
            "        last = now\n"
            "        out.append(tokens >= 1.0)\n"
            "        if tokens >= 1.0:\n"
            "            tokens -= 1.0\n"
            "    return out\n",
            max_points=FULL - 2,
            passes=("test_token_bucket_visible",),
            why="never caps the tokens at n_burst: a quiet spell saves up an unlimited burst",
        ),
        WrongAnswer(
            _BUCKET_HEAD + "    tokens, last, out = float(n_burst), None, []\n"
            "    for now in t_arrival:\n"
            "        if last is not None:\n"
            "            tokens = min(float(n_burst), tokens + (now - last) * rate)\n"
            "        if tokens >= 1.0:\n"
            "            tokens -= 1.0\n"
            "            last = now\n"
            "            out.append(True)\n"
            "        else:\n"
            "            out.append(False)\n"
            "    return out\n",
            max_points=FULL - 2,
            passes=("test_token_bucket_visible",),
            why="moves the clock only on admission, so each refused request is refilled again "
            "for the same interval and the bucket admits too much",
        ),
        WrongAnswer(
            "def token_bucket_admit(t_arrival, rate, n_burst):\n"
            "    tokens, last, out = float(n_burst), None, []\n"
            "    for now in t_arrival:\n"
            "        if last is not None:\n"
            "            tokens = min(float(n_burst), tokens + (now - last) * rate)\n"
            "        last = now\n"
            "        out.append(tokens >= 1.0)\n"
            "        if tokens >= 1.0:\n"
            "            tokens -= 1.0\n"
            "    return out\n",
            max_points=FULL - 2,
            passes=("test_token_bucket_visible",),
            why="no argument checks: a rate of 0 or a bucket of 0 is accepted",
        ),
        WrongAnswer(
            "from scalelab.overload import token_bucket\n\n"
            "def token_bucket_admit(t_arrival, rate, n_burst):\n"
            "    if not rate > 0 or not n_burst >= 1:\n"
            "        raise ValueError('bad arguments')\n"
            "    return token_bucket(t_arrival, rate, n_burst).admitted.tolist()\n",
            max_points=FULL - 2,
            passes=("test_token_bucket_visible",),
            why="calls the library's token_bucket, which the exercise asks the learner to write",
        ),
        WrongAnswer(
            _BUCKET_HEAD + "    tokens, last, out = 0.0, None, []\n"
            "    for now in t_arrival:\n"
            "        if last is not None:\n"
            "            tokens = min(float(n_burst), tokens + (now - last) * rate)\n"
            "        last = now\n"
            "        out.append(tokens >= 1.0)\n"
            "        if tokens >= 1.0:\n"
            "            tokens -= 1.0\n"
            "    return out\n",
            max_points=FULL - 3,
            why="the bucket starts empty, so the first burst is refused",
        ),
    ],
    "defences": [
        WrongAnswer(
            "def my_defences():\n"
            "    return Server(t_shed=0.5), ClientPolicy(n_retries=1, t_backoff_base=12.0,\n"
            "                                            t_backoff_cap=12.0, jitter='none')\n",
            max_points=FULL - 0.5,
            passes=("test_defences_visible",),
            why="one retry timed to land just after the visible 10 s spike: on a burst of "
            "three times capacity too few requests get through",
        ),
        WrongAnswer(
            "def my_defences():\n    return Server(t_shed=0.5), ClientPolicy(n_retries=0)\n",
            max_points=FULL - 2.5,
            why="never retries: the server recovers at once but clients absorb every refusal, "
            "so the success SLO fails everywhere",
        ),
        WrongAnswer(
            "def my_defences():\n    return Server(t_shed=0.5), ClientPolicy()\n",
            max_points=FULL - 2.5,
            why="the drill's load shedding with quick retries: most retries land inside the "
            "spike and are refused again",
        ),
        WrongAnswer(
            "def my_defences():\n    return Server(), ClientPolicy(p_retry_budget=0.1)\n",
            max_points=FULL - 4,
            why="a retry budget alone stops the amplification but leaves the FIFO queue full "
            "of doomed work: no recovery within 10 s",
        ),
    ],
    "hedging": [
        WrongAnswer(
            "from scalelab.overload import hedged_quantile\n\n"
            "def hedge_delay(leaf, n_fanout, t_p99_target):\n"
            "    if hedged_quantile(leaf, 0.99, n_fanout=n_fanout) <= t_p99_target:\n"
            "        return float('inf')\n"
            "    if hedged_quantile(leaf, 0.99, 0.0, n_fanout=n_fanout) > t_p99_target:\n"
            "        raise ValueError('out of reach')\n"
            "    lo, hi = 0.0, t_p99_target\n"
            "    for _ in range(60):\n"
            "        mid = (lo + hi) / 2\n"
            "        if hedged_quantile(leaf, 0.99, mid, n_fanout=n_fanout) <= t_p99_target:\n"
            "            lo = mid\n"
            "        else:\n"
            "            hi = mid\n"
            "    return lo\n",
            max_points=FULL - 2,
            passes=("test_hedging_visible",),
            why="bisects the library's hedged_quantile instead of using the hedged CDF",
        ),
        WrongAnswer(
            _HEDGE_HEAD + "    need = 1.0 - (1.0 - q_leaf) / (1.0 - f_target)\n"
            "    return t_p99_target - leaf.quantile(max(need, 1e-12))\n",
            max_points=FULL - 2,
            passes=("test_hedging_visible",),
            why="no special cases: returns about the target instead of inf when no hedge is "
            "needed, and a negative delay instead of ValueError when the target is out of reach",
        ),
        WrongAnswer(
            "import math\n\n"
            "def hedge_delay(leaf, n_fanout, t_p99_target):\n"
            "    f_target = float(leaf.cdf(t_p99_target))\n"
            "    if f_target >= 0.99:\n"
            "        return math.inf\n"
            "    need = 1.0 - 0.01 / (1.0 - f_target)\n"
            "    return t_p99_target - leaf.quantile(need)\n",
            max_points=FULL - 3,
            why="forgets the fan-out: asks each leaf for the request's p99, so it never hedges",
        ),
        WrongAnswer(
            "def hedge_delay(leaf, n_fanout, t_p99_target):\n    return leaf.quantile(0.95)\n",
            max_points=FULL - 3,
            why="the paper's rule of thumb (hedge at the 95th percentile) whatever the target: "
            "much more extra load than needed",
        ),
    ],
}


RIGHT = {
    "token_bucket": [
        CorrectAnswer(
            'def token_bucket_admit(t_arrival, rate, n_burst):\n    if not rate > 0 or not n_burst >= 1:\n        raise ValueError("rate must be > 0 and n_burst >= 1")\n    tolerance = (n_burst - 1) / rate\n    tat, out = None, []\n    for now in t_arrival:\n        tat = now if tat is None or tat < now else tat\n        if tat - now <= tolerance + 1e-12:\n            out.append(True)\n            tat += 1.0 / rate\n        else:\n            out.append(False)\n    return out\n',
            why="the generic cell rate algorithm: one theoretical arrival time instead of a token count",
        ),
        CorrectAnswer(
            'class _Bucket:\n    def __init__(self, rate, n_burst):\n        if rate <= 0 or n_burst < 1:\n            raise ValueError("rate must be > 0 and n_burst >= 1")\n        self.rate, self.size, self.tokens, self.t = rate, float(n_burst), float(n_burst), None\n\n    def allow(self, now):\n        if self.t is not None:\n            self.tokens = min(self.size, self.tokens + (now - self.t) * self.rate)\n        self.t = now\n        if self.tokens >= 1.0:\n            self.tokens -= 1.0\n            return True\n        return False\n\n\ndef token_bucket_admit(t_arrival, rate, n_burst):\n    bucket = _Bucket(rate, n_burst)\n    return [bucket.allow(now) for now in t_arrival]\n',
            why="the bucket's state kept in a small class",
        ),
    ],
    "defences": [
        CorrectAnswer(
            'def my_defences():\n    return Server(t_shed=0.3), ClientPolicy(\n        n_retries=6, t_backoff_base=0.5, t_backoff_cap=20.0, jitter="decorrelated"\n    )\n',
            why="sheds early at 0.3 s and retries often with decorrelated jitter",
        ),
        CorrectAnswer(
            'def my_defences():\n    server = Server(discipline="codel", t_codel_target=0.1, t_codel_interval=1.0)\n    return server, ClientPolicy(\n        n_retries=6, t_backoff_base=0.5, t_backoff_cap=20.0, jitter="decorrelated"\n    )\n',
            why="a CoDel-like delay target instead of a shedding threshold",
        ),
        CorrectAnswer(
            'def my_defences():\n    return Server(t_shed=0.5), ClientPolicy(\n        n_retries=2, t_backoff_base=11.0, t_backoff_cap=11.0, jitter="none"\n    )\n',
            why="shedding plus two retries after a fixed 11 s (valid in this fluid model; a real system needs jitter)",
        ),
    ],
    "hedging": [
        CorrectAnswer(
            'import math\n\n\ndef hedge_delay(leaf, n_fanout, t_p99_target):\n    q_leaf = 0.99 ** (1.0 / n_fanout)\n    T = t_p99_target\n\n    def on_time(d):\n        return 1.0 - (1.0 - float(leaf.cdf(T))) * (1.0 - float(leaf.cdf(max(T - d, 0.0))))\n\n    if float(leaf.cdf(T)) >= q_leaf:\n        return math.inf\n    if on_time(0.0) < q_leaf:\n        raise ValueError("out of reach even hedging at once")\n    lo, hi = 0.0, T\n    for _ in range(100):\n        mid = (lo + hi) / 2\n        lo, hi = (mid, hi) if on_time(mid) >= q_leaf else (lo, mid)\n    return lo\n',
            why="bisection on the delay with the hedged CDF written out",
        ),
        CorrectAnswer(
            'import math\n\nfrom scipy.optimize import brentq\n\n\ndef hedge_delay(leaf, n_fanout, t_p99_target):\n    q_leaf = 0.99 ** (1.0 / n_fanout)\n    T = t_p99_target\n    tail = 1.0 - float(leaf.cdf(T))\n    if 1.0 - tail >= q_leaf:\n        return math.inf\n\n    def gap(d):\n        return 1.0 - tail * (1.0 - float(leaf.cdf(T - d))) - q_leaf\n\n    if gap(0.0) < 0:\n        raise ValueError("out of reach even hedging at once")\n    return brentq(gap, 0.0, T - 1e-15, xtol=1e-12)\n',
            why="a root finder (scipy's brentq) on the same condition",
        ),
    ],
}
