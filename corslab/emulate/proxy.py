"""The reverse-proxy core every product emulator plugs into.

A product emulator subclasses :class:`Emulator` and overrides three hooks:

    on_request(req)        -> Response | None   answer locally (e.g. a preflight) or None to proxy
    upstream_for(req)      -> str               the base URL to proxy to (may raise NoRoute)
    on_response(req, resp) -> None              edit the response before it leaves (both kinds)

:func:`serve` runs it on a real socket: HTTP/1.1, one thread per connection, method, path, query,
headers and body forwarded unchanged except for the hop-by-hop headers (RFC 9110 §7.6.1), response
header lines kept in order *with duplicates* (two ``Access-Control-Allow-Origin`` lines stay two, as
a browser would see them), an unreachable upstream answered with 502. It prints ``ready on URL``
once listening and returns cleanly on SIGINT/SIGTERM.

Limits, the same as the lab's nginx and Flask services: a request body over :data:`MAX_BODY`
(1 MiB) is answered 413 without being read - the product's response hook still runs, so the 413
carries the CORS headers the product would add and a page can read it; a malformed
``Content-Length`` or chunk size is answered 400; a connection silent for :data:`IDLE_TIMEOUT` s is
closed. The listen backlog is :data:`BACKLOG`, and each connection has its own thread.

Framing (RFC 9112 §6.1, §5.2, §2.2), checked by :func:`framing_problem` on the head as it came:
``Content-Length`` together with ``Transfer-Encoding``, a transfer coding other than one
``chunked``, ``Transfer-Encoding`` in HTTP/1.0, an obs-fold line, a bare LF - each is a 400 and
the connection is closed, so no two parsers can disagree on where the next request starts. A
request (head and body) must arrive within :data:`REQUEST_TIMEOUT` s of its first byte however
it trickles (408 for a body that does not come), so a slow client does not hold its thread.
A connection the server closes with unread input (a refused body) is closed the way nginx does
(``lingering_close``): the answer is sent, the sending side shut, and what the client still sends
is read and dropped for at most :data:`LINGER_TIME` s (:data:`LINGER_TIMEOUT` s of silence), so
the client reads the 413 instead of a connection reset.

What it does not model: TLS, HTTP/2, streaming (bodies are buffered whole), upstream connection
pooling, and timeouts beyond a fixed 30 s upstream timeout.
"""

from __future__ import annotations

import errno
import http.client
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from corslab.errors import CorsLabError

#: RFC 9110 §7.6.1: these describe one connection, never the message; a proxy must not forward them.
HOP_BY_HOP = frozenset(
    "connection keep-alive proxy-authenticate proxy-authorization proxy-connection te trailer "
    "transfer-encoding upgrade".split()
)
UPSTREAM_TIMEOUT = 30.0
MAX_BODY = 1024 * 1024  # bytes of a request body: nginx's client_max_body_size 1m, Flask's limit
BACKLOG = 1024  # connections the kernel queues before they are accepted (socketserver's default: 5)
IDLE_TIMEOUT = 60.0  # seconds a connection may stay silent before it is closed
REQUEST_TIMEOUT = 10.0  # seconds from a request's first byte to the end of its body
LINGER_TIME = 30.0  # nginx's lingering_time: at most this long reading what follows a refused body
LINGER_TIMEOUT = 5.0  # nginx's lingering_timeout: ... and this long without a byte


class Headers:
    """An ordered list of header lines that keeps duplicates; names compare case-insensitively."""

    def __init__(self, items=()):
        self.items: list[tuple[str, str]] = [(str(k), str(v)) for k, v in items]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, or default."""
        low = name.lower()
        for k, v in self.items:
            if k.lower() == low:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        low = name.lower()
        return [v for k, v in self.items if k.lower() == low]

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def add(self, name: str, value: str) -> None:
        """Append one more line (like nginx ``add_header`` or Lua ``add_header``)."""
        self.items.append((name, str(value)))

    def set(self, name: str, value: str) -> None:
        """Replace every line of ``name`` with one line (in the place of the first, else at the end)."""
        low = name.lower()
        out, done = [], False
        for k, v in self.items:
            if k.lower() == low:
                if not done:
                    out.append((name, str(value)))
                    done = True
            else:
                out.append((k, v))
        if not done:
            out.append((name, str(value)))
        self.items = out

    def remove(self, name: str) -> None:
        low = name.lower()
        self.items = [(k, v) for k, v in self.items if k.lower() != low]

    def __iter__(self):
        return iter(self.items)

    def __repr__(self) -> str:
        return f"Headers({self.items!r})"


@dataclass
class Request:
    """What the client sent. ``target`` is the raw request-target (path and query)."""

    method: str
    target: str
    headers: Headers
    body: bytes = b""
    client: str = "127.0.0.1"
    #: Per-request scratch space for the product's hooks (e.g. Kong's ``kong.ctx.plugin``).
    state: dict = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    @property
    def origin(self) -> str | None:
        return self.headers.get("Origin")


@dataclass
class Response:
    """What goes back to the client. ``local`` is True when the proxy answered it itself."""

    status: int
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    reason: str = ""
    local: bool = True


class NoRoute(Exception):
    """Raised by ``upstream_for`` when the product would answer with an error of its own."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


