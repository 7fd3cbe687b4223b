"""The probe against the real lab stack (the `stack` fixture of tests/conftest.py).

Expected behaviour: the README (the lab policy; 8095 has no CORS; flask-cors on 8096; nginx
cors-proxy answers preflights at the edge) and the Fetch standard as the model applies it.
Every URL carries a unique ``trace`` so the backend's /_lab/seen log can be read precisely.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from corslab.stack import topology
from corslab.probing.probe import ProbeSession, probe

pytestmark = pytest.mark.usefixtures("stack")
APP = topology.APP_ORIGIN
API = topology.service("api")
APPCORS = topology.service("api-appcors")
PROXY = topology.service("cors-proxy")
JSON = [("Content-Type", "application/json")]


def traced(svc, path: str) -> str:
    return f"{svc.origin}{path}?trace=probe-{uuid.uuid4().hex[:10]}"


def test_put_to_the_api_without_cors_stops_at_the_preflight_and_says_where_to_fix():
    """README "The stack": 8095 has no CORS code; the preflight reaches it and gets no ACAO."""
    r = probe(traced(API, "/v1/users/1"), APP, "PUT", JSON, credentials="include",
              body='{"name": "ada"}')
    assert not r.allowed and r.preflight_needed and r.response is None
    assert r.error == "kPreflightMissingAllowOriginHeader"
    assert r.seen()["reached"] == ["api"]  # the app itself answered the OPTIONS
    assert "flask-cors" in r.explanation and f"`{PROXY.name}` on {PROXY.port}" in r.explanation
    assert "Access-Control-Allow-Methods: PUT" in r.explanation


def test_get_from_the_api_without_cors_is_sent_but_hidden_from_the_page():
    """Fetch CORS check: a simple GET reaches the server; the answer lacks ACAO, so it is hidden."""
    r = probe(traced(API, "/v1/users"), APP)
    assert not r.allowed and not r.preflight_needed and r.response.status == 200
    assert r.reason.startswith("No 'Access-Control-Allow-Origin' header is present")
    assert "the server did receive and process the request" in r.explanation


def test_cors_proxy_answers_the_preflight_at_the_edge_and_allows_the_put():
    """README method 2 (nginx/cors-proxy.conf): nginx answers preflights itself; only the PUT reaches the API."""
    r = probe(traced(PROXY, "/v1/users/1"), APP, "PUT", JSON, credentials="include",
              body='{"name": "grace"}')
    assert r.allowed, r.explanation
    assert r.preflight.status in range(200, 300) and r.response.status == 200
    assert r.seen()["reached"] == [False, "api"]
    assert "x-request-id" in r.exposed_headers
    html = r._repr_html_()
    assert "not forwarded" in html and PROXY.name in html


def test_cors_proxy_refuses_the_untrusted_site_and_says_it_is_the_policy():
    """README lab policy: only the two trusted origins are allowed; the refusal is the policy working."""
    r = probe(traced(PROXY, "/v1/users/1"), topology.UNTRUSTED_ORIGIN, "PUT", JSON, body="{}")
    assert not r.allowed and r.kind == "cors"
    assert "no fix needed" in r.explanation


def test_flask_cors_exposes_x_request_id_to_the_app():
    """README lab policy: exposed header X-Request-Id (8096, flask-cors)."""
    r = probe(traced(APPCORS, "/v1/users"), APP, credentials="include")
    assert r.allowed and "x-request-id" in r.exposed_headers


def test_login_cookie_travels_to_me_through_the_proxy_only_with_include():
    """README credentials (RFC 6265bis SameSite=Lax): SameSite=Lax session cookie, same-site localhost ports."""
    session = ProbeSession()
    login = session.probe(traced(PROXY, "/v1/login"), APP, "POST", JSON, credentials="include",
                          body=json.dumps({"username": "ada"}))
    assert login.allowed and login.response.status == 200
    me = session.probe(traced(PROXY, "/v1/me"), APP, credentials="include")
    assert me.allowed and me.response.status == 200
    anonymous = session.probe(traced(PROXY, "/v1/me"), APP, credentials="omit")
    assert anonymous.response.status == 401


def test_redirect_endpoint_is_followed_to_the_users_list():
    """README redirect endpoint; Fetch "HTTP-redirect fetch" (same-origin hop, no taint)."""
    r = probe(f"{APPCORS.origin}/v1/redirect?to=/v1/users", APP)
    assert r.allowed and [e.status for e in r.exchanges] == [302, 200]
    assert r.final_url == APPCORS.origin + "/v1/users"


def test_cli_json_against_the_proxy_matches_the_contract():
    """docs/architecture.md: the probe object's fields and types."""
    run = subprocess.run([sys.executable, "-m", "corslab", "probe", traced(PROXY, "/v1/users/1"),
                          "--origin", APP, "--method", "PUT", "--header",
                          "Content-Type: application/json", "--credentials", "include",
                          "--body", '{"name": "linus"}', "--json"],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["method"] == "PUT" and data["credentials"] == "include" and data["mode"] == "cors"
    assert data["preflight_needed"] is True and data["allowed"] is True and data["reason"] is None
    acao = [v for n, v in data["preflight"]["headers"] if n == "access-control-allow-origin"]
    assert acao == [APP]
    assert all(n == n.lower() for n, _ in data["response"]["headers"])
    assert "x-request-id" in data["exposed_headers"]
