"""Limits of the running stack: bodies, nesting, the request log, what the echo cannot send.

Every service and proxy refuses a request body over 1 MiB with 413 and the CORS headers its method
adds to any other error (so page JavaScript can read the 413 - Fetch #concept-cors-check:
a response without them is a network error to the page). Expected figures come from RFC 9110
§15.5.14 (413 Content Too Large) and nginx's ``client_max_body_size`` documentation
(https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size).
"""

from __future__ import annotations

import json
import re
import socket
import time
import uuid

import pytest

from corslab.stack import runner, topology
from tests.rawhttp import Reply, send

pytestmark = pytest.mark.usefixtures("stack")

LIMIT = 1024 * 1024
APP = topology.APP_ORIGIN
# (service, path): every service of the stack, at a path that takes a POST body.
TARGETS = [(name, "/v1/users" if svc.health.startswith("/v1/") else "/_lab/health")
           for name, svc in topology.SERVICES.items()]
TARGETS = [(name, "/x?acao={origin}&acac=true" if name == "echo" else path) for name, path in TARGETS
           if name != "ingress"  # the controller's own gap: see the ingress test below
           and not topology.SERVICES[name].twin_of]  # HTTPS: tests/browser/test_https_origins.py


def raw(port: int, head: bytes, body_chunks=(), timeout: float = 5) -> Reply:
    """Send ``head`` then each chunk (stopping quietly if the server closed), read one answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server answered early and closed: what we want to read
        sock.shutdown(socket.SHUT_WR) if not body_chunks else None
        data = b""
        deadline = time.monotonic() + timeout
        def complete() -> bool:
            head, sep, rest = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            return bool(sep) and len(rest) >= (int(length.group(1)) if length else 0)

        while not complete() and time.monotonic() < deadline:
            try:
                more = sock.recv(65536)
            except ConnectionResetError:
                break
            if not more:
                break
            data += more
    head_text, _, body = data.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), f"no HTTP answer from port {port}: {data[:200]!r}"
    headers = [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
    return Reply(int(lines[0].split()[1]), headers, body)


def cors_of(reply: Reply) -> dict[str, list[str]]:
    return {k: v for k, v in reply.cors().items()}


@pytest.mark.parametrize("service,path", TARGETS, ids=[t[0] for t in TARGETS])
def test_a_body_over_one_mib_is_413_with_the_cors_headers_of_the_method(service, path):
    """RFC 9110 §15.5.14: 413 for a body over the limit (1 MiB, nginx's client_max_body_size 1m),
    refused on the declared Content-Length without reading the body. The 413 carries the same
    CORS headers as another error of the same method (a 400/404/405 to a small body), as Fetch's
    CORS check needs them for the page to read any answer."""
    svc = topology.SERVICES[service]
    host = f"Host: localhost:{svc.port}\r\nOrigin: {APP}\r\nContent-Type: application/json\r\n"
    big = raw(svc.port, f"POST {path} HTTP/1.1\r\n{host}Content-Length: {LIMIT + 1}\r\n\r\n".encode(),
              [b"x" * 65536] * 2)
    small = send("POST", svc.origin + path, {"Origin": APP, "Content-Type": "application/json"}, "{")
    assert big.status == 413, big
    assert small.status != 413
    assert cors_of(big) == cors_of(small)


def test_ingress_nginx_refuses_a_declared_large_body_before_its_cors_rules_run():
    """ingress-nginx (rootfs/etc/nginx/template/nginx.tmpl): the CORS headers depend on ``$cors``,
    set by an ``if`` in nginx's rewrite phase; nginx checks a declared Content-Length against
    ``client_max_body_size`` (proxy-body-size, default 1m) in its find-config phase, before that.
    So the real controller's 413 carries no CORS headers and a page sees a CORS error instead -
    the emulator runs the controller's config in real nginx and shows the same."""
    svc = topology.SERVICES["ingress"]
    big = raw(svc.port, f"POST /v1/users HTTP/1.1\r\nHost: localhost:{svc.port}\r\nOrigin: {APP}\r\n"
                        f"Content-Length: {LIMIT + 1}\r\n\r\n".encode(), [b"x" * 65536])
    assert big.status == 413
    assert big.acao is None


@pytest.mark.parametrize("service", ["api-appcors", "cors-proxy", "alb", "gateway", "ingress", "echo"])
def test_a_chunked_body_over_one_mib_is_413_too(service):
    """RFC 9112 §7.1: a chunked body has no declared length; it is counted as it arrives and
    refused with 413 once past 1 MiB (never read whole)."""
    svc = topology.SERVICES[service]
    path = "/x?acao={origin}" if service == "echo" else "/v1/users"
    head = (f"POST {path} HTTP/1.1\r\nHost: localhost:{svc.port}\r\nOrigin: {APP}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    reply = raw(svc.port, head, [chunk] * 40 + [b"0\r\n\r\n"], timeout=10)
    assert reply.status == 413
    assert reply.acao == APP


@pytest.mark.parametrize("service", ["api", "api-appcors"])
def test_exactly_one_mib_is_not_refused_for_its_size(service):
    """The limit is 1 MiB inclusive: a body of exactly 1 048 576 bytes reaches the app (which
    refuses the too-long name itself, with 400)."""
    body = json.dumps({"name": "x" * (LIMIT - 12)})
    assert len(body) == LIMIT
    reply = send("POST", topology.SERVICES[service].origin + "/v1/users",
                 {"Content-Type": "application/json"}, body)
    assert reply.status == 400
    assert "at most" in json.loads(reply.body)["error"]


@pytest.mark.parametrize("service", ["api", "api-appcors"])
def test_deeply_nested_json_is_a_400_not_a_500(service):
    """RFC 8259 §9 lets a parser limit nesting depth; past it the client's body is at fault: 400."""
    reply = send("POST", topology.SERVICES[service].origin + "/v1/users",
                 {"Content-Type": "application/json"}, "[" * 100_000)
    assert reply.status == 400
    assert "nested too deeply" in json.loads(reply.body)["error"]


def test_the_request_log_masks_cookie_and_authorization_and_shortens_values():
    """A request log must not become a store of secrets or of whatever size clients send
    (OWASP Logging Cheat Sheet: never log session ids or access tokens)."""
    echo = topology.SERVICES["echo"].origin
    trace = uuid.uuid4().hex
    send("GET", f"{echo}/x?trace={trace}", {"Cookie": "corslab_session=s3cret; theme=dark",
                                             "Authorization": "Bearer t0ken", "X-Long": "v" * 50_000})
    entry = json.loads(send("GET", f"{echo}/_lab/seen?trace={trace}").body)["requests"][0]
    headers = {k.lower(): v for k, v in entry["headers"]}
    assert headers["cookie"] == "corslab_session=***; theme=***"
    assert headers["authorization"] == "Bearer ***"
    assert len(headers["x-long"]) < 300


def test_echo_refuses_a_header_value_with_cr_lf_with_a_400_that_says_why():
    """RFC 9110 §5.5: a field value never contains CR or LF; the echo says so instead of a 500."""
    reply = send("GET", topology.SERVICES["echo"].origin + "/x?hdr=X-Evil:a%0d%0aSet-Cookie:%20x=1")
    assert reply.status == 400
    assert b"CR, LF" in reply.body
    assert reply.all("set-cookie") == []


@pytest.mark.parametrize("status", ["0", "99", "600", "1000"])
def test_echo_refuses_a_status_outside_100_599_with_a_400(status):
    """RFC 9110 §15: a status code is three digits, 100-599; ``HTTP/1.1 0`` is not an answer."""
    reply = send("GET", topology.SERVICES["echo"].origin + f"/x?status={status}")
    assert reply.status == 400
    assert b"not an HTTP status" in reply.body


@pytest.mark.parametrize("service", ["alb", "gateway"])
def test_emulator_answers_a_negative_content_length_with_400(service):
    """RFC 9110 §8.6: Content-Length is 1*DIGIT; a proxy answers a malformed one with 400
    (RFC 9112 §6.3) instead of waiting for a body that never ends."""
    port = topology.SERVICES[service].port
    reply = raw(port, f"POST /v1/users HTTP/1.1\r\nHost: localhost:{port}\r\n"
                      "Content-Length: -1\r\n\r\n".encode(), timeout=3)
    assert reply.status == 400
    assert b"Content-Length" in reply.body


@pytest.mark.parametrize("service", ["alb", "gateway"])
def test_emulator_answers_a_bad_chunk_size_with_400(service):
    """RFC 9112 §7.1: chunk-size is 1*HEXDIG; anything else is a bad request, not a crash."""
    port = topology.SERVICES[service].port
    reply = raw(port, f"POST /v1/users HTTP/1.1\r\nHost: localhost:{port}\r\n"
                      "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n".encode(), timeout=3)
    assert reply.status == 400
    assert b"chunk size" in reply.body
    this_run = runner.tail(service, 500).rsplit("\n--- ", 1)[-1]  # since the emulator started
    assert "Traceback" not in this_run  # answered, not crashed


def test_flask_cors_allows_only_the_exact_origin_spelling():
    """Fetch #concept-cors-check: Access-Control-Allow-Origin must equal the serialized origin byte for byte;
    flask-cors compares its plain strings case-insensitively and reflects what came
    (flask_cors/core.py try_match_pattern), so the lab gives it anchored case-sensitive patterns."""
    svc = topology.SERVICES["api-appcors"]
    for origin in ("HTTP://LOCALHOST:3000", APP.upper(), APP.replace("localhost", "LocalHost")):
        reply = send("OPTIONS", svc.origin + "/v1/users",
                     {"Origin": origin, "Access-Control-Request-Method": "PUT"})
        assert reply.acao is None, origin
    reply = send("OPTIONS", svc.origin + "/v1/users", {"Origin": APP, "Access-Control-Request-Method": "PUT"})
    assert reply.acao == APP
