"""Plausible wrong answers for 09-stateless-web (see README.md in this folder).

Autograded points: stateless_handler 1 + 3, sticky_imbalance 1 + 2, scale_in_logouts 1 + 2 = 10.
"""

from answers import CorrectAnswer, WrongAnswer

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

_NO_405_HANDLER = """
def handle(request, store, now):
    sid = request.get("cookies", {}).get("sid")
    if sid is None:
        return {"status": 401, "body": "please log in"}
    try:
        session = store.get(sid, now=now)
        if session is None:
            return {"status": 401, "body": "please log in"}
        if request.get("path") != "/cart":
            return {"status": 404, "body": "not found"}
        if request.get("method") == "POST":
            session["cart"] = list(session["cart"]) + [request["item"]]
            store.put(sid, session, now=now)
            return {"status": 200, "body": list(session["cart"])}
        if request.get("method") == "GET":
            return {"status": 200, "body": list(session["cart"])}
        return {"status": 404, "body": "not found"}  # the old rule: 404 for any other method
    except StoreUnavailable:
        return {"status": 503, "body": "store down"}
"""

_STORE_BEFORE_COOKIE_HANDLER = """
def handle(request, store, now):
    sid = request.get("cookies", {}).get("sid")
    try:
        session = store.get(sid, now=now)  # asks the store even with no cookie
    except StoreUnavailable:
        return {"status": 503, "body": "store down"}
    if sid is None or session is None:
        return {"status": 401, "body": "please log in"}
    if request.get("path") != "/cart":
        return {"status": 404, "body": "not found"}
    if request.get("method") not in ("GET", "POST"):
        return {"status": 405, "body": "method not allowed"}
    if request.get("method") == "POST":
        session["cart"] = list(session["cart"]) + [request["item"]]
        try:
            store.put(sid, session, now=now)
        except StoreUnavailable:
            return {"status": 503, "body": "store down"}
    return {"status": 200, "body": list(session["cart"])}
"""

_PATH_BEFORE_SESSION_HANDLER = """
def handle(request, store, now):
    if request.get("path") != "/cart":
        return {"status": 404, "body": "not found"}  # tells anonymous callers which paths exist
    sid = request.get("cookies", {}).get("sid")
    if sid is None:
        return {"status": 401, "body": "please log in"}
    try:
        session = store.get(sid, now=now)
        if session is None:
            return {"status": 401, "body": "please log in"}
        if request.get("method") == "GET":
            return {"status": 200, "body": list(session["cart"])}
        if request.get("method") == "POST":
            session["cart"] = list(session["cart"]) + [request["item"]]
            store.put(sid, session, now=now)
            return {"status": 200, "body": list(session["cart"])}
        return {"status": 405, "body": "method not allowed"}
    except StoreUnavailable:
        return {"status": 503, "body": "store down"}
"""

_METHOD_BEFORE_PATH_HANDLER = """
def handle(request, store, now):
    sid = request.get("cookies", {}).get("sid")
    if sid is None:
        return {"status": 401, "body": "please log in"}
    try:
        session = store.get(sid, now=now)
        if session is None:
            return {"status": 401, "body": "please log in"}
        if request.get("method") not in ("GET", "POST"):
            return {"status": 405, "body": "method not allowed"}
        if request.get("path") != "/cart":
            return {"status": 404, "body": "not found"}
        if request.get("method") == "POST":
            session["cart"] = list(session["cart"]) + [request["item"]]
            store.put(sid, session, now=now)
        return {"status": 200, "body": list(session["cart"])}
    except StoreUnavailable:
        return {"status": 503, "body": "store down"}
"""

_REFUSES_ONE_SERVER = """
def sticky_imbalance(rate, server_of, n_servers):
    if n_servers <= 1 or len(rate) != len(server_of):  # "one server cannot be unbalanced"
        raise ValueError("bad input")
    load = [0.0] * n_servers
    for r, server in zip(rate, server_of):
        load[int(server)] += float(r)
    return max(load) / (sum(load) / n_servers)
"""

_MATCH_HANDLER = """
def handle(request, store, now):
    sid = (request.get("cookies") or {}).get("sid")
    if not sid:
        return {"status": 401, "body": None}
    try:
        session = store.get(sid, now=now)
    except StoreUnavailable:
        return {"status": 503, "body": None}
    if session is None:
        return {"status": 401, "body": None}
    match (request.get("path"), request.get("method")):
        case ("/cart", "GET"):
            return {"status": 200, "body": list(session["cart"])}
        case ("/cart", "POST"):
            cart = [*session["cart"], request["item"]]
            try:
                store.put(sid, {**session, "cart": cart}, now=now)
            except StoreUnavailable:
                return {"status": 503, "body": None}
            return {"status": 200, "body": cart}
        case ("/cart", _):
            return {"status": 405, "body": None}
        case _:
            return {"status": 404, "body": None}
"""

