"""The lab stack as a probe sees it: which service answers a URL, what reached its backends (their
own ``/_lab/seen`` logs), and where the fix goes when the lab blocks a request.

The probe computes its result with these; how a result is shown lives in ``corslab.probing.display``.
Whether a request reached a backend comes from the backend's log: entries are matched by method,
path (with query string), Origin and the time window of the exchange - simple and honest, so two
identical requests sent by someone else within the same millisecond could be mistaken for it.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from corslab.stack import topology

LOOPBACK = {"localhost", "127.0.0.1", "[::1]", "::1"}
SLACK = 0.002  # s: the backend logs while the exchange is in flight, on the same clock (time.time)


def stack_service(url: str) -> topology.Service | None:
    """The lab service that answers ``url`` (matched by loopback host and port), or None."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host not in LOOPBACK and not host.endswith(".localhost"):  # *.localhost: the HTTPS twins
        return None
    return topology.by_port(parts.port or (443 if parts.scheme == "https" else 80))


def backends_of(svc: topology.Service) -> list[topology.Service]:
    """The Flask apps that log what reaches them behind ``svc`` (itself, or its upstreams)."""
    if svc.kind == "flask":
        return [svc]
    return [topology.SERVICES[u] for u in svc.upstreams
            if u in topology.SERVICES and topology.SERVICES[u].kind == "flask"]


def lab_hint(result) -> str | None:
    """Where CORS lives (or is missing) for a target of the lab stack, for a blocked request."""
    svc = stack_service(result.url)
    if svc is None or result.allowed or result.kind != "cors":
        return None
    from corslab.stack import policy

    outsider = result.origin not in policy.ALLOWED_ORIGINS
    methods = sorted((s for s in topology.SERVICES.values() if s.method), key=lambda s: s.method)
    if svc.kind == "flask" and svc.app_args.get("cors") is False:
        apps = [f"`{s.name}` on {s.port}" for s in topology.SERVICES.values()
                if s.app_args.get("cors") is True]
        layers = [f"`{s.name}` on {s.port} (method {s.method})" for s in methods if s.method >= 2]
        one = [f"`{s.name}` on {s.port}" for s in methods if s.method == 1]
        text = (f"In the lab: `{svc.name}` on port {svc.port} is {svc.role}: nothing there answers "
                "preflights or adds Access-Control-* headers. Add them in the app (flask-cors, as "
                f"{', '.join(apps) or 'the app-level method'} does) or in a layer in front of it "
                f"({', '.join(layers)})")
        if one:
            text += f"; or avoid cross-origin calls by serving page and API from one origin ({one[0]})"
        return text + "."
    if outsider and (svc.method or svc.app_args.get("cors") is True):
        return (f"In the lab: `{svc.name}` on port {svc.port} applies the lab policy, whose "
                f"allowlist is {', '.join(policy.ALLOWED_ORIGINS)}; {result.origin} is not on it, "
                "so this refusal is the policy working - no fix needed. To allow it, add it to "
                "corslab/stack/policy.py (every method reads it).")
    if svc.kind == "flask" and svc.app_args.get("cors") is True:
        return (f"In the lab: `{svc.name}` on port {svc.port} gets its CORS headers from "
                "flask-cors, configured in servers/api.py from corslab/stack/policy.py.")
    if svc.kind == "nginx":
        return (f"In the lab: `{svc.name}` on port {svc.port} is nginx ({svc.role}); its CORS "
                f"headers come from nginx/{svc.name}.conf.")
    if svc.kind == "emulator" and svc.emulate:
        return (f"In the lab: `{svc.name}` on port {svc.port} emulates {svc.emulate[0]}; its "
                f"CORS behaviour comes from {svc.emulate[1]}.")
    return None


def _get_json(port: int, path: str, timeout: float = 2.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        body = answer.read()
        if answer.status != 200:
            return None
        return json.loads(body)
    finally:
        conn.close()


def _same_request(entry: dict, method: str, path: str, origin: str | None, lo: float,
                  hi: float) -> bool:
    """A log entry is the probe's request: same method, path and Origin, inside its time window."""
    if entry.get("method") != method or entry.get("path") != path:
        return False
    if not lo <= entry.get("time", 0) <= hi:
        return False
    sent_origin = next((v for n, v in entry.get("headers", []) if n.lower() == "origin"), None)
    return sent_origin == origin


def backend_seen(result) -> dict:
    """Which of the probe's exchanges reached a backend of the stack, from its /_lab/seen log.

    Returns {"service", "backends", "reached": [...]} with, per exchange, the name of the backend
    that logged it, False when none did, None when the hop went outside the target; {} when the
    target is not in the stack or no log could be read.
    """
    svc = stack_service(result.url)
    if svc is None:
        return {}
    backends = backends_of(svc)
    entries, readable = [], False
    for backend in backends:
        try:
            data = _get_json(backend.port, "/_lab/seen")
        except (OSError, ValueError, http.client.HTTPException):
            data = None
        readable = readable or data is not None
        for entry in (data or {}).get("requests", []):
            entries.append((backend.name, entry))
    if not readable:
        return {}
    reached = []
    for ex in result.exchanges:
        if stack_service(ex.url) is not svc:
            reached.append(None)  # a redirect led elsewhere: not this backend's business
            continue
        parts = urlsplit(ex.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        origin = dict((n.lower(), v) for n, v in ex.request_headers).get("origin")
        lo, hi = ex.started - SLACK, ex.started + ex.elapsed + SLACK
        match = next((e for e in entries if _same_request(e[1], ex.method, path, origin, lo, hi)),
                     None)
        if match:
            entries.remove(match)
        reached.append(match[0] if match else False)
    return {"service": svc.name, "backends": [b.name for b in backends], "reached": reached}
