"""How a probe result looks: the CLI's text report and Jupyter's sequence picture.

The picture has a lane for the browser, one for the proxy when the target is a proxy of the lab
stack, and one for the backend. Whether a request reached the backend comes from
``corslab.stack.labstack`` (the backend's own log), which the probe uses without this module.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from corslab.probing.wire import printable
from corslab.stack.labstack import backend_seen, backends_of, lab_hint, stack_service  # noqa: F401

CORS_PREFIXES = ("access-control-", "vary", "location")


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
    return printable("\n".join(out), newlines=True)  # a server's ESC or CR never reaches the terminal


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
