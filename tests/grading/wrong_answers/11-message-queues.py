from answers import CorrectAnswer, WrongAnswer

FULL = 12  # autograded points of 11-message-queues

_CONSUMERS_HEAD = (
    "import math\n\n"
    "def consumers_needed(rate, t_service, t_wait_target):\n"
    "    for v in (rate, t_service, t_wait_target):\n"
    "        if not v > 0:\n"
    "            raise ValueError('all arguments must be > 0')\n"
    "    mu = 1.0 / t_service\n"
    "    a = rate / mu\n"
)
_ERLANG_LOOP = (
    "    while True:\n"
    "        top = a**c / math.factorial(c) * c / (c - a)\n"
    "        p = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)\n"
    "        if p / (c * mu - rate) <= t_wait_target:\n"
    "            return c\n"
    "        c += 1\n"
)

WRONG = {
    "little": [
        WrongAnswer(
            "def queue_figures(backlog, rate_served, t_service):\n"
            "    t_wait = backlog / rate_served\n"
            "    return {'t_wait': t_wait, 't_response': t_wait + t_service,\n"
            "            'n_busy': rate_served * t_service}\n",
            max_points=FULL - 1,
            passes=("test_little_visible",),
            why="no input checks: a negative backlog or zero rate_served is accepted",
        ),
        WrongAnswer(
            "from scalelab.queueing import littles_law\n\n"
            "def queue_figures(backlog, rate_served, t_service):\n"
            "    if backlog < 0 or rate_served <= 0 or t_service < 0:\n"
            "        raise ValueError('bad input')\n"
            "    t_wait = littles_law(n_system=backlog, rate=rate_served)\n"
            "    return {'t_wait': t_wait, 't_response': t_wait + t_service,\n"
            "            'n_busy': littles_law(rate=rate_served, t_response=t_service)}\n",
            max_points=FULL - 1,
            passes=("test_little_visible",),
            why="calls the library's littles_law, which the exercise asks the learner to replace",
        ),
        WrongAnswer(
            "def queue_figures(backlog, rate_served, t_service):\n"
            "    if backlog < 0 or rate_served <= 0 or t_service < 0:\n"
            "        raise ValueError('bad input')\n"
            "    t_wait = backlog / rate_served\n"
            "    return {'t_wait': t_wait, 't_response': t_wait, 'n_busy': backlog * t_service}\n",
            max_points=FULL - 2,
            why="response time without the service time; busy consumers from the backlog",
        ),
        WrongAnswer(
            "def queue_figures(backlog, rate_served, t_service):\n"
            "    if backlog < 0 or rate_served <= 0 or t_service <= 0:\n"
            "        raise ValueError('bad input')\n"
            "    t_wait = backlog / rate_served\n"
            "    return {'t_wait': t_wait, 't_response': t_wait + t_service,\n"
            "            'n_busy': rate_served * t_service}\n",
            max_points=FULL - 1,
            passes=("test_little_visible",),
            why="refuses a service time of zero, which the prompt allows (only negative is an "
            "error)",
        ),
    ],
    "consumers": [
        WrongAnswer(
            _CONSUMERS_HEAD + "    c = math.ceil(a)\n" + _ERLANG_LOOP,
            max_points=FULL - 2,
            passes=("test_consumers_visible",),
            why="starts at ceil(a): with a whole-number load it tries c = a, where rho = 1",
        ),
        WrongAnswer(
            "from scalelab.queueing import servers_for_wait\n\n"
            "def consumers_needed(rate, t_service, t_wait_target):\n"
            "    return servers_for_wait(rate, 1.0 / t_service, t_wait_target)\n",
            max_points=FULL - 2,
            passes=("test_consumers_visible",),
            why="calls the library's servers_for_wait instead of writing Erlang C",
        ),
        WrongAnswer(
            _CONSUMERS_HEAD
            + "    c = math.floor(a) + 1\n"
            + "    while (a / c) / (mu - rate / c) > t_wait_target:\n"
            + "        c += 1\n"
            + "    return c\n",
            max_points=FULL - 3,
            why="one M/M/1 queue per consumer (traffic split evenly): no pooling, too many",
        ),
    ],
    "idempotent": [
        WrongAnswer(
            "def handle_payment(message, state):\n"
            "    seen = state.setdefault('seen', set())\n"
            "    key = (message['account'], message['amount'])\n"
            "    if key in seen:\n"
            "        return\n"
            "    balances = state.setdefault('balances', {})\n"
            "    balances[message['account']] = balances.get(message['account'], 0) + message['amount']\n"
            "    seen.add(key)\n",
            max_points=FULL - 2,
            passes=("test_idempotent_visible",),
            why="deduplicates by content, so two equal payments with different ids count once",
        ),
        WrongAnswer(
            "def handle_payment(message, state):\n"
            "    if state.get('last') == message['id']:\n"
            "        return\n"
            "    balances = state.setdefault('balances', {})\n"
            "    balances[message['account']] = balances.get(message['account'], 0) + message['amount']\n"
            "    state['last'] = message['id']\n",
            max_points=FULL - 2,
            passes=("test_idempotent_visible",),
            why="remembers only the last id: a redelivery after other messages is credited again",
        ),
        WrongAnswer(
            "SEEN = set()\n\n"
            "def handle_payment(message, state):\n"
            "    if message['id'] in SEEN:\n"
            "        return\n"
            "    balances = state.setdefault('balances', {})\n"
            "    balances[message['account']] = balances.get(message['account'], 0) + message['amount']\n"
            "    SEEN.add(message['id'])\n",
            max_points=FULL - 2,
            passes=("test_idempotent_visible",),
            why="keeps the seen ids in a global, not in state: a fresh consumer skips old ids",
        ),
        WrongAnswer(
            "def handle_payment(message, state):\n"
            "    balances = state.setdefault('balances', {})\n"
            "    balances[message['account']] = balances.get(message['account'], 0) + message['amount']\n",
            max_points=FULL - 3,
            why="not idempotent at all: every redelivery is credited",
        ),
    ],
    "autoscale": [
        WrongAnswer(
            "def my_rule(backlog, n_workers, rate):\n"
            "    if backlog > 100:\n"
            "        return n_workers + 2\n"
            "    if backlog == 0 and n_workers * 5 * 0.6 > rate:\n"
            "        return max(1, n_workers - 1)\n"
            "    return n_workers\n",
            max_points=FULL - 0.5,
            passes=("test_autoscale_visible",),
            why="purely reactive steps of two: too slow for a flash sale's backlog",
        ),
        WrongAnswer(
            "import math\n\n"
            "def my_rule(backlog, n_workers, rate):\n"
            "    return max(12, math.ceil(rate * T_SERVICE / 0.75))\n",
            max_points=FULL - 0.5,
            passes=("test_autoscale_visible",),
            why="a floor of 12 workers tuned to the visible day: over budget on a quiet day",
        ),
        WrongAnswer(
            "def my_rule(backlog, n_workers, rate):\n    return 20\n",
            max_points=FULL - 1,
            why="a fixed pool sized for the peak: over budget",
        ),
        WrongAnswer(
            "def my_rule(backlog, n_workers, rate):\n    return rate * T_SERVICE / 0.7\n",
            max_points=FULL - 4,
            why="returns a float, which the simulation rejects",
        ),
    ],
}


