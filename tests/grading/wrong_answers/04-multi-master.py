from answers import CorrectAnswer, WrongAnswer

# Full marks for the autograded part of 04-multi-master: 4 + 3 + 3 + 3 = 13.

WRONG = {
    "lww_merge": [
        WrongAnswer(
            "def lww_merge(a, b):\n    out = dict(a)\n    out.update(b)\n    return out\n",
            max_points=10,
            passes=("test_lww_merge_visible",),
            why="the version that arrives last wins: not commutative, replicas diverge",
        ),
        WrongAnswer(
            "def lww_merge(a, b):\n"
            "    out = dict(a)\n"
            "    for k, v in b.items():\n"
            "        if k not in out or v[0] >= out[k][0]:\n"
            "            out[k] = v\n"
            "    return out\n",
            max_points=10,
            passes=("test_lww_merge_visible",),
            why="timestamps only: on a tie the incoming version wins, so the merge is not commutative",
        ),
        WrongAnswer(
            "def lww_merge(a, b):\n"
            "    for k, v in b.items():\n"
            "        if k not in a or (v[0], v[1]) > (a[k][0], a[k][1]):\n"
            "            a[k] = v\n"
            "    return a\n",
            max_points=10,
            passes=("test_lww_merge_visible",),
            why="changes the caller's replica in place",
        ),
        WrongAnswer(
            "from scalelab.replication import lww_merge as library_merge\n\n"
            "def lww_merge(a, b):\n"
            "    return library_merge(a, b)\n",
            max_points=10,
            passes=("test_lww_merge_visible",),
            why="calls the library's merge, which the exercise asks the learner to write",
        ),
        WrongAnswer(
            "def lww_merge(a, b):\n"
            "    return {k: max(a[k], b[k], key=lambda v: (v[0], v[1])) for k in a if k in b}\n",
            max_points=9,
            why="keeps only the keys both replicas have",
        ),
    ],
    "compare_vv": [
        WrongAnswer(
            "def compare_vv(a, b):\n"
            "    sa, sb = sum(a.values()), sum(b.values())\n"
            "    return 'equal' if sa == sb else 'before' if sa < sb else 'after'\n",
            max_points=11,
            passes=("test_compare_vv_visible",),
            why="compares total counts: a total order that never reports concurrent writes",
        ),
        WrongAnswer(
            "def compare_vv(a, b):\n"
            "    smaller = any(a[n] < b.get(n, 0) for n in a)\n"
            "    larger = any(a[n] > b.get(n, 0) for n in a)\n"
            "    if smaller and larger:\n"
            "        return 'concurrent'\n"
            "    return 'before' if smaller else 'after' if larger else 'equal'\n",
            max_points=11,
            passes=("test_compare_vv_visible",),
            why="looks only at the nodes in a: entries that only b has are ignored",
        ),
        WrongAnswer(
            "def compare_vv(a, b):\n"
            "    if a == b:\n"
            "        return 'equal'\n"
            "    nodes = set(a) | set(b)\n"
            "    if all(a.get(n, 0) <= b.get(n, 0) for n in nodes):\n"
            "        return 'before'\n"
            "    if all(a.get(n, 0) >= b.get(n, 0) for n in nodes):\n"
            "        return 'after'\n"
            "    return 'concurrent'\n",
            max_points=11,
            passes=("test_compare_vv_visible",),
            why="an explicit zero makes equal vectors compare as 'before'",
        ),
    ],
    "ring_arrival_times": [
        WrongAnswer(
            "def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):\n"
            "    if not 0 <= origin < n_nodes:\n"
            "        raise ValueError('origin')\n"
            "    return [((j - origin) % n_nodes) * t_hop for j in range(n_nodes)]\n",
            max_points=11,
            passes=("test_ring_arrival_times_visible",),
            why="ignores the cut link",
        ),
        WrongAnswer(
            "import math\n\n"
            "def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):\n"
            "    if not 0 <= origin < n_nodes:\n"
            "        raise ValueError('origin')\n"
            "    out = [((j - origin) % n_nodes) * t_hop for j in range(n_nodes)]\n"
            "    if cut_link is not None:\n"
            "        out[cut_link[1]] = math.inf\n"
            "    return out\n",
            max_points=11,
            passes=("test_ring_arrival_times_visible",),
            why="a cut link blocks only its own end, not the nodes behind it",
        ),
        WrongAnswer(
            "def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):\n"
            "    return [((j - origin) % n_nodes) * t_hop for j in range(n_nodes)]\n",
            max_points=11,
            passes=("test_ring_arrival_times_visible",),
            why="no ValueError for an origin outside the ring (and no cut)",
        ),
        WrongAnswer(
            "def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):\n"
            "    return [((origin - j) % n_nodes) * t_hop for j in range(n_nodes)]\n",
            max_points=10,
            why="goes round the ring the wrong way",
        ),
    ],
    "merge_cart_counts": [
        WrongAnswer(
            "def merge_cart_counts(a, b):\n"
            "    out = {}\n"
            "    for item in set(a) | set(b):\n"
            "        left, right = a.get(item, {}), b.get(item, {})\n"
            "        out[item] = dict(left if sum(left.values()) >= sum(right.values()) else right)\n"
            "    return out\n",
            max_points=11,
            passes=("test_merge_cart_counts_visible",),
            why="keeps the side with the larger quantity: concurrent additions of one item are lost",
        ),
        WrongAnswer(
            "def merge_cart_counts(a, b):\n"
            "    out = {}\n"
            "    for item in set(a) | set(b):\n"
            "        left, right = a.get(item, {}), b.get(item, {})\n"
            "        out[item] = {n: left.get(n, 0) + right.get(n, 0) for n in set(left) | set(right)}\n"
            "    return out\n",
            max_points=11,
            passes=("test_merge_cart_counts_visible",),
            why="adds the counts: a cart merged with itself doubles (not idempotent)",
        ),
        WrongAnswer(
            "def merge_cart_counts(a, b):\n"
            "    for item, counts in b.items():\n"
            "        mine = a.setdefault(item, {})\n"
            "        for n, c in counts.items():\n"
            "            mine[n] = max(mine.get(n, 0), c)\n"
            "    return a\n",
            max_points=11,
            passes=("test_merge_cart_counts_visible",),
            why="changes the caller's cart in place",
        ),
        WrongAnswer(
            "from scalelab.replication import merge_cart_counts as library_merge\n\n"
            "def merge_cart_counts(a, b):\n"
            "    return library_merge(a, b)\n",
            max_points=11,
            passes=("test_merge_cart_counts_visible",),
            why="calls the library's merge, which the exercise asks the learner to write",
        ),
    ],
}

