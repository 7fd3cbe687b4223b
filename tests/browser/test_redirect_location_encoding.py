"""A redirect whose Location carries non-ASCII or unsafe characters: the probe follows it to the
URL Chromium requests.

URL standard (url.spec.whatwg.org) §4.4 "URL parsing": tab and newlines are removed, leading and
trailing C0 controls and spaces stripped, and the path, query and fragment percent-encoded
(§1.3 "percent-encode", UTF-8 for non-ASCII code points). Chromium (url/url_canon_path.cc,
url_canon_query.cc) escapes the header's bytes as they came. The server here answers the redirect
with raw bytes; what Chromium then asks the server for is the expected URL - not a literal.
"""

from __future__ import annotations

import socketserver
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from corslab.probing import probe

LOCATIONS = {
    "utf8": b"/caf\xc3\xa9 menu?q=\xc3\xbc ber",  # UTF-8 "café menu?q=über"
    "unsafe": b"/p\"<>`{}|\x7f\tx?q='\"<>`{}",
    "latin1-byte": b"/caf\xe9?q=\xe9\x01",  # a stray Latin-1 byte; a trailing control
    "korean": "/출처?q=사전 요청#조각".encode(),
}


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.seen: list[str] = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/page":
            body = b"<!doctype html><title>page</title>"
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n%s" % (len(body), body))
            return
        if self.path == "/favicon.ico":  # the page's own icon request: not part of the fetch
            self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        self.server.seen.append(self.path)
        name = self.path.partition("/go/")[2]
        if name in LOCATIONS:
            self.wfile.write(b"HTTP/1.1 302 Found\r\nLocation: " + LOCATIONS[name] +
                             b"\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 2\r\n"
                         b"Connection: close\r\n\r\nok")


@pytest.fixture(scope="module")
def server():
    srv = Server()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def page(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.origin.replace("127.0.0.1", "localhost") + "/page")  # cross-origin fetch()
    yield page
    context.close()


@pytest.mark.parametrize("name", sorted(LOCATIONS))
def test_probe_follows_a_redirect_to_the_percent_encoded_url_chromium_requests(name, server, page):
    start = server.origin + "/go/" + name
    page_origin = server.origin.replace("127.0.0.1", "localhost")

    server.seen.clear()
    chromium_url = page.evaluate("url => fetch(url).then(r => r.url, e => String(e))", start)
    chromium_seen = list(server.seen)

    server.seen.clear()
    result = probe.probe(start, page_origin)

    assert chromium_url.startswith(server.origin), f"Chromium did not follow: {chromium_url}"
    assert result.allowed, result.explanation
    assert server.seen == chromium_seen  # the same two request lines on the wire
    assert result.final_url.partition("#")[0] == chromium_url  # Response.url has no fragment
    assert result.final_url.isascii()
