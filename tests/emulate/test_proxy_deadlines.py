"""The emulators' shared core (corslab/emulate/proxy.py) bounds every request in time.

A request must arrive whole - head and body - within ``REQUEST_TIMEOUT`` of its first byte, however
slowly it trickles (nginx bounds the same with client_header_timeout / client_body_timeout,
https://nginx.org/en/docs/http/ngx_http_core_module.html#client_body_timeout); a body declared but
never sent is answered 408 (RFC 9110 §15.5.9) and the connection closed, so a slow client does not
keep a thread. The timeout is shortened here so the test stays fast.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from corslab.emulate import proxy

SHORT = 0.5


@pytest.fixture
def emulator(monkeypatch):
    monkeypatch.setattr(proxy, "REQUEST_TIMEOUT", SHORT)
    server = proxy.make_server(proxy.Emulator("http://127.0.0.1:9"), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def read_all(sock: socket.socket) -> bytes:
    out = b""
    while more := sock.recv(65536):
        out += more
    return out


def test_a_declared_body_that_never_comes_is_408_within_the_request_timeout(emulator):
    with socket.create_connection(("127.0.0.1", emulator), timeout=SHORT * 6) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < SHORT * 4


def test_a_body_trickled_a_byte_at_a_time_is_cut_off_at_the_request_timeout(emulator):
    with socket.create_connection(("127.0.0.1", emulator), timeout=SHORT * 6) as sock:
        started = time.monotonic()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n")
        try:
            for _ in range(100):
                sock.sendall(b"x")
                time.sleep(SHORT / 10)
        except OSError:
            pass
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < SHORT * 6


def test_a_head_trickled_a_byte_at_a_time_is_cut_off(emulator):
    """Slowloris: every byte resets a per-read timeout; the request's deadline does not move."""
    head = b"GET / HTTP/1.1\r\nHost: h\r\nX-Slow: " + b"s" * 200
    closed_after = None
    with socket.create_connection(("127.0.0.1", emulator), timeout=SHORT * 6) as sock:
        started = time.monotonic()
        for byte in head:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed_after = time.monotonic() - started
                break
            time.sleep(SHORT / 20)
        if closed_after is None:
            assert read_all(sock) == b""  # closed without an answer
            closed_after = time.monotonic() - started
    assert closed_after < SHORT * 8