RIGHT = {
    "little": [
        CorrectAnswer(
            "from collections import OrderedDict\n\n"
            "def queue_figures(backlog, rate_served, t_service):\n"
            "    if not rate_served > 0:\n"
            "        raise ValueError('rate_served must be > 0')\n"
            "    if min(backlog, t_service) < 0:\n"
            "        raise ValueError('backlog and t_service must be >= 0')\n"
            "    out = OrderedDict()\n"
            "    out['n_busy'] = rate_served * t_service\n"
            "    out['t_wait'] = backlog / rate_served\n"
            "    out['t_response'] = (backlog + out['n_busy']) / rate_served\n"
            "    return out\n",
            why="checks in another order; the response time by Little's law on the whole "
            "system (waiting + in service); an OrderedDict",
        ),
        CorrectAnswer(
            "def queue_figures(backlog, rate_served, t_service):\n"
            "    checks = [(backlog >= 0, 'backlog'), (rate_served > 0, 'rate_served'),\n"
            "              (t_service >= 0, 't_service')]\n"
            "    for ok, name in checks:\n"
            "        if not ok:\n"
            "            raise ValueError(f'{name} is out of range')\n"
            "    t_wait = float(backlog) / float(rate_served)\n"
            "    return dict(t_wait=t_wait, t_response=t_wait + t_service,\n"
            "                n_busy=float(rate_served) * t_service)\n",
            why="a table of checks and dict(...) with keywords",
        ),
    ],
    "consumers": [
        CorrectAnswer(
            "def consumers_needed(rate, t_service, t_wait_target):\n"
            "    if not (rate > 0 and t_service > 0 and t_wait_target > 0):\n"
            "        raise ValueError('rate, t_service and t_wait_target must be > 0')\n"
            "    a = rate * t_service\n"
            "    c, b = 0, 1.0  # Erlang B by its recurrence, one server at a time\n"
            "    while True:\n"
            "        c += 1\n"
            "        b = a * b / (c + a * b)\n"
            "        if c <= a:\n"
            "            continue\n"
            "        p_wait = c * b / (c - a * (1 - b))\n"
            "        if p_wait / (c / t_service - rate) <= t_wait_target:\n"
            "            return c\n",
            why="Erlang C from the Erlang B recurrence: no factorials, stable for large pools",
        ),
        CorrectAnswer(
            "import math\n\n"
            "def _wait(c, a, mu):\n"
            "    terms = [a**k / math.factorial(k) for k in range(c)]\n"
            "    last = a**c / math.factorial(c) / (1 - a / c)\n"
            "    return last / (sum(terms) + last) / (c * mu - a * mu)\n\n"
            "def consumers_needed(rate, t_service, t_wait_target):\n"
            "    if min(rate, t_service, t_wait_target) <= 0:\n"
            "        raise ValueError('all three arguments must be positive')\n"
            "    mu = 1 / t_service\n"
            "    a = rate / mu\n"
            "    lo = int(a) + 1\n"
            "    hi = lo\n"
            "    while _wait(hi, a, mu) > t_wait_target:\n"
            "        hi += 16\n"
            "    while lo < hi:  # the wait falls as c grows: bisect\n"
            "        mid = (lo + hi) // 2\n"
            "        if _wait(mid, a, mu) <= t_wait_target:\n"
            "            hi = mid\n"
            "        else:\n"
            "            lo = mid + 1\n"
            "    return lo\n",
            why="a helper for the wait, a coarse step up, then bisection",
        ),
    ],
    "idempotent": [
        CorrectAnswer(
            "from collections import defaultdict\n\n"
            "def handle_payment(message, state):\n"
            "    done = state.setdefault('done', {})\n"
            "    if done.get(message['id']):\n"
            "        return\n"
            "    if 'balances' not in state:\n"
            "        state['balances'] = defaultdict(int)\n"
            "    state['balances'][message['account']] += message['amount']\n"
            "    done[message['id']] = True\n",
            why="a dict of handled ids and a defaultdict of balances",
        ),
        CorrectAnswer(
            "def handle_payment(message, state):\n"
            "    ledger = state.setdefault('ledger', {})\n"
            "    ledger.setdefault(message['id'], (message['account'], message['amount']))\n"
            "    balances = {}\n"
            "    for account, amount in ledger.values():\n"
            "        balances[account] = balances.get(account, 0) + amount\n"
            "    state['balances'] = balances\n",
            why="keeps a ledger keyed by message id and recomputes the balances from it",
        ),
    ],
    "autoscale": [
        CorrectAnswer(
            "import numpy as np\n\n"
            "def my_rule(backlog, n_workers, rate):\n"
            "    need = (rate + backlog / 90.0) * T_SERVICE / 0.7\n"
            "    return int(np.clip(-(-need // 1), 1, 1000))\n",
            why="70 % busy plus the backlog drained in 90 s, rounded up by floor division",
        ),
        CorrectAnswer(
            "import math\n\n"
            "class _Hysteresis:\n"
            "    def __call__(self, backlog, n_workers, rate):\n"
            "        target = rate * T_SERVICE / 0.75\n"
            "        if backlog > 500:\n"
            "            target += backlog * T_SERVICE / 60.0\n"
            "        target = math.ceil(target)\n"
            "        if 0.8 * n_workers < target < n_workers:\n"
            "            target = n_workers  # hold steady on small dips\n"
            "        return max(1, min(1000, target))\n\n"
            "my_rule = _Hysteresis()\n",
            why="a callable object with hysteresis: no scale-in on small dips",
        ),
    ],
}
