"""One bounded HTTP exchange, raw: what the probe and the scanner put on the wire.

    answer = exchange("http://localhost:8081/v1/users", "OPTIONS",
                      [("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "PUT")],
                      timeout=5)
    answer.status, answer.headers        # every header line in order, duplicates kept
    answer.body, answer.truncated        # at most ``max_body`` bytes were read

Bounded whatever the server does:

- a deadline on the WHOLE exchange (connect, send, status line, headers, body), not on each
  read: a socket timeout alone restarts with every byte, so a server that trickles one byte a
  second would hold a client for ever. A timer shuts the socket down when the time is up.
- at most ``max_body`` bytes of body are read; the header block is bounded by http.client
  (at most 100 lines of at most 64 KiB each: ``http.client._MAXHEADERS``, ``_MAXLINE``).
- every failure is one :class:`~corslab.errors.CorsLabError` line (refused, unresolvable,
  timed out, not HTTP).

Raw means raw: ``http.client`` is used directly, so two ``Access-Control-Allow-Origin`` lines stay
two lines (``requests`` folds them into one value). ``tls`` is the ``ssl.SSLContext`` for https
URLs (None: the system's CAs and the lab's own, ``corslab.stack.tls``; certificates are always
verified). A name under ``.localhost`` is reached on 127.0.0.1, as browsers do.

Text that came from a server or from a user is shown through :func:`printable`, which escapes
terminal control characters (an ``ESC [`` sequence in a header would otherwise recolour or rewrite
the learner's terminal).
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from corslab.errors import CorsLabError
from corslab.stack import tls as labtls

MAX_BODY = 1024 * 1024  # bytes of an answer read at most by default


@dataclass
class WireAnswer:
    """One raw answer: the status, every header line as sent (name case kept), a bounded body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool  # the body was longer than the cap: the rest was not read
    elapsed: float  # seconds from connect to the last byte read
    reason: str = ""  # the status line's reason phrase (a page reads it as response.statusText)


def exchange(url: str, method: str, headers: list[tuple[str, str]], body: bytes | None = None, *,
             timeout: float, max_body: int = MAX_BODY, tls=None) -> WireAnswer:
    """Send one request and read its answer within ``timeout`` seconds in all."""
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # a port out of range: urlsplit checks it only when asked
        raise CorsLabError(f"the URL {url!r} is malformed ({exc}); write it as "
                           "scheme://host[:port]/path") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":  # verified against the system's CAs and the lab's; *.localhost on loopback
        conn = labtls.https_connection(host, port, timeout, context=tls)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    expired = threading.Event()

    def cut_off():  # a server that answers a byte at a time never trips the socket timeout
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(timeout, cut_off)
    watchdog.daemon = True
    where = f"{printable(parts.netloc)}"
    what = f"{method} {printable(path)}"
    t0 = time.perf_counter()
    try:
        watchdog.start()
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        answer = conn.getresponse()
        raw = answer.read(max_body + 1)
        if expired.is_set():
            raise socket.timeout()
        got = WireAnswer(answer.status, list(answer.getheaders()), raw[:max_body],
                         len(raw) > max_body, time.perf_counter() - t0, answer.reason)
    except (socket.timeout, TimeoutError):
        raise CorsLabError(f"{where} did not answer {what} within {timeout:g} s; check that the "
                           "service is healthy (`python -m corslab status`)") from None
    except ConnectionRefusedError:
        raise CorsLabError(f"cannot connect to {where} (connection refused); is the stack "
                           "running? start it with `python -m corslab up`") from None
    except socket.gaierror:
        raise CorsLabError(f"the host {host!r} of {printable(url)} cannot be "
                           "resolved; check the spelling (the lab uses localhost and "
                           "127.0.0.1)") from None
    except ssl.SSLCertVerificationError as exc:
        raise CorsLabError(f"{where}'s certificate is not trusted ({exc.verify_message}); the lab's "
                           "HTTPS origins are signed by its own CA, made by `python -m corslab up` "
                           "(see `python -m corslab.stack.tls`)") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if expired.is_set():
            raise CorsLabError(f"{where} did not answer {what} within {timeout:g} s; check that "
                               "the service is healthy (`python -m corslab status`)") from None
        raise CorsLabError(f"{what} to {where} failed: {exc.__class__.__name__}: "
                           f"{printable(str(exc))[:200]}") from None
    finally:
        watchdog.cancel()
        conn.close()
    return got


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str, newlines: bool = False) -> str:
    """``text`` with terminal control characters escaped (``\\x1b``, ``\\r``, ``\\u202e``...).

    C0 and C1 controls, DEL, the line and paragraph separators and the bidirectional overrides
    (which reorder what a reader sees) become Python-style escapes; ``newlines=True`` keeps
    tab and line feed (a multi-line report), otherwise they are escaped too (a one-line field).
    """
    pattern = _CONTROL if newlines else _CONTROL_ALL
    return pattern.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
