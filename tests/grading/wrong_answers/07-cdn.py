from answers import WrongAnswer

# Full marks: 10 autograded points (edge_offload 1 + 2, versioned_url 1 + 2, choose_plan 1 + 3).
_CANDIDATES = (
    "    candidates = [Plan(s, sh) for s in ('none', 'origin', 'redundant') for sh in (False, True)]\n"
    "    candidates += [Plan('multi-cdn', sh, p) for sh in (False, True)\n"
    "                   for p in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)]\n"
    "    results = [(plan, *run_drill(scenario, plan)) for plan in candidates]\n"
)

WRONG = {
    "edge_offload": [
        WrongAnswer(
            "def edge_offload(rate, t_ttl):\n"
            "    lam = np.asarray(rate, dtype=float)\n"
            "    if t_ttl < 0 or np.any(lam < 0):\n"
            "        raise ValueError('negative input')\n"
            "    if lam.sum() == 0:\n"
            "        return 0.0\n"
            "    return float(np.mean(lam * t_ttl / (1 + lam * t_ttl)))\n",
            max_points=8,
            passes=("test_edge_offload_visible",),
            why="plain mean of the per-object hit shares: a rarely requested object counts as "
            "much as a hot one (right only when all rates are equal)",
        ),
        WrongAnswer(
            "def edge_offload(rate, t_ttl):\n"
            "    lam = np.asarray(rate, dtype=float)\n"
            "    return float(np.sum(lam * lam * t_ttl / (1 + lam * t_ttl)) / lam.sum())\n",
            max_points=8,
            passes=("test_edge_offload_visible",),
            why="no checks: negative TTLs and rates are accepted, no requests gives nan",
        ),
        WrongAnswer(
            "def edge_offload(rate, t_ttl):\n    return ttl_hit_ratio(rate, t_ttl)\n",
            max_points=8,
            passes=("test_edge_offload_visible",),
            why="calls the library's ttl_hit_ratio, which the exercise asks the learner to write",
        ),
        WrongAnswer(
            "def edge_offload(rate, t_ttl):\n"
            "    lam = np.asarray(rate, dtype=float)\n"
            "    if t_ttl < 0 or np.any(lam < 0):\n"
            "        raise ValueError('negative input')\n"
            "    if lam.sum() == 0:\n"
            "        return 0.0\n"
            "    return float(np.sum(lam * -np.expm1(-lam * t_ttl)) / lam.sum())\n",
            max_points=7,
            why="Che's LRU form 1 - exp(-lam*T) instead of the TTL cache's lam*T/(1 + lam*T)",
        ),
    ],
    "versioned_url": [
        WrongAnswer(
            "def versioned_url(path, content):\n"
            "    return f'{path}?v={hash(content) & 0xFFFFFFFF:08x}'\n",
            max_points=8,
            passes=("test_versioned_url_visible",),
            why="Python's hash() is salted per process: two web servers would print different "
            "URLs for the same file, and it is not the SHA-256 the build step specifies",
        ),
        WrongAnswer(
            "def versioned_url(path, content):\n"
            "    import hashlib\n"
            "    return f'{path}?v={hashlib.md5(content).hexdigest()[:8]}'\n",
            max_points=8,
            passes=("test_versioned_url_visible",),
            why="MD5 instead of the SHA-256 the build step specifies",
        ),
        WrongAnswer(
            "def versioned_url(path, content):\n"
            "    import hashlib\n"
            "    return f'{path}?v={hashlib.sha256(content).hexdigest()[:8]}'\n",
            max_points=8,
            passes=("test_versioned_url_visible",),
            why="always '?': a path that already has a query string gets a second '?'",
        ),
        WrongAnswer(
            "import itertools\n_release = itertools.count(1)\n\n\n"
            "def versioned_url(path, content):\n"
            "    return f'{path}?v={next(_release):08x}'\n",
            max_points=7,
            why="a release counter: the URL changes even when the file did not, so every "
            "release empties the edges' caches, and two servers disagree",
        ),
    ],
    "choose_plan": [
        WrongAnswer(
            "def choose_plan(scenario):\n    return Plan('redundant', shield=True)\n",
            max_points=8.5,
            passes=("test_choose_plan_visible",),
            why="redundant edges everywhere: fine for regional failures, useless when the "
            "whole CDN is down",
        ),
        WrongAnswer(
            "def choose_plan(scenario):\n"
            + _CANDIDATES
            + "    return min(results, key=lambda r: r[1].failed_share)[0]\n",
            max_points=7.75,
            passes=("test_choose_plan_visible",),
            why="fewest failures whatever the cost: breaks the budget",
        ),
        WrongAnswer(
            "def choose_plan(scenario):\n    return Plan('multi-cdn', shield=True, p_second=0.5)\n",
            max_points=8.5,
            why="the most robust plan every time: over budget whenever the outage is small",
        ),
        WrongAnswer(
            "def choose_plan(scenario):\n"
            + _CANDIDATES
            + "    return min(results, key=lambda r: r[1].cost_per_hour)[0]\n",
            max_points=7,
            why="the cheapest plan, ignoring the failure target (do nothing)",
        ),
    ],
}
