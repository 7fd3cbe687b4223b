"""The probe against small real HTTP servers that these tests start and script themselves.

Each server listens on a free loopback port and answers every (method, path) with the status and
raw header lines a test scripted - duplicates included - and logs what arrived, so the tests can
check what the probe sent as well as what it concluded. No mocks: real sockets, real HTTP.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from corslab.errors import CorsLabError
from corslab.probing.probe import ProbeSession, probe
from corslab.stack.topology import APP_ORIGIN, UNTRUSTED_ORIGIN

CONTRACT_KEYS = {"url", "origin", "method", "credentials", "mode", "preflight_needed", "preflight",
                 "response", "allowed", "exposed_headers", "reason"}


class ScriptedServer:
    """A real HTTP server: ``answer(method, path, status, headers, delay=0)``; ``log`` of arrivals."""

    def __init__(self):
        self.script: dict[tuple[str, str], tuple[int, list[tuple[str, str]], float]] = {}
        self.log: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else None
                server.log.append({"method": self.command, "path": self.path,
                                   "headers": list(self.headers.items()), "body": body})
                status, headers, delay = server.script.get(
                    (self.command, self.path.split("?")[0]), (404, [], 0))
                time.sleep(delay)
                payload = b'{"ok": true}'
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)  # one line each: duplicates stay duplicates
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = handle_one

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.origin = f"http://localhost:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, method, path, status=200, headers=(), delay=0.0):
        self.script[(method, path)] = (status, list(headers), delay)

    def arrivals(self, method=None):
        return [e for e in self.log if method is None or e["method"] == method]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = ScriptedServer()
    yield s
    s.close()


@pytest.fixture
def other():
    s = ScriptedServer()
    yield s
    s.close()


ALLOW_APP = [("Access-Control-Allow-Origin", APP_ORIGIN), ("Access-Control-Allow-Credentials", "true")]


def test_simple_get_is_sent_once_with_origin_and_allowed(server):
    """Fetch "main fetch": a simple cross-origin GET goes out with Origin, no preflight."""
    server.answer("GET", "/data", 200, [("Access-Control-Allow-Origin", "*"), ("X-Secret", "1")])
    r = probe(server.origin + "/data", APP_ORIGIN)
    assert r.allowed and not r.preflight_needed and r.preflight is None
    assert [e["method"] for e in server.log] == ["GET"]
    assert ("Origin", APP_ORIGIN) in server.log[0]["headers"]
    assert "x-secret" not in r.exposed_headers and "content-length" in r.exposed_headers
    data = json.loads(r.to_json())
    assert CONTRACT_KEYS <= set(data) and data["preflight"] is None and data["reason"] is None


def test_failed_preflight_means_the_actual_request_is_never_sent(server):
    """Fetch #cors-preflight-fetch-0: a failed preflight is a network error; DESIGN: response null."""
    server.answer("OPTIONS", "/users/1", 200, [])
    r = probe(server.origin + "/users/1", APP_ORIGIN, "PUT",
              [("Content-Type", "application/json")], body="{}")
    assert not r.allowed and r.preflight_needed
    assert [e["method"] for e in server.log] == ["OPTIONS"]
    data = json.loads(r.to_json())
    assert data["response"] is None and data["preflight"]["status"] == 200
    assert data["reason"].startswith("Response to preflight request doesn't pass access control "
                                     "check: No 'Access-Control-Allow-Origin' header")


def test_preflight_carries_acrm_sorted_acrh_and_no_credentials(server):
    """Fetch #cors-preflight-fetch-0: OPTIONS with ACRM, ACRH 'a,b' sorted, never cookies."""
    server.answer("OPTIONS", "/u", 204, ALLOW_APP + [("Access-Control-Allow-Methods", "PUT"),
                                                     ("Access-Control-Allow-Headers", "*")])
    session = ProbeSession()
    session.set_cookies(server.origin, {"sid": "42"})
    r = session.probe(server.origin + "/u", APP_ORIGIN, "PUT",
                      [("X-Zeta", "1"), ("Authorization", "Bearer t"), ("X-Alpha", "2")],
                      credentials="include")
    options = dict(server.arrivals("OPTIONS")[0]["headers"])
    assert options["Access-Control-Request-Method"] == "PUT"
    assert options["Access-Control-Request-Headers"] == "authorization,x-alpha,x-zeta"
    assert "Cookie" not in options and "Authorization" not in options
    # With credentials '*' in Access-Control-Allow-Headers is a literal name: the PUT never goes.
    assert r.error == "kHeaderDisallowedByPreflightResponse" and server.arrivals("PUT") == []


