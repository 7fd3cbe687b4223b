"""Bad input to the CLI gets one clear line on stderr and exit status 2 - never a traceback,
a hang or unbounded memory. Each case runs the real ``python -m corslab`` in a subprocess.

Where the rule comes from: RFC 3986 §2.1 and the URL standard (a request line carries a
percent-encoded path), RFC 1035 §2.3.4 (63-octet labels), RFC 6265 §4.1.1 (cookie-octet),
Fetch #header-value and Web IDL ByteString (header values are Latin-1 bytes), YAML 1.2 §3.2.2.2
(aliases are references: expanded, a few lines can stand for billions of nodes).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from corslab.stack import topology
from corslab.probing.probe import MAX_BODY, probe

ROOT = Path(__file__).resolve().parents[2]
APP = topology.APP_ORIGIN
API = topology.SERVICES["api"].origin


def corslab(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "corslab", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


def test_a_non_ascii_url_path_is_one_line_with_the_encoded_url():
    line = one_line_error(corslab("probe", API + "/v1/café", "--origin", APP), "percent-encode")
    assert API + "/v1/caf%C3%A9" in line


def test_a_300_letter_host_label_is_one_line():
    one_line_error(corslab("probe", f"http://{'a' * 300}.localhost:8095/", "--origin", APP),
                   "300 characters", "at most 63")


@pytest.mark.parametrize("verb", ["probe", "scan"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1"])
def test_a_timeout_that_is_not_a_finite_positive_number_is_one_line(verb, value):
    one_line_error(corslab(verb, API + "/v1/users", "--origin", APP, f"--timeout={value}"),
                   "timeout", "finite number greater than 0")


def test_a_cookie_with_cr_lf_is_one_line():
    one_line_error(corslab("probe", API + "/v1/users", "--origin", APP, "--cookie", "a=b\r\nX-Evil: 1"),
                   "cookie a", "CR/LF")


def test_a_non_latin1_header_character_is_named_for_what_it_is():
    line = one_line_error(corslab("probe", API + "/v1/users", "--origin", APP, "--header", "X-Name: 中"),
                          "U+4E2D", "Latin-1")
    assert "line break" not in line and "NUL" not in line


@pytest.mark.parametrize("product", ["kong", "istio", "gateway-api", "ingress-nginx", "alb", "apigw-http"])
def test_emulate_refuses_a_config_that_is_not_utf8_in_one_line(product, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_bytes("kind: Ingress # caf\u00e9\n".encode("latin-1"))
    one_line_error(corslab("emulate", product, str(config), "--port", "0"), "not UTF-8", "save the config as UTF-8")


@pytest.mark.parametrize("product", ["kong", "istio", "gateway-api", "ingress-nginx"])
def test_emulate_refuses_a_yaml_alias_bomb_at_once(product, tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    config = tmp_path / "bomb.yaml"
    config.write_text("\n".join(lines) + "\nservices: *a9\n")
    started = time.monotonic()
    one_line_error(corslab("emulate", product, str(config), "--port", "0", timeout=20), "alias")
    assert time.monotonic() - started < 15


# -- the probe against hostile servers (a local socket, not part of the stack) ------------------

def serve_once(answer) -> int:
    """Accept one connection on a free loopback port, read the request, then ``answer(conn)``."""
    server = socket.create_server(("127.0.0.1", 0))

    def run():
        with server:
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                try:
                    answer(conn)
                except OSError:
                    pass  # the probe hung up: expected

    threading.Thread(target=run, daemon=True).start()
    return server.getsockname()[1]


def test_probe_gives_up_on_a_server_trickling_one_byte_at_a_time_within_its_timeout():
    """Each byte arrives well within the socket timeout; the exchange as a whole must not."""
    def trickle(conn):
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 100:
            conn.sendall(bytes([byte]))
            time.sleep(0.2)

    port = serve_once(trickle)
    started = time.monotonic()
    result = corslab("probe", f"http://127.0.0.1:{port}/", "--origin", APP, "--timeout", "1")
    one_line_error(result, "did not answer", "within 1 s")
    assert time.monotonic() - started < 6  # the trickle alone would last 20 s


def test_probe_reads_at_most_a_bounded_body():
    """A server announcing 300 MB gets MAX_BODY bytes read, and the exchange says it was cut."""
    def flood(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 300000000\r\n\r\n")
        chunk = b"0" * 65536
        for _ in range(300_000_000 // len(chunk)):
            conn.sendall(chunk)

    port = serve_once(flood)
    result = probe(f"http://127.0.0.1:{port}/", APP, timeout=10)
    assert result.exchanges[-1].truncated
    assert len(result.exchanges[-1].body) <= MAX_BODY
