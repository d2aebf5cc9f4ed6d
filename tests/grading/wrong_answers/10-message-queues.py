from answers import WrongAnswer

FULL = 12  # autograded points of 10-message-queues

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
