from answers import WrongAnswer

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
