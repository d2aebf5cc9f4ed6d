from answers import CorrectAnswer, WrongAnswer

# Full marks: 12 autograded points (four exercises, 1 visible + 2 hidden each).
_SHARE_OK = (
    "def hottest_shard_share(values, n_shards):\n"
    "    shards = place(hash_keys(list(values)), range(n_shards))\n"
    "    counts = np.bincount(shards, minlength=n_shards)\n"
    "    return float(counts.max() / counts.sum())\n\n"
)

WRONG = {
    "moved_mod_n": [
        WrongAnswer(
            "def fraction_moved_mod_n(keys, n_before, n_after):\n"
            "    if n_before < 1 or n_after < 1:\n"
            "        raise ValueError('shard counts must be >= 1')\n"
            "    moved = sum(hash(k) % n_before != hash(k) % n_after for k in keys)\n"
            "    return moved / len(keys)\n",
            max_points=10,
            passes=("test_moved_mod_n_visible",),
            why="Python's salted hash(): about 80 % too, but not the placement any other "
            "process computes",
        ),
        WrongAnswer(
            "def fraction_moved_mod_n(keys, n_before, n_after):\n"
            "    if n_before < 1 or n_after < 1:\n"
            "        raise ValueError('shard counts must be >= 1')\n"
            "    return 0.0 if n_before == n_after else 1 - 1 / n_after\n",
            max_points=10,
            passes=("test_moved_mod_n_visible",),
            why="the N -> N+1 formula applied to every change (3 -> 6 moves half, not 5/6)",
        ),
        WrongAnswer(
            "def fraction_moved_mod_n(keys, n_before, n_after):\n"
            "    moved = 0\n"
            "    for key in keys:\n"
            "        h = stable_hash(key)\n"
            "        moved += h % n_before != h % n_after\n"
            "    return moved / len(keys)\n",
            max_points=10,
            passes=("test_moved_mod_n_visible",),
            why="no check of the shard counts (0 shards raises ZeroDivisionError, -2 is accepted)",
        ),
        WrongAnswer(
            "def fraction_moved_mod_n(keys, n_before, n_after):\n"
            "    if n_before < 1 or n_after < 1:\n"
            "        raise ValueError('shard counts must be >= 1')\n"
            "    h = hash_keys(keys)\n"
            "    return float((place(h, range(n_before), 'mod') != place(h, range(n_after), "
            "'mod')).mean())\n",
            max_points=10,
            passes=("test_moved_mod_n_visible",),
            why="calls the library's placement, which the exercise asks the learner to replace",
        ),
    ],
    "ring_lookup": [
        WrongAnswer(
            "def ring_lookup(key_hash, points, owners):\n"
            "    import bisect\n"
            "    i = bisect.bisect_right(points, key_hash)\n"
            "    return owners[i % len(points)]\n",
            max_points=10,
            passes=("test_ring_lookup_visible",),
            why="a key exactly on a point goes to the next point (strictly after, not at or after)",
        ),
        WrongAnswer(
            "def ring_lookup(key_hash, points, owners):\n"
            "    import bisect\n"
            "    i = bisect.bisect_left(points, key_hash)\n"
            "    return owners[min(i, len(points) - 1)]\n",
            max_points=9,
            why="no wrap-around: keys past the last point stay on the last point's shard",
        ),
        WrongAnswer(
            "def ring_lookup(key_hash, points, owners):\n"
            "    import bisect\n"
            "    i = bisect.bisect_left(points, key_hash)\n"
            "    return owners[i - 1]\n",
            max_points=9,
            why="counter-clockwise: the owner of the point before the key",
        ),
    ],
    "shard_key": [
        WrongAnswer(
            "def hottest_shard_share(values, n_shards):\n"
            "    distinct = sorted(set(values))\n"
            "    shards = place(hash_keys(distinct), range(n_shards))\n"
            "    counts = np.bincount(shards, minlength=n_shards)\n"
            "    return float(counts.max() / counts.sum())\n\n"
            "SHARD_KEY = 'conversation_id'\n",
            max_points=10,
            passes=("test_shard_key_visible",),
            why="counts distinct keys per shard, not requests: skew is invisible",
        ),
        WrongAnswer(
            _SHARE_OK + "SHARD_KEY = 'user_id'\n",
            max_points=10,
            passes=("test_shard_key_visible",),
            why="shards by sender: balanced, but every conversation is spread over many shards",
        ),
        WrongAnswer(
            "def hottest_shard_share(values, n_shards):\n"
            "    shards = place(hash_keys(list(values)), range(n_shards))\n"
            "    return int(np.bincount(shards, minlength=n_shards).max())\n\n"
            "SHARD_KEY = 'conversation_id'\n",
            max_points=9,
            why="returns the busiest shard's request count, not its share",
        ),
    ],
    "celebrity": [
        WrongAnswer(
            "import math\n\n"
            "def splits_needed(rate, p_hot, n_shards, rate_capacity):\n"
            "    spare = rate_capacity - rate * (1 - p_hot) / n_shards\n"
            "    if spare <= 0:\n"
            "        raise ValueError('no room')\n"
            "    return max(1, math.ceil(rate * p_hot / spare))\n",
            max_points=10,
            passes=("test_celebrity_visible",),
            why="never checks that k fits in the number of shards",
        ),
        WrongAnswer(
            "def splits_needed(rate, p_hot, n_shards, rate_capacity):\n"
            "    spare = rate_capacity - rate * (1 - p_hot) / n_shards\n"
            "    if spare <= 0:\n"
            "        raise ValueError('no room')\n"
            "    k = int(rate * p_hot // spare) + 1\n"
            "    if k > n_shards:\n"
            "        raise ValueError('not enough shards')\n"
            "    return k\n",
            max_points=10,
            passes=("test_celebrity_visible",),
            why="floor + 1 instead of ceil: one split too many when the hot traffic fits exactly",
        ),
        WrongAnswer(
            "import math\n\n"
            "def splits_needed(rate, p_hot, n_shards, rate_capacity):\n"
            "    k = max(1, math.ceil(rate * p_hot / rate_capacity))\n"
            "    if k > n_shards:\n"
            "        raise ValueError('not enough shards')\n"
            "    return k\n",
            max_points=9,
            why="forgets the ordinary traffic every shard already carries",
        ),
    ],
}


