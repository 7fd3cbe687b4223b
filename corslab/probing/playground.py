"""The server side of the browser playground: the kit's prediction next to the real browser.

The pages server (servers/pages.py) installs two read-only endpoints on every page origin:

``GET /_lab/predict?url=...&method=...&header=Name:%20value&credentials=...&mode=...&body=...``
    Runs :func:`corslab.probing.probe.probe` for that fetch() from the page's own origin and answers the
    model's verdict as JSON: allowed / opaque / kind, the reason and the console line Chromium
    would print, whether a preflight is needed and why, and what the preflight got back (the probe
    re-sends it: JavaScript can never read a preflight's answer). The query is the one
    ``corslab.widgets.Scenario.query()`` writes and the playground reads to prefill its form.
``GET /_lab/backends?url=...``
    The ``/_lab/seen`` URLs of the lab backends behind ``url`` (none for a URL outside the stack),
    so the page can read which of its requests really reached the app.

Bad input is a 400 with ``{"error": one line}``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request

from corslab.errors import CorsLabError

CORS_PREFIXES = ("access-control-", "vary")


def scenario_from_query(args, page_origin: str) -> dict:
    """The probe's keyword arguments from the playground's URL query."""
    from corslab.probing.probe import parse_header_line

    url = (args.get("url") or "").strip()
    if not url:
        raise CorsLabError("the query needs url=..., e.g. /_lab/predict?url=http://localhost:8081/v1/users")
    headers = [parse_header_line(line) for line in args.getlist("header") if line.strip()]
    return {"url": url, "origin": page_origin, "method": (args.get("method") or "GET").strip(),
            "headers": headers, "credentials": args.get("credentials") or "same-origin",
            "mode": args.get("mode") or "cors", "body": args.get("body") or None,
            "cache": args.get("cache") or "default"}


def prediction(result) -> dict:
    """What the page shows of a ProbeResult (no raw exchange dump)."""
    pre = next((e for e in result.exchanges if e.role == "preflight"), None)
    response = result.response
    return {
        "allowed": result.allowed, "opaque": result.opaque, "kind": result.kind,
        "reason": result.reason, "console": result.console, "explanation": result.explanation,
        "status": response.status if response is not None else None,
        "preflight_needed": result.preflight_needed,
        "preflight_reasons": list(result.preflight_reasons),
        "preflight": None if pre is None else {
            "status": pre.status,
            "headers": [[n, v] for n, v in pre.headers if n.lower().startswith(CORS_PREFIXES)],
            "ok": None if pre.verdict is None else pre.verdict.ok,
        },
        "exposed_headers": list(result.exposed_headers),
    }


def backends(url: str) -> list[str]:
    from corslab.probing.display import backends_of, stack_service

    svc = stack_service(url)
    if svc is None:
        return []
    return [b.origin + "/_lab/seen" for b in backends_of(svc)]


def install(app: Flask, page_origin: str) -> None:
    bp = Blueprint("lab_playground", __name__)

    @bp.get("/_lab/predict")
    def predict():
        from corslab.probing.probe import probe

        try:
            result = probe(**scenario_from_query(request.args, page_origin), timeout=5)
        except CorsLabError as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(prediction(result))

    @bp.get("/_lab/backends")
    def backend_logs():
        from corslab.fetch.origins import parse_url

        url = request.args.get("url") or ""
        try:
            parse_url(url)
        except CorsLabError as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(seen=backends(url))

    app.register_blueprint(bp)
