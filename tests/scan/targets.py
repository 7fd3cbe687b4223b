"""Small real servers, each planting one CORS flaw the way real code gets it wrong.

``api(decide, ...)`` is a Flask API whose CORS answer is ``decide(origin) -> ACAO value(s) or
None``: a list gives several header lines. Everything else (credentials, Vary, what a preflight
grants, errors, Private Network Access) is a switch, so each target differs from a correct API in
exactly the planted way. ``raw(handler)`` is a bare socket server for answers Flask would not
send (control characters, endless headers, silence, a byte a second).
"""

from __future__ import annotations

import re
import socket
import threading
import time

from flask import Flask, Response, request

TRUSTED = "http://app.example.test"
ADMIN = "http://admin.example.test"


def api(decide, *, vary=True, credentials=True, allow_methods="GET, PUT", allow_headers=None,
        errors_with_cors=True, bare=(), login_required=False, token_checked=False,
        private_network=False, static=False):
    """A Flask API (``/v1/me``, ``/v1/users``) whose CORS behaviour is given by the arguments.

    errors_with_cors=False: no CORS headers on any 4xx/5xx; bare: the statuses answered without.
    allow_headers: None lists Content-Type and Authorization; "echo" echoes the request's
    Access-Control-Request-Headers (and methods); "*" allows every one.
    """
    app = Flask("scan-target")

    @app.route("/v1/me", methods=["GET", "OPTIONS"])
    def me():
        if request.method == "GET" and login_required and request.cookies.get("session") != "s3cret":
            return Response('{"error": "login"}', 401, mimetype="application/json")
        token = request.headers.get("Authorization")
        if request.method == "GET" and token_checked and token and token != "Bearer good":
            return Response('{"error": "bad token"}', 401, mimetype="application/json")
        return {"username": "ada"}

    @app.route("/v1/users", methods=["GET", "OPTIONS"])
    def users():
        return {"users": []}

    @app.errorhandler(404)
    def not_found(error):  # a JSON 404 that keeps its CORS headers unless errors_with_cors=False
        return Response('{"error": "not found"}', 404, mimetype="application/json")

    @app.after_request
    def cors(response):
        origin = request.headers.get("Origin")
        if response.status_code >= 400 and (not errors_with_cors or response.status_code in bare):
            return response
        value = decide(origin) if origin is not None else None
        if value:
            values = value if isinstance(value, list) else [value]
            for v in values:
                response.headers.add("Access-Control-Allow-Origin", v)
            if credentials:
                response.headers["Access-Control-Allow-Credentials"] = "true"
            if request.method == "OPTIONS":
                asked_m = request.headers.get("Access-Control-Request-Method", "")
                asked_h = request.headers.get("Access-Control-Request-Headers", "")
                if allow_headers == "echo":
                    response.headers["Access-Control-Allow-Methods"] = asked_m
                    response.headers["Access-Control-Allow-Headers"] = asked_h
                elif allow_headers == "*":
                    response.headers["Access-Control-Allow-Methods"] = "*"
                    response.headers["Access-Control-Allow-Headers"] = "*"
                else:
                    response.headers["Access-Control-Allow-Methods"] = allow_methods
                    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
        if private_network and request.method == "OPTIONS" and request.headers.get(
                "Access-Control-Request-Private-Network") == "true":
            response.headers["Access-Control-Allow-Private-Network"] = "true"
        if vary and not static:
            response.vary.add("Origin")
        return response

    return app


def exact(*allowed):
    return lambda origin: origin if origin in allowed else None


def regex(pattern, flags=0):
    return lambda origin: origin if re.search(pattern, origin, flags) else None


def reflecting_proxy(app):
    """WSGI middleware of a proxy that copies the request's Origin into every answer."""
    def wrapped(environ, start_response):
        origin = environ.get("HTTP_ORIGIN")

        def start(status, headers, exc_info=None):
            headers = [(n, v) for n, v in headers if n.lower() != "access-control-allow-origin"]
            if origin:
                headers += [("Access-Control-Allow-Origin", origin),
                            ("Access-Control-Allow-Credentials", "true")]
            return start_response(status, headers, exc_info)
        return app(environ, start)
    return wrapped


class RawServer:
    """A socket server on 127.0.0.1 that runs ``handler(conn, request_bytes)`` per connection."""

    def __init__(self, handler):
        self.handler = handler
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.closed = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.handler(conn, data)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.closed.set()
        self.sock.close()


def origin_of_request(data: bytes) -> str:
    for line in data.split(b"\r\n"):
        if line.lower().startswith(b"origin:"):
            return line.split(b":", 1)[1].strip().decode("latin-1")
    return ""


def silent(conn, data):
    """Accepts, reads the request, never answers."""
    time.sleep(60)


def trickle(conn, data):
    """Answers one byte a second, for ever."""
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10000:
        conn.sendall(bytes([byte]))
        time.sleep(1)


def hangs_for_strangers(conn, data):
    """Answers the trusted origin at once; every other origin waits for ever."""
    if origin_of_request(data) == TRUSTED:
        conn.sendall(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: " + TRUSTED.encode()
                     + b"\r\nVary: Origin\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    else:
        time.sleep(60)


def endless_body(conn, data):
    """A correct CORS answer followed by an endless body."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: " + TRUSTED.encode()
                 + b"\r\nVary: Origin\r\n\r\n")
    for _ in range(100000):
        conn.sendall(b"x" * 65536)


def terminal_escapes(conn, data):
    """Reflects the Origin and adds terminal control sequences to its headers."""
    origin = origin_of_request(data).encode("latin-1")
    conn.sendall(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: " + origin
                 + b"\r\nAccess-Control-Allow-Credentials: true"
                 + b"\r\nVary: \x1b[2J\x1b]0;pwned\x07Origin\xff\r\nAccess-Control-Expose-Headers: \x1b[31mred"
                 + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
