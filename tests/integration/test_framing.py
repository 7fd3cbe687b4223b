"""Request framing and large bodies on every Flask service and emulator of the stack.

* A body over 1 MiB gets a 413 the client can READ, even when it sends the whole 20 MiB first:
  the server drains what follows and closes without a reset, as nginx does (``lingering_close``,
  https://nginx.org/en/docs/http/ngx_http_core_module.html#lingering_close). A reset would
  destroy the answer in the client's receive buffer (RFC 9293 §3.10.7.4: on RST, pending data is
  discarded), and a page would see a network error instead of "too large".
* A head whose length two parsers could read two ways is answered 400 and the connection closed
  (RFC 9112 §6.1: Content-Length with Transfer-Encoding, a coding other than a final ``chunked``,
  Transfer-Encoding in HTTP/1.0; §5.2 obs-fold; §5.1 whitespace before the colon; §2.2 bare LF):
  no request can be smuggled after it.
* A request whose declared body never comes holds no worker.
"""

from __future__ import annotations

import http.client
import re
import socket
import time

import pytest

from corslab.stack import tls, topology

pytestmark = pytest.mark.usefixtures("stack")

APP = topology.APP_ORIGIN
MIB = 1024 * 1024
SERVERS = [n for n, s in topology.SERVICES.items() if s.kind in ("flask", "emulator") and n != "ingress"]
EVERY = list(topology.SERVICES)  # nginx and the ingress-nginx emulator's nginx too


def path_of(name: str) -> str:
    svc = topology.SERVICES[name]
    if (svc.twin_of or name) == "echo":
        return "/x?acao={origin}"
    return "/v1/users" if svc.health.startswith("/v1/") else "/_lab/health"


def upload(name: str, size: int, chunked: bool = False) -> tuple[http.client.HTTPResponse, float]:
    """POST ``size`` bytes the way a plain client does: the whole body first, then the answer."""
    svc = topology.SERVICES[name]
    if svc.twin_of:  # an HTTPS twin: TLS, verified against the lab's CA
        conn = tls.https_connection(svc.host, svc.port, timeout=20, system=False)
        origin = topology.APP_TLS_ORIGIN
    else:
        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=20)
        origin = APP
    block = b"x" * 65536
    body = iter([block] * (size // len(block)))
    headers = {"Origin": origin, "Content-Type": "application/json", "Host": f"{svc.host}:{svc.port}"}
    if not chunked:
        headers["Content-Length"] = str(size)
    started = time.monotonic()
    conn.request("POST", path_of(name), body=body, headers=headers, encode_chunked=chunked)
    answer = conn.getresponse()
    answer.read()
    return answer, time.monotonic() - started


@pytest.mark.parametrize("name", EVERY)
def test_a_20_mib_upload_gets_a_readable_413(name):
    answer, _ = upload(name, 20 * MIB)
    assert answer.status == 413
    svc = topology.SERVICES[name]
    sent = topology.APP_TLS_ORIGIN if svc.twin_of else APP
    if name != "ingress":  # the controller refuses before its CORS rules run (test_limits.py)
        assert answer.getheader("Access-Control-Allow-Origin") == sent or (svc.twin_of or name) in (
            "api", "frontend", "admin", "untrusted", "same-origin")


@pytest.mark.parametrize("name", ["api-appcors", "alb", "gateway", "echo"])
def test_a_20_mib_chunked_upload_gets_a_readable_413(name):
    answer, _ = upload(name, 20 * MIB, chunked=True)
    assert answer.status == 413 and answer.getheader("Access-Control-Allow-Origin") == APP


AMBIGUOUS = {
    "Content-Length and Transfer-Encoding":
        b"POST {path} HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "an unknown coding": b"POST {path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
    "chunked then identity":
        b"POST {path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "identity": b"POST {path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n",
    "chunked twice": b"POST {path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "chunked in HTTP/1.0": b"POST {path} HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "obs-fold": b"GET {path} HTTP/1.1\r\nHost: h\r\nX-Trace-Id: a\r\n b\r\n\r\n",
    "obs-fold Transfer-Encoding": b"POST {path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n chunked\r\n"
                                  b"Content-Length: 3\r\n\r\n0\r\n\r\n",
    "whitespace before the colon": b"POST {path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n"
                                   b"Content-Length: 3\r\n\r\n0\r\n\r\n",
    "bare LF": b"GET {path} HTTP/1.1\nHost: h\n\n",
    "bare LF in one header": b"GET {path} HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n",
    "NUL in a value": b"GET {path} HTTP/1.1\r\nHost: h\r\nX-A: a\x00b\r\n\r\n",
}
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"


def exchange(port: int, data: bytes, wait: float = 3) -> tuple[bytes, bool]:
    """Send ``data``; everything the server answers, and whether it closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        out = b""
        try:
            while more := sock.recv(65536):
                out += more
        except socket.timeout:
            return out, False
        except ConnectionResetError:
            return out, True
        return out, True


@pytest.mark.parametrize("name", SERVERS)
@pytest.mark.parametrize("case", AMBIGUOUS, ids=list(AMBIGUOUS))
def test_an_ambiguous_head_is_400_and_the_connection_closes(name, case):
    head = AMBIGUOUS[case].replace(b"{path}", path_of(name).encode())
    out, closed = exchange(topology.SERVICES[name].port, head + SMUGGLED)
    assert out.startswith((b"HTTP/1.1 400 ", b"HTTP/1.0 400 ")), out[:200]
    assert closed
    assert len(re.findall(rb"(?m)^HTTP/1\.[01] \d{3} ", out)) == 1  # the smuggled request: no answer


@pytest.mark.parametrize("name", ["api", "echo"])
def test_a_declared_body_that_never_comes_holds_no_worker(name):
    """waitress hands a request to one of its 8 threads (servers/run.py) only once the body is in,
    so 24 such requests leave every thread free (the emulators give each connection a thread of
    its own, cut off after REQUEST_TIMEOUT: tests/emulate/test_proxy_deadlines.py)."""
    port = topology.SERVICES[name].port
    waiting = []
    try:
        for _ in range(24):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /v1/users HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n")
            waiting.append(sock)
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", topology.SERVICES[name].health)
        assert conn.getresponse().status == 200
        assert time.monotonic() - started < 2
    finally:
        for sock in waiting:
            sock.close()


@pytest.mark.parametrize("name", SERVERS)
def test_an_empty_line_before_a_request_is_ignored(name):
    """RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before a request-line."""
    svc = topology.SERVICES[name]
    out, _ = exchange(svc.port, f"\r\nGET {svc.health} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".encode())
    assert out.startswith(b"HTTP/1.1 200 ")
