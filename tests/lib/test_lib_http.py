"""scalelab.http: one web server, content negotiation, status codes, and page-load time."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab.http import (
    HTML,
    JSON,
    Request,
    Response,
    WebServer,
    html_response,
    json_response,
    page_load,
    page_load_times,
    request_from,
    sample_users,
)

pytestmark = pytest.mark.lib

USERS = {12: {"name": "Ada Lovelace", "email": "ada@example.com"}, 7: {"name": "Zoë Ñúñez"}}


@pytest.fixture
def server() -> WebServer:
    return WebServer(USERS)


def test_json_for_mobile_and_api_html_for_browsers(server):
    for client in ("mobile", "api"):
        r = server.handle(request_from(client, "/users/12"))
        assert (r.status, r.reason, r.content_type) == (200, "OK", JSON)
        assert json.loads(r.body) == {"id": 12, **USERS[12]}
    page = server.handle(request_from("browser", "/users/12"))
    assert page.status == 200 and page.content_type == HTML
    assert page.body.startswith("<!doctype html>") and "Ada Lovelace" in page.body


def test_errors_use_the_right_codes_and_the_clients_format(server):
    cases = {
        "/users/99": 404,
        "/users/abc": 400,
        "/users/-1": 400,
        "/users/²": 400,
        "/nowhere": 404,
        "/users/12/": 200,
        "/users/12?fields=name": 200,
        "/": 200,
    }
    for path, status in cases.items():
        r = server.handle(request_from("api", path))
        assert r.status == status, path
        assert r.content_type == JSON
        body = json.loads(r.body)
        assert ("error" in body) == (status >= 400), path
    assert server.handle(request_from("browser", "/users/99")).content_type == HTML
    deleted = server.handle(Request("DELETE", "/users/12", JSON))
    assert deleted.status == 405 and deleted.headers["Allow"] == "GET, HEAD"
    assert server.handle(Request("GET", "/users/12", "image/png")).status == 406
    assert server.n_handled == len(cases) + 3


def test_content_negotiation_honours_q_values(server):
    prefer_json = "text/html;q=0.5, application/json"
    assert server.handle(Request("GET", "/users/12", prefer_json)).content_type == JSON
    assert server.handle(Request("GET", "/users/12", "*/*")).content_type == HTML
    assert server.handle(Request("GET", "/users/12", "application/*")).content_type == JSON
    refuse = "application/json;q=0, text/html;q=0"
    assert server.handle(Request("GET", "/users/12", refuse)).status == 406


def test_non_ascii_stays_valid_json_and_bytes_count_utf8(server):
    r = server.handle(request_from("mobile", "/users/7"))
    assert json.loads(r.body)["name"] == "Zoë Ñúñez"
    assert r.n_bytes == len(r.head().encode()) + len(r.body.encode("utf-8"))
    assert f"Content-Length: {len(r.body.encode('utf-8'))}" in r.head()
    assert len(r.body.encode("utf-8")) > len(r.body)  # multi-byte characters counted


def test_json_is_smaller_than_the_html_page(server):
    j = server.handle(request_from("mobile", "/users/12"))
    h = server.handle(request_from("browser", "/users/12"))
    assert j.n_bytes < h.n_bytes


def test_validation():
    with pytest.raises(ValueError, match="method must be one of"):
        Request("FETCH", "/")
    with pytest.raises(ValueError, match="path must be"):
        Request("GET", "users/12")
    with pytest.raises(ValueError, match="status must be"):
        Response(700, JSON, "{}")
    with pytest.raises(ValueError, match="body must be text"):
        Response(200, JSON, b"{}")
    with pytest.raises(ValueError, match="client must be one of"):
        request_from("fridge", "/")
    with pytest.raises(ValueError, match="user id"):
        WebServer({"12": {}})
    with pytest.raises(ValueError, match="request must be a Request"):
        WebServer({}).handle("GET /")


def test_html_response_escapes():
    r = html_response(200, "<script>", "a & b")
    assert "<script>" not in r.body and "&lt;script&gt;" in r.body and "a &amp; b" in r.body


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=30), max_size=5))
def test_json_response_round_trips_any_text(payload):
    assert json.loads(json_response(200, payload).body) == payload


def test_page_load_parts_add_up_and_scale():
    p = page_load(0.1, 0.05, 250_000, t_server=0.02, rate_bytes=2.5e6, n_handshake_rtts=2)
    parts = p.parts()
    assert list(parts) == ["DNS", "connection", "request", "response"]
    assert sum(parts.values()) == pytest.approx(p.t_total)
    assert parts["connection"] == pytest.approx(0.1)
    assert parts["request"] == pytest.approx(0.045)
    assert parts["response"] == pytest.approx(0.025 + 0.1)
    tls12 = page_load(0.1, 0.05, 250_000, n_handshake_rtts=3)
    assert tls12.t_connect - p.t_connect == pytest.approx(0.05)
    with pytest.raises(ValueError, match="rate_bytes"):
        page_load(0.0, rate_bytes=0)
    with pytest.raises(ValueError, match="t_dns"):
        page_load(-0.1)


def test_page_load_times_are_seeded_and_average_right():
    a = page_load_times(20_000, 0.8, 0.01, 0.11, rng=np.random.default_rng(4))
    b = page_load_times(20_000, 0.8, 0.01, 0.11, rng=np.random.default_rng(4))
    assert np.array_equal(a, b)
    rest = page_load(0.0).t_total
    assert float(a.mean()) == pytest.approx(rest + 0.8 * 0.01 + 0.2 * 0.11, abs=0.002)
    assert set(np.round(a - rest, 9)) == {0.01, 0.11}


def test_sample_users_is_seeded():
    a = sample_users(50, rng=np.random.default_rng(1))
    assert a == sample_users(50, rng=np.random.default_rng(1))
    assert sorted(a) == list(range(1, 51))
    assert all(set(u) == {"name", "email", "joined"} for u in a.values())
