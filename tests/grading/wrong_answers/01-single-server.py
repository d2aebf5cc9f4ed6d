from answers import WrongAnswer

WRONG = {
    "resolve_walk": [
        WrongAnswer(
            "def resolve(zones, qname):\n"
            "    asked, name, origin = [], qname, '.'\n"
            "    while True:\n"
            "        asked.append(origin)\n"
            "        reply = zones[origin].answer(name, 'A')\n"
            "        if reply.kind == 'referral':\n"
            "            origin = reply.next_zone\n"
            "        elif reply.kind == 'answer':\n"
            "            return reply.records[0].value, asked\n"
            "        else:\n"
            "            return None, asked\n",
            max_points=6,
            passes=("test_resolve_walk_visible",),
            why="does not follow CNAMEs: an alias resolves to nothing",
        ),
        WrongAnswer(
            "def resolve(zones, qname):\n"
            "    asked, name, origin = [], qname, '.'\n"
            "    while True:\n"
            "        asked.append(origin)\n"
            "        reply = zones[origin].answer(name, 'A')\n"
            "        if reply.kind == 'referral':\n"
            "            origin = reply.next_zone\n"
            "        elif reply.kind == 'answer':\n"
            "            return reply.records[0].value, asked\n"
            "        elif reply.kind == 'cname':\n"
            "            name = reply.records[0].value\n"
            "        else:\n"
            "            return None, asked\n",
            max_points=6,
            passes=("test_resolve_walk_visible",),
            why="follows a CNAME from the current zone instead of the root (fails across zones, "
            "loops forever on a CNAME loop: the hidden check's time limit catches it)",
        ),
        WrongAnswer(
            "def resolve(zones, qname):\n"
            "    asked, seen, name, origin = [], set(), qname, '.'\n"
            "    while True:\n"
            "        reply = zones[origin].answer(name, 'A')\n"
            "        if reply.kind == 'referral':\n"
            "            asked.append(origin)\n"
            "            origin = reply.next_zone\n"
            "        elif reply.kind == 'answer':\n"
            "            return reply.records[0].value, asked + [origin]\n"
            "        elif reply.kind == 'cname':\n"
            "            asked.append(origin)\n"
            "            name = reply.records[0].value\n"
            "            if name in seen:\n"
            "                raise ValueError('loop')\n"
            "            seen.add(name)\n"
            "            origin = '.'\n"
            "        else:\n"
            "            return None, asked\n",
            max_points=6,
            passes=("test_resolve_walk_visible",),
            why="forgets the last zone asked when the answer is 'no such name'",
        ),
        WrongAnswer(
            "def resolve(zones, qname):\n    return '192.0.2.10', ['.', 'com.', 'example.com.']\n",
            max_points=6,
            passes=("test_resolve_walk_visible",),
            why="hard-codes the visible example",
        ),
        WrongAnswer(
            "from scalelab.dns import Resolver, Namespace\n\n"
            "def resolve(zones, qname):\n"
            "    res = Resolver(Namespace(zones)).resolve(qname)\n"
            "    return (res.addresses[0] if res.addresses else None), "
            "[h.server for h in res.hops[1:]]\n",
            max_points=6,
            passes=("test_resolve_walk_visible",),
            why="calls the library's resolver, which the exercise asks the learner to write",
        ),
    ],
    "lookup_time": [
        WrongAnswer(
            "def expected_lookup_time(rate, t_ttl, t_hit, t_miss):\n"
            "    h = rate * t_ttl / (1 + rate * t_ttl)\n"
            "    return h * t_hit + (1 - h) * t_miss\n",
            max_points=7,
            passes=("test_lookup_time_visible",),
            why="no input checks: negative rates, TTLs and times are accepted",
        ),
        WrongAnswer(
            "import math\n\n"
            "def expected_lookup_time(rate, t_ttl, t_hit, t_miss):\n"
            "    if min(rate, t_ttl, t_hit, t_miss) < 0:\n"
            "        raise ValueError('negative')\n"
            "    h = 1 - math.exp(-rate * t_ttl)\n"
            "    return h * t_hit + (1 - h) * t_miss\n",
            max_points=6,
            why="wrong hit ratio: the chance that a query came within one TTL, not the cycle argument",
        ),
        WrongAnswer(
            "def expected_lookup_time(rate, t_ttl, t_hit, t_miss):\n"
            "    if min(rate, t_ttl, t_hit, t_miss) < 0:\n"
            "        raise ValueError('negative')\n"
            "    h = rate * t_ttl / (1 + rate * t_ttl)\n"
            "    return (1 - h) * t_hit + h * t_miss\n",
            max_points=6,
            why="swaps hit and miss times",
        ),
    ],
    "user_json": [
        WrongAnswer(
            "def get_user(users, path):\n"
            "    user_id = int(path.split('/')[-1])\n"
            "    return Response(200, 'application/json', json.dumps({'id': user_id, **users[user_id]}))\n",
            max_points=6,
            passes=("test_user_json_visible",),
            why="no 404 or 400: a missing user or a bad id crashes the handler",
        ),
        WrongAnswer(
            "def get_user(users, path):\n"
            "    raw = path.removeprefix('/users/')\n"
            "    if not raw.isdigit():\n"
            "        return Response(400, 'application/json', json.dumps({'error': 'bad id'}))\n"
            "    user_id = int(raw)\n"
            "    if user_id not in users:\n"
            "        return Response(404, 'application/json', json.dumps({'error': 'no user'}))\n"
            "    user = users[user_id]\n"
            "    user['id'] = user_id\n"
            "    return Response(200, 'application/json', json.dumps(user))\n",
            max_points=6,
            passes=("test_user_json_visible",),
            why="writes 'id' into the users table (and puts it last): the handler changes the data",
        ),
        WrongAnswer(
            "def get_user(users, path):\n"
            "    raw = path.removeprefix('/users/')\n"
            "    if not raw.isdigit():\n"
            "        return Response(400, 'application/json', json.dumps({'error': 'bad id'}))\n"
            "    user_id = int(raw)\n"
            "    if user_id not in users:\n"
            "        return Response(200, 'application/json', json.dumps({'error': 'no user'}))\n"
            "    return Response(200, 'application/json', json.dumps({'id': user_id, **users[user_id]}))\n",
            max_points=6,
            passes=("test_user_json_visible",),
            why="answers a missing user with 200 OK and an error body",
        ),
        WrongAnswer(
            "def get_user(users, path):\n"
            "    user_id = int(path.split('/')[-1])\n"
            "    return Response(200, 'application/json', str({'id': user_id, **users[user_id]}))\n",
            max_points=5,
            why="a Python repr is not JSON (single quotes)",
        ),
        WrongAnswer(
            "from scalelab.http import WebServer, Request\n\n"
            "def get_user(users, path):\n"
            "    return WebServer(users).handle(Request('GET', path, 'application/json'))\n",
            max_points=6,
            passes=("test_user_json_visible",),
            why="delegates to the library's web server instead of building the response",
        ),
    ],
}