_TABLE_HANDLER = """
def _get_cart(session, request):
    return session["cart"], False


def _post_cart(session, request):
    return session["cart"] + [request["item"]], True


ROUTES = {"/cart": {"GET": _get_cart, "POST": _post_cart}}


def handle(request, store, now):
    cookies = request.get("cookies", {})
    if "sid" not in cookies:
        return dict(status=401, body="log in")
    sid = cookies["sid"]
    try:
        session = store.get(sid, now=now)
        if not session:
            return dict(status=401, body="log in")
        methods = ROUTES.get(request.get("path"))
        if methods is None:
            return dict(status=404, body="no such path")
        action = methods.get(request.get("method"))
        if action is None:
            return dict(status=405, body="allowed: " + ", ".join(methods))
        cart, changed = action(session, request)
        if changed:
            session["cart"] = cart
            store.put(sid, session, now=now)
        return dict(status=200, body=list(cart))
    except StoreUnavailable:
        return dict(status=503, body="retry later")
"""

_NUMPY_IMBALANCE = """
import numpy as np


def sticky_imbalance(rate, server_of, n_servers):
    rate, server_of = np.asarray(rate, float), np.asarray(server_of, int)
    if n_servers < 1 or rate.shape != server_of.shape:
        raise ValueError("rate and server_of must match and n_servers must be >= 1")
    load = np.bincount(server_of, weights=rate, minlength=n_servers)
    return float(load.max() / load.mean())
"""

_COUNTER_IMBALANCE = """
from collections import defaultdict


def sticky_imbalance(rate, server_of, n_servers):
    if len(rate) != len(server_of):
        raise ValueError("lengths differ")
    if not n_servers >= 1:
        raise ValueError("need a server")
    load = defaultdict(float)
    for i, server in enumerate(server_of):
        load[int(server)] += rate[i]
    total = sum(load.values())
    return float(max(load.values()) * n_servers / total)
"""

_NUMPY_SCALE_IN = """
import numpy as np


def logged_out_by_scale_in(user_ids, n_before, n_after, routing):
    if n_after < 1 or n_after > n_before:
        raise ValueError("need 1 <= n_after <= n_before")
    if routing not in {"cookie", "hash"}:
        raise ValueError("routing must be cookie or hash")
    u = np.asarray(list(user_ids), dtype=np.int64)
    before = u % n_before
    after = before if routing == "cookie" else u % n_after
    lost = before >= n_after if routing == "cookie" else after != before
    return int(lost.sum())
"""

_RULES_SCALE_IN = """
RULES = {
    "cookie": lambda u, nb, na: u % nb >= na,
    "hash": lambda u, nb, na: u % na != u % nb,
}


def logged_out_by_scale_in(user_ids, n_before, n_after, routing):
    rule = RULES.get(routing)
    if rule is None or not (0 < n_after <= n_before):
        raise ValueError(f"bad scale-in: {routing!r}, {n_before} -> {n_after}")
    return sum(1 for u in user_ids if rule(int(u), n_before, n_after))
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
        WrongAnswer(
            _NO_405_HANDLER,
            max_points=7,
            passes=("test_stateless_handler_visible",),
            why="answers 404 for another method on /cart, where the prompt asks for 405",
        ),
        WrongAnswer(
            _STORE_BEFORE_COOKIE_HANDLER,
            max_points=7,
            passes=("test_stateless_handler_visible",),
            why="asks the store before checking the cookie: no cookie while the store is down is 503",
        ),
        WrongAnswer(
            _PATH_BEFORE_SESSION_HANDLER,
            max_points=7,
            passes=("test_stateless_handler_visible",),
            why="decides the path before the session: an anonymous caller gets 404, not 401",
        ),
        WrongAnswer(
            _METHOD_BEFORE_PATH_HANDLER,
            max_points=7,
            passes=("test_stateless_handler_visible",),
            why="decides the method before the path: DELETE /orders gets 405, not 404",
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
        WrongAnswer(
            _REFUSES_ONE_SERVER,
            max_points=8,
            passes=("test_sticky_imbalance_visible",),
            why="raises for a tier of one server, which the prompt allows (only n_servers < 1 fails)",
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

RIGHT = {
    "stateless_handler": [
        CorrectAnswer(
            _MATCH_HANDLER, why="a match statement on (path, method), a new session dict"
        ),
        CorrectAnswer(
            _TABLE_HANDLER, why="a routing table of handlers; 405 when the path has no such method"
        ),
    ],
    "sticky_imbalance": [
        CorrectAnswer(_NUMPY_IMBALANCE, why="numpy bincount with weights, checks in another order"),
        CorrectAnswer(
            _COUNTER_IMBALANCE, why="a defaultdict of loads; max * n / total instead of the mean"
        ),
    ],
    "scale_in_logouts": [
        CorrectAnswer(_NUMPY_SCALE_IN, why="vectorised with numpy, the checks in the other order"),
        CorrectAnswer(_RULES_SCALE_IN, why="a dict of rules, one lambda per routing"),
    ],
}