def test_actual_request_carries_cookies_and_headers_once_the_preflight_passes(server):
    """Fetch: credentials 'include' sends the site's cookies with the actual request."""
    server.answer("OPTIONS", "/u", 204, ALLOW_APP + [("Access-Control-Allow-Methods", "PUT"),
                                                     ("Access-Control-Allow-Headers", "x-alpha")])
    server.answer("PUT", "/u", 200, ALLOW_APP + [("X-Request-Id", "7"),
                                                 ("Access-Control-Expose-Headers", "X-Request-Id")])
    r = probe(server.origin + "/u", APP_ORIGIN, "PUT", [("X-Alpha", "2")], credentials="include",
              cookies={"sid": "42"}, body="x")
    assert r.allowed and r.exposed_headers == ["content-length", "x-request-id"]
    put = dict(server.arrivals("PUT")[0]["headers"])
    assert put["Cookie"] == "sid=42" and put["X-Alpha"] == "2" and put["Origin"] == APP_ORIGIN
    assert put["Content-Type"] == "text/plain;charset=UTF-8"
    assert server.arrivals("PUT")[0]["body"] == "x"


def test_duplicate_acao_lines_are_kept_raw_and_blocked(server):
    """DESIGN: header lists keep duplicates; Chromium joins them with ', ' -> multiple values."""
    server.answer("GET", "/d", 200, [("Access-Control-Allow-Origin", APP_ORIGIN),
                                     ("Access-Control-Allow-Origin", APP_ORIGIN)])
    r = probe(server.origin + "/d", APP_ORIGIN)
    data = json.loads(r.to_json())
    acao = [v for n, v in data["response"]["headers"] if n == "access-control-allow-origin"]
    assert acao == [APP_ORIGIN, APP_ORIGIN]
    assert r.error == "kMultipleAllowOriginValues"
    assert f"multiple values '{APP_ORIGIN}, {APP_ORIGIN}'" in r.reason


def test_redirects_are_followed_with_a_cors_check_on_each_answer(server):
    """Fetch "HTTP fetch" + "HTTP-redirect fetch": each cors answer is checked, then followed."""
    server.answer("GET", "/a", 302, [("Location", "/b"), ("Access-Control-Allow-Origin", "*")])
    server.answer("GET", "/b", 200, [("Access-Control-Allow-Origin", "*")])
    r = probe(server.origin + "/a", APP_ORIGIN)
    assert r.allowed and r.final_url == server.origin + "/b"
    assert [e["path"] for e in server.log] == ["/a", "/b"]
    assert [e.status for e in r.exchanges] == [302, 200]


def test_a_redirect_without_acao_blocks_with_the_redirected_from_console_line(server):
    """Chromium runs CheckAccess on the redirect answer; the console names both URLs."""
    server.answer("GET", "/a", 302, [("Location", "/b")])
    r = probe(server.origin + "/a", APP_ORIGIN)
    assert r.error == "kMissingAllowOriginHeader" and [e["path"] for e in server.log] == ["/a"]
    assert r.console.startswith(f"Access to fetch at '{server.origin}/a' from origin '{APP_ORIGIN}'")


def test_a_cross_origin_hop_sends_origin_null_to_the_third_origin(server, other):
    """Fetch redirect-taint: page A -> server B -> server C: C sees 'Origin: null'."""
    server.answer("GET", "/a", 302, [("Location", other.origin + "/c"),
                                     ("Access-Control-Allow-Origin", APP_ORIGIN)])
    other.answer("GET", "/c", 200, [("Access-Control-Allow-Origin", APP_ORIGIN)])
    r = probe(server.origin + "/a", APP_ORIGIN)
    assert dict(other.log[0]["headers"])["Origin"] == "null"
    assert not r.allowed and r.error == "kAllowOriginMismatch"
    other.answer("GET", "/c", 200, [("Access-Control-Allow-Origin", "null")])
    assert probe(server.origin + "/a", APP_ORIGIN).allowed