class Emulator:
    """Base class: proxies everything to ``upstream`` and changes nothing. Override the hooks."""

    #: Forward the client's Host header (ALB, Envoy) or use the upstream's (Kong's preserve_host=false).
    preserve_host = True
    #: Write every response header name in lower case, as Envoy's HTTP/1 codec does.
    lowercase_header_names = False

    def __init__(self, upstream: str, targets: dict[str, str] | None = None):
        self.upstream = upstream
        self.targets = dict(targets or {})  # --target NAME=URL: one backend of the config elsewhere

    def backend_url(self, name: str) -> str:
        """The base URL of the config's backend ``name``: its ``--target`` (by full or short name,
        as :func:`check_targets` accepts them), else the upstream."""
        return self.targets.get(name) or self.targets.get(name.split(".")[0]) or self.upstream

    def on_request(self, req: Request) -> Response | None:
        return None

    def upstream_for(self, req: Request) -> str:
        return self.upstream

    def keep_host(self, req: Request) -> bool:
        """Whether the upstream sees the client's Host header (default: ``preserve_host``)."""
        return self.preserve_host

    def upstream_target(self, req: Request, base: str) -> str:
        """The request-target sent upstream: the base URL's path joined with the request's."""
        base_path = urlsplit(base).path.rstrip("/")
        return base_path + req.target if base_path else req.target

    def on_response(self, req: Request, resp: Response) -> None:
        return None

    def handle(self, req: Request, refusal: Response | None = None) -> Response:
        """One exchange: local answer or proxied response, then the response hook.

        ``refusal`` (e.g. the 413 of a body over the limit) stands in for the upstream's answer:
        the product still routes the request and adds its response headers, nothing is proxied.
        """
        resp = self.on_request(req)
        if resp is None and refusal is not None:
            resp = refusal
        if resp is None:
            try:
                base = self.upstream_for(req)
                resp = forward(req, base, self.upstream_target(req, base), self.keep_host(req))
            except NoRoute as no_route:
                resp = no_route.response
        self.on_response(req, resp)
        return resp


def text_response(status: int, text: str = "", content_type: str = "text/plain; charset=utf-8") -> Response:
    """A locally generated response with a body (or none)."""
    body = text.encode()
    headers = Headers([("Content-Type", content_type)] if body else [])
    return Response(status, headers, body)


