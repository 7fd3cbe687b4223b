"""The header echo (servers/echo.py) answers exactly what its URL asks for - the browser matrix relies on it.

These run the Flask app in-process (no browser, no stack): if the echo lied, every echo scenario of
the matrix would test the wrong thing.
"""

from __future__ import annotations

import pytest

from servers.echo import create_app

ORIGIN = "http://page.test"


@pytest.fixture
def client():
    return create_app().test_client()


def lines(response, name):
    return response.headers.getlist(name)


def test_duplicates_stay_separate_lines(client):
    answer = client.get("/x?acao=a&acao=b&aceh=X-One&aceh=X-Two", headers={"Origin": ORIGIN})
    assert lines(answer, "Access-Control-Allow-Origin") == ["a", "b"]
    assert lines(answer, "Access-Control-Expose-Headers") == ["X-One", "X-Two"]


def test_origin_placeholder_reflects_the_request_origin(client):
    answer = client.get("/x?acao={origin}&acac=true", headers={"Origin": ORIGIN})
    assert lines(answer, "Access-Control-Allow-Origin") == [ORIGIN]
    assert lines(answer, "Access-Control-Allow-Credentials") == ["true"]


def test_preflight_uses_pf_parameters_when_given(client):
    url = "/x?acao=*&pf_acao={origin}&pf_acam=PUT&preflight_status=200"
    preflight = client.options(url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"})
    assert preflight.status_code == 200
    assert lines(preflight, "Access-Control-Allow-Origin") == [ORIGIN]
    assert lines(preflight, "Access-Control-Allow-Methods") == ["PUT"]
    actual = client.put(url, headers={"Origin": ORIGIN})
    assert lines(actual, "Access-Control-Allow-Origin") == ["*"]
    assert lines(actual, "Access-Control-Allow-Methods") == []


def test_preflight_gets_the_plain_parameters_otherwise(client):
    preflight = client.options("/x?acao=*&acah=X-Foo", headers={"Origin": ORIGIN})
    assert preflight.status_code == 204  # the default: an ok status
    assert lines(preflight, "Access-Control-Allow-Headers") == ["X-Foo"]


def test_status_redirects_and_extra_headers(client):
    assert client.get("/x?status=403&hdr=X-Secret:s").status_code == 403
    assert lines(client.get("/x?hdr=X-Secret:s"), "X-Secret") == ["s"]
    moved = client.get("/x?redirect=/y&redirect_status=307&acao=*")
    assert (moved.status_code, moved.headers["Location"], lines(moved, "Access-Control-Allow-Origin")) == (307, "/y", ["*"])
    pf_moved = client.options("/x?preflight_redirect=/z")
    assert (pf_moved.status_code, pf_moved.headers["Location"]) == (302, "/z")


def test_body_describes_what_arrived_and_every_answer_has_a_request_id(client):
    answer = client.post("/p/q?acao=*", data="hello", headers={"Origin": ORIGIN, "X-Foo": "1"})
    body = answer.get_json()
    assert body["method"] == "POST" and body["body"] == "hello" and body["path"].startswith("/p/q?")
    assert ["X-Foo", "1"] in body["headers"]
    assert answer.headers["X-Request-Id"]


def test_any_method_is_echoed(client):
    """A made-up method (or a lowercase "patch", which fetch() sends as is) still reaches the echo."""
    answer = client.open("/x?acao=*", method="SUPER")
    assert answer.status_code == 200 and answer.get_json()["method"] == "SUPER"


def test_seen_log_keeps_what_reached_it_by_trace(client):
    client.options("/x?trace=t1", headers={"Origin": ORIGIN})
    client.get("/x?trace=t1")
    client.get("/x?trace=t2")
    seen = client.get("/_lab/seen?trace=t1").get_json()["requests"]
    assert [r["method"] for r in seen] == ["OPTIONS", "GET"]
    assert client.get("/_lab/health").status_code == 200