def test_a_redirect_loop_stops_after_twenty_redirects(server):
    """Fetch "HTTP-redirect fetch": the 21st redirect is a network error."""
    server.answer("GET", "/loop", 302, [("Location", "/loop"), ("Access-Control-Allow-Origin", "*")])
    r = probe(server.origin + "/loop", APP_ORIGIN)
    assert r.reason == "net::ERR_TOO_MANY_REDIRECTS" and r.kind == "network"
    assert len(server.log) == 21


def test_a_redirected_request_needing_a_preflight_is_preflighted_again(server, other):
    """Fetch "main fetch" per hop: the new URL gets its own preflight (origin 'null' if tainted)."""
    allow_put = [("Access-Control-Allow-Methods", "PUT")]
    server.answer("OPTIONS", "/a", 204, [("Access-Control-Allow-Origin", APP_ORIGIN)] + allow_put)
    server.answer("PUT", "/a", 307, [("Location", other.origin + "/c"),
                                     ("Access-Control-Allow-Origin", APP_ORIGIN)])
    other.answer("OPTIONS", "/c", 204, [("Access-Control-Allow-Origin", "*")] + allow_put)
    other.answer("PUT", "/c", 200, [("Access-Control-Allow-Origin", "*")])
    r = probe(server.origin + "/a", APP_ORIGIN, "PUT")
    assert r.allowed
    assert [e["method"] for e in other.log] == ["OPTIONS", "PUT"]
    assert dict(other.log[0]["headers"])["Origin"] == "null"


def test_cookies_set_by_a_response_are_kept_per_site_by_the_session(server):
    """RFC 6265bis same-site cookies, Chromium 156 here: same-site (localhost:3000 -> localhost:PORT) cookies work with 'include';
    a cross-site page (127.0.0.1) never gets them, and 'omit' never sends them."""
    server.answer("POST", "/login", 200, ALLOW_APP + [("Set-Cookie", "sid=abc; Path=/; HttpOnly")])
    server.answer("GET", "/me", 200, ALLOW_APP)
    session = ProbeSession()
    session.probe(server.origin + "/login", APP_ORIGIN, "POST", credentials="include", body="u")
    session.probe(server.origin + "/me", APP_ORIGIN, credentials="include")
    session.probe(server.origin + "/me", APP_ORIGIN, credentials="omit")
    session.probe(server.origin + "/me", UNTRUSTED_ORIGIN, credentials="include")
    cookies = [dict(e["headers"]).get("Cookie") for e in server.arrivals("GET")]
    assert cookies == ["sid=abc", None, None]
    fresh = probe(server.origin + "/me", APP_ORIGIN, credentials="include")  # another profile
    assert fresh.allowed and dict(server.arrivals("GET")[-1]["headers"]).get("Cookie") is None


def test_session_preflight_cache_skips_the_second_options(server):
    """Chromium's preflight cache: Max-Age 600 spares the next identical preflight."""
    server.answer("OPTIONS", "/u", 204, [("Access-Control-Allow-Origin", APP_ORIGIN),
                                         ("Access-Control-Allow-Methods", "DELETE"),
                                         ("Access-Control-Max-Age", "600")])
    server.answer("DELETE", "/u", 204, [("Access-Control-Allow-Origin", APP_ORIGIN)])
    session = ProbeSession(cache_preflights=True)
    first = session.probe(server.origin + "/u", APP_ORIGIN, "DELETE")
    second = session.probe(server.origin + "/u", APP_ORIGIN, "DELETE")
    assert first.allowed and second.allowed and second.preflight_from_cache
    assert [e["method"] for e in server.log] == ["OPTIONS", "DELETE", "DELETE"]


def test_a_forbidden_method_sends_nothing(server):
    """Fetch #forbidden-method: fetch() throws before any traffic."""
    r = probe(server.origin + "/x", APP_ORIGIN, "TRACE")
    assert r.kind == "type-error" and server.log == [] and r.exchanges == []


