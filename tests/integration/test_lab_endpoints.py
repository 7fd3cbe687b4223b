"""The lab's own endpoints (``/_lab/*``) never act for another page.

``/_lab/predict`` (corslab/probing/playground.py) is the one endpoint that sends requests. A server
that sends what any page asks, with the trusted origin's name on it, is a cross-site request
forgery (OWASP CSRF Prevention Cheat Sheet: verify the origin with standard headers, Fetch Metadata)
and a server-side request forgery (OWASP SSRF Prevention Cheat Sheet: an allowlist of targets).
So: only the page's own origin may call it (``Origin`` exact, ``Sec-Fetch-Site: same-origin`` -
W3C Fetch Metadata §2.4), by POST with ``application/json`` (not a CORS-safelisted
Content-Type, Fetch §2.2.2, so no form or cross-origin page sends it without a preflight); it reaches
only the stack's services, and never sends a method that is not safe (RFC 9110 §9.2.1).
The endpoints are listed in docs/architecture.md; a test checks the list against the servers.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import uuid
from pathlib import Path

import pytest

from corslab.stack import topology
from tests.rawhttp import send

pytestmark = pytest.mark.usefixtures("stack")

PAGE = topology.SERVICES["frontend"]
PREDICT = PAGE.origin + "/_lab/predict"
JSON = {"Content-Type": "application/json", "Origin": PAGE.origin, "Sec-Fetch-Site": "same-origin"}


def scenario(target: str, path: str, method: str = "GET", headers=(), body=None) -> str:
    return json.dumps({"url": topology.SERVICES[target].origin + path, "method": method,
                       "headers": list(headers), "credentials": "include", "body": body})


def seen(service: str, trace: str) -> list[tuple[str, str | None]]:
    """(method, Origin) of every request with ``trace`` that reached ``service``'s backend."""
    reply = send("GET", topology.SERVICES[service].origin + f"/_lab/seen?trace={trace}")
    return [(e["method"], dict((k.lower(), v) for k, v in e["headers"]).get("origin"))
            for e in json.loads(reply.body)["requests"]]


def test_the_page_itself_gets_its_prediction():
    trace = uuid.uuid4().hex
    reply = send("POST", PREDICT, JSON, scenario("api-appcors", f"/v1/users?trace={trace}"))
    assert reply.status == 200, reply.body
    answer = json.loads(reply.body)
    assert answer["allowed"] is True and answer["status"] == 200 and answer["stand_in"] is None
    assert seen("api-appcors", trace) == [("GET", PAGE.origin)]


@pytest.mark.parametrize("service,method,path", [
    ("api-appcors", "DELETE", "/v1/users/3"), ("api-appcors", "PUT", "/v1/users/1"),
    ("cors-proxy", "POST", "/v1/users"), ("api-appcors", "PATCH", "/v1/users/1"),
])
def test_a_state_changing_method_is_predicted_without_being_sent(service, method, path):
    """The preflight (OPTIONS, safe) goes out as the browser sends it; the actual DELETE/PUT/POST
    does not: the verdict is read from a GET to the same URL, and the answer says so."""
    trace = uuid.uuid4().hex
    name = f"mallory-{trace[:12]}"  # unique: other tests and notebooks share the API's users
    body = json.dumps({"name": name}) if method in ("POST", "PUT", "PATCH") else None
    reply = send("POST", PREDICT, JSON, scenario(service, f"{path}?trace={trace}", method,
                                                 ["Content-Type: application/json"], body))
    assert reply.status == 200, reply.body
    answer = json.loads(reply.body)
    backend = service if service == "api-appcors" else topology.upstream_of(topology.SERVICES[service]).name
    methods = [m for m, _ in seen(backend, trace)]
    assert method not in methods and set(methods) <= {"OPTIONS", "GET"}, methods
    if method != "PATCH":  # PATCH is not in the lab policy: its preflight fails, nothing follows
        assert answer["allowed"] and answer["status"] is None and method in answer["stand_in"]
    users = json.loads(send("GET", topology.SERVICES[service].origin + "/v1/users").body)
    assert name not in json.dumps(users)


