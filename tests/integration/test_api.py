"""The CORS-unaware API (8095) and its flask-cors twin (8096), from the outside over real HTTP.

Expected behaviour comes from the README's "The API" section.
"""

from __future__ import annotations

import json
import uuid

import pytest

from corslab.stack import policy, topology
from tests.rawhttp import preflight, send

pytestmark = pytest.mark.usefixtures("stack")
BACKENDS = ["api", "api-appcors"]
LOOK_ALIKES = [
    topology.APP_ORIGIN + ".evil.test",  # starts with an allowed origin
    topology.APP_ORIGIN + "1",  # one digit more
    topology.APP_ORIGIN.replace("//", "//evil."),  # ends with it
    topology.APP_ORIGIN.replace("http:", "https:"),  # other scheme
    "http://localhost",  # no port
    "null",
    topology.UNTRUSTED_ORIGIN,
]


def base(name: str) -> str:
    return topology.SERVICES[name].origin


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("method,path,body,expected", [
    ("GET", "/v1/users", None, 200),
    ("GET", "/v1/nowhere", None, 404),
    ("PATCH", "/v1/users", None, 405),
    ("POST", "/v1/users", "{not json", 400),
    ("GET", "/v1/me", None, 401),
])
def test_every_response_carries_x_request_id(backend, method, path, body, expected):
    """README "The API": a custom response header X-Request-Id on every response (errors too)."""
    reply = send(method, base(backend) + path, {"Content-Type": "application/json"}, body)
    assert reply.status == expected
    assert len(reply.one("x-request-id") or "") == 32


@pytest.mark.parametrize("body,why", [
    ("{not json", "not valid JSON"),
    ("", "empty"),
    ("[1, 2]", "must be a JSON object"),
    ('{"name": ""}', "non-empty string"),
    ('{"name": 7}', "non-empty string"),
])
def test_bad_json_is_a_400_with_a_json_error_never_a_500(body, why):
    """RFC 9110 §15.5.1: malformed JSON is the client's error -> 400 with a JSON error, never a 500."""
    reply = send("POST", base("api") + "/v1/users", {"Content-Type": "application/json"}, body)
    assert reply.status == 400
    assert reply.one("content-type") == "application/json"
    assert why in json.loads(reply.body)["error"]


def test_users_can_be_created_updated_and_deleted():
    """README "The API": users (GET/POST, PUT/DELETE by id)."""
    created = send("POST", base("api") + "/v1/users", {"Content-Type": "application/json"},
                   json.dumps({"name": "margaret"}))
    assert created.status == 201
    user = json.loads(created.body)
    url = f"{base('api')}/v1/users/{user['id']}"
    updated = send("PUT", url, {"Content-Type": "application/json"}, '{"name": "m. hamilton"}')
    assert updated.status == 200 and json.loads(updated.body)["name"] == "m. hamilton"
    listed = json.loads(send("GET", base("api") + "/v1/users").body)["users"]
    assert {"id": user["id"], "name": "m. hamilton"} in listed
    assert send("DELETE", url).status == 204
    assert send("DELETE", url).status == 404


def test_a_text_plain_post_is_still_acted_on():
    """The 'simple request' lesson: CORS guards reading, not sending - a text/plain POST (no
    preflight) reaches the API and changes state (Fetch §CORS-safelisted request-header)."""
    reply = send("POST", base("api") + "/v1/users", {"Content-Type": "text/plain"}, '{"name": "eve"}')
    assert reply.status == 201


def test_login_sets_a_lax_httponly_session_cookie_and_me_needs_it():
    """README "The API": POST /v1/login sets a session cookie (SameSite=Lax, HttpOnly); GET /v1/me
    answers 200 {"username"} with it and 401 without."""
    login = send("POST", base("api") + "/v1/login", {"Content-Type": "application/json"},
                 '{"username": "ada"}')
    assert login.status == 200
    cookie = login.one("set-cookie")
    attributes = {a.strip().lower() for a in cookie.split(";")}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    pair = cookie.split(";")[0]
    assert json.loads(send("GET", base("api") + "/v1/me", {"Cookie": pair}).body) == {"username": "ada"}
    assert send("GET", base("api") + "/v1/me").status == 401


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_endpoint_redirects_to_a_path(status):
    """README "The API": a redirect (the redirect lesson)."""
    reply = send("GET", base("api") + f"/v1/redirect?to=/v1/users&status={status}")
    assert reply.status == status
    assert reply.one("location") == "/v1/users"


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/x", "javascript:alert(1)"])
def test_redirect_endpoint_is_not_an_open_redirect(target):
    """Secure by default: only paths or loopback URLs."""
    reply = send("GET", base("api") + "/v1/redirect?to=" + target)
    assert reply.status == 400