def forward(req: Request, base: str, target: str, preserve_host: bool = True) -> Response:
    """Send ``req`` to the upstream at ``base`` and return its response, or a 502 if unreachable."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "") or not parts.hostname:
        return text_response(502, f"upstream {base!r} is not an http:// URL\n")
    headers = _end_to_end(req.headers)
    headers.remove("Expect")  # the body is already here: the 100-continue dance ended at the proxy
    if not preserve_host:
        headers.set("Host", parts.netloc)
    elif "Host" not in headers:
        headers.add("Host", parts.netloc)
    forwarded_for = headers.get("X-Forwarded-For")
    headers.set("X-Forwarded-For", f"{forwarded_for}, {req.client}" if forwarded_for else req.client)
    headers.set("X-Forwarded-Proto", "http")
    if req.body or req.method in ("POST", "PUT", "PATCH"):
        headers.set("Content-Length", str(len(req.body)))
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=UPSTREAM_TIMEOUT)
    try:
        conn.putrequest(req.method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(req.body or None)
        up = conn.getresponse()
        body = up.read()
        out = _end_to_end(Headers(up.getheaders()))
        return Response(up.status, out, body, up.reason, local=False)
    except (OSError, http.client.HTTPException) as exc:
        return text_response(502, f"bad gateway: upstream {base} did not answer ({exc})\n")
    finally:
        conn.close()


BARE_LF = re.compile(rb"(?<!\r)\n")
BARE_LF_PROBLEM = "a line ends in a bare LF or CR (RFC 9112 §2.2); end every line with CRLF"


def framing_problem(head: bytes) -> str | None:
    """Why a request head (request line and header lines, as received) cannot be framed safely.

    RFC 9112 §6.1: Content-Length with Transfer-Encoding, a coding that is not exactly one final
    ``chunked``, or Transfer-Encoding in HTTP/1.0 is a 400 and the connection closes; §5.2: obs-fold
    is a 400, and so is whitespace before the colon (§5.1); §2.2: a bare LF is answered 400 here
    rather than guessed at; RFC 9110 §5.5: so is a NUL. None if the head is fine.
    """
    head = head.lstrip(b"\r\n").rstrip(b"\r\n")
    if BARE_LF.search(head) or b"\r" in head.replace(b"\r\n", b""):
        return BARE_LF_PROBLEM
    if b"\0" in head:
        return "a NUL byte in the head (RFC 9110 §5.5); remove it"
    lines = head.split(b"\r\n")
    if any(line[:1] in (b" ", b"\t") for line in lines[1:]):
        return "a header line starts with whitespace (obs-fold, RFC 9112 §5.2); send each field on one line"
    fields = [(name.lower(), value.strip(b" \t"))
              for name, _, value in (line.partition(b":") for line in lines[1:])]
    if any(name != name.strip(b" \t") for name, _ in fields):
        return "whitespace around a field name (RFC 9112 §5.1); write 'Name: value'"
    codings = [c.strip(b" \t").lower() for name, value in fields if name == b"transfer-encoding"
               for c in value.split(b",") if c.strip(b" \t")]
    has_te = any(name == b"transfer-encoding" for name, _ in fields)
    if has_te and any(name == b"content-length" for name, _ in fields):
        return ("both Content-Length and Transfer-Encoding (RFC 9112 §6.1: the length is "
                "ambiguous); send one of them")
    if has_te and lines[0].rstrip().endswith(b"HTTP/1.0"):
        return "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1); send Content-Length"
    if has_te and codings != [b"chunked"]:
        shown = b", ".join(codings).decode("latin-1")[:60]
        return (f"Transfer-Encoding {shown!r} is not supported (RFC 9112 §6.1); send "
                "'Transfer-Encoding: chunked' alone, or Content-Length")
    return None


def _end_to_end(headers: Headers) -> Headers:
    """Drop hop-by-hop headers, including those the Connection header names."""
    named = set()
    for value in headers.get_all("Connection"):
        named.update(token.strip().lower() for token in value.split(","))
    return Headers((k, v) for k, v in headers if k.lower() not in HOP_BY_HOP | named)


class _Wire:
    """The connection's input, read under a deadline: :data:`REQUEST_TIMEOUT` s from a request's
    first byte to its end (at most one ``recv`` at a time, so a trickle cannot stretch it), idle
    :data:`IDLE_TIMEOUT` s between requests. Keeps the lines of the current request's head."""

    def __init__(self, buffered, sock: socket.socket):
        self.buffered, self.sock = buffered, sock
        self.lines: list[bytes] = []
        self.deadline: float | None = None

    def next_request(self) -> None:
        self.lines, self.deadline = [], None

    def _wait(self) -> None:
        """Arm the socket for one read: idle before a request, the request's time left within one."""
        if self.deadline is None:
            self.sock.settimeout(IDLE_TIMEOUT)
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the request did not arrive within {REQUEST_TIMEOUT:g} s")
        self.sock.settimeout(left)

    def _started(self) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + REQUEST_TIMEOUT

    def readline(self, limit: int = -1) -> bytes:
        out = b""
        while limit < 0 or len(out) < limit:
            self._wait()
            ahead = self.buffered.peek(1)  # one recv at most, when nothing is buffered
            if not ahead:
                break
            self._started()
            ahead = ahead if limit < 0 else ahead[:limit - len(out)]
            end = ahead.find(b"\n")
            out += self.buffered.read(end + 1 if end >= 0 else len(ahead))
            if end >= 0:
                break
        if len(self.lines) < 200:  # the head; a longer one is refused by http.client (100 lines)
            self.lines.append(out)
        return out

    def read(self, size: int) -> bytes:
        parts, left = [], size
        while left > 0:
            self._wait()
            part = self.buffered.read1(min(left, 65536))
            if not part:
                break
            self._started()
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def close(self) -> None:
        self.buffered.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    emulator: Emulator  # set on the subclass made by make_server

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    timeout = IDLE_TIMEOUT  # socketserver applies it to the connection: a silent client is let go

    def setup(self):
        super().setup()
        self.rfile = _Wire(self.rfile, self.connection)

    unread_body = False  # a body was refused unread: close the way nginx does (lingering close)

    def finish(self):
        super().finish()
        if self.unread_body:  # the answer is out: shut the sending side, drain what still comes
            try:
                self.connection.shutdown(socket.SHUT_WR)
                linger(self.connection)
            except OSError:
                pass

    def parse_request(self) -> bool:
        if self.raw_requestline in (b"\r\n", b"\n"):  # RFC 9112 §2.2: one empty line before a request
            self.raw_requestline = self.rfile.readline(65537)
        ok = super().parse_request()
        self.head = b"".join(self.rfile.lines)
        return ok

    def _read_body(self) -> bytes:
        """The request body, at most MAX_BODY bytes; _BadBody for what cannot be read."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                size_text = line.split(b";")[0].strip()
                if not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size_text):
                    raise _BadBody(400, f"bad chunk size {size_text[:20]!r}: send hexadecimal digits")
                size = int(size_text, 16)
                if size == 0:
                    for _ in range(100):  # trailers: dropped
                        if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                            break
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise _BadBody(413, f"the request body is over {MAX_BODY} bytes")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        value = (self.headers.get("Content-Length") or "0").strip()
        if not value.isdigit() or len(self.headers.get_all("Content-Length") or []) > 1:
            raise _BadBody(400, f"Content-Length {value[:20]!r} is not one non-negative number")
        length = int(value)
        if length > MAX_BODY:
            raise _BadBody(413, f"the request body is over {MAX_BODY} bytes")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise _BadBody(400, f"the body ended after {len(body)} of its {length} bytes")
        return body

    def _serve(self):
        req = Request(
            method=self.command,
            target=self.path,
            headers=Headers(self.headers.items()),
            client=self.client_address[0],
        )
        refusal = None
        problem = framing_problem(self.head)
        try:
            if problem:
                raise _BadBody(400, problem)
            try:
                req.body = self._read_body()
            except TimeoutError:
                raise _BadBody(408, f"the request body did not arrive within {REQUEST_TIMEOUT:g} s") from None
        except _BadBody as bad:
            self.close_connection = True  # the unread body must not be taken for the next request
            self.unread_body = bad.status != 408  # a client that does not send is not waited for
            refusal = text_response(bad.status, f"{bad}\n")
            if bad.status != 413:  # not a request the product would route: answered as is
                self._send(req, refusal)
                return
        try:
            resp = self.emulator.handle(req, refusal)
        except Exception as exc:  # a bug in a hook must not kill the connection silently
            self.log_error("emulator error: %r", exc)
            resp = text_response(500, "emulator error\n")
        self._send(req, resp)
        self.rfile.next_request()

    def _send(self, req: Request, resp: Response):
        self.connection.settimeout(IDLE_TIMEOUT)  # the answer is written without the request's deadline
        no_body = req.method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        self.send_response_only(resp.status, resp.reason or None)
        headers = Headers(resp.headers)
        if "Date" not in headers:
            headers.add("Date", formatdate(usegmt=True))
        if not (req.method == "HEAD" and not resp.local) and resp.status not in (204, 304):
            headers.set("Content-Length", str(len(resp.body)))
        elif resp.status in (204, 304):
            headers.remove("Content-Length")
        if self.close_connection:
            headers.set("Connection", "close")
        for name, value in headers:
            self.send_header(name.lower() if self.emulator.lowercase_header_names else name, value)
        self.end_headers()
        if not no_body and resp.body:
            self.wfile.write(resp.body)

    def __getattr__(self, name):
        # do_GET, do_OPTIONS, do_ANYTHING: a proxy forwards every method.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)


class _BadBody(Exception):
    """A request body the proxy will not read: ``status`` 400 (malformed) or 413 (too large)."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hanging client never blocks shutdown
    request_queue_size = BACKLOG

    def handle_error(self, request, client_address):
        # A client that resets or drops its connection is ordinary traffic, not a fault of the
        # emulator: no traceback in the log for it (socketserver prints one by default).
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)
    allow_reuse_address = True  # restart at once on the same port (TIME_WAIT), never steal a live one


