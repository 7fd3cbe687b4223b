"""The server side of the browser playground: the kit's prediction next to the real browser.

The pages server (servers/pages.py) installs two endpoints on every page origin:

``POST /_lab/predict`` with a JSON body ``{"url", "method", "headers": ["Name: value", ...],
"credentials", "mode", "body", "cache"}``
    Runs the kit's probe (:mod:`corslab.probing.probe`) for that fetch() from the page's own origin
    and answers the model's verdict as JSON: allowed / opaque / kind, the reason and the console
    line Chromium would print, whether a preflight is needed and why, and what the preflight got
    back (the probe re-sends it: JavaScript can never read a preflight's answer).
``GET /_lab/backends?url=...``
    The ``/_lab/seen`` URLs of the lab backends behind ``url`` (none for a URL outside the stack),
    so the page can read which of its requests really reached the app. It sends nothing.

``/_lab/predict`` sends requests, so it never acts for another page (a server that sends what a
page asks, with the trusted origin's name on it, is a textbook CSRF / SSRF):

* only the page's own origin may call it: ``Origin`` must be the page origin exactly (or the
  origin of a proxy of the stack that serves these pages at ``/``, method 1) and
  ``Sec-Fetch-Site``, when the browser sends it, ``same-origin`` (Fetch Metadata, W3C
  "Fetch Metadata Request Headers" §2.4); the call is a POST with ``Content-Type:
  application/json``, which no form and no cross-origin fetch() can send without a preflight this
  server never answers (Fetch §4.8). Anything else is a 403 (415 for another body type);
* it reaches only the lab's own services (:func:`corslab.stack.labstack.stack_service`), on
  every hop a redirect leads to;
* it never sends a state-changing method (RFC 9110 §9.2.1: only GET, HEAD, OPTIONS and TRACE
  are safe). The preflight is an OPTIONS and is sent as the browser sends it; an actual request
  with another method is modelled from a GET to the same URL with the same headers - the CORS
  headers the lab's services answer do not depend on the method of an actual request - and the
  prediction says so (``stand_in``, no status).

Bad input is a 400 with ``{"error": one line}``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request

from corslab.errors import CorsLabError

CORS_PREFIXES = ("access-control-", "vary")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")  # RFC 9110 §9.2.1 (TRACE is never sent by fetch())
STAND_IN = "GET"
MAX_SCENARIO = 64 * 1024  # bytes of the JSON body of /_lab/predict


def scenario_from_json(data, page_origin: str) -> dict:
    """The probe's keyword arguments from the playground's JSON scenario."""
    from corslab.probing.probe import parse_header_line

    if not isinstance(data, dict):
        raise CorsLabError('the body must be a JSON object, e.g. {"url": "http://localhost:8081/v1/users"}')
    text = {k: data.get(k) for k in ("url", "method", "credentials", "mode", "body", "cache")}
    for key, value in text.items():
        if value is not None and not isinstance(value, str):
            raise CorsLabError(f"{key} must be a string")
    lines = data.get("headers") or []
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise CorsLabError('headers must be a list of "Name: value" strings')
    url = (text["url"] or "").strip()
    if not url:
        raise CorsLabError('the scenario needs a url, e.g. {"url": "http://localhost:8081/v1/users"}')
    return {"url": url, "origin": page_origin, "method": (text["method"] or "GET").strip(),
            "headers": [parse_header_line(line) for line in lines if line.strip()],
            "credentials": text["credentials"] or "same-origin", "mode": text["mode"] or "cors",
            "body": text["body"] or None, "cache": text["cache"] or "default"}


def page_origins(site: str) -> tuple[str, ...]:
    """The origins the pages of ``site`` are served from: its own, then every proxy of the stack
    whose first upstream it is (method 1 serves the app's pages at ``/`` of its own origin)."""
    from corslab.stack import topology

    proxies = [s.origin for s in topology.SERVICES.values()
               if s.kind == "nginx" and s.upstreams and s.upstreams[0] == site]
    return (topology.SERVICES[site].origin, *proxies)


def caller_problem(req, origins: tuple[str, ...]) -> tuple[int, str] | None:
    """Why ``req`` may not make this server send anything (status, one line), or None."""
    site = req.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return 403, f"only a page of {origins[0]} itself may ask for a prediction (Sec-Fetch-Site: {site})"
    origin = req.headers.get("Origin")
    if origin not in origins:
        return 403, (f"only a page of {origins[0]} itself may ask for a prediction "
                     f"(Origin: {origin or 'missing'}; send Origin: {origins[0]})")
    if req.mimetype != "application/json":
        return 415, "send the scenario as Content-Type: application/json"
    return None


def lab_only_probe(scenario: dict, timeout: float = 5):
    """The probe of ``scenario``, sending nothing outside the stack and nothing state-changing."""
    from corslab.probing import probe as wire
    from corslab.stack.labstack import stack_service

    class LabOnly(wire._Run):
        stand_in: str | None = None

        def send(self, role, method, url, headers, body):
            if stack_service(url) is None:
                raise CorsLabError(f"the playground predicts only for the lab's own services; {url} "
                                   "is not one of them (use `python -m corslab probe` for other URLs)")
            if role == "request" and method.upper() not in SAFE_METHODS:
                self.stand_in = method
                headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
                method, body = STAND_IN, None
            return super().send(role, method, url, headers, body)

    session = wire.ProbeSession(timeout=timeout)
    kw = dict(scenario)
    run = LabOnly(session, wire._checked_request(kw.pop("url"), kw.pop("origin"), kw.pop("method"),
                                                  kw.pop("headers"), kw.pop("credentials"),
                                                  kw.pop("mode"), kw.pop("body"), kw.pop("cache")),
                  session.timeout)
    return run.go(), run.stand_in


def prediction(result, stand_in: str | None = None) -> dict:
    """What the page shows of a ProbeResult (no raw exchange dump)."""
    pre = next((e for e in result.exchanges if e.role == "preflight"), None)
    response = result.response
    return {
        "allowed": result.allowed, "opaque": result.opaque, "kind": result.kind,
        "reason": result.reason, "console": result.console, "explanation": result.explanation,
        "status": response.status if response is not None and stand_in is None else None,
        "stand_in": None if stand_in is None or response is None else
        f"the kit did not send the {stand_in}: it read the CORS headers of a {STAND_IN} to the same URL",
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
    from corslab.stack.labstack import backends_of, stack_service

    svc = stack_service(url)
    if svc is None:
        return []
    return [b.origin + "/_lab/seen" for b in backends_of(svc)]


def install(app: Flask, site: str) -> None:
    """The playground's endpoints for the pages of ``site`` (a page service of the topology)."""
    origins = page_origins(site)
    bp = Blueprint("lab_playground", __name__)

    @bp.post("/_lab/predict")
    def predict():
        problem = caller_problem(request, origins)
        if problem:
            status, line = problem
            return jsonify(error=line), status
        if (request.content_length or 0) > MAX_SCENARIO:
            return jsonify(error=f"the scenario is over {MAX_SCENARIO} bytes"), 413
        try:
            result, stand_in = lab_only_probe(
                scenario_from_json(request.get_json(silent=True), request.headers["Origin"]))
        except CorsLabError as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(prediction(result, stand_in))

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
