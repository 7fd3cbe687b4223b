"""The requests that actually reached a backend, in a bounded in-memory log.

Served at ``GET /_lab/seen`` so the kit can *show* that a preflight was answered at a proxy and
never reached the app. ``?trace=ID`` keeps the requests whose query string carries ``trace=ID`` or
whose ``X-Trace-Id`` header is ID (a preflight cannot carry the header's value, only its name, so
the query string is the reliable way to follow one scenario through every hop).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from urllib.parse import parse_qs

from flask import Blueprint, Flask, jsonify, request

LIMIT = 1000  # oldest entries fall off: memory stays bounded however long the lab runs


class SeenLog:
    def __init__(self, limit: int = LIMIT):
        self._entries: deque[dict] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, method: str, path: str, headers: list[tuple[str, str]]) -> None:
        entry = {"method": method, "path": path, "headers": headers, "time": time.time()}
        with self._lock:
            self._entries.append(entry)

    def entries(self, trace: str | None = None) -> list[dict]:
        with self._lock:
            entries = list(self._entries)
        if trace is None:
            return entries
        return [e for e in entries if _has_trace(e, trace)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _has_trace(entry: dict, trace: str) -> bool:
    query = entry["path"].partition("?")[2]
    if trace in parse_qs(query).get("trace", []):
        return True
    return any(k.lower() == "x-trace-id" and v == trace for k, v in entry["headers"])


def _page_origins() -> set[str]:
    from corslab import topology

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
