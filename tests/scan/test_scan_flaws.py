"""The scanner against small real servers, one planted flaw each, and against correct ones.

Whether an origin is allowed is what the Fetch standard's CORS check says (§4.10 "CORS check":
one Access-Control-Allow-Origin value equal to the request's serialized origin, or `*` without
credentials); each server here is a real HTTP server on loopback answering as the flaw would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, request

from corslab.labs.components import serve_wsgi
from corslab.tools.scan import crafted, scan

TRUSTED = "http://app.example.test"
ROOT = Path(__file__).resolve().parents[2]


def server(decide, vary=True, credentials=True, echo_preflight=False):
    """A Flask API whose CORS answer is ``decide(origin) -> ACAO value or None``."""
    app = Flask("scan-target")

    @app.route("/v1/me", methods=["GET", "OPTIONS"])
    def me():
        return {"username": "ada"}

    @app.after_request
    def cors(response):
        origin = request.headers.get("Origin")
        value = decide(origin) if origin else None
        if value:
            response.headers["Access-Control-Allow-Origin"] = value
            if credentials:
                response.headers["Access-Control-Allow-Credentials"] = "true"
            if request.method == "OPTIONS":
                asked = request.headers.get("Access-Control-Request-Headers", "")
                response.headers["Access-Control-Allow-Headers"] = asked if echo_preflight else "Content-Type"
                asked = request.headers.get("Access-Control-Request-Method", "")
                response.headers["Access-Control-Allow-Methods"] = asked if echo_preflight else "GET, PUT"
        if vary:
            response.vary.add("Origin")
        return response

    return app


def exact(*allowed):
    return lambda origin: origin if origin in allowed else None


def regex(pattern):
    return lambda origin: origin if re.search(pattern, origin) else None


FLAWS = {
    "origin-reflected": (server(lambda o: o), TRUSTED, "high"),
    "null-origin-allowed": (server(exact(TRUSTED, "null")), TRUSTED, "high"),
    "prefix-match": (server(regex(r"^http://app\.example\.test")), TRUSTED, "high"),
    "suffix-match": (server(regex(r"example\.test$")), TRUSTED, "high"),
    "unescaped-dot": (server(regex(r"^http://app.example.test$")), TRUSTED, "high"),
    "insecure-scheme-allowed": (server(regex(r"^https?://app\.example\.test$")), "https://app.example.test", "high"),
    "subdomain-allowed": (server(regex(r"^http://([a-z0-9-]+\.)*app\.example\.test$")), TRUSTED, "high"),
    "wildcard-with-credentials": (server(lambda o: "*"), TRUSTED, "medium"),
    "missing-vary": (server(exact(TRUSTED), vary=False), TRUSTED, "medium"),
    "preflight-reflects-headers": (server(exact(TRUSTED), echo_preflight=True), TRUSTED, "low"),
}


@pytest.fixture(scope="module")
def port_of():
    """Serve each server on a free port for the module; ``port_of(app)`` -> its port."""
    import contextlib

    stack = contextlib.ExitStack()
    ports = {}

    def get(app):
        if id(app) not in ports:
            srv = stack.enter_context(serve_wsgi(app, 0))
            ports[id(app)] = srv.server_port
        return ports[id(app)]

    with stack:
        yield get


@pytest.mark.parametrize("flaw", sorted(FLAWS))
def test_each_planted_flaw_is_named_with_its_severity_and_fix(flaw, port_of):
    app, trusted, severity = FLAWS[flaw]
    findings = {f.id: f for f in scan(f"http://127.0.0.1:{port_of(app)}/v1/me", trusted)}
    assert flaw in findings, findings
    found = findings[flaw]
    assert found.severity == severity and found.fix and found.evidence
    assert found.origin_sent in [o for _, o in crafted(trusted)] + [trusted]


def test_reflect_without_credentials_is_medium_not_high(port_of):
    app = server(lambda o: o, credentials=False)
    (finding,) = [f for f in scan(f"http://127.0.0.1:{port_of(app)}/v1/me", TRUSTED) if f.id == "origin-reflected"]
    assert finding.severity == "medium"


def test_a_correct_api_has_no_high_or_medium_finding(port_of):
    app = server(exact(TRUSTED, "http://admin.example.test"))
    assert [f for f in scan(f"http://127.0.0.1:{port_of(app)}/v1/me", TRUSTED)
            if f.severity in ("high", "medium")] == []


def test_a_static_origin_needs_no_vary(port_of):
    """ALB-style: one fixed ACAO for everybody does not depend on Origin, so no missing-vary."""
    app = server(lambda o: TRUSTED, vary=False)
    assert "missing-vary" not in {f.id for f in scan(f"http://127.0.0.1:{port_of(app)}/v1/me", TRUSTED)}


def test_json_output_has_the_contract_fields_and_exit_status(port_of):
    app = FLAWS["null-origin-allowed"][0]
    url = f"http://127.0.0.1:{port_of(app)}/v1/me"
    done = subprocess.run([sys.executable, "-m", "corslab", "scan", url, "--origin", TRUSTED, "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["url"] == url
    assert {tuple(sorted(f)) for f in data["findings"]} == {("evidence", "fix", "id", "origin_sent", "severity")}
    assert "null-origin-allowed" in {f["id"] for f in data["findings"]}


def test_text_output_is_one_line_per_finding_with_its_fix(port_of):
    app = FLAWS["prefix-match"][0]
    done = subprocess.run([sys.executable, "-m", "corslab", "scan", f"http://127.0.0.1:{port_of(app)}/v1/me",
                           "--origin", TRUSTED], capture_output=True, text=True, cwd=ROOT, timeout=60)
    lines = done.stdout.splitlines()
    assert lines[0].endswith("finding") or lines[0].endswith("findings")
    assert lines[1:] and all("fix: " in line for line in lines[1:])


@pytest.mark.parametrize("args, message", [
    (("http://127.0.0.1:9/v1/me", "--origin", TRUSTED), "cannot reach http://127.0.0.1:9/v1/me"),
    (("http://127.0.0.1:9/v1/me", "--origin", "app.example.test"), "is not an origin"),
    (("ftp://x/", "--origin", TRUSTED), "is not an http(s) URL"),
])
def test_bad_input_is_one_line(args, message):
    done = subprocess.run([sys.executable, "-m", "corslab", "scan", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr


def test_cookies_reveal_a_flaw_shown_only_to_logged_in_users(port_of):
    """Some APIs add CORS headers only for a session: --cookie scans as that user."""
    allow_when_logged_in = server(lambda o: o if request.cookies.get("session") == "s3cret" else None)
    url = f"http://127.0.0.1:{port_of(allow_when_logged_in)}/v1/me"
    assert "origin-reflected" not in {f.id for f in scan(url, TRUSTED)}
    assert "origin-reflected" in {f.id for f in scan(url, TRUSTED, cookies={"session": "s3cret"})}
