"""How a probe result looks: the CLI's text report and Jupyter's sequence picture.

The picture has a lane for the browser, one for the proxy when the target is a proxy of the lab
stack, and one for the backend. Whether a request reached the backend comes from the backend's
own log (``GET /_lab/seen``): entries are matched by method, path (with query string) and the
time window of the probe - simple and honest, so two identical requests sent by someone else
within the same second could be mistaken for the probe's.
"""

from __future__ import annotations

import html
import http.client
import json
from urllib.parse import urlsplit

from corslab import topology

LOOPBACK = {"localhost", "127.0.0.1", "[::1]", "::1"}
SLACK = 0.002  # s: the backend logs while the exchange is in flight, on the same clock (time.time)
CORS_PREFIXES = ("access-control-", "vary", "location")


# -- the stack behind a URL ----------------------------------------------------------------------

def stack_service(url: str) -> topology.Service | None:
    """The lab service that answers ``url`` (matched by loopback host and port), or None."""
    parts = urlsplit(url)
    if (parts.hostname or "") not in LOOPBACK:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for svc in topology.SERVICES.values():
        if svc.port == port:
            return svc
    return None


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
    from corslab import policy

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
                "corslab/policy.py (every method reads it).")
    if svc.kind == "flask" and svc.app_args.get("cors") is True:
        return (f"In the lab: `{svc.name}` on port {svc.port} gets its CORS headers from "
                "flask-cors, configured in servers/api.py from corslab/policy.py.")
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


# -- text ----------------------------------------------------------------------------------------

def _cors_lines(headers) -> list[str]:
    return [f"{n}: {v}" for n, v in headers if n.lower().startswith(CORS_PREFIXES)]


def text_report(result, seen: bool = True) -> str:
    r = result
    out = [f"{r.method} {r.url}",
           f"  from origin {r.origin} (credentials: {r.credentials}, mode: {r.mode})"]
    if r.dropped_headers:
        for name, why in r.dropped_headers:
            out.append(f"  dropped by the browser: {name} - {why}")
    if r.preflight_needed:
        out.append("  preflight needed: yes - " + "; ".join(r.preflight_reasons))
    else:
        out.append("  preflight needed: no")
    if r.preflight_from_cache:
        out.append("  (the preflight answer came from the preflight cache: no OPTIONS sent)")
    info = r.seen() if seen else None
    reached = (info or {}).get("reached") or []
    for i, ex in enumerate(r.exchanges):
        where = ""
        if i < len(reached) and reached[i] is not None:
            where = (f"  [reached backend {reached[i]}]" if reached[i]
                     else f"  [answered by {info['service']}; never reached the backend]")
        out.append(f"  {i + 1}. {ex.method} {ex.url} -> {ex.status} "
                   f"({ex.elapsed * 1000:.1f} ms){where}")
        sent = [f"{n}: {v}" for n, v in ex.request_headers
                if n.lower() in ("origin", "cookie") or n.lower().startswith("access-control-")]
        for line in sent:
            out.append(f"       > {line}")
        got = _cors_lines(ex.headers)
        for line in got or ["(no CORS headers)"]:
            out.append(f"       < {line}")
        if ex.verdict is not None and not ex.verdict.ok and ex.verdict.reason:
            out.append("       x fails here")
    if not r.exchanges:
        out.append("  nothing was sent")
    if r.allowed:
        out.append("ALLOWED: page JavaScript can read the response.")
        out.append(f"  readable headers: {', '.join(r.exposed_headers) or '(none)'}")
    elif r.opaque:
        out.append("OPAQUE: the request is sent, the page gets status 0, no headers, no body.")
    else:
        label = {"type-error": "THROWS (fetch() rejects before sending anything)",
                 "fetch-api": "REFUSED before the network",
                 "network": "FAILED (a network error)"}.get(r.kind, "BLOCKED")
        out.append(f"{label}: {r.reason or ''}")
        if r.console and r.console != r.reason:
            out.append("  console: " + r.console)
    out.append("  " + r.explanation)
    for note in r.notes:
        if not note.startswith("The browser drops the header"):  # listed at the top already
            out.append("  note: " + note)
    return "\n".join(out)


# -- HTML (Jupyter) ------------------------------------------------------------------------------

_STYLE = ("font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; "
          "border-collapse: collapse;")


def _e(text) -> str:
    return html.escape(str(text))