def test_seen_log_records_what_reached_the_backend_newest_last():
    """README "The API": /_lab/seen -> {"requests": [{"method","path","headers","time"}]}, newest last."""
    trace = uuid.uuid4().hex
    send("GET", base("api") + f"/v1/users?trace={trace}&n=1", {"X-Probe": "one"})
    send("DELETE", base("api") + f"/v1/users/999999?trace={trace}")
    seen = json.loads(send("GET", base("api") + f"/_lab/seen?trace={trace}").body)["requests"]
    assert [(r["method"], r["path"]) for r in seen] == [
        ("GET", f"/v1/users?trace={trace}&n=1"), ("DELETE", f"/v1/users/999999?trace={trace}")]
    assert ["X-Probe", "one"] in seen[0]["headers"]
    assert seen[0]["time"] <= seen[1]["time"]


def test_seen_log_follows_the_x_trace_id_header_too():
    trace = uuid.uuid4().hex
    send("GET", base("api") + "/v1/users", {"X-Trace-Id": trace})
    seen = json.loads(send("GET", base("api") + f"/_lab/seen?trace={trace}").body)["requests"]
    assert len(seen) == 1 and seen[0]["path"] == "/v1/users"


@pytest.mark.parametrize("origin", list(policy.ALLOWED_ORIGINS) + LOOK_ALIKES)
def test_the_plain_api_sends_no_cors_headers_to_anyone(origin):
    """The seed's backend:8095 knows nothing of CORS, so every method has work to do."""
    assert send("GET", base("api") + "/v1/users", {"Origin": origin}).cors() == {}
    reply = preflight(base("api") + "/v1/users", origin, "PUT", "content-type")
    assert reply.cors() == {}


@pytest.mark.parametrize("origin", policy.ALLOWED_ORIGINS)
def test_flask_cors_allows_the_policy_origins_with_the_policy(origin):
    """flask-cors configured explicitly with corslab/stack/policy.py (not plain CORS(app))."""
    reply = preflight(base("api-appcors") + "/v1/users", origin, "PUT", "content-type,x-trace-id")
    assert reply.status == 200
    assert reply.one("access-control-allow-origin") == origin
    assert reply.one("access-control-allow-credentials") == "true"
    assert set(reply.one("access-control-allow-methods").split(", ")) == set(policy.ALLOWED_METHODS)
    assert reply.one("access-control-max-age") == str(policy.MAX_AGE)
    assert "Origin" in reply.one("vary")
    actual = send("GET", base("api-appcors") + "/v1/users", {"Origin": origin})
    assert actual.one("access-control-allow-origin") == origin
    assert actual.one("access-control-expose-headers") == ", ".join(policy.EXPOSED_HEADERS)
    assert "Origin" in actual.one("vary")


@pytest.mark.parametrize("origin", LOOK_ALIKES)
def test_flask_cors_refuses_look_alike_origins_but_still_varies(origin):
    """Exact allowlist; a refused answer depends on Origin too, so it carries Vary: Origin."""
    reply = send("GET", base("api-appcors") + "/v1/users", {"Origin": origin})
    assert reply.cors() == {}
    assert "Origin" in reply.one("vary")


def test_flask_cors_preflight_reaches_the_app():
    """The app-level way: the preflight travels all the way to the application process."""
    trace = uuid.uuid4().hex
    preflight(base("api-appcors") + f"/v1/users?trace={trace}", policy.ALLOWED_ORIGINS[0])
    seen = json.loads(send("GET", base("api-appcors") + f"/_lab/seen?trace={trace}").body)
    assert [r["method"] for r in seen["requests"]] == ["OPTIONS"]
