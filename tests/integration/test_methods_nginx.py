"""Methods 1 and 2 (nginx), checked from the outside with plain HTTP against the running stack.

Expected behaviour: the README (methods 1 and 2, the lab policy); the Fetch standard's CORS
protocol for what a browser needs to see (one ACAO value equal to the origin, ACAC exactly
"true", ACAM/ACAH on the preflight).
"""

from __future__ import annotations

import json
import uuid

import pytest

from corslab.stack import nginxconf, nginxhost, policy, topology
from corslab.stack.ports import free_port
from tests.rawhttp import preflight, send

pytestmark = pytest.mark.usefixtures("stack")
PROXY = topology.SERVICES["cors-proxy"].origin
SAME = topology.SERVICES["same-origin"].origin
API = topology.SERVICES["api"].origin
REFUSED = [
    topology.APP_ORIGIN + ".evil.test",
    topology.APP_ORIGIN + "1",
    topology.APP_ORIGIN[:-1],
    topology.APP_ORIGIN.replace("//", "//evil."),
    topology.APP_ORIGIN + "/",
    topology.APP_ORIGIN.replace("http:", "https:"),
    topology.APP_ORIGIN.upper(),
    "http://localhost",
    "null",
    topology.UNTRUSTED_ORIGIN,
]


def seen(trace: str, backend: str = API) -> list[tuple[str, str]]:
    records = json.loads(send("GET", f"{backend}/_lab/seen?trace={trace}").body)["requests"]
    return [(r["method"], r["path"]) for r in records]


# ---- method 1: one origin ---------------------------------------------------------------------

def test_method1_serves_the_frontend_at_the_root():
    reply = send("GET", SAME + "/")
    assert reply.status == 200 and b"CORS Lab" in reply.body


def test_method1_proxies_v1_to_the_api_without_cors_headers():
    """Same origin: the page at :8080 calls :8080/v1/ - nothing for CORS to do."""
    trace = uuid.uuid4().hex
    reply = send("GET", f"{SAME}/v1/users?trace={trace}", {"Origin": SAME})
    assert reply.status == 200 and "users" in json.loads(reply.body)
    assert reply.cors() == {}
    assert seen(trace) == [("GET", f"/v1/users?trace={trace}")]


def test_method1_keeps_the_session_cookie_on_one_origin():
    login = send("POST", SAME + "/v1/login", {"Content-Type": "application/json"}, '{"username": "ada"}')
    pair = login.one("set-cookie").split(";")[0]
    me = send("GET", SAME + "/v1/me", {"Cookie": pair})
    assert me.status == 200 and json.loads(me.body) == {"username": "ada"}


# ---- method 2: nginx injects CORS headers -----------------------------------------------------

@pytest.mark.parametrize("origin", policy.ALLOWED_ORIGINS)
def test_method2_answers_an_allowed_preflight_with_204_and_the_policy(origin):
    reply = preflight(PROXY + "/v1/users/1", origin, "PUT", "content-type,x-trace-id")
    assert reply.status == 204
    assert reply.one("access-control-allow-origin") == origin
    assert reply.one("access-control-allow-credentials") == "true"
    assert reply.one("access-control-allow-methods") == policy.header_list(policy.ALLOWED_METHODS)
    assert reply.one("access-control-allow-headers") == policy.header_list(policy.ALLOWED_HEADERS)
    assert reply.one("access-control-max-age") == str(policy.MAX_AGE)
    assert reply.one("vary") == "Origin"


def test_method2_preflight_never_reaches_the_api():
    """The preflight is answered at the edge; only the actual request reaches the backend."""
    trace = uuid.uuid4().hex
    url = f"{PROXY}/v1/users/1?trace={trace}"
    origin = policy.ALLOWED_ORIGINS[0]
    assert preflight(url, origin, "PUT", "content-type").status == 204
    actual = send("PUT", url, {"Origin": origin, "Content-Type": "application/json"}, '{"name": "x"}')
    assert actual.status == 200
    assert seen(trace) == [("PUT", f"/v1/users/1?trace={trace}")]


def test_method2_refused_preflight_is_answered_at_the_edge_without_cors_headers():
    trace = uuid.uuid4().hex
    reply = preflight(f"{PROXY}/v1/users?trace={trace}", REFUSED[0], "PUT")
    assert reply.status == 204 and reply.cors() == {}
    assert seen(trace) == []


