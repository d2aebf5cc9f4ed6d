from answers import WrongAnswer

# Full marks for the autograded part of 04-multi-master: 4 + 3 + 3 = 10.

WRONG = {
    "lww_merge": [
        WrongAnswer(
            "def lww_merge(a, b):\n    out = dict(a)\n    out.update(b)\n    return out\n",
            max_points=7,
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
            max_points=7,
            passes=("test_lww_merge_visible",),
            why="timestamps only: on a tie the incoming version wins, so the merge is not commutative",
        ),
        WrongAnswer(
            "def lww_merge(a, b):\n"
            "    for k, v in b.items():\n"
            "        if k not in a or (v[0], v[1]) > (a[k][0], a[k][1]):\n"
            "            a[k] = v\n"
            "    return a\n",
            max_points=7,
            passes=("test_lww_merge_visible",),
            why="changes the caller's replica in place",
        ),
        WrongAnswer(
            "from scalelab.replication import lww_merge as library_merge\n\n"
            "def lww_merge(a, b):\n"
            "    return library_merge(a, b)\n",
            max_points=7,
            passes=("test_lww_merge_visible",),
            why="calls the library's merge, which the exercise asks the learner to write",
        ),
        WrongAnswer(
            "def lww_merge(a, b):\n"
            "    return {k: max(a[k], b[k], key=lambda v: (v[0], v[1])) for k in a if k in b}\n",
            max_points=6,
            why="keeps only the keys both replicas have",
        ),
    ],
    "compare_vv": [
        WrongAnswer(
            "def compare_vv(a, b):\n"
            "    sa, sb = sum(a.values()), sum(b.values())\n"
            "    return 'equal' if sa == sb else 'before' if sa < sb else 'after'\n",
            max_points=8,
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
            max_points=8,
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
            max_points=8,
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
            max_points=8,
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
            max_points=8,
            passes=("test_ring_arrival_times_visible",),
            why="a cut link blocks only its own end, not the nodes behind it",
        ),
        WrongAnswer(
            "def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):\n"
            "    return [((j - origin) % n_nodes) * t_hop for j in range(n_nodes)]\n",
            max_points=8,
            passes=("test_ring_arrival_times_visible",),
            why="no ValueError for an origin outside the ring (and no cut)",
        ),
        WrongAnswer(
            "def ring_arrival_times(n_nodes, origin, t_hop, cut_link=None):\n"
            "    return [((origin - j) % n_nodes) * t_hop for j in range(n_nodes)]\n",
            max_points=7,
            why="goes round the ring the wrong way",
        ),
    ],
}