def linger(sock: socket.socket) -> None:
    """Read and drop ``sock``'s input until the client closes, for at most LINGER_TIME s in all and
    LINGER_TIMEOUT s of silence (nginx's lingering_time and lingering_timeout)."""
    end = time.monotonic() + LINGER_TIME
    while (left := end - time.monotonic()) > 0:
        sock.settimeout(min(LINGER_TIMEOUT, left))
        if not sock.recv(65536):
            return


def make_server(emulator: Emulator, host: str, port: int) -> ThreadingHTTPServer:
    """Bind a server for ``emulator``; a port in use becomes a clear CorsLabError."""
    handler = type("Handler", (_Handler,), {"emulator": emulator})
    try:
        return _Server((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CorsLabError(
                f"port {port} on {host} is already in use; stop what is using it "
                f"(python -m corslab status shows the lab's own services) or pass another --port"
            ) from None
        raise CorsLabError(f"cannot listen on {host}:{port}: {exc.strerror}; pick another --host or --port") from None


def serve(emulator: Emulator, host: str, port: int) -> None:
    """Serve in the foreground until SIGINT/SIGTERM; print ``ready on URL`` once listening."""
    server = make_server(emulator, host, port)
    if threading.current_thread() is threading.main_thread():
        def stop(signum, frame):
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
    bound_host, bound_port = server.server_address[:2]
    print(f"ready on http://{bound_host}:{bound_port}/", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)  # how soon a stop signal takes effect
    finally:
        server.server_close()


def serve_product(emulator: Emulator, backends: set[str], path: str, host: str, port: int,
                  noun: str = "backend") -> None:
    """The ``serve`` of a product module: check the emulator's ``--target`` names against the
    config's ``backends`` (a typo is an error), then :func:`serve` it."""
    check_targets(emulator.targets, backends, path, noun)
    serve(emulator, host, port)


def check_targets(targets: dict[str, str], names: set[str], path: str, noun: str = "backend") -> None:
    """Every ``--target NAME=URL`` must name a backend of the config (a short name like ``api`` is
    enough for ``api.default.svc.cluster.local``): a typo is an error, not a silent no-op."""
    short = {n.split(".")[0] for n in names}
    for name in targets:
        if name not in names and name not in short:
            raise CorsLabError(f"--target {name}=...: {path} has no {noun} named {name!r}; "
                               f"its {noun}s are: {', '.join(sorted(names)) or 'none'}")


def upstream_url(value: str, what: str = "--upstream") -> str:
    """Check an upstream base URL early, with a sentence the learner can act on."""
    parts = urlsplit(value)
    if parts.scheme != "http" or not parts.hostname:
        raise CorsLabError(f"{what} {value!r} is not an http:// URL; write it like http://127.0.0.1:8095")
    try:
        parts.port
    except ValueError:
        raise CorsLabError(f"{what} {value!r} has an invalid port; write it like http://127.0.0.1:8095") from None
    return value.rstrip("/") if parts.path in ("", "/") else value


# --- config files: shared by every product's load() ------------------------------------------


def config_error(path: str, field: str, why: str) -> CorsLabError:
    """The one shape of a config error: file, field, why (and, in ``why``, the fix)."""
    where = f"{path}: {field}" if field else path
    return CorsLabError(f"{where}: {why}")


def read_config(path: str, fmt: str):
    """Parse ``path`` as "json" or "yaml" (all documents, as a list); errors name the file."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise CorsLabError(f"{path}: no such file; check the CONFIG path") from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None
    except OSError as exc:
        raise CorsLabError(f"{path}: cannot read it ({exc.strerror})") from None
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise config_error(path, f"line {exc.lineno}", f"not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise config_error(path, "", "the JSON is nested too deeply; flatten it") from None
    import yaml

    from corslab.stack import safe_yaml

    try:
        return [doc for doc in safe_yaml.load_all(text, path) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else ""
        raise config_error(path, line, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None


def manifests(path: str, kind: str, group: str, version: str = "v1") -> list[tuple[str, dict]]:
    """The ``spec`` of every Kubernetes object of ``kind`` in the YAML file ``path``, each with the
    field name that locates it in errors (``HTTPRoute[0].spec``); its apiVersion must be ``group/...``."""
    docs = [d for d in read_config(path, "yaml") if isinstance(d, dict) and d.get("kind") == kind]
    if not docs:
        raise config_error(path, "kind", f"no {kind} in this file; write kind: {kind}")
    specs = []
    for n, doc in enumerate(docs):
        api = str(doc.get("apiVersion", ""))
        if not api.startswith(group + "/"):
            raise config_error(path, f"{kind}[{n}].apiVersion", f"{api!r} is not {group}/{version}")
        specs.append((f"{kind}[{n}].spec", expect(path, f"{kind}[{n}].spec", doc.get("spec"), dict, "a mapping")))
    return specs


def not_utf8(path: str, exc: UnicodeDecodeError) -> CorsLabError:
    """The one line for a config that is not UTF-8 text (a binary file, or Latin-1/UTF-16)."""
    return CorsLabError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                        f"{exc.start}); save the config as UTF-8")


def expect(path: str, field: str, value, kind, what: str):
    """Type-check one config value; ``what`` names the expected shape for the message."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise config_error(path, field, f"must be {what}, not {value!r}")
    return value