def test_method2_plain_options_without_request_method_goes_to_the_api():
    """Only OPTIONS + Access-Control-Request-Method is a preflight (Fetch §CORS-preflight request)."""
    trace = uuid.uuid4().hex
    send("OPTIONS", f"{PROXY}/v1/users?trace={trace}", {"Origin": policy.ALLOWED_ORIGINS[0]})
    assert seen(trace) == [("OPTIONS", f"/v1/users?trace={trace}")]


@pytest.mark.parametrize("origin", policy.ALLOWED_ORIGINS)
def test_method2_actual_response_has_one_acao_line_and_exposes_x_request_id(origin):
    reply = send("GET", PROXY + "/v1/users", {"Origin": origin})
    assert reply.status == 200
    assert reply.all("access-control-allow-origin") == [origin]
    assert reply.one("access-control-allow-credentials") == "true"
    assert reply.one("access-control-expose-headers") == policy.header_list(policy.EXPOSED_HEADERS)
    assert reply.one("vary") == "Origin"
    assert reply.one("x-request-id")


@pytest.mark.parametrize("origin", REFUSED)
def test_method2_refuses_look_alike_origins(origin):
    """Anchored, exact, case-sensitive allowlist: nothing that merely resembles an allowed origin."""
    for reply in (send("GET", PROXY + "/v1/users", {"Origin": origin}),
                  preflight(PROXY + "/v1/users", origin, "DELETE")):
        assert reply.cors() == {}, origin
        assert reply.one("vary") == "Origin"


def test_method2_sends_no_cors_headers_without_an_origin():
    assert send("GET", PROXY + "/v1/users").cors() == {}


@pytest.mark.parametrize("method,path,body,status", [
    ("GET", "/v1/nowhere", None, 404),
    ("GET", "/v1/me", None, 401),
    ("POST", "/v1/users", "{broken", 400),
    ("PATCH", "/v1/users", None, 405),
])
def test_method2_puts_cors_headers_on_errors_too(method, path, body, status):
    """`add_header ... always`: without it the page sees a CORS failure, not the API's error."""
    origin = policy.ALLOWED_ORIGINS[1]
    reply = send(method, PROXY + path, {"Origin": origin, "Content-Type": "application/json"}, body)
    assert reply.status == status
    assert reply.all("access-control-allow-origin") == [origin]
    assert reply.one("access-control-allow-credentials") == "true"


def test_method2_credentials_work_through_the_proxy():
    origin = policy.ALLOWED_ORIGINS[0]
    login = send("POST", PROXY + "/v1/login",
                 {"Origin": origin, "Content-Type": "application/json"}, '{"username": "grace"}')
    assert login.status == 200 and login.one("access-control-allow-credentials") == "true"
    pair = login.one("set-cookie").split(";")[0]
    me = send("GET", PROXY + "/v1/me", {"Origin": origin, "Cookie": pair})
    assert me.status == 200 and json.loads(me.body) == {"username": "grace"}


@pytest.fixture
def proxy_in_front_of_flask_cors(tmp_path):
    """The method 2 config, unchanged, in front of the flask-cors backend (8096): the
    duplicate-header mistake waiting to happen. Real nginx on a free port."""
    svc = topology.SERVICES["cors-proxy"]
    port = free_port()
    site = nginxconf.render_template(svc.name, {
        "LISTEN": f"127.0.0.1:{port}",
        "API_UPSTREAM": f"127.0.0.1:{topology.SERVICES['api-appcors'].port}",
    })
    proc = nginxhost.start(nginxhost.render_main(site, tmp_path), tmp_path, "127.0.0.1", port)
    yield f"http://localhost:{port}"
    nginxhost.stop(proc)


def test_method2_hides_backend_cors_headers_so_acao_is_never_duplicated(proxy_in_front_of_flask_cors):
    """proxy_hide_header: a backend that also sets CORS headers cannot produce a second ACAO line
    (browsers reject two: 'contains multiple values')."""
    origin = policy.ALLOWED_ORIGINS[0]
    direct = send("GET", topology.SERVICES["api-appcors"].origin + "/v1/users", {"Origin": origin})
    assert direct.all("access-control-allow-origin") == [origin]  # the backend does send one
    reply = send("GET", proxy_in_front_of_flask_cors + "/v1/users", {"Origin": origin})
    assert reply.all("access-control-allow-origin") == [origin]
    assert reply.all("access-control-allow-credentials") == ["true"]
    assert reply.all("access-control-expose-headers") == [policy.header_list(policy.EXPOSED_HEADERS)]
