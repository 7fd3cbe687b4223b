"""A header-echo endpoint: it answers with exactly the CORS headers the request asks for.

Every path except ``/_lab/...`` is the echo. The query string says what to answer, so one URL
describes one scenario and a browser, the probe and a test can all replay it:

    acao, acac, acam, acah, aceh, acma   Access-Control-Allow-Origin / -Allow-Credentials /
                                         -Allow-Methods / -Allow-Headers / -Expose-Headers / -Max-Age.
                                         Repeat a name to send the header twice (acao=a&acao=b):
                                         duplicates are a lesson of their own.
                                         ``{origin}`` in a value is replaced by the request's Origin.
    hdr=Name:value                       any other response header (repeatable), e.g. hdr=X-Secret:1
    status                               status of the actual response (default 200)
    redirect=URL, redirect_status        answer the actual request with a redirect (default 302)
    etag=VALUE                           send ``ETag: "VALUE"``; a request whose If-None-Match names it
                                         is answered 304 (no body) with the same headers plus any
                                         ``hdr304=Name:value`` - the HTTP cache lesson

A preflight (OPTIONS) gets the same headers, unless ``pf_<name>`` parameters are given: if any
``pf_acao``/``pf_acac``/... is present, the preflight uses the ``pf_`` set instead. It also reads
``preflight_status`` (default 204) and ``preflight_redirect`` / ``preflight_redirect_status``.

The body of a non-redirect answer is JSON describing what arrived (method, path, headers, body), so
a page can show what its browser really sent. Every response carries ``X-Request-Id`` like the API.
What reached the echo is kept in a bounded log at ``GET /_lab/seen?trace=ID`` (see servers/seen.py).

What HTTP cannot carry is refused with 400 and a body that says why, never put on the wire or
turned into a 500: a header name that is not a token, a value with CR, LF or NUL (or beyond
Latin-1), a status outside 100-599. A body over 1 MiB is answered 413, with the headers the query
string asks for (servers/limits.py).
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, jsonify, request

from servers import limits
from servers.seen import install as install_seen_log

CORS_PARAMS = {
    "acao": "Access-Control-Allow-Origin",
    "acac": "Access-Control-Allow-Credentials",
    "acam": "Access-Control-Allow-Methods",
    "acah": "Access-Control-Allow-Headers",
    "aceh": "Access-Control-Expose-Headers",
    "acma": "Access-Control-Max-Age",
}
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: what a header name may be
_BAD_VALUE = re.compile(r"[\0\r\n]|[^\x00-\xff]")  # RFC 9110 field-value: no CR, LF, NUL


class Unsendable(Exception):
    """The query string asks for an answer HTTP/1.1 cannot carry: answered 400 with the reason."""


def requested_headers(args, preflight: bool) -> list[tuple[str, str]]:
    """The response headers the query string asks for, in order, duplicates kept."""
    prefix = "pf_" if preflight and any(f"pf_{p}" in args for p in CORS_PARAMS) else ""
    origin = request.headers.get("Origin", "")
    headers = []
    for param, name in CORS_PARAMS.items():
        for value in args.getlist(prefix + param):
            headers.append((name, value.replace("{origin}", origin)))
    extra = args.getlist("hdr") + (args.getlist("hdr304") if not_modified(args) else [])
    for item in extra:
        name, sep, value = item.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    for name, value in headers:
        _check_header(name, value)
    return headers


def not_modified(args) -> bool:
    """A conditional GET/HEAD whose If-None-Match names this URL's ``etag`` (RFC 9110 §13.1.2)."""
    etag = args.get("etag")
    if not etag or request.method not in ("GET", "HEAD"):
        return False
    tags = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    return f'"{etag}"' in tags or "*" in tags


def _check_header(name: str, value: str) -> None:
    if not _TOKEN.fullmatch(name):
        raise Unsendable(f"the header name {name!r} is not a token (letters, digits and "
                         "!#$%&'*+-.^_`|~); HTTP cannot send it")
    if _BAD_VALUE.search(value):
        raise Unsendable(f"the value of header {name} contains CR, LF, NUL or a character "
                         "beyond Latin-1; HTTP/1.1 cannot send it")


def _status(args, name: str, default: int) -> int:
    try:
        status = int(args.get(name, default))
    except ValueError:
        return default
    if not 100 <= status <= 599:
        raise Unsendable(f"{name}={status} is not an HTTP status; use 100-599 (e.g. 200, 404)")
    return status


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    install_seen_log(app)
    limits.install(app)

    @app.get("/_lab/health")
    def health():
        return jsonify({"ok": True, "service": "echo"})

    @app.route("/", defaults={"path": ""}, methods=METHODS, provide_automatic_options=False)
    @app.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
    def echo(path: str):
        args = request.args
        preflight = request.method == "OPTIONS"
        pf = "preflight_" if preflight else ""
        if args.get(pf + "redirect"):
            resp = Response("", status=_status(args, pf + "redirect_status", 302))
            _check_header("Location", args[pf + "redirect"])
            resp.headers["Location"] = args[pf + "redirect"]
        elif preflight:
            resp = Response("", status=_status(args, "preflight_status", 204))
        elif not_modified(args):
            resp = Response(status=304)
        else:
            resp = jsonify({
                "method": request.method,
                "path": request.full_path if request.query_string else request.path,
                "headers": [[k, v] for k, v in request.headers.items()],
                "body": request.get_data(as_text=True),
            })
            resp.status_code = _status(args, "status", 200)
        for name, value in requested_headers(args, preflight):
            resp.headers.add(name, value)
        if args.get("etag") and not preflight:
            _check_header("ETag", args["etag"])
            resp.headers["ETag"] = f'"{args["etag"]}"'
        resp.headers["X-Request-Id"] = uuid.uuid4().hex
        return resp

    @app.errorhandler(Unsendable)
    def unsendable(error):
        resp = Response(f"echo: {error}\n", status=400, content_type="text/plain; charset=utf-8")
        resp.headers["X-Request-Id"] = uuid.uuid4().hex
        return resp

    @app.errorhandler(413)
    def too_large(error):
        # With the CORS headers the URL asks for, as any other answer of the echo: JS can read it.
        resp = jsonify(error="Request Entity Too Large", detail=error.description)
        resp.status_code = 413
        try:
            for name, value in requested_headers(request.args, request.method == "OPTIONS"):
                resp.headers.add(name, value)
        except Unsendable:
            pass
        resp.headers["X-Request-Id"] = uuid.uuid4().hex
        return resp

    @app.errorhandler(405)
    def any_other_method(_error):
        # Flask routes only the methods it knows (in upper case); a lowercase "patch" or a made-up
        # method is still echoed, since what the browser sent verbatim is the point.
        return echo(request.path.lstrip("/"))

    return app