def test_no_cors_get_goes_without_origin_and_the_result_is_opaque(server):
    """Fetch: no-cors GET carries no Origin; the page gets an opaque response, no error."""
    server.answer("GET", "/img", 200, [])
    r = probe(server.origin + "/img", APP_ORIGIN, mode="no-cors")
    assert r.opaque and not r.allowed and r.reason is None
    assert "Origin" not in dict(server.log[0]["headers"])


def test_a_slow_server_is_a_clear_timeout_error(server):
    """Bad input / unreachable host -> CorsLabError with one line naming the part."""
    server.answer("GET", "/slow", 200, [], delay=1.0)
    with pytest.raises(CorsLabError, match=r"did not answer GET /slow within 0.2 s"):
        probe(server.origin + "/slow", APP_ORIGIN, timeout=0.2)


def test_a_closed_port_is_a_clear_connection_error():
    """Connection refused names the host:port and says how to start the stack."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CorsLabError, match=rf"cannot connect to 127.0.0.1:{port}.*corslab up"):
        probe(f"http://127.0.0.1:{port}/", APP_ORIGIN)


def test_cli_prints_the_json_object_and_exits_by_verdict(server):
    """README: `python -m corslab probe URL --origin O --json` prints the probe object."""
    server.answer("GET", "/ok", 200, [("Access-Control-Allow-Origin", "*")])
    run = subprocess.run([sys.executable, "-m", "corslab", "probe", server.origin + "/ok",
                          "--origin", APP_ORIGIN, "--header", "Accept: */*", "--json"],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert CONTRACT_KEYS <= set(data) and data["allowed"] is True
    blocked = subprocess.run([sys.executable, "-m", "corslab", "probe", server.origin + "/nope",
                              "--origin", APP_ORIGIN], capture_output=True, text=True, timeout=30)
    assert blocked.returncode == 1 and "BLOCKED: No 'Access-Control-Allow-Origin'" in blocked.stdout


@pytest.mark.parametrize("args, part", [
    (["--origin", "localhost:3000"], "origin 'localhost:3000'"),
    (["--origin", APP_ORIGIN, "--header", "no-colon"], "header 'no-colon'"),
    (["--origin", APP_ORIGIN, "--method", "GE T"], "method 'GE T'"),
])
def test_cli_bad_input_is_one_line_and_exit_2(server, args, part):
    """The CLI's rule (corslab/cli.py): bad input -> one clear line on stderr, exit status 2."""
    run = subprocess.run([sys.executable, "-m", "corslab", "probe", server.origin + "/"] + args,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 2
    assert part in run.stderr and run.stderr.count("\n") == 1


def test_headers_may_be_given_as_a_dict(server):
    """The Python API takes headers as pairs, 'Name: value' lines or a dict."""
    server.answer("GET", "/d", 200, [("Access-Control-Allow-Origin", "*")])
    r = probe(server.origin + "/d", APP_ORIGIN, headers={"Accept-Language": "fr"})
    assert r.allowed and dict(server.log[0]["headers"])["Accept-Language"] == "fr"
    probe(server.origin + "/d", APP_ORIGIN, headers=["Accept-Language: de"])
    assert dict(server.log[1]["headers"])["Accept-Language"] == "de"


def test_a_no_store_fetch_preflights_again_despite_the_cache(server):
    """Chromium: fetch(..., {cache: 'no-store'}) skips the preflight cache (and does not fill it)."""
    server.answer("OPTIONS", "/u", 204, [("Access-Control-Allow-Origin", APP_ORIGIN),
                                         ("Access-Control-Allow-Methods", "PUT"),
                                         ("Access-Control-Max-Age", "600")])
    server.answer("PUT", "/u", 200, [("Access-Control-Allow-Origin", APP_ORIGIN)])
    session = ProbeSession(cache_preflights=True)
    session.probe(server.origin + "/u", APP_ORIGIN, "PUT")
    again = session.probe(server.origin + "/u", APP_ORIGIN, "PUT", cache="no-store")
    assert again.allowed and not again.preflight_from_cache
    assert [e["method"] for e in server.log] == ["OPTIONS", "PUT", "OPTIONS", "PUT"]
