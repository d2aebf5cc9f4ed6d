"""HTTP and the single web server: requests, responses, and where a page load's time goes.

The real-world picture. Once DNS has turned the name into an address, the client opens a
connection straight to that address and sends an HTTP request: a method (``GET``), a path
(``/users/12``) and headers, among them ``Accept``, which says what the client can use. One web
server runs the application's server-side logic (routing, looking up the user, applying business
rules) and answers with a status code (``200 OK``, ``404 Not Found``...), a ``Content-Type`` and
a body. A browser asks for ``text/html`` and gets a page to render (its client-side code, HTML,
CSS and JavaScript, does the presentation); a mobile app or another program asks for
``application/json`` and gets the data alone, which it presents itself.

The public API:

- ``Request(method, path, accept)`` and ``request_from(client, path)`` for the usual clients
  (``"browser"`` asks for HTML, ``"mobile"`` and ``"api"`` for JSON).
- ``Response(status, content_type, body)`` with ``reason`` and ``n_bytes`` (status line, headers
  and body, as sent); ``json_response(status, payload)``, ``html_response(status, title, text)``.
- ``WebServer(users)``; ``server.handle(request) -> Response``: routes ``/`` and ``/users/<id>``,
  with content negotiation and the usual errors (400, 404, 405, 406).
- ``sample_users(n_users, rng=rng)``: a seeded table of fake users.
- ``page_load(t_dns, t_rtt, n_bytes, ...) -> PageLoad``: the time of one page load split into
  DNS, connection (TCP and TLS handshakes), request (to the server and its work) and response
  (the bytes back), in seconds. ``page_load_times(...)`` draws many loads whose DNS lookups hit or
  miss the resolver cache.

Simplifications. One request per page (real pages fetch dozens of resources over one or a few
connections); no HTTP/2 multiplexing, no TCP slow start, no packet loss; the transfer time is the
size over a fixed bandwidth; the server answers in a fixed time.

>>> server = WebServer({12: {"name": "Ada Lovelace", "email": "ada@example.com"}})
>>> r = server.handle(request_from("mobile", "/users/12"))
>>> r.status, r.content_type, r.body
(200, 'application/json', '{"id": 12, "name": "Ada Lovelace", "email": "ada@example.com"}')
>>> server.handle(request_from("browser", "/users/99")).status
404
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from scalelab.validate import (
    check_choice,
    check_int,
    check_number,
    check_probability,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "METHODS",
    "REASONS",
    "JSON",
    "HTML",
    "CLIENT_ACCEPT",
    "T_RTT",
    "T_SERVER",
    "RATE_BYTES",
    "Request",
    "Response",
    "request_from",
    "json_response",
    "html_response",
    "WebServer",
    "sample_users",
    "PageLoad",
    "page_load",
    "page_load_times",
]

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
"""HTTP methods the model recognises (RFC 9110, section 9)."""

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
"""Reason phrases of the status codes the model uses (RFC 9110, section 15)."""

JSON = "application/json"
"""The JSON media type (RFC 8259); JSON text is UTF-8, so it takes no charset parameter."""
HTML = "text/html; charset=utf-8"
"""The HTML media type with its character set."""

CLIENT_ACCEPT = {
    "browser": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "mobile": JSON,
    "api": JSON,
}
"""The ``Accept`` header each kind of client sends (a browser's is abridged)."""

# Illustrative figures (assumed, 2026), to show proportions rather than to predict a site:
T_RTT = 0.050
"""Client <-> server round trip, seconds (same continent; assumed)."""
T_SERVER = 0.020
"""Server time to build a small dynamic response, seconds (assumed)."""
RATE_BYTES = 2.5e6
"""Download bandwidth, bytes/s (20 Mbit/s; assumed)."""


@dataclass(frozen=True)
class Request:
    """An HTTP request: ``method``, ``path`` (starting with ``/``) and the ``accept`` header."""

    method: str = "GET"
    path: str = "/"
    accept: str = "*/*"

    def __post_init__(self):
        method = self.method.upper() if isinstance(self.method, str) else self.method
        check_choice("method", method, METHODS)
        if not isinstance(self.path, str) or not self.path.startswith("/"):
            raise ValueError(f"path must be a string starting with '/'; got {self.path!r}")
        object.__setattr__(self, "method", method)


@dataclass(frozen=True)
class Response:
    """An HTTP response: ``status`` code, ``content_type`` and ``body`` (text)."""

    status: int = param(kind="int", low=100, high=599, doc="HTTP status code")
    content_type: str
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        validate_fields(self)
        if not isinstance(self.body, str):
            raise ValueError(f"body must be text (str); got {type(self.body).__name__}")

    @property
    def reason(self) -> str:
        """The reason phrase (``"OK"``, ``"Not Found"``...)."""
        return REASONS.get(self.status, "")

    def head(self) -> str:
        """The status line and headers as sent (HTTP/1.1, CRLF line ends)."""
        lines = [
            f"HTTP/1.1 {self.status} {self.reason}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {len(self.body.encode('utf-8'))}",
            *(f"{k}: {v}" for k, v in self.headers.items()),
        ]
        return "\r\n".join(lines) + "\r\n\r\n"

    @property
    def n_bytes(self) -> int:
        """Bytes on the wire: status line, headers and the UTF-8 body.

        >>> json_response(200, {"ok": True}).n_bytes
        83
        """
        return len(self.head().encode("ascii")) + len(self.body.encode("utf-8"))


def request_from(client: str, path: str, method: str = "GET") -> Request:
    """The request a ``"browser"``, ``"mobile"`` app or ``"api"`` client sends for ``path``.

    >>> request_from("mobile", "/users/12").accept
    'application/json'
    """
    check_choice("client", client, tuple(CLIENT_ACCEPT))
    return Request(method, path, CLIENT_ACCEPT[client])


def json_response(status: int, payload) -> Response:
    """A JSON response: ``payload`` serialised with ``json.dumps`` (UTF-8 text).

    >>> json_response(404, {"error": "no user 7"}).body
    '{"error": "no user 7"}'
    """
    return Response(status, JSON, json.dumps(payload, ensure_ascii=False))


def html_response(status: int, title: str, text: str) -> Response:
    """A small HTML page with ``title`` and one paragraph of ``text`` (both escaped)."""
    t, p = html.escape(title), html.escape(text)
    body = (
        f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>{t}</title>"
        f"</head>\n<body><h1>{t}</h1><p>{p}</p></body></html>\n"
    )
    return Response(status, HTML, body)


def _wants(accept: str) -> str | None:
    """``"json"``, ``"html"`` or None (neither acceptable), from an ``Accept`` header's q values."""
    best: dict[str, float] = {"json": -1.0, "html": -1.0}
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        for kind, names in (("json", (JSON, "application/*")), ("html", ("text/html", "text/*"))):
            if media in names:
                best[kind] = max(best[kind], q)
        if media == "*/*":
            for kind in best:
                best[kind] = max(best[kind], q * 0.999)  # explicit types beat the wildcard
    kind = max(best, key=lambda k: (best[k], k == "html"))
    return kind if best[kind] > 0 else None


_USER_PATH = re.compile(r"^/users/([^/]+)/?$")


class WebServer:
    """One web server holding a table of users (id -> dict of fields).

    Routes: ``GET /`` (a home page or a JSON index) and ``GET /users/<id>`` (one user). Content
    negotiation on ``Accept``: JSON for API and mobile clients, HTML for browsers. Errors come in
    the format the client asked for: 400 (the id is not a whole number), 404 (no such path or
    user), 405 (a method other than GET/HEAD), 406 (neither HTML nor JSON acceptable).
    ``n_handled`` counts requests.

    >>> s = WebServer({1: {"name": "Grace"}})
    >>> [s.handle(Request("GET", p, "application/json")).status for p in ("/users/1", "/users/x")]
    [200, 400]
    >>> s.handle(Request("DELETE", "/users/1", "application/json")).status
    405
    """

    def __init__(self, users: Mapping[int, Mapping]):
        check_type("users", users, Mapping, hint="of id -> fields")
        self.users = {check_int("user id", k, low=0): dict(v) for k, v in users.items()}
        self.n_handled = 0

    def handle(self, request: Request) -> Response:
        """Answer ``request`` (see the class docstring)."""
        check_type("request", request, Request)
        self.n_handled += 1
        kind = _wants(request.accept)
        if kind is None:
            return Response(406, "text/plain; charset=utf-8", "I can send HTML or JSON.")

        def error(status: int, message: str) -> Response:
            if kind == "json":
                return json_response(status, {"error": message})
            return html_response(status, f"{status} {REASONS[status]}", message)

        if request.method not in ("GET", "HEAD"):
            r = error(405, f"{request.method} is not allowed here; use GET.")
            return Response(r.status, r.content_type, r.body, {"Allow": "GET, HEAD"})
        path = request.path.split("?", 1)[0]
        if path == "/":
            if kind == "json":
                return json_response(200, {"users": f"/users/{{id}} ({len(self.users)} users)"})
            return html_response(200, "Welcome", f"{len(self.users)} people use this site.")
        m = _USER_PATH.match(path)
        if m is None:
            return error(404, f"No page at {path}.")
        raw = m.group(1)
        if not (raw.isascii() and raw.isdigit()):
            return error(400, f"A user id is a whole number; got {raw!r}.")
        user_id = int(raw)
        if user_id not in self.users:
            return error(404, f"No user with id {user_id}.")
        user = {"id": user_id, **self.users[user_id]}
        if kind == "json":
            return json_response(200, user)
        fields = ", ".join(f"{k}: {v}" for k, v in user.items() if k != "id")
        return html_response(200, f"User {user_id}", fields)


_FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Tim", "Radia", "Ken"]
_LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Berners-Lee",
    "Perlman",
    "Thompson",
]


