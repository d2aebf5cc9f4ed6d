"""Plausible wrong answers for 08-stateless-web (see README.md in this folder).

Autograded points: stateless_handler 1 + 3, sticky_imbalance 1 + 2, scale_in_logouts 1 + 2 = 10.
"""

from answers import WrongAnswer

_CACHING_HANDLER = """
_SESSIONS = {}  # "it is faster to keep sessions here": a stateful server after all


def handle(request, store, now):
    sid = request.get("cookies", {}).get("sid")
    if sid is None:
        return {"status": 401, "body": "please log in"}
    try:
        session = _SESSIONS.get(sid)
        if session is None:
            session = store.get(sid, now=now)
            if session is None:
                return {"status": 401, "body": "please log in"}
            _SESSIONS[sid] = session
        if request.get("path") != "/cart":
            return {"status": 404, "body": "not found"}
        if request.get("method") == "POST":
            session["cart"] = session["cart"] + [request["item"]]
            store.put(sid, session, now=now)
        return {"status": 200, "body": list(session["cart"])}
    except StoreUnavailable:
        return {"status": 503, "body": "store down"}
"""

_NO_503_HANDLER = """
def handle(request, store, now):
    sid = request.get("cookies", {}).get("sid")
    session = store.get(sid, now=now) if sid is not None else None
    if session is None:
        return {"status": 401, "body": "please log in"}
    if request.get("path") != "/cart":
        return {"status": 404, "body": "not found"}
    if request.get("method") == "POST":
        session["cart"] = session["cart"] + [request["item"]]
        store.put(sid, session, now=now)
    return {"status": 200, "body": list(session["cart"])}
"""

_NO_WRITE_BACK_HANDLER = """
def handle(request, store, now):
    sid = request.get("cookies", {}).get("sid")
    try:
        session = store.get(sid, now=now) if sid is not None else None
    except StoreUnavailable:
        return {"status": 503, "body": "store down"}
    if session is None:
        return {"status": 401, "body": "please log in"}
    if request.get("path") != "/cart":
        return {"status": 404, "body": "not found"}
    if request.get("method") == "POST":
        session["cart"].append(request["item"])  # changes the copy, never saved
    return {"status": 200, "body": list(session["cart"])}
"""

_SKIPS_IDLE_SERVERS = """
def sticky_imbalance(rate, server_of, n_servers):
    if n_servers < 1 or len(rate) != len(server_of):
        raise ValueError("bad input")
    load = {}
    for r, server in zip(rate, server_of):
        load[server] = load.get(server, 0.0) + r
    return max(load.values()) / (sum(load.values()) / len(load))
"""

_COUNTS_USERS = """
def sticky_imbalance(rate, server_of, n_servers):
    if n_servers < 1 or len(rate) != len(server_of):
        raise ValueError("bad input")
    users = [0] * n_servers
    for server in server_of:
        users[int(server)] += 1
    return max(users) / (sum(users) / n_servers)
"""

_LIBRARY_IMBALANCE = """
from scalelab.sessions import imbalance, sticky_load


def sticky_imbalance(rate, server_of, n_servers):
    return imbalance(sticky_load(rate, server_of, n_servers))
"""

_HASH_LIKE_COOKIE = """
def logged_out_by_scale_in(user_ids, n_before, n_after, routing):
    if routing not in ("cookie", "hash") or not 1 <= n_after <= n_before:
        raise ValueError("bad input")
    # "only the removed servers' users lose anything", whatever the routing
    return sum(1 for u in user_ids if u % n_before >= n_after)
"""

_NO_CHECKS = """
def logged_out_by_scale_in(user_ids, n_before, n_after, routing):
    if routing == "cookie":
        return sum(1 for u in user_ids if u % n_before >= n_after)
    return sum(1 for u in user_ids if u % n_after != u % n_before)
"""

_FRACTION = """
def logged_out_by_scale_in(user_ids, n_before, n_after, routing):
    if routing not in ("cookie", "hash") or not 1 <= n_after <= n_before:
        raise ValueError("bad input")
    return (n_before - n_after) / n_before
"""

WRONG = {
    "stateless_handler": [
        WrongAnswer(
            _CACHING_HANDLER,
            max_points=7,
            passes=("test_stateless_handler_visible",),
            why="keeps sessions in process memory: misses changes and logouts made elsewhere",
        ),
        WrongAnswer(
            _NO_503_HANDLER,
            max_points=7,
            passes=("test_stateless_handler_visible",),
            why="lets StoreUnavailable escape instead of answering 503",
        ),
        WrongAnswer(
            _NO_WRITE_BACK_HANDLER,
            max_points=6,
            why="changes the session copy but never puts it back into the store",
        ),
    ],
    "sticky_imbalance": [
        WrongAnswer(
            _SKIPS_IDLE_SERVERS,
            max_points=8,
            passes=("test_sticky_imbalance_visible",),
            why="averages only over servers that have users, so idle servers are ignored",
        ),
        WrongAnswer(
            _LIBRARY_IMBALANCE,
            max_points=8,
            passes=("test_sticky_imbalance_visible",),
            why="calls the library's helpers, which the exercise asks the learner to replace",
        ),
        WrongAnswer(
            _COUNTS_USERS,
            max_points=7,
            why="counts users per server instead of summing their activity",
        ),
    ],
    "scale_in_logouts": [
        WrongAnswer(
            _HASH_LIKE_COOKIE,
            max_points=8,
            passes=("test_scale_in_logouts_visible",),
            why="treats hash routing like cookies: misses users re-routed to another server",
        ),
        WrongAnswer(
            _NO_CHECKS,
            max_points=8,
            passes=("test_scale_in_logouts_visible",),
            why="no input checks: a scale-in to more servers or an unknown routing is accepted",
        ),
        WrongAnswer(
            _FRACTION,
            max_points=7,
            why="returns the fraction of servers removed, not a count of users",
        ),
    ],
}
