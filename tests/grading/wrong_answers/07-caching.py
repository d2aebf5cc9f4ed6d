from answers import CorrectAnswer, WrongAnswer

# Full marks: 10 autograded points (lru_class 1 + 3, latency 1 + 2, best_policy 1 + 2).

LIST_LRU = '''
class LRU:
    """An LRU that keeps recency in a Python list: right answers, O(n) per operation."""

    def __init__(self, n_capacity):
        if n_capacity < 1:
            raise ValueError("n_capacity must be >= 1")
        self.n_capacity = n_capacity
        self.data = {}
        self.order = []  # least recently used first

    def get(self, key):
        if key not in self.data:
            return None
        self.order.remove(key)
        self.order.append(key)
        return self.data[key]

    def put(self, key, value):
        if key in self.data:
            self.order.remove(key)
        elif len(self.order) >= self.n_capacity:
            del self.data[self.order.pop(0)]
        self.order.append(key)
        self.data[key] = value

    def __len__(self):
        return len(self.data)
'''

STALE_PUT_LRU = '''
from collections import OrderedDict


class LRU:
    """Replacing a value does not make the key recent."""

    def __init__(self, n_capacity):
        if n_capacity < 1:
            raise ValueError("n_capacity must be >= 1")
        self.n_capacity = n_capacity
        self.data = OrderedDict()

    def get(self, key):
        if key not in self.data:
            return None
        self.data.move_to_end(key)
        return self.data[key]

    def put(self, key, value):
        if key not in self.data and len(self.data) >= self.n_capacity:
            self.data.popitem(last=False)
        self.data[key] = value

    def __len__(self):
        return len(self.data)
'''

LIBRARY_LRU = '''
from scalelab.cache import LRUCache


class LRU(LRUCache):
    """Borrows the library's LRU."""

    def get(self, key):
        return super().get(key)
'''

FIFO = '''
from collections import OrderedDict


class LRU:
    """Really FIFO: a read does not refresh the key."""

    def __init__(self, n_capacity):
        if n_capacity < 1:
            raise ValueError("n_capacity must be >= 1")
        self.n_capacity = n_capacity
        self.data = OrderedDict()

    def get(self, key):
        return self.data.get(key)

    def put(self, key, value):
        if key not in self.data and len(self.data) >= self.n_capacity:
            self.data.popitem(last=False)
        self.data[key] = value

    def __len__(self):
        return len(self.data)
'''

NO_CHECKS_LATENCY = """
def effective_latency(p_hit, t_cache, t_db):
    return t_cache + (1 - p_hit) * t_db


def hit_ratio_needed(t_target, t_cache, t_db):
    return 1 - (t_target - t_cache) / t_db
"""

MISS_SKIPS_CACHE = """
def effective_latency(p_hit, t_cache, t_db):
    if not 0 <= p_hit <= 1 or t_cache < 0 or t_db < 0:
        raise ValueError("bad input")
    return p_hit * t_cache + (1 - p_hit) * t_db


def hit_ratio_needed(t_target, t_cache, t_db):
    if t_db <= 0 or t_target < t_cache:
        raise ValueError("bad input")
    return max(0.0, (t_db - t_target) / (t_db - t_cache))
"""

LIBRARY_LATENCY = """
from scalelab.cache import mean_latency


def effective_latency(p_hit, t_cache, t_db):
    return mean_latency(p_hit, t_cache, t_db)


def hit_ratio_needed(t_target, t_cache, t_db):
    if t_db <= 0 or t_target < t_cache:
        raise ValueError("bad input")
    return max(0.0, 1 - (t_target - t_cache) / t_db)
"""

WRONG = {
    "lru_class": [
        WrongAnswer(
            LIST_LRU,
            max_points=7,
            passes=("test_lru_class_visible",),
            why="a list for recency: right answers, but O(n) remove and pop(0)",
        ),
        WrongAnswer(
            STALE_PUT_LRU,
            max_points=7,
            passes=("test_lru_class_visible",),
            why="put on an existing key does not make it the most recent",
        ),
        WrongAnswer(
            LIBRARY_LRU,
            max_points=7,
            passes=("test_lru_class_visible",),
            why="subclasses the library's LRUCache instead of writing one",
        ),
        WrongAnswer(FIFO, max_points=6, why="FIFO: a read does not refresh recency"),
    ],
    "latency": [
        WrongAnswer(
            "def effective_latency(p_hit, t_cache, t_db):\n"
            "    if not 0 <= p_hit <= 1 or t_cache <= 0 or t_db <= 0:\n"
            "        raise ValueError('times must be positive')\n"
            "    return t_cache + (1 - p_hit) * t_db\n\n\n"
            "def hit_ratio_needed(t_target, t_cache, t_db):\n"
            "    if t_db <= 0 or t_cache <= 0 or t_target < t_cache:\n"
            "        raise ValueError('no such hit ratio')\n"
            "    return max(0.0, 1 - (t_target - t_cache) / t_db)\n",
            max_points=8,
            passes=("test_latency_visible",),
            why="refuses a zero time, where the prompt raises only for negative times",
        ),
        WrongAnswer(
            NO_CHECKS_LATENCY,
            max_points=8,
            passes=("test_latency_visible",),
            why="no input checks, and a hit ratio below 0 for a loose target",
        ),
        WrongAnswer(
            LIBRARY_LATENCY,
            max_points=8,
            passes=("test_latency_visible",),
            why="calls the library's mean_latency, which the exercise switches off",
        ),
        WrongAnswer(
            MISS_SKIPS_CACHE,
            max_points=7,
            why="a miss pays only t_db: forgets that every read asks the cache first",
        ),
    ],
    "best_policy": [
        WrongAnswer(
            'def best_policy(trace, n_capacity):\n    return "sieve"\n',
            max_points=8,
            passes=("test_best_policy_visible",),
            why="hard-codes the winner of the visible trace",
        ),
        WrongAnswer(
            "def best_policy(trace, n_capacity):\n"
            "    ratios = {p: hit_ratio(trace, p, n_capacity) for p in POLICIES}\n"
            "    return min(ratios, key=ratios.get)\n",
            max_points=7,
            why="picks the lowest hit ratio (confuses hit and miss ratio)",
        ),
        WrongAnswer(
            "def best_policy(trace, n_capacity):\n"
            "    ratios = {p: hit_ratio(trace, p, n_capacity) for p in POLICIES}\n"
            "    return max(ratios.values())\n",
            max_points=7,
            why="returns the best hit ratio, not the policy's name",
        ),
    ],
}

