from answers import CorrectAnswer, WrongAnswer

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
        WrongAnswer(
            "def expected_lookup_time(rate, t_ttl, t_hit, t_miss):\n"
            "    if min(rate, t_ttl, t_hit, t_miss) <= 0:\n"
            "        raise ValueError('every argument must be positive')\n"
            "    h = rate * t_ttl / (1 + rate * t_ttl)\n"
            "    return h * t_hit + (1 - h) * t_miss\n",
            max_points=7,
            passes=("test_lookup_time_visible",),
            why="refuses zero (no traffic, a TTL of 0, a free hit), which the prompt allows",
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

RIGHT = {
    "resolve_walk": [
        CorrectAnswer(
            "def resolve(zones, qname):\n"
            "    asked = []\n\n"
            "    def walk(name, seen):\n"
            "        origin = '.'\n"
            "        while True:\n"
            "            asked.append(origin)\n"
            "            reply = zones[origin].answer(name, 'A')\n"
            "            if reply.kind == 'referral':\n"
            "                origin = reply.next_zone\n"
            "                continue\n"
            "            if reply.kind == 'answer':\n"
            "                return reply.records[0].value\n"
            "            if reply.kind == 'cname':\n"
            "                target = reply.records[0].value\n"
            "                if target in seen:\n"
            "                    raise ValueError(f'CNAME loop at {target}')\n"
            "                return walk(target, seen | {target})\n"
            "            return None\n\n"
            "    return walk(qname, frozenset([qname])), asked\n",
            why="recursion on each CNAME with an immutable set of names met, sharing one list "
            "of zones asked",
        ),
        CorrectAnswer(
            "def resolve(zones, qname):\n"
            "    asked, chain = [], [qname]\n"
            "    origin = '.'\n"
            "    for _ in range(10_000):\n"
            "        asked.append(origin)\n"
            "        reply = zones[origin].answer(chain[-1], 'A')\n"
            "        match reply.kind:\n"
            "            case 'referral':\n"
            "                origin = reply.next_zone\n"
            "            case 'answer':\n"
            "                return (reply.records[0].value, asked)\n"
            "            case 'cname':\n"
            "                if reply.records[0].value in chain:\n"
            "                    raise ValueError('a CNAME loop')\n"
            "                chain.append(reply.records[0].value)\n"
            "                origin = '.'\n"
            "            case _:\n"
            "                return (None, asked)\n"
            "    raise ValueError('too many steps')\n",
            why="a match statement, the names met kept as a list (the CNAME chain), a bounded loop",
        ),
    ],
    "lookup_time": [
        CorrectAnswer(
            "def expected_lookup_time(rate, t_ttl, t_hit, t_miss):\n"
            "    if any(x < 0 for x in (t_miss, t_hit, t_ttl, rate)):\n"
            "        raise ValueError('rate, t_ttl, t_hit and t_miss must all be >= 0')\n"
            "    p_miss = 1 / (1 + rate * t_ttl)\n"
            "    return t_hit + p_miss * (t_miss - t_hit)\n",
            why="works from the miss ratio 1/(1 + λT) and adds the extra cost of a miss to a hit",
        ),
        CorrectAnswer(
            "import numpy as np\n\n"
            "def expected_lookup_time(rate, t_ttl, t_hit, t_miss):\n"
            "    args = {'rate': rate, 't_ttl': t_ttl, 't_hit': t_hit, 't_miss': t_miss}\n"
            "    for name in reversed(list(args)):\n"
            "        if args[name] < 0:\n"
            "            raise ValueError(f'{name} must be >= 0; got {args[name]}')\n"
            "    # per TTL cycle: rate * t_ttl hits for every miss\n"
            "    return float(np.average([t_hit, t_miss], weights=[rate * t_ttl, 1.0]))\n",
            why="a weighted average over one cache cycle (λT hits per miss) with numpy; the checks "
            "in reverse order",
        ),
    ],
    "user_json": [
        CorrectAnswer(
            "import re\n\n"
            "def get_user(users, path):\n"
            "    found = re.fullmatch(r'/users/([0-9]+)', path)\n"
            "    if found is None:\n"
            "        status, body = 400, {'error': 'the user id must be a whole number'}\n"
            "    elif int(found.group(1)) not in users:\n"
            "        status, body = 404, {'error': 'no such user'}\n"
            "    else:\n"
            "        user_id = int(found.group(1))\n"
            "        body = {'id': user_id}\n"
            "        body.update(users[user_id])\n"
            "        status = 200\n"
            "    return Response(status, 'application/json', json.dumps(body))\n",
            why="a regular expression for the id, one return, the body built with dict.update",
        ),
        CorrectAnswer(
            "from http import HTTPStatus\n\n"
            "def get_user(users, path):\n"
            "    parts = path.split('/')\n"
            "    raw = parts[2] if len(parts) == 3 and parts[1] == 'users' else ''\n"
            "    if raw == '' or any(ch not in '0123456789' for ch in raw):\n"
            "        return Response(status=int(HTTPStatus.BAD_REQUEST),\n"
            "                        content_type='application/json',\n"
            "                        body=json.dumps({'error': f'bad user id {raw!r}'}))\n"
            "    user = users.get(int(raw))\n"
            "    if user is None:\n"
            "        return Response(status=int(HTTPStatus.NOT_FOUND),\n"
            "                        content_type='application/json',\n"
            "                        body=json.dumps({'error': 'not found'}))\n"
            "    fields = [('id', int(raw))] + list(user.items())\n"
            "    return Response(status=int(HTTPStatus.OK), content_type='application/json',\n"
            "                    body=json.dumps(dict(fields)))\n",
            why="splits the path, uses http.HTTPStatus and keyword arguments, users.get for the "
            "missing case, the body from a list of pairs",
        ),
    ],
}