def html_report(result) -> str:
    r = result
    svc = stack_service(r.url)
    proxy = svc if svc is not None and svc.kind != "flask" else None
    backend_names = [b.name for b in backends_of(svc)] if svc is not None else []
    info = r.seen() or {}
    reached = info.get("reached") or []
    target = urlsplit(r.url).netloc
    # Lanes: browser | arrow | [proxy | arrow |] backend. One row for each request, one for its answer.
    lanes = [f"browser<br><small>{_e(r.origin)}</small>", ""]
    if proxy:
        lanes += [f"proxy <b>{_e(proxy.name)}</b><br><small>:{proxy.port}</small>", ""]
    lanes.append("backend " + (f"<b>{_e(', '.join(backend_names))}</b>" if backend_names
                               else f"<b>{_e(target)}</b>"))
    right, left, cross = "&#9472;&#9472;&#9472;&#9654;", "&#9664;&#9472;&#9472;&#9472;", "&#10007;"
    center = "style='text-align:center'"
    rows = []
    for i, ex in enumerate(r.exchanges):
        hit = reached[i] if i < len(reached) else None
        failed = ex.verdict is not None and not ex.verdict.ok
        color = "#b00" if failed else "#060"
        path = urlsplit(ex.url).path or "/"
        ask = [f"{n}: {v}" for n, v in ex.request_headers
               if n.lower() in ("origin", "cookie") or n.lower().startswith("access-control-")]
        req_cell = (f"<b>{_e(ex.method)} {_e(path)}</b> <small>({_e(ex.role)})</small><br>"
                    + "<br>".join(_e(a) for a in ask))
        got = _cors_lines(ex.headers) or ["(no CORS headers)"]
        answer = (f"<b style='color:{color}'>{ex.status}</b> <small>{ex.elapsed * 1000:.1f} ms"
                  "</small><br>" + "<br>".join(_e(g) for g in got)
                  + (f"<br><b style='color:#b00'>{cross} the browser's check fails here</b>"
                     if failed else ""))
        if proxy:
            if hit:
                mid, far, backend, who = "&#9679;", right, "&#9679; received", "backend, via the proxy"
            elif hit is False:
                mid, far, backend, who = f"&#9679; {cross} not forwarded", "", "", f"{proxy.name} itself"
            else:
                mid, far, backend, who = "&#9679;", "?", "?", "unknown (no backend log)"
            rows.append(f"<tr><td>{req_cell}</td><td {center}>{right}</td><td {center}>{mid}</td>"
                        f"<td {center}>{far}</td><td {center}>{backend}</td></tr>")
            rows.append(f"<tr><td></td><td {center}>{left}</td><td colspan=3>{answer}"
                        f"<br><small>answered by {_e(who)}</small></td></tr>")
        else:
            mark = ("&#9679; received" if hit else f"{cross} not in its log" if hit is False
                    else "&#9679;")
            rows.append(f"<tr><td>{req_cell}</td><td {center}>{right}</td>"
                        f"<td {center}>{mark}</td></tr>")
            rows.append(f"<tr><td></td><td {center}>{left}</td><td>{answer}</td></tr>")
    if not r.exchanges:
        rows.append(f"<tr><td colspan={len(lanes)}><i>nothing was sent: the browser refused "
                    "before the network</i></td></tr>")
    head = "".join(f"<th style='padding:4px 10px;border-bottom:1px solid #999'>{lane}</th>"
                   for lane in lanes)
    if r.allowed:
        verdict = ("<div style='background:#e8f5e9;padding:6px;margin-top:6px'><b>Allowed</b>: "
                   f"page JavaScript reads the response; readable headers: "
                   f"{_e(', '.join(r.exposed_headers) or '(none)')}</div>")
    elif r.opaque:
        verdict = ("<div style='background:#fff8e1;padding:6px;margin-top:6px'><b>Opaque</b>: "
                   "sent, but the page gets status 0, no headers, no body.</div>")
    else:
        verdict = ("<div style='background:#ffebee;padding:6px;margin-top:6px'><b>Blocked</b>: "
                   f"<code>{_e(r.reason)}</code></div>")
    notes = "".join(f"<li>{_e(n)}</li>" for n in r.notes)
    why = "; ".join(r.preflight_reasons) if r.preflight_needed else "none needed"
    return (f"<div><div><b>{_e(r.method)} {_e(r.url)}</b> from <b>{_e(r.origin)}</b> "
            f"(credentials: {_e(r.credentials)}, mode: {_e(r.mode)})<br>"
            f"<small>preflight: {_e(why)}</small></div>"
            f"<table style='{_STYLE}'><tr>{head}</tr>{''.join(rows)}</table>{verdict}"
            f"<div style='margin-top:4px'>{_e(r.explanation)}</div>"
            + (f"<ul>{notes}</ul>" if notes else "") + "</div>")