LINKED_LRU = '''
class _Node:
    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key=None, value=None):
        self.key, self.value, self.prev, self.next = key, value, None, None


class LRU:
    """A dict of nodes plus a doubly linked list with sentinels (head: most recent)."""

    def __init__(self, n_capacity):
        if isinstance(n_capacity, bool) or int(n_capacity) != n_capacity or n_capacity < 1:
            raise ValueError(f"n_capacity must be >= 1; got {n_capacity!r}")
        self.n_capacity = int(n_capacity)
        self._nodes = {}
        self._head, self._tail = _Node(), _Node()
        self._head.next, self._tail.prev = self._tail, self._head

    def _unlink(self, node):
        node.prev.next, node.next.prev = node.next, node.prev

    def _push_front(self, node):
        node.prev, node.next = self._head, self._head.next
        self._head.next.prev = node
        self._head.next = node

    def get(self, key):
        node = self._nodes.get(key)
        if node is None:
            return None
        self._unlink(node)
        self._push_front(node)
        return node.value

    def put(self, key, value):
        node = self._nodes.get(key)
        if node is not None:
            node.value = value
            self._unlink(node)
        else:
            if len(self._nodes) >= self.n_capacity:
                oldest = self._tail.prev
                self._unlink(oldest)
                del self._nodes[oldest.key]
            node = _Node(key, value)
            self._nodes[key] = node
        self._push_front(node)

    def __len__(self):
        return len(self._nodes)
'''

POP_REINSERT_LRU = '''
from collections import OrderedDict


class LRU:
    """Recency by popping a key and inserting it again at the end."""

    def __init__(self, n_capacity):
        if n_capacity < 1:
            raise ValueError("n_capacity must be at least 1")
        self.size = n_capacity
        self.items = OrderedDict()

    def get(self, key):
        if key in self.items:
            value = self.items.pop(key)
            self.items[key] = value
            return value
        return None

    def put(self, key, value):
        self.items.pop(key, None)
        self.items[key] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)

    def __len__(self):
        return len(self.items)
'''

RIGHT = {
    "lru_class": [
        CorrectAnswer(LINKED_LRU, why="a dict of nodes and a doubly linked list with sentinels"),
        CorrectAnswer(
            POP_REINSERT_LRU, why="pop and re-insert into an OrderedDict; evict after inserting"
        ),
    ],
    "latency": [
        CorrectAnswer(
            "def effective_latency(p_hit, t_cache, t_db):\n"
            "    if min(t_cache, t_db) < 0:\n"
            "        raise ValueError('times must be >= 0 s')\n"
            "    if p_hit < 0 or p_hit > 1:\n"
            "        raise ValueError('p_hit must be in [0, 1]')\n"
            "    return p_hit * t_cache + (1 - p_hit) * (t_cache + t_db)\n\n\n"
            "def hit_ratio_needed(t_target, t_cache, t_db):\n"
            "    if not t_db > 0:\n"
            "        raise ValueError('t_db must be > 0 s')\n"
            "    if t_cache < 0 or t_target < t_cache:\n"
            "        raise ValueError('no hit ratio reaches the target')\n"
            "    return min(1.0, max(0.0, (t_cache + t_db - t_target) / t_db))\n",
            why="hits and misses weighted separately; the checks in another order",
        ),
        CorrectAnswer(
            "def effective_latency(p_hit, t_cache, t_db):\n"
            "    if not (0.0 <= p_hit <= 1.0 and t_cache >= 0 and t_db >= 0):\n"
            "        raise ValueError(f'bad input: {p_hit}, {t_cache}, {t_db}')\n"
            "    return t_cache + t_db - p_hit * t_db\n\n\n"
            "def hit_ratio_needed(t_target, t_cache, t_db):\n"
            "    if t_db <= 0 or t_cache < 0 or t_target < t_cache:\n"
            "        raise ValueError('no hit ratio reaches the target')\n"
            "    if effective_latency(0.0, t_cache, t_db) <= t_target:\n"
            "        return 0.0\n"
            "    return (t_cache + t_db - t_target) / t_db\n",
            why="one combined check, and the zero case answered by calling effective_latency",
        ),
    ],
    "best_policy": [
        CorrectAnswer(
            "def best_policy(trace, n_capacity):\n"
            "    best, best_ratio = None, -1.0\n"
            "    for policy in POLICIES:\n"
            "        ratio = float(hit_ratio(trace, policy, n_capacity))\n"
            "        if ratio > best_ratio:\n"
            "            best, best_ratio = policy, ratio\n"
            "    return str(best)\n",
            why="a loop keeping the first strictly better policy",
        ),
        CorrectAnswer(
            "def best_policy(trace, n_capacity):\n"
            "    ratios = {p: hit_ratio(trace, p, n_capacity) for p in POLICIES}\n"
            "    return max(POLICIES, key=lambda p: (ratios[p], -POLICIES.index(p)))\n",
            why="max over a dict of ratios, ties broken by the position in POLICIES",
        ),
    ],
}