def sample_users(n_users: int, *, rng: np.random.Generator) -> dict[int, dict]:
    """``n_users`` fake users keyed by id 1..n, with a name, an email and a signup year.

    >>> sample_users(2, rng=np.random.default_rng(0))[1]["email"].endswith("@example.com")
    True
    """
    n = check_int("n_users", n_users, low=0, high=100_000)
    check_rng(rng)
    first = rng.integers(0, len(_FIRST), n)
    last = rng.integers(0, len(_LAST), n)
    years = rng.integers(2010, 2026, n)
    out = {}
    for i in range(n):
        name = f"{_FIRST[first[i]]} {_LAST[last[i]]}"
        email = f"{name.split()[0].lower()}.{i + 1}@example.com"
        out[i + 1] = {"name": name, "email": email, "joined": int(years[i])}
    return out


@dataclass(frozen=True)
class PageLoad:
    """Where one page load's time goes (seconds); ``t_total`` is the sum of the four parts."""

    t_dns: float
    t_connect: float
    t_request: float
    t_response: float

    @property
    def t_total(self) -> float:
        return self.t_dns + self.t_connect + self.t_request + self.t_response

    def parts(self) -> dict[str, float]:
        """The four parts by name, in order."""
        return {
            "DNS": self.t_dns,
            "connection": self.t_connect,
            "request": self.t_request,
            "response": self.t_response,
        }


