"""The waitress connection of every Flask service: strict framing, the app's 413, lingering close.

* Framing (RFC 9112 §6.1, §5.1, §5.2, §2.2): a head that :func:`corslab.emulate.proxy.framing_problem`
  refuses - Content-Length with Transfer-Encoding, a coding other than one ``chunked``,
  Transfer-Encoding in HTTP/1.0, obs-fold, whitespace before a colon, a bare LF - is answered 400 and
  the connection closed, before the app runs; the emulators apply the same check.
* A body over 1 MiB: waitress refuses it before the app runs, with a plain 413 of its own (no CORS
  headers). :func:`error_task` hands such a request to the app instead, with its declared length
  but without reading the body, and the app refuses it (servers/limits.py) with the CORS headers
  of its hooks.
* Closing after such an answer: the rest of the body is still on its way, and closing a socket
  with unread input sends a reset that can destroy the answer before the client reads it. Like
  nginx (``lingering_close``, ``lingering_time 30s``, ``lingering_timeout 5s``), the channel shuts its
  sending side once the answer is out, then reads and drops what the client still sends until it
  closes, for at most :data:`LINGER_TIME` s in all and :data:`LINGER_TIMEOUT` s of silence.

A request whose declared body never comes holds no worker thread: waitress hands a request to a
thread only once its body is complete; the silent connection is closed after ``channel_timeout``.
"""

from __future__ import annotations

import socket
import time

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import BadRequest, RequestEntityTooLarge

from corslab.emulate.proxy import BARE_LF, BARE_LF_PROBLEM, LINGER_TIME, LINGER_TIMEOUT, framing_problem
from servers.limits import MAX_BODY


class StrictParser(HTTPRequestParser):
    """waitress' parser, refusing every head :func:`framing_problem` refuses (400, then close)."""

    def received(self, data: bytes) -> int:
        # A bare LF would leave waitress waiting for CRLF CRLF until the connection times out:
        # refuse it as it arrives (the new bytes only, with the three before them for context).
        if not self.headers_finished and not self.completed and b"\n" in data:
            fresh = self.header_plus[-3:] + data
            end = fresh.find(b"\r\n\r\n")
            if BARE_LF.search(fresh if end < 0 else fresh[:end]):
                self.parse_header(b"GET / HTTP/1.1\r\n")  # fills what the error answer reads
                self.error, self.completed, self.headers_finished = BadRequest(BARE_LF_PROBLEM), True, True
                return len(data)
        return super().received(data)  # the whole head is checked once, in parse_header

    def parse_header(self, header_plus: bytes) -> None:
        problem = framing_problem(header_plus)
        if problem:
            raise ParsingError(problem)
        super().parse_header(header_plus)


def error_task(channel, parsed):
    """The task that answers a request waitress refused: the app for a body over the limit."""
    if isinstance(parsed.error, RequestEntityTooLarge) and parsed.headers_finished:
        # The declared length (or what a chunked body reached) tells the app it is too large;
        # the body itself stays unread and the connection is closed after the answer.
        received = max(parsed.content_length, parsed.body_bytes_received, MAX_BODY + 1)
        parsed.headers["CONTENT_LENGTH"] = str(received)
        parsed.headers.pop("TRANSFER_ENCODING", None)
        parsed.body_rcv = None
        task = WSGITask(channel, parsed)
        task.close_on_finish = True
        return task
    return ErrorTask(channel, parsed)


class LabChannel(HTTPChannel):
    """A waitress channel with :class:`StrictParser`, :func:`error_task` and a lingering close."""

    parser_class = StrictParser
    error_task_class = staticmethod(error_task)
    refused = False  # a request was refused: what follows on this connection is dropped, not parsed
    lingering: list[float] | None = None  # [started, last byte] once the answer is out

    def received(self, data: bytes) -> bool:
        if self.refused:
            return True
        result = super().received(data)
        if any(r.error is not None for r in self.requests):
            self.refused = True  # its answer closes the connection: the rest is unread body
        return result

    def handle_close(self) -> None:
        if self.refused and self.lingering is None and self.connected and self.socket is not None:
            try:
                self.socket.shutdown(socket.SHUT_WR)  # the answer is out (flushed): FIN after it
            except OSError:
                return super().handle_close()
            now = time.monotonic()
            self.lingering = [now, now]
            self.will_close = self.close_when_flushed = False
            return None
        return super().handle_close()

    def readable(self) -> bool:
        return True if self.lingering else super().readable()

    def writable(self) -> bool:
        if self.lingering:
            started, last = self.lingering
            now = time.monotonic()
            if now - started > LINGER_TIME or now - last > LINGER_TIMEOUT:
                self.will_close = True  # handle_write -> handle_close: the real close
            return self.will_close
        return super().writable()

    def handle_read(self) -> None:
        if not self.lingering:
            return super().handle_read()
        try:
            data = self.socket.recv(65536)
        except BlockingIOError:
            return None
        except OSError:
            data = b""
        if data:
            self.lingering[1] = time.monotonic()
        else:
            super().handle_close()  # the client closed: done
        return None
