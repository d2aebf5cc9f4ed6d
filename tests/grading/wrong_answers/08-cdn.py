from answers import CorrectAnswer, WrongAnswer

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
            "    import hashlib\n"
            "    version = hashlib.sha256(content).hexdigest()[:8]\n"
            "    return f\"{path}{'&' if '?' in path else '?'}v={version}\"\n",
            max_points=8,
            passes=("test_versioned_url_visible",),
            why="the version in the query string: this CDN leaves the query out of the cache key, "
            "so both versions share one key and the edges keep the old file",
        ),
        WrongAnswer(
            "def versioned_url(path, content):\n"
            "    stem, dot, ext = path.rpartition('.')\n"
            "    return f'{stem}.{hash(content) & 0xFFFFFFFF:08x}.{ext}' if dot else path\n",
            max_points=8,
            passes=("test_versioned_url_visible",),
            why="Python's hash() is salted per process: two web servers would print different "
            "URLs for the same file, and it is not the SHA-256 the build step specifies",
        ),
        WrongAnswer(
            "def versioned_url(path, content):\n"
            "    import hashlib\n"
            "    import posixpath\n"
            "    path, mark, query = path.partition('?')\n"
            "    stem, ext = posixpath.splitext(path)\n"
            "    return f'{stem}.{hashlib.md5(content).hexdigest()[:8]}{ext}{mark}{query}'\n",
            max_points=8,
            passes=("test_versioned_url_visible",),
            why="MD5 instead of the SHA-256 the build step specifies",
        ),
        WrongAnswer(
            "def versioned_url(path, content):\n"
            "    import hashlib\n"
            "    version = hashlib.sha256(content).hexdigest()[:8]\n"
            "    path, mark, query = path.partition('?')\n"
            "    folder, _, name = path.rpartition('/')\n"
            "    first, dot, rest = name.partition('.')\n"
            "    name = f'{first}.{version}.{rest}' if dot else f'{name}.{version}'\n"
            "    return f'{folder}/{name}{mark}{query}'\n",
            max_points=8,
            passes=("test_versioned_url_visible",),
            why="inserts the version before the first dot: jquery.min.js becomes "
            "jquery.<v>.min.js, not jquery.min.<v>.js",
        ),
        WrongAnswer(
            "def versioned_url(path, content):\n"
            "    import hashlib\n"
            "    version = hashlib.sha256(content).hexdigest()[:8]\n"
            "    path = path.split('?')[0]\n"
            "    stem, dot, ext = path.rpartition('.')\n"
            "    return f'{stem}.{version}.{ext}' if dot and '/' not in ext else f'{path}.{version}'\n",
            max_points=8,
            passes=("test_versioned_url_visible",),
            why="drops the query string the prompt says to keep",
        ),
        WrongAnswer(
            "import itertools\n_release = itertools.count(1)\n\n\n"
            "def versioned_url(path, content):\n"
            "    stem, dot, ext = path.rpartition('.')\n"
            "    return f'{stem}.{next(_release):08x}.{ext}'\n",
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
        WrongAnswer(
            "def choose_plan(scenario):\n" + _CANDIDATES + "    for plan, summary, ok in results:\n"
            "        if ok:\n"
            "            return plan\n"
            "    return results[0][0]\n",
            max_points=9.75,
            passes=("test_choose_plan_visible",),
            why="the first plan that survives, not the cheapest one the prompt asks for",
        ),
    ],
}

RIGHT = {
    "edge_offload": [
        CorrectAnswer(
            "def edge_offload(rate, t_ttl):\n"
            "    rates = [float(r) for r in rate]\n"
            "    if any(r < 0 for r in rates):\n"
            "        raise ValueError('rates must be >= 0')\n"
            "    if t_ttl < 0:\n"
            "        raise ValueError('t_ttl must be >= 0')\n"
            "    hits = sum(r * r * t_ttl / (1 + r * t_ttl) for r in rates)\n"
            "    total = sum(rates)\n"
            "    return hits / total if total > 0 else 0.0\n",
            why="plain Python, the rate check before the TTL check",
        ),
        CorrectAnswer(
            "def edge_offload(rate, t_ttl):\n"
            "    lam = np.array(rate, dtype=float, ndmin=1)\n"
            "    if t_ttl < 0 or (lam < 0).any():\n"
            "        raise ValueError(f'negative input: t_ttl={t_ttl}, rates={lam.tolist()}')\n"
            "    if not lam.any():\n"
            "        return 0.0\n"
            "    return float(np.average(lam * t_ttl / (1 + lam * t_ttl), weights=lam))\n",
            why="numpy's weighted average",
        ),
    ],
    "versioned_url": [
        CorrectAnswer(
            "import hashlib\n"
            "import posixpath\n\n\n"
            "def versioned_url(path, content):\n"
            "    version = hashlib.sha256(content).hexdigest()[:8]\n"
            "    path, mark, query = path.partition('?')\n"
            "    stem, ext = posixpath.splitext(path)\n"
            "    return f'{stem}.{version}{ext}{mark}{query}'\n",
            why="posixpath.splitext, which splits the last extension of the last segment",
        ),
        CorrectAnswer(
            "import hashlib\n"
            "import re\n\n\n"
            "def versioned_url(path, content):\n"
            "    version = hashlib.sha256(content).hexdigest()[:8]\n"
            "    m = re.fullmatch(r'(?P<dir>.*/)?(?P<name>[^/?]*?)(?P<ext>\\.[^./?]+)?(?P<q>\\?.*)?', path)\n"
            "    parts = m.groupdict(default='')\n"
            "    return f\"{parts['dir']}{parts['name']}.{version}{parts['ext']}{parts['q']}\"\n",
            why="one regular expression for folder, name, extension and query",
        ),
    ],
    "choose_plan": [
        CorrectAnswer(
            "import itertools\n\n\n"
            "def choose_plan(scenario):\n"
            "    plans = [Plan(s, sh) for s, sh in itertools.product(('none', 'origin', 'redundant'), (True, False))]\n"
            "    plans += [Plan('multi-cdn', sh, p / 10) for sh, p in itertools.product((True, False), range(6))]\n"
            "    scored = []\n"
            "    for plan in plans:\n"
            "        summary, ok = run_drill(scenario, plan)\n"
            "        scored.append((not ok, summary.cost_per_hour if ok else summary.failed_share, plan))\n"
            "    scored.sort(key=lambda x: (x[0], x[1]))\n"
            "    return scored[0][2]\n",
            why="one sort key: passing plans first, then by cost (failing ones by failures)",
        ),
        CorrectAnswer(
            "def choose_plan(scenario):\n"
            "    best, best_cost = None, float('inf')\n"
            "    fallback, fewest = None, float('inf')\n"
            "    for strategy in ('multi-cdn', 'redundant', 'origin', 'none'):\n"
            "        for shield in (True, False):\n"
            "            shares = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5] if strategy == 'multi-cdn' else [0.0]\n"
            "            for p in shares:\n"
            "                plan = Plan(strategy, shield, p)\n"
            "                summary, ok = run_drill(scenario, plan)\n"
            "                if ok and summary.cost_per_hour < best_cost:\n"
            "                    best, best_cost = plan, summary.cost_per_hour\n"
            "                if summary.failed_share < fewest:\n"
            "                    fallback, fewest = plan, summary.failed_share\n"
            "    return best if best is not None else fallback\n",
            why="nested loops in another order, keeping the cheapest passing plan as it goes",
        ),
    ],
}