def page_load(
    t_dns: float,
    t_rtt: float = T_RTT,
    n_bytes: float = 50_000,
    *,
    t_server: float = T_SERVER,
    rate_bytes: float = RATE_BYTES,
    n_handshake_rtts: int = 2,
) -> PageLoad:
    """The time of one page load, split into its parts (seconds).

    - DNS: ``t_dns``, the lookup (a cache hit or a full resolution);
    - connection: ``n_handshake_rtts`` round trips (1 for TCP, +1 for TLS 1.3; 3 with TLS 1.2);
    - request: half a round trip to reach the server, plus ``t_server`` of server work;
    - response: half a round trip back, plus ``n_bytes`` at ``rate_bytes`` bytes/s.

    >>> p = page_load(0.01, 0.05, 50_000)
    >>> [round(x, 3) for x in p.parts().values()], round(p.t_total, 3)
    ([0.01, 0.1, 0.045, 0.045], 0.2)
    """
    check_number("t_dns", t_dns, low=0)
    check_number("t_rtt", t_rtt, low=0)
    check_number("n_bytes", n_bytes, low=0)
    check_number("t_server", t_server, low=0)
    check_number("rate_bytes", rate_bytes, low=0, low_open=True)
    check_int("n_handshake_rtts", n_handshake_rtts, low=0, high=4)
    return PageLoad(
        float(t_dns),
        float(n_handshake_rtts * t_rtt),
        float(t_rtt / 2 + t_server),
        float(t_rtt / 2 + n_bytes / rate_bytes),
    )


def page_load_times(
    n_loads: int, p_hit: float, t_hit: float, t_miss: float, *, rng: np.random.Generator, **kwargs
) -> np.ndarray:
    """Total times (s) of ``n_loads`` page loads whose DNS lookup hits the resolver cache with
    probability ``p_hit`` (taking ``t_hit`` s) or misses (``t_miss`` s); ``kwargs`` go to
    ``page_load``.

    >>> t = page_load_times(1000, 0.9, 0.01, 0.11, rng=np.random.default_rng(1))
    >>> round(float(t.mean()), 2)
    0.21
    """
    n = check_int("n_loads", n_loads, low=0, high=10_000_000)
    check_probability("p_hit", p_hit)
    check_number("t_hit", t_hit, low=0)
    check_number("t_miss", t_miss, low=0)
    check_rng(rng)
    rest = page_load(0.0, **kwargs).t_total
    hits = rng.random(n) < p_hit
    return np.where(hits, t_hit, t_miss) + rest
