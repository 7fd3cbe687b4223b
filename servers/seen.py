"""The requests that actually reached a backend, in a bounded in-memory log.

Served at ``GET /_lab/seen`` so the kit can *show* that a preflight was answered at a proxy and
never reached the app. ``?trace=ID`` keeps the requests whose query string carries ``trace=ID`` or
whose ``X-Trace-Id`` header is ID (a preflight cannot carry the header's value, only its name, so
the query string is the reliable way to follow one scenario through every hop).

Bounded in count and in bytes, whatever clients send: at most LIMIT entries and MAX_BYTES of text
(the oldest fall off first), each header value cut to MAX_VALUE characters and the path to
MAX_PATH, at most MAX_HEADERS headers per request. Secrets are not kept: the values of ``Cookie``
and ``Authorization`` are masked (cookie names and the auth scheme stay, to show that they came).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from urllib.parse import parse_qs

from flask import Blueprint, Flask, jsonify, request

LIMIT = 1000  # entries; the oldest fall off: memory stays bounded however long the lab runs
MAX_BYTES = 2 * 1024 * 1024  # characters of paths, header names and values over all entries
MAX_VALUE = 256  # characters kept of one header value
MAX_PATH = 2048  # characters kept of the path and query string
MAX_HEADERS = 64  # headers kept per request
MASK = "***"
SHORTENED = "...[shortened]"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + SHORTENED


def masked(name: str, value: str) -> str:
    """Cookie: ``a=***; b=***``; Authorization: ``Bearer ***``; any other header as it is."""
    lower = name.lower()
    if lower == "cookie":
        return "; ".join(part.split("=", 1)[0].strip() + "=" + MASK for part in value.split(";") if part.strip())
    if lower in ("authorization", "proxy-authorization"):
        scheme, _, secret = value.strip().partition(" ")
        return f"{scheme} {MASK}" if secret else MASK
    return value


def _size(entry: dict) -> int:
    return len(entry["path"]) + sum(len(k) + len(v) for k, v in entry["headers"])


class SeenLog:
    def __init__(self, limit: int = LIMIT, max_bytes: int = MAX_BYTES):
        self._entries: deque[dict] = deque()
        self._limit, self._max_bytes, self._bytes = limit, max_bytes, 0
        self._lock = threading.Lock()

    def record(self, method: str, path: str, headers: list[tuple[str, str]]) -> None:
        kept = [(shorten(k, MAX_VALUE), shorten(masked(k, v), MAX_VALUE)) for k, v in headers[:MAX_HEADERS]]
        entry = {"method": shorten(method, MAX_VALUE), "path": shorten(path, MAX_PATH),
                 "headers": kept, "time": time.time()}
        with self._lock:
            self._entries.append(entry)
            self._bytes += _size(entry)
            while len(self._entries) > self._limit or self._bytes > self._max_bytes:
                self._bytes -= _size(self._entries.popleft())

    def size(self) -> tuple[int, int]:
        """(entries, characters) held now."""
        with self._lock:
            return len(self._entries), self._bytes

    def entries(self, trace: str | None = None) -> list[dict]:
        with self._lock:
            entries = list(self._entries)
        if trace is None:
            return entries
        return [e for e in entries if _has_trace(e, trace)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def _has_trace(entry: dict, trace: str) -> bool:
    query = entry["path"].partition("?")[2]
    if trace in parse_qs(query).get("trace", []):
        return True
    return any(k.lower() == "x-trace-id" and v == trace for k, v in entry["headers"])


def _page_origins() -> set[str]:
    from corslab.stack import topology

    return {s.origin for s in topology.SERVICES.values() if (s.app or "").startswith("servers.pages")}


def install(app: Flask) -> SeenLog:
    """Record every request that reaches ``app`` (but not the log's own endpoints)."""
    log = SeenLog()
    bp = Blueprint("lab_seen", __name__)

    @bp.get("/_lab/seen")
    def seen():
        answer = jsonify({"requests": log.entries(request.args.get("trace"))})
        # The lab's own pages (the playground) may read the log: exact origins, nobody else.
        if request.headers.get("Origin") in _page_origins():
            answer.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
        answer.vary.add("Origin")
        return answer

    @bp.delete("/_lab/seen")
    def forget():
        log.clear()
        return "", 204

    def record():
        if request.path.startswith("/_lab/"):
            return
        path = request.full_path if request.query_string else request.path
        headers = [(k, v) for k, v in request.headers.items()]
        log.record(request.method, path, headers)

    app.register_blueprint(bp)
    # First in line: the request is logged even when a later hook (flask-cors) answers it.
    app.before_request_funcs.setdefault(None, []).insert(0, record)
    return log
