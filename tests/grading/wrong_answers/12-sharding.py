from answers import WrongAnswer

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