RIGHT = {
    "lww_merge": [
        CorrectAnswer(
            "def lww_merge(a, b):\n"
            "    keys = set(a) | set(b)\n"
            "    return {\n"
            "        k: max((v for v in (a.get(k), b.get(k)) if v is not None), key=lambda v: v[:2])\n"
            "        for k in keys\n"
            "    }\n",
            why="a comprehension over the union of keys, max keyed on (timestamp, node)",
        ),
        CorrectAnswer(
            "def lww_merge(a, b):\n"
            "    out = {}\n"
            "    for side in (b, a):\n"
            "        for k, (t, node, value) in side.items():\n"
            "            if k not in out or (t, node) >= (out[k][0], out[k][1]):\n"
            "                out[k] = (t, node, value)\n"
            "    return out\n",
            why="builds a fresh dict from both sides in the other order, unpacking each version",
        ),
    ],
    "compare_vv": [
        CorrectAnswer(
            "def compare_vv(a, b):\n"
            "    nodes = set(a) | set(b)\n"
            "    diffs = {(a.get(n, 0) > b.get(n, 0)) - (a.get(n, 0) < b.get(n, 0)) for n in nodes}\n"
            "    diffs.discard(0)\n"
            "    if not diffs:\n"
            "        return 'equal'\n"
            "    if len(diffs) == 2:\n"
            "        return 'concurrent'\n"
            "    return 'after' if diffs == {1} else 'before'\n",
            why="collects the signs of the per-node differences in a set",
        ),
        CorrectAnswer(
            "def compare_vv(a, b):\n"
            "    from collections import Counter\n"
            "    ca, cb = Counter(a), Counter(b)\n"
            "    ge = all(ca[n] >= cb[n] for n in set(ca) | set(cb))\n"
            "    le = all(ca[n] <= cb[n] for n in set(ca) | set(cb))\n"
            "    if le and ge:\n"
            "        return 'equal'\n"
            "    if le:\n"
            "        return 'before'\n"
            "    if ge:\n"
            "        return 'after'\n"
            "    return 'concurrent'\n",
            why="Counters (a missing node reads as 0) and the <= / >= tests checked in another order",
        ),
    ],
    "ring_arrival_times": [
        CorrectAnswer(
            "import math\n\n"
            "def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):\n"
            "    if origin < 0 or origin >= n_nodes:\n"
            "        raise ValueError('origin is not a node of the ring')\n"
            "    blocked = None if cut_link is None else (cut_link[0] - origin) % n_nodes\n"
            "    out = []\n"
            "    for j in range(n_nodes):\n"
            "        hops = (j - origin) % n_nodes\n"
            "        out.append(math.inf if blocked is not None and hops > blocked else hops * t_hop)\n"
            "    return out\n",
            why="closed form: the hop count of each node, blocked past the cut's position",
        ),
        CorrectAnswer(
            "import math\n\n"
            "def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):\n"
            "    if origin not in range(n_nodes):\n"
            "        raise ValueError(f'origin {origin} not in the ring')\n"
            "    times = {origin: 0.0}\n"
            "    frontier, t = [origin], 0.0\n"
            "    while frontier:\n"
            "        node = frontier.pop()\n"
            "        nxt = (node + 1) % n_nodes\n"
            "        if nxt in times or (cut_link is not None and list(cut_link) == [node, nxt]):\n"
            "            continue\n"
            "        times[nxt] = times[node] + t_hop\n"
            "        frontier.append(nxt)\n"
            "    return [times.get(j, math.inf) for j in range(n_nodes)]\n",
            why="a graph walk with a dict of reached nodes instead of a list filled in order",
        ),
    ],
    "merge_cart_counts": [
        CorrectAnswer(
            "from collections import Counter\n\n"
            "def merge_cart_counts(a, b):\n"
            "    return {item: Counter(a.get(item, {})) | Counter(b.get(item, {})) for item in {*a, *b}}\n",
            why="Counter union is the per-node maximum; the result holds Counters, which are mappings",
        ),
        CorrectAnswer(
            "from collections import defaultdict\n\n"
            "def merge_cart_counts(a, b):\n"
            "    out = defaultdict(dict)\n"
            "    for cart in (a, b):\n"
            "        for item, counts in cart.items():\n"
            "            for node, n in counts.items():\n"
            "                out[item][node] = max(out[item].get(node, 0), n)\n"
            "    return out\n",
            why="a defaultdict filled from both carts in turn: a mapping, as the prompt allows",
        ),
    ],
}
