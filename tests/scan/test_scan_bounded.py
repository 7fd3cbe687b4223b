"""The scanner and the probe as clients of a hostile server, and their answers to bad input.

Every exchange has a deadline on the whole request (corslab.probing.wire), not on each read, so a
server that trickles a byte a second is cut off at --timeout; the scan has a total deadline and
stops sending once a target stops answering; bodies are capped. Bad input is one line on stderr
(exit 2). Text from a server is shown with its control characters escaped (a raw ESC would drive
the terminal: ECMA-48 control sequences), and --json is always valid JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.scan import targets
from tests.scan.targets import TRUSTED, RawServer

ROOT = Path(__file__).resolve().parents[2]


def corslab(*args, timeout=60):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "corslab", *args], capture_output=True,
                          cwd=ROOT, timeout=timeout)
    return done, time.monotonic() - started


@pytest.fixture
def raw():
    servers = []

    def start(handler):
        servers.append(RawServer(handler))
        return f"http://127.0.0.1:{servers[-1].port}"

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("verb", ["scan", "probe"])
@pytest.mark.parametrize("handler", [targets.silent, targets.trickle], ids=["silent", "trickle"])
def test_a_server_that_never_finishes_is_cut_off_at_the_timeout(verb, handler, raw):
    done, took = corslab(verb, raw(handler) + "/v1/me", "--origin", TRUSTED, "--timeout", "1")
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.count(b"\n") == 1 and b"did not answer GET /v1/me within 1 s" in done.stderr
    assert took < 1 + 2.5  # the deadline, plus Python's start-up


def test_a_target_that_hangs_for_crafted_origins_stops_the_scan_early_and_says_so(raw):
    """The first answer comes, then nothing: a few timeouts, not one per crafted origin."""
    done, took = corslab("scan", raw(targets.hangs_for_strangers) + "/v1/me", "--origin", TRUSTED,
                         "--timeout", "1", "--json")
    assert done.returncode == 2 and took < 2 * 1 + 3
    assert b"scan incomplete" in done.stderr and done.stderr.count(b"\n") == 1
    assert json.loads(done.stdout)["complete"] is False


def test_the_total_deadline_bounds_a_scan_that_answers_slowly(raw):
    def slow(conn, data):
        time.sleep(0.3)
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    done, took = corslab("scan", raw(slow) + "/v1/me", "--origin", TRUSTED, "--deadline", "1.5")
    assert done.returncode == 2 and took < 1.5 + 3
    assert b"deadline" in done.stderr


def test_an_endless_body_is_capped_and_the_scan_completes(raw):
    done, took = corslab("scan", raw(targets.endless_body) + "/v1/me", "--origin", TRUSTED)
    assert done.returncode == 0, done.stderr
    assert took < 10


def test_terminal_control_characters_from_a_server_are_escaped_and_json_stays_valid(raw):
    url = raw(targets.terminal_escapes) + "/v1/me"
    text, _ = corslab("scan", url, "--origin", TRUSTED)
    assert text.returncode == 1 and b"origin-reflected" in text.stdout
    assert b"\x1b" not in text.stdout and b"\x07" not in text.stdout
    as_json, _ = corslab("scan", url, "--origin", TRUSTED, "--json")
    data = json.loads(as_json.stdout.decode("utf-8"))
    assert "origin-reflected" in {f["id"] for f in data["findings"]}
    assert as_json.stdout.isascii()
    probe, _ = corslab("probe", url, "--origin", TRUSTED)
    assert b"access-control-expose-headers: \\x1b[31mred" in probe.stdout
    assert b"\x1b" not in probe.stdout and b"\x07" not in probe.stdout
    probe_json, _ = corslab("probe", url, "--origin", TRUSTED, "--json")
    assert json.loads(probe_json.stdout.decode("utf-8"))["allowed"] is True


@pytest.mark.parametrize("verb", ["scan", "probe"])
@pytest.mark.parametrize("url, origin, message", [
    ("http://127.0.0.1:99999/v1/me", TRUSTED, "Port out of range"),
    ("http://[::1/v1/me", TRUSTED, "Invalid IPv6 URL"),
    ("http://127.0.0.1:9/v1/me\r\nX-Injected: 1", TRUSTED, "white space"),
    ("ftp://127.0.0.1/", TRUSTED, "must start with http:// or https://"),
    ("http://127.0.0.1:9/v1/me", TRUSTED + "\r\nX-Injected: 1", "white space"),
    ("http://127.0.0.1:9/v1/me", "\x1b[2Japp.example.test", "\\x1b"),
    ("http://127.0.0.1:9/v1/me", TRUSTED, "connection refused"),
])
def test_bad_input_is_one_line(verb, url, origin, message):
    done, _ = corslab(verb, url, "--origin", origin)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.count(b"\n") == 1 and message.encode() in done.stderr, done.stderr
    assert b"\x1b" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (("--origin", "app.example.test"), "must start with http:// or https://"),
    (("--origin", TRUSTED + "/"), "not a serialised origin"),
    (("--origin", "null"), "--origin null"),
    (("--origin", TRUSTED, "--header", "Bad Header: 1"), "malformed"),
    (("--origin", TRUSTED, "--method", "P U T"), "not an HTTP method token"),
    (("--origin", TRUSTED, "--timeout", "nan"), "--timeout"),
    (("--origin", TRUSTED, "--deadline", "0"), "--deadline"),
])
def test_bad_scan_options_are_one_line(args, message):
    done, _ = corslab("scan", "http://127.0.0.1:9/v1/me", *args)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.count(b"\n") == 1 and message.encode() in done.stderr, done.stderr


def endless_headers(conn, data):
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for i in range(100000):
        conn.sendall(b"X-Filler-%d: %s\r\n" % (i, b"a" * 100))


def one_huge_header(conn, data):
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Huge: " + b"a" * (8 * 1024 * 1024) + b"\r\n\r\n")


@pytest.mark.parametrize("verb", ["scan", "probe"])
@pytest.mark.parametrize("handler", [endless_headers, one_huge_header])
def test_an_endless_header_block_is_refused_in_one_line(verb, handler, raw):
    """http.client reads at most 100 header lines of at most 64 KiB (_MAXHEADERS, _MAXLINE)."""
    done, took = corslab(verb, raw(handler) + "/v1/me", "--origin", TRUSTED, "--timeout", "2")
    assert done.returncode == 2 and done.stdout == b"" and took < 2 + 3
    assert done.stderr.count(b"\n") == 1 and b"failed" in done.stderr, done.stderr