RIGHT = {
    "moved_mod_n": [
        CorrectAnswer(
            "def fraction_moved_mod_n(keys, n_before, n_after):\n"
            "    if min(n_before, n_after) < 1:\n"
            "        raise ValueError('shard counts must be >= 1')\n"
            "    hashes = [stable_hash(k) for k in keys]\n"
            "    if not hashes:\n"
            "        return 0.0\n"
            "    return sum(h % n_before != h % n_after for h in hashes) / len(hashes)\n",
            why="hashes first, then a generator of booleans summed",
        ),
        CorrectAnswer(
            "import numpy as np\n\n"
            "def fraction_moved_mod_n(keys, n_before, n_after):\n"
            "    for n in (n_before, n_after):\n"
            "        if n < 1:\n"
            "            raise ValueError(f'a shard count must be >= 1, got {n}')\n"
            "    h = np.array([stable_hash(k) for k in keys], dtype=np.uint64)\n"
            "    moved = h % np.uint64(n_before) != h % np.uint64(n_after)\n"
            "    return float(np.count_nonzero(moved)) / max(len(h), 1)\n",
            why="numpy arrays of unsigned 64-bit hashes",
        ),
    ],
    "ring_lookup": [
        CorrectAnswer(
            "def ring_lookup(key_hash, points, owners):\n"
            "    for point, owner in zip(points, owners):\n"
            "        if point >= key_hash:\n"
            "            return owner\n"
            "    return owners[0]\n",
            why="a linear walk round the ring (slower, same answers)",
        ),
        CorrectAnswer(
            "def ring_lookup(key_hash, points, owners):\n"
            "    lo, hi = 0, len(points)\n"
            "    while lo < hi:  # first index with points[i] >= key_hash\n"
            "        mid = (lo + hi) // 2\n"
            "        if points[mid] < key_hash:\n"
            "            lo = mid + 1\n"
            "        else:\n"
            "            hi = mid\n"
            "    return owners[lo % len(points)]\n",
            why="a hand-written binary search, wrapping with a modulo",
        ),
    ],
    "shard_key": [
        CorrectAnswer(
            "from collections import Counter\n\n"
            "def hottest_shard_share(values, n_shards):\n"
            "    values = list(values)\n"
            "    shards = place(hash_keys(values), range(n_shards)).tolist()\n"
            "    return max(Counter(shards).values()) / len(values)\n\n"
            "SHARD_KEY = 'conversation_id'  # one conversation on one shard\n",
            why="a Counter of shard indices",
        ),
        CorrectAnswer(
            "def hottest_shard_share(values, n_shards):\n"
            "    distinct = list(dict.fromkeys(values))\n"
            "    where = dict(zip(distinct, place(hash_keys(distinct), range(n_shards)).tolist()))\n"
            "    counts = [0] * n_shards\n"
            "    for v in values:\n"
            "        counts[where[v]] += 1\n"
            "    return max(counts) / sum(counts)\n\n"
            "_shares = {c: hottest_shard_share(v.tolist(), 8) for c, v in chat.items()}\n"
            "SHARD_KEY = 'conversation_id' if _shares['day'] > 0.5 else 'user_id'\n",
            why="places each distinct value once and counts requests through a lookup table; "
            "the key chosen from the measured shares",
        ),
    ],
    "celebrity": [
        CorrectAnswer(
            "def splits_needed(rate, p_hot, n_shards, rate_capacity):\n"
            "    ordinary = rate * (1 - p_hot) / n_shards\n"
            "    for k in range(1, n_shards + 1):\n"
            "        if ordinary + rate * p_hot / k <= rate_capacity * (1 + 1e-12):\n"
            "            return k\n"
            "    raise ValueError('even one sub-key per shard is not enough')\n",
            why="tries k = 1, 2, ... n_shards in turn",
        ),
        CorrectAnswer(
            "import math\n\n"
            "def splits_needed(rate, p_hot, n_shards, rate_capacity):\n"
            "    hot = rate * p_hot\n"
            "    room = rate_capacity - rate * (1 - p_hot) / n_shards\n"
            "    if room < 0 or (room == 0 and hot > 0):\n"
            "        raise ValueError('no split is enough: ordinary traffic fills a shard')\n"
            "    k = 1 if hot == 0 else max(1, math.ceil(round(hot / room, 9)))\n"
            "    if k > n_shards:\n"
            "        raise ValueError('more splits than shards')\n"
            "    return k\n",
            why="closed form with the division rounded before the ceiling",
        ),
    ],
}
