"""The static pages of the lab's three browser origins (출처): app, admin, and the untrusted site.

``create_app(site)`` serves ``servers/static/`` with an index page that says which origin it is and
what it is for. ``/_lab/topology.json`` hands the page the stack's services and the lab policy from
``corslab.stack.topology`` and ``corslab.stack.policy``, so no page hard-codes a port.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from flask import Flask, jsonify

from corslab.stack import policy, topology
from servers import limits
from corslab.probing.playground import install as install_playground

STATIC = Path(__file__).parent / "static"

SITES = {
    "frontend": (
        "App origin",
        "The application's own page. It calls the API on other ports: same site (localhost), "
        "different origin - the everyday CORS situation of app.example.com calling api.example.com.",
    ),
    "admin": (
        "Admin origin",
        "A second trusted origin. The lab policy allows it too: the multi-origin allowlist lesson "
        "(one Access-Control-Allow-Origin value per response, chosen per request, with Vary: Origin).",
    ),
    "untrusted": (
        "Untrusted site",
        "Another site altogether (127.0.0.1 is not localhost). Nothing should let this page read the "
        "API's answers, and the browser never sends it the API's cookies.",
    ),
}


def create_app(site: str = "frontend") -> Flask:
    if site not in SITES:
        raise ValueError(f"unknown site {site!r}; choose one of {', '.join(SITES)}")
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="")
    limits.install(app)  # the pages take no uploads; a body over 1 MiB is answered 413
    me = topology.SERVICES[site]
    title, purpose = SITES[site]

    @app.get("/")
    def index():
        return _index_html(title, purpose, me), 200, {"Content-Type": "text/html; charset=utf-8"}

    @app.get("/_lab/topology.json")
    def topology_json():
        return jsonify(
            site=site,
            origin=me.origin,
            services=[
                {"name": s.name, "origin": s.origin, "port": s.port, "method": s.method,
                 "kind": s.kind, "role": s.role}
                for s in topology.SERVICES.values()
            ],
            policy={
                "allowed_origins": list(policy.ALLOWED_ORIGINS),
                "allowed_methods": list(policy.ALLOWED_METHODS),
                "allowed_headers": list(policy.ALLOWED_HEADERS),
                "exposed_headers": list(policy.EXPOSED_HEADERS),
                "allow_credentials": policy.ALLOW_CREDENTIALS,
                "max_age": policy.MAX_AGE,
            },
        )

    install_playground(app, site)  # /_lab/predict and /_lab/backends (corslab/probing/playground.py)

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask every origin for one; a 404 would put an unrelated error in the console
        # beside the CORS lines a learner reads. No icon: 204, cached for a day.
        return "", 204, {"Cache-Control": "public, max-age=86400"}

    @app.get("/_lab/health")
    def health():
        return jsonify(status="ok", site=site)

    @app.errorhandler(413)
    def too_large(error):
        return jsonify(error="Request Entity Too Large", detail=error.description), 413

    return app


def _index_html(title: str, purpose: str, me: topology.Service) -> str:
    rows = "\n".join(
        f"<tr><td>{escape(s.name)}</td><td><code>{escape(s.origin)}</code></td>"
        f"<td>{'method ' + str(s.method) if s.method else ''}</td><td>{escape(s.role)}</td></tr>"
        for s in topology.SERVICES.values()
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CORS Lab - {escape(title)} ({escape(me.origin)})</title>
<style>
 body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
 code {{ background: #f3f3f3; padding: 0 .2rem; }}
 table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .3rem .6rem; }}
 .origin {{ font-size: 1.4rem; }}
</style>
</head>
<body data-site="{escape(me.name)}" data-origin="{escape(me.origin)}">
<h1>CORS Lab: {escape(title)}</h1>
<p class="origin">This page's origin (출처): <code id="origin">{escape(me.origin)}</code></p>
<p>{escape(purpose)}</p>
<p><a href="/playground.html">Open the browser playground</a>: send real <code>fetch()</code>
requests from this origin to any method of the stack and see what JavaScript is allowed to read.</p>
<h2>The stack</h2>
<table><tr><th>service</th><th>origin</th><th>method</th><th>role</th></tr>
{rows}
</table>
</body>
</html>
"""
