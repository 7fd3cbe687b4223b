"""Fixtures for the emulator tests: a real upstream server and real emulator processes.

The upstream is a small ``http.server`` on a free port. It answers every method with a JSON echo of
what reached it, always sends ``X-Request-Id`` (like the lab's API), and on request sends CORS
headers of its own (``?upstream_cors=1``), duplicate header lines (``?dup=1``) or two ACAO lines
(``?dup_acao=1``), so the tests can
show whether a product overrides, clears or leaks them. Every request that reached it is recorded:
a preflight answered at the proxy never shows up there.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
UPSTREAM_ORIGIN = "http://upstream-says.example"


class Upstream:
    def __init__(self):
        self.seen: list[dict] = []
        self.ids = itertools.count(1)
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = parse_qs(urlsplit(self.path).query)
                record = {"method": self.command, "path": self.path,
                          "headers": [[k.lower(), v] for k, v in self.headers.items()],
                          "body": body.decode("utf-8", "replace")}
                upstream.seen.append(record)
                out = json.dumps(record).encode()
                self.send_response(int(query.get("status", ["200"])[0]))
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Request-Id", f"req-{next(upstream.ids)}")
                self.send_header("Vary", "Accept-Encoding")
                if "upstream_cors" in query:
                    self.send_header("Access-Control-Allow-Origin", UPSTREAM_ORIGIN)
                    self.send_header("Access-Control-Allow-Credentials", "true")
                    self.send_header("Access-Control-Allow-Methods", "PATCH")
                if "dup_acao" in query:  # a misconfigured app: two ACAO lines
                    self.send_header("Access-Control-Allow-Origin", UPSTREAM_ORIGIN)
                    self.send_header("Access-Control-Allow-Origin", "*")
                if "dup" in query:
                    self.send_header("X-Dup", "one")
                    self.send_header("X-Dup", "two")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            def __getattr__(self, name):
                if name.startswith("do_"):
                    return self._any
                raise AttributeError(name)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def paths(self, method: str | None = None) -> list[str]:
        return [r["path"] for r in self.seen if method is None or r["method"] == method]


@pytest.fixture(scope="module")
def upstream():
    up = Upstream()
    up.thread.start()
    yield up
    up.server.shutdown()
    up.server.server_close()


@pytest.fixture(autouse=True)
def _clear_seen(request):
    if "upstream" in request.fixturenames:
        request.getfixturevalue("upstream").seen.clear()


def _for_this_stack(config: str | Path) -> Path:
    """A config of the repository as the runner feeds it to the emulator: under a port offset
    (CORSLAB_PORT_OFFSET) a copy whose lab origins are shifted like the policy's."""
    from corslab.stack import topology

    path = Path(config) if Path(config).is_absolute() else REPO / config
    if not topology.PORT_OFFSET or not path.is_file():
        return Path(config)
    import tempfile

    copy = Path(tempfile.mkdtemp(prefix="corslab-shifted-")) / path.name
    copy.write_text(topology.shift_text(path.read_text(encoding="utf-8")), encoding="utf-8")
    return copy


class Emulator:
    """A real ``python -m corslab emulate`` process (the contract's entry point)."""

    def __init__(self, product: str, config: str | Path, upstream: str, targets: dict[str, str] | None = None):
        config = _for_this_stack(config)
        cmd = [sys.executable, "-m", "corslab", "emulate", product, str(config), "--port", "0",
               "--upstream", upstream]
        for name, url in (targets or {}).items():
            cmd += ["--target", f"{name}={url}"]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        import select

        ready, _, _ = select.select([self.proc.stdout], [], [], 30)  # never wait forever for "ready"
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("ready on "):
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{product} emulator did not start on {config}: {line!r} "
                                 f"{self.proc.stderr.read()!r}")
        self.url = line.split("ready on ", 1)[1].strip().rstrip("/")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()


@pytest.fixture(scope="module")
def emulator(upstream):
    """Start emulators for a module: ``emulator("kong", path)`` -> base URL; stopped at the end."""
    started: list[Emulator] = []

    def start(product: str, config: str | Path, targets: dict[str, str] | None = None) -> str:
        emu = Emulator(product, config, upstream.url, targets)
        started.append(emu)
        return emu.url

    yield start
    for emu in started:
        assert emu.stop() == 0, "the emulator should exit 0 on SIGTERM"


def send(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None):
    """One raw HTTP exchange: (status, [(name-lowercased, value)...] with duplicates, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body,
                     headers=headers or {})
        resp = conn.getresponse()
        return resp.status, [(k.lower(), v) for k, v in resp.getheaders()], resp.read()
    finally:
        conn.close()


def values(headers, name: str) -> list[str]:
    """Every value of ``name`` in a header list from :func:`send`."""
    return [v for k, v in headers if k == name.lower()]


def one(headers, name: str) -> str | None:
    """The single value of ``name`` (None if absent); more than one line fails the test."""
    found = values(headers, name)
    assert len(found) <= 1, f"{name} sent {len(found)} times: {found}"
    return found[0] if found else None


def preflight(url: str, origin: str, method: str = "PUT", request_headers: str | None = None, extra=None):
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers is not None:
        headers["Access-Control-Request-Headers"] = request_headers
    headers.update(extra or {})
    return send(url, "OPTIONS", headers)


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m corslab emulate ARGS`` to completion (for config errors)."""
    return subprocess.run([sys.executable, "-m", "corslab", "emulate", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="session")
def wire():
    """The HTTP helpers above as one object (``wire.send``, ``wire.one``, ...): no conftest imports."""
    from types import SimpleNamespace

    return SimpleNamespace(send=send, values=values, one=one, preflight=preflight, cli=cli,
                           UPSTREAM_ORIGIN=UPSTREAM_ORIGIN, REPO=REPO)


@pytest.fixture(scope="module")
def confdir(tmp_path_factory):
    """A folder for the configs a test module writes (module scope, like the emulators)."""
    return tmp_path_factory.mktemp("configs")