CROSS_CALLERS = {
    "untrusted site": {"Origin": topology.SERVICES["untrusted"].origin, "Sec-Fetch-Site": "cross-site"},
    "same-site sibling": {"Origin": topology.SERVICES["admin"].origin, "Sec-Fetch-Site": "same-site"},
    "null origin": {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    "look-alike origin": {"Origin": PAGE.origin + ".evil.test"},
    "127.0.0.1 for localhost": {"Origin": PAGE.origin.replace("localhost", "127.0.0.1")},
    "no origin": {},
    "cross-site metadata, right origin": {"Origin": PAGE.origin, "Sec-Fetch-Site": "cross-site"},
}


@pytest.mark.parametrize("caller", CROSS_CALLERS, ids=list(CROSS_CALLERS))
def test_another_caller_makes_the_server_send_nothing(caller):
    trace = uuid.uuid4().hex
    headers = {"Content-Type": "application/json", **CROSS_CALLERS[caller]}
    reply = send("POST", PREDICT, headers, scenario("api-appcors", f"/v1/users/3?trace={trace}", "DELETE"))
    assert reply.status == 403 and PAGE.origin in json.loads(reply.body)["error"]
    assert reply.acao is None
    assert seen("api-appcors", trace) == []


@pytest.mark.parametrize("method,content_type", [
    ("GET", None), ("POST", "text/plain"), ("POST", "application/x-www-form-urlencoded"),
    ("POST", "multipart/form-data; boundary=x"),
])
def test_what_a_form_or_a_simple_request_can_send_is_refused(method, content_type):
    """A form (or fetch() in no-cors mode) can send GET or a POST with a CORS-safelisted type only."""
    trace = uuid.uuid4().hex
    body = scenario("api-appcors", f"/v1/users/3?trace={trace}", "DELETE")
    headers = {"Origin": PAGE.origin, "Sec-Fetch-Site": "same-origin"}
    if content_type:
        headers["Content-Type"] = content_type
    url = PREDICT + (f"?url={topology.SERVICES['api-appcors'].origin}/v1/users/3%3Ftrace%3D{trace}"
                     "&method=DELETE" if method == "GET" else "")
    reply = send(method, url, headers, None if method == "GET" else body)
    assert reply.status in (404, 405, 415)  # GET: no such route (the static files answer 404)
    assert seen("api-appcors", trace) == []


@pytest.fixture
def listener():
    """A loopback port outside the stack that records whether anything connected."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    hits = []

    def accept():
        while True:
            try:
                conn, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            hits.append(conn.recv(4096))
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield sock.getsockname()[1], hits
    sock.close()


@pytest.mark.parametrize("via", ["direct", "api redirect", "echo redirect"])
def test_only_the_stacks_own_services_are_reached(listener, via):
    """SSRF: a URL outside the stack - given, or behind a redirect of a lab service - is refused."""
    port, hits = listener
    outside = f"http://127.0.0.1:{port}/internal"
    if via == "direct":
        url = outside
    elif via == "api redirect":
        url = topology.SERVICES["api-appcors"].origin + f"/v1/redirect?to={outside}"
    else:
        url = topology.SERVICES["echo"].origin + f"/x?acao={{origin}}&redirect={outside}"
    reply = send("POST", PREDICT, JSON, json.dumps({"url": url}))
    assert reply.status == 400 and "lab's own services" in json.loads(reply.body)["error"]
    assert hits == []


def test_the_pages_served_through_method_1_predict_for_their_own_origin():
    """Method 1 (nginx/same-origin.conf) serves the app's pages at / of its own origin: a page there
    calls /_lab/predict on that origin, which is same-origin for it, and the prediction is made
    for that origin - for which the API behind the same proxy is not cross-origin at all."""
    proxy = topology.SERVICES["same-origin"].origin
    headers = dict(JSON, Origin=proxy)
    reply = send("POST", proxy + "/_lab/predict", headers,
                 json.dumps({"url": proxy + "/v1/users", "method": "PUT",
                             "headers": ["Content-Type: application/json"], "body": "{}"}))
    assert reply.status == 200, reply.body
    answer = json.loads(reply.body)
    assert answer["allowed"] and not answer["preflight_needed"]


def test_a_malformed_scenario_is_one_line():
    for body in ("[]", "{", json.dumps({"url": 5}), json.dumps({"url": "x", "headers": "X: 1"})):
        reply = send("POST", PREDICT, JSON, body)
        assert reply.status == 400 and "\n" not in json.loads(reply.body)["error"]


# ---- every /_lab/* endpoint is listed in docs/architecture.md with who may call it ---------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def served_lab_endpoints() -> set[tuple[str, str]]:
    """(METHOD, path) of every /_lab/ route of every Flask service of the stack."""
    from servers.run import build_app

    found = set()
    for name, svc in topology.SERVICES.items():
        if svc.kind != "flask":
            continue
        for rule in build_app(name).url_map.iter_rules():
            if rule.rule.startswith("/_lab/"):
                found |= {(m, rule.rule) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_every_lab_endpoint_is_in_the_architecture_table():
    table = re.findall(r"^\| `(GET|POST|DELETE|PUT) (/_lab/[^`]*)` \|", DOC.read_text(), re.M)
    assert served_lab_endpoints() == set(table)


def test_the_pages_answer_favicon_without_an_error():
    """Browsers request /favicon.ico of every origin (HTML Living Standard, link type "icon":
    the default /favicon.ico); a 404 there is a console error unrelated to CORS."""
    for site in ("frontend", "admin", "untrusted"):
        reply = send("GET", topology.SERVICES[site].origin + "/favicon.ico")
        assert reply.status in (200, 204)
